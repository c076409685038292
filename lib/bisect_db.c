/* bisect_db: drive confirmation and bisection of changes from the db. */
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bisect.h"
#include "bisect_db.h"
#include "buf.h"
#include "err.h"
#include "log.h"
#include "query.h"
#include "queue.h"

#define RANGE_MAX 100000	/* first-parent commits a range may hold */
#define ANCESTORS_MAX 200000	/* ancestors of a merge's first parent looked at */
#define LEVEL_RUNS 3	/* a side's runs that give its level when bisecting */

/* The runs of one commit for one metric, oldest first. */
struct runs {
	size_t n;
	char **id;
	double **v;
	struct bisect_run *r;
	int *confirm;	/* spent by this change to confirm it */
	int *bisect;	/* spent by this change to bisect it */
};

static void
runs_free(struct runs *rs)
{
	size_t i;

	for (i = 0; i < rs->n; i++) {
		free(rs->id[i]);
		free(rs->v[i]);
	}
	free(rs->id);
	free(rs->v);
	free(rs->r);
	free(rs->confirm);
	free(rs->bisect);
	memset(rs, 0, sizeof(*rs));
}

/* Load the runs of commit cid with values of metric mid, marking those
 * change_id spent. 0 or -1. */
static int
runs_load(struct db *db, int64_t cid, int64_t mid, int64_t change_id,
    struct runs *rs)
{
	sqlite3_stmt *st = db_stmt(db, "bisect_db.runs_load",
	    "SELECT r.id, m.vals, b.kind FROM "
	    /* CROSS JOIN: the commit's runs first, not every measurement of
	     * the metric. */
	    "runs r CROSS JOIN measurements m ON m.run_id = r.id AND "
	    "m.metric_id = ?2 LEFT JOIN bisect_runs b ON b.run_id = r.id "
	    "AND b.change_id = ?3 WHERE r.commit_id = ?1 AND m.n > 0 AND "
	    "m.error IS NULL ORDER BY r.start_time, r.id");
	double *v;
	size_t k;
	int step;

	memset(rs, 0, sizeof(*rs));
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, cid);
	sqlite3_bind_int64(st, 2, mid);
	sqlite3_bind_int64(st, 3, change_id);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *kind = (const char *)sqlite3_column_text(st, 2);

		k = q_vals((const char *)sqlite3_column_text(st, 1), &v);
		if (k == 0) {
			free(v);
			continue;
		}
		rs->id = xrealloc(rs->id, (rs->n + 1) * sizeof(*rs->id));
		rs->v = xrealloc(rs->v, (rs->n + 1) * sizeof(*rs->v));
		rs->r = xrealloc(rs->r, (rs->n + 1) * sizeof(*rs->r));
		rs->confirm = xrealloc(rs->confirm, (rs->n + 1) * sizeof(int));
		rs->bisect = xrealloc(rs->bisect, (rs->n + 1) * sizeof(int));
		rs->id[rs->n] = xstrdup((const char *)sqlite3_column_text(st,
		    0));
		rs->v[rs->n] = v;
		rs->r[rs->n].v = rs->v[rs->n];
		rs->r[rs->n].n = k;
		rs->confirm[rs->n] = kind != NULL && strcmp(kind,
		    "confirm") == 0;
		rs->bisect[rs->n] = kind != NULL && strcmp(kind, "bisect") == 0;
		rs->n++;
	}
	sqlite3_reset(st);
	if (step != SQLITE_DONE)
		return db_err(db, "reading runs");
	return 0;
}

/* Parent idx (0 first, 1 second) of commit c: its id, 0 if none, -1. */
static int64_t
parent(struct db *db, int64_t c, int idx)
{
	sqlite3_stmt *st = db_stmt(db, "bisect_db.parent",
	    "SELECT parent FROM commit_edges "
	    "WHERE child = ? AND idx = ?");
	int64_t p = 0;
	int r;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, c);
	sqlite3_bind_int(st, 2, idx);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		p = sqlite3_column_int64(st, 0);
	else if (r != SQLITE_DONE)
		p = db_err(db, "reading parents");
	sqlite3_reset(st);
	return p;
}

