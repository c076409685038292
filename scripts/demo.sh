#!/bin/bash
# demo.sh: the whole pipeline on this repository itself. Imports it, queues
# a sample of its recent first-parent history (every DEMO_EVERY-th of the
# last DEMO_SPAN commits, and the tip), benchmarks them with tj-api
# --local-worker using scripts/demo-bench/ (which builds each commit's tj-gen
# and times it importing and rendering a fixed repository: instructions
# under callgrind, and seconds), renders the site into out/ and serves it
# with tj-gen serve until Ctrl-C.
#   DEMO_BENCH=internal  the internal method (files and lines) instead
#   DEMO_BENCH=example   scripts/example-bench/ (build time) instead
#   DEMO_SPAN=N, DEMO_EVERY=K  the sample (default 48 and 6)
#   DEMO_DIR=DIR      where the db, config and logs go (default build/demo)
#   DEMO_OUT=DIR      where the site goes (default out)
#   DEMO_SERVE=0      stop after rendering instead of serving
#   DEMO_PORT=N       the preview's port (default 8000, else any free one)
#   DEMO_TIMEOUT=S    give up waiting for the runs after S seconds (1800)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
B=${TJ_BIN:-$top/build}
dir=${DEMO_DIR:-$top/build/demo}
out=${DEMO_OUT:-$top/out}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
pids=()

say() { printf 'demo: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
stop() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	pids=()
}
trap 'stop' EXIT
trap 'say "stopping"; exit 130' INT TERM

git -C "$top" rev-parse --git-dir >/dev/null 2>&1 ||
	die "$top is not a git checkout: the demo benchmarks this repository's own history"
for p in tj-gen tj-api tj-worker; do
	[ -x "$B/$p" ] || die "$B/$p is missing: run make first"
done

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
token=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
conf=$dir/tablejohn.conf
# A git-config value in quotes, with " and \ escaped (paths may hold them).
qv() { local v=${1//\\/\\\\}; printf '"%s"' "${v//\"/\\\"}"; }
{
	printf '[repo]\n\tpath = %s\n\tname = tablejohn\n\tupdate = 10m\n' "$(qv "$top")"
	printf '[db]\n\tpath = %s\n' "$(qv "$dir/tablejohn.db")"
	printf '[site]\n\tout = %s\n\ttitle = tablejohn demo\n' "$(qv "$out")"
	printf '[api]\n\tlisten = 127.0.0.1:%s\n\ttoken = %s\n\tworker-timeout = 60s\n' "$port" "$token"
	printf '[worker]\n\tping = 1s\n\ttimeout = 10m\n'
} >"$conf"
kind=${DEMO_BENCH:-tablejohn}
case $kind in
repo|example) src=$top/scripts/example-bench ;;
tablejohn) src=$top/scripts/demo-bench ;;
internal) src="" ;;
*) die "DEMO_BENCH=$kind: expected tablejohn, example or internal" ;;
esac
if [ -n "$src" ]; then
	# The bench repo is a git repo of its own: make one from the script.
	bench=$dir/bench-repo
	rm -rf "$bench"
	mkdir -p "$bench"
	cp -R "$src/." "$bench/"
	# The commits' trees hold no node_modules: their sites need uPlot.
	if [ "$kind" = tablejohn ]; then
		cp "$top"/node_modules/uplot/dist/uPlot.iife.min.js \
		    "$top"/node_modules/uplot/dist/uPlot.min.css "$bench/" ||
			die "uPlot is missing: run npm ci"
	fi
	git -C "$bench" init -q
	git -C "$bench" add -A
	git -C "$bench" -c user.name=demo -c user.email=demo@localhost \
		commit -q -m "example bench"
	printf '[bench]\n\trepo = %s\n' "$(qv "$bench")" >>"$conf"
	say "bench method: ${src#"$top"/} (as the git repo $bench)"
else
	say "bench method: internal (files, lines and TODOs of each commit)"
fi

say "importing $top into $dir/tablejohn.db"
"$B/tj-gen" update --config "$conf" --quiet
# The first import queued the tip; then a sample of the history before it.
span=${DEMO_SPAN:-48}
every=${DEMO_EVERY:-6}
case $span$every in *[!0-9]*) die "DEMO_SPAN and DEMO_EVERY are counts" ;; esac
[ "$every" -ge 1 ] || die "DEMO_EVERY=$every: at least 1"
i=$every
while [ "$i" -le "$span" ]; do
	if git -C "$top" rev-parse -q --verify "HEAD~$i^{commit}" >/dev/null; then
		"$B/tj-gen" queue add "$(git -C "$top" rev-parse "HEAD~$i")" \
		    --config "$conf" --quiet --no-render
	fi
	i=$((i + every))
done
total=$(sqlite3 "$dir/tablejohn.db" "SELECT count(*) FROM queue")
say "queued $total commits; starting tj-api --local-worker on 127.0.0.1:$port"
"$B/tj-api" --config "$conf" --local-worker >"$dir/api.log" 2>&1 &
pids+=($!)

limit=${DEMO_TIMEOUT:-1800}
start=$(date +%s)
shown=-1
# Progress in place on a terminal, a line per change otherwise.
if [ -t 2 ]; then cr='\r'; nl=''; else cr=''; nl='\n'; fi
while :; do
	left=$(sqlite3 "$dir/tablejohn.db" "SELECT count(*) FROM queue" 2>/dev/null || echo "$total")
	total=$(sqlite3 "$dir/tablejohn.db" "SELECT count(*) FROM runs" 2>/dev/null || echo 0)
	total=$((total + left))
	done_=$((total - left))
	if [ "$done_" != "$shown" ]; then
		printf "${cr}demo: %d of %d runs done${nl}" "$done_" "$total" >&2
		shown=$done_
	fi
	# Done when the queue stays empty with nothing left to detect or
	# render: a landed run's detection, and the confirmation and bisection
	# right after the render, may still queue runs.
	pending=$(sqlite3 "$dir/tablejohn.db" "SELECT count(*) FROM dirty" 2>/dev/null || echo 1)
	if [ "$left" = 0 ] && [ "$pending" = 0 ]; then
		idle=$((${idle:-0} + 1))
		[ "$idle" -ge 5 ] && break
	else
		idle=0
	fi
	kill -0 "${pids[0]}" 2>/dev/null || { echo >&2; tail -n 20 "$dir/api.log" >&2; die "tj-api stopped"; }
	if [ $(($(date +%s) - start)) -gt "$limit" ]; then
		echo >&2
		tail -n 20 "$dir/api.log" >&2
		die "the runs did not finish in ${limit}s (see $dir/api.log)"
	fi
	sleep 1
done
[ -n "$cr" ] && echo >&2
stop
"$B/tj-gen" render --config "$conf" --quiet
runs=$(sqlite3 "$dir/tablejohn.db" "SELECT count(*) FROM runs")
say "$runs runs; the site is in $out"
if [ "${DEMO_SERVE:-1}" = 0 ]; then
	exit 0
fi
sport=${DEMO_PORT:-8000}
if ! python3 -c "import socket,sys; s=socket.socket(); s.bind(('127.0.0.1',$sport))" 2>/dev/null; then
	sport=0
fi
say "serving the site; Ctrl-C stops"
"$B/tj-gen" serve --config "$conf" --listen "127.0.0.1:$sport" &
pids+=($!)
wait "${pids[-1]}"
