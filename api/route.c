/* route: the route table and MHD's access handler (auth, bodies, 404s). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "err.h"
#include "log.h"

static const struct route routes[] = {
	{"POST", "/api/worker/status", status_handle},
	{"GET", "/api/worker/repo/", tree_repo},
	{"GET", "/api/worker/bench_repo/", tree_bench_repo},
	/* The original design's spelling. */
	{"GET", "/api/worker/bench-repo/", tree_bench_repo},
};

#define N_ROUTES (sizeof(routes) / sizeof(routes[0]))

/* con_cls of a request answered on its first call. */
static char answered;

double
api_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double
api_reserve_cutoff(const struct api *api, double now)
{
	if (now - api->worker_timeout < api->started)
		return 0;
	return now - api->worker_timeout;
}

/* A response holding body as JSON (the tree is freed); NULL on failure. */
static struct MHD_Response *
json_response(cJSON *body)
{
	struct MHD_Response *resp;
	char *s = cJSON_PrintUnformatted(body);

	cJSON_Delete(body);
	if (s == NULL)
		abort();	/* cJSON fails only when out of memory */
	resp = MHD_create_response_from_buffer(strlen(s), s,
	    MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(s);
		return NULL;
	}
	MHD_add_response_header(resp, "Content-Type", "application/json");
	return resp;
}

enum MHD_Result
route_reply(struct MHD_Connection *c, unsigned status, cJSON *body)
{
	struct MHD_Response *resp = json_response(body);
	enum MHD_Result ret;

	if (resp == NULL)
		return MHD_NO;
	ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static cJSON *
error_body(const char *field, const char *msg)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddStringToObject(j, "error", msg);
	if (field != NULL && field[0] != '\0')
		cJSON_AddStringToObject(j, "field", field);
	return j;
}

enum MHD_Result
route_error(struct MHD_Connection *c, unsigned status, const char *field,
    const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return route_reply(c, status, error_body(field, msg));
}

enum MHD_Result
auth_fail(struct MHD_Connection *c, const char *why)
{
	struct MHD_Response *resp = json_response(error_body(NULL, why));
	enum MHD_Result ret;

	if (resp == NULL)
		return MHD_NO;
	ret = MHD_queue_basic_auth_fail_response(c, "tablejohn", resp);
	MHD_destroy_response(resp);
	return ret;
}

/* The route for url, or NULL; *allow gets the method a path match wants. */
static const struct route *
find(const char *url, const char *method, const char **rest,
    const char **allow)
{
	size_t i, n;

	*allow = NULL;
	if (strcmp(method, "HEAD") == 0)
		method = "GET";
	for (i = 0; i < N_ROUTES; i++) {
		n = strlen(routes[i].path);
		if (routes[i].path[n - 1] == '/' ?
		    strncmp(url, routes[i].path, n) != 0 :
		    strcmp(url, routes[i].path) != 0)
			continue;
		if (strcmp(method, routes[i].method) != 0) {
			*allow = routes[i].method;
			continue;
		}
		*rest = url + n;
		return &routes[i];
	}
	return NULL;
}

static enum MHD_Result
not_allowed(struct MHD_Connection *c, const char *allow)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = json_response(error_body(NULL, "method not allowed"));
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, "Allow",
	    strcmp(allow, "GET") == 0 ? "GET, HEAD" : allow);
	ret = MHD_queue_response(c, MHD_HTTP_METHOD_NOT_ALLOWED, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result
too_large(struct api *api, struct MHD_Connection *c)
{
	char msg[128];
	cJSON *j;

	snprintf(msg, sizeof(msg), "request body larger than %zu bytes",
	    api->max_upload);
	j = error_body(NULL, msg);
	/* The limit as a number, so a worker can fit its result under it. */
	cJSON_AddNumberToObject(j, "max_upload", (double)api->max_upload);
	return route_reply(c, MHD_HTTP_CONTENT_TOO_LARGE, j);
}

/* The first call for a request: route, auth, size from Content-Length. */
static enum MHD_Result
begin(struct api *api, struct MHD_Connection *c, const char *url,
    const char *method, void **con_cls)
{
	const struct route *rt;
	const char *rest, *allow, *why, *cl;
	struct req *r;
	char name[65];

	/* Counted until route_completed, so shutdown can wait for it; a
	 * request answered now carries the sentinel. */
	api->inflight++;
	*con_cls = &answered;
	rt = find(url, method, &rest, &allow);
	if (rt == NULL && allow != NULL)
		return not_allowed(c, allow);
	if (rt == NULL)
		return route_error(c, MHD_HTTP_NOT_FOUND, NULL, "not found");
	if (auth_check(api, c, name, &why) < 0) {
		/* The route, not the URL: the URL is the client's text. */
		log_info("401 %s %s: %s", rt->method, rt->path, why);
		return auth_fail(c, why);
	}
	cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl != NULL && strtoull(cl, NULL, 10) > api->max_upload)
		return too_large(api, c);
	if (strcmp(rt->method, "GET") == 0) {
		struct req get;

		memset(&get, 0, sizeof(get));
		get.route = rt;
		get.head = strcmp(method, "HEAD") == 0;
		return rt->fn(api, c, &get, rest);
	}
	r = xcalloc(1, sizeof(*r));
	r->route = rt;
	memcpy(r->name, name, sizeof(name));
	buf_init(&r->body, api->max_upload);
	*con_cls = r;
	return MHD_YES;
}

enum MHD_Result
route_request(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct api *api = cls;
	struct req *r = *con_cls;
	const char *rest, *allow;

	(void)version;
	if (r == NULL)
		return begin(api, c, url, method, con_cls);
	if (*con_cls == &answered)
		return MHD_NO;	/* answered already: not called again */
	if (*upload_size > 0) {
		/* Count as it arrives; past the cap keep nothing. */
		if (!r->too_big && buf_add(&r->body, upload, *upload_size) < 0) {
			r->too_big = 1;
			buf_fini(&r->body);
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (r->too_big)
		return too_large(api, c);
	if (find(url, method, &rest, &allow) != r->route)
		return MHD_NO;
	return r->route->fn(api, c, r, rest);
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t
route_unescape(void *cls, struct MHD_Connection *c, char *uri)
{
	char *r = uri, *w = uri;
	int hi, lo;

	(void)cls;
	(void)c;
	while (*r != '\0') {
		if (r[0] == '%' && (hi = hexval(r[1])) >= 0 &&
		    (lo = hexval(r[2])) >= 0 && (hi | lo) != 0) {
			*w++ = (char)(hi * 16 + lo);
			r += 3;
		} else
			*w++ = *r++;
	}
	*w = '\0';
	return (size_t)(w - uri);
}

void
route_completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct api *api = cls;
	struct req *r = *con_cls;

	(void)c;
	(void)toe;
	if (r == NULL)
		return;
	api->inflight--;
	*con_cls = NULL;
	if (r == (void *)&answered)
		return;
	buf_fini(&r->body);
	free(r);
}
