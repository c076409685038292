/* fetch: the worker's HTTP requests (libcurl): status posts and tree downloads. */
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "err.h"
#include "worker.h"

/* Status replies are small; a tree download has no overall time limit, but
 * stalls (under 1 KiB/s for a minute) end it. */
#define CONNECT_TIMEOUT_MS 10000L
#define STATUS_TIMEOUT_MS 60000L
#define REPLY_MAX (1024 * 1024)
#define ERROR_BODY_MAX 2048

struct fetch {
	CURL *h;
	char err[CURL_ERROR_SIZE];
	struct curl_slist *json_headers;
};

int
fetch_global_init(void)
{
	CURLcode c = curl_global_init(CURL_GLOBAL_DEFAULT);

	if (c != CURLE_OK) {
		err_set("curl_global_init: %s", curl_easy_strerror(c));
		return -1;
	}
	return 0;
}

struct fetch *
fetch_new(const char *user, const char *password)
{
	struct fetch *f = xcalloc(1, sizeof(*f));

	if ((f->h = curl_easy_init()) == NULL)
		abort();
	curl_easy_setopt(f->h, CURLOPT_USERNAME, user);
	curl_easy_setopt(f->h, CURLOPT_PASSWORD, password ? password : "");
	curl_easy_setopt(f->h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	curl_easy_setopt(f->h, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS);
	curl_easy_setopt(f->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(f->h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(f->h, CURLOPT_ERRORBUFFER, f->err);
	curl_easy_setopt(f->h, CURLOPT_USERAGENT, "tj-worker/" TJ_VERSION);
	curl_easy_setopt(f->h, CURLOPT_PROTOCOLS_STR, "http,https");
	f->json_headers = curl_slist_append(NULL,
	    "Content-Type: application/json");
	return f;
}

void
fetch_free(struct fetch *f)
{
	if (f == NULL)
		return;
	curl_easy_cleanup(f->h);
	curl_slist_free_all(f->json_headers);
	free(f);
}

static size_t
to_buf(char *p, size_t size, size_t n, void *arg)
{
	/* Over the cap: 0 makes curl fail the transfer. */
	return buf_add(arg, p, size * n) < 0 ? 0 : size * n;
}

/* curl's message for c, preferring the error buffer's details. */
static void
set_curl_error(struct fetch *f, const char *url, CURLcode c)
{
	err_set("%s: %s", url, f->err[0] ? f->err : curl_easy_strerror(c));
}

int
fetch_post_json(struct fetch *f, const char *url, const char *body,
    struct buf *reply, long *status)
{
	CURLcode c;

	*status = 0;
	buf_reset(reply);
	f->err[0] = '\0';
	curl_easy_setopt(f->h, CURLOPT_URL, url);
	curl_easy_setopt(f->h, CURLOPT_HTTPGET, 0L);
	curl_easy_setopt(f->h, CURLOPT_POST, 1L);
	curl_easy_setopt(f->h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(f->h, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)strlen(body));
	curl_easy_setopt(f->h, CURLOPT_HTTPHEADER, f->json_headers);
	curl_easy_setopt(f->h, CURLOPT_TIMEOUT_MS, STATUS_TIMEOUT_MS);
	curl_easy_setopt(f->h, CURLOPT_LOW_SPEED_LIMIT, 0L);
	curl_easy_setopt(f->h, CURLOPT_WRITEFUNCTION, to_buf);
	curl_easy_setopt(f->h, CURLOPT_WRITEDATA, reply);
	c = curl_easy_perform(f->h);
	curl_easy_getinfo(f->h, CURLINFO_RESPONSE_CODE, status);
	if (c != CURLE_OK) {
		set_curl_error(f, url, c);
		return -1;
	}
	return 0;
}

/* A download driven from libarchive's reads through curl's multi API. */
struct stream {
	struct fetch *f;
	const char *url;
	CURLM *m;
	struct buf data;	/* bytes not yet handed to libarchive */
	struct buf errbody;	/* the body of a non-200 reply */
	long status;
	int done;
	CURLcode result;
	int64_t got, max;
};

static size_t
stream_write(char *p, size_t size, size_t n, void *arg)
{
	struct stream *s = arg;

	if (s->status == 0)
		curl_easy_getinfo(s->f->h, CURLINFO_RESPONSE_CODE, &s->status);
	n *= size;
	if (s->status != 200) {
		/* Keep the start of an error reply for the message. */
		if (s->errbody.len < ERROR_BODY_MAX)
			buf_add(&s->errbody, p, n < ERROR_BODY_MAX -
			    s->errbody.len ? n : ERROR_BODY_MAX -
			    s->errbody.len);
		return n;
	}
	s->got += (int64_t)n;
	if (s->got > s->max)
		return 0;
	buf_add(&s->data, p, n);
	return n;
}

static ssize_t
stream_read(void *arg, const void **data)
{
	struct stream *s = arg;
	struct CURLMsg *msg;
	int running, left;
	CURLMcode mc;

	buf_reset(&s->data);
	while (s->data.len == 0 && !s->done) {
		mc = curl_multi_perform(s->m, &running);
		if (mc != CURLM_OK) {
			err_set("%s: %s", s->url, curl_multi_strerror(mc));
			return -1;
		}
		while ((msg = curl_multi_info_read(s->m, &left)) != NULL)
			if (msg->msg == CURLMSG_DONE) {
				s->done = 1;
				s->result = msg->data.result;
			}
		if (s->data.len > 0 || s->done)
			break;
		curl_multi_poll(s->m, NULL, 0, 1000, NULL);
	}
	if (s->status != 0 && s->status != 200) {
		err_set("%s: HTTP %ld: %.200s", s->url, s->status,
		    s->errbody.data ? s->errbody.data : "");
		return -1;
	}
	if (s->data.len == 0 && s->result != CURLE_OK) {
		if (s->got > s->max)
			err_set("%s: larger than %lld bytes", s->url,
			    (long long)s->max);
		else
			set_curl_error(s->f, s->url, s->result);
		return -1;
	}
	*data = s->data.data;
	return (ssize_t)s->data.len;
}

int
fetch_tree(struct fetch *f, const char *url, const char *dir,
    int64_t max_bytes, long *status)
{
	struct stream s;
	int rc;

	memset(&s, 0, sizeof(s));
	s.f = f;
	s.url = url;
	s.max = max_bytes;
	buf_init(&s.data, 0);
	buf_init(&s.errbody, 0);
	f->err[0] = '\0';
	curl_easy_setopt(f->h, CURLOPT_URL, url);
	curl_easy_setopt(f->h, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(f->h, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(f->h, CURLOPT_TIMEOUT_MS, 0L);
	curl_easy_setopt(f->h, CURLOPT_LOW_SPEED_LIMIT, 1024L);
	curl_easy_setopt(f->h, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(f->h, CURLOPT_WRITEFUNCTION, stream_write);
	curl_easy_setopt(f->h, CURLOPT_WRITEDATA, &s);
	if ((s.m = curl_multi_init()) == NULL)
		abort();
	curl_multi_add_handle(s.m, f->h);
	rc = unpack_stream(dir, stream_read, &s, max_bytes);
	if (rc == 0 && !s.done) {
		/* The archive ended before the stream: drain the rest (gzip
		 * trailers, padding) so the connection can be reused. */
		while (stream_read(&s, &(const void *){NULL}) > 0)
			;
	}
	curl_multi_remove_handle(s.m, f->h);
	curl_multi_cleanup(s.m);
	*status = s.status;
	buf_fini(&s.data);
	buf_fini(&s.errbody);
	return rc;
}
