#!/bin/bash
# t0405: the worker is killed with SIGKILL after the run finished and was
# spooled, before it was submitted: after a restart the run lands exactly
# once, and is not run again. Uses the test hook
# TJ_WORKER_TEST_STOP_BEFORE_SUBMIT (docs/bench.md).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/api-lib.sh"
. "$(dirname "$0")/worker-lib.sh"
cd "$T_DIR" || exit 1

git init -q repo
mkcommit repo a.c "int x; // TODO" one
api_conf "	worker-timeout = 2s"
gen update
h=$(git -C repo rev-parse HEAD)
api_start --config "$T_DIR/tj.conf"
worker_conf w1
TJ_WORKER_TEST_STOP_BEFORE_SUBMIT=1 bg_worker w1
wpid=$T_LAST_PID
check "the run finishes and stops before submitting" \
    wait_for 30 grep -q "test hook: stopping before the submission" w1.log
spooled_file=$(find w1.d/spool -name '*.json')
check_match "it is spooled" "$spooled_file" '\.json$'
id=$(basename "$spooled_file" .json)
id=${id#*-}
kill -KILL "$wpid"
check "the worker is dead" wait_for 10 gone "$wpid"
check_eq "nothing landed" "$(n_runs)" 0
check_eq "the commit is still queued" "$(sql tj.db 'SELECT count(*) FROM queue')" 1

: >w1.log
bg_worker w1
wpid=$T_LAST_PID
check "after a restart the run lands" wait_for 60 runs_are 1
check_eq "it is the spooled run" "$(run_of "$h" r.id)" "$id"
check_eq "its values" "$(values_of "$h" todos)" "[1]"
check_match "the restart submitted the spool first" "$(cat w1.log)" "1 run\\(s\\) in the spool"
check "the spool is emptied" wait_for 10 sh -c "test \$(find w1.d/spool -name '*.json' | wc -l) = 0"
sleep 3
check_eq "exactly once" "$(n_runs)" 1
check_eq "not run again" "$(grep -c ": $h (internal)" w1.log)" 0
check_eq "the queue is empty" "$(sql tj.db 'SELECT count(*) FROM queue')" 0
check_eq "the killed run's dir was cleaned up" "$(ls w1.d/runs | wc -l)" 0
check "the worker stops" stop "$wpid"
api_stop
t_done
