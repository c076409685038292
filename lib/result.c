/* result: a run's measurements, read from JSON Lines or a VelCom document. */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "proto.h"
#include "result.h"
#include "utf8.h"

void
result_init(struct result *r)
{
	memset(r, 0, sizeof(*r));
}

void
result_fini(struct result *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free(r->m[i].name);
		free(r->m[i].values);
		free(r->m[i].unit);
		free(r->m[i].error);
	}
	free(r->m);
	free(r->error);
	for (i = 0; i < r->n_warn; i++)
		free(r->warn[i]);
	free(r->warn);
	free(r->idx);
	memset(r, 0, sizeof(*r));
}

static size_t
name_hash(const char *s)
{
	size_t h = 1469598103934665603ULL & SIZE_MAX;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * (1099511628211ULL & SIZE_MAX);
	return h;
}

static void
idx_put(struct result *r, size_t i)
{
	size_t k = name_hash(r->m[i].name) & (r->idx_cap - 1);

	while (r->idx[k] != 0)
		k = (k + 1) & (r->idx_cap - 1);
	r->idx[k] = i + 1;
}

/* Bring the index up to date with r->m; rebuilt when m moved or it is
 * half full. */
static void
idx_sync(struct result *r)
{
	size_t i;

	if (r->idx_m != r->m || r->idx_n > r->n ||
	    2 * (r->n + 1) > r->idx_cap) {
		r->idx_cap = 64;
		while (r->idx_cap < 4 * (r->n + 1))
			r->idx_cap *= 2;
		free(r->idx);
		r->idx = xcalloc(r->idx_cap, sizeof(*r->idx));
		r->idx_n = 0;
		r->idx_m = r->m;
	}
	for (i = r->idx_n; i < r->n; i++)
		idx_put(r, i);
	r->idx_n = r->n;
}

struct metric *
result_metric(struct result *r, const char *name)
{
	struct metric *m;
	size_t k;

	if (r->n > 0) {
		idx_sync(r);
		for (k = name_hash(name) & (r->idx_cap - 1); r->idx[k] != 0;
		    k = (k + 1) & (r->idx_cap - 1))
			if (strcmp(r->m[r->idx[k] - 1].name, name) == 0)
				return &r->m[r->idx[k] - 1];
	}
	if (!proto_valid_metric_name(name)) {
		err_set("metric name '%.64s' is not " PROTO_METRIC_NAME_RULE,
		    name);
		return NULL;
	}
	if (r->n == RESULT_MAX_METRICS) {
		err_set("more than %d metrics", RESULT_MAX_METRICS);
		return NULL;
	}
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		r->m = xrealloc(r->m, r->cap * sizeof(*r->m));
	}
	m = &r->m[r->n++];
	memset(m, 0, sizeof(*m));
	m->name = xstrdup(name);
	return m;
}

int
result_add_value(struct result *r, struct metric *m, double v)
{
	if (!isfinite(v)) {
		err_set("metric '%s': value is not a finite number", m->name);
		return -1;
	}
	if (r->n_values == RESULT_MAX_VALUES) {
		err_set("a run holds at most %d values", RESULT_MAX_VALUES);
		return -1;
	}
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 4;
		m->values = xrealloc(m->values, m->cap * sizeof(*m->values));
	}
	m->values[m->n++] = v;
	r->n_values++;
	return 0;
}

int
result_set_unit(struct metric *m, const char *unit)
{
	if (unit != NULL && !proto_valid_unit(unit)) {
		err_set("metric '%s': unit is not " PROTO_UNIT_RULE, m->name);
		return -1;
	}
	free(m->unit);
	m->unit = unit ? xstrdup(unit) : NULL;
	return 0;
}

void
result_add_error(struct result *r, struct metric *m, const char *msg)
{
	char **dst = m ? &m->error : &r->error;
	char *s, *fixed;
	size_t n;

	fixed = utf8_repair(msg, strlen(msg), NULL);
	if (*dst == NULL)
		s = xstrdup(fixed);
	else
		s = xasprintf("%s; %s", *dst, fixed);
	free(fixed);
	n = strlen(s);
	if (n > RESULT_MAX_ERROR) {
		n = RESULT_MAX_ERROR;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		s[n] = '\0';
	}
	free(*dst);
	*dst = s;
}

