/* tj-worker: polls tablejohn servers, runs benchmarks, submits the results.
 * This file: options, start-up, signals and the main loop; server talk is
 * in server.c, a run in run.c. */
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

volatile sig_atomic_t worker_signal;
static atomic_int *abort_flag;

/* The command line, borrowed from argv. */
struct args {
	const char *config, *server, *name, *dir;
	char *token;		/* a copy: argv's is overwritten */
};

static void
on_signal(int sig)
{
	worker_signal = sig;
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
	    "  --help, --version\n"
	    "\n"
	    "tj-worker submit --server URL --commit REV [--format F] FILE\n"
	    "sends results made elsewhere (tj-worker submit --help).\n",
	    EXIT_SPOOLED);
}

static int
setup_dirs(struct worker *w)
{
	char *lock;
	int fd;

	if (worker_own_dir(w) < 0)
		return -1;
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
	if (util_mkdirs(w->runs) < 0)
		return -1;
	/* What a killed worker left (we hold the lock: it is dead). */
	if (!w->keep)
		run_clean_stale(w);
	return 0;
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

static void
cleanup(struct worker *w)
{
	server_cleanup(w);
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

	while (ms > 0 && !worker_signal) {
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

	while (!worker_signal) {
		server_submit_pending(w);
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
			if ((r = server_ask_for_run(w)) > 0) {
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
		wake = server_pending_wake(w);
		if (next_ask < wake)
			wake = next_ask;
		nap(wake - now);
	}
	return 0;
}

/* Read the options into *a and w's flags; -1 to go on, else the exit
 * status. */
static int
parse_args(int argc, char **argv, struct worker *w, struct args *a)
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
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'c': a->config = optarg; break;
		case 's': a->server = optarg; break;
		case 't':
			free(a->token);
			a->token = xstrdup(optarg);
			/* Keep it out of ps(1) where we can. */
			memset(optarg, 'x', strlen(optarg));
			break;
		case 'n': a->name = optarg; break;
		case 'd': a->dir = optarg; break;
		case 'o': w->once = 1; break;
		case 'k': w->keep = 1; break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("tj-worker %s\n", TJ_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	return -1;
}

/* The config from its file and the options; 0, or -1 logged. */
static int
configure(struct worker *w, const struct args *a, const char *env_token)
{
	struct worker_opts o = {a->config, a->server, a->name, a->dir,
	    a->token};

	if (worker_configure(w, &o, env_token) < 0)
		return -1;
	if (w->cfg.worker_ping <= 0) {
		log_error("[worker] ping must be positive");
		return -1;
	}
	return 0;
}

/* Servers, dirs, identity and the spool; 0, or -1 logged. */
static int
start_up(struct worker *w, const char *env_token)
{
	if (fetch_global_init() < 0 || server_setup(w, env_token) < 0 ||
	    setup_dirs(w) < 0) {
		log_error("%s", err_get());
		return -1;
	}
	unsetenv("TJ_TOKEN");
	make_identity(w);
	if (spool_list(w->spool, &w->pending, &w->n_pending) < 0) {
		log_error("%s", err_get());
		return -1;
	}
	if (w->n_pending > 0)
		log_info("%zu run(s) in the spool: submitting them first",
		    w->n_pending);
	return 0;
}

/* Install the signal handlers and start the ping thread; 0, or -1
 * logged. */
static int
start_ping(struct worker *w, pthread_t *ping)
{
	struct sigaction sa;
	sigset_t mask, old;
	int c;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	abort_flag = &w->abort;
	/* The ping thread never takes the signals (it inherits the mask). */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &mask, &old);
	c = pthread_create(ping, NULL, server_ping_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (c != 0) {
		log_error("pthread_create: %s", strerror(c));
		return -1;
	}
	return 0;
}

static void
stop_ping(struct worker *w, pthread_t ping)
{
	pthread_mutex_lock(&w->lock);
	w->quit = 1;
	pthread_cond_broadcast(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(ping, NULL);
}

int
main(int argc, char **argv)
{
	const char *env_token = getenv("TJ_TOKEN");
	struct args a;
	struct worker w;
	pthread_t ping;
	int rc = 1, started = 0;

	log_init("tj-worker", LOG_INFO);
	if (argc > 1 && strcmp(argv[1], "submit") == 0)
		return submit_main(argc - 1, argv + 1);
	memset(&a, 0, sizeof(a));
	memset(&w, 0, sizeof(w));
	config_init(&w.cfg);
	output_init(&w.out, NULL);
	pthread_mutex_init(&w.lock, NULL);
	pthread_cond_init(&w.wake, NULL);
	if ((rc = parse_args(argc, argv, &w, &a)) >= 0)
		goto out;
	rc = 1;
	if (configure(&w, &a, env_token) < 0 || start_up(&w, env_token) < 0 ||
	    start_ping(&w, &ping) < 0)
		goto out;
	started = 1;
	log_info("worker %s: %zu server(s), dir %s", w.cfg.worker_name,
	    w.n_sv, w.dir);
	rc = loop(&w);
	if (worker_signal)
		log_info("stopping (signal %d)", (int)worker_signal);
out:
	if (started)
		stop_ping(&w, ping);
	abort_flag = NULL;
	free(a.token);
	cleanup(&w);
	pthread_mutex_destroy(&w.lock);
	pthread_cond_destroy(&w.wake);
	return rc;
}
