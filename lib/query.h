/*
 * query: the questions tj-gen, tj-api and the renderer ask the db, each one
 * named function, defined once, returning C values or structs (no
 * statement escapes this module, so no caller's cursor can be reset by
 * another query). Every function reads through the db's named statement
 * cache (db_stmt); none starts a transaction: the caller's transaction, or
 * autocommit, decides what state is seen.
 *
 * Return values: lookups return 1 (found), 0 (none) or -1 with err_set;
 * lists return 0 or -1 with err_set and fill a malloc'd array the caller
 * frees with the matching *_free function (also on error: it is then
 * empty).
 */
#ifndef TJ_QUERY_H
#define TJ_QUERY_H

#include <stddef.h>
#include <stdint.h>

struct db;

/* A run id and its NUL (run ids are at most 64 bytes on the wire). */
#define Q_ID_SIZE 65

/* The commit fields a page shows of a commit it mentions. */
struct q_commit {
	int64_t id;
	char hash[41];
	char *message;		/* the whole message */
	double time;		/* committer time, unix seconds */
	int tz;			/* committer offset, minutes east of UTC */
};

/* A commit by id into c (c->message malloc'd). */
int q_commit(struct db *db, int64_t id, struct q_commit *c);
void q_commit_free(struct q_commit *c);

/* Every field of a commit. */
struct q_commit_full {
	int64_t id;
	char hash[41];
	char *author_name, *author_email;
	double author_time;
	int author_tz;
	char *committer_name, *committer_email;
	double committer_time;
	int committer_tz;
	char *message;
	int reachable;		/* 0 from no ref, 1 from some, 2 from tracked */
};

/* The commit hash into c (strings malloc'd). */
int q_commit_by_hash(struct db *db, const char *hash,
    struct q_commit_full *c);
void q_commit_full_free(struct q_commit_full *c);

/* A commit's parents (by parent index) or children (by committer time,
 * then id), as commit ids. */
int q_parents(struct db *db, int64_t id, int64_t **out, size_t *n);
int q_children(struct db *db, int64_t id, int64_t **out, size_t *n);

/* A ref pointing at a commit. */
struct q_ref_name {
	char *name;
	int tracked;
};

/* The refs pointing at commit id: tracked first, then by name. */
int q_commit_refs(struct db *db, int64_t id, struct q_ref_name **out,
    size_t *n);
void q_ref_names_free(struct q_ref_name *v, size_t n);

/* One row of runs. Absent values: end_time NAN, has_exit 0, error NULL. */
struct q_run {
	char id[Q_ID_SIZE];
	int64_t commit_id;
	char *bench_method;	/* the wire JSON as stored */
	char *worker;
	double start_time, end_time;
	int has_exit, exit_code;
	char *error;
};

void q_run_free(struct q_run *r);
void q_runs_free(struct q_run *v, size_t n);

/* The run id into r. */
int q_run(struct db *db, const char *id, struct q_run *r);

/*
 * The latest run of a commit (by start time, then id, both descending):
 * its id into out.
 */
int q_latest_run(struct db *db, int64_t commit_id, char out[Q_ID_SIZE]);

/* That rule as SQL (a correlated subquery on the commit id expression c),
 * for a scan that must pick the same run in its own statement. */
#define Q_LATEST_RUN_OF(c) "(SELECT id FROM runs WHERE commit_id = " c \
	" ORDER BY start_time DESC, id DESC LIMIT 1)"

/*
 * The base run of a commit: the latest run of its nearest ancestor that has
 * a run, searched breadth-first with first parents first, each commit
 * visited once (however far back it is). Its id into out.
 */
int q_base_run(struct db *db, int64_t commit_id, char out[Q_ID_SIZE]);

/*
 * How many first-parent steps lead from commit from down to commit to
 * (from's first parent is 1 back): into *n, 1 when to is on from's
 * first-parent line, 0 when it is not (a commit of a merged branch).
 */
