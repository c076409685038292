/* changes: change points along tracked refs, kept in the changes table. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bisect_db.h"
#include "buf.h"
#include "changes.h"
#include "detect.h"
#include "err.h"
#include "log.h"
#include "query.h"
#include "stats.h"

/* One benchmarked commit of a metric's series. */
struct pt {
	int64_t commit;
	int64_t depth;		/* first-parent steps below the ref's tip */
	char *run;
	double end;		/* the run's end (its start if none) */
	double *v;
	size_t nv;
	int rep;		/* its runs: 1 repeated and agreed, -1
				 * repeated and differed, 0 one run */
};

struct series {
	int64_t metric;
	struct pt *p;		/* newest first while walking */
	size_t n, cap;
};

struct walk {
	struct series *s;
	size_t n, cap;
	int below_cut;		/* the walk stopped before the chain's end */
};

static void
walk_free(struct walk *w)
{
	size_t i, j;

	for (i = 0; i < w->n; i++) {
		for (j = 0; j < w->s[i].n; j++) {
			free(w->s[i].p[j].run);
			free(w->s[i].p[j].v);
		}
		free(w->s[i].p);
	}
	free(w->s);
	memset(w, 0, sizeof(*w));
}

static struct series *
series_of(struct walk *w, int64_t metric)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		if (w->s[i].metric == metric)
			return &w->s[i];
	if (w->n == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 8;
		w->s = xrealloc(w->s, w->cap * sizeof(*w->s));
	}
	memset(&w->s[w->n], 0, sizeof(w->s[0]));
	w->s[w->n].metric = metric;
	return &w->s[w->n++];
}

/* Add commit c's measurements (its newest run with a good value of each
 * metric) to the walk. Returns whether c had any, or -1. */
static int
add_commit(struct db *db, struct walk *w, int64_t c, int64_t depth)
{
	sqlite3_stmt *st = db_stmt(db, "changes.1",
	    "SELECT r.id, s.metric_id, s.vals, "
	    "coalesce(r.end_time, r.start_time) FROM runs r JOIN measurements s ON s.run_id = r.id WHERE "
	    "r.commit_id = ? AND s.error IS NULL AND s.n > 0 ORDER BY "
	    "coalesce(r.end_time, r.start_time), r.id");
	struct series *s;
	struct pt *p;
	double *v;
	size_t nv;
	int r, any = 0;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, c);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		nv = q_vals((const char *)sqlite3_column_text(st, 2), &v);
		if (nv == 0) {
			free(v);
			continue;
		}
		s = series_of(w, sqlite3_column_int64(st, 1));
		if (s->n > 0 && s->p[s->n - 1].commit == c) {
			/* A newer run of the same commit wins; did it
			 * give the same value? */
			double a, b;

			p = &s->p[s->n - 1];
			a = stats_median(p->v, p->nv);
			b = stats_median(v, nv);
			if (fabs(a - b) > STATS_ROUNDING * fmax(fabs(a),
			    fabs(b)))
				p->rep = -1;
			else if (p->rep == 0)
				p->rep = 1;
			free(p->run);
			free(p->v);
		} else {
			if (s->n == s->cap) {
				s->cap = s->cap ? 2 * s->cap : 64;
				s->p = xrealloc(s->p, s->cap * sizeof(*s->p));
			}
			p = &s->p[s->n++];
			p->rep = 0;
		}
		p->commit = c;
		p->depth = depth;
		p->run = xstrdup((const char *)sqlite3_column_text(st, 0));
		p->end = sqlite3_column_double(st, 3);
		p->v = v;
		p->nv = nv;
		any = 1;
	}
	sqlite3_reset(st);
	if (r != SQLITE_DONE)
		return db_err(db, "reading measurements");
	return any;
}

/*
 * Walk the first-parent history from tip. With stop > 0: only while it
 * has not passed commit stop and then for below more commits with
 * measurements; *found says whether stop was met. With stop 0: all.
 */
