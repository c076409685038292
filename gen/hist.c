/* hist: whole result histories from peers: github-action-benchmark's
 * data.js and asv's results/ directory, each entry a run on its commit. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "err.h"
#include "fmt.h"
#include "fsx.h"
#include "gen.h"
#include "proto.h"
#include "result.h"
#include "store.h"

#define HIST_MAX_FILE ((size_t)512 * 1024 * 1024)

/* One run to store. */
struct entry {
	char hash[41];
	char id[STORE_ID_SIZE];
	char *worker;
	char *note;
	double start, end;
	struct result r;
};

struct entries {
	struct entry *e;
	size_t n;
};

void
hist_stats_fini(struct hist_stats *hs)
{
	size_t i;

	for (i = 0; i < hs->n_warn; i++)
		free(hs->warn[i]);
	free(hs->warn);
	memset(hs, 0, sizeof(*hs));
}

static void
hist_warn(struct hist_stats *hs, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (hs->n_warn >= 50)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	hs->warn = xrealloc(hs->warn, (hs->n_warn + 1) * sizeof(*hs->warn));
	hs->warn[hs->n_warn++] = s;
}

static struct entry *
entry_new(struct entries *es)
{
	struct entry *e;

	es->e = xrealloc(es->e, (es->n + 1) * sizeof(*es->e));
	e = &es->e[es->n++];
	memset(e, 0, sizeof(*e));
	result_init(&e->r);
	return e;
}

static void
entries_fini(struct entries *es)
{
	size_t i;

	for (i = 0; i < es->n; i++) {
		result_fini(&es->e[i].r);
		free(es->e[i].worker);
		free(es->e[i].note);
	}
	free(es->e);
	memset(es, 0, sizeof(*es));
}

/* Store every entry in one transaction, counting what the db lacks. */
static int
store_all(struct db *db, struct entries *es, const char *format,
    struct hist_stats *hs)
{
	size_t i;
	int64_t cid;
	int r;

	if (db_begin(db) < 0)
		return -1;
	for (i = 0; i < es->n; i++) {
		struct entry *e = &es->e[i];

		if ((cid = db_commit_id(db, e->hash)) < 0)
			goto fail;
		if (cid == 0) {
			if (hs->missing++ == 0)
				snprintf(hs->first_missing,
				    sizeof(hs->first_missing), "%s", e->hash);
			continue;
		}
		r = import_store(db, &e->r, e->id, e->hash, format, e->worker,
		    e->start, e->end, e->note);
		if (r < 0) {
			err_wrap("run of %.12s", e->hash);
			goto fail;
		}
		if (r == 0) {
			hs->already++;
		} else {
			hs->stored++;
			hs->values += e->r.n_values;
		}
	}
	if (db_commit(db) < 0)
		goto fail;
	return 0;
fail:
	db_rollback(db);
	return -1;
}

/* ---- github-action-benchmark ---- */

/* Which way is better for a gab tool (its own rule, by tool). */
static int
gab_direction(const char *tool)
{
	static const char *const bigger[] = {"customBiggerIsBetter",
	    "benchmarkjs", "pytest", NULL};
	size_t i;

	for (i = 0; bigger[i]; i++)
		if (strcmp(tool, bigger[i]) == 0)
			return 1;
	return -1;
}

