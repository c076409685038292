#!/bin/bash
# t0803: scripts/systemd/tj-api.service and tj-worker.service: they pass
# systemd-analyze verify without a warning (this container has no systemd
# running, but verify works offline), their ExecStart is the path `make
# install PREFIX=/usr/local` installs to, and their commands do what the
# units promise when run as systemd would: start, reload (SIGHUP), stop
# (SIGTERM) with exit 0 well within TimeoutStopSec.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/api-lib.sh"
. "$(dirname "$0")/t08/deploy.sh"
cd "$T_DIR" || exit 1
U="$TJ_TOP/scripts/systemd"

# key UNIT KEY: the value of KEY= in UNIT (the last one).
key() { sed -n "s/^$2=//p" "$1" | tail -n 1; }

for u in tj-api tj-worker; do
	f="$U/$u.service"
	check "$u.service exists" test -f "$f"
	for k in Description ExecStart User Restart WantedBy Type; do
		check_match "$u: $k is set" "$(key "$f" "$k")" .
	done
	check_eq "$u: ExecStart is the installed binary" \
	    "$(key "$f" ExecStart | cut -d' ' -f1)" "/usr/local/bin/$u"
	check_match "$u: it is given a config" "$(key "$f" ExecStart)" \
	    " --config /etc/tablejohn/[a-z.]+\.conf$"
	check_eq "$u: sections" "$(grep '^\[' "$f" | tr '\n' ' ')" \
	    "[Unit] [Service] [Install] "
	check_eq "$u: no unknown or misspelled line" \
	    "$(grep -Ev '^(#|$|\[(Unit|Service|Install)\]$|[A-Z][A-Za-z]+=)' "$f")" ""
	check_match "$u: Documentation names its man page" \
	    "$(key "$f" Documentation)" "man:$u\\(1\\)"
	check "$u: its man page exists" test -f "$TJ_TOP/docs/man/$u.1"
done
check_eq "tj-api reloads with SIGHUP" \
    "$(key "$U/tj-api.service" ExecReload)" '/bin/kill -HUP $MAINPID'
check_eq "tj-worker is stopped by SIGTERM to itself alone" \
    "$(key "$U/tj-worker.service" KillMode)" mixed
inst=$(cd "$TJ_TOP" && make -s -n install PREFIX=/usr/local DESTDIR=/DEST)
check_match "make install PREFIX=/usr/local puts the binaries there" \
    "$inst" 'install -m 0755 .*build/tj-api.* /DEST/usr/local/bin/'

# systemd-analyze verify, with the binaries where the units expect them
# (ExecStart rewritten to the build under test, nothing else changed).
if command -v systemd-analyze >/dev/null; then
	mkdir units
	for u in tj-api tj-worker; do
		sed "s|^ExecStart=/usr/local/bin/|ExecStart=$TJ_BIN/|" \
		    "$U/$u.service" >"units/$u.service"
		systemd-analyze verify --man=no "units/$u.service" \
		    >"verify-$u.log" 2>&1
		check_eq "$u: systemd-analyze verify passes" "$?" 0
		check_eq "$u: without a warning" "$(cat "verify-$u.log")" ""
	done
	# The check can fail: a misspelled key is a warning.
	sed 's/^Restart=/Restrat=/' units/tj-api.service >units/bad.service
	check_match "a misspelled key is caught" \
	    "$(systemd-analyze verify --man=no units/bad.service 2>&1)" \
	    "Unknown key 'Restrat'"
	check_fails "a wrong binary path is caught" systemd-analyze verify \
	    --man=no "$U/tj-api.service"
else
	echo "# systemd-analyze is not installed: verify skipped"
	not_ok "systemd-analyze is missing (scripts/deps.sh installs systemd)"
fi

# The commands, run as systemd runs them: ExecStart with the config path
# changed to the test's.
site_with_runs 2
api_stop
read -r -a cmd <<<"$(key "$U/tj-api.service" ExecStart)"
cmd=("${cmd[@]/#\/usr\/local\/bin\//$TJ_BIN/}")
cmd=("${cmd[@]/#\/etc\/tablejohn\/tablejohn.conf/$T_DIR/tj.conf}")
port=$(free_port)
API="http://127.0.0.1:$port"
printf '\tlisten = 127.0.0.1:%s\n' "$port" >>tj.conf
bg "${cmd[@]}" >>unit-api.log 2>&1
API_PID=$T_LAST_PID
check "tj-api's ExecStart serves" wait_for 20 curl -s -o /dev/null "$API/"
check_eq "and answers workers" "$(post w0 "$(idle s0)")" 200
mkcommit repo new.txt new "new"
hn=$(git -C repo rev-parse HEAD)
kill -HUP "$API_PID"
check "ExecReload (SIGHUP) updates the repo" wait_for 20 sql_is tj.db \
    "SELECT count(*) FROM commits WHERE hash = '$hn'" 1
check_match "and says so" "$(cat unit-api.log)" "SIGHUP"

conf=$(key "$U/tj-worker.service" ExecStart | awk '{print $3}')
cat >worker.conf <<CONF
[worker]
	name = unitw
	dir = $T_DIR/unitw.d
	ping = 1s
[server "main"]
	url = $API
CONF
read -r -a wcmd <<<"$(key "$U/tj-worker.service" ExecStart)"
wcmd=("${wcmd[@]/#\/usr\/local\/bin\//$TJ_BIN/}")
wcmd=("${wcmd[@]/#$conf/$T_DIR/worker.conf}")
# The token from the EnvironmentFile's TJ_TOKEN.
TJ_TOKEN=$TOKEN bg "${wcmd[@]}" >>unit-worker.log 2>&1
WPID=$T_LAST_PID
check "tj-worker's ExecStart benchmarks the queue" wait_for 60 sql_is tj.db \
    "SELECT count(*) FROM queue" 0
check "its runs are stored" wait_for 20 sql_is tj.db \
    "SELECT count(*) > 0 FROM runs WHERE worker = 'unitw'" 1
kill -TERM "$WPID"
check "tj-worker stops on SIGTERM within TimeoutStopSec" wait_for 30 \
    pid_gone "$WPID"
wait "$WPID"
check_eq "with exit 0 (no restart by Restart=on-failure)" "$?" 0
kill -TERM "$API_PID"
check "tj-api stops on SIGTERM within TimeoutStopSec" wait_for 30 \
    pid_gone "$API_PID"
wait "$API_PID"
check_eq "with exit 0" "$?" 0
t_done