static int
walk_chain(struct db *db, int64_t tip, int64_t stop, size_t below,
    struct walk *w, int *found)
{
	sqlite3_stmt *st = db_stmt(db, "changes.2",
	    "WITH RECURSIVE fp(id, d) AS ("
	    "SELECT ?1, 0 UNION ALL SELECT e.parent, fp.d + 1 FROM fp JOIN "
	    "commit_edges e ON e.child = fp.id AND e.idx = 0) "
	    "SELECT fp.id, fp.d, EXISTS (SELECT 1 FROM runs WHERE "
	    "commit_id = fp.id) FROM fp");
	size_t got_below = 0;
	int r, a, rc = -1;

	*found = stop == 0;
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tip);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t c = sqlite3_column_int64(st, 0);

		if (c == stop)
			*found = 1;
		if (!sqlite3_column_int(st, 2))
			continue;
		if (stop > 0 && *found && got_below > below) {
			w->below_cut = 1;
			break;
		}
		a = add_commit(db, w, c, sqlite3_column_int64(st, 1));
		if (a < 0)
			goto out;
		if (stop > 0 && *found && a)
			got_below++;
	}
	if (r != SQLITE_DONE && r != SQLITE_ROW) {
		db_err(db, "walking the first-parent history");
		goto out;
	}
	rc = 0;
out:
	sqlite3_reset(st);
	return rc;
}

/* An existing change of (metric, ref). */
struct old {
	int64_t id, before, after;
	char state[32];
	int keep;		/* matched by a new change point */
};

static int
dirty_change(struct db *db, int64_t id)
{
	char key[32];

	snprintf(key, sizeof(key), "%lld", (long long)id);
	return db_dirty(db, "change", key) < 0 ||
	    db_dirty(db, "changes", "") < 0 || db_dirty(db, "index", "") < 0 ||
	    db_dirty(db, "graph", "") < 0 ? -1 : 0;
}

static int64_t
depth_of(const struct pt *p, size_t n, int64_t commit)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i].commit == commit)
			return p[i].depth;
	return -1;
}

static long
index_of(const struct pt *p, size_t n, int64_t commit)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i].commit == commit)
			return (long)i;
	return -1;
}

/*
 * When the model of metric on ref changes what pages show of it (its
 * published floor, or its kind: stats_noise_publish), the verdicts on the
 * metric's run pages (and so their commits) and its change pages change
 * with it: mark them dirty. A floor that drifts inside one step of the
 * published grid changes nothing a page shows.
 */
static int
noise_kind_dirty(struct db *db, int64_t metric, const char *ref,
    const struct stats_noise *nm)
{
	sqlite3_stmt *st = db_stmt(db, "changes.noise_kind",
	    "SELECT deterministic, floor FROM noise WHERE "
	    "metric_id = ? AND ref = ?");
	struct stats_noise was, now = *nm;
	int r, same = 0;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, metric);
	sqlite3_bind_text(st, 2, ref, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	stats_noise_publish(&now);
	if (r == SQLITE_ROW) {
		memset(&was, 0, sizeof(was));
		was.deterministic = sqlite3_column_int(st, 0);
		was.floor = sqlite3_column_type(st, 1) == SQLITE_NULL ? NAN :
		    sqlite3_column_double(st, 1);
		stats_noise_publish(&was);
		same = stats_noise_same(&was, &now);
	} else if (r == SQLITE_DONE) {
		same = isnan(nm->floor);	/* no model before, none now */
	}
	sqlite3_reset(st);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return db_err(db, "reading noise");
	if (same)
		return 0;
	if (db_run_int(db, "changes.noise_dirty", "INSERT OR IGNORE INTO "
	    "dirty (kind, key) SELECT 'run', run_id FROM measurements WHERE "
	    "metric_id = ?", metric) < 0)
		return -1;
	return db_run_int(db, "changes.noise_dirty_changes", "INSERT OR "
	    "IGNORE INTO dirty (kind, key) SELECT 'change', id FROM changes "
	    "WHERE metric_id = ?", metric);
}

