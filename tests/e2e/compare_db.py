#!/usr/bin/env python3
"""compare_db.py REPO DB: the db's commits against git, field by field.

Checks the set of commits and their parents against `git rev-list --all
--parents`, authors, committers, dates and time zones against `git log`,
and every message against the raw commit object (decoded as UTF-8 with
U+FFFD for invalid bytes, which is what the import must store). Prints each
difference and exits 1 if there is any."""
import sqlite3
import subprocess
import sys

repo, dbpath = sys.argv[1], sys.argv[2]
bad = 0


def fail(msg):
    global bad
    bad += 1
    if bad <= 20:
        print("mismatch:", msg)


def git(*args):
    return subprocess.run(["git", "-C", repo] + list(args), check=True,
                          capture_output=True).stdout


db = sqlite3.connect(dbpath)
db.text_factory = bytes

# Parents, in order, duplicates dropped (git keeps them in rev-list).
want = {}
for line in git("rev-list", "--all", "--parents").decode().splitlines():
    h, *ps = line.split()
    seen = []
    for p in ps:
        if p not in seen:
            seen.append(p)
    want[h] = seen
got = {}
# Commits no ref reaches any more stay in the db (their runs are history).
for (h,) in db.execute("SELECT hash FROM commits WHERE reachable > 0"):
    got[h.decode()] = []
for c, p, i in db.execute("SELECT c.hash, p.hash, e.idx FROM commit_edges e "
                          "JOIN commits c ON c.id = e.child JOIN commits p "
                          "ON p.id = e.parent WHERE c.reachable > 0 "
                          "ORDER BY c.hash, e.idx"):
    got[c.decode()].append(p.decode())
if set(want) != set(got):
    fail("commit sets differ: %d only in git, %d only in db" %
         (len(set(want) - set(got)), len(set(got) - set(want))))
for h in want:
    if h in got and want[h] != got[h]:
        fail("%s parents: git %s, db %s" % (h, want[h], got[h]))


def tz(minutes):
    sign = "-" if minutes < 0 else "+"
    m = abs(minutes)
    return "%s%02d%02d" % (sign, m // 60, m % 60)


rows = {}
for r in db.execute("SELECT hash, author_name, author_email, author_time, "
                    "author_tz, committer_name, committer_email, "
                    "committer_time, committer_tz, message FROM commits"):
    rows[r[0].decode()] = r
fmt = "%H%x00%an%x00%ae%x00%ad%x00%cn%x00%ce%x00%cd%x00"
out = git("-c", "i18n.logOutputEncoding=UTF-8", "log", "--all",
          "--date=raw", "--format=" + fmt)
fields = out.split(b"\x00")
for i in range(0, len(fields) - 7, 7):
    h = fields[i].strip().decode()
    if h not in rows:
        continue
    r = rows[h]
    an, ae, ad, cn, ce, cd = (f.decode("utf-8", "replace")
                              for f in fields[i + 1:i + 7])
    dbv = [x.decode() if isinstance(x, bytes) else x for x in r]
    if [an, ae] != [dbv[1], dbv[2]]:
        fail("%s author: git %r, db %r" % (h, [an, ae], dbv[1:3]))
    if [cn, ce] != [dbv[5], dbv[6]]:
        fail("%s committer: git %r, db %r" % (h, [cn, ce], dbv[5:7]))
    if ad != "%d %s" % (dbv[3], tz(dbv[4])):
        fail("%s author date: git %r, db %d %d" % (h, ad, dbv[3], dbv[4]))
    if cd != "%d %s" % (dbv[7], tz(dbv[8])):
        fail("%s committer date: git %r, db %d %d" % (h, cd, dbv[7], dbv[8]))

# Messages: the raw object's body, as UTF-8 with replacement characters.
p = subprocess.Popen(["git", "-C", repo, "cat-file", "--batch"],
                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
for h in sorted(rows):
    p.stdin.write(h.encode() + b"\n")
    p.stdin.flush()
    header = p.stdout.readline().split()
    size = int(header[2])
    body = p.stdout.read(size)
    p.stdout.read(1)
    sep = body.find(b"\n\n")
    msg = body[sep + 2:] if sep >= 0 else b""
    want_msg = msg.decode("utf-8", "replace").replace("\x00", "\ufffd")
    got_msg = rows[h][9].decode("utf-8")
    if want_msg != got_msg:
        fail("%s message differs (%d vs %d chars)" %
             (h, len(want_msg), len(got_msg)))
p.stdin.close()
p.wait()
print("compared %d commits, %d mismatches" % (len(want), bad))
sys.exit(1 if bad else 0)
