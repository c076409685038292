#!/bin/bash
# t0630-serve: tj-gen serve: MIME types, directory index, redirects, no path
# traversal, 127.0.0.1 by default, the URL printed, stops on SIGTERM.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/t06/site.sh"

R=$T_DIR/repo D=$T_DIR/t.db O=$T_DIR/out
site_repo "$R"
check "import and populate" site_db "$R" "$D" 3
check "render" "$TJ_GEN" render --db "$D" --out "$O"
ln -s /etc "$O/etc-link"
echo secret >"$T_DIR/outside.txt"

P=$(free_port)
bg "$TJ_GEN" serve --out "$O" --listen "127.0.0.1:$P" >"$T_DIR/serve.log" 2>&1
SP=$T_LAST_PID
check "the server answers" wait_for 10 curl -sf "http://127.0.0.1:$P/"
check_match "it prints its URL" "$(cat "$T_DIR/serve.log")" \
    "http://127.0.0.1:$P/"
U="http://127.0.0.1:$P"

# hdr PATH [curl args]: "status content-type" of a GET.
hdr() {
	local p=$1
	shift
	curl -s -o /dev/null --path-as-is -w '%{http_code} %{content_type}' \
	    "$@" "$U$p"
}
check_eq "/ is the index" "$(hdr /)" "200 text/html; charset=utf-8"
check "/ has the index's bytes" cmp <(curl -s "$U/") "$O/index.html"
check_eq "CSS" "$(hdr /static/style.css)" "200 text/css; charset=utf-8"
check_eq "JS" "$(hdr /static/graph.js)" "200 text/javascript; charset=utf-8"
check_eq "JSON" "$(hdr /graph/commits.json)" "200 application/json"
check_eq "a directory index" "$(hdr /queue/)" "200 text/html; charset=utf-8"
check_eq "a directory without its slash redirects" \
    "$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "$U/queue")" \
    "301 $U/queue/"
check_eq "a query string is ignored" "$(hdr '/compare/?a=r-0000&b=r-0003')" \
    "200 text/html; charset=utf-8"
check_eq "a file-name-safe ref directory" \
    "$(hdr '/ref/refs/heads/~3Cscript~3Ex/')" "200 text/html; charset=utf-8"
check_eq "a missing file is 404" "$(hdr /nope.html | cut -d' ' -f1)" 404
check_eq "../ is refused" "$(hdr /../outside.txt | cut -d' ' -f1)" 400
check_eq "an encoded ../ is refused" \
    "$(hdr /%2e%2e/outside.txt | cut -d' ' -f1)" 400
check_eq "a deep ../ is refused" \
    "$(hdr /static/../../outside.txt | cut -d' ' -f1)" 400
check_eq "a symlink out of the site is not followed" \
    "$(hdr /etc-link/passwd | cut -d' ' -f1)" 404
check_eq "POST is refused" "$(hdr / -X POST -d x | cut -d' ' -f1)" 405
check_eq "HEAD works" "$(curl -s -I -o /dev/null -w '%{http_code}' "$U/")" 200
check_eq "the server still runs" "$(kill -0 "$SP" && echo yes)" yes
kill -TERM "$SP"
check "it stops on SIGTERM" wait_for 10 bash -c "! kill -0 $SP 2>/dev/null"
wait "$SP"
check_eq "with status 0" "$?" 0

check_fails "a bad --listen is a usage error" "$TJ_GEN" serve --out "$O" \
    --listen nonsense
check_match "that says what it wants" "$(cat "$T_DIR/.out")" "ADDR:PORT"
check_fails "a missing out dir fails" "$TJ_GEN" serve --out "$T_DIR/none"
check_match "saying to render first" "$(cat "$T_DIR/.out")" "tj-gen render"

# Port 0: any free port, printed; the default address is 127.0.0.1.
(cd "$T_DIR" && exec "$TJ_GEN" serve --out "$O" --listen 127.0.0.1:0) \
    >"$T_DIR/serve2.log" 2>&1 &
t_pids="$t_pids $!"
SP=$!
check "port 0 prints the chosen port" wait_for 10 grep -q \
    'http://127.0.0.1:[1-9][0-9]*/' "$T_DIR/serve2.log"
P2=$(sed -n 's|.*http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$T_DIR/serve2.log")
check "and serves there" curl -sf "http://127.0.0.1:$P2/index.json"
kill -TERM "$SP"
wait "$SP" 2>/dev/null
check_match "the default is 127.0.0.1:8000" \
    "$("$TJ_GEN" serve --help)" "127.0.0.1:8000"
t_done