static int
gab_entry(struct entries *es, const char *suite, const cJSON *en,
    const char *path, const char *worker)
{
	const cJSON *commit, *id, *date, *tool, *benches, *b, *name, *unit;
	const cJSON *val;
	struct entry *e;
	struct metric *m;
	char *text, p[700];
	double v;
	int i = 0, dir;

	commit = cJSON_GetObjectItemCaseSensitive(en, "commit");
	id = cJSON_GetObjectItemCaseSensitive(commit, "id");
	date = cJSON_GetObjectItemCaseSensitive(en, "date");
	tool = cJSON_GetObjectItemCaseSensitive(en, "tool");
	benches = cJSON_GetObjectItemCaseSensitive(en, "benches");
	if (!cJSON_IsString(id) || !proto_valid_hash(id->valuestring)) {
		err_set("%s.commit.id: missing or not a 40-hex commit", path);
		return -1;
	}
	if (!cJSON_IsNumber(date)) {
		err_set("%s.date: missing or not a number (ms)", path);
		return -1;
	}
	if (!cJSON_IsString(tool)) {
		err_set("%s.tool: missing or not a string", path);
		return -1;
	}
	if (!cJSON_IsArray(benches)) {
		err_set("%s.benches: missing or not an array", path);
		return -1;
	}
	dir = gab_direction(tool->valuestring);
	e = entry_new(es);
	snprintf(e->hash, sizeof(e->hash), "%s", id->valuestring);
	e->start = e->end = date->valuedouble / 1000;
	e->worker = xstrdup(worker ? worker : "gab");
	e->note = xasprintf("imported by tj-gen import --from gab: suite "
	    "'%s', tool %s", suite, tool->valuestring);
	cJSON_ArrayForEach(b, benches) {
		snprintf(p, sizeof(p), "%s.benches[%d]", path, i++);
		name = cJSON_GetObjectItemCaseSensitive(b, "name");
		unit = cJSON_GetObjectItemCaseSensitive(b, "unit");
		val = cJSON_GetObjectItemCaseSensitive(b, "value");
		if (!cJSON_IsString(name) || name->valuestring[0] == '\0') {
			err_set("%s.name: missing or not a string", p);
			return -1;
		}
		if (fmt_json_number(val, 1, &v) < 0) {
			err_set("%s.value: missing or not a number", p);
			return -1;
		}
		if ((m = result_metric(&e->r, name->valuestring)) == NULL ||
		    (cJSON_IsString(unit) && unit->valuestring[0] &&
		    result_set_unit(m, unit->valuestring) < 0) ||
		    result_add_value(&e->r, m, v) < 0) {
			err_wrap("%s", p);
			return -1;
		}
		m->direction = dir;
	}
	/* The id: the suite and the entry's own JSON. */
	text = cJSON_PrintUnformatted(en);
	if (text == NULL)
		abort();
	if (store_import_id(suite, e->hash, e->worker, text, strlen(text),
	    e->id) < 0) {
		free(text);
		return -1;
	}
	free(text);
	return 0;
}

int
hist_gab(struct db *db, const char *path, const char *worker,
    struct hist_stats *hs)
{
	struct entries es = {NULL, 0};
	const cJSON *entries, *suite, *en;
	const char *p, *end;
	char where[300], *data;
	size_t len;
	cJSON *doc = NULL;
	int rc = -1, i;

	if ((data = fsx_read(path, HIST_MAX_FILE, &len)) == NULL)
		goto out;
	/* data.js is "window.BENCHMARK_DATA = {...}": the JSON after '='. */
	p = data;
	end = data + len;
	while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	if (p < end && *p != '{') {
		const char *eq = memchr(p, '=', (size_t)(end - p));

		if (eq == NULL || strncmp(p, "window.BENCHMARK_DATA", 21) != 0) {
			err_set("neither JSON nor \"window.BENCHMARK_DATA = "
			    "{...}\"");
			goto out;
		}
		p = eq + 1;
	}
	while (end > p && (end[-1] == ';' || end[-1] == ' ' ||
	    end[-1] == '\n' || end[-1] == '\r' || end[-1] == '\t'))
		end--;
	if ((doc = fmt_json_parse(p, (size_t)(end - p))) == NULL)
		goto out;
	entries = cJSON_GetObjectItemCaseSensitive(doc, "entries");
	if (!cJSON_IsObject(entries)) {
		err_set("\"entries\": missing or not an object");
		goto out;
	}
	cJSON_ArrayForEach(suite, entries) {
		if (!cJSON_IsArray(suite)) {
			err_set("entries.%s: not an array", suite->string);
			goto out;
		}
		i = 0;
		cJSON_ArrayForEach(en, suite) {
			snprintf(where, sizeof(where), "entries.%s[%d]",
			    suite->string, i++);
			if (gab_entry(&es, suite->string, en, where, worker) < 0)
				goto out;
		}
	}
	if (es.n == 0) {
		err_set("no entries");
		goto out;
	}
	rc = store_all(db, &es, "gab", hs);
out:
	cJSON_Delete(doc);
	free(data);
	entries_fini(&es);
	return rc;
}

