#!/bin/bash
# t0900: the whole system. A repo of 40 commits and a bench repo whose bench
# compiles a small C program from each commit's tree and times it (JSON
# Lines, 5 repetitions); tj-api, two tj-workers and nginx. Faults on the
# way: tj-api killed with SIGKILL while both workers are mid-run and
# restarted; one worker killed with SIGKILL mid-run; a bench that hangs.
# Every queued commit must end with exactly one run, and every page must be
# reachable through nginx under /bench/.
# tj-test: slow
. "$(dirname "$0")/lib.sh"
R=$T_DIR/repo
BR=$T_DIR/bench-repo
DB=$T_DIR/tj.db
OUT=$T_DIR/out
TOKEN=full-system-token
command -v nginx >/dev/null || { not_ok "nginx is not installed (make deps)"; t_done; }
command -v cc >/dev/null || { not_ok "cc is not installed"; t_done; }
q() { sql "$DB" "$1"; }

# The project: prog.c does more work in some commits than in others.
git init -q "$R"
for i in $(seq 1 40); do
	n=$(( (i % 7 + 1) * 20000 ))
	printf '#include <stdio.h>\nint main(void) { volatile unsigned long s = 0; for (unsigned long i = 0; i < %dUL; i++) s += i %% 7; printf("%%lu\\n", s); return 0; }\n' "$n" >"$R/prog.c"
	git -C "$R" add prog.c
	if [ "$i" = 23 ]; then
		# This commit's benchmark hangs.
		echo hang >"$R/HANG"
		git -C "$R" add HANG
	elif [ "$i" = 24 ]; then
		git -C "$R" rm -q HANG
	fi
	# A day apart, so the graph's day-equidistant mode spreads them too.
	GIT_AUTHOR_DATE="$((1700000000 + i * 86400)) +0000" \
		GIT_COMMITTER_DATE="$((1700000000 + i * 86400)) +0000" \
		git -C "$R" commit -q -m "commit $i: $n iterations"
done
HANG_HASH=$(git -C "$R" rev-parse HEAD~17)

# The bench repo.
git init -q "$BR"
cat >"$BR/bench" <<'BENCH'
#!/bin/bash
# Compile the commit's prog.c, run it 5 times, report the times and size.
set -eu
tree=$1
if [ -e "$tree/HANG" ]; then
	echo "this commit hangs"
	sleep 600
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cc -O1 -o "$work/prog" "$tree/prog.c"
vals=""
for i in 1 2 3 4 5; do
	s=$(date +%s%N)
	"$work/prog" >/dev/null
	e=$(date +%s%N)
	vals="$vals${vals:+,}$(( (e - s) / 1000 ))"
done
echo "{\"metric\":\"prog/time\",\"values\":[$vals],\"unit\":\"us\",\"direction\":\"lower\"}" >>"$TJ_RESULT_FILE"
echo "{\"metric\":\"prog/size\",\"value\":$(stat -c %s "$work/prog"),\"unit\":\"B\",\"direction\":\"lower\"}" >>"$TJ_RESULT_FILE"
echo "timed $TJ_COMMIT: $vals"
# Long enough for the faults below to catch runs in progress.
sleep 1
BENCH
chmod +x "$BR/bench"
git -C "$BR" add bench
git -C "$BR" commit -q -m bench

PORT=$(free_port)
API="http://127.0.0.1:$PORT"
cat >"$T_DIR/tj.conf" <<CONF
[repo]
	path = $R
	update = 1h
[db]
	path = $DB
[site]
	out = $OUT
[api]
	listen = 127.0.0.1:$PORT
	token = $TOKEN
	worker-timeout = 4s
[bisect]
	# This test counts one run per commit; confirming and bisecting the
	# changes detection finds in its noisy timings is t0910's subject.
	enabled = false
[bench]
	repo = $BR
CONF
for w in w1 w2; do
	cat >"$T_DIR/$w.conf" <<CONF
[worker]
	name = $w
	dir = $T_DIR/$w.d
	ping = 1s
	timeout = 10s
[server "main"]
	url = $API
	token = $TOKEN
CONF
done

check "import" "$TJ_GEN" update --config "$T_DIR/tj.conf" --quiet
check "queue every commit" "$TJ_GEN" queue add-batch 40 --config "$T_DIR/tj.conf" --quiet
check_eq "40 queued" "$(q 'SELECT count(*) FROM queue')" 40

