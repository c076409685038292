/* tj-worker: polls tablejohn servers, runs benchmarks, submits the results. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "log.h"
#include "worker.h"

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

static volatile sig_atomic_t got_signal;
static atomic_int *abort_flag;

static void
on_signal(int sig)
{
	got_signal = sig;
	if (abort_flag)
		atomic_store(abort_flag, 1);
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: tj-worker [--config FILE] [--server URL --token TOKEN]\n"
	    "                 [--name NAME] [--dir DIR] [--once] [--keep]\n"
	    "\n"
	    "Asks the tablejohn servers of the config's [server \"NAME\"]\n"
	    "sections (or the one --server) for runs, benchmarks them and\n"
	    "submits the results; a finished run stays in DIR/spool until a\n"
	    "server has it.\n"
	    "\n"
	    "  --config FILE  the config file (default $TJ_CONFIG or\n"
	    "                 ./tablejohn.conf when present)\n"
	    "  --server URL   one server, without a config file\n"
	    "  --token TOKEN  its worker token (also $TJ_TOKEN)\n"
	    "  --name NAME    the worker's name ([worker] name, the hostname)\n"
	    "  --dir DIR      the work dir ([worker] dir, default\n"
	    "                 $TMPDIR/tj-worker-NAME)\n"
	    "  --once         do at most one run, submit, exit (exit status\n"
	    "                 1 if no server answered, %d when results\n"
	    "                 stay in the spool)\n"
	    "  --keep         keep each run's directory for debugging\n"
	    "  --help, --version\n", EXIT_SPOOLED);
}

/* ---- talking to servers ---- */

/*
 * POST a status to s (the caller holds s->lock): status type "idle",
 * "busy" or "working" (from w->cur_status and the output), a run request,
 * a submission (borrowed). The parsed 2xx reply goes to *reply (may be
 * NULL), the HTTP status to *code. -1 with err_set on no reply, a non-2xx
 * reply or a reply that is not JSON.
 */
static int
post_status(struct worker *w, struct server *s, const char *type,
    int request_run, cJSON *submit, cJSON **reply, long *code)
{
	cJSON *body = cJSON_CreateObject(), *st, *r;
	const cJSON *msg;
	struct buf rb;
	char *text;
	long c = 0;
	int rc = -1;

	if (reply)
		*reply = NULL;
	cJSON_AddStringToObject(body, "info", w->info);
	cJSON_AddStringToObject(body, "secret", w->secret);
	st = NULL;
	if (strcmp(type, "working") == 0) {
		pthread_mutex_lock(&w->lock);
		if (w->cur_status != NULL)
			st = cJSON_Duplicate(w->cur_status, 1);
		pthread_mutex_unlock(&w->lock);
		/* No run any more (it just ended): idle. */
		if (st == NULL)
			type = "idle";
		else
			cJSON_AddItemToObject(st, "last_output",
			    output_recent(&w->out, STATUS_LINES));
	}
	if (st == NULL) {
		st = cJSON_CreateObject();
		cJSON_AddStringToObject(st, "type", type);
	}
	cJSON_AddItemToObject(body, "status", st);
	cJSON_AddBoolToObject(body, "request_run", request_run);
	if (submit)
		cJSON_AddItemReferenceToObject(body, "submit_run", submit);
	text = cJSON_PrintUnformatted(body);
	cJSON_Delete(body);
	buf_init(&rb, (size_t)1024 * 1024);
	if (fetch_post_json(s->ctl, s->status_url, text, &rb, &c) < 0)
		goto out;
	r = cJSON_ParseWithLength(rb.data ? rb.data : "", rb.len);
	if (c < 200 || c > 299) {
		msg = cJSON_GetObjectItemCaseSensitive(r, "error");
		err_set("%s: HTTP %ld: %s", s->status_url, c,
		    cJSON_IsString(msg) ? msg->valuestring : "(no message)");
		cJSON_Delete(r);
		goto out;
	}
	if (!cJSON_IsObject(r)) {
		err_set("%s: the reply is not a JSON object", s->status_url);
		cJSON_Delete(r);
		goto out;
	}
	if (reply)
		*reply = r;
	else
		cJSON_Delete(r);
	rc = 0;
out:
	if (code)
		*code = c;
	free(text);
	buf_fini(&rb);
	return rc;
}

