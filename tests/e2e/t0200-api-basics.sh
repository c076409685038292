#!/bin/bash
# t0200: tj-api's command line, exit codes, token handling, 404/405 with
# JSON bodies, clean shutdown on SIGTERM.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/api-lib.sh"
cd "$T_DIR" || exit 1

out=$("$TJ_API" --help)
check_eq "--help exits 0" "$?" 0
check_match "--help shows usage" "$out" "usage: tj-api"
out=$("$TJ_API" --version)
check_match "--version" "$out" "^tj-api [0-9]+\.[0-9]+"
"$TJ_API" --bogus >/dev/null 2>&1
check_eq "an unknown option exits 2" "$?" 2
"$TJ_API" extra >/dev/null 2>&1
check_eq "an extra argument exits 2" "$?" 2
printf '[nosuch]\n\tkey = 1\n' >bad.conf
"$TJ_API" --config bad.conf >/dev/null 2>&1
check_eq "a bad config exits 2" "$?" 2
"$TJ_API" --db "$T_DIR/x.db" --repo "$T_DIR/nope" >/dev/null 2>&1
check_eq "a --repo that is no repo exits 1" "$?" 1
"$TJ_API" --db "$T_DIR/x.db" --listen 127.0.0.1 --token-file /dev/null \
    >/dev/null 2>&1
check_eq "an empty token file exits 1" "$?" 1
TJ_TOKEN=t "$TJ_API" --db "$T_DIR/x.db" --listen 127.0.0.1 >/dev/null 2>&1
check_eq "a listen address without port exits 1" "$?" 1
TJ_TOKEN=t "$TJ_API" --db "$T_DIR/no/such/dir/x.db" >nodb.log 2>&1
check_eq "a db that cannot be opened exits 1" "$?" 1
check_match "and says why" "$(cat nodb.log)" "no/such/dir/x.db"
# The holder binds a port of its own choosing (no race with other tests
# picking free ports) and says which once it listens.
python3 -c 'import socket,sys,time
s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen()
open(sys.argv[1] + ".tmp", "w").write("%d" % s.getsockname()[1])
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(30)' "$T_DIR/held.port" &
holder=$!
wait_for 20 test -s "$T_DIR/held.port"
port=$(cat "$T_DIR/held.port")
TJ_TOKEN=t timeout 20 "$TJ_API" --db "$T_DIR/x.db" \
    --listen "127.0.0.1:$port" >busy.log 2>&1
check_eq "a port in use exits 1" "$?" 1
check_match "a port in use is explained" "$(cat busy.log)" "cannot listen"
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null

# A generated token is kept in the db, and its place is printed.
mkdir db1
api_start --db "$T_DIR/db1/tj.db"
tok=$(sql db1/tj.db "SELECT value FROM meta WHERE key = 'token'")
check_match "a token was generated" "$tok" '^[a-z0-9]{32}$'
check_match "its place is printed, with the command that prints it" \
    "$(cat api.log)" "worker token is kept in .*db1/tj.db; print it with: tj-gen token --db .*db1/tj.db"
check_eq "that command prints it" "$("$TJ_GEN" token --db "$T_DIR/db1/tj.db")" "$tok"
check_eq "the generated token works" "$(post w "$(idle s)" "$tok")" 200
api_stop
check_eq "stop: exit 0" "$API_RC" 0
api_start --db "$T_DIR/db1/tj.db"
check_eq "a restart keeps the token" \
    "$(sql db1/tj.db "SELECT value FROM meta WHERE key = 'token'")" "$tok"
check_eq "the kept token still works" "$(post w "$(idle s)" "$tok")" 200
api_stop
check_eq "stop again: exit 0" "$API_RC" 0
# tj-gen token before tj-api ever ran: tj-api then uses that token.
mkdir db2
tok2=$("$TJ_GEN" token --db "$T_DIR/db2/tj.db" 2>/dev/null)
check_match "tj-gen token on a new db makes one" "$tok2" '^[a-z0-9]{32}$'
api_start --db "$T_DIR/db2/tj.db"
check_eq "tj-api takes it" "$(post w "$(idle s)" "$tok2")" 200
api_stop
check_eq "stop: exit 0" "$API_RC" 0
if grep -q "$tok" api.log; then
	not_ok "the token never appears in the log"
else
	ok "the token never appears in the log"
fi

