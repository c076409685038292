/* submit: checking and storing a worker's submit_run (one transaction). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "err.h"
#include "proto.h"
#include "store.h"

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
	char path[PROTO_METRIC_NAME_MAX + 64], f[PROTO_METRIC_NAME_MAX + 120];
	int i = 0, d;

	snprintf(path, sizeof(path), "submit_run.measurements.%s", m->string);
	if (!proto_valid_metric_name(m->string)) {
		verr_set(e, 400, "submit_run.measurements", "metric names are "
		    PROTO_METRIC_NAME_RULE);
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
	if (check_string(m, "unit", path, &s, e) < 0)
		return -1;
	/* A unit names what the numbers are: refused unless valid, like
	 * metric names (the worker skips such records itself). */
	if (s != NULL && !proto_valid_unit(s)) {
		snprintf(f, sizeof(f), "%sunit", path);
		verr_set(e, 400, f, "not " PROTO_UNIT_RULE);
		return -1;
	}
	if (check_string(m, "error", path, &s, e) < 0)
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
	if (s->has_end && s->end < s->start) {
		verr_set(e, 400, "submit_run.end", "before the run's start");
		goto fail;
	}
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

int
submit_store(struct db *db, const struct submission *s, const char *worker,
    struct verr *e)
{
	struct store_run run;
	char f[sizeof(e->field)];
	int r;

	memset(&run, 0, sizeof(run));
	run.id = s->id;
	run.hash = s->hash;
	run.bench_method = s->bench_method;
	run.start = s->start;
	run.end = s->end;
	run.has_end = s->has_end;
	run.has_exit = s->has_exit;
	run.exit_code = s->exit_code;
	run.error = s->error;
	run.output = s->output;
	run.measurements = s->measurements;
	r = store_run(db, &run, worker);
	if (r == STORE_UNKNOWN_COMMIT) {
		verr_set(e, 409, "submit_run.hash", "%s", err_get());
	} else if (r == STORE_DUP_METRIC) {
		if (snprintf(f, sizeof(f), "submit_run.measurements.%s",
		    err_get()) < 0)
			f[0] = '\0';
		verr_set(e, 400, f, "the same metric twice");
	} else if (r < 0) {
		verr_set(e, 500, NULL, "storing the run: %s", err_get());
	}
	return r < 0 ? -1 : r;
}