/* ---- asv ---- */

/* benchmarks.json: unit and direction of a benchmark. */
static void
asv_kind(const cJSON *benchmarks, const char *name, const char **unit,
    int *dir)
{
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(benchmarks, name);
	const cJSON *u = cJSON_GetObjectItemCaseSensitive(b, "unit");
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(b, "type");

	*unit = NULL;
	*dir = 0;
	if (cJSON_IsString(u)) {
		if (strcmp(u->valuestring, "seconds") == 0)
			*unit = "s";
		else if (strcmp(u->valuestring, "bytes") == 0)
			*unit = "B";
		else if (u->valuestring[0] != '\0')
			*unit = u->valuestring;
	}
	/* Time and memory: less is better; a track says nothing. */
	if (cJSON_IsString(t) && (strcmp(t->valuestring, "time") == 0 ||
	    strcmp(t->valuestring, "mem") == 0 ||
	    strcmp(t->valuestring, "peakmem") == 0))
		*dir = -1;
}

/* The name of combination k of params (a list of lists of reprs):
 * "bench(p1, p2)", the last parameter varying fastest as in asv. */
static char *
asv_name(const char *bench, const cJSON *params, int k)
{
	int n = cJSON_GetArraySize(params), i, sz, idx[32], rest = k, e;
	const cJSON *v;
	struct buf b;

	if (n == 0)
		return xstrdup(bench);
	if (n > 32)
		n = 32;
	for (i = n - 1; i >= 0; i--) {
		sz = cJSON_GetArraySize(cJSON_GetArrayItem(params, i));
		idx[i] = sz > 0 ? rest % sz : 0;
		rest = sz > 0 ? rest / sz : 0;
	}
	buf_init(&b, 0);
	e = buf_addf(&b, "%s(", bench);
	for (i = 0; i < n; i++) {
		v = cJSON_GetArrayItem(cJSON_GetArrayItem(params, i), idx[i]);
		e |= buf_addf(&b, "%s%s", i ? ", " : "", cJSON_IsString(v) ?
		    v->valuestring : "?");
	}
	e |= buf_adds(&b, ")");
	buf_must(e);	/* no cap */
	return buf_take(&b);
}

static int
combos(const cJSON *params)
{
	const cJSON *p;
	int n = 1;

	cJSON_ArrayForEach(p, params) {
		if (!cJSON_IsArray(p))
			return -1;
		n *= cJSON_GetArraySize(p);
		if (n > 100000)
			return -1;
	}
	return n;
}

/* Column col of a v2 result row, or NULL. */
static const cJSON *
column(const cJSON *cols, const cJSON *row, const char *col)
{
	const cJSON *c;
	int i = 0;

	cJSON_ArrayForEach(c, cols) {
		if (cJSON_IsString(c) && strcmp(c->valuestring, col) == 0)
			return cJSON_GetArrayItem(row, i);
		i++;
	}
	return NULL;
}

/* Metric name of e->r: the samples s when there are any, else the
 * result v (a number). */
static int
asv_value(struct entry *e, const char *name, const cJSON *v,
    const cJSON *s, const char *unit, int dir, const char *path)
{
	const cJSON *x;
	struct metric *m;
	double d;

	if ((m = result_metric(&e->r, name)) == NULL)
		return -1;
	if (cJSON_IsArray(s) && cJSON_GetArraySize(s) > 0) {
		cJSON_ArrayForEach(x, s) {
			if (fmt_json_number(x, 1, &d) < 0) {
				err_set("%s: a sample that is not a number",
				    path);
				return -1;
			}
			if (result_add_value(&e->r, m, d) < 0)
				return -1;
		}
	} else if (result_add_value(&e->r, m, v->valuedouble) < 0) {
		return -1;
	}
	if (unit && result_set_unit(m, unit) < 0)
		return -1;
	m->direction = dir;
	return 0;
}

