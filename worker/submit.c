/* submit: `tj-worker submit`, results made elsewhere (a CI job) sent to a
 * server over the worker protocol, through the spool. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <git2.h>

#include "err.h"
#include "fmt.h"
#include "fsx.h"
#include "log.h"
#include "store.h"
#include "worker.h"

/* How long a submission is retried before it is left in the spool. */
#define SUBMIT_TRIES 4

static void
submit_usage(FILE *f)
{
	fprintf(f,
	    "usage: tj-worker submit [--config FILE] [--server URL --token TOKEN]\n"
	    "                        [--name NAME] [--dir DIR] --commit REV\n"
	    "                        [--format F] FILE\n"
	    "\n"
	    "Sends a result document made elsewhere (a CI job's benchmark\n"
	    "output) to the server as a run of commit REV, over the worker\n"
	    "protocol: written to DIR/spool first, then submitted; the run id\n"
	    "comes from the content, so sending it again stores nothing.\n"
	    "\n"
	    "  --commit REV   the commit (40 hex, or anything git rev-parse\n"
	    "                 resolves in the current repository)\n"
	    "  --format F     %s\n"
	    "                 (default: a first line \"#format F\", the file\n"
	    "                 name, or recognised)\n"
	    "  FILE           the document; - for stdin\n"
	    "The other options as for tj-worker. Exit status: 0 submitted,\n"
	    "1 error (nothing sent) or refused by the server, %d when it stays\n"
	    "in the spool for the next tj-worker (submit) with this DIR.\n",
	    fmt_names(), EXIT_SPOOLED);
}

/* REV as 40 hex: itself, or resolved in the repository around the
 * current directory. */
static int
resolve_commit(const char *rev, char *hash)
{
	git_repository *repo = NULL;
	git_object *obj = NULL, *c = NULL;
	int rc = -1;

	if (proto_valid_hash(rev)) {
		memcpy(hash, rev, 41);
		return 0;
	}
	git_libgit2_init();
	if (git_repository_open_ext(&repo, ".", 0, NULL) < 0) {
		err_set("--commit '%s' is not 40 hex digits and there is no git "
		    "repository here to resolve it", rev);
		goto out;
	}
	if (git_revparse_single(&obj, repo, rev) < 0 ||
	    git_object_peel(&c, obj, GIT_OBJECT_COMMIT) < 0) {
		err_set("--commit '%s': not a commit of the repository here",
		    rev);
		goto out;
	}
	git_oid_tostr(hash, 41, git_object_id(c));
	rc = 0;
out:
	git_object_free(c);
	git_object_free(obj);
	git_repository_free(repo);
	git_error_clear();
	return rc;
}

/* The submit_run object for r (caller deletes). */
static cJSON *
submission(const struct result *r, const char *id, const char *hash,
    enum fmt f, const char *file)
{
	cJSON *sub = cJSON_CreateObject(), *bm;
	char t[PROTO_TIME_LEN], *note;

	proto_time_format(t, proto_time_now(), 0, PROTO_TIME_MS);
	cJSON_AddStringToObject(sub, "id", id);
	cJSON_AddStringToObject(sub, "hash", hash);
	bm = cJSON_AddObjectToObject(sub, "bench_method");
	cJSON_AddStringToObject(bm, "type", "import");
	cJSON_AddStringToObject(bm, "format", fmt_name(f));
	cJSON_AddStringToObject(sub, "start", t);
	cJSON_AddStringToObject(sub, "end", t);
	cJSON_AddNullToObject(sub, "exit_code");
	if (r->error)
		cJSON_AddStringToObject(sub, "error", r->error);
	else
		cJSON_AddNullToObject(sub, "error");
	note = xasprintf("sent by tj-worker submit from %s (%s)", file,
	    fmt_name(f));
	cJSON_AddItemToObject(sub, "output", result_output(r, note));
	cJSON_AddItemToObject(sub, "measurements", result_json(r));
	free(note);
	return sub;
}

