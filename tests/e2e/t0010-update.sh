#!/bin/bash
# t0010: tj-gen update over a real repo with every odd shape git allows,
# compared with git field by field; incremental updates; refs and queue.
# tj-test: slow
. "$(dirname "$0")/lib.sh"
R=$T_DIR/repo
DB=$T_DIR/tj.db
gen() { "$TJ_GEN" "$@"; }
q() { sql "$DB" "$1"; }
hash_of() { git -C "$R" rev-parse "$1"; }

git init -q "$R"
cd "$R" || exit 1
mkcommit "$R" a.txt 1 "first"
mkcommit "$R" a.txt 2 "<script>alert('x')</script> & \"quotes\" <b>bold</b>"
git commit -q --allow-empty --allow-empty-message -m ''
# Not UTF-8 (git commit would re-encode it, so write the object directly).
BAD=$(printf 'tree %s\nparent %s\nauthor A <a@b> 1700000000 +0000\ncommitter A <a@b> 1700000000 +0000\n\ncaf\xe9 latin-1 \xff\xfe and a cut \xe2\x82\n\nbody \xc0\xaf\n' \
	"$(git rev-parse HEAD^{tree})" "$(git rev-parse HEAD)" | git hash-object -t commit -w --stdin)
git reset -q --hard "$BAD"
python3 -c 'import sys; sys.stdout.write("long line " * 110000 + "\n")' >"$T_DIR/big"
git commit -q --allow-empty -F "$T_DIR/big"
GIT_AUTHOR_NAME="Jürgen Groß" GIT_AUTHOR_EMAIL="j@ex.de" \
	GIT_AUTHOR_DATE="1700000000 -0530" GIT_COMMITTER_DATE="1700000100 +0545" \
	git commit -q --allow-empty -m "unicode author, odd zones"
# A merge, then an octopus merge of three branches.
git checkout -q -b side
mkcommit "$R" s.txt s "on side"
git checkout -q main
mkcommit "$R" m.txt m "on main"
git merge -q --no-ff -m "merge side" side
for b in o1 o2 o3; do
	git checkout -q -b "$b" main
	mkcommit "$R" "$b.txt" "$b" "octo $b"
done
git checkout -q main
git merge -q --no-ff -m "octopus" o1 o2 o3
check_eq "octopus has 4 parents" "$(git rev-list --parents -n 1 HEAD | wc -w)" 5
# A second root, merged in.
git checkout -q --orphan other
git rm -q -rf . >/dev/null
mkcommit "$R" other.txt o "second root"
git checkout -q main
git merge -q --no-ff --allow-unrelated-histories -m "merge roots" other
# A commit that lists the same parent twice (git commit-tree would drop it).
P=$(hash_of HEAD)
T=$(git rev-parse HEAD^{tree})
DUP=$(printf 'tree %s\nparent %s\nparent %s\nauthor A <a@b> 1700000000 +0000\ncommitter A <a@b> 1700000000 +0000\n\nduplicate parent\n' \
	"$T" "$P" "$P" | git hash-object -t commit -w --stdin)
git branch dup "$DUP"
# 200 branches, odd names, tags on commits, trees and blobs.
for i in $(seq 1 200); do echo "create refs/heads/many/b$i HEAD~$((i % 7))"; done |
	git update-ref --stdin
git branch "feat/ünïcødé" HEAD~2
git branch "x+y" HEAD~3
git branch "a/b/c" HEAD~1
git tag -a -m "release" v1.0 HEAD~4
git tag light HEAD~5
git tag -a -m "a tree" treetag "HEAD^{tree}"
git tag -a -m "a blob" blobtag "$(git rev-parse HEAD:a.txt)"
cd "$T_DIR" || exit 1

