/* page_graph: graph/commits.json, graph/metrics.json and graph/m/<key>.json. */
#include <math.h>
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
	/* Driven from the runs (far fewer than the commits). */
	sqlite3_stmt *st = render_q(r, "SELECT c.id, c.hash, c.committer_time, "
	    "substr(c.message, 1, instr(c.message || char(10), char(10)) - 1) "
	    "FROM (SELECT DISTINCT commit_id FROM runs) x CROSS JOIN commits c "
	    "ON c.id = x.commit_id WHERE c.reachable = 2 ORDER BY "
	    "c.committer_time, c.id");
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
	/* Edges between two graph commits, in one query. */
	st = render_q(r, "SELECT child, parent FROM commit_edges WHERE child "
	    "IN (SELECT commit_id FROM runs)");
	if (st == NULL)
		goto out;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		struct gcommit *c = lookup(byid, n,
		    sqlite3_column_int64(st, 0));

		p = lookup(byid, n, sqlite3_column_int64(st, 1));
		if (c == NULL || p == NULL)
			continue;
		if (nedges == ecap) {
			ecap = ecap ? ecap * 2 : 256;
			edges = xrealloc(edges, ecap * sizeof(*edges));
		}
		edges[nedges][0] = (int64_t)p->pos;
		edges[nedges][1] = (int64_t)c->pos;
		nedges++;
		c->indeg++;
	}
	sqlite3_reset(st);
	if (step != SQLITE_DONE) {
		render_dberr(r, "reading edges");
		goto out;
	}
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

int
page_graph_commits(struct rctx *r)
{
	struct gcommit *v = NULL;
	struct buf list, file;
	char num[40];
	size_t n = 0, i;
	int rc;

	if (graph_commits(r, &v, &n) < 0)
		return -1;
	/* Written directly: 10 000s of rows, printed fast. */
	buf_init(&list, 0);
	buf_addc(&list, '[');
	for (i = 0; i < n; i++) {
		render_json_num(num, v[i].time);
		buf_addf(&list, "%s[%lld,\"%s\",%s,", i ? "," : "",
		    (long long)v[i].id, v[i].hash, num);
		esc_json(&list, v[i].summary);
		buf_addc(&list, ']');
		free(v[i].hash);
		free(v[i].summary);
	}
	free(v);
	buf_addc(&list, ']');
	esc_hash_hex(list.data, r->graph_id);
	buf_init(&file, 0);
	buf_addf(&file, "{\"id\":\"%s\",\"columns\":\"id hash time summary\","
	    "\"commits\":", r->graph_id);
	buf_add(&file, list.data, list.len);
	buf_addc(&file, '}');
	rc = render_file(r, "graph/commits.json", file.data, file.len);
	buf_fini(&list);
	buf_fini(&file);
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

/* One metric file being built by page_graph_points. */
struct gm {
	int64_t id;
	char *name;
	struct buf json;	/* the points so far */
	int64_t cid;		/* the pending point's commit, -1 if none */
	double val;
	size_t n;
};

static int
by_gm_id(const void *a, const void *b)
{
	const struct gm *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* Append the pending point of g, if any. */
static void
flush_point(struct gm *g)
{
	char num[40];

	if (g->cid < 0)
		return;
	if (g->n++)
		buf_addc(&g->json, ',');
	buf_addc(&g->json, '[');
	render_json_num(num, (double)g->cid);
	buf_adds(&g->json, num);
	buf_addc(&g->json, ',');
	render_json_num(num, g->val);
	buf_adds(&g->json, num);
	buf_addc(&g->json, ']');
	g->cid = -1;
}

int
page_graph_points(struct rctx *r, char *const *names, size_t n)
{
	sqlite3_stmt *st;
	struct gm *gm = xcalloc(n ? n : 1, sizeof(*gm)), key, *g;
	size_t ng = 0, i, len;
	cJSON *m;
	char hex[17], rel[48], *head;
	int rc = -1, step;

	st = render_q(r, "SELECT id, unit, direction FROM metrics WHERE "
	    "name = ?");
	if (st == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		esc_hash_hex(names[i], hex);
		snprintf(rel, sizeof(rel), "graph/m/%s.json", hex);
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, names[i], -1, SQLITE_TRANSIENT);
		step = sqlite3_step(st);
		if (step == SQLITE_DONE) {
			if (render_remove(r, rel) < 0)
				goto out;
			continue;
		}
		if (step != SQLITE_ROW) {
			render_dberr(r, "reading a metric");
			goto out;
		}
		g = &gm[ng++];
		g->id = sqlite3_column_int64(st, 0);
		g->name = names[i];
		g->cid = -1;
		/* The head of the file; the points are spliced in below. */
		m = cJSON_CreateObject();
		cJSON_AddStringToObject(m, "name", names[i]);
		cJSON_AddStringToObject(m, "key", hex);
		render_add_str(m, "unit", sqlite3_column_text(st, 1));
		cJSON_AddNumberToObject(m, "direction",
		    sqlite3_column_int(st, 2));
		cJSON_AddStringToObject(m, "columns", "commit_id median");
		render_fix_utf8(m);
		head = cJSON_PrintUnformatted(m);
		cJSON_Delete(m);
		buf_init(&g->json, 0);
		len = strlen(head);
		buf_add(&g->json, head, len - 1);
		buf_adds(&g->json, ",\"points\":[");
		free(head);
	}
	sqlite3_reset(st);
	if (ng == 0) {
		rc = 0;
		goto out;
	}
	qsort(gm, ng, sizeof(*gm), by_gm_id);
	/*
	 * One pass over every measurement in commit order (the runs_commit
	 * index, then each run's measurements, adjacent by primary key):
	 * one point per commit, its latest run's median.
	 */
	st = render_q(r, "SELECT r.commit_id, s.metric_id, s.median FROM runs "
	    "r JOIN measurements s ON s.run_id = r.id WHERE s.median IS NOT "
	    "NULL ORDER BY r.commit_id, r.start_time");
	if (st == NULL)
		goto out;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		key.id = sqlite3_column_int64(st, 1);
		g = bsearch(&key, gm, ng, sizeof(*gm), by_gm_id);
		if (g == NULL)
			continue;
		if (g->cid != sqlite3_column_int64(st, 0))
			flush_point(g);
		g->cid = sqlite3_column_int64(st, 0);
		g->val = sqlite3_column_double(st, 2);
	}
	sqlite3_reset(st);
	if (step != SQLITE_DONE) {
		render_dberr(r, "reading the metrics' values");
		goto out;
	}
	for (i = 0; i < ng; i++) {
		flush_point(&gm[i]);
		buf_adds(&gm[i].json, "]}");
		esc_hash_hex(gm[i].name, hex);
		snprintf(rel, sizeof(rel), "graph/m/%s.json", hex);
		if (render_file(r, rel, gm[i].json.data, gm[i].json.len) < 0)
			goto out;
	}
	rc = 0;
out:
	for (i = 0; i < ng; i++)
		buf_fini(&gm[i].json);
	free(gm);
	return rc;
}