/*
 * The first-parent commits after before up to after, oldest first, into
 * *out. When before is not a first-parent ancestor of after (within
 * RANGE_MAX), the range is after alone. 0 or -1.
 */
static int
fp_range(struct db *db, int64_t before, int64_t after, int64_t **out,
    size_t *n)
{
	int64_t *v = NULL, cur = after, t;
	size_t len = 0, cap = 0, i;

	while (cur > 0 && cur != before && len < RANGE_MAX) {
		if (len == cap) {
			cap = cap ? 2 * cap : 64;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[len++] = cur;
		cur = parent(db, cur, 0);
		if (cur < 0) {
			free(v);
			return -1;
		}
	}
	if (cur != before) {
		len = 1;
		if (v == NULL)
			v = xmalloc(sizeof(*v));
		v[0] = after;
	}
	for (i = 0; i < len / 2; i++) {
		t = v[i];
		v[i] = v[len - 1 - i];
		v[len - 1 - i] = t;
	}
	*out = v;
	*n = len;
	return 0;
}

/*
 * The commits merge m brought in, in their own first-parent order (oldest
 * first), then m itself: the second parent's first-parent chain down to
 * the first commit the first parent already has. 0 with *n 0 when m is not
 * a merge, -1 on error.
 */
static int
merge_branch(struct db *db, int64_t m, int64_t **out, size_t *n)
{
	sqlite3_stmt *st;
	int64_t p1, cur, *v = NULL, t;
	size_t len = 0, cap = 0, i;
	int r, rc = -1;

	*n = 0;
	*out = NULL;
	p1 = parent(db, m, 0);
	cur = parent(db, m, 1);
	if (p1 < 0 || cur < 0)
		return -1;
	if (p1 == 0 || cur == 0)
		return 0;
	if (db_exec(db, "CREATE TEMP TABLE IF NOT EXISTS bisect_anc (id "
	    "INTEGER PRIMARY KEY); DELETE FROM temp.bisect_anc") < 0)
		return -1;
	st = db_stmt(db, "bisect_db.merge_branch",
	    "WITH RECURSIVE a(id) AS (SELECT ?1 UNION SELECT "
	    "e.parent FROM commit_edges e JOIN a ON e.child = a.id LIMIT ?2) "
	    "INSERT OR IGNORE INTO temp.bisect_anc (id) SELECT id FROM a");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, p1);
	sqlite3_bind_int(st, 2, ANCESTORS_MAX);
	if (db_step_done(db, st) < 0)
		return -1;
	st = db_stmt(db, "bisect_db.merge_branch_2",
	    "SELECT EXISTS (SELECT 1 FROM temp.bisect_anc WHERE "
	    "id = ?)");
	if (st == NULL)
		return -1;
	while (cur > 0 && len < RANGE_MAX) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, cur);
		if (sqlite3_step(st) != SQLITE_ROW) {
			db_err(db, "reading ancestors");
			goto out;
		}
		r = sqlite3_column_int(st, 0);
		sqlite3_reset(st);
		if (r)
			break;
		if (len + 1 >= cap) {
			cap = cap ? 2 * cap : 64;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[len++] = cur;
		cur = parent(db, cur, 0);
		if (cur < 0)
			goto out;
	}
	for (i = 0; i < len / 2; i++) {
		t = v[i];
		v[i] = v[len - 1 - i];
		v[len - 1 - i] = t;
	}
	if (len + 1 > cap)
		v = xrealloc(v, (len + 1) * sizeof(*v));
	v[len++] = m;
	*out = v;
	*n = len;
	v = NULL;
	rc = 0;
