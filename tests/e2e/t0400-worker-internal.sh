#!/bin/bash
# t0400: tj-worker's CLI, and the internal method end to end against the
# real tj-api: counts land in the db, output too, the spool and the run dir
# are cleaned up, --keep keeps the run dir.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/api-lib.sh"
. "$(dirname "$0")/worker-lib.sh"
cd "$T_DIR" || exit 1

# CLI.
check "--help" "$TJ_WORKER" --help
check_match "--help says --once" "$("$TJ_WORKER" --help)" "--once"
check_match "--version" "$("$TJ_WORKER" --version)" '^tj-worker [0-9]'
"$TJ_WORKER" --bogus >/dev/null 2>&1
check_eq "an unknown flag: exit 2" "$?" 2
"$TJ_WORKER" extra-arg >/dev/null 2>&1
check_eq "an argument: exit 2" "$?" 2
check_fails "no server" "$TJ_WORKER" --dir "$T_DIR/x"
check_match "no server: says how" "$("$TJ_WORKER" --dir "$T_DIR/x" 2>&1)" \
    "--server URL --token TOKEN"
check_fails "--server without a token" "$TJ_WORKER" --server http://127.0.0.1:1 --dir "$T_DIR/x"
check_fails "a bad url" "$TJ_WORKER" --server ftp://x --token t --dir "$T_DIR/x"
check_fails "a bad name" "$TJ_WORKER" --server http://127.0.0.1:1 --token t --name 'a b' --dir "$T_DIR/x"
printf '[worker]\n\tbogus = 1\n' >bad.conf
check_fails "an unknown config key" "$TJ_WORKER" --config bad.conf
check_match "it is named" "$("$TJ_WORKER" --config bad.conf 2>&1)" "worker.bogus"

# A repo with known counts.
git init -q repo
mkdir -p repo/src/sub repo/doc
printf 'int main(void) { return 0; } // TODO: more\nx\n' >repo/src/main.c
printf 'a\nb\nc\n' >repo/src/sub/util.h
printf 'todo list\n- TODO: docs\n' >repo/doc/notes.txt
printf 'no newline' >repo/README
git -C repo add . && git -C repo commit -q -m one
api_conf "	worker-timeout = 30s"
gen update
api_start --config "$T_DIR/tj.conf"
h=$(git -C repo rev-parse HEAD)

# Nothing queued for a second worker: --once exits 0 at once.
worker_conf w1
check "--once does the run" worker w1 --once
check_eq "one run" "$(n_runs)" 1
check_eq "it is w1's, exit 0, no error" "$(run_of "$h" "worker, exit_code, error IS NULL")" "w1|0|1"
check_eq "files" "$(values_of "$h" files)" "[4]"
check_eq "lines" "$(values_of "$h" lines)" "[8]"
check_eq "todos" "$(values_of "$h" todos)" "[3]"
check_eq "files.c" "$(values_of "$h" files.c)" "[1]"
check_eq "lines.h" "$(values_of "$h" lines.h)" "[3]"
check_eq "todos.txt" "$(values_of "$h" todos.txt)" "[2]"
check_eq "files/src (recursive)" "$(values_of "$h" files/src)" "[2]"
check_eq "lines/src/sub" "$(values_of "$h" lines/src/sub)" "[3]"
check_eq "todos is lower-is-better" \
    "$(sql tj.db "SELECT direction FROM metrics WHERE name = 'todos'")" -1
out=$(output_of "$h")
check_match "output: a line per file" "$out" '^1\|src/main.c has 2 lines, 1 todo$'
check_match "output: the unpack" "$out" '^0\|tree unpacked in'
check_eq "the spool is empty" "$(spooled w1)" 0
check_eq "the run dir is gone" "$(ls w1.d/runs | wc -l)" 0
check_eq "the commit left the queue" "$(sql tj.db 'SELECT count(*) FROM queue')" 0
check_match "the worker's info" "$(sql tj.db "SELECT info FROM workers WHERE name = 'w1'")" \
    '^w1: Linux .*tj-worker'
# A new process has a new secret: the name stays w1's for [api]
# worker-timeout, so this one is refused, and says so.
worker w1 --once
check_eq "--once refused (w1's secret is live): exit 1" "$?" 1
check_match "invalid secret" "$(tail -n 2 w1.log)" "HTTP 401: invalid secret"
check "--once with nothing to do exits 0" "$TJ_WORKER" --server "$API" \
    --token "$TOKEN" --name w0 --dir "$T_DIR/w0.d" --once
check_eq "still one run" "$(n_runs)" 1

# --keep keeps the run dir; --server/--token/--name/--dir without a file.
mkcommit repo f "TODO x" two
gen update
h2=$(git -C repo rev-parse HEAD)
check "--server --token --keep" "$TJ_WORKER" --server "$API/" --token "$TOKEN" \
    --name w2 --dir "$T_DIR/w2.d" --once --keep
check_eq "w2's run landed" "$(run_of "$h2" worker)" w2
check "the run dir is kept" test -f "w2.d/runs/$(run_of "$h2" r.id)/tree/f"
check_eq "files" "$(values_of "$h2" files)" "[5]"

# The token from the environment.
mkcommit repo g "g" three
gen update
check "TJ_TOKEN" env TJ_TOKEN="$TOKEN" "$TJ_WORKER" --server "$API" --name w3 \
    --dir "$T_DIR/w3.d" --once
check_eq "w3's run landed" "$(run_of "$(git -C repo rev-parse HEAD)" worker)" w3

# A wrong token: nothing lands, the worker says why.
mkcommit repo h "h" four
gen update
"$TJ_WORKER" --server "$API" --token wrong --name w4 --dir "$T_DIR/w4.d" --once >w4.log 2>&1
check_eq "--once: no server answered, exit 1" "$?" 1
check_match "401 is reported" "$(cat w4.log)" "HTTP 401"
check_eq "nothing landed" "$(n_runs)" 3

# The internal method times out too ([worker] timeout).
gen queue rm "$(git -C repo rev-parse HEAD)"
mkdir repo/many
for i in $(seq 1 500); do echo "$i" >"repo/many/$i.txt"; done
git -C repo add many && git -C repo commit -q -m many
gen update
worker_conf w5 "[worker]
	timeout = 1ms"
check "a run with a 1 ms timeout" worker w5 --once
check_eq "it timed out, without metrics" \
    "$(sql tj.db "SELECT error, (SELECT count(*) FROM measurements WHERE run_id = r.id) FROM runs r WHERE worker = 'w5'")" \
    "timed out after 0.001 s|0"

# Two workers cannot share a dir.
bg "$TJ_WORKER" --config "$T_DIR/w1.conf" 2>w1-bg.log
wpid=$T_LAST_PID
wait_for 20 grep -q "worker w1" w1-bg.log
check_fails "a second worker on the same dir" worker w1 --once
check_match "it says so" "$(tail -n 1 w1.log)" "another tj-worker uses this dir"
check "SIGTERM stops the worker" stop "$wpid"
api_stop
check_eq "tj-api exits 0" "$API_RC" 0
t_done
