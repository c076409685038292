/* submit: checking and storing a worker's submit_run (one transaction). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "err.h"
#include "proto.h"
#include "utf8.h"

#define METRIC_NAME_MAX 512

static int
check_output(const cJSON *out, struct verr *e)
{
	const cJSON *line;
	char f[64];
	int i = 0;

	if (!cJSON_IsArray(out)) {
		verr_set(e, 400, "submit_run.output", "expected an array");
		return -1;
	}
	cJSON_ArrayForEach(line, out) {
		if (!check_output_line(line)) {
			snprintf(f, sizeof(f), "submit_run.output[%d]", i);
			verr_set(e, 400, f, "expected [source 0|1|2, text]");
			return -1;
		}
		i++;
	}
	return 0;
}

static int
check_number(const cJSON *v, const char *f, struct verr *e)
{
	if (!cJSON_IsNumber(v)) {
		verr_set(e, 400, f, "expected a number");
		return -1;
	}
	if (!isfinite(v->valuedouble)) {
		verr_set(e, 400, f, "not a finite number");
		return -1;
	}
	return 0;
}

static int
check_measurement(const cJSON *m, struct verr *e)
{
	const cJSON *vals, *val, *v;
	const char *s;
	char path[METRIC_NAME_MAX + 64], f[METRIC_NAME_MAX + 120];
	int i = 0, d;

	snprintf(path, sizeof(path), "submit_run.measurements.%s", m->string);
	if (m->string[0] == '\0' || strlen(m->string) > METRIC_NAME_MAX ||
	    !utf8_valid(m->string, strlen(m->string))) {
		verr_set(e, 400, "submit_run.measurements", "metric names are "
		    "1 to %d bytes of UTF-8", METRIC_NAME_MAX);
		return -1;
	}
	if (!cJSON_IsObject(m)) {
		verr_set(e, 400, path, "expected an object");
		return -1;
	}
	snprintf(path, sizeof(path), "submit_run.measurements.%s.", m->string);
	vals = cJSON_GetObjectItemCaseSensitive(m, "values");
	val = cJSON_GetObjectItemCaseSensitive(m, "value");
	if (!check_absent(vals)) {
		snprintf(f, sizeof(f), "%svalues", path);
		if (!cJSON_IsArray(vals)) {
			verr_set(e, 400, f, "expected an array of numbers");
			return -1;
		}
		cJSON_ArrayForEach(v, vals) {
			snprintf(f, sizeof(f), "%svalues[%d]", path, i++);
			if (check_number(v, f, e) < 0)
				return -1;
		}
	}
	if (!check_absent(val)) {
		snprintf(f, sizeof(f), "%svalue", path);
		if (check_number(val, f, e) < 0)
			return -1;
	}
	if (check_string(m, "unit", path, &s, e) < 0 ||
	    check_string(m, "error", path, &s, e) < 0)
		return -1;
	if (check_absent(vals) && check_absent(val) && s == NULL) {
		verr_set(e, 400, path, "needs values, value or error");
		return -1;
	}
	if (check_string(m, "direction", path, &s, e) < 0)
		return -1;
	if (s != NULL && proto_direction_parse(s, &d) < 0) {
		snprintf(f, sizeof(f), "%sdirection", path);
		verr_set(e, 400, f, "%s", err_get());
		return -1;
	}
	return 0;
}

int
submit_parse(const cJSON *j, struct submission *s, struct verr *e)
{
	const cJSON *x, *m;
	const char *P = "submit_run.";

	memset(s, 0, sizeof(*s));
	if (!cJSON_IsObject(j)) {
		verr_set(e, 400, "submit_run", "expected an object");
		return -1;
	}
	if (check_id(j, "id", P, &s->id, e) < 0 ||
	    check_hash(j, "hash", P, &s->hash, e) < 0 ||
	    (s->bench_method = check_bench_method(j, P, e)) == NULL)
		return -1;
	if (check_time(j, "start", P, &s->start, NULL, e) < 0 ||
	    check_time(j, "end", P, &s->end, &s->has_end, e) < 0)
		goto fail;
	x = cJSON_GetObjectItemCaseSensitive(j, "exit_code");
	if (!check_absent(x)) {
		if (!cJSON_IsNumber(x) || x->valuedouble != floor(x->valuedouble)
		    || fabs(x->valuedouble) > 2147483647.0) {
			verr_set(e, 400, "submit_run.exit_code",
			    "expected an integer or null");
			goto fail;
		}
		s->has_exit = 1;
		s->exit_code = (long long)x->valuedouble;
	}
	if (check_string(j, "error", P, &s->error, e) < 0)
		goto fail;
	x = cJSON_GetObjectItemCaseSensitive(j, "output");
	if (!check_absent(x)) {
		if (check_output(x, e) < 0)
			goto fail;
		s->output = x;
	}
	x = cJSON_GetObjectItemCaseSensitive(j, "measurements");
	if (!check_absent(x)) {
		if (!cJSON_IsObject(x)) {
			verr_set(e, 400, "submit_run.measurements",
			    "expected an object");
			goto fail;
		}
		cJSON_ArrayForEach(m, x) {
			if (check_measurement(m, e) < 0)
				goto fail;
		}
		s->measurements = x;
	}
	return 0;
fail:
	submit_fini(s);
	return -1;
}

void
submit_fini(struct submission *s)
{
	free(s->bench_method);
	s->bench_method = NULL;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Store one measurement of run id: 0, -1, or -2 when the run has that
 * metric already. */