out:
	free(v);
	return rc;
}

struct change {
	int64_t id, metric, before, after;
	double before_value, after_value, delta_pct;
	char *metric_name;
	char state[32];
};

static int
set_state(struct db *db, const struct change *ch, const char *state,
    int *changed)
{
	sqlite3_stmt *st = db_stmt(db, "bisect_db.set_state",
	    "UPDATE changes SET state = ? WHERE "
	    "id = ? AND state IS NOT ?");
	char key[32];

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, ch->id);
	sqlite3_bind_text(st, 3, state, -1, SQLITE_STATIC);
	if (db_step_done(db, st) < 0)
		return -1;
	if (sqlite3_changes(db_handle(db)) == 0)
		return 0;
	log_info("change #%lld (%s): %s", (long long)ch->id, ch->metric_name,
	    state);
	*changed = 1;
	snprintf(key, sizeof(key), "%lld", (long long)ch->id);
	return db_dirty(db, "change", key) < 0 ||
	    db_dirty(db, "changes", "") < 0 || db_dirty(db, "index", "") < 0 ?
	    -1 : 0;
}

/* Record what the bisection knows now (step k of ~steps, the culprit). */
static int
set_notes(struct db *db, const struct change *ch, int64_t culprit,
    int64_t via, int step, int steps, int *changed)
{
	sqlite3_stmt *st = db_stmt(db, "bisect_db.set_notes",
	    "INSERT INTO change_notes (change_id, "
	    "culprit, via, step, steps, updated) VALUES (?1, ?2, ?3, ?4, ?5, "
	    "?6) ON CONFLICT (change_id) DO UPDATE SET culprit = ?2, "
	    "via = ?3, step = ?4, steps = ?5, updated = ?6 WHERE "
	    "culprit IS NOT ?2 OR via IS NOT ?3 OR step IS NOT ?4 OR "
	    "steps IS NOT ?5");
	char key[32];

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, ch->id);
	if (culprit > 0)
		sqlite3_bind_int64(st, 2, culprit);
	if (via > 0)
		sqlite3_bind_int64(st, 3, via);
	if (step > 0)
		sqlite3_bind_int(st, 4, step);
	if (steps > 0)
		sqlite3_bind_int(st, 5, steps);
	sqlite3_bind_double(st, 6, (double)time(NULL));
	if (db_step_done(db, st) < 0)
		return -1;
	if (sqlite3_changes(db_handle(db)) == 0)
		return 0;
	*changed = 1;
	snprintf(key, sizeof(key), "%lld", (long long)ch->id);
	return db_dirty(db, "change", key) < 0 ||
	    db_dirty(db, "changes", "") < 0 ? -1 : 0;
}

/* Drop what is still queued for a change that needs nothing more. */
static int
unqueue(struct db *db, const struct change *ch, int *changed)
{
	sqlite3_stmt *st = db_stmt(db, "bisect_db.unqueue",
	    "DELETE FROM queue WHERE change_id = ? "
	    "AND reason IN ('confirm', 'bisect') AND reserved_by IS NULL");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, ch->id);
	if (db_step_done(db, st) < 0)
		return -1;
	if (sqlite3_changes(db_handle(db)) > 0) {
		*changed = 1;
		return db_dirty(db, "queue", "");
	}
	return 0;
}

static int
enqueue(struct db *db, const struct config *cfg, const struct change *ch,
    int64_t cid, enum queue_reason why, int step, int steps, int *changed)
{
	struct queue_entry e = {0};
	int r;

	e.commit_id = cid;
	e.reason = why;
	e.change_id = ch->id;
	e.step = step;
	e.steps = steps;
	e.priority = queue_priority(cfg, why);
	r = queue_put(db, &e);
	if (r > 0)
		*changed = 1;
	return r < 0 ? -1 : 0;
}

