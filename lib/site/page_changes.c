/* page_changes: changes/ (every change), change/<id>/ (one change: a small
 * graph around it, the two runs' values, the commits of its range) and
 * refs/ (every ref). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "changes.h"
#include "config.h"
#include "err.h"
#include "query.h"
#include "render_int.h"
#include "stats.h"

/* Points each side of a change in its page's graph. */
#define AROUND 30
/* Commits of a range listed on its page. */
#define RANGE_LISTED 500

/* Add "<key>_url", the commit page of hash, to o. */
static void
add_commit_url(cJSON *o, const char *key, const char *hash)
{
	char k[32], *url = render_url_commit(hash);

	snprintf(k, sizeof(k), "%s_url", key);
	cJSON_AddStringToObject(o, k, url);
	free(url);
}

/* Add "<key>_short", the first 7 hex digits of hash, to o. */
static void
add_commit_short(cJSON *o, const char *key, const char *hash)
{
	char k[32], t[8];

	snprintf(k, sizeof(k), "%s_short", key);
	snprintf(t, sizeof(t), "%.7s", hash);
	cJSON_AddStringToObject(o, k, t);
}

/* Text fields a row shows: Δ %, confidence, the range. */
void
page_change_decorate(cJSON *o)
{
	const cJSON *pct = cJSON_GetObjectItemCaseSensitive(o, "delta_pct");
	const cJSON *conf = cJSON_GetObjectItemCaseSensitive(o, "confidence");
	const cJSON *nb = cJSON_GetObjectItemCaseSensitive(o, "n_between");
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(o, "before_commit");
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "after_commit");
	const cJSON *bv = cJSON_GetObjectItemCaseSensitive(o, "before_value");
	const cJSON *av = cJSON_GetObjectItemCaseSensitive(o, "after_value");
	char t[96], x[40], y[40];
	int n = cJSON_IsNumber(nb) ? nb->valueint : 0;

	snprintf(t, sizeof(t), "%+.2f %%", cJSON_IsNumber(pct) ?
	    pct->valuedouble : 0);
	cJSON_AddStringToObject(o, "pct_text", t);
	snprintf(t, sizeof(t), "%.1f %%", cJSON_IsNumber(conf) ?
	    100 * conf->valuedouble : 0);
	if (cJSON_IsNumber(conf) && conf->valuedouble > 0.999 &&
	    conf->valuedouble < 1)
		snprintf(t, sizeof(t), "> 99.9 %%");
	cJSON_AddStringToObject(o, "confidence_text", t);
	if (cJSON_IsString(a) && cJSON_IsString(b)) {
		snprintf(t, sizeof(t), "%.7s..%.7s, %d commit%s between",
		    b->valuestring, a->valuestring, n, n == 1 ? "" : "s");
		cJSON_AddStringToObject(o, "range_text", t);
		add_commit_url(o, "after", a->valuestring);
		add_commit_url(o, "before", b->valuestring);
		add_commit_short(o, "after", a->valuestring);
		add_commit_short(o, "before", b->valuestring);
	}
	render_num(x, cJSON_IsNumber(bv) ? bv->valuedouble : NAN);
	render_num(y, cJSON_IsNumber(av) ? av->valuedouble : NAN);
	snprintf(t, sizeof(t), "%s → %s", x, y);
	cJSON_AddStringToObject(o, "values_text", t);
	cJSON_AddBoolToObject(o, "hidden_row",
	    cJSON_IsTrue(cJSON_GetObjectItem(o, "hidden")));
	cJSON_AddBoolToObject(o, "regression", strcmp(cJSON_GetObjectItem(o,
	    "kind")->valuestring, "regression") == 0);
}

/* "changes below 2.1 % are not detectable here", or NULL: the published
 * model only (q_noise), so the page changes when the verdicts do. */
