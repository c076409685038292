#!/bin/bash
# t0221: idle and half-sent connections cannot stop tj-api: 2,000 of them
# from one address are cut to [api] max-connections-per-ip while a real
# worker is answered; 2,000 from many addresses fit under max-connections
# and a worker is still answered; connections silent for request-timeout
# are closed, and a burst of 5,000 opened-and-closed connections leaves
# nothing behind. Loopback only: the idle ones come from 127.0.0.2-41.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/api-lib.sh"
. "$(dirname "$0")/worker-lib.sh"
cd "$T_DIR" || exit 1

# 2,000 sockets here and as many in tj-api.
ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 4500 ]; then
	echo "# skipped: ulimit -n is $(ulimit -n), need 4500"
	t_done
fi

# hold PORT N MODE SRCS STOPFILE: open N connections from the addresses
# SRCS (comma-separated) in turn; MODE mixed: a third send nothing, a
# third half the headers, a third the headers and part of the body; MODE
# close: each closed at once, and exit. Else report "held K" (connections the
# server has not closed after 1 s), wait for STOPFILE (60 s at most),
# report "left K" (still open at the server then) and close them.
export TOKEN
cat >hold.py <<'PY'
import os, socket, sys, time
import base64
port, n, mode, srcs, stop = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4].split(","), sys.argv[5]
auth = base64.b64encode(("idle:" + os.environ["TOKEN"]).encode())
socks = []
for i in range(n):
    s = socket.socket()
    s.settimeout(5)
    try:
        s.bind((srcs[i % len(srcs)], 0))
        s.connect(("127.0.0.1", port))
        if mode == "mixed" and i % 3 == 1:
            s.sendall(b"POST /api/worker/status HTTP/1.1\r\nHost: x\r\n")
        if mode == "mixed" and i % 3 == 2:
            s.sendall(b"POST /api/worker/status HTTP/1.1\r\nHost: x\r\nAuthorization: Basic " + auth + b"\r\nContent-Length: 100\r\n\r\n{\"secret\"")
    except OSError:
        s.close()
        continue
    if mode == "close":
        s.close()
    else:
        socks.append(s)
def alive():
    k = 0
    for s in socks:
        s.setblocking(False)
        try:
            while s.recv(65536) != b"":
                pass
        except BlockingIOError:
            k += 1
        except OSError:
            pass
    return k
if mode == "close":
    sys.exit(0)
time.sleep(1)
print("held", alive(), flush=True)
t = time.time()
while not os.path.exists(stop) and time.time() - t < 60:
    time.sleep(0.1)
print("left", alive(), flush=True)
PY

api_repo 3
api_conf "	request-timeout = 3s
	worker-timeout = 30s"
check "import" import_all
api_start --config "$T_DIR/tj.conf"
PORT=${API##*:}
worker_conf w1
srcs40=$(seq -s, -f '127.0.0.%g' 2 41)

# ask NAME: a status request from 127.0.0.1 that asks for a run: 200.
ask() { [ "$(post "$1" "$(idle "s$1" true)")" = 200 ]; }

# 1. One address, 2,000 connections, half of them half-sent.
python3 hold.py "$PORT" 2000 mixed 127.0.0.2 stop1 >hold1.out 2>&1 &
h1=$!
wait_for 30 grep -q held hold1.out
# 64, give or take the 4 threads accepting at the same instant.
check_match "one address keeps at most 64 connections" "$(cat hold1.out)" '^held ([0-9]|[1-5][0-9]|6[0-8])$'
check "a worker is answered meanwhile" ask a1
check "a real worker does a run meanwhile" worker w1 --once
check_eq "its run is stored" "$(n_runs)" 1
touch stop1
wait $h1

# 2. Forty addresses, 50 each: under the per-address limit, under
# max-connections (1000 by default: raised here for 2,000).
api_stop
api_conf "	request-timeout = 60s
	worker-timeout = 30s
	max-connections = 3000"
api_start --config "$T_DIR/tj.conf"
PORT=${API##*:}
python3 hold.py "$PORT" 2000 mixed "$srcs40" stop2 >hold2.out 2>&1 &
h2=$!
wait_for 60 grep -q held hold2.out
check_match "2,000 connections from 40 addresses all held" "$(cat hold2.out)" '^held 2000$'
check "a worker is answered while they are open" ask a2
touch stop2
wait $h2

# Connections silent for request-timeout are closed by the server.
api_stop
api_conf "	request-timeout = 2s
	worker-timeout = 30s"
api_start --config "$T_DIR/tj.conf"
PORT=${API##*:}
python3 hold.py "$PORT" 300 mixed "$srcs40" stop3 >hold3.out 2>&1 &
h3=$!
wait_for 60 grep -q held hold3.out
sleep 5
touch stop3
wait $h3
check_match "the server closed every silent connection" "$(cat hold3.out)" 'left 0$'
check "and still answers" ask a3

# 3. 5,000 connections opened and closed at once, from 40 addresses.
python3 hold.py "$PORT" 5000 close "$srcs40" stop4 >hold4.out 2>&1
check "answered right after the burst" wait_for 10 ask a4
# no_conns: tj-api holds no connection (TIME-WAIT is the kernel's, after
# tj-api closed them).
no_conns() {
	[ "$(ss -Htn state established state close-wait state syn-recv \
	    state fin-wait-1 state fin-wait-2 state last-ack \
	    "( sport = :$PORT )" | wc -l)" = 0 ]
}
check "no connection left behind" wait_for 10 no_conns
check_eq "tj-api is still running" "$(kill -0 "$API_PID" && echo yes)" yes
check "the log is not flooded" test "$(grep -c 'http:' api.log)" -lt 100
api_stop
check_eq "clean exit" "$API_RC" 0
t_done
