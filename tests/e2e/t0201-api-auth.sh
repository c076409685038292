#!/bin/bash
# t0201: every way auth fails (401 + WWW-Authenticate, nothing stored), the
# per-worker secret, and a silent worker's name being taken over.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/api-lib.sh"
cd "$T_DIR" || exit 1

api_repo 1
api_conf "	worker-timeout = 1s"
api_start --config "$T_DIR/tj.conf"
S="$API/api/worker/status"
body=$(idle s1)

# fail DESCRIPTION CURL-ARGS...: must be 401 with WWW-Authenticate and a
# JSON error.
fail() {
	local d=$1 code
	shift
	code=$(curl -s -m 10 -D hdr -o reply -w '%{http_code}' "$@")
	check_eq "$d: 401" "$code" 401
	check_match "$d: WWW-Authenticate" "$(cat hdr)" \
	    'WWW-Authenticate: Basic realm="tablejohn"'
	check_match "$d: JSON error" "$(jr .error)" .
}
fail "no auth" --data-binary "$body" "$S"
fail "wrong token" -u "w1:wrong" --data-binary "$body" "$S"
fail "empty token" -u "w1:" --data-binary "$body" "$S"
fail "token prefix" -u "w1:${TOKEN%?}" --data-binary "$body" "$S"
fail "token plus a byte" -u "w1:${TOKEN}x" --data-binary "$body" "$S"
fail "empty name" -u ":$TOKEN" --data-binary "$body" "$S"
fail "name with a slash" -u "a/b:$TOKEN" --data-binary "$body" "$S"
fail "name with a space" -u "a b:$TOKEN" --data-binary "$body" "$S"
fail "65-char name" -u "$(printf 'n%.0s' $(seq 65)):$TOKEN" \
    --data-binary "$body" "$S"
fail "bearer scheme" -H "Authorization: Bearer $TOKEN" --data-binary "$body" "$S"
fail "bad base64" -H "Authorization: Basic %%%notbase64" --data-binary "$body" "$S"
fail "base64 without colon" \
    -H "Authorization: Basic $(printf 'w1%s' "$TOKEN" | base64)" \
    --data-binary "$body" "$S"
h=$(git -C repo rev-parse HEAD)
fail "tree without auth" "$API/api/worker/repo/$h/tree.tar.gz"
fail "tree with a wrong token" -u "w1:nope" "$API/api/worker/repo/$h/tree.tar.gz"
check_eq "the wrong token is named" "$(jr .error)" "invalid token"
check_eq "nothing was stored" "$(sql tj.db 'SELECT count(*) FROM workers')" 0
check_eq "a 64-char name is fine" \
    "$(post "$(printf 'n%.0s' $(seq 64))" "$body")" 200
check_eq "name with . _ - is fine" "$(post a.b_c-D9 "$body")" 200

# The secret: the first binds the name while the worker is live.
check_eq "w1 with secret s1" "$(post w1 "$(idle s1)")" 200
code=$(curl -s -D hdr -o reply -w '%{http_code}' -u "w1:$TOKEN" \
    --data-binary "$(idle s2)" "$S")
check_eq "w1 with another secret: 401" "$code" 401
check_eq "invalid secret is said" "$(jr .error)" "invalid secret"
check_match "with WWW-Authenticate" "$(cat hdr)" "WWW-Authenticate"
check_eq "the secret is unchanged" \
    "$(sql tj.db "SELECT secret FROM workers WHERE name = 'w1'")" s1
check_eq "w1 with s1 still works" "$(post w1 "$(idle s1)")" 200
# A secret clash also stores no submission.
sub='{"id":"r-clash","hash":"'$h'","bench_method":{"type":"internal"},"start":"2026-01-01T00:00:00Z","exit_code":0,"measurements":{"m":{"value":1}}}'
code=$(post w1 '{"secret":"s2","status":{"type":"idle"},"submit_run":'"$sub"'}')
check_eq "a clash with a submission: 401" "$code" 401
check_eq "and the run is not stored" "$(sql tj.db 'SELECT count(*) FROM runs')" 0
# Silent for longer than the timeout (1 s): a new secret takes the name.
sleep 1.6
check_eq "after the timeout a new secret takes over" "$(post w1 "$(idle s2)")" 200
check_eq "the new secret is kept" \
    "$(sql tj.db "SELECT secret FROM workers WHERE name = 'w1'")" s2
check_eq "and the old one is refused now" "$(post w1 "$(idle s1)")" 401
# Pings that change nothing are not written within [api] worker-timeout/10
# of the last write; any change is written at once.
check_eq "a ping" "$(post q1 "$(idle qs)")" 200
seen=$(sql tj.db "SELECT last_seen FROM workers WHERE name = 'q1'")
b='{"info":"changed","secret":"qs","status":{"type":"busy"}}'
check_eq "an immediate change" "$(post q1 "$b")" 200
check_eq "is written at once" \
    "$(sql tj.db "SELECT info, status FROM workers WHERE name = 'q1'")" "changed|busy"
sleep 0.3
check_eq "a later ping" "$(post q1 "$b")" 200
check "moves last_seen on" test "$(sql tj.db "SELECT last_seen > $seen FROM workers WHERE name = 'q1'")" = 1
if grep -q "$TOKEN" api.log; then
	not_ok "the token never appears in the log"
else
	ok "the token never appears in the log"
fi
api_stop
check_eq "SIGTERM: clean exit" "$API_RC" 0
t_done
