#!/bin/bash
# t0403: a bench that prints 200 MB: the worker keeps the head and the tail
# of its output within the caps, its memory stays small, the run lands.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/api-lib.sh"
. "$(dirname "$0")/worker-lib.sh"
cd "$T_DIR" || exit 1

bench_repo bench <<'SH'
#!/bin/sh
echo '{"metric":"m","value":1}' >>"$TJ_RESULT_FILE"
echo "first line"
yes 'abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxy' |
    head -c 200000000
echo
echo "a long line follows" >&2
head -c 10000000 /dev/zero | tr '\0' x >&2
echo >&2
printf 'last line'
SH
git init -q repo
mkcommit repo f x one
api_conf "[bench]
	repo = $T_DIR/bench"
gen update
h=$(git -C repo rev-parse HEAD)
api_start --config "$T_DIR/tj.conf"
worker_conf w1
# ASan keeps freed memory in quarantine (256 MB by default): keep it small
# here so that RSS measures the worker, not ASan.
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:quarantine_size_mb=16"
check "the run" /usr/bin/time -o rss -f %M "$TJ_WORKER" --config w1.conf --once
check_eq "it landed, exit 0" "$(run_of "$h" "exit_code, error IS NULL")" "0|1"
check_eq "its metric" "$(values_of "$h" m)" "[1]"
rss=$(cat rss)
echo "# max RSS: $rss KiB"
# Plain builds stay far below this; ASan's shadow memory adds some.
check "max RSS ${rss} KiB < 150 MiB" test "$rss" -lt 153600
out=$(output_of "$h")
n=$(printf '%s\n' "$out" | wc -l)
check "$n output lines: head + tail, within the caps" test "$n" -le 4010 -a "$n" -ge 4000
check_eq "the first line" "$(printf '%s\n' "$out" | sed -n 2p)" "1|first line"
check_eq "the next one" "$(printf '%s\n' "$out" | sed -n 3p)" \
    "1|abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxy"
check_eq "the last line (no newline)" "$(printf '%s\n' "$out" | tail -n 1)" "1|last line"
check_match "the omitted lines are counted" "$out" '^0\|\[\.\.\. [0-9]{7} lines omitted \.\.\.\]$'
check_match "a 10 MB line is cut" "$out" '^2\|x{4096} \[\.\.\. 9995904 bytes cut\]$'
check_eq "the spool is empty" "$(spooled w1)" 0
api_stop
t_done
