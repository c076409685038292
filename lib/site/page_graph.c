/* page_graph: the graph's data, multi-resolution, in position chunks. */
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "changes.h"
#include "err.h"
#include "esc.h"
#include "fsx.h"
#include "query.h"
#include "render_int.h"

/*
 * The graph shows the tracked commits with runs, in date order corrected
 * so that a parent comes before its child. Each gets a position 0..n-1 in
 * that order, and the data is cut by position (all JSON):
 *
 *   graph/commits.json   {id, n, chunk, fan, levels, t0, t1,
 *                        chunks: [[k, id of c/k.json], ...]}
 *   graph/c/<k>.json     {id, commits: [[hash, time, summary, failed],
 *                        ...]}: positions [k * chunk, (k + 1) * chunk)
 *   graph/metrics.json   {commits_id, default: [names], metrics: [{name,
 *                        key, unit, direction, changes: [[after pos,
 *                        before pos, delta %, verdict, id], ...]}]}
 *   graph/m/<key>/<k>.json {id, p: [[offset, median, min, max], ...]}:
 *                        every point of chunk k (each commit's latest run)
 *   graph/l/<L>/<f>.json {t: [time of each bucket's first commit], f:
 *                        [[bucket, failed runs], ...]}
 *   graph/m/<key>/l<L>-<f>.json {v: [median of the bucket's medians],
 *                        lo: [their min], hi: [their max]}: level L >= 1
 *                        cuts the positions into buckets of fan^L, file f
 *                        holds buckets [f * chunk, (f + 1) * chunk)
 *
 * The top level is the first whose one file covers every position, so a
 * first view of any history reads one or two files per metric of at most
 * `chunk` buckets, and zooming in reads the files of the finest level that
 * keeps the view under a few thousand points. A render rewrites the chunks
 * whose commits changed or that hold a new run, and the level files above
 * them; the rest stays as it is.
 */
#define CHUNK 1024
#define FAN 8
#define MAX_LEVELS 12

struct gc {
	int64_t id;
	double t;
	int failed;
};

struct gmet {
	int64_t id;
	char *name;
	char key[17];
	char *unit;
	int direction;
	int dirty;
	double *v, *lo, *hi;	/* by position, NAN for none */
};

struct graph {
	struct gc *c;		/* by position */
	size_t n;
	int32_t *pos;		/* commit id -> position, -1 */
	int64_t maxid;
	struct gmet *m;
	size_t nm;
	size_t nchunks;
	int levels;
	char (*cid)[17];	/* chunk ids */
	unsigned char *touched;	/* by chunk */
};

static int
by_time(const void *a, const void *b)
{
	const struct gc *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* A min-heap of indices. */
struct heap {
	size_t *a, n;
};

static void
heap_push(struct heap *h, size_t v)
{
	size_t i = h->n++, p;

	h->a[i] = v;
	while (i > 0 && h->a[p = (i - 1) / 2] > h->a[i]) {
		h->a[i] = h->a[p];
		h->a[p] = v;
		i = p;
	}
}

static size_t
heap_pop(struct heap *h)
{
	size_t top = h->a[0], i = 0, c, t;

	h->a[0] = h->a[--h->n];
	for (;;) {
		c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->a[c + 1] < h->a[c])
			c++;
		if (h->a[i] <= h->a[c])
			break;
		t = h->a[i];
		h->a[i] = h->a[c];
		h->a[c] = t;
		i = c;
	}
	return top;
}

/* The graph's commits (level 2, with runs) into g->c, in date order, and
 * g->maxid. */
