#!/bin/bash
# run.sh BUILD_DIR...: run the unit test programs and the e2e scripts against
# each build (build/ and build/asan/), then print the totals as the last line.
# TJ_ONLY=unit|e2e runs one suite; TJ_TESTS=pattern picks e2e scripts.
set -u
cd "$(dirname "$0")/.."
top=$(pwd)
pass=0
fail=0
failed=()
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=86}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$top/tests/lsan.supp:print_suppressions=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

count() { # name log
	local line p f
	line=$(grep -E '^([A-Za-z0-9_.-]+: )?[0-9]+ passed, [0-9]+ failed' "$2" | tail -n 1)
	p=$(echo "$line" | sed -E 's/.*\b([0-9]+) passed.*/\1/')
	f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
	echo "$line"
	if [ -z "$line" ]; then p=0; f=1; fi
	if [ "$3" != 0 ] && [ "$f" = 0 ]; then f=1; fi
	pass=$((pass + p))
	fail=$((fail + f))
	if [ "$f" != 0 ]; then failed+=("$1"); fi
}

for b in "$@"; do
	bin="$top/$b"
	if [ "${TJ_ONLY:-unit}" = unit ] || [ -z "${TJ_ONLY:-}" ]; then
		for t in "$bin"/tests/test_*; do
			[ -x "$t" ] || continue
			name="$b/${t##*/}"
			log=$(mktemp)
			"$t" >"$log" 2>&1
			rc=$?
			printf '%-40s ' "$name"
			count "$name" "$log" "$rc"
			if [ "$rc" != 0 ]; then sed 's/^/    /' "$log" | tail -n 40; fi
			rm -f "$log"
		done
	fi
	if [ "${TJ_ONLY:-e2e}" = e2e ] || [ -z "${TJ_ONLY:-}" ]; then
		for t in tests/e2e/t[0-9]*.sh; do
			[ -e "$t" ] || continue
			case "$t" in *${TJ_TESTS:-}*) ;; *) continue ;; esac
			name="$b/${t##*/}"
			log=$(mktemp)
			TJ_BIN="$bin" TJ_TOP="$top" bash "$t" >"$log" 2>&1
			rc=$?
			printf '%-40s ' "$name"
			count "$name" "$log" "$rc"
			if [ "$rc" != 0 ]; then sed 's/^/    /' "$log" | tail -n 60; fi
			rm -f "$log"
		done
	fi
done
if [ ${#failed[@]} -gt 0 ]; then
	echo "failed: ${failed[*]}"
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
