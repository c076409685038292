#!/bin/bash
# t0930: tj-api down for 120 s while two workers hold finished runs. Both
# workers' benches finish while tj-api is down (SIGKILL), their runs wait
# in the spools and are retried with a backoff that reaches its one-minute
# cap; when tj-api is back (the same db), each worker sends its "working"
# status for the held run at its next ping, and that answer makes it
# submit at once instead of at the end of its backoff. Then the other
# commits are benchmarked: every commit has one run, none lost, none
# duplicated (fault_check).
# It waits on the clock for 2 minutes, which the build does not change:
# it runs once per tests/run.sh, against the last build given (ASan+UBSan
# in `make test`, which also watches the retry loop for leaks and UB).
# tj-test: slow
# tj-test: once
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/api-lib.sh"
. "$(dirname "$0")/worker-lib.sh"
cd "$T_DIR" || exit 1
DOWN=${TJ_DOWN_SECS:-120}

# The first bench of each worker waits for the go file; later ones are quick.
bench_repo bench <<SH
#!/bin/sh
if [ ! -e "$T_DIR/\$TJ_WORKER.first" ]; then
	: >"$T_DIR/\$TJ_WORKER.first"
	i=0
	while [ ! -e "$T_DIR/go" ] && [ \$i -lt 3000 ]; do sleep 0.1; i=\$((i + 1)); done
fi
echo '{"metric":"m","values":[1,2,3]}' >>"\$TJ_RESULT_FILE"
echo "finished by \$TJ_WORKER"
SH
api_repo 6
api_conf "	worker-timeout = 5s
[bench]
	repo = $T_DIR/bench
[bisect]
	enabled = false"
check "import and queue 6 commits" import_all
api_start --config "$T_DIR/tj.conf"
worker_conf w1
worker_conf w2
bg_worker w1
w1=$T_LAST_PID
bg_worker w2
w2=$T_LAST_PID
check "both benches run" wait_for 60 test -e w1.first -a -e w2.first
held=$(sql tj.db "SELECT run_id FROM queue WHERE run_id IS NOT NULL ORDER BY run_id")
check_eq "two runs handed out" "$(echo "$held" | wc -l)" 2
kill -KILL "$API_PID"
wait "$API_PID" 2>/dev/null
down=$(date +%s)
touch go
check "both runs are spooled" wait_for 30 sh -c "[ \$(find w1.d/spool w2.d/spool -name '*.json' | wc -l) = 2 ]"
check "their submissions back off" wait_for 60 sh -c "grep -q 'not submitted (try 3' w1.log && grep -q 'not submitted (try 3' w2.log"
sleep $((DOWN - ($(date +%s) - down)))
[ "$DOWN" -ge 120 ] && check_match "the backoff reached its cap" "$(cat w1.log w2.log)" "not submitted \\(try [0-9]+, again in (3[0-9]|[45][0-9]|60)\\.[0-9] s\\)"
check_eq "nothing landed while down" "$(n_runs)" 0
api_restart
back=$(date +%s)
# (by their ids: the workers go on to the other commits at once, so the
# count of runs may pass 2 between two looks)
held_in() { sql tj.db "SELECT count(*) FROM runs WHERE id IN ($(echo "$held" | sed "s/.*/'&'/" | paste -sd,))"; }
held_landed() { test "$(held_in)" = 2; }
check "the held runs land" wait_for 30 held_landed
took=$(($(date +%s) - back))
check "within seconds of tj-api's return, not a backoff (${took}s)" test "$took" -le 15
check_eq "they are the held runs" "$(held_in)" 2
check_match "the workers said why they submitted" "$(cat w1.log)" "answers again: submitting run r-"
check "the other commits are benchmarked" wait_for 60 runs_are 6
check "the queue drains" wait_for 30 sql_is tj.db 'SELECT count(*) FROM queue' 0
check "w1 stops" stop "$w1"
check "w2 stops" stop "$w2"
api_stop
# 6 commits, a run each; the held runs kept their reservations: no extra.
fault_check "t0930 tj-api down ${DOWN} s, runs held" tj.db 6 0 w1.d w2.d
t_done
