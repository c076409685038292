/* tj-api: the worker API server (docs/protocol.md). */
#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <git2.h>

#include "api.h"
#include "err.h"
#include "log.h"
#include "token.h"

#define THREADS 4
/* How long shutdown waits for requests in flight. */
#define DRAIN_SECS 10

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: tj-api [--config F] [--listen ADDR:PORT] [--db PATH]\n"
	    "              [--repo PATH] [--token-file F] [--local-worker]\n"
	    "              [--no-render] [--verbose]\n"
	    "\n"
	    "Serves the worker API (/api/worker/*, see docs/protocol.md) on\n"
	    "ADDR:PORT (default 127.0.0.1:8221), stores what workers report in\n"
	    "the db, re-renders the changed pages, updates the repo every\n"
	    "[repo] update and on SIGHUP. The worker token comes from\n"
	    "--token-file, TJ_TOKEN or [api] token; else one is generated once\n"
	    "and kept in the db. --local-worker also runs tj-worker (from the\n"
	    "same directory as tj-api) against this server. --no-render leaves\n"
	    "the changed pages to `tj-gen render`.\n"
	    "\n"
	    "Exit status: 0 after SIGTERM/SIGINT, 1 on errors, 2 on bad usage.\n");
}

/*
 * libmicrohttpd's messages, each at most once per MHD_LOG_EVERY seconds
 * (with how many were left out): a flood of connections must not become a
 * flood of log lines.
 */
#define MHD_LOG_EVERY 10

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	static struct {
		char fmt[128];
		time_t t;
		unsigned long skipped;
	} seen[8];
	static unsigned next;
	char msg[1024];
	unsigned long skipped = 0;
	time_t now = time(NULL);
	size_t n, i;

	(void)cls;
	pthread_mutex_lock(&mu);
	for (i = 0; i < sizeof(seen) / sizeof(seen[0]); i++)
		if (strcmp(seen[i].fmt, fmt) == 0)
			break;
	if (i < sizeof(seen) / sizeof(seen[0]) &&
	    now - seen[i].t < MHD_LOG_EVERY) {
		seen[i].skipped++;
		pthread_mutex_unlock(&mu);
		return;
	}
	if (i == sizeof(seen) / sizeof(seen[0])) {
		i = next++ % (sizeof(seen) / sizeof(seen[0]));
		snprintf(seen[i].fmt, sizeof(seen[i].fmt), "%s", fmt);
		seen[i].skipped = 0;
	}
	skipped = seen[i].skipped;
	seen[i].skipped = 0;
	seen[i].t = now;
	pthread_mutex_unlock(&mu);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	if (skipped > 0)
		log_warn("http: %s (%lu more like it not logged)", msg,
		    skipped);
	else
		log_warn("http: %s", msg);
}

/* Read the token from a file: its first line, trailing space cut. */
static char *
read_token_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	size_t n;

	if (f == NULL) {
		err_set("%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fgets(line, sizeof(line), f) == NULL)
		line[0] = '\0';
	fclose(f);
	n = strlen(line);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' ||
	    line[n - 1] == ' ' || line[n - 1] == '\t'))
		line[--n] = '\0';
	if (n == 0) {
		err_set("%s: no token in the file", path);
		return NULL;
	}
	return xstrdup(line);
}

/* The token from the db, made and stored on first use. */
static char *
db_token(struct api *api)
{
	struct db *db = pool_get(&api->pool);
	char *t;
	int made;

	if (db == NULL)
		return NULL;
	t = token_db(db, &made);
	if (t != NULL && made)
		log_info("generated a new worker token");
	if (t != NULL)
		fprintf(stderr, "tj-api: the worker token is kept in %s; print "
		    "it with: tj-gen token --db %s\n", api->cfg.db_path,
		    api->cfg.db_path);
	pool_put(&api->pool, db);
	return t;
}