static int
read_commits(struct rctx *r, struct graph *g)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	int step;

	st = db_stmt(r->db, "site.page_graph.load_commits",
	    "SELECT max(id) FROM commits");
	if (st == NULL)
		return -1;
	step = sqlite3_step(st);
	g->maxid = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (step != SQLITE_ROW)
		return render_dberr(r, "reading the graph's commits");
	st = db_stmt(r->db, "site.page_graph.load_commits_2",
	    "SELECT c.id, c.committer_time, (SELECT x.error IS "
	    "NOT NULL OR x.exit_code IS NOT 0 FROM runs x WHERE x.id = "
	    Q_LATEST_RUN_OF("c.id") ") FROM commits c WHERE "
	    "c.reachable = 2 AND EXISTS (SELECT 1 FROM runs WHERE commit_id = "
	    "c.id)");
	if (st == NULL)
		return -1;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (g->n == cap) {
			cap = cap ? 2 * cap : 256;
			g->c = xrealloc(g->c, cap * sizeof(*g->c));
		}
		g->c[g->n].id = sqlite3_column_int64(st, 0);
		g->c[g->n].t = sqlite3_column_double(st, 1);
		g->c[g->n].failed = sqlite3_column_int(st, 2);
		g->n++;
	}
	sqlite3_reset(st);
	if (step != SQLITE_DONE)
		return render_dberr(r, "reading the graph's commits");
	if (g->n > 1)
		qsort(g->c, g->n, sizeof(*g->c), by_time);
	return 0;
}

/* The edges between the graph's commits, parent -> child, as lists: the
 * edges from position i are head[i], next[head[i]], ... (SIZE_MAX ends),
 * each going to to[e]; indeg[i] counts i's parents in the graph. */
struct edges {
	size_t *head, *next, *to, *indeg, ne, cap;
};

static void
edges_fini(struct edges *e)
{
	free(e->head);
	free(e->next);
	free(e->to);
	free(e->indeg);
}

/* Read the edges of g's commits; idx maps a commit id to its position. */
static int
load_edges(struct rctx *r, const struct graph *g, const int32_t *idx,
    struct edges *e)
{
	sqlite3_stmt *pst;
	size_t i;
	int step;

	e->head = xmalloc((g->n + 1) * sizeof(*e->head));
	e->indeg = xcalloc(g->n + 1, sizeof(*e->indeg));
	for (i = 0; i < g->n; i++)
		e->head[i] = SIZE_MAX;
	pst = db_stmt(r->db, "site.page_graph.load_commits_3",
	    "SELECT parent FROM commit_edges WHERE child = ?");
	if (pst == NULL)
		return -1;
	for (i = 0; i < g->n; i++) {
		sqlite3_reset(pst);
		sqlite3_bind_int64(pst, 1, g->c[i].id);
		while ((step = sqlite3_step(pst)) == SQLITE_ROW) {
			int64_t p = sqlite3_column_int64(pst, 0);

			if (p < 0 || p > g->maxid || idx[p] < 0)
				continue;
			if (e->ne == e->cap) {
				e->cap = e->cap ? 2 * e->cap : 256;
				e->next = xrealloc(e->next,
				    e->cap * sizeof(*e->next));
				e->to = xrealloc(e->to, e->cap * sizeof(*e->to));
			}
			/* Edge parent -> child i. */
			e->to[e->ne] = i;
			e->next[e->ne] = e->head[idx[p]];
			e->head[idx[p]] = e->ne++;
			e->indeg[i]++;
		}
		if (step != SQLITE_DONE) {
			sqlite3_reset(pst);
			return render_dberr(r, "reading the graph's parents");
		}
	}
	sqlite3_reset(pst);
	return 0;
}

