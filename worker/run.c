/* run: one run of tj-worker, from the hand-out to the spool: the trees,
 * the bench, the submission. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "err.h"
#include "log.h"
#include "proto.h"
#include "worker.h"

/* The fields of a handed-out run, borrowed from its JSON. */
struct run_spec {
	const char *id, *hash, *start;
	struct proto_bench bench;
	const cJSON *bench_method;	/* as handed out, echoed back */
	const char *bench_hash;		/* NULL: the internal method */
};

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
		if (!proto_valid_hash(de->d_name))
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
		while (!worker_signal)
			pause();
	}
	set_current(w, NULL, NULL);
	if (path == NULL) {
		log_error("run %s: cannot spool (submitting anyway): %s", id,
		    err_get());
		pthread_mutex_lock(&s->lock);
		rc = server_post_status(w, s, "idle", 0, submit, NULL, &code);
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
	server_submit_pending(w);
}

/* Read the handed-out run into *sp; -1 if it is not one we can run or
 * submit. */
static int
parse_run(const cJSON *run, struct run_spec *sp)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(run, "id"),
	    *hash = cJSON_GetObjectItemCaseSensitive(run, "hash"),
	    *bm = cJSON_GetObjectItemCaseSensitive(run, "bench_method"),
	    *start = cJSON_GetObjectItemCaseSensitive(run, "start");
	const char *field;

	if (!cJSON_IsString(id) || !proto_valid_id(id->valuestring) ||
	    !cJSON_IsString(hash) || !proto_valid_hash(hash->valuestring) ||
	    !cJSON_IsString(start) ||
	    proto_bench_parse(bm, &sp->bench, &field) < 0 ||
	    sp->bench.kind == PROTO_BENCH_IMPORT)
		return -1;
	sp->id = id->valuestring;
	sp->hash = hash->valuestring;
	sp->start = start->valuestring;
	sp->bench_method = bm;
	sp->bench_hash = sp->bench.kind == PROTO_BENCH_REPO ? sp->bench.hash :
	    NULL;
	return 0;
}

/* The run's id, hash, bench_method and start, added to obj (the working
 * status and the submission both begin with them). */
static cJSON *
run_object(const struct run_spec *sp, cJSON *obj)
{
	cJSON_AddStringToObject(obj, "id", sp->id);
	cJSON_AddStringToObject(obj, "hash", sp->hash);
	cJSON_AddItemToObject(obj, "bench_method",
	    cJSON_Duplicate(sp->bench_method, 1));
	cJSON_AddStringToObject(obj, "start", sp->start);
	return obj;
}

/*
 * Unpack the commit's tree into dir/tree and the bench repo's tree (if any)
 * into the cache (*btree), then run the bench unless the run was aborted
 * meanwhile. *ran is set once the bench ran; errors go to r and the output,
 * *network is set when the server could not be reached.
 */
static void
run_bench(struct worker *w, struct server *s, const struct run_spec *sp,
    const char *dir, struct result *r, struct bench_end *end, char **btree,
    int *ran, int *network)
{
	char *tree = xasprintf("%s/tree", dir);
	char *rfile = xasprintf("%s/result.jsonl", dir);
	char *url = xasprintf("%s/api/worker/repo/%s/tree.tar.gz", s->base,
	    sp->hash);
	struct bench_job job;
	int64_t t0 = util_mono_ms();
	long code = 0;

	util_rmtree(dir);
	if (util_mkdirs(tree) < 0) {
		result_add_error(r, NULL, err_get());
		goto out;
	}
	if (fetch_tree(s->dl, url, tree, TREE_MAX, &w->out, &w->abort,
	    &code) < 0) {
		*network = code == 0 || code >= 500;
		err_wrap("the commit's tree");
		result_add_error(r, NULL, err_get());
		output_addf(&w->out, "%s", err_get());
		goto out;
	}
	output_addf(&w->out, "tree unpacked in %.2f s",
	    (double)(util_mono_ms() - t0) / 1000);
	if (sp->bench_hash != NULL &&
	    (*btree = bench_tree(w, s, sp->bench_hash, network)) == NULL) {
		result_add_error(r, NULL, err_get());
		output_addf(&w->out, "%s", err_get());
		goto out;
	}
	memset(&job, 0, sizeof(job));
	job.tree = tree;
	job.bench_tree = *btree;
	job.result_file = rfile;
	job.commit = sp->hash;
	job.run_id = sp->id;
	job.worker = w->cfg.worker_name;
	job.bench_hash = sp->bench_hash;
	job.secrets = w->secrets;
	job.timeout_ms = w->cfg.worker_timeout;
	job.kill_grace_ms = KILL_GRACE_MS;
	job.abort = &w->abort;
	if (!atomic_load(&w->abort)) {
		if (bench_run(&job, r, &w->out, end) < 0) {
			result_add_error(r, NULL, err_get());
			output_addf(&w->out, "%s", err_get());
		} else {
			*ran = 1;
		}
	}
out:
	free(tree);
	free(rfile);
	free(url);
}

