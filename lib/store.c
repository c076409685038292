/* store: a finished run, its measurements and output into the db (what
 * tj-api's submissions and tj-gen import share). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "buf.h"
#include "db.h"
#include "err.h"
#include "proto.h"
#include "stats.h"
#include "store.h"
#include "utf8.h"

/* The values of measurement m ("values" then "value") into *xs (*n of
 * them, malloc'd) and as a JSON array into *json (malloc'd). */
static void
measurement_values(const cJSON *m, double **xs, size_t *n, char **json)
{
	const cJSON *vals = cJSON_GetObjectItemCaseSensitive(m, "values");
	const cJSON *val = cJSON_GetObjectItemCaseSensitive(m, "value");
	const cJSON *v;
	cJSON *arr = cJSON_CreateArray();
	size_t i;

	*n = 0;
	if (cJSON_IsArray(vals))
		*n = (size_t)cJSON_GetArraySize(vals);
	if (cJSON_IsNumber(val))
		(*n)++;
	*xs = xcalloc(*n ? *n : 1, sizeof(**xs));
	*n = 0;
	if (cJSON_IsArray(vals)) {
		cJSON_ArrayForEach(v, vals)
			(*xs)[(*n)++] = v->valuedouble;
	}
	if (cJSON_IsNumber(val))
		(*xs)[(*n)++] = val->valuedouble;
	for (i = 0; i < *n; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateNumber((*xs)[i]));
	*json = cJSON_PrintUnformatted(arr);
	if (*json == NULL)
		abort();
	cJSON_Delete(arr);
}

/* The metric named by m's key, made or updated with m's unit and
 * direction when m has them: its id into *metric. 0 or -1. */
static int
metric_upsert(struct db *db, const cJSON *m, int64_t *metric)
{
	const cJSON *unit = cJSON_GetObjectItemCaseSensitive(m, "unit");
	const cJSON *dir = cJSON_GetObjectItemCaseSensitive(m, "direction");
	sqlite3_stmt *st;
	char *unit_fixed = NULL;
	int d = 0, rc = -1;

	if (cJSON_IsString(dir))
		proto_direction_parse(dir->valuestring, &d);
	st = db_stmt(db, "store.store_measurement",
	    "INSERT INTO metrics (name, unit, direction) "
	    "VALUES (?1, ?2, ?3) ON CONFLICT (name) DO UPDATE SET "
	    "unit = CASE WHEN ?4 THEN excluded.unit ELSE unit END, "
	    "direction = CASE WHEN ?5 THEN excluded.direction "
	    "ELSE direction END");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, m->string, -1, SQLITE_STATIC);
	if (cJSON_IsString(unit)) {
		unit_fixed = utf8_repair(unit->valuestring,
		    strlen(unit->valuestring), NULL);
		sqlite3_bind_text(st, 2, unit_fixed, -1, SQLITE_STATIC);
	}
	sqlite3_bind_int(st, 3, d);
	sqlite3_bind_int(st, 4, cJSON_IsString(unit));
	sqlite3_bind_int(st, 5, cJSON_IsString(dir));
	if (db_step_done(db, st) < 0)
		goto out;
	st = db_stmt(db, "store.store_measurement_2",
	    "SELECT id FROM metrics WHERE name = ?");
	if (st == NULL)
		goto out;
	sqlite3_bind_text(st, 1, m->string, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		db_err(db, "looking up a metric");
		sqlite3_reset(st);
		goto out;
	}
	*metric = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	rc = 0;
out:
	free(unit_fixed);
	return rc;
}

/* Bind n, median, min, max and stddev (columns 4 to 8) of xs[0..n); the
 * summary columns stay NULL without values. */
