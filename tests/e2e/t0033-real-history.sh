#!/bin/bash
# t0033: a real history with a real, noisy benchmark. tests/data/real-history
# holds measurements of this project's own code: the demo's bench run on 16
# commits of tablejohn's history (every 8th of 121 first-parent commits;
# 8 of them measured twice; one commit that did not build), made by
# scripts/measure-history (see its README). The test rebuilds that history
# (same subjects and dates), imports the results in a shuffled order with
# renders in between, as runs arriving from workers would, and asserts:
# - the incremental site equals a full render of the same db, byte for byte
#   (no stale comparison left behind);
# - incremental detection equals a full recompute;
# - the noise model tells the counted metrics (instructions, size) from the
#   timed ones, and learns a floor from each metric's own history; the
#   size, which moves at nearly every commit but agrees to the byte on each
#   commit measured twice, is deterministic: every size step is a change;
# - each change is a real step of the data: the counted metrics' changes are
#   the steps beyond their measured jitter, and no timed metric is called
#   changed where its counted twin (render/time vs render/instructions) did
#   not move;
# - re-importing stores nothing.
. "$(dirname "$0")/lib.sh"
DATA=$TJ_TOP/tests/data/real-history
R=$T_DIR/repo DB=$T_DIR/tj.db O=$T_DIR/out
cd "$T_DIR" || exit 1
gen_conf "$R" "$DB" "$O"

# The history: one commit per line of commits.tsv (hash, author and
# committer dates, subject), each writing its original hash to one file.
git init -q -b main "$R"
python3 - "$DATA/commits.tsv" <<'PY' | git -C "$R" fast-import --quiet
import sys
for i, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    h, at, ct, subject = line.rstrip("\n").split("\t")
    msg = (subject + "\n").encode()
    out = sys.stdout.buffer
    out.write(b"commit refs/heads/main\nmark :%d\n" % i)
    out.write(b"author A U Thor <author@example.com> %s +0000\n" % at.encode())
    out.write(b"committer C O Mitter <committer@example.com> %s +0000\n" % ct.encode())
    out.write(b"data %d\n%s" % (len(msg), msg))
    if i > 1:
        out.write(b"from :%d\n" % (i - 1))
    body = (h + "\n").encode()
    out.write(b"M 100644 inline original\ndata %d\n%s\n" % (len(body), body))
PY
check_eq "the history is rebuilt" "$(git -C "$R" rev-list --count main)" \
    "$(wc -l <"$DATA/commits.tsv")"
paste <(cut -f1 "$DATA/commits.tsv") <(git -C "$R" rev-list --reverse main) \
    >map.tsv
gen update --quiet --no-render
check_eq "121 commits imported" "$(sql "$DB" 'SELECT count(*) FROM commits')" 121

# The results, in a fixed shuffled order, a render every 4 imports.
python3 - "$DATA" map.tsv <<'PY' >plan.tsv
import os, random, sys
data, mapf = sys.argv[1], sys.argv[2]
new = dict(l.split() for l in open(mapf))
files = sorted(f for f in os.listdir(data) if f.endswith(".jsonl"))
random.Random(33).shuffle(files)
for f in files:
    print("%s\t%s" % (new[f.split(".")[0]], os.path.join(data, f)))
PY
n=0 stored=0 fails=0
while IFS=$'\t' read -r h f; do
	o=$(gen import --commit "$h" --format jsonl --no-render --quiet "$f" 2>&1) ||
		{ fails=$((fails + 1)); echo "# $o"; }
	case "$o" in *"stored run"*) stored=$((stored + 1)) ;; esac
	n=$((n + 1))
	if [ $((n % 4)) = 0 ]; then
		gen render --quiet || fails=$((fails + 1))
	fi
done <plan.tsv
gen render --quiet || fails=$((fails + 1))
check_eq "every import and render exits 0" "$fails" 0
# Two measurements of the commit that did not build are the same bytes:
# one run.
files=$(while IFS=$'\t' read -r h f; do echo "$h $(sha1sum <"$f")"; done <plan.tsv |
    sort -u | wc -l)
check_eq "every distinct result file is a run" "$stored" "$files"
check_eq "as many runs in the db" "$(sql "$DB" 'SELECT count(*) FROM runs')" "$files"
check_eq "the commit that did not build is a run with an error" \
    "$(sql "$DB" "SELECT count(*) FROM runs WHERE error LIKE 'make build/tj-gen failed%'")" \
    1

# The incremental site is the full render of the same db.
cp -a "$O" out-incremental
rm -rf "$O"
check "render --all" gen render --all --quiet
d=$(diff -r out-incremental "$O" 2>&1)
check_eq "the incremental site equals a full render" "$d" ""

