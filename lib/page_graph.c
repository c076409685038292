/* page_graph: graph/commits.json, graph/metrics.json and graph/m/<key>.json. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "esc.h"
#include "render_int.h"

struct gcommit {
	int64_t id;
	size_t pos;		/* in date order */
	int indeg;
	char *hash, *summary;
	double time;
};

static int
by_id(const void *a, const void *b)
{
	const struct gcommit *x = *(struct gcommit *const *)a;
	const struct gcommit *y = *(struct gcommit *const *)b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static struct gcommit *
lookup(struct gcommit **byid, size_t n, int64_t id)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (byid[mid]->id == id)
			return byid[mid];
		if (byid[mid]->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* A binary min-heap of positions (date order). */
static void
heap_push(size_t *h, size_t *n, size_t v)
{
	size_t i = (*n)++, p;

	h[i] = v;
	while (i > 0 && h[p = (i - 1) / 2] > h[i]) {
		h[i] = h[p];
		h[p] = v;
		i = p;
	}
}

static size_t
heap_pop(size_t *h, size_t *n)
{
	size_t top = h[0], i = 0, c, t;

	h[0] = h[--(*n)];
	for (;;) {
		c = 2 * i + 1;
		if (c >= *n)
			break;
		if (c + 1 < *n && h[c + 1] < h[c])
			c++;
		if (h[i] <= h[c])
			break;
		t = h[i];
		h[i] = h[c];
		h[c] = t;
		i = c;
	}
	return top;
}

/*
 * The tracked commits that have runs, in date order corrected to be
 * topological along the edges between them (a parent before its child).
 */
static int
graph_commits(struct rctx *r, struct gcommit **out, size_t *nout)
{
	sqlite3_stmt *st = render_q(r, "SELECT c.id, c.hash, c.committer_time, "
	    "substr(c.message, 1, instr(c.message || char(10), char(10)) - 1) "
	    "FROM commits c WHERE c.reachable = 2 AND c.id IN (SELECT "
	    "commit_id FROM runs) ORDER BY c.committer_time, c.id");
	struct gcommit *v = NULL, **byid = NULL, *p;
	size_t n = 0, cap = 0, i, *heap = NULL, nheap = 0, *order = NULL;
	size_t norder = 0, *kids_start = NULL, *kids = NULL, nedges = 0;
	int64_t (*edges)[2] = NULL;
	size_t ecap = 0;
	int rc = -1, step;

	if (st == NULL)
		return -1;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[n].id = sqlite3_column_int64(st, 0);
		v[n].pos = n;
		v[n].indeg = 0;
		v[n].hash = xstrdup((const char *)sqlite3_column_text(st, 1));
		v[n].time = sqlite3_column_double(st, 2);
		/* xstrndup copies n bytes: bound n by the string. */
		v[n].summary = xstrndup((const char *)sqlite3_column_text(st,
		    3), strnlen((const char *)sqlite3_column_text(st, 3),
		    100));
		/* Do not end in half a UTF-8 sequence. */
		{
			size_t l = strlen(v[n].summary);

			if (l == 100) {
				while (l > 0 && ((unsigned char)
				    v[n].summary[l] & 0xc0) == 0x80)
					l--;
				v[n].summary[l] = '\0';
			}
		}
		n++;
	}
	sqlite3_reset(st);
	if (step != SQLITE_DONE) {
		render_dberr(r, "reading the graph's commits");
		goto out;
	}
	byid = xmalloc((n ? n : 1) * sizeof(*byid));
	for (i = 0; i < n; i++)
		byid[i] = &v[i];
	qsort(byid, n, sizeof(*byid), by_id);
	/* Edges between two graph commits. */
	st = render_q(r, "SELECT parent FROM commit_edges WHERE child = ?");
	if (st == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, v[i].id);
		while ((step = sqlite3_step(st)) == SQLITE_ROW) {
			p = lookup(byid, n, sqlite3_column_int64(st, 0));
			if (p == NULL)
				continue;
			if (nedges == ecap) {
				ecap = ecap ? ecap * 2 : 256;
				edges = xrealloc(edges, ecap * sizeof(*edges));
			}
			edges[nedges][0] = (int64_t)p->pos;
			edges[nedges][1] = (int64_t)i;
			nedges++;
			v[i].indeg++;
		}
		if (step != SQLITE_DONE) {
			sqlite3_reset(st);
			render_dberr(r, "reading edges");
			goto out;
		}
	}
	sqlite3_reset(st);
	/* Children of each position, CSR style. */
	kids_start = xcalloc(n + 1, sizeof(*kids_start));
	kids = xmalloc((nedges ? nedges : 1) * sizeof(*kids));
	for (i = 0; i < nedges; i++)
		kids_start[edges[i][0] + 1]++;
	for (i = 0; i < n; i++)
		kids_start[i + 1] += kids_start[i];
	{
		size_t *fill = xcalloc(n + 1, sizeof(*fill));

		for (i = 0; i < nedges; i++) {
			size_t a = (size_t)edges[i][0];

			kids[kids_start[a] + fill[a]++] = (size_t)edges[i][1];
		}
		free(fill);
	}
	heap = xmalloc((n ? n : 1) * sizeof(*heap));
	order = xmalloc((n ? n : 1) * sizeof(*order));
	for (i = 0; i < n; i++)
		if (v[i].indeg == 0)
			heap_push(heap, &nheap, i);
	while (nheap > 0) {
		size_t c = heap_pop(heap, &nheap), k;

		order[norder++] = c;
		for (k = kids_start[c]; k < kids_start[c + 1]; k++)
			if (--v[kids[k]].indeg == 0)
				heap_push(heap, &nheap, kids[k]);
	}
	/* norder == n: the edges of a git history have no cycle. */
	*out = xmalloc((n ? n : 1) * sizeof(**out));
	for (i = 0; i < norder; i++)
		(*out)[i] = v[order[i]];
	*nout = norder;
	free(v);
	v = NULL;
	rc = 0;
out:
	if (v != NULL) {
		for (i = 0; i < n; i++) {
			free(v[i].hash);
			free(v[i].summary);
		}
		free(v);
	}
	free(byid);
	free(edges);
	free(kids_start);
	free(kids);
	free(heap);
	free(order);
	return rc;
}

