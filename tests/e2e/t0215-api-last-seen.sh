#!/bin/bash
# t0215: a worker's page follows its last_seen. Idle pings change nothing
# else the page shows, yet the page must not keep the first ping's time:
# it is re-rendered each time last_seen enters a new half of the worker
# timeout (here 4 s, so at most 2 s behind, plus the render's delay).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/api-lib.sh"
cd "$T_DIR" || exit 1

api_repo 1
api_conf "	worker-timeout = 4s"
check "import with tj-gen" import_all
api_start --config "$T_DIR/tj.conf"
check_eq "a first ping" "$(post w1 "$(idle s1)")" 200
check "the worker's page is rendered" wait_for 20 test -f out/worker/w1/worker.json
first=$(jq -r .last_seen out/worker/w1/worker.json)
# Idle pings for 8 s, every 0.5 s.
for i in $(seq 1 16); do
	post w1 "$(idle s1)" >/dev/null
	sleep 0.5
done
sleep 2
page=$(jq -r .last_seen out/worker/w1/worker.json)
db=$(sql tj.db "SELECT last_seen FROM workers WHERE name = 'w1'")
echo "# first $first, page $page, db $db"
check "the page moved on from the first ping" test "$page" != "$first"
check "the page is at most 4 s behind the db" python3 -c '
import datetime, sys
p = datetime.datetime.fromisoformat(sys.argv[1].replace("Z", "+00:00")).timestamp()
assert float(sys.argv[2]) - p <= 4, (sys.argv[1], sys.argv[2])
' "$page" "$db"
api_stop
t_done
