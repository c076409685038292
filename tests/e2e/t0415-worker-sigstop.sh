#!/bin/bash
# t0415: a worker stopped (SIGSTOP) past worker-timeout while its bench
# runs. The server frees its reservation and hands the commit to w2; w1's
# bench (its own process group, not stopped) finishes meanwhile. When w1
# goes on (SIGCONT), the two sides follow docs/protocol.md: w1's run is
# the older, its bench has ended, so it is submitted and stored; w2 is
# told to abort its newer run of the same commit, long before its 30 s
# bench could end, and its bench is killed. One run lands (w1's), none is
# lost, nothing is left behind.
# tj-test: slow
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/api-lib.sh"
. "$(dirname "$0")/worker-lib.sh"
cd "$T_DIR" || exit 1

# w1's bench takes 2 s; w2's 30 s (unless aborted).
bench_repo bench <<SH
#!/bin/sh
if [ "\$TJ_WORKER" = w2 ]; then
	echo \$\$ >"$T_DIR/w2.bench.pid"
	sleep 30
else
	echo \$\$ >"$T_DIR/w1.bench.pid"
	sleep 2
	: >"$T_DIR/w1.bench.done"
fi
echo '{"metric":"m","values":[1,2,3]}' >>"\$TJ_RESULT_FILE"
echo "finished by \$TJ_WORKER"
SH
git init -q repo
mkcommit repo f x one
api_conf "	worker-timeout = 3s
[bench]
	repo = $T_DIR/bench
[bisect]
	enabled = false"
gen update
h=$(git -C repo rev-parse HEAD)
api_start --config "$T_DIR/tj.conf"
worker_conf w1
worker_conf w2
bg_worker w1
w1=$T_LAST_PID
check "w1's bench runs" wait_for 30 test -s w1.bench.pid
kill -STOP "$w1"
w1_run=$(sql tj.db "SELECT run_id FROM queue")
check_match "w1 holds the commit" "$w1_run" '^r-'
check "w1's bench ends while w1 is stopped" wait_for 20 test -e w1.bench.done
# Stopped for twice the timeout: the reservation is freed and w2 gets it.
sleep 6
bg_worker w2
w2=$T_LAST_PID
check "w2 gets the commit" wait_for 30 test -s w2.bench.pid
check_eq "the queue says so" "$(sql tj.db "SELECT reserved_by FROM queue")" w2
kill -CONT "$w1"
check "w1's run lands" wait_for 30 runs_are 1
check_eq "it is w1's" "$(sql tj.db "SELECT id || ' ' || worker FROM runs")" "$w1_run w1"
check_eq "its values" "$(values_of "$h" m)" "[1,2,3]"
check "w2 is told to abort its newer run" wait_for 15 grep -q "asks to abort the run" w2.log
check "w2's bench is killed" wait_for 15 gone "$(cat w2.bench.pid)"
check "w2 finished no run" sh -c "! grep -q 'finished: exit' w2.log"
check "the queue drains" wait_for 15 sql_is tj.db 'SELECT count(*) FROM queue' 0
sleep 2
check_eq "still one run" "$(n_runs)" 1
check "w1 stops" stop "$w1"
check "w2 stops" stop "$w2"
api_stop
# One commit: w1's run, no extra (w2's newer one was aborted).
fault_check "t0415 SIGSTOP of worker past timeout" tj.db 1 0 w1.d w2.d
t_done
