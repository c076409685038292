#!/bin/bash
# bench-site-scale.sh [BUILD_DIR]: the site of a repository shaped like a
# mirror of git/git with all its refs (203,352 commits, 4,294 refs, no
# runs; scripts/mkrepo --like-git), imported with tj-gen update. Full
# pages are written only where they carry information, the other commits
# are listed on shard pages (docs/deploy.md). Figures: files and bytes
# (targets <= 150,000 files, <= 1 GB), the full render against the
# filesystem floor for the same files (target <= 3 x), and render --all
# over the unchanged db against the time to read and compare those files
# (target <= 3 x). BENCH_SCALE_COMMITS / BENCH_SCALE_REFS change the size.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$top/build}
case "$bin" in /*) ;; *) bin="$top/$bin" ;; esac
gen="$bin/tj-gen"
N=${BENCH_SCALE_COMMITS:-203352}
REFS=${BENCH_SCALE_REFS:-4294}
cache="$top/build/bench"
work=$(mktemp -d "${TMPDIR:-/tmp}/tj-bench-scale.XXXXXX")
trap '[ -n "${BENCH_KEEP:-}" ] && echo "kept $work" || rm -rf "$work"' EXIT

. "$top/scripts/lib-bench.sh"

mkdir -p "$cache"
repo="$cache/like-git-$N-$REFS"
if [ ! -d "$repo" ]; then
	echo "bench-site-scale: building a $N-commit repo with $REFS refs (once)"
	"$top/scripts/mkrepo" --like-git "$REFS" "$N" "$repo.tmp"
	mv "$repo.tmp" "$repo"
fi
build_floor
db="$work/t.db"
t1=$(now)
"$gen" update --repo "$repo" --db "$db" --no-render --quiet
t2=$(now)
echo "bench-site-scale: imported $(sqlite3 "$db" "SELECT count(*) FROM commits") commits, $(sqlite3 "$db" "SELECT count(*) FROM refs") refs in $(ms "$t1" "$t2") ms; $(sqlite3 "$db" "SELECT count(*) FROM commits WHERE mainline") on the tracked first-parent line"

render_vs_floor --db "$db" --repo "$repo"
pages=$(grep -c '^commit/.*/index.html' "$work/manifest" || true)
shards=$(grep -c '^commits/.*/index.html' "$work/manifest" || true)
rm -rf "$work/out2" "$work/floor1" "$work/floor2"

# render --all over the unchanged db, against reading and comparing every
# file it writes (the best of 2 each).
again= cmpt=
for pass in 1 2; do
	t1=$(now)
	"$gen" render --all --db "$db" --repo "$repo" --out "$work/out1" --quiet
	t2=$(now)
	v=$(ms "$t1" "$t2")
	if [ -z "$again" ] || [ "$v" -lt "$again" ]; then again=$v; fi
	t1=$(now)
	"$work/floor" compare "$work/manifest" "$work/out1" >/dev/null
	t2=$(now)
	v=$(ms "$t1" "$t2")
	if [ -z "$cmpt" ] || [ "$v" -lt "$cmpt" ]; then cmpt=$v; fi
done

r() { python3 -c "print('%.2f' % ($1 / max($2, 1)))"; }
echo "bench-site-scale: $N commits, $REFS refs"
echo "  files:                    $files (target <= 150000; a page for every commit would be $((2 * N)) for commit pages alone)"
echo "  bytes:                    $bytes ($(python3 -c "print('%.2f' % ($bytes / 2**30))") GiB; target <= 1 GiB)"
echo "  commit pages, shard pages: $pages, $shards"
echo "  full render:              $full ms"
echo "  filesystem floor:         $floor ms (same files, sizes, layout)"
echo "  full / floor:             $(r "$full" "$floor") (target <= 3)"
echo "  render --all, unchanged:  $again ms"
echo "  read and compare floor:   $cmpt ms"
echo "  unchanged / compare:      $(r "$again" "$cmpt") (target <= 3)"
