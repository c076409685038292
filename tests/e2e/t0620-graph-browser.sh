#!/bin/bash
# t0620-graph-browser: headless Chromium loads graph/ served over 127.0.0.1
# under a path prefix (/bench/): a default view (the metric of the latest
# change) with its change marker and failed runs marked, selects metrics,
# draws them, a spread band, zooms, keeps the state in the URL fragment with
# readable metric names, opens a commit; hostile fragments and metrics named
# after Object.prototype's keys draw too, large values keep whole y labels,
# and no console error is logged.
# tj-test: slow
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/t06/site.sh"

R=$T_DIR/repo D=$T_DIR/t.db W=$T_DIR/www
site_repo "$R"
check "import and populate" site_db "$R" "$D" 1
# Metrics named after Object.prototype's keys, one of 620,000,000, and a
# change of run/fannkuch/time (the changes table as lib/db.c makes it, or
# as documented when it is not there yet), confirmed, so the detection the
# render runs keeps it although the fixture's runs show no such step.
check "odd metrics and a change" sqlite3 "$D" "
INSERT INTO metrics (name, unit, direction) VALUES ('constructor/x', 's', -1),
  ('__proto__', NULL, 0), ('toString/hasOwnProperty', NULL, 0),
  ('big/value', 'B', -1);
INSERT INTO measurements (run_id, metric_id, vals, n, median, min, max,
  stddev, error) SELECT r.id, m.id, '[1]', 1,
  CASE m.name WHEN 'big/value' THEN 620000000 + (abs(random()) % 1000) ELSE 1 END,
  NULL, NULL, 0, NULL FROM runs r, metrics m WHERE m.name IN ('constructor/x',
  '__proto__', 'toString/hasOwnProperty', 'big/value');
CREATE TABLE IF NOT EXISTS changes (id INTEGER PRIMARY KEY,
  metric_id INTEGER NOT NULL, ref TEXT NOT NULL, before_run TEXT NOT NULL,
  after_run TEXT NOT NULL, before_commit INTEGER NOT NULL,
  after_commit INTEGER NOT NULL, n_between INTEGER NOT NULL,
  before_value REAL NOT NULL, after_value REAL NOT NULL, delta REAL NOT NULL,
  delta_pct REAL NOT NULL, confidence REAL NOT NULL, verdict INTEGER NOT NULL,
  state TEXT NOT NULL DEFAULT 'new', found REAL NOT NULL,
  updated REAL NOT NULL);
INSERT INTO changes (metric_id, ref, before_run, after_run, before_commit,
  after_commit, n_between, before_value, after_value, delta, delta_pct,
  confidence, verdict, state, found, updated)
  SELECT (SELECT id FROM metrics WHERE name = 'run/fannkuch/time'),
  'refs/heads/main', a.id, b.id, a.commit_id, b.commit_id, 0, 1, 1.1, 0.1, 10,
  0.99, -1, 'confirmed', 1, 1 FROM runs a, runs b WHERE a.id = 'r-0003' AND b.id = 'r-0004';
INSERT OR IGNORE INTO dirty VALUES ('graph', '');"
check "render under a prefix directory" "$TJ_GEN" render --db "$D" \
    --out "$W/bench"
P=$(free_port)
bg "$TJ_GEN" serve --out "$W" --listen "127.0.0.1:$P" >"$T_DIR/serve.log" 2>&1
check "the server answers" wait_for 10 curl -sf "http://127.0.0.1:$P/bench/"

TJ_BIG_METRIC=big/value TJ_PROTO_METRICS=$'constructor/x\n__proto__\ntoString/hasOwnProperty' \
TJ_TOP=$TJ_TOP timeout 120 node "$TJ_TOP/tests/e2e/t06/graph.js" \
    "http://127.0.0.1:$P/bench/graph/" run/nbody/time run/fannkuch/time \
    >"$T_DIR/graph.json" 2>"$T_DIR/graph.err"
