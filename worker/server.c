/* server: tj-worker's talk with its servers: status posts, the ping
 * thread, submitting the spool, asking for runs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "log.h"
#include "worker.h"

/* The status object for a post of type (see server_post_status). */
static cJSON *
status_object(struct worker *w, const char *type)
{
	cJSON *st = NULL;

	if (strcmp(type, "working") == 0) {
		pthread_mutex_lock(&w->lock);
		if (w->cur_status != NULL)
			st = cJSON_Duplicate(w->cur_status, 1);
		pthread_mutex_unlock(&w->lock);
		/* No run any more (it just ended): idle. */
		if (st == NULL)
			type = "idle";
		else
			cJSON_AddItemToObject(st, "last_output",
			    output_recent(&w->out, STATUS_LINES));
	}
	if (st == NULL) {
		st = cJSON_CreateObject();
		cJSON_AddStringToObject(st, "type", type);
	}
	return st;
}

/* server_post_status with the status object st (taken). */
static int
post_status(struct worker *w, struct server *s, cJSON *st, int request_run,
    cJSON *submit, cJSON **reply, long *code)
{
	cJSON *body = cJSON_CreateObject(), *r;
	const cJSON *msg;
	struct buf rb;
	char *text;
	long c = 0;
	int rc = -1;

	if (reply)
		*reply = NULL;
	cJSON_AddStringToObject(body, "info", w->info);
	cJSON_AddStringToObject(body, "secret", w->secret);
	cJSON_AddItemToObject(body, "status", st);
	cJSON_AddBoolToObject(body, "request_run", request_run);
	if (submit)
		cJSON_AddItemReferenceToObject(body, "submit_run", submit);
	text = cJSON_PrintUnformatted(body);
	cJSON_Delete(body);
	buf_init(&rb, (size_t)1024 * 1024);
	if (fetch_post_json(s->ctl, s->status_url, text, &rb, &c) < 0)
		goto out;
	r = cJSON_ParseWithLength(rb.data ? rb.data : "", rb.len);
	if (c < 200 || c > 299) {
		msg = cJSON_GetObjectItemCaseSensitive(r, "error");
		err_set("%s: HTTP %ld: %s", s->status_url, c,
		    cJSON_IsString(msg) ? msg->valuestring : "(no message)");
		if (reply)
			*reply = r;	/* the error object, for the caller */
		else
			cJSON_Delete(r);
		goto out;
	}
	if (!cJSON_IsObject(r)) {
		err_set("%s: the reply is not a JSON object", s->status_url);
		cJSON_Delete(r);
		goto out;
	}
	if (reply)
		*reply = r;
	else
		cJSON_Delete(r);
	rc = 0;
out:
	if (code)
		*code = c;
	free(text);
	buf_fini(&rb);
	return rc;
}

static struct server *
server_by_url(struct worker *w, const char *url);

int
server_post_status(struct worker *w, struct server *s, const char *type,
    int request_run, cJSON *submit, cJSON **reply, long *code)
{
	return post_status(w, s, status_object(w, type), request_run, submit,
	    reply, code);
}

/*
 * Spooled run e waits (its submission failed): tell its server every ping
 * that this worker is still "working" on it (its id, hash, bench method
 * and start, from the submission), so the server keeps the commit's
 * reservation and hands it to no one else, or takes it back from a newer
 * run of another worker (the older run goes on). An abort_run answer is
 * not followed: the run is finished and will be submitted.
 */
static void
beat(struct worker *w, struct spool_entry *e, int64_t now)
{
	static const char *const keys[] = {"id", "hash", "bench_method",
	    "start"};
	struct server *s = server_by_url(w, e->server);
	cJSON *sub, *st, *reply = NULL;
	const cJSON *v;
	size_t i;

	if (s == NULL || e->tries == 0 || e->next_try == INT64_MAX ||
	    now < e->next_beat)
		return;
	e->next_beat = now + w->cfg.worker_ping;
	if ((sub = cJSON_Parse(e->body)) == NULL)
		return;
	st = cJSON_CreateObject();
	cJSON_AddStringToObject(st, "type", "working");
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if ((v = cJSON_GetObjectItemCaseSensitive(sub, keys[i])) != NULL)
			cJSON_AddItemToObject(st, keys[i],
			    cJSON_Duplicate(v, 1));
	cJSON_Delete(sub);
	pthread_mutex_lock(&s->lock);
	if (post_status(w, s, st, 0, NULL, &reply, NULL) < 0) {
		log_debug("run %s waits: %s", e->run_id, err_get());
		e->beat_failed = 1;
	} else {
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply,
		    "abort_run")))
			log_info("%s asks to abort run %s, which has finished: "
			    "it is submitted still", s->base, e->run_id);
		/* The server answers again after a silence: submit now
		 * rather than at the end of a backoff that grew while it
		 * was down (up to a minute). Once per silence, so a server
		 * that answers statuses but fails this submission is not
		 * sent it every ping. */
		if (e->beat_failed) {
			e->beat_failed = 0;
			e->next_try = now;
			log_info("%s answers again: submitting run %s now",
			    s->base, e->run_id);
		}
	}
	pthread_mutex_unlock(&s->lock);
	cJSON_Delete(reply);
}

