/* page_graph: the graph's data: commits and metric values in id chunks. */
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "esc.h"
#include "fsx.h"
#include "render_int.h"

/*
 * Layout (all JSON):
 *   graph/commits.json   {id, chunk, chunks: [[n, id of c/n.json], ...]}
 *   graph/c/<n>.json     {id, sig, commits: [[id, hash, time, summary,
 *                        [parent ids]], ...]}: the tracked commits with
 *                        runs whose id is in [n * chunk, (n + 1) * chunk)
 *   graph/metrics.json   {commits_id, metrics: [{name, key, unit,
 *                        direction}]}
 *   graph/m/<key>/<n>.json {points: [[commit id, median], ...]} for the
 *                        commits of chunk n (each commit's latest run)
 * A new run rewrites the files of its chunk only, so the cost does not
 * grow with the history. The page checks that commits.json and
 * metrics.json name the same id and that each chunk is the one the index
 * names (its id), and loads again if not.
 */
#define CHUNK 4096

struct chunk {
	int64_t n;
	char sig[48];		/* count and sum of its commit ids */
	char id[17];
	int write;		/* its commit list must be (re)written */
	int points;		/* its metric files must be (re)written */
};

/* The id and sig at the head of an existing chunk file: 0, or -1. */
static int
read_head(struct rctx *r, int64_t n, char id[17], char sig[48])
{
	char *path, head[128];
	ssize_t got;
	int fd;

	path = xasprintf("%s/graph/c/%lld.json", r->out, (long long)n);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd < 0)
		return -1;
	got = read(fd, head, sizeof(head) - 1);
	close(fd);
	if (got <= 0)
		return -1;
	head[got] = '\0';
	return sscanf(head, "{\"id\":\"%16[0-9a-f]\",\"sig\":\"%47[0-9:]\"", id,
	    sig) == 2 ? 0 : -1;
}

/* Write graph/c/<n>.json: its commits with their parents. */
static int
write_chunk(struct rctx *r, struct chunk *c)
{
	sqlite3_stmt *st, *pst;
	struct buf list, file;
	char num[40], rel[64];
	int64_t lo = c->n * CHUNK;
	int step, pstep, first = 1, rc = -1;

	st = render_q(r, "SELECT c.id, c.hash, c.committer_time, substr("
	    "c.message, 1, instr(c.message || char(10), char(10)) - 1) FROM "
	    "commits c WHERE c.id >= ? AND c.id < ? AND c.reachable = 2 AND "
	    "EXISTS (SELECT 1 FROM runs WHERE commit_id = c.id) ORDER BY c.id");
	pst = render_q(r, "SELECT parent FROM commit_edges WHERE child = ? "
	    "ORDER BY idx");
	if (st == NULL || pst == NULL)
		return -1;
	buf_init(&list, 0);
	buf_init(&file, 0);
	sqlite3_bind_int64(st, 1, lo);
	sqlite3_bind_int64(st, 2, lo + CHUNK);
	buf_addc(&list, '[');
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		char summary[201];
		const char *m = (const char *)sqlite3_column_text(st, 3);
		size_t len = strnlen(m, 200);

		/* At most 200 bytes, not ending inside a UTF-8 sequence. */
		while (len > 0 && len < strlen(m) &&
		    ((unsigned char)m[len] & 0xc0) == 0x80)
			len--;
		memcpy(summary, m, len);
		summary[len] = '\0';
		render_json_num(num, sqlite3_column_double(st, 2));
		buf_addf(&list, "%s[%lld,\"%s\",%s,", first ? "" : ",",
		    (long long)sqlite3_column_int64(st, 0),
		    sqlite3_column_text(st, 1), num);
		first = 0;
		esc_json(&list, summary);
		buf_adds(&list, ",[");
		sqlite3_reset(pst);
		sqlite3_bind_int64(pst, 1, sqlite3_column_int64(st, 0));
		for (int k = 0; (pstep = sqlite3_step(pst)) == SQLITE_ROW; k++)
			buf_addf(&list, "%s%lld", k ? "," : "",
			    (long long)sqlite3_column_int64(pst, 0));
		sqlite3_reset(pst);
		if (pstep != SQLITE_DONE) {
			render_dberr(r, "reading parents");
			goto out;
		}
		buf_adds(&list, "]]");
	}
	sqlite3_reset(st);
	if (step != SQLITE_DONE) {
		render_dberr(r, "reading the graph's commits");
		goto out;
	}
	buf_addc(&list, ']');
	esc_hash_hex(list.data, c->id);
	buf_addf(&file, "{\"id\":\"%s\",\"sig\":\"%s\",\"commits\":", c->id,
	    c->sig);
	buf_add(&file, list.data, list.len);
	buf_addc(&file, '}');
	snprintf(rel, sizeof(rel), "graph/c/%lld.json", (long long)c->n);
	rc = render_file(r, rel, file.data, file.len);
out:
	buf_fini(&list);
	buf_fini(&file);
	return rc;
}