void
result_warn(struct result *r, const char *fmt, ...)
{
	va_list ap;
	char *s, *fixed;
	int n;

	if (r->n_warn == RESULT_MAX_WARN) {
		s = r->warn[r->n_warn - 1];
		if (strncmp(s, "(and ", 5) != 0) {
			free(s);
			r->warn[r->n_warn - 1] = xstrdup("(and 2 more warnings)");
		} else {
			n = atoi(s + 5) + 1;
			free(s);
			r->warn[r->n_warn - 1] =
			    xasprintf("(and %d more warnings)", n);
		}
		return;
	}
	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	fixed = utf8_repair(s, strlen(s), NULL);
	free(s);
	r->warn = xrealloc(r->warn, (r->n_warn + 1) * sizeof(*r->warn));
	r->warn[r->n_warn++] = fixed;
}

/* Apply one JSON Lines record; -1 with err_set if it is not a valid one.
 * Long: every check of the record comes before the metric is made, so a
 * record refused at any of them leaves nothing behind; split, each helper
 * would have to undo what the one before it made. */
static int
record(struct result *r, const cJSON *rec)
{
	const cJSON *name, *values, *value, *unit, *dir, *error, *v;
	struct metric *m;
	size_t count;

	if (!cJSON_IsObject(rec)) {
		err_set("not a JSON object");
		return -1;
	}
	name = cJSON_GetObjectItemCaseSensitive(rec, "metric");
	values = cJSON_GetObjectItemCaseSensitive(rec, "values");
	value = cJSON_GetObjectItemCaseSensitive(rec, "value");
	unit = cJSON_GetObjectItemCaseSensitive(rec, "unit");
	dir = cJSON_GetObjectItemCaseSensitive(rec, "direction");
	error = cJSON_GetObjectItemCaseSensitive(rec, "error");
	if (error != NULL && !cJSON_IsString(error)) {
		err_set("\"error\" is not a string");
		return -1;
	}
	if (name == NULL) {
		if (error == NULL) {
			err_set("no \"metric\" and no \"error\"");
			return -1;
		}
		result_add_error(r, NULL, error->valuestring);
		return 0;
	}
	if (!cJSON_IsString(name)) {
		err_set("\"metric\" is not a string");
		return -1;
	}
	if (values != NULL && !cJSON_IsArray(values)) {
		err_set("\"values\" is not an array");
		return -1;
	}
	cJSON_ArrayForEach(v, values) {
		if (!cJSON_IsNumber(v)) {
			err_set("\"values\" holds something not a number");
			return -1;
		}
	}
	if (value != NULL && !cJSON_IsNumber(value)) {
		err_set("\"value\" is not a number");
		return -1;
	}
	if (unit != NULL && !cJSON_IsString(unit) && !cJSON_IsNull(unit)) {
		err_set("\"unit\" is not a string");
		return -1;
	}
	if (dir != NULL && !cJSON_IsNull(dir) && (!cJSON_IsString(dir) ||
	    (strcmp(dir->valuestring, "lower") != 0 &&
	    strcmp(dir->valuestring, "higher") != 0))) {
		err_set("\"direction\" is not \"lower\" or \"higher\"");
		return -1;
	}
	if (values == NULL && value == NULL && error == NULL) {
		err_set("metric '%.64s' has no \"values\", \"value\" or "
		    "\"error\"", name->valuestring);
		return -1;
	}
	/* All checks before the metric is made: a skipped record leaves
	 * nothing behind (no metric, no part of its values). */
	count = value != NULL;
	cJSON_ArrayForEach(v, values) {
		if (!isfinite(v->valuedouble)) {
			err_set("metric '%.64s': value is not a finite number",
			    name->valuestring);
			return -1;
		}
		count++;
	}
	if (value != NULL && !isfinite(value->valuedouble)) {
		err_set("metric '%.64s': value is not a finite number",
		    name->valuestring);
		return -1;
	}
	if (count > RESULT_MAX_VALUES - r->n_values) {
		err_set("metric '%.64s': its %zu values would take the run past "
		    "%d values, the most a run holds (%zu kept)",
		    name->valuestring, count, RESULT_MAX_VALUES, r->n_values);
		return -1;
	}
	if (unit != NULL && cJSON_IsString(unit) &&
	    !proto_valid_unit(unit->valuestring)) {
		err_set("metric '%.64s': unit is not " PROTO_UNIT_RULE,
		    name->valuestring);
		return -1;
	}
	if ((m = result_metric(r, name->valuestring)) == NULL)
		return -1;
	if (unit != NULL && cJSON_IsString(unit) &&
	    result_set_unit(m, unit->valuestring) < 0)
		return -1;
	if (dir != NULL && cJSON_IsString(dir))
		m->direction = strcmp(dir->valuestring, "lower") == 0 ? -1 : 1;
	cJSON_ArrayForEach(v, values) {
		if (result_add_value(r, m, v->valuedouble) < 0)
			return -1;
	}
	if (value != NULL && result_add_value(r, m, value->valuedouble) < 0)
		return -1;
	if (error != NULL)
		result_add_error(r, m, error->valuestring);
	return 0;
}

