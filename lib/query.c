/* query: every question the programs ask the db, one function each. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "db.h"
#include "err.h"
#include "query.h"
#include "stats.h"

/*
 * The definitions the queries share, written once: the latest run of a
 * commit (Q_LATEST_RUN_OF, query.h) and the queue's hand-out order (on
 * queue q joined with commits c).
 */
#define QUEUE_ORDER "q.priority DESC, q.added DESC, c.committer_time DESC, " \
	"c.id"

#define PARENTS_SQL "SELECT parent FROM commit_edges WHERE child = ? " \
	"ORDER BY idx"

/* A text column as a malloc'd string, NULL for NULL. */
static char *
col_str(sqlite3_stmt *st, int col)
{
	const unsigned char *s;

	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return NULL;
	s = sqlite3_column_text(st, col);
	return xstrdup(s ? (const char *)s : "");
}

/* A real column, NAN for NULL. */
static double
col_num(sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return NAN;
	return sqlite3_column_double(st, col);
}

/* A text column into a fixed buffer of size n ("" for NULL). */
static void
col_copy(sqlite3_stmt *st, int col, char *out, size_t n)
{
	const unsigned char *s = sqlite3_column_text(st, col);

	snprintf(out, n, "%s", s ? (const char *)s : "");
}

/* Step st once for a lookup: 1 with a row (st left on it), 0 (reset) when
 * there is none, -1 (reset) on error with context. */
static int
step_one(struct db *db, sqlite3_stmt *st, const char *context)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return 1;
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;
	return db_err(db, context);
}

/* Grow the array *v of *cap elements of size sz to hold n + 1. */
static void *
grow(void *v, size_t *cap, size_t n, size_t sz)
{
	if (n < *cap)
		return v;
	*cap = *cap ? *cap * 2 : 16;
	return xrealloc(v, *cap * sz);
}

int
q_commit(struct db *db, int64_t id, struct q_commit *c)
{
	sqlite3_stmt *st = db_stmt(db, "query.commit", "SELECT hash, message, "
	    "committer_time, committer_tz FROM commits WHERE id = ?");
	int rc;

	memset(c, 0, sizeof(*c));
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = step_one(db, st, "reading a commit")) != 1)
		return rc;
	c->id = id;
	col_copy(st, 0, c->hash, sizeof(c->hash));
	c->message = col_str(st, 1);
	if (c->message == NULL)
		c->message = xstrdup("");
	c->time = sqlite3_column_double(st, 2);
	c->tz = sqlite3_column_int(st, 3);
	sqlite3_reset(st);
	return 1;
}

void
q_commit_free(struct q_commit *c)
{
	free(c->message);
	c->message = NULL;
}

int
q_commit_by_hash(struct db *db, const char *hash, struct q_commit_full *c)
{
	sqlite3_stmt *st = db_stmt(db, "query.commit_by_hash", "SELECT id, "
	    "author_name, author_email, author_time, author_tz, "
	    "committer_name, committer_email, committer_time, committer_tz, "
	    "message, reachable FROM commits WHERE hash = ?");
	int rc;

	memset(c, 0, sizeof(*c));
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_TRANSIENT);
	if ((rc = step_one(db, st, "reading a commit")) != 1)
		return rc;
	c->id = sqlite3_column_int64(st, 0);
	snprintf(c->hash, sizeof(c->hash), "%s", hash);
	c->author_name = col_str(st, 1);
	c->author_email = col_str(st, 2);
	c->author_time = sqlite3_column_double(st, 3);
	c->author_tz = sqlite3_column_int(st, 4);
	c->committer_name = col_str(st, 5);
	c->committer_email = col_str(st, 6);
	c->committer_time = sqlite3_column_double(st, 7);
	c->committer_tz = sqlite3_column_int(st, 8);
	c->message = col_str(st, 9);
	if (c->message == NULL)
		c->message = xstrdup("");
	c->reachable = sqlite3_column_int(st, 10);
	sqlite3_reset(st);
	return 1;
}

void
q_commit_full_free(struct q_commit_full *c)
{
	free(c->author_name);
	free(c->author_email);
	free(c->committer_name);
	free(c->committer_email);
	free(c->message);
	memset(c, 0, sizeof(*c));
}

/* The one integer column of st (bound) into *out. */
static int
id_rows(struct db *db, sqlite3_stmt *st, int64_t **out, size_t *n)
{
	size_t cap = 0;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*out = grow(*out, &cap, *n, sizeof(**out));
		(*out)[(*n)++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(*out);
		*out = NULL;
		*n = 0;
		return db_err(db, "reading a commit's family");
	}
	return 0;
}

int
q_parents(struct db *db, int64_t id, int64_t **out, size_t *n)
{
	sqlite3_stmt *st = db_stmt(db, "query.parents", PARENTS_SQL);

	*out = NULL;
	*n = 0;
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	return id_rows(db, st, out, n);
}

int
q_children(struct db *db, int64_t id, int64_t **out, size_t *n)
{
	sqlite3_stmt *st = db_stmt(db, "query.children", "SELECT e.child FROM "
	    "commit_edges e JOIN commits c ON c.id = e.child WHERE "
	    "e.parent = ? ORDER BY c.committer_time, c.id");

	*out = NULL;
	*n = 0;
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	return id_rows(db, st, out, n);
}

