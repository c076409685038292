/* test_query: the query layer against a real sqlite file: base runs over
 * merges, the queue's hand-out order, reservations, a worker's runs, refs,
 * measurements, shards, and statements nested inside each other's loops. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "db.h"
#include "err.h"
#include "query.h"
#include "t.h"

static char dir[] = "/tmp/tj-test-query.XXXXXX";

/* A 40-hex hash for commit id: the id in hex, zero padded (shard 00). */
static void
hash_of(int64_t id, char out[41])
{
	snprintf(out, 41, "%040llx", (long long)id);
}

static void
commit(struct db *db, int64_t id, double t)
{
	char sql[512], h[41];

	hash_of(id, h);
	snprintf(sql, sizeof(sql), "INSERT INTO commits (id, hash, "
	    "author_name, author_email, author_time, author_tz, "
	    "committer_name, committer_email, committer_time, committer_tz, "
	    "message, reachable) VALUES (%lld, '%s', 'A', 'a@x', %.0f, 0, "
	    "'C', 'c@x', %.0f, 60, 'commit %lld\nbody', 2)", (long long)id, h,
	    t, t, (long long)id);
	T_INT_EQ(db_exec(db, sql), 0);
}

static void
edge(struct db *db, int64_t child, int64_t parent, int idx)
{
	char sql[160];

	snprintf(sql, sizeof(sql), "INSERT INTO commit_edges (child, parent, "
	    "idx) VALUES (%lld, %lld, %d)", (long long)child,
	    (long long)parent, idx);
	T_INT_EQ(db_exec(db, sql), 0);
}

static void
run(struct db *db, const char *id, int64_t cid, const char *worker,
    double start, int finished)
{
	char sql[320], end[32];

	snprintf(end, sizeof(end), "%.1f", start + 1);
	snprintf(sql, sizeof(sql), "INSERT INTO runs (id, commit_id, "
	    "bench_method, worker, start_time, end_time, exit_code) VALUES "
	    "('%s', %lld, '{\"type\":\"internal\"}', '%s', %.1f, %s, %s)", id,
	    (long long)cid, worker, start, finished ? end : "NULL",
	    finished ? "0" : "NULL");
	T_INT_EQ(db_exec(db, sql), 0);
	if (*err_get())
		printf("    %s\n", err_get());
}

/*
 * History (ids; first parent listed first):
 *   1 - 2 - 3 ------ 5 - 6      5 is a merge of 3 (first) and 4
 *        \- 4 ------/           4 branches off 2
 * Runs: r1 on 1, r4a/r4b on 4, r6 on 6 (unfinished).
 */
static void
fill(struct db *db)
{
	int64_t i;

	for (i = 1; i <= 6; i++)
		commit(db, i, 1000 + (double)i * 10);
	edge(db, 2, 1, 0);
	edge(db, 3, 2, 0);
	edge(db, 4, 2, 0);
	edge(db, 5, 3, 0);
	edge(db, 5, 4, 1);
	edge(db, 6, 5, 0);
	run(db, "r1", 1, "w1", 100, 1);
	run(db, "r4a", 4, "w1", 200, 1);
	run(db, "r4b", 4, "w2", 300, 1);
	run(db, "r6", 6, "w2", 400, 0);
	T_INT_EQ(db_exec(db, "INSERT INTO metrics (id, name, unit, direction) "
	    "VALUES (1, 'time', 's', -1), (2, 'size', NULL, 0);"
	    "INSERT INTO measurements (run_id, metric_id, vals, n, median, min, "
	    "max, stddev, error) VALUES ('r4b', 1, '[1,2,3]', 3, 2, 1, 3, 1, "
	    "NULL), ('r4b', 2, '[]', 0, NULL, NULL, NULL, NULL, 'failed');"
	    "INSERT INTO refs (name, commit_id, tracked) VALUES "
	    "('refs/heads/main', 6, 1), ('refs/tags/v1', 4, 0), "
	    "('refs/heads/dev', 3, 0);"
	    "INSERT INTO workers (name, secret, first_seen, last_seen, status, "
	    "run_id, run_commit_id, run_start) VALUES ('w2', 's', 1, 500, "
	    "'working', 'r6', 6, 400), ('w1', 's', 1, 50, 'idle', NULL, NULL, "
	    "NULL)"), 0);
}

