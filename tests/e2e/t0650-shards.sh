#!/bin/bash
# t0650-shards: full commit pages only where they carry information; every
# other commit on its shard page commits/<abc>/, and commit/<hash>/ reaching
# it through 404.html (tj-gen serve, headless Chromium) and through the
# nginx recipe's try_files rule. Which commits have pages is computed here
# again from git itself, and checked after a first import, a run on a
# listed commit, a ref moved back, and the schema migration; each time the
# incremental site equals a full render of the db byte for byte.
# tj-test: slow
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/t08/deploy.sh"
cd "$T_DIR" || exit 1

R=$T_DIR/repo D=$T_DIR/t.db O=$T_DIR/www/bench
git init -q "$R"
for i in 1 2 3 4; do mkcommit "$R" f.txt "$i" "main $i"; done
# A topic merged without fast-forward: its inner commits have no page.
git -C "$R" checkout -q -b topic
for i in 1 2 3 4 5 6 7; do mkcommit "$R" t.txt "$i" "topic $i"; done
git -C "$R" checkout -q main
git -C "$R" merge -q --no-ff topic -m "Merge topic"
git -C "$R" branch -q -D topic
mkcommit "$R" f.txt 5 "main 5"
# An untracked branch that was never merged, with a subject that is HTML.
git -C "$R" checkout -q -b side main~1
for i in 1 2 3 4 5 6; do mkcommit "$R" s.txt "$i" "side $i <b>x</b> & \"q\""; done
git -C "$R" checkout -q main
gen_conf "$R" "$D" "$O"
check "import and render" gen update

# known: every commit the db holds (a commit no ref reaches any more stays).
known() { sql "$D" "SELECT hash FROM commits ORDER BY hash" >"$T_DIR/known"; }

# expected: the commits that must have a page, from git: the first-parent
# line of main, every ref's tip, the commits with runs (their hashes in
# $T_DIR/ran), and the parents and children of all of those among the
# commits the db holds.
expected() {
	python3 - "$R" "$T_DIR/ran" "$T_DIR/known" <<'PY'
import subprocess, sys
repo, ran, known = sys.argv[1], sys.argv[2], sys.argv[3]
def git(*a):
    return subprocess.run(["git", "-C", repo] + list(a), check=True,
        capture_output=True, text=True).stdout.split("\n")
known = open(known).read().split()
core = set(l for l in git("rev-list", "--first-parent", "main") if l)
core |= set(l.split()[0] for l in git("for-each-ref",
    "--format=%(objectname)") if l)
try:
    core |= set(l for l in open(ran).read().split() if l)
except FileNotFoundError:
    pass
near = set()
for l in git("rev-list", "--no-walk=unsorted", "--parents", *known):
    if not l:
        continue
    c, *ps = l.split()
    for p in ps:
        if c in core: near.add(p)
        if p in core: near.add(c)
for h in sorted(core | near):
    print(h)
PY
}

# layout: every commit of the db has its page or exactly one shard
# entry (never both), the pages are the expected ones, and every link to a
# shard entry lands on an element with that id.
layout() {
	known
	expected >"$T_DIR/want"
	python3 - "$T_DIR/known" "$O" "$T_DIR/want" <<'PY'
import html.parser, os, re, sys, urllib.parse
known, out, want = sys.argv[1], sys.argv[2], sys.argv[3]
want = set(open(want).read().split())
every = set(open(known).read().split())
pages = set(d for d in os.listdir(os.path.join(out, "commit"))
    if os.path.isfile(os.path.join(out, "commit", d, "index.html")))
ids = {}
for s in os.listdir(os.path.join(out, "commits")):
    page = open(os.path.join(out, "commits", s, "index.html")).read()
    for h in re.findall(r'<li id="([0-9a-f]{40})"', page):
        ids.setdefault(h, []).append(s)
bad = []
if pages != want:
    bad.append("pages: %d extra, %d missing" % (len(pages - want), len(want - pages)))
for h in every - pages:
    if ids.get(h) != [h[:3]]:
        bad.append("%s: listed in %s" % (h, ids.get(h)))
for h in pages & set(ids):
    bad.append("%s: has a page and a shard entry" % h)
if not every - pages:
    bad.append("no commit is on a shard page: the test shows nothing")
class Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []
    def handle_starttag(self, tag, attrs):
        if tag == "a" and dict(attrs).get("href"):
            self.links.append(dict(attrs)["href"])
n = 0
for d, _, fs in os.walk(out):
    for f in fs:
        if not f.endswith(".html"):
            continue
        p = Links()
        p.feed(open(os.path.join(d, f)).read())
        for l in p.links:
            u = urllib.parse.urlsplit(l)
            m = re.search(r"commits/([0-9a-f]{3})/$", u.path)
            if not m or not u.fragment:
                continue
            n += 1
            if ids.get(u.fragment) != [m.group(1)]:
                bad.append("%s: %s lands nowhere" % (os.path.join(d, f), l))
print("%d commits, %d pages, %d listed, %d shard links" % (len(every),
    len(pages), len(every - pages), n))
for b in bad[:20]:
    print(b)
sys.exit(1 if bad else 0)
PY
}

