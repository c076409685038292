#!/bin/bash
# t0404: the server is down when the run finishes: the run waits in the
# spool, is retried with backoff, and lands exactly once when the server
# is back.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/api-lib.sh"
. "$(dirname "$0")/worker-lib.sh"
cd "$T_DIR" || exit 1

bench_repo bench <<SH
#!/bin/sh
touch "$T_DIR/started"
i=0
while [ ! -e "$T_DIR/go" ] && [ \$i -lt 600 ]; do sleep 0.1; i=\$((i + 1)); done
echo '{"metric":"m","values":[1,2,3]}' >>"\$TJ_RESULT_FILE"
echo finished
SH
git init -q repo
mkcommit repo f x one
api_conf "[bench]
	repo = $T_DIR/bench"
gen update
h=$(git -C repo rev-parse HEAD)
api_start --config "$T_DIR/tj.conf"
worker_conf w1
bg_worker w1
wpid=$T_LAST_PID
check "the bench runs" wait_for 30 test -e started
api_stop
check_eq "tj-api stopped" "$API_RC" 0
touch go
check "the run is spooled" wait_for 20 sh -c "test \$(find w1.d/spool -name '*.json' | wc -l) = 1"
check "a submission failed" wait_for 20 grep -q "not submitted (try 1" w1.log
check "and was retried" wait_for 20 grep -q "not submitted (try 2" w1.log
check_eq "nothing landed yet" "$(n_runs)" 0
api_restart
check "the run lands once the server is back" wait_for 60 runs_are 1
check "the spool is emptied" wait_for 10 sh -c "test \$(find w1.d/spool -name '*.json' | wc -l) = 0"
check_eq "its values" "$(values_of "$h" m)" "[1,2,3]"
check_match "its output" "$(output_of "$h")" '^1\|finished$'
sleep 2
check_eq "submitted once" "$(grep -c "submitted to" w1.log)" 1
check "the worker stops" stop "$wpid"
api_stop
# One commit, one run: no extra run is allowed.
fault_check "t0404 tj-api down at the run's end" tj.db 1 0 w1.d
t_done