static int
store_measurement(struct db *db, const char *run_id, const cJSON *m)
{
	const cJSON *vals = cJSON_GetObjectItemCaseSensitive(m, "values");
	const cJSON *val = cJSON_GetObjectItemCaseSensitive(m, "value");
	const cJSON *unit = cJSON_GetObjectItemCaseSensitive(m, "unit");
	const cJSON *dir = cJSON_GetObjectItemCaseSensitive(m, "direction");
	const cJSON *error = cJSON_GetObjectItemCaseSensitive(m, "error");
	const cJSON *v;
	cJSON *arr = cJSON_CreateArray();
	sqlite3_stmt *st;
	double *xs = NULL, sum = 0, mean, ss = 0;
	size_t n = 0, i;
	char *json = NULL, *unit_fixed = NULL, *error_fixed = NULL;
	int64_t metric;
	int d = 0, rc = -1;

	if (cJSON_IsArray(vals))
		n = (size_t)cJSON_GetArraySize(vals);
	if (cJSON_IsNumber(val))
		n++;
	xs = xcalloc(n ? n : 1, sizeof(*xs));
	n = 0;
	if (cJSON_IsArray(vals)) {
		cJSON_ArrayForEach(v, vals)
			xs[n++] = v->valuedouble;
	}
	if (cJSON_IsNumber(val))
		xs[n++] = val->valuedouble;
	for (i = 0; i < n; i++) {
		cJSON_AddItemToArray(arr, cJSON_CreateNumber(xs[i]));
		sum += xs[i];
	}
	json = cJSON_PrintUnformatted(arr);
	if (json == NULL)
		abort();

	if (cJSON_IsString(dir))
		proto_direction_parse(dir->valuestring, &d);
	st = db_stmt(db, "INSERT INTO metrics (name, unit, direction) "
	    "VALUES (?1, ?2, ?3) ON CONFLICT (name) DO UPDATE SET "
	    "unit = CASE WHEN ?4 THEN excluded.unit ELSE unit END, "
	    "direction = CASE WHEN ?5 THEN excluded.direction "
	    "ELSE direction END");
	if (st == NULL)
		goto out;
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
	st = db_stmt(db, "SELECT id FROM metrics WHERE name = ?");
	if (st == NULL)
		goto out;
	sqlite3_bind_text(st, 1, m->string, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		db_err(db, "looking up a metric");
		sqlite3_reset(st);
		goto out;
	}
	metric = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);

	st = db_stmt(db, "INSERT INTO measurements (run_id, metric_id, vals, "
	    "n, median, min, max, stddev, error) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
	if (st == NULL)
		goto out;
	sqlite3_bind_text(st, 1, run_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, metric);
	sqlite3_bind_text(st, 3, json, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)n);
	if (n > 0) {
		mean = sum / (double)n;
		for (i = 0; i < n; i++)
			ss += (xs[i] - mean) * (xs[i] - mean);
		qsort(xs, n, sizeof(*xs), cmp_double);
		sqlite3_bind_double(st, 5, n % 2 ? xs[n / 2] :
		    (xs[n / 2 - 1] + xs[n / 2]) / 2);
		sqlite3_bind_double(st, 6, xs[0]);
		sqlite3_bind_double(st, 7, xs[n - 1]);
		sqlite3_bind_double(st, 8, n > 1 ? sqrt(ss / (double)(n - 1))
		    : 0);
	}
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
	cJSON_Delete(arr);
	free(json);
	free(unit_fixed);
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

		st = db_stmt(db, "INSERT INTO run_output (run_id, line, "
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
submit_store(struct db *db, const struct submission *s, const char *worker,
    struct verr *e)
{
	sqlite3_stmt *st;
	const cJSON *m;
	int64_t cid;
	char *err_fixed = NULL;
	int r, rc = -1;

	st = db_stmt(db, "SELECT 1 FROM runs WHERE id = ?");
	if (st == NULL)
		goto dberr;
	sqlite3_bind_text(st, 1, s->id, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	sqlite3_reset(st);
	if (r == SQLITE_ROW)
		return 0;
	if (r != SQLITE_DONE) {
		db_err(db, "looking up a run");
		goto dberr;
	}
	cid = db_commit_id(db, s->hash);
	if (cid < 0)
		goto dberr;
	if (cid == 0) {
		verr_set(e, 409, "submit_run.hash", "unknown commit %s: the "
		    "server's db does not have it", s->hash);
		return -1;
	}
	st = db_stmt(db, "INSERT INTO runs (id, commit_id, bench_method, "
	    "worker, start_time, end_time, exit_code, error) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
	if (st == NULL)
		goto dberr;
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
	if (r < 0)
		goto dberr;
	if (s->output != NULL && store_output(db, s->id, s->output) < 0)
		goto dberr;
	if (s->measurements != NULL) {
		cJSON_ArrayForEach(m, s->measurements) {
			r = store_measurement(db, s->id, m);
			if (r == -2) {
				char f[sizeof(e->field)];

				if (snprintf(f, sizeof(f), "submit_run."
				    "measurements.%s", m->string) < 0)
					f[0] = '\0';
				verr_set(e, 400, f, "the same metric twice");
				return -1;
			}
			if (r < 0)
				goto dberr;
		}
	}
	st = db_stmt(db, "DELETE FROM queue WHERE commit_id = ?");
	if (st == NULL)
		goto dberr;
	sqlite3_bind_int64(st, 1, cid);
	if (db_step_done(db, st) < 0 || db_dirty(db, "run", s->id) < 0 ||
	    db_dirty(db, "commit", s->hash) < 0 ||
	    db_dirty(db, "worker", worker) < 0 ||
	    db_dirty(db, "queue", "") < 0 || db_dirty(db, "index", "") < 0 ||
	    db_dirty(db, "graph", "") < 0)
		goto dberr;
	rc = 1;
	return rc;
dberr:
	verr_set(e, 500, NULL, "storing the run: %s", err_get());
	return -1;
}
