#!/bin/bash
# t0690-golden: the golden site (tests/golden/build.sh: a fixed repo and
# fixed runs submitted to the real tj-api) renders byte for byte as the
# files in tests/golden/expected/. A difference prints the diff; when the
# change is intended, run `make golden` and commit the result (see
# tests/golden/README).
. "$(dirname "$0")/lib.sh"

G=$TJ_TOP/tests/golden
check "the golden site builds" "$G/build.sh" "$TJ_BIN" "$T_DIR/got"
n=$(sed -e '/^#/d' -e '/^$/d' "$G/pages" | wc -l)
check_eq "every golden page was rendered" \
    "$(find "$T_DIR/got" -type f | wc -l)" "$n"
check_eq "every golden page is committed" \
    "$(find "$G/expected" -type f | wc -l)" "$n"
if python3 "$G/diff.py" "$G/expected" "$T_DIR/got" >"$T_DIR/golden.diff"; then
	ok "the pages are the golden bytes"
else
	not_ok "the pages differ from tests/golden/expected (intended? run \`make golden\` and commit; see tests/golden/README)"
	head -n 400 "$T_DIR/golden.diff"
	if [ "$(wc -l <"$T_DIR/golden.diff")" -gt 400 ]; then
		echo "... (diff cut at 400 lines; the whole diff: TJ_KEEP=1, $T_DIR/golden.diff)"
	fi
fi
t_done