# same_as_full: the site equals a full render of the db into a new dir.
same_as_full() {
	rm -rf "$T_DIR/full"
	"$TJ_GEN" render --all --db "$D" --repo "$R" --out "$T_DIR/full" \
	    --quiet || return 1
	diff -r -x .lock "$O" "$T_DIR/full"
}

check "the pages and shards are the expected ones" layout
check "and equal a full render" same_as_full
side3=$(git -C "$R" rev-parse side~3)
check "a commit of the side branch is only listed" test ! -e "$O/commit/$side3"
check "on its shard page, escaped" grep -q \
    "id=\"$side3\".*side 3 &lt;b&gt;x&lt;/b&gt; &amp; &quot;q&quot;" \
    "$O/commits/${side3:0:3}/index.html"
check "the shard's JSON twin lists it" python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
assert [c["hash"] for c in m["commits"]].count(sys.argv[2]) == 1
' "$O/commits/${side3:0:3}/shard.json" "$side3"
check "404.html is written" test -s "$O/404.html"
check "the links of the site resolve" python3 "$TJ_TOP/tests/e2e/t06/linkcheck.py" "$O"

# A run on a listed commit: it and its neighbours get pages.
printf '{"metric":"t","value":1.5,"unit":"s"}\n' >"$T_DIR/r.jsonl"
check "a run on the side commit" gen import --commit "$side3" --format jsonl "$T_DIR/r.jsonl"
echo "$side3" >"$T_DIR/ran"
check "it has a page now" test -f "$O/commit/$side3/index.html"
check "its parent too" test -f "$O/commit/$(git -C "$R" rev-parse side~4)/index.html"
check "the layout follows" layout
check "and equals a full render" same_as_full

# main moves on (a fast-forward through a merge): the line grows.
git -C "$R" checkout -q -b topic2 main
for i in 1 2 3 4; do mkcommit "$R" u.txt "$i" "topic2 $i"; done
git -C "$R" checkout -q main
git -C "$R" merge -q --no-ff topic2 -m "Merge topic2"
git -C "$R" branch -q -D topic2
check "update after main moved on" gen update
check_eq "the first-parent line is marked" \
    "$(sql "$D" "SELECT count(*) FROM commits WHERE mainline")" \
    "$(git -C "$R" rev-list --first-parent main | wc -l)"
check "the layout follows" layout
check "and equals a full render" same_as_full

# The side branch moved back (not a fast-forward): commits leave pages.
git -C "$R" branch -q -f side side~5
check "update after side moved back" gen update
check "the layout follows the ref" layout
check "and equals a full render" same_as_full

# The migration from schema 5: pages of every commit, then one render.
sqlite3 "$D" "ALTER TABLE commits DROP COLUMN mainline; DROP INDEX refs_commit; PRAGMA user_version = 5" || not_ok "making a schema-5 db"
check "a schema-5 db renders after its migration" gen render
check_eq "the migration marked the first-parent line" \
    "$(sql "$D" "SELECT count(*) FROM commits WHERE mainline")" \
    "$(git -C "$R" rev-list --first-parent main | wc -l)"
check "the layout holds after the migration" layout
check "and equals a full render" same_as_full

