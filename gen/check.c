/* check: `tj-gen check BASE HEAD`, the significant changes between two
 * runs as a Markdown table or JSON, for a CI gate. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "err.h"
#include "gen.h"
#include "query.h"
#include "stats.h"

/* Runs of a metric's history the noise model learns from, at most. */
#define CHECK_HISTORY 200

struct copts {
	int json;
	double fail_above;	/* percent; 0: any significant regression */
	int has_fail_above;
};

/* One side: a run, its commit. */
struct side {
	char run[80];
	char hash[41];
	int64_t commit_id;
};

struct meas {
	char *name, *unit;
	int64_t metric_id;
	int direction;
	double *v;
	size_t n;
};

struct runm {
	struct meas *m;
	size_t n;
};

static int
copt(struct gen *g, void *ctx, int c, const char *arg)
{
	struct copts *o = ctx;
	char *end;

	if (c == 'j') {
		o->json = 1;
	} else if (c == 'F') {
		errno = 0;
		o->fail_above = strtod(arg, &end);
		if (errno || end == arg || *end != '\0' ||
		    !(o->fail_above >= 0) || o->fail_above > 1e9) {
			gen_usage(g, "--fail-above needs a percentage >= 0, "
			    "not '%s'", arg);
			return -1;
		}
		o->has_fail_above = 1;
	}
	return 0;
}

/* BASE or HEAD: a run id, else a commit (hash, ref, ...) whose latest
 * run is taken. -1 with err_set. */
static int
resolve(struct gen *g, const char *what, struct side *s)
{
	sqlite3_stmt *st;
	int r;

	st = db_stmt(g->db, "gen.check.resolve",
	    "SELECT r.id, c.hash, c.id FROM runs r JOIN "
	    "commits c ON c.id = r.commit_id WHERE r.id = ?");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, what, -1, SQLITE_TRANSIENT);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		snprintf(s->run, sizeof(s->run), "%s",
		    (const char *)sqlite3_column_text(st, 0));
		snprintf(s->hash, sizeof(s->hash), "%s",
		    (const char *)sqlite3_column_text(st, 1));
		s->commit_id = sqlite3_column_int64(st, 2);
		sqlite3_reset(st);
		return 0;
	}
	sqlite3_reset(st);
	if (r != SQLITE_DONE)
		return db_err(g->db, "looking up a run");
	if (gen_resolve(g, what, &s->commit_id, s->hash) < 0)
		return -1;
	st = db_stmt(g->db, "gen.check.resolve_2",
	    "SELECT id FROM runs WHERE commit_id = ? "
	    "ORDER BY coalesce(end_time, start_time) DESC, id DESC LIMIT 1");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, s->commit_id);
	r = sqlite3_step(st);
	if (r != SQLITE_ROW) {
		sqlite3_reset(st);
		if (r != SQLITE_DONE)
			return db_err(g->db, "looking up a commit's latest run");
		err_set("commit %.12s ('%s') has no run", s->hash, what);
		return -1;
	}
	snprintf(s->run, sizeof(s->run), "%s",
	    (const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	return 0;
}

static void
runm_fini(struct runm *rm)
{
	size_t i;

	for (i = 0; i < rm->n; i++) {
		free(rm->m[i].name);
		free(rm->m[i].unit);
		free(rm->m[i].v);
	}
	free(rm->m);
}

static int
load(struct gen *g, const char *run, struct runm *rm)
{
	sqlite3_stmt *st;
	struct meas *m;
	int r;

	memset(rm, 0, sizeof(*rm));
	st = db_stmt(g->db, "gen.check.load",
	    "SELECT m.id, m.name, m.unit, m.direction, "
	    "x.vals FROM measurements x JOIN metrics m ON m.id = x.metric_id "
	    "WHERE x.run_id = ? AND x.n > 0 ORDER BY m.name");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, run, -1, SQLITE_TRANSIENT);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		rm->m = xrealloc(rm->m, (rm->n + 1) * sizeof(*rm->m));
		m = &rm->m[rm->n++];
		memset(m, 0, sizeof(*m));
		m->metric_id = sqlite3_column_int64(st, 0);
		m->name = xstrdup((const char *)sqlite3_column_text(st, 1));
		if (sqlite3_column_type(st, 2) != SQLITE_NULL)
			m->unit = xstrdup((const char *)
			    sqlite3_column_text(st, 2));
		m->direction = sqlite3_column_int(st, 3);
		m->n = q_vals((const char *)sqlite3_column_text(st, 4),
		    &m->v);
	}
	sqlite3_reset(st);
	if (r != SQLITE_DONE) {
		db_err(g->db, "reading measurements");
		return -1;
	}
	return 0;
}

static struct meas *
find(const struct runm *rm, const char *name)
{
	size_t i;

	for (i = 0; i < rm->n; i++)
		if (strcmp(rm->m[i].name, name) == 0)
			return &rm->m[i];
	return NULL;
}

