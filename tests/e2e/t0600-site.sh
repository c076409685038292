#!/bin/bash
# t0600-site: render a real repo with runs; every page valid HTML, every link
# resolves, JSON twins parse, the hostile corpus comes out escaped.
# tj-test: slow
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/t06/site.sh"

R=$T_DIR/repo D=$T_DIR/t.db O=$T_DIR/out
site_repo "$R"
# Subjects that end in a full stop (on a branch of their own, main stays
# as the checks below know it): a page must not add a second one.
git -C "$R" checkout -q -b dots
tick; mkcommit "$R" a.txt 9 "Updated spec."
tick; mkcommit "$R" a.txt 10 "Fix the build."
git -C "$R" checkout -q main
check "import and populate" site_db "$R" "$D"
check "render" "$TJ_GEN" render --db "$D" --out "$O"
check_eq "the dirty table is drained" "$(sql "$D" 'SELECT count(*) FROM dirty')" 0

n_commits=$(sql "$D" 'SELECT count(*) FROM commits')
doubled=$(cd "$O" && grep -rlE 'Updated spec\.(</a>)?[[:space:]]*\.|Fix the build\.(</a>)?[[:space:]]*\.' --include=index.html . | head -n 3)
check_eq "no page says \"Updated spec. .\"" "$doubled" ""
check "the subject is on its child's pages" grep -rq "Updated spec\.</" "$O/commit"
check_eq "a page per commit" \
    "$(find "$O/commit" -name index.html | wc -l)" "$n_commits"
check_eq "a JSON twin per commit" \
    "$(find "$O/commit" -name commit.json | wc -l)" "$n_commits"
check_eq "a page per run" "$(find "$O/run" -name index.html | wc -l)" \
    "$(sql "$D" 'SELECT count(*) FROM runs')"
check_eq "a page per worker" "$(find "$O/worker" -name index.html | wc -l)" 2
check_eq "a graph file per metric" "$(find "$O/graph/m" -name '*.json' | wc -l)" \
    "$(sql "$D" 'SELECT count(*) FROM metrics')"
for f in index.html index.json queue/index.html queue/queue.json \
    graph/index.html graph/commits.json graph/metrics.json compare/index.html \
    go/index.html go/refs.json static/style.css static/graph.js feed.xml \
    static/uPlot.iife.min.js static/uPlot.min.css .nojekyll \
    ref/refs/heads/main/index.html ref/refs/tags/v1.0/index.html; do
	check "$f exists" test -f "$O/$f"
done
check "a hostile ref gets a file-name-safe directory" \
    test -f "$O/ref/refs/heads/~3Cscript~3Ex/index.html"

check "every JSON file parses" python3 -c '
import json, os, sys
n = 0
for d, _, fs in os.walk(sys.argv[1]):
    for f in fs:
        if f.endswith(".json"):
            json.load(open(os.path.join(d, f), encoding="utf-8")); n += 1
assert n > 20, n
' "$O"
check "every HTML file is valid UTF-8" python3 -c '
import os, sys
for d, _, fs in os.walk(sys.argv[1]):
    for f in fs:
        if f.endswith(".html"):
            open(os.path.join(d, f), "rb").read().decode("utf-8")
' "$O"
check "every link resolves" python3 "$TJ_TOP/tests/e2e/t06/linkcheck.py" "$O"
check "every page is valid HTML (vnu)" java -jar "$VNU" --errors-only \
    --skip-non-html "$O"

# The hostile corpus: nothing executable gets through, the text does.
check_eq "no raw <script>alert anywhere" \
    "$(grep -rl --include='*.html' "<script>alert" "$O" | head -n 3)" ""
check_eq "no raw <img onerror" \
    "$(grep -rl --include='*.html' "<img src=x" "$O" | head -n 3)" ""
check_eq "no javascript: link" \
    "$(grep -rlE --include='*.html' "(href|src)=\"?javascript:" "$O" | head -n 3)" ""
check_eq "no raw <style> from the corpus" \
    "$(grep -rl --include='*.html' "<style>body" "$O" | head -n 3)" ""
h2=$(git -C "$R" rev-parse main~7)
page=$(cat "$O/commit/$h2/index.html")
check_match "the hostile summary is shown escaped" "$page" \
    "<h1 class=\"summary\">&lt;script&gt;alert\(&#39;tj-xss-1&#39;\)&lt;/script&gt;</h1>"
