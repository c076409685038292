#!/bin/bash
# t0402: stopping a bench: past [worker] timeout its process group gets
# SIGTERM (and SIGKILL 10 s later if it ignores that), the partial results
# are kept; an abort_run from the server kills it and drops the run, and the
# worker goes on.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/api-lib.sh"
. "$(dirname "$0")/worker-lib.sh"
cd "$T_DIR" || exit 1

bench_repo bench <<SH
#!/bin/sh
mode=\$(cat "\$1/mode")
echo '{"metric":"partial","value":1}' >>"\$TJ_RESULT_FILE"
case \$mode in
hang)
	sleep 1000 &
	echo \$! >"$T_DIR/hang-child.pid"
	echo "hanging"
	sleep 1000
	;;
stubborn)
	trap '' TERM
	echo \$\$ >"$T_DIR/stubborn.pid"
	while :; do sleep 1; done
	;;
abort)
	echo "abort mode: running"
	echo "abort mode: stderr" >&2
	echo \$\$ >"$T_DIR/abort.pid"
	sleep 1000
	;;
esac
echo "done"
SH
git init -q repo
for m in hang stubborn; do mkcommit repo mode "$m" "$m"; done
api_conf "	worker-timeout = 30s
[bench]
	repo = $T_DIR/bench"
gen update
gen queue add-batch 2
check_eq "2 queued" "$(sql tj.db 'SELECT count(*) FROM queue')" 2
api_start --config "$T_DIR/tj.conf"
hash_of() { git -C repo log --format=%H --grep="^$1\$" main; }

worker_conf w1 "[worker]
	timeout = 2s"
bg_worker w1
w1=$T_LAST_PID
check "2 runs land" wait_for 60 runs_are 2
check "w1 stops" stop "$w1"

h=$(hash_of hang)
check_eq "hang: timed out, SIGTERM" "$(run_of "$h" "exit_code, error")" "143|timed out after 2 s"
check_eq "hang: the partial result is kept" "$(values_of "$h" partial)" "[1]"
check_match "hang: its output is kept" "$(output_of "$h")" '^1\|hanging$'
check_match "hang: the timeout is in the output" "$(output_of "$h")" \
    '^0\|timed out after 2 s: SIGTERM to the bench.s process group$'
child=$(cat hang-child.pid)
check "hang: its background child died with it" wait_for 5 gone "$child"
s=$(run_of "$h" "end_time - start_time")
check "hang: stopped in time (${s}s)" awk "BEGIN { exit !($s >= 2 && $s < 15) }"

h=$(hash_of stubborn)
check_eq "stubborn: SIGKILL after 10 s" "$(run_of "$h" "exit_code, error")" "137|timed out after 2 s"
check_match "stubborn: the SIGKILL is in the output" "$(output_of "$h")" \
    '^0\|still running 10 s after SIGTERM: SIGKILL$'
s=$(run_of "$h" "end_time - start_time")
check "stubborn: took the grace period (${s}s)" awk "BEGIN { exit !($s >= 12 && $s < 30) }"
check "stubborn: gone" wait_for 5 gone "$(cat stubborn.pid)"

# Abort: the commit leaves the queue while it runs.
mkcommit repo mode abort abort
gen update
h=$(git -C repo rev-parse HEAD)
worker_conf w2
bg_worker w2
w2=$T_LAST_PID
check "abort: the bench runs" wait_for 30 test -s abort.pid
working() {
	test "$(sql tj.db "SELECT status || ' ' || json_extract(last_output, '\$[#-1][1]') FROM workers WHERE name = 'w2'")" = "working abort mode: stderr" ||
	test "$(sql tj.db "SELECT status || ' ' || json_extract(last_output, '\$[#-1][1]') FROM workers WHERE name = 'w2'")" = "working abort mode: running"
}
check "the ping says working, with the last output" wait_for 10 working
check_match "the output lines in order" \
    "$(sql tj.db "SELECT last_output FROM workers WHERE name = 'w2'")" \
    '\[1,"abort mode: running"\]'
gen queue rm "$h"
check "abort: the bench is killed" wait_for 20 gone "$(cat abort.pid)"
check "abort: the worker says so" wait_for 10 grep -q "dropped: aborted" w2.log
check_eq "abort: no run stored" "$(run_of "$h" r.id)" ""
check_eq "abort: nothing spooled" "$(spooled w2)" 0
# The worker goes on with the next run.
mkcommit repo mode quick quick
gen update
check "the next run lands" wait_for 30 runs_are 3
check_eq "quick: fine" "$(run_of "$(hash_of quick)" "worker, exit_code, error IS NULL")" "w2|0|1"
check "w2 stops on SIGTERM" stop "$w2"
api_stop
# hang, stubborn and quick have a run each (the aborted commit left the
# queue): no extra run is allowed.
fault_check "t0402 bench past timeout, aborted bench" tj.db 3 0 w1.d w2.d
t_done
