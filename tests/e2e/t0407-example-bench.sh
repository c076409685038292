#!/bin/bash
# t0407: scripts/example-bench as the bench repo, against the real tj-api:
# it builds a small C project of the commit's tree and times it; a commit
# that does not build is reported as broken.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/api-lib.sh"
. "$(dirname "$0")/worker-lib.sh"
cd "$T_DIR" || exit 1

bench_repo bench <"$TJ_TOP/scripts/example-bench/bench"
git init -q repo
printf 'hello: hello.c\n\t$(CC) -O2 -o hello hello.c\n' >repo/Makefile
printf '#include <stdio.h>\nint main(void) { puts("hi"); return 0; }\n' >repo/hello.c
git -C repo add . && git -C repo commit -q -m good
good=$(git -C repo rev-parse HEAD)
mkcommit repo hello.c 'int main(' broken
broken=$(git -C repo rev-parse HEAD)
api_conf "	worker-timeout = 30s
[bench]
	repo = $T_DIR/bench"
gen update
gen queue add "$good"
api_start --config "$T_DIR/tj.conf"
worker_conf w1
export BENCH_REPS=2
bg_worker w1
wpid=$T_LAST_PID
check "both runs land" wait_for 60 runs_are 2
check "the worker stops" stop "$wpid"

check_eq "good: exit 0, no error" "$(run_of "$good" "exit_code, error IS NULL")" "0|1"
check_match "good: two build times" "$(values_of "$good" build/time)" '^\[[0-9.]+,[0-9.]+\]$'
check_eq "good: unit and direction" \
    "$(sql tj.db "SELECT unit, direction FROM metrics WHERE name = 'build/time'")" "s|-1"
check_eq "good: the build made one file" "$(values_of "$good" build/outputs)" "[1]"
check_match "good: its size" "$(values_of "$good" build/output-size)" '^\[[1-9][0-9]+\]$'
check_match "good: progress on stdout" "$(output_of "$good")" '^1\|build 2: [0-9.]+ s$'
check_eq "broken: reported as broken" "$(run_of "$broken" "exit_code, error")" \
    "0|make failed (build 1 of 2); the end of its log is on stderr"
check_match "broken: the compiler's error on stderr" "$(output_of "$broken")" '^2\|.*error'
check_eq "broken: no build time" "$(values_of "$broken" build/time)" ""
api_stop
t_done
