#!/bin/bash
# bench-detect.sh [BUILD_DIR]: detection quality of the change-point
# detector (lib/detect.c) against four baselines measured in the same run
# (the old pairwise rule, github-action-benchmark's 2.0 ratio, rustc-perf's
# Q3 + 3 IQR, Perfherder's 12-vs-12 t-test), on seeded synthetic series,
# and the cost of one incremental update at 1k, 10k and 100k points of
# history. BENCH_DETECT_PER (default 8) series per length and repetition
# count in each row. Exits 1 when a target is missed.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$top/build}
case "$bin" in /*) ;; *) bin="$top/$bin" ;; esac
if [ ! -x "$bin/bench-detect" ]; then
	make -C "$top" --no-print-directory "${bin#$top/}/bench-detect" >&2
fi
exec "$bin/bench-detect" "${BENCH_DETECT_PER:-8}"
