#!/usr/bin/env python3
# diff.py EXPECTED GOT: compare two golden trees byte for byte; print a
# unified diff of each file that differs (JSON files pretty-printed, keys
# in their order, so a change shows as the lines it touched), and the
# files only one side has. Exit 0 when the trees are the same bytes.
import difflib
import json
import os
import sys


def files(top):
    out = set()
    for d, _, fs in os.walk(top):
        for f in fs:
            out.add(os.path.relpath(os.path.join(d, f), top))
    return out


def lines(data, name):
    if name.endswith(".json"):
        try:
            obj = json.loads(data.decode("utf-8"))
            return json.dumps(obj, indent=1, ensure_ascii=False).split("\n")
        except ValueError:
            pass
    return data.decode("utf-8", "backslashreplace").split("\n")


exp, got = sys.argv[1], sys.argv[2]
fe, fg = files(exp), files(got)
bad = 0
for name in sorted(fe | fg):
    if name not in fg:
        print("only in %s: %s" % (exp, name))
        bad += 1
        continue
    if name not in fe:
        print("only in %s: %s" % (got, name))
        bad += 1
        continue
    a = open(os.path.join(exp, name), "rb").read()
    b = open(os.path.join(got, name), "rb").read()
    if a == b:
        continue
    bad += 1
    la, lb = lines(a, name), lines(b, name)
    if la == lb:
        # Same JSON value, other bytes (spacing, number format): raw.
        la = a.decode("utf-8", "backslashreplace").split("\n")
        lb = b.decode("utf-8", "backslashreplace").split("\n")
    for line in difflib.unified_diff(la, lb, "expected/" + name,
                                     "got/" + name, lineterm="", n=2):
        print(line)
if bad:
    print("golden: %d file(s) differ" % bad)
sys.exit(1 if bad else 0)