/* The graph's commits, in position order. */
static int
load_commits(struct rctx *r, struct graph *g)
{
	size_t i, k = 0, e;
	struct edges ed = {0};
	struct gc *out = NULL;
	struct heap h = {NULL, 0};
	int32_t *idx = NULL;
	int rc = -1;

	if (read_commits(r, g) < 0)
		return -1;
	/* Date order, then parents before children (Kahn, smallest date
	 * position first). idx: commit id -> date position. */
	idx = xmalloc((size_t)(g->maxid + 1) * sizeof(*idx));
	for (i = 0; i <= (size_t)g->maxid; i++)
		idx[i] = -1;
	for (i = 0; i < g->n; i++)
		idx[g->c[i].id] = (int32_t)i;
	if (load_edges(r, g, idx, &ed) < 0)
		goto out;
	h.a = xmalloc((g->n + 1) * sizeof(*h.a));
	out = xmalloc((g->n + 1) * sizeof(*out));
	for (i = 0; i < g->n; i++)
		if (ed.indeg[i] == 0)
			heap_push(&h, i);
	while (h.n > 0) {
		i = heap_pop(&h);
		out[k++] = g->c[i];
		for (e = ed.head[i]; e != SIZE_MAX; e = ed.next[e])
			if (--ed.indeg[ed.to[e]] == 0)
				heap_push(&h, ed.to[e]);
	}
	/* A cycle cannot happen in git; keep every commit anyway. */
	if (k != g->n) {
		err_set("the graph's commits form a cycle");
		goto out;
	}
	free(g->c);
	g->c = out;
	out = NULL;
	g->pos = idx;
	idx = NULL;
	for (i = 0; i < g->n; i++)
		g->pos[g->c[i].id] = (int32_t)i;
	rc = 0;
out:
	free(out);
	free(idx);
	edges_fini(&ed);
	free(h.a);
	return rc;
}

/* The id of what a chunk shows: its commits, times and failures. */
static void
chunk_id(const struct graph *g, size_t k, char out[17])
{
	static const char hex[] = "0123456789abcdef";
	uint64_t h = 14695981039346656037ULL;
	size_t i, lo = k * CHUNK, hi = lo + CHUNK < g->n ? lo + CHUNK : g->n;
	unsigned char b[24];
	int j;

	for (i = lo; i < hi; i++) {
		memcpy(b, &g->c[i].id, 8);
		memcpy(b + 8, &g->c[i].t, 8);
		memset(b + 16, 0, 8);
		b[16] = (unsigned char)g->c[i].failed;
		for (j = 0; j < 24; j++) {
			h ^= b[j];
			h *= 1099511628211ULL;
		}
	}
	h ^= (uint64_t)(hi - lo);
	h *= 1099511628211ULL;
	for (j = 15; j >= 0; j--) {
		out[j] = hex[h & 15];
		h >>= 4;
	}
	out[16] = '\0';
}

/* The id at the head of an existing c/<k>.json: 0, or -1. */
static int
read_head(struct rctx *r, size_t k, char id[17])
{
	char *path, head[64];
	ssize_t got;
	int fd;

	path = xasprintf("%s/graph/c/%zu.json", r->out, k);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd < 0)
		return -1;
	got = read(fd, head, sizeof(head) - 1);
	close(fd);
	if (got <= 0)
		return -1;
	head[got] = '\0';
	return sscanf(head, "{\"id\":\"%16[0-9a-f]\"", id) == 1 ? 0 : -1;
}

static int
missing(struct rctx *r, const char *rel)
{
	char *path = xasprintf("%s/%s", r->out, rel);
	int m = access(path, F_OK) != 0;

	free(path);
	return m;
}

static int
add_num(struct buf *b, double v)
{
	char num[40];

	render_json_num(num, v);
	return buf_adds(b, num);
}

