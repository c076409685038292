#!/bin/bash
# t0805: tj-gen serve, the local preview: every file of a rendered site with
# its MIME type, index.html for a directory, a redirect to add the slash,
# no path traversal (dot-dot, encoded, symlinks out of out/), GET and HEAD
# only, 127.0.0.1 by default, a clean stop on SIGINT and SIGTERM.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/api-lib.sh"
. "$(dirname "$0")/t08/deploy.sh"
cd "$T_DIR" || exit 1

site_with_runs 2
check "a worker run" worker_once "$API" w1
check "rendered" wait_for 20 sql_is tj.db "SELECT count(*) FROM dirty" 0
api_stop

# serve_start ARGS...: tj-gen serve in the background; $URL from its output.
serve_start() {
	: >serve.out
	bg "$TJ_GEN" serve --config tj.conf "$@" >serve.out 2>serve.err
	SERVE_PID=$T_LAST_PID
	wait_for 20 grep -q '^serving ' serve.out || return 1
	URL=$(sed -n 's|^serving .* at \(http://[^ ]*/\) .*|\1|p' serve.out)
	[ -n "$URL" ]
}
code() { curl -s -m 10 -o /dev/null -w '%{http_code}' "$@"; }

check "serve --listen 127.0.0.1:0" serve_start --listen 127.0.0.1:0
check_match "it prints its URL" "$URL" '^http://127\.0\.0\.1:[1-9][0-9]*/$'
check_match "and the directory it serves" "$(cat serve.out)" "serving $T_DIR/out at"
check "every file and directory" python3 "$TJ_TOP/tests/e2e/t08/crawl.py" \
    "$URL" "$T_DIR/out" dots
check_match "crawl counts" "$(cat .out)" '^[1-9][0-9]+ files, [1-9][0-9]* dirs checked, 0 bad'
ctype() { curl -s -m 10 -o /dev/null -w '%{content_type}' "$URL$1"; }
check_eq "HTML" "$(ctype index.html)" "text/html; charset=utf-8"
check_eq "JSON" "$(ctype index.json)" "application/json"
check_eq "CSS" "$(ctype static/style.css)" "text/css; charset=utf-8"
check_eq "JS" "$(ctype static/site.js)" "text/javascript; charset=utf-8"
check_eq "a directory is HTML" "$(ctype graph/)" "text/html; charset=utf-8"
printf 'x' >out/odd.bin
check_eq "anything else is octet-stream" "$(ctype odd.bin)" \
    application/octet-stream
check_eq "HEAD" "$(code -I "${URL}index.html")" 200
check_eq "POST: 405" "$(code -d x "${URL}index.html")" 405
check_eq "a missing file: 404" "$(code "${URL}nope.html")" 404
check_eq "a directory without index.html: 404" "$(code "${URL}static/")" 404
check_eq "a directory without its slash: 301" "$(code "${URL}graph")" 301
check_match "to the slash" "$(curl -s -m 10 -D - -o /dev/null "${URL}graph")" \
    $'Location: /graph/\r'

# Traversal.
echo secret >secret.txt
check_eq "../: refused" "$(code --path-as-is "${URL}../secret.txt")" 400
check_eq "a/../../: refused" "$(code --path-as-is "${URL}graph/../../secret.txt")" 400
check_match "%2e%2e: refused" "$(code --path-as-is "${URL}%2e%2e/secret.txt")" '^(400|404)$'
check_match "%2e%2e%2f: refused" "$(code --path-as-is "${URL}%2e%2e%2fsecret.txt")" '^(400|404)$'
check_match "a backslash: refused" "$(code --path-as-is "${URL}..%5csecret.txt")" '^(400|404)$'
check_eq "no byte of it leaks" \
    "$(curl -s -m 10 --path-as-is "${URL}../secret.txt" "${URL}%2e%2e/secret.txt" | grep -c secret)" 0
ln -s "$T_DIR/secret.txt" out/link.txt
ln -s "$T_DIR" out/linkdir
check_eq "a symlink out of out/: 404" "$(code "${URL}link.txt")" 404
check_eq "a symlinked dir out of out/: 404" "$(code "${URL}linkdir/secret.txt")" 404
ln -s index.html out/inside.html
check_eq "a symlink inside out/ is fine" "$(code "${URL}inside.html")" 200
rm out/link.txt out/linkdir out/inside.html out/odd.bin

kill -INT "$SERVE_PID"
check "SIGINT stops it" wait_for 10 pid_gone "$SERVE_PID"
wait "$SERVE_PID"
check_eq "with exit 0" "$?" 0
check "again" serve_start --listen 127.0.0.1:0
kill -TERM "$SERVE_PID"
check "SIGTERM stops it" wait_for 10 pid_gone "$SERVE_PID"
wait "$SERVE_PID"
check_eq "with exit 0" "$?" 0

# 127.0.0.1 by default (when 8000 is free to try it).
if python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 8000))' 2>/dev/null; then
	check "serve with no --listen" serve_start
	check_eq "listens on 127.0.0.1:8000" "$URL" "http://127.0.0.1:8000/"
	check_match "bound to loopback only" "$(ss -Hltn 'sport = :8000')" \
	    '127\.0\.0\.1:8000'
	kill -TERM "$SERVE_PID"
	wait_for 10 pid_gone "$SERVE_PID"
	wait "$SERVE_PID"
else
	echo "# port 8000 is busy: the default address is not tried"
fi
check_match "the help says 127.0.0.1:8000" "$("$TJ_GEN" serve --help)" \
    'default 127\.0\.0\.1:8000'

# Errors.
"$TJ_GEN" serve --listen nonsense >/dev/null 2>&1
check_eq "a bad --listen: exit 2" "$?" 2
"$TJ_GEN" serve --listen 127.0.0.1:0 --out "$T_DIR/none" >/dev/null 2>err
check_eq "no out dir: exit 1" "$?" 1
check_match "it says to render first" "$(cat err)" 'tj-gen render'
t_done
