#!/usr/bin/env python3
# populate.py DB HOSTILE [EVERY]: runs, measurements, metrics, output and
# workers for the commits of DB (every EVERY-th one in date order), with the
# hostile corpus in metric and worker names and in the output, and the dirty
# rows a writer would add. Deterministic values: the site tests compare them.
import json
import sqlite3
import sys

db = sqlite3.connect(sys.argv[1])
hostile = [l for l in open(sys.argv[2], "rb").read().split(b"\n")
           if l and not l.startswith(b"#")]
every = int(sys.argv[3]) if len(sys.argv) > 3 else 1


def text(b):
    # Raw bytes stored as TEXT, invalid UTF-8 included.
    return sqlite3.Binary(b)


metrics = [(b"run/nbody/time", b"s", -1), (b"run/fannkuch/time", b"s", -1),
           (b"size/bin", b"B", 0), (b"throughput/ops", b"op/s", 1),
           (b"hostile/" + hostile[0], b"<u>", 1),
           (b"hostile/" + hostile[1], b"&", -1)]
for name, unit, d in metrics:
    db.execute("INSERT OR IGNORE INTO metrics (name, unit, direction) "
               "VALUES (CAST(? AS TEXT), CAST(? AS TEXT), ?)",
               (text(name), text(unit), d))
    db.execute("INSERT OR IGNORE INTO dirty VALUES ('metric', CAST(? AS TEXT))",
               (text(name),))
mids = [r[0] for r in db.execute("SELECT id FROM metrics ORDER BY id")]
workers = [b"box1", b"<script>alert('tj-xss-w')</script>/../w"]
for i, w in enumerate(workers):
    db.execute("INSERT OR REPLACE INTO workers (name, secret, info, first_seen,"
               " last_seen, status, last_output) VALUES (CAST(? AS TEXT), 's', "
               "CAST(? AS TEXT), 1700000000, 1700000500, ?, CAST(? AS TEXT))",
               (text(w), text(b"info " + hostile[i]), "idle" if i == 0
                else "working", text(json.dumps(
                    [[1, "last " + hostile[0].decode()], [2, "err & <x>"]]
                ).encode())))
    db.execute("INSERT OR IGNORE INTO dirty VALUES ('worker', CAST(? AS TEXT))",
               (text(w),))
commits = [r for r in db.execute(
    "SELECT id, hash FROM commits ORDER BY committer_time, id")]
n = 0
for k, (cid, h) in enumerate(commits):
    if k % every:
        continue
    rid = "r-%04d" % k
    t = 1700000000 + 100 * k
    w = workers[k % 2]
    db.execute("INSERT INTO runs VALUES (?, ?, ?, CAST(? AS TEXT), ?, ?, ?, ?)",
               (rid, cid, '{"type":"internal"}', text(w), t, t + 42.5,
                0 if k % 5 else 1, None if k % 5 else "exit status 1"))
    for j, m in enumerate(mids):
        vals = [round(1 + 0.1 * j + 0.01 * ((k * 7 + j) % 13) + 0.001 * r, 6)
                for r in range(3)]
        vals.sort()
        db.execute("INSERT INTO measurements VALUES (?, ?, ?, 3, ?, ?, ?, ?, "
                   "NULL)", (rid, m, json.dumps(vals), vals[1], vals[0],
                             vals[2], 0.001))
    lines = [(0, b"bench started")] + [(1 + i % 2, l) for i, l in
                                       enumerate(hostile)]
    if k == 0:
        lines.append((1, b"huge <" + b"x" * (1 << 20) + b">"))
    for i, (src, l) in enumerate(lines):
        db.execute("INSERT INTO run_output VALUES (?, ?, ?, CAST(? AS TEXT))",
                   (rid, i + 1, src, text(l)))
    db.execute("INSERT OR IGNORE INTO dirty VALUES ('run', ?)", (rid,))
    n += 1
for kind in ("index", "queue", "graph"):
    db.execute("INSERT OR IGNORE INTO dirty VALUES (?, '')", (kind,))
db.commit()
print("%d runs" % n)
