/* worker.h: the parts of tj-worker that its files share. */
#ifndef TJ_WORKER_H
#define TJ_WORKER_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "config.h"
#include "proto.h"
#include "result.h"

/* ---- output.c: a run's output lines, capped, keeping head and tail ---- */

struct output_line {
	int source;
	char *text;	/* valid UTF-8, no newline */
	size_t len;
};

struct output_caps {
	size_t line;		/* bytes per line; longer lines are cut */
	size_t head_lines, head_bytes;	/* the first lines kept */
	size_t tail_lines, tail_bytes;	/* the last lines kept */
};

/*
 * The output of one run. The first lines go to the head until it is full,
 * later ones to a ring that keeps the last lines; what falls out of the
 * ring is counted and shown as one internal line between head and tail.
 * Every function takes the lock, so the ping thread may read while the
 * bench writes.
 */
struct output {
	pthread_mutex_t lock;
	struct output_caps caps;
	struct output_line *head;
	size_t n_head, head_bytes;
	struct output_line *tail;	/* ring of caps.tail_lines */
	size_t tail_first, n_tail, tail_bytes;
	uint64_t omitted;		/* lines dropped between head and tail */
	uint64_t total;			/* lines seen */
	struct buf partial[3];		/* an unfinished line per source */
	uint64_t cut[3];		/* bytes cut off that line */
};

/* The caps used by tj-worker: 4 KiB lines, 2000 lines or 512 KiB each for
 * head and tail (about 1 MiB of output at most). */
extern const struct output_caps output_default_caps;

/* Start empty with caps (NULL: output_default_caps). */
void output_init(struct output *o, const struct output_caps *caps);

/* Free every line; o may be output_init'ed again. */
void output_fini(struct output *o);

/* Forget every line, keeping the caps. */
void output_reset(struct output *o);

/* Add one whole line (without its newline); invalid UTF-8 is repaired and
 * a line over the cap is cut, saying how much was cut. */
void output_add(struct output *o, int source, const char *text, size_t len);

