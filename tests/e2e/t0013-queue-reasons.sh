#!/bin/bash
# t0013: queue reasons and priorities: new, manual, backfill (add-range
# with --every, over a history with a merge), priority by reason from the
# config, a commit with runs queued again, and the reason on `queue list`,
# the queue page and queue.json.
. "$(dirname "$0")/lib.sh"
R=$T_DIR/repo
DB=$T_DIR/tj.db
OUT=$T_DIR/out
gen() { "$TJ_GEN" "$@" --repo "$R" --db "$DB" --out "$OUT"; }
q() { sql "$DB" "$1"; }
hash_of() { git -C "$R" rev-parse "$1"; }
reason_of() {
	q "SELECT q.reason || '/' || q.priority FROM queue q JOIN commits c ON c.id = q.commit_id WHERE c.hash = '$(hash_of "$1")'"
}

# main: 1..10, a side branch of 3 merged after 6, then 11..14.
git init -q -b main "$R"
for i in $(seq 1 6); do mkcommit "$R" f.txt "$i" "main $i"; done
git -C "$R" checkout -q -b side HEAD~2
for i in 1 2 3; do mkcommit "$R" s.txt "$i" "side $i"; done
git -C "$R" checkout -q main
git -C "$R" merge -q --no-ff -m "merge side" side
for i in $(seq 11 14); do mkcommit "$R" f.txt "$i" "main $i"; done
git -C "$R" tag base HEAD~10
cd "$T_DIR" || exit 1

check "update" gen update
check_eq "the first import queues the tip as new" "$(reason_of main)" "new/0"
# The first-parent history of base..main: main 2..6, the merge, 11..14.
fp=$(git -C "$R" rev-list --first-parent base..main | tac)
check_eq "the range has 10 first-parent commits" "$(echo "$fp" | wc -l)" 10

# --every 3 counted from base: the 3rd, 6th and 9th.
check "add-range --every 3" gen queue add-range base..main --every 3
want=$(echo "$fp" | sed -n '3p;6p;9p' | sort)
got=$(q "SELECT c.hash FROM queue q JOIN commits c ON c.id = q.commit_id WHERE q.reason = 'backfill'" | sort)
check_eq "every 3rd first-parent commit, nothing from the side branch" "$got" "$want"
check_eq "backfill has the default backfill priority" "$(q "SELECT DISTINCT priority FROM queue WHERE reason = 'backfill'")" -10
check_eq "the tip stays new" "$(reason_of main)" "new/0"

# The whole range: the rest, except what is queued or has a run.
q "INSERT INTO runs (id, commit_id, bench_method, worker, start_time) SELECT 'r-x', id, '{\"type\":\"internal\"}', 'w', 0 FROM commits WHERE hash = '$(echo "$fp" | sed -n 1p)'"
out=$(gen queue add-range base..main)
check_match "add-range says what it did" "$out" "queued 5 of the 10 first-parent commits .* \(5 already run or queued\)"
check_eq "9 queued now" "$(q 'SELECT count(*) FROM queue')" 9
check_eq "the commit with a run was left out" "$(q "SELECT count(*) FROM queue q JOIN runs r ON r.commit_id = q.commit_id")" 0

# Bad ranges are clear errors and change nothing.
check_fails "not a range" gen queue add-range main
check_match "says what a range is" "$(cat "$T_DIR/.out")" "not a range A..B"
check_fails "A not a first-parent ancestor" gen queue add-range side..main
check_match "says why" "$(cat "$T_DIR/.out")" "not a first-parent ancestor"
check_fails "unknown revision" gen queue add-range base..nosuch
check_fails "--every 0" gen queue add-range base..main --every 0
check_fails "--every on add" gen queue add main --every 2
check_eq "still 9 queued" "$(q 'SELECT count(*) FROM queue')" 9

# manual: a commit that already has runs can be queued again; without
# --priority a manual add takes the manual priority from the config.
cat >"$T_DIR/tj.conf" <<CONF
[queue]
	priority-manual = 5
	priority-backfill = -2
CONF
first=$(echo "$fp" | sed -n 1p)
check "queue a commit that has a run" gen queue add "$first" --config "$T_DIR/tj.conf"
check_eq "manual, priority from [queue] priority-manual" "$(reason_of "$first")" "manual/5"
check "a backfill entry becomes manual" gen queue add "$(echo "$fp" | sed -n 2p)" --config "$T_DIR/tj.conf"
check_eq "manual wins over a lower backfill" "$(reason_of "$(echo "$fp" | sed -n 2p)")" "manual/5"
check "an explicit priority is the user's word" gen queue add "$first" --priority -7
check_eq "priority -7" "$(reason_of "$first")" "manual/-7"

# A confirm or bisect entry (as tj-api queues them) shows its change.
q "UPDATE queue SET reason = 'bisect', change_id = 12, step = 3, steps = 5, priority = 10 WHERE commit_id = (SELECT id FROM commits WHERE hash = '$(echo "$fp" | sed -n 4p)')"
q "UPDATE queue SET reason = 'confirm', change_id = 7, priority = 20 WHERE commit_id = (SELECT id FROM commits WHERE hash = '$(echo "$fp" | sed -n 5p)')"
q "INSERT OR IGNORE INTO dirty (kind, key) VALUES ('queue', '')"
list=$(gen queue list)
check_match "list has a reason column" "$(echo "$list" | head -n 1)" "prio +commit .* reason +subject"
check_match "list: confirm first" "$(echo "$list" | sed -n 2p)" "^ +20  $(echo "$fp" | sed -n 5p | cut -c1-12) .* confirm change #7 "
check_match "list: bisect with its step" "$(echo "$list" | sed -n 3p)" "^ +10  $(echo "$fp" | sed -n 4p | cut -c1-12) .* bisect change #12, step 3 of ~5"
check_match "list: backfill" "$list" "backfill"
check_match "list: new" "$list" " new "
check "render" gen render
page=$(cat "$OUT/queue/index.html")
check_match "queue page: bisect reason" "$page" "bisect change #12, step 3 of ~5"
check_match "queue page: confirm reason" "$page" "confirm change #7"
check_match "queue page: manual" "$page" ">manual<"
check_eq "queue.json carries the reasons in order" \
	"$(jq -r '.queue[] | .reason' "$OUT/queue/queue.json" | head -n 3 | tr '\n' '|')" \
	"confirm change #7|bisect change #12, step 3 of ~5|manual|"
check_eq "queue.json: the change id" "$(jq -r '.queue[0].change_id' "$OUT/queue/queue.json")" 7
# A lower-priority reason does not take over a bisect entry.
check "add-range over a bisect entry" gen queue add-range base..main
check_eq "the bisect entry kept" "$(q "SELECT reason FROM queue WHERE change_id = 12")" bisect
t_done
