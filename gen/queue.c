/* queue: `tj-gen queue list|add|rm|prio|add-batch|add-range`. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "err.h"
#include "gen.h"
#include "query.h"
#include "queue.h"

struct qopts {
	long long priority;
	int has_priority;
	long long every;
	int has_every;
};

static int
parse_int(const char *s, long long *v)
{
	char *end;

	errno = 0;
	*v = strtoll(s, &end, 10);
	return errno == 0 && end != s && *end == '\0' && *v > INT_MIN &&
	    *v < INT_MAX ? 0 : -1;
}

static int
opt(struct gen *g, void *ctx, int c, const char *arg)
{
	struct qopts *q = ctx;

	if (c == 'E') {
		if (parse_int(arg, &q->every) < 0 || q->every < 1) {
			gen_usage(g, "--every needs a positive count, not "
			    "'%s'", arg);
			return -1;
		}
		q->has_every = 1;
		return 0;
	}
	if (c != 'P')
		return 0;
	if (parse_int(arg, &q->priority) < 0) {
		gen_usage(g, "--priority needs an integer, not '%s'", arg);
		return -1;
	}
	q->has_priority = 1;
	return 0;
}

static int
mark_dirty(struct gen *g, const char *hash)
{
	return db_dirty(g->db, "queue", "") < 0 ||
	    db_dirty(g->db, "index", "") < 0 ||
	    (hash && db_dirty(g->db, "commit", hash) < 0) ? -1 : 0;
}

static int
queue_list(struct gen *g)
{
	struct q_queued *q;
	char when[32], why[96];
	size_t n, i, len;
	time_t t;

	if (q_queue(g->db, -1, &q, &n) < 0) {
		err_wrap("listing the queue");
		return gen_fail(g);
	}
	for (i = 0; i < n; i++) {
		len = strcspn(q[i].message, "\n");
		t = (time_t)q[i].added;
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M", gmtime(&t));
		queue_reason_text(why, sizeof(why), q[i].reason,
		    q[i].change_id, q[i].step, q[i].steps);
		if (i == 0)
			printf("%4s  %-12s  %-16s  %-12s  %-16s  %s\n", "prio",
			    "commit", "added (UTC)", "worker", "reason",
			    "subject");
		printf("%4d  %.12s  %-16s  %-12s  %-16s  %.*s\n",
		    q[i].priority, q[i].hash, when,
		    q[i].reserved_by ? q[i].reserved_by : "-", why,
		    (int)(len > 72 ? 72 : len), q[i].message);
	}
	if (n == 0)
		printf("the queue is empty\n");
	q_queue_free(q, n);
	return EXIT_OK;
}

static int
queue_add(struct gen *g, const char *rev, struct qopts *q)
{
	struct queue_entry e = {0};
	char hash[41];
	int64_t id;

	if (gen_resolve(g, rev, &id, hash) < 0)
		return -1;
	e.commit_id = id;
	e.reason = QUEUE_MANUAL;
	e.priority = q->has_priority ? q->priority :
	    queue_priority(&g->cfg, QUEUE_MANUAL);
	/* An explicit --priority is the user's word; without one, a commit
	 * queued for a more urgent reason stays so. */
	e.force = q->has_priority;
	if (queue_put(g->db, &e) < 0 || mark_dirty(g, hash) < 0)
		return -1;
	if (!g->quiet)
		printf("queued %s (priority %lld)\n", hash,
		    (long long)e.priority);
	return 0;
}

static int
queue_rm(struct gen *g, const char *rev)
{
	char hash[41];
	int64_t id;

	if (gen_resolve(g, rev, &id, hash) < 0 ||
	    db_run_int(g->db, "gen.queue.queue_rm",
	    "DELETE FROM queue WHERE commit_id = ?", id) < 0)
		return -1;
	if (sqlite3_changes(db_handle(g->db)) == 0) {
		err_set("%s is not queued (tj-gen queue list shows the queue)",
		    hash);
		return -1;
	}
	if (mark_dirty(g, hash) < 0)
		return -1;
	if (!g->quiet)
		printf("removed %s from the queue\n", hash);
	return 0;
}

static int
queue_prio(struct gen *g, const char *rev, long long prio)
{
	sqlite3_stmt *st;
	char hash[41];
	int64_t id;

	if (gen_resolve(g, rev, &id, hash) < 0)
		return -1;
	st = db_stmt(g->db, "gen.queue.queue_prio",
	    "UPDATE queue SET priority = ? WHERE commit_id = ?");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, prio);
	sqlite3_bind_int64(st, 2, id);
	if (db_step_done(g->db, st) < 0)
		return -1;
	if (sqlite3_changes(db_handle(g->db)) == 0) {
		err_set("%s is not queued (tj-gen queue add %s queues it)",
		    hash, rev);
		return -1;
	}
	if (mark_dirty(g, hash) < 0)
		return -1;
	if (!g->quiet)
		printf("priority of %s is now %lld\n", hash, prio);
	return 0;
}