/* graph/c/<k>.json */
static int
write_chunk(struct rctx *r, struct graph *g, size_t k)
{
	sqlite3_stmt *st;
	struct buf b;
	char rel[64];
	size_t i, lo = k * CHUNK, hi = lo + CHUNK < g->n ? lo + CHUNK : g->n;
	int rc = -1;
	int e = 0;

	st = db_stmt(r->db, "site.page_graph.write_chunk",
	    "SELECT hash, substr(message, 1, instr(message || "
	    "char(10), char(10)) - 1) FROM commits WHERE id = ?");
	if (st == NULL)
		return -1;
	buf_init(&b, 0);
	e |= buf_addf(&b, "{\"id\":\"%s\",\"commits\":[", g->cid[k]);
	for (i = lo; i < hi; i++) {
		char summary[201];
		const char *m;
		size_t len;

		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, g->c[i].id);
		if (sqlite3_step(st) != SQLITE_ROW) {
			sqlite3_reset(st);
			render_dberr(r, "reading a graph commit");
			goto out;
		}
		m = (const char *)sqlite3_column_text(st, 1);
		m = m ? m : "";
		/* At most 200 bytes, not ending inside a UTF-8 sequence. */
		len = strnlen(m, 200);
		while (len > 0 && m[len] != '\0' &&
		    ((unsigned char)m[len] & 0xc0) == 0x80)
			len--;
		memcpy(summary, m, len);
		summary[len] = '\0';
		e |= buf_addf(&b, "%s[\"%s\",", i > lo ? "," : "",
		    sqlite3_column_text(st, 0));
		e |= add_num(&b, g->c[i].t);
		e |= buf_addc(&b, ',');
		e |= esc_json(&b, summary);
		e |= buf_addf(&b, ",%d]", g->c[i].failed);
	}
	sqlite3_reset(st);
	e |= buf_adds(&b, "]}");
	snprintf(rel, sizeof(rel), "graph/c/%zu.json", k);
	buf_must(e);
	rc = render_file(r, rel, b.data, b.len);
out:
	buf_fini(&b);
	return rc;
}

