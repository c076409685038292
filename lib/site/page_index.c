/* page_index: the model of index.html (recent changes, tracked refs, latest
 * runs, queue). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "changes.h"
#include "config.h"
#include "err.h"
#include "query.h"
#include "render_int.h"

#define LATEST_RUNS 10
#define INDEX_CHANGES 3
#define RECENT_CHANGES 10

static int
refs(struct rctx *r, cJSON *m)
{
	cJSON *tracked = cJSON_AddArrayToObject(m, "tracked_refs");
	cJSON *o, *c, *run;
	struct q_ref *v;
	size_t n, i, n_untracked = 0;
	char *url;
	int rc = -1;

	if (q_refs(r->db, &v, &n) < 0)
		return -1;
	/* Tracked first: q_refs sorts them so. */
	for (i = 0; i < n; i++) {
		/* The others are counted here; refs/ lists them. */
		if (!v[i].tracked) {
			n_untracked++;
			continue;
		}
		o = cJSON_CreateObject();
		cJSON_AddItemToArray(tracked, o);
		cJSON_AddStringToObject(o, "name", v[i].name);
		url = render_url_ref(v[i].name);
		cJSON_AddStringToObject(o, "url", url);
		free(url);
		c = render_commit_brief(r, v[i].commit_id);
		if (c == NULL)
			goto out;
		cJSON_AddItemToObject(o, "commit", c);
		if (v[i].latest_run[0] == '\0') {
			cJSON_AddNullToObject(o, "run");
			continue;
		}
		run = cJSON_AddObjectToObject(o, "run");
		render_add_run(run, v[i].latest_run);
	}
	cJSON_AddNumberToObject(m, "n_untracked", (double)n_untracked);
	rc = 0;
out:
	q_refs_free(v, n);
	return rc;
}

static int
by_abs_pct(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a;
	const cJSON *y = *(const cJSON *const *)b;
	double dx = fabs(cJSON_GetObjectItemCaseSensitive(x,
	    "delta_pct")->valuedouble);
	double dy = fabs(cJSON_GetObjectItemCaseSensitive(y,
	    "delta_pct")->valuedouble);

	return dx < dy ? 1 : dx > dy ? -1 : 0;
}

/* The largest changes of run id against its base run, most first. */
static cJSON *
largest(struct rctx *r, const char *id, const char *base)
{
	cJSON *rows = render_measurements(r, id, base, 0), *row, *out, *pct;
	cJSON *pick[256];
	size_t n = 0, i;

	if (rows == NULL)
		return NULL;
	cJSON_ArrayForEach(row, rows) {
		pct = cJSON_GetObjectItemCaseSensitive(row, "delta_pct");
		if (cJSON_IsNumber(pct) && pct->valuedouble != 0 &&
		    n < sizeof(pick) / sizeof(pick[0]))
			pick[n++] = row;
	}
	qsort(pick, n, sizeof(cJSON *), by_abs_pct);
	out = cJSON_CreateArray();
	for (i = 0; i < n && i < INDEX_CHANGES; i++)
		cJSON_AddItemToArray(out, cJSON_Duplicate(pick[i], 1));
	cJSON_Delete(rows);
	return out;
}

static int
latest_runs(struct rctx *r, cJSON *m)
{
	cJSON *arr = cJSON_AddArrayToObject(m, "latest_runs"), *o, *c, *ch;
	char base[Q_ID_SIZE], when[40];
	struct q_run *runs;
	size_t n, i;
	int rc = -1, k;

	if (q_finished_runs(r->db, LATEST_RUNS, &runs, &n) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		o = cJSON_CreateObject();
		cJSON_AddItemToArray(arr, o);
		render_add_run(o, runs[i].id);
		render_add_str(o, "worker",
		    (const unsigned char *)runs[i].worker);
		render_time(when, runs[i].end_time, 0);
		cJSON_AddStringToObject(o, "end", when);
		c = render_commit_brief(r, runs[i].commit_id);
		if (c == NULL)
			goto out;
		cJSON_AddItemToObject(o, "commit", c);
		k = q_base_run(r->db, runs[i].commit_id, base);
		if (k < 0)
			goto out;
		ch = k ? largest(r, runs[i].id, base) : cJSON_CreateArray();
		if (ch == NULL)
			goto out;
		cJSON_AddItemToObject(o, "changes", ch);
	}
	rc = 0;
out:
	q_runs_free(runs, n);
	return rc;
}

/* The newest changes (not those bisection did not confirm), first. */
static int
recent_changes(struct rctx *r, cJSON *m)
{
	cJSON *arr = cJSON_AddArrayToObject(m, "recent_changes"), *o;
	long n = changes_json(r->db, arr, 0, RECENT_CHANGES);
	long total = n < 0 ? -1 : changes_count(r->db);

	if (n < 0 || total < 0)
		return -1;
	cJSON_ArrayForEach(o, arr)
		page_change_decorate(o);
	cJSON_AddBoolToObject(m, "has_changes", n > 0);
	cJSON_AddNumberToObject(m, "n_changes", (double)total);
	return 0;
}

int
page_index(struct rctx *r)
{
	cJSON *m = cJSON_CreateObject(), *q;
	struct q_counts n;
	int rc = -1;

	if (recent_changes(r, m) < 0 || refs(r, m) < 0 ||
	    latest_runs(r, m) < 0)
		goto out;
	q = page_queue_summary(r);
	if (q == NULL)
		goto out;
	cJSON_AddItemToObject(m, "queue", q);
	if (q_counts(r->db, &n) < 0)
		goto out;
	cJSON_AddNumberToObject(m, "n_commits", (double)n.commits);
	cJSON_AddNumberToObject(m, "n_runs", (double)n.runs);
	cJSON_AddNumberToObject(m, "n_metrics", (double)n.metrics);
	rc = render_page(r, "", "index", m, "index.json",
	    r->cfg->site_title ? r->cfg->site_title : "tablejohn");
out:
	cJSON_Delete(m);
	return rc;
}
