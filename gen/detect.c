/* detect: `tj-gen detect FILE`: the change-point detector on any series. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "changes.h"
#include "detect.h"
#include "err.h"
#include "fsx.h"
#include "gen.h"
#include "stats.h"

/* The largest series file read. */
#define MAX_SERIES (64 * 1024 * 1024)

struct point {
	double *v;
	size_t n;
	char *commit;	/* NULL when the input names none */
};

struct series {
	struct point *p;
	size_t n, cap;
};

static void
series_free(struct series *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->p[i].v);
		free(s->p[i].commit);
	}
	free(s->p);
}

static struct point *
series_add(struct series *s)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->p = realloc(s->p, s->cap * sizeof(*s->p));
		if (s->p == NULL)
			abort();
	}
	memset(&s->p[s->n], 0, sizeof(s->p[0]));
	return &s->p[s->n++];
}

static void
point_value(struct point *p, double v)
{
	p->v = realloc(p->v, (p->n + 1) * sizeof(*p->v));
	if (p->v == NULL)
		abort();
	p->v[p->n++] = v;
}

/* A JSON point: a number, an array of numbers, or {"values": [...],
 * "commit": "..."}. */
static int
json_point(struct series *s, const cJSON *j, size_t idx)
{
	struct point *p = series_add(s);
	const cJSON *vals = j, *e, *c;

	if (cJSON_IsNumber(j)) {
		point_value(p, j->valuedouble);
		return 0;
	}
	if (cJSON_IsObject(j)) {
		vals = cJSON_GetObjectItemCaseSensitive(j, "values");
		c = cJSON_GetObjectItemCaseSensitive(j, "commit");
		if (c != NULL && !cJSON_IsString(c)) {
			err_set("point %zu: \"commit\" is not a string", idx);
			return -1;
		}
		if (c != NULL)
			p->commit = strdup(c->valuestring);
	}
	if (!cJSON_IsArray(vals)) {
		err_set("point %zu is not a number, an array of numbers or an "
		    "object with \"values\"", idx);
		return -1;
	}
	cJSON_ArrayForEach(e, vals) {
		if (!cJSON_IsNumber(e) || !isfinite(e->valuedouble)) {
			err_set("point %zu: a value is not a finite number",
			    idx);
			return -1;
		}
		point_value(p, e->valuedouble);
	}
	if (p->n == 0) {
		err_set("point %zu has no values", idx);
		return -1;
	}
	return 0;
}

static int
parse_json(struct series *s, const char *data, size_t len)
{
	cJSON *doc = cJSON_ParseWithLength(data, len), *pts, *e;
	size_t i = 0;
	int rc = -1;

	if (doc == NULL) {
		err_set("not valid JSON (near byte %zu)",
		    (size_t)(cJSON_GetErrorPtr() - data));
		return -1;
	}
	pts = cJSON_IsObject(doc) ?
	    cJSON_GetObjectItemCaseSensitive(doc, "points") : doc;
	if (!cJSON_IsArray(pts)) {
		err_set("expected an array of points, or {\"points\": [...]}");
		goto out;
	}
	cJSON_ArrayForEach(e, pts)
		if (json_point(s, e, i++) < 0)
			goto out;
	rc = 0;
out:
	cJSON_Delete(doc);
	return rc;
}

/* CSV: one point a line, its values separated by commas; a field that is
 * not a number is the point's commit; '#' lines and a header are skipped. */
