/* render: drive one render of the site: lock, claim dirty rows, write pages. */
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
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
#include "query.h"
#include "render.h"
#include "render_int.h"
#include "changes.h"
#include "tpl.h"
#include "utf8.h"

#ifndef TJ_DATADIR
#define TJ_DATADIR "/usr/local/share/tablejohn"
#endif

#define MAX_PAGE (256u << 20)

#ifndef TJ_SRC_ID
#define TJ_SRC_ID TJ_VERSION
#endif

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

/*
 * The driver's tables. A page kind that takes a key (a commit's hash, a run
 * id, ...) has a set of keys to render; the others are flags. The dirty
 * kinds say which sets and flags a change touches; the pages are written
 * in the order of pages[]. A new page is one row in pages[] and its flag in
 * the rows of the dirty kinds that affect it.
 */
enum { SET_COMMITS, SET_RUNS, SET_WORKERS, SET_REFS, SET_METRICS, SET_CHANGES,
    SET_SHARDS, NSETS };

#define P_INDEX 0x01	/* index.html, feed.xml, refs/ (and changes/) */
#define P_QUEUE 0x02	/* queue/ */
#define P_GRAPH 0x04	/* graph/ data */
#define P_GO_REFS 0x08	/* go/refs.json */
#define P_STATIC 0x10	/* static/ and the fixed pages: every render */
#define P_SHARDS 0x20	/* go/h/<xx>.json of the commits rendered */
#define P_CHANGES 0x40	/* changes/, changes.json */

/* Everything one render has to write. */
struct work {
	struct strset set[NSETS];
	unsigned flags;
	int all;
};

/* Each dirty kind: the set its key goes into (or -1) and the pages. */
static const struct {
	const char *kind;
	int set;
	unsigned flags;
} dirty_kinds[] = {
	{"commit", SET_COMMITS, P_SHARDS},
	{"run", SET_RUNS, P_INDEX | P_QUEUE | P_GRAPH},
	{"metric", SET_METRICS, P_GRAPH},
	{"worker", SET_WORKERS, P_QUEUE},
	{"ref", SET_REFS, P_INDEX | P_GO_REFS | P_GRAPH},
	{"queue", -1, P_QUEUE},
	{"index", -1, P_INDEX},
	{"graph", -1, P_GRAPH},
	{"change", SET_CHANGES, P_CHANGES | P_INDEX},
	{"changes", -1, P_CHANGES | P_INDEX},
};

#define STR(x) STR_(x)
#define STR_(x) #x

/* Above this many commits to render, which have pages is read for every
 * commit at once. */
#define MAP_ABOVE 1000

/* Every key of a set, for a full render. */
static const struct {
	const char *name, *sql;
} all_keys[NSETS] = {
	[SET_COMMITS] = {NULL, NULL},	/* all_commits() */
	[SET_RUNS] = {"site.all.runs", "SELECT id FROM runs"},
	[SET_WORKERS] = {"site.all.workers", "SELECT name FROM workers UNION "
	    "SELECT worker FROM runs"},
	[SET_REFS] = {"site.all.refs", "SELECT name FROM refs"},
	[SET_METRICS] = {"site.all.metrics", "SELECT name FROM metrics"},
	[SET_CHANGES] = {"site.all.changes", "SELECT id FROM changes"},
	[SET_SHARDS] = {"site.all.shards", "SELECT DISTINCT substr(hash, 1, "
	    STR(SHARD_DIGITS) ") FROM commits"},
};

static int graph_pages(struct rctx *r, struct work *w);
static int shard_pages(struct rctx *r, struct work *w);
static int index_pages(struct rctx *r, struct work *w);

/* The pages, in the order they are written: one page per key of set, or
 * the whole-work writer when flags are set. */
