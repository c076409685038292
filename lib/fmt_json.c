/* fmt_json: the JSON result formats: Google Benchmark, hyperfine,
 * pytest-benchmark, Bencher Metric Format, github-action-benchmark. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "fmt_int.h"

cJSON *
fmt_json_parse(const char *data, size_t len)
{
	const char *end = NULL, *p;
	size_t line = 1, col = 1;
	cJSON *doc;

	doc = cJSON_ParseWithLengthOpts(data, len, &end, 0);
	if (doc != NULL)
		return doc;
	if (end == NULL || end < data || end > data + len)
		end = data + len;
	for (p = data; p < end; p++) {
		if (*p == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	err_set("line %zu, column %zu: not valid JSON", line, col);
	return NULL;
}

int
fmt_json_number(const cJSON *v, int strings, double *out)
{
	char *e;

	if (cJSON_IsNumber(v)) {
		*out = v->valuedouble;
		return 0;
	}
	if (strings && cJSON_IsString(v) && v->valuestring[0] != '\0') {
		*out = strtod(v->valuestring, &e);
		while (*e == ' ')
			e++;
		if (*e == '\0' && e != v->valuestring)
			return 0;
	}
	return -1;
}

int
fmt_add(struct result *r, const char *name, double v, const char *unit,
    int direction)
{
	struct metric *m;

	if ((m = result_metric(r, name)) == NULL)
		return -1;
	if (unit != NULL && m->unit == NULL && result_set_unit(m, unit) < 0)
		return -1;
	if (direction != 0)
		m->direction = direction;
	return result_add_value(r, m, v);
}

static const cJSON *
get(const cJSON *o, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(o, k);
}

/* A required number at o.k; err_set naming path.k otherwise. */
static int
need_number(const cJSON *o, const char *k, const char *path, double *out)
{
	const cJSON *v = get(o, k);

	if (v == NULL) {
		err_set("%s.%s: missing", path, k);
		return -1;
	}
	if (fmt_json_number(v, 0, out) < 0) {
		err_set("%s.%s: not a number", path, k);
		return -1;
	}
	return 0;
}

/* The array doc.key of the JSON document data; *doc gets the document
 * (the caller deletes it). NULL with err_set, *doc then NULL. */
static const cJSON *
doc_array(const char *data, size_t len, const char *key, cJSON **doc)
{
	const cJSON *a;

	if ((*doc = fmt_json_parse(data, len)) == NULL)
		return NULL;
	a = get(*doc, key);
	if (!cJSON_IsArray(a)) {
		err_set("\"%s\": missing or not an array", key);
		cJSON_Delete(*doc);
		*doc = NULL;
		return NULL;
	}
	return a;
}

/* ---- Google Benchmark ---- */

/* The keys of a gbench entry that are not user counters. */
static const char *const gbench_fixed[] = {
	"name", "run_name", "run_type", "repetitions", "repetition_index",
	"threads", "iterations", "real_time", "cpu_time", "time_unit",
	"family_index", "per_family_instance_index", "aggregate_name",
	"aggregate_unit", "label", "error_occurred", "error_message",
	"skipped", "skip_message", "big_o", "rms", "complexity_n", NULL
};

static int
gbench_fixed_key(const char *k)
{
	size_t i;

	for (i = 0; gbench_fixed[i]; i++)
		if (strcmp(k, gbench_fixed[i]) == 0)
			return 1;
	return 0;
}

/* Long: one entry's fields checked in the format's order; each check is a
 * few lines. */