int
q_commit_refs(struct db *db, int64_t id, struct q_ref_name **out, size_t *n)
{
	sqlite3_stmt *st = db_stmt(db, "query.commit_refs", "SELECT name, "
	    "tracked FROM refs WHERE commit_id = ? ORDER BY tracked DESC, "
	    "name");
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*out = grow(*out, &cap, *n, sizeof(**out));
		(*out)[*n].name = col_str(st, 0);
		(*out)[(*n)++].tracked = sqlite3_column_int(st, 1);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		q_ref_names_free(*out, *n);
		*out = NULL;
		*n = 0;
		return db_err(db, "reading refs");
	}
	return 0;
}

void
q_ref_names_free(struct q_ref_name *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

#define RUN_COLS "id, commit_id, bench_method, worker, start_time, " \
	"end_time, exit_code, error"

static void
run_row(sqlite3_stmt *st, struct q_run *r)
{
	col_copy(st, 0, r->id, sizeof(r->id));
	r->commit_id = sqlite3_column_int64(st, 1);
	r->bench_method = col_str(st, 2);
	r->worker = col_str(st, 3);
	r->start_time = sqlite3_column_double(st, 4);
	r->end_time = col_num(st, 5);
	r->has_exit = sqlite3_column_type(st, 6) != SQLITE_NULL;
	r->exit_code = sqlite3_column_int(st, 6);
	r->error = col_str(st, 7);
}

void
q_run_free(struct q_run *r)
{
	free(r->bench_method);
	free(r->worker);
	free(r->error);
	r->bench_method = r->worker = r->error = NULL;
}

void
q_runs_free(struct q_run *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		q_run_free(&v[i]);
	free(v);
}

int
q_run(struct db *db, const char *id, struct q_run *r)
{
	sqlite3_stmt *st = db_stmt(db, "query.run", "SELECT " RUN_COLS
	    " FROM runs WHERE id = ?");
	int rc;

	memset(r, 0, sizeof(*r));
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	if ((rc = step_one(db, st, "reading a run")) != 1)
		return rc;
	run_row(st, r);
	sqlite3_reset(st);
	return 1;
}

int
q_latest_run(struct db *db, int64_t commit_id, char out[Q_ID_SIZE])
{
	sqlite3_stmt *st = db_stmt(db, "query.latest_run",
	    "SELECT " Q_LATEST_RUN_OF("?"));
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, commit_id);
	if ((rc = step_one(db, st, "reading runs")) != 1)
		return rc;
	rc = sqlite3_column_type(st, 0) != SQLITE_NULL;
	if (rc)
		col_copy(st, 0, out, Q_ID_SIZE);
	sqlite3_reset(st);
	return rc;
}

/*
 * A set of commit ids (open addressing, linear probing, 0 is never a
 * commit id) for the history walks: each commit is visited once however
 * many paths lead to it, and the walk is bounded by the graph, not by a
 * step count.
 */
struct idset {
	int64_t *v;
	size_t cap, n;
};

static size_t
idset_slot(const struct idset *s, int64_t id)
{
	uint64_t h = (uint64_t)id * 0x9e3779b97f4a7c15ULL;
	size_t i = (size_t)(h >> 17) & (s->cap - 1);

	while (s->v[i] != 0 && s->v[i] != id)
		i = (i + 1) & (s->cap - 1);
	return i;
}

/* Whether id is in s. */
static int
idset_has(const struct idset *s, int64_t id)
{
	return s->cap != 0 && s->v[idset_slot(s, id)] == id;
}

/* Add id: 1 when it is new, 0 when it was there. */
static int
idset_add(struct idset *s, int64_t id)
{
	size_t i, old;
	int64_t *ov;

	if ((s->n + 1) * 2 > s->cap) {
		ov = s->v;
		old = s->cap;
		s->cap = old ? old * 2 : 64;
		s->v = xcalloc(s->cap, sizeof(*s->v));
		for (i = 0; i < old; i++)
			if (ov[i] != 0)
				s->v[idset_slot(s, ov[i])] = ov[i];
		free(ov);
	}
	i = idset_slot(s, id);
	if (s->v[i] == id)
		return 0;
	s->v[i] = id;
	s->n++;
	return 1;
}

/* A breadth-first queue of commit ids. */
struct idqueue {
	int64_t *v;
	size_t cap, head, tail;
};

static void
idqueue_push(struct idqueue *q, int64_t id)
{
	q->v = grow(q->v, &q->cap, q->tail, sizeof(*q->v));
	q->v[q->tail++] = id;
}

/* The parents of c, first parent first, appended to the search queue q
 * unless already seen; those with a run also into with_runs (so the walk
 * reads a run only where there is one). */
static int
push_parents(struct db *db, int64_t c, struct idqueue *q, struct idset *seen,
    struct idset *with_runs)
{
	sqlite3_stmt *st = db_stmt(db, "query.parents_runs",
	    "SELECT e.parent, EXISTS (SELECT 1 FROM runs r WHERE "
	    "r.commit_id = e.parent) FROM commit_edges e WHERE e.child = ? "
	    "ORDER BY e.idx");
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, c);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t p = sqlite3_column_int64(st, 0);

		if (!idset_add(seen, p))
			continue;
		idqueue_push(q, p);
		if (sqlite3_column_int(st, 1))
			idset_add(with_runs, p);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : db_err(db, "reading parents");
}

