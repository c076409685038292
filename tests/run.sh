#!/bin/bash
# run.sh BUILD_DIR...: run the unit test programs and the e2e scripts against
# each build (build/ and build/asan/), TJ_JOBS (default 3) at a time, and
# print each result as it ends (with its seconds), then the totals as the
# last line. Scripts with a "# tj-test: slow" line start first.
# TJ_ONLY=unit|e2e runs one suite; TJ_TESTS="pattern..." picks e2e scripts
# (any of the space-separated patterns); an e2e script running longer than
# TJ_TEST_TIMEOUT (900 s) is killed and fails. A script with a
# "# tj-test: once" line runs against the last build dir only (one that
# mostly waits on the clock, which the builds do not change). The fault
# scenarios' figures (fault_check in tests/e2e/lib.sh) are printed as a
# table before the totals.
set -u
cd "$(dirname "$0")/.."
top=$(pwd)
jobs_max=${TJ_JOBS:-3}
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=86}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$top/tests/lsan.supp:print_suppressions=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
logs=$(mktemp -d "${TMPDIR:-/tmp}/tj-run.XXXXXX")
trap 'rm -rf "$logs"' EXIT
export TJ_FAULT_TABLE="$logs/faults.tsv"
# The tests' python3 is the system's, where Debian's python3-* packages
# are, even when a version manager's shim comes first in PATH (pyenv's
# costs 0.4 s a call; the suite makes thousands).
if [ -x /usr/bin/python3 ] && [ "$(command -v python3)" != /usr/bin/python3 ]; then
	mkdir -p "$logs/bin"
	ln -s /usr/bin/python3 "$logs/bin/python3"
	export PATH="$logs/bin:$PATH"
fi

names=()
cmds=()
# add NAME CMD SLOW: slow ones (an e2e script with a "# tj-test: slow"
# line) go first, longest builds first, so the run does not end waiting
# on one long test.
slow_names=()
slow_cmds=()
add() {
	if [ "$3" = 1 ]; then
		slow_names=("$1" "${slow_names[@]+"${slow_names[@]}"}")
		slow_cmds=("$2" "${slow_cmds[@]+"${slow_cmds[@]}"}")
	else
		names+=("$1")
		cmds+=("$2")
	fi
}
last_build=
for b in "$@"; do last_build=$b; done
# picked SCRIPT: TJ_TESTS is empty or one of its patterns is in the name.
picked() {
	local p
	[ -z "${TJ_TESTS:-}" ] && return 0
	for p in $TJ_TESTS; do
		case "$1" in *"$p"*) return 0 ;; esac
	done
	return 1
}
for b in "$@"; do
	bin="$top/$b"
	if [ "${TJ_ONLY:-unit}" = unit ]; then
		for t in "$bin"/tests/test_*; do
			[ -x "$t" ] || continue
			add "$b/${t##*/}" "$t" 0
		done
	fi
	if [ "${TJ_ONLY:-e2e}" = e2e ]; then
		for t in tests/e2e/t[0-9]*.sh; do
			[ -e "$t" ] || continue
			picked "$t" || continue
			if [ "$b" != "$last_build" ] &&
			    grep -q '^# tj-test: once' "$t"; then
				continue
			fi
			slow=0
			grep -q '^# tj-test: slow' "$t" && slow=1
			add "$b/${t##*/}" \
			    "timeout -k 10 ${TJ_TEST_TIMEOUT:-900} env TJ_BIN=$bin TJ_TOP=$top bash $t" \
			    "$slow"
		done
	fi
done
names=("${slow_names[@]+"${slow_names[@]}"}" "${names[@]+"${names[@]}"}")
cmds=("${slow_cmds[@]+"${slow_cmds[@]}"}" "${cmds[@]+"${cmds[@]}"}")

pass=0
fail=0
failed=()
report() { # index
	local i=$1 line p f rc
	rc=$(cat "$logs/$i.rc")
	line=$(grep -aE '^([A-Za-z0-9_.-]+: )?[0-9]+ passed, [0-9]+ failed' "$logs/$i.log" | tail -n 1)
	p=$(echo "$line" | sed -E 's/.*\b([0-9]+) passed.*/\1/')
	f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
	if [ -z "$line" ]; then p=0; f=1; line="(no result line; exit $rc)"; fi
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then f=1; fi
	printf '%-40s %s (%ss)\n' "${names[$i]}" "$line" \
	    $(( $(date +%s) - $(cat "$logs/$i.start") ))
	if [ "$f" != 0 ]; then
		sed 's/^/    /' "$logs/$i.log" | tail -n 60
		failed+=("${names[$i]}")
	fi
	pass=$((pass + p))
	fail=$((fail + f))
}

running=()
next=0
reported=0
total=${#names[@]}
while [ "$reported" -lt "$total" ]; do
	while [ "${#running[@]}" -lt "$jobs_max" ] && [ "$next" -lt "$total" ]; do
		i=$next
		date +%s >"$logs/$i.start"
		( ${cmds[$i]} >"$logs/$i.log" 2>&1; echo $? >"$logs/$i.rc.tmp"
		  mv "$logs/$i.rc.tmp" "$logs/$i.rc" ) </dev/null &
		running+=("$i")
		next=$((next + 1))
	done
	wait -n 2>/dev/null
	still=()
	for i in "${running[@]}"; do
		if [ -e "$logs/$i.rc" ]; then
			report "$i"
			reported=$((reported + 1))
		else
			still+=("$i")
		fi
	done
	running=("${still[@]+"${still[@]}"}")
done
if [ -s "$TJ_FAULT_TABLE" ]; then
	echo "fault scenarios (fault_check, tests/e2e/lib.sh):"
	sort "$TJ_FAULT_TABLE" | awk -F'\t' '
	BEGIN { f = "%-44s %-5s %7s %6s %11s %4s %5s %5s %5s\n"
		printf f, "scenario", "build", "commits", "runs", "dup (rules)",
		    "lost", "queue", "files", "procs" }
	{ printf f, $1, $2, $3, $4, $5 " (" $6 ")", $7, $8, $9, $10 }'
fi
if [ ${#failed[@]} -gt 0 ]; then
	echo "failed: ${failed[*]}"
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
