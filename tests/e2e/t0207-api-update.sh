#!/bin/bash
# t0207: with [repo] configured tj-api imports new commits every [repo]
# update, and at once on SIGHUP.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/api-lib.sh"
cd "$T_DIR" || exit 1

api_repo 1
api_conf
sed -i 's/update = 1h/update = 1s/' tj.conf
api_start --config "$T_DIR/tj.conf"
check "the first update runs at start" wait_for 20 \
    sql_is tj.db 'SELECT count(*) FROM commits' 1
check_eq "the tip of the tracked branch is queued" \
    "$(sql tj.db 'SELECT count(*) FROM queue')" 1
mkcommit repo f2.txt two "commit 2"
check "a new commit is imported within the period" wait_for 20 \
    sql_is tj.db 'SELECT count(*) FROM commits' 2
check "and queued" wait_for 10 sql_is tj.db 'SELECT count(*) FROM queue' 2
check_eq "it can be handed out" "$(post w1 "$(idle s1 true)")" 200
check_eq "the newest first" "$(jr .run.hash)" "$(git -C repo rev-parse main)"
api_stop
check_eq "SIGTERM: clean exit" "$API_RC" 0

# A long period: only SIGHUP brings the next commit in.
sed -i 's/update = 1s/update = 1h/' tj.conf
n0=$(grep -c "update: " api.log)
api_start --config "$T_DIR/tj.conf" --verbose
# The update at start (nothing new: logged at debug) is done first.
check "the update at start ran" wait_for 20 \
    sh -c "[ \$(grep -c 'update: ' api.log) -gt $n0 ]"
mkcommit repo f3.txt three "commit 3"
sleep 1.5
check_eq "not imported before SIGHUP" "$(sql tj.db 'SELECT count(*) FROM commits')" 2
kill -HUP "$API_PID"
check "SIGHUP imports it" wait_for 20 \
    sql_is tj.db 'SELECT count(*) FROM commits' 3
check "the server lives on after SIGHUP" kill -0 "$API_PID"
check_eq "and answers" "$(post w1 "$(idle s1)")" 200
# A broken repo is logged, and the server goes on.
mv repo/.git repo/.git-away
kill -HUP "$API_PID"
check "a failed update is logged" wait_for 20 grep -q "error: update: " api.log
check_eq "the server still answers" "$(post w1 "$(idle s1)")" 200
mv repo/.git-away repo/.git
api_stop
check_eq "SIGTERM: clean exit" "$API_RC" 0
t_done