int
q_base_run(struct db *db, int64_t commit_id, char out[Q_ID_SIZE])
{
	struct idqueue q = { 0 };
	struct idset seen = { 0 }, with_runs = { 0 };
	int64_t c;
	int found = 0;

	idqueue_push(&q, commit_id);
	idset_add(&seen, commit_id);
	while (q.head < q.tail) {
		c = q.v[q.head++];
		if (idset_has(&with_runs, c) &&
		    (found = q_latest_run(db, c, out)) != 0)
			break;
		if (push_parents(db, c, &q, &seen, &with_runs) < 0) {
			found = -1;
			break;
		}
	}
	free(q.v);
	free(seen.v);
	free(with_runs.v);
	return found;
}

int
q_first_parent_distance(struct db *db, int64_t from, int64_t to, long *n)
{
	sqlite3_stmt *st = db_stmt(db, "query.first_parent_distance",
	    "WITH RECURSIVE fp(id, d) AS (SELECT ?1, 0 UNION ALL "
	    "SELECT e.parent, fp.d + 1 FROM fp JOIN commit_edges e ON "
	    "e.child = fp.id AND e.idx = 0 WHERE fp.id != ?2) "
	    "SELECT d FROM fp WHERE id = ?2 LIMIT 1");
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to);
	if ((rc = step_one(db, st, "walking first parents")) != 1)
		return rc;
	*n = (long)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return 1;
}

/* The rows of the run statement st (bound) into *out. */
static int
run_rows(struct db *db, sqlite3_stmt *st, struct q_run **out, size_t *n)
{
	size_t cap = 0;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*out = grow(*out, &cap, *n, sizeof(**out));
		memset(&(*out)[*n], 0, sizeof(**out));
		run_row(st, &(*out)[(*n)++]);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		q_runs_free(*out, *n);
		*out = NULL;
		*n = 0;
		return db_err(db, "reading runs");
	}
	return 0;
}

int
q_commit_runs(struct db *db, int64_t commit_id, struct q_run **out,
    size_t *n)
{
	sqlite3_stmt *st = db_stmt(db, "query.commit_runs", "SELECT " RUN_COLS
	    " FROM runs WHERE commit_id = ? ORDER BY start_time, id");

	*out = NULL;
	*n = 0;
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, commit_id);
	return run_rows(db, st, out, n);
}

int
q_next_with_runs(struct db *db, int64_t id, struct q_commit_ref **out,
    size_t *n)
{
	struct idqueue q = { 0 };
	struct idset seen = { 0 };
	sqlite3_stmt *st;
	size_t ocap = 0;
	int64_t child;
	int rc = 0, step;

	*out = NULL;
	*n = 0;
	idqueue_push(&q, id);
	idset_add(&seen, id);
	while (rc == 0 && q.head < q.tail) {
		st = db_stmt(db, "query.children_runs", "SELECT e.child, "
		    "c.hash, EXISTS (SELECT 1 FROM runs WHERE commit_id = "
		    "e.child) FROM commit_edges e JOIN commits c ON c.id = "
		    "e.child WHERE e.parent = ?");
		if (st == NULL) {
			rc = -1;
			break;
		}
		sqlite3_bind_int64(st, 1, q.v[q.head++]);
		while ((step = sqlite3_step(st)) == SQLITE_ROW) {
			child = sqlite3_column_int64(st, 0);
			if (!idset_add(&seen, child))
				continue;
			if (!sqlite3_column_int(st, 2)) {
				idqueue_push(&q, child);
				continue;
			}
			*out = grow(*out, &ocap, *n, sizeof(**out));
			(*out)[*n].id = child;
			col_copy(st, 1, (*out)[*n].hash,
			    sizeof((*out)[*n].hash));
			(*n)++;
		}
		sqlite3_reset(st);
		if (step != SQLITE_DONE)
			rc = db_err(db, "reading children");
	}
	free(q.v);
	free(seen.v);
	if (rc < 0) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

int
q_worker_runs(struct db *db, const char *worker, int limit,
    struct q_run **out, size_t *n)
{
	sqlite3_stmt *st = db_stmt(db, "query.worker_runs", "SELECT " RUN_COLS
	    " FROM runs WHERE worker = ? ORDER BY start_time DESC, id DESC "
	    "LIMIT ?");

	*out = NULL;
	*n = 0;
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, worker, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 2, limit);
	return run_rows(db, st, out, n);
}

int
q_finished_runs(struct db *db, int limit, struct q_run **out, size_t *n)
{
	sqlite3_stmt *st = db_stmt(db, "query.finished_runs", "SELECT "
	    RUN_COLS " FROM runs WHERE end_time IS NOT NULL ORDER BY end_time "
	    "DESC, id DESC LIMIT ?");

	*out = NULL;
	*n = 0;
	if (st == NULL)
		return -1;
	sqlite3_bind_int(st, 1, limit);
	return run_rows(db, st, out, n);
}