static int
blank(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return 0;
	return 1;
}

size_t
result_parse_jsonl(struct result *r, const char *data, size_t len)
{
	const char *p = data, *end = data + len, *nl, *rest;
	size_t taken = 0, lineno = 0, n;
	cJSON *rec;
	int last;

	while (p < end) {
		lineno++;
		nl = memchr(p, '\n', (size_t)(end - p));
		last = nl == NULL;
		n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		/* Blank lines (and a lone \r) are fine. */
		if (blank(p, n)) {
			p += n + 1;
			continue;
		}
		rest = NULL;
		rec = cJSON_ParseWithLengthOpts(p, n, &rest, 0);
		if (rec != NULL && !blank(rest, (size_t)(p + n - rest))) {
			result_warn(r, "result file: line %zu holds more than "
			    "one JSON value (one record a line): skipped",
			    lineno);
		} else if (rec == NULL && last) {
			result_warn(r, "result file: line %zu is unfinished "
			    "(no newline, not JSON): dropped", lineno);
		} else if (rec == NULL) {
			result_warn(r, "result file: line %zu is not JSON: "
			    "skipped", lineno);
		} else if (record(r, rec) < 0) {
			result_warn(r, "result file: line %zu: %s: skipped",
			    lineno, err_get());
		} else {
			taken++;
		}
		cJSON_Delete(rec);
		p += n + 1;
	}
	return taken;
}

/* One VelCom measurement object into r; -1 with err_set if malformed. */
static int
velcom_metric(struct result *r, const char *bench, const cJSON *meas)
{
	const cJSON *values, *error, *unit, *interp, *v;
	struct metric *m;
	char *name;
	int rc = -1;

	if (!cJSON_IsObject(meas)) {
		err_set("measurement '%s/%s' is not an object", bench,
		    meas->string);
		return -1;
	}
	/* VelCom's own parser also reads the keys of its first runner
	 * spec: "results" for "values", "resultInterpretation" for
	 * "interpretation". */
	values = cJSON_GetObjectItemCaseSensitive(meas, "values");
	if (values == NULL)
		values = cJSON_GetObjectItemCaseSensitive(meas, "results");
	error = cJSON_GetObjectItemCaseSensitive(meas, "error");
	unit = cJSON_GetObjectItemCaseSensitive(meas, "unit");
	interp = cJSON_GetObjectItemCaseSensitive(meas, "interpretation");
	if (interp == NULL)
		interp = cJSON_GetObjectItemCaseSensitive(meas,
		    "resultInterpretation");
	if (values != NULL && !cJSON_IsArray(values)) {
		err_set("%s/%s.%s: not an array", bench, meas->string,
		    values->string);
		return -1;
	}
	if (error != NULL && !cJSON_IsString(error)) {
		err_set("%s/%s.error: not a string", bench, meas->string);
		return -1;
	}
	if (unit != NULL && !cJSON_IsString(unit) && !cJSON_IsNull(unit)) {
		err_set("%s/%s.unit: not a string", bench, meas->string);
		return -1;
	}
	if (interp != NULL && (!cJSON_IsString(interp) ||
	    (strcmp(interp->valuestring, "LESS_IS_BETTER") != 0 &&
	    strcmp(interp->valuestring, "MORE_IS_BETTER") != 0 &&
	    strcmp(interp->valuestring, "NEUTRAL") != 0))) {
		err_set("%s/%s.%s: not LESS_IS_BETTER, MORE_IS_BETTER or "
		    "NEUTRAL", bench, meas->string, interp->string);
		return -1;
	}
	if (!cJSON_IsArray(values) && !cJSON_IsString(error)) {
		err_set("measurement '%s/%s' has neither \"values\" (or "
		    "\"results\") nor \"error\"", bench, meas->string);
		return -1;
	}
	name = xasprintf("%s/%s", bench, meas->string);
	if ((m = result_metric(r, name)) == NULL)
		goto out;
	if (cJSON_IsString(unit) && result_set_unit(m, unit->valuestring) < 0)
		goto out;
	if (cJSON_IsString(interp)) {
		if (strcmp(interp->valuestring, "LESS_IS_BETTER") == 0)
			m->direction = -1;
		else if (strcmp(interp->valuestring, "MORE_IS_BETTER") == 0)
			m->direction = 1;
	}
	cJSON_ArrayForEach(v, values) {
		if (!cJSON_IsNumber(v)) {
			err_set("%s.%s: holds something not a number", name,
			    values->string);
			goto out;
		}
		if (result_add_value(r, m, v->valuedouble) < 0)
			goto out;
	}
	if (cJSON_IsString(error))
		result_add_error(r, m, error->valuestring);
	rc = 0;
out:
	free(name);
	return rc;
}