/* The extra runs change id spent so far. -1 on error. */
static int64_t
spent(struct db *db, int64_t id)
{
	sqlite3_stmt *st = db_stmt(db, "bisect_db.spent",
	    "SELECT count(*) FROM bisect_runs b "
	    "JOIN runs r ON r.id = b.run_id WHERE b.change_id = ?");
	int64_t n = -1;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	else
		db_err(db, "counting runs");
	sqlite3_reset(st);
	return n;
}

/* Set the verdict of change id's runs of commit cid. */
static int
set_verdict(struct db *db, int64_t id, int64_t cid, int side)
{
	sqlite3_stmt *st = db_stmt(db, "bisect_db.set_verdict",
	    "UPDATE bisect_runs SET verdict = ?1 "
	    "WHERE change_id = ?2 AND verdict IS NOT ?1 AND run_id IN "
	    "(SELECT id FROM runs WHERE commit_id = ?3)");

	if (st == NULL)
		return -1;
	sqlite3_bind_int(st, 1, side);
	sqlite3_bind_int64(st, 2, id);
	sqlite3_bind_int64(st, 3, cid);
	return db_step_done(db, st);
}

/*
 * Bisect over cands (n commits, oldest first): 1 and *culprit when one
 * commit is left, 0 when a run was queued (or the budget ran out: *broke),
 * -1 on error. first_step: the steps of earlier levels (a merge's branch
 * continues the count).
 */
static int
bisect_level(struct db *db, const struct config *cfg, const struct change *ch,
    const struct bisect_model *m, const int64_t *cands, size_t n,
    int64_t left, int first_step, int64_t *culprit, int *step, int *changed,
    int *broke)
{
	struct runs *rs = xcalloc(n, sizeof(*rs));
	struct bisect_commit *c = xcalloc(n, sizeof(*c));
	signed char *side = xmalloc(n);
	struct bisect_step bs;
	size_t i, j;
	int rc = -1, k = first_step, mine;

	for (i = 0; i < n; i++) {
		if (runs_load(db, cands[i], ch->metric, ch->id, &rs[i]) < 0)
			goto out;
		c[i].runs = rs[i].r;
		c[i].nruns = rs[i].n;
		for (j = 0, mine = 0; j < rs[i].n; j++)
			mine |= rs[i].bisect[j];
		/* Inside a merge, the merge's own step was counted above. */
		if (i < n - 1 || first_step == 0)
			k += mine;
	}
	if (bisect_next(m, c, n, (size_t)(cfg->bisect_step_runs > 0 ?
	    cfg->bisect_step_runs : 1), &bs, side) < 0)
		goto out;
	for (i = 0; i < n; i++)
		if (rs[i].n > 0 && set_verdict(db, ch->id, cands[i],
		    side[i]) < 0)
			goto out;
	if (bs.done) {
		*culprit = cands[bs.idx];
		*step = k;
		rc = 1;
		goto out;
	}
	for (j = 0, mine = 0; j < rs[bs.idx].n; j++)
		mine |= rs[bs.idx].bisect[j];
	if (!mine)
		k++;
	*step = k;
	if (left <= 0) {
		*broke = 1;
		rc = 0;
		goto out;
	}
	if (enqueue(db, cfg, ch, cands[bs.idx], QUEUE_BISECT, k,
	    k + (bs.steps_left > 1 ? bs.steps_left - 1 : 0), changed) < 0 ||
	    set_notes(db, ch, 0, 0, k, k + (bs.steps_left > 1 ?
	    bs.steps_left - 1 : 0), changed) < 0)
		goto out;
	rc = 0;
out:
	for (i = 0; i < n; i++)
		runs_free(&rs[i]);
	free(rs);
	free(c);
	free(side);
	return rc;
}

/* The confirmation of change ch, from the confirm runs of b (before) and
 * a (after): -1 on error, 0 when it is decided for now (not confirmed, out
 * of budget, or more runs queued), 1 when it holds and bisection goes on. */
