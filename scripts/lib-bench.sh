# lib-bench.sh: sourced by the bench-*.sh that measure the renderer against
# the filesystem. Needs $work (a scratch dir) and $top.

now() { date +%s.%N; }
ms() { python3 -c "import sys; print(round((float(sys.argv[2]) - float(sys.argv[1])) * 1000))" "$1" "$2"; }

# The floor: every file of a manifest written with plain open/write/close
# (scripts/bench-floor.c: C, so that it costs what the filesystem costs).
build_floor() { cc -O2 -o "$work/floor" "$top/scripts/bench-floor.c"; }

# render_vs_floor RENDER_ARGS...: `tj-gen render --all RENDER_ARGS --out
# DIR` and the floor writing the same files alternate, twice, each into a
# new directory and with nothing deleted in between (ext4 pays for recent
# deletions at create time); the best of each counts. Sets $full and
# $floor (ms), $files and $bytes, writes $work/manifest (path<TAB>size)
# and leaves the render in $work/out1.
render_vs_floor() {
	local pass t1 t2 v
	full= floor=
	for pass in 1 2; do
		sync
		t1=$(now)
		"$gen" render --all "$@" --out "$work/out$pass" --quiet
		t2=$(now)
		v=$(ms "$t1" "$t2")
		if [ -z "$full" ] || [ "$v" -lt "$full" ]; then full=$v; fi
		if [ "$pass" = 1 ]; then
			(cd "$work/out1" && find . -type f ! -name .lock \
			    -printf '%P\t%s\n') >"$work/manifest"
		fi
		sync
		t1=$(now)
		"$work/floor" write "$work/manifest" "$work/floor$pass"
		t2=$(now)
		v=$(ms "$t1" "$t2")
		if [ -z "$floor" ] || [ "$v" -lt "$floor" ]; then floor=$v; fi
	done
	files=$(wc -l <"$work/manifest")
	bytes=$(awk -F'\t' '{ s += $2 } END { print s }' "$work/manifest")
	rm -rf "$work/out2" "$work/floor1" "$work/floor2"
}
