/* config: tablejohn's one config file (git-config syntax) with defaults. */
#ifndef TJ_CONFIG_H
#define TJ_CONFIG_H

#include <stdint.h>
#include <stddef.h>

struct config_server {
	char *name;	/* the subsection: [server "NAME"] */
	char *url;
	char *token;
	double weight;	/* > 0, default 1 */
};

/*
 * Every key of docs/config.md. Strings are owned by the struct (NULL when the
 * key is unset and has no default). Durations are in milliseconds, sizes in
 * bytes. Relative paths from the file are resolved against the file's
 * directory; paths given with config_set are used as they are.
 */
struct config {
	char *file;		/* the file that was read, NULL if none */

	char *repo_path;	/* repo.path, default "." */
	char *repo_name;	/* repo.name, default: basename of the repo */
	int64_t repo_update;	/* repo.update, default 60s */
	char *repo_fetch_url;	/* repo.fetch-url */
	char **repo_fetch_refspecs;	/* repo.fetch-refspec, multi-valued */
	size_t repo_n_fetch_refspecs;
	int repo_clone;		/* repo.clone, default false */

	char *db_path;		/* db.path, default "tablejohn.db", or
				 * .git/tablejohn/tablejohn.db: see below */
	int db_path_set, site_out_set;	/* given by the file or config_set */

	char *site_out;		/* site.out, default "out", or
				 * .git/tablejohn/out: see below */
	char *site_title;	/* site.title, default "<name> benchmarks" */
	char *site_base_url;	/* site.base-url */
	char *site_theme;	/* site.theme, default: the built-in theme */

	char *api_listen;	/* api.listen, default 127.0.0.1:8221 */
	char *api_token;	/* api.token */
	int64_t api_worker_timeout;	/* api.worker-timeout, default 60s */
	int64_t api_max_upload;	/* api.max-upload, default 8m */
	int64_t api_max_connections;	/* api.max-connections, 1000 */
	int64_t api_max_connections_per_ip;	/* 64; 0: no limit */
	int64_t api_request_timeout;	/* api.request-timeout, 10s */

	char *bench_repo;	/* bench.repo; NULL: the internal method */

	char *worker_name;	/* worker.name, default: the hostname */
	char *worker_dir;	/* worker.dir; NULL: a temp dir */
	int64_t worker_ping;	/* worker.ping, default 10s */
	int64_t worker_batch;	/* worker.batch, default 60s */
	int64_t worker_timeout;	/* worker.timeout, default 2h */
	int64_t worker_rejected_max;	/* worker.rejected-max, default 64m */

	/* queue.priority-*: by reason; new commits are 0. */
	int64_t queue_priority_manual;	/* default 0 */
	int64_t queue_priority_backfill;	/* default -10 */
	int64_t queue_priority_confirm;	/* default 20 */
	int64_t queue_priority_bisect;	/* default 10 */

	int bisect_enabled;	/* bisect.enabled, default true */
	int64_t bisect_budget;	/* bisect.budget: extra runs/change, 32 */
	int64_t bisect_confirm_runs;	/* bisect.confirm-runs: per side, 2 */
	int64_t bisect_step_runs;	/* bisect.step-runs: most per step, 3 */
	int64_t bisect_parallel;	/* bisect.parallel: changes at once, 2 */
	char *bisect_metrics;	/* bisect.metrics: glob, default "*" */
	double bisect_min_change;	/* bisect.min-change: %, default 1 */

	/* [detect]: the change-point detector (lib/detect.h) */
	double detect_penalty;	/* detect.penalty, default 3 */
	int64_t detect_min_points;	/* detect.min-points, default 3 */
	double detect_alpha;	/* detect.alpha, default 0.001 */
	int64_t detect_window;	/* detect.window, default 200 */
	double detect_pair_z;	/* detect.pair-z, default 3 */

	struct config_server *servers;	/* [server "NAME"] sections */
	size_t n_servers;
};

/* Fill c with every default. */
void config_init(struct config *c);

/* Free everything c owns; c may be config_init'ed again afterwards. */
void config_fini(struct config *c);

/*
 * Read the file at path over the defaults in c. path NULL: read
 * $TJ_CONFIG if set, else ./tablejohn.conf if it exists, else nothing.
 * An unknown section or key, or a bad value, fails with -1 and an err_set
 * message naming the file, the key and the reason.
 */
int config_load(struct config *c, const char *path);

/*
 * Set one key ("db.path", "server.main.url", ...) from a string, with the
 * same checks as the file; used for command-line overrides. 0 or -1.
 */
int config_set(struct config *c, const char *key, const char *value);

/* Parse "250ms", "60s", "10m", "2h", "1d" or plain seconds into ms. */
int config_parse_duration(const char *s, int64_t *ms);

/* Parse a size with git's k/m/g suffixes (1024-based) into bytes. */
int config_parse_size(const char *s, int64_t *bytes);

/* Derived defaults (repo.name from repo.path, site.title from the name):
 * call once after loading and overriding. */
void config_finish(struct config *c);
/*
 * (config_finish) When db.path or site.out is not given and the current
 * directory is the work tree of the non-bare repo repo.path names (the
 * quick start: `cd project && tj-gen update`), its default goes inside
 * that repo's .git/tablejohn/ (made if missing), where git never shows it
 * as an untracked file.
 */

#endif
