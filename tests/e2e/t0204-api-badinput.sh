#!/bin/bash
# t0204: bad input: malformed, truncated, wrongly typed and oversized bodies
# get 400/413 with a JSON error naming the field, and nothing is stored.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/api-lib.sh"
cd "$T_DIR" || exit 1

api_repo 1
api_conf "	max-upload = 64k"
check "import with tj-gen" import_all
h=$(git -C repo rev-parse main)
api_start --config "$T_DIR/tj.conf"

# bad DESCRIPTION BODY FIELD: 400 naming FIELD ("" for none).
bad() {
	local code
	code=$(post w1 "$2")
	check_eq "$1: 400" "$code" 400
	check_eq "$1: field" "$(jr '.field // ""')" "$3"
	check_match "$1: message" "$(jr .error)" .
}
I='"secret":"s","status":{"type":"idle"}'
bad "empty body" "" ""
bad "truncated JSON" '{"secret":"s","status":{"ty' ""
bad "garbage after the value" "{$I} x" ""
bad "two values" "{$I}{}" ""
bad "not an object" '["secret"]' ""
bad "a bare string" '"hi"' ""
bad "NaN is not JSON" "{$I,\"x\":NaN}" ""
bad "missing secret" '{"status":{"type":"idle"}}' secret
bad "secret a number" '{"secret":1,"status":{"type":"idle"}}' secret
bad "empty secret" '{"secret":"","status":{"type":"idle"}}' secret
bad "huge secret" "{\"secret\":\"$(printf 's%.0s' $(seq 129))\",\"status\":{\"type\":\"idle\"}}" secret
bad "info a number" "{$I,\"info\":5}" info
bad "missing status" '{"secret":"s"}' status
bad "status a string" '{"secret":"s","status":"idle"}' status
bad "unknown status type" '{"secret":"s","status":{"type":"sleeping"}}' status.type
bad "request_run a string" "{$I,\"request_run\":\"yes\"}" request_run
bad "request_run a number" "{$I,\"request_run\":1}" request_run
W='"secret":"s","status":{"type":"working","bench_method":{"type":"internal"},"start":"2026-01-01T00:00:00Z"'
bad "working without id" "{$W,\"hash\":\"$h\"}}" status.id
bad "working with ../x id" "{$W,\"id\":\"../x\",\"hash\":\"$h\"}}" status.id
bad "working with a 65-char id" "{$W,\"id\":\"$(printf 'i%.0s' $(seq 65))\",\"hash\":\"$h\"}}" status.id
bad "working with 39 hex" "{$W,\"id\":\"r-1\",\"hash\":\"${h%?}\"}}" status.hash
bad "working with 41 hex" "{$W,\"id\":\"r-1\",\"hash\":\"${h}0\"}}" status.hash
bad "working with upper-case hex" "{$W,\"id\":\"r-1\",\"hash\":\"$(echo "$h" | tr a-f A-F)\"}}" status.hash
bad "working with a bad start" \
    "{\"secret\":\"s\",\"status\":{\"type\":\"working\",\"id\":\"r-1\",\"hash\":\"$h\",\"bench_method\":{\"type\":\"internal\"},\"start\":\"yesterday\"}}" \
    status.start
bad "working with Feb 30" \
    "{\"secret\":\"s\",\"status\":{\"type\":\"working\",\"id\":\"r-1\",\"hash\":\"$h\",\"bench_method\":{\"type\":\"internal\"},\"start\":\"2026-02-30T00:00:00Z\"}}" \
    status.start
bad "working with an unknown bench method" \
    "{\"secret\":\"s\",\"status\":{\"type\":\"working\",\"id\":\"r-1\",\"hash\":\"$h\",\"bench_method\":{\"type\":\"magic\"},\"start\":\"2026-01-01T00:00:00Z\"}}" \
    status.bench_method.type
bad "last_output not pairs" "{$W,\"id\":\"r-1\",\"hash\":\"$h\",\"last_output\":[\"x\"]}}" "status.last_output[0]"

