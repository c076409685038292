# t06/site.sh: sourced by the t06xx tests after lib.sh: site_repo builds a
# repo with merges, odd ref names and the hostile corpus in its messages;
# site_db imports it and adds runs (t06/populate.py).
HOSTILE="$TJ_TOP/tests/data/hostile.txt"
VNU="$TJ_TOP/node_modules/vnu-jar/build/dist/vnu.jar"

# tick: the next commit is 100 s after the previous one (ancestry and date
# order agree, so "the nearest ancestor's run" is predictable).
T06_T=1600000000
tick() {
	T06_T=$((T06_T + 100))
	export GIT_AUTHOR_DATE="$T06_T +0100" GIT_COMMITTER_DATE="$T06_T +0000"
}

# site_repo DIR: the test repository.
site_repo() {
	local r=$1 i
	git init -q "$r"
	tick; mkcommit "$r" a.txt 1 "first commit"
	{
		grep -av '^#' "$HOSTILE" | head -n 1
		echo
		echo "Body with *emphasis*, \`code\` and a [link](https://example.com/)."
		echo
		grep -av '^#' "$HOSTILE"
		echo
		echo "<script>alert('tj-xss-raw')</script>"
		echo
		echo "[js link](javascript:alert('tj-xss-md'))"
	} >"$T_DIR/msg"
	echo 2 >"$r/a.txt"
	tick; git -C "$r" add a.txt && git -C "$r" commit -q -F "$T_DIR/msg"
	git -C "$r" branch "<script>x"
	git -C "$r" branch "it's&\"q\""
	for i in 3 4 5; do tick; mkcommit "$r" a.txt "$i" "main $i"; done
	git -C "$r" checkout -q "<script>x"
	tick; mkcommit "$r" b.txt 1 "side 1"
	tick; mkcommit "$r" b.txt 2 "side 2"
	git -C "$r" checkout -q main
	tick; git -C "$r" merge -q --no-ff -m "Merge <script>x" "<script>x"
	printf 'invalid \377\376 UTF-8 in a summary\n\nbody \300\274\n' >"$T_DIR/msg"
	echo 6 >"$r/a.txt"
	tick; git -C "$r" add a.txt && git -C "$r" commit -q -F "$T_DIR/msg"
	{
		echo "a huge message"
		echo
		head -c 1048576 /dev/zero | tr '\0' 'y'
		echo
	} >"$T_DIR/msg"
	echo 7 >"$r/a.txt"
	tick; git -C "$r" add a.txt && git -C "$r" commit -q -F "$T_DIR/msg"
	tick; mkcommit "$r" a.txt 8 "main 8"
	git -C "$r" tag v1.0
}

# site_db REPO DB [EVERY]: import and add runs on every EVERY-th commit.
site_db() {
	"$TJ_GEN" update --repo "$1" --db "$2" --no-render >/dev/null &&
	    "$TJ_GEN" track --repo "$1" --db "$2" --no-render "<script>x" \
	    >/dev/null &&
	    python3 "$TJ_TOP/tests/e2e/t06/populate.py" "$2" "$HOSTILE" \
	    "${3:-1}" >/dev/null
}

# files_state OUT: "inode path" of every file, sorted (a rewrite renames a
# new inode into place).
files_state() {
	(cd "$1" && find . -type f ! -name .lock -printf '%i %p\n' | sort -k2)
}
