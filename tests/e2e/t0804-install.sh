#!/bin/bash
# t0804: make install DESTDIR=... PREFIX=/usr/local installs the binaries,
# the theme with uPlot and the four man pages; the installed binaries,
# run outside the source tree (and after the tree is moved), find the
# installed theme; the man pages render without warnings and name every
# option of the --help texts and every config key; make uninstall removes
# every file it installed. (It installs build/, whatever TJ_BIN is.)
. "$(dirname "$0")/lib.sh"
cd "$T_DIR" || exit 1
D="$T_DIR/dest"
P="$D/usr/local"

# (-o all: install what build/ has, without rebuilding it under the other
# tests' feet; tests/run.sh runs after the build.)
inst() { make -s -C "$TJ_TOP" --no-print-directory -o all "$@" DESTDIR="$D" PREFIX=/usr/local; }
check "make install" inst install
for b in tj-gen tj-api tj-worker; do
	check "bin/$b is installed, executable" test -x "$P/bin/$b"
	check_files_eq "bin/$b is the build's" "$P/bin/$b" "$TJ_TOP/build/$b"
done
for m in man1/tj-gen.1 man1/tj-api.1 man1/tj-worker.1 man5/tablejohn.conf.5; do
	check "man page $m" test -f "$P/share/man/$m"
done
T="$P/share/tablejohn/theme"
check "the theme's templates and static files" \
    diff -r "$TJ_TOP/theme" "$T" -x uPlot.iife.min.js -x uPlot.min.css
for f in uPlot.iife.min.js uPlot.min.css; do
	check_files_eq "uPlot's $f is in the installed theme" "$T/static/$f" \
	    "$TJ_TOP/node_modules/uplot/dist/$f"
done
check_eq "nothing else is installed" \
    "$(cd "$D" && find . -type f | grep -cv '^\./usr/local/\(bin/tj-\(gen\|api\|worker\)$\|share/man/man[15]/\|share/tablejohn/theme/\)')" 0

# The installed tj-gen, from a directory outside the source tree, with a
# marker in the installed CSS to show which theme it used.
echo "/* installed-theme-marker */" >>"$T/static/style.css"
mkdir run
cd run || exit 1
git init -q repo
mkcommit repo a.txt 1 "first"
mkcommit repo a.txt 2 "second"
h=$(git -C repo rev-parse HEAD)
check "installed tj-gen update (renders)" "$P/bin/tj-gen" update --repo repo --quiet
check "the index" test -f out/index.html
check "the commit page" test -f "out/commit/$h/index.html"
check "the graph page" test -f out/graph/index.html
check_files_eq "out/static/uPlot.iife.min.js" out/static/uPlot.iife.min.js \
    "$T/static/uPlot.iife.min.js"
check_files_eq "out/static/uPlot.min.css" out/static/uPlot.min.css \
    "$T/static/uPlot.min.css"
check_match "the installed theme was used" "$(cat out/static/style.css)" \
    installed-theme-marker
check "installed tj-gen render --all" "$P/bin/tj-gen" render --all --quiet

# tj-api --local-worker finds the installed tj-worker; a run gets done and
# rendered.
port=$(free_port)
printf '[api]\n\ttoken = t0804\n\tlisten = 127.0.0.1:%s\n[repo]\n\tpath = repo\n[worker]\n\tping = 1s\n\tdir = %s/wd\n' \
    "$port" "$T_DIR/run" >tablejohn.conf
bg "$P/bin/tj-api" --local-worker >api.log 2>&1
api=$T_LAST_PID
one_run() {
	[ "$(sqlite3 -cmd '.timeout 2000' tablejohn.db \
	    'SELECT count(*) FROM runs WHERE exit_code = 0')" = 1 ]
}
check "installed tj-api with its local worker: a run" wait_for 60 one_run
run=$(sql tablejohn.db "SELECT id FROM runs")
check "its page is rendered" wait_for 20 test -f "out/run/$run/index.html"
kill -TERM "$api"
wait "$api"
check_eq "tj-api stops with exit 0" "$?" 0
cd "$T_DIR" || exit 1

# Relocatable: the whole tree moved elsewhere still finds its theme.
mv dest moved
rm -rf run/out
(cd run && "$T_DIR/moved/usr/local/bin/tj-gen" render --all --quiet)
check_eq "a moved install renders" "$?" 0
check_match "with its own theme" "$(cat run/out/static/style.css 2>&1)" \
    installed-theme-marker
mv moved dest

# Installing again over it is fine (no theme/theme).
check "make install again" inst install
check "no nested theme" test ! -e "$T/theme"

# The man pages.
man_txt() { MANWIDTH=80 man --warnings -l "$1" 2>"$T_DIR/man.err"; }
for m in man1/tj-gen.1 man1/tj-api.1 man1/tj-worker.1 man5/tablejohn.conf.5; do
	f="$P/share/man/$m"
	txt=$(man_txt "$f")
	check_eq "$m renders without warnings" "$(cat man.err)" ""
	n=${m#*/}
	n=${n%.*}
	check_match "$m: its NAME" "$txt" "^NAME"
	check_match "$m: names $n" "$txt" "^ +$n "
done
check "man finds tj-gen(1) under the prefix" man -M "$P/share/man" -w tj-gen
check "and tablejohn.conf(5)" man -M "$P/share/man" -w 5 tablejohn.conf

# Every option of every --help is in its man page source (as Fl \-opt).
opts_of() { grep -oE -- '--[a-z][a-z-]+' | sort -u; }
for b in tj-api tj-worker; do
	for o in $("$TJ_TOP/build/$b" --help | opts_of); do
		check "$b(1) documents $o" grep -qF -- "Fl \\-${o#--}" \
		    "$TJ_TOP/docs/man/$b.1"
	done
done
verbs=$("$TJ_TOP/build/tj-gen" --help | sed -n '/^Verbs:/,/^$/p' |
    awk 'NF > 1 {print $1}')
check_match "tj-gen has verbs" "$verbs" update
for v in $verbs; do
	check "tj-gen(1) documents the verb $v" grep -qE "^\\.It Cm $v( |$)" \
	    "$TJ_TOP/docs/man/tj-gen.1"
	for o in $("$TJ_TOP/build/tj-gen" "$v" --help | opts_of); do
		check "tj-gen(1) documents $v $o" grep -qF -- "Fl \\-${o#--}" \
		    "$TJ_TOP/docs/man/tj-gen.1"
	done
done
# Every key of lib/config.c in tablejohn.conf(5), in its section.
keys=$(grep -oE '^	\{"[a-z]+\.[a-z-]+", K_' "$TJ_TOP/lib/config.c" |
    sed -E 's/^	\{"([^"]+)".*/\1/')
check_match "config keys found" "$keys" 'repo\.path'
for k in $keys server.NAME.url server.NAME.token server.NAME.weight; do
	sec=${k%%.*}
	key=${k##*.}
	[ "$sec" = server ] && sec='server \(dqNAME\(dq'
	check "tablejohn.conf(5) documents $k" env S=".Ss [$sec]" \
	    K=".It Cm $key " awk '
	    index($0, ".Ss ") == 1 { in_s = (index($0, ENVIRON["S"]) == 1) }
	    in_s && index($0, ENVIRON["K"]) == 1 { found = 1 }
	    END { exit !found }' "$TJ_TOP/docs/man/tablejohn.conf.5"
done

check "make uninstall" inst uninstall
check_eq "no file is left" "$(find "$D" -type f -o -type l | head)" ""
check "the binaries are gone" test ! -e "$P/bin/tj-gen"
t_done