/* Parse ADDR:PORT ([v6]:PORT too) into *ss. */
static int
parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	struct addrinfo hints, *res = NULL;
	const char *colon = strrchr(s, ':');
	char host[256];
	size_t hl;
	int r;

	if (colon == NULL || colon[1] == '\0') {
		err_set("listen address %s: want ADDR:PORT", s);
		return -1;
	}
	hl = (size_t)(colon - s);
	if (hl >= 2 && s[0] == '[' && s[hl - 1] == ']') {
		s++;
		hl -= 2;
	}
	if (hl == 0 || hl >= sizeof(host)) {
		err_set("listen address %s: want ADDR:PORT", s);
		return -1;
	}
	memcpy(host, s, hl);
	host[hl] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	r = getaddrinfo(host, colon + 1, &hints, &res);
	if (r != 0) {
		err_set("listen address %s: %s", s, gai_strerror(r));
		return -1;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

/* The URL a local client reaches us at: a wildcard address becomes the
 * loopback one. */
static char *
local_url(const struct sockaddr_storage *ss, unsigned port)
{
	char host[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;

		if (IN6_IS_ADDR_UNSPECIFIED(&a->sin6_addr))
			return xasprintf("http://[::1]:%u", port);
		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
		return xasprintf("http://[%s]:%u", host, port);
	}
	{
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;

		if (a->sin_addr.s_addr == htonl(INADDR_ANY))
			return xasprintf("http://127.0.0.1:%u", port);
		inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
		return xasprintf("http://%s:%u", host, port);
	}
}

static int
setup_token(struct api *api, const char *token_file)
{
	const char *env = getenv("TJ_TOKEN");

	if (token_file != NULL)
		api->token = read_token_file(token_file);
	else if (env != NULL && env[0] != '\0')
		api->token = xstrdup(env);
	else if (api->cfg.api_token != NULL && api->cfg.api_token[0] != '\0')
		api->token = xstrdup(api->cfg.api_token);
	else
		api->token = db_token(api);
	return api->token == NULL ? -1 : 0;
}

/* Descriptors kept for the db, the repo, trees and logs besides the
 * connections. */
#define FD_RESERVE 128

/*
 * How many connections tj-api takes at once: [api] max-connections (0: as
 * many as descriptors allow), within the descriptor limit, whose soft
 * value is raised towards the hard one to make room.
 */
static unsigned
connection_limit(struct api *api)
{
	int64_t want = api->cfg.api_max_connections;
	struct rlimit rl;
	rlim_t need;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return want > 0 ? (unsigned)want : 1000;
	need = want > 0 ? (rlim_t)want + FD_RESERVE : rl.rlim_max;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ||
		    rl.rlim_max > need ? need : rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 1000000)
		rl.rlim_cur = 1000000;
	if (rl.rlim_cur < 2 * FD_RESERVE)
		rl.rlim_cur = 2 * FD_RESERVE;
	if (want == 0 || (rlim_t)want + FD_RESERVE > rl.rlim_cur) {
		if (want != 0)
			log_warn("[api] max-connections %lld: the descriptor "
			    "limit (ulimit -n %llu) allows %llu", (long long)want,
			    (unsigned long long)rl.rlim_cur,
			    (unsigned long long)(rl.rlim_cur - FD_RESERVE));
		want = (int64_t)(rl.rlim_cur - FD_RESERVE);
	}
	return (unsigned)want;
}

/* Long: tj-api's lifetime in order (signals, daemon, local worker, signal
 * loop, shutdown); each step uses the state the one before set up. */
static int
serve(struct api *api, int local_worker)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	struct MHD_Daemon *d = NULL;
	const union MHD_DaemonInfo *info;
	sigset_t set;
	unsigned port = 0, limit;
	int sig, rc = 1, i, r;
	siginfo_t si;
	struct timespec tick = {0, 250000000L};

	if (parse_listen(api->cfg.api_listen, &ss, &sslen) < 0)
		return 1;
	(void)sslen;
	/* Signals go to this thread only, through sigtimedwait. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	limit = connection_limit(api);
	if (bg_start(api) < 0) {
		log_error("%s", err_get());
		goto out;
	}
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
	    MHD_USE_ERROR_LOG | MHD_USE_ITC |
	    (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
	    0, conn_accept, api, route_request, api,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)THREADS,
	    MHD_OPTION_NOTIFY_COMPLETED, route_completed, api,
	    /* Idle and half-sent connections are bounded: in number, per
	     * client address and in time (a connection silent for
	     * request-timeout is closed, whatever its state). */
	    MHD_OPTION_CONNECTION_LIMIT, limit,
	    MHD_OPTION_NOTIFY_CONNECTION, conn_notify, api,
	    MHD_OPTION_UNESCAPE_CALLBACK, route_unescape, api,
	    MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned)((api->cfg.api_request_timeout + 999) / 1000),
	    MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
	    MHD_OPTION_END);
	if (d == NULL) {
		log_error("cannot listen on %s (in use, or not an address of "
		    "this machine?)", api->cfg.api_listen);
		goto out;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	if (info != NULL)
		port = info->port;
	log_info("listening on %s (port %u, %u connections), db %s, repo %s%s%s",
	    api->cfg.api_listen, port, limit, api->cfg.db_path,
	    api->have_repo ? api->cfg.repo_path : "(none)",
	    api->cfg.bench_repo ? ", bench repo " : "",
	    api->cfg.bench_repo ? api->cfg.bench_repo : "");
	if (local_worker) {
		char *url = local_url(&ss, port);

		r = local_start(api, url);
		free(url);
		if (r < 0) {
			log_error("%s", err_get());
			goto out;
		}
	}
	for (;;) {
		sig = sigtimedwait(&set, &si, &tick);
		if (sig == SIGTERM || sig == SIGINT)
			break;
		if (sig == SIGHUP) {
			log_info("SIGHUP: updating the repo");
			bg_update_now(api);
		}
		local_tick(api);
	}
	log_info("shutting down");
	rc = 0;
	/* Stop accepting, then let the requests in flight finish (idle
	 * keep-alive connections are not waited for). */
	MHD_quiesce_daemon(d);
	for (i = 0; i < DRAIN_SECS * 100 && api->inflight > 0; i++)
		usleep(10 * 1000);
	if (api->inflight > 0)
		log_warn("%d request(s) still running after %d s: cut",
		    (int)api->inflight, DRAIN_SECS);
out:
	local_stop();
	if (d != NULL)
		MHD_stop_daemon(d);
	bg_stop(api);
	conn_fini();
	if (api->refused > 0)
		log_info("%lu connection(s) refused over [api] "
		    "max-connections-per-ip", (unsigned long)api->refused);
	return rc;
}

