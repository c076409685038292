/* page_queue: the model of queue/ (workers, runs in progress, the queue). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "query.h"
#include "queue.h"
#include "render_int.h"

#define QUEUE_SHOWN 500
#define QUEUE_HEAD 5

/* The workers, as the queue and index pages show them. */
static cJSON *
workers(struct rctx *r)
{
	struct q_worker *w;
	cJSON *arr;
	size_t n, i;

	if (q_workers(r->db, &w, &n) < 0)
		return NULL;
	arr = cJSON_CreateArray();
	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, page_worker_row(r, &w[i]));
	q_workers_free(w, n);
	return arr;
}

/* The runs in progress: each worker's run with the worker's name, URL and
 * last output. */
static void
in_progress(cJSON *m, cJSON *workers_arr)
{
	cJSON *arr = cJSON_AddArrayToObject(m, "in_progress"), *e, *o;

	cJSON_ArrayForEach(e, workers_arr) {
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
}

int
page_queue(struct rctx *r)
{
	struct q_queued *q = NULL;
	cJSON *m = cJSON_CreateObject(), *w, *arr, *o, *c;
	char when[40], why[96];
	size_t n = 0, i;
	long total;
	int rc = -1;

	w = workers(r);
	if (w == NULL)
		goto out;
	cJSON_AddItemToObject(m, "workers", w);
	in_progress(m, w);
	if ((total = q_queue_count(r->db)) < 0 ||
	    q_queue(r->db, QUEUE_SHOWN, &q, &n) < 0)
		goto out;
	arr = cJSON_AddArrayToObject(m, "queue");
	for (i = 0; i < n; i++) {
		o = cJSON_CreateObject();
		cJSON_AddItemToArray(arr, o);
		cJSON_AddNumberToObject(o, "pos", (double)(i + 1));
		render_time(when, q[i].added, 0);
		cJSON_AddStringToObject(o, "added", when);
		cJSON_AddNumberToObject(o, "priority", q[i].priority);
		render_add_str(o, "reserved_by",
		    (const unsigned char *)q[i].reserved_by);
		queue_reason_text(why, sizeof(why), q[i].reason,
		    q[i].change_id, q[i].step, q[i].steps);
		cJSON_AddStringToObject(o, "reason", why);
		cJSON_AddStringToObject(o, "reason_kind", queue_reason_name(
		    queue_reason_parse(q[i].reason)));
		if (q[i].has_change)
			cJSON_AddNumberToObject(o, "change_id",
			    (double)q[i].change_id);
		c = render_commit_brief(r, q[i].commit_id);
		if (c == NULL)
			goto out;
		cJSON_AddItemToObject(o, "commit", c);
	}
	cJSON_AddNumberToObject(m, "queue_total", (double)total);
	cJSON_AddNumberToObject(m, "queue_more",
	    total > QUEUE_SHOWN ? (double)(total - QUEUE_SHOWN) : 0);
	rc = render_page(r, "queue", "queue", m, "queue.json", "queue");
out:
	q_queue_free(q, n);
	cJSON_Delete(m);
	return rc;
}

cJSON *
page_queue_summary(struct rctx *r)
{
	struct q_queued *q = NULL;
	cJSON *m = cJSON_CreateObject(), *w, *arr, *c;
	size_t n = 0, i;
	long total;

	w = workers(r);
	if (w == NULL)
		goto fail;
	cJSON_AddItemToObject(m, "workers", w);
	if ((total = q_queue_count(r->db)) < 0)
		goto fail;
	cJSON_AddNumberToObject(m, "total", (double)total);
	if (q_queue(r->db, QUEUE_HEAD, &q, &n) < 0)
		goto fail;
	arr = cJSON_AddArrayToObject(m, "head");
	for (i = 0; i < n; i++) {
		c = render_commit_brief(r, q[i].commit_id);
		if (c == NULL)
			goto fail;
		cJSON_AddItemToArray(arr, c);
	}
	q_queue_free(q, n);
	return m;
fail:
	q_queue_free(q, n);
	cJSON_Delete(m);
	return NULL;
}