static int
confirm(struct db *db, const struct config *cfg, struct change *ch,
    const struct bisect_model *m, const struct runs *b, const struct runs *a,
    int64_t left, int *changed)
{
	struct bisect_run *bn = xcalloc(b->n + 1, sizeof(*bn));
	struct bisect_run *an = xcalloc(a->n + 1, sizeof(*an));
	size_t want = (size_t)cfg->bisect_confirm_runs, nb = 0, na = 0, i;
	int v, rc = -1;

	for (i = 0; i < b->n; i++)
		if (b->confirm[i])
			bn[nb++] = b->r[i];
	for (i = 0; i < a->n; i++)
		if (a->confirm[i])
			an[na++] = a->r[i];
	v = bisect_confirm(m, bn, nb, an, na, want);
	if (set_verdict(db, ch->id, ch->before, bisect_classify(m, bn, nb,
	    nb >= want, NULL)) < 0 || set_verdict(db, ch->id, ch->after,
	    bisect_classify(m, an, na, na >= want, NULL)) < 0)
		goto out;
	if (v == BISECT_BEFORE) {
		if (set_state(db, ch, BISECT_ST_NOT_CONFIRMED, changed) < 0 ||
		    unqueue(db, ch, changed) < 0)
			goto out;
		rc = 0;
	} else if (v == BISECT_UNSURE && left <= 0) {
		if (set_state(db, ch, BISECT_ST_BUDGET, changed) < 0 ||
		    unqueue(db, ch, changed) < 0)
			goto out;
		rc = 0;
	} else if (v == BISECT_UNSURE) {
		if ((nb < want && enqueue(db, cfg, ch, ch->before,
		    QUEUE_CONFIRM, 0, 0, changed) < 0) ||
		    (na < want && enqueue(db, cfg, ch, ch->after,
		    QUEUE_CONFIRM, 0, 0, changed) < 0))
			goto out;
		rc = 0;
	} else {
		if (set_state(db, ch, BISECT_ST_BISECTING, changed) < 0)
			goto out;
		snprintf(ch->state, sizeof(ch->state), "%s",
		    BISECT_ST_BISECTING);
		rc = 1;
	}
out:
	free(bn);
	free(an);
	return rc;
}

/* Confirm, then bisect, one change. Long: the states in the order a
 * change goes through them; each step hands the next its model and range. */