static int
save_noise(struct db *db, int64_t metric, const char *ref,
    const struct stats_noise *nm)
{
	sqlite3_stmt *st;

	if (noise_kind_dirty(db, metric, ref, nm) < 0)
		return -1;
	st = db_stmt(db, "changes.3",
	    "INSERT OR REPLACE INTO noise "
	    "(metric_id, ref, runs, deterministic, run_to_run, within_run, "
	    "floor) VALUES (?, ?, ?, ?, ?, ?, ?)");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, metric);
	sqlite3_bind_text(st, 2, ref, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)nm->runs);
	sqlite3_bind_int(st, 4, nm->deterministic);
	sqlite3_bind_double(st, 5, nm->between);
	sqlite3_bind_double(st, 6, nm->within);
	if (isnan(nm->floor))
		sqlite3_bind_null(st, 7);
	else
		sqlite3_bind_double(st, 7, nm->floor);
	return db_step_done(db, st);
}

void
changes_detect_opts(const struct config *cfg, struct detect_opts *o)
{
	detect_opts_default(o);
	o->penalty = cfg->detect_penalty;
	o->min_points = (size_t)cfg->detect_min_points;
	o->alpha = cfg->detect_alpha;
	o->window = (size_t)cfg->detect_window;
	o->pair_z = cfg->detect_pair_z;
}

/* The direction of a metric (0 when it has none). */
static int
metric_direction(struct db *db, int64_t metric, int *direction)
{
	sqlite3_stmt *st = db_stmt(db, "changes.4",
	    "SELECT direction FROM metrics WHERE id = ?");
	int r;

	*direction = 0;
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, metric);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		*direction = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return db_err(db, "reading a metric's direction");
	return 0;
}

/* The changes of (s->metric, ref) a window may replace: those whose after
 * commit is point klo..khi-1 of s (every one when whole). */
static int
load_old(struct db *db, const char *ref, const struct series *s, size_t klo,
    size_t khi, int whole, struct old **oldp, size_t *noldp)
{
	sqlite3_stmt *st = db_stmt(db, "changes.5",
	    "SELECT id, before_commit, after_commit, state FROM "
	    "changes WHERE metric_id = ? AND ref = ?");
	struct old *old = NULL;
	size_t nold = 0;
	long ix;
	int r;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, s->metric);
	sqlite3_bind_text(st, 2, ref, -1, SQLITE_STATIC);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t after = sqlite3_column_int64(st, 2);

		ix = index_of(s->p, s->n, after);
		if (!whole && (ix < 0 || (size_t)ix < klo || (size_t)ix >= khi))
			continue;
		old = xrealloc(old, (nold + 1) * sizeof(*old));
		old[nold].id = sqlite3_column_int64(st, 0);
		old[nold].before = sqlite3_column_int64(st, 1);
		old[nold].after = after;
		snprintf(old[nold].state, sizeof(old[nold].state), "%s",
		    (const char *)sqlite3_column_text(st, 3));
		old[nold].keep = 0;
		nold++;
	}
	sqlite3_reset(st);
	*oldp = old;
	*noldp = nold;
	if (r != SQLITE_DONE)
		return db_err(db, "reading changes");
	return 0;
}

/* Change point cp between points pb and pa: updates change match (when it
 * differs) or, when match is 0, inserts a new one; marks its pages dirty. */