static char *
floor_text(struct rctx *r, int64_t metric)
{
	struct stats_noise nm;

	if (q_noise(r->db, metric, &nm) <= 0)
		return NULL;
	if (isnan(nm.floor))
		return xasprintf("too few runs so far to know the noise");
	if (nm.deterministic)
		return xasprintf("deterministic: any change beyond rounding is "
		    "detectable");
	return xasprintf("changes below %.2g %% between two runs are not "
	    "detectable here", 100 * nm.floor);
}

int
page_changes(struct rctx *r)
{
	cJSON *m = cJSON_CreateObject(), *arr, *o, *metrics, *refs, *j;
	long n;
	int rc = -1;

	arr = cJSON_AddArrayToObject(m, "changes");
	n = changes_json(r->db, arr, 0, 0);
	if (n < 0)
		goto out;
	/* The filters' choices. */
	metrics = cJSON_AddArrayToObject(m, "metrics");
	refs = cJSON_AddArrayToObject(m, "refs");
	cJSON_ArrayForEach(o, arr) {
		const char *mt = cJSON_GetObjectItem(o, "metric")->valuestring;
		const char *rf = cJSON_GetObjectItem(o, "ref")->valuestring;
		int found_m = 0, found_r = 0;

		cJSON_ArrayForEach(j, metrics)
			found_m |= strcmp(j->valuestring, mt) == 0;
		cJSON_ArrayForEach(j, refs)
			found_r |= strcmp(j->valuestring, rf) == 0;
		if (!found_m)
			cJSON_AddItemToArray(metrics, cJSON_CreateString(mt));
		if (!found_r)
			cJSON_AddItemToArray(refs, cJSON_CreateString(rf));
	}
	{
		long hidden = 0;

		cJSON_ArrayForEach(o, arr)
			hidden += cJSON_IsTrue(cJSON_GetObjectItem(o, "hidden"));
		cJSON_AddNumberToObject(m, "n_changes", (double)(n - hidden));
		cJSON_AddNumberToObject(m, "n_hidden", (double)hidden);
	}
	if (render_json(r, "changes.json", m) < 0)
		goto out;
	cJSON_ArrayForEach(o, arr)
		page_change_decorate(o);
	rc = render_page(r, "changes", "changelist", m, "changes.json",
	    "changes");
out:
	cJSON_Delete(m);
	return rc;
}

/* The metric's points around the change, from the ref's tip down. */
struct gpt {
	double median, lo, hi;
	int64_t commit;
	int side;	/* -1 before, 1 after */
};

/* A commit's place on a ref's first-parent line (0: the tip). */
struct place {
	int64_t commit;
	size_t pos;
};

/*
 * A metric's series along a ref's first-parent line, read once per render
 * (a render writes every change page of the pair from it): every commit's
 * place, by commit id, and the points that have a value, tip first.
 */
struct series {
	char *ref;
	int64_t metric;
	struct place *places;
	size_t nplaces;
	struct gpt *pts;
	size_t *pts_pos;
	size_t npts;
	int done;		/* the walk reached the root */
	struct series *next;
};

static int
cmp_place(const void *a, const void *b)
{
	const struct place *x = a, *y = b;

	return x->commit < y->commit ? -1 : x->commit > y->commit;
}

static void
series_clear(struct series *s)
{
	free(s->places);
	free(s->pts);
	free(s->pts_pos);
	s->places = NULL;
	s->pts = NULL;
	s->pts_pos = NULL;
	s->nplaces = s->npts = 0;
	s->done = 0;
}

void
page_changes_cache_free(struct rctx *r)
{
	struct series *s, *next;

	for (s = r->series; s != NULL; s = next) {
		next = s->next;
		series_clear(s);
		free(s->ref);
		free(s);
	}
	r->series = NULL;
}

/* The place of commit on the series' line, or (size_t)-1. */
static size_t
place_of(const struct series *s, int64_t commit)
{
	struct place key = {commit, 0}, *p;

	p = bsearch(&key, s->places, s->nplaces, sizeof(*s->places),
	    cmp_place);
	return p ? p->pos : (size_t)-1;
}