/* The content id of the graph's commit list: changes when it does. */
static int
commits_id(struct rctx *r, char id[17], cJSON **list)
{
	struct gcommit *v = NULL;
	size_t n = 0, i;
	cJSON *arr, *e;
	char *s;

	if (graph_commits(r, &v, &n) < 0)
		return -1;
	arr = cJSON_CreateArray();
	for (i = 0; i < n; i++) {
		e = cJSON_CreateArray();
		cJSON_AddItemToArray(e, cJSON_CreateNumber((double)v[i].id));
		cJSON_AddItemToArray(e, cJSON_CreateString(v[i].hash));
		cJSON_AddItemToArray(e, cJSON_CreateNumber(v[i].time));
		cJSON_AddItemToArray(e, cJSON_CreateString(v[i].summary));
		cJSON_AddItemToArray(arr, e);
		free(v[i].hash);
		free(v[i].summary);
	}
	free(v);
	s = cJSON_PrintUnformatted(arr);
	esc_hash_hex(s ? s : "", id);
	free(s);
	*list = arr;
	return 0;
}

int
page_graph_commits(struct rctx *r)
{
	cJSON *m, *list;
	char id[17];
	int rc;

	if (commits_id(r, id, &list) < 0)
		return -1;
	memcpy(r->graph_id, id, sizeof(r->graph_id));
	m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "id", id);
	cJSON_AddStringToObject(m, "columns", "id hash time summary");
	cJSON_AddItemToObject(m, "commits", list);
	rc = render_json(r, "graph/commits.json", m);
	cJSON_Delete(m);
	return rc;
}

int
page_graph_metrics(struct rctx *r)
{
	sqlite3_stmt *st;
	cJSON *m, *arr, *o;
	char key[17];
	int rc;

	st = render_q(r, "SELECT name, unit, direction FROM metrics WHERE id "
	    "IN (SELECT metric_id FROM measurements) ORDER BY name");
	if (st == NULL)
		return -1;
	m = cJSON_CreateObject();
	/* The page refetches both files until their ids agree. */
	cJSON_AddStringToObject(m, "commits_id", r->graph_id);
	arr = cJSON_AddArrayToObject(m, "metrics");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		o = cJSON_CreateObject();
		render_add_str(o, "name", sqlite3_column_text(st, 0));
		esc_hash_hex((const char *)sqlite3_column_text(st, 0), key);
		cJSON_AddStringToObject(o, "key", key);
		render_add_str(o, "unit", sqlite3_column_text(st, 1));
		cJSON_AddNumberToObject(o, "direction",
		    sqlite3_column_int(st, 2));
		cJSON_AddItemToArray(arr, o);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		cJSON_Delete(m);
		return render_dberr(r, "reading metrics");
	}
	rc = render_json(r, "graph/metrics.json", m);
	cJSON_Delete(m);
	return rc;
}

int
page_graph_metric(struct rctx *r, const char *name)
{
	sqlite3_stmt *st = render_q(r, "SELECT id, unit, direction FROM "
	    "metrics WHERE name = ?");
	cJSON *m, *pts, *p, *last = NULL;
	int64_t mid, cid, lastcid = -1;
	char key[17], rel[48];
	int rc;

	if (st == NULL)
		return -1;
	esc_hash_hex(name, key);
	snprintf(rel, sizeof(rel), "graph/m/%s.json", key);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		if (rc == SQLITE_DONE)
			return render_remove(r, rel);
		return render_dberr(r, "reading a metric");
	}
	m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "name", name);
	cJSON_AddStringToObject(m, "key", key);
	mid = sqlite3_column_int64(st, 0);
	render_add_str(m, "unit", sqlite3_column_text(st, 1));
	cJSON_AddNumberToObject(m, "direction", sqlite3_column_int(st, 2));
	sqlite3_reset(st);
	cJSON_AddStringToObject(m, "columns", "commit_id median");
	pts = cJSON_AddArrayToObject(m, "points");
	/* One point per commit: its latest run's median. */
	st = render_q(r, "SELECT r.commit_id, s.median FROM measurements s "
	    "JOIN runs r ON r.id = s.run_id WHERE s.metric_id = ? AND "
	    "s.median IS NOT NULL ORDER BY r.commit_id, r.start_time, r.id");
	if (st == NULL) {
		cJSON_Delete(m);
		return -1;
	}
	sqlite3_bind_int64(st, 1, mid);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		cid = sqlite3_column_int64(st, 0);
		if (cid == lastcid && last != NULL) {
			cJSON_ReplaceItemInArray(last, 1, cJSON_CreateNumber(
			    sqlite3_column_double(st, 1)));
			continue;
		}
		p = cJSON_CreateArray();
		cJSON_AddItemToArray(p, cJSON_CreateNumber((double)cid));
		cJSON_AddItemToArray(p, cJSON_CreateNumber(
		    sqlite3_column_double(st, 1)));
		cJSON_AddItemToArray(pts, p);
		last = p;
		lastcid = cid;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		cJSON_Delete(m);
		return render_dberr(r, "reading a metric's values");
	}
	rc = render_json(r, rel, m);
	cJSON_Delete(m);
	return rc;
}
