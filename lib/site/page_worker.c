/* page_worker: the model of worker/<name>/ (info, state, recent runs). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "query.h"
#include "render_int.h"

#define WORKER_RUNS 100

cJSON *
page_worker_row(struct rctx *r, const struct q_worker *w)
{
	cJSON *o = cJSON_CreateObject(), *run, *lo, *line, *arr, *c;
	char when[40], *url;

	cJSON_AddStringToObject(o, "name", w->name);
	url = render_url_worker(w->name);
	cJSON_AddStringToObject(o, "url", url);
	free(url);
	render_add_str(o, "info", (const unsigned char *)w->info);
	render_add_str(o, "status", (const unsigned char *)w->status);
	render_time(when, w->first_seen, 0);
	cJSON_AddStringToObject(o, "first_seen", when);
	render_time(when, w->last_seen, 0);
	cJSON_AddStringToObject(o, "last_seen", when);
	if (w->run_id != NULL) {
		run = cJSON_AddObjectToObject(o, "run");
		cJSON_AddStringToObject(run, "id", w->run_id);
		if (w->run_commit_id != 0) {
			c = render_commit_brief(r, w->run_commit_id);
			if (c != NULL)
				cJSON_AddItemToObject(run, "commit", c);
		}
		if (!isnan(w->run_start)) {
			render_time(when, w->run_start, 0);
			cJSON_AddStringToObject(run, "start", when);
		}
	} else
		cJSON_AddNullToObject(o, "run");
	arr = cJSON_AddArrayToObject(o, "last_output");
	lo = w->last_output == NULL ? NULL : cJSON_Parse(w->last_output);
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

/* The worker's recent runs as {id, url, start, exit_code, error, commit}. */
static int
recent_runs(struct rctx *r, cJSON *m, const char *name)
{
	struct q_run *runs;
	cJSON *arr, *o, *c;
	char when[40];
	size_t n, i;
	int rc = -1;

	if (q_worker_runs(r->db, name, WORKER_RUNS, &runs, &n) < 0)
		return -1;
	arr = cJSON_AddArrayToObject(m, "runs");
	for (i = 0; i < n; i++) {
		o = cJSON_CreateObject();
		cJSON_AddItemToArray(arr, o);
		render_add_run(o, runs[i].id);
		render_time(when, runs[i].start_time, 0);
		cJSON_AddStringToObject(o, "start", when);
		if (runs[i].has_exit)
			cJSON_AddNumberToObject(o, "exit_code",
			    runs[i].exit_code);
		else
			cJSON_AddNullToObject(o, "exit_code");
		render_add_str(o, "error",
		    (const unsigned char *)runs[i].error);
		c = render_commit_brief(r, runs[i].commit_id);
		if (c == NULL)
			goto out;
		cJSON_AddItemToObject(o, "commit", c);
	}
	rc = 0;
out:
	q_runs_free(runs, n);
	return rc;
}

int
page_worker(struct rctx *r, const char *name)
{
	struct q_worker w;
	cJSON *m;
	char *dir, *title;
	int rc;

	rc = q_worker(r->db, name, &w);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		m = page_worker_row(r, &w);
		q_worker_free(&w);
	} else {
		/* Known only from its runs (imported, or the row is gone). */
		m = cJSON_CreateObject();
		cJSON_AddStringToObject(m, "name", name);
		cJSON_AddNullToObject(m, "status");
		cJSON_AddNullToObject(m, "run");
	}
	if (recent_runs(r, m, name) < 0) {
		cJSON_Delete(m);
		return -1;
	}
	dir = render_url_worker(name);
	dir[strlen(dir) - 1] = '\0';
	title = xasprintf("worker %s", name);
	rc = render_page(r, dir, "worker", m, "worker.json", title);
	free(title);
	free(dir);
	cJSON_Delete(m);
	return rc;
}
