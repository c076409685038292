#!/bin/bash
# t0612-noise-verdict: the run page's significance comes from each metric's
# noise model: a deterministic metric's +0.5 % is significant, a noisy
# one-value metric's +3 % within its history's spread is not, and the page
# shows each metric's noise floor.
. "$(dirname "$0")/lib.sh"
R=$T_DIR/repo D=$T_DIR/t.db O=$T_DIR/out
cd "$T_DIR" || exit 1
gen_conf "$R" "$D" "$O"
git init -q -b main "$R"
for i in $(seq 1 25); do mkcommit "$R" f "$i" "c$i"; done
check "import" gen update --quiet --no-render
# 24 runs: instructions constant, wall time with 3 % seeded noise.
python3 - "$T_DIR" <<'PY'
import random, sys
rnd = random.Random(7)
for i in range(24):
    with open("%s/r%d.jsonl" % (sys.argv[1], i), "w") as f:
        f.write('{"metric": "instr", "value": 1000000, "unit": "instr"}\n')
        w = 2.0 * (1 + rnd.gauss(0, 0.03))
        f.write('{"metric": "wall", "value": %.4f, "unit": "s"}\n' % w)
        f.write('{"metric": "lat", "value": %.4f, "unit": "s"}\n' % w)
PY
ok=1
for i in $(seq 0 23); do
	gen import --commit "main~$((24 - i))" --format jsonl --quiet \
	    "$T_DIR/r$i.jsonl" >/dev/null || ok=0
	[ "$i" = 2 ] && gen render --quiet >/dev/null
done
check_eq "24 runs imported" "$ok" 1
# The third run's page, rendered while the history was too short for a
# model, is rendered again once the metric has one.
early=$(sql "$D" "SELECT r.id FROM runs r JOIN commits c ON c.id = r.commit_id
    WHERE c.hash = '$(git -C "$R" rev-parse main~22)'")
check "render" gen render --quiet
check_match "an early run's page gains the model it was rendered without" \
    "$(grep -o '<td class="metric">wall</td>.*' "$O/run/$early/index.html")" \
    'noise floor [0-9.]+ %' 
# The tip: instructions +0.5 %, wall time +3 % over the previous run.
prev=$(sql "$D" "SELECT s.median FROM measurements s JOIN metrics m ON
    m.id = s.metric_id JOIN runs r ON r.id = s.run_id JOIN commits c ON
    c.id = r.commit_id WHERE m.name = 'wall' AND c.hash =
    '$(git -C "$R" rev-parse main~1)'")
wall=$(python3 -c "print('%.4f' % ($prev * 1.03))")
lat=$(python3 -c "print('%.4f' % ($prev * 1.07))")
printf '{"metric": "instr", "value": 1005000, "unit": "instr"}\n{"metric": "wall", "value": %s, "unit": "s"}\n{"metric": "lat", "value": %s, "unit": "s"}\n' \
    "$wall" "$lat" >tip.jsonl
check "the tip's run" gen import --commit main --format jsonl --quiet tip.jsonl >/dev/null
check "render" gen render --quiet
run=$(sql "$D" "SELECT r.id FROM runs r JOIN commits c ON c.id = r.commit_id
    WHERE c.hash = '$(git -C "$R" rev-parse main)'")
P=$O/run/$run/index.html
row() { grep -o "<tr class=\"[^\"]*\"><td class=\"metric\">$1</td>.*" "$P"; }
check_match "instructions +0.50 %" "$(row instr)" '\+0\.50%'
check_match "deterministic: +0.5 % is significant" "$(row instr)" \
    '^<tr class="neutral sig">'
check_match "its noise: deterministic" "$(row instr)" \
    'deterministic: any change beyond rounding'
check_match "wall time +3 %" "$(row wall)" '\+3\.00%'
check_match "noisy: +3 % within the spread is not significant" \
    "$(row wall)" '^<tr class="neutral">'
check_match "its noise floor, next to the delta" "$(row wall)" \
    '<td class="muted">noise floor [0-9.]+ %</td>'
# +7 %: beyond the pairwise rule's 5 %, within the history's floor.
check_match "lat +7 %" "$(row lat)" '\+7\.00%'
check_match "noisy: +7 % within its floor is not significant" "$(row lat)" \
    '^<tr class="neutral">'
J=$O/run/$run/run.json
check_eq "run.json carries the same verdicts" "$(python3 -c '
import json, sys
m = {r["metric"]: r for r in json.load(open(sys.argv[1]))["measurements"]}
print(m["instr"]["significant"], m["wall"]["significant"],
      m["wall"]["noise_floor_pct"] > 3)' "$J")" "True False True"
t_done
