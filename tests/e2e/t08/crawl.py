#!/usr/bin/env python3
# crawl.py URL_PREFIX OUT [dots]: fetch every file of the rendered site OUT through
# a web server at URL_PREFIX (like http://127.0.0.1:8080/bench/) and compare
# it byte for byte; every directory with an index.html answers with it (and
# without its slash, with a relative redirect to it); directories without
# index.html are not served, nor dot files (unless "dots" is given). Prints what failed and
# "N files, M dirs checked, K bad"; exits 1 on any failure.
import http.client
import os
import sys
import urllib.parse

TYPES = {".html": "text/html", ".json": "application/json",
         ".css": "text/css", ".js": "javascript", ".xml": "xml"}


def get(url):
    u = urllib.parse.urlsplit(url)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=20)
    try:
        c.request("GET", u.path)
        r = c.getresponse()
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), \
            r.read()
    finally:
        c.close()


def main():
    prefix, out = sys.argv[1], os.path.realpath(sys.argv[2])
    dots = sys.argv[3:] == ["dots"]
    base = urllib.parse.urlsplit(prefix).path
    bad, nfiles, ndirs = [], 0, 0
    for d, dirs, files in os.walk(out):
        rel = os.path.relpath(d, out)
        rel = "" if rel == "." else rel + "/"
        if any(p.startswith(".") for p in rel.split("/") if p):
            continue
        q = urllib.parse.quote(rel)
        st, hdr, body = get(prefix + q)
        index = os.path.join(d, "index.html")
        if os.path.isfile(index):
            ndirs += 1
            with open(index, "rb") as fh:
                want = fh.read()
            if st != 200 or body != want:
                bad.append("%s: %d, not its index.html" % (prefix + q, st))
            if rel:
                st, hdr, _ = get(prefix + q[:-1])
                if st != 301 or hdr.get("location") != base + q:
                    bad.append("%s: %d to %s, not 301 to %s" % (
                        prefix + q[:-1], st, hdr.get("location"), base + q))
        elif st == 200:
            bad.append("%s: a directory without index.html is served" %
                       (prefix + q))
        for f in files:
            path = os.path.join(d, f)
            url = prefix + urllib.parse.quote(rel + f)
            st, hdr, body = get(url)
            if f.startswith(".") and not dots:
                if st == 200:
                    bad.append("%s: a dot file is served" % url)
                continue
            nfiles += 1
            with open(path, "rb") as fh:
                want = fh.read()
            if st != 200 or body != want:
                bad.append("%s: %d, %d bytes, want 200 and the file's %d" %
                           (url, st, len(body), len(want)))
                continue
            t = TYPES.get(os.path.splitext(f)[1])
            if t and t not in hdr.get("content-type", ""):
                bad.append("%s: Content-Type %s, want %s" %
                           (url, hdr.get("content-type"), t))
    for b in bad[:50]:
        print(b)
    print("%d files, %d dirs checked, %d bad" % (nfiles, ndirs, len(bad)))
    sys.exit(1 if bad or nfiles == 0 or ndirs == 0 else 0)


main()
