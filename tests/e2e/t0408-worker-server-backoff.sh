#!/bin/bash
# t0408: with two servers, one that is down is skipped (and retried with
# growing backoff) while the other's work goes on; once it is up, its work
# is done too.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/api-lib.sh"
. "$(dirname "$0")/worker-lib.sh"
cd "$T_DIR" || exit 1

# Server "up" is tj-api on tj.conf; server "down" gets its own db and
# repo, and a port nobody listens on until later.
api_repo 3
api_conf "	worker-timeout = 30s"
import_all
api_start --config "$T_DIR/tj.conf"
git init -q down-repo
mkcommit down-repo f x d1
mkcommit down-repo f y d2
sed -e "s|$T_DIR/repo|$T_DIR/down-repo|" -e "s|$T_DIR/tj.db|$T_DIR/down.db|" \
    tj.conf >down.conf
"$TJ_GEN" update --config down.conf --no-render --quiet
down_port=$(free_port)
worker_conf w1 "[server \"down\"]
	url = http://127.0.0.1:$down_port
	token = $TOKEN"
bg_worker w1
wpid=$T_LAST_PID
check "the server that is up gets its 3 runs" wait_for 30 runs_are 3
check "the one that is down is retried with backoff" \
    wait_for 20 grep -q "127.0.0.1:$down_port/api/worker/status: .*(again in [2-9]" w1.log
bg "$TJ_API" --listen "127.0.0.1:$down_port" --config down.conf >>down.log 2>&1
check "once up, its run is done too" \
    wait_for 90 sh -c "test \$(sqlite3 down.db 'SELECT count(*) FROM runs') = 1"
check_match "the worker noticed" "$(cat w1.log)" "127.0.0.1:$down_port answers again"
check_eq "by w1" "$(sql down.db 'SELECT worker FROM runs')" w1
check "the worker stops" stop "$wpid"
api_stop
t_done
