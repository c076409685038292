/* bench: run one benchmark (internal or the bench repo's script) and collect it. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <dirent.h>
#include <unistd.h>

#include "err.h"
#include "fmt.h"
#include "log.h"
#include "worker.h"

extern char **environ;

/* After the bench exits, how long stragglers may hold its pipes open. */
#define DRAIN_MS ((int64_t)2000)
/* Stdout kept whole for the VelCom fallback, at most. */
#define VELCOM_MAX ((size_t)16 * 1024 * 1024)

void
bench_end_fini(struct bench_end *end)
{
	free(end->error);
	memset(end, 0, sizeof(*end));
}

static void
end_error(struct bench_end *end, struct result *r, const char *msg)
{
	char *s;

	if (end->error == NULL) {
		end->error = xstrdup(msg);
	} else {
		s = xasprintf("%s; %s", end->error, msg);
		free(end->error);
		end->error = s;
	}
	result_add_error(r, NULL, msg);
}

static void
timeout_error(struct bench_end *end, struct result *r, int64_t timeout_ms)
{
	char msg[64];

	snprintf(msg, sizeof(msg), "timed out after %g s",
	    (double)timeout_ms / 1000);
	end_error(end, r, msg);
}

/* 1 if an environment entry must not reach the bench. */
static int
hidden(const char *entry, const char *const *secrets)
{
	const char *eq = strchr(entry, '=');
	size_t i;

	if (strncmp(entry, "TJ_", 3) == 0)
		return 1;	/* ours are set below; no inherited ones */
	for (i = 0; secrets && secrets[i]; i++)
		if (secrets[i][0] && eq && strstr(eq + 1, secrets[i]))
			return 1;
	return 0;
}

/* The bench's environment: the worker's minus secrets, plus TJ_*. */
static char **
make_env(const struct bench_job *j, const char *dir)
{
	size_t n = 0, k = 0, i;
	char **env;

	while (environ[n])
		n++;
	env = xcalloc(n + 9, sizeof(*env));
	for (i = 0; i < n; i++)
		if (!hidden(environ[i], j->secrets))
			env[k++] = xstrdup(environ[i]);
	env[k++] = xasprintf("TJ_RESULT_FILE=%s", j->result_file);
	env[k++] = xasprintf("TJ_RESULT_DIR=%s", dir);
	env[k++] = xasprintf("TJ_COMMIT=%s", j->commit);
	env[k++] = xasprintf("TJ_TREE=%s", j->tree);
	env[k++] = xasprintf("TJ_RUN_ID=%s", j->run_id);
	env[k++] = xasprintf("TJ_WORKER=%s", j->worker);
	env[k++] = xasprintf("TJ_BENCH_HASH=%s", j->bench_hash);
	env[k] = NULL;
	return env;
}

static void
free_env(char **env)
{
	size_t i;

	for (i = 0; env[i]; i++)
		free(env[i]);
	free(env);
}

/* Close every fd from low up (close_range, or one by one where the kernel
 * has none). Async-signal-safe. */
static void
close_from(int low)
{
	int fd;

	if (syscall(SYS_close_range, (unsigned)low, ~0U, 0U) < 0)
		for (fd = low; fd < 65536; fd++)
			close(fd);
}

/* In the child, between fork and exec: only async-signal-safe calls. */
static void
child(const struct bench_job *j, int out, int err, char *const argv[],
    char *const env[], pid_t parent)
{
	static const char msg[] = "tj-worker: cannot run the bench script\n";
	struct sigaction sa;
	sigset_t none;
	int nul, sig;

	setpgid(0, 0);
	/* The bench dies with the worker (the watchdog below kills the rest
	 * of its group); a worker that died before this line is seen by
	 * getppid(). */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(125);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++)
		sigaction(sig, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	nul = open("/dev/null", O_RDONLY);
	if (nul < 0 || dup2(nul, 0) < 0 || dup2(out, 1) < 0 ||
	    dup2(err, 2) < 0 || chdir(j->bench_tree) < 0)
		_exit(126);
	/* Nothing of the worker's (sockets, the spool) leaks into the bench. */
	close_from(3);
	execve(argv[0], argv, env);
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(127);
	_exit(127);
}

/*
 * The watchdog: a child of the worker that waits on a pipe only the worker
 * holds. EOF means the worker died (kill -9 included): it kills the bench's
 * whole process group. A byte means the worker is about to reap the bench
 * itself: it exits without killing (the group id may be reused after the
 * reap). Only async-signal-safe calls.
 */