/* The submit_run object of a finished run. */
static cJSON *
submission(struct worker *w, const struct run_spec *sp, int ran,
    const struct bench_end *end, const struct result *r)
{
	cJSON *sub = run_object(sp, cJSON_CreateObject());
	char end_time[PROTO_TIME_LEN];
	double t_start, t_now = proto_time_now();

	/* The start is the server's clock, the end ours: a clock behind the
	 * server's must not make the run end before it started (the server
	 * refuses that), so the end is at least the start. */
	proto_time_format(end_time, t_now, 0, PROTO_TIME_MS);
	if (proto_time_parse(sp->start, &t_start) == 0 && t_now < t_start)
		snprintf(end_time, sizeof(end_time), "%s", sp->start);
	cJSON_AddStringToObject(sub, "end", end_time);
	if (ran)
		cJSON_AddNumberToObject(sub, "exit_code", end->exit_code);
	else
		cJSON_AddNullToObject(sub, "exit_code");
	if (r->error)
		cJSON_AddStringToObject(sub, "error", r->error);
	else
		cJSON_AddNullToObject(sub, "error");
	cJSON_AddItemToObject(sub, "output", output_json(&w->out));
	cJSON_AddItemToObject(sub, "measurements", result_json(r));
	return sub;
}

void
run_do(struct worker *w, struct server *s, const cJSON *run)
{
	struct run_spec sp;
	struct bench_end end;
	struct result r;
	char *dir, *btree = NULL;
	cJSON *st, *sub;
	int64_t t0 = util_mono_ms();
	int network = 0, ran = 0, aborted;

	if (parse_run(run, &sp) < 0) {
		/* Not one we can run or submit; do not ask again at once. */
		log_error("%s handed out a malformed run; ignored", s->base);
		sched_fail(&s->sched, util_mono_ms(), util_random());
		return;
	}
	memset(&end, 0, sizeof(end));
	result_init(&r);
	log_info("run %s: %s (%s) from %s", sp.id, sp.hash,
	    proto_bench_type(&sp.bench), s->base);
	st = cJSON_CreateObject();
	cJSON_AddStringToObject(st, "type", "working");
	run_object(&sp, st);
	output_reset(&w->out);
	atomic_store(&w->abort, worker_signal ? 1 : 0);
	set_current(w, s, st);

	dir = xasprintf("%s/%s", w->runs, sp.id);
	run_bench(w, s, &sp, dir, &r, &end, &btree, &ran, &network);
	/* Time spent for s counts, whether the run lands or not. */
	s->sched.runtime += (double)(util_mono_ms() - t0) / 1000;
	/* An abort that came after the bench ended (it stopped nothing)
	 * throws nothing away: a finished run is submitted. */
	aborted = end.aborted || (!ran && atomic_load(&w->abort));
	if (aborted || network) {
		/* Dropped: the server re-queues it when the reservation
		 * times out (or it asked for the abort). */
		log_warn("run %s dropped: %s", sp.id,
		    aborted ? "aborted" : err_get());
		if (!aborted)
			sched_fail(&s->sched, util_mono_ms(), util_random());
		set_current(w, NULL, NULL);
	} else {
		sub = submission(w, &sp, ran, &end, &r);
		log_info("run %s finished: exit %d, %zu metrics%s%s", sp.id,
		    end.exit_code, r.n, r.error ? ", error: " : "",
		    r.error ? r.error : "");
		finish(w, s, sub, sp.id);
		cJSON_Delete(sub);
	}
	if (!w->keep && util_rmtree(dir) < 0)
		log_warn("cannot remove %s: %s", dir, err_get());
	bench_end_fini(&end);
	result_fini(&r);
	free(dir);
	free(btree);
}

/* Remove every entry of dir (those starting with prefix; NULL: all),
 * logging each as what. */
static void
clean_dir(const char *dir, const char *prefix, const char *what)
{
	struct dirent *de;
	char *p;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 ||
		    (prefix != NULL && strncmp(de->d_name, prefix,
		    strlen(prefix)) != 0))
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		if (util_rmtree(p) < 0)
			log_warn("cannot remove %s: %s", p, err_get());
		else
			log_info("removed %s, %s", p, what);
		free(p);
	}
	closedir(d);
}

void
run_clean_stale(struct worker *w)
{
	clean_dir(w->runs, NULL, "left by a worker that did not finish the "
	    "run");
	clean_dir(w->benches, ".tmp-", "a bench tree a worker did not finish "
	    "unpacking");
}