static int
store_change(struct db *db, const char *ref, int64_t metric,
    const struct detect_cp *cp, const struct pt *pb, const struct pt *pa,
    int64_t match, int direction, double now)
{
	sqlite3_stmt *st;
	double delta = cp->after - cp->before;
	int verdict;

	verdict = direction == 0 || delta == 0 ? 0 :
	    (delta * direction > 0 ? 1 : -1);
	if (match > 0)
		st = db_stmt(db, "changes.6",
		    "UPDATE changes SET before_run = ?1, "
		    "after_run = ?2, before_commit = ?3, after_commit = "
		    "?4, n_between = ?5, before_value = ?6, after_value "
		    "= ?7, delta = ?8, delta_pct = ?9, confidence = ?10, "
		    "verdict = ?11, updated = ?12, pair = ?15 WHERE id = ?13 "
		    "AND (before_run IS NOT ?1 OR after_run IS NOT ?2 OR "
		    "before_value IS NOT ?6 OR after_value IS NOT ?7 OR "
		    "confidence IS NOT ?10 OR n_between IS NOT ?5 OR "
		    "pair IS NOT ?15)");
	else
		st = db_stmt(db, "changes.7",
		    "INSERT INTO changes (before_run, "
		    "after_run, before_commit, after_commit, n_between, "
		    "before_value, after_value, delta, delta_pct, "
		    "confidence, verdict, updated, metric_id, ref, "
		    "found, pair) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
		    "?9, ?10, ?11, ?12, ?13, ?14, ?12, ?15)");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, pb->run, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, pa->run, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, pb->commit);
	sqlite3_bind_int64(st, 4, pa->commit);
	sqlite3_bind_int64(st, 5, pb->depth - pa->depth - 1);
	sqlite3_bind_double(st, 6, cp->before);
	sqlite3_bind_double(st, 7, cp->after);
	sqlite3_bind_double(st, 8, delta);
	sqlite3_bind_double(st, 9, isfinite(cp->delta_pct) ?
	    cp->delta_pct : 0);
	sqlite3_bind_double(st, 10, cp->confidence);
	sqlite3_bind_int(st, 11, verdict);
	sqlite3_bind_double(st, 12, now);
	sqlite3_bind_int(st, 15, cp->pair);
	if (match > 0) {
		sqlite3_bind_int64(st, 13, match);
	} else {
		sqlite3_bind_int64(st, 13, metric);
		sqlite3_bind_text(st, 14, ref, -1, SQLITE_STATIC);
	}
	if (db_step_done(db, st) < 0)
		return -1;
	if (match == 0)
		match = sqlite3_last_insert_rowid(db_handle(db));
	else if (sqlite3_changes(db_handle(db)) == 0)
		return 0;
	return dirty_change(db, match);
}

/* The repeated commits of points [lo, hi) of s that agreed and that
 * did not (stats_noise_repeats). */
static void
repeats(const struct series *s, size_t lo, size_t hi, size_t *agree,
    size_t *differ)
{
	size_t i;

	*agree = *differ = 0;
	for (i = lo; i < hi; i++) {
		*agree += s->p[i].rep > 0;
		*differ += s->p[i].rep < 0;
	}
}

/*
 * Detect on points [lo, hi) of s (oldest first) and replace the changes of
 * (s->metric, ref) whose after commit is in [klo, khi) (all of them when
 * whole) with what was found there.
 */
static int
apply(struct db *db, const struct config *cfg, const char *ref,
    struct series *s, size_t lo, size_t hi, size_t klo, size_t khi,
    int whole)
{
	struct detect_opts o;
	struct detect_cp *cp = NULL;
	struct old *old = NULL;
	const double **rows;
	size_t *nv, ncp, nold = 0, i, j;
	double now = 0;
	int direction = 0, rc = -1;

	changes_detect_opts(cfg, &o);
	repeats(s, lo, hi, &o.rep_agree, &o.rep_differ);
	rows = xmalloc((hi - lo + 1) * sizeof(*rows));
	nv = xmalloc((hi - lo + 1) * sizeof(*nv));
	/* found and updated: when the newest run detection saw ended (so a
	 * re-detection over the same runs writes the same rows). */
	for (i = lo; i < hi; i++) {
		rows[i - lo] = s->p[i].v;
		nv[i - lo] = s->p[i].nv;
		now = fmax(now, s->p[i].end);
	}
	ncp = detect_run(&o, rows, nv, hi - lo, &cp, NULL);
	if (metric_direction(db, s->metric, &direction) < 0 ||
	    load_old(db, ref, s, klo, khi, whole, &old, &nold) < 0)
		goto out;
	for (i = 0; i < ncp; i++) {
		size_t a = lo + cp[i].index;
		const struct pt *pa = &s->p[a], *pb = &s->p[a - 1];
		int64_t match = 0, d0, d1;

		if (a < klo || a >= khi)
			continue;
		/* Does it overlap a change already known: do their ranges
		 * (the commits after the before commit up to the after
		 * commit) share a commit? Depths grow towards the past:
		 * after is the smaller. Two changes side by side share only
		 * an end. One that bisect or triage owns takes every change
		 * point inside it; a new one is matched once. */
		for (j = 0; j < nold && match >= 0; j++) {
			d0 = depth_of(s->p, s->n, old[j].after);
			d1 = depth_of(s->p, s->n, old[j].before);
			if (d1 < 0)
				d1 = d0 + 1;
			if (d0 < 0 || !(d0 < pb->depth && pa->depth < d1))
				continue;
			if (strcmp(old[j].state, "new") != 0) {
				old[j].keep = 1;
				match = -1;
			} else if (!old[j].keep && match == 0) {
				old[j].keep = 1;
				match = old[j].id;
			}
		}
		if (match < 0)
			continue;	/* bisect owns it now */
		if (store_change(db, ref, s->metric, &cp[i], pb, pa, match,
		    direction, now) < 0)
			goto out;
	}
	/* Known changes the window no longer finds: gone, unless bisect
	 * or triage has taken them on. Those it keeps show the runs around
	 * them, among them the one that came. */
	for (j = 0; j < nold; j++) {
		if (old[j].keep || strcmp(old[j].state, "new") != 0) {
			if (dirty_change(db, old[j].id) < 0)
				goto out;
			continue;
		}
		if (db_run_int(db, "changes.delete", "DELETE FROM changes WHERE id = ?",
		    old[j].id) < 0 || dirty_change(db, old[j].id) < 0)
			goto out;
	}
	rc = 0;
out:
	free(cp);
	free(old);
	free(rows);
	free(nv);
	return rc;
}