start_api() {
	bg "$TJ_API" --config "$T_DIR/tj.conf" >>"$T_DIR/api.log" 2>&1
	API_PID=$T_LAST_PID
	wait_for 20 curl -s -o /dev/null "$API/"
}
start_worker() {
	bg "$TJ_WORKER" --config "$T_DIR/$1.conf" >>"$T_DIR/$1.log" 2>&1
	eval "PID_$1=\$T_LAST_PID"
}
working() { # how many live workers report a run in progress
	q "SELECT count(*) FROM workers WHERE status = 'working' AND last_seen > CAST(strftime('%s', 'now') AS REAL) - 4"
}
both_working() { [ "$(working)" = 2 ]; }

check "tj-api starts" start_api
start_worker w1
start_worker w2

# Fault 1: SIGKILL tj-api while both workers are mid-run, then restart it.
check "both workers get to work" wait_for 60 both_working
IN_FLIGHT=$(q "SELECT run_id FROM workers ORDER BY name")
kill -9 "$API_PID"
wait "$API_PID" 2>/dev/null
sleep 2
check "tj-api restarts" start_api
RESTART=$(date +%s)

# Fault 2: SIGKILL one worker in the middle of a run it began after the
# restart: its commit goes to the other after the worker timeout.
w2_on_new_run() {
	[ "$(q "SELECT count(*) FROM workers WHERE name = 'w2' AND status = 'working' AND last_seen > $RESTART AND run_id NOT IN ($(echo "$IN_FLIGHT" | sed "s/.*/'&'/" | paste -sd,))")" = 1 ]
}
check "w2 starts a new run" wait_for 60 w2_on_new_run
W2_COMMIT=$(q "SELECT c.hash FROM workers w JOIN commits c ON c.id = w.run_commit_id WHERE w.name = 'w2'")
kill -9 "$PID_w2"
check "w2 was on a commit" test -n "$W2_COMMIT"

# Everything gets done (the hanging bench is killed after 10 s: long
# enough that a loaded machine finishes every other bench in time).
all_done() {
	[ "$(q 'SELECT count(*) FROM queue')" = 0 ] && [ "$(working)" = 0 ]
}
if ! check "the queue drains" wait_for 240 all_done; then
	tail -n 30 "$T_DIR/api.log" "$T_DIR/w1.log"
fi
check_eq "both runs in flight when tj-api died landed" \
	"$(q "SELECT count(*) FROM runs WHERE id IN ($(echo "$IN_FLIGHT" | sed "s/.*/'&'/" | paste -sd,))")" 2
check_eq "w2's commit was run by w1" "$(q "SELECT r.worker FROM runs r JOIN commits c ON c.id = r.commit_id WHERE c.hash = '$W2_COMMIT'")" w1
check_match "the hanging bench was killed and recorded" \
	"$(q "SELECT r.error FROM runs r JOIN commits c ON c.id = r.commit_id WHERE c.hash = '$HANG_HASH'")" "[Tt]ime"
check_match "its output was kept" \
	"$(q "SELECT group_concat(o.text, '|') FROM run_output o JOIN runs r ON r.id = o.run_id JOIN commits c ON c.id = r.commit_id WHERE c.hash = '$HANG_HASH'")" "this commit hangs"
check_eq "39 runs have 5 timings" "$(q "SELECT count(*) FROM measurements x JOIN metrics m ON m.id = x.metric_id WHERE m.name = 'prog/time' AND x.n = 5")" 39
check_eq "and a size" "$(q "SELECT count(*) FROM measurements x JOIN metrics m ON m.id = x.metric_id WHERE m.name = 'prog/size' AND x.n = 1")" 39
kill -TERM "$PID_w1"
check "w1 stops" wait_for 15 sh -c "! kill -0 $PID_w1 2>/dev/null || grep -q '^State:.*Z' /proc/$PID_w1/status"
# w2, killed mid-run, left its run dir: a worker starting in its dir
# removes it (and, with the queue drained, gets nothing to do).
check "w2 restarted once: exits" sh -c "timeout 30 '$TJ_WORKER' --config '$T_DIR/w2.conf' --once >>'$T_DIR/w2.log' 2>&1"
check_match "and removed the dead one's run dir" "$(cat "$T_DIR/w2.log")" \
	"removed $T_DIR/w2.d/runs/r-[A-Za-z0-9]+, left by a worker"