int
q_queue(struct db *db, long limit, struct q_queued **out, size_t *n)
{
	sqlite3_stmt *st = db_stmt(db, "query.queue", "SELECT q.commit_id, "
	    "c.hash, c.message, q.added, q.priority, q.reserved_by, q.reason, "
	    "q.change_id, q.step, q.steps FROM queue q JOIN commits c ON "
	    "c.id = q.commit_id ORDER BY " QUEUE_ORDER " LIMIT ?");
	struct q_queued *e;
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*out = grow(*out, &cap, *n, sizeof(**out));
		e = &(*out)[(*n)++];
		e->commit_id = sqlite3_column_int64(st, 0);
		col_copy(st, 1, e->hash, sizeof(e->hash));
		e->message = col_str(st, 2);
		if (e->message == NULL)
			e->message = xstrdup("");
		e->added = sqlite3_column_double(st, 3);
		e->priority = sqlite3_column_int(st, 4);
		e->reserved_by = col_str(st, 5);
		e->reason = col_str(st, 6);
		e->has_change = sqlite3_column_type(st, 7) != SQLITE_NULL;
		e->change_id = sqlite3_column_int64(st, 7);
		e->step = sqlite3_column_int(st, 8);
		e->steps = sqlite3_column_int(st, 9);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		q_queue_free(*out, *n);
		*out = NULL;
		*n = 0;
		return db_err(db, "reading the queue");
	}
	return 0;
}

void
q_queue_free(struct q_queued *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].message);
		free(v[i].reserved_by);
		free(v[i].reason);
	}
	free(v);
}

long
q_queue_count(struct db *db)
{
	sqlite3_stmt *st = db_stmt(db, "query.queue_count",
	    "SELECT count(*) FROM queue");
	long v;
	int rc;

	if (st == NULL)
		return -1;
	if ((rc = step_one(db, st, "counting the queue")) != 1)
		return rc == 0 ? db_err(db, "counting the queue") : -1;
	v = (long)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return v;
}

int
q_queue_next(struct db *db, double cutoff, int64_t *commit_id, char hash[41])
{
	sqlite3_stmt *st = db_stmt(db, "query.queue_next", "SELECT "
	    "q.commit_id, c.hash FROM queue q JOIN commits c ON "
	    "c.id = q.commit_id WHERE q.reserved_by IS NULL OR NOT EXISTS "
	    "(SELECT 1 FROM workers w WHERE w.name = q.reserved_by AND "
	    "w.last_seen >= ?) ORDER BY " QUEUE_ORDER " LIMIT 1");
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_double(st, 1, cutoff);
	if ((rc = step_one(db, st, "reading the queue")) != 1)
		return rc;
	*commit_id = sqlite3_column_int64(st, 0);
	col_copy(st, 1, hash, 41);
	sqlite3_reset(st);
	return 1;
}

#define WORKER_COLS "name, info, status, first_seen, last_seen, run_id, " \
	"run_commit_id, run_start, last_output"

static void
worker_row(sqlite3_stmt *st, struct q_worker *w)
{
	w->name = col_str(st, 0);
	w->info = col_str(st, 1);
	w->status = col_str(st, 2);
	w->first_seen = sqlite3_column_double(st, 3);
	w->last_seen = sqlite3_column_double(st, 4);
	w->run_id = col_str(st, 5);
	w->run_commit_id = sqlite3_column_int64(st, 6);
	w->run_start = col_num(st, 7);
	w->last_output = col_str(st, 8);
}

void
q_worker_free(struct q_worker *w)
{
	free(w->name);
	free(w->info);
	free(w->status);
	free(w->run_id);
	free(w->last_output);
	memset(w, 0, sizeof(*w));
}

void
q_workers_free(struct q_worker *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		q_worker_free(&v[i]);
	free(v);
}

int
q_worker(struct db *db, const char *name, struct q_worker *w)
{
	sqlite3_stmt *st = db_stmt(db, "query.worker", "SELECT " WORKER_COLS
	    " FROM workers WHERE name = ?");
	int rc;

	memset(w, 0, sizeof(*w));
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	if ((rc = step_one(db, st, "reading a worker")) != 1)
		return rc;
	worker_row(st, w);
	sqlite3_reset(st);
	return 1;
}

int
q_workers(struct db *db, struct q_worker **out, size_t *n)
{
	sqlite3_stmt *st = db_stmt(db, "query.workers", "SELECT " WORKER_COLS
	    " FROM workers ORDER BY name");
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*out = grow(*out, &cap, *n, sizeof(**out));
		worker_row(st, &(*out)[(*n)++]);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		q_workers_free(*out, *n);
		*out = NULL;
		*n = 0;
		return db_err(db, "reading workers");
	}
	return 0;
}

