#!/bin/bash
# t0205: GET .../tree.tar.gz equals `git archive` (paths, modes, symlink
# targets, bytes after the checkout filters of the commit's own
# .gitattributes: eol, text, ident), is streamed, makes a submodule an empty
# directory; hostile hashes are 404;
# the bench repo's tree and the bench method handed out.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/api-lib.sh"
cd "$T_DIR" || exit 1

git init -q repo
(
	cd repo || exit 1
	mkdir -p sub/deeper "odd dir" "$(printf 'd%.0s' $(seq 60))/$(printf 'e%.0s' $(seq 60))"
	echo plain >plain.txt
	printf '#!/bin/sh\necho hi\n' >run.sh && chmod 755 run.sh
	: >empty
	echo nested >sub/deeper/file
	printf 'no newline' >"odd dir/spaced name"
	echo unicode >"sub/ünïcödé ✓.txt"
	echo latin1 >"$(printf 'not utf8 \377\376')"
	echo long >"$(printf 'd%.0s' $(seq 60))/$(printf 'e%.0s' $(seq 60))/$(printf 'f%.0s' $(seq 80)).txt"
	head -c 3000000 /dev/urandom >big.bin
	ln -s plain.txt link-to-file
	ln -s sub/deeper link-to-dir
	ln -s ../nowhere/at/all dangling
	ln -s "$(printf 't%.0s' $(seq 120))" long-target
	# Checkout filters: CRLF for *.bat, ident, LF kept for a text file
	# committed with CRLF (normalised on add).
	printf '*.bat text eol=crlf\n*.id ident\nlf.txt text eol=lf\n' >.gitattributes
	printf 'echo one\r\necho two\n' >run.bat
	printf 'x $Id$ y\nbody\n' >file.id
	printf 'a\r\nb\r\n' >lf.txt
	mkdir -p sub/bats && printf 'deep\n' >sub/bats/deep.bat
	git add -A
	# A submodule entry (gitlink): git archive makes an empty dir of it.
	git update-index --add --cacheinfo 160000,0123456789abcdef0123456789abcdef01234567,modsub
	git commit -q -m tree
	echo second >plain.txt
	# c2 drops the *.bat rule: its run.bat comes with LF.
	printf '*.id ident\n' >.gitattributes
	git commit -q -am second
	# An uncommitted work-tree rule applies to no commit's tree.
	printf '*.txt text eol=crlf\n' >>.gitattributes
) || exit 1
api_conf
check "import with tj-gen" import_all
c1=$(git -C repo rev-parse main~1)
c2=$(git -C repo rev-parse main)
api_start --config "$T_DIR/tj.conf"

# same_tree NAME COMMIT REPO URL: fetch URL and compare with git archive.
same_tree() {
	local n=$1 c=$2 r=$3 url=$4 code
	code=$(curl -s -m 60 -D "$n.hdr" -o "$n.tar.gz" -w '%{http_code}' \
	    -u "w:$TOKEN" "$url")
	check_eq "$n: 200" "$code" 200
	check_match "$n: gzip" "$(cat "$n.hdr")" "Content-Type: application/gzip"
	check_match "$n: streamed (chunked)" "$(cat "$n.hdr")" \
	    "Transfer-Encoding: chunked"
	check "$n: a valid gzip" gzip -t "$n.tar.gz"
	mkdir -p "$n.ours" "$n.git"
	check "$n: tar extracts" tar -xzf "$n.tar.gz" -C "$n.ours"
	# tar.umask=022: the 0644/0755 modes tj-api writes.
	git -C "$r" -c tar.umask=022 archive "$c" | tar -xf - -C "$n.git"
	check "$n: same paths and bytes" diff -r --no-dereference "$n.ours" "$n.git"
	(cd "$n.ours" && find . -printf '%p %y %m %l\n' | sort) >"$n.ours.list"
	(cd "$n.git" && find . -printf '%p %y %m %l\n' | sort) >"$n.git.list"
	check_files_eq "$n: same types, modes and symlink targets" \
	    "$n.ours.list" "$n.git.list"
}
same_tree c1 "$c1" repo "$API/api/worker/repo/$c1/tree.tar.gz"
same_tree c2 "$c2" repo "$API/api/worker/repo/$c2/tree.tar.gz"
check_match "modes: 0755 script" "$(grep '^./run.sh ' c1.ours.list)" " f 755 "
check_match "modes: 0644 file" "$(grep '^./plain.txt ' c1.ours.list)" " f 644 "
check_match "a symlink stays one" "$(grep '^./link-to-dir ' c1.ours.list)" " l .* sub/deeper$"
check_eq "the submodule is an empty directory" \
    "$(grep '^./modsub ' c1.ours.list)" "./modsub d 755 "
check_eq "*.bat eol=crlf: CRLF" "$(od -An -c c1.ours/run.bat | tr -s ' ')" \
    "$(printf 'echo one\r\necho two\r\n' | od -An -c | tr -s ' ')"
check_eq "in a subdirectory too" "$(od -An -c c1.ours/sub/bats/deep.bat | tr -s ' ')" \
    "$(printf 'deep\r\n' | od -An -c | tr -s ' ')"
check_eq "ident expands to the blob id" "$(head -n 1 c1.ours/file.id)" \
    "x \$Id: $(git -C repo rev-parse "$c1:file.id") \$ y"
check_eq "eol=lf: the CRLF committed comes out LF" "$(od -An -c c1.ours/lf.txt | tr -s ' ')" \
    "$(printf 'a\nb\n' | od -An -c | tr -s ' ')"
# (c2 has no *.bat rule: run.bat comes out as its blob, unconverted,
# whatever line ends git add left in it.)
check_eq "c2's attributes for c2: run.bat as its blob" \
    "$(od -An -c c2.ours/run.bat | tr -s ' ')" \
    "$(git -C repo cat-file blob "$c2:run.bat" | od -An -c | tr -s ' ')"
