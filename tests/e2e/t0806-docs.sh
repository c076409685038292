#!/bin/bash
# t0806: the deployment docs match the code: docs/config.md has every key
# of lib/config.c in its section's table, and every file and test that
# docs/deploy.md and docs/architecture.md name exists.
. "$(dirname "$0")/lib.sh"
cd "$TJ_TOP" || exit 1

keys=$(grep -oE '^	\{"[a-z]+\.[a-z-]+", K_' lib/config.c |
    sed -E 's/^	\{"([^"]+)".*/\1/')
check_match "config keys found in lib/config.c" "$keys" 'worker\.timeout'
# in_section FILE HEADING-PREFIX ROW-PREFIX: a row under that heading.
in_section() {
	env S="$2" K="$3" awk '
	    index($0, "## ") == 1 { in_s = (index($0, ENVIRON["S"]) == 1) }
	    in_s && index($0, ENVIRON["K"]) == 1 { found = 1 }
	    END { exit !found }' "$1"
}
for k in $keys server.NAME.url server.NAME.token server.NAME.weight; do
	sec=${k%%.*}
	key=${k##*.}
	[ "$sec" = server ] && sec='server "NAME"'
	check "docs/config.md documents $k" in_section docs/config.md \
	    "## \`[$sec]\`" "| \`$key\`"
done
check_fails "the check can fail" in_section docs/config.md "## \`[repo]\`" \
    "| \`listen\`"
# Every row of config.md is a real key.
rows=$(awk '/^## `\[/ { s = $2; gsub(/[`\[\]:]/, "", s) }
    /^\| `[a-z-]+`/ && s != "" { k = $2; gsub(/`/, "", k); print s "." k }' docs/config.md)
for r in $rows; do
	case "$r" in server.*) r="server.NAME.${r##*.}" ;; esac
	check_match "config.md's $r is a key" \
	    "$keys server.NAME.url server.NAME.token server.NAME.weight" \
	    "(^|[[:space:]])${r//./\\.}($|[[:space:]])"
done
for d in docs/deploy.md docs/architecture.md docs/config.md; do
	# Source-tree paths: not part of a longer path or a URL.
	for f in $(grep -oE '(^|[^/A-Za-z0-9_.-])(scripts|tests/e2e|docs|lib|api|worker|gen|theme)/[A-Za-z0-9_./-]*[A-Za-z0-9]' "$d" |
	    sed -E 's|^[^a-z]||' | sort -u); do
		# (lib/site/page_<name>.c matches as lib/site/page: a prefix.)
		check "$d names $f, which exists" \
		    sh -c 'ls -d "$1"* >/dev/null 2>&1' _ "$f"
	done
	for t in $(grep -oE '`t08[0-9]{2}' "$d" | tr -d '`' | sort -u); do
		check "$d names test $t, which exists" \
		    sh -c "ls tests/e2e/$t-*.sh >/dev/null 2>&1"
	done
done
t_done