int
q_noise(struct db *db, int64_t metric_id, struct stats_noise *nm)
{
	sqlite3_stmt *st = db_stmt(db, "query.noise",
	    "SELECT deterministic, run_to_run, "
	    "within_run, floor, runs FROM noise WHERE metric_id = ? AND ref "
	    "IN (SELECT name FROM refs WHERE tracked = 1) ORDER BY runs DESC, "
	    "ref LIMIT 1");
	int r;

	memset(nm, 0, sizeof(*nm));
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, metric_id);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		nm->deterministic = sqlite3_column_int(st, 0);
		nm->between = sqlite3_column_double(st, 1);
		nm->within = sqlite3_column_double(st, 2);
		nm->floor = sqlite3_column_type(st, 3) == SQLITE_NULL ? NAN :
		    sqlite3_column_double(st, 3);
		nm->runs = (size_t)sqlite3_column_int64(st, 4);
		stats_noise_publish(nm);
	}
	sqlite3_reset(st);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return db_err(db, "reading noise");
	return r == SQLITE_ROW;
}

size_t
q_vals(const char *text, double **out)
{
	cJSON *a = text ? cJSON_Parse(text) : NULL, *e;
	size_t n = 0;

	*out = NULL;
	if (!cJSON_IsArray(a)) {
		cJSON_Delete(a);
		return 0;
	}
	*out = xmalloc(((size_t)cJSON_GetArraySize(a) + 1) * sizeof(**out));
	cJSON_ArrayForEach(e, a)
		if (cJSON_IsNumber(e) && isfinite(e->valuedouble))
			(*out)[n++] = e->valuedouble;
	cJSON_Delete(a);
	return n;
}

int
q_measurements(struct db *db, const char *run_id, struct q_measurement **out,
    size_t *n)
{
	sqlite3_stmt *st = db_stmt(db, "query.measurements", "SELECT m.id, "
	    "m.name, m.unit, m.direction, s.vals, s.n, s.median, s.min, "
	    "s.max, s.stddev, s.error FROM measurements s JOIN metrics m ON "
	    "m.id = s.metric_id WHERE s.run_id = ? ORDER BY m.name");
	struct q_measurement *m;
	size_t cap = 0;
	int rc, dir;

	*out = NULL;
	*n = 0;
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, run_id, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*out = grow(*out, &cap, *n, sizeof(**out));
		m = &(*out)[(*n)++];
		m->metric_id = sqlite3_column_int64(st, 0);
		m->metric = col_str(st, 1);
		if (m->metric == NULL)
			m->metric = xstrdup("");
		m->unit = col_str(st, 2);
		dir = sqlite3_column_int(st, 3);
		m->direction = dir < 0 ? -1 : dir > 0 ? 1 : 0;
		m->vals = col_str(st, 4);
		m->n = sqlite3_column_int(st, 5);
		m->median = col_num(st, 6);
		m->min = col_num(st, 7);
		m->max = col_num(st, 8);
		m->stddev = col_num(st, 9);
		m->error = col_str(st, 10);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		q_measurements_free(*out, *n);
		*out = NULL;
		*n = 0;
		return db_err(db, "reading measurements");
	}
	return 0;
}

void
q_measurements_free(struct q_measurement *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].metric);
		free(v[i].unit);
		free(v[i].vals);
		free(v[i].error);
	}
	free(v);
}

#define REF_COLS "r.name, r.tracked, c.id, c.hash, " Q_LATEST_RUN_OF("c.id")

static void
ref_row(sqlite3_stmt *st, struct q_ref *ref)
{
	ref->name = col_str(st, 0);
	ref->tracked = sqlite3_column_int(st, 1);
	ref->commit_id = sqlite3_column_int64(st, 2);
	col_copy(st, 3, ref->hash, sizeof(ref->hash));
	col_copy(st, 4, ref->latest_run, sizeof(ref->latest_run));
}

int
q_refs(struct db *db, struct q_ref **out, size_t *n)
{
	sqlite3_stmt *st = db_stmt(db, "query.refs", "SELECT " REF_COLS
	    " FROM refs r JOIN commits c ON c.id = r.commit_id "
	    "ORDER BY r.tracked DESC, r.name");
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*out = grow(*out, &cap, *n, sizeof(**out));
		ref_row(st, &(*out)[(*n)++]);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		q_refs_free(*out, *n);
		*out = NULL;
		*n = 0;
		return db_err(db, "reading refs");
	}
	return 0;
}