check_eq "the work tree's rule is not applied" "$(od -An -c c2.ours/plain.txt | tr -s ' ')" \
    "$(printf 'second\n' | od -An -c | tr -s ' ')"
check_eq "c2 has c2's file" "$(cat c2.ours/plain.txt)" second
listing=$(tar -tvzf c1.tar.gz)
check_match "owner root" "$listing" "root/root"
check_match "mtime is the commit time" "$listing" \
    "$(date -u -d "@$(git -C repo log -1 --format=%ct "$c1")" '+%Y-%m-%d %H:%M')"
code=$(curl -s -I -o /dev/null -w '%{http_code}' -u "w:$TOKEN" \
    "$API/api/worker/repo/$c1/tree.tar.gz")
check_eq "HEAD works too" "$code" 200

# Hostile or wrong hashes and paths: 404 with a JSON body.
blob=$(git -C repo rev-parse "$c1:plain.txt")
treeh=$(git -C repo rev-parse "$c1^{tree}")
for p in "../../x" "%2e%2e" "%2e%2e/%2e%2e/%2e%2e/etc/passwd" "${c1%?}" "${c1}0" \
    "$(echo "$c1" | tr a-f A-F)" "0123456789abcdef0123456789abcdef01234567" \
    "$blob" "$treeh" "$c1/../$c1" "$c1%2f..%2f$c1" "" "$c1/" "$c1%00"; do
	code=$(curl -s --path-as-is -o reply -w '%{http_code}' -u "w:$TOKEN" \
	    "$API/api/worker/repo/$p/tree.tar.gz")
	check_eq "repo/$p/tree.tar.gz: 404" "$code" 404
	check_match "repo/$p: JSON error" "$(jr .error)" .
done
for p in "$c1" "$c1/tree.tar" "$c1/tree.tar.gz/x" "$c1/tree.tar.gzz" \
    "../$c1/tree.tar.gz"; do
	code=$(curl -s --path-as-is -o /dev/null -w '%{http_code}' \
	    -u "w:$TOKEN" "$API/api/worker/repo/$p")
	check_eq "repo/$p: 404" "$code" 404
done
code=$(curl -s -o reply -w '%{http_code}' -u "w:$TOKEN" \
    "$API/api/worker/bench_repo/$c1/tree.tar.gz")
check_eq "no bench repo: 404" "$code" 404
check_eq "saying so" "$(jr .error)" "no bench repo is configured"
check_eq "internal method without a bench repo" \
    "$(post w "$(idle s true)")" 200
check_eq "is {type: internal}" "$(jq -c .run.bench_method reply)" '{"type":"internal"}'
api_stop
check_eq "SIGTERM: clean exit" "$API_RC" 0

# Bounded memory: 48 MB of loose 1 MB blobs go through a fresh server
# whose peak RSS stays far below that (plain build: ASan's is not telling).
case "$TJ_BIN" in
*asan*) ;;
*)
	git init -q bigrepo
	for i in $(seq 48); do head -c 1048576 /dev/urandom >"bigrepo/f$i"; done
	git -C bigrepo add -A && git -C bigrepo commit -q -m big
	bh=$(git -C bigrepo rev-parse HEAD)
	TJ_TOKEN=$TOKEN api_start --db "$T_DIR/big.db" --repo "$T_DIR/bigrepo" --no-render
	before=$(awk '/VmRSS/ {print $2}' "/proc/$API_PID/status")
	n=$(curl -s -m 60 -u "w:$TOKEN" "$API/api/worker/repo/$bh/tree.tar.gz" |
	    tar -xzOf - | wc -c)
	check_eq "48 MB came through" "$n" $((48 * 1048576))
	hwm=$(awk '/VmHWM/ {print $2}' "/proc/$API_PID/status")
	check "peak RSS $hwm kB (start $before kB) stays under 40 MB" \
	    test "$hwm" -lt 40000
	api_stop
	check_eq "SIGTERM: clean exit" "$API_RC" 0
	;;
esac

# With a bench repo: its tree, and the bench method names its HEAD.
git init -q bench
printf '#!/bin/sh\necho bench\n' >bench/bench && chmod 755 bench/bench
git -C bench add bench && git -C bench commit -q -m bench
b=$(git -C bench rev-parse HEAD)
api_conf "[bench]
	repo = $T_DIR/bench"
api_start --config "$T_DIR/tj.conf"
check "the start line names the bench repo" \
    grep -q "listening on .*, bench repo $T_DIR/bench\$" "$T_DIR/api.log"
same_tree bench "$b" bench "$API/api/worker/bench_repo/$b/tree.tar.gz"
same_tree bench2 "$b" bench "$API/api/worker/bench-repo/$b/tree.tar.gz"
code=$(curl -s -o /dev/null -w '%{http_code}' -u "w:$TOKEN" \
    "$API/api/worker/bench_repo/$c1/tree.tar.gz")
check_eq "a main-repo commit is not in the bench repo" "$code" 404
check_eq "ask with a bench repo" "$(post w2 "$(idle s2 true)")" 200
check_eq "the bench method is the bench repo's HEAD" \
    "$(jq -c .run.bench_method reply)" "{\"type\":\"repo\",\"hash\":\"$b\"}"
git -C bench commit -q --allow-empty -m two
b2=$(git -C bench rev-parse HEAD)
check_eq "ask again after a bench commit" "$(post w2 "$(idle s2 true)")" 200
check_eq "the new HEAD is handed out" "$(jr .run.bench_method.hash)" "$b2"
api_stop
check_eq "SIGTERM: clean exit" "$API_RC" 0
t_done
