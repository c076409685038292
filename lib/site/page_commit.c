/* page_commit: the model of commit/<hash>/ (message, family, runs, changes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmark.h>

#include "buf.h"
#include "err.h"
#include "esc.h"
#include "render_int.h"

static cJSON *
person(sqlite3_stmt *st, int col)
{
	cJSON *o = cJSON_CreateObject();
	char when[40];

	render_add_str(o, "name", sqlite3_column_text(st, col));
	render_add_str(o, "email", sqlite3_column_text(st, col + 1));
	render_time(when, sqlite3_column_double(st, col + 2),
	    sqlite3_column_int(st, col + 3));
	cJSON_AddStringToObject(o, "date", when);
	return o;
}

/* The commits on one side of the edges (parents or children) of id. */
static int
family(struct rctx *r, cJSON *model, const char *key, const char *name,
    const char *sql, int64_t id)
{
	sqlite3_stmt *st = db_stmt(r->db, name, sql);
	cJSON *arr = cJSON_AddArrayToObject(model, key), *c;
	int64_t *ids = NULL;
	size_t n = 0, i;
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ids = realloc(ids, (n + 1) * sizeof(*ids));
		if (ids == NULL)
			abort();
		ids[n++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(ids);
		return render_dberr(r, "reading a commit's family");
	}
	for (i = 0; i < n; i++) {
		c = render_commit_brief(r, ids[i]);
		if (c == NULL) {
			free(ids);
			return -1;
		}
		cJSON_AddItemToArray(arr, c);
	}
	free(ids);
	return 0;
}

static int
refs(struct rctx *r, cJSON *model, int64_t id)
{
	sqlite3_stmt *st = db_stmt(r->db, "site.commit.refs", "SELECT name, tracked FROM refs WHERE "
	    "commit_id = ? ORDER BY tracked DESC, name");
	cJSON *arr = cJSON_AddArrayToObject(model, "refs"), *o;
	char *url;
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		o = cJSON_CreateObject();
		render_add_str(o, "name", sqlite3_column_text(st, 0));
		cJSON_AddBoolToObject(o, "tracked", sqlite3_column_int(st, 1));
		url = render_url_ref((const char *)sqlite3_column_text(st, 0));
		cJSON_AddStringToObject(o, "url", url);
		free(url);
		cJSON_AddItemToArray(arr, o);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : render_dberr(r, "reading refs");
}

static int
runs(struct rctx *r, cJSON *model, int64_t id)
{
	sqlite3_stmt *st = db_stmt(r->db, "site.commit.runs", "SELECT id, worker, start_time, "
	    "end_time, exit_code, error FROM runs WHERE commit_id = ? "
	    "ORDER BY start_time, id");
	cJSON *arr = cJSON_AddArrayToObject(model, "runs"), *o;
	char when[40], *url;
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		o = cJSON_CreateObject();
		render_add_str(o, "id", sqlite3_column_text(st, 0));
		url = render_url_run((const char *)sqlite3_column_text(st, 0));
		cJSON_AddStringToObject(o, "url", url);
		free(url);
		render_add_str(o, "worker", sqlite3_column_text(st, 1));
		url = render_url_worker((const char *)sqlite3_column_text(st,
		    1));
		cJSON_AddStringToObject(o, "worker_url", url);
		free(url);
		render_time(when, sqlite3_column_double(st, 2), 0);
		cJSON_AddStringToObject(o, "start", when);
		if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
			render_time(when, sqlite3_column_double(st, 3), 0);
			cJSON_AddStringToObject(o, "end", when);
		} else
			cJSON_AddNullToObject(o, "end");
		if (sqlite3_column_type(st, 4) != SQLITE_NULL)
			cJSON_AddNumberToObject(o, "exit_code",
			    sqlite3_column_int(st, 4));
		else
			cJSON_AddNullToObject(o, "exit_code");
		render_add_str(o, "error", sqlite3_column_text(st, 5));
		cJSON_AddItemToArray(arr, o);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : render_dberr(r, "reading runs");
}