void
q_refs_free(struct q_ref *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

int
q_ref(struct db *db, const char *name, struct q_ref *ref)
{
	sqlite3_stmt *st = db_stmt(db, "query.ref", "SELECT " REF_COLS
	    " FROM refs r JOIN commits c ON c.id = r.commit_id "
	    "WHERE r.name = ?");
	int rc;

	memset(ref, 0, sizeof(*ref));
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	if ((rc = step_one(db, st, "reading a ref")) != 1)
		return rc;
	ref_row(st, ref);
	sqlite3_reset(st);
	return 1;
}

/* Whether the commit id x (an SQL expression) is core (query.h). */
#define Q_CORE_OF(x) "(coalesce((SELECT mainline FROM commits WHERE id = " \
	x "), 0) OR EXISTS (SELECT 1 FROM runs WHERE commit_id = " x ") OR " \
	"EXISTS (SELECT 1 FROM refs WHERE commit_id = " x "))"

int
q_commit_informative(struct db *db, int64_t id)
{
	sqlite3_stmt *st = db_stmt(db, "query.commit_informative", "SELECT "
	    Q_CORE_OF("?1") " OR EXISTS (SELECT 1 FROM commit_edges e WHERE "
	    "e.child = ?1 AND " Q_CORE_OF("e.parent") ") OR EXISTS (SELECT 1 "
	    "FROM commit_edges e WHERE e.parent = ?1 AND "
	    Q_CORE_OF("e.child") ")");
	int rc, v = 0;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		v = sqlite3_column_int(st, 0) != 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return db_err(db, "reading which commits have pages");
	return v;
}

/* Step st (one or two integer columns, ids below n) into map: bit 1 for
 * the first column, 2 for the second. */
static int
map_rows(struct db *db, sqlite3_stmt *st, unsigned char *map, int64_t n)
{
	int64_t a, b;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		a = sqlite3_column_int64(st, 0);
		if (sqlite3_column_count(st) == 1) {
			if (a >= 0 && a < n)
				map[a] |= 1;
			continue;
		}
		/* An edge: a neighbour of a core commit gets bit 2. */
		b = sqlite3_column_int64(st, 1);
		if (a < 0 || a >= n || b < 0 || b >= n)
			continue;
		if (map[a] & 1)
			map[b] |= 2;
		if (map[b] & 1)
			map[a] |= 2;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_err(db, "reading which commits have pages");
	return 0;
}

int
q_commit_max(struct db *db, int64_t *max)
{
	sqlite3_stmt *st = db_stmt(db, "query.commit_max",
	    "SELECT coalesce(max(id), 0) FROM commits");
	int rc;

	if (st == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*max = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return db_err(db, "reading commits");
	return 0;
}

int
q_informative_map(struct db *db, unsigned char **map, int64_t *n)
{
	sqlite3_stmt *st;
	int64_t i;

	*map = NULL;
	*n = 0;
	if (q_commit_max(db, n) < 0)
		return -1;
	*map = xcalloc((size_t)++*n, 1);
	st = db_stmt(db, "query.informative_core", "SELECT id FROM commits "
	    "WHERE mainline UNION ALL SELECT commit_id FROM runs UNION ALL "
	    "SELECT commit_id FROM refs");
	if (st == NULL || map_rows(db, st, *map, *n) < 0)
		goto fail;
	st = db_stmt(db, "query.informative_edges", "SELECT child, parent "
	    "FROM commit_edges");
	if (st == NULL || map_rows(db, st, *map, *n) < 0)
		goto fail;
	for (i = 0; i < *n; i++)
		(*map)[i] = (*map)[i] != 0;
	return 0;
fail:
	free(*map);
	*map = NULL;
	*n = 0;
	return -1;
}

/* An edge for q_family_load's sorts: by (a, key, b). */
struct fam_edge {
	int64_t a, b;
	double key;
};

static int
fam_edge_cmp(const void *x, const void *y)
{
	const struct fam_edge *p = x, *q = y;

	if (p->a != q->a)
		return p->a < q->a ? -1 : 1;
	if (p->key != q->key)
		return p->key < q->key ? -1 : 1;
	if (p->b != q->b)
		return p->b < q->b ? -1 : 1;
	return 0;
}

/* Where commit id's parents (kids: children) start in links, and how
 * many it has. */
static unsigned *
fam_list(struct q_family *f, int64_t id, int kids, size_t **first)
{
	*first = kids ? &f->c[id].kid : &f->c[id].par;
	return kids ? &f->c[id].nkid : &f->c[id].npar;
}

/* The edges as one list per commit, a's list of b's by (key, b): counted
 * into place by a (ids are dense), then each list of more than one edge
 * sorted (most have one). */
static void
fam_lists(struct q_family *f, struct fam_edge *e, size_t ne, size_t at,
    int kids)
{
	struct fam_edge *v = xcalloc(ne + 1, sizeof(*v));
	size_t *first, i, next = 0;
	unsigned *n;
	int64_t id;

	for (i = 0; i < ne; i++)
		(*fam_list(f, e[i].a, kids, &first))++;
	for (id = 0; id < f->n; id++) {
		n = fam_list(f, id, kids, &first);
		*first = next;
		next += *n;
		*n = 0;
	}
	for (i = 0; i < ne; i++) {
		n = fam_list(f, e[i].a, kids, &first);
		v[*first + (*n)++] = e[i];
	}
	for (id = 0; id < f->n; id++) {
		n = fam_list(f, id, kids, &first);
		if (*n > 1)
			qsort(v + *first, *n, sizeof(*v), fam_edge_cmp);
		for (i = *first; i < *first + *n; i++)
			f->links[at + i] = v[i].b;
		*first += at;
	}
	free(v);
}

static int
fam_hash_cmp(const void *x, const void *y, void *arg)
{
	const struct q_fam_commit *c = arg;
	const int64_t *p = x, *q = y;

	return strcmp(c[*p].hash, c[*q].hash);
}

/* The value of the first four hex digits of hash (a non-digit counts 0). */
static unsigned
fam_bucket(const char *h)
{
	unsigned b = 0, d;
	int x;

	for (x = 0; x < 4; x++) {
		d = h[x] >= '0' && h[x] <= '9' ? (unsigned)(h[x] - '0') :
		    h[x] >= 'a' && h[x] <= 'f' ? (unsigned)(h[x] - 'a' + 10) : 0;
		b = b * 16 + d;
	}
	return b;
}

/* by_hash sorted by hash: counted into buckets by the first four hex
 * digits, then each bucket of more than one (a few even in a large
 * repository) sorted. */
static void
fam_sort_by_hash(struct q_family *f)
{
	enum { NB = 1 << 16 };
	size_t *start = xcalloc(NB + 1, sizeof(*start)), i;
	int64_t *v = xcalloc(f->nhash + 1, sizeof(*v));
	unsigned b;

	for (i = 0; i < f->nhash; i++)
		start[fam_bucket(f->c[f->by_hash[i]].hash) + 1]++;
	for (b = 0; b < NB; b++)
		start[b + 1] += start[b];
	for (i = 0; i < f->nhash; i++)
		v[start[fam_bucket(f->c[f->by_hash[i]].hash)]++] =
		    f->by_hash[i];
	/* start[b] is now the end of bucket b, the start of bucket b + 1. */
	for (b = 0, i = 0; b < NB; i = start[b++])
		if (start[b] - i > 1)
			qsort_r(v + i, start[b] - i, sizeof(*v), fam_hash_cmp,
			    f->c);
	free(f->by_hash);
	f->by_hash = v;
	free(start);
}

/* Set has_runs (runs) or has_refs of every commit sql (one id column)
 * returns. 0 or -1. */
static int
fam_mark(struct db *db, struct q_family *f, const char *name,
    const char *sql, int runs)
{
	sqlite3_stmt *st = db_stmt(db, name, sql);
	int64_t id;
	int rc;

	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		if (id >= 0 && id < f->n)
			*(runs ? &f->c[id].has_runs : &f->c[id].has_refs) = 1;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_err(db, "reading which commits have refs and runs");
	return 0;
}

int
q_family_load(struct db *db, char *(*summarize)(const char *message),
    struct q_family *f)
{
	sqlite3_stmt *st;
	struct fam_edge *par = NULL, *kid = NULL;
	size_t np = 0, nk = 0, cap = 0, capk = 0;
	struct q_fam_commit *c;
	const unsigned char *msg;
	int64_t id, child, parent;
	int rc;

	memset(f, 0, sizeof(*f));
	if (q_commit_max(db, &f->n) < 0)
		return -1;
	f->c = xcalloc((size_t)++f->n, sizeof(*f->c));
	f->by_hash = xcalloc((size_t)f->n, sizeof(*f->by_hash));
	st = db_stmt(db, "query.family_commits", "SELECT id, hash, message, "
	    "committer_time, committer_tz FROM commits");
	if (st == NULL)
		goto fail;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		if (id < 0 || id >= f->n)
			continue;
		c = &f->c[id];
		col_copy(st, 1, c->hash, sizeof(c->hash));
		msg = sqlite3_column_text(st, 2);
		c->summary = summarize(msg ? (const char *)msg : "");
		c->time = sqlite3_column_double(st, 3);
		c->tz = sqlite3_column_int(st, 4);
		f->by_hash[f->nhash++] = id;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		db_err(db, "reading the commits");
		goto fail;
	}
	st = db_stmt(db, "query.family_edges", "SELECT child, parent, idx "
	    "FROM commit_edges");
	if (st == NULL)
		goto fail;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		child = sqlite3_column_int64(st, 0);
		parent = sqlite3_column_int64(st, 1);
		if (child < 0 || child >= f->n || f->c[child].hash[0] == '\0')
			continue;
		par = grow(par, &cap, np, sizeof(*par));
		par[np].a = child;
		par[np].b = parent;
		par[np++].key = (double)sqlite3_column_int64(st, 2);
		if (parent < 0 || parent >= f->n)
			continue;
		kid = grow(kid, &capk, nk, sizeof(*kid));
		kid[nk].a = parent;
		kid[nk].b = child;
		kid[nk++].key = f->c[child].time;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		db_err(db, "reading the commit edges");
		goto fail;
	}
	if (fam_mark(db, f, "query.family_refs", "SELECT DISTINCT commit_id "
	    "FROM refs", 0) < 0 ||
	    fam_mark(db, f, "query.family_runs", "SELECT DISTINCT commit_id "
	    "FROM runs", 1) < 0)
		goto fail;
	f->links = xcalloc(np + nk + 1, sizeof(*f->links));
	fam_lists(f, par, np, 0, 0);
	fam_lists(f, kid, nk, np, 1);
	free(par);
	free(kid);
	fam_sort_by_hash(f);
	return 0;
fail:
	free(par);
	free(kid);
	q_family_free(f);
	return -1;
}

