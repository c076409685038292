/*
 * render_int: what the renderer's files share: the render context (the
 * driver, render.c), writing a page's files (write.c), formatters
 * (format.c), URL builders (url.c), shared model parts (model.c) and the
 * page models (page_*.c). The db is read through lib/query.h.
 */
#ifndef TJ_RENDER_INT_H
#define TJ_RENDER_INT_H

#include <stdint.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "buf.h"
#include "db.h"

struct config;
struct db;
struct q_family;
struct tpl_set;

/* One render_site() call: everything a page model needs. */
struct rctx {
	struct db *db;
	sqlite3 *h;
	const struct config *cfg;
	const char *out;	/* the output directory */
	int outfd;		/* out, open as a directory */
	char *theme;		/* the theme directory */
	struct tpl_set *tpl;
	struct buf html;	/* scratch for one page */
	long written, unchanged, removed;
	char graph_id[17];	/* set by page_graph */
	/* Which commits get a full page, for every id below inf_n (a full
	 * render); else NULL and asked commit by commit. */
	unsigned char *inf_map;
	int64_t inf_n;
	/* Every commit's brief and family (a full render); else NULL and
	 * asked commit by commit. */
	struct q_family *fam;
	/* The HTML in out/ was made by this theme, site title and
	 * tablejohn (render.c, stamp): a page whose JSON twin is unchanged
	 * keeps its HTML (write.c). */
	int html_current;
	struct series *series;	/* page_changes.c's, for this render */
};

/* err_set from the connection's last error with context; returns -1. */
int render_dberr(struct rctx *r, const char *context);

/*
 * Write the page model as dir/json_name (dir relative to r->out, "" for the
 * top) and, through the template tpl, as dir/index.html. The page's title
 * and the common keys (root: the relative way back to the top, site_title)
 * are added to model after the JSON is written. 0 or -1 with err_set.
 */
int render_page(struct rctx *r, const char *dir, const char *tpl,
    cJSON *model, const char *json_name, const char *title);

/* Make every string and key of the tree valid UTF-8. */
void render_fix_utf8(cJSON *o);

/* Write model as the JSON file rel (relative to r->out), its strings
 * made valid UTF-8 first. 0 or -1. */
int render_json(struct rctx *r, const char *rel, cJSON *model);

/* Write data[0..n) to rel (relative to r->out), skipping unchanged bytes and
 * counting. 0 or -1. */
int render_file(struct rctx *r, const char *rel, const char *data, size_t n);

/* Remove rel (relative to r->out) and its directory if empty. */
int render_remove(struct rctx *r, const char *rel);

/* Remove a page that is gone: dir/index.html and its JSON twin
 * dir/json_name (dir ends in '/' or not). 0 or -1. */
int render_remove_page(struct rctx *r, const char *dir,
    const char *json_name);

/* Append one output line {source, source_name, text} to arr; a source
 * outside 0 (internal), 1 (stdout), 2 (stderr) counts as internal. */
void render_add_output(cJSON *arr, int source, const char *text);

/* Format unix time t (seconds) with the offset tz (minutes east of UTC) as
 * RFC 3339 into out; tz 0 gives "Z". */
void render_time(char out[40], double t, int tz);

/* A duration in seconds as "1.25 s", "3 min 12 s", "2 h 5 min". */
void render_duration(char out[40], double secs);

/* A number for people: up to 4 significant digits past the integer part. */
void render_num(char out[40], double v);

/* v as a JSON number (null when not finite): exact to 1e-6 relative when
 * it has few decimals, else 15 significant digits. */
void render_json_num(char out[40], double v);

/* Add key: text, or null when text is NULL. */
void render_add_str(cJSON *o, const char *key, const unsigned char *text);

/* Site-relative URLs ("commit/<hash>/", "run/<id>/", "worker/<name>/",
 * "ref/<a>/<b>/"), malloc'd: names are made file-name safe. */
char *render_url_commit(const char *hash);
char *render_url_run(const char *id);
char *render_url_worker(const char *name);
char *render_url_ref(const char *name);

