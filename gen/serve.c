/* serve: `tj-gen serve`: a local preview of out/ over HTTP (libmicrohttpd). */
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include "buf.h"
#include "err.h"
#include "gen.h"
#include "log.h"

struct serve {
	char root[PATH_MAX];	/* realpath of the out dir */
	size_t rootlen;
};

static const struct {
	const char *ext, *type;
} mime[] = {
	{".html", "text/html; charset=utf-8"},
	{".css", "text/css; charset=utf-8"},
	{".js", "text/javascript; charset=utf-8"},
	{".json", "application/json"},
	{".xml", "application/atom+xml"},
	{".svg", "image/svg+xml"},
	{".png", "image/png"},
	{".ico", "image/x-icon"},
	{".txt", "text/plain; charset=utf-8"},
	{".woff2", "font/woff2"},
};

static const char *
mime_type(const char *path)
{
	size_t n = strlen(path), e, i;

	for (i = 0; i < sizeof(mime) / sizeof(mime[0]); i++) {
		e = strlen(mime[i].ext);
		if (n >= e && strcasecmp(path + n - e, mime[i].ext) == 0)
			return mime[i].type;
	}
	return "application/octet-stream";
}

static enum MHD_Result
reply(struct MHD_Connection *conn, unsigned status, const char *text)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(strlen(text), xstrdup(text),
	    MHD_RESPMEM_MUST_FREE);
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type",
	    "text/plain; charset=utf-8");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* 1 if the URL path has a ".." or "." segment or a backslash. */
static int
bad_path(const char *url)
{
	const char *p = url;
	size_t n;

	if (*url != '/' || strchr(url, '\\') != NULL)
		return 1;
	while (*p) {
		p++;
		n = strcspn(p, "/");
		if ((n == 2 && p[0] == '.' && p[1] == '.') ||
		    (n == 1 && p[0] == '.'))
			return 1;
		p += n;
	}
	return 0;
}

/* The 404.html nearest above url (a site served under a prefix has its
 * own), opened, or -1. */
static int
open_404(struct serve *s, const char *url)
{
	char *dir = xstrdup(url), *slash, *path, real[PATH_MAX];
	struct stat st;
	int fd = -1;

	while ((slash = strrchr(dir, '/')) != NULL) {
		*slash = '\0';
		path = xasprintf("%s%s/404.html", s->root, dir);
		/* Not through a symlink out of the served directory. */
		if (realpath(path, real) != NULL &&
		    strncmp(real, s->root, s->rootlen) == 0 &&
		    real[s->rootlen] == '/')
			fd = open(real, O_RDONLY | O_CLOEXEC);
		free(path);
		if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
			break;
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	free(dir);
	return fd;
}

/* A missing path: the site's 404.html with status 404, as static hosts
 * serve it (its script takes commit/<hash>/ of a commit without a page to
 * its shard page), else a line of text. */
static enum MHD_Result
not_found(struct serve *s, struct MHD_Connection *conn, const char *url)
{
	struct MHD_Response *resp;
	struct stat st;
	enum MHD_Result ret;
	int fd = open_404(s, url);

	if (fd < 0 || fstat(fd, &st) < 0) {
		if (fd >= 0)
			close(fd);
		return reply(conn, MHD_HTTP_NOT_FOUND, "not found\n");
	}
	resp = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
	if (resp == NULL) {
		close(fd);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type",
	    "text/html; charset=utf-8");
	MHD_add_response_header(resp, "Cache-Control", "no-cache");
	ret = MHD_queue_response(conn, MHD_HTTP_NOT_FOUND, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct serve *s = cls;
	struct MHD_Response *resp;
	struct stat st;
	char *path = NULL, real[PATH_MAX], *loc;
	enum MHD_Result ret;
	int fd;

	(void)version;
	(void)upload;
	(void)upload_size;
	(void)con_cls;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "only GET and HEAD\n");
	if (bad_path(url))
		return reply(conn, MHD_HTTP_BAD_REQUEST, "bad path\n");
	path = xasprintf("%s%s", s->root, url);
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		if (url[strlen(url) - 1] != '/') {
			/* Directory without its slash: relative links
			 * need it. */
			free(path);
			loc = xasprintf("%s/", url);
			resp = MHD_create_response_from_buffer(0, NULL,
			    MHD_RESPMEM_PERSISTENT);
			if (resp == NULL) {
				free(loc);
				return MHD_NO;
			}
			MHD_add_response_header(resp, "Location", loc);
			ret = MHD_queue_response(conn,
			    MHD_HTTP_MOVED_PERMANENTLY, resp);
			MHD_destroy_response(resp);
			free(loc);
			return ret;
		}
		loc = xasprintf("%sindex.html", path);
		free(path);
		path = loc;
	}
	/* Symlinks must not lead out of the served directory. */
	if (realpath(path, real) == NULL ||
	    strncmp(real, s->root, s->rootlen) != 0 ||
	    (real[s->rootlen] != '/' && real[s->rootlen] != '\0')) {
		free(path);
		return not_found(s, conn, url);
	}
	fd = open(real, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		free(path);
		return not_found(s, conn, url);
	}
	resp = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
	if (resp == NULL) {
		close(fd);
		free(path);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", mime_type(real));
	MHD_add_response_header(resp, "Cache-Control", "no-cache");
	ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	free(path);
	return ret;
}

/* Parse ADDR:PORT (IPv4, or [IPv6]:PORT) into ss. 0 or -1. */
static int
parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	const char *colon = strrchr(s, ':');
	char host[128], *end;
	long port;

	if (colon == NULL || (size_t)(colon - s) >= sizeof(host))
		return -1;
	port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || colon[1] == '\0' || port < 0 || port > 65535)
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		host[strlen(host) - 1] = '\0';
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*in6);
		return inet_pton(AF_INET6, host + 1, &in6->sin6_addr) == 1 ?
		    0 : -1;
	}
	in4->sin_family = AF_INET;
	in4->sin_port = htons((uint16_t)port);
	*len = sizeof(*in4);
	return inet_pton(AF_INET, host, &in4->sin_addr) == 1 ? 0 : -1;
}