/*
 * Learn and store the noise model of s's metric on ref from the newest
 * reach points of s (oldest first; the walk always holds the tip's end),
 * so the model is a function of the runs, whatever order they came in.
 */
static int
learn_tip(struct db *db, const char *ref, const struct series *s,
    size_t reach)
{
	struct stats_noise nm;
	const double **rows;
	size_t *nv, lo = s->n > reach ? s->n - reach : 0, i, agree, differ;
	int rc;

	rows = xmalloc((s->n - lo + 1) * sizeof(*rows));
	nv = xmalloc((s->n - lo + 1) * sizeof(*nv));
	for (i = lo; i < s->n; i++) {
		rows[i - lo] = s->p[i].v;
		nv[i - lo] = s->p[i].nv;
	}
	stats_noise_learn(&nm, rows, nv, s->n - lo);
	repeats(s, lo, s->n, &agree, &differ);
	stats_noise_repeats(&nm, agree, differ);
	rc = save_noise(db, s->metric, ref, &nm);
	free(rows);
	free(nv);
	return rc;
}

static void
reverse(struct series *s)
{
	size_t i;
	struct pt t;

	for (i = 0; i < s->n / 2; i++) {
		t = s->p[i];
		s->p[i] = s->p[s->n - 1 - i];
		s->p[s->n - 1 - i] = t;
	}
}

static int
ref_tip(struct db *db, const char *ref, int64_t *tip)
{
	sqlite3_stmt *st = db_stmt(db, "changes.8",
	    "SELECT commit_id FROM refs WHERE "
	    "name = ? AND tracked = 1");
	int r;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	*tip = r == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return db_err(db, "reading refs");
	return r == SQLITE_ROW;
}

/* Detection on ref around commit (0: the whole history). */
static int
update_ref_at(struct db *db, const struct config *cfg, const char *ref,
    int64_t commit)
{
	struct walk w = {0};
	struct detect_opts o;
	size_t i;
	int64_t tip;
	int found, r, rc = -1;

	changes_detect_opts(cfg, &o);
	r = ref_tip(db, ref, &tip);
	if (r <= 0)
		return r;
	if (walk_chain(db, tip, commit, detect_reach(&o) + 1, &w, &found) < 0)
		goto out;
	if (!found) {
		rc = 0;
		goto out;
	}
	for (i = 0; i < w.n; i++) {
		struct series *s = &w.s[i];
		size_t lo, hi, klo, khi;
		long ic;

		reverse(s);
		if (s->n < 2)
			continue;
		if (learn_tip(db, ref, s, detect_reach(&o)) < 0)
			goto out;
		if (commit == 0) {
			if (apply(db, cfg, ref, s, 0, s->n, 0, s->n, 1) < 0)
				goto out;
			continue;
		}
		ic = index_of(s->p, s->n, commit);
		if (ic < 0)
			continue;	/* that run did not measure it */
		detect_window(&o, s->n, (size_t)ic, &lo, &hi, &klo, &khi);
		/* A walk cut below starts inside the history: its first
		 * point is a window's edge too. */
		if (lo == 0 && w.below_cut)
			klo = detect_margin(&o);
		if (klo > (size_t)ic)
			klo = (size_t)ic;
		if (apply(db, cfg, ref, s, lo, hi, klo, khi, 0) < 0)
			goto out;
	}
	rc = 0;
out:
	walk_free(&w);
	return rc;
}