static struct server *
server_by_url(struct worker *w, const char *url)
{
	size_t i;

	for (i = 0; i < w->n_sv; i++)
		if (strcmp(w->sv[i].base, url) == 0)
			return &w->sv[i];
	return NULL;
}

/* While a run is in progress: every ping, "working" to its server, "busy"
 * to the others; an abort_run reply stops the run. */
static void *
ping_main(void *arg)
{
	struct worker *w = arg;
	struct timespec ts;
	struct server *s, *cur, *first;
	cJSON *reply;
	size_t i;
	int quit;

	for (;;) {
		pthread_mutex_lock(&w->lock);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += w->cfg.worker_ping / 1000;
		ts.tv_nsec += (w->cfg.worker_ping % 1000) * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		if (!w->quit)
			pthread_cond_timedwait(&w->wake, &w->lock, &ts);
		quit = w->quit;
		pthread_mutex_unlock(&w->lock);
		if (quit)
			break;
		/* The run's server first: a slow one must not delay it. */
		pthread_mutex_lock(&w->lock);
		first = w->cur;
		pthread_mutex_unlock(&w->lock);
		for (i = 0; first != NULL && i <= w->n_sv; i++) {
			s = i == 0 ? first : &w->sv[i - 1];
			if (i > 0 && s == first)
				continue;
			pthread_mutex_lock(&s->lock);
			pthread_mutex_lock(&w->lock);
			cur = w->cur;
			pthread_mutex_unlock(&w->lock);
			if (cur == NULL) {
				pthread_mutex_unlock(&s->lock);
				break;
			}
			if (post_status(w, s, s == cur ? "working" : "busy", 0,
			    NULL, &reply, NULL) < 0) {
				log_debug("ping: %s", err_get());
			} else if (s == cur && cJSON_IsTrue(
			    cJSON_GetObjectItemCaseSensitive(reply,
			    "abort_run"))) {
				log_info("%s asks to abort the run", s->base);
				atomic_store(&w->abort, 1);
			}
			cJSON_Delete(reply);
			pthread_mutex_unlock(&s->lock);
		}
	}
	return NULL;
}

/* ---- the spool ---- */

/* Submit one spooled run (body parsed here); 1 done, 0 retry later. */
static int
submit_entry(struct worker *w, struct spool_entry *e, int64_t now)
{
	struct server *s = server_by_url(w, e->server);
	cJSON *sub;
	char *dst;
	long code = 0;
	int rc;

	if (s == NULL) {
		if (e->tries++ == 0)
			log_warn("spool: run %s is for %s, which is not "
			    "configured; it stays in %s", e->run_id, e->server,
			    e->path);
		e->next_try = INT64_MAX;
		return 0;
	}
	if ((sub = cJSON_Parse(e->body)) == NULL) {
		log_error("spool: %s: cannot parse", e->path);
		e->next_try = INT64_MAX;
		return 0;
	}
	pthread_mutex_lock(&s->lock);
	rc = post_status(w, s, "idle", 0, sub, NULL, &code);
	pthread_mutex_unlock(&s->lock);
	cJSON_Delete(sub);
	if (rc == 0) {
		log_info("run %s submitted to %s", e->run_id, s->base);
		if (spool_remove(e) < 0)
			log_error("spool: %s", err_get());
		return 1;
	}
	if (code == 400 || code == 409 || code == 413) {
		/* The server will never take it: keep it aside, stop trying. */
		dst = xasprintf("%s/rejected", w->spool);
		util_mkdirs(dst);
		free(dst);
		dst = xasprintf("%s/rejected/%s", w->spool,
		    strrchr(e->path, '/') + 1);
		log_error("run %s rejected by %s: %s; kept as %s", e->run_id,
		    s->base, err_get(), dst);
		if (rename(e->path, dst) < 0)
			log_error("%s: %s", dst, strerror(errno));
		free(dst);
		return 1;
	}
	e->tries++;
	e->next_try = now + sched_backoff(e->tries, SCHED_BACKOFF_BASE,
	    SCHED_BACKOFF_CAP, util_random());
	log_warn("run %s not submitted (try %d, again in %.1f s): %s",
	    e->run_id, e->tries, (double)(e->next_try - now) / 1000,
	    err_get());
	return 0;
}