static int
work(struct db *db, const struct config *cfg, struct change *ch,
    int *changed)
{
	struct runs b = {0}, a = {0};
	struct bisect_model m;
	int64_t *cands = NULL, *branch = NULL, culprit = 0, left, used;
	size_t nc = 0, nbr = 0;
	size_t want = (size_t)cfg->bisect_confirm_runs;
	int rc = -1, step = 0, broke = 0, r;

	used = spent(db, ch->id);
	if (used < 0)
		goto out;
	left = cfg->bisect_budget - used;
	if (runs_load(db, ch->before, ch->metric, ch->id, &b) < 0 ||
	    runs_load(db, ch->after, ch->metric, ch->id, &a) < 0)
		goto out;
	if (bisect_model_fit(&m, b.r, b.n, a.r, a.n, NULL) < 0) {
		rc = 0;	/* no values (yet): nothing to decide */
		goto out;
	}
	/* The levels are detection's: its segments are longer than two
	 * commits, and another change nearby does not mix into them. */
	m.before = ch->before_value;
	m.after = ch->after_value;

	if (strcmp(ch->state, BISECT_ST_NEW) == 0) {
		/* Resting on one run: a side has a single run of its own. */
		int one = b.n < 2 || a.n < 2;

		if (set_state(db, ch, one && want > 0 ? BISECT_ST_CONFIRMING :
		    BISECT_ST_BISECTING, changed) < 0)
			goto out;
		snprintf(ch->state, sizeof(ch->state), "%s", one && want > 0 ?
		    BISECT_ST_CONFIRMING : BISECT_ST_BISECTING);
	}
	if (strcmp(ch->state, BISECT_ST_CONFIRMING) == 0) {
		r = confirm(db, cfg, ch, &m, &b, &a, left, changed);
		if (r <= 0) {
			rc = r;
			goto out;
		}
	}
	/* Bisecting: the model from every run on both sides now. A side
	 * whose commit has runs enough of its own (as after confirmation)
	 * is judged by them: detection's level of a sparse history may rest
	 * on one run, off by its noise. */
	if (bisect_model_fit(&m, b.r, b.n, a.r, a.n, NULL) < 0)
		goto out;
	if (b.n < LEVEL_RUNS)
		m.before = ch->before_value;
	if (a.n < LEVEL_RUNS)
		m.after = ch->after_value;
	if (fp_range(db, ch->before, ch->after, &cands, &nc) < 0)
		goto out;
	r = bisect_level(db, cfg, ch, &m, cands, nc, left, 0, &culprit, &step,
	    changed, &broke);
	if (r < 0)
		goto out;
	if (r == 1) {
		if (merge_branch(db, culprit, &branch, &nbr) < 0)
			goto out;
		if (nbr > 1) {
			int64_t via = culprit;

			r = bisect_level(db, cfg, ch, &m, branch, nbr, left,
			    step, &culprit, &step, changed, &broke);
			if (r < 0)
				goto out;
			if (r == 1) {
				if (set_notes(db, ch, culprit, culprit == via ?
				    0 : via, step, step, changed) < 0)
					goto out;
			}
		} else if (set_notes(db, ch, culprit, 0, step, step,
		    changed) < 0) {
			goto out;
		}
		if (r == 1 && (set_state(db, ch, BISECT_ST_ATTRIBUTED,
		    changed) < 0 || unqueue(db, ch, changed) < 0))
			goto out;
	}
	if (broke && (set_state(db, ch, BISECT_ST_BUDGET, changed) < 0 ||
	    unqueue(db, ch, changed) < 0))
		goto out;
	rc = 0;
out:
	runs_free(&b);
	runs_free(&a);
	free(cands);
	free(branch);
	return rc;
}

int
bisect_db_tick(struct db *db, const struct config *cfg)
{
	sqlite3_stmt *st;
	struct change *ch = NULL;
	size_t n = 0, i;
	int64_t active = 0;
	int rc = -1, changed = 0, r;

	if (!cfg->bisect_enabled)
		return 0;
	if (db_begin(db) < 0)
		return -1;
	/* Those in progress first, then the suspected, oldest first. */
	st = db_stmt(db, "bisect_db.bisect_db_tick",
	    "SELECT c.id, c.metric_id, c.before_commit, "
	    "c.after_commit, c.before_value, c.after_value, c.delta_pct, "
	    "c.state, m.name FROM changes c JOIN metrics m ON "
	    "m.id = c.metric_id WHERE c.state IN ('new', 'confirming', "
	    "'bisecting') ORDER BY c.state = 'new', c.id");
	if (st == NULL)
		goto out;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		ch = xrealloc(ch, (n + 1) * sizeof(*ch));
		memset(&ch[n], 0, sizeof(*ch));
		ch[n].id = sqlite3_column_int64(st, 0);
		ch[n].metric = sqlite3_column_int64(st, 1);
		ch[n].before = sqlite3_column_int64(st, 2);
		ch[n].after = sqlite3_column_int64(st, 3);
		ch[n].before_value = sqlite3_column_double(st, 4);
		ch[n].after_value = sqlite3_column_double(st, 5);
		ch[n].delta_pct = sqlite3_column_double(st, 6);
		snprintf(ch[n].state, sizeof(ch[n].state), "%s",
		    sqlite3_column_text(st, 7));
		ch[n].metric_name = xstrdup((const char *)
		    sqlite3_column_text(st, 8));
		n++;
	}
	sqlite3_reset(st);
	if (r != SQLITE_DONE) {
		db_err(db, "reading changes");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (strcmp(ch[i].state, BISECT_ST_NEW) == 0) {
			if (active >= cfg->bisect_parallel)
				continue;
			if (fnmatch(cfg->bisect_metrics, ch[i].metric_name,
			    0) != 0 ||
			    !(fabs(ch[i].delta_pct) >= cfg->bisect_min_change))
				continue;
		}
		active++;
		if (work(db, cfg, &ch[i], &changed) < 0) {
			err_wrap("change #%lld", (long long)ch[i].id);
			goto out;
		}
	}
	rc = 0;