/* The metric's noise model from its history: its runs in commit order,
 * the newest CHECK_HISTORY of them, without the run under test (a change
 * there is not noise). */
static int
noise(struct gen *g, int64_t metric_id, const char *head_run,
    struct stats_noise *nm)
{
	sqlite3_stmt *st;
	double **vals = NULL;
	size_t *nv = NULL, n = 0, i;
	int r;

	st = db_stmt(g->db, "gen.check.noise",
	    "SELECT vals FROM (SELECT x.vals, "
	    "c.committer_time AS t, r.start_time AS s FROM measurements x "
	    "JOIN runs r ON r.id = x.run_id JOIN commits c ON "
	    "c.id = r.commit_id WHERE x.metric_id = ? AND x.n > 0 AND "
	    "r.id <> ? "
	    "ORDER BY t DESC, s DESC LIMIT ?) ORDER BY t, s");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, metric_id);
	sqlite3_bind_text(st, 2, head_run, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 3, CHECK_HISTORY);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		vals = xrealloc(vals, (n + 1) * sizeof(*vals));
		nv = xrealloc(nv, (n + 1) * sizeof(*nv));
		nv[n] = q_vals((const char *)sqlite3_column_text(st, 0),
		    &vals[n]);
		n++;
	}
	sqlite3_reset(st);
	if (r == SQLITE_DONE)
		stats_noise_learn(nm, (const double *const *)vals, nv, n);
	for (i = 0; i < n; i++)
		free(vals[i]);
	free(vals);
	free(nv);
	if (r != SQLITE_DONE) {
		db_err(g->db, "reading a metric's history");
		return -1;
	}
	return 0;
}

/* Markdown text of s: | and ` and backslashes escaped, no newlines. */
static void
md(struct buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '|' || *s == '`' || *s == '\\' || *s == '*' ||
		    *s == '_' || *s == '<' || *s == '>' || *s == '[' ||
		    *s == ']')
			buf_must(buf_addc(b, '\\'));
		buf_must(buf_addc(b, *s == '\n' || *s == '\r' ? ' ' : *s));
	}
}

static void
md_value(struct buf *b, double v, const char *unit)
{
	buf_must(buf_addf(b, "%.4g", v));
	if (unit && unit[0]) {
		buf_must(buf_addc(b, ' '));
		md(b, unit);
	}
}

/* How many metrics were compared, and of them how many changed how. */
struct tally {
	size_t compared, nreg, nimp, nchg, nfail;
};

/* One significant change of metric h: its entry in arr, its row in md. */
static void
add_change(cJSON *arr, struct buf *out, const struct meas *h, double mb,
    double mh, double rel, double p, const char *kind, int failing,
    int has_fail_above)
{
	cJSON *e = cJSON_CreateObject();

	cJSON_AddStringToObject(e, "metric", h->name);
	if (h->unit)
		cJSON_AddStringToObject(e, "unit", h->unit);
	cJSON_AddNumberToObject(e, "direction", h->direction);
	cJSON_AddNumberToObject(e, "base", mb);
	cJSON_AddNumberToObject(e, "head", mh);
	if (isfinite(rel))
		cJSON_AddNumberToObject(e, "delta_pct", 100 * rel);
	else
		cJSON_AddNullToObject(e, "delta_pct");
	if (isfinite(p))
		cJSON_AddNumberToObject(e, "p", p);
	else
		cJSON_AddNullToObject(e, "p");
	cJSON_AddStringToObject(e, "verdict", kind);
	cJSON_AddBoolToObject(e, "fails", failing);
	cJSON_AddItemToArray(arr, e);
	buf_must(buf_adds(out, "| "));
	md(out, h->name);
	buf_must(buf_adds(out, " | "));
	md_value(out, mb, h->unit);
	buf_must(buf_adds(out, " | "));
	md_value(out, mh, h->unit);
	if (isfinite(rel))
		buf_must(buf_addf(out, " | %+.1f %% | ", 100 * rel));
	else
		buf_must(buf_adds(out, " | n/a | "));
	buf_must(buf_addf(out, "%s%s |\n", failing ? "**regression**" : kind,
	    failing && has_fail_above ? " (over the limit)" : ""));
}

/* Compare every metric of rh that rb has too, against the noise of head's
 * history: the significant ones go to arr and md, the counts to *t. 0, or
 * -1 with err_set. */
static int
compare(struct gen *g, const struct copts *o, const struct runm *rb,
    const struct runm *rh, const char *head_run, cJSON *arr, struct buf *md,
    struct tally *t)
{
	struct stats_noise nm;
	double mb, mh, rel, p;
	const char *kind;
	int failing;
	size_t i;

