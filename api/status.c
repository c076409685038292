/* status: POST /api/worker/status: secrets, reservations, aborts, runs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <git2.h>

#include "api.h"
#include "err.h"
#include "log.h"
#include "proto.h"
#include "query.h"
#include "utf8.h"

#define SECRET_MAX 128
#define INFO_MAX 4096
#define LAST_OUTPUT_LINES 20
#define LAST_OUTPUT_BYTES 1000

enum wstatus { W_IDLE, W_BUSY, W_WORKING };
static const char *const wstatus_names[] = {"idle", "busy", "working"};

struct status_req {
	char *info;		/* owned, repaired UTF-8, or NULL */
	const char *secret;
	enum wstatus type;
	const char *run_id, *hash;	/* working only */
	char *bench_method;		/* working only, owned */
	double start;
	char *last_output;		/* working only, owned JSON */
	int request_run;
	int has_submit;
	struct submission sub;
};

static void
req_fini(struct status_req *q)
{
	free(q->info);
	free(q->bench_method);
	free(q->last_output);
	if (q->has_submit)
		submit_fini(&q->sub);
}

/* Keep the last LAST_OUTPUT_LINES lines, each cut, as JSON. */
static char *
last_output_json(const cJSON *arr, struct verr *e)
{
	const cJSON *line;
	cJSON *out = cJSON_CreateArray();
	int n = cJSON_GetArraySize(arr), i = 0;
	char f[64], *s;

	cJSON_ArrayForEach(line, arr) {
		const cJSON *src = cJSON_GetArrayItem(line, 0);
		const cJSON *text = cJSON_GetArrayItem(line, 1);
		cJSON *pair;
		char *fixed;
		size_t len;

		if (!check_output_line(line)) {
			snprintf(f, sizeof(f), "status.last_output[%d]", i);
			verr_set(e, 400, f, "expected [source 0|1|2, text]");
			cJSON_Delete(out);
			return NULL;
		}
		if (i++ < n - LAST_OUTPUT_LINES)
			continue;
		len = strlen(text->valuestring);
		fixed = utf8_repair(text->valuestring,
		    len > LAST_OUTPUT_BYTES ? LAST_OUTPUT_BYTES : len, NULL);
		pair = cJSON_CreateArray();
		cJSON_AddItemToArray(pair,
		    cJSON_CreateNumber((int)src->valuedouble));
		cJSON_AddItemToArray(pair, cJSON_CreateString(fixed));
		cJSON_AddItemToArray(out, pair);
		free(fixed);
	}
	s = cJSON_PrintUnformatted(out);
	cJSON_Delete(out);
	if (s == NULL)
		abort();
	return s;
}

static int
parse_status(const cJSON *st, struct status_req *q, struct verr *e)
{
	const cJSON *type, *x;
	size_t i;

	if (!cJSON_IsObject(st)) {
		verr_set(e, 400, "status", "expected an object");
		return -1;
	}
	type = cJSON_GetObjectItemCaseSensitive(st, "type");
	if (!cJSON_IsString(type)) {
		verr_set(e, 400, "status.type", "expected a string");
		return -1;
	}
	for (i = 0; i < 3; i++)
		if (strcmp(type->valuestring, wstatus_names[i]) == 0)
			break;
	if (i == 3) {
		verr_set(e, 400, "status.type", "unknown status type (want "
		    "idle, busy or working)");
		return -1;
	}
	q->type = (enum wstatus)i;
	if (q->type != W_WORKING)
		return 0;
	if (check_id(st, "id", "status.", &q->run_id, e) < 0 ||
	    check_hash(st, "hash", "status.", &q->hash, e) < 0 ||
	    (q->bench_method = check_bench_method(st, "status.", e)) == NULL ||
	    check_time(st, "start", "status.", &q->start, NULL, e) < 0)
		return -1;
	x = cJSON_GetObjectItemCaseSensitive(st, "last_output");
	if (x == NULL || cJSON_IsNull(x))
		q->last_output = xstrdup("[]");
	else if (!cJSON_IsArray(x)) {
		verr_set(e, 400, "status.last_output", "expected an array");
		return -1;
	} else if ((q->last_output = last_output_json(x, e)) == NULL)
		return -1;
	return 0;
}

