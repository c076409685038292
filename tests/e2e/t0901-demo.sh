#!/bin/bash
# t0901: make demo's script on this repository itself: 20 commits
# benchmarked by tj-api --local-worker, the site rendered and served, and
# Ctrl-C (SIGINT) stops every process it started.
# tj-test: slow
. "$(dirname "$0")/lib.sh"
if ! git -C "$TJ_TOP" rev-parse --git-dir >/dev/null 2>&1; then
	not_ok "the source tree is not a git checkout"
	t_done
fi
D=$T_DIR/demo
PORT=$(free_port)
# The internal method over the 20 newest commits: the default bench builds
# every commit, too slow for a test (t0902 runs that bench once).
export TJ_BIN DEMO_DIR=$D DEMO_OUT=$D/out DEMO_PORT=$PORT DEMO_TIMEOUT=300 \
    DEMO_BENCH=internal DEMO_SPAN=19 DEMO_EVERY=1
setsid bash "$TJ_TOP/scripts/demo.sh" >"$T_DIR/demo.log" 2>&1 &
DEMO_PID=$!
t_pids="$t_pids $DEMO_PID"
serving() { grep -q "http://127.0.0.1:$PORT/" "$T_DIR/demo.log"; }
if ! check "the demo benchmarks and serves" wait_for 300 serving; then
	tail -n 30 "$T_DIR/demo.log" "$D/api.log"
fi
# Each commit of the sample once, plus the confirmation and bisection runs
# tj-api queues for the changes it finds (within the [bisect] budget).
# Those may reach past the sample: a change pinned on a merge (this
# history has one among its 20 newest) is bisected inside the branch the
# merge brought in, so only the runs outside bisect_runs are the sample.
check_eq "20 commits benchmarked" "$(sql "$D/tablejohn.db" 'SELECT count(DISTINCT commit_id) FROM runs WHERE id NOT IN (SELECT run_id FROM bisect_runs)')" 20
check_eq "every other commit run is a bisect run inside a merge of the sample" \
    "$(sql "$D/tablejohn.db" "SELECT count(*) FROM runs r JOIN bisect_runs b ON b.run_id = r.id WHERE r.commit_id NOT IN (SELECT commit_id FROM runs WHERE id NOT IN (SELECT run_id FROM bisect_runs)) AND b.kind <> 'bisect'")" 0
check_eq "every run by the local worker, without errors" \
    "$(sql "$D/tablejohn.db" "SELECT count(*) FROM runs WHERE worker <> 'local' OR error IS NOT NULL")" 0
check_eq "runs beyond one a commit are confirm or bisect runs" \
    "$(sql "$D/tablejohn.db" "SELECT count(*) = count(DISTINCT commit_id) FROM runs WHERE id NOT IN (SELECT run_id FROM bisect_runs)")" 1
check_eq "the queue is empty" "$(sql "$D/tablejohn.db" 'SELECT count(*) FROM queue')" 0
check_match "the index is served" "$(curl -s "http://127.0.0.1:$PORT/")" "<title>"
check_match "with the graph's data" "$(curl -s "http://127.0.0.1:$PORT/graph/metrics.json")" "lines"
head=$(git -C "$TJ_TOP" rev-parse HEAD)
check_eq "the newest commit's page" "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/commit/$head/")" 200
# Ctrl-C: SIGINT to the demo's process group, as a terminal sends it.
kill -INT -- -"$DEMO_PID"
gone_all() { ! pgrep -f "$D/" >/dev/null && ! kill -0 "$DEMO_PID" 2>/dev/null; }
check "Ctrl-C stops every process it started" wait_for 15 gone_all
pgrep -af "$D/" | head -n 5
t_done