# TJ_TOKEN, --token-file and [api] token.
TJ_TOKEN=envtok api_start --db "$T_DIR/db1/tj.db"
check_eq "TJ_TOKEN is used" "$(post w "$(idle s)" envtok)" 200
check_eq "TJ_TOKEN replaces the db's" "$(post w "$(idle s)" "$tok")" 401
api_stop
printf 'filetok\n' >tokfile
TJ_TOKEN=envtok api_start --db "$T_DIR/db1/tj.db" --token-file tokfile
check_eq "--token-file is used (newline cut)" "$(post w "$(idle s)" filetok)" 200
check_eq "--token-file wins over TJ_TOKEN" "$(post w "$(idle s)" envtok)" 401
api_stop
api_conf
api_start --config "$T_DIR/tj.conf"
check_eq "[api] token is used" "$(post w "$(idle s)")" 200

# IPv6 loopback, when this machine has it.
if python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1",0))' 2>/dev/null; then
	p6=$(free_port)
	bg "$TJ_API" --config "$T_DIR/tj.conf" --listen "[::1]:$p6" >>api6.log 2>&1
	pid6=$T_LAST_PID
	check "listens on [::1]" wait_for 20 curl -s -o /dev/null "http://[::1]:$p6/"
	code=$(curl -s -o reply -w '%{http_code}' -u "w6:$TOKEN" \
	    --data-binary "$(idle s6)" "http://[::1]:$p6/api/worker/status")
	check_eq "a status over IPv6" "$code" 200
	kill -TERM "$pid6"
	wait "$pid6"
	check_eq "IPv6 server: clean exit" "$?" 0
fi

# Anything but the API is a 404 with a JSON body.
code=$(curl -s -o reply -w '%{http_code}' "$API/")
check_eq "/ is 404" "$code" 404
check_eq "404 body is JSON" "$(jr .error)" "not found"
code=$(curl -s -o reply -w '%{http_code}' -u "w:$TOKEN" "$API/api/worker/nope")
check_eq "an unknown API path is 404" "$code" 404
code=$(curl -s -o reply -w '%{http_code}' -u "w:$TOKEN" "$API/api/worker/status/x")
check_eq "a longer path is 404" "$code" 404
code=$(curl -s -D hdr -o reply -w '%{http_code}' -u "w:$TOKEN" "$API/api/worker/status")
check_eq "GET status is 405" "$code" 405
check_match "405 says Allow: POST" "$(cat hdr)" "Allow: POST"
check_eq "405 body is JSON" "$(jr .error)" "method not allowed"
code=$(curl -s -o reply -w '%{http_code}' -X DELETE -u "w:$TOKEN" \
    "$API/api/worker/repo/0000000000000000000000000000000000000000/tree.tar.gz")
check_eq "DELETE on a tree is 405" "$code" 405
check_match "content type is JSON" \
    "$(curl -s -D - -o /dev/null "$API/x")" "Content-Type: application/json"

# An idle keep-alive connection does not hold shutdown up.
python3 - "${API#http://}" <<'PY' &
import socket, sys, time
host, port = sys.argv[1].split(":")
s = socket.create_connection((host, int(port)), timeout=20)
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
s.recv(1000)
time.sleep(15)
PY
kpid=$!
t_pids="$t_pids $kpid"
sleep 0.5
t0=$(date +%s%N)
api_stop
check_eq "SIGTERM with an idle keep-alive connection: exit 0" "$API_RC" 0
ms=$((($(date +%s%N) - t0) / 1000000))
check "and it took ${ms} ms, not the 10 s drain" test "$ms" -lt 5000
kill "$kpid" 2>/dev/null
api_start --config "$T_DIR/tj.conf"

# SIGTERM waits for a request in flight: a slow upload still gets its reply.
( sleep 1; printf '%s' "$(idle slow)" ) |
    curl -s -m 20 -o slow.reply -w '%{http_code}' -u "slow:$TOKEN" \
    -H 'Content-Type: application/json' -X POST -T - \
    "$API/api/worker/status" >slow.code &
cpid=$!
sleep 0.5
api_stop
wait $cpid
check_eq "SIGTERM: exit 0" "$API_RC" 0
check_eq "the request in flight was answered" "$(cat slow.code)" 200
check_eq "and stored" "$(sql tj.db "SELECT status FROM workers WHERE name = 'slow'")" idle
check_match "shutdown is logged" "$(cat api.log)" "shutting down"
check "the db is consistent" test "$(sql tj.db 'PRAGMA integrity_check')" = ok
t_done
