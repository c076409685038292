#!/bin/bash
# update.sh [BIN_DIR]: regenerate tests/golden/expected/ with the binaries
# in BIN_DIR (default build; `make golden` builds them first) and print
# what changed. Review that diff, then commit tests/golden/expected/.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
g=$top/tests/golden
new=$(mktemp -d "${TMPDIR:-/tmp}/tj-golden-new.XXXXXX")
trap 'rm -rf "$new"' EXIT
"$g/build.sh" "${1:-build}" "$new/site"
mkdir -p "$g/expected"
if python3 "$g/diff.py" "$g/expected" "$new/site"; then
	echo "golden: no change"
	exit 0
fi
rm -rf "$g/expected"
cp -R "$new/site" "$g/expected"
echo "golden: tests/golden/expected/ updated; review the diff above" \
    "(or git diff --word-diff), then commit it"
