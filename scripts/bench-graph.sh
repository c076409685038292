#!/bin/bash
# bench-graph.sh [BUILD_DIR]: the graph page at 100,000 and 1,000,000
# commits x 10 metrics (every commit tracked with a run; the db made
# directly with sqlite). For each: the bytes of the first load and the
# time to first paint in headless Chromium, against a baseline page in the
# same run (the same uPlot, CSS and a 2-point plot: what any graph page
# costs), and what zooming into 500 commits loads. BENCH_GRAPH_SIZES
# overrides the sizes (e.g. "10000").
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$top/build}
case "$bin" in /*) ;; *) bin="$top/$bin" ;; esac
gen="$bin/tj-gen"
sizes=${BENCH_GRAPH_SIZES:-"100000 1000000"}
work=$(mktemp -d "${TMPDIR:-/tmp}/tj-bench-graph.XXXXXX")
pids=""
trap 'for p in $pids; do kill "$p" 2>/dev/null; done; [ -n "${BENCH_KEEP:-}" ] && echo "kept $work" || rm -rf "$work"' EXIT

if [ ! -x /usr/bin/chromium ] || [ ! -d "$top/node_modules/playwright-core" ]; then
	echo "bench-graph: skipped (needs /usr/bin/chromium and node_modules)"
	exit 0
fi
now() { date +%s.%N; }
ms() { python3 -c "import sys; print(round((float(sys.argv[2]) - float(sys.argv[1])) * 1000))" "$1" "$2"; }

# mkdb DB N: N commits in a line, all tracked, one run each with 10
# metrics (3 repetitions; a step in the middle); only the graph dirty.
mkdb() {
	"$gen" render --db "$1" --out "$work/empty" --quiet >/dev/null
	sqlite3 "$1" >/dev/null <<SQL
PRAGMA synchronous = OFF;
PRAGMA journal_mode = OFF;
BEGIN;
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $2)
INSERT INTO commits SELECT i, printf('%040x', i * 2654435761), 'A', 'a@x',
    1500000000 + 600 * i, 0, 'C', 'c@x', 1500000000 + 600 * i, 0,
    'commit ' || i || ': change module ' || (i % 97), 2, 1 FROM s;
INSERT INTO commit_edges SELECT id, id - 1, 0 FROM commits WHERE id > 1;
INSERT INTO refs VALUES ('refs/heads/main', $2, 1);
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 10)
INSERT INTO metrics (id, name, unit, direction) SELECT i,
    'bench/m' || i || '/time', 's', -1 FROM s;
INSERT INTO runs SELECT 'r-' || id, id, '{"type":"internal"}', 'box', 
    committer_time + 60, committer_time + 90,
    CASE WHEN id % 997 = 0 THEN 1 ELSE 0 END,
    CASE WHEN id % 997 = 0 THEN 'exit status 1' END FROM commits;
INSERT INTO measurements SELECT r.id, m.id, '[1,2,3]', 3,
    m.id + ((r.commit_id * 7919) % 101) / 1000.0 +
        CASE WHEN r.commit_id > $2 / 2 THEN 0.5 ELSE 0 END,
    m.id + ((r.commit_id * 7919) % 101) / 1000.0 - 0.01,
    m.id + ((r.commit_id * 7919) % 101) / 1000.0 + 0.01, 0.005, NULL
    FROM runs r, metrics m;
DELETE FROM dirty;
INSERT INTO dirty VALUES ('graph', '');
INSERT OR REPLACE INTO meta VALUES ('render.commit_max', $2);
COMMIT;
SQL
}

# The baseline: what any uPlot page costs, with the site's own CSS.
baseline() {
	mkdir -p "$1/baseline"
	cat >"$1/baseline/index.html" <<'HTML'
<!DOCTYPE html><html><head><meta charset="utf-8"><title>baseline</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="../static/style.css">
<link rel="stylesheet" href="../static/uPlot.min.css"></head>
<body><div id="plot"></div><script src="../static/uPlot.iife.min.js"></script>
<script>
new uPlot({width: 1000, height: 400, series: [{}, {stroke: "red"}]},
    [[0, 1], [1, 2]], document.getElementById("plot"));
document.body.dataset.drawn = "1";
</script></body></html>
HTML
}

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
for n in $sizes; do
	t1=$(now)
	mkdb "$work/g$n.db" "$n"
	t2=$(now)
	"$gen" render --db "$work/g$n.db" --out "$work/out$n" --quiet
	t3=$(now)
	baseline "$work/out$n"
	files=$(find "$work/out$n/graph" -type f | wc -l)
	bytes=$(du -sb "$work/out$n/graph" | cut -f1)
	"$gen" serve --out "$work/out$n" --listen "127.0.0.1:$port" \
	    >/dev/null 2>&1 &
	spid=$!
	pids="$pids $spid"
	for _ in $(seq 50); do
		curl -sf "http://127.0.0.1:$port/" >/dev/null && break
		sleep 0.1
	done
	TJ_TOP=$top timeout 300 node "$top/scripts/bench-graph.js" \
	    "http://127.0.0.1:$port/" "$n" >"$work/r$n.json"
	kill "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null || true
	python3 - "$work/r$n.json" "$n" "$(ms "$t1" "$t2")" "$(ms "$t2" "$t3")" \
	    "$files" "$bytes" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
n, mk, rd, files, size = sys.argv[2:]
if r["errors"]:
    print("bench-graph: %s commits: errors: %s" % (n, r["errors"][:3]))
    sys.exit(1)
g, b = r["graph"], r["baseline"]
print("bench-graph: %s commits x 10 metrics (db %s ms, render %s ms, "
      "graph/ %s files, %s bytes)" % (n, mk, rd, files, size))
print("  first load:   %7d bytes (baseline page %d; target < 300 KB = 307200)"
      % (g["bytes"], b["bytes"]))
print("  first paint:  %7d ms    (baseline page %d ms; %.2f x; target < 1000 ms)"
      % (g["paint_ms"], b["paint_ms"], g["paint_ms"] / max(1, b["paint_ms"])))
print("  first view:   level %s, %d requests for data" % (g["level"], g["data_requests"]))
z = r["zoom"]
print("  zoom to 500 commits: level %s, %d bytes, %d data requests: %s"
      % (z["level"], z["bytes"], len(z["data"]), " ".join(z["data"])))
PY
done
