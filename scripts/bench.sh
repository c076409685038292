#!/bin/bash
# bench.sh: run every scripts/bench-*.sh; each prints its figures as ratios
# against a baseline measured in the same run. BENCH=pattern picks some.
set -u
cd "$(dirname "$0")/.."
rc=0
for b in scripts/bench-*.sh; do
	case "$b" in *${BENCH:-}*) ;; *) continue ;; esac
	echo "== ${b#scripts/}"
	bash "$b" || rc=1
	echo
done
exit $rc