/* Call fn for every tracked ref. */
static int
each_tracked(struct db *db, char ***names, size_t *n)
{
	sqlite3_stmt *st = db_stmt(db, "changes.9",
	    "SELECT name FROM refs WHERE tracked "
	    "= 1 ORDER BY name");
	int r;

	*names = NULL;
	*n = 0;
	if (st == NULL)
		return -1;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		*names = xrealloc(*names, (*n + 1) * sizeof(**names));
		(*names)[(*n)++] = xstrdup((const char *)
		    sqlite3_column_text(st, 0));
	}
	sqlite3_reset(st);
	if (r != SQLITE_DONE)
		return db_err(db, "reading refs");
	return 0;
}

static void
names_free(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int
changes_update_commit(struct db *db, const struct config *cfg,
    int64_t commit_id)
{
	char **names;
	size_t n, i;
	int rc = 0;

	if (each_tracked(db, &names, &n) < 0)
		return -1;
	for (i = 0; i < n && rc == 0; i++)
		rc = update_ref_at(db, cfg, names[i], commit_id);
	names_free(names, n);
	return rc;
}

static int
mark_full(struct db *db, const char *ref)
{
	char *key = xasprintf("detect.full %s", ref);
	int rc = db_meta_set(db, key, "1");

	free(key);
	return rc;
}

int
changes_update_ref(struct db *db, const struct config *cfg, const char *ref)
{
	if (update_ref_at(db, cfg, ref, 0) < 0)
		return -1;
	return mark_full(db, ref);
}

/* Long: one pass over the pending detect rows inside one transaction;
 * the cleanup of each failure path depends on how far it got. */
int
changes_detect_pending(struct db *db, const struct config *cfg)
{
	sqlite3_stmt *st;
	char **keys = NULL, **refs = NULL, **gone = NULL;
	size_t nkeys = 0, nrefs = 0, ngone = 0, i;
	int r, all = 0, rc = -1;
	int64_t id;

	if (db_begin(db) < 0)
		return -1;
	st = db_stmt(db, "changes.10",
	    "SELECT key FROM dirty WHERE kind = 'detect'");
	if (st == NULL)
		goto out;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		keys = xrealloc(keys, (nkeys + 1) * sizeof(*keys));
		keys[nkeys++] = xstrdup((const char *)
		    sqlite3_column_text(st, 0));
		if (strcmp(keys[nkeys - 1], "*") == 0)
			all = 1;
	}
	sqlite3_reset(st);
	if (r != SQLITE_DONE) {
		db_err(db, "reading the dirty table");
		goto out;
	}
	if (each_tracked(db, &refs, &nrefs) < 0)
		goto out;
	for (i = 0; i < nrefs; i++) {
		char *key = xasprintf("detect.full %s", refs[i]), *v;

		v = db_meta_get(db, key);
		free(key);
		if (v == NULL && *err_get() != '\0')
			goto out;
		if (v == NULL || all) {
			if (changes_update_ref(db, cfg, refs[i]) < 0)
				goto out;
		}
		free(v);
	}
	/* A run a change rests on was deleted: detect that ref again. */
	st = db_stmt(db, "changes.11",
	    "SELECT DISTINCT ref FROM changes WHERE state = 'new' "
	    "AND (before_run NOT IN (SELECT id FROM runs) OR after_run NOT IN "
	    "(SELECT id FROM runs))");
	if (st == NULL)
		goto out;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		gone = xrealloc(gone, (ngone + 1) * sizeof(*gone));
		gone[ngone++] = xstrdup((const char *)
		    sqlite3_column_text(st, 0));
	}
	sqlite3_reset(st);
	if (r != SQLITE_DONE) {
		db_err(db, "reading changes");
		goto out;
	}
	for (i = 0; i < ngone && !all; i++)
		if (changes_update_ref(db, cfg, gone[i]) < 0)
			goto out;
	for (i = 0; i < nkeys && !all; i++) {
		id = db_commit_id(db, keys[i]);
		if (id < 0)
			goto out;
		if (id > 0 && changes_update_commit(db, cfg, id) < 0)
			goto out;
	}
	/* Undisturbed changes of refs no longer tracked go. */
	st = db_stmt(db, "changes.12",
	    "SELECT id FROM changes WHERE state = 'new' AND ref "
	    "NOT IN (SELECT name FROM refs WHERE tracked = 1)");
	if (st == NULL)
		goto out;
	while ((r = sqlite3_step(st)) == SQLITE_ROW)
		if (dirty_change(db, sqlite3_column_int64(st, 0)) < 0) {
			sqlite3_reset(st);
			goto out;
		}
	sqlite3_reset(st);
	if (r != SQLITE_DONE) {
		db_err(db, "reading changes");
		goto out;
	}
	if (db_exec(db, "DELETE FROM changes WHERE state = 'new' AND ref NOT "
	    "IN (SELECT name FROM refs WHERE tracked = 1);"
	    "DELETE FROM dirty WHERE kind = 'detect'") < 0)
		goto out;
	rc = db_commit(db);
	goto done;