/* 1 if a file of the run is in the spool's rejected/ directory. */
static int
was_rejected(const struct worker *w, const char *id)
{
	char *dir = xasprintf("%s/rejected", w->spool);
	struct spool_entry *e = NULL;
	size_t n = 0, i;
	int hit = 0;

	if (access(dir, F_OK) == 0 && spool_list(dir, &e, &n) == 0) {
		for (i = 0; i < n; i++)
			if (strcmp(e[i].run_id, id) == 0)
				hit = 1;
		spool_entries_free(e, n);
	}
	free(dir);
	return hit;
}

/*
 * The secret: kept in DIR/submit-secret, so that one submit after another
 * from the same dir is the same live worker to the server (which gives a
 * name to a new secret only once the old one has been silent for its
 * worker timeout). 0 or -1 with err_set.
 */
static int
load_secret(struct worker *w)
{
	char *path = xasprintf("%s/submit-secret", w->dir), *tmp;
	struct buf b;
	FILE *f;
	int i, rc = -1;

	buf_init(&b, 64);
	if (util_read_file(path, &b) == 0 && b.len == 32) {
		memcpy(w->secret, b.data, 32);
		w->secret[32] = '\0';
		rc = 0;
		goto out;
	}
	for (i = 0; i < 4; i++)
		snprintf(w->secret + (size_t)i * 8, 9, "%08x", util_random());
	tmp = xasprintf("%s.tmp", path);
	f = fopen(tmp, "w");
	if (f == NULL || fchmod(fileno(f), 0600) < 0 ||
	    fputs(w->secret, f) < 0 || fclose(f) != 0 ||
	    rename(tmp, path) < 0) {
		err_set("%s: %s", path, strerror(errno));
		free(tmp);
		goto out;
	}
	free(tmp);
	rc = 0;
out:
	buf_fini(&b);
	free(path);
	return rc;
}

/* What the command line asks for. */
struct submit_args {
	const char *config, *server, *name, *dir, *commit, *file;
	char *token;
	enum fmt f;
};

/* Read the options into *a: -1 to go on, else the exit code to stop with
 * (--help, a usage error). */
static int
parse_args(int argc, char **argv, struct submit_args *a)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"server", required_argument, NULL, 's'},
		{"token", required_argument, NULL, 't'},
		{"name", required_argument, NULL, 'n'},
		{"dir", required_argument, NULL, 'd'},
		{"commit", required_argument, NULL, 'C'},
		{"format", required_argument, NULL, 'F'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *format = NULL;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'c': a->config = optarg; break;
		case 's': a->server = optarg; break;
		case 't':
			free(a->token);
			a->token = xstrdup(optarg);
			memset(optarg, 'x', strlen(optarg));
			break;
		case 'n': a->name = optarg; break;
		case 'd': a->dir = optarg; break;
		case 'C': a->commit = optarg; break;
		case 'F': format = optarg; break;
		case 'h':
			submit_usage(stdout);
			return 0;
		default:
			submit_usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1 || a->commit == NULL) {
		submit_usage(stderr);
		return 2;
	}
	a->file = argv[optind];
	if (format != NULL && (a->f = fmt_by_name(format)) == FMT_UNKNOWN) {
		log_error("%s", err_get());
		return 2;
	}
	return -1;
}

/* The worker's dir and spool, its secret and its info line. 0, or -1
 * logged. */
static int
open_spool(struct worker *w)
{
	struct utsname u;

	if (worker_own_dir(w) < 0) {
		log_error("%s", err_get());
		return -1;
	}
	w->spool = xasprintf("%s/spool", w->dir);
	if (util_mkdirs(w->spool) < 0 || load_secret(w) < 0) {
		log_error("%s", err_get());
		return -1;
	}
	if (uname(&u) < 0)
		memset(&u, 0, sizeof(u));
	w->info = xasprintf("%s: %s %s %s, tj-worker %s (submit)",
	    w->cfg.worker_name, u.sysname, u.release, u.machine, TJ_VERSION);
	return 0;
}

/* Submit run id, spooled at path (and whatever else waits there), a few
 * tries; the exit code: 0 sent, 1 rejected, EXIT_SPOOLED still spooled. */
