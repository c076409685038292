/* api.h: what the files of tj-api share (not used by other programs). */
#ifndef TJ_API_H
#define TJ_API_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <microhttpd.h>

#include "buf.h"
#include "config.h"
#include "db.h"

/* A small mutex-protected pool of db connections, one per busy thread. */
struct pool {
	pthread_mutex_t mu;
	char *path;
	struct db **free;
	size_t n, cap;
};

/* The background jobs: debounced render, repo updates, reservation sweep. */
struct bg {
	pthread_mutex_t mu;
	pthread_cond_t cond;
	pthread_t render_thread, update_thread;
	int render_started, update_started;
	int stop;
	int dirty;		/* something was committed since the render */
	int update_now;		/* SIGHUP */
	int do_update;		/* the repo is a git repo: update it */
	int no_render;		/* --no-render: leave dirty rows alone */
};

/* The server: set up by main, read-only for the request threads. */
struct api {
	struct config cfg;
	char *token;		/* the worker token; never logged */
	struct pool pool;
	struct bg bg;
	double worker_timeout;	/* seconds */
	double started;		/* api_now() at start */
	double seen_slack;	/* a ping this soon after the last one that
				 * changes nothing is not written */
	pthread_mutex_t write_mu;	/* one status transaction at a time */
	_Atomic int inflight;	/* requests begun and not yet completed */
	_Atomic unsigned long refused;	/* connections over the per-IP limit */
	size_t max_upload;	/* bytes */
	int have_repo;		/* cfg.repo_path opens as a git repository */
};

/* One request in progress (MHD's con_cls). */
struct req {
	const struct route *route;
	char name[65];		/* the authenticated worker */
	struct buf body;
	int too_big;
	int head;		/* a HEAD request (GET routes) */
};

typedef enum MHD_Result (*route_fn)(struct api *api,
    struct MHD_Connection *c, struct req *r, const char *rest);

struct route {
	const char *method;	/* "GET" (also serves HEAD) or "POST" */
	const char *path;	/* exact, or a prefix when it ends in '/' */
	route_fn fn;
};

/* route.c: MHD's access handler and completion callback (cls: api). */
enum MHD_Result route_request(void *cls, struct MHD_Connection *c,
    const char *url, const char *method, const char *version,
    const char *upload, size_t *upload_size, void **con_cls);
void route_completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe);
/* MHD's URL unescaper: %XX decoded, except %00, kept as it is (a URL path
 * with a NUL would be cut there). */
size_t route_unescape(void *cls, struct MHD_Connection *c, char *uri);

/*
 * Queue a JSON reply: route_reply takes ownership of the cJSON tree;
 * route_error sends {"error": msg, "field": field} (field may be NULL).
 */
enum MHD_Result route_reply(struct MHD_Connection *c, unsigned status,
    cJSON *body);
