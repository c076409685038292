/* page_run: the model of run/<id>/ (details, measurements with deltas, output). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "esc.h"
#include "query.h"
#include "render_int.h"

static int
output(struct rctx *r, cJSON *model, const char *id)
{
	sqlite3_stmt *st = db_stmt(r->db, "site.run.output",
	    "SELECT source, text FROM run_output "
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

/* The run's own fields into m. */
static void
run_fields(cJSON *m, const struct q_run *run)
{
	cJSON *c, *bm, *h;
	char when[40], *url;

	cJSON_AddStringToObject(m, "id", run->id);
	bm = cJSON_Parse(run->bench_method ? run->bench_method : "");
	if (bm == NULL)
		bm = cJSON_CreateString(run->bench_method ?
		    run->bench_method : "");
	cJSON_AddItemToObject(m, "bench_method", bm);
	c = cJSON_GetObjectItemCaseSensitive(bm, "type");
	if (cJSON_IsString(c)) {
		h = cJSON_GetObjectItemCaseSensitive(bm, "hash");
		url = xasprintf("%s%s%s", c->valuestring,
		    cJSON_IsString(h) ? " " : "",
		    cJSON_IsString(h) ? h->valuestring : "");
		cJSON_AddStringToObject(m, "bench_method_text", url);
		free(url);
	} else
		render_add_str(m, "bench_method_text",
		    (const unsigned char *)run->bench_method);
	c = cJSON_AddObjectToObject(m, "worker");
	render_add_str(c, "name", (const unsigned char *)run->worker);
	url = render_url_worker(run->worker ? run->worker : "");
	cJSON_AddStringToObject(c, "url", url);
	free(url);
	render_time(when, run->start_time, 0);
	cJSON_AddStringToObject(m, "start", when);
	if (!isnan(run->end_time)) {
		render_time(when, run->end_time, 0);
		cJSON_AddStringToObject(m, "end", when);
		cJSON_AddNumberToObject(m, "duration",
		    run->end_time - run->start_time);
		render_duration(when, run->end_time - run->start_time);
		cJSON_AddStringToObject(m, "duration_text", when);
	} else {
		cJSON_AddNullToObject(m, "end");
		cJSON_AddNullToObject(m, "duration");
	}
	if (run->has_exit)
		cJSON_AddNumberToObject(m, "exit_code", run->exit_code);
	else
		cJSON_AddNullToObject(m, "exit_code");
	render_add_str(m, "error", (const unsigned char *)run->error);
}

/* compare/?a=<id>[&b=<base>] */
static void
compare_url(cJSON *m, const char *id, const char *base)
{
	struct buf u;
	char *url;

	int e;

	buf_init(&u, 0);
	e = buf_adds(&u, "compare/?a=");
	e |= esc_url_segment(&u, id);
	if (base != NULL) {
		e |= buf_adds(&u, "&b=");
		e |= esc_url_segment(&u, base);
	}
	buf_must(e);
	url = buf_take(&u);
	cJSON_AddStringToObject(m, "compare_url", url);
	free(url);
}

int
page_run(struct rctx *r, const char *id)
{
	struct q_run run;
	cJSON *m, *c, *rows;
	char *dir = NULL, base[Q_ID_SIZE], title[96];
	const char *b;
	int rc;

	rc = q_run(r->db, id, &run);
	if (rc <= 0)
		return rc == 0 ? gone(r, id) : -1;
	rc = -1;
	m = cJSON_CreateObject();
	run_fields(m, &run);
	c = render_commit_brief(r, run.commit_id);
	if (c == NULL)
		goto out;
	cJSON_AddItemToObject(m, "commit", c);
	switch (q_base_run(r->db, run.commit_id, base)) {
	case -1:
		goto out;
	case 0:
		b = NULL;
		break;
	default:
		b = base;
	}
	if (render_base_run(r, m, run.commit_id, b) < 0)
		goto out;
	rows = render_measurements(r, id, b, 1);
	if (rows == NULL)
		goto out;
	cJSON_AddItemToObject(m, "measurements", rows);
	if (output(r, m, id) < 0)
		goto out;
	compare_url(m, id, b);
	dir = render_url_run(id);
	dir[strlen(dir) - 1] = '\0';
	snprintf(title, sizeof(title), "run %s", id);
	rc = render_page(r, dir, "run", m, "run.json", title);
out:
	free(dir);
	q_run_free(&run);
	cJSON_Delete(m);
	return rc;
}
