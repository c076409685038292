/* model: the parts of page models that several pages share (a commit in
 * brief, a run's measurements with their verdicts, output lines). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "esc.h"
#include "proto.h"
#include "query.h"
#include "render_int.h"
#include "verdict.h"
#include "stats.h"

void
render_add_output(cJSON *arr, int source, const char *text)
{
	cJSON *o = cJSON_CreateObject();

	if (source != PROTO_STDOUT && source != PROTO_STDERR)
		source = PROTO_INTERNAL;
	cJSON_AddNumberToObject(o, "source", source);
	cJSON_AddStringToObject(o, "source_name", proto_source_name(source));
	cJSON_AddStringToObject(o, "text", text ? text : "");
	cJSON_AddItemToArray(arr, o);
}

void
render_add_str(cJSON *o, const char *key, const unsigned char *text)
{
	if (text == NULL)
		cJSON_AddNullToObject(o, key);
	else
		cJSON_AddStringToObject(o, key, (const char *)text);
}

/* {hash, short, summary, date, url} of commit id. */
static cJSON *
brief(struct rctx *r, int64_t id, const char *hash, const char *summary,
    double time, int tz)
{
	cJSON *o;
	char *s, when[40];

	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "hash", hash);
	s = xstrndup(hash, 10);
	cJSON_AddStringToObject(o, "short", s);
	free(s);
	cJSON_AddStringToObject(o, "summary", summary);
	render_time(when, time, tz);
	cJSON_AddStringToObject(o, "date", when);
	s = render_commit_url(r, id, hash);
	if (s == NULL) {
		cJSON_Delete(o);
		return NULL;
	}
	cJSON_AddStringToObject(o, "url", s);
	free(s);
	return o;
}

cJSON *
render_commit_brief(struct rctx *r, int64_t id)
{
	const struct q_fam_commit *f = q_family_get(r->fam, id);
	struct q_commit c;
	cJSON *o;
	int rc;

	if (f != NULL)
		return brief(r, id, f->hash, f->summary, f->time, f->tz);
	if ((rc = q_commit(r->db, id, &c)) <= 0) {
		if (rc == 0)
			err_set("no commit with id %lld", (long long)id);
		return NULL;
	}
	o = render_commit_brief_of(r, &c);
	q_commit_free(&c);
	return o;
}

cJSON *
render_commit_brief_of(struct rctx *r, const struct q_commit *c)
{
	char *s = render_summary(c->message);
	cJSON *o = brief(r, c->id, c->hash, s, c->time, c->tz);

	free(s);
	return o;
}

int
render_informative(struct rctx *r, int64_t id)
{
	if (r->inf_map != NULL && id >= 0 && id < r->inf_n)
		return r->inf_map[id];
	return q_commit_informative(r->db, id);
}

char *
render_commit_url(struct rctx *r, int64_t id, const char *hash)
{
	char *shard, *url;
	int inf = render_informative(r, id);

	if (inf < 0)
		return NULL;
	if (inf)
		return render_url_commit(hash);
	shard = render_url_shard(hash);
	url = xasprintf("%s#%s", shard, hash);
	free(shard);
	return url;
}

void
render_add_run(cJSON *o, const char *id)
{
	char *url = render_url_run(id);

	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "url", url);
	free(url);
}

int
render_base_run(struct rctx *r, cJSON *o, int64_t from, const char *base)
{
	struct q_run br;
	cJSON *b, *c;
	long back = 0;
	int rc, k = 0;
	char text[64];

	if (base == NULL) {
		cJSON_AddNullToObject(o, "base_run");
		return 0;
	}
	b = cJSON_AddObjectToObject(o, "base_run");
	render_add_run(b, base);
	if ((rc = q_run(r->db, base, &br)) < 0)
		return -1;
	if (rc && (k = q_first_parent_distance(r->db, from, br.commit_id,
	    &back)) < 0) {
		q_run_free(&br);
		return -1;
	}
	c = render_commit_brief(r, rc ? br.commit_id : 0);
	q_run_free(&br);
	if (c == NULL)
		return -1;
	cJSON_AddItemToObject(b, "commit", c);
	if (k > 0) {
		cJSON_AddNumberToObject(b, "commits_back", (double)back);
		snprintf(text, sizeof(text), "%ld %s back", back, back == 1 ?
		    "commit" : "commits");
	} else {
		cJSON_AddNullToObject(b, "commits_back");
		snprintf(text, sizeof(text), "on a merged branch");
	}
	cJSON_AddStringToObject(b, "back_text", text);
	return 0;
}

/* key: v (null when absent) and key_text: v for people. */
static void
add_num(cJSON *o, const char *key, double v)
{
	char text[40], tkey[64];

	if (isnan(v)) {
		cJSON_AddNullToObject(o, key);
		return;
	}
	/* Raw: printed by render_json_num, much faster than cJSON's
	 * print-and-scan-back for every float of a big run page. */
	render_json_num(text, v);
	cJSON_AddRawToObject(o, key, text);
	render_num(text, v);
	snprintf(tkey, sizeof(tkey), "%s_text", key);
	cJSON_AddStringToObject(o, tkey, text);
}

/* The base run's measurement of metric (base sorted by metric id). */
static const struct q_measurement *
find_base(const struct q_measurement *b, size_t n, int64_t metric)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (b[mid].metric_id == metric)
			return &b[mid];
		if (b[mid].metric_id < metric)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int
cmp_metric_id(const void *a, const void *b)
{
	const struct q_measurement *x = a, *y = b;

	return x->metric_id < y->metric_id ? -1 : x->metric_id > y->metric_id;
}

