/* changes: change points along tracked refs, kept in the changes table. */
#ifndef TJ_CHANGES_H
#define TJ_CHANGES_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "config.h"
#include "db.h"
#include "detect.h"

/*
 * Run the detection the 'detect' dirty rows ask for (a commit's hash: a run
 * of it arrived, re-detect on a window around it on every tracked ref
 * whose first-parent history holds it; '*': everything, every tracked
 * ref), and a first full detection of each newly tracked ref; drop the
 * undisturbed ('new') changes of refs no longer tracked. In its own write
 * transaction; marks `change <id>`, `changes`, `index` and `graph` dirty
 * for what it changed. Called by render_site before it claims the dirty
 * rows. 0, or -1 with err_set (the rows stay for the next try).
 */
int changes_detect_pending(struct db *db, const struct config *cfg);

/*
 * Re-detect on a window ([detect] window benchmarked commits each side)
 * around commit_id, on every tracked ref whose first-parent history holds
 * it. Inside the caller's write transaction. 0 or -1 with err_set.
 */
int changes_update_commit(struct db *db, const struct config *cfg,
    int64_t commit_id);

/* Detect over the whole first-parent history of ref (a full name), every
 * metric. Inside the caller's write transaction. 0 or -1 with err_set. */
int changes_update_ref(struct db *db, const struct config *cfg,
    const char *ref);

/*
 * The first-parent commits strictly between change_id's before and after
 * commits, newest first: *ids (malloc'd, free it) and their count *n.
 * 0, or -1 with err_set (an unknown change too).
 */
int changes_range(struct db *db, int64_t change_id, int64_t **ids,
    size_t *n);

/*
 * Append the changes as JSON objects to arr, newest first (by the after
 * commit's time, then id): only change id when id > 0, else every change
 * of a tracked ref, or at most limit (0: all) of those not hidden when
 * limit > 0. Each object: id, metric, unit,
 * direction, ref, before_run, after_run, before_commit, after_commit
 * (40 hex), time (the after commit's, unix), n_between, before_value,
 * after_value, delta, delta_pct, confidence, verdict (-1, 0, 1), kind
 * ("regression", "improvement", "change"), state, pair (suspected from
 * two neighbouring runs alone), hidden (not confirmed, or a pair not
 * confirmed yet: lists leave it out by default), state_text and bisect
 * (lib/bisect_db.h), url ("change/<id>/"). Returns the count or -1.
 */
long changes_json(struct db *db, cJSON *arr, int64_t id, long limit);

/* SQL: change x (a table alias) is shown by default: not "not confirmed",
 * and not a pair whose confirmation has not borne it out yet. */
#define CHANGES_SHOWN(x) "NOT (" x ".state = 'not confirmed' OR (" x \
	".pair AND " x ".state IN ('new', 'confirming')))"

/* The detection options [detect] sets (lib/detect.h's defaults for the
 * rest). */
void changes_detect_opts(const struct config *cfg, struct detect_opts *o);

/* Add number v to o as k with six significant digits (what a reader
 * compares), null when it is not finite. */
void changes_add_num(cJSON *o, const char *k, double v);

/* How many of the changes changes_json(db, arr, 0, 0) lists are shown
 * (CHANGES_SHOWN), or -1. */
long changes_count(struct db *db);


#endif