out:
	for (i = 0; i < n; i++)
		free(ch[i].metric_name);
	free(ch);
	if (rc == 0 && db_commit(db) < 0)
		rc = -1;
	if (rc < 0) {
		db_rollback(db);
		return -1;
	}
	return changed;
}

/* A change's bisection as JSON: state, state_text, culprit, via, triage,
 * note and each run's verdict. Long: one JSON object built field by field
 * from two queries; split, the fields would be spread over helpers. */
cJSON *
bisect_db_json(struct db *db, int64_t change_id, const char *state)
{
	sqlite3_stmt *st;
	cJSON *o = cJSON_CreateObject(), *arr, *s;
	char text[160], cul[41] = "", via[41] = "";
	int step = 0, steps = 0, r, n = 0;

	if (state == NULL)
		state = BISECT_ST_NEW;
	cJSON_AddStringToObject(o, "state", state);
	st = db_stmt(db, "bisect_db.bisect_db_json",
	    "SELECT cc.hash, cv.hash, n.step, n.steps, n.triage, n.note FROM "
	    "change_notes n LEFT JOIN commits cc ON cc.id = n.culprit LEFT JOIN "
	    "commits cv ON cv.id = n.via WHERE n.change_id = ?");
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, change_id);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		if (sqlite3_column_type(st, 0) != SQLITE_NULL)
			snprintf(cul, sizeof(cul), "%s",
			    (const char *)sqlite3_column_text(st, 0));
		if (sqlite3_column_type(st, 1) != SQLITE_NULL)
			snprintf(via, sizeof(via), "%s",
			    (const char *)sqlite3_column_text(st, 1));
		step = sqlite3_column_int(st, 2);
		steps = sqlite3_column_int(st, 3);
		if (sqlite3_column_type(st, 4) != SQLITE_NULL)
			cJSON_AddStringToObject(o, "triage",
			    (const char *)sqlite3_column_text(st, 4));
		if (sqlite3_column_type(st, 5) != SQLITE_NULL)
			cJSON_AddStringToObject(o, "note",
			    (const char *)sqlite3_column_text(st, 5));
	} else if (r != SQLITE_DONE) {
		sqlite3_reset(st);
		db_err(db, "reading a change's notes");
		goto fail;
	}
	sqlite3_reset(st);
	if (strcmp(state, BISECT_ST_NEW) == 0)
		snprintf(text, sizeof(text), "suspected");
	else if (strcmp(state, BISECT_ST_BISECTING) == 0 && step > 0)
		snprintf(text, sizeof(text), "bisecting, step %d of ~%d", step,
		    steps > step ? steps : step);
	else if (strcmp(state, BISECT_ST_ATTRIBUTED) == 0 && cul[0] && via[0])
		snprintf(text, sizeof(text), "attributed to %.12s via merge "
		    "%.12s", cul, via);
	else if (strcmp(state, BISECT_ST_ATTRIBUTED) == 0 && cul[0])
		snprintf(text, sizeof(text), "attributed to %.12s", cul);
	else if (strcmp(state, BISECT_ST_BUDGET) == 0)
		snprintf(text, sizeof(text), "ran out of budget");
	else
		snprintf(text, sizeof(text), "%s", state);
	cJSON_AddStringToObject(o, "state_text", text);
	if (cul[0] && strcmp(state, BISECT_ST_ATTRIBUTED) == 0) {
		cJSON_AddStringToObject(o, "culprit", cul);
		if (via[0])
			cJSON_AddStringToObject(o, "via", via);
	}
	arr = cJSON_AddArrayToObject(o, "steps");
	st = db_stmt(db, "bisect_db.bisect_db_json_2",
	    "SELECT b.kind, b.step, b.run_id, c.hash, b.verdict "
	    "FROM bisect_runs b JOIN runs r ON r.id = b.run_id JOIN commits c "
	    "ON c.id = r.commit_id WHERE b.change_id = ? ORDER BY "
	    "r.start_time, r.id");
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, change_id);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		int verdict = sqlite3_column_int(st, 4);

		s = cJSON_CreateObject();
		cJSON_AddStringToObject(s, "kind",
		    (const char *)sqlite3_column_text(st, 0));
		if (sqlite3_column_type(st, 1) != SQLITE_NULL)
			cJSON_AddNumberToObject(s, "step",
			    sqlite3_column_int(st, 1));
		cJSON_AddStringToObject(s, "run",
		    (const char *)sqlite3_column_text(st, 2));
		cJSON_AddStringToObject(s, "commit",
		    (const char *)sqlite3_column_text(st, 3));
		cJSON_AddStringToObject(s, "verdict", verdict < 0 ? "before" :
		    verdict > 0 ? "after" : "unsure");
		cJSON_AddItemToArray(arr, s);
		n++;
	}
	sqlite3_reset(st);
	if (r != SQLITE_DONE) {
		db_err(db, "reading a change's runs");
		goto fail;
	}
	cJSON_AddNumberToObject(o, "runs", n);
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}

