/* page_feed: feed.xml, an Atom feed of the latest runs' significant changes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "config.h"
#include "err.h"
#include "esc.h"
#include "render_int.h"
#include "tpl.h"

#define FEED_RUNS 20

int
page_feed(struct rctx *r)
{
	sqlite3_stmt *st = db_stmt(r->db, "site.feed.page_feed", "SELECT id, commit_id, worker, end_time "
	    "FROM runs WHERE end_time IS NOT NULL ORDER BY end_time DESC, id "
	    "DESC LIMIT 20");
	char ids[FEED_RUNS][65], base[65], when[40], *s;
	int64_t commits[FEED_RUNS];
	cJSON *m, *entries, *e, *rows, *row, *sig, *c, *latest;
	double newest = 0;
	int n = 0, i, rc = -1, step = SQLITE_DONE, k;

	if (st == NULL)
		return -1;
	m = cJSON_CreateObject();
	entries = cJSON_AddArrayToObject(m, "entries");
	while (n < FEED_RUNS && (step = sqlite3_step(st)) == SQLITE_ROW) {
		e = cJSON_CreateObject();
		snprintf(ids[n], sizeof(ids[n]), "%s", sqlite3_column_text(st, 0));
		commits[n] = sqlite3_column_int64(st, 1);
		render_add_str(e, "worker", sqlite3_column_text(st, 2));
		render_time(when, sqlite3_column_double(st, 3), 0);
		cJSON_AddStringToObject(e, "end", when);
		if (sqlite3_column_double(st, 3) > newest)
			newest = sqlite3_column_double(st, 3);
		cJSON_AddItemToArray(entries, e);
		n++;
	}
	sqlite3_reset(st);
	if (step != SQLITE_DONE && step != SQLITE_ROW) {
		render_dberr(r, "reading runs");
		goto out;
	}
	for (i = n - 1; i >= 0; i--) {
		e = cJSON_GetArrayItem(entries, i);
		k = render_base_run(r, commits[i], base);
		if (k < 0)
			goto out;
		rows = k ? render_measurements(r, ids[i], base, 0) : NULL;
		if (k && rows == NULL)
			goto out;
		sig = cJSON_AddArrayToObject(e, "changes");
		if (rows != NULL) {
			cJSON_ArrayForEach(row, rows)
				if (cJSON_IsTrue(cJSON_GetObjectItem(row,
				    "significant")))
					cJSON_AddItemToArray(sig,
					    cJSON_Duplicate(row, 1));
		}
		cJSON_Delete(rows);
		if (cJSON_GetArraySize(sig) == 0) {
			cJSON_DeleteItemFromArray(entries, i);
			continue;
		}
		cJSON_AddNumberToObject(e, "n_changes", cJSON_GetArraySize(sig));
		c = render_commit_brief(r, commits[i]);
		if (c == NULL)
			goto out;
		cJSON_AddItemToObject(e, "commit", c);
		s = render_url_run(ids[i]);
		cJSON_AddStringToObject(e, "url", s);
		free(s);
		s = xasprintf("tag:tablejohn,2024:run/%s", ids[i]);
		cJSON_AddStringToObject(e, "entry_id", s);
		free(s);
	}
	latest = cJSON_GetArrayItem(entries, 0);
	render_time(when, newest, 0);
	cJSON_AddStringToObject(m, "updated", latest ? when :
	    "1970-01-01T00:00:00Z");
	cJSON_AddStringToObject(m, "site_title", r->cfg->site_title ?
	    r->cfg->site_title : "tablejohn");
	{
		struct buf id;

		/* A tag: URI must not hold spaces and the like. */
		buf_init(&id, 0);
		buf_adds(&id, "tag:tablejohn,2024:");
		esc_url_segment(&id, r->cfg->site_title ? r->cfg->site_title :
		    "tablejohn");
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
