/* page_commit: the model of commit/<hash>/ (message, family, runs, changes). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmark.h>

#include "buf.h"
#include "err.h"
#include "esc.h"
#include "query.h"
#include "render_int.h"

static cJSON *
person(const char *name, const char *email, double t, int tz)
{
	cJSON *o = cJSON_CreateObject();
	char when[40];

	render_add_str(o, "name", (const unsigned char *)name);
	render_add_str(o, "email", (const unsigned char *)email);
	render_time(when, t, tz);
	cJSON_AddStringToObject(o, "date", when);
	return o;
}

/* The commits ids[0..n) as briefs in model's array key; frees ids. */
static int
family(struct rctx *r, cJSON *model, const char *key, int64_t *ids,
    size_t n)
{
	cJSON *arr = cJSON_AddArrayToObject(model, key), *c;
	size_t i;
	int rc = -1;

	for (i = 0; i < n; i++) {
		c = render_commit_brief(r, ids[i]);
		if (c == NULL)
			goto out;
		cJSON_AddItemToArray(arr, c);
	}
	rc = 0;
out:
	free(ids);
	return rc;
}

/* The commits f->links[at..at + n) as family(). */
static int
family_of(struct rctx *r, cJSON *model, const char *key, size_t at,
    size_t n)
{
	int64_t *ids = xcalloc(n + 1, sizeof(*ids));

	memcpy(ids, r->fam->links + at, n * sizeof(*ids));
	return family(r, model, key, ids, n);
}

static int
parents_children(struct rctx *r, cJSON *model, int64_t id)
{
	const struct q_fam_commit *f = q_family_get(r->fam, id);
	int64_t *ids;
	size_t n;

	if (f != NULL)
		return family_of(r, model, "parents", f->par, f->npar) < 0 ||
		    family_of(r, model, "children", f->kid, f->nkid) < 0 ?
		    -1 : 0;
	if (q_parents(r->db, id, &ids, &n) < 0 ||
	    family(r, model, "parents", ids, n) < 0 ||
	    q_children(r->db, id, &ids, &n) < 0 ||
	    family(r, model, "children", ids, n) < 0)
		return -1;
	return 0;
}

/* 1 when the render's family says commit id has no runs (runs) or no
 * refs pointing at it, so there is nothing to ask the db. */
static int
known_none(struct rctx *r, int64_t id, int runs)
{
	const struct q_fam_commit *f = q_family_get(r->fam, id);

	return f != NULL && !(runs ? f->has_runs : f->has_refs);
}

static int
refs(struct rctx *r, cJSON *model, int64_t id)
{
	cJSON *arr = cJSON_AddArrayToObject(model, "refs"), *o;
	struct q_ref_name *v;
	size_t n, i;
	char *url;

	if (known_none(r, id, 0))
		return 0;
	if (q_commit_refs(r->db, id, &v, &n) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", v[i].name);
		cJSON_AddBoolToObject(o, "tracked", v[i].tracked);
		url = render_url_ref(v[i].name);
		cJSON_AddStringToObject(o, "url", url);
		free(url);
		cJSON_AddItemToArray(arr, o);
	}
	q_ref_names_free(v, n);
	return 0;
}

static int
runs(struct rctx *r, cJSON *model, int64_t id)
{
	cJSON *arr = cJSON_AddArrayToObject(model, "runs"), *o;
	struct q_run *v;
	char when[40], *url;
	size_t n, i;

	if (known_none(r, id, 1))
		return 0;
	if (q_commit_runs(r->db, id, &v, &n) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		o = cJSON_CreateObject();
		render_add_run(o, v[i].id);
		render_add_str(o, "worker", (const unsigned char *)v[i].worker);
		url = render_url_worker(v[i].worker ? v[i].worker : "");
		cJSON_AddStringToObject(o, "worker_url", url);
		free(url);
		render_time(when, v[i].start_time, 0);
		cJSON_AddStringToObject(o, "start", when);
		if (!isnan(v[i].end_time)) {
			render_time(when, v[i].end_time, 0);
			cJSON_AddStringToObject(o, "end", when);
		} else
			cJSON_AddNullToObject(o, "end");
		if (v[i].has_exit)
			cJSON_AddNumberToObject(o, "exit_code",
			    v[i].exit_code);
		else
			cJSON_AddNullToObject(o, "exit_code");
		render_add_str(o, "error", (const unsigned char *)v[i].error);
		cJSON_AddItemToArray(arr, o);
	}
	q_runs_free(v, n);
	return 0;
}

