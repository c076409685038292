/* page_index: the model of index.html (refs, latest runs, changes, queue). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "err.h"
#include "render_int.h"

#define LATEST_RUNS 10
#define CHANGES_SHOWN 3

static int
refs(struct rctx *r, cJSON *m)
{
	sqlite3_stmt *st = db_stmt(r->db, "site.index.refs", "SELECT r.name, r.tracked, c.id FROM "
	    "refs r JOIN commits c ON c.id = r.commit_id ORDER BY r.tracked "
	    "DESC, r.name");
	cJSON *tracked = cJSON_AddArrayToObject(m, "tracked_refs");
	cJSON *untracked = cJSON_AddArrayToObject(m, "untracked_refs");
	cJSON *o, *c, *run;
	char id[65], *url;
	int rc;

	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		o = cJSON_CreateObject();
		render_add_str(o, "name", sqlite3_column_text(st, 0));
		url = render_url_ref((const char *)sqlite3_column_text(st, 0));
		cJSON_AddStringToObject(o, "url", url);
		free(url);
		cJSON_AddNumberToObject(o, "commit_id",
		    (double)sqlite3_column_int64(st, 2));
		if (sqlite3_column_int(st, 1))
			cJSON_AddItemToArray(tracked, o);
		else
			cJSON_AddItemToArray(untracked, o);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return render_dberr(r, "reading refs");
	for (int k = 0; k < 2; k++) {
		cJSON_ArrayForEach(o, (k ? untracked : tracked)) {
			cJSON *cid = cJSON_DetachItemFromObject(o,
			    "commit_id");
			int64_t commit = (int64_t)cid->valuedouble;

			cJSON_Delete(cid);
			c = render_commit_brief(r, commit);
			if (c == NULL)
				return -1;
			cJSON_AddItemToObject(o, "commit", c);
			rc = render_latest_run(r, commit, id);
			if (rc < 0)
				return -1;
			if (rc == 0) {
				cJSON_AddNullToObject(o, "run");
				continue;
			}
			run = cJSON_AddObjectToObject(o, "run");
			cJSON_AddStringToObject(run, "id", id);
			url = render_url_run(id);
			cJSON_AddStringToObject(run, "url", url);
			free(url);
		}
	}
	return 0;
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
	for (i = 0; i < n && i < CHANGES_SHOWN; i++)
		cJSON_AddItemToArray(out, cJSON_Duplicate(pick[i], 1));
	cJSON_Delete(rows);
	return out;
}

static int
latest_runs(struct rctx *r, cJSON *m)
{
	sqlite3_stmt *st = db_stmt(r->db, "site.index.latest_runs", "SELECT id, commit_id, worker, "
	    "end_time FROM runs WHERE end_time IS NOT NULL ORDER BY end_time "
	    "DESC, id DESC LIMIT 10");
	cJSON *arr = cJSON_AddArrayToObject(m, "latest_runs"), *o, *c, *ch;
	char ids[LATEST_RUNS][65], base[65], when[40], *url;
	int64_t commits[LATEST_RUNS];
	int n = 0, i, rc = SQLITE_DONE;

	if (st == NULL)
		return -1;
	while (n < LATEST_RUNS && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		o = cJSON_CreateObject();
		snprintf(ids[n], sizeof(ids[n]), "%s",
		    sqlite3_column_text(st, 0));
		commits[n] = sqlite3_column_int64(st, 1);
		cJSON_AddStringToObject(o, "id", ids[n]);
		url = render_url_run(ids[n]);
		cJSON_AddStringToObject(o, "url", url);
		free(url);
		render_add_str(o, "worker", sqlite3_column_text(st, 2));
		render_time(when, sqlite3_column_double(st, 3), 0);
		cJSON_AddStringToObject(o, "end", when);
		cJSON_AddItemToArray(arr, o);
		n++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return render_dberr(r, "reading the latest runs");
	for (i = 0; i < n; i++) {
		o = cJSON_GetArrayItem(arr, i);
		c = render_commit_brief(r, commits[i]);
		if (c == NULL)
			return -1;
		cJSON_AddItemToObject(o, "commit", c);
		rc = render_base_run(r, commits[i], base);
		if (rc < 0)
			return -1;
		ch = rc ? largest(r, ids[i], base) : cJSON_CreateArray();
		if (ch == NULL)
			return -1;
		cJSON_AddItemToObject(o, "changes", ch);
	}
	return 0;
}

int
page_index(struct rctx *r)
{
	cJSON *m = cJSON_CreateObject(), *q;
	sqlite3_stmt *st;
	int rc = -1;

	if (refs(r, m) < 0 || latest_runs(r, m) < 0)
		goto out;
	q = page_queue_summary(r);
	if (q == NULL)
		goto out;
	cJSON_AddItemToObject(m, "queue", q);
	st = db_stmt(r->db, "site.index.page_index", "SELECT (SELECT count(*) FROM commits), "
	    "(SELECT count(*) FROM runs), (SELECT count(*) FROM metrics)");
	if (st == NULL)
		goto out;
	if (sqlite3_step(st) == SQLITE_ROW) {
		cJSON_AddNumberToObject(m, "n_commits",
		    sqlite3_column_int(st, 0));
		cJSON_AddNumberToObject(m, "n_runs", sqlite3_column_int(st, 1));
		cJSON_AddNumberToObject(m, "n_metrics",
		    sqlite3_column_int(st, 2));
	}
	sqlite3_reset(st);
	rc = render_page(r, "", "index", m, "index.json",
	    r->cfg->site_title ? r->cfg->site_title : "tablejohn");
out:
	cJSON_Delete(m);
	return rc;
}