out:
	db_rollback(db);
done:
	names_free(keys, nkeys);
	names_free(refs, nrefs);
	names_free(gone, ngone);
	return rc;
}

int
changes_range(struct db *db, int64_t change_id, int64_t **ids, size_t *n)
{
	sqlite3_stmt *st = db_stmt(db, "changes.13",
	    "SELECT before_commit, after_commit "
	    "FROM changes WHERE id = ?");
	int64_t before, after, c;
	size_t cap = 0;
	int r;

	*ids = NULL;
	*n = 0;
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, change_id);
	r = sqlite3_step(st);
	before = sqlite3_column_int64(st, 0);
	after = sqlite3_column_int64(st, 1);
	sqlite3_reset(st);
	if (r != SQLITE_ROW) {
		if (r == SQLITE_DONE)
			err_set("there is no change #%lld",
			    (long long)change_id);
		return r == SQLITE_DONE ? -1 : db_err(db, "reading changes");
	}
	st = db_stmt(db, "changes.14",
	    "SELECT parent FROM commit_edges WHERE child = ? "
	    "AND idx = 0");
	if (st == NULL)
		return -1;
	for (c = after;;) {
		sqlite3_bind_int64(st, 1, c);
		r = sqlite3_step(st);
		c = r == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
		sqlite3_reset(st);
		if (r != SQLITE_ROW && r != SQLITE_DONE)
			return db_err(db, "reading commit_edges");
		if (c == 0 || c == before)
			break;
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			*ids = xrealloc(*ids, cap * sizeof(**ids));
		}
		(*ids)[(*n)++] = c;
	}
	return 0;
}

void
changes_add_num(cJSON *o, const char *k, double v)
{
	char tmp[64];

	if (!isfinite(v)) {
		cJSON_AddNullToObject(o, k);
		return;
	}
	snprintf(tmp, sizeof(tmp), "%.6g", v);
	cJSON_AddNumberToObject(o, k, strtod(tmp, NULL));
}

/* Long: one row of the changes query turned into one JSON object, a
 * field a line. */