/* graph/m/<key>/<k>.json */
static int
write_points(struct rctx *r, struct graph *g, struct gmet *m, size_t k)
{
	struct buf b;
	char rel[80];
	size_t i, lo = k * CHUNK, hi = lo + CHUNK < g->n ? lo + CHUNK : g->n;
	int first = 1, rc;
	int e = 0;

	buf_init(&b, 0);
	e |= buf_addf(&b, "{\"id\":\"%s\",\"p\":[", g->cid[k]);
	for (i = lo; i < hi; i++) {
		if (isnan(m->v[i]))
			continue;
		e |= buf_addf(&b, "%s[%zu,", first ? "" : ",", i - lo);
		first = 0;
		e |= add_num(&b, m->v[i]);
		e |= buf_addc(&b, ',');
		e |= add_num(&b, m->lo[i]);
		e |= buf_addc(&b, ',');
		e |= add_num(&b, m->hi[i]);
		e |= buf_addc(&b, ']');
	}
	e |= buf_adds(&b, "]}");
	snprintf(rel, sizeof(rel), "graph/m/%s/%zu.json", m->key, k);
	buf_must(e);
	rc = render_file(r, rel, b.data, b.len);
	buf_fini(&b);
	return rc;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* v to 12 significant digits: a mean of two values prints short. */
static double
round12(double v)
{
	char s[40];

	snprintf(s, sizeof(s), "%.12g", v);
	return strtod(s, NULL);
}

/* bucket size fan^level */
static size_t
bucket_size(int level)
{
	size_t s = 1;

	while (level-- > 0)
		s *= FAN;
	return s;
}

/* graph/l/<L>/<f>.json and every metric's m/<key>/l<L>-<f>.json.
 * Long: parallel buffers (times, flags, values, bounds) filled in one pass
 * over the buckets. */
static int
write_level(struct rctx *r, struct graph *g, int level, size_t f,
    int all_metrics, double *tmp)
{
	size_t bs = bucket_size(level), b0 = f * CHUNK, nb, b, i, j, n;
	struct buf t, fl, v, lo, hi;
	char rel[96];
	int rc = -1, first = 1;
	int e = 0;

	nb = (g->n + bs - 1) / bs;
	nb = nb > b0 + CHUNK ? CHUNK : nb - b0;
	buf_init(&t, 0);
	buf_init(&fl, 0);
	buf_init(&v, 0);
	buf_init(&lo, 0);
	buf_init(&hi, 0);
	e |= buf_adds(&t, "{\"t\":[");
	e |= buf_adds(&fl, "],\"f\":[");
	for (b = 0; b < nb; b++) {
		size_t p0 = (b0 + b) * bs, p1 = p0 + bs < g->n ? p0 + bs : g->n;
		int nf = 0;

		if (b)
			e |= buf_addc(&t, ',');
		e |= add_num(&t, g->c[p0].t);
		for (i = p0; i < p1; i++)
			nf += g->c[i].failed;
		if (nf) {
			e |= buf_addf(&fl, "%s[%zu,%d]", first ? "" : ",", b,
			    nf);
			first = 0;
		}
	}
	e |= buf_add(&t, fl.data, fl.len);
	e |= buf_adds(&t, "]}");
	snprintf(rel, sizeof(rel), "graph/l/%d/%zu.json", level, f);
	buf_must(e);
	if (render_file(r, rel, t.data, t.len) < 0)
		goto out;
	for (j = 0; j < g->nm; j++) {
		struct gmet *m = &g->m[j];

		snprintf(rel, sizeof(rel), "graph/m/%s/l%d-%zu.json", m->key,
		    level, f);
		if (!all_metrics && !(m->dirty && missing(r, rel)))
			continue;
		buf_reset(&v);
		buf_reset(&lo);
		buf_reset(&hi);
		e |= buf_adds(&v, "{\"v\":[");
		e |= buf_adds(&lo, "],\"lo\":[");
		e |= buf_adds(&hi, "],\"hi\":[");
		for (b = 0; b < nb; b++) {
			size_t p0 = (b0 + b) * bs,
			    p1 = p0 + bs < g->n ? p0 + bs : g->n;
			const char *sep = b ? "," : "";

			for (n = 0, i = p0; i < p1; i++)
				if (!isnan(m->v[i]))
					tmp[n++] = m->v[i];
			if (n == 0) {
				e |= buf_addf(&v, "%snull", sep);
				e |= buf_addf(&lo, "%snull", sep);
				e |= buf_addf(&hi, "%snull", sep);
				continue;
			}
			qsort(tmp, n, sizeof(*tmp), cmp_double);
			e |= buf_adds(&v, sep);
			e |= add_num(&v, n % 2 ? tmp[n / 2] :
			    round12((tmp[n / 2 - 1] + tmp[n / 2]) / 2));
			e |= buf_adds(&lo, sep);
			e |= add_num(&lo, tmp[0]);
			e |= buf_adds(&hi, sep);
			e |= add_num(&hi, tmp[n - 1]);
		}
		e |= buf_add(&v, lo.data, lo.len);
		e |= buf_add(&v, hi.data, hi.len);
		e |= buf_adds(&v, "]}");
		buf_must(e);
		if (render_file(r, rel, v.data, v.len) < 0)
			goto out;
	}
	rc = 0;
out:
	buf_fini(&t);
	buf_fini(&fl);
	buf_fini(&v);
	buf_fini(&lo);
	buf_fini(&hi);
	return rc;
}

/* 1 if name is in the sorted set v[0..n). */
static int
in_set(char *const *v, size_t n, const char *name)
{
	size_t lo = 0, hi = n, mid;
	int c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		c = strcmp(v[mid], name);
		if (c == 0)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(((const struct gmet *)a)->name,
	    ((const struct gmet *)b)->name);
}

static int
by_id(const void *a, const void *b)
{
	const struct gmet *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* While g->m is in id order. */
static struct gmet *
metric_by_id(struct graph *g, int64_t id)
{
	struct gmet key;

	if (g->nm == 0)
		return NULL;
	key.id = id;
	return bsearch(&key, g->m, g->nm, sizeof(*g->m), by_id);
}

/* Every metric with values, and each one's latest value per position. */
static int
load_metrics(struct rctx *r, struct graph *g, char *const *dirty,
    size_t ndirty)
{
	sqlite3_stmt *st;
	struct gmet *m = NULL, *last = NULL;
	size_t i;
	int step;

	st = db_stmt(r->db, "site.page_graph.load_metrics",
	    "SELECT id, name, unit, direction FROM metrics m "
	    "WHERE EXISTS (SELECT 1 FROM measurements WHERE metric_id = m.id) "
	    "ORDER BY id");
	if (st == NULL)
		return -1;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *u = sqlite3_column_text(st, 2);

		g->m = xrealloc(g->m, (g->nm + 1) * sizeof(*g->m));
		m = &g->m[g->nm++];
		memset(m, 0, sizeof(*m));
		m->id = sqlite3_column_int64(st, 0);
		m->name = xstrdup((const char *)sqlite3_column_text(st, 1));
		m->unit = u ? xstrdup((const char *)u) : NULL;
		m->direction = sqlite3_column_int(st, 3);
		esc_hash_hex(m->name, m->key);
		m->dirty = in_set(dirty, ndirty, m->name);
		m->v = xmalloc((g->n + 1) * sizeof(double));
		m->lo = xmalloc((g->n + 1) * sizeof(double));
		m->hi = xmalloc((g->n + 1) * sizeof(double));
		for (i = 0; i < g->n; i++)
			m->v[i] = NAN;
	}
	sqlite3_reset(st);
	if (step != SQLITE_DONE)
		return render_dberr(r, "reading metrics");
	/* runs_commit orders by commit and start: the latest run wins. */
	st = db_stmt(r->db, "site.page_graph.load_metrics_2",
	    "SELECT r.commit_id, s.metric_id, s.median, s.min, "
	    "s.max FROM runs r JOIN measurements s ON s.run_id = r.id WHERE "
	    "s.median IS NOT NULL ORDER BY r.commit_id, r.start_time");
	if (st == NULL)
		return -1;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t c = sqlite3_column_int64(st, 0), id;
		int32_t p;

		if (c < 0 || c > g->maxid || (p = g->pos[c]) < 0)
			continue;
		id = sqlite3_column_int64(st, 1);
		if (last == NULL || last->id != id)
			last = metric_by_id(g, id);
		if (last == NULL)
			continue;
		last->v[p] = sqlite3_column_double(st, 2);
		last->lo[p] = sqlite3_column_type(st, 3) == SQLITE_NULL ?
		    last->v[p] : sqlite3_column_double(st, 3);
		last->hi[p] = sqlite3_column_type(st, 4) == SQLITE_NULL ?
		    last->v[p] : sqlite3_column_double(st, 4);
	}
	sqlite3_reset(st);
	if (step != SQLITE_DONE)
		return render_dberr(r, "reading the metrics' values");
	if (g->nm > 1)
		qsort(g->m, g->nm, sizeof(*g->m), by_name);
	return 0;
}