/* One benchmark of a result file into e->r. */
static int
asv_bench(struct entry *e, const cJSON *benchmarks, const char *name,
    const cJSON *result, const cJSON *params, const cJSON *samples,
    const char *path, size_t *failed)
{
	const cJSON *v;
	const char *unit;
	char *mname;
	int n, k, dir, rc;

	asv_kind(benchmarks, name, &unit, &dir);
	if (cJSON_IsNull(result) || result == NULL) {
		(*failed)++;
		return 0;
	}
	if (cJSON_IsNumber(result) && cJSON_GetArraySize(params) == 0)
		return asv_value(e, name, result, cJSON_GetArrayItem(samples, 0),
		    unit, dir, path);
	if (!cJSON_IsArray(result)) {
		err_set("%s: the result is not a number, null or a list", path);
		return -1;
	}
	n = combos(params);
	if (n < 0 || n != cJSON_GetArraySize(result)) {
		err_set("%s: %d results for %d parameter combinations", path,
		    cJSON_GetArraySize(result), n);
		return -1;
	}
	k = 0;
	cJSON_ArrayForEach(v, result) {
		if (cJSON_IsNull(v)) {
			(*failed)++;
			k++;
			continue;
		}
		if (!cJSON_IsNumber(v)) {
			err_set("%s[%d]: not a number or null", path, k);
			return -1;
		}
		mname = asv_name(name, params, k);
		rc = asv_value(e, mname, v, cJSON_GetArrayItem(samples, k),
		    unit, dir, path);
		free(mname);
		if (rc < 0)
			return -1;
		k++;
	}
	return 0;
}

/* One result file of a machine. Long: one file's fields checked in the
 * format's order, then its results. */
