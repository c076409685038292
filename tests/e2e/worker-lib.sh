# worker-lib.sh: helpers for the tj-worker tests (t04NN), sourced after
# lib.sh and api-lib.sh (whose api_conf, api_start, api_stop, api_repo and
# gen start the real tj-api).

# api_restart: start tj-api again on the port of $API (after api_stop).
api_restart() {
	bg "$TJ_API" --listen "${API#http://}" --config "$T_DIR/tj.conf" \
	    >>"$T_DIR/api.log" 2>&1
	API_PID=$T_LAST_PID
	wait_for 20 curl -s -o /dev/null "$API/"
}

# bench_repo DIR: a git repo in DIR whose executable `bench` is stdin.
bench_repo() {
	git init -q "$1"
	cat >"$1/bench"
	chmod +x "$1/bench"
	git -C "$1" add bench
	git -C "$1" commit -q -m "bench"
}

# worker_conf NAME [EXTRA CONFIG LINES]: $T_DIR/NAME.conf for a worker
# called NAME with dir $T_DIR/NAME.d, a 1 s ping, talking to $API.
worker_conf() {
	local name=$1
	shift
	cat >"$T_DIR/$name.conf" <<CONF
[worker]
	name = $name
	dir = $T_DIR/$name.d
	ping = 1s
[server "main"]
	url = $API
	token = $TOKEN
$*
CONF
}

# worker NAME ARGS...: run tj-worker with NAME's config, log in NAME.log.
worker() {
	local name=$1
	shift
	"$TJ_WORKER" --config "$T_DIR/$name.conf" "$@" >>"$T_DIR/$name.log" 2>&1
}

# bg_worker NAME ARGS...: tj-worker in the background (killed when the test
# ends); its pid is in T_LAST_PID.
bg_worker() {
	local name=$1
	shift
	bg "$TJ_WORKER" --config "$T_DIR/$name.conf" "$@" >>"$T_DIR/$name.log" 2>&1
}

# stop PID: SIGTERM, then wait up to 10 s for it to exit; fails if it
# does not.
stop() {
	kill -TERM "$1" 2>/dev/null
	wait_for 10 gone "$1"
}

# gone PID: the process is dead (or a zombie nobody reaped yet).
gone() {
	! kill -0 "$1" 2>/dev/null || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}

# run_of HASH COLUMNS: the run (one row) of a commit in tj.db.
run_of() {
	sql "$T_DIR/tj.db" "SELECT $2 FROM runs r JOIN commits c ON c.id = r.commit_id WHERE c.hash = '$1'"
}

# values_of HASH METRIC: the JSON array of a run's values of a metric.
values_of() {
	sql "$T_DIR/tj.db" "SELECT x.vals FROM measurements x JOIN metrics m ON m.id = x.metric_id JOIN runs r ON r.id = x.run_id JOIN commits c ON c.id = r.commit_id WHERE c.hash = '$1' AND m.name = '$2'"
}

# output_of HASH: a run's output lines as "source|text".
output_of() {
	sql "$T_DIR/tj.db" "SELECT o.source || '|' || o.text FROM run_output o JOIN runs r ON r.id = o.run_id JOIN commits c ON c.id = r.commit_id WHERE c.hash = '$1' ORDER BY o.line"
}

# n_runs: how many runs tj.db holds.
n_runs() { sql "$T_DIR/tj.db" "SELECT count(*) FROM runs"; }

# runs_are N: tj.db holds N runs (for wait_for).
runs_are() { test "$(n_runs)" = "$1"; }

# spooled NAME: how many runs wait in NAME's spool.
spooled() { find "$T_DIR/$1.d/spool" -maxdepth 1 -name '*.json' | wc -l; }
