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
check_eq "not run again" "$(grep -c ": $h (internal)" w1.log)" 0
check "the worker stops" stop "$wpid"
# One commit, one run (the spooled one, no extra), its run dir cleaned up.
FAULT_ALIVE=$API_PID fault_check "t0405 kill -9 of worker, run spooled" \
    tj.db 1 0 w1.d

# What the server refuses for good (409: a commit it does not know) is put
# aside, not retried forever, not deleted; a spool file for a server that
# is not configured stays; a broken file is left alone.
bogus=0123456789012345678901234567890123456789
printf '{"server":"%s","run_id":"r-bogus","submit_run":{"id":"r-bogus","hash":"%s","bench_method":{"type":"internal"},"start":"2026-11-28T07:00:00Z","exit_code":0,"output":[],"measurements":{}}}\n' \
    "$API" "$bogus" >w1.d/spool/0000000000001-r-bogus.json
printf '{"server":"http://127.0.0.1:1","run_id":"r-other","submit_run":{"id":"r-other"}}\n' \
    >w1.d/spool/0000000000002-r-other.json
printf '{"server":' >w1.d/spool/0000000000003-r-broken.json
sleep 2.5	# the last process's secret times out (worker-timeout 2s)
worker w1 --once
check_eq "--once with results left for an unknown server: exit 75" "$?" 75
check "the refused run is kept aside" test -f w1.d/spool/rejected/0000000000001-r-bogus.json
check_match "and logged" "$(cat w1.log)" "run r-bogus rejected by $API: .*HTTP 409"
check "the other server's run stays" test -f w1.d/spool/0000000000002-r-other.json
check_match "and is logged" "$(cat w1.log)" "run r-other is for http://127.0.0.1:1, which is not configured"
check "the broken file stays" test -f w1.d/spool/0000000000003-r-broken.json
check_eq "nothing more landed" "$(n_runs)" 1
api_stop
t_done