static int
asv_file(struct entries *es, const cJSON *benchmarks, const char *path,
    const char *machine, const char *worker)
{
	const cJSON *hash, *date, *results, *cols, *b, *res, *params, *samples;
	const cJSON *st, *env;
	struct entry *e;
	cJSON *doc = NULL;
	char where[600], *data;
	size_t len, failed = 0;
	double t, first = INFINITY;
	int rc = -1;

	if ((data = fsx_read(path, HIST_MAX_FILE, &len)) == NULL)
		goto out;
	if ((doc = fmt_json_parse(data, len)) == NULL) {
		err_wrap("%s", path);
		goto out;
	}
	hash = cJSON_GetObjectItemCaseSensitive(doc, "commit_hash");
	date = cJSON_GetObjectItemCaseSensitive(doc, "date");
	results = cJSON_GetObjectItemCaseSensitive(doc, "results");
	cols = cJSON_GetObjectItemCaseSensitive(doc, "result_columns");
	env = cJSON_GetObjectItemCaseSensitive(doc, "env_name");
	if (!cJSON_IsString(hash) || !proto_valid_hash(hash->valuestring)) {
		err_set("%s: commit_hash: missing or not a 40-hex commit", path);
		goto out;
	}
	if (!cJSON_IsObject(results)) {
		err_set("%s: results: missing or not an object", path);
		goto out;
	}
	e = entry_new(es);
	snprintf(e->hash, sizeof(e->hash), "%s", hash->valuestring);
	e->worker = xstrdup(worker ? worker : machine);
	e->note = xasprintf("imported by tj-gen import --from asv: machine "
	    "'%s', environment '%s'", machine, cJSON_IsString(env) ?
	    env->valuestring : "?");
	cJSON_ArrayForEach(b, results) {
		snprintf(where, sizeof(where), "%s: results.%s", path,
		    b->string);
		if (cJSON_IsArray(cols)) {
			/* Version 2: a row of result_columns. */
			if (!cJSON_IsArray(b)) {
				err_set("%s: not a list of columns", where);
				goto out;
			}
			res = column(cols, b, "result");
			params = column(cols, b, "params");
			samples = column(cols, b, "samples");
			st = column(cols, b, "started_at");
			if (cJSON_IsNumber(st) && st->valuedouble / 1000 < first)
				first = st->valuedouble / 1000;
		} else if (cJSON_IsObject(b)) {
			/* Version 1: {"result", "params", "samples"}. */
			res = cJSON_GetObjectItemCaseSensitive(b, "result");
			params = cJSON_GetObjectItemCaseSensitive(b, "params");
			samples = cJSON_GetObjectItemCaseSensitive(b, "samples");
		} else {
			res = b;
			params = samples = NULL;
		}
		if (params != NULL && !cJSON_IsArray(params) &&
		    !cJSON_IsNull(params)) {
			err_set("%s: params is not a list", where);
			goto out;
		}
		if (asv_bench(e, benchmarks, b->string, res, params, samples,
		    where, &failed) < 0)
			goto out;
	}
	if (failed > 0)
		result_warn(&e->r, "asv: %zu benchmark results are null "
		    "(failed or skipped)", failed);
	t = isfinite(first) ? first : cJSON_IsNumber(date) ?
	    date->valuedouble / 1000 : 0;
	e->start = e->end = t;
	if (store_import_id("asv", e->hash, e->worker, data, len,
	    e->id) < 0)
		goto out;
	rc = 0;
out:
	cJSON_Delete(doc);
	free(data);
	return rc;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in dir (sorted), files or directories. */
static char **
list_dir(const char *dir, size_t *n)
{
	struct dirent *de;
	char **v = NULL;
	DIR *d;

	*n = 0;
	if ((d = opendir(dir)) == NULL) {
		err_set("%s: %s", dir, strerror(errno));
		return NULL;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		v = xrealloc(v, (*n + 1) * sizeof(*v));
		v[(*n)++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (*n > 1)
		qsort(v, *n, sizeof(*v), cmp_str);
	if (v == NULL)
		v = xcalloc(1, sizeof(*v));
	return v;
}

static void
free_list(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int
hist_asv(struct db *db, const char *dir, const char *worker,
    struct hist_stats *hs)
{
	struct entries es = {NULL, 0};
	cJSON *benchmarks = NULL;
	char **machines = NULL, **files, *p, *mp, *data;
	size_t nm = 0, nf, i, j, len;
	int rc = -1;

	p = xasprintf("%s/benchmarks.json", dir);
	if ((data = fsx_read(p, HIST_MAX_FILE, &len)) != NULL) {
		benchmarks = fmt_json_parse(data, len);
		free(data);
		if (benchmarks == NULL) {
			err_wrap("%s", p);
			free(p);
			goto out;
		}
	} else {
		hist_warn(hs, "%s: not there: units and directions unknown",
		    p);
	}
	free(p);
	if ((machines = list_dir(dir, &nm)) == NULL)
		goto out;
	for (i = 0; i < nm; i++) {
		mp = xasprintf("%s/%s/machine.json", dir, machines[i]);
		if (access(mp, R_OK) != 0) {
			free(mp);
			continue;
		}
		free(mp);
		mp = xasprintf("%s/%s", dir, machines[i]);
		files = list_dir(mp, &nf);
		if (files == NULL) {
			free(mp);
			goto out;
		}
		for (j = 0; j < nf; j++) {
			len = strlen(files[j]);
			if (len < 6 || strcmp(files[j] + len - 5, ".json") ||
			    strcmp(files[j], "machine.json") == 0)
				continue;
			p = xasprintf("%s/%s", mp, files[j]);
			rc = asv_file(&es, benchmarks, p, machines[i], worker);
			free(p);
			if (rc < 0) {
				free_list(files, nf);
				free(mp);
				goto out;
			}
		}
		free_list(files, nf);
		free(mp);
	}
	rc = -1;
	if (es.n == 0) {
		err_set("no result files (results/MACHINE/*.json next to a "
		    "machine.json)");
		goto out;
	}
	for (i = 0; i < es.n; i++)
		for (j = 0; j < es.e[i].r.n_warn; j++)
			hist_warn(hs, "%.12s: %s", es.e[i].hash,
			    es.e[i].r.warn[j]);
	rc = store_all(db, &es, "asv", hs);
out:
	free_list(machines, nm);
	cJSON_Delete(benchmarks);
	entries_fini(&es);
	return rc;
}
