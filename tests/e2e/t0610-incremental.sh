#!/bin/bash
# t0610-incremental: after one new run only its pages change; new commits,
# moved and deleted refs, deleted runs; two renders at once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/t06/site.sh"

R=$T_DIR/repo D=$T_DIR/t.db O=$T_DIR/out
site_repo "$R"
check "import and populate (every third commit)" site_db "$R" "$D" 3
check "render" "$TJ_GEN" render --db "$D" --out "$O"

# changed BEFORE AFTER: the paths whose inode changed or that are new.
changed() {
	join -1 2 -2 2 -a 2 -e none -o 2.2,1.1,2.1 <(echo "$1") <(echo "$2") |
	    awk '$2 != $3 { print $1 }' | sort
}

# One new run on the tip, marked dirty as tj-api marks it.
tip=$(git -C "$R" rev-parse main)
tipid=$(sql "$D" "SELECT id FROM commits WHERE hash = '$tip'")
check_eq "the tip has no run yet" \
    "$(sql "$D" "SELECT count(*) FROM runs WHERE commit_id = $tipid")" 0
before=$(files_state "$O")
sql "$D" "
INSERT INTO runs VALUES ('r-new', $tipid, '{\"type\":\"internal\"}', 'box1',
    1800000000, 1800000010, 0, NULL);
INSERT INTO measurements (run_id, metric_id, vals, n, median, min, max, stddev)
    SELECT 'r-new', id, '[2.5]', 1, 2.5, 2.5, 2.5, 0 FROM metrics
    WHERE name IN ('run/nbody/time', 'size/bin');
INSERT INTO run_output VALUES ('r-new', 1, 1, 'done');
INSERT INTO dirty VALUES ('run', 'r-new'), ('commit', '$tip'),
    ('worker', 'box1'), ('queue', ''), ('index', ''), ('graph', ''),
    ('metric', 'run/nbody/time'), ('metric', 'size/bin');"