static void
bind_summary(sqlite3_stmt *st, const double *xs, size_t n)
{
	double sum = 0, mean, ss = 0, lo, hi;
	size_t i;

	sqlite3_bind_int64(st, 4, (sqlite3_int64)n);
	if (n == 0)
		return;
	lo = hi = xs[0];
	for (i = 0; i < n; i++) {
		sum += xs[i];
		lo = xs[i] < lo ? xs[i] : lo;
		hi = xs[i] > hi ? xs[i] : hi;
	}
	mean = sum / (double)n;
	for (i = 0; i < n; i++)
		ss += (xs[i] - mean) * (xs[i] - mean);
	sqlite3_bind_double(st, 5, stats_median(xs, n));
	sqlite3_bind_double(st, 6, lo);
	sqlite3_bind_double(st, 7, hi);
	sqlite3_bind_double(st, 8, n > 1 ? sqrt(ss / (double)(n - 1)) : 0);
}

/* The runs row of s, on commit cid. 0 or -1. */
static int
insert_run(struct db *db, const struct store_run *s, const char *worker,
    int64_t cid)
{
	sqlite3_stmt *st;
	char *err_fixed = NULL;
	int r;

	st = db_stmt(db, "store.store_run_2",
	    "INSERT INTO runs (id, commit_id, bench_method, "
	    "worker, start_time, end_time, exit_code, error) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, s->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, cid);
	sqlite3_bind_text(st, 3, s->bench_method, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, worker, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 5, s->start);
	if (s->has_end)
		sqlite3_bind_double(st, 6, s->end);
	if (s->has_exit)
		sqlite3_bind_int64(st, 7, s->exit_code);
	if (s->error != NULL) {
		err_fixed = utf8_repair(s->error, strlen(s->error), NULL);
		sqlite3_bind_text(st, 8, err_fixed, -1, SQLITE_STATIC);
	}
	r = db_step_done(db, st);
	free(err_fixed);
	return r;
}

/* Store one measurement of run id: 0, -1, or -2 when the run has that
 * metric already. */
static int
store_measurement(struct db *db, const char *run_id, const cJSON *m)
{
	const cJSON *error = cJSON_GetObjectItemCaseSensitive(m, "error");
	sqlite3_stmt *st;
	double *xs;
	size_t n;
	char *json, *error_fixed = NULL;
	int64_t metric;
	int rc = -1;

	measurement_values(m, &xs, &n, &json);
	if (metric_upsert(db, m, &metric) < 0)
		goto out;
	st = db_stmt(db, "store.store_measurement_3",
	    "INSERT INTO measurements (run_id, metric_id, vals, "
	    "n, median, min, max, stddev, error) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
	if (st == NULL)
		goto out;
	sqlite3_bind_text(st, 1, run_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, metric);
	sqlite3_bind_text(st, 3, json, -1, SQLITE_STATIC);
	bind_summary(st, xs, n);
	if (cJSON_IsString(error)) {
		error_fixed = utf8_repair(error->valuestring,
		    strlen(error->valuestring), NULL);
		sqlite3_bind_text(st, 9, error_fixed, -1, SQLITE_STATIC);
	}
	if (db_step_done(db, st) < 0) {
		/* The same name twice in the object: the client's mistake. */
		if (sqlite3_errcode(db_handle(db)) == SQLITE_CONSTRAINT)
			rc = -2;
		goto out;
	}
	if (db_dirty(db, "metric", m->string) < 0)
		goto out;
	rc = 0;
out:
	free(json);
	free(error_fixed);
	free(xs);
	return rc;
}

static int
store_output(struct db *db, const char *run_id, const cJSON *out)
{
	const cJSON *line;
	sqlite3_stmt *st;
	int64_t i = 0;

	cJSON_ArrayForEach(line, out) {
		const char *text = cJSON_GetArrayItem(line, 1)->valuestring;
		char *fixed = utf8_repair(text, strlen(text), NULL);
		int r;

		st = db_stmt(db, "store.store_output",
		    "INSERT INTO run_output (run_id, line, "
		    "source, text) VALUES (?, ?, ?, ?)");
		if (st == NULL) {
			free(fixed);
			return -1;
		}
		sqlite3_bind_text(st, 1, run_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, i++);
		sqlite3_bind_int(st, 3,
		    (int)cJSON_GetArrayItem(line, 0)->valuedouble);
		sqlite3_bind_text(st, 4, fixed, -1, SQLITE_STATIC);
		r = db_step_done(db, st);
		free(fixed);
		if (r < 0)
			return -1;
	}
	return 0;
}

int
store_run(struct db *db, const struct store_run *s, const char *worker)
{
	sqlite3_stmt *st;
	const cJSON *m;
	int64_t cid;
	int r;

	st = db_stmt(db, "store.store_run", "SELECT 1 FROM runs WHERE id = ?");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, s->id, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	sqlite3_reset(st);
	if (r == SQLITE_ROW)
		return 0;
	if (r != SQLITE_DONE) {
		db_err(db, "looking up a run");
		return -1;
	}
	cid = db_commit_id(db, s->hash);
	if (cid < 0)
		return -1;
	if (cid == 0) {
		err_set("unknown commit %s: the server's db does not have it",
		    s->hash);
		return STORE_UNKNOWN_COMMIT;
	}
	if (insert_run(db, s, worker, cid) < 0)
		return -1;
	if (s->output != NULL && store_output(db, s->id, s->output) < 0)
		return -1;
	if (s->measurements != NULL) {
		cJSON_ArrayForEach(m, s->measurements) {
			r = store_measurement(db, s->id, m);
			if (r == -2) {
				err_set("%s", m->string);
				return STORE_DUP_METRIC;
			}
			if (r < 0)
				return -1;
		}
	}
	/* A run of a commit queued to confirm or bisect a change counts
	 * for that change (lib/bisect_db.c). */
	st = db_stmt(db, "store.store_run_3",
	    "INSERT OR IGNORE INTO bisect_runs (run_id, "
	    "change_id, kind, step) SELECT ?, change_id, reason, step FROM "
	    "queue WHERE commit_id = ? AND reason IN ('confirm', 'bisect') "
	    "AND change_id IS NOT NULL");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, s->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, cid);
	if (db_step_done(db, st) < 0)
		return -1;
	st = db_stmt(db, "store.store_run_4",
	    "DELETE FROM queue WHERE commit_id = ?");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, cid);
	if (db_step_done(db, st) < 0 || db_dirty(db, "run", s->id) < 0 ||
	    db_dirty(db, "commit", s->hash) < 0 ||
	    db_dirty(db, "worker", worker) < 0 ||
	    db_dirty(db, "queue", "") < 0 || db_dirty(db, "index", "") < 0 ||
	    db_dirty(db, "graph", "") < 0 ||
	    db_dirty(db, "detect", s->hash) < 0)
		return -1;
	/* The refs at this commit: their pages and go/refs.json name the
	 * tip's newest run. */
	if (db_run_int(db, "store.store_run_5", "INSERT OR IGNORE INTO dirty "
	    "(kind, key) SELECT 'ref', name FROM refs WHERE commit_id = ?",
	    cid) < 0)
		return -1;
	return 1;
}

int
store_import_id(const char *kind, const char *hash, const char *worker,
    const char *data, size_t len, char *id)
{
	struct buf b;
	git_oid oid;
	char hex[GIT_OID_HEXSZ + 1];

	git_libgit2_init();
	buf_init(&b, 0);
	if (buf_addf(&b, "tablejohn import\n%s\n%s\n%s\n", kind, hash,
	    worker) < 0) {
		buf_fini(&b);
		return -1;
	}
	if (buf_add(&b, data, len) < 0 ||
	    git_odb_hash(&oid, b.data, b.len, GIT_OBJECT_BLOB) < 0) {
		buf_fini(&b);
		err_set("hashing the document: %s", git_error_last() ?
		    git_error_last()->message : "?");
		return -1;
	}
	buf_fini(&b);
	git_oid_tostr(hex, sizeof(hex), &oid);
	snprintf(id, STORE_ID_SIZE, "i-%.40s", hex);
	return 0;
}
