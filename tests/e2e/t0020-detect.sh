#!/bin/bash
# t0020: `tj-gen detect FILE`: JSON and CSV series, steps found where they
# are, an outlier and pure noise give none, a deterministic series changes
# at every move, options and [detect] keys apply, bad input is refused.
# tj-test: slow
. "$(dirname "$0")/lib.sh"
cd "$T_DIR" || exit 1
gen() { "$TJ_GEN" "$@"; }
jq_() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# 300 points of 3 repetitions, noise sd 1, a +8 % step at 150, one outlier
# point at 60 (seeded, so the same every run).
python3 - <<'PY'
import json, random
random.seed(7)
pts = []
for i in range(300):
    lvl = 100 if i < 150 else 108
    v = [lvl + random.gauss(0, 1) for _ in range(3)]
    if i == 60:
        v = [x + 40 for x in v]
    pts.append({"values": v, "commit": "c%03d" % i})
json.dump({"points": pts}, open("step.json", "w"))
with open("step.csv", "w") as f:
    f.write("# a comment\nrun1,run2,run3,commit\n")
    for p in pts:
        f.write(",".join("%.4f" % x for x in p["values"]) + "," + p["commit"] + "\n")
random.seed(8)
json.dump([100 + random.gauss(0, 1) for _ in range(500)], open("noise.json", "w"))
json.dump([[1000000]] * 100 + [[1001000]] * 100 + [[999000]] * 3, open("det.json", "w"))
PY

out=$(gen detect step.json)
check_eq "JSON: one change" "$(echo "$out" | jq_ 'len(d["changes"])')" 1
check_eq "JSON: at the step" "$(echo "$out" | jq_ 'd["changes"][0]["index"]')" 150
check_eq "JSON: its commit" "$(echo "$out" | jq_ 'd["changes"][0]["commit"]')" c150
check_eq "JSON: the commit before" "$(echo "$out" | jq_ 'd["changes"][0]["before_commit"]')" c149
check_eq "JSON: about +8 %" "$(echo "$out" | jq_ 'round(d["changes"][0]["delta_pct"])')" 8
check_eq "JSON: confident" "$(echo "$out" | jq_ 'd["changes"][0]["confidence"] > 0.999')" True
check_eq "JSON: 300 points" "$(echo "$out" | jq_ 'd["points"]')" 300
check_eq "JSON: noisy" "$(echo "$out" | jq_ 'd["deterministic"]')" False
check_eq "JSON: a noise floor" "$(echo "$out" | jq_ '0.5 < d["noise"]["floor_pct"] < 5')" True
csv=$(gen detect step.csv)
check_eq "CSV: the same change" "$(echo "$csv" | jq_ '[c["index"] for c in d["changes"]]')" "[150]"
check_eq "stdin" "$(gen detect - <step.csv | jq_ '[c["commit"] for c in d["changes"]]')" "['c150']"

check_eq "pure noise: no change" "$(gen detect noise.json | jq_ 'len(d["changes"])')" 0
det=$(gen detect det.json)
check_eq "deterministic: found so" "$(echo "$det" | jq_ 'd["deterministic"]')" True
check_eq "deterministic: every move (0.1 %, and the last 3 runs)" \
    "$(echo "$det" | jq_ '[(c["index"], round(c["delta_pct"], 3)) for c in d["changes"]]')" \
    "[(100, 0.1), (200, -0.2)]"
# Noisy: a step at the tip counts once min-points runs hold it.
python3 -c "
import json, random
random.seed(9)
json.dump([100 + random.gauss(0, 1) + (10 if i >= 196 else 0) for i in range(200)], open('tip.json', 'w'))"
check_eq "a step in the last 4 runs" "$(gen detect tip.json | jq_ '[c["index"] for c in d["changes"]]')" "[196]"
check_eq "--min-points 5: 4 runs are not enough" \
    "$(gen detect --min-points 5 tip.json | jq_ '[c["index"] for c in d["changes"]]')" "[]"

# A huge penalty finds nothing; the [detect] key does the same.
check_eq "--penalty 1000000" "$(gen detect --penalty 1000000 step.json | jq_ 'len(d["changes"])')" 0
printf '[detect]\n\tpenalty = 1000000\n' >tj.conf
check_eq "[detect] penalty" "$(gen detect --config tj.conf step.json | jq_ 'len(d["changes"])')" 0
printf '[detect]\n\tpenalty = lots\n' >bad.conf
check_fails "a bad [detect] value" gen detect --config bad.conf step.json
check_match "names the key" "$(gen detect --config bad.conf step.json 2>&1)" "detect.penalty"
gen detect --alpha 2 step.json 2>/dev/null; check_eq "--alpha 2: usage" "$?" 2

# Bad input: clear errors, exit 1.
echo '[1, "x"]' >bad.json
check_fails "a string point" gen detect bad.json
check_match "says which point" "$(gen detect bad.json 2>&1)" "point 1"
echo '{"points": [' >trunc.json
check_match "truncated JSON" "$(gen detect trunc.json 2>&1)" "not valid JSON"
printf '1,2\n3,x,y\n' >bad.csv
check_match "CSV: two non-numbers" "$(gen detect bad.csv 2>&1)" "line 2"
check_match "a missing file" "$(gen detect nope.json 2>&1)" "nope.json"
gen detect 2>/dev/null; check_eq "no FILE: usage" "$?" 2
check_eq "empty input: no points" "$(printf '' | gen detect - | jq_ 'd["points"]')" 0
t_done