check "first update" gen update --repo "$R" --db "$DB" --no-render
check "db matches git field by field" python3 "$TJ_TOP/tests/e2e/compare_db.py" "$R" "$DB"
check_eq "commit count" "$(q 'SELECT count(*) FROM commits')" "$(git -C "$R" rev-list --all | wc -l)"
want_refs=$(git -C "$R" for-each-ref --format='%(refname)' | grep -v -e treetag -e blobtag | LC_ALL=C sort)
check_eq "refs: every ref that peels to a commit" "$(q 'SELECT name FROM refs ORDER BY name' | LC_ALL=C sort)" "$want_refs"
check_eq "only HEAD's branch is tracked" "$(q 'SELECT name FROM refs WHERE tracked')" "refs/heads/main"
check_eq "first import queues only the tip" "$(q 'SELECT c.hash FROM queue q JOIN commits c ON c.id = q.commit_id')" "$(hash_of main)"
check_eq "duplicate parent stored once" "$(q "SELECT count(*) FROM commit_edges e JOIN commits c ON c.id = e.child WHERE c.hash = '$DUP'")" 1
check_eq "octopus parents kept in order" \
	"$(q "SELECT group_concat(h, ' ') FROM (SELECT p.hash h FROM commit_edges e JOIN commits c ON c.id = e.child JOIN commits p ON p.id = e.parent WHERE c.hash = '$(hash_of main~1)' ORDER BY e.idx)")" \
	"$(git -C "$R" rev-list --parents -n 1 main~1 | cut -d' ' -f2- )"
check_eq "reachable: main's history is 2" "$(q "SELECT count(*) FROM commits WHERE reachable = 2")" "$(git -C "$R" rev-list main | wc -l)"
check_eq "reachable: the rest is 1" "$(q "SELECT count(*) FROM commits WHERE reachable = 1")" \
	"$(( $(git -C "$R" rev-list --all | wc -l) - $(git -C "$R" rev-list main | wc -l) ))"
check_eq "every commit is dirty" "$(q "SELECT count(*) FROM dirty WHERE kind = 'commit'")" "$(q 'SELECT count(*) FROM commits')"
check_eq "invalid UTF-8 repaired" "$(q "SELECT message FROM commits WHERE hash = '$BAD'")" "caf� latin-1 �� and a cut �

body ��"
check_match "1 MB message kept whole" "$(q "SELECT length(message) FROM commits WHERE message LIKE 'long line%'")" "^1100000$"

# Nothing new: nothing changes, not even a dirty row.
q "DELETE FROM dirty"
out=$(gen update --repo "$R" --db "$DB" --no-render)
check_match "nothing-new update says so" "$out" "^0 new commits; refs: 0 added, 0 moved, 0 deleted.*; 0 queued"
check_eq "nothing-new update dirties nothing" "$(q 'SELECT count(*) FROM dirty')" 0
# It writes nothing at all: the db's files stay byte for byte the same, and
# with rendering on, not one file of the site is written again.
db_sum() { cat "$DB" "$DB-wal" 2>/dev/null | sha256sum; }
site_sum() { find "$T_DIR/out" -printf '%p %s %T@\n' | sort | sha256sum; }
gen update --repo "$R" --db "$DB" --out "$T_DIR/out" >/dev/null
before=$(db_sum); site=$(site_sum)
out=$(gen update --repo "$R" --db "$DB" --out "$T_DIR/out")
check_match "nothing-new update, rendering on, says so" "$out" "^0 new commits; refs: 0 added, 0 moved, 0 deleted"
check_eq "nothing-new update leaves the db's files as they were" "$(db_sum)" "$before"
check_eq "nothing-new update writes no file of the site" "$(site_sum)" "$site"
check_match "the site is there to compare" "$(find "$T_DIR/out" -name '*.html' | wc -l)" "^[1-9][0-9]*$"

# Three new commits on main: exactly those are inserted and queued.
maxid=$(q 'SELECT max(id) FROM commits')
for i in 1 2 3; do mkcommit "$R" n.txt "$i" "new $i"; done
out=$(gen update --repo "$R" --db "$DB" --no-render)
check_match "incremental update" "$out" "^3 new commits; refs: 0 added, 1 moved"
check_eq "only the new rows were inserted" "$(q "SELECT count(*) FROM commits WHERE id > $maxid")" 3
check_eq "new commits queued" "$(q 'SELECT count(*) FROM queue')" 4
check_eq "dirty: new commits, their parent, the ref" \
	"$(q "SELECT kind || ' ' || key FROM dirty WHERE kind IN ('commit', 'ref') ORDER BY 1")" \
	"$(for r in main main~1 main~2 main~3; do echo "commit $(hash_of $r)"; done | sort; echo "ref refs/heads/main")"
check "still matches git" python3 "$TJ_TOP/tests/e2e/compare_db.py" "$R" "$DB"