/* Add an internal line (source 0) formatted like printf. */
void output_addf(struct output *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Feed raw bytes read from the bench's stdout or stderr: complete lines are
 * added, the rest waits for more. */
void output_feed(struct output *o, int source, const char *data, size_t len);

/* The streams ended: add what is left of unfinished lines. */
void output_flush(struct output *o);

/* Every kept line as the wire's [[source, text], ...], with an internal
 * line saying how many were omitted between head and tail. */
cJSON *output_json(struct output *o);

/* The last n lines, same shape (for the working status). */
cJSON *output_recent(struct output *o, size_t n);

/* ---- internal.c: the internal bench method ---- */

/* At most this many directories get metrics of their own. */
#define INTERNAL_MAX_DIRS 1000

/*
 * Count files, lines and TODO lines under tree: in total ("files", "lines",
 * "todos"), by extension ("files.c", ...) and by directory ("files/src",
 * ...; the INTERNAL_MAX_DIRS shallowest). One output line per file. Stops
 * early, adding no metrics, once *stop is set (returning 1) or the
 * monotonic clock passes deadline_ms (0: none; returning 2). 0 when done,
 * -1 with err_set.
 */
int internal_count(const char *tree, struct result *r, struct output *o,
    const atomic_int *stop, int64_t deadline_ms);

/* ---- unpack.c: secure extraction of tar(.gz) trees ---- */

/* A source of archive bytes: set *data, return the count, 0 at the end,
 * -1 with err_set on failure. */
typedef ssize_t (*unpack_read_fn)(void *arg, const void **data);

/*
 * Extract the tar (gzip'd or not) read through rd into dir, which must
 * exist. Entries with an absolute path, a ".." component, a hard link out
 * of the tree, a path through a symlink, or a type other than file,
 * directory and symlink are refused, and so is a tree whose files pass
 * max_bytes in total: the whole unpack then fails with -1 and err_set
 * naming the entry (what was extracted so far stays, inside dir). A
 * symlink pointing outside the tree (git allows them) is left out with a
 * warning in o (may be NULL).
 */
int unpack_stream(const char *dir, unpack_read_fn rd, void *arg,
    int64_t max_bytes, struct output *o);

/* unpack_stream from a file. */
int unpack_file(const char *dir, const char *path, int64_t max_bytes,
    struct output *o);

/* ---- fetch.c: HTTP with libcurl ---- */

struct fetch;

/* Once per process, before any thread: curl_global_init. */
int fetch_global_init(void);

/* A connection for one server: Basic auth user/password, keep-alive,
 * connect and transfer timeouts. Never NULL. */
struct fetch *fetch_new(const char *user, const char *password);
void fetch_free(struct fetch *f);

/* POST a JSON body to url; the reply body goes to reply (capped), the HTTP
 * status to *status. -1 with err_set when no reply came at all. */
int fetch_post_json(struct fetch *f, const char *url, const char *body,
    struct buf *reply, long *status);

/* GET url, a tar.gz, and unpack it into dir as it arrives (unpack_stream,
 * warnings to o). Setting *stop (may be NULL) ends it early. -1 with
 * err_set; *status gets the HTTP status (0 if none came or the transfer
 * broke off). */
int fetch_tree(struct fetch *f, const char *url, const char *dir,
    int64_t max_bytes, struct output *o, const atomic_int *stop,
    long *status);

/* ---- spool.c: finished runs kept on disk until a server has them ---- */

struct spool_entry {
	char *path;
	char *server;		/* the [server "NAME"] it belongs to */
	char *run_id;
	char *body;		/* the submit_run object, JSON text */
	int tries;		/* failed submissions in this process */
	int64_t next_try;	/* monotonic ms */
	int64_t next_beat;	/* while it waits: its next "working" status
				 * (server_submit_pending), monotonic ms */
	int beat_failed;	/* the last such status got no answer */
};

/*
 * Write a finished run to dir as a new file: written to a temp file,
 * fsync'd, renamed into place and the directory fsync'd, so a crash at any
 * point leaves either no file or the whole one. Returns the path (caller
 * frees) or NULL with err_set.
 */
char *spool_write(const char *dir, const char *server, const char *run_id,
    cJSON *submit);

/* Read every spooled run in dir, oldest first, into *entries (*n of them).
 * Unreadable or broken files are skipped with a warning in the log and
 * left alone; temp files of interrupted writes are removed. 0 or -1 with
 * err_set. */
int spool_list(const char *dir, struct spool_entry **entries, size_t *n);

/* Delete a spooled run (the server has it). 0 or -1 with err_set. */
int spool_remove(const struct spool_entry *e);

/* Delete the oldest files (by name: spool files start with their time) of
 * dir until its files take at most max bytes in all. */
void spool_trim(const char *dir, int64_t max);

/* Free what one entry owns / an array of n entries and the array. */
void spool_entry_fini(struct spool_entry *e);
void spool_entries_free(struct spool_entry *entries, size_t n);

/* ---- fit.c: a run too big for the server's max-upload ---- */

/*
 * The submission body (JSON text) cut down until it prints in at most room
 * bytes, in steps: the run's error says it was larger than limit (the
 * server's max-upload) and what was left out; measurements of many values,
 * then every measurement, become their median with the summary (n, median,
 * min, max, mean, sd) in their error; the output keeps fewer first and
 * last lines, then none; last the measurements go. NULL with err_set when
 * even that does not fit.
 */
cJSON *fit_submission(const char *body, size_t limit, size_t room);

/* ---- sched.c: which server the next run comes from, backoff ---- */

struct sched_server {
	double weight;		/* > 0 */
	double runtime;		/* seconds of runs done for it */
	int fails;		/* consecutive failures to reach it */
	int64_t next_try;	/* monotonic ms; 0: now */
};

/* Capped exponential backoff with jitter: the delay after `fails`
 * consecutive failures, between half and all of min(cap, base * 2^(fails-1)),
 * rnd picking the point. */
int64_t sched_backoff(int fails, int64_t base, int64_t cap, uint32_t rnd);

/* Fill order with the indexes of the servers that may be asked now, least
 * runtime/weight first (ties: config order); returns how many. */
size_t sched_order(const struct sched_server *s, size_t n, int64_t now,
    size_t *order);

/* The server answered / did not answer at now. */
void sched_ok(struct sched_server *s);
void sched_fail(struct sched_server *s, int64_t now, uint32_t rnd);

/* Backoff bounds in ms. */
#define SCHED_BACKOFF_BASE 500
#define SCHED_BACKOFF_CAP 60000

/* ---- bench.c: running a bench ---- */

/* What a bench run needs; every path absolute. */
struct bench_job {
	const char *tree;		/* the commit's tree */
	const char *bench_tree;		/* NULL: the internal method */
	const char *result_file;
	const char *commit;
	const char *run_id;
	const char *worker;
	const char *bench_hash;		/* NULL for internal */
	const char *const *secrets;	/* NULL-terminated: kept from the env */
	int64_t timeout_ms;
	int64_t kill_grace_ms;		/* SIGTERM .. SIGKILL, 10 s */
	const atomic_int *abort;	/* set: kill and drop the run */
};

/* How a bench run ended. */
struct bench_end {
	int exit_code;		/* the exit status, 128+N for signal N */
	int aborted;		/* killed because of *abort: drop the run */
	char *error;		/* the worker's own error, NULL if none */
};

/*
 * Run the job: the internal method in-process, or `bench <tree>` in its
 * own process group with cwd = bench_tree, stdin /dev/null, the TJ_*
 * variables set and every secret removed from its environment. Output goes
 * to o, results to r (read from result_file, or VelCom from stdout). A
 * timeout or abort sends SIGTERM to the group, SIGKILL kill_grace_ms later.
 * Non-zero exits, signals and timeouts are recorded in end and in
 * r->error; the partial results stay. Returns 0, or -1 with err_set if the
 * bench could not be started at all.
 */
int bench_run(const struct bench_job *j, struct result *r, struct output *o,
    struct bench_end *end);

void bench_end_fini(struct bench_end *end);

/* ---- main.c, server.c, run.c: the worker process ---- */

/* Trees are refused past this size (unpacked), bench repo trees too. */
#define TREE_MAX ((int64_t)8 * 1024 * 1024 * 1024)
/* Lines of output in the working status. */
#define STATUS_LINES 50
/* SIGTERM .. SIGKILL for a bench that is stopped. */
#define KILL_GRACE_MS 10000
/* Bench repo trees kept in the cache. */
#define BENCH_CACHE 5
/* Exit status of --once when results stay in the spool. */
#define EXIT_SPOOLED 75
/* Most servers one worker talks to. */
#define SERVERS_MAX 64

struct server {
	const struct config_server *cfg;
	char *base;		/* url without a trailing '/' */
	char *status_url;
	struct fetch *ctl;	/* status requests, under lock */
	struct fetch *dl;	/* downloads, main thread only */
	pthread_mutex_t lock;	/* orders the status requests to it */
	struct sched_server sched;	/* main thread only */
};

struct worker {
	struct config cfg;
	struct server *sv;
	size_t n_sv;
	char *dir, *spool, *runs, *benches;
	char secret[33];
	char *info;
	const char **secrets;	/* every token, kept from the bench's env */
	int once, keep;
	struct spool_entry *pending;	/* runs not yet acknowledged */
	size_t n_pending;

	/* The run in progress, shared with the ping thread. */
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct server *cur;	/* NULL: idle */
	cJSON *cur_status;	/* {type:working, id, ...} without output */
	struct output out;
	atomic_int abort;
	int quit;
};

/* The signal that asks the worker to stop (0: none); set by main.c's
 * handler, read everywhere a loop may end early. */
extern volatile sig_atomic_t worker_signal;

/* submit.c: `tj-worker submit ...` (argv[0] is "submit"); the exit
 * status. */
int submit_main(int argc, char **argv);

/* server.c: talking to the servers. */

/*
 * POST a status to s (the caller holds s->lock): status type "idle",
 * "busy" or "working" (from w->cur_status and the output), a run request,
 * a submission (borrowed). The parsed 2xx reply goes to *reply (may be
 * NULL), the HTTP status to *code (may be NULL). -1 with err_set on no
 * reply, a non-2xx reply (its parsed error object, or NULL, then goes to
 * *reply: the caller frees it) or a reply that is not JSON.
 */
int server_post_status(struct worker *w, struct server *s, const char *type,
    int request_run, cJSON *submit, cJSON **reply, long *code);

/* The earliest time (monotonic ms) a spooled run needs the loop: its next
 * submission or its next "working" status; INT64_MAX when none. */
int64_t server_pending_wake(const struct worker *w);

/* The ping thread (arg: the worker). While a run is in progress: every
 * ping, "working" to its server, "busy" to the others; an abort_run reply
 * sets w->abort. Ends once w->quit is set and w->wake signalled. */
void *server_ping_main(void *arg);

/* Submit every spooled run that is due; drop the ones that are done. */
void server_submit_pending(struct worker *w);

/* Ask the servers, fairest first, for a run and do it (run_do). 1 if one
 * ran, 0 if none had work, -1 if none that was asked answered. */
int server_ask_for_run(struct worker *w);

/* w->sv from the config's servers (env_token for those without a token).
 * 0, or -1 with err_set. */
int server_setup(struct worker *w, const char *env_token);

/* Free w->sv and w->secrets. */
void server_cleanup(struct worker *w);

/* run.c: one run, from hand-out to the spool. */

/* Do the run the server s handed out: unpack its trees, bench, spool the
 * result and submit it. Every failure is logged; none is returned. */
void run_do(struct worker *w, struct server *s, const cJSON *run);

/* At start, with the dir's lock held: remove what a dead worker left in
 * it, each logged: runs/<id>/ of runs it never finished and bench/.tmp-*
 * of bench trees it was unpacking. The spool (finished runs) is not
 * touched here. */
void run_clean_stale(struct worker *w);

/* ---- setup.c: tj-worker's and tj-worker submit's start ---- */

/* The command line's overrides of the config (NULL: none). */
struct worker_opts {
	const char *config, *server, *name, *dir, *token;
};

/* Load w->cfg with o's overrides (a token goes with a server; TJ_TOKEN,
 * env_token, when o has none) and check the worker's name. 0, or -1
 * logged. */
int worker_configure(struct worker *w, const struct worker_opts *o,
    const char *env_token);

/* w->dir from the config (default $TMPDIR/tj-worker-NAME), made, and
 * refused unless it is a directory of ours (not a link). 0, or -1 with
 * err_set. */
int worker_own_dir(struct worker *w);

/* ---- util.c: clocks, directories, files ---- */

/* Monotonic milliseconds. */
int64_t util_mono_ms(void);

/* mkdir -p with mode 0700 for the parts it creates. 0 or -1 with err_set. */
int util_mkdirs(const char *path);

/* rm -rf path, not following symlinks. 0 or -1 with err_set. */
int util_rmtree(const char *path);

/* Append the whole file at path to b (capped by b's max). -1 with err_set
 * and errno (ENOENT: no such file, EFBIG: over the cap; b then holds what
 * fit). */
int util_read_file(const char *path, struct buf *b);

/* A random 32-bit number from the kernel. */
uint32_t util_random(void);

#endif