static void
watchdog(int fd, pid_t group)
{
	struct sigaction sa;
	char c;
	ssize_t n;

	if (fd != 3 && (dup2(fd, 3) < 0))
		_exit(1);
	/* The pipe's write end too: else no EOF ever comes. */
	close_from(4);
	close(0);
	close(1);
	close(2);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	/* Signals meant for the worker (its terminal's ^C, a SIGTERM to
	 * its group) are its business: it stops the bench itself. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	do
		n = read(3, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		killpg(group, SIGKILL);
	_exit(0);
}

/* Start the watchdog of group; its pid, or -1 (the bench then has only
 * its leader's death signal). *wfd gets the pipe's write end. */
static pid_t
watchdog_start(pid_t group, int *wfd)
{
	int p[2];
	pid_t pid;

	*wfd = -1;
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	if ((pid = fork()) == 0)
		watchdog(p[0], group);
	close(p[0]);
	if (pid < 0) {
		close(p[1]);
		return -1;
	}
	*wfd = p[1];
	return pid;
}

/* Tell the watchdog to go without killing, and reap it. */
static void
watchdog_stop(pid_t *pid, int *wfd)
{
	if (*pid <= 0)
		return;
	if (write(*wfd, "q", 1) < 0)
		kill(*pid, SIGKILL);
	close(*wfd);
	while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR)
		;
	*pid = -1;
	*wfd = -1;
}

/* Stdout kept whole for the VelCom fallback while it is small enough. */
struct raw {
	struct buf b;
	int ok;
};

/* Read what is there on fd into o (and raw, if not NULL); 0 at EOF. */
static int
drain(int fd, int source, struct output *o, struct raw *raw)
{
	char chunk[65536];
	ssize_t n;

	n = read(fd, chunk, sizeof(chunk));
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : 0;
	if (n == 0)
		return 0;
	output_feed(o, source, chunk, (size_t)n);
	if (raw != NULL && raw->ok && buf_add(&raw->b, chunk, (size_t)n) < 0) {
		/* Too big for VelCom: stop keeping it. */
		raw->ok = 0;
		buf_fini(&raw->b);
	}
	return 1;
}

/* Move what the result parsers had to say into the run's output. */
static void
flush_warnings(struct result *r, struct output *o)
{
	size_t i;

	for (i = 0; i < r->n_warn; i++) {
		output_addf(o, "%s", r->warn[i]);
		free(r->warn[i]);
	}
	r->n_warn = 0;
}

/* The directory for result files in any format: "results" next to the
 * result file (caller frees). */
static char *
result_dir(const struct bench_job *j)
{
	const char *slash = strrchr(j->result_file, '/');

	if (slash == NULL)
		return xstrdup("results");
	return xasprintf("%.*s/results", (int)(slash - j->result_file),
	    j->result_file);
}

/* A document that could not be read: the run's error and a line. */
static void
unreadable(struct result *r, struct output *o, const char *what)
{
	char *msg = xasprintf("%s: %s", what, err_get());

	output_addf(o, "%s", msg);
	result_add_error(r, NULL, msg);
	free(msg);
}

/*
 * The result file: tablejohn's JSON Lines (lenient: bad lines are skipped
 * with a warning), or any format fmt reads, declared by a first line
 * "#format NAME" or recognised. 1 if there is none or it is empty.
 */
static int
read_result_file(const char *path, struct result *r, struct output *o,
    struct bench_end *end)
{
	struct buf b;
	enum fmt f;
	size_t skip;
	int empty, rc;

	buf_init(&b, RESULT_MAX_FILE);
	rc = util_read_file(path, &b);
	if (rc < 0 && errno == EFBIG) {
		output_addf(o, "result file larger than %zu bytes: the rest is "
		    "ignored", RESULT_MAX_FILE);
		end_error(end, r, "result file too large");
	} else if (rc < 0 && errno != ENOENT) {
		output_addf(o, "%s", err_get());
	}
	empty = b.len == 0;
	if (!empty) {
		f = fmt_declared(b.data, b.len, &skip);
		if (f == FMT_UNKNOWN && skip == 0) {
			f = fmt_detect(b.data, b.len);
			/* Lines of JSON objects: JSON Lines, as always. */
			if (f == FMT_UNKNOWN && b.data[0] == '{')
				f = FMT_JSONL;
		}
		if (f == FMT_JSONL && skip == 0) {
			result_parse_jsonl(r, b.data, b.len);
		} else if (f == FMT_UNKNOWN && skip == 0) {
			err_wrap("result format not recognised (declare it "
			    "with a first line \"#format NAME\", NAME one of "
			    "%s)", fmt_names());
			unreadable(r, o, "result file");
		} else if (f == FMT_UNKNOWN ||
		    fmt_parse(f, r, b.data + skip, b.len - skip) < 0) {
			unreadable(r, o, "result file");
		} else {
			output_addf(o, "result file read as %s", fmt_name(f));
		}
	}
	flush_warnings(r, o);
	buf_fini(&b);
	return empty;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every file in $TJ_RESULT_DIR, by name, in the format its name or first
 * line declares, or recognised. 1 if there was none. */
static int
read_result_dir(const char *dir, struct result *r, struct output *o)
{
	struct dirent *de;
	struct buf b;
	char **names = NULL, *path, *what;
	size_t n = 0, i;
	enum fmt f;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return 1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		names = xrealloc(names, (n + 1) * sizeof(*names));
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n; i++) {
		path = xasprintf("%s/%s", dir, names[i]);
		what = xasprintf("results/%s", names[i]);
		buf_init(&b, RESULT_MAX_FILE);
		if (util_read_file(path, &b) < 0) {
			unreadable(r, o, what);
		} else if (fmt_read(r, b.data, b.len, names[i], FMT_UNKNOWN,
		    &f) < 0) {
			unreadable(r, o, what);
		} else {
			output_addf(o, "%s read as %s", what, fmt_name(f));
		}
		flush_warnings(r, o);
		buf_fini(&b);
		free(path);
		free(what);
		free(names[i]);
	}
	free(names);
	return n == 0;
}

