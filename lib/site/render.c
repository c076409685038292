/* render: drive one render of the site: lock, claim dirty rows, write pages. */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "db.h"
#include "err.h"
#include "esc.h"
#include "fsx.h"
#include "log.h"
#include "render.h"
#include "render_int.h"
#include "tpl.h"
#include "utf8.h"

#ifndef TJ_DATADIR
#define TJ_DATADIR "/usr/local/share/tablejohn"
#endif

#define MAX_PAGE (256u << 20)

static _Thread_local long last_written, last_unchanged;

/* A set of strings: appended, then sorted and made unique. */
struct strset {
	char **v;
	size_t n, cap;
};

static void
set_add(struct strset *s, const char *v)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n++] = xstrdup(v);
}

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
set_uniq(struct strset *s)
{
	size_t i, j = 0;

	if (s->n == 0)
		return;
	qsort(s->v, s->n, sizeof(*s->v), cmpstr);
	for (i = 1; i < s->n; i++) {
		if (strcmp(s->v[i], s->v[j]) == 0)
			free(s->v[i]);
		else
			s->v[++j] = s->v[i];
	}
	s->n = j + 1;
}

static void
set_free(struct strset *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* Everything one render has to write. */
struct work {
	struct strset commits, runs, workers, refs, metrics;
	int index, queue, graph, go_refs, all;
	unsigned char shards[256];
};

int
render_dberr(struct rctx *r, const char *context)
{
	return db_err(r->db, context);
}

int
render_file(struct rctx *r, const char *rel, const char *data, size_t n)
{
	char *path = xasprintf("%s/%s", r->out, rel);
	int changed, rc;

	rc = fsx_write(path, data, n, &changed);
	free(path);
	if (rc < 0)
		return -1;
	if (changed)
		r->written++;
	else
		r->unchanged++;
	return 0;
}

int
render_remove(struct rctx *r, const char *rel)
{
	char *path = xasprintf("%s/%s", r->out, rel);
	int rc;

	if (access(path, F_OK) == 0)
		r->removed++;
	rc = fsx_remove(path);
	free(path);
	return rc;
}

int
render_remove_page(struct rctx *r, const char *dir, const char *json_name)
{
	const char *sep = dir[0] && dir[strlen(dir) - 1] != '/' ? "/" : "";
	char *p = xasprintf("%s%sindex.html", dir, sep);
	int rc = render_remove(r, p);

	free(p);
	p = xasprintf("%s%s%s", dir, sep, json_name);
	if (render_remove(r, p) < 0)
		rc = -1;
	free(p);
	return rc;
}

void
render_add_output(cJSON *arr, int source, const char *text)
{
	static const char *const names[] = {"internal", "stdout", "stderr"};
	cJSON *o = cJSON_CreateObject();

	if (source < 0 || source > 2)
		source = 0;
	cJSON_AddNumberToObject(o, "source", source);
	cJSON_AddStringToObject(o, "source_name", names[source]);
	cJSON_AddStringToObject(o, "text", text ? text : "");
	cJSON_AddItemToArray(arr, o);
}

/* Make every string and key of the tree valid UTF-8 (the db may hold
 * anything a writer stored); the HTML escaper repairs too, the JSON
 * printer does not. */
void
render_fix_utf8(cJSON *o)
{
	cJSON *c;
	char *s;

	if (o->string != NULL && !utf8_valid(o->string, strlen(o->string))) {
		s = utf8_repair(o->string, strlen(o->string), NULL);
		free(o->string);
		o->string = s;
	}
	if (cJSON_IsString(o) && o->valuestring != NULL &&
	    !utf8_valid(o->valuestring, strlen(o->valuestring))) {
		s = utf8_repair(o->valuestring, strlen(o->valuestring), NULL);
		free(o->valuestring);
		o->valuestring = s;
	}
	for (c = o->child; c != NULL; c = c->next)
		render_fix_utf8(c);
}

int
render_json(struct rctx *r, const char *rel, cJSON *model)
{
	char *s;

	render_fix_utf8(model);
	s = cJSON_PrintUnformatted(model);
	int rc;

	if (s == NULL) {
		err_set("%s: cannot print the JSON", rel);
		return -1;
	}
	rc = render_file(r, rel, s, strlen(s));
	free(s);
	return rc;
}

int
render_page(struct rctx *r, const char *dir, const char *tpl, cJSON *model,
    const char *json_name, const char *title)
{
	struct buf root;
	const char *p;
	char *rel;
	int rc = -1;

	render_fix_utf8(model);
	if (json_name != NULL) {
		rel = xasprintf("%s%s%s", dir, *dir ? "/" : "", json_name);
		rc = render_json(r, rel, model);
		free(rel);
		if (rc < 0)
			return -1;
		rc = -1;
	}
	buf_init(&root, 0);
	if (*dir != '\0') {
		buf_adds(&root, "../");
		for (p = dir; *p; p++)
			if (*p == '/')
				buf_adds(&root, "../");
	}
	cJSON_AddStringToObject(model, "root", root.data ? root.data : "");
	cJSON_AddStringToObject(model, "site_title", r->cfg->site_title ?
	    r->cfg->site_title : "tablejohn");
	cJSON_AddStringToObject(model, "title", title);
	cJSON_AddStringToObject(model, "page_kind", tpl);
	if (json_name != NULL)
		cJSON_AddStringToObject(model, "json", json_name);
	buf_reset(&r->html);
	if (tpl_render(r->tpl, tpl, model, &r->html) < 0) {
		err_wrap("rendering %s/index.html", dir);
		goto out;
	}
	rel = xasprintf("%s%sindex.html", dir, *dir ? "/" : "");
	rc = render_file(r, rel, r->html.data ? r->html.data : "",
	    r->html.len);
	free(rel);
out:
	buf_fini(&root);
	return rc;
}

void
render_time(char out[40], double t, int tz)
{
	time_t s = (time_t)floor(t) + (time_t)tz * 60;
	struct tm tm;
	size_t n;

	gmtime_r(&s, &tm);
	n = strftime(out, 40, "%Y-%m-%dT%H:%M:%S", &tm);
	if (tz == 0)
		snprintf(out + n, 40 - n, "Z");
	else
		snprintf(out + n, 40 - n, "%c%02d:%02d", tz < 0 ? '-' : '+',
		    abs(tz) / 60, abs(tz) % 60);
}

void
render_duration(char out[40], double secs)
{
	long s;

	if (secs < 0 || !isfinite(secs))
		snprintf(out, 40, "?");
	else if (secs < 60)
		snprintf(out, 40, "%.2f s", secs);
	else if (secs < 3600) {
		s = lround(secs);
		snprintf(out, 40, "%ld min %ld s", s / 60, s % 60);
	} else {
		s = lround(secs / 60);
		snprintf(out, 40, "%ld h %ld min", s / 60, s % 60);
	}
}

void
render_num(char out[40], double v)
{
	double a = fabs(v);

	if (!isfinite(v))
		snprintf(out, 40, "%g", v);
	else if (v == floor(v) && a < 1e15)
		snprintf(out, 40, "%.0f", v);
	else if (a >= 1000 && a < 1e6)
		snprintf(out, 40, "%.1f", v);
	else
		snprintf(out, 40, "%.4g", v);
}

/* Write the decimal digits of u ending just before end; returns the start. */
static char *
utoa_end(char *end, unsigned long long u)
{
	do {
		*--end = (char)('0' + u % 10);
		u /= 10;
	} while (u > 0);
	return end;
}

void
render_json_num(char out[40], double v)
{
	char tmp[40], *p, *e;
	long long k;
	double a = fabs(v);
	unsigned long long u;
	size_t n;

	if (!isfinite(v)) {
		snprintf(out, 40, "null");
		return;
	}
	/* Most values have a few decimals: print them without printf. */
	if (a < 1e12 && (a >= 1e-3 || a == 0)) {
		k = llround(v * 1e6);
		/* Exact: the decimal reads back as the same double. */
		if ((double)k / 1e6 == v) {
			u = (unsigned long long)(k < 0 ? -k : k);
			e = tmp + sizeof(tmp);
			p = utoa_end(e, u % 1000000 + 1000000);
			/* p[0] is the '1' of the guard; drop trailing 0s. */
			while (e > p + 1 && e[-1] == '0')
				e--;
			n = (size_t)(e - p - 1);
			memmove(tmp + 20, p + 1, n);
			p = utoa_end(tmp + 20 - (n ? 1 : 0), u / 1000000);
			if (n)
				tmp[19] = '.';
			if (k < 0)
				*--p = '-';
			n += (size_t)(tmp + 20 - p);
			memcpy(out, p, n);
			out[n] = '\0';
			return;
		}
	}
	/* 15 digits when they read back exactly, else 17. */
	snprintf(out, 40, "%.15g", v);
	if (strtod(out, NULL) != v)
		snprintf(out, 40, "%.17g", v);
}

void
render_add_str(cJSON *o, const char *key, const unsigned char *text)
{
	if (text == NULL)
		cJSON_AddNullToObject(o, key);
	else
		cJSON_AddStringToObject(o, key, (const char *)text);
}

char *
render_url_commit(const char *hash)
{
	return xasprintf("commit/%s/", hash);
}

static char *
url_named(const char *prefix, const char *name)
{
	struct buf b;

	buf_init(&b, 0);
	buf_adds(&b, prefix);
	esc_filename(&b, name);
	buf_addc(&b, '/');
	return buf_take(&b);
}

char *
render_url_run(const char *id)
{
	return url_named("run/", id);
}

char *
render_url_worker(const char *name)
{
	return url_named("worker/", name);
}

char *
render_url_ref(const char *name)
{
	struct buf b;
	const char *p, *slash;
	char *part;

	buf_init(&b, 0);
	buf_adds(&b, "ref/");
	/* One directory per component: ref/refs/heads/main/. */
	for (p = name; ; p = slash + 1) {
		slash = strchr(p, '/');
		part = slash ? xstrndup(p, (size_t)(slash - p)) : xstrdup(p);
		esc_filename(&b, part);
		buf_addc(&b, '/');
		free(part);
		if (slash == NULL)
			break;
	}
	return buf_take(&b);
}

char *
render_summary(const char *message)
{
	size_t n = strcspn(message, "\n");

	if (n > 200) {
		n = 200;
		/* Do not cut a UTF-8 sequence in half. */
		while (n > 0 && ((unsigned char)message[n] & 0xc0) == 0x80)
			n--;
	}
	return xstrndup(message, n);
}

cJSON *
render_commit_brief(struct rctx *r, int64_t id)
{
	sqlite3_stmt *st = db_stmt(r->db, "site.render.render_commit_brief", "SELECT hash, message, "
	    "committer_time, committer_tz FROM commits WHERE id = ?");
	cJSON *o = NULL;
	char *s, when[40];
	int rc;

	if (st == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		if (rc == SQLITE_DONE)
			err_set("no commit with id %lld", (long long)id);
		else
			render_dberr(r, "reading a commit");
		sqlite3_reset(st);
		return NULL;
	}
	o = cJSON_CreateObject();
	render_add_str(o, "hash", sqlite3_column_text(st, 0));
	s = xstrndup((const char *)sqlite3_column_text(st, 0), 10);
	cJSON_AddStringToObject(o, "short", s);
	free(s);
	s = render_summary((const char *)sqlite3_column_text(st, 1));
	cJSON_AddStringToObject(o, "summary", s);
	free(s);
	render_time(when, sqlite3_column_double(st, 2),
	    sqlite3_column_int(st, 3));
	cJSON_AddStringToObject(o, "date", when);
	s = render_url_commit((const char *)sqlite3_column_text(st, 0));
	cJSON_AddStringToObject(o, "url", s);
	free(s);
	sqlite3_reset(st);
	return o;
}

int
render_latest_run(struct rctx *r, int64_t commit_id, char out[65])
{
	sqlite3_stmt *st = db_stmt(r->db, "site.render.render_latest_run", "SELECT id FROM runs WHERE commit_id "
	    "= ? ORDER BY start_time DESC, id DESC LIMIT 1");
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, commit_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(out, 65, "%s", sqlite3_column_text(st, 0));
		rc = 1;
	} else if (rc == SQLITE_DONE)
		rc = 0;
	else
		rc = render_dberr(r, "reading runs");
	sqlite3_reset(st);
	return rc;
}