static const struct {
	const char *name;
	int set;
	int (*one)(struct rctx *r, const char *key);
	unsigned flags;
	int (*whole)(struct rctx *r, struct work *w);
} pages[] = {
	{"static", -1, NULL, P_STATIC, NULL},
	{"commit", SET_COMMITS, page_commit, 0, NULL},
	{"shard", SET_SHARDS, page_commit_shard, 0, NULL},
	{"run", SET_RUNS, page_run, 0, NULL},
	{"worker", SET_WORKERS, page_worker, 0, NULL},
	{"ref", SET_REFS, page_ref, 0, NULL},
	{"graph", -1, NULL, P_GRAPH, graph_pages},
	{"go refs", -1, NULL, P_GO_REFS, NULL},
	{"go shards", -1, NULL, P_SHARDS, shard_pages},
	{"queue", -1, NULL, P_QUEUE, NULL},
	{"change", SET_CHANGES, page_change, 0, NULL},
	{"changes", -1, NULL, P_CHANGES | P_INDEX, NULL},
	{"index", -1, NULL, P_INDEX, index_pages},
};

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

/*
 * What the HTML of out/ is made with, as "<out's real path> <hash>": the
 * templates, the site title and the renderer's code (TJ_SRC_ID, the
 * Makefile's checksum of lib/: tj-gen and tj-api built from one tree
 * agree). Kept in the db (meta render.stamp) after a full render; a render
 * that finds another clears it first, so only a full render with the same
 * one can say every HTML file was made with it. Malloc'd, or NULL with
 * err_set.
 */
static char *
stamp(struct rctx *r)
{
	const char *title = r->cfg->site_title ? r->cfg->site_title :
	    "tablejohn";
	char real[PATH_MAX], *s, hex[17];

	if (realpath(r->out, real) == NULL) {
		err_set("%s: %s", r->out, strerror(errno));
		return NULL;
	}
	s = xasprintf("%s %016llx %s", TJ_SRC_ID,
	    (unsigned long long)tpl_hash(r->tpl), title);
	esc_hash_hex(s, hex);
	free(s);
	return xasprintf("%s %s", real, hex);
}

/* Claim the dirty rows (renamed "~kind") and read the last rendered commit
 * id, in one write transaction. */