/* stdout as a VelCom document, when nothing else gave results; a JSON
 * object that is not a readable one is the run's error. */
static void
read_velcom(const struct raw *raw, struct result *r, struct output *o)
{
	cJSON *doc;
	size_t i = 0;

	if (!raw->ok || raw->b.len == 0 || r->n > 0)
		return;
	while (i < raw->b.len && strchr(" \t\r\n", raw->b.data[i]))
		i++;
	if (i == raw->b.len || raw->b.data[i] != '{')
		return;
	if (result_parse_velcom(r, raw->b.data, raw->b.len) == 0) {
		output_addf(o, "results read from stdout (VelCom format)");
		return;
	}
	doc = cJSON_ParseWithLength(raw->b.data, raw->b.len);
	if (doc != NULL)
		unreadable(r, o, "stdout (VelCom format)");
	cJSON_Delete(doc);
}

static void
describe_status(int status, struct bench_end *end, struct result *r,
    int timed_out, int64_t timeout_ms)
{
	char msg[160];

	if (WIFEXITED(status)) {
		end->exit_code = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		end->exit_code = 128 + WTERMSIG(status);
	}
	if (timed_out)
		timeout_error(end, r, timeout_ms);
	if (WIFEXITED(status) && end->exit_code == 126) {
		/* Also what child() exits with when the setup failed. */
		snprintf(msg, sizeof(msg), "bench exited with code 126 "
		    "(not executable?)");
		end_error(end, r, msg);
	} else if (WIFEXITED(status) && end->exit_code == 127) {
		snprintf(msg, sizeof(msg), "bench exited with code 127 "
		    "(could not be run?)");
		end_error(end, r, msg);
	} else if (WIFEXITED(status) && end->exit_code != 0) {
		snprintf(msg, sizeof(msg), "bench exited with code %d",
		    end->exit_code);
		end_error(end, r, msg);
	} else if (WIFSIGNALED(status) && !timed_out) {
		snprintf(msg, sizeof(msg), "bench killed by signal %d (%s)",
		    WTERMSIG(status), strsignal(WTERMSIG(status)));
		end_error(end, r, msg);
	}
}

/* Wait up to 100 ms for the bench's stdout (*out, kept whole in raw too)
 * and stderr (*err) and read what they hold; a pipe that ended is closed
 * and set to -1. How many ended. */
static int
poll_pipes(int *out, int *err, struct output *o, struct raw *raw)
{
	struct pollfd p[2];
	int i, ended = 0;

	p[0].fd = *out;
	p[1].fd = *err;
	p[0].events = p[1].events = POLLIN;
	poll(p, 2, 100);
	for (i = 0; i < 2; i++) {
		if (p[i].fd < 0 || p[i].revents == 0)
			continue;
		if (!drain(p[i].fd, i + 1, o, i == 0 ? raw : NULL)) {
			close(p[i].fd);
			*(i == 0 ? out : err) = -1;
			ended++;
		}
	}
	return ended;
}

/* The bench (group pid), started at started, has not exited by now (ms):
 * SIGTERM it on an abort or past the timeout, SIGKILL it a grace after
 * that; *term_at is when the last signal went (0: none yet). */
static void
stop_if_due(const struct bench_job *j, struct output *o,
    struct bench_end *end, pid_t pid, int64_t started, int64_t now,
    int64_t *term_at, int *timed_out)
{
	if (*term_at == 0 && atomic_load(j->abort)) {
		end->aborted = 1;
		log_info("run %s: aborted, stopping the bench", j->run_id);
		killpg(pid, SIGTERM);
		*term_at = now;
	} else if (*term_at == 0 && j->timeout_ms > 0 &&
	    now - started >= j->timeout_ms) {
		*timed_out = 1;
		log_info("run %s: timed out, stopping the bench", j->run_id);
		output_addf(o, "timed out after %g s: SIGTERM to the bench's "
		    "process group", (double)j->timeout_ms / 1000);
		killpg(pid, SIGTERM);
		*term_at = now;
	} else if (*term_at != 0 && now - *term_at >= j->kill_grace_ms) {
		output_addf(o, "still running %lld s after SIGTERM: SIGKILL",
		    (long long)(j->kill_grace_ms / 1000));
		killpg(pid, SIGKILL);
		*term_at = now;	/* again after another grace */
	}
}