/* Digits of a commit hash that name its shard page (commits/<abc>/). */
#define SHARD_DIGITS 3

/*
 * 1 when commit id gets a full page at commit/<hash>/ (lib/query.h says
 * which do), 0 when it is only listed on its shard page, -1 with err_set.
 */
int render_informative(struct rctx *r, int64_t id);

/* The shard page that lists hash: "commits/<abc>/" (malloc'd); its
 * entry there is "#<hash>". */
char *render_url_shard(const char *hash);

/* The URL a link to commit id (hash) takes: its page, or its entry on its
 * shard page. NULL with err_set. */
char *render_commit_url(struct rctx *r, int64_t id, const char *hash);

/* A run's id and its page's url into o. */
void render_add_run(cJSON *o, const char *id);

/*
 * base_run in o: {id, url, commit (brief), commits_back, back_text} of the
 * run base that commit from's runs are compared with, or null when base is
 * NULL. commits_back is the first-parent distance from from to the base's
 * commit (null when that commit is not on from's first-parent line);
 * back_text says it in words ("3 commits back", "on a merged branch").
 * 0 or -1 with err_set.
 */
int render_base_run(struct rctx *r, cJSON *o, int64_t from,
    const char *base);

/* The first line of a commit message, at most 200 bytes (malloc'd). */
char *render_summary(const char *message);

/*
 * {hash, short, summary, url} for the commit id, or NULL with err_set
 * (also when there is no such commit).
 */
cJSON *render_commit_brief(struct rctx *r, int64_t id);
struct q_commit;
cJSON *render_commit_brief_of(struct rctx *r, const struct q_commit *c);

/*
 * The measurements of run_id as an array of rows {metric, key, unit,
 * direction, n, median, min, max, stddev, values, error, *_text} plus, when
 * base_id is not NULL, {base, delta, delta_pct, delta_text, pct_text,
 * class ("better", "worse", "same", "neutral", "new"), significant}.
 * Sorted by metric name. NULL with err_set.
 */
cJSON *render_measurements(struct rctx *r, const char *run_id,
    const char *base_id, int with_values);

/*
 * A worker as {name, url, info, status, first_seen, last_seen, run,
 * last_output}. NULL with err_set.
 */
struct q_worker;
cJSON *page_worker_row(struct rctx *r, const struct q_worker *w);

/* The workers and the queue's length and head, for the index page.
 * NULL with err_set. */
cJSON *page_queue_summary(struct rctx *r);

/* Page models, one per page kind (page_*.c). Each 0 or -1 with err_set. */
int page_commit(struct rctx *r, const char *hash);
int page_run(struct rctx *r, const char *id);
int page_worker(struct rctx *r, const char *name);
int page_ref(struct rctx *r, const char *name);
int page_index(struct rctx *r);
int page_queue(struct rctx *r);
/*
 * The graph's data (layout in page_graph.c): the chunks whose commits
 * changed, or that hold one of runs[0..nruns), and the files of the
 * metrics[0..nmetrics) (sorted) in them; everything with all.
 */
int page_graph(struct rctx *r, int all, char *const *runs, size_t nruns,
    char *const *metrics, size_t nmetrics);
int page_go_refs(struct rctx *r);
int page_go_shard(struct rctx *r, int shard);
/* commits/<prefix>/: the commits of that hash prefix (SHARD_DIGITS hex
 * digits) without a full page; removed when there are none. */
int page_commit_shard(struct rctx *r, const char *prefix);
int page_static(struct rctx *r);
int page_feed(struct rctx *r);
/* changes/ (+ changes/changes.json and changes.json at the top), one
 * change's page change/<id>/ (removed when the change is gone), and refs/
 * (every ref). */
int page_changes(struct rctx *r);
int page_change(struct rctx *r, const char *id);
/* Free the series page_change read during this render. */
void page_changes_cache_free(struct rctx *r);
int page_refs(struct rctx *r);
/* Add a change object's display fields (pct_text, confidence_text,
 * range_text, values_text, before/after_url and _short, regression,
 * hidden_row), for every page that lists changes. */
void page_change_decorate(cJSON *o);

#endif
