#!/usr/bin/env python3
# linkcheck.py OUT: follow every relative href/src (and meta refresh) of every
# HTML page under OUT; fail on absolute or unresolvable links.
import html.parser
import os
import sys
import urllib.parse


class Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for k in ("href", "src"):
            if a.get(k) is not None:
                self.links.append(a[k])
        if tag == "meta" and (a.get("http-equiv") or "").lower() == "refresh":
            c = a.get("content") or ""
            i = c.lower().find("url=")
            if i >= 0:
                self.links.append(c[i + 4:].strip())


def main():
    out = os.path.realpath(sys.argv[1])
    bad, n = [], 0
    for d, _, files in os.walk(out):
        for f in files:
            if not f.endswith(".html"):
                continue
            page = os.path.join(d, f)
            p = Links()
            with open(page, encoding="utf-8", errors="replace") as fh:
                p.feed(fh.read())
            for link in p.links:
                u = urllib.parse.urlsplit(link)
                # External links (from commit messages) are not ours.
                if u.scheme in ("data", "http", "https", "mailto") or \
                        link.startswith("#"):
                    continue
                n += 1
                if u.scheme or u.netloc or link.startswith("/"):
                    bad.append("%s: not relative: %s" % (page, link))
                    continue
                target = os.path.normpath(os.path.join(
                    d, urllib.parse.unquote(u.path)))
                if not (target + "/").startswith(out + "/"):
                    bad.append("%s: leaves the site: %s" % (page, link))
                    continue
                if os.path.isdir(target):
                    if not u.path.endswith("/") and u.path not in ("", "."):
                        bad.append("%s: directory without /: %s" % (page, link))
                    target = os.path.join(target, "index.html")
                if not os.path.isfile(target):
                    bad.append("%s: broken: %s" % (page, link))
    for b in bad[:50]:
        print(b)
    print("%d links checked, %d bad" % (n, len(bad)))
    sys.exit(1 if bad or n == 0 else 0)


main()
