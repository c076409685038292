#!/bin/bash
# t0802: scripts/post-receive in a bare repo: a push from a clone imports,
# queues and renders (out/commit/<hash>/index.html appears); the config and
# tj-gen are found the three documented ways; a broken setup says why and
# never fails the push.
. "$(dirname "$0")/lib.sh"
cd "$T_DIR" || exit 1

git init -q --bare origin.git
check "install the hook" install -m 0755 "$TJ_TOP/scripts/post-receive" \
    origin.git/hooks/post-receive
cat >origin.git/tablejohn.conf <<CONF
[repo]
	path = .
[db]
	path = $T_DIR/tj.db
[site]
	out = $T_DIR/out
CONF
git -C origin.git config tablejohn.gen "$TJ_GEN"
git clone -q origin.git work 2>/dev/null
mkcommit work a.txt 1 "first"
h1=$(git -C work rev-parse HEAD)

# 1. tablejohn.conf in the git dir, tj-gen from git config.
check "the first push" git -C work push -q origin main
check "the commit's page" test -f "out/commit/$h1/index.html"
check "the index" test -f out/index.html
check_eq "main is tracked" \
    "$(sql tj.db "SELECT tracked FROM refs WHERE name = 'refs/heads/main'")" 1
check_eq "its tip is queued" \
    "$(sql tj.db "SELECT c.hash FROM queue q JOIN commits c ON c.id = q.commit_id")" "$h1"
mkcommit work a.txt 2 "second"
mkcommit work a.txt 3 "third"
h3=$(git -C work rev-parse HEAD)
h2=$(git -C work rev-parse HEAD~1)
git -C work push origin main >push.log 2>&1
check_eq "the second push succeeds" "$?" 0
check "the new tip's page" test -f "out/commit/$h3/index.html"
check "and its parent's" test -f "out/commit/$h2/index.html"
check_match "the parent's page names the child" \
    "$(cat "out/commit/$h2/index.html")" "$h3"
check_eq "both new commits are queued" \
    "$(sql tj.db "SELECT count(*) FROM queue")" 3
check_eq "the hook printed nothing (--quiet)" \
    "$(grep -c '^remote: ' push.log)" 0
git -C work checkout -q -b topic
mkcommit work b.txt 1 "topic"
ht=$(git -C work rev-parse HEAD)
check "a new branch" git -C work push -q origin topic
check "its ref page" test -f out/ref/refs/heads/topic/index.html
check "its commit's page" test -f "out/commit/$ht/index.html"
git -C work push -q origin --delete topic
check_eq "a deleted branch is gone from the db" \
    "$(sql tj.db "SELECT count(*) FROM refs WHERE name = 'refs/heads/topic'")" 0
git -C work checkout -q main

# 2. git config tablejohn.config, tj-gen from PATH.
mv origin.git/tablejohn.conf elsewhere.conf
sed -i "s|path = \.$|path = $T_DIR/origin.git|" elsewhere.conf
git -C origin.git config tablejohn.config "$T_DIR/elsewhere.conf"
git -C origin.git config --unset tablejohn.gen
mkcommit work a.txt 4 "fourth"
h4=$(git -C work rev-parse HEAD)
check "a push with tablejohn.config, tj-gen in PATH" \
    env PATH="$TJ_BIN:$PATH" git -C work push -q origin main
check "the page" test -f "out/commit/$h4/index.html"

# 3. TJ_CONFIG and TJ_GEN (a local push passes the environment on).
mkdir other
sed "s|$T_DIR/out|$T_DIR/other/out|; s|$T_DIR/tj.db|$T_DIR/other/tj.db|" \
    elsewhere.conf >other/tj.conf
mkcommit work a.txt 5 "fifth"
h5=$(git -C work rev-parse HEAD)
check "a push with TJ_CONFIG and TJ_GEN" env TJ_CONFIG="$T_DIR/other/tj.conf" \
    TJ_GEN="$TJ_GEN" git -C work push -q origin main
check "the page is in TJ_CONFIG's out" test -f "other/out/commit/$h5/index.html"
check "not in the other" test ! -e "out/commit/$h5"

# A broken setup: the push still succeeds and the pusher is told why.
git -C origin.git config tablejohn.config "$T_DIR/missing.conf"
mkcommit work a.txt 6 "sixth"
git -C work push origin main >push.log 2>&1
check_eq "no config: the push succeeds" "$?" 0
check_match "and says so" "$(cat push.log)" \
    'remote: tablejohn: no config file .*missing.conf'
git -C origin.git config tablejohn.config "$T_DIR/elsewhere.conf"
mkcommit work a.txt 7 "seventh"
env PATH=/usr/bin:/bin git -C work push origin main >push.log 2>&1
check_eq "no tj-gen: the push succeeds" "$?" 0
check_match "and says so" "$(cat push.log)" 'remote: tablejohn: tj-gen not found'
printf '[repo]\n\tbogus = 1\n' >bad.conf
git -C origin.git config tablejohn.config "$T_DIR/bad.conf"
git -C origin.git config tablejohn.gen "$TJ_GEN"
mkcommit work a.txt 8 "eighth"
h8=$(git -C work rev-parse HEAD)
git -C work push origin main >push.log 2>&1
check_eq "a bad config: the push succeeds" "$?" 0
check_match "tj-gen's error is shown" "$(cat push.log)" 'remote: .*repo\.bogus'
check_match "and the hook's" "$(cat push.log)" 'remote: tablejohn: tj-gen update .* failed'
# The next good push catches up with everything.
git -C origin.git config tablejohn.config "$T_DIR/elsewhere.conf"
mkcommit work a.txt 9 "ninth"
h9=$(git -C work rev-parse HEAD)
check "the next push" git -C work push -q origin main
check "catches up: the missed commit's page" test -f "out/commit/$h8/index.html"
check "and the new one" test -f "out/commit/$h9/index.html"

# Two pushes at once: both land, the lock serializes the updates.
git clone -q origin.git work2 2>/dev/null
git -C work2 checkout -q -b par
mkcommit work2 p.txt 1 "parallel"
hp=$(git -C work2 rev-parse HEAD)
mkcommit work a.txt 10 "tenth"
h10=$(git -C work rev-parse HEAD)
git -C work push -q origin main & p1=$!
git -C work2 push -q origin par & p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
check_eq "two pushes at once succeed" "$r1 $r2" "0 0"
check "both pages: main's" test -f "out/commit/$h10/index.html"
check "and par's" test -f "out/commit/$hp/index.html"
t_done
