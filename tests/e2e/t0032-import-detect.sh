#!/bin/bash
# t0032: a whole history imported from github-action-benchmark's data.js
# (40 commits, one noisy value each, a +30 % step at the 25th commit) is
# detected like any other: tj-gen changes reports that one change, on that
# commit, and nothing else; re-importing stores nothing twice.
. "$(dirname "$0")/lib.sh"
R=$T_DIR/repo
DB=$T_DIR/tj.db
cd "$T_DIR" || exit 1
gen_conf "$R" "$DB" "$T_DIR/out"
git init -q -b main "$R"
for i in $(seq 1 40); do
	echo "$i" >"$R/f"
	git -C "$R" add f
	GIT_COMMITTER_DATE="$((1700000000 + i * 3600)) +0000" \
	    git -C "$R" commit -q -m "commit $i"
done
gen update --quiet --no-render
check_eq "40 commits imported" "$(sql "$DB" 'SELECT count(*) FROM commits')" 40
# One entry per commit, oldest first: 100 with +-1.5 % noise (a fixed
# sequence), 130 from the 25th commit on.
python3 - "$R" >data.js <<'PY'
import json, random, subprocess, sys
hashes = subprocess.run(["git", "-C", sys.argv[1], "rev-list", "--reverse", "main"],
                        capture_output=True, text=True, check=True).stdout.split()
rng = random.Random(7)
entries = []
for i, h in enumerate(hashes, 1):
    level = 130.0 if i >= 25 else 100.0
    v = round(level * (1 + rng.uniform(-0.015, 0.015)), 3)
    entries.append({"commit": {"id": h, "message": "commit %d" % i},
                    "date": 1700000000000 + i * 3600000,
                    "tool": "customSmallerIsBetter",
                    "benches": [{"name": "parse time", "value": v, "unit": "ms"}]})
print("window.BENCHMARK_DATA = " + json.dumps({"lastUpdate": 1, "entries": {"suite": entries}}) + ";")
PY
o=$(gen import --from gab data.js --quiet 2>&1)
check_eq "the import exits 0" "$?" 0
check_match "40 runs stored" "$o" "40 runs stored"
check_eq "40 runs in the db" "$(sql "$DB" 'SELECT count(*) FROM runs')" 40
gen changes --json >changes.json 2>changes.err
check_eq "tj-gen changes exits 0" "$?" 0
step=$(git -C "$R" rev-list --reverse main | sed -n 25p)
prev=$(git -C "$R" rev-list --reverse main | sed -n 24p)
check_eq "one change found" "$(jq '.changes | length' changes.json)" 1
check_eq "on the 25th commit" "$(jq -r '.changes[0].after_commit' changes.json)" "$step"
check_eq "after the 24th" "$(jq -r '.changes[0].before_commit' changes.json)" "$prev"
check_eq "a regression (lower is better)" "$(jq -r '.changes[0].kind' changes.json)" regression
check_match "of about +30 %" "$(jq -r '.changes[0].delta_pct' changes.json)" '^(2[89]|3[012])\.'
o=$(gen import --from gab data.js --quiet 2>&1)
check_match "re-importing stores nothing" "$o" "0 runs stored, 40 already there"
gen changes --json >changes2.json 2>/dev/null
check_eq "and the change stays the same one" \
    "$(jq -c '[.changes[] | [.id, .after_commit]]' changes2.json)" \
    "$(jq -c '[.changes[] | [.id, .after_commit]]' changes.json)"
t_done
