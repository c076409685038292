#!/bin/bash
# t0410: the worker reads the common result formats: files in
# $TJ_RESULT_DIR by name (real hyperfine output with a parameter, BMF),
# $TJ_RESULT_FILE declared with "#format", VelCom on stdout with its
# legacy keys; an unreadable document is the run's error naming the field.
# tj-worker submit sends a result over the worker protocol: spooled,
# idempotent, kept in the spool while the server is down, refused for an
# unknown commit, and nothing sent for a malformed file.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/api-lib.sh"
. "$(dirname "$0")/worker-lib.sh"
cd "$T_DIR" || exit 1

bench_repo bench <<'SH'
#!/bin/sh
d=$TJ_RESULT_DIR
case $(cat "$1/mode") in
dir)
	test -d "$d" && test -z "$(ls -A "$d")" && echo "result dir empty"
	hyperfine --runs 3 --style none -P n 1 2 'sleep 0.0{n}' \
	    --export-json "$d/wall.hyperfine.json" >/dev/null 2>&1
	cat >"$d/sizes.bmf.json" <<'JSON'
{"my_binary": {"file-size": {"value": 42.0}}}
JSON
	echo '{"metric":"plain","value":1}' >"$TJ_RESULT_FILE"
	;;
declared)
	printf '#format go\nBenchmarkX-2 \t 100 \t 12.5 ns/op \t 8 B/op\nPASS\n' >"$TJ_RESULT_FILE"
	;;
legacy)
	echo '{"run": {"score": {"results": [7, 8], "unit": "points", "resultInterpretation": "MORE_IS_BETTER"}}}'
	;;
broken)
	echo '{"metric":"kept","value":5}' >"$TJ_RESULT_FILE"
	echo '{"context": {}, "benchmarks": [{"name": "BM_a", "real_time": "fast", "cpu_time": 1}]}' >"$d/x.gbench.json"
	;;
badvelcom)
	echo '{"run": {"time": {"unit": "s", "interpretation": "LESS_IS_BETTER"}}}'
	;;
unknown)
	echo 'these are not results' >"$TJ_RESULT_FILE"
	;;
esac
SH

git init -q repo
modes="dir declared legacy broken badvelcom unknown"
for m in $modes; do
	mkcommit repo mode "$m" "$m"
done
mkcommit repo mode none "for submit"
api_conf "	worker-timeout = 10s
[bench]
	repo = $T_DIR/bench"
gen update
for m in $modes; do
	gen queue add "$(git -C repo log --format=%H --grep="^$m\$" main)"
done
gen queue rm main 2>/dev/null
api_start --config "$T_DIR/tj.conf"
worker_conf w1
bg_worker w1
wpid=$T_LAST_PID
check "6 runs land" wait_for 90 runs_are 6
stop "$wpid"
hash_of() { git -C repo log --format=%H --grep="^$1\$" main; }
err_of() { run_of "$(hash_of "$1")" "coalesce(error, '')"; }

h=$(hash_of dir)
check_match "dir: empty at the start" "$(output_of "$h")" '^1\|result dir empty$'
check_eq "dir: no error" "$(err_of dir)" ""
check_eq "dir: hyperfine, every run, parameter in the name" \
    "$(values_of "$h" 'sleep 0.01 [n=1]/time' | jq length)" 3
check_eq "dir: BMF" "$(values_of "$h" my_binary/file-size)" "[42]"
check_eq "dir: and the result file" "$(values_of "$h" plain)" "[1]"
check_match "dir: what was read, said" "$(output_of "$h")" '^0\|results/wall.hyperfine.json read as hyperfine$'
check_match "dir: hyperfine's means, said" "$(output_of "$h")" 'mean over the runs'

h=$(hash_of declared)
check_eq "declared: go" "$(values_of "$h" BenchmarkX-2/time)" "[12.5]"
check_eq "declared: B/op" "$(values_of "$h" BenchmarkX-2/bytes)" "[8]"

h=$(hash_of legacy)
check_eq "legacy VelCom keys: values" "$(values_of "$h" run/score)" "[7,8]"
check_eq "legacy VelCom keys: direction" \
    "$(sql tj.db "SELECT unit, direction FROM metrics WHERE name = 'run/score'")" "points|1"
check_eq "legacy VelCom: no error" "$(err_of legacy)" ""

h=$(hash_of broken)
check_match "broken gbench: the run's error names the field" "$(err_of broken)" \
    '^results/x.gbench.json: gbench: benchmarks\[0\]\.real_time: not a number$'
check_eq "broken gbench: nothing of it stored" \
    "$(sql tj.db "SELECT count(*) FROM metrics WHERE name LIKE 'BM_a%'")" 0
check_eq "broken gbench: the other file's metric kept" "$(values_of "$h" kept)" "[5]"

check_match "VelCom without values: an error naming the field" "$(err_of badvelcom)" \
    "^stdout \(VelCom format\): measurement 'run/time' has neither"
check_match "an unrecognised result file: an error" "$(err_of unknown)" \
    '^result file: result format not recognised'

