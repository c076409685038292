#!/bin/bash
# t0202: handing out runs: priority order, never the same commit to two live
# workers (also under concurrent requests), abort rules, worker timeout and
# reassignment.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/api-lib.sh"
cd "$T_DIR" || exit 1

api_repo 12
# Long enough that a loaded machine keeps live workers live through the
# concurrent requests; the timeout part below waits for the sweep.
api_conf "	worker-timeout = 8s"
check "import with tj-gen" import_all
check_eq "12 commits queued" "$(sql tj.db 'SELECT count(*) FROM queue')" 12
c1=$(git -C repo rev-parse main~11)
gen queue prio "$c1" 5
api_start --config "$T_DIR/tj.conf"

# Priority first.
check_eq "w1 asks" "$(post w1 "$(idle s1 true)")" 200
check_eq "w1 gets the highest priority" "$(jr .run.hash)" "$c1"
check_match "a server-made run id" "$(jr .run.id)" '^r-[a-z0-9]{20}$'
check_eq "internal method" "$(jq -c .run.bench_method reply)" '{"type":"internal"}'
check_match "an RFC 3339 start" "$(jr .run.start)" \
    '^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z$'
id1=$(jr .run.id)
start1=$(jr .run.start)
check_eq "the reservation is in the queue" \
    "$(sql tj.db "SELECT q.reserved_by, q.run_id FROM queue q JOIN commits c ON c.id = q.commit_id WHERE c.hash = '$c1'")" \
    "w1|$id1"
check_eq "w2 asks" "$(post w2 "$(idle s2 true)")" 200
h2=$(jr .run.hash)
check "w2 gets another commit" test "$h2" != "$c1"
check_eq "w1 working" "$(post w1 "$(working s1 "$id1" "$c1" "$start1")")" 200
check_eq "w1 is not aborted" "$(jr .abort_run)" null
check_eq "w1's status is stored" \
    "$(sql tj.db "SELECT status, run_id, json_extract(last_output, '\$[0][1]') FROM workers WHERE name = 'w1'")" \
    "working|$id1|line"
lines=$(jq -c -n '[range(25) | [1, "line \(.)"]] + [[2, ("x" * 1500)]]')
body=$(jq -c -n --arg id "$id1" --arg h "$c1" --arg st "$start1" --argjson l "$lines" \
    '{secret:"s1",status:{type:"working",id:$id,hash:$h,
    bench_method:{type:"internal"},start:$st,last_output:$l}}')
check_eq "w1 reports 26 output lines" "$(post w1 "$body")" 200
check_eq "the last 20 are kept, each cut at 1000 bytes" \
    "$(sql tj.db "SELECT json_array_length(last_output), json_extract(last_output, '\$[0][1]'), length(json_extract(last_output, '\$[19][1]')), json_extract(last_output, '\$[19][0]') FROM workers WHERE name = 'w1'")" \
    "20|line 6|1000|2"
check_eq "no request_run: no run" "$(post w3 "$(idle s3)")" 200
check_eq "no run field" "$(jr .run)" null
check_eq "working + request_run: no new run" \
    "$(post w1 "$(working s1 "$id1" "$c1" "$start1" | sed 's/}}$/},"request_run":true}/')")" 200
check_eq "no run handed to a working worker" "$(jr .run)" null

# Concurrency: 8 workers ask at once, twice each; all runs are distinct.
: >hashes
for round in 1 2; do
	pids=""
	for w in a b c d e f g h; do
		curl -s -m 20 -u "c$w$round:$TOKEN" \
		    --data-binary "$(idle "x$w$round" true)" \
		    "$API/api/worker/status" >"conc.$w.$round" &
		pids="$pids $!"
	done
	wait $pids
	for w in a b c d e f g h; do
		jq -r '.run.hash // empty' "conc.$w.$round" >>hashes
	done