# 40 commits, a run each: the two in flight when tj-api died, w2's commit
# run again by w1 (w2's run never finished), the hanging bench's run
# recorded as timed out; no extra run is allowed. tj-api serves the rest.
FAULT_ALIVE=$API_PID fault_check "t0900 kill -9 of tj-api and a worker, hang" \
	"$DB" 40 0 "$T_DIR/w1.d" "$T_DIR/w2.d"
check "render whatever is left" "$TJ_GEN" render --config "$T_DIR/tj.conf" --quiet
check_eq "every run has a page" "$(find "$OUT/run" -name index.html | wc -l)" 40

# nginx with scripts/nginx.conf: the site under /bench/, the worker API.
NPORT=$(free_port)
mkdir -p "$T_DIR/nginx"
sed -e "s|listen 80;|listen 127.0.0.1:$NPORT;|" \
	-e "s|alias /srv/tablejohn/out/;|alias $OUT/;|" \
	-e "s|server 127.0.0.1:8221;|server 127.0.0.1:$PORT;|" \
	"$TJ_TOP/scripts/nginx.conf" >"$T_DIR/nginx/site.conf"
# One process, as this user: it can read the scratch dir, and SIGKILL at
# the end leaves no worker behind.
cat >"$T_DIR/nginx/nginx.conf" <<CONF
master_process off;
worker_processes 1;
pid $T_DIR/nginx/nginx.pid;
error_log $T_DIR/nginx/error.log;
events { worker_connections 64; }
http {
	include /etc/nginx/mime.types;
	access_log off;
	client_body_temp_path $T_DIR/nginx/body;
	proxy_temp_path $T_DIR/nginx/proxy;
	fastcgi_temp_path $T_DIR/nginx/fastcgi;
	uwsgi_temp_path $T_DIR/nginx/uwsgi;
	scgi_temp_path $T_DIR/nginx/scgi;
	include $T_DIR/nginx/site.conf;
}
CONF
bg nginx -p "$T_DIR/nginx" -c "$T_DIR/nginx/nginx.conf" -g 'daemon off;'
check "nginx starts" wait_for 20 curl -s -o /dev/null "http://127.0.0.1:$NPORT/bench/"
bad=0
n=0
while IFS= read -r f; do
	rel=${f#"$OUT"/}
	url="http://127.0.0.1:$NPORT/bench/${rel%index.html}"
	code=$(curl -s -o /dev/null -w '%{http_code}' --globoff "$url")
	n=$((n + 1))
	if [ "$code" != 200 ]; then
		bad=$((bad + 1))
		echo "GET $url: $code"
	fi
done < <(find "$OUT" -name '*.html' -o -name '*.json' | sed 's/ /%20/g')
check_eq "every page is reachable through nginx under /bench/ ($n pages)" "$bad" 0
check_match "the pages are many" "$n" "^[0-9]{3,}$"
check_eq "worker API through nginx: 401 without auth" \
	"$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$NPORT/api/worker/status" -d '{}')" 401
check_eq "nothing else of the api" "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$NPORT/api/other")" 404
check_match "a run page through nginx shows its measurements" \
	"$(curl -s "http://127.0.0.1:$NPORT/bench/run/$(q "SELECT id FROM runs WHERE error IS NULL LIMIT 1")/")" "prog/time"

# The graph shows the series in headless Chromium, through nginx.
TJ_TOP=$TJ_TOP timeout 120 node "$TJ_TOP/tests/e2e/t06/graph.js" \
	"http://127.0.0.1:$NPORT/bench/graph/" prog/time prog/size \
	>"$T_DIR/graph.json" 2>"$T_DIR/graph.err"
check_eq "the browser run ends cleanly" "$?" 0
j() { python3 -c 'import json,sys; v = json.load(open(sys.argv[1]))[sys.argv[2]]
print("|".join(map(str, v)) if isinstance(v, list) else v)' "$T_DIR/graph.json" "$1" 2>/dev/null; }
check_eq "no console error or failed request" "$(j errors)" ""
check_match "the canvas has ink" "$(j inked)" '^[0-9]{3,}$'
check_match "the graph counts the 40 commits with runs" "$(j status)" "^40 commits, 1 metric$"
check_match "both series in the legend" "$(j legend)" 'prog/time.*prog/size'
t_done