# Commits on an untracked branch are not queued...
git -C "$R" checkout -q -b topic
mkcommit "$R" t.txt 1 "topic 1"
mkcommit "$R" t.txt 2 "topic 2"
git -C "$R" checkout -q main
gen update --repo "$R" --db "$DB" --no-render >/dev/null
check_eq "untracked branch: nothing queued" "$(q 'SELECT count(*) FROM queue')" 4
check_eq "untracked branch commits are reachable 1" "$(q "SELECT reachable FROM commits WHERE hash = '$(hash_of topic)'")" 1
# ...until a fast-forward of main onto them.
git -C "$R" merge -q --ff-only topic
gen update --repo "$R" --db "$DB" --no-render >/dev/null
check_eq "fast-forward onto untracked commits queues them" "$(q 'SELECT count(*) FROM queue')" 6
check_eq "and makes them reachable 2" "$(q "SELECT reachable FROM commits WHERE hash = '$(hash_of topic~1)'")" 2

# Track a branch with its own commits: exactly those are queued.
git -C "$R" checkout -q -b lab main~5
mkcommit "$R" l.txt 1 "lab 1"
mkcommit "$R" l.txt 2 "lab 2"
git -C "$R" checkout -q main
gen update --repo "$R" --db "$DB" --no-render >/dev/null
check_eq "lab untracked, not queued" "$(q 'SELECT count(*) FROM queue')" 6
check "track lab" gen track lab --db "$DB" --no-render
check_eq "tracking queues lab's own commits" "$(q 'SELECT count(*) FROM queue')" 8
check_eq "lab is tracked" "$(q "SELECT tracked FROM refs WHERE name = 'refs/heads/lab'")" 1
check "untrack lab" gen untrack refs/heads/lab --db "$DB" --no-render
check_eq "untracking drops reachability to 1" "$(q "SELECT reachable FROM commits WHERE hash = '$(hash_of lab)'")" 1
check "track --no-queue" gen track many/b3 --no-queue --db "$DB" --no-render
check_eq "many/b3 (inside main) queues nothing" "$(q 'SELECT count(*) FROM queue')" 8
check_fails "track an unknown ref" gen track nosuch --db "$DB"
check_match "and says what to do" "$(cat "$T_DIR/.out")" "unknown ref 'nosuch'.*tj-gen refs"

# Force-push main back and delete topic and lab: their commits leave the
# queue and become unreachable.
git -C "$R" update-ref refs/heads/main "$(hash_of main~4)"
git -C "$R" branch -q -D topic lab
out=$(gen update --repo "$R" --db "$DB" --no-render)
check_match "force-push and deletions" "$out" "1 moved, 2 deleted"
check_eq "deleted refs are gone" "$(q "SELECT count(*) FROM refs WHERE name IN ('refs/heads/topic', 'refs/heads/lab')")" 0
check_eq "orphaned commits are unreachable" "$(q "SELECT reachable FROM commits WHERE hash = '$(hash_of HEAD@{1} 2>/dev/null || echo x)'" 2>/dev/null)" \
	"$(q "SELECT reachable FROM commits WHERE hash = '$(git -C "$R" rev-parse main@{1})'")"
check_eq "queue holds no unreachable commit" "$(q 'SELECT count(*) FROM queue q JOIN commits c ON c.id = q.commit_id WHERE c.reachable = 0')" 0
check_eq "reachability matches git after the force-push" "$(q 'SELECT count(*) FROM commits WHERE reachable = 2')" \
	"$(git -C "$R" rev-list main many/b3 | sort -u | wc -l)"

# main rewritten (not a fast-forward) onto a brand-new commit: the new
# commit is queued all the same.
git -C "$R" checkout -q -f --detach main~1
mkcommit "$R" r.txt 1 "rewritten main"
NEW=$(git -C "$R" rev-parse HEAD)
git -C "$R" update-ref refs/heads/main "$NEW"
git -C "$R" checkout -q -f main
gen update --repo "$R" --db "$DB" --no-render >/dev/null
check_eq "a rewritten main's new commit is queued" "$(q "SELECT count(*) FROM queue q JOIN commits c ON c.id = q.commit_id WHERE c.hash = '$NEW'")" 1
check_eq "and tracked-reachable" "$(q "SELECT reachable FROM commits WHERE hash = '$NEW'")" 2