/* One metric's file for the chunk being written. */
struct gm {
	int64_t id;
	char key[17];
	struct buf json;
	int64_t cid;		/* the pending point's commit, -1 if none */
	double val;
	size_t n;
	int want;		/* write it for this chunk */
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

/*
 * Write graph/m/<key>/<n>.json for chunk n: every metric when all is set,
 * else the metrics in names[0..nn) and any metric whose file is missing.
 */
static int
write_points(struct rctx *r, struct gm *gm, size_t ng, int64_t n, int all,
    char *const *names, size_t nn, char *const *gnames)
{
	sqlite3_stmt *st;
	struct gm key, *g;
	char rel[80], *path;
	size_t i;
	int step, any = 0;

	for (i = 0; i < ng; i++) {
		snprintf(rel, sizeof(rel), "graph/m/%s/%lld.json", gm[i].key,
		    (long long)n);
		gm[i].want = all || in_set(names, nn, gnames[i]);
		if (!gm[i].want) {
			path = xasprintf("%s/%s", r->out, rel);
			gm[i].want = access(path, F_OK) != 0;
			free(path);
		}
		any |= gm[i].want;
		buf_reset(&gm[i].json);
		buf_adds(&gm[i].json, "{\"points\":[");
		gm[i].cid = -1;
		gm[i].n = 0;
	}
	if (!any)
		return 0;
	st = render_q(r, "SELECT r.commit_id, s.metric_id, s.median FROM runs "
	    "r JOIN measurements s ON s.run_id = r.id WHERE r.commit_id >= ? "
	    "AND r.commit_id < ? AND s.median IS NOT NULL ORDER BY "
	    "r.commit_id, r.start_time");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, n * CHUNK);
	sqlite3_bind_int64(st, 2, (n + 1) * CHUNK);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		key.id = sqlite3_column_int64(st, 1);
		g = bsearch(&key, gm, ng, sizeof(*gm), by_gm_id);
		if (g == NULL || !g->want)
			continue;
		if (g->cid != sqlite3_column_int64(st, 0))
			flush_point(g);
		g->cid = sqlite3_column_int64(st, 0);
		g->val = sqlite3_column_double(st, 2);
	}
	sqlite3_reset(st);
	if (step != SQLITE_DONE)
		return render_dberr(r, "reading the metrics' values");
	for (i = 0; i < ng; i++) {
		if (!gm[i].want)
			continue;
		flush_point(&gm[i]);
		buf_adds(&gm[i].json, "]}");
		snprintf(rel, sizeof(rel), "graph/m/%s/%lld.json", gm[i].key,
		    (long long)n);
		if (render_file(r, rel, gm[i].json.data, gm[i].json.len) < 0)
			return -1;
	}
	return 0;
}

/* graph/metrics.json; also loads every metric into gm (sorted by id). */
static int
write_metrics(struct rctx *r, struct gm **out, char ***gnames, size_t *ng)
{
	sqlite3_stmt *st;
	cJSON *m, *arr, *o;
	struct gm *gm = NULL;
	char **names = NULL;
	size_t n = 0;
	int rc;

	st = render_q(r, "SELECT id, name, unit, direction FROM metrics m "
	    "WHERE EXISTS (SELECT 1 FROM measurements WHERE metric_id = m.id) "
	    "ORDER BY id");
	if (st == NULL)
		return -1;
	m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "commits_id", r->graph_id);
	arr = cJSON_AddArrayToObject(m, "metrics");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		gm = xrealloc(gm, (n + 1) * sizeof(*gm));
		names = xrealloc(names, (n + 1) * sizeof(*names));
		memset(&gm[n], 0, sizeof(gm[n]));
		gm[n].id = sqlite3_column_int64(st, 0);
		names[n] = xstrdup((const char *)sqlite3_column_text(st, 1));
		esc_hash_hex(names[n], gm[n].key);
		buf_init(&gm[n].json, 0);
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", names[n]);
		cJSON_AddStringToObject(o, "key", gm[n].key);
		render_add_str(o, "unit", sqlite3_column_text(st, 2));
		cJSON_AddNumberToObject(o, "direction",
		    sqlite3_column_int(st, 3));
		cJSON_AddItemToArray(arr, o);
		n++;
	}
	sqlite3_reset(st);
	*out = gm;
	*gnames = names;
	*ng = n;
	if (rc != SQLITE_DONE) {
		cJSON_Delete(m);
		return render_dberr(r, "reading metrics");
	}
	/* The page lists metrics by name. */
	{
		cJSON *sorted = cJSON_CreateArray(), *e, *best;
		int left = cJSON_GetArraySize(arr);

		while (left-- > 0) {
			best = NULL;
			cJSON_ArrayForEach(e, arr)
				if (best == NULL || strcmp(cJSON_GetObjectItem(e,
				    "name")->valuestring, cJSON_GetObjectItem(
				    best, "name")->valuestring) < 0)
					best = e;
			cJSON_AddItemToArray(sorted,
			    cJSON_DetachItemViaPointer(arr, best));
		}
		cJSON_ReplaceItemInObject(m, "metrics", sorted);
	}
	rc = render_json(r, "graph/metrics.json", m);
	cJSON_Delete(m);
	return rc;
}