static int
serve_opt(struct gen *g, void *ctx, int c, const char *arg)
{
	(void)g;
	if (c != 'l')
		return -1;
	*(const char **)ctx = arg;
	return 0;
}

int
cmd_serve(struct gen *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{"listen", required_argument, NULL, 'l'},
		GEN_OPTIONS
	};
	const char *listen = "127.0.0.1:8000";
	struct sockaddr_storage ss;
	const union MHD_DaemonInfo *info;
	struct MHD_Daemon *d;
	struct serve s;
	socklen_t sl;
	sigset_t set;
	char host[INET6_ADDRSTRLEN + 2];
	unsigned port;
	int rc, sig;

	rc = gen_parse(g, argc, argv, opts, serve_opt, &listen, NULL);
	if (rc >= 0)
		return rc;
	if (parse_listen(listen, &ss, &sl) < 0)
		return gen_usage(g, "--listen wants ADDR:PORT (127.0.0.1:8000 "
		    "or [::1]:8000), not '%s'", listen);
	if (gen_setup(g, 0) < 0)
		return EXIT_ERR;
	if (realpath(g->cfg.site_out, s.root) == NULL) {
		err_set("%s: %s (render the site first: tj-gen render)",
		    g->cfg.site_out, strerror(errno));
		return gen_fail(g);
	}
	s.rootlen = strlen(s.root);
	/* Signals go to sigwait below, not to the server's thread. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_ERROR_LOG | (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
	    0, NULL, NULL, handle, &s, MHD_OPTION_SOCK_ADDR,
	    (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned)30, MHD_OPTION_END);
	if (d == NULL) {
		err_set("cannot listen on %s: %s", listen, strerror(errno));
		return gen_fail(g);
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	port = info ? info->port : 0;
	if (ss.ss_family == AF_INET6) {
		char a6[INET6_ADDRSTRLEN];

		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr,
		    a6, sizeof(a6));
		snprintf(host, sizeof(host), "[%s]", a6);
	} else
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr,
		    host, sizeof(host));
	printf("serving %s at http://%s:%u/ (Ctrl-C stops)\n", s.root, host,
	    port);
	fflush(stdout);
	sigwait(&set, &sig);
	MHD_stop_daemon(d);
	log_info("stopped by signal %d", sig);
	return EXIT_OK;
}
