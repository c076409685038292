#!/bin/bash
# t0920: load and races at once. Two real tj-workers benchmark 24 commits
# while 50 simulated workers ping tj-api 5 times a second each, `tj-gen
# update` loops (the repo gains 4 more commits on the way, which it
# queues), and full renders (`tj-gen render --all`) race tj-api's own
# render thread. Afterwards: every commit has exactly one run (none lost,
# none duplicated), the queue is drained, no simulated ping got a 5xx, the
# site equals a full render of the same db (but for the workers' last_seen,
# which may lag by half the worker timeout), the spools are empty and no
# process of the test is left.
# tj-test: slow
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/api-lib.sh"
. "$(dirname "$0")/worker-lib.sh"
cd "$T_DIR" || exit 1

bench_repo bench <<'SH'
#!/bin/sh
sleep 0.3
printf '{"metric":"m","values":[%s,%s,%s]}\n' "$(wc -c <"$1/f1.txt")" 2 3 >>"$TJ_RESULT_FILE"
SH
api_repo 24
api_conf "	worker-timeout = 10s
[bench]
	repo = $T_DIR/bench
[bisect]
	enabled = false"
check "import and queue 24 commits" import_all
api_start --config "$T_DIR/tj.conf"

# 50 simulated workers, 5 pings a second each, for 10 s, each from its own
# loopback address (127.0.0.10-59, as 50 machines would be: the
# per-address connection limit stays what it is) on a kept-alive
# connection; a 5xx or no answer is counted in sim.bad.
python3 - "${API#http://}" "$TOKEN" "$T_DIR/sim.bad" >"$T_DIR/sim.log" 2>&1 <<'PY' &
import base64, http.client, json, sys, threading, time
host, port = sys.argv[1].rsplit(":", 1)
bad, lock = [], threading.Lock()
def sim(n):
    auth = base64.b64encode(("sim%d:%s" % (n, sys.argv[2])).encode()).decode()
    body = json.dumps({"info": "sim", "secret": "s%d" % n,
                       "status": {"type": "idle"}, "request_run": False})
    c = None
    for i in range(50):
        t = time.monotonic()
        try:
            if c is None:
                c = http.client.HTTPConnection(host, int(port), timeout=10,
                    source_address=("127.0.0.%d" % (10 + n), 0))
            c.request("POST", "/api/worker/status", body,
                      {"Authorization": "Basic " + auth,
                       "Content-Type": "application/json"})
            r = c.getresponse()
            r.read()
            code = r.status
            if r.getheader("Connection", "").lower() == "close":
                c.close()
                c = None
        except Exception as e:
            code = "no answer: %s" % e
            c = None
        if code != 200:
            with lock:
                bad.append("sim%d ping %d: %s" % (n, i, code))
        time.sleep(max(0, 0.2 - (time.monotonic() - t)))
ts = [threading.Thread(target=sim, args=(n,)) for n in range(50)]
for t in ts: t.start()
for t in ts: t.join()
if bad:
    open(sys.argv[3], "w").write("\n".join(bad) + "\n")
print("%d pings, %d bad" % (50 * 50, len(bad)))
PY
sims=$!
t_pids="$t_pids $sims"
# tj-gen update in a loop; it queues the new commits as they come (a
# `queue add` after it would ask for a second run, rightly, once the first
# had landed).
updates() {
	local i
	for i in $(seq 1 4); do
		mkcommit "$T_DIR/repo" f1.txt "late $i" "late $i"
		"$TJ_GEN" update --config "$T_DIR/tj.conf" --no-render >>"$T_DIR/update.log" 2>&1
		sleep 1
	done
}
bg updates
up=$T_LAST_PID
# Full renders racing tj-api's render thread.
renders() {
	local i
	for i in $(seq 1 2); do
		"$TJ_GEN" render --all --config "$T_DIR/tj.conf" >>"$T_DIR/render.log" 2>&1 ||
		    echo "render $i failed" >>"$T_DIR/render.bad"
		sleep 1
	done
}
bg renders
rd=$T_LAST_PID
worker_conf w1
worker_conf w2
bg_worker w1
w1=$T_LAST_PID
bg_worker w2
w2=$T_LAST_PID

check "the updates end" wait_for 60 gone "$up"
check "the racing renders end" wait_for 90 gone "$rd"
check "the simulated workers end" wait_for 90 gone "$sims"
drained() { sql_is tj.db "SELECT count(*) FROM queue" 0 && sql_is tj.db "SELECT count(*) FROM dirty" 0; }
check "the queue drains" wait_for 120 drained
check_eq "28 commits" "$(sql tj.db 'SELECT count(*) FROM commits')" 28
check_eq "no run failed" "$(sql tj.db 'SELECT count(*) FROM runs WHERE error IS NOT NULL OR exit_code <> 0')" 0
check "no simulated ping got a 5xx or no answer ($(cat sim.log))" test ! -s sim.bad
check "no full render failed" test ! -s render.bad
check "the workers stop" stop "$w1"
check "... both" stop "$w2"
cp -r out out-incremental
check "a full render" "$TJ_GEN" render --all --config "$T_DIR/tj.conf"
# The workers' last_seen may lag the db by half the worker timeout (their
# last pings, docs/protocol.md): the comparison leaves it out.
check "the site equals a full render (but for last seen)" python3 -c '
import os, re, sys
seen = [re.compile(rb"\"last_seen\":\"[^\"]*\""),
        re.compile(rb"(worker/[^\n]*?|last seen</dt><dd>)<time>[^<]*</time>")]
def norm(p):
    b = open(p, "rb").read()
    for r in seen:
        b = r.sub(lambda m: m.group(1) if m.lastindex else b"", b)
    return b
bad = []
for top, _, files in os.walk(sys.argv[1]):
    for f in files:
        a = os.path.join(top, f)
        b = os.path.join(sys.argv[2], os.path.relpath(a, sys.argv[1]))
        if not os.path.exists(b) or norm(a) != norm(b):
            bad.append(os.path.relpath(a, sys.argv[1]))
n = sum(len(f) for _, _, f in os.walk(sys.argv[2]))
assert not bad and n == sum(len(f) for _, _, f in os.walk(sys.argv[1])), bad[:10]
' out-incremental out
api_stop
check_eq "tj-api exits cleanly" "$API_RC" 0
# 28 commits, a run each; no extra run is allowed.
fault_check "t0920 50 pinging, update loop, racing renders" tj.db 28 0 w1.d w2.d
t_done