int
result_parse_velcom(struct result *r, const char *data, size_t len)
{
	const cJSON *bench, *meas, *error;
	struct result tmp;
	cJSON *doc;
	int rc = -1;

	result_init(&tmp);
	doc = cJSON_ParseWithLength(data, len);
	if (!cJSON_IsObject(doc) || cJSON_GetArraySize(doc) == 0) {
		err_set("stdout is not a VelCom JSON document");
		goto out;
	}
	error = cJSON_GetObjectItemCaseSensitive(doc, "error");
	if (error != NULL) {
		if (!cJSON_IsString(error) || cJSON_GetArraySize(doc) != 1) {
			err_set("VelCom \"error\" must be the only key, a string");
			goto out;
		}
		result_add_error(&tmp, NULL, error->valuestring);
	} else {
		cJSON_ArrayForEach(bench, doc) {
			if (!cJSON_IsObject(bench)) {
				err_set("benchmark '%s' is not an object",
				    bench->string);
				goto out;
			}
			cJSON_ArrayForEach(meas, bench) {
				if (velcom_metric(&tmp, bench->string, meas) < 0)
					goto out;
			}
		}
	}
	/* r has no metrics (the caller's rule): take tmp's, and add its
	 * error to whatever r already says. */
	if (r->n > 0) {
		err_set("VelCom results only go to a result without metrics");
		goto out;
	}
	free(r->m);
	r->m = tmp.m;
	r->n = tmp.n;
	r->cap = tmp.cap;
	r->n_values = tmp.n_values;
	tmp.m = NULL;
	tmp.n = tmp.cap = 0;
	if (tmp.error)
		result_add_error(r, NULL, tmp.error);
	rc = 0;
out:
	cJSON_Delete(doc);
	result_fini(&tmp);
	return rc;
}

int
result_merge(struct result *dst, struct result *src)
{
	struct metric *m, *d;
	size_t i, j;

	for (i = 0; i < src->n; i++) {
		m = &src->m[i];
		if ((d = result_metric(dst, m->name)) == NULL)
			return -1;
		for (j = 0; j < m->n; j++)
			if (result_add_value(dst, d, m->values[j]) < 0)
				return -1;
		if (m->unit && result_set_unit(d, m->unit) < 0)
			return -1;
		if (m->direction)
			d->direction = m->direction;
		if (m->error)
			result_add_error(dst, d, m->error);
	}
	if (src->error)
		result_add_error(dst, NULL, src->error);
	for (i = 0; i < src->n_warn; i++)
		result_warn(dst, "%s", src->warn[i]);
	return 0;
}

cJSON *
result_json(const struct result *r)
{
	cJSON *all = cJSON_CreateObject(), *o, *vals;
	const struct metric *m;
	size_t i, j;

	for (i = 0; i < r->n; i++) {
		m = &r->m[i];
		o = cJSON_CreateObject();
		vals = cJSON_AddArrayToObject(o, "values");
		for (j = 0; j < m->n; j++)
			cJSON_AddItemToArray(vals,
			    cJSON_CreateNumber(m->values[j]));
		if (m->unit)
			cJSON_AddStringToObject(o, "unit", m->unit);
		if (m->direction != 0)
			cJSON_AddStringToObject(o, "direction",
			    m->direction < 0 ? "lower" : "higher");
		if (m->error)
			cJSON_AddStringToObject(o, "error", m->error);
		cJSON_AddItemToObject(all, m->name, o);
	}
	return all;
}

cJSON *
result_output(const struct result *r, const char *note)
{
	cJSON *out = cJSON_CreateArray(), *line;
	size_t i;

	for (i = 0; i <= r->n_warn; i++) {
		line = cJSON_CreateArray();
		cJSON_AddItemToArray(line, cJSON_CreateNumber(PROTO_INTERNAL));
		cJSON_AddItemToArray(line, cJSON_CreateString(i == 0 ? note :
		    r->warn[i - 1]));
		cJSON_AddItemToArray(out, line);
	}
	return out;
}