	for (i = 0; i < rh->n; i++) {
		struct meas *h = &rh->m[i], *b = find(rb, h->name);

		if (b == NULL || b->n == 0 || h->n == 0)
			continue;
		t->compared++;
		if (noise(g, h->metric_id, head_run, &nm) < 0)
			return -1;
		if (!stats_significant(&nm, b->v, b->n, h->v, h->n, &rel, &p))
			continue;
		mb = stats_median(b->v, b->n);
		mh = stats_median(h->v, h->n);
		failing = 0;
		if (h->direction == 0) {
			kind = "change";
			t->nchg++;
		} else if ((mh > mb) == (h->direction > 0)) {
			kind = "improvement";
			t->nimp++;
		} else {
			kind = "regression";
			t->nreg++;
			failing = !o->has_fail_above || !isfinite(rel) ||
			    fabs(rel) * 100 > o->fail_above;
		}
		t->nfail += failing;
		add_change(arr, md, h, mb, mh, rel, p, kind, failing,
		    o->has_fail_above);
	}
	return 0;
}

/* The report: doc as JSON (--json), else the Markdown summary with md's
 * table. */
static void
report(cJSON *doc, const struct copts *o, const struct side *base,
    const struct side *head, const struct buf *md, const struct tally *t)
{
	char *text;

	cJSON_AddNumberToObject(doc, "compared", (double)t->compared);
	cJSON_AddNumberToObject(doc, "regressions", (double)t->nreg);
	cJSON_AddNumberToObject(doc, "improvements", (double)t->nimp);
	cJSON_AddNumberToObject(doc, "other_changes", (double)t->nchg);
	if (o->has_fail_above)
		cJSON_AddNumberToObject(doc, "fail_above_pct", o->fail_above);
	else
		cJSON_AddNullToObject(doc, "fail_above_pct");
	cJSON_AddBoolToObject(doc, "failed", t->nfail > 0);
	if (o->json) {
		text = cJSON_Print(doc);
		if (text == NULL)
			abort();
		printf("%s\n", text);
		free(text);
		return;
	}
	printf("### Benchmarks: %.12s (base) → %.12s (head)\n\n",
	    base->hash, head->hash);
	if (t->nreg + t->nimp + t->nchg == 0)
		printf("No significant changes in %zu metrics.\n", t->compared);
	else
		printf("%s\n%zu metrics compared: %zu regressions, %zu "
		    "improvements, %zu other changes.\n", md->data,
		    t->compared, t->nreg, t->nimp, t->nchg);
	if (t->nfail > 0)
		printf("\n**%zu regression%s%s.**\n", t->nfail,
		    t->nfail == 1 ? "" : "s", o->has_fail_above ?
		    " beyond the limit" : "");
}

int
cmd_check(struct gen *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"fail-above", required_argument, NULL, 'F'},
		GEN_OPTIONS
	};
	struct copts o;
	struct side base, head;
	struct runm rb, rh;
	struct tally t = {0};
	struct buf md_out;
	cJSON *doc = NULL, *arr, *e;
	int first, rc;

	memset(&o, 0, sizeof(o));
	memset(&rb, 0, sizeof(rb));
	memset(&rh, 0, sizeof(rh));
	rc = gen_parse(g, argc, argv, opts, copt, &o, &first);
	if (rc >= 0)
		return rc;
	if (first != argc - 2)
		return gen_usage(g, "expected BASE and HEAD (runs, commits or "
		    "refs)");
	if (gen_setup(g, 1) < 0)
		return EXIT_USAGE;
	if (resolve(g, argv[first], &base) < 0 ||
	    resolve(g, argv[first + 1], &head) < 0 ||
	    load(g, base.run, &rb) < 0 || load(g, head.run, &rh) < 0) {
		fprintf(stderr, "tj-gen check: %s\n", err_get());
		rc = EXIT_USAGE;
		goto out;
	}
	buf_init(&md_out, 0);
	doc = cJSON_CreateObject();
	e = cJSON_AddObjectToObject(doc, "base");
	cJSON_AddStringToObject(e, "run", base.run);
	cJSON_AddStringToObject(e, "commit", base.hash);
	e = cJSON_AddObjectToObject(doc, "head");
	cJSON_AddStringToObject(e, "run", head.run);
	cJSON_AddStringToObject(e, "commit", head.hash);
	arr = cJSON_AddArrayToObject(doc, "changes");
	buf_must(buf_adds(&md_out,
	    "| metric | base | head | change | verdict |\n"
	    "|---|---:|---:|---:|---|\n"));
	if (compare(g, &o, &rb, &rh, head.run, arr, &md_out, &t) < 0) {
		fprintf(stderr, "tj-gen check: %s\n", err_get());
		rc = EXIT_USAGE;
		buf_fini(&md_out);
		goto out;
	}
	report(doc, &o, &base, &head, &md_out, &t);
	buf_fini(&md_out);
	rc = t.nfail > 0 ? EXIT_ERR : EXIT_OK;
	if (t.compared == 0) {
		fprintf(stderr, "tj-gen check: runs %s and %s have no metric "
		    "in common\n", base.run, head.run);
		rc = EXIT_USAGE;
	}
out:
	cJSON_Delete(doc);
	runm_fini(&rb);
	runm_fini(&rh);
	return rc;
}
