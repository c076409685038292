#!/bin/bash
# t0011: tj-gen's admin verbs: help, version, exit codes, the queue verbs
# with every kind of REV, clear errors, and rendering after each change.
. "$(dirname "$0")/lib.sh"
R=$T_DIR/repo
DB=$T_DIR/tj.db
OUT=$T_DIR/out
gen() { "$TJ_GEN" "$@"; }
q() { sql "$DB" "$1"; }
hash_of() { git -C "$R" rev-parse "$1"; }

git init -q "$R"
for i in $(seq 1 12); do mkcommit "$R" f.txt "$i" "commit $i"; done
git -C "$R" tag -a -m "v1" v1 HEAD~6
git -C "$R" branch side HEAD~3
cd "$T_DIR" || exit 1

# Help, version, usage errors.
check "tj-gen --help" gen --help
check_match "--help lists the verbs" "$(gen --help | tr '\n' ' ')" "update.*refs.*track.*untrack.*queue.*render.*serve"
check_match "--version" "$(gen --version)" "^tj-gen \(tablejohn\) [0-9]"
for v in update refs track untrack queue token render serve; do
	check "$v --help" gen "$v" --help
	check_match "$v --help names the common options" "$(gen "$v" --help)" "--config FILE"
done
gen 2>/dev/null; check_eq "no verb: exit 2" "$?" 2
gen frobnicate 2>/dev/null; check_eq "unknown verb: exit 2" "$?" 2
gen update --bogus 2>/dev/null; check_eq "unknown option: exit 2" "$?" 2
gen queue 2>/dev/null; check_eq "queue without sub-command: exit 2" "$?" 2
gen queue add 2>/dev/null; check_eq "queue add without REV: exit 2" "$?" 2
gen queue prio x notanumber 2>/dev/null; check_eq "queue prio with a bad number: exit 2" "$?" 2
gen queue add-batch 0 2>/dev/null; check_eq "add-batch 0: exit 2" "$?" 2
gen queue list --priority 3 2>/dev/null; check_eq "--priority on list: exit 2" "$?" 2
gen update --db 2>/dev/null; check_eq "option without value: exit 2" "$?" 2

# Update renders by default.
check "update renders" gen update --repo "$R" --db "$DB" --out "$OUT"
check "commit page rendered" test -f "$OUT/commit/$(hash_of HEAD)/index.html"
check "index rendered" test -f "$OUT/index.html"
check_eq "nothing left dirty" "$(q 'SELECT count(*) FROM dirty')" 0

# queue add with a hash prefix, a branch, a tag, HEAD~3.
check "add by prefix" gen queue add "$(hash_of HEAD~1 | cut -c1-10)" --repo "$R" --db "$DB" --out "$OUT"
check "add by branch" gen queue add side --priority 5 --repo "$R" --db "$DB" --out "$OUT"
check "add by tag" gen queue add v1 --priority -2 --repo "$R" --db "$DB" --out "$OUT"
check "add by HEAD~5" gen queue add HEAD~5 --repo "$R" --db "$DB" --out "$OUT"
check_eq "queue has 5" "$(q 'SELECT count(*) FROM queue')" 5
check_eq "priorities" "$(q "SELECT priority FROM queue q JOIN commits c ON c.id = q.commit_id WHERE c.hash IN ('$(hash_of side)', '$(hash_of v1^{commit})') ORDER BY priority")" "-2
5"
list=$(gen queue list --repo "$R" --db "$DB")
check_match "queue list: highest priority first" "$(echo "$list" | sed -n 2p)" "^ +5  $(hash_of side | cut -c1-12)"
check_match "queue list: lowest last" "$(echo "$list" | tail -n 1)" "^ +-2  $(hash_of v1^{commit} | cut -c1-12)"
check_match "queue page shows the queue" "$(cat "$OUT/queue/index.html")" "$(hash_of side | cut -c1-12)"
check "prio" gen queue prio side 9 --repo "$R" --db "$DB" --out "$OUT"
check_eq "prio changed" "$(q "SELECT priority FROM queue q JOIN commits c ON c.id = q.commit_id WHERE c.hash = '$(hash_of side)'")" 9
check "add again changes the priority" gen queue add side --priority 1 --repo "$R" --db "$DB" --no-render
check_eq "re-add: priority 1" "$(q "SELECT priority FROM queue q JOIN commits c ON c.id = q.commit_id WHERE c.hash = '$(hash_of side)'")" 1
check "rm" gen queue rm side --repo "$R" --db "$DB" --out "$OUT"
check_eq "rm removed it" "$(q 'SELECT count(*) FROM queue')" 4
check_fails "rm of a commit not queued" gen queue rm side --repo "$R" --db "$DB"
check_match "says it is not queued" "$(cat "$T_DIR/.out")" "is not queued"
check_fails "prio of a commit not queued" gen queue prio side 3 --repo "$R" --db "$DB"
check_fails "unknown revision" gen queue add nosuchbranch --repo "$R" --db "$DB"
check_match "unknown revision: what to do" "$(cat "$T_DIR/.out")" "unknown revision 'nosuchbranch'"
check_fails "a tree is not a commit" gen queue add "HEAD^{tree}" --repo "$R" --db "$DB"
check_match "not a commit" "$(cat "$T_DIR/.out")" "not a commit"