/* Long: options, then setup in order, each failure with its own message; no
 * part stands alone. */
int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"listen", required_argument, NULL, 'l'},
		{"db", required_argument, NULL, 'd'},
		{"repo", required_argument, NULL, 'r'},
		{"token-file", required_argument, NULL, 't'},
		{"local-worker", no_argument, NULL, 'L'},
		{"no-render", no_argument, NULL, 'N'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	struct api api;
	const char *config = NULL, *listen = NULL, *dbp = NULL, *repo = NULL;
	const char *token_file = NULL;
	git_repository *r = NULL;
	struct db *db;
	int c, local_worker = 0, rc = 1;

	memset(&api, 0, sizeof(api));
	log_init("tj-api", LOG_INFO);
	/* libarchive writes tar paths as UTF-8 from this locale's charset. */
	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
		setlocale(LC_CTYPE, "");
	while ((c = getopt_long(argc, argv, "c:l:d:r:t:Lvh", opts,
	    NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'l': listen = optarg; break;
		case 'd': dbp = optarg; break;
		case 'r': repo = optarg; break;
		case 't': token_file = optarg; break;
		case 'L': local_worker = 1; break;
		case 'N': api.bg.no_render = 1; break;
		case 'v': log_set_level(LOG_DEBUG); break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("tj-api %s\n", TJ_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "tj-api: unexpected argument '%s'\n",
		    argv[optind]);
		usage(stderr);
		return 2;
	}
	config_init(&api.cfg);
	if (config_load(&api.cfg, config) < 0 ||
	    (listen && config_set(&api.cfg, "api.listen", listen) < 0) ||
	    (dbp && config_set(&api.cfg, "db.path", dbp) < 0) ||
	    (repo && config_set(&api.cfg, "repo.path", repo) < 0)) {
		fprintf(stderr, "tj-api: %s\n", err_get());
		config_fini(&api.cfg);
		return 2;
	}
	config_finish(&api.cfg);
	api.worker_timeout = (double)api.cfg.api_worker_timeout / 1000.0;
	api.started = api_now();
	api.max_upload = (size_t)api.cfg.api_max_upload;
	api.seen_slack = api.worker_timeout / 10 < 1 ? api.worker_timeout / 10
	    : 1;
	pthread_mutex_init(&api.write_mu, NULL);
	git_libgit2_init();
	if (git_repository_open_ext(&r, api.cfg.repo_path,
	    GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) == 0) {
		api.have_repo = 1;
		api.bg.do_update = 1;
	} else if (repo != NULL) {
		log_error("%s: not a git repository", api.cfg.repo_path);
		goto out;
	}
	git_repository_free(r);
	pool_init(&api.pool, api.cfg.db_path);
	/* Fail now, not at the first request, if the db cannot be opened. */
	db = pool_get(&api.pool);
	if (db == NULL) {
		log_error("%s", err_get());
		goto out_pool;
	}
	pool_put(&api.pool, db);
	if (setup_token(&api, token_file) < 0) {
		log_error("%s", err_get());
		goto out_pool;
	}
	rc = serve(&api, local_worker);
out_pool:
	pool_fini(&api.pool);
out:
	if (api.token != NULL)
		explicit_bzero(api.token, strlen(api.token));
	free(api.token);
	config_fini(&api.cfg);
	pthread_mutex_destroy(&api.write_mu);
	git_libgit2_shutdown();
	return rc;
}
