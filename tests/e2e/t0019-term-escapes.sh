#!/bin/bash
# t0019: repo data printed by tj-gen (commit subjects, ref names) never
# carries control characters to the terminal: "\e]0;title\a", "\e[2J",
# "\r" and C1 controls come out escaped; plain UTF-8 is kept.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/api-lib.sh"
cd "$T_DIR" || exit 1

git init -q repo
mkcommit repo a.txt a "$(printf 'evil \033]0;title\007 \033[2J back\rover \302\233x é')"
git -C repo branch "$(printf 'b\033[31mred')" 2>/dev/null || true
api_conf
gen update
h=$(git -C repo rev-parse main)
gen queue add "$h" >/dev/null 2>&1
"$TJ_GEN" queue list --config tj.conf >list.out 2>list.err
check_eq "queue list works" "$?" 0
check "no ESC, BEL or CR in what it printed" sh -c "! grep -q \"\$(printf '[\\033\\007\\r]')\" list.out list.err"
check "no C1 control either" sh -c "! grep -q \"\$(printf '\\302\\233')\" list.out"
check_match "the subject is there, escaped" "$(cat list.out)" 'evil \\x1b\]0;title\\x07 \\x1b\[2J back\\x0dover \\u009bx é'
"$TJ_GEN" refs --config tj.conf >refs.out 2>&1
check "refs: no ESC" sh -c "! grep -q \"\$(printf '\\033')\" refs.out"
"$TJ_GEN" queue add nosuch$(printf '\033[2J') --config tj.conf >err.out 2>&1
check "an error naming the input: no ESC" sh -c "! grep -q \"\$(printf '\\033')\" err.out"
t_done