static int
claim(struct rctx *r, int64_t *commit_max, const char *made_with)
{
	char *v;

	if (db_begin(r->db) < 0)
		return -1;
	v = db_meta_get(r->db, "render.stamp");
	if (v == NULL && *err_get() != '\0')
		goto fail;
	r->html_current = v != NULL && strcmp(v, made_with) == 0;
	free(v);
	/* Pages made now are made with something else: until a full render,
	 * no HTML is known to be current. */
	if (!r->html_current && db_exec(r->db, "DELETE FROM meta WHERE key = "
	    "'render.stamp'") < 0)
		goto fail;
	/* 'detect' rows are changes_detect_pending's, not pages. */
	if (db_exec(r->db, "UPDATE OR REPLACE dirty SET kind = '~' || kind "
	    "WHERE substr(kind, 1, 1) <> '~' AND kind <> 'detect'") < 0)
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
finish(struct rctx *r, int64_t commit_max, const char *made_with)
{
	char v[32];

	if (db_begin(r->db) < 0)
		return -1;
	snprintf(v, sizeof(v), "%lld", (long long)commit_max);
	if (db_exec(r->db, "DELETE FROM dirty WHERE substr(kind, 1, 1) = "
	    "'~'") < 0 || db_meta_set(r->db, "render.commit_max", v) < 0 ||
	    (made_with != NULL && db_meta_set(r->db, "render.stamp",
	    made_with) < 0)) {
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

/* The commits below run id's commit whose base run is now that run: they
 * and their runs show deltas against it, so they join the work. */
static int
descendants(struct rctx *r, struct work *w, const char *id)
{
	struct q_commit_ref *below;
	struct q_run run, *runs;
	size_t n, nruns, i, k;
	int rc;

	if ((rc = q_run(r->db, id, &run)) <= 0)
		return rc;
	rc = q_next_with_runs(r->db, run.commit_id, &below, &n);
	q_run_free(&run);
	if (rc < 0)
		return -1;
	for (i = 0; i < n && rc == 0; i++) {
		set_add(&w->set[SET_COMMITS], below[i].hash);
		if ((rc = q_commit_runs(r->db, below[i].id, &runs, &nruns)) < 0)
			break;
		for (k = 0; k < nruns; k++)
			set_add(&w->set[SET_RUNS], runs[k].id);
		q_runs_free(runs, nruns);
	}
	free(below);
	return rc;
}

/*
 * The commits of a full render: those with a page, and the ones that have
 * a directory under commit/ without one (page_commit removes their page).
 * The others need no look: they are written into their shards.
 */
static int
all_commits(struct rctx *r, struct strset *set)
{
	sqlite3_stmt *st = db_stmt(r->db, "site.all.commit_ids",
	    "SELECT id, hash FROM commits");
	struct dirent *de;
	char *path;
	int64_t id;
	DIR *d;
	int rc;

	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		if (id >= 0 && id < r->inf_n && r->inf_map[id])
			set_add(set, (const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return render_dberr(r, "reading what to render");
	path = xasprintf("%s/commit", r->out);
	d = opendir(path);
	free(path);
	while (d != NULL && (de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			set_add(set, de->d_name);
	if (d != NULL)
		closedir(d);
	return 0;
}

/* Every page of the site. */
static int
plan_all(struct rctx *r, struct work *w)
{
	int s;

	w->all = 1;
	w->flags = ~0u;
	for (s = 0; s < NSETS; s++)
		if (all_keys[s].sql != NULL && collect(r, &w->set[s],
		    all_keys[s].name, all_keys[s].sql, NULL, -1) < 0)
			return -1;
	if (q_informative_map(r->db, &r->inf_map, &r->inf_n) < 0)
		return -1;
	r->fam = xcalloc(1, sizeof(*r->fam));
	if (q_family_load(r->db, render_summary, r->fam) < 0)
		return -1;
	return all_commits(r, &w->set[SET_COMMITS]);
}

/* The parents and children of the commits set[from..to) into set. */
static int
neighbours(struct rctx *r, struct strset *set, size_t from, size_t to)
{
	size_t i;

	for (i = from; i < to; i++)
		if (collect(r, set, "site.neighbours", "SELECT p.hash FROM "
		    "commits c JOIN commit_edges e ON e.child = c.id JOIN "
		    "commits p ON p.id = e.parent WHERE c.hash = ?1 UNION ALL "
		    "SELECT k.hash FROM commits c JOIN commit_edges e ON "
		    "e.parent = c.id JOIN commits k ON k.id = e.child WHERE "
		    "c.hash = ?1", set->v[i], -1) < 0)
			return -1;
	return 0;
}

/*
 * Whether a commit has a page depends on its neighbours (lib/query.h), and
 * every link to it, on its page or shard, says where it is: a commit of
 * the work may have joined or left the core, so its neighbours may have
 * gained or lost their pages, and their neighbours' links to them change.
 * The commits two steps away join the work, and the shards of them all.
 */
static int
expand(struct rctx *r, struct work *w)
{
	struct strset *c = &w->set[SET_COMMITS];
	size_t n0, n1, i;
	char p[SHARD_DIGITS + 1];

	set_uniq(c);
	n0 = c->n;
	if (neighbours(r, c, 0, n0) < 0)
		return -1;
	n1 = c->n;
	if (neighbours(r, c, n0, n1) < 0)
		return -1;
	set_uniq(c);
	for (i = 0; i < c->n; i++) {
		snprintf(p, sizeof(p), "%s", c->v[i]);
		set_add(&w->set[SET_SHARDS], p);
	}
	if (c->n > MAP_ABOVE)
		return q_informative_map(r->db, &r->inf_map, &r->inf_n);
	return 0;
}

/* The claimed dirty rows through dirty_kinds[]. */
static int
plan_dirty(struct rctx *r, struct work *w)
{
	sqlite3_stmt *st;
	const char *kind, *key;
	size_t i, nk = sizeof(dirty_kinds) / sizeof(dirty_kinds[0]);
	int rc;

	st = db_stmt(r->db, "site.claimed", "SELECT substr(kind, 2), key "
	    "FROM dirty WHERE substr(kind, 1, 1) = '~'");
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		kind = (const char *)sqlite3_column_text(st, 0);
		key = (const char *)sqlite3_column_text(st, 1);
		for (i = 0; i < nk; i++)
			if (strcmp(kind, dirty_kinds[i].kind) == 0)
				break;
		if (i == nk) {
			log_warn("render: unknown dirty kind '%s' ignored",
			    kind);
			continue;
		}
		if (dirty_kinds[i].set >= 0)
			set_add(&w->set[dirty_kinds[i].set], key);
		w->flags |= dirty_kinds[i].flags;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return render_dberr(r, "reading the dirty table");
	return 0;
}

/* What follows from the dirty rows: a run shows on its commit, its
 * worker's page and its metrics, and the next runs down the history
 * compare with it; new commits show, and so do their parents, which gain a
 * child. */
static int
plan_derived(struct rctx *r, struct work *w, int64_t commit_max)
{
	struct strset *runs = &w->set[SET_RUNS];
	size_t i, n = runs->n;

	for (i = 0; i < n; i++) {
		if (collect(r, &w->set[SET_COMMITS], "site.run.commit",
		    "SELECT c.hash FROM runs r JOIN commits c ON "
		    "c.id = r.commit_id WHERE r.id = ?", runs->v[i], -1) < 0 ||
		    collect(r, &w->set[SET_WORKERS], "site.run.worker",
		    "SELECT worker FROM runs WHERE id = ?", runs->v[i],
		    -1) < 0 ||
		    collect(r, &w->set[SET_METRICS], "site.run.metrics",
		    "SELECT m.name FROM measurements s JOIN metrics m ON "
		    "m.id = s.metric_id WHERE s.run_id = ?", runs->v[i],
		    -1) < 0)
			return -1;
	}
	for (i = 0; i < n; i++)
		if (descendants(r, w, runs->v[i]) < 0)
			return -1;
	if (collect(r, &w->set[SET_COMMITS], "site.new.commits",
	    "SELECT hash FROM commits WHERE id > ?", NULL, commit_max) < 0 ||
	    collect(r, &w->set[SET_COMMITS], "site.new.parents",
	    "SELECT DISTINCT c.hash FROM commit_edges e JOIN commits c ON "
	    "c.id = e.parent WHERE e.child > ?", NULL, commit_max) < 0)
		return -1;
	return expand(r, w);
}

/* Graph data: the chunks of the runs and metrics in the work (all of it
 * in a full render). */
static int
graph_pages(struct rctx *r, struct work *w)
{
	return page_graph(r, w->all, w->set[SET_RUNS].v, w->set[SET_RUNS].n,
	    w->set[SET_METRICS].v, w->set[SET_METRICS].n);
}

/* go/h/<xx>.json of every shard that holds a commit of the work (shards
 * without commits are never written: go.js takes a missing one as
 * empty). */
static int
shard_pages(struct rctx *r, struct work *w)
{
	unsigned char shards[256];
	size_t i;
	int s;

	/* The prefixes of the commit shards hold every commit of the work
	 * (all of them in a full render, whose commits are only those with
	 * pages). */
	memset(shards, 0, sizeof(shards));
	for (i = 0; i < w->set[SET_SHARDS].n; i++)
		if ((s = shard_of(w->set[SET_SHARDS].v[i])) >= 0)
			shards[s] = 1;
	for (s = 0; s < 256; s++)
		if (shards[s] && page_go_shard(r, s) < 0)
			return -1;
	return 0;
}

static int
index_pages(struct rctx *r, struct work *w)
{
	(void)w;
	return page_index(r) < 0 || page_feed(r) < 0 || page_refs(r) < 0 ?
	    -1 : 0;
}

/* The flag pages that take no work. */
static int
whole(struct rctx *r, unsigned flag)
{
	switch (flag) {
	case P_STATIC:
		return page_static(r);
	case P_GO_REFS:
		return page_go_refs(r);
	case P_QUEUE:
		return page_queue(r);
	case P_CHANGES | P_INDEX:
		return page_changes(r);
	}
	return 0;
}

static int
execute(struct rctx *r, struct work *w)
{
	size_t p, i;
	int s;

	for (s = 0; s < NSETS; s++)
		set_uniq(&w->set[s]);
	/* Any run or metric changes some graph data. */
	if (w->set[SET_RUNS].n > 0 || w->set[SET_METRICS].n > 0)
		w->flags |= P_GRAPH;
	if (w->set[SET_COMMITS].n > 0)
		w->flags |= P_SHARDS;
	w->flags |= P_STATIC;
	for (p = 0; p < sizeof(pages) / sizeof(pages[0]); p++) {
		if (pages[p].set >= 0) {
			for (i = 0; i < w->set[pages[p].set].n; i++)
				if (pages[p].one(r,
				    w->set[pages[p].set].v[i]) < 0)
					return -1;
			continue;
		}
		if (!(w->flags & pages[p].flags))
			continue;
		if ((pages[p].whole ? pages[p].whole(r, w) :
		    whole(r, pages[p].flags)) < 0)
			return -1;
	}
	return 0;
}

int
render_site(struct db *db, const struct config *cfg, int all)
{
	struct rctx r;
	struct work w;
	char *lock, *tdir, *made_with = NULL;
	int64_t commit_max = 0, new_max = 0;
	int lockfd = -1, rc = -1, in_read = 0, i;

	memset(&r, 0, sizeof(r));
	memset(&w, 0, sizeof(w));
	r.db = db;
	r.h = db_handle(db);
	r.cfg = cfg;
	r.out = cfg->site_out ? cfg->site_out : "out";
	r.outfd = -1;
	buf_init(&r.html, MAX_PAGE);
	last_written = last_unchanged = 0;
	if (fsx_mkdirs(r.out) < 0)
		goto out;
	lock = xasprintf("%s/.lock", r.out);
	lockfd = fsx_lock(lock);
	free(lock);
	if (lockfd < 0)
		goto out;
	/* Pages are compared through it: a shorter path to look up. */
	if ((r.outfd = open(r.out, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		err_set("%s: %s", r.out, strerror(errno));
		goto out;
	}
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
	/* Detection first: the changes it finds are pages of this render. */
	if (changes_detect_pending(db, cfg) < 0)
		log_warn("render: detecting changes: %s (tried again next "
		    "time)", err_get());
	if ((made_with = stamp(&r)) == NULL || claim(&r, &commit_max,
	    made_with) < 0)
		goto out;
	/* One read transaction: every page of this call sees one state. */
	if (db_exec(db, "BEGIN") < 0)
		goto out;
	in_read = 1;
	if (q_commit_max(db, &new_max) < 0)
		goto out;
	if (all ? plan_all(&r, &w) < 0 : plan_dirty(&r, &w) < 0 ||
	    plan_derived(&r, &w, commit_max) < 0)
		goto out;
	if (execute(&r, &w) < 0)
		goto out;
	db_reset_all(db);
	in_read = 0;
	if (db_exec(db, "COMMIT") < 0)
		goto out;
	if (finish(&r, new_max, all ? made_with : NULL) < 0)
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
	for (i = 0; i < NSETS; i++)
		set_free(&w.set[i]);
	tpl_free(r.tpl);
	free(r.theme);
	free(r.inf_map);
	if (r.fam != NULL)
		q_family_free(r.fam);
	free(r.fam);
	free(made_with);
	page_changes_cache_free(&r);
	buf_fini(&r.html);
	if (r.outfd >= 0)
		close(r.outfd);
	fsx_unlock(lockfd);
	return rc;
}

void
render_stats(long *written, long *unchanged)
{
	*written = last_written;
	*unchanged = last_unchanged;
}

