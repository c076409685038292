#!/bin/bash
# t0401: the bench repo method against the real tj-api: the contract of
# docs/bench.md (argument, cwd, stdin, process group, TJ_* variables, no
# token), repetitions, a failed metric, a run-level error, exit 3, death by
# a signal, a truncated result line, VelCom JSON on stdout, no bench script.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/api-lib.sh"
. "$(dirname "$0")/worker-lib.sh"
cd "$T_DIR" || exit 1

bench_repo bench <<'SH'
#!/bin/sh
# Does what the commit's tree asks for in its file "mode".
r=$TJ_RESULT_FILE
case $(cat "$1/mode") in
ok)
	echo "cwd=$(pwd)"
	echo "arg=$1 TJ_TREE=$TJ_TREE"
	echo "commit=$TJ_COMMIT run=$TJ_RUN_ID worker=$TJ_WORKER bench=$TJ_BENCH_HASH"
	echo "token=${TJ_TOKEN:-none} leaks=$(env | grep -c test-token-123)"
	echo "tj_other=${TJ_OTHER:-none} visible=${BENCH_VISIBLE:-none}"
	if read -r x; then echo "stdin=data"; else echo "stdin=eof"; fi
	echo "pid=$$ pgid=$(cut -d' ' -f5 /proc/$$/stat)"
	echo "to stderr" >&2
	echo '{"metric":"run/time","values":[1.5,1.25],"unit":"s","direction":"lower"}' >>"$r"
	echo '{"metric":"run/time","value":1.75}' >>"$r"
	echo '{"metric":"size","value":42,"direction":"higher"}' >>"$r"
	;;
failmetric)
	echo '{"metric":"run/ok","value":1}' >>"$r"
	echo '{"metric":"run/crash","error":"segfault in iteration 2","values":[3.5]}' >>"$r"
	;;
runerror)
	echo '{"metric":"build/time","value":2}' >>"$r"
	echo '{"error":"the code under test does not build"}' >>"$r"
	;;
exit3)
	echo '{"metric":"partial","value":3}' >>"$r"
	echo "giving up" >&2
	exit 3
	;;
signal)
	echo '{"metric":"partial","value":9}' >>"$r"
	kill -SEGV $$
	;;
truncated)
	echo '{"metric":"whole","value":1}' >>"$r"
	printf '{"metric":"cut","val' >>"$r"
	;;
velcom)
	cat <<'JSON'
{"build": {"time": {"values": [13.2, 15.12], "unit": "seconds", "interpretation": "LESS_IS_BETTER"}},
 "run": {"ops": {"values": [7], "unit": "op/s", "interpretation": "MORE_IS_BETTER"},
         "time": {"error": "Program exited with error code 1", "unit": "s", "interpretation": "LESS_IS_BETTER"}}}
JSON
	;;
velcomfail)
	echo '{"error": "Could not find Makefile"}'
	exit 1
	;;
esac
SH
bhash=$(git -C bench rev-parse HEAD)

git init -q repo
modes="ok failmetric runerror exit3 signal truncated velcom velcomfail"
for m in $modes; do
	mkcommit repo mode "$m" "$m"
done
api_conf "	worker-timeout = 10s
[bench]
	repo = $T_DIR/bench"
gen update
gen queue add-batch 8
check_eq "8 queued" "$(sql tj.db 'SELECT count(*) FROM queue')" 8
api_start --config "$T_DIR/tj.conf"
worker_conf w1
# The worker's environment holds the token twice and a TJ_ variable of
# its own; none of them may reach the bench, other variables do.
TJ_TOKEN=$TOKEN WRAPPED="x${TOKEN}y" TJ_OTHER=1 BENCH_VISIBLE=yes bg_worker w1
wpid=$T_LAST_PID
check "8 runs land" wait_for 60 runs_are 8
check_eq "the queue is empty" "$(sql tj.db 'SELECT count(*) FROM queue')" 0
hash_of() { git -C repo log --format=%H --grep="^$1\$" main; }

h=$(hash_of ok)
id=$(run_of "$h" r.id)
out=$(output_of "$h")
check_eq "ok: exit 0, no error" "$(run_of "$h" "exit_code, error IS NULL")" "0|1"
check_eq "ok: the bench method" "$(run_of "$h" bench_method)" \
    "{\"type\":\"repo\",\"hash\":\"$bhash\"}"
check_match "ok: cwd is the bench repo tree" "$out" "^1\\|cwd=$T_DIR/w1.d/bench/$bhash\$"
check_match "ok: the tree's absolute path, also as TJ_TREE" "$out" \
    "^1\\|arg=$T_DIR/w1.d/runs/$id/tree TJ_TREE=$T_DIR/w1.d/runs/$id/tree\$"