check_match "markdown in the body is rendered" "$page" "<em>emphasis</em>"
check_match "raw HTML in the body is dropped by cmark" "$page" \
    "raw HTML omitted"
check_match "a javascript: markdown link loses its target" "$page" \
    '<a href="">js link</a>'
check_match "invalid UTF-8 in a run's output is replaced" \
    "$(cat "$O/run/r-0000/index.html")" \
    "invalid UTF-8: "$'\xef\xbf\xbd\xef\xbf\xbd'""
check_match "a hostile worker name is escaped" \
    "$(cat "$O/queue/index.html")" \
    "&lt;script&gt;alert\(&#39;tj-xss-w&#39;\)&lt;/script&gt;/../w"
check_match "a hostile metric name is escaped" \
    "$(cat "$O/run/r-0001/index.html")" \
    "hostile/&lt;script&gt;alert\(&#39;tj-xss-1&#39;\)&lt;/script&gt;"
check_match "the 1 MB output line is there, escaped" \
    "$(grep -c 'huge &lt;xxxxxxxxxx' "$O/run/r-0000/index.html")" '^1$'

# Content: the merge's parents, the commit's children, refs, runs, deltas.
merge=$(git -C "$R" rev-parse main~3)
page=$(cat "$O/commit/$merge/index.html")
check_match "the merge links its first parent" "$page" \
    "href=\"../../commit/$(git -C "$R" rev-parse "$merge^1")/\""
check_match "the merge links its second parent" "$page" \
    "href=\"../../commit/$(git -C "$R" rev-parse "$merge^2")/\""
check_match "the merge links its child" "$page" \
    "href=\"../../commit/$(git -C "$R" rev-parse main~2)/\""
check_match "the commit shows its runs" "$page" 'href="../../run/r-[0-9]+/"'
check_match "the run page shows deltas against the ancestor" \
    "$(cat "$O/run/r-0001/index.html")" 'class="num delta">[+-][0-9.]+%<'
check "run.json has the measurements with every value" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
m = {x["metric"]: x for x in r["measurements"]}
t = m["run/nbody/time"]
assert t["n"] == 3 and len(t["values"]) == 3, t
assert t["median"] == sorted(t["values"])[1], t
assert r["base_run"]["id"] == "r-0000", r["base_run"]
assert t["delta"] == t["median"] - t["base"], t
assert [o["source"] for o in r["output"]][:3] == [0, 1, 2], r["output"][:3]
' "$O/run/r-0001/run.json"
check_match "the ref page redirects to its commit" \
    "$(cat "$O/ref/refs/tags/v1.0/index.html")" \
    "http-equiv=\"refresh\" content=\"0; url=../../../../commit/$(git -C "$R" rev-parse v1.0)/\""
check_match "tracked refs come first on the index" \
    "$(tr -d '\n' <"$O/index.html")" \
    "Tracked refs</h2>.*refs/heads/&lt;script&gt;x.*refs/heads/main.*$(sql "$D" "SELECT count(*) FROM refs WHERE tracked = 0") other refs, not tracked: <a href=\"refs/\">every ref</a>"
check_match "refs/ lists the others too" "$(tr -d '\n' <"$O/refs/index.html")" \
    "refs/heads/main.*refs/tags/v1.0"
check "go/ shards know every commit" python3 -c '
import json, sys, subprocess
o, db = sys.argv[1], sys.argv[2]
hashes = subprocess.check_output(["sqlite3", db, "SELECT hash FROM commits"]).split()
for h in hashes:
    h = h.decode()
    assert h in json.load(open("%s/go/h/%s.json" % (o, h[:2])))["hashes"], h
r = json.load(open(o + "/go/refs.json"))["refs"]
assert "main" in r and "refs/heads/main" in r and "v1.0" in r, r
' "$O" "$D"
check "graph data: the tracked commits with runs, by position" python3 -c '
import json, sys, subprocess
o, db = sys.argv[1], sys.argv[2]
idx = json.load(open(o + "/graph/commits.json"))
m = json.load(open(o + "/graph/metrics.json"))
assert idx["id"] == m["commits_id"]
commits = []
for n, cid in idx["chunks"]:
    c = json.load(open("%s/graph/c/%d.json" % (o, n)))
    assert c["id"] == cid, (c["id"], cid)
    assert len(commits) == n * idx["chunk"]
    commits += c["commits"]
assert idx["n"] == len(commits)
want = subprocess.check_output(["sqlite3", db, "SELECT c.hash FROM commits c "
    "WHERE c.reachable = 2 AND c.id IN (SELECT commit_id FROM runs)"]).split()