static int
queue_batch(struct gen *g, long long n, struct qopts *q)
{
	sqlite3_stmt *st;
	int64_t added;

	if (db_exec(g->db, "CREATE TEMP TABLE IF NOT EXISTS batch (id INTEGER "
	    "PRIMARY KEY); DELETE FROM temp.batch") < 0)
		return -1;
	st = db_stmt(g->db, "gen.queue.queue_batch",
	    "INSERT INTO temp.batch (id) SELECT id FROM "
	    "commits c WHERE reachable = 2 AND NOT EXISTS (SELECT 1 FROM runs "
	    "WHERE commit_id = c.id) AND NOT EXISTS (SELECT 1 FROM queue "
	    "WHERE commit_id = c.id) ORDER BY committer_time DESC, id "
	    "LIMIT ?");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, n);
	if (db_step_done(g->db, st) < 0)
		return -1;
	added = sqlite3_changes(db_handle(g->db));
	st = db_stmt(g->db, "gen.queue.queue_batch_2",
	    "INSERT INTO queue (commit_id, added, priority, "
	    "reason) SELECT id, ?, ?, 'backfill' FROM temp.batch");
	if (st == NULL)
		return -1;
	sqlite3_bind_double(st, 1, (double)time(NULL));
	sqlite3_bind_int64(st, 2, q->has_priority ? q->priority :
	    queue_priority(&g->cfg, QUEUE_BACKFILL));
	if (db_step_done(g->db, st) < 0)
		return -1;
	if (added > 0 && (mark_dirty(g, NULL) < 0 ||
	    db_exec(g->db, "INSERT OR IGNORE INTO dirty (kind, key) SELECT "
	    "'commit', hash FROM commits WHERE id IN (SELECT id FROM "
	    "temp.batch)") < 0))
		return -1;
	if (!g->quiet)
		printf("queued %lld commits\n", (long long)added);
	return 0;
}

/*
 * The first-parent commits of a..b, newest first (b included, a not),
 * into *out (malloc'd). -1 with err_set when a is not a first-parent
 * ancestor of b.
 */
static int
first_parent_range(struct gen *g, int64_t a, int64_t b, int64_t **out,
    size_t *n)
{
	sqlite3_stmt *st = db_stmt(g->db, "gen.queue.first_parent_range",
	    "SELECT parent FROM commit_edges "
	    "WHERE child = ? AND idx = 0");
	int64_t *v = NULL, cur = b;
	size_t len = 0, cap = 0;
	int r;

	if (st == NULL)
		return -1;
	while (cur != a) {
		if (len == cap) {
			cap = cap ? 2 * cap : 64;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[len++] = cur;
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, cur);
		r = sqlite3_step(st);
		if (r == SQLITE_DONE) {
			sqlite3_reset(st);
			err_set("the first of A..B is not a first-parent "
			    "ancestor of the second (git log --first-parent "
			    "B shows them)");
			free(v);
			return -1;
		}
		if (r != SQLITE_ROW) {
			sqlite3_reset(st);
			free(v);
			return db_err(g->db, "walking the first parents");
		}
		cur = sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	*out = v;
	*n = len;
	return 0;
}

/*
 * add-range A..B: queue the first-parent commits of A..B that have no run
 * and are not queued, or with --every N the Nth, 2Nth, ... counted from A.
 */
static int
queue_range(struct gen *g, const char *spec, struct qopts *q)
{
	sqlite3_stmt *st;
	struct queue_entry e = {0};
	const char *dots = strstr(spec, "..");
	char ha[41], hb[41], *ra;
	int64_t a, b, *v = NULL;
	size_t n = 0, i, pos;
	long long added = 0, skipped = 0, every = q->has_every ? q->every : 1;
	int rc = -1, r;

	if (dots == NULL || dots == spec || dots[2] == '\0' ||
	    dots[2] == '.') {
		err_set("'%s' is not a range A..B (like v1.0..main)", spec);
		return -1;
	}
	ra = xstrndup(spec, (size_t)(dots - spec));
	r = gen_resolve(g, ra, &a, ha);
	free(ra);
	if (r < 0 || gen_resolve(g, dots + 2, &b, hb) < 0 ||
	    first_parent_range(g, a, b, &v, &n) < 0)
		goto out;
	st = db_stmt(g->db, "gen.queue.queue_range",
	    "SELECT EXISTS (SELECT 1 FROM runs WHERE "
	    "commit_id = ?1) OR EXISTS (SELECT 1 FROM queue WHERE "
	    "commit_id = ?1)");
	if (st == NULL)
		goto out;
	e.reason = QUEUE_BACKFILL;
	e.priority = q->has_priority ? q->priority :
	    queue_priority(&g->cfg, QUEUE_BACKFILL);
	for (i = 0; i < n; i++) {
		pos = n - i;	/* 1 for the commit after A */
		if (pos % (size_t)every != 0)
			continue;
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, v[i]);
		if (sqlite3_step(st) != SQLITE_ROW) {
			sqlite3_reset(st);
			db_err(g->db, "reading the queue");
			goto out;
		}
		r = sqlite3_column_int(st, 0);
		sqlite3_reset(st);
		if (r) {
			skipped++;
			continue;
		}
		e.commit_id = v[i];
		if (queue_put(g->db, &e) < 0)
			goto out;
		added++;
	}
	if (!g->quiet)
		printf("queued %lld of the %zu first-parent commits of "
		    "%.12s..%.12s (%lld already run or queued)\n", added, n,
		    ha, hb, skipped);
	rc = 0;
out:
	free(v);
	return rc;
}