/* The index of the first point at place pos or below it (npts: none). */
static size_t
first_at(const struct series *s, size_t pos)
{
	size_t lo = 0, hi = s->npts, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (s->pts_pos[mid] < pos)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Whether s holds before and the AROUND + 1 points at or below it that
 * around() may use (or all there is). */
static int
series_covers(const struct series *s, int64_t before)
{
	size_t pb;

	if (s->done)
		return 1;
	if ((pb = place_of(s, before)) == (size_t)-1)
		return 0;
	return s->npts - first_at(s, pb) > AROUND;
}

/*
 * The series of (ref, metric) down to before and AROUND + 1 points below
 * it, from this render's cache or read now. A walk that must go further
 * reads at least twice as far as the last, so a render that writes many
 * change pages reads each line a few times at most, and one that writes
 * a change near the tip reads only that far. Long: one walk with its
 * stopping rule.
 */
static struct series *
series_of(struct rctx *r, const char *ref, int64_t metric, int64_t before)
{
	/* The latest run with the metric, looked up by commit (CROSS JOIN:
	 * runs first; the metric's index would scan all its measurements
	 * for every commit of the walk). */
	sqlite3_stmt *st = db_stmt(r->db, "site.changes.around",
	    "WITH RECURSIVE fp(id) AS ("
	    "SELECT (SELECT commit_id FROM refs WHERE name = ?1) UNION ALL "
	    "SELECT e.parent FROM fp JOIN commit_edges e ON e.child = fp.id "
	    "AND e.idx = 0) SELECT fp.id, s.median, s.min, s.max "
	    "FROM fp LEFT JOIN measurements s ON s.metric_id = ?2 AND "
	    "s.run_id = (SELECT x.id FROM runs x CROSS JOIN measurements t "
	    "ON t.run_id = x.id AND t.metric_id = ?2 WHERE x.commit_id = "
	    "fp.id AND t.error IS NULL AND t.n > 0 ORDER BY "
	    "coalesce(x.end_time, x.start_time) DESC LIMIT 1)");
	struct series *s;
	size_t cap = 0, pcap = 0, want, below = 0;
	int step, found = 0;

	for (s = r->series; s != NULL; s = s->next)
		if (s->metric == metric && strcmp(s->ref, ref) == 0)
			break;
	if (s != NULL && series_covers(s, before))
		return s;
	if (st == NULL)
		return NULL;
	if (s == NULL) {
		s = xcalloc(1, sizeof(*s));
		s->ref = xstrdup(ref);
		s->metric = metric;
		s->next = r->series;
		r->series = s;
	}
	want = 2 * s->nplaces;
	series_clear(s);
	sqlite3_bind_text(st, 1, ref, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, metric);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (s->nplaces == cap) {
			cap = cap ? cap * 2 : 256;
			s->places = xrealloc(s->places, cap *
			    sizeof(*s->places));
		}
		s->places[s->nplaces].commit = sqlite3_column_int64(st, 0);
		s->places[s->nplaces].pos = s->nplaces;
		if (s->places[s->nplaces].commit == before)
			found = 1;
		s->nplaces++;
		if (sqlite3_column_type(st, 1) == SQLITE_NULL)
			continue;
		if (s->npts == pcap) {
			pcap = pcap ? pcap * 2 : 64;
			s->pts = xrealloc(s->pts, pcap * sizeof(*s->pts));
			s->pts_pos = xrealloc(s->pts_pos, pcap *
			    sizeof(*s->pts_pos));
		}
		s->pts[s->npts].commit = sqlite3_column_int64(st, 0);
		s->pts[s->npts].median = sqlite3_column_double(st, 1);
		s->pts[s->npts].lo = sqlite3_column_double(st, 2);
		s->pts[s->npts].hi = sqlite3_column_double(st, 3);
		s->pts[s->npts].side = 0;
		s->pts_pos[s->npts++] = s->nplaces - 1;
		if (found && ++below > AROUND && s->nplaces >= want)
			break;
	}
	s->done = step == SQLITE_DONE;
	sqlite3_reset(st);
	if (step != SQLITE_DONE && step != SQLITE_ROW) {
		render_dberr(r, "reading the series");
		series_clear(s);
		return NULL;
	}
	qsort(s->places, s->nplaces, sizeof(*s->places), cmp_place);
	return s;
}