int q_first_parent_distance(struct db *db, int64_t from, int64_t to,
    long *n);

/* The runs of a commit, oldest first (start time, then id). */
int q_commit_runs(struct db *db, int64_t commit_id, struct q_run **out,
    size_t *n);

/* A commit id with its hash. */
struct q_commit_ref {
	int64_t id;
	char hash[41];
};

/*
 * The commits whose base run (q_base_run) may be a run of commit id: going
 * down through children from id, the first commits that have runs (the
 * walk stops at them; commits without runs are walked through), each
 * commit visited once however many merges lead to it, with no step limit.
 */
int q_next_with_runs(struct db *db, int64_t id, struct q_commit_ref **out,
    size_t *n);

/* A worker's most recent runs (start time, then id, descending), at most
 * limit of them. */
int q_worker_runs(struct db *db, const char *worker, int limit,
    struct q_run **out, size_t *n);

/* The most recently finished runs (end time, then id, descending), at most
 * limit. */
int q_finished_runs(struct db *db, int limit, struct q_run **out,
    size_t *n);

/* One queue row, with its commit's hash and message. */
struct q_queued {
	int64_t commit_id;
	char hash[41];
	char *message;
	double added;
	int priority;
	char *reserved_by;	/* NULL when not reserved */
	char *reason;		/* the stored name (lib/queue.h) */
	int has_change;		/* change_id is set */
	int64_t change_id;
	int step, steps;	/* 0 when not set */
};

/*
 * The queue in hand-out order (priority descending, then the newest
 * added, then the newest commit, then the lowest commit id), at most limit
 * rows (limit < 0: all). tj-api hands out work in this order, and the
 * queue page and `tj-gen queue list` show it in this order.
 */
int q_queue(struct db *db, long limit, struct q_queued **out, size_t *n);
void q_queue_free(struct q_queued *v, size_t n);

/* How many commits are queued: the count, or -1 with err_set. */
long q_queue_count(struct db *db);

/*
 * The first commit of the queue, in hand-out order, that a worker may take:
 * unreserved, or reserved by a worker not seen since cutoff (unix
 * seconds). Its id and hash into *commit_id and hash.
 */
int q_queue_next(struct db *db, double cutoff, int64_t *commit_id,
    char hash[41]);

/* One row of workers. Absent values are NULL, or NAN for run_start and 0
 * for run_commit_id. */
struct q_worker {
	char *name;
	char *info;
	char *status;
	double first_seen, last_seen;
	char *run_id;
	int64_t run_commit_id;
	double run_start;
	char *last_output;	/* JSON [[source, text], ...] */
};

void q_worker_free(struct q_worker *w);
void q_workers_free(struct q_worker *v, size_t n);

/* The worker name into w. */
int q_worker(struct db *db, const char *name, struct q_worker *w);

/* Every worker, by name. */
int q_workers(struct db *db, struct q_worker **out, size_t *n);

/* One measurement of a run with its metric. Absent numbers are NAN. */
struct q_measurement {
	int64_t metric_id;
	char *metric;
	char *unit;		/* NULL when none */
	int direction;		/* -1 lower is better, 1 higher, 0 neither */
	char *vals;		/* the stored JSON array */
	int n;
	double median, min, max, stddev;
	char *error;		/* NULL when the metric did not fail */
};

/*
 * The noise model of metric_id as detection last learned it (on the
 * tracked ref with the most runs of it), as pages show it
 * (stats_noise_publish), into *nm: 1 found, 0 none (*nm
 * zeroed), -1 error. Its floor is a fraction (NAN when the history is too
 * short).
 */
struct stats_noise;
int q_noise(struct db *db, int64_t metric_id, struct stats_noise *nm);

/* The numbers of a measurement's stored vals (a JSON array), finite ones
 * only: their count, into *out (xmalloc'd, NULL when text is not an
 * array). */
size_t q_vals(const char *text, double **out);

