#!/bin/bash
# t0412: kill -9 of a worker mid-bench. The bench (its process group's
# leader) and what it started (a grandchild in the same group) die with the
# worker, within a bounded wait; the worker's runs/<id>/ stays behind until
# a worker starts in that dir, which removes it. The commit goes to the
# restarted worker after the reservation times out: one run stored, none
# lost, the queue drained, no process or run dir left.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/api-lib.sh"
. "$(dirname "$0")/worker-lib.sh"
cd "$T_DIR" || exit 1

# The first start records its pid and its child's, then waits for ever; a
# later one finishes at once. Every start is counted in $T_DIR/ran.
bench_repo bench <<SH
#!/bin/sh
echo "\$TJ_RUN_ID" >>"$T_DIR/ran"
if [ ! -e "$T_DIR/first" ]; then
	: >"$T_DIR/first"
	sleep 3600 &
	echo "\$! \$\$" >"$T_DIR/pids.tmp"
	mv "$T_DIR/pids.tmp" "$T_DIR/pids"
	wait
fi
echo '{"metric":"m","value":1}' >>"\$TJ_RESULT_FILE"
SH

git init -q repo
mkcommit repo a.c "one" one
api_conf "	worker-timeout = 2s
[bench]
	repo = $T_DIR/bench"
gen update
check_eq "1 queued" "$(sql tj.db 'SELECT count(*) FROM queue')" 1
api_start --config "$T_DIR/tj.conf"
worker_conf w1
bg_worker w1
wpid=$T_LAST_PID
check "the bench runs" wait_for 60 test -e pids
read -r grandchild bench <pids
id=$(head -n 1 ran)
check "the bench is alive" kill -0 "$bench"
check "its child is alive" kill -0 "$grandchild"
check_eq "the child is in the bench's process group" \
    "$(cut -d' ' -f5 "/proc/$grandchild/stat")" "$bench"
check "the run dir is there" test -d "w1.d/runs/$id"

kill -KILL "$wpid"
check "the worker is dead" wait_for 10 gone "$wpid"
check "the bench dies with it" wait_for 10 gone "$bench"
check "and so does its child" wait_for 10 gone "$grandchild"
check "the dead worker left its run dir" test -d "w1.d/runs/$id"
check_eq "nothing landed" "$(n_runs)" 0

sleep 2.5	# the dead worker's secret and reservation time out (2s)
: >w1.log
bg_worker w1
wpid=$T_LAST_PID
check "the restarted worker removes the stale run dir" \
    wait_for 20 sh -c "! test -e w1.d/runs/$id"
check_match "and says so" "$(cat w1.log)" "removed $T_DIR/w1.d/runs/$id, left by a worker that did not finish the run"
check "the commit's run lands" wait_for 60 runs_are 1
check "the queue drains" wait_for 30 sh -c "test \$(sqlite3 tj.db 'SELECT count(*) FROM queue') = 0"
check "the worker stops" stop "$wpid"
check_eq "it is the restarted worker's, not the killed one" \
    "$(sql tj.db 'SELECT id FROM runs')" "$(sed -n 2p ran)"
check_eq "the bench started twice (killed, then the one that landed)" "$(wc -l <ran)" 2
api_stop
# One commit, one run (the killed bench never finished: no extra run), no
# bench or run dir left.
fault_check "t0412 kill -9 of worker mid-bench" tj.db 1 0 w1.d
kill -KILL "$bench" "$grandchild" 2>/dev/null	# in case it failed
t_done