static int
parse_request(const cJSON *root, struct status_req *q, struct verr *e)
{
	const cJSON *x;

	if (!cJSON_IsObject(root)) {
		verr_set(e, 400, "", "expected a JSON object");
		return -1;
	}
	x = cJSON_GetObjectItemCaseSensitive(root, "info");
	if (x != NULL && !cJSON_IsNull(x)) {
		size_t n;

		if (!cJSON_IsString(x)) {
			verr_set(e, 400, "info", "expected a string");
			return -1;
		}
		n = strlen(x->valuestring);
		q->info = utf8_repair(x->valuestring, n > INFO_MAX ? INFO_MAX :
		    n, NULL);
	}
	x = cJSON_GetObjectItemCaseSensitive(root, "secret");
	if (!cJSON_IsString(x)) {
		verr_set(e, 400, "secret", "expected a string");
		return -1;
	}
	if (x->valuestring[0] == '\0' || strlen(x->valuestring) > SECRET_MAX ||
	    !utf8_valid(x->valuestring, strlen(x->valuestring))) {
		verr_set(e, 400, "secret", "must be 1 to %d bytes of UTF-8",
		    SECRET_MAX);
		return -1;
	}
	q->secret = x->valuestring;
	if (parse_status(cJSON_GetObjectItemCaseSensitive(root, "status"), q,
	    e) < 0)
		return -1;
	x = cJSON_GetObjectItemCaseSensitive(root, "request_run");
	if (x != NULL && !cJSON_IsNull(x)) {
		if (!cJSON_IsBool(x)) {
			verr_set(e, 400, "request_run", "expected true or false");
			return -1;
		}
		q->request_run = cJSON_IsTrue(x);
	}
	x = cJSON_GetObjectItemCaseSensitive(root, "submit_run");
	if (x != NULL && !cJSON_IsNull(x)) {
		if (submit_parse(x, &q->sub, e) < 0)
			return -1;
		q->has_submit = 1;
	}
	return 0;
}

/* The bench method handed out with a run: the bench repo's HEAD or the
 * internal method. NULL with err_set. */
static char *
handout_method(struct api *api)
{
	git_repository *repo = NULL;
	git_object *obj = NULL;
	char hex[GIT_OID_HEXSZ + 1];
	char *s = NULL;

	if (api->cfg.bench_repo == NULL)
		return xstrdup("{\"type\":\"internal\"}");
	if (git_repository_open(&repo, api->cfg.bench_repo) < 0 ||
	    git_revparse_single(&obj, repo, "HEAD^{commit}") < 0) {
		err_set("bench repo %s: %s", api->cfg.bench_repo,
		    git_error_last() ? git_error_last()->message : "?");
		goto out;
	}
	git_oid_tostr(hex, sizeof(hex), git_object_id(obj));
	s = xasprintf("{\"type\":\"repo\",\"hash\":\"%s\"}", hex);
out:
	git_object_free(obj);
	git_repository_free(repo);
	return s;
}