start=$(date +%s%N)
check "render after one run" "$TJ_GEN" render --db "$D" --out "$O"
ms=$((($(date +%s%N) - start) / 1000000))
echo "# render after one new run: $ms ms"
after=$(files_state "$O")
got=$(changed "$before" "$after")
k1=$(python3 -c 'import hashlib,sys
def h(s):
    x = 14695981039346656037
    for b in s.encode():
        x = ((x ^ b) * 1099511628211) % 2**64
    return "%016x" % x
print(h("run/nbody/time"), h("size/bin"))' | tr ' ' '\n' | sort)
# Fewer than 1024 graph commits: all of them in position chunk 0. The tip
# joins the chunk: its commit list, and so the id every metric's file of
# that chunk carries, changes; nothing of any other chunk does.
chunk=0
want=$(printf '%s\n' ./run/r-new/index.html ./run/r-new/run.json \
    "./commit/$tip/index.html" "./commit/$tip/commit.json" \
    ./worker/box1/index.html ./worker/box1/worker.json \
    ./index.html ./index.json ./feed.xml ./queue/index.html ./queue/queue.json \
    ./graph/commits.json ./graph/metrics.json "./graph/c/$chunk.json" \
    "./go/h/${tip:0:2}.json" \
    $(for k in $k1; do echo "./graph/m/$k/$chunk.json"; done) \
    $(cd "$O" && ls -d ./graph/m/*/"$chunk.json") | sort -u)
extra=$(comm -23 <(echo "$got") <(echo "$want"))
check_eq "nothing else was rewritten" "$extra" ""
for f in ./run/r-new/index.html "./commit/$tip/index.html" ./index.html \
    ./graph/commits.json "./graph/c/$chunk.json" ./worker/box1/index.html; do
	check_match "$f was rewritten" "$got" "^$f\$"
done
check_match "the new run compares with its ancestor's" \
    "$(cat "$O/run/r-new/index.html")" 'href="../../run/r-[0-9]+/"><code>r-[0-9]+</code></a> of the nearest'
check_match "the index lists it first" "$(tr -d '\n' <"$O/index.html")" \
    'Latest runs</h2>.*<tbody><tr><td><a href="run/r-new/">'

# A run on a commit in the middle: the next runs below now compare with it.
mid=$(git -C "$R" rev-parse main~2)
midid=$(sql "$D" "SELECT id FROM commits WHERE hash = '$mid'")
next=$(git -C "$R" rev-parse main~1)
below=$(sql "$D" "SELECT r.id FROM runs r JOIN commits c ON c.id = r.commit_id
    WHERE c.hash = '$next'")
check_match "the commit below has a run" "$below" '^r-[0-9]+$'
check_eq "the commit in the middle has no run" \
    "$(sql "$D" "SELECT count(*) FROM runs WHERE commit_id = $midid")" 0
sql "$D" "INSERT INTO runs VALUES ('r-mid', $midid, '{\"type\":\"internal\"}',
    'box1', 1800000100, 1800000110, 0, NULL);
INSERT INTO measurements (run_id, metric_id, vals, n, median, min, max, stddev)
    SELECT 'r-mid', id, '[2.0]', 1, 2.0, 2.0, 2.0, 0 FROM metrics
    WHERE name = 'run/nbody/time';
INSERT INTO dirty VALUES ('run', 'r-mid'), ('commit', '$mid');"
check "render after a run in the middle" "$TJ_GEN" render --db "$D" --out "$O"
check_match "the run below now compares with it" \
    "$(cat "$O/run/$below/index.html")" 'href="../../run/r-mid/"><code>r-mid</code></a> of the nearest'
check_match "and so does the commit below" \
    "$(cat "$O/commit/$next/index.html")" 'compared with run <a href="../../run/r-mid/">'
check_match "the tip still compares with the run just above it" \
    "$(cat "$O/run/r-new/index.html")" "href=\"../../run/$below/\"><code>$below</code></a> of the nearest"

# A new commit: its page, its parent's (a new child), nothing for others.
before=$(files_state "$O")
tick; mkcommit "$R" a.txt 9 "main 9"
new=$(git -C "$R" rev-parse main)
check "update" "$TJ_GEN" update --repo "$R" --db "$D" --no-render
check "render after a new commit" "$TJ_GEN" render --db "$D" --out "$O"
got=$(changed "$before" "$(files_state "$O")")
check_match "the new commit's page is written" "$got" "^./commit/$new/index.html\$"
check_match "its parent's page is rewritten" "$got" \
    "^./commit/$tip/index.html\$"
check_match "the parent links the child" \
    "$(cat "$O/commit/$tip/index.html")" "href=\"../../commit/$new/\""
check_eq "no other commit page changed" \
    "$(echo "$got" | grep '^./commit/' | grep -v -e "$new" -e "$tip")" ""

# A deleted ref loses its redirect; a deleted run loses its page.
git -C "$R" tag -d v1.0 >/dev/null
check "update after deleting a tag" "$TJ_GEN" update --repo "$R" --db "$D" \
    --no-render
check "render" "$TJ_GEN" render --db "$D" --out "$O"
check_fails "the tag's redirect is gone" test -e "$O/ref/refs/tags/v1.0/index.html"
sql "$D" "DELETE FROM runs WHERE id = 'r-new';
INSERT INTO dirty VALUES ('run', 'r-new'), ('commit', '$tip'), ('index', ''),
    ('worker', 'box1');"
check "render after deleting a run" "$TJ_GEN" render --db "$D" --out "$O"
check_fails "the run's page is gone" test -e "$O/run/r-new/index.html"
check "and no link points to it" python3 "$TJ_TOP/tests/e2e/t06/linkcheck.py" "$O"

# Two renderers at once: flock makes them take turns; both succeed.
sql "$D" "INSERT INTO dirty VALUES ('index', '')"
"$TJ_GEN" render --all --db "$D" --out "$O" >"$T_DIR/r1" 2>&1 &
p1=$!
"$TJ_GEN" render --all --db "$D" --out "$O" >"$T_DIR/r2" 2>&1
rc2=$?
wait $p1
rc1=$?
check_eq "two concurrent renders both succeed" "$rc1 $rc2" "0 0"
check "and leave a valid site" python3 "$TJ_TOP/tests/e2e/t06/linkcheck.py" "$O"
check_eq "no temp file is left" "$(find "$O" -name '*.tmp.*' | wc -l)" 0
t_done
