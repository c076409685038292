#!/bin/bash
# t0208: tj-api --local-worker benchmarks a repo with one command: it runs
# tj-worker (name "local") against itself and restarts it when it dies.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/api-lib.sh"
cd "$T_DIR" || exit 1

if [ ! -x "$TJ_WORKER" ]; then
	not_ok "tj-worker is built" "$TJ_WORKER is missing"
	t_done
fi
api_repo 2
api_conf
sed -i 's/update = 1h/update = 1s/' tj.conf
api_start --config "$T_DIR/tj.conf" --local-worker
check "the local worker reports in" wait_for 30 \
    sql_is tj.db "SELECT count(*) FROM workers WHERE name = 'local'" 1
check "it benchmarks the queued tip" wait_for 60 \
    sql_is tj.db "SELECT count(*) FROM runs WHERE worker = 'local'" 1
h=$(git -C repo rev-parse main)
check_eq "the run is for the tip" \
    "$(sql tj.db "SELECT c.hash FROM runs r JOIN commits c ON c.id = r.commit_id")" "$h"
check "with measurements" test "$(sql tj.db 'SELECT count(*) FROM measurements')" -gt 0
check "and its page" wait_for 20 test -f "out/run/$(sql tj.db 'SELECT id FROM runs')/index.html"
check_eq "the queue is empty" "$(sql tj.db 'SELECT count(*) FROM queue')" 0

# Kill the worker: tj-api starts it again.
wpid=$(pgrep -P "$API_PID" -x tj-worker)
check "the worker is tj-api's child" test -n "$wpid"
kill -9 $wpid 2>/dev/null
check "the death is logged" wait_for 10 grep -q "local worker killed by signal 9" api.log
check "a new worker is started" wait_for 20 \
    sh -c "p=\$(pgrep -P $API_PID -x tj-worker) && [ -n \"\$p\" ] && [ \"\$p\" != '$wpid' ]"
# The new worker (new secret, same name) takes the name over at once (tj-api
# knows the old one is dead); a new commit shows it works again.
mkcommit repo f9.txt nine "commit 9"
check "the new commit is benchmarked by the restarted worker" wait_for 60 \
    sql_is tj.db "SELECT count(*) FROM runs WHERE worker = 'local'" 2
check "its secret was accepted at once" sh -c "! grep -q 'invalid secret' api.log"
check "its work dir is next to the db" test -d tj.db-local-worker
if grep -rq "$TOKEN" api.log; then
	not_ok "the token is not in the log"
else
	ok "the token is not in the log"
fi
api_stop
check_eq "SIGTERM: clean exit" "$API_RC" 0
check "the worker stopped with it" sh -c "! pgrep -P $API_PID -x tj-worker"
check_eq "the generated worker config is gone" \
    "$(ls -d /tmp/tj-api-local.* 2>/dev/null | xargs -r -n1 sh -c 'grep -l "'"$API"'" "$0/worker.conf" 2>/dev/null' | wc -l)" 0
t_done