static int
parse_csv(struct series *s, char *data)
{
	char *line, *save = NULL, *f, *fsave, *end, *bad;
	size_t lineno = 0;
	double v;

	for (line = strtok_r(data, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		struct point p = {0};

		lineno++;
		line[strcspn(line, "\r")] = '\0';
		while (isspace((unsigned char)*line))
			line++;
		if (*line == '\0' || *line == '#')
			continue;
		bad = NULL;
		for (f = strtok_r(line, ",;\t", &fsave); f != NULL;
		    f = strtok_r(NULL, ",;\t", &fsave)) {
			while (isspace((unsigned char)*f))
				f++;
			f[strcspn(f, " \t")] = '\0';
			if (*f == '\0')
				continue;
			errno = 0;
			v = strtod(f, &end);
			if (errno == 0 && end != f && *end == '\0' &&
			    isfinite(v))
				point_value(&p, v);
			else if (p.commit == NULL)
				p.commit = strdup(f);
			else if (bad == NULL)
				bad = f;
		}
		/* A line of names before any point is a header. */
		if (p.n == 0 && s->n == 0) {
			free(p.commit);
			continue;
		}
		if (p.n == 0 || bad != NULL) {
			if (bad != NULL)
				err_set("line %zu: '%s' is not a number",
				    lineno, bad);
			else
				err_set("line %zu has no values", lineno);
			free(p.v);
			free(p.commit);
			return -1;
		}
		*series_add(s) = p;
	}
	return 0;
}

struct detect_args {
	const char *penalty, *min_points, *alpha, *window;
};

static int
detect_opt(struct gen *g, void *ctx, int c, const char *arg)
{
	struct detect_args *a = ctx;

	(void)g;
	switch (c) {
	case 'P':
		a->penalty = arg;
		return 0;
	case 'M':
		a->min_points = arg;
		return 0;
	case 'A':
		a->alpha = arg;
		return 0;
	case 'W':
		a->window = arg;
		return 0;
	}
	return -1;
}

/* Detection over series s with options o: the JSON tj-gen detect prints
 * (points, whether the series is deterministic, its noise, the changes, and
 * the pairs of neighbouring runs suspected apart: "suspected"). */
static cJSON *
detect_doc(const struct series *s, const struct detect_opts *o)
{
	struct detect_cp *cp = NULL;
	struct stats_noise nm;
	const double **rows;
	size_t *nv, ncp, i;
	cJSON *doc, *arr, *pairs, *e, *noise;
	int det;

	rows = xcalloc(s->n + 1, sizeof(*rows));
	nv = xcalloc(s->n + 1, sizeof(*nv));
	for (i = 0; i < s->n; i++) {
		rows[i] = s->p[i].v;
		nv[i] = s->p[i].n;
	}
	ncp = detect_run(o, rows, nv, s->n, &cp, &det);
	stats_noise_learn(&nm, rows, nv, s->n);
	doc = cJSON_CreateObject();
	cJSON_AddNumberToObject(doc, "points", (double)s->n);
	cJSON_AddBoolToObject(doc, "deterministic", det);
	noise = cJSON_AddObjectToObject(doc, "noise");
	changes_add_num(noise, "run_to_run_pct", 100 * nm.between);
	changes_add_num(noise, "within_run_pct", 100 * nm.within);
	changes_add_num(noise, "floor_pct", 100 * nm.floor);
	arr = cJSON_AddArrayToObject(doc, "changes");
	pairs = cJSON_AddArrayToObject(doc, "suspected");
	for (i = 0; i < ncp; i++) {
		e = cJSON_CreateObject();
		cJSON_AddNumberToObject(e, "index", (double)cp[i].index);
		if (s->p[cp[i].index].commit != NULL)
			cJSON_AddStringToObject(e, "commit",
			    s->p[cp[i].index].commit);
		if (cp[i].index > 0 && s->p[cp[i].index - 1].commit != NULL)
			cJSON_AddStringToObject(e, "before_commit",
			    s->p[cp[i].index - 1].commit);
		changes_add_num(e, "before", cp[i].before);
		changes_add_num(e, "after", cp[i].after);
		changes_add_num(e, "delta_pct", cp[i].delta_pct);
		changes_add_num(e, "confidence", cp[i].confidence);
		cJSON_AddItemToArray(cp[i].pair ? pairs : arr, e);
	}
	free(cp);
	free(rows);
	free(nv);
	return doc;
}

int
cmd_detect(struct gen *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{"penalty", required_argument, NULL, 'P'},
		{"min-points", required_argument, NULL, 'M'},
		{"alpha", required_argument, NULL, 'A'},
		{"window", required_argument, NULL, 'W'},
		GEN_OPTIONS
	};
	struct detect_args a = {0};
	struct series s = {0};
	struct detect_opts o;
	size_t len = 0;
	char *data = NULL, *out;
	const char *p;
	cJSON *doc = NULL;
	int rc, first;

	rc = gen_parse(g, argc, argv, opts, detect_opt, &a, &first);
	if (rc >= 0)
		return rc;
	if (first != argc - 1)
		return gen_usage(g, "expected one FILE (- for stdin)");
	if (gen_setup(g, 0) < 0)
		return EXIT_ERR;
	if ((a.penalty && config_set(&g->cfg, "detect.penalty", a.penalty) <
	    0) || (a.min_points && config_set(&g->cfg, "detect.min-points",
	    a.min_points) < 0) || (a.alpha && config_set(&g->cfg,
	    "detect.alpha", a.alpha) < 0) || (a.window &&
	    config_set(&g->cfg, "detect.window", a.window) < 0))
		return gen_usage(g, "%s", err_get());
	rc = EXIT_ERR;
	if ((data = fsx_read_arg(argv[first], MAX_SERIES, &len)) == NULL)
		goto fail;
	for (p = data; p < data + len && isspace((unsigned char)*p); p++)
		;
	if (p < data + len && (*p == '[' || *p == '{') ?
	    parse_json(&s, data, len) < 0 : parse_csv(&s, data) < 0) {
		err_wrap("%s", argv[first]);
		goto fail;
	}
	changes_detect_opts(&g->cfg, &o);
	doc = detect_doc(&s, &o);
	out = cJSON_Print(doc);
	if (out == NULL)
		abort();
	if (printf("%s\n", out) < 0 || fflush(stdout) != 0) {
		free(out);
		err_set("writing the result: %s", strerror(errno));
		goto fail;
	}
	free(out);
	rc = EXIT_OK;
	goto out;
fail:
	rc = gen_fail(g);
out:
	cJSON_Delete(doc);
	free(data);
	series_free(&s);
	return rc;
}
