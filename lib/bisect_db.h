/* bisect_db: confirming and bisecting the changes table's changes through
 * the queue (the decisions are lib/bisect's), their states, and triage. */
#ifndef TJ_BISECT_DB_H
#define TJ_BISECT_DB_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "config.h"
#include "db.h"

/*
 * The states of a change, as changes.state holds them. Detection makes
 * changes "new" (shown as suspected); bisect_db_tick moves them on.
 */
#define BISECT_ST_NEW "new"
#define BISECT_ST_CONFIRMING "confirming"
#define BISECT_ST_BISECTING "bisecting"
#define BISECT_ST_ATTRIBUTED "attributed"
#define BISECT_ST_NOT_CONFIRMED "not confirmed"
#define BISECT_ST_BUDGET "out of budget"

/*
 * One pass over the changes that need work, in its own transaction: a
 * suspected change (up to [bisect] parallel at once, of the metrics and
 * magnitude [bisect] allows) resting on one run on a side is confirmed
 * (confirm-runs runs of the commit on each side), then bisected: the
 * commit halving what is left of its first-parent range is queued (again,
 * while a noisy step cannot tell), then inside a merge's branch, until one
 * commit is left (attributed), the change does not hold (not confirmed),
 * or [bisect] budget runs are spent (out of budget). Every decision is
 * made again from the db each pass (runs, the queue, bisect_runs), so a
 * restart loses nothing. Does nothing when [bisect] enabled is false. 1
 * if it changed anything (dirty rows are marked), 0 if not, -1 with
 * err_set.
 */
int bisect_db_tick(struct db *db, const struct config *cfg);

/*
 * A change's bisection and triage as a JSON object for pages and the CLI:
 * state (the stored one), state_text ("suspected", "confirming",
 * "bisecting, step 2 of ~4", "attributed to 1a2b3c4d5e6f via merge
 * 9f8e7d6c5b4a", "not confirmed", "ran out of budget"), culprit and via
 * (40-hex hashes, when attributed), runs (the extra runs spent), steps: [{kind,
 * step, run, commit, verdict: "before" | "after" | "unsure"}] in the order
 * they ran, triage ("ack" | "ignore", absent if none) and note. NULL with
 * err_set on a db error; an unknown change gives the fields it can.
 */
cJSON *bisect_db_json(struct db *db, int64_t change_id, const char *state);

/*
 * Triage a change: verb "ack", "ignore" or "note" (text: the note; "" clears
 * it); stored apart from detection, so it survives re-detection. Marks the
 * change's pages dirty. Inside a transaction. 0, or -1 with err_set (an
 * unknown change or verb).
 */
int bisect_db_triage(struct db *db, int64_t change_id, const char *verb,
    const char *text);

#endif
