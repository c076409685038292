/* queue: queue reasons, their text and priority, and queue_put. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "queue.h"

static const char *const names[QUEUE_N_REASONS] = {
	"new", "manual", "backfill", "confirm", "bisect",
};

const char *
queue_reason_name(enum queue_reason r)
{
	return r >= 0 && r < QUEUE_N_REASONS ? names[r] : "new";
}

int
queue_reason_parse(const char *s)
{
	int i;

	for (i = 0; s != NULL && i < QUEUE_N_REASONS; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

void
queue_reason_text(char *buf, size_t n, const char *kind, int64_t change_id,
    int step, int steps)
{
	int r = queue_reason_parse(kind);

	if (r < 0)
		r = QUEUE_NEW;
	if ((r != QUEUE_CONFIRM && r != QUEUE_BISECT) || change_id <= 0) {
		snprintf(buf, n, "%s", names[r]);
		return;
	}
	if (r == QUEUE_BISECT && step > 0 && steps > 0)
		snprintf(buf, n, "bisect change #%lld, step %d of ~%d",
		    (long long)change_id, step, steps);
	else if (r == QUEUE_BISECT && step > 0)
		snprintf(buf, n, "bisect change #%lld, step %d",
		    (long long)change_id, step);
	else
		snprintf(buf, n, "%s change #%lld", names[r],
		    (long long)change_id);
}

int64_t
queue_priority(const struct config *c, enum queue_reason r)
{
	switch (r) {
	case QUEUE_MANUAL:
		return c->queue_priority_manual;
	case QUEUE_BACKFILL:
		return c->queue_priority_backfill;
	case QUEUE_CONFIRM:
		return c->queue_priority_confirm;
	case QUEUE_BISECT:
		return c->queue_priority_bisect;
	default:
		return 0;
	}
}

int
queue_put(struct db *db, const struct queue_entry *e)
{
	sqlite3_stmt *st;
	int changed;

	/* The upsert changes nothing (no row counted) when it keeps the
	 * current entry. */
	st = db_stmt(db, "queue.queue_put",
	    "INSERT INTO queue (commit_id, added, priority, "
	    "reason, change_id, step, steps) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
	    "?7) ON CONFLICT (commit_id) DO UPDATE SET priority = ?3, "
	    "reason = ?4, change_id = ?5, step = ?6, steps = ?7 "
	    "WHERE (?8 OR ?3 >= priority) AND (priority IS NOT ?3 OR "
	    "reason IS NOT ?4 OR change_id IS NOT ?5 OR step IS NOT ?6 OR "
	    "steps IS NOT ?7)");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, e->commit_id);
	sqlite3_bind_double(st, 2, (double)time(NULL));
	sqlite3_bind_int64(st, 3, e->priority);
	sqlite3_bind_text(st, 4, queue_reason_name(e->reason), -1,
	    SQLITE_STATIC);
	if (e->change_id > 0)
		sqlite3_bind_int64(st, 5, e->change_id);
	if (e->step > 0)
		sqlite3_bind_int(st, 6, e->step);
	if (e->steps > 0)
		sqlite3_bind_int(st, 7, e->steps);
	sqlite3_bind_int(st, 8, e->force);
	if (db_step_done(db, st) < 0)
		return -1;
	changed = sqlite3_changes(db_handle(db)) > 0;
	if (!changed)
		return 0;
	if (db_dirty(db, "queue", "") < 0 || db_dirty(db, "index", "") < 0)
		return -1;
	st = db_stmt(db, "queue.queue_put_2",
	    "INSERT OR IGNORE INTO dirty (kind, key) "
	    "SELECT 'commit', hash FROM commits WHERE id = ?");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, e->commit_id);
	if (db_step_done(db, st) < 0)
		return -1;
	return 1;
}