rc=$?
check_eq "the browser run ends cleanly" "$rc" 0
cat "$T_DIR/graph.err" | head -n 20
j() { python3 -c 'import json,sys; v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): v = v[k] if not isinstance(v, list) else v[int(k)]
print(v if not isinstance(v, list) else "|".join(map(str, v)))' \
    "$T_DIR/graph.json" "$1" 2>/dev/null; }
check_eq "no console error, failed request or exception" "$(j errors)" ""
check_eq "the default view: the metric of the latest change" \
    "$(j default_checked)" run/fannkuch/time
check_eq "with its change marker" "$(j markers)" 1
check_match "and the failed runs marked" "$(j failed_marks)" '^[1-9][0-9]*$'
check_eq "a default view leaves the URL alone" "$(j default_hash)" ""
check_match "the canvas has ink" "$(j inked)" '^[0-9]{3,}$'
check "the spread band adds ink" test "$(j inked_band)" -gt "$(j inked)"
check_eq "and is kept in the fragment" "$(j hash_band)" "#m=run/nbody/time&b=1"
check_match "the status counts the commits" "$(j status)" '^[0-9]+ commits, 1 metric$'
check_eq "the selection is in the fragment, by name" "$(j hash1)" "#m=run/nbody/time"
check_match "two metrics, two series" "$(j legend)" \
    'run/nbody/time.*run/fannkuch/time'
check_eq "the filter keeps only the matching metric" "$(j visible_leaves)" \
    run/fannkuch/time
check_match "the tooltip names a commit and a value" "$(j tooltip)" \
    '^[0-9a-f]{10} [0-9]{4}-[0-9]{2}-[0-9]{2} .*run/nbody/time: [0-9.]+ s'
check_match "dragging zooms into the fragment" "$(j hash_zoomed)" \
    '^#m=run/nbody/time&m=run/fannkuch/time&x=[0-9.e+-]+,[0-9.e+-]+$'
check_eq "a reload restores the metrics" "$(j checked_after_reload)" 2
check_eq "and the range" "$(j hash_reloaded)" "$(j hash_zoomed)"
check_eq "double-click resets the zoom" "$(j hash_reset)" \
    '#m=run/nbody/time&m=run/fannkuch/time'
check_match "the day toggle is kept too" "$(j hash_days)" 'd=1'
check_match "clicking a point opens its commit, under the prefix" \
    "$(j clicked_to)" "^http://127.0.0.1:$P/bench/commit/[0-9a-f]{40}/\$"
check_eq "#m=constructor&m=toString&m=hasOwnProperty&m=valueOf: the default view" \
    "$(j proto_checked)" run/fannkuch/time
check_eq "a bad escape and bad values: the default view" \
    "$(j bad_escape_checked)" run/fannkuch/time
check_eq "a name repeated 2,000 times: one metric" "$(j repeated_hash_checked)" 1
check_eq "fetched once" "$(j repeated_fetches)" 1
check_eq "metrics named after Object.prototype keys draw" "$(j proto_drawn)" \
    'constructor/x|__proto__|toString/hasOwnProperty'
check_match "620,000,000 reads whole on the y axis" "$(j big.labels)" '620M'
check "every y label fits its axis ($(j big.label_width) <= $(j big.room) px)" \
    python3 -c 'import sys; sys.exit(not float(sys.argv[1]) <= float(sys.argv[2]))' \
    "$(j big.label_width)" "$(j big.room)"
echo "# graph first paint $(j first_paint_ms) ms, $(j first_load_bytes) bytes"

# compare/, go/ and queue/ in the browser too.
h=$(git -C "$R" rev-parse main~7)
export TJ_QUEUE_CMD="sqlite3 '$D' \"INSERT INTO queue (commit_id, added,
    priority) SELECT id, 1, 5 FROM commits WHERE id NOT IN (SELECT commit_id
    FROM queue) LIMIT 3; INSERT INTO dirty VALUES ('queue', '')\" &&
    '$TJ_GEN' render --db '$D' --out '$W/bench' >/dev/null"