static void
test_runs(struct db *db)
{
	char id[Q_ID_SIZE];
	struct q_run r, *v;
	struct q_commit c;
	size_t n;

	T_INT_EQ(q_latest_run(db, 4, id), 1);
	T_STR_EQ(id, "r4b");
	T_INT_EQ(q_latest_run(db, 3, id), 0);
	/* The base of 3 is 1's run; of 5, its first parent's line (3, 2, 1)
	 * is searched breadth-first with 4 at the same depth as 3's
	 * parent: 4's run is nearer than 1's. */
	T_INT_EQ(q_base_run(db, 3, id), 1);
	T_STR_EQ(id, "r1");
	T_INT_EQ(q_base_run(db, 5, id), 1);
	T_STR_EQ(id, "r4b");
	T_INT_EQ(q_base_run(db, 6, id), 1);
	T_STR_EQ(id, "r4b");
	T_INT_EQ(q_base_run(db, 4, id), 1);
	T_STR_EQ(id, "r1");
	T_INT_EQ(q_base_run(db, 1, id), 0);
	T_INT_EQ(q_run(db, "r6", &r), 1);
	T_INT_EQ(r.commit_id, 6);
	T_STR_EQ(r.worker, "w2");
	T_OK(isnan(r.end_time) && !r.has_exit && r.error == NULL);
	q_run_free(&r);
	T_INT_EQ(q_run(db, "nope", &r), 0);
	T_INT_EQ(q_worker_runs(db, "w1", 10, &v, &n), 0);
	T_INT_EQ(n, 2);
	if (n == 2) {
		T_STR_EQ(v[0].id, "r4a");
		T_STR_EQ(v[1].id, "r1");
		T_OK(v[0].has_exit && v[0].exit_code == 0);
	}
	q_runs_free(v, n);
	T_INT_EQ(q_worker_runs(db, "w1", 1, &v, &n), 0);
	T_INT_EQ(n, 1);
	q_runs_free(v, n);
	T_INT_EQ(q_finished_runs(db, 10, &v, &n), 0);
	T_INT_EQ(n, 3);
	if (n == 3)
		T_STR_EQ(v[0].id, "r4b");
	q_runs_free(v, n);
	T_INT_EQ(q_commit_runs(db, 4, &v, &n), 0);
	T_INT_EQ(n, 2);
	if (n == 2)
		T_STR_EQ(v[0].id, "r4a");
	q_runs_free(v, n);
	T_INT_EQ(q_commit(db, 5, &c), 1);
	T_STR_EQ(c.message, "commit 5\nbody");
	T_INT_EQ(c.tz, 60);
	q_commit_free(&c);
	T_INT_EQ(q_commit(db, 99, &c), 0);
}

static void
test_family(struct db *db)
{
	struct q_commit_ref *below;
	struct q_commit_full f;
	struct q_ref_name *rn;
	int64_t *ids;
	char h[41];
	size_t n;

	T_INT_EQ(q_parents(db, 5, &ids, &n), 0);
	T_INT_EQ(n, 2);
	if (n == 2)
		T_OK(ids[0] == 3 && ids[1] == 4);
	free(ids);
	T_INT_EQ(q_children(db, 2, &ids, &n), 0);
	T_INT_EQ(n, 2);
	if (n == 2)
		T_OK(ids[0] == 3 && ids[1] == 4);
	free(ids);
	/* Below 1: 2 and 3 have no run; 4 and 6 have (the walk stops at 4,
	 * and reaches 6 through 3 and 5). */
	T_INT_EQ(q_next_with_runs(db, 1, &below, &n), 0);
	T_INT_EQ(n, 2);
	if (n == 2)
		T_OK((below[0].id == 4 && below[1].id == 6) ||
		    (below[0].id == 6 && below[1].id == 4));
	free(below);
	hash_of(3, h);
	T_INT_EQ(q_commit_by_hash(db, h, &f), 1);
	T_INT_EQ(f.id, 3);
	T_STR_EQ(f.author_email, "a@x");
	T_INT_EQ(f.reachable, 2);
	q_commit_full_free(&f);
	T_INT_EQ(q_commit_by_hash(db, "ff", &f), 0);
	T_INT_EQ(q_commit_refs(db, 6, &rn, &n), 0);
	T_INT_EQ(n, 1);
	if (n == 1)
		T_OK(strcmp(rn[0].name, "refs/heads/main") == 0 &&
		    rn[0].tracked);
	q_ref_names_free(rn, n);
}

static void
queue_row(struct db *db, int64_t cid, double added, int prio,
    const char *by)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "INSERT INTO queue (commit_id, added, "
	    "priority, reserved_by) VALUES (%lld, %.0f, %d, %s%s%s)",
	    (long long)cid, added, prio, by ? "'" : "", by ? by : "NULL",
	    by ? "'" : "");
	T_INT_EQ(db_exec(db, sql), 0);
}

static void
test_queue(struct db *db)
{
	struct q_queued *q;
	int64_t cid;
	char h[41], want[41];
	size_t n;

	T_INT_EQ(q_queue_count(db), 0);
	T_INT_EQ(q_queue_next(db, 0, &cid, h), 0);
	/* Ties on priority and added fall to the newest commit, then the
	 * lowest id. */
	queue_row(db, 2, 5, 0, NULL);
	queue_row(db, 3, 5, 0, NULL);
	queue_row(db, 5, 9, 0, "w2");
	queue_row(db, 1, 1, 3, "w1");
	T_INT_EQ(q_queue_count(db), 4);
	T_INT_EQ(q_queue(db, -1, &q, &n), 0);
	T_INT_EQ(n, 4);
	if (n == 4) {
		T_INT_EQ(q[0].commit_id, 1);
		T_INT_EQ(q[1].commit_id, 5);
		T_INT_EQ(q[2].commit_id, 3);
		T_INT_EQ(q[3].commit_id, 2);
		T_STR_EQ(q[0].reserved_by, "w1");
		T_OK(q[2].reserved_by == NULL);
		T_STR_EQ(q[2].message, "commit 3\nbody");
	}
	q_queue_free(q, n);
	T_INT_EQ(q_queue(db, 2, &q, &n), 0);
	T_INT_EQ(n, 2);
	q_queue_free(q, n);
	/* w1 (last seen 50) is silent since cutoff 100: its commit is free;
	 * w2 (500) is live, so its commit is not. */
	T_INT_EQ(q_queue_next(db, 100, &cid, h), 1);
	T_INT_EQ(cid, 1);
	hash_of(1, want);
	T_STR_EQ(h, want);
	T_INT_EQ(q_queue_next(db, 10, &cid, h), 1);
	T_INT_EQ(cid, 3);
	T_INT_EQ(q_queue_next(db, 1000, &cid, h), 1);
	T_INT_EQ(cid, 1);
}