void
q_family_free(struct q_family *f)
{
	int64_t i;

	for (i = 0; f->c != NULL && i < f->n; i++)
		free(f->c[i].summary);
	free(f->c);
	free(f->links);
	free(f->by_hash);
	memset(f, 0, sizeof(*f));
}

const struct q_fam_commit *
q_family_get(const struct q_family *f, int64_t id)
{
	if (f == NULL || f->c == NULL || id < 0 || id >= f->n ||
	    f->c[id].hash[0] == '\0')
		return NULL;
	return &f->c[id];
}

/* The first of by_hash whose hash is not below s. */
static size_t
fam_lower(const struct q_family *f, const char *s, size_t len)
{
	size_t lo = 0, hi = f->nhash, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strncmp(f->c[f->by_hash[mid]].hash, s, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void
q_family_prefix(const struct q_family *f, const char *prefix, size_t *from,
    size_t *to)
{
	size_t len = strlen(prefix);

	*from = fam_lower(f, prefix, len);
	for (*to = *from; *to < f->nhash && strncmp(
	    f->c[f->by_hash[*to]].hash, prefix, len) == 0; (*to)++)
		;
}

int
q_commits_with_prefix(struct db *db, const char *prefix,
    struct q_commit **out, size_t *n)
{
	sqlite3_stmt *st = db_stmt(db, "query.commits_with_prefix", "SELECT "
	    "id, hash, message, committer_time, committer_tz FROM commits "
	    "WHERE hash >= ?1 AND hash < ?1 || 'g' ORDER BY hash");
	size_t cap = 0;
	struct q_commit *c;
	int rc;

	*out = NULL;
	*n = 0;
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, prefix, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*out = grow(*out, &cap, *n, sizeof(**out));
		c = &(*out)[(*n)++];
		c->id = sqlite3_column_int64(st, 0);
		col_copy(st, 1, c->hash, sizeof(c->hash));
		c->message = col_str(st, 2);
		if (c->message == NULL)
			c->message = xstrdup("");
		c->time = sqlite3_column_double(st, 3);
		c->tz = sqlite3_column_int(st, 4);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		q_commits_free(*out, *n);
		*out = NULL;
		*n = 0;
		return db_err(db, "reading the commits of a prefix");
	}
	return 0;
}

void
q_commits_free(struct q_commit *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		q_commit_free(&v[i]);
	free(v);
}

int
q_prefix_links(struct db *db, const char *prefix, int children,
    struct q_link **out, size_t *n)
{
	sqlite3_stmt *st = children ?
	    db_stmt(db, "query.prefix_children", "SELECT c.id, k.id, k.hash "
	    "FROM commits c JOIN commit_edges e ON e.parent = c.id JOIN "
	    "commits k ON k.id = e.child WHERE c.hash >= ?1 AND c.hash < "
	    "?1 || 'g' ORDER BY c.hash, k.committer_time, k.id") :
	    db_stmt(db, "query.prefix_parents", "SELECT c.id, p.id, p.hash "
	    "FROM commits c JOIN commit_edges e ON e.child = c.id JOIN "
	    "commits p ON p.id = e.parent WHERE c.hash >= ?1 AND c.hash < "
	    "?1 || 'g' ORDER BY c.hash, e.idx");
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, prefix, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*out = grow(*out, &cap, *n, sizeof(**out));
		(*out)[*n].of = sqlite3_column_int64(st, 0);
		(*out)[*n].id = sqlite3_column_int64(st, 1);
		col_copy(st, 2, (*out)[*n].hash, sizeof((*out)[*n].hash));
		(*n)++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(*out);
		*out = NULL;
		*n = 0;
		return db_err(db, "reading the family of a prefix");
	}
	return 0;
}

