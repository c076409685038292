#!/bin/bash
# bench-update-noop.sh: `tj-gen update` with nothing new on a repo with as
# many refs as curl/curl (17,887: branches and tags over a 5,000-commit
# history, packed as a clone has them), against `git for-each-ref` on the
# same repo, medians measured in the same run, and the instructions of
# each (callgrind), which do not move with the machine's load.
# Target: a no-op update <= 2 x git for-each-ref. REFS=..., COMMITS=...,
# RUNS=... change the sizes and the repetitions.
set -eu
cd "$(dirname "$0")/.."
REFS=${REFS:-17887}
COMMITS=${COMMITS:-5000}
RUNS=${RUNS:-15}
W=build/bench
mkdir -p "$W"
R=$W/refs-$REFS-$COMMITS
GEN=build/tj-gen
command -v hyperfine >/dev/null || { echo "needs hyperfine (make deps)"; exit 1; }
[ -x "$GEN" ] || { echo "needs $GEN (make all)"; exit 1; }
if [ ! -d "$R" ]; then
	echo "building a repo with $COMMITS commits and $REFS refs (once)..."
	rm -rf "$R.tmp"
	git init -q -b main "$R.tmp"
	# One line of history; a third of the refs are branches, the rest
	# annotated-free tags, each at a commit spread over the history. (The
	# malloc settings keep fast-import from returning its heap to the
	# kernel after every object: see scripts/mkrepo.)
	python3 - "$COMMITS" "$REFS" <<'PY' | MALLOC_TOP_PAD_=268435456 \
	    MALLOC_TRIM_THRESHOLD_=268435456 git -C "$R.tmp" fast-import --quiet
import sys
n, refs = int(sys.argv[1]), int(sys.argv[2])
w = sys.stdout.write
for i in range(1, n + 1):
    msg = "commit %d\n" % i
    data = "line %d\n" % i
    w("commit refs/heads/main\nmark :%d\n" % i)
    w("committer Bench <b@example.com> %d +0000\n" % (1700000000 + i * 60))
    w("data %d\n%s" % (len(msg), msg))
    if i > 1:
        w("from :%d\n" % (i - 1))
    w("M 100644 inline f.txt\ndata %d\n%s\n" % (len(data), data))
for k in range(refs - 1):
    name = ("refs/heads/b%05d" % k) if k % 3 == 0 else ("refs/tags/t%05d" % k)
    w("reset %s\nfrom :%d\n\n" % (name, 1 + (k * 7919) % n))
PY
	git -C "$R.tmp" pack-refs --all
	mv "$R.tmp" "$R"
fi
DB=$W/update-noop.db
rm -f "$DB" "$DB-wal" "$DB-shm"
"$GEN" update --repo "$R" --db "$DB" --quiet --no-render
nrefs=$(git -C "$R" for-each-ref | wc -l)

hyperfine -N -w 2 -r "$RUNS" --export-json "$W/update-noop.json" \
	-n "git for-each-ref" "git -C $R for-each-ref" \
	-n "update, nothing new" \
	"$GEN update --repo $R --db $DB --quiet --no-render" >/dev/null

python3 - "$W/update-noop.json" "$nrefs" <<'PY'
import json, sys
res = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
git = res["git for-each-ref"]["median"]
noop = res["update, nothing new"]["median"]
ratio = noop / git
print("refs:                      %s" % sys.argv[2])
print("git for-each-ref (floor):  %.1f ms median" % (git * 1000))
print("tj-gen update, no-op:      %.1f ms median  = %.2f x for-each-ref  "
      "(target <= 2 x: %s)" % (noop * 1000, ratio,
      "PASS" if ratio <= 2 else "MISS"))
PY

# Instructions (callgrind) of one of each: the same ratio without the
# machine's noise (it leaves out time spent waiting in the kernel).
if command -v valgrind >/dev/null; then
	icount() {
		valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" \
		    2>&1 >/dev/null | sed -n 's/.*Collected : *//p'
	}
	gi=$(icount git -C "$R" for-each-ref)
	ti=$(icount "$GEN" update --repo "$R" --db "$DB" --quiet --no-render)
	python3 -c "import sys; g, t = int(sys.argv[1]), int(sys.argv[2]); \
print('instructions: git %.1f M, tj-gen %.1f M = %.2f x' % (g / 1e6, t / 1e6, t / g))" "$gi" "$ti"
fi