/* Submit every spooled run that is due; drop the ones that are done. */
static void
submit_pending(struct worker *w)
{
	size_t i, k = 0;
	int64_t now = util_mono_ms();

	for (i = 0; i < w->n_pending; i++) {
		if (!got_signal && w->pending[i].next_try <= now &&
		    submit_entry(w, &w->pending[i], now)) {
			spool_entry_fini(&w->pending[i]);
			continue;
		}
		w->pending[k++] = w->pending[i];
	}
	w->n_pending = k;
}

/* ---- a run ---- */

static void
set_current(struct worker *w, struct server *s, cJSON *status)
{
	pthread_mutex_lock(&w->lock);
	w->cur = s;
	cJSON_Delete(w->cur_status);
	w->cur_status = status;
	pthread_mutex_unlock(&w->lock);
}

/* Touch every bench tree in the cache but the newest BENCH_CACHE. */
static void
evict_benches(struct worker *w)
{
	char path[4096];
	struct {
		char name[64];
		time_t t;
	} e[64];
	struct stat st;
	struct dirent *de;
	size_t n = 0, i, oldest;
	DIR *d;
	char *p;

	if ((d = opendir(w->benches)) == NULL)
		return;
	while ((de = readdir(d)) != NULL && n < 64) {
		if (!util_valid_hash(de->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", w->benches,
		    de->d_name);
		if (lstat(path, &st) < 0)
			continue;
		memcpy(e[n].name, de->d_name, 41);
		e[n++].t = st.st_mtime;
	}
	closedir(d);
	while (n > BENCH_CACHE) {
		oldest = 0;
		for (i = 1; i < n; i++)
			if (e[i].t < e[oldest].t)
				oldest = i;
		p = xasprintf("%s/%s", w->benches, e[oldest].name);
		if (util_rmtree(p) < 0)
			log_warn("bench cache: %s", err_get());
		free(p);
		e[oldest] = e[--n];
	}
}

/* The bench repo tree of hash from s, unpacked once and cached. NULL with
 * err_set; *network set when the server could not be reached. */
static char *
bench_tree(struct worker *w, struct server *s, const char *hash,
    int *network)
{
	char *path = xasprintf("%s/%s", w->benches, hash), *tmp, *url;
	struct stat st;
	long code = 0;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		utimensat(AT_FDCWD, path, NULL, 0);
		return path;
	}
	tmp = xasprintf("%s/.tmp-%s", w->benches, hash);
	url = xasprintf("%s/api/worker/bench_repo/%s/tree.tar.gz", s->base,
	    hash);
	util_rmtree(tmp);
	if (util_mkdirs(tmp) < 0 ||
	    fetch_tree(s->dl, url, tmp, TREE_MAX, &w->out, &w->abort,
	    &code) < 0) {
		*network = code == 0 || code >= 500;
		err_wrap("bench repo %s", hash);
		util_rmtree(tmp);
		free(path);
		path = NULL;
	} else if (rename(tmp, path) < 0) {
		err_set("%s: %s", path, strerror(errno));
		util_rmtree(tmp);
		free(path);
		path = NULL;
	} else {
		evict_benches(w);
	}
	free(tmp);
	free(url);
	return path;
}