assert sorted(x.decode() for x in want) == sorted(x[0] for x in commits), commits
# Oldest first, and a parent before its child.
pos = {x[0]: i for i, x in enumerate(commits)}
for x in commits:
    ps = subprocess.check_output(["git", "-C", sys.argv[3], "rev-parse",
        x[0] + "^@"]).split()
    for p in ps:
        assert pos.get(p.decode(), -1) < pos[x[0]], (p, x)
k = [x for x in m["metrics"] if x["name"] == "run/nbody/time"][0]
pts = []
for n, cid in idx["chunks"]:
    f = json.load(open("%s/graph/m/%s/%d.json" % (o, k["key"], n)))
    assert f["id"] == cid
    pts += [[n * idx["chunk"] + p[0]] + p[1:] for p in f["p"]]
assert len(pts) == len(commits)
for p in pts:
    assert p[2] <= p[1] <= p[3], p
    h = commits[p[0]][0]
    v = subprocess.check_output(["sqlite3", db, "SELECT s.median FROM "
        "measurements s JOIN runs r ON r.id = s.run_id JOIN commits c ON "
        "c.id = r.commit_id JOIN metrics x ON x.id = s.metric_id WHERE "
        "c.hash = \x27%s\x27 AND x.name = \x27run/nbody/time\x27 ORDER BY "
        "r.start_time DESC LIMIT 1" % h]).decode().strip()
    assert abs(float(v) - p[1]) < 1e-9, (v, p)
assert m["default"] == [m["metrics"][0]["name"]], m["default"]
' "$O" "$D" "$R"

check "feed.xml is well-formed Atom, an entry per change" python3 -c '
import subprocess, sys, xml.etree.ElementTree as ET
ns = {"a": "http://www.w3.org/2005/Atom"}
f = ET.parse(sys.argv[1]).getroot()
es = f.findall("a:entry", ns)
n = int(subprocess.check_output(["sqlite3", sys.argv[2], "SELECT count(*) "
    "FROM changes c WHERE ref IN (SELECT name FROM refs WHERE tracked = 1) "
    "AND NOT (state = \x27not confirmed\x27 OR (pair AND state IN "
    "(\x27new\x27, \x27confirming\x27)))"]))
assert len(es) == min(n, 20), (len(es), n)
for e in es:
    assert e.find("a:link", ns).get("href").startswith("change/")
    assert "%" in e.find("a:content", ns).text
' "$O/feed.xml" "$D"
check_eq "feed.xml has no raw markup from the corpus" \
    "$(grep -c "<script>alert" "$O/feed.xml")" 0

# Re-rendering what did not change writes nothing.
out=$("$TJ_GEN" render --db "$D" --out "$O")
check_match "a render with nothing dirty writes nothing" "$out" " 0 files written"
before=$(files_state "$O")
out=$("$TJ_GEN" render --all --db "$D" --out "$O")
check_match "render --all over an unchanged db writes nothing" "$out" \
    " 0 files written, [0-9]+ unchanged"
check_eq "and leaves every file in place" "$(files_state "$O")" "$before"

# A broken theme fails with file:line; the dirty rows wait for the next one.
mkdir -p "$T_DIR/theme"
cp -r "$TJ_TOP/theme/static" "$TJ_TOP/theme/templates" "$T_DIR/theme/"
cp -r "$TJ_TOP/node_modules" "$T_DIR/" 2>/dev/null
printf '<p>\n{{#x}}\n' >"$T_DIR/theme/templates/ref.html"
printf '[site]\n\ttheme = %s\n' "$T_DIR/theme" >"$T_DIR/tj.conf"
sql "$D" "INSERT INTO dirty VALUES ('index', '')"
check_fails "a template error fails the render" "$TJ_GEN" render \
    --config "$T_DIR/tj.conf" --db "$D" --out "$O"
check_match "naming the file and line" "$(cat "$T_DIR/.out")" \
    "ref.html:2: \{\{#x\}\} is never closed"
check_eq "the dirty row is kept" \
    "$(sql "$D" "SELECT count(*) FROM dirty WHERE kind LIKE '%index'")" 1
check "the next good render takes it" "$TJ_GEN" render --db "$D" --out "$O"
check_eq "and drains it" "$(sql "$D" 'SELECT count(*) FROM dirty')" 0
rm -rf "$T_DIR/node_modules"
t_done