static void
new_run_id(char *out)
{
	static const char al[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char rnd[20];
	size_t i;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		abort();	/* the kernel's CSPRNG does not fail */
	out[0] = 'r';
	out[1] = '-';
	for (i = 0; i < sizeof(rnd); i++)
		out[2 + i] = al[rnd[i] % 36];
	out[2 + sizeof(rnd)] = '\0';
}

/* Is worker name live (heard from since cutoff)? 1, 0 or -1. */
static int
is_live(struct db *db, const char *name, double cutoff)
{
	sqlite3_stmt *st = db_stmt(db, "api.status.is_live",
	    "SELECT last_seen >= ? FROM workers "
	    "WHERE name = ?");
	int r, live = 0;

	if (st == NULL)
		return -1;
	sqlite3_bind_double(st, 1, cutoff);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		live = sqlite3_column_int(st, 0);
	else if (r != SQLITE_DONE)
		live = db_err(db, "looking up a worker");
	sqlite3_reset(st);
	return live;
}

/*
 * Store the worker's row. Returns 1 if what the pages show changed, 0 if
 * not, -1 on error, -2 on a secret clash. The pages show last_seen too:
 * it counts as changed each time it enters a new half of the worker
 * timeout (now - cutoff), so a page is never more than that behind the db
 * while the pings themselves change nothing else.
 */
static int
store_worker(struct db *db, const char *name, const struct status_req *q,
    double now, double cutoff, int64_t run_cid)
{
	sqlite3_stmt *st;
	int r, changed = 1;

	st = db_stmt(db, "api.status.store_worker",
	    "SELECT secret, last_seen >= ?, status, "
	    "coalesce(run_id, ''), coalesce(info, ''), "
	    "coalesce(last_output, ''), last_seen FROM workers WHERE name = ?");
	if (st == NULL)
		return -1;
	sqlite3_bind_double(st, 1, cutoff);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		const char *secret = (const char *)sqlite3_column_text(st, 0);
		int live = sqlite3_column_int(st, 1);

		if (live && !auth_equal(secret, q->secret)) {
			sqlite3_reset(st);
			return -2;
		}
		double half = (now - cutoff) / 2;

		changed = !live || (half > 0 &&
		    floor(sqlite3_column_double(st, 6) / half) !=
		    floor(now / half)) ||
		    strcmp((const char *)sqlite3_column_text(st, 2),
		    wstatus_names[q->type]) != 0 ||
		    strcmp((const char *)sqlite3_column_text(st, 3),
		    q->run_id ? q->run_id : "") != 0 ||
		    strcmp((const char *)sqlite3_column_text(st, 4),
		    q->info ? q->info : "") != 0 ||
		    strcmp((const char *)sqlite3_column_text(st, 5),
		    q->last_output ? q->last_output : "") != 0;
	} else if (r != SQLITE_DONE) {
		sqlite3_reset(st);
		return db_err(db, "looking up a worker");
	}
	sqlite3_reset(st);

	st = db_stmt(db, "api.status.insert_worker",
	    "INSERT INTO workers (name, secret, info, "
	    "first_seen, last_seen, status, run_id, run_commit_id, run_start, "
	    "last_output) VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?7, ?8, ?9) "
	    "ON CONFLICT (name) DO UPDATE SET secret = excluded.secret, "
	    "info = excluded.info, last_seen = excluded.last_seen, "
	    "status = excluded.status, run_id = excluded.run_id, "
	    "run_commit_id = excluded.run_commit_id, "
	    "run_start = excluded.run_start, "
	    "last_output = excluded.last_output");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, q->secret, -1, SQLITE_STATIC);
	if (q->info != NULL)
		sqlite3_bind_text(st, 3, q->info, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 4, now);
	sqlite3_bind_text(st, 5, wstatus_names[q->type], -1, SQLITE_STATIC);
	if (q->type == W_WORKING) {
		sqlite3_bind_text(st, 6, q->run_id, -1, SQLITE_STATIC);
		if (run_cid > 0)
			sqlite3_bind_int64(st, 7, run_cid);
		sqlite3_bind_double(st, 8, q->start);
		sqlite3_bind_text(st, 9, q->last_output, -1, SQLITE_STATIC);
	}
	if (db_step_done(db, st) < 0)
		return -1;
	return changed;
}

/* Reserve queued commit cid for worker name's run id since t. */
static int
reserve(struct db *db, int64_t cid, const char *name, double t,
    const char *id)
{
	sqlite3_stmt *st = db_stmt(db, "api.status.reserve",
	    "UPDATE queue SET reserved_by = ?, "
	    "reserved_since = ?, run_id = ? WHERE commit_id = ?");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 2, t);
	sqlite3_bind_text(st, 3, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, cid);
	return db_step_done(db, st);
}

/*
 * A working worker: keep (or take) the reservation of its commit, or tell
 * it to abort. 1 abort, 0 carry on, -1 error. *changed is set when the
 * queue changed.
 */
static int
check_working(struct db *db, const char *name, const struct status_req *q,
    int64_t cid, double cutoff, int *changed)
{
	sqlite3_stmt *st;
	char *holder = NULL;
	double since = 0;
	int r, abort_run = 0;

	if (cid == 0)
		return 1;
	st = db_stmt(db, "api.status.check_working",
	    "SELECT reserved_by, reserved_since, "
	    "coalesce(run_id, '') = ? FROM queue WHERE commit_id = ?");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, q->run_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, cid);
	r = sqlite3_step(st);
	if (r == SQLITE_DONE) {
		sqlite3_reset(st);
		return 1;	/* left the queue */
	}
	if (r != SQLITE_ROW) {
		sqlite3_reset(st);
		return db_err(db, "reading the queue");
	}
	if (sqlite3_column_type(st, 0) != SQLITE_NULL)
		holder = xstrdup((const char *)sqlite3_column_text(st, 0));
	since = sqlite3_column_double(st, 1);
	if (holder != NULL && strcmp(holder, name) == 0 &&
	    sqlite3_column_int(st, 2)) {
		sqlite3_reset(st);
		free(holder);
		return 0;	/* ours already */
	}
	sqlite3_reset(st);
	if (holder != NULL && strcmp(holder, name) != 0) {
		r = is_live(db, holder, cutoff);
		if (r < 0)
			goto out;
		/* Another live worker held it since before we started. */
		if (r == 1 && since <= q->start) {
			abort_run = 1;
			goto out;
		}
	}
	r = reserve(db, cid, name, q->start, q->run_id);
	*changed = 1;
out:
	free(holder);
	return r < 0 ? -1 : abort_run;
}