/* The changes table: markers and the default view. */
static int
add_changes(struct rctx *r, struct graph *g, cJSON *metrics, cJSON *dflt)
{
	sqlite3_stmt *st;
	int step, ndefault = 0;

	st = db_stmt(r->db, "site.page_graph.add_changes_2",
	    "SELECT m.name, x.after_commit, x.before_commit, "
	    "x.delta_pct, x.verdict, x.id FROM changes x JOIN metrics m ON "
	    "m.id = x.metric_id JOIN commits c ON c.id = x.after_commit "
	    "WHERE " CHANGES_SHOWN("x") " ORDER BY c.committer_time DESC, "
	    "x.id DESC");
	if (st == NULL)
		return -1;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		int64_t a = sqlite3_column_int64(st, 1),
		    b = sqlite3_column_int64(st, 2);
		cJSON *e, *o = NULL, *row, *list;
		int found = 0;

		if (a < 0 || a > g->maxid || g->pos[a] < 0)
			continue;
		cJSON_ArrayForEach(e, metrics)
			if (strcmp(cJSON_GetObjectItem(e, "name")->valuestring,
			    name) == 0) {
				o = e;
				break;
			}
		if (o == NULL)
			continue;
		list = cJSON_GetObjectItem(o, "changes");
		row = cJSON_CreateArray();
		cJSON_AddItemToArray(row, cJSON_CreateNumber(g->pos[a]));
		cJSON_AddItemToArray(row, cJSON_CreateNumber(b >= 0 &&
		    b <= g->maxid && g->pos[b] >= 0 ? g->pos[b] : -1));
		cJSON_AddItemToArray(row, cJSON_CreateNumber(
		    sqlite3_column_double(st, 3)));
		cJSON_AddItemToArray(row, cJSON_CreateNumber(
		    sqlite3_column_int(st, 4)));
		cJSON_AddItemToArray(row, cJSON_CreateNumber(
		    (double)sqlite3_column_int64(st, 5)));
		cJSON_AddItemToArray(list, row);
		/* The default view: the metrics of the 3 newest changes. */
		cJSON_ArrayForEach(e, dflt)
			found |= strcmp(e->valuestring, name) == 0;
		if (!found && ndefault < 3) {
			cJSON_AddItemToArray(dflt, cJSON_CreateString(name));
			ndefault++;
		}
	}
	sqlite3_reset(st);
	if (step != SQLITE_DONE)
		return render_dberr(r, "reading changes");
	return 0;
}

