#!/bin/bash
# t0416: two real workers benchmark through a moment when tj-api's db cannot
# be written (db, -wal, -shm and directory read-only for 4 s, while another
# process holds the write lock for the first 3 and pings of new workers
# wait on it, so the pool opens new connections, which sqlite opens
# read-only). Some of their requests get 500 meanwhile; a finished run
# then waits in its spool and is sent again. tj-api recovers by itself: every commit gets one run,
# none lost, none duplicated, the queue drains (fault_check).
# tj-test: slow
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/api-lib.sh"
. "$(dirname "$0")/worker-lib.sh"
cd "$T_DIR" || exit 1

if ! api_nocap; then
	echo "# skipped: root without setpriv cannot make a file read-only"
	t_done
fi

N=12
# Each bench takes 0.5 s.
bench_repo bench <<SH
#!/bin/sh
sleep 0.5
echo '{"metric":"m","values":[1,2,3]}' >>"\$TJ_RESULT_FILE"
echo "finished by \$TJ_WORKER"
SH
api_repo $N
mkdir dbdir
api_conf "	worker-timeout = 20s
[bench]
	repo = $T_DIR/bench
[bisect]
	enabled = false"
sed -i "s|path = $T_DIR/tj.db|path = $T_DIR/dbdir/tj.db|" tj.conf
DB=$T_DIR/dbdir/tj.db
check "import and queue $N commits" import_all
api_start --config "$T_DIR/tj.conf"
worker_conf w1
worker_conf w2
bg_worker w1
w1=$T_LAST_PID
bg_worker w2
w2=$T_LAST_PID
runs() { sql "$DB" "SELECT count(*) FROM runs"; }
check "the first runs land" wait_for 60 sh -c "[ \$(sqlite3 '$DB' 'SELECT count(*) FROM runs') -ge 2 ]"

python3 -c 'import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
time.sleep(3)
c.execute("ROLLBACK")' "$DB" "$T_DIR/locked" &
locker=$!
wait_for 10 test -e locked
chmod a-w "$DB" "$DB-wal" "$DB-shm" dbdir
during=$(runs)
# Pings of new workers (each a write, no run asked for) wait on the lock
# meanwhile, so the pool opens more connections.
for round in 1 2 3; do
	pids=
	for i in 1 2 3 4 5 6; do
		post "p$round$i" "$(idle "s$round$i" false)" >/dev/null &
		pids="$pids $!"
	done
	wait $pids
done
wait $locker
sleep 1
chmod u+w "$DB" "$DB-wal" "$DB-shm" dbdir
check "tj-api was refused writes meanwhile" grep -q "attempt to write a readonly database" api.log
check "every commit is benchmarked" wait_for 90 sh -c "[ \$(sqlite3 '$DB' 'SELECT count(*) FROM runs') -ge $N ]"
check "some runs landed after the read-only moment" test "$during" -lt "$N"
check "the queue drains" wait_for 30 sql_is "$DB" 'SELECT count(*) FROM queue' 0
check "the spools are empty" wait_for 30 sh -c "[ \$(find w1.d/spool w2.d/spool -name '*.json' | wc -l) = 0 ]"
check "w1 stops" stop "$w1"
check "w2 stops" stop "$w2"
api_stop
check_eq "tj-api exits cleanly" "$API_RC" 0
# N commits, a run each; no reservation outlived the moment: no extra.
fault_check "t0416 db read-only under two workers" "$DB" $N 0 w1.d w2.d
t_done