/*
 * Hand out the best free queued commit: fills run (a new JSON object) or
 * leaves it NULL. 0 or -1.
 */
static int
hand_out(struct db *db, const char *name, const char *method, double now,
    double cutoff, cJSON **run, int *changed)
{
	sqlite3_stmt *st;
	char id[PROTO_ID_MAX + 1], hash[41], t[PROTO_TIME_LEN];
	int64_t cid;
	int r;

	*run = NULL;
	st = db_stmt(db, "api.status.hand_out",
	    "UPDATE queue SET reserved_by = NULL, "
	    "reserved_since = NULL, run_id = NULL WHERE reserved_by = ?");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (db_step_done(db, st) < 0)
		return -1;
	if (sqlite3_changes(db_handle(db)) > 0)
		*changed = 1;
	r = q_queue_next(db, cutoff, &cid, hash);
	if (r <= 0)
		return r;

	new_run_id(id);
	if (reserve(db, cid, name, now, id) < 0)
		return -1;
	*changed = 1;
	proto_time_format(t, now, 0, PROTO_TIME_AUTO);
	*run = cJSON_CreateObject();
	cJSON_AddStringToObject(*run, "id", id);
	cJSON_AddStringToObject(*run, "hash", hash);
	cJSON_AddRawToObject(*run, "bench_method", method);
	cJSON_AddStringToObject(*run, "start", t);
	return 0;
}

/*
 * A plain ping (idle or busy, no request, no submission) that changes
 * nothing the pages show, from a worker whose last_seen is recent enough,
 * needs no write: 1 if so (the reply is {}), 0 if the full path must run,
 * -1 on error.
 */
static int
quiet_ping(struct db *db, struct api *api, const char *name,
    const struct status_req *q, double now)
{
	sqlite3_stmt *st;
	int r, quiet = 0;

	if (q->has_submit || q->request_run || q->type == W_WORKING)
		return 0;
	st = db_stmt(db, "api.status.quiet_ping",
	    "SELECT secret, last_seen, status, run_id IS NULL, "
	    "coalesce(info, ''), last_output IS NULL FROM workers "
	    "WHERE name = ?");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		quiet = auth_equal((const char *)sqlite3_column_text(st, 0),
		    q->secret) &&
		    now - sqlite3_column_double(st, 1) < api->seen_slack &&
		    strcmp((const char *)sqlite3_column_text(st, 2),
		    wstatus_names[q->type]) == 0 &&
		    sqlite3_column_int(st, 3) &&
		    strcmp((const char *)sqlite3_column_text(st, 4),
		    q->info ? q->info : "") == 0 &&
		    sqlite3_column_int(st, 5);
	} else if (r != SQLITE_DONE) {
		quiet = db_err(db, "looking up a worker");
	}
	sqlite3_reset(st);
	return quiet;
}

/* The transaction of one status request; fills reply. */
static int
handle(struct db *db, struct api *api, const char *name,
    const struct status_req *q, const char *method, cJSON *reply,
    int *dirty, struct verr *e)
{
	double now = api_now(), cutoff = now - api->worker_timeout;
	double rcutoff = api_reserve_cutoff(api, now);
	int64_t cid = 0;
	int r, wchanged, qchanged = 0, submitted = 0, locked = 0;
	cJSON *run = NULL;

	r = quiet_ping(db, api, name, q, now);
	if (r < 0)
		goto dberr;
	if (r == 1)
		return 0;
	/* One writer at a time in this process: sqlite's busy handler would
	 * make the others sleep. */
	pthread_mutex_lock(&api->write_mu);
	locked = 1;
	if (db_begin(db) < 0)
		goto dberr;
	if (q->type == W_WORKING && (cid = db_commit_id(db, q->hash)) < 0)
		goto dberr;
	wchanged = store_worker(db, name, q, now, cutoff, cid);
	if (wchanged == -2) {
		verr_set(e, 401, "secret", "invalid secret");
		goto fail;
	}
	if (wchanged < 0)
		goto dberr;
	if (q->has_submit) {
		r = submit_store(db, &q->sub, name, e);
		if (r < 0)
			goto fail;
		if (r == 1) {
			*dirty = 1;
			submitted = 1;
		}
	}
	if (q->type == W_WORKING && !(q->has_submit &&
	    strcmp(q->sub.id, q->run_id) == 0)) {
		r = check_working(db, name, q, cid, rcutoff, &qchanged);
		if (r < 0)
			goto dberr;
		if (r == 1) {
			cJSON_AddTrueToObject(reply, "abort_run");
			log_info("worker %s: aborting run %s", name, q->run_id);
		}
	}
	if (q->request_run && q->type != W_WORKING) {
		if (hand_out(db, name, method, now, rcutoff, &run,
		    &qchanged) < 0)
			goto dberr;
		if (run != NULL) {
			log_info("worker %s gets run %s",
			    name, cJSON_GetObjectItem(run, "id")->valuestring);
			cJSON_AddItemToObject(reply, "run", run);
		}
	}
	if (qchanged && db_dirty(db, "queue", "") < 0)
		goto dberr;
	if ((wchanged || qchanged) && db_dirty(db, "worker", name) < 0)
		goto dberr;
	if (db_commit(db) < 0)
		goto dberr;
	pthread_mutex_unlock(&api->write_mu);
	if (submitted)
		log_info("worker %s submitted run %s for %s", name, q->sub.id,
		    q->sub.hash);
	*dirty |= wchanged || qchanged;
	return 0;
dberr:
	verr_set(e, 500, NULL, "%s", err_get());
fail:
	db_rollback(db);
	if (locked)
		pthread_mutex_unlock(&api->write_mu);
	*dirty = 0;
	return -1;
}