/* The latest run's measurements against the nearest ancestor's run. */
static int
changes(struct rctx *r, cJSON *model, int64_t id)
{
	char latest[65], base[65], *url;
	cJSON *rows, *b;
	int64_t bcommit;
	sqlite3_stmt *st;
	int rc;

	rc = render_latest_run(r, id, latest);
	if (rc <= 0) {
		cJSON_AddNullToObject(model, "latest_run");
		return rc;
	}
	b = cJSON_AddObjectToObject(model, "latest_run");
	cJSON_AddStringToObject(b, "id", latest);
	url = render_url_run(latest);
	cJSON_AddStringToObject(b, "url", url);
	free(url);
	rc = render_base_run(r, id, base);
	if (rc < 0)
		return -1;
	if (rc == 0)
		cJSON_AddNullToObject(model, "base_run");
	else {
		b = cJSON_AddObjectToObject(model, "base_run");
		cJSON_AddStringToObject(b, "id", base);
		url = render_url_run(base);
		cJSON_AddStringToObject(b, "url", url);
		free(url);
		st = db_stmt(r->db, "site.commit.changes", "SELECT commit_id FROM runs WHERE id = ?");
		if (st == NULL)
			return -1;
		sqlite3_bind_text(st, 1, base, -1, SQLITE_TRANSIENT);
		bcommit = sqlite3_step(st) == SQLITE_ROW ?
		    sqlite3_column_int64(st, 0) : 0;
		sqlite3_reset(st);
		b = render_commit_brief(r, bcommit);
		if (b == NULL)
			return -1;
		cJSON_AddItemToObject(cJSON_GetObjectItem(model, "base_run"),
		    "commit", b);
	}
	rows = render_measurements(r, latest, rc ? base : NULL, 0);
	if (rows == NULL)
		return -1;
	cJSON_AddItemToObject(model, "measurements", rows);
	return 0;
}

int
page_commit(struct rctx *r, const char *hash)
{
	sqlite3_stmt *st = db_stmt(r->db, "site.commit.page_commit", "SELECT id, author_name, author_email, "
	    "author_time, author_tz, committer_name, committer_email, "
	    "committer_time, committer_tz, message, reachable FROM commits "
	    "WHERE hash = ?");
	cJSON *m = NULL;
	char *dir = NULL, *s, *html, title[64];
	const char *msg, *body;
	struct buf clean;
	int64_t id;
	int rc = -1;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		if (rc == SQLITE_DONE)
			return 0;	/* gone: nothing to show */
		return render_dberr(r, "reading a commit");
	}
	rc = -1;
	m = cJSON_CreateObject();
	id = sqlite3_column_int64(st, 0);
	cJSON_AddStringToObject(m, "hash", hash);
	s = strndup(hash, 10);
	cJSON_AddStringToObject(m, "short", s ? s : hash);
	free(s);
	cJSON_AddItemToObject(m, "author", person(st, 1));
	cJSON_AddItemToObject(m, "committer", person(st, 5));
	msg = (const char *)sqlite3_column_text(st, 9);
	s = render_summary(msg);
	cJSON_AddStringToObject(m, "summary", s);
	free(s);
	cJSON_AddStringToObject(m, "message", msg);
	/* The body (after the summary line) as CommonMark, safe mode: raw
	 * HTML and javascript: links are dropped. */
	body = strchr(msg, '\n');
	buf_init(&clean, 0);
	esc_text(&clean, body ? body + 1 : "", body ? strlen(body + 1) : 0);
	html = cmark_markdown_to_html(clean.data ? clean.data : "", clean.len,
	    CMARK_OPT_DEFAULT);
	buf_fini(&clean);
	cJSON_AddStringToObject(m, "message_html", html ? html : "");
	free(html);
	cJSON_AddNumberToObject(m, "reachable", sqlite3_column_int(st, 10));
	cJSON_AddBoolToObject(m, "tracked", sqlite3_column_int(st, 10) == 2);
	sqlite3_reset(st);
	if (family(r, m, "parents", "site.commit.parents",
	    "SELECT parent FROM commit_edges WHERE "
	    "child = ? ORDER BY idx", id) < 0 ||
	    family(r, m, "children", "site.commit.children",
	    "SELECT e.child FROM commit_edges e JOIN "
	    "commits c ON c.id = e.child WHERE e.parent = ? ORDER BY "
	    "c.committer_time, c.id", id) < 0 ||
	    refs(r, m, id) < 0 || runs(r, m, id) < 0 || changes(r, m, id) < 0)
		goto out;
	dir = render_url_commit(hash);
	dir[strlen(dir) - 1] = '\0';
	snprintf(title, sizeof(title), "commit %.10s", hash);
	rc = render_page(r, dir, "commit", m, "commit.json", title);
out:
	free(dir);
	cJSON_Delete(m);
	return rc;
}
