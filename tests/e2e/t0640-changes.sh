#!/bin/bash
# t0640: changes end to end: runs through tj-api on a real repo, detection
# as they arrive, the changes table, a backfill narrowing a change in place,
# tj-gen changes, and the pages: changes/, changes.json, change/<id>/, the
# index, feed.xml, refs/.
# tj-test: slow
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/api-lib.sh"
cd "$T_DIR" || exit 1

N=48
api_repo $N
git -C repo branch side HEAD~5
# Bisection off: this test watches detection alone.
api_conf "[bisect]
	enabled = false"
gen update
# Commit i (1-based, oldest first) is hashes[i-1].
mapfile -t hashes < <(git -C repo rev-list --reverse main)
for h in "${hashes[@]}"; do gen queue add "$h" 2>/dev/null; done
# Leave commits 26..31 out for now: the wall-time step at 30 will lie in a
# range of commits with no run.
for i in 26 27 28 29 30 31; do gen queue rm "${hashes[$((i - 1))]}"; done
api_start --config "$T_DIR/tj.conf"

# measurements I: seeded noise; wall time +12 % from commit 30 on,
# instructions (deterministic) +0.5 % from commit 16, size constant.
measurements() {
	python3 - "$1" <<'PY'
import json, random, sys
i = int(sys.argv[1])
rnd = random.Random(i)
t = [round((112 if i >= 30 else 100) + rnd.gauss(0, 1), 3) for _ in range(5)]
ins = 1005000 if i >= 16 else 1000000
print(json.dumps({"wall": {"values": t, "unit": "ms", "direction": "lower"},
    "instructions": {"value": ins, "direction": "lower"},
    "size": {"value": 4096, "unit": "B"}}))
PY
}
index_of() {
	local i
	for i in "${!hashes[@]}"; do
		[ "${hashes[$i]}" = "$1" ] && { echo $((i + 1)); return; }
	done
}
# work: ask for runs and submit each until the queue is empty.
work() {
	local body id h start n=0 sub
	body=$(idle s1 true)
	while :; do
		[ "$(post w1 "$body")" = 200 ] || return 1
		id=$(jr '.run.id // empty')
		[ -n "$id" ] || return 0
		h=$(jr .run.hash)
		start=$(jr .run.start)
		sub='{"id":"'$id'","hash":"'$h'","bench_method":{"type":"internal"},"start":"'$start'","end":"2030-01-01T00:00:01Z","exit_code":0,"error":null,"output":[],"measurements":'$(measurements "$(index_of "$h")")'}'
		body='{"secret":"s1","status":{"type":"idle"},"request_run":true,"submit_run":'$sub'}'
		n=$((n + 1))
		[ $n -le 200 ] || return 1
	done
}
check "the worker's runs" work
check_eq "every queued commit ran" "$(sql tj.db 'SELECT count(*) FROM runs')" $((N - 6))
q() { sqlite3 -batch -cmd '.timeout 5000' tj.db "$1"; }
change_of() { # METRIC: id|before|after|n_between|round(delta_pct,1)|verdict|state
	q "SELECT c.id, b.hash, a.hash, c.n_between, round(c.delta_pct, 1), c.verdict, c.state FROM changes c JOIN metrics m ON m.id = c.metric_id JOIN commits a ON a.id = c.after_commit JOIN commits b ON b.id = c.before_commit WHERE m.name = '$1'"
}
check "tj-api rendered the changes" wait_for 20 test -f out/changes/index.html
check "the wall-time change was found" wait_for 20 sql_is tj.db "SELECT count(*) FROM changes c JOIN metrics m ON m.id = c.metric_id WHERE m.name = 'wall'" 1
IFS='|' read -r wid wb wa wn wp wv ws <<<"$(change_of wall)"
check_eq "wall: last run before is commit 25" "$wb" "${hashes[24]}"
check_eq "wall: first run after is commit 32" "$wa" "${hashes[31]}"
check_eq "wall: 6 commits without a run between" "$wn" 6
check "wall: +12 %" python3 -c "assert 11 < $wp < 13"
check_eq "wall: a regression (lower is better)" "$wv" -1
check_eq "wall: state new" "$ws" new
IFS='|' read -r iid ib ia in_ ip iv is <<<"$(change_of instructions)"
check_eq "instructions: deterministic +0.5 % found at 16" "$ia|$in_|$ip|$iv" "${hashes[15]}|0|0.5|-1"
check_eq "size: constant, no change" "$(change_of size)" ""
check_eq "no other change" "$(q 'SELECT count(*) FROM changes')" 2
check_eq "the noise model: instructions deterministic, wall not" \
    "$(q "SELECT m.name, n.deterministic FROM noise n JOIN metrics m ON m.id = n.metric_id WHERE n.ref = 'refs/heads/main' ORDER BY m.name")" \
    "$(printf 'instructions|1\nsize|1\nwall|0')"