int
q_shard(struct db *db, int shard, struct q_hash_run **out, size_t *n)
{
	sqlite3_stmt *st = db_stmt(db, "query.shard", "SELECT c.hash, "
	    Q_LATEST_RUN_OF("c.id") " FROM commits c WHERE c.hash >= ? AND "
	    "c.hash < ? ORDER BY c.hash");
	char lo[3], hi[4];
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (st == NULL)
		return -1;
	snprintf(lo, sizeof(lo), "%02x", shard & 0xff);
	/* The next prefix; "g" sorts after every hex digit. */
	if (shard >= 255)
		snprintf(hi, sizeof(hi), "g");
	else
		snprintf(hi, sizeof(hi), "%02x", shard + 1);
	sqlite3_bind_text(st, 1, lo, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, hi, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*out = grow(*out, &cap, *n, sizeof(**out));
		col_copy(st, 0, (*out)[*n].hash, sizeof((*out)[*n].hash));
		col_copy(st, 1, (*out)[*n].latest_run,
		    sizeof((*out)[*n].latest_run));
		(*n)++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(*out);
		*out = NULL;
		*n = 0;
		return db_err(db, "reading commits");
	}
	return 0;
}

int
q_counts(struct db *db, struct q_counts *c)
{
	sqlite3_stmt *st = db_stmt(db, "query.counts", "SELECT (SELECT "
	    "count(*) FROM commits), (SELECT count(*) FROM runs), (SELECT "
	    "count(*) FROM metrics)");
	int rc;

	memset(c, 0, sizeof(*c));
	if (st == NULL)
		return -1;
	if ((rc = step_one(db, st, "counting")) != 1)
		return rc == 0 ? db_err(db, "counting") : -1;
	c->commits = (long)sqlite3_column_int64(st, 0);
	c->runs = (long)sqlite3_column_int64(st, 1);
	c->metrics = (long)sqlite3_column_int64(st, 2);
	sqlite3_reset(st);
	return 0;
}
