#!/bin/bash
# t0209: one metric-name rule on both sides of the wire: tj-api refuses a
# submission whose metric name holds a control character (400 naming the
# field, nothing stored), tj-gen import refuses such a file the same way,
# and names with slashes, quotes and HTML are stored and shown escaped.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/api-lib.sh"
cd "$T_DIR" || exit 1

api_repo 3
api_conf
check "import with tj-gen" import_all
api_start --config "$T_DIR/tj.conf" --no-render

check_eq "ask" "$(post w1 "$(idle s1 true)")" 200
id=$(jr .run.id) h=$(jr .run.hash) st=$(jr .run.start)
# submit MEASUREMENTS: submit_run of the handed-out run; prints the code.
submit() {
	post w1 '{"secret":"s1","status":{"type":"idle"},"submit_run":{"id":"'"$id"'","hash":"'"$h"'","bench_method":{"type":"internal"},"start":"'"$st"'","exit_code":0,"measurements":'"$1"'}}'
}
stored() { sql tj.db "SELECT (SELECT count(*) FROM runs) || ' ' || (SELECT count(*) FROM metrics) || ' ' || (SELECT count(*) FROM measurements)"; }

for c in 0001 0009 000a 001b 001f 007f; do
	check_eq "U+$c in a metric name: 400" \
	    "$(submit '{"fine/one":{"value":1},"bad\u'$c'name":{"value":2}}')" 400
	check_eq "U+$c: the field is named" "$(jr .field)" "submit_run.measurements"
	check_match "U+$c: the message says the rule" "$(jr .error)" \
	    "metric names are 1 to 512 bytes of UTF-8 without control characters"
	check_eq "U+$c: nothing stored" "$(stored)" "0 0 0"
done
check_eq "a control character in a unit: 400" \
    "$(submit '{"fine/one":{"value":1,"unit":"m\u0007s"}}')" 400
check_eq "the unit's field is named" "$(jr .field)" \
    "submit_run.measurements.fine/one.unit"
check_eq "nothing stored for the unit either" "$(stored)" "0 0 0"

# Slashes, quotes, HTML and non-ASCII are names like any other.
check_eq "names with slashes, quotes and HTML: 200" \
    "$(submit '{"a/b/c":{"value":1},"say \"hi\" '"'"'x'"'"'":{"value":2},"<b>x</b> & y":{"value":3,"unit":"<i>"},"é/✓":{"value":4}}')" 200
check_eq "all four are stored as sent" \
    "$(sql tj.db "SELECT name FROM metrics ORDER BY name")" \
    "<b>x</b> & y
a/b/c
say \"hi\" 'x'
é/✓"
check_eq "with their values" "$(stored)" "1 4 4"
api_stop
check_eq "tj-api exits cleanly" "$API_RC" 0

# The rendered run page shows them, escaped.
"$TJ_GEN" render --config tj.conf --quiet
check_eq "render" "$?" 0
page="out/run/$id/index.html"
check "the run page is there" test -f "$page"
check "the HTML name is escaped" grep -q '&lt;b&gt;x&lt;/b&gt; &amp; y' "$page"
check "never raw" sh -c "! grep -q '<b>x</b>' '$page'"
check "the slashed name is shown" grep -q 'a/b/c' "$page"
check "the quoted name is shown, escaped" grep -q 'say &quot;hi&quot; &#39;x&#39;' "$page"

# tj-gen import checks the same rule.
h2=$(git -C repo rev-parse main~1)
printf '{"metric": "ok/one", "value": 1}\n{"metric": "tab\\there", "value": 2}\n' >bad.jsonl
err=$(gen import --commit "$h2" bad.jsonl 2>&1 >/dev/null)
check_eq "import of a control character: exit 1" "$?" 1
check_match "import: the rule is named" "$err" \
    "is not 1 to 512 bytes of UTF-8 without control characters"
check_eq "import: nothing stored" "$(stored)" "1 4 4"
printf '{"metric": "<b>x</b> & y", "value": 5}\n{"metric": "q/\\"r\\"", "value": 6}\n' >good.jsonl
check "import of slashes, quotes and HTML" gen import --commit "$h2" good.jsonl
check_eq "import: stored" "$(stored)" "2 5 6"
t_done