/* Spool the finished run, then submit it through the spool. */
static void
finish(struct worker *w, struct server *s, cJSON *submit, const char *id)
{
	struct spool_entry *e;
	char *path;
	long code;
	int rc;

	path = spool_write(w->spool, s->base, id, submit);
	if (path != NULL)
		log_info("run %s spooled as %s", id, path);
	if (getenv("TJ_WORKER_TEST_STOP_BEFORE_SUBMIT") != NULL) {
		/* Test hook (see docs/bench.md): wait to be killed between
		 * spooling and submitting. */
		log_info("test hook: stopping before the submission");
		while (!got_signal)
			pause();
	}
	set_current(w, NULL, NULL);
	if (path == NULL) {
		log_error("run %s: cannot spool (submitting anyway): %s", id,
		    err_get());
		pthread_mutex_lock(&s->lock);
		rc = post_status(w, s, "idle", 0, submit, NULL, &code);
		pthread_mutex_unlock(&s->lock);
		if (rc < 0)
			log_error("run %s lost: not spooled, not submitted: %s",
			    id, err_get());
		return;
	}
	w->pending = xrealloc(w->pending,
	    (w->n_pending + 1) * sizeof(*w->pending));
	e = &w->pending[w->n_pending++];
	memset(e, 0, sizeof(*e));
	e->path = path;
	e->server = xstrdup(s->base);
	e->run_id = xstrdup(id);
	e->body = cJSON_PrintUnformatted(submit);
	submit_pending(w);
}

/* Do the run the server s handed out. */
static void
do_run(struct worker *w, struct server *s, const cJSON *run)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(run, "id"),
	    *hash = cJSON_GetObjectItemCaseSensitive(run, "hash"),
	    *bm = cJSON_GetObjectItemCaseSensitive(run, "bench_method"),
	    *start = cJSON_GetObjectItemCaseSensitive(run, "start"),
	    *type = cJSON_GetObjectItemCaseSensitive(bm, "type"),
	    *bhash = cJSON_GetObjectItemCaseSensitive(bm, "hash");
	const char *bench_hash = NULL;
	char *dir = NULL, *tree = NULL, *rfile = NULL, *url = NULL;
	char *btree = NULL, *end_time;
	struct bench_job job;
	struct bench_end end;
	struct result r;
	cJSON *st, *sub;
	int64_t t0 = util_mono_ms();
	int network = 0, ran = 0, aborted;
	long code = 0;

	memset(&end, 0, sizeof(end));
	result_init(&r);
	if (!cJSON_IsString(id) || !util_valid_run_id(id->valuestring) ||
	    !cJSON_IsString(hash) || !util_valid_hash(hash->valuestring) ||
	    !cJSON_IsString(start) || !cJSON_IsString(type) ||
	    (strcmp(type->valuestring, "internal") != 0 &&
	    (strcmp(type->valuestring, "repo") != 0 ||
	    !cJSON_IsString(bhash) || !util_valid_hash(bhash->valuestring)))) {
		/* Not one we can run or submit; do not ask again at once. */
		log_error("%s handed out a malformed run; ignored", s->base);
		sched_fail(&s->sched, util_mono_ms(), util_random());
		return;
	}
	if (strcmp(type->valuestring, "repo") == 0)
		bench_hash = bhash->valuestring;
	log_info("run %s: %s (%s) from %s", id->valuestring,
	    hash->valuestring, type->valuestring, s->base);
	st = cJSON_CreateObject();
	cJSON_AddStringToObject(st, "type", "working");
	cJSON_AddStringToObject(st, "id", id->valuestring);
	cJSON_AddStringToObject(st, "hash", hash->valuestring);
	cJSON_AddItemToObject(st, "bench_method", cJSON_Duplicate(bm, 1));
	cJSON_AddStringToObject(st, "start", start->valuestring);
	output_reset(&w->out);
	atomic_store(&w->abort, got_signal ? 1 : 0);
	set_current(w, s, st);

	dir = xasprintf("%s/%s", w->runs, id->valuestring);
	tree = xasprintf("%s/tree", dir);
	rfile = xasprintf("%s/result.jsonl", dir);
	url = xasprintf("%s/api/worker/repo/%s/tree.tar.gz", s->base,
	    hash->valuestring);
	util_rmtree(dir);
	if (util_mkdirs(tree) < 0) {
		result_add_error(&r, NULL, err_get());
		goto done;
	}
	if (fetch_tree(s->dl, url, tree, TREE_MAX, &w->out, &w->abort,
	    &code) < 0) {
		network = code == 0 || code >= 500;
		err_wrap("the commit's tree");
		result_add_error(&r, NULL, err_get());
		output_addf(&w->out, "%s", err_get());
		goto done;
	}
	output_addf(&w->out, "tree unpacked in %.2f s",
	    (double)(util_mono_ms() - t0) / 1000);
	if (bench_hash != NULL &&
	    (btree = bench_tree(w, s, bench_hash, &network)) == NULL) {
		result_add_error(&r, NULL, err_get());
		output_addf(&w->out, "%s", err_get());
		goto done;
	}
	memset(&job, 0, sizeof(job));
	job.tree = tree;
	job.bench_tree = btree;
	job.result_file = rfile;
	job.commit = hash->valuestring;
	job.run_id = id->valuestring;
	job.worker = w->cfg.worker_name;
	job.bench_hash = bench_hash;
	job.secrets = w->secrets;
	job.timeout_ms = w->cfg.worker_timeout;
	job.kill_grace_ms = KILL_GRACE_MS;
	job.abort = &w->abort;
	if (!atomic_load(&w->abort)) {
		if (bench_run(&job, &r, &w->out, &end) < 0) {
			result_add_error(&r, NULL, err_get());
			output_addf(&w->out, "%s", err_get());
		} else {
			ran = 1;
		}
	}