long
changes_json(struct db *db, cJSON *arr, int64_t id, long limit)
{
	sqlite3_stmt *st = db_stmt(db, "changes.15",
	    "SELECT c.id, m.name, m.unit, "
	    "m.direction, c.ref, c.before_run, c.after_run, b.hash, a.hash, "
	    "a.committer_time, c.n_between, c.before_value, c.after_value, "
	    "c.delta, c.delta_pct, c.confidence, c.verdict, c.state, c.found, "
	    "c.pair, NOT " CHANGES_SHOWN("c") " FROM changes c JOIN metrics m "
	    "ON m.id = c.metric_id JOIN "
	    "commits a ON a.id = c.after_commit JOIN commits b ON b.id = "
	    "c.before_commit WHERE (?1 > 0 AND c.id = ?1) OR (?1 <= 0 AND "
	    "c.ref IN (SELECT name FROM refs WHERE tracked = 1) AND (?2 = 0 "
	    "OR " CHANGES_SHOWN("c") ")) ORDER BY a.committer_time DESC, "
	    "c.id DESC LIMIT CASE WHEN ?2 > 0 THEN ?2 ELSE -1 END");
	long n = 0;
	int r;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, limit);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		cJSON *o = cJSON_CreateObject(), *b;
		int64_t cid = sqlite3_column_int64(st, 0);
		int verdict = sqlite3_column_int(st, 16);
		const char *state = (const char *)sqlite3_column_text(st, 17);
		int pair = sqlite3_column_int(st, 19);
		int hidden = sqlite3_column_int(st, 20);
		char url[48];

		cJSON_AddNumberToObject(o, "id", (double)cid);
		cJSON_AddStringToObject(o, "metric",
		    (const char *)sqlite3_column_text(st, 1));
		if (sqlite3_column_type(st, 2) == SQLITE_NULL)
			cJSON_AddNullToObject(o, "unit");
		else
			cJSON_AddStringToObject(o, "unit",
			    (const char *)sqlite3_column_text(st, 2));
		cJSON_AddNumberToObject(o, "direction",
		    sqlite3_column_int(st, 3));
		cJSON_AddStringToObject(o, "ref",
		    (const char *)sqlite3_column_text(st, 4));
		cJSON_AddStringToObject(o, "before_run",
		    (const char *)sqlite3_column_text(st, 5));
		cJSON_AddStringToObject(o, "after_run",
		    (const char *)sqlite3_column_text(st, 6));
		cJSON_AddStringToObject(o, "before_commit",
		    (const char *)sqlite3_column_text(st, 7));
		cJSON_AddStringToObject(o, "after_commit",
		    (const char *)sqlite3_column_text(st, 8));
		cJSON_AddNumberToObject(o, "time",
		    (double)sqlite3_column_int64(st, 9));
		cJSON_AddNumberToObject(o, "n_between",
		    (double)sqlite3_column_int64(st, 10));
		changes_add_num(o, "before_value",
		    sqlite3_column_double(st, 11));
		changes_add_num(o, "after_value",
		    sqlite3_column_double(st, 12));
		changes_add_num(o, "delta", sqlite3_column_double(st, 13));
		changes_add_num(o, "delta_pct", sqlite3_column_double(st, 14));
		changes_add_num(o, "confidence", sqlite3_column_double(st, 15));
		cJSON_AddNumberToObject(o, "verdict", verdict);
		cJSON_AddStringToObject(o, "kind", verdict < 0 ? "regression" :
		    verdict > 0 ? "improvement" : "change");
		cJSON_AddStringToObject(o, "state", state);
		cJSON_AddBoolToObject(o, "pair", pair);
		cJSON_AddBoolToObject(o, "hidden", hidden);
		cJSON_AddNumberToObject(o, "found",
		    floor(sqlite3_column_double(st, 18)));
		snprintf(url, sizeof(url), "change/%lld/", (long long)cid);
		cJSON_AddStringToObject(o, "url", url);
		b = bisect_db_json(db, cid, state);
		if (b == NULL) {
			cJSON_Delete(o);
			sqlite3_reset(st);
			return -1;
		}
		cJSON_AddStringToObject(o, "state_text",
		    cJSON_GetObjectItemCaseSensitive(b, "state_text")->valuestring);
		cJSON_AddItemToObject(o, "bisect", b);
		cJSON_AddItemToArray(arr, o);
		n++;
	}
	sqlite3_reset(st);
	if (r != SQLITE_DONE)
		return db_err(db, "reading changes");
	return n;
}

long
changes_count(struct db *db)
{
	sqlite3_stmt *st = db_stmt(db, "changes.count",
	    "SELECT count(*) FROM changes c JOIN metrics m ON m.id = "
	    "c.metric_id JOIN commits a ON a.id = c.after_commit JOIN commits "
	    "b ON b.id = c.before_commit WHERE c.ref IN (SELECT name FROM refs "
	    "WHERE tracked = 1) AND " CHANGES_SHOWN("c"));
	long n;

	if (st == NULL)
		return -1;
	if (sqlite3_step(st) != SQLITE_ROW) {
		n = db_err(db, "counting changes");
		sqlite3_reset(st);
		return n;
	}
	n = (long)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return n;
}
