#!/bin/bash
# t0012: scripts/mkrepo's synthetic history (merges, branches, tags),
# imported in one go with progress lines on stderr, equal to git's.
. "$(dirname "$0")/lib.sh"
R=$T_DIR/syn
check "mkrepo 20000" "$TJ_TOP/scripts/mkrepo" 20000 "$R"
check_eq "20000 commits" "$(git -C "$R" rev-list --all | wc -l)" 20000
check_match "with merges" "$(git -C "$R" rev-list --all --merges | wc -l)" "^[0-9]{3,}$"
"$TJ_GEN" update --repo "$R" --db "$T_DIR/s.db" --no-render >"$T_DIR/out" 2>"$T_DIR/err"
check_eq "import succeeds" "$?" 0
check_eq "a progress line every 10 000 commits (stderr is no terminal)" \
	"$(grep -c '^importing commits: [0-9]*0000$' "$T_DIR/err")" 2
check_match "summary" "$(cat "$T_DIR/out")" "^20000 new commits"
check "db equals git" python3 "$TJ_TOP/tests/e2e/compare_db.py" "$R" "$T_DIR/s.db"
check_eq "only main's tip queued" "$(sql "$T_DIR/s.db" 'SELECT count(*) FROM queue')" 1
check_eq "main is tracked" "$(sql "$T_DIR/s.db" 'SELECT name FROM refs WHERE tracked')" refs/heads/main
check_eq "quiet: no progress" "$("$TJ_GEN" update --repo "$R" --db "$T_DIR/q.db" --no-render --quiet 2>&1)" ""
t_done