# s FIELDS: a submission body with the given fields replacing the defaults.
s() {
	jq -c -n --arg h "$h" --argjson o "$1" \
	    '{secret:"s",status:{type:"idle"},submit_run:({id:"r-1",hash:$h,
	    bench_method:{type:"internal"},start:"2026-01-01T00:00:00Z",
	    exit_code:0,output:[],measurements:{}} + $o)}'
}
bad "submit_run a string" "{$I,\"submit_run\":\"x\"}" submit_run
bad "run id missing" "$(s '{"id":null}')" submit_run.id
bad "run id with a slash" "$(s '{"id":"a/b"}')" submit_run.id
bad "run id %2e%2e" "$(s '{"id":"%2e%2e"}')" submit_run.id
bad "run hash 39 hex" "$(s "{\"hash\":\"${h%?}\"}")" submit_run.hash
bad "run hash ../../x" "$(s '{"hash":"../../x"}')" submit_run.hash
bad "bench method missing" "$(s '{"bench_method":null}')" submit_run.bench_method
bad "bench method repo without hash" "$(s '{"bench_method":{"type":"repo"}}')" \
    submit_run.bench_method.hash
bad "bench method an unknown string" "$(s '{"bench_method":"magic"}')" \
    submit_run.bench_method
bad "bench method string with a short hash" \
    "$(s '{"bench_method":"bench repo, hash abc"}')" submit_run.bench_method
bad "bench method a number" "$(s '{"bench_method":5}')" submit_run.bench_method
bad "start missing" "$(s '{"start":null}')" submit_run.start
bad "start a number" "$(s '{"start":5}')" submit_run.start
bad "end not a time" "$(s '{"end":"soon"}')" submit_run.end
bad "exit code 1.5" "$(s '{"exit_code":1.5}')" submit_run.exit_code
bad "exit code a string" "$(s '{"exit_code":"0"}')" submit_run.exit_code
bad "error a number" "$(s '{"error":3}')" submit_run.error
bad "output not an array" "$(s '{"output":"x"}')" submit_run.output
bad "output source 3" "$(s '{"output":[[1,"a"],[3,"b"]]}')" "submit_run.output[1]"
bad "output text a number" "$(s '{"output":[[1,2]]}')" "submit_run.output[0]"
bad "measurements an array" "$(s '{"measurements":[]}')" submit_run.measurements
bad "measurement a number" "$(s '{"measurements":{"m":1}}')" submit_run.measurements.m
bad "values with a string" "$(s '{"measurements":{"m":{"values":[1,"2"]}}}')" \
    "submit_run.measurements.m.values[1]"
bad "value a string" "$(s '{"measurements":{"m":{"value":"1"}}}')" \
    submit_run.measurements.m.value
bad "no values, value or error" "$(s '{"measurements":{"m":{"unit":"s"}}}')" \
    submit_run.measurements.m.
bad "bad direction" "$(s '{"measurements":{"m":{"value":1,"direction":"up"}}}')" \
    submit_run.measurements.m.direction
bad "unit a number" "$(s '{"measurements":{"m":{"value":1,"unit":5}}}')" \
    submit_run.measurements.m.unit
bad "empty metric name" "$(s '{"measurements":{"":{"value":1}}}')" \
    submit_run.measurements
# A newline is a control character: the name itself is refused.
bad "a metric name with a newline" \
    "$(s '{"measurements":{"x\ntj-api: error: FAKE":{"value":"1"}}}')" \
    submit_run.measurements
check "no line can be forged into the log" sh -c "! grep -q '^tj-api: error: FAKE' api.log"
bad "the same metric twice" \
    "{$I,\"submit_run\":{\"id\":\"r-1\",\"hash\":\"$h\",\"bench_method\":{\"type\":\"internal\"},\"start\":\"2026-01-01T00:00:00Z\",\"measurements\":{\"m\":{\"value\":1},\"m\":{\"value\":2}}}}" \
    submit_run.measurements.m