/* The chunk numbers of the commits of runs, into a sorted array. */
static int
run_chunks(struct rctx *r, char *const *runs, size_t nruns, int64_t **out,
    size_t *n)
{
	sqlite3_stmt *st = render_q(r, "SELECT commit_id FROM runs WHERE "
	    "id = ?");
	size_t i;

	*out = xmalloc((nruns ? nruns : 1) * sizeof(**out));
	*n = 0;
	if (st == NULL)
		return -1;
	for (i = 0; i < nruns; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, runs[i], -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) == SQLITE_ROW)
			(*out)[(*n)++] = sqlite3_column_int64(st, 0) / CHUNK;
	}
	sqlite3_reset(st);
	return 0;
}

static int
has_chunk(const int64_t *v, size_t n, int64_t c)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] == c)
			return 1;
	return 0;
}

int
page_graph(struct rctx *r, int all, char *const *runs, size_t nruns,
    char *const *metrics, size_t nmetrics)
{
	sqlite3_stmt *st;
	struct chunk *ch = NULL;
	struct gm *gm = NULL;
	char **gnames = NULL, id[17], sig[48];
	int64_t *rc_chunks = NULL;
	size_t nch = 0, ng = 0, nrc = 0, i;
	struct buf idx;
	int rc = -1, step;

	buf_init(&idx, 0);
	if (run_chunks(r, runs, nruns, &rc_chunks, &nrc) < 0)
		goto out;
	/* The chunks with tracked commits with runs, and their signatures:
	 * one aggregate over the runs' commits. */
	/* 4096: CHUNK. */
	st = render_q(r, "SELECT c.id / 4096, count(*), sum(c.id) FROM "
	    "(SELECT DISTINCT commit_id FROM runs) x CROSS JOIN commits c ON "
	    "c.id = x.commit_id WHERE c.reachable = 2 GROUP BY 1 ORDER BY 1");
	if (st == NULL)
		goto out;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		ch = xrealloc(ch, (nch + 1) * sizeof(*ch));
		memset(&ch[nch], 0, sizeof(ch[nch]));
		ch[nch].n = sqlite3_column_int64(st, 0);
		snprintf(ch[nch].sig, sizeof(ch[nch].sig), "%lld:%lld",
		    (long long)sqlite3_column_int64(st, 1),
		    (long long)sqlite3_column_int64(st, 2));
		nch++;
	}
	sqlite3_reset(st);
	if (step != SQLITE_DONE) {
		render_dberr(r, "reading the graph's chunks");
		goto out;
	}
	for (i = 0; i < nch; i++) {
		if (!all && read_head(r, ch[i].n, id, sig) == 0 &&
		    strcmp(sig, ch[i].sig) == 0) {
			memcpy(ch[i].id, id, sizeof(id));
			ch[i].points = has_chunk(rc_chunks, nrc, ch[i].n);
			continue;
		}
		ch[i].write = ch[i].points = 1;
		if (write_chunk(r, &ch[i]) < 0)
			goto out;
	}
	buf_addf(&idx, "{\"id\":\"");
	{
		struct buf list;

		buf_init(&list, 0);
		for (i = 0; i < nch; i++)
			buf_addf(&list, "%s[%lld,\"%s\"]", i ? "," : "",
			    (long long)ch[i].n, ch[i].id);
		esc_hash_hex(list.data ? list.data : "", r->graph_id);
		buf_addf(&idx, "%s\",\"chunk\":%d,\"chunks\":[%s]}",
		    r->graph_id, CHUNK, list.data ? list.data : "");
		buf_fini(&list);
	}
	if (render_file(r, "graph/commits.json", idx.data, idx.len) < 0 ||
	    write_metrics(r, &gm, &gnames, &ng) < 0)
		goto out;
	/* Metric files: every metric of a rewritten chunk; the dirty
	 * metrics of a chunk with a new run; any file that is missing (a
	 * metric's first values) of a chunk that is touched or of every
	 * chunk when the metric itself is dirty. */
	for (i = 0; i < nch; i++) {
		int touch = ch[i].points;

		if (!touch && nmetrics > 0) {
			/* A dirty metric may lack files in old chunks. */
			size_t k;

			for (k = 0; k < ng && !touch; k++) {
				char *path;

				if (!in_set(metrics, nmetrics, gnames[k]))
					continue;
				path = xasprintf("%s/graph/m/%s/%lld.json",
				    r->out, gm[k].key, (long long)ch[i].n);
				touch = access(path, F_OK) != 0;
				free(path);
			}
		}
		if (touch && write_points(r, gm, ng, ch[i].n,
		    all || ch[i].write, metrics, nmetrics, gnames) < 0)
			goto out;
	}
	rc = 0;
out:
	for (i = 0; i < ng; i++) {
		buf_fini(&gm[i].json);
		free(gnames[i]);
	}
	free(gm);
	free(gnames);
	free(ch);
	free(rc_chunks);
	buf_fini(&idx);
	return rc;
}
