#!/bin/bash
# t0413: a result record the worker skips leaves nothing behind: a value
# 1e999 (infinite) or a unit too long makes no metric and no empty
# measurement; a line holding two JSON objects is refused whole, the
# warning naming its line; the record that would take a run past
# 1,000,000 values is skipped and the message says what was kept.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/api-lib.sh"
. "$(dirname "$0")/worker-lib.sh"
cd "$T_DIR" || exit 1

bench_repo bench <<'SH'
#!/bin/sh
f=$TJ_RESULT_FILE
case $(cat "$1/mode") in
bad)
	echo '{"metric":"good","value":1}' >"$f"
	echo '{"metric":"inf","values":[1, 1e999]}' >>"$f"
	echo '{"metric":"badunit","value":2,"unit":"'"$(printf 'u%.0s' $(seq 70))"'"}' >>"$f"
	echo '{"metric":"first","value":3} {"metric":"second","value":4}' >>"$f"
	echo '{"metric":"good","value":5}' >>"$f"
	;;
many)
	python3 -c '
import json
print(json.dumps({"metric": "a", "values": [1] * 999998}))
print(json.dumps({"metric": "b", "values": [2, 2, 2]}))
print(json.dumps({"metric": "c", "values": [3, 3]}))
print(json.dumps({"metric": "a", "value": 4}))
' >"$f"
	;;
esac
SH

git init -q repo
mkcommit repo mode bad bad
mkcommit repo mode many many
mkcommit repo mode none tip
api_conf "	worker-timeout = 60s
[bench]
	repo = $T_DIR/bench"
gen update
gen queue add "$(git -C repo rev-parse HEAD~2)"
gen queue add "$(git -C repo rev-parse HEAD~1)"
gen queue rm main 2>/dev/null
api_start --config "$T_DIR/tj.conf"
worker_conf w1
bg_worker w1
wpid=$T_LAST_PID
check "2 runs land" wait_for 240 runs_are 2
stop "$wpid"
hb=$(git -C repo rev-parse HEAD~2)
hm=$(git -C repo rev-parse HEAD~1)
nmeas() {
	sql tj.db "SELECT count(*) FROM measurements x JOIN metrics m ON m.id = x.metric_id WHERE m.name = '$1'"
}

check_eq "bad: the good records kept" "$(values_of "$hb" good)" "[1,5]"
for m in inf badunit first second; do
	check_eq "bad: no metric $m" \
	    "$(sql tj.db "SELECT count(*) FROM metrics WHERE name = '$m'")" 0
	check_eq "bad: no measurement of $m" "$(nmeas "$m")" 0
done
check_eq "bad: no empty measurement at all" \
    "$(sql tj.db "SELECT count(*) FROM measurements WHERE json_array_length(vals) = 0")" 0
out=$(output_of "$hb")
check_match "bad: the infinite value said, with its line" "$out" \
    "line 2: metric 'inf': value is not a finite number: skipped"
check_match "bad: the unit said, with its line" "$out" \
    "line 3: metric 'badunit': unit is not at most 64 bytes"
check_match "bad: two objects on a line said, with its line" "$out" \
    "line 4 holds more than one JSON value \(one record a line\): skipped"

check_eq "many: a's first record" "$(values_of "$hm" a | jq length)" 999998
check_eq "many: b skipped whole" "$(nmeas b)" 0
check_eq "many: c fits" "$(values_of "$hm" c)" "[3,3]"
check_eq "many: the run holds the limit, no more" \
    "$(sql tj.db "SELECT sum(json_array_length(x.vals)) FROM measurements x JOIN runs r ON r.id = x.run_id JOIN commits c ON c.id = r.commit_id WHERE c.hash = '$hm'")" \
    1000000
out=$(output_of "$hm")
check_match "many: b's warning says the limit and what was kept" "$out" \
    "line 2: metric 'b': its 3 values would take the run past 1000000 values, the most a run holds \(999998 kept\): skipped"
check_match "many: the last a record also skipped, the run full" "$out" \
    "line 4: metric 'a': its 1 values would take the run past 1000000 values, the most a run holds \(1000000 kept\): skipped"
t_done
