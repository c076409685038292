#!/bin/bash
# bench-render.sh [BUILD_DIR]: the renderer on a synthetic history (issue 5):
# BENCH_COMMITS commits (default 100000), runs on every 10th, 10 metrics.
# Full render against the filesystem floor (the same files, sizes and
# layout written by a minimal C writer, in the same run), render --all over
# an unchanged db, render after one new run (on this history and on one a
# tenth its size: it must stay flat). The graph page: bench-graph.sh.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$top/build}
case "$bin" in /*) ;; *) bin="$top/$bin" ;; esac
gen="$bin/tj-gen"
N=${BENCH_COMMITS:-100000}
work=$(mktemp -d "${TMPDIR:-/tmp}/tj-bench-render.XXXXXX")
pids=""
trap 'for p in $pids; do kill "$p" 2>/dev/null; done; [ -n "${BENCH_KEEP:-}" ] && echo "kept $work" || rm -rf "$work"' EXIT


# mkdb DB N: a linear history of N commits (a merge every 1000), runs with
# 10 measurements and 5 output lines on every 10th commit, 4 workers.
mkdb() {
	"$gen" render --db "$1" --out "$work/empty" --quiet >/dev/null
	python3 - "$1" "$2" <<'PY'
import hashlib, json, sqlite3, sys
db, n = sqlite3.connect(sys.argv[1]), int(sys.argv[2])
db.execute("PRAGMA synchronous = OFF")
t0 = 1500000000
def h(i): return hashlib.sha1(b"c%d" % i).hexdigest()
db.executemany("INSERT INTO commits VALUES (?, ?, 'A U Thor', 'a@x', ?, 60, "
    "'C O Mitter', 'c@x', ?, 0, ?, 2, 1)", ((i, h(i), t0 + 600 * i, t0 + 600 * i,
    "Commit %d: change things in module %d\n\nA body that says why, with "
    "*some* markdown.\n" % (i, i % 97)) for i in range(1, n + 1)))
db.executemany("INSERT INTO commit_edges VALUES (?, ?, 0)",
    ((i, i - 1) for i in range(2, n + 1)))
db.executemany("INSERT INTO commit_edges VALUES (?, ?, 1)",
    ((i, i - 500) for i in range(1000, n + 1, 1000)))
db.execute("INSERT INTO refs VALUES ('refs/heads/main', ?, 1)", (n,))
db.execute("INSERT INTO refs VALUES ('refs/tags/v1', ?, 0)", (n // 2,))
names = ["run/%s/time" % b for b in ("nbody", "fannkuch", "spectral", "mandel",
    "binarytrees", "fasta", "knucleotide")] + ["size/bin", "size/text",
    "ops/throughput"]
for k, m in enumerate(names):
    db.execute("INSERT INTO metrics (id, name, unit, direction) VALUES "
        "(?, ?, ?, ?)", (k + 1, m, "op/s" if m.startswith("ops") else "B"
        if m.startswith("size") else "s", 1 if m.startswith("ops") else
        0 if m.startswith("size") else -1))
workers = ["box%d" % w for w in range(4)]
for w in workers:
    db.execute("INSERT INTO workers (name, secret, info, first_seen, "
        "last_seen, status) VALUES (?, 's', 'x86_64 linux', ?, ?, 'idle')",
        (w, t0, t0 + 600 * n))
runs, meas, outp = [], [], []
for i in range(10, n + 1, 10):
    rid = "r-%07d" % i
    t = t0 + 600 * i + 60
    runs.append((rid, i, '{"type":"internal"}', workers[i % 4], t, t + 30.5,
        0, None))
    for k in range(len(names)):
        base = (k + 1) * (1 + 0.0001 * ((i * 7919 + k) % 101))
        vals = sorted(round(base * (1 + 0.002 * r), 6) for r in range(5))
        meas.append((rid, k + 1, json.dumps(vals), 5, vals[2], vals[0],
            vals[4], round(base * 0.002, 6)))
    for l in range(5):
        outp.append((rid, l + 1, l % 3, "line %d of the bench output" % l))
db.executemany("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?)", runs)
db.executemany("INSERT INTO measurements VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
    "NULL)", meas)
db.executemany("INSERT INTO run_output VALUES (?, ?, ?, ?)", outp)
db.executemany("INSERT INTO queue (commit_id, added, priority) VALUES "
    "(?, ?, 0)", ((i, t0 + i) for i in range(n - 99, n + 1) if i % 10))
db.execute("DELETE FROM dirty")
db.commit()
PY
}

# newrun DB ID: one run on the newest commit, marked dirty as tj-api does.
newrun() {
	sqlite3 "$1" "
INSERT INTO runs VALUES ('$2', (SELECT max(id) FROM commits),
    '{\"type\":\"internal\"}', 'box1', 2000000000, 2000000030, 0, NULL);
INSERT INTO measurements SELECT '$2', id, '[1.5]', 1, 1.5, 1.5, 1.5, 0, NULL
    FROM metrics;
INSERT INTO run_output VALUES ('$2', 1, 1, 'done');
INSERT OR IGNORE INTO dirty VALUES ('run', '$2'), ('worker', 'box1'),
    ('queue', ''), ('index', ''), ('graph', ''),
    ('commit', (SELECT hash FROM commits ORDER BY id DESC LIMIT 1));
INSERT OR IGNORE INTO dirty SELECT 'metric', name FROM metrics;"
}

# BENCH_MKDB=PATH: only build the db (for profiling), then stop.
if [ -n "${BENCH_MKDB:-}" ]; then
	mkdb "$BENCH_MKDB" "$N"
	exit 0
fi

. "$top/scripts/lib-bench.sh"
build_floor

echo "bench-render: building a synthetic db of $N commits ($((N / 10)) runs, 10 metrics)"
mkdb "$work/big.db" "$N"
sync

render_vs_floor --db "$work/big.db"
mv "$work/out1" "$work/out"

t1=$(now)
"$gen" render --all --db "$work/big.db" --out "$work/out" --quiet
t2=$(now)
again=$(ms "$t1" "$t2")

# One new run, 5 times each, on this history and on one a tenth its size.
one_run() { # DB OUT: the median of 5 one-run renders, in ms
	local i t1 t2 v=()
	for i in 1 2 3 4 5; do
		newrun "$1" "r-bench-$i"
		t1=$(now)
		"$gen" render --db "$1" --out "$2" --quiet
		t2=$(now)
		v+=("$(ms "$t1" "$t2")")
	done
	printf '%s\n' "${v[@]}" | sort -n | sed -n 3p
}
one_big=$(one_run "$work/big.db" "$work/out")
mkdb "$work/small.db" $((N / 10))
"$gen" render --all --db "$work/small.db" --out "$work/out-small" --quiet
one_small=$(one_run "$work/small.db" "$work/out-small")

ratio=$(python3 -c "print('%.2f' % ($full / max($floor, 1)))")
echo "bench-render: $files files, $bytes bytes"
echo "  full render:              $full ms"
echo "  filesystem floor:         $floor ms (same files, sizes, layout)"
echo "  full / floor:             $ratio (target <= 3)"
echo "  render --all, unchanged:  $again ms ($(python3 -c "print('%.2f' % ($again / max($full, 1)))") x full)"
echo "  one new run, $N commits: $one_big ms (median of 5; target < 100)"
echo "  one new run, $((N / 10)) commits: $one_small ms (flat: $(python3 -c "print('%.2f' % ($one_big / max($one_small, 1)))") x)"
echo "  (the graph's first load and paint: bench-graph.sh)"