/* graph/metrics.json */
static int
write_metrics(struct rctx *r, struct graph *g)
{
	cJSON *m = cJSON_CreateObject(), *arr, *dflt;
	size_t i;
	int rc;

	cJSON_AddStringToObject(m, "commits_id", r->graph_id);
	dflt = cJSON_AddArrayToObject(m, "default");
	arr = cJSON_AddArrayToObject(m, "metrics");
	for (i = 0; i < g->nm; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", g->m[i].name);
		cJSON_AddStringToObject(o, "key", g->m[i].key);
		render_add_str(o, "unit", (const unsigned char *)g->m[i].unit);
		cJSON_AddNumberToObject(o, "direction", g->m[i].direction);
		cJSON_AddArrayToObject(o, "changes");
		cJSON_AddItemToArray(arr, o);
	}
	if (add_changes(r, g, arr, dflt) < 0) {
		cJSON_Delete(m);
		return -1;
	}
	if (cJSON_GetArraySize(dflt) == 0 && g->nm > 0)
		cJSON_AddItemToArray(dflt, cJSON_CreateString(g->m[0].name));
	rc = render_json(r, "graph/metrics.json", m);
	cJSON_Delete(m);
	return rc;
}

/* Mark the chunks that hold the commits of runs[0..nruns). */
static int
touch_runs(struct rctx *r, struct graph *g, char *const *runs, size_t nruns)
{
	sqlite3_stmt *st = db_stmt(r->db, "site.page_graph.touch_runs",
	    "SELECT commit_id FROM runs WHERE "
	    "id = ?");
	size_t i;
	int step;

	if (st == NULL)
		return -1;
	for (i = 0; i < nruns; i++) {
		int64_t c;

		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, runs[i], -1, SQLITE_TRANSIENT);
		step = sqlite3_step(st);
		if (step == SQLITE_DONE)
			continue;
		if (step != SQLITE_ROW) {
			sqlite3_reset(st);
			return render_dberr(r, "reading a run's commit");
		}
		c = sqlite3_column_int64(st, 0);
		if (c >= 0 && c <= g->maxid && g->pos[c] >= 0)
			g->touched[(size_t)g->pos[c] / CHUNK] = 1;
	}
	sqlite3_reset(st);
	return 0;
}

static void
graph_free(struct graph *g)
{
	size_t i;

	for (i = 0; i < g->nm; i++) {
		free(g->m[i].name);
		free(g->m[i].unit);
		free(g->m[i].v);
		free(g->m[i].lo);
		free(g->m[i].hi);
	}
	free(g->m);
	free(g->c);
	free(g->pos);
	free(g->cid);
	free(g->touched);
}