# An ambiguous prefix: find (or make) two objects sharing 4 hex digits.
amb=""
for i in $(seq 1 3000); do
	amb=$(git -C "$R" cat-file --batch-all-objects --batch-check='%(objectname)' | cut -c1-4 | sort | uniq -d | head -n 1)
	[ -n "$amb" ] && break
	for j in $(seq 1 50); do echo "blob $i $j" | git -C "$R" hash-object -w --stdin >/dev/null; done
done
check_fails "ambiguous prefix" gen queue add "$amb" --repo "$R" --db "$DB"
check_match "ambiguous: give more digits" "$(cat "$T_DIR/.out")" "ambiguous.*more hex digits"
# Without a repo, hash prefixes resolve in the db.
check "prefix without a repo" gen queue add "$(hash_of HEAD~7 | cut -c1-8)" --repo "$T_DIR/none" --db "$DB" --no-render
check_fails "a branch without a repo" gen queue add side --repo "$T_DIR/none" --db "$DB"

# add-batch: the N newest tracked commits with no run and not queued.
q "DELETE FROM queue"
q "INSERT INTO runs (id, commit_id, bench_method, worker, start_time) SELECT 'r-x', id, '{\"type\":\"internal\"}', 'w', 0 FROM commits WHERE hash = '$(hash_of HEAD)'"
check "add-batch 3" gen queue add-batch 3 --priority 2 --repo "$R" --db "$DB" --out "$OUT"
check_eq "add-batch skips commits with runs" "$(q 'SELECT c.hash FROM queue q JOIN commits c ON c.id = q.commit_id ORDER BY c.committer_time DESC, c.id' | tr '\n' ' ')" \
	"$(git -C "$R" rev-list HEAD~1 -n 3 | tr '\n' ' ')"
check_eq "add-batch priority" "$(q 'SELECT DISTINCT priority FROM queue')" 2

# refs, track, untrack.
refs=$(gen refs --db "$DB")
check_match "refs: tracked first" "$(echo "$refs" | head -n 1)" "^tracked +[0-9a-f]{12} refs/heads/main  commit 12"
check_match "refs: untracked listed" "$refs" "untracked +[0-9a-f]{12} refs/tags/v1"
check "track side" gen track side --db "$DB" --out "$OUT"
check "track side again is fine" gen track side --db "$DB" --out "$OUT"
check_match "already tracked" "$(gen track side --db "$DB" --no-render)" "already tracked"
check "ref page rendered" test -e "$OUT/ref"
check_fails "track needs one REF" gen track --db "$DB"
check "untrack" gen untrack side --db "$DB" --out "$OUT"
check_eq "side untracked" "$(q "SELECT tracked FROM refs WHERE name = 'refs/heads/side'")" 0
check_eq "nothing left dirty after verbs" "$(q 'SELECT count(*) FROM dirty')" 0

# A config file supplies the paths; flags override it.
cat >"$T_DIR/c.conf" <<CONF
[repo]
	path = repo
[db]
	path = other.db
[site]
	out = site
CONF
check "config file" gen update --config "$T_DIR/c.conf"
check "config paths relative to the file" test -f "$T_DIR/other.db"
check "config site.out" test -f "$T_DIR/site/index.html"
check "flag overrides the file" gen update --config "$T_DIR/c.conf" --db "$T_DIR/third.db" --no-render
check "overridden db written" test -f "$T_DIR/third.db"
# token: TJ_TOKEN, else [api] token, else the one kept in the db, made by
# whichever of tj-gen token and tj-api needs it first.
tok=$(gen token --db "$DB" 2>"$T_DIR/tok.err")
check_match "no token yet: one is made" "$tok" '^[a-z0-9]{32}$'
check_match "and said so" "$(cat "$T_DIR/tok.err")" "generated a new worker token"
check_eq "kept in the db" "$(q "SELECT value FROM meta WHERE key = 'token'")" "$tok"
check_eq "the same one next time" "$(gen token --db "$DB" 2>&1)" "$tok"
q "UPDATE meta SET value = 'from-the-db' WHERE key = 'token'"
check_eq "token from the db" "$(gen token --db "$DB")" from-the-db
printf '[api]\n\ttoken = from-the-file\n' >"$T_DIR/tok.conf"
check_eq "token from the config" "$(gen token --config "$T_DIR/tok.conf" --db "$DB")" from-the-file
check_eq "token from TJ_TOKEN" "$(TJ_TOKEN=from-env gen token --config "$T_DIR/tok.conf")" from-env
printf '[api]\n\tworker-timeout = soon\n' >"$T_DIR/bad.conf"
check_fails "bad config value" gen refs --config "$T_DIR/bad.conf"
check_match "bad config: file, key, reason" "$(cat "$T_DIR/.out")" "bad.conf.*api.worker-timeout.*not a duration"
# The quick start: from the top of a non-bare repo with no config, the db
# and the site go into its .git/tablejohn/, and git shows nothing new.
git init -q qs
mkcommit qs a.txt 1 "first"
cd qs || exit 1
	check "update from the work tree" "$TJ_GEN" update --quiet
	check "the db is in .git/tablejohn/" test -f .git/tablejohn/tablejohn.db
	check "the site too" test -f .git/tablejohn/out/index.html
	check_eq "nothing untracked" "$(git status --porcelain)" ""
	check_match "tj-gen token finds that db" "$("$TJ_GEN" token 2>/dev/null)" \
	    '^[a-z0-9]{32}$'
	check_eq "still nothing untracked" "$(git status --porcelain)" ""
cd "$T_DIR" || exit 1
t_done