#define BASE_MAX_VISIT 4096

int
render_base_run(struct rctx *r, int64_t commit_id, char out[65])
{
	sqlite3_stmt *st;
	int64_t *q, *seen;
	size_t head = 0, tail = 0, nseen = 0, i;
	int found = 0, rc, dup;

	q = xmalloc(BASE_MAX_VISIT * sizeof(*q));
	seen = xmalloc(BASE_MAX_VISIT * sizeof(*seen));
	q[tail++] = commit_id;
	seen[nseen++] = commit_id;
	while (head < tail && !found) {
		int64_t c = q[head++];

		if (c != commit_id) {
			found = render_latest_run(r, c, out);
			if (found != 0)
				break;
		}
		st = db_stmt(r->db, "site.render.render_base_run", "SELECT parent FROM commit_edges WHERE child "
		    "= ? ORDER BY idx");
		if (st == NULL) {
			found = -1;
			break;
		}
		sqlite3_bind_int64(st, 1, c);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			int64_t p = sqlite3_column_int64(st, 0);

			dup = 0;
			/* Merges are rare: a linear scan of a small set. */
			for (i = nseen > 64 ? nseen - 64 : 0; i < nseen; i++)
				if (seen[i] == p)
					dup = 1;
			if (dup || tail == BASE_MAX_VISIT ||
			    nseen == BASE_MAX_VISIT)
				continue;
			seen[nseen++] = p;
			q[tail++] = p;
		}
		sqlite3_reset(st);
		if (rc != SQLITE_DONE) {
			found = render_dberr(r, "reading parents");
			break;
		}
	}
	free(q);
	free(seen);
	return found;
}