# A run with a base run whose rows carry a verdict: compare/ must show it.
vpair=$(python3 -c '
import glob, json, sys
for f in sorted(glob.glob(sys.argv[1] + "/run/*/run.json")):
    r = json.load(open(f))
    if r.get("base_run") and any(m.get("class") in ("better", "worse")
                                 for m in r["measurements"]):
        print(r["base_run"]["id"], r["id"])
        break
' "$W/bench")
check_match "some run has a base run and a verdict" "$vpair" '^r-[0-9]+ r-[0-9]+$'
TJ_TOP=$TJ_TOP timeout 120 node "$TJ_TOP/tests/e2e/t06/pages.js" \
    "http://127.0.0.1:$P/bench/" r-0001 r-0004 "${h:0:7}" $vpair \
    >"$T_DIR/pages.json" 2>"$T_DIR/pages.err"
check_eq "the pages' browser run ends cleanly" "$?" 0
head -n 20 "$T_DIR/pages.err"
check "compare/ shows what the two run.json files say" python3 -c '
import json, math, sys
got = json.load(open(sys.argv[1]))
assert not got["errors"], got["errors"]
ra = json.load(open(sys.argv[2] + "/run/r-0001/run.json"))
rb = json.load(open(sys.argv[2] + "/run/r-0004/run.json"))
ma = {m["metric"]: m for m in ra["measurements"]}
rows, better, worse, logs = [], 0, 0, []
for m in rb["measurements"]:
    x = ma.get(m["metric"])
    if not x or x["median"] is None or m["median"] is None:
        continue
    d = m["median"] - x["median"]
    pct = d / abs(x["median"]) * 100
    c = "same" if d == 0 else "neutral" if m["direction"] == 0 else         "better" if (d < 0) == (m["direction"] < 0) else "worse"
    better += c == "better"; worse += c == "worse"
    logs.append(math.log(m["median"] / x["median"]))
    rows.append((abs(pct), m["metric"]))
assert len(got["rows"]) == len(rows), (got["rows"], rows)
names = [r[0] for r in got["rows"]]
pcts = [abs(float(r[4].rstrip("%"))) for r in got["rows"]]
assert pcts == sorted(pcts, reverse=True), pcts
assert sorted(names) == sorted(r[1] for r in rows)
s = got["summary"]
assert "%d better, %d worse" % (better, worse) in s, s
assert "%.4f" % math.exp(sum(logs) / len(logs)) in s, s
assert got["filtered"] == ["run/nbody/time"], got["filtered"]
' "$T_DIR/pages.json" "$W/bench"
check "compare/ shows the verdict run.json carries when A is B's base run" python3 -c '
import json, sys
got = json.load(open(sys.argv[1]))
rb = json.load(open(sys.argv[2] + "/run/" + sys.argv[3] + "/run.json"))
want = {m["metric"]: m for m in rb["measurements"]
        if m.get("class") not in (None, "new")}
rows = {r[1]: r for r in got["judged_rows"]}
assert sorted(rows) == sorted(want), (sorted(rows), sorted(want))
nsig = 0
for name, m in want.items():
    cls = rows[name][0].split()
    assert cls[0] == m["class"], (name, cls, m["class"])
    assert ("sig" in cls) == m["significant"], (name, cls, m)
    assert rows[name][7] == ("significant" if m["significant"] else
                             "within noise"), rows[name]
    nsig += m["significant"]
assert "%d significant" % nsig in got["judged_summary"], got["judged_summary"]
' "$T_DIR/pages.json" "$W/bench" "${vpair#* }"
pj() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$T_DIR/pages.json" "$1" 2>/dev/null; }
mainrun=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["refs"]["main"][1])' "$W/bench/go/refs.json")
check_match "compare/?a= resolves a ref name to its latest run" "$(pj picked)" \
    "/bench/compare/\\?a=r-0001&b=$mainrun\$"
check_eq "go/ resolves a hash prefix" "$(pj went_to)" \
    "http://127.0.0.1:$P/bench/commit/$h/"
check_match "queue/ refreshes itself" "$(pj total_before) $(pj total_after)" \
    '^[0-9]+ [0-9]+$'
check "with the new entries" test "$(pj total_after)" -gt "$(pj total_before)"
check_eq "and their rows" "$(pj queue_rows)" "$(pj total_after)"
check "queue.js rebuilds the rows queue.html has, with the same classes and <time>" \
    python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
a, b = j["queue_static"], j["queue_rebuilt"]
assert a["workers"] and a["queue"], a
for k in a:
    assert a[k] == b[k], (k, a[k], b[k])
assert "<time>" in "".join(b["workers"]) and "<time>" in "".join(b["queue"])
assert "class=\"num\"" in b["queue"][0], b["queue"][0]
' "$T_DIR/pages.json"
check_eq "and \"… and N more\" when the queue is cut" "$(pj queue_more)" "['… and 7 more.', None]"
# changes/: rows (all, shown, hidden) by default and with "all" ticked.
hidden=$(sqlite3 "$D" "SELECT count(*) FROM changes WHERE ref IN (SELECT name FROM refs WHERE tracked = 1) AND (state = 'not confirmed' OR (pair AND state IN ('new', 'confirming')))")
total=$(sqlite3 "$D" "SELECT count(*) FROM changes WHERE ref IN (SELECT name FROM refs WHERE tracked = 1)")
echo "# changes: $total, hidden $hidden"
check_eq "changes/ hides the suspected and not confirmed ones" "$(pj changes_default)" "[$total, $((total - hidden)), $hidden]"
check_eq "... and shows them with \"all\"" "$(pj changes_all)" "[$total, $total, $hidden]"
t_done