done:
	/* Time spent for s counts, whether the run lands or not. */
	s->sched.runtime += (double)(util_mono_ms() - t0) / 1000;
	aborted = atomic_load(&w->abort) || end.aborted;
	if (aborted || network) {
		/* Dropped: the server re-queues it when the reservation
		 * times out (or it asked for the abort). */
		log_warn("run %s dropped: %s", id->valuestring,
		    aborted ? "aborted" : err_get());
		if (!aborted)
			sched_fail(&s->sched, util_mono_ms(), util_random());
		set_current(w, NULL, NULL);
		goto out;
	}
	end_time = util_now_rfc3339();
	sub = cJSON_CreateObject();
	cJSON_AddStringToObject(sub, "id", id->valuestring);
	cJSON_AddStringToObject(sub, "hash", hash->valuestring);
	cJSON_AddItemToObject(sub, "bench_method", cJSON_Duplicate(bm, 1));
	cJSON_AddStringToObject(sub, "start", start->valuestring);
	cJSON_AddStringToObject(sub, "end", end_time);
	if (ran)
		cJSON_AddNumberToObject(sub, "exit_code", end.exit_code);
	else
		cJSON_AddNullToObject(sub, "exit_code");
	if (r.error)
		cJSON_AddStringToObject(sub, "error", r.error);
	else
		cJSON_AddNullToObject(sub, "error");
	cJSON_AddItemToObject(sub, "output", output_json(&w->out));
	cJSON_AddItemToObject(sub, "measurements", result_json(&r));
	free(end_time);
	log_info("run %s finished: exit %d, %zu metrics%s%s", id->valuestring,
	    end.exit_code, r.n, r.error ? ", error: " : "",
	    r.error ? r.error : "");
	finish(w, s, sub, id->valuestring);
	cJSON_Delete(sub);
out:
	if (!w->keep && dir != NULL && util_rmtree(dir) < 0)
		log_warn("cannot remove %s: %s", dir, err_get());
	bench_end_fini(&end);
	result_fini(&r);
	free(dir);
	free(tree);
	free(rfile);
	free(url);
	free(btree);
}

/* Ask the servers, fairest first, for a run and do it. 1 if one ran, 0
 * if none had work, -1 if none that was asked answered. */