/*
 * The points of the change's graph, oldest first: the AROUND nearest
 * above after, those from after down to before, and AROUND+1 below it
 * (at most 2 AROUND + 2 in all).
 */
static int
around(struct rctx *r, const char *ref, int64_t metric, int64_t before,
    int64_t after, struct gpt **out, size_t *n)
{
	struct series *s = series_of(r, ref, metric, before);
	size_t pa, pb, i, k, np = 0, below = 0, first;
	struct gpt *p, t;
	int side;

	*out = NULL;
	*n = 0;
	if (s == NULL)
		return -1;
	pa = place_of(s, after);
	pb = place_of(s, before);
	p = xmalloc((2 * AROUND + 2) * sizeof(*p));
	/* The first point at or below after (or before), and AROUND above
	 * it. */
	first = first_at(s, pa < pb ? pa : pb);
	i = first > AROUND ? first - AROUND : 0;
	for (; i < s->npts; i++) {
		k = s->pts_pos[i];
		side = pb != (size_t)-1 && k >= pb ? -1 :
		    pa != (size_t)-1 && k >= pa ? 1 : 0;
		if (side == -1 && ++below > AROUND)
			break;
		if (np < 2 * AROUND + 2) {
			p[np] = s->pts[i];
			/* Above the change counts as after it. */
			p[np++].side = side == 0 ? 1 : side;
		}
	}
	/* Oldest first. */
	for (i = 0; i < np / 2; i++) {
		t = p[i];
		p[i] = p[np - 1 - i];
		p[np - 1 - i] = t;
	}
	*out = p;
	*n = np;
	return 0;
}

/* A static SVG of the points (and each one's min-max), the two levels and
 * where the change lies. Only numbers go in. */
static char *
graph_svg(const struct gpt *p, size_t n, double before, double after)
{
	struct buf b;
	double lo = fmin(before, after), hi = fmax(before, after), x, y0, y1;
	const double W = 640, H = 180, pad = 8;
	size_t i, cut = n;

	for (i = 0; i < n; i++) {
		lo = fmin(lo, p[i].lo);
		hi = fmax(hi, p[i].hi);
		if (p[i].side > 0 && cut == n)
			cut = i;
	}
	if (!(hi > lo)) {
		hi = lo + fabs(lo) * 0.01 + 1e-9;
		lo -= fabs(lo) * 0.01 + 1e-9;
	}
#define X(i_) (pad + (W - 2 * pad) * ((double)(i_) + 0.5) / (double)(n ? n : 1))
#define Y(v_) (H - pad - (H - 2 * pad) * ((v_) - lo) / (hi - lo))
	buf_init(&b, 0);
	buf_must(buf_addf(&b, "<svg class=\"changegraph\" viewBox=\"0 0 %.0f %.0f\" "
	    "width=\"%.0f\" height=\"%.0f\" role=\"img\" aria-label=\"the "
	    "metric around the change\">", W, H, W, H));
	if (cut < n && cut > 0) {
		x = (X(cut - 1) + X(cut)) / 2;
		buf_must(buf_addf(&b, "<line class=\"cut\" x1=\"%.1f\" y1=\"0\" "
		    "x2=\"%.1f\" y2=\"%.0f\"/>", x, x, H));
		buf_must(buf_addf(&b, "<line class=\"level before\" x1=\"%.1f\" "
		    "y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", pad, Y(before), x,
		    Y(before)));
		buf_must(buf_addf(&b, "<line class=\"level after\" x1=\"%.1f\" "
		    "y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", x, Y(after),
		    W - pad, Y(after)));
	}
	for (i = 0; i < n; i++) {
		x = X(i);
		y0 = Y(p[i].lo);
		y1 = Y(p[i].hi);
		if (y0 - y1 > 1)
			buf_must(buf_addf(&b, "<line class=\"spread\" x1=\"%.1f\" "
			    "y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", x, y0, x,
			    y1));
		buf_must(buf_addf(&b, "<circle class=\"pt %s\" cx=\"%.1f\" cy=\"%.1f\" "
		    "r=\"3\"/>", p[i].side > 0 ? "after" : "before", x,
		    Y(p[i].median)));
	}
	buf_must(buf_addf(&b, "<text x=\"%.0f\" y=\"12\">%.6g</text><text x=\"%.0f\" "
	    "y=\"%.0f\">%.6g</text></svg>", pad, hi, pad, H - 2, lo));
#undef X
#undef Y
	return buf_take(&b);
}

