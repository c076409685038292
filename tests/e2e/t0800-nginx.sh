#!/bin/bash
# t0800: scripts/nginx.conf with real nginx on 127.0.0.1: a tj-worker does
# its runs through nginx (status, tree, submission), every rendered page is
# served under /bench/ byte for byte with its MIME type, /api/worker/ is
# proxied to tj-api and nothing else of it is exposed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/api-lib.sh"
. "$(dirname "$0")/t08/deploy.sh"
cd "$T_DIR" || exit 1

if ! command -v nginx >/dev/null; then
	not_ok "nginx is not installed (scripts/deps.sh installs it)"
	t_done
fi
site_with_runs 3
git -C repo checkout -q -b feature/x
mkcommit repo f.txt x "on feature/x"
git -C repo checkout -q main
gen update
gen track feature/x
APORT=${API##*:}
NPORT=$(free_port)
N="http://127.0.0.1:$NPORT"
check "the recipe's marked lines are there" nginx_conf "$NPORT" "$T_DIR/out" "$APORT"
check "nginx -t accepts it, and nginx starts" nginx_start "$NPORT"

# The worker API through nginx: auth is tj-api's.
code=$(curl -s -m 10 -D hdr -o reply -w '%{http_code}' \
    --data-binary "$(idle s1)" "$N/api/worker/status")
check_eq "status without auth: tj-api's 401" "$code" 401
check_match "with its WWW-Authenticate" "$(cat hdr)" \
    'WWW-Authenticate: Basic realm="tablejohn"'
check_match "and its JSON error" "$(jr .error)" .
code=$(curl -s -m 10 -o reply -w '%{http_code}' -u "w0:$TOKEN" \
    --data-binary "$(idle s1)" "$N/api/worker/status")
check_eq "status with auth: 200" "$code" 200
check_eq "an idle worker gets no run" "$(jr .run)" null
check_eq "tj-api stored the worker" \
    "$(sql tj.db "SELECT count(*) FROM workers WHERE name = 'w0'")" 1
h=$(git -C repo rev-parse main)
code=$(curl -s -m 20 -o tree.tgz -w '%{http_code}' -u "w0:$TOKEN" \
    "$N/api/worker/repo/$h/tree.tar.gz")
check_eq "a tree through nginx: 200" "$code" 200
check_match "it is the commit's tree" "$(tar -tzf tree.tgz 2>&1)" 'f3\.txt'

# A body larger than nginx's default 1m reaches tj-api (which judges it).
head -c 3000000 /dev/zero | tr '\0' 'x' >big
code=$(curl -s -m 20 -o reply -w '%{http_code}' -u "w0:$TOKEN" \
    -H 'Content-Type: application/json' --data-binary @big \
    "$N/api/worker/status")
check_eq "a 3 MB bad body: tj-api's 400, not nginx's 413" "$code" 400
check_match "with tj-api's JSON error" "$(jr .error)" .
head -c 20000000 /dev/zero | tr '\0' 'x' >big
code=$(curl -s -m 20 -o reply -w '%{http_code}' -u "w0:$TOKEN" \
    --data-binary @big "$N/api/worker/status")
check_eq "a 20 MB body: 413" "$code" 413
rm -f big

# Real runs, the worker talking only to nginx.
n=$(sql tj.db "SELECT count(*) FROM queue")
check_eq "4 commits queued" "$n" 4
# (A new tj-worker process has a new secret: one name each.)
for i in $(seq 1 "$n"); do
	check "worker run $i through nginx" worker_once "$N" "w$i"
done
check_eq "every queued commit has a run" \
    "$(sql tj.db "SELECT count(*) FROM runs WHERE exit_code = 0")" 4
check_eq "the queue is empty" "$(sql tj.db "SELECT count(*) FROM queue")" 0
run=$(sql tj.db "SELECT id FROM runs ORDER BY id LIMIT 1")
check "tj-api rendered the run page" wait_for 20 test -f "out/run/$run/index.html"
check "and the worker page" wait_for 20 test -f out/worker/w1/index.html
check "tj-api is done rendering" wait_for 20 sql_is tj.db \
    "SELECT count(*) FROM dirty" 0
sleep 1

# Every file and directory of out/ under /bench/.
check "every page, JSON and static file under /bench/" \
    python3 "$TJ_TOP/tests/e2e/t08/crawl.py" "$N/bench/" "$T_DIR/out"
check_match "crawl counts" "$(cat "$T_DIR/.out")" \
    '^[1-9][0-9]+ files, [1-9][0-9]* dirs checked, 0 bad'
check_match "the page of a ref with a slash is there" \
    "$(find out/ref -name index.html)" 'feature/x/index\.html$'

code=$(curl -s -m 10 -D hdr -o /dev/null -w '%{http_code}' "$N/bench")
check_eq "/bench redirects" "$code" 301
check_match "to /bench/, relative" "$(cat hdr)" $'Location: /bench/\r'
hdr=$(curl -s -m 10 -D - -o /dev/null "$N/bench/graph/")
check_match "pages are revalidated" "$hdr" $'Cache-Control: no-cache\r'
check_match "and not sniffed" "$hdr" $'X-Content-Type-Options: nosniff\r'
body=$(curl -s -m 10 "$N/bench/")
check_match "/bench/ is the index" "$body" "<title>"
check_match "the index says repo" "$body" "repo"
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' "$N/bench/.lock")
check_eq "out/.lock is not served" "$code" 404
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' "$N/bench/no/such/page/")
check_eq "a missing page: 404" "$code" 404
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' --path-as-is \
    "$N/bench/../../../../etc/passwd")
check_match "no traversal out of /bench/" "$code" '^(400|404)$'
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' --path-as-is \
    "$N/bench/%2e%2e/%2e%2e/etc/passwd")
check_match "no encoded traversal" "$code" '^(400|404)$'

# Nothing but /api/worker/ reaches tj-api.
for p in / /api/ /api/worker /api/workerx/status /index.html /tablejohn.db \
    /bench/tj.db /bench/../tj.db; do
	code=$(curl -s -m 10 -o reply -w '%{http_code}' -u "w0:$TOKEN" \
	    --path-as-is "$N$p")
	check_match "$p: not proxied ($code)" "$code" '^(301|400|404)$'
	check_eq "$p: not tj-api's JSON" "$(jq -e .error reply >/dev/null 2>&1 && echo json)" ""
done
# (The control: an unknown path under /api/worker/ is tj-api's JSON 404.)
code=$(curl -s -m 10 -o reply -w '%{http_code}' -u "w0:$TOKEN" \
    "$N/api/worker/nosuch")
check_eq "/api/worker/nosuch: tj-api's 404" "$code" 404
check_eq "with its JSON" "$(jq -e .error reply >/dev/null 2>&1 && echo json)" json

# A new run while nginx serves: the page changes in place.
mkcommit repo f5.txt five "commit 5"
gen update
check "worker run of the new commit" worker_once "$N" w9
h5=$(git -C repo rev-parse main)
check "the new commit's page is served" wait_for 20 \
    curl -sf -m 5 -o /dev/null "$N/bench/commit/$h5/"
check_match "its run is on the served page" \
    "$(curl -s -m 5 "$N/bench/commit/$h5/")" 'run/'

check "nginx stops cleanly" nginx_stop
check_eq "nginx logged no error" \
    "$(grep -c '\[\(crit\|alert\|emerg\)\]' nginx/logs/error.log)" 0
api_stop
check_eq "tj-api exits 0" "$API_RC" 0
t_done
