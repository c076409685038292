#!/bin/bash
# t0203: submit_run: everything stored in one go, idempotent by run id,
# unknown commits refused with 409, the queue and dirty rows kept right.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/api-lib.sh"
cd "$T_DIR" || exit 1

api_repo 3
api_conf
check "import with tj-gen" import_all
# --no-render: the dirty rows stay for this test to see.
api_start --config "$T_DIR/tj.conf" --no-render

check_eq "ask" "$(post w1 "$(idle s1 true)")" 200
id=$(jr .run.id)
h=$(jr .run.hash)
start=$(jr .run.start)
sub='{"id":"'$id'","hash":"'$h'","bench_method":{"type":"internal"},
 "start":"'$start'","end":"2030-01-01T00:00:01.5Z","exit_code":0,"error":null,
 "output":[[0,"unpacked"],[1,"out line"],[2,"err line"],[1,"bad utf8 \u00e9"]],
 "measurements":{
  "run/nbody/time":{"values":[3,1,2,10],"unit":"s","direction":"lower"},
  "files/total":{"value":214},
  "odd/é ✓":{"values":[1.5],"direction":"higher","unit":null},
  "run/broken":{"error":"segfault","values":[]}
 }}'
body='{"secret":"s1","status":{"type":"idle"},"request_run":true,"submit_run":'$sub'}'
sqlite3 -cmd '.timeout 5000' tj.db 'DELETE FROM dirty'
check_eq "submit and ask at once" "$(post w1 "$body")" 200
next=$(jr .run.hash)
check "the next run comes with the reply" test -n "$next" -a "$next" != "$h"
check_eq "the run is stored" \
    "$(sql tj.db "SELECT r.worker, c.hash, r.bench_method, r.exit_code, r.error IS NULL, r.end_time - 1893456000 FROM runs r JOIN commits c ON c.id = r.commit_id WHERE r.id = '$id'")" \
    "w1|$h|{\"type\":\"internal\"}|0|1|1.5"
check_eq "its start is the handed-out start" \
    "$(sql tj.db "SELECT strftime('%Y-%m-%dT%H:%M:%S', start_time, 'unixepoch') FROM runs")" \
    "${start%%.*}"
check_eq "every value, in order" \
    "$(sql tj.db "SELECT m.vals, m.n, m.median, m.min, m.max, round(m.stddev, 6) FROM measurements m JOIN metrics x ON x.id = m.metric_id WHERE x.name = 'run/nbody/time'")" \
    "[3,1,2,10]|4|2.5|1.0|10.0|4.082483"
check_eq "{value: x} is one value" \
    "$(sql tj.db "SELECT m.vals, m.n, m.median, m.stddev FROM measurements m JOIN metrics x ON x.id = m.metric_id WHERE x.name = 'files/total'")" \
    "[214]|1|214.0|0.0"
check_eq "a failed metric keeps its error" \
    "$(sql tj.db "SELECT m.n, m.median IS NULL, m.error FROM measurements m JOIN metrics x ON x.id = m.metric_id WHERE x.name = 'run/broken'")" \
    "0|1|segfault"
check_eq "units and directions" \
    "$(sql tj.db "SELECT name, coalesce(unit, '-'), direction FROM metrics ORDER BY name")" \
    "files/total|-|0
odd/é ✓|-|1
run/broken|-|0
run/nbody/time|s|-1"
check_eq "output lines with their source" \
    "$(sql tj.db "SELECT line, source, text FROM run_output WHERE run_id = '$id' ORDER BY line")" \
    "0|0|unpacked
1|1|out line
2|2|err line
3|1|bad utf8 é"
check_eq "the commit left the queue" \
    "$(sql tj.db "SELECT count(*) FROM queue q JOIN commits c ON c.id = q.commit_id WHERE c.hash = '$h'")" 0
check_eq "the dirty rows" \
    "$(sql tj.db "SELECT kind || ' ' || key FROM dirty ORDER BY 1")" \
    "$( (printf '%s\n' "commit $h" "detect $h" "graph " "index " \
	"metric files/total" "metric odd/é ✓" "metric run/broken" \
	"metric run/nbody/time" "queue " "run $id" "worker w1"
    # and the refs at the commit (their pages name its newest run)
    sql tj.db "SELECT 'ref ' || r.name FROM refs r JOIN commits c ON
	c.id = r.commit_id WHERE c.hash = '$h'") | LC_ALL=C sort)"

# The same submission again (a lost reply): 200, nothing stored twice.
check_eq "the same submission again" "$(post w1 "$body")" 200
check_eq "one run" "$(sql tj.db 'SELECT count(*) FROM runs')" 1
check_eq "no measurement twice" "$(sql tj.db 'SELECT count(*) FROM measurements')" 4
check_eq "no output twice" "$(sql tj.db 'SELECT count(*) FROM run_output')" 4
# A retry after the commit was queued again does not dequeue it either.
gen queue add "$h"
check_eq "a retry with the commit queued again" "$(post w1 "$body")" 200
check_eq "leaves the queue alone" \
    "$(sql tj.db "SELECT count(*) FROM queue q JOIN commits c ON c.id = q.commit_id WHERE c.hash = '$h'")" 1