/* The row's noise keys for the metric's model nm (found: q_noise said
 * so; without a floor the pairwise rule decided). */
static void
add_noise(cJSON *row, int found, const struct stats_noise *nm)
{
	char text[160];

	if (!found || isnan(nm->floor)) {
		cJSON_AddNullToObject(row, "noise_floor_pct");
		cJSON_AddStringToObject(row, "noise_text", found ?
		    "too few runs for a noise model" : "no noise model yet");
		return;
	}
	cJSON_AddNumberToObject(row, "noise_floor_pct", 100 * nm->floor);
	if (nm->deterministic)
		snprintf(text, sizeof(text), "deterministic: any change beyond "
		    "rounding");
	else
		snprintf(text, sizeof(text), "noise floor %.2g %%",
		    100 * nm->floor);
	cJSON_AddStringToObject(row, "noise_text", text);
}

/* The delta keys and the verdict of m against its base b. */
static int
add_delta(struct rctx *r, cJSON *row, const struct q_measurement *m,
    const struct q_measurement *b)
{
	struct verdict_side cur = {m->median, m->stddev, m->n, NULL, 0};
	struct verdict_side base = {b->median, b->stddev, b->n, NULL, 0};
	struct stats_noise nm;
	struct verdict v;
	double *cv = NULL, *bv = NULL;
	char text[48], num[40];
	int found, model;

	if ((found = q_noise(r->db, m->metric_id, &nm)) < 0)
		return -1;
	model = found && !isnan(nm.floor);
	if (model) {
		cur.nvalues = q_vals(m->vals, &cv);
		cur.values = cv;
		base.nvalues = q_vals(b->vals, &bv);
		base.values = bv;
	}
	verdict(&cur, &base, m->direction, model ? &nm : NULL, &v);
	free(cv);
	free(bv);
	render_json_num(num, b->median);
	cJSON_AddRawToObject(row, "base", num);
	render_num(num, b->median);
	cJSON_AddStringToObject(row, "base_text", num);
	render_json_num(num, v.delta);
	cJSON_AddRawToObject(row, "delta", num);
	render_num(num, v.delta);
	snprintf(text, sizeof(text), "%s%s", v.delta > 0 ? "+" : "", num);
	cJSON_AddStringToObject(row, "delta_text", text);
	if (b->median != 0) {
		cJSON_AddNumberToObject(row, "delta_pct", v.pct);
		snprintf(text, sizeof(text), "%+.2f%%", v.pct);
		cJSON_AddStringToObject(row, "pct_text", text);
	} else {
		cJSON_AddNullToObject(row, "delta_pct");
		cJSON_AddStringToObject(row, "pct_text", v.delta == 0 ? "0%" :
		    "");
	}
	cJSON_AddStringToObject(row, "class", verdict_class_name(v.cls));
	add_noise(row, found, &nm);
	cJSON_AddBoolToObject(row, "significant", v.significant);
	return 0;
}

/* One measurement row without its delta. */
static cJSON *
measurement_row(const struct q_measurement *m, int with_values)
{
	static const char *const dirs[] = {"lower is better", "neither",
	    "higher is better"};
	cJSON *row = cJSON_CreateObject(), *vals;
	char key[17];

	cJSON_AddStringToObject(row, "metric", m->metric);
	esc_hash_hex(m->metric, key);
	cJSON_AddStringToObject(row, "key", key);
	render_add_str(row, "unit", (const unsigned char *)m->unit);
	cJSON_AddNumberToObject(row, "direction", m->direction);
	cJSON_AddStringToObject(row, "direction_text",
	    dirs[m->direction + 1]);
	cJSON_AddNumberToObject(row, "n", m->n);
	add_num(row, "median", m->median);
	add_num(row, "min", m->min);
	add_num(row, "max", m->max);
	add_num(row, "stddev", m->stddev);
	render_add_str(row, "error", (const unsigned char *)m->error);
	if (with_values) {
		/* Checked, then copied as it is: the stored JSON. */
		vals = m->vals ? cJSON_Parse(m->vals) : NULL;
		if (vals != NULL && cJSON_IsArray(vals))
			cJSON_AddRawToObject(row, "values", m->vals);
		else
			cJSON_AddItemToObject(row, "values",
			    cJSON_CreateArray());
		cJSON_Delete(vals);
	}
	return row;
}

cJSON *
render_measurements(struct rctx *r, const char *run_id, const char *base_id,
    int with_values)
{
	struct q_measurement *ms = NULL, *base = NULL;
	const struct q_measurement *b;
	size_t n = 0, nbase = 0, i;
	cJSON *rows = NULL, *row;

	if (base_id != NULL) {
		if (q_measurements(r->db, base_id, &base, &nbase) < 0)
			goto out;
		if (nbase > 1)
			qsort(base, nbase, sizeof(*base), cmp_metric_id);
	}
	if (q_measurements(r->db, run_id, &ms, &n) < 0)
		goto out;
	rows = cJSON_CreateArray();
	for (i = 0; i < n; i++) {
		row = measurement_row(&ms[i], with_values);
		cJSON_AddItemToArray(rows, row);
		if (base_id == NULL || isnan(ms[i].median))
			continue;
		b = find_base(base, nbase, ms[i].metric_id);
		if (b == NULL || isnan(b->median)) {
			cJSON_AddStringToObject(row, "class", "new");
			continue;
		}
		if (add_delta(r, row, &ms[i], b) < 0) {
			cJSON_Delete(rows);
			rows = NULL;
			goto out;
		}
	}
out:
	q_measurements_free(ms, n);
	q_measurements_free(base, nbase);
	return rows;
}
