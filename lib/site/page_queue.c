/* page_queue: the model of queue/ (workers, runs in progress, the queue). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "queue.h"
#include "render_int.h"

#define QUEUE_SHOWN 500

/* The workers, as the queue and index pages show them. */
static cJSON *
workers(struct rctx *r)
{
	sqlite3_stmt *st = db_stmt(r->db, "site.page_queue.workers", "SELECT name, info, status, "
	    "first_seen, last_seen, run_id, run_commit_id, run_start, "
	    "last_output FROM workers ORDER BY name");
	cJSON *arr = cJSON_CreateArray();
	int rc;

	if (st == NULL) {
		cJSON_Delete(arr);
		return NULL;
	}
	/* page_worker_row reads commits with other statements. */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		cJSON_AddItemToArray(arr, page_worker_row(r, st));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		render_dberr(r, "reading workers");
		cJSON_Delete(arr);
		return NULL;
	}
	return arr;
}

int
page_queue(struct rctx *r)
{
	sqlite3_stmt *st;
	cJSON *m = cJSON_CreateObject(), *w, *arr, *o, *c, *e;
	char when[40], why[96];
	int rc = -1, step, pos = 0, total = 0;

	w = workers(r);
	if (w == NULL)
		goto out;
	cJSON_AddItemToObject(m, "workers", w);
	arr = cJSON_AddArrayToObject(m, "in_progress");
	cJSON_ArrayForEach(e, w) {
		cJSON *run = cJSON_GetObjectItemCaseSensitive(e, "run");

		if (!cJSON_IsObject(run))
			continue;
		o = cJSON_Duplicate(run, 1);
		cJSON_AddStringToObject(o, "worker",
		    cJSON_GetObjectItemCaseSensitive(e, "name")->valuestring);
		cJSON_AddStringToObject(o, "worker_url",
		    cJSON_GetObjectItemCaseSensitive(e, "url")->valuestring);
		cJSON_AddItemToObject(o, "last_output", cJSON_Duplicate(
		    cJSON_GetObjectItemCaseSensitive(e, "last_output"), 1));
		cJSON_AddItemToArray(arr, o);
	}
	st = db_stmt(r->db, "site.page_queue.page_queue", "SELECT count(*) FROM queue");
	if (st == NULL)
		goto out;
	if (sqlite3_step(st) == SQLITE_ROW)
		total = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	st = db_stmt(r->db, "site.page_queue.page_queue_2", "SELECT commit_id, added, priority, reserved_by, "
	    "reason, change_id, step, steps "
	    "FROM queue ORDER BY priority DESC, added DESC LIMIT 500");
	if (st == NULL)
		goto out;
	arr = cJSON_AddArrayToObject(m, "queue");
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "pos", ++pos);
		cJSON_AddNumberToObject(o, "commit_id",
		    (double)sqlite3_column_int64(st, 0));
		render_time(when, sqlite3_column_double(st, 1), 0);
		cJSON_AddStringToObject(o, "added", when);
		cJSON_AddNumberToObject(o, "priority",
		    sqlite3_column_int(st, 2));
		render_add_str(o, "reserved_by", sqlite3_column_text(st, 3));
		queue_reason_text(why, sizeof(why),
		    (const char *)sqlite3_column_text(st, 4),
		    sqlite3_column_int64(st, 5), sqlite3_column_int(st, 6),
		    sqlite3_column_int(st, 7));
		cJSON_AddStringToObject(o, "reason", why);
		cJSON_AddStringToObject(o, "reason_kind",
		    queue_reason_name(queue_reason_parse(
		    (const char *)sqlite3_column_text(st, 4))));
		if (sqlite3_column_type(st, 5) != SQLITE_NULL)
			cJSON_AddNumberToObject(o, "change_id",
			    (double)sqlite3_column_int64(st, 5));
		cJSON_AddItemToArray(arr, o);
	}
	sqlite3_reset(st);
	if (step != SQLITE_DONE) {
		render_dberr(r, "reading the queue");
		goto out;
	}
	cJSON_ArrayForEach(o, arr) {
		cJSON *id = cJSON_DetachItemFromObject(o, "commit_id");

		c = render_commit_brief(r, (int64_t)id->valuedouble);
		cJSON_Delete(id);
		if (c == NULL)
			goto out;
		cJSON_AddItemToObject(o, "commit", c);
	}
	cJSON_AddNumberToObject(m, "queue_total", total);
	cJSON_AddNumberToObject(m, "queue_more",
	    total > QUEUE_SHOWN ? total - QUEUE_SHOWN : 0);
	rc = render_page(r, "queue", "queue", m, "queue.json", "queue");
out:
	cJSON_Delete(m);
	return rc;
}

cJSON *
page_queue_summary(struct rctx *r)
{
	sqlite3_stmt *st;
	cJSON *m = cJSON_CreateObject(), *w, *arr, *c;
	int64_t ids[5];
	int n = 0, i, total = 0;

	w = workers(r);
	if (w == NULL)
		goto fail;
	cJSON_AddItemToObject(m, "workers", w);
	st = db_stmt(r->db, "site.page_queue.page_queue_summary", "SELECT count(*) FROM queue");
	if (st == NULL)
		goto fail;
	if (sqlite3_step(st) == SQLITE_ROW)
		total = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	cJSON_AddNumberToObject(m, "total", total);
	st = db_stmt(r->db, "site.page_queue.page_queue_summary_2", "SELECT commit_id FROM queue ORDER BY priority DESC, "
	    "added DESC LIMIT 5");
	if (st == NULL)
		goto fail;
	while (n < 5 && sqlite3_step(st) == SQLITE_ROW)
		ids[n++] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	arr = cJSON_AddArrayToObject(m, "head");
	for (i = 0; i < n; i++) {
		c = render_commit_brief(r, ids[i]);
		if (c == NULL)
			goto fail;
		cJSON_AddItemToArray(arr, c);
	}
	return m;
fail:
	cJSON_Delete(m);
	return NULL;
}
