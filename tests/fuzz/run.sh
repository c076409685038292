#!/bin/bash
# run.sh TARGET...: run each build/fuzz/fuzz_TARGET for FUZZ_TIME seconds
# (default 30) from its seeds in tests/fuzz/corpus/TARGET/ (read only) and
# the inputs it found before in build/fuzz/corpus/TARGET/, then print a
# line per target: executions, executions per second, new corpus size,
# and whether it crashed. A crash, leak, sanitizer report or timeout
# leaves the input in build/fuzz/artifacts/ and makes the exit status 1.
# FUZZ_JOBS targets (default: one per CPU) run at once.
set -u
cd "$(dirname "$0")/../.."
time=${FUZZ_TIME:-30}
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp:print_suppressions=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
mkdir -p build/fuzz/artifacts build/fuzz/logs
failed=()
# exec/s is per wall-clock second; exec/cpu-s per second of CPU used (the
# same on a loaded machine).
printf '%-8s %10s %8s %8s %11s %7s  %s\n' target execs exec/s cpu-s \
    exec/cpu-s corpus result
# one TARGET: run it, then write its table row (and, on failure, the
# report's lines) to build/fuzz/logs/TARGET.row and its status to .rc.
fuzz_one() {
	local t=$1
	bin=build/fuzz/fuzz_$t
	log=build/fuzz/logs/$t.log
	mkdir -p "build/fuzz/corpus/$t"
	opts=()
	if [ -f "tests/fuzz/$t.options" ]; then
		read -r -a opts <"tests/fuzz/$t.options"
	fi
	dict=()
	if [ -f "tests/fuzz/$t.dict" ]; then dict=("-dict=tests/fuzz/$t.dict"); fi
	TIMEFORMAT='%U %S'
	cpu=$( { time "$bin" -max_total_time="$time" -timeout=10 \
	    -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix="build/fuzz/artifacts/$t-" \
	    "${dict[@]}" "${opts[@]}" "build/fuzz/corpus/$t" \
	    "tests/fuzz/corpus/$t" >"$log" 2>&1; echo "rc $?" >&2; } 2>&1)
	rc=${cpu#*rc }
	rc=${rc%%$'\n'*}
	cpu=$(printf '%s\n' "$cpu" | grep -v '^rc ' | tail -n 1 | awk '{ printf "%.1f", $1 + $2 }')
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	n=$(find "build/fuzz/corpus/$t" -type f | wc -l)
	if [ "$rc" = 0 ]; then
		res=ok
	else
		res="FAILED (exit $rc; log $log)"
	fi
	percpu=$(awk -v e="${execs:-0}" -v c="$cpu" \
	    'BEGIN { printf "%d", (c > 0 ? e / c : 0) }')
	{
		printf '%-8s %10s %8s %8s %11s %7s  %s\n' "$t" "${execs:-?}" \
		    "${rate:-?}" "$cpu" "$percpu" "$n" "$res"
		if [ "$rc" != 0 ]; then
			grep -aE -B 2 -A 30 '^==[0-9]+==ERROR|runtime error|invariant failed|^SUMMARY|Test unit written' \
			    "$log" | head -n 60 | sed 's/^/    /'
		fi
	} >"build/fuzz/logs/$t.row"
	echo "$rc" >"build/fuzz/logs/$t.rc"
}

# FUZZ_JOBS targets (default: one per CPU) run at once; rows print in the
# order the targets were given.
jobs_max=${FUZZ_JOBS:-$(nproc)}
[ "$jobs_max" -ge 1 ] 2>/dev/null || jobs_max=1
running=0
for t in "$@"; do
	if [ "$running" -ge "$jobs_max" ]; then
		wait -n
		running=$((running - 1))
	fi
	# A target that dies before it writes them must not show the last run's.
	rm -f "build/fuzz/logs/$t.row" "build/fuzz/logs/$t.rc"
	fuzz_one "$t" &
	running=$((running + 1))
done
wait
for t in "$@"; do
	cat "build/fuzz/logs/$t.row" 2>/dev/null ||
	    printf '%-8s  FAILED (no result)\n' "$t"
	[ "$(cat "build/fuzz/logs/$t.rc" 2>/dev/null)" = 0 ] || failed+=("$t")
done
if [ ${#failed[@]} -gt 0 ]; then
	echo "fuzz: failed: ${failed[*]}"
	exit 1
fi
