/* page_feed: feed.xml, an Atom feed of the newest changes (the changes
 * table). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "changes.h"
#include "config.h"
#include "err.h"
#include "esc.h"
#include "query.h"
#include "render_int.h"
#include "tpl.h"

#define FEED_CHANGES 20

/* The feed's entries: the newest changes, from the changes table;
 * *newest is the latest time one was found. */
static int
entries_of(struct rctx *r, cJSON *entries, double *newest)
{
	char when[40], *s;
	cJSON *e, *c;
	double found;

	if (changes_json(r->db, entries, 0, FEED_CHANGES) < 0)
		return -1;
	cJSON_ArrayForEach(e, entries) {
		page_change_decorate(e);
		found = cJSON_GetObjectItem(e, "found")->valuedouble;
		if (found > *newest)
			*newest = found;
		render_time(when, found, 0);
		cJSON_AddStringToObject(e, "updated", when);
		s = xasprintf("tag:tablejohn,2024:change/%d",
		    cJSON_GetObjectItem(e, "id")->valueint);
		cJSON_AddStringToObject(e, "entry_id", s);
		free(s);
		c = render_commit_brief(r, db_commit_id(r->db,
		    cJSON_GetObjectItem(e, "after_commit")->valuestring));
		if (c == NULL)
			return -1;
		cJSON_AddItemToObject(e, "commit", c);
	}
	return 0;
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