/* A row of measurements: the run's values, keyed by metric id. */
struct mrow {
	int64_t metric;
	double median;
	int has;
};

static void
add_num(cJSON *o, const char *key, sqlite3_stmt *st, int col)
{
	char text[40], tkey[64];

	if (sqlite3_column_type(st, col) == SQLITE_NULL) {
		cJSON_AddNullToObject(o, key);
		return;
	}
	/* Raw: printed by render_json_num, much faster than cJSON's
	 * print-and-scan-back for every float of a big run page. */
	render_json_num(text, sqlite3_column_double(st, col));
	cJSON_AddRawToObject(o, key, text);
	render_num(text, sqlite3_column_double(st, col));
	snprintf(tkey, sizeof(tkey), "%s_text", key);
	cJSON_AddStringToObject(o, tkey, text);
}

/* The base run's medians and stddevs, sorted by metric id. */
struct base {
	int64_t metric;
	double median, stddev;
};

static int
load_base(struct rctx *r, const char *base_id, struct base **out, size_t *n)
{
	sqlite3_stmt *st = db_stmt(r->db, "site.render.load_base", "SELECT metric_id, median, stddev "
	    "FROM measurements WHERE run_id = ? AND median IS NOT NULL "
	    "ORDER BY metric_id");
	struct base *b = NULL;
	size_t cap = 0;
	int rc;

	*n = 0;
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, base_id, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 32;
			b = xrealloc(b, cap * sizeof(*b));
		}
		b[*n].metric = sqlite3_column_int64(st, 0);
		b[*n].median = sqlite3_column_double(st, 1);
		b[*n].stddev = sqlite3_column_double(st, 2);
		(*n)++;
	}
	sqlite3_reset(st);
	*out = b;
	if (rc != SQLITE_DONE)
		return render_dberr(r, "reading measurements");
	return 0;
}