int
cmd_queue(struct gen *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{"priority", required_argument, NULL, 'P'},
		{"every", required_argument, NULL, 'E'},
		GEN_OPTIONS,
	};
	struct qopts q = {0, 0, 1, 0};
	const char *sub;
	long long n;
	int first, rc, nargs, r;

	rc = gen_parse(g, argc, argv, opts, opt, &q, &first);
	if (rc >= 0)
		return rc;
	if (first >= argc)
		return gen_usage(g, "needs a sub-command");
	sub = argv[first];
	nargs = argc - first - 1;
	if (strcmp(sub, "list") == 0 || strcmp(sub, "rm") == 0 ||
	    strcmp(sub, "prio") == 0) {
		if (q.has_priority)
			return gen_usage(g, "--priority is for add, "
			    "add-batch and add-range");
	}
	if (q.has_every && strcmp(sub, "add-range") != 0)
		return gen_usage(g, "--every is for add-range");
	if ((strcmp(sub, "list") == 0 && nargs != 0) ||
	    ((strcmp(sub, "add") == 0 || strcmp(sub, "rm") == 0 ||
	    strcmp(sub, "add-batch") == 0 ||
	    strcmp(sub, "add-range") == 0) && nargs != 1) ||
	    (strcmp(sub, "prio") == 0 && nargs != 2))
		return gen_usage(g, "wrong number of arguments for '%s'", sub);
	if (strcmp(sub, "list") != 0 && strcmp(sub, "add") != 0 &&
	    strcmp(sub, "rm") != 0 && strcmp(sub, "prio") != 0 &&
	    strcmp(sub, "add-batch") != 0 && strcmp(sub, "add-range") != 0)
		return gen_usage(g, "unknown sub-command '%s'", sub);
	if (strcmp(sub, "prio") == 0 && parse_int(argv[first + 2], &n) < 0)
		return gen_usage(g, "priority must be an integer, not '%s'",
		    argv[first + 2]);
	if (strcmp(sub, "add-batch") == 0 &&
	    (parse_int(argv[first + 1], &n) < 0 || n < 1))
		return gen_usage(g, "add-batch needs a positive count, not "
		    "'%s'", argv[first + 1]);
	if (gen_setup(g, 1) < 0)
		return EXIT_ERR;
	if (strcmp(sub, "list") == 0)
		return queue_list(g);
	if (db_begin(g->db) < 0)
		return gen_fail(g);
	if (strcmp(sub, "add") == 0)
		r = queue_add(g, argv[first + 1], &q);
	else if (strcmp(sub, "rm") == 0)
		r = queue_rm(g, argv[first + 1]);
	else if (strcmp(sub, "prio") == 0)
		r = queue_prio(g, argv[first + 1], n);
	else if (strcmp(sub, "add-range") == 0)
		r = queue_range(g, argv[first + 1], &q);
	else
		r = queue_batch(g, n, &q);
	if (r < 0 || db_commit(g->db) < 0) {
		db_rollback(g->db);
		return gen_fail(g);
	}
	return gen_render(g) < 0 ? EXIT_ERR : EXIT_OK;
}
