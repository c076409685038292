#!/bin/bash
# bench-worker.sh [BUILD_DIR]: tj-worker (issue 4). The worker's overhead
# per run on a large tree (a copy of /usr/include, or BENCH_TREE): one
# `tj-worker --once` that asks the real tj-api for the run, downloads and
# unpacks the commit's tree.tar.gz, runs a bench script that does nothing,
# spools and submits the result; against `git archive <commit> | tar -x`
# of the same tree, measured with hyperfine in the same run. Neither side
# pays for deleting its tree (--keep; the dirs are removed in --prepare).
# Also shown, for what bounds the worker from below: the same download with
# curl to /dev/null (tj-api's gzip). Target: <= 1.5 x.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$top/build}
case "$bin" in /*) ;; *) bin="$top/$bin" ;; esac
RUNS=${BENCH_RUNS:-10}
TARGET=1.5
work=$(mktemp -d "${TMPDIR:-/tmp}/tj-bench-worker.XXXXXX")
api_pid=""
trap '[ -n "$api_pid" ] && kill "$api_pid" 2>/dev/null; wait 2>/dev/null; [ -n "${BENCH_KEEP:-}" ] && echo "kept $work" || rm -rf "$work"' EXIT
for tool in hyperfine git curl python3; do
	command -v "$tool" >/dev/null || {
		echo "bench-worker: $tool is missing (make deps)" >&2
		exit 1
	}
done

# The large tree, as a git repo; a bench repo whose bench does nothing.
src=${BENCH_TREE:-/usr/include}
git init -q "$work/repo"
cp -r "$src/." "$work/repo/"
git -C "$work/repo" add -A >/dev/null
git -C "$work/repo" -c user.name=b -c user.email=b@b commit -q -m tree
h=$(git -C "$work/repo" rev-parse HEAD)
files=$(git -C "$work/repo" ls-files | wc -l)
size=$(du -sm "$work/repo" --exclude=.git | cut -f1)
git init -q "$work/bench"
printf '#!/bin/sh\nexit 0\n' >"$work/bench/bench"
chmod +x "$work/bench/bench"
git -C "$work/bench" add bench
git -C "$work/bench" -c user.name=b -c user.email=b@b commit -q -m bench
cat >"$work/tj.conf" <<CONF
[repo]
	path = $work/repo
	update = 1h
[db]
	path = $work/tj.db
[site]
	out = $work/out
[api]
	token = benchtoken
	worker-timeout = 1h
[bench]
	repo = $work/bench
CONF
"$bin/tj-gen" update --config "$work/tj.conf" --no-render --quiet
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin/tj-api" --config "$work/tj.conf" --listen "127.0.0.1:$port" --no-render \
    >"$work/api.log" 2>&1 &
api_pid=$!
for i in $(seq 100); do
	curl -s -o /dev/null "http://127.0.0.1:$port/" && break
	sleep 0.1
done

# One worker name per run: a new process has a new secret, and tj-api
# keeps a name for the worker that last used it until it times out.
queue="'$bin/tj-gen' queue add $h --config '$work/tj.conf' --no-render --quiet"
worker="'$bin/tj-worker' --server http://127.0.0.1:$port --token benchtoken \
    --dir '$work/wd' --once --keep --name w\$\$"
baseline="mkdir '$work/x' && git -C '$work/repo' archive $h | tar -x -C '$work/x'"
download="curl -sf -u b:benchtoken -o /dev/null http://127.0.0.1:$port/api/worker/repo/$h/tree.tar.gz"
# Warm up: the bench repo's tree is cached by the worker, as on a bench
# machine; the page cache holds the repo for both.
eval "$queue"
eval "$worker" 2>"$work/warmup.log" || { cat "$work/warmup.log"; exit 1; }
hyperfine --runs "$RUNS" --export-json "$work/h.json" --style basic \
    --prepare "rm -rf '$work/x'" -n "git archive | tar -x" "$baseline" \
    --prepare "rm -rf '$work/wd/runs'; $queue" -n "tj-worker --once" "$worker" \
    --prepare "true" -n "curl tree.tar.gz" "$download"
runs=$(sqlite3 "$work/tj.db" "SELECT count(*) FROM runs WHERE error IS NULL")
python3 - "$work/h.json" "$TARGET" "$files" "$size" "$runs" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
base, w, dl = r[0]["median"], r[1]["median"], r[2]["median"]
target = float(sys.argv[2])
print("tree: %s files, %s MB; %s runs landed" % (sys.argv[3], sys.argv[4], sys.argv[5]))
print("git archive | tar -x: %.3f s (median)" % base)
print("tj-worker per run:    %.3f s (median)" % w)
print("curl tree.tar.gz:     %.3f s (median; tj-api's gzip: %.2f x the baseline)"
      % (dl, dl / base))
ratio = w / base
print("worker overhead per run: %.2f x git archive | tar -x (target <= %.1f x): %s"
      % (ratio, target, "PASS" if ratio <= target else "FAIL"))
PY
