/* fuzz_status: POST /api/worker/status behind HTTP: the request checks of
 * api/status.c, api/check.c and api/submit.c (with lib/proto.c), then, for
 * a request they accept, the transaction that stores it, against a real
 * sqlite db made once per process with two known commits queued. The
 * checks are file-local, so this file includes api/status.c. */
#include <unistd.h>

#include "../../api/status.c"
#include "fuzz.h"

#define HASH_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HASH_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static struct api api;
static struct db *db;
static char dir[64], path[96];
static unsigned long iter;

static const char *const reset_sql =
    "DELETE FROM run_output; DELETE FROM measurements; DELETE FROM runs;"
    "DELETE FROM queue; DELETE FROM metrics;"
    "INSERT INTO queue (commit_id, added) SELECT id, 1 FROM commits;";

static void
cleanup(void)
{
	char p[128];

	if (db != NULL)
		db_close(db);
	db = NULL;
	snprintf(p, sizeof(p), "%s-wal", path);
	(void)unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	(void)unlink(p);
	(void)unlink(path);
	(void)rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "/tmp/tj-fuzz-status.XXXXXX");
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/tj.db", dir);
	atexit(cleanup);
	if ((db = db_open(path)) == NULL) {
		fprintf(stderr, "%s\n", err_get());
		abort();
	}
	if (db_exec(db, "INSERT INTO commits (hash, author_name, "
	    "author_email, author_time, author_tz, committer_name, "
	    "committer_email, committer_time, committer_tz, message) VALUES "
	    "('" HASH_A "', 'a', 'a@x', 1, 0, 'c', 'c@x', 1, 0, 'one'),"
	    "('" HASH_B "', 'a', 'a@x', 2, 0, 'c', 'c@x', 2, 0, 'two');") < 0 ||
	    db_exec(db, reset_sql) < 0) {
		fprintf(stderr, "%s\n", err_get());
		abort();
	}
	memset(&api, 0, sizeof(api));
	config_init(&api.cfg);
	pthread_mutex_init(&api.write_mu, NULL);
	api.worker_timeout = 60;
	api.seen_slack = 1;
	log_set_level(LOG_ERROR);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct status_req q;
	struct verr e;
	const char *end = NULL;
	cJSON *root, *reply;
	char *method = NULL;
	int dirty = 0;

	memset(&q, 0, sizeof(q));
	memset(&e, 0, sizeof(e));
	root = cJSON_ParseWithLengthOpts((const char *)data, size, &end, 0);
	if (root == NULL)
		return 0;
	if (parse_request(root, &q, &e) < 0) {
		FUZZ_ASSERT(e.status == 400 && e.msg[0] != '\0');
		goto out;
	}
	if (q.request_run && q.type != W_WORKING) {
		method = handout_method(&api);
		FUZZ_ASSERT(method != NULL);
	}
	/* One worker name: the secret must not lock the rest out. */
	if (db_exec(db, "DELETE FROM workers; DELETE FROM dirty;") < 0)
		abort();
	reply = cJSON_CreateObject();
	if (handle(db, &api, "fuzz-worker", &q, method, reply, &dirty,
	    &e) < 0)
		FUZZ_ASSERT(e.status == 400 || e.status == 409);
	cJSON_Delete(reply);
	if (++iter % 512 == 0 && db_exec(db, reset_sql) < 0)
		abort();
out:
	free(method);
	req_fini(&q);
	cJSON_Delete(root);
	return 0;
}