static const struct base *
find_base(const struct base *b, size_t n, int64_t metric)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (b[mid].metric == metric)
			return &b[mid];
		if (b[mid].metric < metric)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void
add_delta(cJSON *row, double cur, double sd, int dir, const struct base *b)
{
	char text[48], num[40];
	double d = cur - b->median, pct, noise;
	const char *cls;
	int sig;

	render_json_num(num, b->median);
	cJSON_AddRawToObject(row, "base", num);
	render_num(num, b->median);
	cJSON_AddStringToObject(row, "base_text", num);
	render_json_num(num, d);
	cJSON_AddRawToObject(row, "delta", num);
	render_num(num, d);
	snprintf(text, sizeof(text), "%s%s", d > 0 ? "+" : "", num);
	cJSON_AddStringToObject(row, "delta_text", text);
	if (b->median != 0) {
		pct = d / fabs(b->median) * 100;
		cJSON_AddNumberToObject(row, "delta_pct", pct);
		snprintf(text, sizeof(text), "%+.2f%%", pct);
		cJSON_AddStringToObject(row, "pct_text", text);
	} else {
		pct = d == 0 ? 0 : INFINITY;
		cJSON_AddNullToObject(row, "delta_pct");
		cJSON_AddStringToObject(row, "pct_text", d == 0 ? "0%" : "");
	}
	if (d == 0)
		cls = "same";
	else if (dir == 0)
		cls = "neutral";
	else if ((d < 0) == (dir < 0))
		cls = "better";
	else
		cls = "worse";
	cJSON_AddStringToObject(row, "class", cls);
	/* Large against the noise of both runs, or 5 % without any. */
	noise = 3 * fmax(isnan(sd) ? 0 : sd, isnan(b->stddev) ? 0 :
	    b->stddev);
	sig = d != 0 && (noise > 0 ? fabs(d) > noise : fabs(pct) >= 5);
	cJSON_AddBoolToObject(row, "significant", sig);
}