/* The latest run's measurements against the nearest ancestor's run. */
static int
changes(struct rctx *r, cJSON *model, int64_t id)
{
	char latest[Q_ID_SIZE], base[Q_ID_SIZE];
	cJSON *rows;
	int rc, has_base;

	rc = known_none(r, id, 1) ? 0 : q_latest_run(r->db, id, latest);
	if (rc <= 0) {
		cJSON_AddNullToObject(model, "latest_run");
		return rc;
	}
	render_add_run(cJSON_AddObjectToObject(model, "latest_run"), latest);
	has_base = q_base_run(r->db, id, base);
	if (has_base < 0 ||
	    render_base_run(r, model, id, has_base ? base : NULL) < 0)
		return -1;
	rows = render_measurements(r, latest, has_base ? base : NULL, 0);
	if (rows == NULL)
		return -1;
	cJSON_AddItemToObject(model, "measurements", rows);
	return 0;
}

/* The message: its summary, the whole text, and the body (after the
 * summary line) as CommonMark in safe mode: raw HTML and javascript:
 * links are dropped. */
static void
message(cJSON *m, const char *msg)
{
	struct buf clean;
	const char *body;
	char *s, *html;

	s = render_summary(msg);
	cJSON_AddStringToObject(m, "summary", s);
	free(s);
	cJSON_AddStringToObject(m, "message", msg);
	body = strchr(msg, '\n');
	buf_init(&clean, 0);
	buf_must(esc_text(&clean, body ? body + 1 : "",
	    body ? strlen(body + 1) : 0));
	html = cmark_markdown_to_html(clean.data ? clean.data : "", clean.len,
	    CMARK_OPT_DEFAULT);
	buf_fini(&clean);
	cJSON_AddStringToObject(m, "message_html", html ? html : "");
	free(html);
}

int
page_commit(struct rctx *r, const char *hash)
{
	struct q_commit_full c;
	cJSON *m = NULL;
	char *dir = NULL, title[64];
	int rc;

	rc = q_commit_by_hash(r->db, hash, &c);
	if (rc <= 0)
		return rc;	/* 0: gone, nothing to show */
	/* Listed on its shard page only: a page it had before goes. */
	if ((rc = render_informative(r, c.id)) <= 0) {
		if (rc == 0) {
			dir = render_url_commit(hash);
			rc = render_remove_page(r, dir, "commit.json");
		}
		goto out;
	}
	rc = -1;
	m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "hash", hash);
	snprintf(title, sizeof(title), "%.10s", hash);
	cJSON_AddStringToObject(m, "short", title);
	cJSON_AddItemToObject(m, "author", person(c.author_name,
	    c.author_email, c.author_time, c.author_tz));
	cJSON_AddItemToObject(m, "committer", person(c.committer_name,
	    c.committer_email, c.committer_time, c.committer_tz));
	message(m, c.message);
	cJSON_AddNumberToObject(m, "reachable", c.reachable);
	cJSON_AddBoolToObject(m, "tracked", c.reachable == 2);
	if (parents_children(r, m, c.id) < 0 || refs(r, m, c.id) < 0 ||
	    runs(r, m, c.id) < 0 || changes(r, m, c.id) < 0)
		goto out;
	dir = render_url_commit(hash);
	dir[strlen(dir) - 1] = '\0';
	snprintf(title, sizeof(title), "commit %.10s", hash);
	rc = render_page(r, dir, "commit", m, "commit.json", title);
out:
	free(dir);
	q_commit_full_free(&c);
	cJSON_Delete(m);
	return rc;
}

/* Add a link {hash, short, url} to commit id (hash) to arr. */
static int
add_link(struct rctx *r, cJSON *arr, int64_t id, const char *hash)
{
	cJSON *l;
	char *url, s[11];

	if ((url = render_commit_url(r, id, hash)) == NULL)
		return -1;
	l = cJSON_CreateObject();
	cJSON_AddStringToObject(l, "hash", hash);
	snprintf(s, sizeof(s), "%.10s", hash);
	cJSON_AddStringToObject(l, "short", s);
	cJSON_AddStringToObject(l, "url", url);
	free(url);
	cJSON_AddItemToArray(arr, l);
	return 0;
}

/* Add the links of entry id, from v[*i..) (sorted as entries are), as an
 * array key of o. */
static int
add_links(struct rctx *r, cJSON *o, const char *key, int64_t id,
    const struct q_link *v, size_t n, size_t *i)
{
	cJSON *arr = cJSON_AddArrayToObject(o, key);

	for (; *i < n && v[*i].of == id; (*i)++)
		if (add_link(r, arr, v[*i].id, v[*i].hash) < 0)
			return -1;
	return 0;
}

