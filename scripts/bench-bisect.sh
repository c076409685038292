#!/bin/bash
# bench-bisect.sh [BUILD_DIR]: the extra runs lib/bisect spends to attribute
# a change to its commit, against ceil(log2 N) for a range of N commits, and
# the share attributed to the right commit within 2 ceil(log2 N) + 4 runs,
# over 20 seeded scenarios (ranges of 4-512 commits, steps of 2-10 x the
# noise, with and without a merged branch holding the change).
# BENCH_BISECT_TRIALS (default 200) trials per scenario. Exits 1 when the
# target (>= 95 % right) is missed.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$top/build}
case "$bin" in /*) ;; *) bin="$top/$bin" ;; esac
if [ ! -x "$bin/bench-bisect" ]; then
	make -C "$top" --no-print-directory "${bin#$top/}/bench-bisect" >&2
fi
exec "$bin/bench-bisect" "${BENCH_BISECT_TRIALS:-200}"