/* Long: the graph's driver: commits, chunks, levels and the index, in
 * order, over one struct graph. */
int
page_graph(struct rctx *r, int all, char *const *runs, size_t nruns,
    char *const *metrics, size_t nmetrics)
{
	struct graph g;
	struct buf idx, list;
	double *tmp = NULL;
	char id[17];
	size_t k, j, f;
	int rc = -1, level, e = 0;

	memset(&g, 0, sizeof(g));
	buf_init(&idx, 0);
	buf_init(&list, 0);
	if (load_commits(r, &g) < 0)
		goto out;
	g.nchunks = (g.n + CHUNK - 1) / CHUNK;
	g.cid = xmalloc((g.nchunks + 1) * sizeof(*g.cid));
	g.touched = xcalloc(g.nchunks + 1, 1);
	/* levels: the first L whose one file covers every position. */
	for (g.levels = 0; g.levels < MAX_LEVELS &&
	    (size_t)CHUNK * bucket_size(g.levels) < g.n; g.levels++)
		;
	for (k = 0; k < g.nchunks; k++) {
		chunk_id(&g, k, g.cid[k]);
		g.touched[k] = all || read_head(r, k, id) < 0 ||
		    strcmp(id, g.cid[k]) != 0;
	}
	if (touch_runs(r, &g, runs, nruns) < 0 ||
	    load_metrics(r, &g, metrics, nmetrics) < 0)
		goto out;
	for (k = 0; k < g.nchunks; k++) {
		char rel[80];

		if (g.touched[k] && write_chunk(r, &g, k) < 0)
			goto out;
		for (j = 0; j < g.nm; j++) {
			snprintf(rel, sizeof(rel), "graph/m/%s/%zu.json",
			    g.m[j].key, k);
			if ((g.touched[k] || (g.m[j].dirty &&
			    missing(r, rel))) && write_points(r, &g, &g.m[j],
			    k) < 0)
				goto out;
		}
	}
	tmp = xmalloc((bucket_size(g.levels) + 1) * sizeof(*tmp));
	for (level = 1; level <= g.levels; level++) {
		/* A level file spans CHUNK buckets: fan^level chunks. */
		size_t span = bucket_size(level), nf;

		nf = (g.nchunks + span - 1) / span;
		for (f = 0; f < nf; f++) {
			int touched = 0;
			char rel[64];

			for (k = f * span; k < (f + 1) * span && k < g.nchunks;
			    k++)
				touched |= g.touched[k];
			snprintf(rel, sizeof(rel), "graph/l/%d/%zu.json", level,
			    f);
			if (!touched && nmetrics == 0 && !missing(r, rel))
				continue;
			if (write_level(r, &g, level, f, touched, tmp) < 0)
				goto out;
		}
	}
	for (k = 0; k < g.nchunks; k++)
		e |= buf_addf(&list, "%s[%zu,\"%s\"]", k ? "," : "", k,
		    g.cid[k]);
	esc_hash_hex(list.data ? list.data : "", r->graph_id);
	e |= buf_addf(&idx, "{\"id\":\"%s\",\"n\":%zu,\"chunk\":%d,"
	    "\"fan\":%d,\"levels\":%d,\"t0\":", r->graph_id, g.n, CHUNK, FAN,
	    g.levels);
	e |= add_num(&idx, g.n ? g.c[0].t : 0);
	e |= buf_adds(&idx, ",\"t1\":");
	e |= add_num(&idx, g.n ? g.c[g.n - 1].t : 0);
	e |= buf_addf(&idx, ",\"chunks\":[%s]}", list.data ? list.data : "");
	buf_must(e);
	if (render_file(r, "graph/commits.json", idx.data, idx.len) < 0 ||
	    write_metrics(r, &g) < 0)
		goto out;
	rc = 0;
out:
	free(tmp);
	graph_free(&g);
	buf_fini(&idx);
	buf_fini(&list);
	return rc;
}