cJSON *
render_measurements(struct rctx *r, const char *run_id, const char *base_id,
    int with_values)
{
	sqlite3_stmt *st;
	struct base *base = NULL;
	const struct base *b;
	size_t nbase = 0;
	cJSON *rows = NULL, *row, *vals;
	char key[17];
	const char *dirs[] = {"lower is better", "neither", "higher is better"};
	int rc, dir;

	if (base_id != NULL && load_base(r, base_id, &base, &nbase) < 0)
		goto out;
	st = db_stmt(r->db, "site.render.render_measurements", "SELECT m.id, m.name, m.unit, m.direction, s.vals, "
	    "s.n, s.median, s.min, s.max, s.stddev, s.error "
	    "FROM measurements s JOIN metrics m ON m.id = s.metric_id "
	    "WHERE s.run_id = ? ORDER BY m.name");
	if (st == NULL)
		goto out;
	sqlite3_bind_text(st, 1, run_id, -1, SQLITE_TRANSIENT);
	rows = cJSON_CreateArray();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row = cJSON_CreateObject();
		cJSON_AddItemToArray(rows, row);
		render_add_str(row, "metric", sqlite3_column_text(st, 1));
		esc_hash_hex((const char *)sqlite3_column_text(st, 1), key);
		cJSON_AddStringToObject(row, "key", key);
		render_add_str(row, "unit", sqlite3_column_text(st, 2));
		dir = sqlite3_column_int(st, 3);
		dir = dir < 0 ? -1 : dir > 0 ? 1 : 0;
		cJSON_AddNumberToObject(row, "direction", dir);
		cJSON_AddStringToObject(row, "direction_text", dirs[dir + 1]);
		cJSON_AddNumberToObject(row, "n", sqlite3_column_int(st, 5));
		add_num(row, "median", st, 6);
		add_num(row, "min", st, 7);
		add_num(row, "max", st, 8);
		add_num(row, "stddev", st, 9);
		render_add_str(row, "error", sqlite3_column_text(st, 10));
		if (with_values) {
			const char *text = (const char *)sqlite3_column_text(
			    st, 4);

			/* Checked, then copied as it is: the stored JSON. */
			vals = cJSON_Parse(text);
			if (vals != NULL && cJSON_IsArray(vals))
				cJSON_AddRawToObject(row, "values", text);
			else
				cJSON_AddItemToObject(row, "values",
				    cJSON_CreateArray());
			cJSON_Delete(vals);
		}
		if (base_id == NULL ||
		    sqlite3_column_type(st, 6) == SQLITE_NULL)
			continue;
		b = find_base(base, nbase, sqlite3_column_int64(st, 0));
		if (b == NULL) {
			cJSON_AddStringToObject(row, "class", "new");
			continue;
		}
		add_delta(row, sqlite3_column_double(st, 6),
		    sqlite3_column_type(st, 9) == SQLITE_NULL ? NAN :
		    sqlite3_column_double(st, 9), dir, b);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		render_dberr(r, "reading measurements");
		cJSON_Delete(rows);
		rows = NULL;
	}
out:
	free(base);
	return rows;
}

/* The theme: the configured one, else ../theme (or ../../theme) next to the
 * executable in a build tree, else ../share/tablejohn/theme (an install under
 * any PREFIX or DESTDIR), else the installed one. */
static char *
find_theme(const struct config *cfg)
{
	char exe[PATH_MAX], *slash, *t;
	const char *ups[] = {"/../theme", "/../../theme",
	    "/../share/tablejohn/theme"};
	struct stat st;
	ssize_t n;
	size_t i;

	if (cfg->site_theme != NULL)
		return xstrdup(cfg->site_theme);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash != NULL)
			*slash = '\0';
		for (i = 0; i < sizeof(ups) / sizeof(ups[0]); i++) {
			t = xasprintf("%s%s/templates", exe, ups[i]);
			if (stat(t, &st) == 0 && S_ISDIR(st.st_mode)) {
				t[strlen(t) - strlen("/templates")] = '\0';
				return t;
			}
			free(t);
		}
	}
	return xstrdup(TJ_DATADIR "/theme");
}

/* Claim the dirty rows (renamed "~kind") and read the last rendered commit
 * id, in one write transaction. */