/* A run's values of the metric: {run, url, n, min, median, max, values};
 * NULL on a failed read. */
static cJSON *
run_values(struct rctx *r, const char *run, int64_t metric)
{
	sqlite3_stmt *st = db_stmt(r->db, "site.changes.2",
	    "SELECT vals FROM measurements WHERE "
	    "run_id = ? AND metric_id = ?");
	cJSON *o, *vals = NULL, *e;
	double *v = NULL, lo, hi;
	size_t n = 0;
	char t[40], *url;
	int step;

	if (st == NULL)
		return NULL;
	sqlite3_bind_text(st, 1, run, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, metric);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		vals = cJSON_Parse((const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	if (step != SQLITE_ROW && step != SQLITE_DONE) {
		render_dberr(r, "reading a run's values");
		return NULL;
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "run", run);
	url = render_url_run(run);
	cJSON_AddStringToObject(o, "url", url);
	free(url);
	if (cJSON_IsArray(vals)) {
		v = xmalloc(((size_t)cJSON_GetArraySize(vals) + 1) *
		    sizeof(*v));
		cJSON_ArrayForEach(e, vals)
			if (cJSON_IsNumber(e))
				v[n++] = e->valuedouble;
	}
	cJSON_AddNumberToObject(o, "n", (double)n);
	lo = hi = n ? v[0] : NAN;
	for (size_t i = 0; i < n; i++) {
		lo = fmin(lo, v[i]);
		hi = fmax(hi, v[i]);
	}
	render_num(t, lo);
	cJSON_AddStringToObject(o, "min_text", t);
	render_num(t, stats_median(v, n));
	cJSON_AddStringToObject(o, "median_text", t);
	render_num(t, hi);
	cJSON_AddStringToObject(o, "max_text", t);
	render_num(t, STATS_MAD_SD * stats_mad(v, n));
	cJSON_AddStringToObject(o, "spread_text", t);
	if (vals != NULL)
		cJSON_AddItemToObject(o, "values", vals);
	else
		cJSON_AddArrayToObject(o, "values");
	free(v);
	return o;
}

/* The two runs' values as dot strips on one scale. */
static char *
dist_svg(const cJSON *b, const cJSON *a)
{
	const cJSON *sides[2] = {cJSON_GetObjectItem(b, "values"),
	    cJSON_GetObjectItem(a, "values")}, *e;
	double lo = INFINITY, hi = -INFINITY, x;
	const double W = 640, H = 70, pad = 8;
	struct buf s;
	int k;

	for (k = 0; k < 2; k++)
		cJSON_ArrayForEach(e, sides[k])
			if (cJSON_IsNumber(e)) {
				lo = fmin(lo, e->valuedouble);
				hi = fmax(hi, e->valuedouble);
			}
	if (!isfinite(lo))
		return xstrdup("");
	if (!(hi > lo)) {
		hi = lo + fabs(lo) * 0.001 + 1e-9;
		lo -= fabs(lo) * 0.001 + 1e-9;
	}
	buf_init(&s, 0);
	buf_must(buf_addf(&s, "<svg class=\"distgraph\" viewBox=\"0 0 %.0f %.0f\" "
	    "width=\"%.0f\" height=\"%.0f\" role=\"img\" aria-label=\"the "
	    "values of the runs before and after\">", W, H, W, H));
	for (k = 0; k < 2; k++)
		cJSON_ArrayForEach(e, sides[k]) {
			if (!cJSON_IsNumber(e))
				continue;
			x = pad + (W - 2 * pad) * (e->valuedouble - lo) /
			    (hi - lo);
			buf_must(buf_addf(&s, "<circle class=\"pt %s\" cx=\"%.1f\" "
			    "cy=\"%.0f\" r=\"4\"/>", k ? "after" : "before", x,
			    k ? 50.0 : 20.0));
		}
	buf_must(buf_addf(&s, "<text x=\"%.0f\" y=\"68\">%.6g</text><text x=\"%.0f\" "
	    "y=\"68\" text-anchor=\"end\">%.6g</text></svg>", pad, lo,
	    W - pad, hi));
	return buf_take(&s);
}

/* Links for the confirmation and bisection runs of change page m. */
static void
steps_decorate(cJSON *m)
{
	cJSON *b = cJSON_GetObjectItemCaseSensitive(m, "bisect"), *s;
	cJSON *steps = cJSON_GetObjectItemCaseSensitive(b, "steps");
	const cJSON *run, *commit, *k;
	char t[48], *url;

	cJSON_ArrayForEach(s, steps) {
		run = cJSON_GetObjectItemCaseSensitive(s, "run");
		commit = cJSON_GetObjectItemCaseSensitive(s, "commit");
		k = cJSON_GetObjectItemCaseSensitive(s, "step");
		if (!cJSON_IsString(run) || !cJSON_IsString(commit))
			continue;
		url = render_url_run(run->valuestring);
		cJSON_AddStringToObject(s, "run_url", url);
		free(url);
		add_commit_url(s, "commit", commit->valuestring);
		add_commit_short(s, "commit", commit->valuestring);
		if (cJSON_IsNumber(k))
			snprintf(t, sizeof(t), "step %d", k->valueint);
		else
			t[0] = '\0';
		cJSON_AddStringToObject(s, "step_text", t);
	}
	cJSON_AddBoolToObject(m, "has_steps", cJSON_GetArraySize(steps) > 0);
	commit = cJSON_GetObjectItemCaseSensitive(b, "culprit");
	if (cJSON_IsString(commit))
		add_commit_url(b, "culprit", commit->valuestring);
	commit = cJSON_GetObjectItemCaseSensitive(b, "via");
	if (cJSON_IsString(commit))
		add_commit_url(b, "via", commit->valuestring);
}

/* Long: the change page's model, a part a few lines each, in page order. */
int
page_change(struct rctx *r, const char *id)
{
	cJSON *m = NULL, *arr, *o, *range, *br, *ar;
	int64_t cid = strtoll(id, NULL, 10), *ids = NULL, metric = 0;
	int64_t before = 0, after = 0;
	sqlite3_stmt *st;
	int step;
	struct gpt *pts = NULL;
	size_t nid = 0, npts = 0, i;
	char dir[48], title[96], *s;
	int rc = -1;

	snprintf(dir, sizeof(dir), "change/%lld", (long long)cid);
	arr = cJSON_CreateArray();
	if (changes_json(r->db, arr, cid, 0) < 0)
		goto out;
	o = cJSON_DetachItemFromArray(arr, 0);
	if (o == NULL) {
		rc = render_remove_page(r, dir, "change.json");
		goto out;
	}
	m = o;
	page_change_decorate(m);
	steps_decorate(m);
	st = db_stmt(r->db, "site.changes.3",
	    "SELECT metric_id, before_commit, after_commit FROM "
	    "changes WHERE id = ?");
	if (st == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, cid);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		metric = sqlite3_column_int64(st, 0);
		before = sqlite3_column_int64(st, 1);
		after = sqlite3_column_int64(st, 2);
	}
	sqlite3_reset(st);
	if (step != SQLITE_ROW && step != SQLITE_DONE) {
		render_dberr(r, "reading a change");
		goto out;
	}
	/* The range, newest first, with links. */
	if (changes_range(r->db, cid, &ids, &nid) < 0)
		goto out;
	range = cJSON_AddArrayToObject(m, "range");
	for (i = 0; i < nid && i < RANGE_LISTED; i++) {
		cJSON *c = render_commit_brief(r, ids[i]);

		if (c == NULL)
			goto out;
		cJSON_AddItemToArray(range, c);
	}
	cJSON_AddNumberToObject(m, "range_more", nid > RANGE_LISTED ?
	    (double)(nid - RANGE_LISTED) : 0);
	cJSON_AddItemToObject(m, "before", render_commit_brief(r, before));
	cJSON_AddItemToObject(m, "after", render_commit_brief(r, after));
	br = run_values(r, cJSON_GetObjectItem(m, "before_run")->valuestring,
	    metric);
	ar = run_values(r, cJSON_GetObjectItem(m, "after_run")->valuestring,
	    metric);
	if (br == NULL || ar == NULL) {
		cJSON_Delete(br);
		cJSON_Delete(ar);
		goto out;
	}
	s = dist_svg(br, ar);
	cJSON_AddStringToObject(m, "dist_html", s);
	free(s);
	cJSON_AddItemToObject(m, "before_values", br);
	cJSON_AddItemToObject(m, "after_values", ar);
	if (around(r, cJSON_GetObjectItem(m, "ref")->valuestring, metric,
	    before, after, &pts, &npts) < 0)
		goto out;
	s = graph_svg(pts, npts, cJSON_GetObjectItem(m,
	    "before_value")->valuedouble, cJSON_GetObjectItem(m,
	    "after_value")->valuedouble);
	cJSON_AddStringToObject(m, "graph_html", s);
	free(s);
	cJSON_AddNumberToObject(m, "graph_points", (double)npts);
	s = floor_text(r, metric);
	if (s != NULL)
		cJSON_AddStringToObject(m, "noise_text", s);
	free(s);
	snprintf(title, sizeof(title), "change #%lld", (long long)cid);
	rc = render_page(r, dir, "change", m, "change.json", title);
out:
	cJSON_Delete(m);
	cJSON_Delete(arr);
	free(ids);
	free(pts);
	return rc;
}

int
page_refs(struct rctx *r)
{
	cJSON *m = cJSON_CreateObject(), *arr, *o, *c;
	struct q_ref *v = NULL;
	size_t n = 0, i;
	char *url;
	int rc = -1;

	arr = cJSON_AddArrayToObject(m, "refs");
	if (q_refs(r->db, &v, &n) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		o = cJSON_CreateObject();
		cJSON_AddItemToArray(arr, o);
		cJSON_AddStringToObject(o, "name", v[i].name);
		cJSON_AddBoolToObject(o, "tracked", v[i].tracked);
		url = render_url_ref(v[i].name);
		cJSON_AddStringToObject(o, "url", url);
		free(url);
		c = render_commit_brief(r, v[i].commit_id);
		if (c == NULL)
			goto out;
		cJSON_AddItemToObject(o, "commit", c);
	}
	rc = render_page(r, "refs", "refs", m, "refs.json", "refs");
out:
	q_refs_free(v, n);
	cJSON_Delete(m);
	return rc;
}