done
check_eq "the 10 free commits went to 10 workers" "$(wc -l <hashes)" 10
check_eq "no commit was handed out twice" "$(sort hashes | uniq -d)" ""
check "none of them is w1's or w2's" sh -c "! grep -q -e $c1 -e $h2 hashes"
check_eq "every queue row is reserved" \
    "$(sql tj.db 'SELECT count(*) FROM queue WHERE reserved_by IS NULL')" 0
check_eq "a further ask gets nothing" "$(post w9 "$(idle s9 true)")" 200
check_eq "nothing left to hand out" "$(jr .run)" null

# Abort: the commit left the queue. (w1 reports first: the above may take
# a while under a sanitizer.)
post w1 "$(working s1 "$id1" "$c1" "$start1")" >/dev/null
gen queue rm "$h2"
check_eq "w2 working on a removed commit" \
    "$(post w2 "$(working s2 r-w2 "$h2" "$(date -u +%FT%TZ)")")" 200
check_eq "w2 is told to abort" "$(jr .abort_run)" true
# Abort: an unknown commit.
check_eq "working on an unknown commit" \
    "$(post w2 "$(working s2 r-w2 0123456789abcdef0123456789abcdef01234567 2026-01-01T00:00:00Z)")" 200
check_eq "is aborted too" "$(jr .abort_run)" true
# Abort: another live worker has held the same commit longer.
check_eq "w3 claims w1's commit, starting later" \
    "$(post w3 "$(working s3 r-w3 "$c1" "$(date -u -d '+1 min' +%FT%TZ)")")" 200
check_eq "the newer run is aborted" "$(jr .abort_run)" true
check_eq "w1 keeps its reservation" \
    "$(sql tj.db "SELECT q.reserved_by FROM queue q JOIN commits c ON c.id = q.commit_id WHERE c.hash = '$c1'")" w1
check_eq "w1 carries on" "$(post w1 "$(working s1 "$id1" "$c1" "$start1")")" 200
check_eq "w1 is not aborted" "$(jr .abort_run)" null
# A worker that started earlier than the holder keeps going; the holder
# (the newer run) is aborted at its next status.
old=$(date -u -d '-1 hour' +%FT%TZ)
check_eq "w4 started on w1's commit before w1" \
    "$(post w4 "$(working s4 r-w4 "$c1" "$old")")" 200
check_eq "the older run is not aborted" "$(jr .abort_run)" null
check_eq "w1 (newer) is aborted now" \
    "$(post w1 "$(working s1 "$id1" "$c1" "$start1")")" 200
check_eq "abort_run for w1" "$(jr .abort_run)" true

# Timeout: w4 falls silent, its commit goes to the next worker that asks.
# (bounded: the sweep frees it once w4 has been silent for 8 s)
for i in $(seq 100); do
	post w1 "$(idle s1)" >/dev/null	# w1 stays live
	[ "$(sql tj.db "SELECT count(*) FROM queue WHERE reserved_by = 'w4'")" = 0 ] && break
	sleep 0.3
done
check_eq "after w4's silence w1 asks" "$(post w1 "$(idle s1 true)")" 200
check_eq "w1 gets w4's commit back" "$(jr .run.hash)" "$c1"
check_eq "the sweep freed the other silent reservations" \
    "$(sql tj.db "SELECT count(*) FROM queue WHERE reserved_by IS NOT NULL")" 1
check_match "the sweep says so" "$(cat api.log)" \
    "sweep: [0-9]+ reservation\\(s\\) or worker\\(s\\) timed out"
# w4 comes back, still working, but w1 holds the commit now since later:
# w4's run is older, so w1's is the one aborted.
check_eq "w4 is back" "$(post w4 "$(working s4 r-w4 "$c1" "$old")")" 200
check_eq "w4 (older) carries on" "$(jr .abort_run)" null
api_stop
check_eq "SIGTERM: clean exit" "$API_RC" 0
t_done