# Non-finite numbers: 1e999 parses to infinity.
bad "an infinite value" \
    "{$I,\"submit_run\":{\"id\":\"r-1\",\"hash\":\"$h\",\"bench_method\":{\"type\":\"internal\"},\"start\":\"2026-01-01T00:00:00Z\",\"measurements\":{\"m\":{\"values\":[1,1e999]}}}}" \
    "submit_run.measurements.m.values[1]"
bad "a -infinite value" \
    "{$I,\"submit_run\":{\"id\":\"r-1\",\"hash\":\"$h\",\"bench_method\":{\"type\":\"internal\"},\"start\":\"2026-01-01T00:00:00Z\",\"measurements\":{\"m\":{\"value\":-1e999}}}}" \
    "submit_run.measurements.m.value"
# A bad measurement after good parts stores none of them.
bad "good parts then a bad one" \
    "$(s '{"output":[[1,"x"]],"measurements":{"a":{"value":1},"b":{"value":"x"}}}')" \
    submit_run.measurements.b.value

# Truncated: the connection ends before Content-Length bytes came.
good=$(s '{"measurements":{"m":{"value":1}}}')
python3 - "${API#http://}" "$TOKEN" "$good" <<'PY'
import base64, socket, sys
host, port = sys.argv[1].split(":")
auth = base64.b64encode(("w1:" + sys.argv[2]).encode()).decode()
body = sys.argv[3].encode()
s = socket.create_connection((host, int(port)), timeout=10)
s.sendall(b"POST /api/worker/status HTTP/1.1\r\nHost: x\r\n"
          b"Authorization: Basic " + auth.encode() + b"\r\n"
          b"Content-Length: %d\r\n\r\n" % len(body) + body[:len(body) // 2])
s.shutdown(socket.SHUT_WR)
s.settimeout(10)
try:
    s.recv(100)
except OSError:
    pass
s.close()
PY
check_eq "still alive after a truncated body" "$(post w2 "$(idle s2)")" 200

# Too large: 413 without buffering. Content-Length over the cap...
code=$(head -c 100000000 /dev/zero | curl -s -m 60 -o reply -w '%{http_code}' \
    -u "w1:$TOKEN" --data-binary @- "$API/api/worker/status")
check_eq "100 MB with Content-Length: 413" "$code" 413
check_match "413 says the limit" "$(jr .error)" "larger than 65536 bytes"
# ...and chunked, counted as it arrives.
code=$(head -c 100000000 /dev/zero | curl -s -m 60 -o reply -w '%{http_code}' \
    -u "w1:$TOKEN" -X POST -T - "$API/api/worker/status")
check_eq "100 MB chunked: 413" "$code" 413
# A body just over the cap made of a valid submission is refused whole.
big=$(s "{\"output\":[[1,\"$(head -c 70000 /dev/zero | tr '\0' x)\"]]}")
code=$(printf '%s' "$big" | curl -s -o reply -w '%{http_code}' \
    -u "w1:$TOKEN" -X POST -T - "$API/api/worker/status")
check_eq "a valid body over the cap: 413" "$code" 413
fits=$(s "{\"output\":[[1,\"$(head -c 60000 /dev/zero | tr '\0' x)\"]]}")
check_eq "a body under the cap is fine" "$(post w1 "$fits")" 200
check_eq "and stored" "$(sql tj.db "SELECT length(text) FROM run_output")" 60000
case "$TJ_BIN" in
*asan*) ;;
*)
	hwm=$(awk '/VmHWM/ {print $2}' "/proc/$API_PID/status")
	check "tj-api never held a large body (peak RSS ${hwm} kB)" \
	    test "$hwm" -lt 60000
	;;
esac

check_eq "no other run was stored" "$(sql tj.db 'SELECT group_concat(id) FROM runs')" r-1
check_eq "no worker but w1 and w2" \
    "$(sql tj.db 'SELECT group_concat(name) FROM (SELECT name FROM workers ORDER BY name)')" "w1,w2"
check_eq "no metric stored" "$(sql tj.db 'SELECT group_concat(name) FROM metrics')" ""
check_eq "still alive at the end" "$(post w2 "$(idle s2)")" 200
api_stop
check_eq "SIGTERM: clean exit" "$API_RC" 0
t_done