static int
gbench_entry(struct result *r, const cJSON *b, const char *path)
{
	const cJSON *name, *type, *unit, *c, *failed, *msg;
	struct metric *m;
	const char *u = "ns";
	char *mname = NULL;
	double real, cpu, v;
	int rc = -1, dir;

	if (!cJSON_IsObject(b)) {
		err_set("%s: not an object", path);
		return -1;
	}
	type = get(b, "run_type");
	if (cJSON_IsString(type) && strcmp(type->valuestring, "aggregate") == 0)
		return 0;	/* mean, median, stddev, cv, BigO, RMS */
	name = get(b, "run_name");
	if (!cJSON_IsString(name))
		name = get(b, "name");
	if (!cJSON_IsString(name) || name->valuestring[0] == '\0') {
		err_set("%s.name: missing or not a string", path);
		return -1;
	}
	failed = get(b, "error_occurred");
	if (!cJSON_IsTrue(failed))
		failed = get(b, "skipped");
	if (cJSON_IsTrue(failed) || (cJSON_IsNumber(failed) &&
	    failed->valuedouble != 0)) {
		msg = get(b, "error_message");
		if (!cJSON_IsString(msg))
			msg = get(b, "skip_message");
		mname = xasprintf("%s/real_time", name->valuestring);
		if ((m = result_metric(r, mname)) == NULL)
			goto out;
		result_add_error(r, m, cJSON_IsString(msg) ? msg->valuestring :
		    "the benchmark reported an error");
		rc = 0;
		goto out;
	}
	unit = get(b, "time_unit");
	if (unit != NULL) {
		if (!cJSON_IsString(unit) || (strcmp(unit->valuestring, "ns") &&
		    strcmp(unit->valuestring, "us") &&
		    strcmp(unit->valuestring, "ms") &&
		    strcmp(unit->valuestring, "s"))) {
			err_set("%s.time_unit: not ns, us, ms or s", path);
			return -1;
		}
		u = unit->valuestring;
	}
	if (need_number(b, "real_time", path, &real) < 0 ||
	    need_number(b, "cpu_time", path, &cpu) < 0)
		return -1;
	mname = xasprintf("%s/real_time", name->valuestring);
	if (fmt_add(r, mname, real, u, -1) < 0)
		goto out;
	free(mname);
	mname = xasprintf("%s/cpu_time", name->valuestring);
	if (fmt_add(r, mname, cpu, u, -1) < 0)
		goto out;
	cJSON_ArrayForEach(c, b) {
		if (gbench_fixed_key(c->string))
			continue;
		if (fmt_json_number(c, 0, &v) < 0) {
			err_set("%s.%s: a counter that is not a number", path,
			    c->string);
			goto out;
		}
		dir = 0;
		u = NULL;
		if (strcmp(c->string, "bytes_per_second") == 0) {
			dir = 1;
			u = "B/s";
		} else if (strcmp(c->string, "items_per_second") == 0) {
			dir = 1;
			u = "items/s";
		}
		free(mname);
		mname = xasprintf("%s/%s", name->valuestring, c->string);
		if (fmt_add(r, mname, v, u, dir) < 0)
			goto out;
	}
	rc = 0;
out:
	free(mname);
	return rc;
}

int
fmt_gbench(struct result *r, const char *data, size_t len)
{
	const cJSON *bs, *b;
	cJSON *doc;
	char path[64];
	int i = 0, rc = -1;

	if ((bs = doc_array(data, len, "benchmarks", &doc)) == NULL)
		return -1;
	cJSON_ArrayForEach(b, bs) {
		snprintf(path, sizeof(path), "benchmarks[%d]", i++);
		if (gbench_entry(r, b, path) < 0)
			goto out;
	}
	rc = 0;
out:
	cJSON_Delete(doc);
	return rc;
}

/* ---- hyperfine ---- */

/* Values of the array a (or the one number) into metric name. */
static int
hf_series(struct result *r, const cJSON *o, const char *key,
    const char *path, const char *name, const char *unit, int *scalar)
{
	const cJSON *a = get(o, key), *v;
	double x;
	int i = 0;

	*scalar = 0;
	if (a == NULL)
		return 0;
	if (cJSON_IsNumber(a)) {
		*scalar = 1;
		return fmt_add(r, name, a->valuedouble, unit, -1);
	}
	if (!cJSON_IsArray(a)) {
		err_set("%s.%s: not an array of numbers", path, key);
		return -1;
	}
	cJSON_ArrayForEach(v, a) {
		if (fmt_json_number(v, 0, &x) < 0) {
			err_set("%s.%s[%d]: not a number", path, key, i);
			return -1;
		}
		if (fmt_add(r, name, x, unit, -1) < 0)
			return -1;
		i++;
	}
	return 0;
}

/* The name of result e (at path) in *base: the command, then its
 * parameters, " [k=v, ...]". 0, or -1 with err_set. */
static int
hf_name(const cJSON *e, const char *cmd, const char *path, struct buf *base)
{
	const cJSON *params = get(e, "parameters"), *p;

	/* base has no cap: buf_must for its adds. */
	buf_reset(base);
	buf_must(buf_adds(base, cmd));
	if (params != NULL && !cJSON_IsObject(params) &&
	    !cJSON_IsNull(params)) {
		err_set("%s.parameters: not an object", path);
		return -1;
	}
	if (cJSON_GetArraySize(params) == 0)
		return 0;
	buf_must(buf_adds(base, " ["));
	cJSON_ArrayForEach(p, params) {
		if (!cJSON_IsString(p) && !cJSON_IsNumber(p)) {
			err_set("%s.parameters.%s: not a string", path,
			    p->string);
			return -1;
		}
		if (p != params->child)
			buf_must(buf_adds(base, ", "));
		if (cJSON_IsString(p))
			buf_must(buf_addf(base, "%s=%s", p->string,
			    p->valuestring));
		else
			buf_must(buf_addf(base, "%s=%g", p->string,
			    p->valuedouble));
	}
	buf_must(buf_adds(base, "]"));
	return 0;
}

