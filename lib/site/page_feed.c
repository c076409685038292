/* page_feed: feed.xml, an Atom feed of the latest runs' significant changes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "config.h"
#include "err.h"
#include "esc.h"
#include "query.h"
#include "render_int.h"
#include "tpl.h"

#define FEED_RUNS 20

/* The significant rows of run id against base (the changes an entry
 * lists) into e's "changes". 0 or -1. */
static int
significant(struct rctx *r, cJSON *e, const char *id, const char *base)
{
	cJSON *rows = NULL, *row, *sig;

	if (base != NULL && (rows = render_measurements(r, id, base, 0)) ==
	    NULL)
		return -1;
	sig = cJSON_AddArrayToObject(e, "changes");
	if (rows != NULL) {
		cJSON_ArrayForEach(row, rows)
			if (cJSON_IsTrue(cJSON_GetObjectItem(row,
			    "significant")))
				cJSON_AddItemToArray(sig,
				    cJSON_Duplicate(row, 1));
	}
	cJSON_Delete(rows);
	return 0;
}

/* The feed's entries: the latest finished runs with significant changes,
 * newest first; *newest is the latest end time. */
static int
entries_of(struct rctx *r, cJSON *entries, double *newest)
{
	struct q_run *runs;
	char base[Q_ID_SIZE], when[40], *s;
	cJSON *e, *c;
	size_t n, i;
	int rc = -1, k;

	if (q_finished_runs(r->db, FEED_RUNS, &runs, &n) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		e = cJSON_CreateObject();
		render_add_str(e, "worker",
		    (const unsigned char *)runs[i].worker);
		render_time(when, runs[i].end_time, 0);
		cJSON_AddStringToObject(e, "end", when);
		if (runs[i].end_time > *newest)
			*newest = runs[i].end_time;
		cJSON_AddItemToArray(entries, e);
	}
	for (i = n; i-- > 0;) {
		e = cJSON_GetArrayItem(entries, (int)i);
		k = q_base_run(r->db, runs[i].commit_id, base);
		if (k < 0 || significant(r, e, runs[i].id, k ? base : NULL) < 0)
			goto out;
		if (cJSON_GetArraySize(cJSON_GetObjectItem(e, "changes")) ==
		    0) {
			cJSON_DeleteItemFromArray(entries, (int)i);
			continue;
		}
		cJSON_AddNumberToObject(e, "n_changes", cJSON_GetArraySize(
		    cJSON_GetObjectItem(e, "changes")));
		c = render_commit_brief(r, runs[i].commit_id);
		if (c == NULL)
			goto out;
		cJSON_AddItemToObject(e, "commit", c);
		s = render_url_run(runs[i].id);
		cJSON_AddStringToObject(e, "url", s);
		free(s);
		s = xasprintf("tag:tablejohn,2024:run/%s", runs[i].id);
		cJSON_AddStringToObject(e, "entry_id", s);
		free(s);
	}
	rc = 0;
out:
	q_runs_free(runs, n);
	return rc;
}

int
page_feed(struct rctx *r)
{
	cJSON *m, *entries, *latest;
	char when[40];
	double newest = 0;
	int rc = -1;

	m = cJSON_CreateObject();
	entries = cJSON_AddArrayToObject(m, "entries");
	if (entries_of(r, entries, &newest) < 0)
		goto out;
	latest = cJSON_GetArrayItem(entries, 0);
	render_time(when, newest, 0);
	cJSON_AddStringToObject(m, "updated", latest ? when :
	    "1970-01-01T00:00:00Z");
	cJSON_AddStringToObject(m, "site_title", r->cfg->site_title ?
	    r->cfg->site_title : "tablejohn");
	{
		struct buf id;
		int e;

		/* A tag: URI must not hold spaces and the like. */
		buf_init(&id, 0);
		e = buf_adds(&id, "tag:tablejohn,2024:");
		e |= esc_url_segment(&id, r->cfg->site_title ?
		    r->cfg->site_title : "tablejohn");
		buf_must(e);
		cJSON_AddStringToObject(m, "feed_id", id.data);
		buf_fini(&id);
	}
	if (r->cfg->site_base_url != NULL)
		cJSON_AddStringToObject(m, "base_url", r->cfg->site_base_url);
	render_fix_utf8(m);
	buf_reset(&r->html);
	if (tpl_render(r->tpl, "feed", m, &r->html) < 0) {
		err_wrap("rendering feed.xml");
		goto out;
	}
	rc = render_file(r, "feed.xml", r->html.data ? r->html.data : "",
	    r->html.len);
out:
	cJSON_Delete(m);
	return rc;
}
