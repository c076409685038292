#!/bin/bash
# t0411: a result larger than the server's max-upload. The worker gets 413,
# sends instead the run cut down to fit (its error says why, with the
# limit; the big measurement as its median and summary, the small one
# whole, the output cut), so exactly one run is stored per commit, each
# bench runs once and the queue drains; the originals go to
# spool/rejected/, which keeps at most [worker] rejected-max bytes (the
# oldest dropped).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/api-lib.sh"
. "$(dirname "$0")/worker-lib.sh"
cd "$T_DIR" || exit 1

# 900,000 values of about 12 bytes each (≈ 11 MB of JSON), a small metric
# and 5,000 output lines of 1 KB (the worker keeps the first and last 512 KiB);
# every start is counted in $T_DIR/ran.
bench_repo bench <<SH
#!/bin/sh
echo "\$TJ_COMMIT" >>"$T_DIR/ran"
awk 'BEGIN { printf "{\"metric\":\"big\",\"unit\":\"s\",\"values\":["
	for (i = 1; i <= 900000; i++)
		printf "%s%d.123456", (i > 1 ? "," : ""), i
	print "]}" }' >>"\$TJ_RESULT_FILE"
echo '{"metric":"small","values":[1,2,3]}' >>"\$TJ_RESULT_FILE"
awk 'BEGIN { pad = sprintf("%1000s", ""); gsub(/ /, "x", pad)
	for (i = 0; i < 5000; i++) print "line " i " " pad }'
SH

git init -q repo
mkcommit repo a.c "one" one
mkcommit repo a.c "two" two
api_conf "	worker-timeout = 10s
	max-upload = 1m
[bench]
	repo = $T_DIR/bench"
gen update
gen queue add-batch 2
check_eq "2 queued" "$(sql tj.db 'SELECT count(*) FROM queue')" 2
api_start --config "$T_DIR/tj.conf"
worker_conf w1 "[worker]
	rejected-max = 16m"
bg_worker w1
wpid=$T_LAST_PID
check "2 runs land" wait_for 120 runs_are 2
check "the queue drains" wait_for 30 sql_is tj.db 'SELECT count(*) FROM queue' 0
check "the worker asks again and idles" wait_for 30 grep -q "run .* submitted to" w1.log
check "the worker stops" stop "$wpid"

for h in $(git -C repo rev-list main); do
	check_match "$h: its error says it was too big, with the limit" \
	    "$(run_of "$h" r.error)" \
	    "^the result \\([0-9]+ bytes\\) is larger than the server's max-upload \\(1048576 bytes\\): sent each measurement of many values as its summary, output cut$"
	check_eq "$h: exit 0" "$(run_of "$h" r.exit_code)" 0
	big=$(sql tj.db "SELECT x.n, x.median, x.error FROM measurements x JOIN metrics m ON m.id = x.metric_id JOIN runs r ON r.id = x.run_id JOIN commits c ON c.id = r.commit_id WHERE c.hash = '$h' AND m.name = 'big'")
	check_match "$h: big is its median, the summary in its error" "$big" \
	    "^1\\|450000\\.623456\\|900000 values did not fit the server's max-upload \\(1048576 bytes\\); sent as their median\\. n 900000, median 450000\\.62345(6|59+[0-9]*|60+[0-9]*), min 1\\.123456[0-9]*, max 900000\\.123456[0-9]*, mean "
	check_eq "$h: small is kept whole" "$(values_of "$h" small)" "[1,2,3]"
	out=$(output_of "$h")
	check_match "$h: the output keeps its first lines" "$out" "^1\\|line 0 x+\$"
	check_match "$h: and its last" "$out" "^1\\|line 4999 x+\$"
	check_match "$h: saying what was left out" "$out" \
	    "^0\\|\\.\\.\\. [0-9]+ output lines left out: the result did not fit the server's max-upload\$"
done
check_eq "each bench ran once" "$(sort ran | uniq -c | awk '{print $1}' | sort -u)" 1
check_eq "two bench runs in all" "$(wc -l <ran)" 2
check_eq "rejected/ kept one original (the newer)" "$(ls w1.d/spool/rejected | wc -l)" 1
newer=$(sql tj.db "SELECT id FROM runs ORDER BY end_time DESC LIMIT 1")
check "it is the newer run's" test -f w1.d/spool/rejected/*-"$newer".json
check_match "the drop is logged" "$(cat w1.log)" "spool: .*rejected/.* deleted \\(the directory keeps at most 16777216 bytes\\)"
api_stop
# Two commits, a run each (cut down to fit; no extra), rejected/ within
# its 16m.
FAULT_REJECTED_MAX=$((16 * 1024 * 1024)) \
    fault_check "t0411 result over max-upload (413)" tj.db 2 0 w1.d
t_done
