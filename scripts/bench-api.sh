#!/bin/bash
# bench-api.sh [BUILD_DIR]: tj-api (issue 3). Status requests per second
# from 50 simulated workers (wrk, 50 connections, a Lua script cycling 50
# worker names) against nginx serving a small static file in the same run;
# and GET .../tree.tar.gz of a large tree (a copy of /usr/include, or
# BENCH_TREE) against `git archive --format=tar.gz` at the same gzip level (1, as tj-api).
# Targets: >= 0.3 x nginx's requests/s; <= 1.1 x git archive's time.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$top/build}
case "$bin" in /*) ;; *) bin="$top/$bin" ;; esac
DUR=${BENCH_SECS:-5}
work=$(mktemp -d "${TMPDIR:-/tmp}/tj-bench-api.XXXXXX")
pids=""
trap 'for p in $pids; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; [ -n "${BENCH_KEEP:-}" ] && echo "kept $work" || rm -rf "$work"' EXIT
for tool in wrk nginx hyperfine git curl; do
	command -v "$tool" >/dev/null || PATH=$PATH:/usr/sbin
	command -v "$tool" >/dev/null || {
		echo "bench-api: $tool is missing (make deps)" >&2
		exit 1
	}
done
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ratio() { python3 -c "import sys; print('%.2f' % (float(sys.argv[1]) / float(sys.argv[2])))" "$1" "$2"; }
# wait_http URL: up to 10 s for anything to answer.
wait_http() {
	local i
	for i in $(seq 100); do
		curl -s -o /dev/null "$1" && return 0
		sleep 0.1
	done
	echo "bench-api: $1 does not answer" >&2
	exit 1
}

# The large tree: a git repo of /usr/include (8000+ files, 100+ MB).
src=${BENCH_TREE:-/usr/include}
git init -q "$work/repo"
cp -r "$src/." "$work/repo/"
git -C "$work/repo" add -A >/dev/null
git -C "$work/repo" -c user.name=b -c user.email=b@b commit -q -m tree
h=$(git -C "$work/repo" rev-parse HEAD)
files=$(git -C "$work/repo" ls-files | wc -l)
size=$(du -sm "$work/repo" --exclude=.git | cut -f1)
"$bin/tj-gen" update --repo "$work/repo" --db "$work/tj.db" --no-render --quiet

api_port=$(port)
TJ_TOKEN=benchtoken "$bin/tj-api" --db "$work/tj.db" --repo "$work/repo" \
    --listen "127.0.0.1:$api_port" --no-render >"$work/api.log" 2>&1 &
pids="$pids $!"
wait_http "http://127.0.0.1:$api_port/"

# nginx with a small static file, as the baseline for requests/s.
mkdir -p "$work/www" "$work/nginx"
printf '{"run":null}\n' >"$work/www/status.json"
ngx_port=$(port)
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes 2;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
daemon off;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $work/nginx;
	proxy_temp_path $work/nginx;
	fastcgi_temp_path $work/nginx;
	uwsgi_temp_path $work/nginx;
	scgi_temp_path $work/nginx;
	server {
		listen 127.0.0.1:$ngx_port;
		root $work/www;
	}
}
CONF
nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" &
pids="$pids $!"
wait_http "http://127.0.0.1:$ngx_port/status.json"

# 50 workers: each request is one worker's idle status, names cycling.
cat >"$work/status.lua" <<'LUA'
local n = 0
local hdrs = {}
local body = {}
for i = 0, 49 do
	local name = "w" .. i
	hdrs[i] = "Basic " .. (function(s)
		local b = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
		return ((s:gsub(".", function(x)
			local r, bits = "", x:byte()
			for j = 8, 1, -1 do
				r = r .. (bits % 2 ^ j - bits % 2 ^ (j - 1) > 0 and "1" or "0")
			end
			return r
		end) .. "0000"):gsub("%d%d%d?%d?%d?%d?", function(x)
			if #x < 6 then return "" end
			local c = 0
			for j = 1, 6 do
				c = c + (x:sub(j, j) == "1" and 2 ^ (6 - j) or 0)
			end
			return b:sub(c + 1, c + 1)
		end) .. ({"", "==", "="})[#s % 3 + 1])
	end)(name .. ":benchtoken")
	for _, t in ipairs({"idle", "busy"}) do
		body[t .. i] = '{"info":"bench","secret":"s' .. i ..
		    '","status":{"type":"' .. t .. '"},"request_run":false}'
	end
end
-- "write": every ping flips idle/busy, so each one is a db write.
local flip = false
init = function(args)
	flip = args[1] == "write"
end
request = function()
	local i = n % 50
	local t = "idle"
	if flip and math.floor(n / 50) % 2 == 1 then
		t = "busy"
	end
	n = n + 1
	return wrk.format("POST", "/api/worker/status",
	    {["Authorization"] = hdrs[i],
	     ["Content-Type"] = "application/json"}, body[t .. i])
end
done = function(summary, latency, requests)
	io.write(string.format("non2xx=%d\n", summary.errors.status))
end
LUA
# rps FILE: requests/s from wrk's output.
rps() { awk '/^Requests\/sec:/ {print $2}' "$1"; }
wrk -t 2 -c 50 -d "${DUR}s" "http://127.0.0.1:$ngx_port/status.json" >"$work/ngx.out"
wrk -t 2 -c 50 -d "${DUR}s" -s "$work/status.lua" \
    "http://127.0.0.1:$api_port/" >"$work/api.out"
wrk -t 2 -c 50 -d "${DUR}s" -s "$work/status.lua" \
    "http://127.0.0.1:$api_port/" -- write >"$work/apiw.out"
a=$(rps "$work/api.out")
aw=$(rps "$work/apiw.out")
n=$(rps "$work/ngx.out")
bad=$(awk -F= '/^non2xx=/ {s += $2} END {print s}' "$work/api.out" "$work/apiw.out")
echo "status: tj-api $a req/s (50 workers, ${DUR}s, non-2xx: $bad), nginx static $n req/s: $(ratio "$a" "$n") x nginx (target >= 0.3)"
echo "  tj-api latency: $(awk '/Latency/ {print "avg", $2, "stdev", $3, "max", $4}' "$work/api.out")"
echo "  pings that each change the worker's status (a db write each): $aw req/s, $(ratio "$aw" "$n") x nginx"
if [ "$bad" != 0 ]; then
	echo "bench-api: $bad status requests failed" >&2
	exit 1
fi

# The tree: tj-api's stream against git archive, same gzip level (1).
url="http://127.0.0.1:$api_port/api/worker/repo/$h/tree.tar.gz"
curl -sf -u w:benchtoken -o "$work/t.tar.gz" "$url"
mkdir "$work/x" && tar -xzf "$work/t.tar.gz" -C "$work/x"
hyperfine -N -w 1 -r "${BENCH_RUNS:-5}" --export-json "$work/tree.json" \
    -n tj-api "curl -sf -u w:benchtoken -o /dev/null $url" \
    -n "git archive" "git -C $work/repo archive --format=tar.gz -1 -o $work/g.tar.gz $h" \
    >/dev/null
t_api=$(jq '.results[0].mean' "$work/tree.json")
t_git=$(jq '.results[1].mean' "$work/tree.json")
echo "tree.tar.gz of $files files, ${size} MB: tj-api $(printf '%.3f' "$t_api") s, git archive --format=tar.gz -1 $(printf '%.3f' "$t_git") s: $(ratio "$t_api" "$t_git") x git archive (target <= 1.1)"
echo "  sizes: tj-api $(stat -c %s "$work/t.tar.gz") bytes, git archive $(stat -c %s "$work/g.tar.gz") bytes"