/* An error on m when some of the runs' exit codes are not 0. */
static void
hf_exit_codes(struct result *r, struct metric *m, const cJSON *codes)
{
	const cJSON *c;
	char msg[96];
	int bad = 0;

	cJSON_ArrayForEach(c, codes) {
		if (cJSON_IsNumber(c) && c->valuedouble != 0)
			bad++;
	}
	if (bad == 0)
		return;
	snprintf(msg, sizeof(msg), "%d of %d runs exited with a non-zero "
	    "status", bad, cJSON_GetArraySize(codes));
	result_add_error(r, m, msg);
}

int
fmt_hyperfine(struct result *r, const char *data, size_t len)
{
	/* The series after "times"; mean: one number there is the mean
	 * over the runs (hyperfine has no per-run user and system time). */
	static const struct {
		const char *key, *metric, *unit;
		int mean;
	} more[] = {
		{"user", "user", "s", 1},
		{"system", "system", "s", 1},
		{"memory_usage_byte", "memory", "B", 0},
	};
	const cJSON *rs, *e, *cmd;
	struct metric *m;
	struct buf base;
	char path[64], *name = NULL;
	cJSON *doc;
	size_t k;
	int i = 0, rc = -1, scalar, means = 0;

	buf_init(&base, 0);
	if ((rs = doc_array(data, len, "results", &doc)) == NULL)
		return -1;
	cJSON_ArrayForEach(e, rs) {
		snprintf(path, sizeof(path), "results[%d]", i++);
		if (!cJSON_IsObject(e)) {
			err_set("%s: not an object", path);
			goto out;
		}
		cmd = get(e, "command");
		if (!cJSON_IsString(cmd) || cmd->valuestring[0] == '\0') {
			err_set("%s.command: missing or not a string", path);
			goto out;
		}
		if (!cJSON_IsArray(get(e, "times"))) {
			err_set("%s.times: missing or not an array", path);
			goto out;
		}
		if (hf_name(e, cmd->valuestring, path, &base) < 0)
			goto out;
		free(name);
		name = xasprintf("%s/time", base.data);
		if (hf_series(r, e, "times", path, name, "s", &scalar) < 0)
			goto out;
		if ((m = result_metric(r, name)) == NULL)
			goto out;
		hf_exit_codes(r, m, get(e, "exit_codes"));
		for (k = 0; k < sizeof(more) / sizeof(more[0]); k++) {
			free(name);
			name = xasprintf("%s/%s", base.data, more[k].metric);
			if (hf_series(r, e, more[k].key, path, name,
			    more[k].unit, &scalar) < 0)
				goto out;
			means |= scalar && more[k].mean;
		}
	}
	if (means)
		result_warn(r, "hyperfine: its JSON has user and system time "
		    "only as the mean over the runs: stored as one value each "
		    "(every run's wall time is in .../time)");
	rc = 0;
out:
	free(name);
	buf_fini(&base);
	cJSON_Delete(doc);
	return rc;
}

/* ---- pytest-benchmark ---- */

int
fmt_pytest(struct result *r, const char *data, size_t len)
{
	static const char *const stats_kept[] = {"min", "median", "mean",
	    "max", "stddev", NULL};
	const cJSON *bs, *b, *name, *stats, *vals, *v;
	char path[64], *mname = NULL;
	double x;
	cJSON *doc;
	int i = 0, j, k, rc = -1, only_stats = 0;

	if ((bs = doc_array(data, len, "benchmarks", &doc)) == NULL)
		return -1;
	cJSON_ArrayForEach(b, bs) {
		snprintf(path, sizeof(path), "benchmarks[%d]", i++);
		if (!cJSON_IsObject(b)) {
			err_set("%s: not an object", path);
			goto out;
		}
		name = get(b, "fullname");
		if (!cJSON_IsString(name))
			name = get(b, "name");
		if (!cJSON_IsString(name) || name->valuestring[0] == '\0') {
			err_set("%s.fullname: missing or not a string", path);
			goto out;
		}
		stats = get(b, "stats");
		if (!cJSON_IsObject(stats)) {
			err_set("%s.stats: missing or not an object", path);
			goto out;
		}
		vals = get(stats, "data");
		if (vals != NULL && !cJSON_IsArray(vals)) {
			err_set("%s.stats.data: not an array", path);
			goto out;
		}
		if (cJSON_GetArraySize(vals) > 0) {
			free(mname);
			mname = xasprintf("%s/time", name->valuestring);
			j = 0;
			cJSON_ArrayForEach(v, vals) {
				if (fmt_json_number(v, 0, &x) < 0) {
					err_set("%s.stats.data[%d]: not a "
					    "number", path, j);
					goto out;
				}
				if (fmt_add(r, mname, x, "s", -1) < 0)
					goto out;
				j++;
			}
			continue;
		}
		/* Saved without the timings: only the stats there are. */
		only_stats = 1;
		snprintf(path + strlen(path), sizeof(path) - strlen(path),
		    ".stats");
		for (k = 0; stats_kept[k]; k++) {
			if (need_number(stats, stats_kept[k], path, &x) < 0)
				goto out;
			free(mname);
			mname = xasprintf("%s/%s", name->valuestring,
			    stats_kept[k]);
			if (fmt_add(r, mname, x, "s", -1) < 0)
				goto out;
		}
	}
	if (only_stats)
		result_warn(r, "pytest-benchmark: no timings of each round in "
		    "the file (run with --benchmark-save-data to have them): "
		    "stored its stats (min, median, mean, max, stddev) as one "
		    "value each");
	rc = 0;
out:
	free(mname);
	cJSON_Delete(doc);
	return rc;
}

