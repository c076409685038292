#!/bin/bash
# t0620-graph-browser: headless Chromium loads graph/ served over 127.0.0.1
# under a path prefix (/bench/), selects metrics, draws them, zooms, keeps
# the state in the URL fragment, opens a commit, and logs no console error.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/t06/site.sh"

R=$T_DIR/repo D=$T_DIR/t.db W=$T_DIR/www
site_repo "$R"
check "import and populate" site_db "$R" "$D" 1
check "render under a prefix directory" "$TJ_GEN" render --db "$D" \
    --out "$W/bench"
P=$(free_port)
bg "$TJ_GEN" serve --out "$W" --listen "127.0.0.1:$P" >"$T_DIR/serve.log" 2>&1
check "the server answers" wait_for 10 curl -sf "http://127.0.0.1:$P/bench/"

TJ_TOP=$TJ_TOP timeout 120 node "$TJ_TOP/tests/e2e/t06/graph.js" \
    "http://127.0.0.1:$P/bench/graph/" run/nbody/time run/fannkuch/time \
    >"$T_DIR/graph.json" 2>"$T_DIR/graph.err"
rc=$?
check_eq "the browser run ends cleanly" "$rc" 0
cat "$T_DIR/graph.err" | head -n 20
j() { python3 -c 'import json,sys; v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): v = v[k] if not isinstance(v, list) else v[int(k)]
print(v if not isinstance(v, list) else "|".join(map(str, v)))' \
    "$T_DIR/graph.json" "$1" 2>/dev/null; }
check_eq "no console error, failed request or exception" "$(j errors)" ""
check_match "the canvas has ink" "$(j inked)" '^[0-9]{3,}$'
check_match "the status counts the commits" "$(j status)" '^[0-9]+ commits, 1 metric$'
key1=$(python3 -c 'import json,sys
m = json.load(open(sys.argv[1]))["metrics"]
print([x["key"] for x in m if x["name"] == "run/nbody/time"][0])' \
    "$W/bench/graph/metrics.json")
check_eq "the selection is in the fragment" "$(j hash1)" "#m=$key1"
check_match "two metrics, two series" "$(j legend)" \
    'run/nbody/time.*run/fannkuch/time'
check_eq "the filter keeps only the matching metric" "$(j visible_leaves)" \
    run/fannkuch/time
check_match "the tooltip names a commit and a value" "$(j tooltip)" \
    '^[0-9a-f]{10} [0-9]{4}-[0-9]{2}-[0-9]{2} .*run/nbody/time: [0-9.]+ s'
check_match "dragging zooms into the fragment" "$(j hash_zoomed)" \
    '^#m=[0-9a-f]{16},[0-9a-f]{16}&x=[0-9.e+-]+,[0-9.e+-]+$'
check_eq "a reload restores the metrics" "$(j checked_after_reload)" 2
check_eq "and the range" "$(j hash_reloaded)" "$(j hash_zoomed)"
check_match "double-click resets the zoom" "$(j hash_reset)" \
    '^#m=[0-9a-f]{16},[0-9a-f]{16}$'
check_match "the day toggle is kept too" "$(j hash_days)" 'd=1'
check_match "clicking a point opens its commit, under the prefix" \
    "$(j clicked_to)" "^http://127.0.0.1:$P/bench/commit/[0-9a-f]{40}/\$"
echo "# graph first paint $(j first_paint_ms) ms, $(j first_load_bytes) bytes"
t_done
