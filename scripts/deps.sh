#!/bin/sh
# deps.sh: install the Debian packages tablejohn builds, tests and demos with,
# only those that are missing. Needs root (or sudo) when something is missing.
set -eu

# One package a line: the build, then what the tests, bench and demo use.
pkgs="
build-essential
pkg-config
clang
libclang-rt-14-dev
git
ca-certificates
libsqlite3-dev
libgit2-dev
libcmark-dev
libmicrohttpd-dev
libcjson-dev
libcurl4-openssl-dev
libarchive-dev
sqlite3
python3
curl
hyperfine
libbenchmark-dev
python3-pytest-benchmark
golang-go
g++
time
jq
chromium
default-jre-headless
nodejs
nginx
wrk
man-db
systemd
valgrind
"

missing=""
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
# npm comes with the machine's Node.js; Debian's package otherwise.
if ! command -v npm >/dev/null 2>&1; then
	missing="$missing npm"
fi
if [ -n "$missing" ]; then
	echo "deps: installing:$missing" >&2
	sudo=""
	if [ "$(id -u)" != 0 ]; then
		sudo="sudo"
	fi
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -qq
	# shellcheck disable=SC2086
	$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# The npm packages pinned in package-lock.json (uPlot for the graph, the
# HTML checker and the browser driver for the tests), when not installed
# yet or older than the lockfile.
cd "$(dirname "$0")/.."
if [ -f package-lock.json ] && { [ ! -f node_modules/.package-lock.json ] ||
    [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
	echo "deps: npm ci" >&2
	npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi
