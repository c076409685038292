/* page_worker: the model of worker/<name>/ (info, state, recent runs). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "render_int.h"

cJSON *
page_worker_row(struct rctx *r, sqlite3_stmt *st)
{
	cJSON *o = cJSON_CreateObject(), *run, *lo, *line, *arr;
	const char *name = (const char *)sqlite3_column_text(st, 0);
	char when[40], *url;

	cJSON_AddStringToObject(o, "name", name);
	url = render_url_worker(name);
	cJSON_AddStringToObject(o, "url", url);
	free(url);
	render_add_str(o, "info", sqlite3_column_text(st, 1));
	render_add_str(o, "status", sqlite3_column_text(st, 2));
	render_time(when, sqlite3_column_double(st, 3), 0);
	cJSON_AddStringToObject(o, "first_seen", when);
	render_time(when, sqlite3_column_double(st, 4), 0);
	cJSON_AddStringToObject(o, "last_seen", when);
	if (sqlite3_column_type(st, 5) != SQLITE_NULL) {
		run = cJSON_AddObjectToObject(o, "run");
		render_add_str(run, "id", sqlite3_column_text(st, 5));
		if (sqlite3_column_type(st, 6) != SQLITE_NULL) {
			cJSON *c = render_commit_brief(r,
			    sqlite3_column_int64(st, 6));

			if (c != NULL)
				cJSON_AddItemToObject(run, "commit", c);
		}
		if (sqlite3_column_type(st, 7) != SQLITE_NULL) {
			render_time(when, sqlite3_column_double(st, 7), 0);
			cJSON_AddStringToObject(run, "start", when);
		}
	} else
		cJSON_AddNullToObject(o, "run");
	arr = cJSON_AddArrayToObject(o, "last_output");
	lo = sqlite3_column_type(st, 8) == SQLITE_NULL ? NULL :
	    cJSON_Parse((const char *)sqlite3_column_text(st, 8));
	if (cJSON_IsArray(lo)) {
		cJSON_ArrayForEach(line, lo) {
			cJSON *s0 = cJSON_GetArrayItem(line, 0);
			cJSON *t = cJSON_GetArrayItem(line, 1);

			if (!cJSON_IsNumber(s0) || !cJSON_IsString(t))
				continue;
			render_add_output(arr, s0->valueint, t->valuestring);
		}
	}
	cJSON_Delete(lo);
	return o;
}

int
page_worker(struct rctx *r, const char *name)
{
	sqlite3_stmt *st = db_stmt(r->db, "site.worker.page_worker", "SELECT name, info, status, "
	    "first_seen, last_seen, run_id, run_commit_id, run_start, "
	    "last_output FROM workers WHERE name = ?");
	cJSON *m = NULL, *arr, *o, *c;
	char *dir = NULL, *url, when[40], *title;
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		m = page_worker_row(r, st);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return render_dberr(r, "reading a worker");
	if (m == NULL) {
		/* Known only from its runs (imported, or the row is gone). */
		m = cJSON_CreateObject();
		cJSON_AddStringToObject(m, "name", name);
		cJSON_AddNullToObject(m, "status");
		cJSON_AddNullToObject(m, "run");
	}
	rc = -1;
	st = db_stmt(r->db, "site.worker.runs", "SELECT id, commit_id, start_time, end_time, "
	    "exit_code, error FROM runs WHERE worker = ? ORDER BY start_time "
	    "DESC, id DESC LIMIT 100");
	if (st == NULL)
		goto out;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	arr = cJSON_AddArrayToObject(m, "runs");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		o = cJSON_CreateObject();
		cJSON_AddItemToArray(arr, o);
		render_add_str(o, "id", sqlite3_column_text(st, 0));
		url = render_url_run((const char *)sqlite3_column_text(st, 0));
		cJSON_AddStringToObject(o, "url", url);
		free(url);
		render_time(when, sqlite3_column_double(st, 2), 0);
		cJSON_AddStringToObject(o, "start", when);
		if (sqlite3_column_type(st, 4) != SQLITE_NULL)
			cJSON_AddNumberToObject(o, "exit_code",
			    sqlite3_column_int(st, 4));
		else
			cJSON_AddNullToObject(o, "exit_code");
		render_add_str(o, "error", sqlite3_column_text(st, 5));
		cJSON_AddNumberToObject(o, "commit_id",
		    (double)sqlite3_column_int64(st, 1));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		render_dberr(r, "reading a worker's runs");
		rc = -1;
		goto out;
	}
	rc = -1;
	/* The commits after the statement is done with. */
	cJSON_ArrayForEach(o, arr) {
		cJSON *id = cJSON_DetachItemFromObject(o, "commit_id");

		c = render_commit_brief(r, (int64_t)id->valuedouble);
		cJSON_Delete(id);
		if (c == NULL)
			goto out;
		cJSON_AddItemToObject(o, "commit", c);
	}
	dir = render_url_worker(name);
	dir[strlen(dir) - 1] = '\0';
	title = xasprintf("worker %s", name);
	rc = render_page(r, dir, "worker", m, "worker.json", title);
	free(title);
out:
	free(dir);
	cJSON_Delete(m);
	return rc;
}