static int
ask_for_run(struct worker *w)
{
	struct sched_server ss[64];
	size_t order[64], n, i, k;
	struct server *s;
	cJSON *reply, *run;
	int rc, asked = 0, answered = 0;

	for (i = 0; i < w->n_sv; i++)
		ss[i] = w->sv[i].sched;
	n = sched_order(ss, w->n_sv, util_mono_ms(), order);
	for (i = 0; i < n && !got_signal; i++) {
		s = &w->sv[order[i]];
		/* Results first: a server gets no new work from us while it
		 * has not taken what we finished for it. */
		for (k = 0; k < w->n_pending; k++)
			if (strcmp(w->pending[k].server, s->base) == 0)
				break;
		if (k < w->n_pending)
			continue;
		pthread_mutex_lock(&s->lock);
		rc = post_status(w, s, "idle", 1, NULL, &reply, NULL);
		pthread_mutex_unlock(&s->lock);
		asked++;
		if (rc < 0) {
			sched_fail(&s->sched, util_mono_ms(), util_random());
			log_warn("%s (again in %.1f s)", err_get(),
			    (double)(s->sched.next_try - util_mono_ms()) /
			    1000);
			continue;
		}
		answered++;
		if (s->sched.fails > 0)
			log_info("%s answers again", s->base);
		sched_ok(&s->sched);
		run = cJSON_GetObjectItemCaseSensitive(reply, "run");
		if (cJSON_IsObject(run)) {
			do_run(w, s, run);
			cJSON_Delete(reply);
			return 1;
		}
		cJSON_Delete(reply);
	}
	return asked > 0 && answered == 0 ? -1 : 0;
}

/* ---- start-up ---- */

static int
setup_dirs(struct worker *w)
{
	struct stat st;
	const char *tmp = getenv("TMPDIR");
	char *lock;
	int fd;

	if (w->cfg.worker_dir)
		w->dir = xstrdup(w->cfg.worker_dir);
	else
		w->dir = xasprintf("%s/tj-worker-%s", tmp && *tmp ? tmp :
		    "/tmp", w->cfg.worker_name);
	if (util_mkdirs(w->dir) < 0)
		return -1;
	/* In a shared /tmp, make sure the dir is ours and not a link. */
	if (lstat(w->dir, &st) < 0 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != geteuid()) {
		err_set("%s: not a directory owned by us", w->dir);
		return -1;
	}
	lock = xasprintf("%s/lock", w->dir);
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	free(lock);
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0) {
		err_set("%s: another tj-worker uses this dir (%s)", w->dir,
		    strerror(errno));
		return -1;
	}
	/* fd stays open: the lock lives as long as the process. */
	w->spool = xasprintf("%s/spool", w->dir);
	w->runs = xasprintf("%s/runs", w->dir);
	w->benches = xasprintf("%s/bench", w->dir);
	if (util_mkdirs(w->spool) < 0 || util_mkdirs(w->benches) < 0)
		return -1;
	/* Run dirs left by a killed worker are of no use. */
	if (!w->keep && util_rmtree(w->runs) < 0)
		log_warn("%s", err_get());
	return util_mkdirs(w->runs);
}

static void
make_identity(struct worker *w)
{
	struct utsname u;
	uint32_t r;
	int i;

	for (i = 0; i < 4; i++) {
		r = util_random();
		snprintf(w->secret + (size_t)i * 8, 9, "%08x", r);
	}
	if (uname(&u) < 0)
		memset(&u, 0, sizeof(u));
	w->info = xasprintf("%s: %s %s %s, %ld cores, tj-worker %s",
	    w->cfg.worker_name, u.sysname, u.release, u.machine,
	    sysconf(_SC_NPROCESSORS_ONLN), TJ_VERSION);
}

