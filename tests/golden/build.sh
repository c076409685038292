#!/bin/bash
# build.sh BIN_DIR DEST: build the golden site from scratch and copy the
# golden pages (listed in tests/golden/pages) into DEST, which is emptied
# first. BIN_DIR holds tj-gen and tj-api (build or build/asan). See README.
#
# Everything is fixed: the repo (identities, dates, messages with a hostile
# one and invalid UTF-8, a merge, a tag) and the runs (ids, times, values,
# output), which a fake worker submits to the real tj-api over 127.0.0.1
# with curl. Run ids and times are the client's, so they are fixed too. The
# only values the server takes from its clock, the worker's first/last seen
# and the queue's added time, are set to fixed times in the db before the
# render (the one normalisation).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=$1 dest=$2
case "$bin" in /*) ;; *) bin="$top/$bin" ;; esac
work=$(mktemp -d "${TMPDIR:-/tmp}/tj-golden.XXXXXX")
api_pid=
cleanup() {
	if [ -n "$api_pid" ]; then kill -9 "$api_pid" 2>/dev/null || true; fi
	wait 2>/dev/null || true
	if [ -n "${TJ_KEEP:-}" ]; then echo "# kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

# Git that reads no user config, with fixed identities and dates.
export GIT_CONFIG_NOSYSTEM=1 HOME="$work/home" TZ=UTC LC_ALL=C
mkdir -p "$HOME"
unset TJ_CONFIG TJ_TOKEN
export GIT_AUTHOR_NAME="A U Thor" GIT_AUTHOR_EMAIL="author@example.com"
export GIT_COMMITTER_NAME="C O Mitter" GIT_COMMITTER_EMAIL="committer@example.com"
repo=$work/repo
t=1700000000
when() { # the next commit's dates: an hour later, author in +01:00
	t=$((t + 3600))
	export GIT_AUTHOR_DATE="$t +0100" GIT_COMMITTER_DATE="$t +0000"
}
commit() { # FILE CONTENT (message on stdin)
	when
	printf '%s\n' "$2" >"$repo/$1"
	git -C "$repo" add "$1"
	git -C "$repo" commit -q -F -
}

git init -q "$repo"
git -C "$repo" symbolic-ref HEAD refs/heads/main
echo "first commit" | commit a.txt 1
commit a.txt 2 <<'MSG'
<script>alert('tj-golden')</script> & "quotes" {{x}}

A body with *emphasis*, `code`, <b>raw HTML</b> and
[a javascript: link](javascript:alert(1)).
MSG
git -C "$repo" checkout -q -b side
# (git warns that the message is not UTF-8: that is the point)
printf 'side: bad UTF-8 \377\376 here\n\nbody \300\274\n' |
    commit b.txt 1 2>/dev/null
git -C "$repo" checkout -q main
echo "main: three" | commit a.txt 3
when
git -C "$repo" merge -q --no-ff -m "Merge branch 'side'" side
echo "main: five" | commit a.txt 5
git -C "$repo" tag v1.0

cat >"$work/tj.conf" <<CONF
[repo]
	path = $repo
	update = 1h
[db]
	path = $work/tj.db
[site]
	out = $work/out
[api]
	token = golden-token
CONF
gen() { "$bin/tj-gen" "$@" --config "$work/tj.conf" --no-render --quiet; }
gen update
gen queue add main~4

# The runs, submitted through tj-api's status endpoint as a worker would.
# A free port below the ephemeral range (no outgoing connection can take
# it meanwhile); a second try if another process took it anyway.
. "$top/tests/e2e/port.sh"
for try in 1 2 3; do
	port=$(free_port)
	"$bin/tj-api" --config "$work/tj.conf" --no-render \
	    --listen "127.0.0.1:$port" >"$work/api.log" 2>&1 &
	api_pid=$!
	for _ in $(seq 300); do
		curl -s -o /dev/null "http://127.0.0.1:$port/" && break 2
		kill -0 "$api_pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$api_pid" 2>/dev/null || true
	wait "$api_pid" 2>/dev/null || true
	api_pid=
	if [ "$try" = 3 ]; then
		echo "golden: tj-api did not start:" >&2
		cat "$work/api.log" >&2
		exit 1
	fi
done
submit() { # RUN_ID REV START TIMES SIZE EXIT ERROR
	local h body code
	h=$(git -C "$repo" rev-parse "$2")
	body=$(printf '{"info":"golden <box>","secret":"golden-secret","status":{"type":"idle"},"submit_run":{"id":"%s","hash":"%s","bench_method":{"type":"internal"},"start":"%s","end":"%s","exit_code":%s,"error":%s,"output":[[0,"unpacked 2 files"],[1,"time: <%s> & done"],[2,"warning: \\u00e9t\\u00e9 \\u001b[31m red"]],"measurements":{"run/time":{"values":[%s],"unit":"s","direction":"lower"},"size/bin":{"value":%s,"unit":"B","direction":"lower"},"throughput":{"values":[%s],"unit":"op/s","direction":"higher"}}}}' \
	    "$1" "$h" "$3" "${3%Z}.5Z" "$6" "$7" "$1" "$4" "$5" "$4")
	code=$(curl -s -m 20 -o "$work/reply" -w '%{http_code}' \
	    -u 'golden-box:golden-token' -H 'Content-Type: application/json' \
	    --data-binary "$body" "http://127.0.0.1:$port/api/worker/status")
	if [ "$code" != 200 ]; then
		echo "golden: submitting $1: HTTP $code: $(cat "$work/reply")" >&2
		exit 1
	fi
}
submit r-golden-1 main~3 2023-11-15T00:00:00Z "1.00,1.02,1.01" 1000 0 null
submit r-golden-2 main~2 2023-11-15T01:00:00Z "1.10,1.12,1.11" 1000 0 null
submit r-golden-3 main~1 2023-11-15T02:00:00Z "0.90,0.91,0.92" 1200 0 null
submit r-golden-4 main 2023-11-15T03:00:00Z "0.95,0.94,0.96" 1200 1 \
    '"exit status 1: <oops> & more"'
kill -TERM "$api_pid"
wait "$api_pid" || { echo "golden: tj-api failed:" >&2; cat "$work/api.log" >&2; exit 1; }
api_pid=

# The normalisation: the server's clock, fixed.
sqlite3 -batch "$work/tj.db" "UPDATE workers SET first_seen = 1700050000,
    last_seen = 1700060000; UPDATE queue SET added = 1700040000;"
"$bin/tj-gen" render --config "$work/tj.conf" --quiet

rm -rf "$dest"
mkdir -p "$dest"
while read -r rev file; do
	case "$rev" in '#'* | '') continue ;; esac
	if [ "$rev" != - ]; then
		file=${file//@/$(git -C "$repo" rev-parse "$rev")}
	fi
	mkdir -p "$dest/$(dirname "$file")"
	cp "$work/out/$file" "$dest/$file"
done <"$top/tests/golden/pages"
