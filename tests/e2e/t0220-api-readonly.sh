#!/bin/bash
# t0220: a moment when the db cannot be written (db, -wal, -shm and its
# directory read-only) does not wedge tj-api: once the files are writable
# again, every request is answered and runs are stored, within seconds and
# without a restart (the connections sqlite opened read-only are dropped).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/api-lib.sh"
cd "$T_DIR" || exit 1

if ! api_nocap; then
	echo "# skipped: root without setpriv cannot make a file read-only"
	t_done
fi

api_repo 40
mkdir "$T_DIR/dbdir"
api_conf "[api]
	worker-timeout = 60s"
sed -i "s|path = $T_DIR/tj.db|path = $T_DIR/dbdir/tj.db|" tj.conf
check "import" import_all
DB=$T_DIR/dbdir/tj.db
api_start --config "$T_DIR/tj.conf"
check_eq "a first request" "$(post w0 "$(idle s0 false)")" 200

# all_ok N: N writing requests in a row answered 200.
all_ok() {
	local i c
	for i in $(seq 1 "$1"); do
		c=$(post "ok$i" "$(idle "k$i" true)")
		[ "$c" = 200 ] || return 1
	done
}
ro() { chmod a-w "$DB" "$DB-wal" "$DB-shm" "$T_DIR/dbdir"; }
rw() { chmod u+w "$DB" "$DB-wal" "$DB-shm" "$T_DIR/dbdir"; }

# Bursts of writing requests (each worker asks for a run) while the files
# are read-only. Another process holds the write lock for 3 s meanwhile, so
# the requests wait with their connections and the pool opens new ones,
# which sqlite opens read-only.
python3 -c 'import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
time.sleep(3)
c.execute("ROLLBACK")' "$DB" "$T_DIR/locked" &
locker=$!
wait_for 10 test -e "$T_DIR/locked"
ro
for round in 1 2 3; do
	pids=
	for i in 1 2 3 4 5 6 7 8; do
		post "ro$round$i" "$(idle "s$round$i" true)" >"$T_DIR/code.ro$round$i" &
		pids="$pids $!"
	done
	wait $pids
done
wait $locker
codes=$(cat "$T_DIR"/code.ro* | sort | uniq -c | tr -s ' ' | tr '\n' ',')
check_match "some requests failed while read-only" "$codes" '500'
rw

check "answered again within 5 s" wait_for 5 all_ok 4
fails=0
for i in $(seq 1 40); do
	c=$(post "after$i" "$(idle "a$i" false)")
	[ "$c" = 200 ] || fails=$((fails + 1))
done
check_eq "no failure in 40 requests after that" "$fails" 0

# A run handed out and submitted now is stored.
check_eq "ask" "$(post wr "$(idle sr true)")" 200
id=$(jr .run.id)
h=$(jr .run.hash)
st=$(jr .run.start)
sub='{"id":"'$id'","hash":"'$h'","bench_method":{"type":"internal"},"start":"'$st'","end":"'$st'","exit_code":0,"measurements":{"m":{"value":1}}}'
check_eq "submit" "$(post wr '{"secret":"sr","status":{"type":"idle"},"submit_run":'"$sub"'}')" 200
check_eq "the run is stored" "$(sql "$DB" "SELECT count(*) FROM runs WHERE id = '$id'")" 1
check "the log says what happened" grep -q "read-only\|readonly" api.log
# The render thread recovers too: the run's page appears.
check "the run's page is rendered" wait_for 10 test -s "out/run/$id/index.html"
api_stop
check_eq "tj-api exits cleanly" "$API_RC" 0
t_done