static int
setup_servers(struct worker *w, const char *env_token)
{
	struct config_server *c;
	struct server *s;
	size_t i, n;

	if (w->cfg.n_servers == 0) {
		err_set("no server: give --server URL --token TOKEN or "
		    "[server \"NAME\"] sections in the config");
		return -1;
	}
	if (w->cfg.n_servers > 64) {
		err_set("more than 64 servers");
		return -1;
	}
	w->sv = xcalloc(w->cfg.n_servers, sizeof(*w->sv));
	w->secrets = xcalloc(w->cfg.n_servers + 1, sizeof(*w->secrets));
	for (i = 0; i < w->cfg.n_servers; i++) {
		c = &w->cfg.servers[i];
		s = &w->sv[w->n_sv];
		if (c->url == NULL) {
			err_set("server '%s' has no url", c->name);
			return -1;
		}
		if (c->token == NULL && env_token != NULL)
			c->token = xstrdup(env_token);
		if (c->token == NULL || c->token[0] == '\0') {
			err_set("server '%s' has no token (token = ..., --token "
			    "or $TJ_TOKEN)", c->name);
			return -1;
		}
		s->cfg = c;
		s->base = xstrdup(c->url);
		n = strlen(s->base);
		while (n > 0 && s->base[n - 1] == '/')
			s->base[--n] = '\0';
		s->status_url = xasprintf("%s/api/worker/status", s->base);
		s->ctl = fetch_new(w->cfg.worker_name, c->token);
		s->dl = fetch_new(w->cfg.worker_name, c->token);
		pthread_mutex_init(&s->lock, NULL);
		s->sched.weight = c->weight;
		w->secrets[w->n_sv] = c->token;
		w->n_sv++;
	}
	return 0;
}

static void
cleanup(struct worker *w)
{
	size_t i;

	for (i = 0; i < w->n_sv; i++) {
		free(w->sv[i].base);
		free(w->sv[i].status_url);
		fetch_free(w->sv[i].ctl);
		fetch_free(w->sv[i].dl);
		pthread_mutex_destroy(&w->sv[i].lock);
	}
	free(w->sv);
	free(w->secrets);
	spool_entries_free(w->pending, w->n_pending);
	cJSON_Delete(w->cur_status);
	output_fini(&w->out);
	free(w->dir);
	free(w->spool);
	free(w->runs);
	free(w->benches);
	free(w->info);
	config_fini(&w->cfg);
}

/* Sleep up to ms, waking early on a signal. */
static void
nap(int64_t ms)
{
	struct timespec ts;

	while (ms > 0 && !got_signal) {
		ts.tv_sec = 0;
		ts.tv_nsec = (ms < 100 ? ms : 100) * 1000000;
		nanosleep(&ts, NULL);
		ms -= 100;
	}
}

