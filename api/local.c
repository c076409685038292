/* local: --local-worker: run tj-worker as a child, restarted if it dies. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "err.h"
#include "log.h"

#define BACKOFF_MIN 1.0
#define BACKOFF_MAX 60.0
/* A child that lived this long resets the backoff. */
#define STABLE_SECS 60.0

static struct {
	char *exe;		/* tj-worker next to tj-api */
	char *dir;		/* our temp dir with the config */
	char *conf;
	char *workdir;		/* the worker's [worker] dir */
	pid_t pid;
	double started, restart_at, backoff;
} L;

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Write s as a git-config quoted value. */
static void
put_quoted(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static int
write_conf(struct api *api, const char *url)
{
	FILE *f;
	int fd, rc = -1;

	fd = open(L.conf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
		err_set("%s: %s", L.conf, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	fprintf(f, "# written by tj-api --local-worker\n[worker]\n"
	    "\tname = local\n\tdir = ");
	/* Next to the db: one per instance, and kept across restarts so a
	 * spooled result is still handed in. */
	put_quoted(f, L.workdir);
	fprintf(f, "\n[server \"local\"]\n\turl = ");
	put_quoted(f, url);
	fprintf(f, "\n\ttoken = ");
	put_quoted(f, api->token);
	fputc('\n', f);
	if (ferror(f)) {
		err_set("%s: %s", L.conf, strerror(errno));
		fclose(f);
		return -1;
	}
	if (fclose(f) != 0)
		err_set("%s: %s", L.conf, strerror(errno));
	else
		rc = 0;
	return rc;
}

static void
spawn(void)
{
	pid_t pid = fork();

	if (pid < 0) {
		log_error("local worker: fork: %s", strerror(errno));
		L.restart_at = mono() + L.backoff;
		return;
	}
	if (pid == 0) {
		sigset_t none;

		/* The server's signal mask is not the worker's business. */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		unsetenv("TJ_TOKEN");
		execl(L.exe, L.exe, "--config", L.conf, (char *)NULL);
		fprintf(stderr, "tj-api: cannot run %s: %s\n", L.exe,
		    strerror(errno));
		_exit(127);
	}
	L.pid = pid;
	L.started = mono();
	log_info("local worker: started %s (pid %d)", L.exe, (int)pid);
}

int
local_start(struct api *api, const char *url)
{
	char self[PATH_MAX], *slash;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char tmpl[] = "/tmp/tj-api-local.XXXXXX";

	if (n < 0) {
		err_set("/proc/self/exe: %s", strerror(errno));
		return -1;
	}
	self[n] = '\0';
	slash = strrchr(self, '/');
	*slash = '\0';
	L.exe = xasprintf("%s/tj-worker", self);
	if (access(L.exe, X_OK) != 0) {
		err_set("--local-worker: %s: %s", L.exe, strerror(errno));
		goto fail;
	}
	if (mkdtemp(tmpl) == NULL) {
		err_set("--local-worker: mkdtemp: %s", strerror(errno));
		goto fail;
	}
	L.dir = xstrdup(tmpl);
	L.conf = xasprintf("%s/worker.conf", L.dir);
	L.workdir = xasprintf("%s-local-worker", api->cfg.db_path);
	if (write_conf(api, url) < 0)
		goto fail;
	L.backoff = BACKOFF_MIN;
	spawn();
	return 0;
fail:
	local_stop();
	return -1;
}

/*
 * The dead child is known to be silent: let the next one (a new secret
 * under the same name) in at once and free its reservation.
 */
static void
forget(struct api *api)
{
	struct db *db = pool_get(&api->pool);
	sqlite3_stmt *st;

	if (db == NULL) {
		log_error("local worker: %s", err_get());
		return;
	}
	st = db_stmt(db, "api.local.forget", "UPDATE workers SET last_seen = ? "
	    "WHERE name = 'local' AND last_seen > ?");
	if (st != NULL) {
		double t = api_now() - api->worker_timeout - 1;

		sqlite3_bind_double(st, 1, t);
		sqlite3_bind_double(st, 2, t);
	}
	if (st == NULL || db_step_done(db, st) < 0)
		log_error("local worker: %s", err_get());
	pool_put(&api->pool, db);
}

void
local_tick(struct api *api)
{
	int status;
	pid_t r;

	if (L.exe == NULL)
		return;
	if (L.pid > 0) {
		r = waitpid(L.pid, &status, WNOHANG);
		if (r != L.pid)
			return;
		if (WIFEXITED(status))
			log_warn("local worker exited with status %d",
			    WEXITSTATUS(status));
		else
			log_warn("local worker killed by signal %d",
			    WTERMSIG(status));
		L.pid = 0;
		forget(api);
		if (mono() - L.started >= STABLE_SECS)
			L.backoff = BACKOFF_MIN;
		L.restart_at = mono() + L.backoff;
		log_info("local worker: restarting in %.0f s", L.backoff);
		L.backoff = L.backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX :
		    L.backoff * 2;
		return;
	}
	if (mono() >= L.restart_at)
		spawn();
}

void
local_stop(void)
{
	int status, i;

	if (L.pid > 0) {
		kill(L.pid, SIGTERM);
		/* Give it up to 10 s to hand in or drop its run. */
		for (i = 0; i < 100; i++) {
			if (waitpid(L.pid, &status, WNOHANG) == L.pid)
				break;
			usleep(100 * 1000);
		}
		if (i == 100) {
			kill(L.pid, SIGKILL);
			waitpid(L.pid, &status, 0);
		}
		L.pid = 0;
	}
	if (L.conf != NULL)
		unlink(L.conf);
	if (L.dir != NULL)
		rmdir(L.dir);
	free(L.exe);
	free(L.dir);
	free(L.conf);
	free(L.workdir);
	memset(&L, 0, sizeof(L));
}
