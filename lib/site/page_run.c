/* page_run: the model of run/<id>/ (details, measurements with deltas, output). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "esc.h"
#include "render_int.h"

static int
output(struct rctx *r, cJSON *model, const char *id)
{
	sqlite3_stmt *st = db_stmt(r->db, "site.run.output", "SELECT source, text FROM run_output "
	    "WHERE run_id = ? ORDER BY line");
	cJSON *arr = cJSON_AddArrayToObject(model, "output");
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		render_add_output(arr, sqlite3_column_int(st, 0),
		    (const char *)sqlite3_column_text(st, 1));
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : render_dberr(r, "reading output");
}

/* Remove the files of a run that is no longer in the db. */
static int
gone(struct rctx *r, const char *id)
{
	char *url = render_url_run(id);
	int rc = render_remove_page(r, url, "run.json");

	free(url);
	return rc;
}

int
page_run(struct rctx *r, const char *id)
{
	sqlite3_stmt *st = db_stmt(r->db, "site.run.page_run", "SELECT commit_id, bench_method, "
	    "worker, start_time, end_time, exit_code, error FROM runs WHERE "
	    "id = ?");
	cJSON *m = NULL, *c, *bm, *rows, *b;
	char *dir = NULL, *url, when[40], base[65], title[96];
	int64_t commit_id;
	int rc = -1, has_base;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		if (rc == SQLITE_DONE)
			return gone(r, id);
		return render_dberr(r, "reading a run");
	}
	rc = -1;
	m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "id", id);
	commit_id = sqlite3_column_int64(st, 0);
	bm = cJSON_Parse((const char *)sqlite3_column_text(st, 1));
	if (bm == NULL)
		bm = cJSON_CreateString((const char *)sqlite3_column_text(st,
		    1));
	cJSON_AddItemToObject(m, "bench_method", bm);
	c = cJSON_GetObjectItemCaseSensitive(bm, "type");
	if (cJSON_IsString(c)) {
		cJSON *h = cJSON_GetObjectItemCaseSensitive(bm, "hash");

		url = xasprintf("%s%s%s", c->valuestring,
		    cJSON_IsString(h) ? " " : "",
		    cJSON_IsString(h) ? h->valuestring : "");
		cJSON_AddStringToObject(m, "bench_method_text", url);
		free(url);
	} else
		render_add_str(m, "bench_method_text",
		    sqlite3_column_text(st, 1));
	c = cJSON_AddObjectToObject(m, "worker");
	render_add_str(c, "name", sqlite3_column_text(st, 2));
	url = render_url_worker((const char *)sqlite3_column_text(st, 2));
	cJSON_AddStringToObject(c, "url", url);
	free(url);
	render_time(when, sqlite3_column_double(st, 3), 0);
	cJSON_AddStringToObject(m, "start", when);
	if (sqlite3_column_type(st, 4) != SQLITE_NULL) {
		render_time(when, sqlite3_column_double(st, 4), 0);
		cJSON_AddStringToObject(m, "end", when);
		cJSON_AddNumberToObject(m, "duration",
		    sqlite3_column_double(st, 4) -
		    sqlite3_column_double(st, 3));
		render_duration(when, sqlite3_column_double(st, 4) -
		    sqlite3_column_double(st, 3));
		cJSON_AddStringToObject(m, "duration_text", when);
	} else {
		cJSON_AddNullToObject(m, "end");
		cJSON_AddNullToObject(m, "duration");
	}
	if (sqlite3_column_type(st, 5) != SQLITE_NULL)
		cJSON_AddNumberToObject(m, "exit_code",
		    sqlite3_column_int(st, 5));
	else
		cJSON_AddNullToObject(m, "exit_code");
	render_add_str(m, "error", sqlite3_column_text(st, 6));
	sqlite3_reset(st);

	c = render_commit_brief(r, commit_id);
	if (c == NULL)
		goto out;
	cJSON_AddItemToObject(m, "commit", c);
	has_base = render_base_run(r, commit_id, base);
	if (has_base < 0)
		goto out;
	if (has_base) {
		b = cJSON_AddObjectToObject(m, "base_run");
		cJSON_AddStringToObject(b, "id", base);
		url = render_url_run(base);
		cJSON_AddStringToObject(b, "url", url);
		free(url);
		st = db_stmt(r->db, "site.run.commit", "SELECT commit_id FROM runs WHERE id = ?");
		if (st == NULL)
			goto out;
		sqlite3_bind_text(st, 1, base, -1, SQLITE_TRANSIENT);
		commit_id = sqlite3_step(st) == SQLITE_ROW ?
		    sqlite3_column_int64(st, 0) : 0;
		sqlite3_reset(st);
		c = render_commit_brief(r, commit_id);
		if (c == NULL)
			goto out;
		cJSON_AddItemToObject(b, "commit", c);
	} else
		cJSON_AddNullToObject(m, "base_run");
	rows = render_measurements(r, id, has_base ? base : NULL, 1);
	if (rows == NULL)
		goto out;
	cJSON_AddItemToObject(m, "measurements", rows);
	if (output(r, m, id) < 0)
		goto out;
	{
		struct buf u;

		buf_init(&u, 0);
		buf_adds(&u, "compare/?a=");
		esc_url_segment(&u, id);
		if (has_base) {
			buf_adds(&u, "&b=");
			esc_url_segment(&u, base);
		}
		url = buf_take(&u);
		cJSON_AddStringToObject(m, "compare_url", url);
		free(url);
	}
	dir = render_url_run(id);
	dir[strlen(dir) - 1] = '\0';
	snprintf(title, sizeof(title), "run %s", id);
	rc = render_page(r, dir, "run", m, "run.json", title);
out:
	free(dir);
	cJSON_Delete(m);
	return rc;
}