# Incremental detection equals a full recompute.
key='[.changes[] | [.metric, .ref, .before_commit, .after_commit,
    .kind, (.delta_pct * 100 | round)]] | sort'
gen changes --json >inc.json
gen changes --recompute --json >full.json
check_eq "detection is the same when recomputed" \
    "$(jq -c "$key" inc.json)" "$(jq -c "$key" full.json)"

# The noise model, per metric.
noise() {
	sql "$DB" "SELECT n.deterministic || ' ' || n.runs || ' ' ||
	    printf('%.6f', n.floor) FROM noise n JOIN metrics m ON m.id = n.metric_id
	    WHERE m.name = '$1' AND n.ref = 'refs/heads/main'"
}
for m in import/instructions render/instructions import/time render/time \
    tj-gen/size; do
	echo "# noise $m: $(noise "$m") (deterministic runs floor)"
done
check_match "import/time has a floor of its own" "$(noise import/time)" \
    '^0 [0-9]+ 0\.[0-9]+$'
check_match "render/time too" "$(noise render/time)" '^0 [0-9]+ 0\.[0-9]+$'
check_match "tj-gen/size is deterministic (its repeated commits agree)" \
    "$(noise tj-gen/size)" '^1 [0-9]+ 0\.000000$'
floor() { noise "$1" | cut -d' ' -f3; }
check "the counted metrics' floors are below 0.5 %" \
    python3 -c "import sys; sys.exit(not all(0 <= f < 0.005 for f in ($(floor import/instructions), $(floor render/instructions), $(floor tj-gen/size))))"
check "and far below the timed metrics'" \
    python3 -c "import sys; sys.exit(not $(floor render/instructions) * 4 < $(floor render/time))"

# Each change is a step of the data.
python3 - "$DATA" map.tsv full.json <<'PY' >steps.out
import json, os, statistics, sys
data, mapf, changesf = sys.argv[1:4]
order = [l.split()[0] for l in open(mapf)]
new = dict(l.split() for l in open(mapf))
runs = {}
for f in os.listdir(data):
    if not f.endswith(".jsonl"):
        continue
    vals = {}
    for line in open(os.path.join(data, f)):
        r = json.loads(line)
        if "metric" in r:
            vals[r["metric"]] = statistics.median(r.get("values") or [r["value"]])
    if vals:
        runs.setdefault(f.split(".")[0], []).append(vals)
seq = [h for h in order if h in runs]
changes = json.load(open(changesf))["changes"]
at = {(c["metric"], c["after_commit"]) for c in changes}
bad = []
def level(h, m):
    return statistics.median(r[m] for r in runs[h])
# The counted metrics: the jitter of one commit measured twice bounds what
# is noise; a step between neighbours ten times beyond it must be found,
# and a step below twice it must not.
for m in ("import/instructions", "render/instructions"):
    jitter = max(abs(r[0][m] - r[1][m]) / r[0][m] for r in runs.values() if len(r) > 1)
    for a, b in zip(seq, seq[1:]):
        d = abs(level(b, m) - level(a, m)) / level(a, m)
        found = (m, new[b]) in at
        if d > 10 * jitter and not found:
            bad.append("%s: %.3f %% step at %s not found" % (m, 100 * d, b[:8]))
        if d < 2 * jitter and found:
            bad.append("%s: %.4f %% (jitter %.4f %%) called a change at %s" % (m, 100 * d, 100 * jitter, b[:8]))
# The timed metric: no change where the instructions it times did not move.
inst = {h for (m, h) in at if m == "render/instructions"}
for c in changes:
    if c["metric"] == "render/time" and c["after_commit"] not in inst:
        bad.append("render/time changed at %s, render/instructions did not" % c["after_commit"][:8])
print("changes: %d (%s)" % (len(changes), ", ".join(sorted("%s %+.2f%%" % (c["metric"], c["delta_pct"]) for c in changes))))
print("\n".join(bad) if bad else "ok")
PY
echo "# $(head -n 1 steps.out)"
check_eq "every change is a step of the data, every step is found" \
    "$(tail -n +2 steps.out)" ok

# Re-importing stores nothing.
again=0
while IFS=$'\t' read -r h f; do
	o=$(gen import --commit "$h" --format jsonl --no-render --quiet "$f" 2>&1)
	case "$o" in *"already imported"*) again=$((again + 1)) ;; esac
done <plan.tsv
check_eq "re-importing every file stores nothing" "$again" "$(wc -l <plan.tsv)"
check_eq "the runs stay as many" "$(sql "$DB" 'SELECT count(*) FROM runs')" "$files"
t_done