int
bisect_db_triage(struct db *db, int64_t change_id, const char *verb,
    const char *text)
{
	sqlite3_stmt *st;
	char key[32];
	int r;

	st = db_stmt(db, "bisect_db.bisect_db_triage",
	    "SELECT EXISTS (SELECT 1 FROM changes WHERE id = ?)");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, change_id);
	r = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_reset(st);
	if (r < 0)
		return db_err(db, "reading changes");
	if (r == 0) {
		err_set("there is no change #%lld (tj-gen changes lists them)",
		    (long long)change_id);
		return -1;
	}
	if (strcmp(verb, "ack") == 0 || strcmp(verb, "ignore") == 0) {
		st = db_stmt(db, "bisect_db.bisect_db_triage_2",
		    "INSERT INTO change_notes (change_id, triage, "
		    "updated) VALUES (?1, ?2, ?3) ON CONFLICT (change_id) DO "
		    "UPDATE SET triage = ?2, updated = ?3");
		if (st == NULL)
			return -1;
		sqlite3_bind_text(st, 2, verb, -1, SQLITE_STATIC);
	} else if (strcmp(verb, "note") == 0) {
		st = db_stmt(db, "bisect_db.bisect_db_triage_3",
		    "INSERT INTO change_notes (change_id, note, "
		    "updated) VALUES (?1, ?2, ?3) ON CONFLICT (change_id) DO "
		    "UPDATE SET note = ?2, updated = ?3");
		if (st == NULL)
			return -1;
		if (text != NULL && text[0] != '\0')
			sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
	} else {
		err_set("unknown triage '%s' (ack, ignore or note TEXT)", verb);
		return -1;
	}
	sqlite3_bind_int64(st, 1, change_id);
	sqlite3_bind_double(st, 3, (double)time(NULL));
	if (db_step_done(db, st) < 0)
		return -1;
	snprintf(key, sizeof(key), "%lld", (long long)change_id);
	return db_dirty(db, "change", key) < 0 ||
	    db_dirty(db, "changes", "") < 0 ? -1 : 0;
}
