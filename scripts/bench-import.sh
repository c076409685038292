#!/bin/bash
# bench-import.sh: tj-gen update on a synthetic 100 000-commit repo against
# `git log` over the same repo, medians measured in the same run.
# Targets (issue "Foundation"): full import <= 1.5 x git log; an update
# with nothing new < 50 ms. N=... changes the size; RUNS=... the repetitions.
set -eu
cd "$(dirname "$0")/.."
N=${N:-100000}
RUNS=${RUNS:-7}
W=build/bench
mkdir -p "$W"
R=$W/repo-$N
if [ ! -d "$R" ]; then
	echo "building a $N-commit repo with scripts/mkrepo (once)..."
	scripts/mkrepo "$N" "$R.tmp" && mv "$R.tmp" "$R"
fi
command -v hyperfine >/dev/null || { echo "needs hyperfine (make deps)"; exit 1; }
DB=$W/import.db
GEN=build/tj-gen
FMT='%H %P %an <%ae> %at %cn <%ce> %ct %B'

hyperfine -N -w 1 -r "$RUNS" --export-json "$W/import.json" \
	-p "rm -f $DB $DB-wal $DB-shm" \
	-n "git log" "git -C $R log --all --format='$FMT'" \
	-n "full import" "$GEN update --repo $R --db $DB --quiet --no-render" >/dev/null
"$GEN" update --repo "$R" --db "$DB" --quiet --no-render
hyperfine -N -w 2 -r $((RUNS * 3)) --export-json "$W/noop.json" \
	-n "nothing new" "$GEN update --repo $R --db $DB --quiet --no-render" >/dev/null

python3 - "$W/import.json" "$W/noop.json" "$N" <<'PY'
import json, sys
imp = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
noop = json.load(open(sys.argv[2]))["results"][0]
n = int(sys.argv[3])
git = imp["git log"]["median"]
full = imp["full import"]["median"]
ratio = full / git
print("commits:              %d" % n)
print("git log (baseline):   %.3f s median" % git)
print("tj-gen full import:   %.3f s median  = %.2f x git log  "
      "(target <= 1.5 x: %s)" % (full, ratio, "PASS" if ratio <= 1.5 else "MISS"))
ms = noop["median"] * 1000
print("update, nothing new:  %.1f ms median  (target < 50 ms: %s)"
      % (ms, "PASS" if ms < 50 else "MISS"))
PY
