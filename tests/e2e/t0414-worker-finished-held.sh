#!/bin/bash
# t0414: a finished run that waits in the spool keeps its commit. w1's run
# finishes while tj-api is down; its submission backs off (8 s or more by
# the time tj-api is back, long past worker-timeout). While it waits, w1
# tells the server every ping that it is still working on the run, so the
# commit is not benchmarked twice: w2, started when tj-api is back, either
# never gets it or is told to abort its newer run of it at once, long
# before its 5 s bench could finish. Exactly one run lands: w1's.
# tj-test: slow
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/api-lib.sh"
. "$(dirname "$0")/worker-lib.sh"
cd "$T_DIR" || exit 1

# w1's bench waits for the go file; w2's takes 5 s.
bench_repo bench <<SH
#!/bin/sh
if [ "\$TJ_WORKER" = w2 ]; then
	touch "$T_DIR/w2.started"
	sleep 5
else
	touch "$T_DIR/started"
	i=0
	while [ ! -e "$T_DIR/go" ] && [ \$i -lt 600 ]; do sleep 0.1; i=\$((i + 1)); done
fi
echo '{"metric":"m","values":[1,2,3]}' >>"\$TJ_RESULT_FILE"
echo "finished by \$TJ_WORKER"
SH
git init -q repo
mkcommit repo f x one
api_conf "	worker-timeout = 2s
[bench]
	repo = $T_DIR/bench"
gen update
h=$(git -C repo rev-parse HEAD)
api_start --config "$T_DIR/tj.conf"
worker_conf w1
worker_conf w2
bg_worker w1
w1=$T_LAST_PID
check "w1's bench runs" wait_for 30 test -e started
w1_run=$(sql tj.db "SELECT run_id FROM queue")
api_stop
touch go
check "w1's run is spooled" wait_for 20 sh -c "[ \$(find w1.d/spool -name '*.json' | wc -l) = 1 ]"
# Down until the next try is 8 s or more away (try 6 waits 8-16 s).
check "its submission backs off" wait_for 60 grep -q "not submitted (try 6" w1.log
api_restart
bg_worker w2
w2=$T_LAST_PID
# (or has submitted it already: its status got an answer, so it does not
# wait for the end of its backoff)
held() {
	sql_is tj.db "SELECT reserved_by || ' ' || run_id FROM queue" "w1 $w1_run" ||
	    sql_is tj.db "SELECT id FROM runs" "$w1_run"
}
check "w1 says it still works on the run" wait_for 10 held
check "w1's run lands" wait_for 60 runs_are 1
sleep 7
check_eq "it is w1's" "$(sql tj.db "SELECT id || ' ' || worker FROM runs")" "$w1_run w1"
check_eq "its values" "$(values_of "$h" m)" "[1,2,3]"
check "w2 finished no run of it" sh -c "! grep -q 'finished: exit' w2.log"
if [ -e w2.started ]; then
	check "w2 was told to abort its newer run" grep -q "asks to abort the run" w2.log
fi
check "w1 stops" stop "$w1"
check "w2 stops" stop "$w2"
api_stop
# One commit, one run: w1's held result; w2's newer run of it, if any,
# was aborted, so no extra run is allowed.
fault_check "t0414 finished run held, tj-api down" tj.db 1 0 w1.d w2.d
t_done