/* The same from r->fam: its links[at..at + n) (a commit it does not have
 * is left out, as the query's join leaves it out). */
static int
add_links_of(struct rctx *r, cJSON *o, const char *key, size_t at, size_t n)
{
	cJSON *arr = cJSON_AddArrayToObject(o, key);
	const struct q_fam_commit *l;
	size_t i;

	for (i = at; i < at + n; i++)
		if ((l = q_family_get(r->fam, r->fam->links[i])) != NULL &&
		    add_link(r, arr, r->fam->links[i], l->hash) < 0)
			return -1;
	return 0;
}

/* shard_entries() from r->fam. */
static int
shard_entries_of(struct rctx *r, cJSON *arr, const char *prefix)
{
	const struct q_fam_commit *f;
	size_t from, to, i;
	int64_t id;
	cJSON *c;
	int inf;

	q_family_prefix(r->fam, prefix, &from, &to);
	for (i = from; i < to; i++) {
		id = r->fam->by_hash[i];
		f = q_family_get(r->fam, id);
		if ((inf = render_informative(r, id)) < 0)
			return -1;
		if (inf)
			continue;
		c = render_commit_brief(r, id);
		if (c == NULL)
			return -1;
		cJSON_AddItemToArray(arr, c);
		if (add_links_of(r, c, "parents", f->par, f->npar) < 0 ||
		    add_links_of(r, c, "children", f->kid, f->nkid) < 0)
			return -1;
	}
	return 0;
}

/* The shard's entries: each commit of prefix without a page of its own,
 * with its parents and children (each linked where it is). Three queries
 * for the whole shard (the commits, their parents, their children), or
 * none in a full render. */
static int
shard_entries(struct rctx *r, cJSON *arr, const char *prefix)
{
	struct q_commit *v = NULL;
	struct q_link *par = NULL, *kid = NULL;
	size_t n = 0, np = 0, nk = 0, i, ip = 0, ik = 0;
	cJSON *c;
	int rc = -1, inf;

	if (r->fam != NULL)
		return shard_entries_of(r, arr, prefix);
	if (q_commits_with_prefix(r->db, prefix, &v, &n) < 0 ||
	    q_prefix_links(r->db, prefix, 0, &par, &np) < 0 ||
	    q_prefix_links(r->db, prefix, 1, &kid, &nk) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		/* The links are in the entries' order: skip to this one's. */
		while (ip < np && par[ip].of != v[i].id)
			ip++;
		while (ik < nk && kid[ik].of != v[i].id)
			ik++;
		if ((inf = render_informative(r, v[i].id)) < 0)
			goto out;
		if (inf)
			continue;
		if ((c = render_commit_brief_of(r, &v[i])) == NULL)
			goto out;
		cJSON_AddItemToArray(arr, c);
		if (add_links(r, c, "parents", v[i].id, par, np, &ip) < 0 ||
		    add_links(r, c, "children", v[i].id, kid, nk, &ik) < 0)
			goto out;
	}
	rc = 0;
out:
	q_commits_free(v, n);
	free(par);
	free(kid);
	return rc;
}

int
page_commit_shard(struct rctx *r, const char *prefix)
{
	cJSON *m = cJSON_CreateObject(), *arr;
	char *dir = NULL, *title = NULL;
	size_t i;
	int rc = -1;

	for (i = 0; prefix[i] != '\0'; i++)
		if (strchr("0123456789abcdef", prefix[i]) == NULL)
			break;
	if (i != SHARD_DIGITS || prefix[i] != '\0') {
		err_set("'%s' is not a shard of %d hex digits", prefix,
		    SHARD_DIGITS);
		goto out;
	}
	cJSON_AddStringToObject(m, "prefix", prefix);
	arr = cJSON_AddArrayToObject(m, "commits");
	if (shard_entries(r, arr, prefix) < 0)
		goto out;
	dir = xasprintf("commits/%s", prefix);
	if (cJSON_GetArraySize(arr) == 0) {
		rc = render_remove_page(r, dir, "shard.json");
		goto out;
	}
	cJSON_AddNumberToObject(m, "count", cJSON_GetArraySize(arr));
	title = xasprintf("commits %s…", prefix);
	rc = render_page(r, dir, "shard", m, "shard.json", title);
out:
	free(title);
	free(dir);
	cJSON_Delete(m);
	return rc;
}
