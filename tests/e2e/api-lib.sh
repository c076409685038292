# api-lib.sh: helpers for the tj-api tests (t02NN), sourced after lib.sh.
# api_start runs tj-api on a free port of 127.0.0.1 with the config in
# $T_DIR/tj.conf; post sends a status request and leaves the reply in
# $T_DIR/reply; jr reads the reply with jq.

TOKEN=test-token-123
API=
API_PID=

# api_conf [EXTRA CONFIG LINES]: write $T_DIR/tj.conf for $T_DIR/repo and
# $T_DIR/tj.db (a fixed token, short timeouts are added by the tests).
api_conf() {
	cat >"$T_DIR/tj.conf" <<CONF
[repo]
	path = $T_DIR/repo
	update = 1h
[db]
	path = $T_DIR/tj.db
[site]
	out = $T_DIR/out
[api]
	token = $TOKEN
$*
CONF
}

# api_start [ARGS...]: start tj-api (--config $T_DIR/tj.conf unless ARGS
# say otherwise) and wait until it answers; its log is $T_DIR/api.log.
api_start() {
	local port
	port=$(free_port)
	API="http://127.0.0.1:$port"
	bg "$TJ_API" --listen "127.0.0.1:$port" "$@" >>"$T_DIR/api.log" 2>&1
	API_PID=$T_LAST_PID
	if ! wait_for 20 curl -s -o /dev/null "$API/"; then
		not_ok "tj-api did not start" "$(tail -n 20 "$T_DIR/api.log")"
		t_done
	fi
}

# api_stop: SIGTERM and wait (15 s at most); the exit status is in API_RC
# (KILLED if it had to be killed).
api_stop() {
	local i=0
	kill -TERM "$API_PID" 2>/dev/null
	while kill -0 "$API_PID" 2>/dev/null && [ $i -lt 150 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$API_PID" 2>/dev/null; then
		kill -9 "$API_PID"
		wait "$API_PID" 2>/dev/null
		API_RC=KILLED
	else
		wait "$API_PID" 2>/dev/null
		API_RC=$?
	fi
}

# post NAME BODY [TOKEN]: POST /api/worker/status; prints the HTTP code,
# the reply body is in $T_DIR/reply.
post() {
	curl -s -m 20 -o "$T_DIR/reply" -w '%{http_code}' \
	    -u "$1:${3:-$TOKEN}" -H 'Content-Type: application/json' \
	    --data-binary "$2" "$API/api/worker/status"
}

# api_nocap: as root, which ignores file modes, make TJ_API run without
# the capabilities that let it (the test keeps them, to restore modes);
# returns 1 (the caller skips) when that cannot be done.
api_nocap() {
	[ "$(id -u)" = 0 ] || return 0
	command -v setpriv >/dev/null || return 1
	printf '#!/bin/sh\nexec setpriv --bounding-set -dac_override,-dac_read_search,-fowner "%s" "$@"\n' \
	    "$TJ_API" >"$T_DIR/api-nocap"
	chmod +x "$T_DIR/api-nocap"
	TJ_API=$T_DIR/api-nocap
}

# jr FILTER: jq on the last reply (raw output).
jr() { jq -r "$1" "$T_DIR/reply"; }

# idle SECRET [REQUEST_RUN]: a status body.
idle() {
	printf '{"info":"test","secret":"%s","status":{"type":"idle"},"request_run":%s}' \
	    "$1" "${2:-false}"
}

# working SECRET ID HASH START: a working status body.
working() {
	printf '{"secret":"%s","status":{"type":"working","id":"%s","hash":"%s","bench_method":{"type":"internal"},"start":"%s","last_output":[[1,"line"]]}}' \
	    "$1" "$2" "$3" "$4"
}

# api_repo: a repo in $T_DIR/repo with N commits on main (N default 3).
api_repo() {
	local i
	git init -q "$T_DIR/repo"
	for i in $(seq 1 "${1:-3}"); do
		mkcommit "$T_DIR/repo" "f$i.txt" "content $i" "commit $i"
	done
}

# gen VERB ARGS...: tj-gen with the test's config, without rendering.
gen() {
	local verb=$1
	shift
	"$TJ_GEN" "$verb" --config "$T_DIR/tj.conf" --no-render --quiet "$@"
}

# import_all: tj-gen update, then queue every commit of main (priority 0).
import_all() {
	local h
	gen update || return 1
	for h in $(git -C "$T_DIR/repo" rev-list main); do
		gen queue add "$h" 2>/dev/null
	done
	return 0
}

# sql_is DB QUERY EXPECTED: the query's result is EXPECTED (for wait_for,
# which must re-run the query each time). Waits for a locked db.
sql_is() {
	[ "$(sqlite3 -batch -cmd '.timeout 5000' "$1" "$2")" = "$3" ]
}