enum MHD_Result route_error(struct MHD_Connection *c, unsigned status,
    const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * auth.c: check HTTP Basic auth against the token; on success copy the
 * worker name into name (65 bytes) and return 0; else -1 with a reason in
 * why (not naming the token).
 */
int auth_check(struct api *api, struct MHD_Connection *c, char *name,
    const char **why);
/* 1 if the strings are equal, in time that depends only on their lengths. */
int auth_equal(const char *a, const char *b);
int auth_equal_n(const char *a, size_t na, const char *b, size_t nb);
/* Queue the 401 reply with WWW-Authenticate. */
enum MHD_Result auth_fail(struct MHD_Connection *c, const char *why);

/* status.c: POST /api/worker/status. */
enum MHD_Result status_handle(struct api *api, struct MHD_Connection *c,
    struct req *r, const char *rest);

/* A validation failure: HTTP status, field path and message. */
struct verr {
	unsigned status;
	char field[640];
	char msg[512];
};

/*
 * check.c: request validation. Each check_* looks up key in obj and, on a
 * bad value, returns -1 with e set to a 400 naming path+key ("status." +
 * "hash"); strings returned point into the cJSON tree.
 */
void verr_set(struct verr *e, unsigned status, const char *field,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* 1 if j is absent or null. */
int check_absent(const cJSON *j);
/* An optional string: *out is NULL when absent or null. */
int check_string(const cJSON *obj, const char *key, const char *path,
    const char **out, struct verr *e);
/* A required run id / 40-hex hash. */
int check_id(const cJSON *obj, const char *key, const char *path,
    const char **out, struct verr *e);
int check_hash(const cJSON *obj, const char *key, const char *path,
    const char **out, struct verr *e);
/* An RFC 3339 time: required when present is NULL, else optional with
 * *present telling. */
int check_time(const cJSON *obj, const char *key, const char *path,
    double *t, int *present, struct verr *e);
/*
 * The raw request text s[0..n): no NUL byte, no raw control character or
 * \u0000 in a string, every number by JSON's grammar (cJSON takes "01",
 * "1." and a string cut at its NUL). 0, or -1 with e set (400).
 */
int check_raw_json(const char *s, size_t n, struct verr *e);
/* No object in j (at field path) has the same key twice. 0 or -1. */
int check_dup_keys(const cJSON *j, const char *path, struct verr *e);
/* 1 if line is a valid [source, text] output line. */
int check_output_line(const cJSON *line);
/* obj's bench_method as canonical JSON (malloc'd), or NULL with e set. */
char *check_bench_method(const cJSON *obj, const char *path,
    struct verr *e);

/* submit.c: a checked submit_run, pointing into its cJSON tree. */
struct submission {
	const char *id;
	const char *hash;
	char *bench_method;	/* canonical JSON, owned */
	double start, end;
	int has_end;
	int has_exit;
	long long exit_code;
	const char *error;
	const cJSON *output;		/* array of [source, text] or NULL */
	const cJSON *measurements;	/* object or NULL */
};

/* Check j as a submit_run; fills s (free with submit_fini). 0 or -1. */
int submit_parse(const cJSON *j, struct submission *s, struct verr *e);
void submit_fini(struct submission *s);
/*
 * Store s by worker in the open transaction. 1 if stored, 0 if the run
 * was already there (nothing stored), -1 with e set (409 unknown commit,
 * 500 db errors).
 */
int submit_store(struct db *db, const struct submission *s,
    const char *worker, struct verr *e);

/* tree.c: GET /api/worker/{repo,bench_repo}/<hash>/tree.tar.gz. */
enum MHD_Result tree_repo(struct api *api, struct MHD_Connection *c,
    struct req *r, const char *rest);
enum MHD_Result tree_bench_repo(struct api *api, struct MHD_Connection *c,
    struct req *r, const char *rest);

/*
 * conn.c: the per-address connection limit ([api] max-connections-per-ip):
 * conn_accept is MHD's accept policy (cls: api), conn_notify its
 * MHD_OPTION_NOTIFY_CONNECTION callback; conn_fini frees the counts.
 */
enum MHD_Result conn_accept(void *cls, const struct sockaddr *addr,
    socklen_t addrlen);
void conn_notify(void *cls, struct MHD_Connection *c, void **socket_context,
    enum MHD_ConnectionNotificationCode toe);
void conn_fini(void);

/* pool.c */
void pool_init(struct pool *p, const char *path);
/* A connection for this thread's request: NULL with err_set. */
struct db *pool_get(struct pool *p);
/* Give it back (rolled back if a transaction is open; closed if it cannot
 * write). */
void pool_put(struct pool *p, struct db *db);
/* Close it instead of giving it back: its request failed on a db error. */
void pool_drop(struct pool *p, struct db *db);
/* 1 if db was opened read-write (sqlite falls back to read-only). */
int pool_writable(struct db *db);
void pool_fini(struct pool *p);

/* bg.c: start/stop the background threads; bg_notify after a commit that
 * inserted dirty rows; bg_update_now for SIGHUP. */
int bg_start(struct api *api);
void bg_stop(struct api *api);
void bg_notify(struct api *api);
void bg_update_now(struct api *api);

/*
 * local.c: the --local-worker child: local_start writes its config (url:
 * this server) and starts it; local_tick (from the main loop) restarts it
 * when it died; local_stop ends it. local_start is 0 or -1 with err_set.
 */
int local_start(struct api *api, const char *url);
void local_tick(struct api *api);
void local_stop(void);

/* The current time in unix seconds with fractions. */
double api_now(void);

/*
 * The reservations of workers last seen before this time are free (the
 * sweep, the hand-out, a working status): now - worker-timeout, but 0 (none
 * free) for the first worker-timeout after the start, so a silence that
 * began while tj-api was down counts only from its start and a worker
 * holding a finished run gets its pings in before its commit goes to
 * someone else.
 */
double api_reserve_cutoff(const struct api *api, double now);

#endif
