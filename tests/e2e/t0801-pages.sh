#!/bin/bash
# t0801: GitHub Pages style: out/ (with real runs) committed as docs/deploy.md
# says, published under a sub-path, works with no server logic: .nojekyll,
# relative links only, an index.html for every directory linked, the JSON
# the scripts fetch. The checker is also shown to catch a broken copy.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/api-lib.sh"
. "$(dirname "$0")/t08/deploy.sh"
cd "$T_DIR" || exit 1
CHECK="$TJ_TOP/tests/e2e/t08/pagescheck.py"

site_with_runs 4
git -C repo checkout -q -b topic/one
mkcommit repo t.txt t "topic"
git -C repo checkout -q main
gen update
gen track topic/one
for i in 1 2 3 4 5; do
	check "worker run $i" worker_once "$API" "w$i"
done
check_eq "5 runs" "$(sql tj.db "SELECT count(*) FROM runs")" 5
check "tj-api rendered what changed" wait_for 20 sql_is tj.db \
    "SELECT count(*) FROM dirty" 0
api_stop
check "tj-gen render --all" "$TJ_GEN" render --all --config tj.conf --quiet
check ".nojekyll is rendered" test -f out/.nojekyll
check_eq ".nojekyll is empty" "$(wc -c <out/.nojekyll)" 0

# The recipe of docs/deploy.md: out/ as the work tree of the Pages repo.
git init -q --bare pages.git
P="git --git-dir=$T_DIR/pages.git --work-tree=$T_DIR/out"
check "add the site" $P add -A -- . ':(exclude).lock'
check "commit it" $P commit -q -m "tablejohn site"
tree=$(git --git-dir=pages.git ls-tree -r --name-only HEAD)
check_match ".nojekyll is published" "$tree" '^\.nojekyll$'
check_eq "the lock file is not" "$(printf '%s\n' "$tree" | grep -c '^\.lock$')" 0
check_eq "no temp file is" "$(printf '%s\n' "$tree" | grep -c '\.tmp\.')" 0
check_eq "every file of out/ is" "$(printf '%s\n' "$tree" | wc -l)" \
    "$(cd out && find . -type f ! -name .lock | wc -l)"

# Published under a sub-path, as https://user.github.io/proj/ is.
mkdir -p host/user.github.io/proj
git --git-dir=pages.git archive HEAD | tar -x -C host/user.github.io/proj
check "every link resolves under the sub-path" python3 "$CHECK" \
    host/user.github.io/proj
check_match "links were checked" "$(cat .out)" \
    '^[1-9][0-9]* pages, [1-9][0-9]+ links checked, 0 bad$'
npages=$(find host/user.github.io/proj -name index.html | wc -l)
check_match "pages of every kind" \
    "$(cd host/user.github.io/proj && ls -d commit/*/ run/*/ worker/*/ graph queue compare go | wc -l)" \
    '^[1-9][0-9]+$'
check_match "many pages ($npages)" "$npages" '^[1-9][0-9]+$'
sub=$(find host/user.github.io/proj/run -name index.html | head -n 1)
check_match "a run page links up by ../" "$(cat "$sub")" 'href="\.\./\.\./'

# The checker catches what Pages would break on.
cp -a host/user.github.io/proj broken
rm broken/graph/index.html
check_fails "a directory without index.html is caught" python3 "$CHECK" broken
check_match "and named" "$(python3 "$CHECK" broken)" 'index.html: directory without index.html: graph/$'
cp -a host/user.github.io/proj broken2
rm broken2/.nojekyll
check_fails "no .nojekyll is caught" python3 "$CHECK" broken2
cp -a host/user.github.io/proj broken3
sed -i 's|href="\.\./\.\./|href="/|' "broken3/${sub#host/user.github.io/proj/}"
check_fails "an absolute link is caught" python3 "$CHECK" broken3
t_done
