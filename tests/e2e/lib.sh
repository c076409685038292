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

# fault_check NAME DB COMMITS EXTRA [WORKER_DIR...]: the four figures every
# fault scenario that runs benches must end with, from the real db, the
# workers' logs and dirs and the process table:
# - runs stored = COMMITS (the commits benchmarked, each with a run) plus at
#   most EXTRA runs the protocol's rules allow (the test says which);
# - none lost: every run a worker logged as finished is stored;
# - the queue is drained;
# - nothing is left behind: no file in a worker's spool/ (but the bounded
#   spool/rejected/: at most $FAULT_REJECTED_MAX bytes, the default
#   rejected-max), no runs/<id>/, no temp file in the site's out/, and no
#   process of the test alive (one whose environment has this test's HOME,
#   or whose command line names its dir) but for the pids in $FAULT_ALIVE,
#   after a bounded wait.
# A worker dir is NAME.d with its log NAME.log next to it (worker-lib.sh).
# Each figure that does not match is a failed check; the figures are
# printed as a "# fault:" line and appended as a row to $TJ_FAULT_TABLE
# (tests/run.sh prints the table at the end), else to $T_DIR/faults.tsv.
fault_check() {
	local name=$1 db=$2 commits=$3 extra=$4 runs distinct dup queue ids
	local lost=0 lost_ids="" files="" nfiles=0 procs nprocs rej=0 d id f out
	local lim=${FAULT_REJECTED_MAX:-67108864} i
	shift 4
	runs=$(fault_sql "$db" 'SELECT count(*) FROM runs')
	distinct=$(fault_sql "$db" 'SELECT count(DISTINCT commit_id) FROM runs')
	queue=$(fault_sql "$db" 'SELECT count(*) FROM queue')
	dup=$((runs - distinct))
	for d in "$@"; do
		[ -e "${d%.d}.log" ] || continue
		ids=$(grep -aoE 'run r-[A-Za-z0-9]+ (finished|lost)' "${d%.d}.log" |
		    cut -d' ' -f2 | sort -u)
		for id in $ids; do
			if [ "$(fault_sql "$db" "SELECT count(*) FROM runs WHERE id = '$id'")" != 1 ]; then
				lost=$((lost + 1))
				lost_ids="$lost_ids $id(${d##*/})"
			fi
		done
	done
	for d in "$@"; do
		f=$( { find "$d/spool" -path "$d/spool/rejected" -prune -o \
		    -type f -print; find "$d/runs" -mindepth 1 -maxdepth 1 -print
		    } 2>/dev/null)
		[ -n "$f" ] && files="$files$f"$'\n'
		if [ -d "$d/spool/rejected" ]; then
			i=$(du -sb "$d/spool/rejected" | cut -f1)
			rej=$((rej + i))
			[ "$i" -le "$lim" ] ||
			    not_ok "$name: $d/spool/rejected holds $i bytes, more than $lim"
		fi
	done
	out=$(sed -n 's/^[[:space:]]*out = //p' "$T_DIR/tj.conf" 2>/dev/null | head -n 1)
	if [ -n "$out" ] && [ -d "$out" ]; then
		f=$(find "$out" -name '*.tmp.*' 2>/dev/null)
		[ -n "$f" ] && files="$files$f"$'\n'
	fi
	nfiles=$(printf '%s' "$files" | grep -c .)
	i=0
	while :; do
		procs=$(fault_procs)
		nprocs=$(printf '%s' "$procs" | grep -c .)
		[ "$nprocs" = 0 ] || [ $i -ge 50 ] && break
		sleep 0.1
		i=$((i + 1))
	done
	check_eq "$name: every commit benchmarked has a run" "$distinct" "$commits"
	if [ "$dup" -le "$extra" ]; then ok "$name: extra runs"; else
		not_ok "$name: $dup extra run(s), the rules allow $extra" \
		    "$(fault_sql "$db" "SELECT c.hash, r.id, r.worker FROM runs r JOIN commits c ON c.id = r.commit_id WHERE r.commit_id IN (SELECT commit_id FROM runs GROUP BY commit_id HAVING count(*) > 1)")"
	fi
	check_eq "$name: no finished run lost${lost_ids:+:$lost_ids}" "$lost" 0
	check_eq "$name: the queue is drained" "$queue" 0
	check_eq "$name: no file left behind" "$files" ""
	check_eq "$name: no process left behind" "$procs" ""
	f=$(printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s' "$name" \
	    "${TJ_BIN##*/}" "$commits" "$runs" "$dup" "$extra" "$lost" \
	    "$queue" "$nfiles" "$nprocs")
	echo "# fault: $f" | tr '\t' ' '
	printf '%s\n' "$f" >>"${TJ_FAULT_TABLE:-$T_DIR/faults.tsv}"
}

# fault_sql DB QUERY: sqlite3, waiting for a locked db.
fault_sql() { sqlite3 -batch -cmd '.timeout 5000' "$1" "$2"; }

# fault_procs: the live processes of this test (see fault_check), one
# "pid command line" a line.
fault_procs() {
	python3 - "$HOME" "$T_DIR" "$$ ${FAULT_ALIVE:-}" <<'PY'
import os, sys
home, tdir = ("HOME=" + sys.argv[1]).encode(), sys.argv[2].encode()
skip = {int(p) for p in sys.argv[3].split()} | {os.getpid(), os.getppid()}
for p in os.listdir("/proc"):
    if not p.isdigit() or int(p) in skip:
        continue
    try:
        st = open("/proc/%s/stat" % p, "rb").read()
        if st[st.rindex(b")") + 2:][:1] == b"Z":
            continue
        env = open("/proc/%s/environ" % p, "rb").read().split(b"\0")
        cmd = open("/proc/%s/cmdline" % p, "rb").read().replace(b"\0", b" ")
    except OSError:
        continue
    if home in env or tdir in cmd:
        print(p, cmd.decode(errors="replace").strip())
PY
}
