#!/bin/bash
# t0014-odd-dates: commits whose dates git accepts but a calendar cannot
# print: a committer offset of +9999 and a date of 99999999999999999999
# seconds. Their refs are imported like any other, and every <time> the
# site writes is RFC 3339.
. "$(dirname "$0")/lib.sh"
R=$T_DIR/repo D=$T_DIR/t.db O=$T_DIR/out
cd "$T_DIR" || exit 1
gen_conf "$R" "$D" "$O"
git init -q -b main "$R"
mkcommit "$R" f one "one"
tree=$(git -C "$R" write-tree)
# raw COMMIT-TEXT: a commit object as written, unchecked (git fsck would
# refuse both dates).
raw() { printf '%b' "$1" | git -C "$R" hash-object -t commit -w --stdin --literally; }
TZ9=$(raw "tree $tree\nparent $(git -C "$R" rev-parse HEAD)\nauthor A <a@x> 1700000000 +9999\ncommitter C <c@x> 1700000000 +9999\n\nan offset of +9999\n")
BIG=$(raw "tree $tree\nparent $TZ9\nauthor A <a@x> 99999999999999999999 +0000\ncommitter C <c@x> 99999999999999999999 -0130\n\na date past any calendar\n")
git -C "$R" update-ref refs/heads/main "$BIG"
git -C "$R" update-ref refs/heads/tz "$TZ9"
check "import" gen update --quiet
check_eq "every ref kept, the one at the huge date too" \
    "$(sql "$D" "SELECT name FROM refs ORDER BY name" | tr '\n' ' ')" \
    "refs/heads/main refs/heads/tz "
check_eq "three commits" "$(sql "$D" "SELECT count(*) FROM commits")" 3
check_eq "the huge date reads as 0, as git log shows it" \
    "$(sql "$D" "SELECT committer_time, author_time FROM commits WHERE hash = '$BIG'")" "0|0"
check_eq "its valid offset is kept" \
    "$(sql "$D" "SELECT committer_tz FROM commits WHERE hash = '$BIG'")" -90
check_eq "+9999 reads as UTC" \
    "$(sql "$D" "SELECT committer_tz, author_tz FROM commits WHERE hash = '$TZ9'")" "0|0"
check "both commits have pages" test -f "$O/commit/$BIG/index.html" -a -f "$O/commit/$TZ9/index.html"
bad=$(grep -rhoE '<time[^>]*>[^<]*</time>' "$O" | sed 's/<[^>]*>//g' |
    grep -vE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{3})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$' | sort -u)
check_eq "every <time> on the site is RFC 3339" "$bad" ""
check_match "the huge date shows as the epoch" "$(cat "$O/commit/$BIG/index.html")" \
    '1969-12-31T22:30:00-01:30|1970-01-01T00:00:00Z'
# A db written before the import checked: the pages still print RFC 3339.
sql "$D" "UPDATE commits SET committer_tz = 6039, committer_time = 99999999999999 WHERE hash = '$TZ9'"
check "render --all over the old rows" gen render --all --quiet
check_match "the offset prints as UTC" "$(cat "$O/commit/$TZ9/index.html")" \
    '<time>1970-01-01T00:00:00Z</time>'
bad=$(grep -rhoE '<time[^>]*>[^<]*</time>' "$O" | sed 's/<[^>]*>//g' |
    grep -vE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{3})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$' | sort -u)
check_eq "and every <time> is still RFC 3339" "$bad" ""
t_done