static void
test_refs_workers(struct db *db)
{
	struct q_hash_run *hr;
	struct q_worker w, *wv;
	struct q_ref *refs, ref;
	struct q_measurement *m;
	struct q_counts c;
	size_t n;

	T_INT_EQ(q_refs(db, &refs, &n), 0);
	T_INT_EQ(n, 3);
	if (n == 3) {
		T_STR_EQ(refs[0].name, "refs/heads/main");
		T_STR_EQ(refs[0].latest_run, "r6");
		T_STR_EQ(refs[1].name, "refs/heads/dev");
		T_STR_EQ(refs[1].latest_run, "");
		T_STR_EQ(refs[2].latest_run, "r4b");
	}
	q_refs_free(refs, n);
	T_INT_EQ(q_ref(db, "refs/tags/v1", &ref), 1);
	T_INT_EQ(ref.commit_id, 4);
	T_OK(!ref.tracked);
	free(ref.name);
	T_INT_EQ(q_ref(db, "refs/none", &ref), 0);
	T_INT_EQ(q_shard(db, 0, &hr, &n), 0);
	T_INT_EQ(n, 6);
	if (n == 6)
		T_STR_EQ(hr[3].latest_run, "r4b");
	free(hr);
	T_INT_EQ(q_shard(db, 255, &hr, &n), 0);
	T_INT_EQ(n, 0);
	free(hr);
	T_INT_EQ(q_workers(db, &wv, &n), 0);
	T_INT_EQ(n, 2);
	if (n == 2) {
		T_STR_EQ(wv[0].name, "w1");
		T_OK(wv[0].run_id == NULL && isnan(wv[0].run_start));
		T_STR_EQ(wv[1].run_id, "r6");
		T_INT_EQ(wv[1].run_commit_id, 6);
	}
	q_workers_free(wv, n);
	T_INT_EQ(q_worker(db, "w2", &w), 1);
	T_STR_EQ(w.status, "working");
	q_worker_free(&w);
	T_INT_EQ(q_worker(db, "w9", &w), 0);
	T_INT_EQ(q_measurements(db, "r4b", &m, &n), 0);
	T_INT_EQ(n, 2);
	if (n == 2) {
		/* By metric name: size before time. */
		T_STR_EQ(m[0].metric, "size");
		T_OK(isnan(m[0].median) && m[0].unit == NULL);
		T_STR_EQ(m[0].error, "failed");
		T_STR_EQ(m[1].vals, "[1,2,3]");
		T_INT_EQ(m[1].direction, -1);
		T_OK(m[1].median == 2 && m[1].stddev == 1);
	}
	q_measurements_free(m, n);
	T_INT_EQ(q_counts(db, &c), 0);
	T_OK(c.commits == 6 && c.runs == 4 && c.metrics == 2);
}

/* A query inside a caller's loop over the same query: the caller's cursor
 * is not reset, and the inner call sees every row. */
static void
test_nested(struct db *db)
{
	sqlite3_stmt *st = db_stmt(db, "test.commits",
	    "SELECT id FROM commits ORDER BY id");
	char id[Q_ID_SIZE];
	int rows = 0, found = 0;

	while (st != NULL && sqlite3_step(st) == SQLITE_ROW) {
		rows++;
		/* q_base_run steps query.parents and query.latest_run many
		 * times while st is open. */
		if (q_base_run(db, sqlite3_column_int64(st, 0), id) == 1)
			found++;
	}
	if (st != NULL)
		sqlite3_reset(st);
	T_INT_EQ(rows, 6);
	T_INT_EQ(found, 5);
}

int
main(void)
{
	struct db *db;
	char *path, *cmd;
	int rc;

	if (mkdtemp(dir) == NULL)
		return 1;
	path = xasprintf("%s/q.db", dir);
	db = db_open(path);
	T_OK(db != NULL);
	if (db != NULL) {
		fill(db);
		test_runs(db);
		test_family(db);
		test_queue(db);
		test_refs_workers(db);
		test_nested(db);
		db_close(db);
	} else
		printf("    %s\n", err_get());
	cmd = xasprintf("rm -rf %s", dir);
	rc = system(cmd);
	free(cmd);
	free(path);
	return rc != 0 ? 1 : T_DONE();
}