static int
loop(struct worker *w)
{
	int64_t now, next_ask = 0, wake;
	int did_run = 0, asked = 0, r;
	size_t i;

	while (!got_signal) {
		submit_pending(w);
		if (w->once && asked) {
			if (w->n_pending == 0)
				return 0;
			for (i = 0; i < w->n_pending; i++)
				if (w->pending[i].tries == 0)
					break;
			if (i == w->n_pending) {
				log_warn("%zu run(s) stay in %s for the next "
				    "start", w->n_pending, w->spool);
				return EXIT_SPOOLED;
			}
		}
		now = util_mono_ms();
		if ((!w->once || !did_run) && now >= next_ask) {
			asked = 1;
			if ((r = ask_for_run(w)) > 0) {
				did_run = 1;
				continue;
			}
			next_ask = util_mono_ms() + w->cfg.worker_ping;
			if (w->once && r < 0 && w->n_pending == 0) {
				log_error("no server answered");
				return 1;
			}
			if (w->once)
				continue;
		}
		now = util_mono_ms();
		wake = next_ask;
		for (i = 0; i < w->n_pending; i++)
			if (w->pending[i].next_try < wake)
				wake = w->pending[i].next_try;
		nap(wake - now);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"server", required_argument, NULL, 's'},
		{"token", required_argument, NULL, 't'},
		{"name", required_argument, NULL, 'n'},
		{"dir", required_argument, NULL, 'd'},
		{"once", no_argument, NULL, 'o'},
		{"keep", no_argument, NULL, 'k'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	const char *config = NULL, *server = NULL, *name = NULL, *dir = NULL;
	const char *env_token = getenv("TJ_TOKEN");
	char *token = NULL;
	struct worker w;
	struct sigaction sa;
	sigset_t mask, old;
	pthread_t ping;
	int c, rc = 1, started = 0;

	log_init("tj-worker", LOG_INFO);
	memset(&w, 0, sizeof(w));
	config_init(&w.cfg);
	output_init(&w.out, NULL);
	pthread_mutex_init(&w.lock, NULL);
	pthread_cond_init(&w.wake, NULL);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 's': server = optarg; break;
		case 't':
			free(token);
			token = xstrdup(optarg);
			/* Keep it out of ps(1) where we can. */
			memset(optarg, 'x', strlen(optarg));
			break;
		case 'n': name = optarg; break;
		case 'd': dir = optarg; break;
		case 'o': w.once = 1; break;
		case 'k': w.keep = 1; break;
		case 'h':
			usage(stdout);
			rc = 0;
			goto out;
		case 'V':
			printf("tj-worker %s\n", TJ_VERSION);
			rc = 0;
			goto out;
		default:
			usage(stderr);
			rc = 2;
			goto out;
		}
	}
	if (optind != argc) {
		usage(stderr);
		rc = 2;
		goto out;
	}
	if (config_load(&w.cfg, config) < 0 ||
	    (name && config_set(&w.cfg, "worker.name", name) < 0) ||
	    (dir && config_set(&w.cfg, "worker.dir", dir) < 0) ||
	    (server && config_set(&w.cfg, "server.cli.url", server) < 0) ||
	    (server && (token || env_token) && config_set(&w.cfg,
	    "server.cli.token", token ? token : env_token) < 0)) {
		log_error("%s", err_get());
		goto out;
	}
	if (token && !server) {
		log_error("--token goes with --server");
		goto out;
	}
	config_finish(&w.cfg);
	if (!util_valid_run_id(w.cfg.worker_name)) {
		log_error("worker name '%s' is not [A-Za-z0-9._-]{1,64}; set "
		    "[worker] name or --name", w.cfg.worker_name);
		goto out;
	}
	if (w.cfg.worker_ping <= 0) {
		log_error("[worker] ping must be positive");
		goto out;
	}
	if (fetch_global_init() < 0 || setup_servers(&w, env_token) < 0 ||
	    setup_dirs(&w) < 0) {
		log_error("%s", err_get());
		goto out;
	}
	unsetenv("TJ_TOKEN");
	make_identity(&w);
	if (spool_list(w.spool, &w.pending, &w.n_pending) < 0) {
		log_error("%s", err_get());
		goto out;
	}
	if (w.n_pending > 0)
		log_info("%zu run(s) in the spool: submitting them first",
		    w.n_pending);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	abort_flag = &w.abort;
	/* The ping thread never takes the signals (it inherits the mask). */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &mask, &old);
	c = pthread_create(&ping, NULL, ping_main, &w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (c != 0) {
		log_error("pthread_create: %s", strerror(c));
		goto out;
	}
	started = 1;
	log_info("worker %s: %zu server(s), dir %s", w.cfg.worker_name,
	    w.n_sv, w.dir);
	rc = loop(&w);
	if (got_signal)
		log_info("stopping (signal %d)", (int)got_signal);
out:
	if (started) {
		pthread_mutex_lock(&w.lock);
		w.quit = 1;
		pthread_cond_broadcast(&w.wake);
		pthread_mutex_unlock(&w.lock);
		pthread_join(ping, NULL);
	}
	abort_flag = NULL;
	free(token);
	cleanup(&w);
	pthread_mutex_destroy(&w.lock);
	pthread_cond_destroy(&w.wake);
	return rc;
}
