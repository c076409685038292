#!/usr/bin/env python3
# pagescheck.py ROOT: the site copied to ROOT (a sub-path of a static host,
# like GitHub Pages) works with no server logic: .nojekyll is there; every
# href/src/meta refresh/form action of every page is relative, stays inside
# ROOT and names a file, or a directory (written with its slash) that has an
# index.html; the JSON files the pages' scripts fetch exist, and every JSON
# file parses. Prints what failed and "N pages, M links checked, K bad";
# exits 1 on any failure.
import html.parser
import json
import os
import sys
import urllib.parse


class Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for k in ("href", "src", "action"):
            if a.get(k) is not None:
                self.links.append(a[k])
        if tag == "meta" and (a.get("http-equiv") or "").lower() == "refresh":
            c = a.get("content") or ""
            i = c.lower().find("url=")
            if i >= 0:
                self.links.append(c[i + 4:].strip().strip("'\""))


def resolve(root, d, link, bad, page):
    u = urllib.parse.urlsplit(link)
    if u.scheme in ("http", "https", "mailto", "data") or \
            link.startswith("#"):
        return 0
    if u.scheme or u.netloc or link.startswith("/"):
        bad.append("%s: not relative: %s" % (page, link))
        return 1
    path = urllib.parse.unquote(u.path)
    target = os.path.normpath(os.path.join(d, path))
    if not (target + "/").startswith(root + "/"):
        bad.append("%s: leaves the sub-path: %s" % (page, link))
        return 1
    if os.path.isdir(target):
        if path not in ("", ".") and not path.endswith("/"):
            bad.append("%s: directory link without /: %s" % (page, link))
        if not os.path.isfile(os.path.join(target, "index.html")):
            bad.append("%s: directory without index.html: %s" % (page, link))
    elif not os.path.isfile(target):
        bad.append("%s: broken: %s" % (page, link))
    return 1


def need(root, rel, bad):
    if not os.path.isfile(os.path.join(root, rel)):
        bad.append("missing: %s" % rel)
        return None
    try:
        with open(os.path.join(root, rel), encoding="utf-8") as fh:
            return json.load(fh)
    except ValueError as e:
        bad.append("not JSON: %s: %s" % (rel, e))
        return None


def main():
    root = os.path.realpath(sys.argv[1])
    bad, pages, links = [], 0, 0
    if not os.path.isfile(os.path.join(root, ".nojekyll")):
        bad.append("no .nojekyll")
    for d, _, files in os.walk(root):
        for f in files:
            if f.endswith(".json"):
                need(root, os.path.relpath(os.path.join(d, f), root), bad)
            if not f.endswith(".html"):
                continue
            pages += 1
            page = os.path.join(d, f)
            p = Links()
            with open(page, encoding="utf-8", errors="replace") as fh:
                p.feed(fh.read())
            for link in p.links:
                links += resolve(root, d, link, bad, page)
    # What the scripts fetch (theme/static/*.js), relative to their page.
    for rel in ("graph/commits.json", "queue/queue.json", "go/refs.json",
                "index.json"):
        need(root, rel, bad)
    m = need(root, "graph/metrics.json", bad)
    for metric in (m or {}).get("metrics", []):
        # graph/m/<key>.json, or graph/m/<key>/<chunk>.json: the data of
        # each metric exists and parses.
        base = os.path.join(root, "graph", "m", metric["key"])
        files = [base + ".json"] if os.path.isfile(base + ".json") else \
            [os.path.join(base, f) for f in
             (os.listdir(base) if os.path.isdir(base) else [])
             if f.endswith(".json")]
        if not files:
            bad.append("missing: the data of metric %s (graph/m/%s)" %
                       (metric["name"], metric["key"]))
        for f in files:
            need(root, os.path.relpath(f, root), bad)
        links += 1
    for d in ("commit", "run"):
        for h in os.listdir(os.path.join(root, d)):
            need(root, "%s/%s/%s.json" % (d, h, d), bad)
    for b in bad[:50]:
        print(b)
    print("%d pages, %d links checked, %d bad" % (pages, links, len(bad)))
    sys.exit(1 if bad or pages == 0 or links == 0 else 0)


main()