/* Long: the request's checks in order, each failure with its own HTTP
 * answer. */
enum MHD_Result
status_handle(struct api *api, struct MHD_Connection *c, struct req *r,
    const char *rest)
{
	struct status_req q;
	struct verr e;
	const char *end = NULL;
	cJSON *root, *reply = NULL;
	char *method = NULL;
	struct db *db = NULL;
	enum MHD_Result ret;
	int dirty = 0;

	(void)rest;
	memset(&q, 0, sizeof(q));
	memset(&e, 0, sizeof(e));
	if (r->body.len == 0)
		return route_error(c, 400, NULL, "empty request body: expected "
		    "a JSON object");
	if (check_raw_json(r->body.data, r->body.len, &e) < 0)
		return route_error(c, e.status, NULL, "%s", e.msg);
	root = cJSON_ParseWithLengthOpts(r->body.data, r->body.len, &end, 0);
	if (root == NULL) {
		return route_error(c, 400, NULL, "malformed JSON at byte %zu",
		    end != NULL && end >= r->body.data ?
		    (size_t)(end - r->body.data) : (size_t)0);
	}
	for (; end != NULL && end < r->body.data + r->body.len; end++) {
		if (*end != ' ' && *end != '\n' && *end != '\r' &&
		    *end != '\t') {
			cJSON_Delete(root);
			return route_error(c, 400, NULL, "malformed JSON: "
			    "garbage after the value at byte %zu",
			    (size_t)(end - r->body.data));
		}
	}
	if (check_dup_keys(root, "", &e) < 0 || parse_request(root, &q, &e) < 0)
		goto fail;
	if (q.request_run && q.type != W_WORKING &&
	    (method = handout_method(api)) == NULL) {
		log_error("%s", err_get());
		verr_set(&e, 500, NULL, "%s", err_get());
		goto fail;
	}
	if ((db = pool_get(&api->pool)) == NULL) {
		log_error("%s", err_get());
		verr_set(&e, 500, NULL, "%s", err_get());
		goto fail;
	}
	reply = cJSON_CreateObject();
	if (handle(db, api, r->name, &q, method, reply, &dirty, &e) < 0)
		goto fail;
	pool_put(&api->pool, db);
	db = NULL;
	if (dirty)
		bg_notify(api);
	ret = route_reply(c, 200, reply);
	reply = NULL;
	goto out;
fail:
	if (e.status == 500)
		log_error("worker %s: %s", r->name, e.msg);
	else {
		char f[sizeof(e.field)];
		size_t i;

		/* The field path may hold a client's metric name: no control
		 * characters into the log. */
		for (i = 0; e.field[i] != '\0'; i++)
			f[i] = (unsigned char)e.field[i] < 0x20 ||
			    e.field[i] == 0x7f ? '?' : e.field[i];
		f[i] = '\0';
		log_info("worker %s: %u %s%s%s", r->name, e.status, f,
		    f[0] ? ": " : "", e.msg);
	}
	if (e.status == 401)
		ret = auth_fail(c, e.msg);
	else
		ret = route_error(c, e.status, e.field, "%s", e.msg);
out:
	/* A connection a db error went through is not reused (see pool.c). */
	if (db != NULL && e.status == 500)
		pool_drop(&api->pool, db);
	else if (db != NULL)
		pool_put(&api->pool, db);
	cJSON_Delete(reply);
	cJSON_Delete(root);
	free(method);
	req_fini(&q);
	return ret;
}
