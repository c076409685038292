#!/bin/bash
# t0611-late-run: a run that lands on an ancestor after its descendants'
# runs were rendered re-renders every commit page whose comparison base it
# becomes: through a merge (both paths lead to the same commits, each
# walked once), stopping at commits with their own run, and more than 1024
# commits down a linear history; a base on a merged branch is said so.
. "$(dirname "$0")/lib.sh"
R=$T_DIR/repo D=$T_DIR/t.db O=$T_DIR/out
cd "$T_DIR" || exit 1
gen_conf "$R" "$D" "$O"
# run_of HASH: the id of the commit's only run.
run_of() {
	sql "$D" "SELECT r.id FROM runs r JOIN commits c ON c.id = r.commit_id
	    WHERE c.hash = '$1'"
}
# land REV VALUE: a run on REV imported, then an incremental render.
land() {
	printf '{"metric": "t", "value": %s, "unit": "s"}\n' "$2" >"$T_DIR/r.jsonl"
	gen import --commit "$1" --format jsonl --quiet "$T_DIR/r.jsonl" &&
	    gen render --quiet
}
# against HASH: the run the commit page's latest run is compared with.
against() {
	tr -d '\n' <"$O/commit/$1/index.html" |
	    sed -n 's/.*compared with run <a href="[^"]*"><code>\([^<]*\)<.*/\1/p'
}

# main: A - B - C - M - E, side: B - S - M (M merges S).
git init -q -b main "$R"
mkcommit "$R" f A A && mkcommit "$R" f B B
B=$(git -C "$R" rev-parse HEAD)
git -C "$R" checkout -q -b side && mkcommit "$R" s S S
git -C "$R" checkout -q main && mkcommit "$R" f C C
C=$(git -C "$R" rev-parse HEAD)
git -C "$R" merge -q --no-ff -m M side
mkcommit "$R" f E E
E=$(git -C "$R" rev-parse HEAD)
check "import" gen update --quiet --no-render
check "render" gen render --quiet

check "the descendant's run lands first" land "$E" 10
check_eq "E's page has no comparison yet" "$(against "$E")" ""
check_match "and says so" "$(cat "$O/commit/$E/index.html")" \
    'against nothing \(no ancestor has a run\)'
check "then B's run, below the merge's two paths" land "$B" 12
check_eq "E's page now compares with B's run" "$(against "$E")" "$(run_of "$B")"
check_match "and shows the change" "$(cat "$O/commit/$E/index.html")" '16\.67%'
S=$(git -C "$R" rev-parse side)
check "then S's run, on the merged branch, nearer than B" land "$S" 13
check_eq "E's page now compares with S's run" "$(against "$E")" "$(run_of "$S")"
check_match "and says it is on a merged branch" "$(tr -d '\n' <"$O/commit/$E/index.html")" \
    "compared with run <a [^>]*><code>$(run_of "$S")</code></a> of .*, on a merged branch</p>"
check_match "so does E's run page" "$(tr -d '\n' <"$O/run/$(run_of "$E")/index.html")" \
    "<code>$(run_of "$S")</code></a> of the nearest ancestor with a run, .*, on a merged branch</p>"
check_eq "with no count of commits back in its JSON" \
    "$(python3 -c 'import json,sys; b=json.load(open(sys.argv[1]))["base_run"]; print(b["commits_back"], b["back_text"])' "$O/run/$(run_of "$E")/run.json")" \
    "None on a merged branch"
check "then C's run, nearer on the first parent" land "$C" 11
check_eq "E's page now compares with C's run" "$(against "$E")" "$(run_of "$C")"
check_match "2 first-parent commits back" "$(tr -d '\n' <"$O/commit/$E/index.html")" \
    "compared with run <a [^>]*><code>$(run_of "$C")</code></a> of .*, 2 commits back</p>"
A=$(git -C "$R" rev-parse "$B~1")
check "a run on A, above commits with runs of their own" land "$A" 20
check_eq "E's page keeps C's run" "$(against "$E")" "$(run_of "$C")"
check_eq "C's page compares with B's" "$(against "$C")" "$(run_of "$B")"
check_eq "B's page compares with A's" "$(against "$B")" "$(run_of "$A")"

# A linear history of 1500 commits (git fast-import): the tip's run lands
# first, then the root's; the walk down reaches the tip, 1499 commits on.
L=$T_DIR/long
git init -q -b main "$L"
python3 - <<'PY' | git -C "$L" fast-import --quiet
import sys
w = sys.stdout.write
for i in range(1500):
    w("commit refs/heads/main\nmark :%d\n" % (i + 1))
    w("committer T <t@example.com> %d +0000\n" % (1700000000 + 60 * i))
    msg = "c%d\n" % i
    w("data %d\n%s" % (len(msg), msg))
    if i:
        w("from :%d\n" % i)
    w("M 644 inline f\ndata %d\n%d\n" % (len(str(i)) + 1, i))
PY
sed -i "s|path = $R|path = $L|" tj.conf
rm -f "$D" && rm -rf "$O"
check_eq "1500 commits" "$(git -C "$L" rev-list --count main)" 1500
check "import the long history" gen update --quiet --no-render
check "render it" gen render --quiet
TIP=$(git -C "$L" rev-parse main)
ROOT=$(git -C "$L" rev-list --max-parents=0 main)
check "the tip's run lands first" land "$TIP" 5
check_eq "the tip's page has no comparison" "$(against "$TIP")" ""
check "then the root's" land "$ROOT" 4
check_eq "the tip's page compares with the root's run, 1499 commits up" \
    "$(against "$TIP")" "$(run_of "$ROOT")"
check_match "its run page says how far back" "$(tr -d '\n' <"$O/run/$(run_of "$TIP")/index.html")" \
    "<code>$(run_of "$ROOT")</code></a> of the nearest ancestor with a run, .*, 1499 commits back</p>"
check "the site's links hold" python3 "$TJ_TOP/tests/e2e/t06/linkcheck.py" "$O"
t_done
