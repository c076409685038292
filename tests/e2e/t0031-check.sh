#!/bin/bash
# t0031: tj-gen check BASE HEAD: the significant changes between two runs
# (runs, commits or refs) as Markdown or JSON, with the metric's noise
# learned from its history; exit 1 on a regression (beyond --fail-above),
# 0 otherwise, 2 on bad input.
. "$(dirname "$0")/lib.sh"
R=$T_DIR/repo
DB=$T_DIR/tj.db
cd "$T_DIR" || exit 1
gen_conf "$R" "$DB" "$T_DIR/out"

git init -q "$R"
for i in $(seq 1 12); do mkcommit "$R" f.txt "$i" "commit $i"; done
git -C "$R" branch base HEAD~2
git -C "$R" branch slow HEAD~1
gen update --quiet --no-render
# Ten commits of history with about 1 % noise, then a commit where
# "time" is 30 % slower (lower is better) and "score" 30 % higher (higher
# is better), "size" unchanged, then one with "time" 3 % slower.
i=0
for h in $(git -C "$R" rev-list --reverse main); do
	i=$((i + 1))
	# The run's level moves by up to 0.9 % from commit to commit.
	l=$(( (i * 37) % 7 ))
	case $i in
	11) t=130; s=130 ;;
	12) t=103; s=130 ;;
	*) t=100; s=100 ;;
	esac
	{
		for k in 1 2 3 4 5; do
			d=$(( (i * 7 + k * 3) % 5 + l ))
			echo "{\"metric\":\"time\",\"value\":$t.$d,\"unit\":\"ms\",\"direction\":\"lower\"}"
			echo "{\"metric\":\"score\",\"value\":$s.$d,\"direction\":\"higher\"}"
			echo "{\"metric\":\"size\",\"value\":4096,\"unit\":\"B\",\"direction\":\"lower\"}"
		done
	} >r$i.jsonl
	gen import --commit "$h" r$i.jsonl --quiet --no-render >/dev/null ||
	    not_ok "import $i"
done

o=$(gen check base slow --quiet)
check_eq "a regression: exit 1" "$?" 1
check_match "Markdown table header" "$o" "\| metric \| base \| head \| change \| verdict \|"
check_match "the regression row" "$o" "\| time \| 100\.[0-9]* ms \| 130\.[0-9]* ms \| \+[0-9.]+ % \| \*\*regression\*\* \|"
check_match "the improvement row" "$o" "\| score \| .* \| improvement \|"
check "unchanged metric not listed" test -z "$(grep '| size ' <<<"$o")"
check_match "summary" "$o" "3 metrics compared: 1 regressions, 1 improvements, 0 other changes"

j=$(gen check base slow --json --quiet)
check_eq "--json: exit 1" "$?" 1
check_eq "--json: the regression" "$(jq -r '.changes[] | select(.metric == "time") | .verdict' <<<"$j")" regression
check_eq "--json: failed" "$(jq .failed <<<"$j")" true
check_eq "--json: compared" "$(jq .compared <<<"$j")" 3
check_eq "--json: base commit" "$(jq -r .base.commit <<<"$j")" "$(git -C "$R" rev-parse base)"

gen check base slow --fail-above 50 --quiet >/dev/null
check_eq "--fail-above 50: 30 % passes" "$?" 0
gen check base slow --fail-above 10 --quiet >/dev/null
check_eq "--fail-above 10: 30 % fails" "$?" 1
o=$(gen check base base --quiet)
check_eq "same run: exit 0" "$?" 0
check_match "same run: nothing" "$o" "No significant changes in 3 metrics"
o=$(gen check slow main --quiet)
check_eq "improving time by 20 %: exit 0" "$?" 0
check_match "improving: listed" "$o" "\| time \| .* \| improvement \|"

# Run ids work too.
rb=$(sql "$DB" "SELECT r.id FROM runs r JOIN commits c ON c.id = r.commit_id WHERE c.hash = '$(git -C "$R" rev-parse base)'")
rs=$(sql "$DB" "SELECT r.id FROM runs r JOIN commits c ON c.id = r.commit_id WHERE c.hash = '$(git -C "$R" rev-parse slow)'")
gen check "$rb" "$rs" --quiet >/dev/null
check_eq "run ids: exit 1" "$?" 1

# Bad input: exit 2.
gen check base --quiet 2>/dev/null
check_eq "one operand: exit 2" "$?" 2
err=$(gen check base nosuchref --quiet 2>&1 >/dev/null)
check_eq "unknown ref: exit 2" "$?" 2
check_match "unknown ref: said" "$err" "unknown revision 'nosuchref'"
mkcommit "$R" f.txt 13 "commit 13"
gen update --quiet --no-render
err=$(gen check base main --quiet 2>&1 >/dev/null)
check_eq "commit without a run: exit 2" "$?" 2
check_match "commit without a run: said" "$err" "has no run"
gen check base slow --fail-above -3 --quiet 2>/dev/null
check_eq "bad --fail-above: exit 2" "$?" 2
t_done
