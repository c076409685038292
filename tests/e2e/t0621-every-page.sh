#!/bin/bash
# t0621-every-page: every page of a rendered site with hostile metric, ref
# and worker names (tests/data/hostile.txt, through t06/site.sh), opened in
# headless Chromium under a path prefix: no console error, no uncaught
# exception, no failed request on any of them.
# tj-test: slow
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/t06/site.sh"

R=$T_DIR/repo D=$T_DIR/t.db W=$T_DIR/www
site_repo "$R"
check "import and populate" site_db "$R" "$D" 1
check "render under a prefix directory" "$TJ_GEN" render --db "$D" \
    --out "$W/bench"
P=$(free_port)
bg "$TJ_GEN" serve --out "$W" --listen "127.0.0.1:$P" >"$T_DIR/serve.log" 2>&1
check "the server answers" wait_for 10 curl -sf "http://127.0.0.1:$P/bench/"

# Every page (each directory's index.html, by its URL), percent-encoded as a
# link to it would be, and the pages that take a query or fragment.
python3 - "$W/bench" >"$T_DIR/pages" <<'PY'
import os, sys, urllib.parse
top = sys.argv[1]
for d, _, files in sorted(os.walk(top)):
    if "index.html" in files:
        rel = os.path.relpath(d, top)
        rel = "" if rel == "." else rel + "/"
        print(urllib.parse.quote(rel.encode("utf-8", "surrogateescape")))
PY
runs=$(sql "$D" "SELECT id FROM runs ORDER BY id LIMIT 2" | tr '\n' ' ')
set -- $runs
{
	echo "compare/?a=$1&b=$2"
	echo "compare/?a=main"
	echo "go/?q=main"
	echo "graph/#m=constructor&m=__proto__"
} >>"$T_DIR/pages"
n=$(wc -l <"$T_DIR/pages")
check "there are pages of every kind" python3 -c '
import sys
p = open(sys.argv[1]).read().split()
for k in ("commit/", "run/", "worker/", "ref/", "graph/", "queue/", "compare/", "go/"):
    assert any(x.startswith(k) for x in p), k
assert "" in open(sys.argv[1]).read().split("\n"), "the index"
' "$T_DIR/pages"
check "the hostile worker has a page" grep -q "^worker/.*script" "$T_DIR/pages"
TJ_TOP=$TJ_TOP timeout 600 node "$TJ_TOP/tests/e2e/t06/every.js" \
    "http://127.0.0.1:$P/bench/" "$T_DIR/pages" >"$T_DIR/every.json" \
    2>"$T_DIR/every.err"
check_eq "the browser run ends cleanly" "$?" 0
head -n 20 "$T_DIR/every.err"
check_eq "every page opened" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pages"])' "$T_DIR/every.json")" "$n"
check_eq "no console error, exception or failed request on any" \
    "$(python3 -c 'import json,sys; print("\n".join(" ".join(e) for e in json.load(open(sys.argv[1]))["errors"][:20]))' "$T_DIR/every.json")" ""
t_done
