#!/bin/bash
# t0406: two workers on two servers share their time between them by run
# time per weight (server b has weight 2 and shorter runs): each worker's
# time on b is twice its time on a, within one run. A worker busy for one
# server tells the other it is busy.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/api-lib.sh"
. "$(dirname "$0")/worker-lib.sh"
cd "$T_DIR" || exit 1

# server NAME SLEEP N: a repo of N commits, all queued, a bench repo whose
# bench sleeps SLEEP seconds, tj-api on a free port (URL in $URL_NAME).
server() {
	local name=$1 port h
	mkdir "$name"
	bench_repo "$name/bench" <<SH
#!/bin/sh
sleep $2
echo '{"metric":"slept","value":$2}' >>"\$TJ_RESULT_FILE"
SH
	git init -q "$name/repo"
	for i in $(seq 1 "$3"); do mkcommit "$name/repo" f "$i" "c$i"; done
	cat >"$name/tj.conf" <<CONF
[repo]
	path = $T_DIR/$name/repo
	update = 1h
[db]
	path = $T_DIR/$name/tj.db
[site]
	out = $T_DIR/$name/out
[api]
	token = $TOKEN
	worker-timeout = 20s
[bench]
	repo = $T_DIR/$name/bench
CONF
	"$TJ_GEN" update --config "$name/tj.conf" --no-render --quiet
	"$TJ_GEN" queue add-batch "$3" --config "$name/tj.conf" --no-render --quiet
	port=$(free_port)
	bg "$TJ_API" --listen "127.0.0.1:$port" --config "$name/tj.conf" >>"$name/api.log" 2>&1
	wait_for 20 curl -s -o /dev/null "http://127.0.0.1:$port/"
	eval "URL_$name=http://127.0.0.1:$port"
}
server a 0.6 40
server b 0.2 150
check_eq "40 queued on a" "$(sql a/tj.db 'SELECT count(*) FROM queue')" 40
check_eq "150 queued on b" "$(sql b/tj.db 'SELECT count(*) FROM queue')" 150

for w in w1 w2; do
	cat >"$w.conf" <<CONF
[worker]
	name = $w
	dir = $T_DIR/$w.d
	ping = 1s
[server "a"]
	url = $URL_a
	token = $TOKEN
[server "b"]
	url = $URL_b
	token = $TOKEN
	weight = 2
CONF
	bg_worker "$w"
	eval "pid_$w=\$T_LAST_PID"
done
busy() { test "$(sql "$1/tj.db" "SELECT count(*) FROM workers WHERE status = 'busy'")" -gt 0; }
check "a worker working for a is busy for b" wait_for 30 busy b
check "and the other way round" wait_for 30 busy a
sleep 8
check "w1 stops" stop "$pid_w1"
check "w2 stops" stop "$pid_w2"

# time SERVER WORKER: seconds of runs WORKER did for SERVER.
time_of() {
	sql "$1/tj.db" "SELECT coalesce(sum(end_time - start_time), 0) FROM runs WHERE worker = '$2'"
}
for w in w1 w2; do
	ta=$(time_of a "$w")
	tb=$(time_of b "$w")
	na=$(sql a/tj.db "SELECT count(*) FROM runs WHERE worker = '$w'")
	nb=$(sql b/tj.db "SELECT count(*) FROM runs WHERE worker = '$w'")
	# One run, the longest on either side, is the most they may differ.
	m=$(sql a/tj.db "SELECT max(end_time - start_time) FROM runs WHERE worker = '$w'")
	echo "# $w: a $na runs ${ta}s, b $nb runs ${tb}s; longest run ${m}s"
	check "$w worked for both" test "$na" -gt 2 -a "$nb" -gt 2
	check "$w: time on b (${tb}s) = 2 x time on a (${ta}s), within a run" \
	    awk "BEGIN { d = $tb / 2 - $ta; if (d < 0) d = -d; exit !(d <= $m + 0.5) }"
	check "$w: more runs on b" test "$nb" -gt "$na"
done
for x in a b; do
	check_eq "no commit of $x was run twice" \
	    "$(sql $x/tj.db 'SELECT count(DISTINCT commit_id) = count(*) FROM runs')" 1
	check_eq "every run of $x left the queue" \
	    "$(sql $x/tj.db 'SELECT count(*) FROM runs r JOIN queue q ON q.commit_id = r.commit_id')" 0
done
t_done