/* Long: the bench's fork, watch loop and reaping share its pids and
 * pipes. */
static int
run_script(const struct bench_job *j, struct result *r, struct output *o,
    struct bench_end *end)
{
	int out[2] = {-1, -1}, err[2] = {-1, -1}, status = 0, exited = 0;
	int reaped = 0, timed_out = 0, open_fds = 2, i, rc = -1;
	int64_t now, started, term_at = 0, exit_at = 0;
	struct raw raw;
	char *argv[3] = {NULL, NULL, NULL};
	char **env = NULL, *rdir = NULL;
	int none, wfd = -1;
	siginfo_t si;
	pid_t pid = -1, wpid = -1, self = getpid();

	buf_init(&raw.b, VELCOM_MAX);
	raw.ok = 1;
	argv[0] = xasprintf("%s/bench", j->bench_tree);
	argv[1] = xstrdup(j->tree);
	if (access(argv[0], X_OK) != 0) {
		err_set("the bench repo has no executable 'bench' at its root: "
		    "%s", strerror(errno));
		goto out;
	}
	unlink(j->result_file);
	rdir = result_dir(j);
	if (util_rmtree(rdir) < 0 || util_mkdirs(rdir) < 0)
		goto out;
	env = make_env(j, rdir);
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
		err_set("pipe: %s", strerror(errno));
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		err_set("fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0)
		child(j, out[1], err[1], argv, env, self);
	setpgid(pid, pid);	/* also here: no race with killpg below */
	close(out[1]);
	close(err[1]);
	out[1] = err[1] = -1;
	if ((wpid = watchdog_start(pid, &wfd)) < 0)
		log_warn("run %s: no watchdog (%s): if the worker dies, what "
		    "the bench started may live on", j->run_id,
		    strerror(errno));
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	fcntl(err[0], F_SETFL, O_NONBLOCK);
	started = util_mono_ms();
	log_info("run %s: bench started (pid %d)", j->run_id, (int)pid);
	while (!reaped || open_fds > 0) {
		open_fds -= poll_pipes(&out[0], &err[0], o, &raw);
		now = util_mono_ms();
		/* Notice the exit without reaping, so the group id cannot be
		 * reused before the stragglers are killed. */
		if (!exited) {
			memset(&si, 0, sizeof(si));
			if (waitid(P_PID, (id_t)pid, &si,
			    WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid) {
				exited = 1;
				exit_at = now;
			}
		}
		if (exited && !reaped &&
		    (open_fds == 0 || now - exit_at >= DRAIN_MS)) {
			killpg(pid, SIGKILL);
			watchdog_stop(&wpid, &wfd);
			if (waitpid(pid, &status, 0) == pid)
				reaped = 1;
			else
				break;
		}
		if (reaped && open_fds > 0 && now - exit_at >= 2 * DRAIN_MS)
			break;	/* someone outside the group holds a pipe */
		if (!exited)
			stop_if_due(j, o, end, pid, started, now, &term_at,
			    &timed_out);
	}
	output_flush(o);
	none = read_result_file(j->result_file, r, o, end);
	none &= read_result_dir(rdir, r, o);
	if (none)
		read_velcom(&raw, r, o);
	/* After the bench's own run-level error, ours. */
	describe_status(status, end, r, timed_out, j->timeout_ms);
	rc = 0;
out:
	watchdog_stop(&wpid, &wfd);
	for (i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (err[i] >= 0)
			close(err[i]);
	}
	if (env)
		free_env(env);
	free(argv[0]);
	free(argv[1]);
	free(rdir);
	buf_fini(&raw.b);
	return rc;
}

int
bench_run(const struct bench_job *j, struct result *r, struct output *o,
    struct bench_end *end)
{
	int rc;

	memset(end, 0, sizeof(*end));
	if (j->bench_tree != NULL)
		return run_script(j, r, o, end);
	rc = internal_count(j->tree, r, o, j->abort, j->timeout_ms > 0 ?
	    util_mono_ms() + j->timeout_ms : 0);
	if (rc == 1) {
		end->aborted = 1;
	} else if (rc == 2) {
		timeout_error(end, r, j->timeout_ms);
	} else if (rc < 0) {
		end_error(end, r, err_get());
	}
	return 0;
}