static int
send_spooled(struct worker *w, const char *path, const char *id)
{
	size_t k;
	int i;

	for (i = 0; i < SUBMIT_TRIES && w->n_pending > 0 && !worker_signal;
	    i++) {
		int64_t wake = INT64_MAX, now;

		server_submit_pending(w);
		for (k = 0; k < w->n_pending; k++)
			if (w->pending[k].next_try < wake)
				wake = w->pending[k].next_try;
		now = util_mono_ms();
		if (w->n_pending > 0 && wake != INT64_MAX && wake > now &&
		    i + 1 < SUBMIT_TRIES)
			usleep((useconds_t)((wake - now) * 1000));
	}
	if (access(path, F_OK) == 0) {
		log_warn("run %s stays in %s; the next tj-worker or tj-worker "
		    "submit with this dir sends it", id, w->spool);
		return EXIT_SPOOLED;
	}
	if (was_rejected(w, id))
		return 1;
	printf("run %s submitted to %s\n", id, w->sv[0].base);
	return 0;
}

int
submit_main(int argc, char **argv)
{
	const char *env_token = getenv("TJ_TOKEN");
	struct submit_args a = {0};
	struct worker_opts opts;
	char *path = NULL, hash[41], id[STORE_ID_SIZE];
	char *data = NULL;
	const char *file;
	size_t len, k;
	struct worker w;
	struct result r;
	enum fmt used = FMT_UNKNOWN;
	cJSON *sub = NULL;
	int rc = 1;

	memset(&w, 0, sizeof(w));
	config_init(&w.cfg);
	output_init(&w.out, NULL);
	pthread_mutex_init(&w.lock, NULL);
	pthread_cond_init(&w.wake, NULL);
	result_init(&r);
	a.f = FMT_UNKNOWN;
	if ((rc = parse_args(argc, argv, &a)) >= 0)
		goto out;
	rc = 1;
	file = a.file;
	opts = (struct worker_opts){a.config, a.server, a.name, a.dir,
	    a.token};
	if (worker_configure(&w, &opts, env_token) < 0)
		goto out;
	/* Read and check everything before anything is written. */
	if (resolve_commit(a.commit, hash) < 0 ||
	    (data = fsx_read_arg(file, RESULT_MAX_FILE, &len)) == NULL ||
	    fmt_read(&r, data, len, strcmp(file, "-") ? file : NULL, a.f,
	    &used) < 0) {
		log_error("%s%s%s", strcmp(file, "-") ? file : "stdin", ": ",
		    err_get());
		goto out;
	}
	for (k = 0; k < r.n_warn; k++)
		log_warn("%s", r.warn[k]);
	if (store_import_id(fmt_name(used), hash, w.cfg.worker_name, data,
	    len, id) < 0 || fetch_global_init() < 0 ||
	    server_setup(&w, env_token) < 0) {
		log_error("%s", err_get());
		goto out;
	}
	if (w.n_sv != 1) {
		log_error("submit sends to one server: give --server URL or a "
		    "config with one [server] section");
		goto out;
	}
	if (open_spool(&w) < 0)
		goto out;
	sub = submission(&r, id, hash, used, file);
	if ((path = spool_write(w.spool, w.sv[0].base, id, sub)) == NULL ||
	    spool_list(w.spool, &w.pending, &w.n_pending) < 0) {
		log_error("%s", err_get());
		goto out;
	}
	log_info("run %s (%zu metrics, %s) for %.12s spooled as %s", id, r.n,
	    fmt_name(used), hash, path);
	rc = send_spooled(&w, path, id);
out:
	cJSON_Delete(sub);
	free(path);
	free(a.token);
	result_fini(&r);
	free(data);
	if (w.sv)
		server_cleanup(&w);
	spool_entries_free(w.pending, w.n_pending);
	output_fini(&w.out);
	free(w.dir);
	free(w.spool);
	free(w.info);
	config_fini(&w.cfg);
	pthread_mutex_destroy(&w.lock);
	pthread_cond_destroy(&w.wake);
	return rc;
}