# A unit or direction given later updates the metric; absent keeps it.
sub2='{"id":"r-second","hash":"'$h'","bench_method":{"type":"repo","hash":"'$h'"},"start":"2030-01-01T00:00:00+02:00","exit_code":null,"error":"bench died","measurements":{"run/nbody/time":{"value":1.25},"files/total":{"value":1,"unit":"files","direction":"higher"}}}'
check_eq "a second run of the same commit" \
    "$(post w1 '{"secret":"s1","status":{"type":"idle"},"submit_run":'"$sub2"'}')" 200
check_eq "its fields" \
    "$(sql tj.db "SELECT bench_method, exit_code IS NULL, error, start_time FROM runs WHERE id = 'r-second'")" \
    '{"type":"repo","hash":"'$h'"}|1|bench died|1893448800.0'
check_eq "unit and direction kept when absent" \
    "$(sql tj.db "SELECT unit, direction FROM metrics WHERE name = 'run/nbody/time'")" "s|-1"
check_eq "and updated when given" \
    "$(sql tj.db "SELECT unit, direction FROM metrics WHERE name = 'files/total'")" "files|1"

# Unknown commit: 409 with a reason, nothing of the request stored.
unk=0123456789abcdef0123456789abcdef01234567
sub3='{"id":"r-unknown","hash":"'$unk'","bench_method":{"type":"internal"},"start":"2030-01-01T00:00:00Z","exit_code":0,"measurements":{"new/metric":{"value":1}}}'
code=$(post w5 '{"secret":"s5","status":{"type":"idle"},"submit_run":'"$sub3"'}')
check_eq "a run for an unknown commit: 409" "$code" 409
check_match "with a reason" "$(jr .error)" "unknown commit $unk"
check_eq "naming the field" "$(jr .field)" "submit_run.hash"
check_eq "no run stored" "$(sql tj.db "SELECT count(*) FROM runs WHERE id = 'r-unknown'")" 0
check_eq "no metric stored" "$(sql tj.db "SELECT count(*) FROM metrics WHERE name = 'new/metric'")" 0
check_eq "not even the worker's status" "$(sql tj.db "SELECT count(*) FROM workers WHERE name = 'w5'")" 0

# A submission by a working worker for its own run: no abort.
check_eq "ask" "$(post w6 "$(idle s6 true)")" 200
id6=$(jr .run.id) h6=$(jr .run.hash) st6=$(jr .run.start)
sub6='{"id":"'$id6'","hash":"'$h6'","bench_method":{"type":"internal"},"start":"'$st6'","exit_code":0,"measurements":{}}'
check_eq "submit while still saying working" \
    "$(post w6 "$(working s6 "$id6" "$h6" "$st6" | sed 's/}$/,"submit_run":'"$sub6"'}/')")" 200
check_eq "not aborted by its own submission" "$(jr .abort_run)" null
check_eq "stored" "$(sql tj.db "SELECT count(*) FROM runs WHERE id = '$id6'")" 1

# The original protocol's display strings for bench_method, in a working
# status and in submit_run: stored as the object form.
check_eq "ask" "$(post w7 "$(idle s7 true)")" 200
id7=$(jr .run.id) h7=$(jr .run.hash) st7=$(jr .run.start)
check_eq "working with bench_method \"internal\"" \
    "$(post w7 "$(working s7 "$id7" "$h7" "$st7" | sed 's/{"type":"internal"}/"internal"/')")" 200
check_eq "keeps its run" "$(jr .abort_run)" null
check_eq "shown as working" \
    "$(sql tj.db "SELECT status, run_id FROM workers WHERE name = 'w7'")" "working|$id7"
check_eq "working with \"bench repo, hash H\"" \
    "$(post w7 "$(working s7 "$id7" "$h7" "$st7" | sed "s/{\"type\":\"internal\"}/\"bench repo, hash $h7\"/")")" 200
check_eq "keeps its run" "$(jr .abort_run)" null
sub7='{"id":"'$id7'","hash":"'$h7'","bench_method":"bench repo, hash '$h7'","start":"'$st7'","exit_code":0,"measurements":{}}'
check_eq "submit_run with \"bench repo, hash H\"" \
    "$(post w7 '{"secret":"s7","status":{"type":"idle"},"submit_run":'"$sub7"'}')" 200
check_eq "stored as the object" \
    "$(sql tj.db "SELECT bench_method FROM runs WHERE id = '$id7'")" \
    '{"type":"repo","hash":"'$h7'"}'
sub8='{"id":"r-string-internal","hash":"'$h7'","bench_method":"internal","start":"'$st7'","exit_code":0,"measurements":{}}'
check_eq "submit_run with \"internal\"" \
    "$(post w7 '{"secret":"s7","status":{"type":"idle"},"submit_run":'"$sub8"'}')" 200
check_eq "stored as the object" \
    "$(sql tj.db "SELECT bench_method FROM runs WHERE id = 'r-string-internal'")" \
    '{"type":"internal"}'
api_stop
check_eq "SIGTERM: clean exit" "$API_RC" 0
t_done