# A new untracked branch on top of a commit no ref reached any more: that
# commit is reachable again.
ORPH=$(q "SELECT hash FROM commits WHERE reachable = 0 LIMIT 1")
check_match "there is an unreachable commit" "$ORPH" "^[0-9a-f]{40}$"
git -C "$R" checkout -q -f --detach "$ORPH"
mkcommit "$R" o.txt 1 "on an orphan"
git -C "$R" branch revived
check_eq "revived sits on the orphan" "$(git -C "$R" rev-parse revived~1)" "$ORPH"
git -C "$R" checkout -q -f main
gen update --repo "$R" --db "$DB" --no-render >/dev/null
check_eq "its old parent is reachable (1) again" "$(q "SELECT reachable FROM commits WHERE hash = '$ORPH'")" 1
check "still matches git" python3 "$TJ_TOP/tests/e2e/compare_db.py" "$R" "$DB"
check_eq "reachable 1 matches git" "$(q 'SELECT count(*) FROM commits WHERE reachable >= 1')" "$(git -C "$R" rev-list --all | wc -l)"

# A bare clone imports the same.
git clone -q --bare "$R" "$T_DIR/bare.git"
check "bare repo" gen update --repo "$T_DIR/bare.git" --db "$T_DIR/bare.db" --no-render
check "bare repo matches git" python3 "$TJ_TOP/tests/e2e/compare_db.py" "$T_DIR/bare.git" "$T_DIR/bare.db"

# --fetch with clone = true clones a missing repo, then fetches new commits.
cat >"$T_DIR/tj.conf" <<CONF
[repo]
	path = mirror.git
	fetch-url = $R
	clone = true
[db]
	path = mirror.db
CONF
check "update --fetch clones" gen update --fetch --config "$T_DIR/tj.conf" --no-render
check_eq "clone is bare" "$(git -C "$T_DIR/mirror.git" rev-parse --is-bare-repository)" true
check_eq "clone imported main" "$(sql "$T_DIR/mirror.db" "SELECT c.hash FROM refs r JOIN commits c ON c.id = r.commit_id WHERE r.name = 'refs/heads/main'")" "$(hash_of main)"
mkcommit "$R" f.txt 1 "fetched later"
check "update --fetch fetches" gen update --fetch --config "$T_DIR/tj.conf" --no-render
check_eq "fetched commit imported" "$(sql "$T_DIR/mirror.db" "SELECT count(*) FROM commits WHERE hash = '$(hash_of main)'")" 1
check_fails "--fetch without fetch-url" gen update --fetch --repo "$R" --db "$DB"
check_match "names the missing key" "$(cat "$T_DIR/.out")" "fetch-url"

# Two updates and a queue change at once on one db: all succeed.
for i in 1 2 3; do mkcommit "$R" c.txt "$i" "concurrent $i"; done
gen update --repo "$R" --db "$DB" --no-render >"$T_DIR/u1" 2>&1 &
p1=$!
gen update --repo "$R" --db "$DB" --no-render >"$T_DIR/u2" 2>&1 &
p2=$!
gen queue add main~5 --priority 7 --repo "$R" --db "$DB" --no-render >"$T_DIR/u3" 2>&1 &
p3=$!
wait $p1; r1=$?
wait $p2; r2=$?
wait $p3; r3=$?
check_eq "concurrent writers all succeed" "$r1 $r2 $r3" "0 0 0"
check "db still matches git" python3 "$TJ_TOP/tests/e2e/compare_db.py" "$R" "$DB"

# Errors.
check_fails "no repo" gen update --repo "$T_DIR/nope" --db "$DB"
check_match "no repo: says what to do" "$(cat "$T_DIR/.out")" "no git repository at .*--repo"
sqlite3 "$T_DIR/new.db" "CREATE TABLE x (y); PRAGMA user_version = 42;"
cp "$T_DIR/new.db" "$T_DIR/new.db.orig"
check_fails "db from a newer version" gen update --repo "$R" --db "$T_DIR/new.db"
check_match "newer db: clear message" "$(cat "$T_DIR/.out")" "newer tablejohn.*schema 42"
check_files_eq "newer db untouched" "$T_DIR/new.db" "$T_DIR/new.db.orig"
python3 - "$DB" "$T_DIR/.locked" <<'PY' &
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
time.sleep(3)
c.execute("ROLLBACK")
PY
locker=$!
# The lock is held once the marker exists (a loaded machine may take a
# while to start python).
wait_for 30 test -e "$T_DIR/.locked"
TJ_DB_BUSY_TIMEOUT_MS=300 gen queue add main --repo "$R" --db "$DB" --no-render >"$T_DIR/.out" 2>&1
check_eq "locked db: exit 1" "$?" 1
check_match "locked db: says so" "$(cat "$T_DIR/.out")" "locked.*another tablejohn process"
wait $locker
t_done
