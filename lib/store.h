/* store: a finished run into the db, as tj-api stores a worker's
 * submission and tj-gen import stores results made elsewhere. */
#ifndef TJ_STORE_H
#define TJ_STORE_H

#include <cjson/cJSON.h>

#include "db.h"

/* A run already checked (api/submit.c's submit_parse does it for the
 * wire, tj-gen import for a result document); strings are not owned. */
struct store_run {
	const char *id;			/* the run id */
	const char *hash;		/* the commit, 40 hex */
	const char *bench_method;	/* canonical JSON */
	double start, end;		/* unix seconds */
	int has_end;
	int has_exit;
	long long exit_code;
	const char *error;		/* the run-level error or NULL */
	const cJSON *output;		/* [[source, text], ...] or NULL */
	const cJSON *measurements;	/* {name: {values?, value?, unit?,
					 * direction?, error?}} or NULL */
};

#define STORE_UNKNOWN_COMMIT (-2)	/* the db does not have s->hash */
#define STORE_DUP_METRIC (-3)		/* a metric twice (err_get: its name) */

/*
 * Store s by worker in the open transaction: the run, its output, its
 * measurements (each metric's unit and direction updated when given), the
 * commit's queue entry deleted, and the dirty rows of everything shown.
 * 1 if stored, 0 if a run with that id is there already (nothing is
 * stored: retries and re-imports are idempotent), -1 with err_set on a db
 * error, or STORE_UNKNOWN_COMMIT / STORE_DUP_METRIC.
 */
int store_run(struct db *db, const struct store_run *s, const char *worker);

/*
 * The run id of results imported from elsewhere (tj-gen import, tj-worker
 * submit): "i-" and the SHA-1 of kind (the format), the commit, the worker
 * and the document, so the same document stores once. id has room for
 * STORE_ID_SIZE bytes. 0 or -1 with err_set.
 */
#define STORE_ID_SIZE 48
int store_import_id(const char *kind, const char *hash, const char *worker,
    const char *data, size_t len, char *id);

#endif
