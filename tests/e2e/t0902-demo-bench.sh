#!/bin/bash
# t0902: the demo's bench (scripts/demo-bench/bench) on this repository's
# own tree: it builds tj-gen, times it on its fixed fixture and reports the
# five metrics; a tree that does not build is a run-level error. It builds
# with the system compiler whatever TJ_BIN is, so it runs once, for build/.
. "$(dirname "$0")/lib.sh"
case $TJ_BIN in
*asan*) ok "runs for the plain build only"; t_done ;;
esac
if ! git -C "$TJ_TOP" rev-parse --git-dir >/dev/null 2>&1; then
	not_ok "the source tree is not a git checkout"
	t_done
fi
bench=$T_DIR/bench
cp -R "$TJ_TOP/scripts/demo-bench" "$bench"
cp "$TJ_TOP"/node_modules/uplot/dist/uPlot.iife.min.js \
    "$TJ_TOP"/node_modules/uplot/dist/uPlot.min.css "$bench/"
tree=$T_DIR/tree
mkdir -p "$tree"
git -C "$TJ_TOP" archive HEAD | tar -x -C "$tree"
(cd "$bench" && TJ_RESULT_FILE=$T_DIR/r.jsonl BENCH_REPS=2 BENCH_COMMITS=200 \
    ./bench "$tree" >"$T_DIR/out.log" 2>&1)
check_eq "the bench exits 0" "$?" 0
for m in import/instructions render/instructions import/time render/time tj-gen/size; do
	check_eq "it reports $m" \
	    "$(jq -r --arg m "$m" 'select(.metric == $m) | .metric' "$T_DIR/r.jsonl")" "$m"
done
check_match "instructions are a whole number" \
    "$(jq -r 'select(.metric == "import/instructions") | .value' "$T_DIR/r.jsonl")" \
    '^[1-9][0-9]{6,}$'
check_eq "two timed runs" \
    "$(jq -r 'select(.metric == "import/time") | .values | length' "$T_DIR/r.jsonl")" 2
check_eq "no error" "$(jq -r 'select(.error) | .error' "$T_DIR/r.jsonl")" ""
# A tree that does not build.
bad=$T_DIR/bad
mkdir -p "$bad"
printf 'build/tj-gen:\n\tfalse\n' >"$bad/Makefile"
(cd "$bench" && TJ_RESULT_FILE=$T_DIR/bad.jsonl ./bench "$bad" >/dev/null 2>&1)
check_match "a tree that does not build is an error" \
    "$(jq -r '.error' "$T_DIR/bad.jsonl")" "make build/tj-gen failed"
t_done