# ---- tj-worker submit.
hs=$(hash_of "for submit")
cat >gab.json <<'JSON'
[{"name": "ci/latency", "unit": "ms", "value": 12.5}, {"name": "ci/memory", "unit": "MB", "value": "300"}]
JSON
sub() { "$TJ_WORKER" submit --server "$API" --name ci --dir "$T_DIR/ci.d" "$@"; }
n0=$(n_runs)
TJ_TOKEN=$TOKEN sub --commit "$hs" --format gab-smaller gab.json >sub.out 2>sub.err
check_eq "submit: exit 0" "$?" 0
check_match "submit: said" "$(cat sub.out)" "^run i-[0-9a-f]{40} submitted to $API$"
check_eq "submit: one run" "$(($(n_runs) - n0))" 1
check_eq "submit: values" "$(values_of "$hs" ci/memory)" "[300]"
check_eq "submit: smaller is better" \
    "$(sql tj.db "SELECT unit, direction FROM metrics WHERE name = 'ci/latency'")" "ms|-1"
check_eq "submit: the worker and method" "$(run_of "$hs" "worker || ' ' || bench_method")" \
    'ci {"type":"import","format":"gab-smaller"}'
check_eq "submit: the spool is empty" "$(spooled ci)" 0
check "submit: the token is not in its output" test -z "$(grep -l "$TOKEN" sub.out sub.err)"
# The same as tj-gen import would name it: idempotent across both.
TJ_TOKEN=$TOKEN sub --commit "$hs" --format gab-smaller gab.json >/dev/null 2>&1
check_eq "submit again: exit 0" "$?" 0
check_eq "submit again: nothing twice" "$(($(n_runs) - n0))" 1
# A REV resolved in the repository of the current directory.
(cd repo && TJ_TOKEN=$TOKEN "$TJ_WORKER" submit --server "$API" --name ci \
    --dir "$T_DIR/ci.d" --commit HEAD~1 --format bmf ../bmf-none.json \
    >/dev/null 2>&1)
check_eq "submit: a missing file: exit 1" "$?" 1
echo '{"bin": {"file-size": {"value": 7}}}' >sizes.bmf.json
(cd repo && TJ_TOKEN=$TOKEN "$TJ_WORKER" submit --server "$API" --name ci \
    --dir "$T_DIR/ci.d" --commit HEAD ../sizes.bmf.json >/dev/null 2>&1)
check_eq "submit: REV resolved, format from the name" "$(values_of "$hs" bin/file-size)" "[7]"
# A dir that is a link (another user's trap in a shared /tmp): refused,
# as tj-worker itself refuses it, before anything is written there.
mkdir -p elsewhere && ln -sfn "$T_DIR/elsewhere" "$T_DIR/ci-link.d"
err=$(TJ_TOKEN=$TOKEN "$TJ_WORKER" submit --server "$API" --name ci \
    --dir "$T_DIR/ci-link.d" --commit "$hs" --format gab-smaller gab.json 2>&1 >/dev/null)
check_eq "submit: a linked dir: exit 1" "$?" 1
check_match "submit: a linked dir: said" "$err" "ci-link.d: not a directory owned by us"
check_eq "submit: nothing written through the link" "$(ls -A elsewhere | wc -l)" 0
# Malformed: nothing spooled, nothing sent.
echo '[{"name": "x", "value": "fast"}]' >bad.json
n0=$(n_runs)
err=$(TJ_TOKEN=$TOKEN sub --commit "$hs" --format gab-bigger bad.json 2>&1 >/dev/null)
check_eq "submit malformed: exit 1" "$?" 1
check_match "submit malformed: the field" "$err" "gab-bigger: \[0\]\.value: missing or not a number"
check_eq "submit malformed: nothing spooled" "$(spooled ci)" 0
check_eq "submit malformed: nothing stored" "$(n_runs)" "$n0"
# Unknown commit: the server refuses it for good.
TJ_TOKEN=$TOKEN sub --commit 0123456789abcdef0123456789abcdef01234567 \
    --format gab-bigger gab.json >/dev/null 2>sub.err
check_eq "submit unknown commit: exit 1" "$?" 1
check_match "submit unknown commit: said" "$(cat sub.err)" "unknown commit"
# The server down: it stays in the spool, and goes with the next submit.
api_stop
echo '[{"name": "ci/later", "unit": "ms", "value": 3}]' >later.json
TJ_TOKEN=$TOKEN sub --commit "$hs" --format gab-smaller later.json >/dev/null 2>&1
check_eq "submit, server down: exit 75" "$?" 75
check_eq "submit, server down: spooled" "$(spooled ci)" 1
api_restart
TJ_TOKEN=$TOKEN sub --commit "$hs" --format gab-smaller gab.json >/dev/null 2>&1
check_eq "submit after: exit 0" "$?" 0
check_eq "submit after: the spooled one went too" "$(values_of "$hs" ci/later)" "[3]"
check_eq "submit after: the spool is empty" "$(spooled ci)" 0
"$TJ_WORKER" submit --server "$API" --commit "$hs" 2>/dev/null
check_eq "submit without FILE: exit 2" "$?" 2
t_done
