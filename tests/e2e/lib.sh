# lib.sh: sourced by every tests/e2e/tNNNN-*.sh. Gives a scratch dir, the
# binaries under test, checks that count, bounded waits and a free port.
# TJ_BIN is the build dir (build or build/asan), TJ_TOP the source tree.
set -u
TJ_TOP=${TJ_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
TJ_BIN=${TJ_BIN:-$TJ_TOP/build}
case "$TJ_BIN" in /*) ;; *) TJ_BIN="$TJ_TOP/$TJ_BIN" ;; esac
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$TJ_TOP/tests/lsan.supp:print_suppressions=0}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:exitcode=86}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
TJ_GEN="$TJ_BIN/tj-gen"
TJ_API="$TJ_BIN/tj-api"
TJ_WORKER="$TJ_BIN/tj-worker"
T_NAME=$(basename "$0" .sh)
T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/tj-$T_NAME.XXXXXX")
t_pass=0
t_fail=0
t_pids=""

# Git that never reads the user's config and makes reproducible commits.
export GIT_CONFIG_NOSYSTEM=1 HOME="$T_DIR/home"
mkdir -p "$HOME"
export GIT_AUTHOR_NAME="A U Thor" GIT_AUTHOR_EMAIL="author@example.com"
export GIT_COMMITTER_NAME="C O Mitter" GIT_COMMITTER_EMAIL="committer@example.com"
git config --global init.defaultBranch main
git config --global user.name "A U Thor"
git config --global user.email "author@example.com"
unset TJ_CONFIG TJ_TOKEN

t_cleanup() {
	local p
	for p in $t_pids; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	if [ "$t_fail" = 0 ] && [ -z "${TJ_KEEP:-}" ]; then
		rm -rf "$T_DIR"
	else
		echo "# kept $T_DIR"
	fi
}

t_done() {
	echo "$T_NAME: $t_pass passed, $t_fail failed"
	t_cleanup
	trap - EXIT
	[ "$t_fail" = 0 ]
	exit $?
}
trap 'echo "# $T_NAME: died at line $LINENO"; t_fail=$((t_fail + 1)); t_done' EXIT

ok() { # description
	t_pass=$((t_pass + 1))
}

not_ok() { # description [details]
	t_fail=$((t_fail + 1))
	echo "not ok: $1"
	if [ $# -gt 1 ]; then printf '%s\n' "$2" | head -n 30 | sed 's/^/    /'; fi
}

check() { # description command...
	local d=$1
	shift
	if "$@" >"$T_DIR/.out" 2>&1; then ok "$d"; else not_ok "$d" "$(cat "$T_DIR/.out")"; fi
}

check_fails() { # description command...: must exit non-zero (not crash)
	local d=$1 rc
	shift
	"$@" >"$T_DIR/.out" 2>&1
	rc=$?
	if [ "$rc" != 0 ] && [ "$rc" -lt 64 ]; then ok "$d"; else not_ok "$d (exit $rc)" "$(cat "$T_DIR/.out")"; fi
}

check_eq() { # description got expected
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got:      $2
expected: $3"; fi
}

check_match() { # description text regex
	if printf '%s' "$2" | grep -Eq -- "$3"; then ok "$1"; else not_ok "$1" "no match for /$3/ in: $2"; fi
}

check_files_eq() { # description file1 file2
	if cmp -s "$2" "$3"; then ok "$1"; else not_ok "$1" "$(diff "$2" "$3" | head -n 20)"; fi
}

# sql DB QUERY: one sqlite3 query, rows as text.
sql() { sqlite3 -batch "$1" "$2"; }

# wait_for SECONDS command...: poll up to SECONDS for the command to succeed.
wait_for() {
	local limit=$(($1 * 10)) i=0
	shift
	while [ $i -lt $limit ]; do
		if "$@" >/dev/null 2>&1; then return 0; fi
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# free_port: see port.sh.
. "$TJ_TOP/tests/e2e/port.sh"

# bg command...: start in the background, killed when the test ends.
bg() {
	"$@" &
	t_pids="$t_pids $!"
	T_LAST_PID=$!
}

# mkcommit REPO FILE CONTENT MESSAGE: commit one file change.
mkcommit() {
	printf '%s\n' "$3" >"$1/$2"
	git -C "$1" add "$2" && git -C "$1" commit -q -m "$4"
}

# gen_conf REPO DB OUT: write $T_DIR/tj.conf for them; gen VERB ARGS...
# then runs tj-gen with it.
gen_conf() {
	printf '[repo]\n\tpath = %s\n[db]\n\tpath = %s\n[site]\n\tout = %s\n' \
	    "$1" "$2" "$3" >"$T_DIR/tj.conf"
}
gen() { "$TJ_GEN" "$@" --config "$T_DIR/tj.conf"; }