check_match "ok: TJ_COMMIT, TJ_RUN_ID, TJ_WORKER, TJ_BENCH_HASH" "$out" \
    "^1\\|commit=$h run=$id worker=w1 bench=$bhash\$"
check_match "ok: no token anywhere in the environment" "$out" '^1\|token=none leaks=0$'
check_match "ok: no inherited TJ_*, other variables pass" "$out" '^1\|tj_other=none visible=yes$'
check_match "ok: stdin is /dev/null" "$out" '^1\|stdin=eof$'
pg=$(printf '%s\n' "$out" | sed -n 's/^1|pid=\([0-9]*\) pgid=\([0-9]*\)$/\1 \2/p')
check_match "ok: its own process group" "$pg" '^([0-9]+) \1$'
check_match "ok: stderr is source 2" "$out" '^2\|to stderr$'
check_eq "ok: repeated lines append values" "$(values_of "$h" run/time)" "[1.5,1.25,1.75]"
check_eq "ok: unit and direction" \
    "$(sql tj.db "SELECT unit, direction FROM metrics WHERE name = 'run/time'")" "s|-1"
check_eq "ok: higher" "$(sql tj.db "SELECT direction FROM metrics WHERE name = 'size'")" 1

h=$(hash_of failmetric)
check_eq "failmetric: the run is fine" "$(run_of "$h" "exit_code, error IS NULL")" "0|1"
check_eq "failmetric: the good metric" "$(values_of "$h" run/ok)" "[1]"
check_eq "failmetric: the failed one keeps its error and value" \
    "$(sql tj.db "SELECT x.error, x.vals FROM measurements x JOIN metrics m ON m.id = x.metric_id WHERE m.name = 'run/crash'")" \
    "segfault in iteration 2|[3.5]"

h=$(hash_of runerror)
check_eq "runerror: the run-level error" "$(run_of "$h" "exit_code, error")" \
    "0|the code under test does not build"
check_eq "runerror: the measurement is kept" "$(values_of "$h" build/time)" "[2]"

h=$(hash_of exit3)
check_eq "exit3: recorded" "$(run_of "$h" "exit_code, error")" "3|bench exited with code 3"
check_eq "exit3: partial results kept" "$(values_of "$h" partial)" "[3]"
check_match "exit3: its stderr" "$(output_of "$h")" '^2\|giving up$'

h=$(hash_of signal)
check_match "signal: recorded" "$(run_of "$h" "exit_code, error")" \
    '^139\|bench killed by signal 11 \(Segmentation fault\)$'
check_eq "signal: partial results kept" "$(values_of "$h" partial)" "[9]"

h=$(hash_of truncated)
check_eq "truncated: the whole line counts" "$(values_of "$h" whole)" "[1]"
check_eq "truncated: the cut one does not" "$(values_of "$h" cut)" ""
check_match "truncated: a warning" "$(output_of "$h")" \
    '^0\|result file: line 2 is unfinished \(no newline, not JSON\): dropped$'

h=$(hash_of velcom)
check_eq "velcom: values" "$(values_of "$h" build/time)" "[13.2,15.12]"
check_eq "velcom: direction" "$(sql tj.db "SELECT unit, direction FROM metrics WHERE name = 'run/ops'")" "op/s|1"
check_eq "velcom: a failed measurement" \
    "$(sql tj.db "SELECT x.error FROM measurements x JOIN metrics m ON m.id = x.metric_id JOIN runs r ON r.id = x.run_id JOIN commits c ON c.id = r.commit_id WHERE m.name = 'run/time' AND c.hash = '$h'")" \
    "Program exited with error code 1"
check_match "velcom: said so" "$(output_of "$h")" '^0\|results read from stdout \(VelCom format\)$'

h=$(hash_of velcomfail)
check_eq "velcomfail: both errors" "$(run_of "$h" "exit_code, error")" \
    "1|Could not find Makefile; bench exited with code 1"

check_eq "the bench tree is cached once" "$(ls w1.d/bench)" "$bhash"
check_eq "no run dirs left" "$(ls w1.d/runs | wc -l)" 0

# A bench repo without an executable bench: the run fails with an error.
git -C bench rm -q --cached bench
mv bench/bench bench/not-bench
git -C bench add not-bench && git -C bench commit -q -m "no bench"
mkcommit repo mode ok again
gen update
h=$(git -C repo rev-parse HEAD)
check "the 9th run lands" wait_for 60 runs_are 9
check_match "no bench script: the error says so" "$(run_of "$h" "exit_code, error")" \
    "^\\|the bench repo has no executable 'bench' at its root"
check "the worker stops on SIGTERM" stop "$wpid"
api_stop
t_done