# render --all over an unchanged db keeps the HTML of every page whose
# JSON twin is unchanged (made by the same theme and code); a missing
# page, a page whose twin is missing (a render stopped between the two
# files) and a changed theme are made again.
check "render --all" gen render --all --quiet
page=$O/commit/$side3/index.html
ino=$(stat -c %i "$page")
check "render --all again" gen render --all --quiet
check_eq "leaves an unchanged page's HTML alone" "$(stat -c %i "$page")" "$ino"
rm "$page"
echo "stale" >"$O/index.html"
rm "$O/index.json"
check "render --all after a page and a twin went" gen render --all --quiet
check "the page is back" cmp "$page" "$T_DIR/full/commit/$side3/index.html"
check "the HTML whose twin was missing is made again" cmp "$O/index.html" "$T_DIR/full/index.html"
cp -R "$TJ_TOP/theme" "$T_DIR/theme"
rm -rf "$T_DIR/theme/static"
ln -s "$TJ_TOP/theme/static" "$T_DIR/theme/static"
ln -s "$TJ_TOP/node_modules" "$T_DIR/node_modules"
sed -i 's|<h2>Runs</h2>|<h2>Runs (theme 2)</h2>|' "$T_DIR/theme/templates/commit.html"
printf '\ttheme = %s\n' "$T_DIR/theme" >>"$T_DIR/tj.conf"
check "render --all with another theme" gen render --all --quiet
check_eq "remakes every commit page" \
    "$(grep -L 'Runs (theme 2)' "$O"/commit/*/index.html | head -n 3)" ""
check_eq "it is the theme of the pages" \
    "$(grep -c 'Runs (theme 2)' "$O/commit/$side3/index.html")" 1
sed -i '$d' "$T_DIR/tj.conf"
check "and back" gen render --all --quiet
check_eq "remakes them again" \
    "$(grep -l 'Runs (theme 2)' "$O"/commit/*/index.html | head -n 3)" ""
check "and equals a full render" same_as_full

# commit/<hash>/ of a listed commit: tj-gen serve answers 404.html, whose
# script goes on to the shard entry; a short hash goes through go/.
listed=$(git -C "$R" rev-parse main~2^2~3)
check "a commit inside the merged topic is only listed" test ! -e "$O/commit/$listed"
P=$(free_port)
bg "$TJ_GEN" serve --out "$T_DIR/www" --listen "127.0.0.1:$P" >"$T_DIR/serve.log" 2>&1
check "tj-gen serve answers" wait_for 10 curl -sf "http://127.0.0.1:$P/bench/"
code=$(curl -s -o "$T_DIR/nf" -w '%{http_code}' "http://127.0.0.1:$P/bench/commit/$listed/")
check_eq "serve: a listed commit's URL is 404" "$code" 404
check "with the site's 404.html" cmp "$T_DIR/nf" "$O/404.html"
B=http://127.0.0.1:$P/bench
TJ_TOP=$TJ_TOP timeout 120 node "$TJ_TOP/tests/e2e/t06/shard.js" \
    "$B/commit/$listed/" "$B/commit/${listed:0:9}/" "$B/commit/$side3/" \
    "$B/nowhere/" >"$T_DIR/browser.json" 2>"$T_DIR/browser.err"
check_eq "the browser run ends cleanly" "$?" 0
head -n 5 "$T_DIR/browser.err"
check "the browser lands on each entry, and nowhere else, without errors" python3 - "$T_DIR/browser.json" "$B" "$listed" "$side3" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
base, listed, side3 = sys.argv[2:]
want = [
    (base + "/commits/%s/#%s" % (listed[:3], listed), listed),
    (base + "/commits/%s/#%s" % (listed[:3], listed), listed),
    (base + "/commit/%s/" % side3, None),
    (base + "/nowhere/", None),
]
assert len(rows) == 4, rows
for r, (final, target) in zip(rows, want):
    assert r["final"] == final and r["target"] == target, (r, final)
    assert not r["errors"], r
PY

# The same through real nginx with scripts/nginx.conf: commit/<hash>/ of
# a listed commit redirects to its entry; a page is served as it is.
if command -v nginx >/dev/null; then
	NPORT=$(free_port)
	check "the nginx recipe's marked lines" nginx_conf "$NPORT" "$O" "$(free_port)"
	check "nginx starts" nginx_start "$NPORT"
	N=http://127.0.0.1:$NPORT
	hdr=$(curl -s -o /dev/null -D - "$N/bench/commit/$listed/" | tr -d '\r')
	check_match "nginx: a listed commit redirects (302)" "$hdr" '^HTTP/1.1 302'
	check_match "to its shard entry" "$hdr" \
	    "Location: /bench/commits/${listed:0:3}/#$listed"
	curl -s -o "$T_DIR/page" "$N/bench/commit/$side3/"
	check "nginx: a commit page is served as it is" cmp "$T_DIR/page" "$O/commit/$side3/index.html"
	code=$(curl -s -o "$T_DIR/nf" -w '%{http_code}' "$N/bench/no/such/")
	check_eq "nginx: anything else missing is 404" "$code" 404
	check "with the site's 404.html" cmp "$T_DIR/nf" "$O/404.html"
	nginx_stop
else
	not_ok "nginx is not installed (scripts/deps.sh installs it)"
fi
t_done