# The pages.
O=out
check "changes.json lists both" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
ms = sorted(c["metric"] for c in d["changes"])
assert ms == ["instructions", "wall"], ms
w = [c for c in d["changes"] if c["metric"] == "wall"][0]
assert w["kind"] == "regression" and w["n_between"] == 6, w
assert w["before_commit"] == sys.argv[2] and w["after_commit"] == sys.argv[3], w
assert w["url"] == "change/%d/" % w["id"]
assert 0.99 < w["confidence"] <= 1
assert w["before_run"].startswith("r-") and w["after_run"].startswith("r-")
' $O/changes.json "${hashes[24]}" "${hashes[31]}"
check "changes/ lists them" grep -q "change/$wid/" $O/changes/index.html
check_match "changes/ shows the range" "$(cat $O/changes/index.html)" "${hashes[24]:0:7}</code></a>..<a [^>]*><code>${hashes[31]:0:7}</code></a>, 6 between"
P=$O/change/$wid/index.html
check "change/$wid/ exists" test -f "$P"
check "its graph is an inline SVG with points on both sides" python3 -c '
import sys
s = open(sys.argv[1]).read()
assert "<svg class=\"changegraph\"" in s
assert s.count("class=\"pt after\"") >= 10 and s.count("class=\"pt before\"") >= 10, s.count("pt after")
assert "<line class=\"cut\"" in s
' "$P"
check_match "it lists the range's commits, newest first" "$(tr '\n' ' ' <"$P")" "commit 31.*commit 30.*commit 27.*commit 26"
check_match "it links them" "$(cat "$P")" "commit/${hashes[26]}/"
check_match "the runs on each side" "$(cat "$P")" "before</td><td><a href=\"../../run/r-"
check_match "the noise floor" "$(cat "$P")" "changes below [0-9.]+ % between two runs are not detectable here"
check_match "the index leads with recent changes" "$(tr '\n' ' ' <$O/index.html)" "Recent changes.*change/$wid/.*Tracked refs"
check_match "other refs collapsed into a count" "$(cat $O/index.html)" "1 other refs, not tracked: <a href=\"refs/\">"
check_match "refs/ lists every ref" "$(cat $O/refs/index.html)" "refs/heads/side"
check "feed.xml: Atom entries from the changes" python3 -c '
import sys, xml.etree.ElementTree as ET
ns = {"a": "http://www.w3.org/2005/Atom"}
es = ET.parse(sys.argv[1]).getroot().findall("a:entry", ns)
links = sorted(e.find("a:link", ns).get("href") for e in es)
assert links == sorted(["change/%s/" % x for x in sys.argv[2:]]), links
' $O/feed.xml "$wid" "$iid"

# tj-gen changes: text and JSON.
txt=$(gen changes)
check_match "tj-gen changes: the wall change" "$txt" "#$wid +wall +\+1[12]\.[0-9]+ % .*${hashes[24]:0:7}\.\.${hashes[31]:0:7} \(6 between\)"
check_eq "tj-gen changes --json" "$(gen changes --json | jq -r '[.changes[].metric] | sort | join(",")')" "instructions,wall"
check_eq "tj-gen changes --metric wall" "$(gen changes --json --metric wall | jq -r '.changes | length')" 1
check_eq "tj-gen changes --regressions" "$(gen changes --json --improvements | jq -r '.changes | length')" 0

# Backfill: the range's commits run now; the same change narrows in place
# to commit 30.
for i in 26 27 28 29 30 31; do gen queue add "${hashes[$((i - 1))]}"; done
check "the backfill runs" work
check "the change narrowed" wait_for 20 sql_is tj.db "SELECT n_between FROM changes WHERE id = $wid" 0
IFS='|' read -r wid2 wb wa wn wp wv ws <<<"$(change_of wall)"
check_eq "same change id" "$wid2" "$wid"
check_eq "before: commit 29" "$wb" "${hashes[28]}"
check_eq "after: commit 30" "$wa" "${hashes[29]}"
check "its page follows" wait_for 20 grep -q "${hashes[28]:0:7}..${hashes[29]:0:7}, 0 commits between" "$P"
check_eq "still two changes" "$(q 'SELECT count(*) FROM changes')" 2

# A single outlier run is not a change: commit 40 measured again, far off.
api_stop
t_done
