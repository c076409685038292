/* fetch: the worker's HTTP requests (libcurl): status posts and tree downloads. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "err.h"
#include "worker.h"

/* Status replies are small; a tree download has no overall time limit, but
 * stalls (under 1 KiB/s for a minute) end it. */
#define CONNECT_TIMEOUT_MS 10000L
#define STATUS_TIMEOUT_MS 60000L
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

/*
 * A download: a thread runs the transfer and queues what arrives, the
 * caller's libarchive reads from the queue. So the server never waits
 * while we write files, and we never wait while it compresses.
 */
#define QUEUE_MAX ((size_t)64 * 1024 * 1024)

struct chunk {
	struct chunk *next;
	size_t len;
	char data[];
};

struct stream {
	struct fetch *f;
	const char *url;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct chunk *head, *tail;
	size_t queued;		/* bytes in the queue */
	struct chunk *cur;	/* the chunk libarchive is reading */
	int done, cancel;
	const atomic_int *stop;	/* the caller's: give up */
	int broken;		/* the transfer itself failed */
	CURLcode result;
	long status;
	struct buf errbody;	/* the start of a non-200 reply */
	int64_t got, max;
};

static size_t
stream_write(char *p, size_t size, size_t n, void *arg)
{
	struct stream *s = arg;
	struct chunk *c;
	long status = 0;

	n *= size;
	curl_easy_getinfo(s->f->h, CURLINFO_RESPONSE_CODE, &status);
	pthread_mutex_lock(&s->mu);
	s->status = status;
	if (status != 200) {
		/* An uncapped buffer, kept short here. */
		if (s->errbody.len < ERROR_BODY_MAX)
			buf_must(buf_add(&s->errbody, p,
			    n < ERROR_BODY_MAX - s->errbody.len ? n :
			    ERROR_BODY_MAX - s->errbody.len));
		pthread_mutex_unlock(&s->mu);
		return n;
	}
	s->got += (int64_t)n;
	while (s->queued > QUEUE_MAX && !s->cancel)
		pthread_cond_wait(&s->cv, &s->mu);
	if (s->cancel || s->got > s->max) {
		pthread_mutex_unlock(&s->mu);
		return 0;	/* fails the transfer */
	}
	c = xmalloc(sizeof(*c) + n);
	c->next = NULL;
	c->len = n;
	memcpy(c->data, p, n);
	if (s->tail)
		s->tail->next = c;
	else
		s->head = c;
	s->tail = c;
	s->queued += n;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	return n;
}

/* Called by curl about once a second, and more often while data flows. */
static int
stream_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	struct stream *s = arg;
	int cancel;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	pthread_mutex_lock(&s->mu);
	cancel = s->cancel;
	pthread_mutex_unlock(&s->mu);
	return cancel || (s->stop != NULL && atomic_load(s->stop));
}

static void *
stream_main(void *arg)
{
	struct stream *s = arg;
	CURLcode c = curl_easy_perform(s->f->h);

	pthread_mutex_lock(&s->mu);
	s->done = 1;
	s->result = c;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

static ssize_t
stream_read(void *arg, const void **data)
{
	struct stream *s = arg;
	ssize_t n = -1;

	free(s->cur);
	s->cur = NULL;
	pthread_mutex_lock(&s->mu);
	while (s->head == NULL && !s->done)
		pthread_cond_wait(&s->cv, &s->mu);
	if (s->status != 0 && s->status != 200) {
		err_set("%s: HTTP %ld: %.200s", s->url, s->status,
		    s->errbody.data ? s->errbody.data : "");
	} else if (s->head != NULL) {
		s->cur = s->head;
		s->head = s->cur->next;
		if (s->head == NULL)
			s->tail = NULL;
		s->queued -= s->cur->len;
		pthread_cond_broadcast(&s->cv);
		*data = s->cur->data;
		n = (ssize_t)s->cur->len;
	} else if (s->result != CURLE_OK) {
		s->broken = 1;
		if (s->got > s->max)
			err_set("%s: larger than %lld bytes", s->url,
			    (long long)s->max);
		else
			set_curl_error(s->f, s->url, s->result);
	} else {
		n = 0;
	}
	pthread_mutex_unlock(&s->mu);
	return n;
}

int
fetch_tree(struct fetch *f, const char *url, const char *dir,
    int64_t max_bytes, struct output *o, const atomic_int *stop,
    long *status)
{
	struct chunk *c;
	struct stream s;
	sigset_t all, old;
	pthread_t th;
	int rc, e;

	memset(&s, 0, sizeof(s));
	s.f = f;
	s.url = url;
	s.max = max_bytes;
	s.stop = stop;
	pthread_mutex_init(&s.mu, NULL);
	pthread_cond_init(&s.cv, NULL);
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
	curl_easy_setopt(f->h, CURLOPT_XFERINFOFUNCTION, stream_progress);
	curl_easy_setopt(f->h, CURLOPT_XFERINFODATA, &s);
	curl_easy_setopt(f->h, CURLOPT_NOPROGRESS, 0L);
	/* Signals are for the main thread (the thread inherits the mask). */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	e = pthread_create(&th, NULL, stream_main, &s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e != 0) {
		err_set("pthread_create: %s", strerror(e));
		rc = -1;
		goto out;
	}
	rc = unpack_stream(dir, stream_read, &s, max_bytes, o);
	/* Done or refused: stop the transfer if it still runs (on success
	 * only the archive's padding can be left). */
	pthread_mutex_lock(&s.mu);
	s.cancel = 1;
	pthread_cond_broadcast(&s.cv);
	pthread_mutex_unlock(&s.mu);
	pthread_join(th, NULL);
out:
	curl_easy_setopt(f->h, CURLOPT_NOPROGRESS, 1L);
	/* A transfer cut short is like no reply: try again later. */
	*status = s.broken ? 0 : s.status;
	free(s.cur);
	while ((c = s.head) != NULL) {
		s.head = c->next;
		free(c);
	}
	buf_fini(&s.errbody);
	pthread_mutex_destroy(&s.mu);
	pthread_cond_destroy(&s.cv);
	return rc;
}