/* The measurements of run_id, by metric name. */
int q_measurements(struct db *db, const char *run_id,
    struct q_measurement **out, size_t *n);
void q_measurements_free(struct q_measurement *v, size_t n);

/* A ref with its commit and that commit's latest run ("" when none). */
struct q_ref {
	char *name;
	int tracked;
	int64_t commit_id;
	char hash[41];
	char latest_run[Q_ID_SIZE];
};

/* Every ref: tracked ones first, then by name. */
int q_refs(struct db *db, struct q_ref **out, size_t *n);
void q_refs_free(struct q_ref *v, size_t n);

/* The ref name into ref. */
int q_ref(struct db *db, const char *name, struct q_ref *ref);

/* A commit hash with its latest run ("" when none). */
struct q_hash_run {
	char hash[41];
	char latest_run[Q_ID_SIZE];
};

/* The commits whose hash starts with the two hex digits of shard (0-255),
 * by hash. */
int q_shard(struct db *db, int shard, struct q_hash_run **out, size_t *n);

/*
 * Which commits get a full page (commit/<hash>/): the "core" ones (on the
 * first-parent line of a tracked ref, a ref's tip, or with a run) and
 * their parents and children. The rest are listed on shard pages.
 * q_commit_informative: 1, 0 or -1 for one commit. q_informative_map: the
 * same for every commit at once, as (*map)[id] (0 or 1) for ids below *n
 * (malloc'd). The two state one rule; t0650 checks a render built commit
 * by commit against one built from the map.
 */
int q_commit_informative(struct db *db, int64_t id);

/* The largest commit id (0 for none) into *max. 0 or -1. */
int q_commit_max(struct db *db, int64_t *max);
int q_informative_map(struct db *db, unsigned char **map, int64_t *n);

/*
 * Every commit's brief and family at once, for a render of the whole site,
 * which asks for all of them: two scans (commits, edges) instead of queries
 * per page. By id below n; hash[0] is '\0' where no commit has the id.
 * summary is summarize(message) (malloc'd). A commit's parents, in their
 * order, are links[par..par + npar); its children, by committer time and
 * then id (as q_children), links[kid..kid + nkid). by_hash: every commit's
 * id, by hash. has_refs and has_runs: a ref points at it, it has a run
 * (a page asks for its refs and runs only then). Answers as the
 * one-commit queries do within one read transaction.
 */
struct q_fam_commit {
	char hash[41];
	unsigned char has_refs, has_runs;
	int tz;
	double time;
	char *summary;
	size_t par, kid;
	unsigned npar, nkid;
};

struct q_family {
	int64_t n;
	struct q_fam_commit *c;
	int64_t *links;
	int64_t *by_hash;
	size_t nhash;
};

int q_family_load(struct db *db, char *(*summarize)(const char *message),
    struct q_family *f);
void q_family_free(struct q_family *f);

/* Commit id of f, or NULL when f has no such commit. */
const struct q_fam_commit *q_family_get(const struct q_family *f,
    int64_t id);

/* The commits whose hash starts with prefix: by_hash[*from..*to). */
void q_family_prefix(const struct q_family *f, const char *prefix,
    size_t *from, size_t *to);

/* The commits whose hash starts with prefix, by hash (each message
 * malloc'd; q_commits_free). */
int q_commits_with_prefix(struct db *db, const char *prefix,
    struct q_commit **out, size_t *n);
void q_commits_free(struct q_commit *v, size_t n);

/* A parent or child (id, hash) of the commit of; by of's hash, then
 * parents in their order, children by committer time. */
struct q_link {
	int64_t of, id;
	char hash[41];
};

/* The parents (children: 0) or the children (1) of every commit whose
 * hash starts with prefix, in one query. */
int q_prefix_links(struct db *db, const char *prefix, int children,
    struct q_link **out, size_t *n);

/* How much the db holds. */
struct q_counts {
	long commits, runs, metrics;
};

int q_counts(struct db *db, struct q_counts *c);

#endif