static int
claim(struct rctx *r, int64_t *commit_max)
{
	char *v;

	if (db_begin(r->db) < 0)
		return -1;
	if (db_exec(r->db, "UPDATE OR REPLACE dirty SET kind = '~' || kind "
	    "WHERE substr(kind, 1, 1) <> '~'") < 0)
		goto fail;
	v = db_meta_get(r->db, "render.commit_max");
	if (v == NULL && *err_get() != '\0')
		goto fail;
	*commit_max = v ? strtoll(v, NULL, 10) : 0;
	free(v);
	return db_commit(r->db);
fail:
	db_rollback(r->db);
	return -1;
}

static int
finish(struct rctx *r, int64_t commit_max)
{
	char v[32];

	if (db_begin(r->db) < 0)
		return -1;
	snprintf(v, sizeof(v), "%lld", (long long)commit_max);
	if (db_exec(r->db, "DELETE FROM dirty WHERE substr(kind, 1, 1) = "
	    "'~'") < 0 || db_meta_set(r->db, "render.commit_max", v) < 0) {
		db_rollback(r->db);
		return -1;
	}
	return db_commit(r->db);
}

/* Rows of the one-column query name into a set; with one optional
 * text/int parameter. */
static int
collect(struct rctx *r, struct strset *s, const char *name, const char *sql,
    const char *text, int64_t num)
{
	sqlite3_stmt *st = db_stmt(r->db, name, sql);
	int rc;

	if (st == NULL)
		return -1;
	if (text != NULL)
		sqlite3_bind_text(st, 1, text, -1, SQLITE_TRANSIENT);
	else if (num >= 0)
		sqlite3_bind_int64(st, 1, num);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (sqlite3_column_type(st, 0) != SQLITE_NULL)
			set_add(s, (const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return render_dberr(r, "reading what to render");
	return 0;
}

static int
shard_of(const char *hash)
{
	static const char hex[] = "0123456789abcdef";
	const char *a, *b;

	if (strlen(hash) < 2 || (a = strchr(hex, hash[0])) == NULL ||
	    (b = strchr(hex, hash[1])) == NULL || !hash[0] || !hash[1])
		return -1;
	return (int)((a - hex) * 16 + (b - hex));
}

#define DESC_MAX_VISIT 1024

/*
 * The commits below the commit of run id whose nearest ancestor with a run
 * is that commit (found going down through children, stopping at commits
 * that have runs): their pages and their runs' pages show deltas against
 * it, so they join the work.
 */
static int
descendants(struct rctx *r, struct work *w, const char *id)
{
	sqlite3_stmt *st;
	int64_t *q = NULL, c;
	size_t head = 0, tail = 0, cap = 0;
	int rc = -1, step, has;

	st = db_stmt(r->db, "site.render.descendants", "SELECT commit_id FROM runs WHERE id = ?");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	step = sqlite3_step(st);
	c = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (step != SQLITE_ROW)
		return step == SQLITE_DONE ? 0 : render_dberr(r, "reading a run");
	cap = 64;
	q = xmalloc(cap * sizeof(*q));
	q[tail++] = c;
	while (head < tail && tail < DESC_MAX_VISIT) {
		c = q[head++];
		st = db_stmt(r->db, "site.descendants.children", "SELECT e.child, c.hash, EXISTS (SELECT 1 FROM "
		    "runs WHERE commit_id = e.child) FROM commit_edges e JOIN "
		    "commits c ON c.id = e.child WHERE e.parent = ?");
		if (st == NULL)
			goto out;
		sqlite3_bind_int64(st, 1, c);
		while ((step = sqlite3_step(st)) == SQLITE_ROW &&
		    tail < DESC_MAX_VISIT) {
			has = sqlite3_column_int(st, 2);
			if (!has) {
				if (tail == cap) {
					cap *= 2;
					q = xrealloc(q, cap * sizeof(*q));
				}
				q[tail++] = sqlite3_column_int64(st, 0);
				continue;
			}
			set_add(&w->commits,
			    (const char *)sqlite3_column_text(st, 1));
			if (collect(r, &w->runs, "site.descendants.runs",
	    "SELECT id FROM runs WHERE "
			    "commit_id = ?", NULL,
			    sqlite3_column_int64(st, 0)) < 0) {
				sqlite3_reset(st);
				goto out;
			}
		}
		sqlite3_reset(st);
		if (step != SQLITE_DONE && step != SQLITE_ROW) {
			render_dberr(r, "reading children");
			goto out;
		}
	}
	rc = 0;
out:
	free(q);
	return rc;
}

/* What the claimed dirty rows (and new commits) ask to be rendered. */
static int
plan(struct rctx *r, struct work *w, int all, int64_t commit_max)
{
	struct strset runs_meta;
	sqlite3_stmt *st;
	const char *kind, *key;
	size_t i, n;
	int rc, s;

	memset(&runs_meta, 0, sizeof(runs_meta));
	if (all) {
		w->all = w->index = w->queue = w->graph = w->go_refs = 1;
		if (collect(r, &w->commits, "site.plan.all_commits",
	    "SELECT hash FROM commits", NULL,
		    -1) < 0 ||
		    collect(r, &w->runs, "site.plan.all_runs",
	    "SELECT id FROM runs", NULL, -1) < 0 ||
		    collect(r, &w->workers, "site.plan.all_workers",
	    "SELECT name FROM workers UNION "
		    "SELECT worker FROM runs", NULL, -1) < 0 ||
		    collect(r, &w->refs, "site.plan.all_refs",
	    "SELECT name FROM refs", NULL,
		    -1) < 0 ||
		    collect(r, &w->metrics, "site.plan.all_metrics",
	    "SELECT name FROM metrics", NULL,
		    -1) < 0)
			return -1;
		/* Shards without commits are never written: go.js takes a
		 * missing one as empty. */
		for (i = 0; i < w->commits.n; i++)
			if ((s = shard_of(w->commits.v[i])) >= 0)
				w->shards[s] = 1;
		return 0;
	}
	st = db_stmt(r->db, "site.render.plan", "SELECT substr(kind, 2), key FROM dirty "
	    "WHERE substr(kind, 1, 1) = '~'");
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		kind = (const char *)sqlite3_column_text(st, 0);
		key = (const char *)sqlite3_column_text(st, 1);
		if (strcmp(kind, "commit") == 0) {
			set_add(&w->commits, key);
			if ((s = shard_of(key)) >= 0)
				w->shards[s] = 1;
		} else if (strcmp(kind, "run") == 0) {
			set_add(&w->runs, key);
			w->index = w->queue = w->graph = 1;
		} else if (strcmp(kind, "metric") == 0) {
			set_add(&w->metrics, key);
			w->graph = 1;
		} else if (strcmp(kind, "worker") == 0) {
			set_add(&w->workers, key);
			w->queue = 1;
		} else if (strcmp(kind, "ref") == 0) {
			set_add(&w->refs, key);
			w->index = w->go_refs = w->graph = 1;
		} else if (strcmp(kind, "queue") == 0)
			w->queue = 1;
		else if (strcmp(kind, "index") == 0)
			w->index = 1;
		else if (strcmp(kind, "graph") == 0)
			w->graph = 1;
		else
			log_warn("render: unknown dirty kind '%s' ignored",
			    kind);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return render_dberr(r, "reading the dirty table");
	/* A run shows on its commit, its worker's page and its metrics. */
	for (i = 0; i < w->runs.n; i++) {
		if (collect(r, &w->commits, "site.plan.run_commit",
	    "SELECT c.hash FROM runs r JOIN "
		    "commits c ON c.id = r.commit_id WHERE r.id = ?",
		    w->runs.v[i], -1) < 0 ||
		    collect(r, &w->workers, "site.plan.run_worker",
	    "SELECT worker FROM runs WHERE "
		    "id = ?", w->runs.v[i], -1) < 0 ||
		    collect(r, &runs_meta, "site.plan.run_metrics",
	    "SELECT m.name FROM measurements s "
		    "JOIN metrics m ON m.id = s.metric_id WHERE s.run_id = ?",
		    w->runs.v[i], -1) < 0)
			goto fail;
	}
	for (i = 0; i < runs_meta.n; i++)
		set_add(&w->metrics, runs_meta.v[i]);
	/* The next runs down the history now compare with these. */
	n = w->runs.n;
	for (i = 0; i < n; i++)
		if (descendants(r, w, w->runs.v[i]) < 0)
			goto fail;
	/* New commits, and their parents, which gain a child. */
	if (collect(r, &w->commits, "site.plan.new_commits",
	    "SELECT hash FROM commits WHERE id > ?",
	    NULL, commit_max) < 0 ||
	    collect(r, &w->commits, "site.plan.new_parents",
	    "SELECT DISTINCT c.hash FROM commit_edges "
	    "e JOIN commits c ON c.id = e.parent WHERE e.child > ?", NULL,
	    commit_max) < 0)
		goto fail;
	for (i = 0; i < w->commits.n; i++)
		if ((s = shard_of(w->commits.v[i])) >= 0)
			w->shards[s] = 1;
	set_free(&runs_meta);
	return 0;
fail:
	set_free(&runs_meta);
	return -1;
}

static int
execute(struct rctx *r, struct work *w)
{
	size_t i;
	int s;

	set_uniq(&w->commits);
	set_uniq(&w->runs);
	set_uniq(&w->workers);
	set_uniq(&w->refs);
	set_uniq(&w->metrics);
	if (page_static(r) < 0)
		return -1;
	for (i = 0; i < w->commits.n; i++)
		if (page_commit(r, w->commits.v[i]) < 0)
			return -1;
	for (i = 0; i < w->runs.n; i++)
		if (page_run(r, w->runs.v[i]) < 0)
			return -1;
	for (i = 0; i < w->workers.n; i++)
		if (page_worker(r, w->workers.v[i]) < 0)
			return -1;
	for (i = 0; i < w->refs.n; i++)
		if (page_ref(r, w->refs.v[i]) < 0)
			return -1;
	if ((w->metrics.n > 0 || w->graph || w->runs.n > 0) &&
	    page_graph(r, w->all, w->runs.v, w->runs.n, w->metrics.v,
	    w->metrics.n) < 0)
		return -1;
	if (w->go_refs && page_go_refs(r) < 0)
		return -1;
	for (s = 0; s < 256; s++)
		if (w->shards[s] && page_go_shard(r, s) < 0)
			return -1;
	if (w->queue && page_queue(r) < 0)
		return -1;
	if (w->index && (page_index(r) < 0 || page_feed(r) < 0))
		return -1;
	return 0;
}

static int
max_commit(struct rctx *r, int64_t *max)
{
	sqlite3_stmt *st = db_stmt(r->db, "site.render.max_commit", "SELECT coalesce(max(id), 0) FROM "
	    "commits");
	int rc;

	if (st == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*max = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return render_dberr(r, "reading commits");
	return 0;
}

int
render_site(struct db *db, const struct config *cfg, int all)
{
	struct rctx r;
	struct work w;
	char *lock, *tdir;
	int64_t commit_max = 0, new_max = 0;
	int lockfd = -1, rc = -1, in_read = 0, i;

	memset(&r, 0, sizeof(r));
	memset(&w, 0, sizeof(w));
	r.db = db;
	r.h = db_handle(db);
	r.cfg = cfg;
	r.out = cfg->site_out ? cfg->site_out : "out";
	buf_init(&r.html, MAX_PAGE);
	last_written = last_unchanged = 0;
	if (fsx_mkdirs(r.out) < 0)
		goto out;
	lock = xasprintf("%s/.lock", r.out);
	lockfd = fsx_lock(lock);
	free(lock);
	if (lockfd < 0)
		goto out;
	r.theme = find_theme(cfg);
	r.tpl = tpl_new();
	tdir = xasprintf("%s/templates", r.theme);
	i = tpl_load_dir(r.tpl, tdir);
	free(tdir);
	if (i < 0) {
		err_wrap("the theme %s", r.theme);
		goto out;
	}
	/* Big scans (graph data) read faster through a map and a cache. */
	if (db_exec(db, "PRAGMA mmap_size = 268435456;"
	    "PRAGMA cache_size = -32768") < 0)
		goto out;
	if (claim(&r, &commit_max) < 0)
		goto out;
	/* One read transaction: every page of this call sees one state. */
	if (db_exec(db, "BEGIN") < 0)
		goto out;
	in_read = 1;
	if (max_commit(&r, &new_max) < 0 || plan(&r, &w, all, commit_max) < 0 ||
	    execute(&r, &w) < 0)
		goto out;
	db_reset_all(db);
	in_read = 0;
	if (db_exec(db, "COMMIT") < 0)
		goto out;
	if (finish(&r, new_max) < 0)
		goto out;
	log_debug("render: %ld files written, %ld unchanged, %ld removed",
	    r.written, r.unchanged, r.removed);
	rc = 0;
out:
	db_reset_all(db);
	if (in_read)
		db_rollback(db);
	last_written = r.written;
	last_unchanged = r.unchanged;
	set_free(&w.commits);
	set_free(&w.runs);
	set_free(&w.workers);
	set_free(&w.refs);
	set_free(&w.metrics);
	tpl_free(r.tpl);
	free(r.theme);
	buf_fini(&r.html);
	fsx_unlock(lockfd);
	return rc;
}

void
render_stats(long *written, long *unchanged)
{
	*written = last_written;
	*unchanged = last_unchanged;
}
