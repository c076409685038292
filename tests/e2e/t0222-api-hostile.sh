#!/bin/bash
# t0222: hostile input: NUL bytes never cut a password, a path, a name or
# a string short; the Basic scheme is case-insensitive; HEAD sends no body;
# duplicate keys, "01" and "1." are refused; a run cannot end before it
# starts; invalid UTF-8 is refused in secret and unit and repaired (U+FFFD)
# in info, output and error (docs/protocol.md says why). Nothing bad stored.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/api-lib.sh"
cd "$T_DIR" || exit 1

api_repo 1
api_conf
check "import" import_all
h=$(git -C repo rev-parse main)
api_start --config "$T_DIR/tj.conf" --no-render
PORT=${API##*:}

# auth_code HEADER-VALUE: the HTTP code of a status request with that
# Authorization header.
auth_code() {
	curl -s -o "$T_DIR/reply" -w '%{http_code}' -H "Authorization: $1" \
	    --data-binary "$(idle s1)" "$API/api/worker/status"
}
b64() { printf "$1" | base64 -w0; }
check_eq "Basic: 200" "$(auth_code "Basic $(b64 "w1:$TOKEN")")" 200
check_eq "basic (lower case): 200" "$(auth_code "basic $(b64 "w1:$TOKEN")")" 200
check_eq "BASIC: 200" "$(auth_code "BASIC $(b64 "w1:$TOKEN")")" 200
check_eq "the token, a NUL and more: 401" \
    "$(auth_code "Basic $(b64 "w1:$TOKEN\\0anything")")" 401
check_eq "a NUL in the name: 401" \
    "$(auth_code "Basic $(b64 "w1\\0x:$TOKEN")")" 401
check_eq "the token with a byte more: 401" "$(auth_code "Basic $(b64 "w1:${TOKEN}x")")" 401
check_eq "a prefix of the token: 401" "$(auth_code "Basic $(b64 "w1:${TOKEN%?}")")" 401
check_eq "not base64: 401" "$(auth_code "Basic !!!!")" 401
check_eq "no colon: 401" "$(auth_code "Basic $(b64 "w1$TOKEN")")" 401
check_eq "another scheme: 401" "$(auth_code "Bearer $TOKEN")" 401

# Paths with %00.
tree="$API/api/worker/repo/$h/tree.tar.gz"
code=$(curl -s -o got.bin -w '%{http_code}' -u "w:$TOKEN" "$tree%00.txt")
check_eq "tree.tar.gz%00.txt: 404" "$code" 404
check "and not a tarball" sh -c "! gzip -t got.bin 2>/dev/null"
code=$(curl -s -o /dev/null -w '%{http_code}' -u "w:$TOKEN" "$API/api/worker/status%00")
check_eq "status%00: not the status route" "$code" 404
check_eq "the tarball itself still: 200" \
    "$(curl -s -o got.tgz -w '%{http_code}' -u "w:$TOKEN" "$tree")" 200
check "a tarball" gzip -t got.tgz

# HEAD: the headers, no body (read off the socket: curl would not look).
python3 - "$PORT" "$h" "$(b64 "w:$TOKEN")" >head.out <<'PY'
import socket, sys
port, h, auth = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = socket.create_connection(("127.0.0.1", port), timeout=10)
s.sendall(("HEAD /api/worker/repo/%s/tree.tar.gz HTTP/1.1\r\nHost: x\r\n"
           "Authorization: Basic %s\r\nConnection: close\r\n\r\n" % (h, auth)).encode())
data = b""
while True:
    d = s.recv(65536)
    if not d:
        break
    data += d
head, _, body = data.partition(b"\r\n\r\n")
print(head.split(b"\r\n")[0].decode(), len(body))
PY
check_eq "HEAD: 200 and no body byte" "$(cat head.out)" "HTTP/1.1 200 OK 0"

# bad DESCRIPTION BODY [FIELD]: 400 (naming FIELD when given).
bad() {
	check_eq "$1: 400" "$(post w1 "$2")" 400
	if [ $# -gt 2 ]; then check_eq "$1: field" "$(jr '.field // ""')" "$3"; fi
	check_match "$1: says why" "$(jr .error)" .
}
# sub FIELDS MEASUREMENTS: a submission (raw JSON pieces, not re-encoded).
sub() {
	printf '{"secret":"s1","status":{"type":"idle"},"submit_run":{"id":"r-1","hash":"%s","bench_method":{"type":"internal"},"start":"2026-01-01T00:00:00Z","end":"2026-01-01T00:00:01Z"%s,"measurements":{%s}}}' \
	    "$h" "$1" "$2"
}
bad 'metric "m\u0000m"' "$(sub '' '"m\u0000m":{"value":1}')"
bad 'error "e\u0000e"' "$(sub ',"error":"e\u0000e"' '')"
bad 'a measurement error "e\u0000e"' "$(sub '' '"m":{"error":"e\u0000e"}')"
bad 'unit "s\u0000"' "$(sub '' '"m":{"value":1,"unit":"s\u0000"}')"
bad 'run id "r-1\u0000x"' "$(sub '' '' | sed 's/"r-1"/"r-1\\u0000x"/')"
bad 'secret "s1\u0000x"' '{"secret":"s1\u0000x","status":{"type":"idle"}}'
bad 'an output line with \u0000' "$(sub ',"output":[[1,"a\u0000b"]]' '')"
printf '{"secret":"s1","status":{"type":"idle"},"info":"a\000b"}' >nul.json
check_eq "a raw NUL byte: 400" "$(curl -s -o reply -w '%{http_code}' -u "w1:$TOKEN" \
    --data-binary @nul.json "$API/api/worker/status")" 400
check_match "a raw NUL byte: says so" "$(jr .error)" NUL
bad "a raw control character in a string" "$(printf '{"secret":"s\001","status":{"type":"idle"}}')"
bad "the same top-level key twice" '{"secret":"s1","secret":"s2","status":{"type":"idle"}}' secret
bad "the same key twice in status" '{"secret":"s1","status":{"type":"idle","type":"busy"}}' status.type
bad "the same metric twice" "$(sub '' '"m":{"value":1},"m":{"value":2}')" submit_run.measurements.m
bad "the same key twice in a measurement" "$(sub '' '"m":{"value":1,"value":2}')" submit_run.measurements.m.value
bad "a value 01" "$(sub '' '"m":{"value":01}')"
bad "a value 1." "$(sub '' '"m":{"value":1.}')"
bad "a value .5" "$(sub '' '"m":{"value":.5}')"
bad "a value 1e" "$(sub '' '"m":{"value":1e}')"
bad "a value -" "$(sub '' '"m":{"value":-}')"
bad "exit code 00" "$(sub ',"exit_code":00' '')"
bad "an end before the start" \
    "$(sub '' '' | sed 's/"end":"2026-01-01T00:00:01Z"/"end":"2025-12-31T23:59:59Z"/')" submit_run.end
bad "a unit that is not UTF-8" "$(sub '' "\"m\":{\"value\":1,\"unit\":\"$(printf '\377')s\"}")" \
    submit_run.measurements.m.unit
bad "a secret that is not UTF-8" "{\"secret\":\"$(printf 's\377')\",\"status\":{\"type\":\"idle\"}}" secret
check_eq "nothing stored" "$(sql tj.db 'SELECT (SELECT count(*) FROM runs) || (SELECT count(*) FROM metrics) || (SELECT count(*) FROM measurements)')" 000
check_eq "no worker named by a bad request" "$(sql tj.db "SELECT count(*) FROM workers WHERE secret <> 's1'")" 0

# What is accepted: JSON numbers in every legal shape, an escaped
# backslash before u0000 (not a NUL), and invalid UTF-8 repaired in
# info, output and error.
ff=$(printf '\377')
good=$(printf '{"secret":"s1","info":"i%s","status":{"type":"idle"},"submit_run":{"id":"r-1","hash":"%s","bench_method":{"type":"internal"},"start":"2026-01-01T00:00:00Z","end":"2026-01-01T00:00:00Z","exit_code":-0,"error":"e%s","output":[[1,"o%s"],[2,"\\\\u0000"]],"measurements":{"a":{"values":[0,-0.5,1.5e3,2E-2,10,1e+2]},"b\\\\u0000":{"value":1}}}}' \
    "$ff" "$h" "$ff" "$ff")
check_eq "a good submission: 200" "$(post w1 "$good")" 200
check_eq "every number" "$(sql tj.db "SELECT vals FROM measurements x JOIN metrics m ON m.id = x.metric_id WHERE m.name = 'a'")" \
    "[0,-0.5,1500,0.02,10,100]"
check_eq 'the metric "b\\u0000" is named so' "$(sql tj.db "SELECT count(*) FROM metrics WHERE name = 'b\\u0000'")" 1
check_eq "error repaired" "$(sql tj.db "SELECT error FROM runs")" "e�"
check_eq "output repaired" "$(sql tj.db "SELECT text FROM run_output ORDER BY line")" "o�
\\u0000"
check_eq "info repaired" "$(sql tj.db "SELECT info FROM workers WHERE name = 'w1'")" "i�"
check_eq "an end equal to the start is fine" "$(sql tj.db "SELECT end_time = start_time FROM runs")" 1
api_stop
check_eq "clean exit" "$API_RC" 0
t_done