int64_t
server_pending_wake(const struct worker *w)
{
	int64_t wake = INT64_MAX;
	size_t i;

	for (i = 0; i < w->n_pending; i++) {
		const struct spool_entry *e = &w->pending[i];

		if (e->next_try < wake)
			wake = e->next_try;
		if (e->tries > 0 && e->next_try != INT64_MAX &&
		    e->next_beat < wake)
			wake = e->next_beat;
	}
	return wake;
}

static struct server *
server_by_url(struct worker *w, const char *url)
{
	size_t i;

	for (i = 0; i < w->n_sv; i++)
		if (strcmp(w->sv[i].base, url) == 0)
			return &w->sv[i];
	return NULL;
}

/* Wait one ping interval (or until told to quit); 1 if told to quit. */
static int
ping_wait(struct worker *w)
{
	struct timespec ts;
	int quit;

	pthread_mutex_lock(&w->lock);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += w->cfg.worker_ping / 1000;
	ts.tv_nsec += (w->cfg.worker_ping % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	if (!w->quit)
		pthread_cond_timedwait(&w->wake, &w->lock, &ts);
	quit = w->quit;
	pthread_mutex_unlock(&w->lock);
	return quit;
}

/* One ping to s; 0, or -1 when no run is in progress any more. */
static int
ping_one(struct worker *w, struct server *s)
{
	struct server *cur;
	cJSON *reply;

	pthread_mutex_lock(&s->lock);
	pthread_mutex_lock(&w->lock);
	cur = w->cur;
	pthread_mutex_unlock(&w->lock);
	if (cur == NULL) {
		pthread_mutex_unlock(&s->lock);
		return -1;
	}
	if (server_post_status(w, s, s == cur ? "working" : "busy", 0, NULL,
	    &reply, NULL) < 0) {
		log_debug("ping: %s", err_get());
	} else if (s == cur && cJSON_IsTrue(
	    cJSON_GetObjectItemCaseSensitive(reply, "abort_run"))) {
		log_info("%s asks to abort the run", s->base);
		atomic_store(&w->abort, 1);
	}
	cJSON_Delete(reply);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

void *
server_ping_main(void *arg)
{
	struct worker *w = arg;
	struct server *s, *first;
	size_t i;

	while (!ping_wait(w)) {
		/* The run's server first: a slow one must not delay it. */
		pthread_mutex_lock(&w->lock);
		first = w->cur;
		pthread_mutex_unlock(&w->lock);
		for (i = 0; first != NULL && i <= w->n_sv; i++) {
			s = i == 0 ? first : &w->sv[i - 1];
			if (i > 0 && s == first)
				continue;
			if (ping_one(w, s) < 0)
				break;
		}
	}
	return NULL;
}

/* The server will never take e: keep it aside, stop trying. */
static void
reject_entry(struct worker *w, struct server *s, struct spool_entry *e)
{
	char *dst;

	dst = xasprintf("%s/rejected", w->spool);
	util_mkdirs(dst);
	free(dst);
	dst = xasprintf("%s/rejected/%s", w->spool, strrchr(e->path, '/') + 1);
	log_error("run %s rejected by %s: %s; kept as %s", e->run_id,
	    s->base, err_get(), dst);
	if (rename(e->path, dst) < 0)
		log_error("%s: %s", dst, strerror(errno));
	free(dst);
	dst = xasprintf("%s/rejected", w->spool);
	spool_trim(dst, w->cfg.worker_rejected_max);
	free(dst);
}

/* Bytes of a status request besides its submit_run. */
#define STATUS_ROOM 1024

/*
 * e got 413 from s (reply: the error object, may be NULL): spool in its
 * place a run cut down to fit the limit the reply names (fit_submission),
 * the original going to rejected/. 0 when e is now that run, -1 (err_set)
 * when nothing smaller can be sent.
 */
static int
fit_entry(struct worker *w, struct server *s, struct spool_entry *e,
    const cJSON *reply)
{
	const cJSON *mx = cJSON_GetObjectItemCaseSensitive(reply,
	    "max_upload");
	size_t len = strlen(e->body), limit, over, room;
	char *path;
	cJSON *sub;

	/* Without the server's number (a proxy's 413): half of this one. */
	limit = cJSON_IsNumber(mx) && mx->valuedouble >= 1 &&
	    mx->valuedouble < 1e15 ? (size_t)mx->valuedouble : len / 2;
	over = STATUS_ROOM + strlen(w->info);
	room = limit > over ? limit - over : 0;
	if (len <= room) {
		err_set("the submission (%zu bytes) is within the server's "
		    "max-upload (%zu bytes) and still refused", len, limit);
		return -1;
	}
	if ((sub = fit_submission(e->body, limit, room)) == NULL)
		return -1;
	path = spool_write(w->spool, e->server, e->run_id, sub);
	if (path == NULL) {
		cJSON_Delete(sub);
		return -1;
	}
	err_set("%zu bytes, over its max-upload of %zu; sent instead cut down "
	    "to fit (%s)", len, limit, path);
	reject_entry(w, s, e);
	free(e->path);
	free(e->body);
	e->path = path;
	e->body = cJSON_PrintUnformatted(sub);
	cJSON_Delete(sub);
	return 0;
}

/* Submit one spooled run (body parsed here); 1 done, 0 retry later. */
static int
submit_entry(struct worker *w, struct spool_entry *e, int64_t now)
{
	struct server *s = server_by_url(w, e->server);
	cJSON *sub, *reply;
	long code = 0;
	int rc;

	if (s == NULL) {
		if (e->tries++ == 0)
			log_warn("spool: run %s is for %s, which is not "
			    "configured; it stays in %s", e->run_id, e->server,
			    e->path);
		e->next_try = INT64_MAX;
		return 0;
	}
	if ((sub = cJSON_Parse(e->body)) == NULL) {
		log_error("spool: %s: cannot parse", e->path);
		e->next_try = INT64_MAX;
		return 0;
	}
again:
	pthread_mutex_lock(&s->lock);
	rc = server_post_status(w, s, "idle", 0, sub, &reply, &code);
	pthread_mutex_unlock(&s->lock);
	cJSON_Delete(sub);
	if (rc < 0 && code == 413) {
		/* Too big to ever be taken: a smaller run in its place, so the
		 * commit's turn still ends with a stored run. Each time the
		 * body shrinks, or fit_entry refuses: this ends. */
		log_warn("run %s: %s", e->run_id, err_get());
		rc = fit_entry(w, s, e, reply);
		cJSON_Delete(reply);
		if (rc < 0) {
			reject_entry(w, s, e);
			return 1;
		}
		if ((sub = cJSON_Parse(e->body)) == NULL) {
			log_error("spool: %s: cannot parse", e->path);
			e->next_try = INT64_MAX;
			return 0;
		}
		goto again;
	}
	cJSON_Delete(reply);
	if (rc == 0) {
		log_info("run %s submitted to %s", e->run_id, s->base);
		if (spool_remove(e) < 0)
			log_error("spool: %s", err_get());
		return 1;
	}
	if (code == 400 || code == 409 || code == 413) {
		reject_entry(w, s, e);
		return 1;
	}
	e->tries++;
	e->next_try = now + sched_backoff(e->tries, SCHED_BACKOFF_BASE,
	    SCHED_BACKOFF_CAP, util_random());
	e->next_beat = now + w->cfg.worker_ping;
	log_warn("run %s not submitted (try %d, again in %.1f s): %s",
	    e->run_id, e->tries, (double)(e->next_try - now) / 1000,
	    err_get());
	return 0;
}

void
server_submit_pending(struct worker *w)
{
	size_t i, k = 0;
	int64_t now = util_mono_ms();

	for (i = 0; i < w->n_pending; i++) {
		if (!worker_signal && w->pending[i].next_try <= now &&
		    submit_entry(w, &w->pending[i], now)) {
			spool_entry_fini(&w->pending[i]);
			continue;
		}
		if (!worker_signal)
			beat(w, &w->pending[i], util_mono_ms());
		w->pending[k++] = w->pending[i];
	}
	w->n_pending = k;
}

/* 1 if a spooled run waits for s. */
static int
has_pending(const struct worker *w, const struct server *s)
{
	size_t k;

	for (k = 0; k < w->n_pending; k++)
		if (strcmp(w->pending[k].server, s->base) == 0)
			return 1;
	return 0;
}

int
server_ask_for_run(struct worker *w)
{
	struct sched_server ss[SERVERS_MAX];
	size_t order[SERVERS_MAX], n, i;
	struct server *s;
	cJSON *reply, *run;
	int rc, asked = 0, answered = 0;

	for (i = 0; i < w->n_sv; i++)
		ss[i] = w->sv[i].sched;
	n = sched_order(ss, w->n_sv, util_mono_ms(), order);
	for (i = 0; i < n && !worker_signal; i++) {
		s = &w->sv[order[i]];
		/* Results first: a server gets no new work from us while it
		 * has not taken what we finished for it. */
		if (has_pending(w, s))
			continue;
		pthread_mutex_lock(&s->lock);
		rc = server_post_status(w, s, "idle", 1, NULL, &reply, NULL);
		pthread_mutex_unlock(&s->lock);
		asked++;
		if (rc < 0) {
			cJSON_Delete(reply);
			reply = NULL;
			sched_fail(&s->sched, util_mono_ms(), util_random());
			log_warn("%s (again in %.1f s)", err_get(),
			    (double)(s->sched.next_try - util_mono_ms()) /
			    1000);
			continue;
		}
		answered++;
		if (s->sched.fails > 0)
			log_info("%s answers again", s->base);
		sched_ok(&s->sched);
		run = cJSON_GetObjectItemCaseSensitive(reply, "run");
		if (cJSON_IsObject(run)) {
			run_do(w, s, run);
			cJSON_Delete(reply);
			return 1;
		}
		cJSON_Delete(reply);
	}
	return asked > 0 && answered == 0 ? -1 : 0;
}

int
server_setup(struct worker *w, const char *env_token)
{
	struct config_server *c;
	struct server *s;
	size_t i, n;

	if (w->cfg.n_servers == 0) {
		err_set("no server: give --server URL --token TOKEN or "
		    "[server \"NAME\"] sections in the config");
		return -1;
	}
	if (w->cfg.n_servers > SERVERS_MAX) {
		err_set("more than %d servers", SERVERS_MAX);
		return -1;
	}
	w->sv = xcalloc(w->cfg.n_servers, sizeof(*w->sv));
	w->secrets = xcalloc(w->cfg.n_servers + 1, sizeof(*w->secrets));
	for (i = 0; i < w->cfg.n_servers; i++) {
		c = &w->cfg.servers[i];
		s = &w->sv[w->n_sv];
		if (c->url == NULL) {
			err_set("server '%s' has no url", c->name);
			return -1;
		}
		if (c->token == NULL && env_token != NULL)
			c->token = xstrdup(env_token);
		if (c->token == NULL || c->token[0] == '\0') {
			err_set("server '%s' has no token (token = ..., --token "
			    "or $TJ_TOKEN)", c->name);
			return -1;
		}
		s->cfg = c;
		s->base = xstrdup(c->url);
		n = strlen(s->base);
		while (n > 0 && s->base[n - 1] == '/')
			s->base[--n] = '\0';
		s->status_url = xasprintf("%s/api/worker/status", s->base);
		s->ctl = fetch_new(w->cfg.worker_name, c->token);
		s->dl = fetch_new(w->cfg.worker_name, c->token);
		pthread_mutex_init(&s->lock, NULL);
		s->sched.weight = c->weight;
		w->secrets[w->n_sv] = c->token;
		w->n_sv++;
	}
	return 0;
}

void
server_cleanup(struct worker *w)
{
	size_t i;

	for (i = 0; i < w->n_sv; i++) {
		free(w->sv[i].base);
		free(w->sv[i].status_url);
		fetch_free(w->sv[i].ctl);
		fetch_free(w->sv[i].dl);
		pthread_mutex_destroy(&w->sv[i].lock);
	}
	free(w->sv);
	free(w->secrets);
}