/* ---- Bencher Metric Format ---- */

/* Bencher's built-in measures: their units and which way is better. */
static void
bmf_measure(const char *slug, const char **unit, int *dir)
{
	static const struct {
		const char *slug, *unit;
		int dir;
	} known[] = {
		{"latency", "ns", -1},
		{"throughput", "ops/s", 1},
		{"build-time", "s", -1},
		{"file-size", "B", -1},
	};
	size_t i;

	*unit = NULL;
	*dir = 0;
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(slug, known[i].slug) == 0) {
			*unit = known[i].unit;
			*dir = known[i].dir;
		}
}

int
fmt_bmf(struct result *r, const char *data, size_t len)
{
	const cJSON *b, *m, *x;
	const char *unit;
	char *mname = NULL;
	double v, lo;
	cJSON *doc;
	int rc = -1, dir;

	if ((doc = fmt_json_parse(data, len)) == NULL)
		return -1;
	if (!cJSON_IsObject(doc)) {
		err_set("not a JSON object of benchmarks");
		goto out;
	}
	cJSON_ArrayForEach(b, doc) {
		if (!cJSON_IsObject(b)) {
			err_set("%s: not an object of measures", b->string);
			goto out;
		}
		cJSON_ArrayForEach(m, b) {
			if (!cJSON_IsObject(m)) {
				err_set("%s.%s: not an object", b->string,
				    m->string);
				goto out;
			}
			free(mname);
			mname = xasprintf("%s.%s", b->string, m->string);
			if (need_number(m, "value", mname, &v) < 0)
				goto out;
			x = get(m, "lower_value");
			if (x && fmt_json_number(x, 0, &lo) < 0) {
				err_set("%s.%s.lower_value: not a number",
				    b->string, m->string);
				goto out;
			}
			x = get(m, "upper_value");
			if (x && fmt_json_number(x, 0, &lo) < 0) {
				err_set("%s.%s.upper_value: not a number",
				    b->string, m->string);
				goto out;
			}
			bmf_measure(m->string, &unit, &dir);
			free(mname);
			mname = xasprintf("%s/%s", b->string, m->string);
			if (fmt_add(r, mname, v, unit, dir) < 0)
				goto out;
		}
	}
	rc = 0;
out:
	free(mname);
	cJSON_Delete(doc);
	return rc;
}

/* ---- github-action-benchmark ---- */

int
fmt_gab(struct result *r, const char *data, size_t len, int direction)
{
	const cJSON *b, *name, *unit, *val;
	cJSON *doc;
	double v;
	int i = 0, rc = -1;

	if ((doc = fmt_json_parse(data, len)) == NULL)
		return -1;
	if (!cJSON_IsArray(doc)) {
		err_set("not a JSON array of {name, unit, value}");
		goto out;
	}
	cJSON_ArrayForEach(b, doc) {
		if (!cJSON_IsObject(b)) {
			err_set("[%d]: not an object", i);
			goto out;
		}
		name = get(b, "name");
		unit = get(b, "unit");
		val = get(b, "value");
		if (!cJSON_IsString(name) || name->valuestring[0] == '\0') {
			err_set("[%d].name: missing or not a string", i);
			goto out;
		}
		if (val == NULL || fmt_json_number(val, 1, &v) < 0) {
			err_set("[%d].value: missing or not a number", i);
			goto out;
		}
		if (unit != NULL && !cJSON_IsString(unit)) {
			err_set("[%d].unit: not a string", i);
			goto out;
		}
		if (fmt_add(r, name->valuestring, v, cJSON_IsString(unit) &&
		    unit->valuestring[0] ? unit->valuestring : NULL,
		    direction) < 0)
			goto out;
		i++;
	}
	rc = 0;
out:
	cJSON_Delete(doc);
	return rc;
}
