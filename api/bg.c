/* bg: tj-api's background threads: the debounced re-render, the periodic
 * repo update, and the sweep that frees the reservations of silent workers. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "bisect_db.h"
#include "err.h"
#include "log.h"
#include "site/render.h"
#include "update.h"

/* Wait this long after a change before rendering, to batch changes. */
#define DEBOUNCE_MS 100
/* How often the sweep looks for workers that went silent. */
#define SWEEP_MS 500

static void
deadline(struct timespec *ts, long ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/*
 * Free the reservations of workers silent since cutoff, and mark the pages
 * of workers that went silent since the last sweep (prev_cutoff). 1 if
 * anything was marked dirty, 0 if not, -1 on error.
 */
static int
sweep(struct db *db, double cutoff, double prev_cutoff)
{
	sqlite3_stmt *st;
	int n = 0, r;

	/* Most of the time there is nothing to do: look without locking. */
	st = db_stmt(db, "api.bg.sweep", "SELECT EXISTS (SELECT 1 FROM queue "
	    "WHERE reserved_by IS NOT NULL AND reserved_by NOT IN "
	    "(SELECT name FROM workers WHERE last_seen >= ?1)) OR EXISTS "
	    "(SELECT 1 FROM workers WHERE last_seen < ?1 AND last_seen >= ?2)");
	if (st == NULL)
		return -1;
	sqlite3_bind_double(st, 1, cutoff);
	sqlite3_bind_double(st, 2, prev_cutoff);
	r = sqlite3_step(st);
	if (r != SQLITE_ROW) {
		sqlite3_reset(st);
		return db_err(db, "sweeping");
	}
	r = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	if (r == 0)
		return 0;
	if (db_begin(db) < 0)
		return -1;
	st = db_stmt(db, "api.bg.sweep_free",
	    "UPDATE queue SET reserved_by = NULL, "
	    "reserved_since = NULL, run_id = NULL "
	    "WHERE reserved_by IS NOT NULL AND reserved_by NOT IN "
	    "(SELECT name FROM workers WHERE last_seen >= ?)");
	if (st == NULL)
		goto fail;
	sqlite3_bind_double(st, 1, cutoff);
	if (db_step_done(db, st) < 0)
		goto fail;
	n = sqlite3_changes(db_handle(db));
	st = db_stmt(db, "api.bg.sweep_dirty",
	    "INSERT OR IGNORE INTO dirty (kind, key) "
	    "SELECT 'worker', name FROM workers "
	    "WHERE last_seen < ?1 AND last_seen >= ?2");
	if (st == NULL)
		goto fail;
	sqlite3_bind_double(st, 1, cutoff);
	sqlite3_bind_double(st, 2, prev_cutoff);
	if (db_step_done(db, st) < 0)
		goto fail;
	n += sqlite3_changes(db_handle(db));
	if (n > 0 && db_dirty(db, "queue", "") < 0)
		goto fail;
	if (db_commit(db) < 0)
		return -1;
	if (n > 0)
		log_info("sweep: %d reservation(s) or worker(s) timed out", n);
	return n > 0;
fail:
	r = -1;
	db_rollback(db);
	return r;
}

/*
 * The thread's connection, (re)opened when there is none or the last use
 * failed or it is read-only (see pool.c: sqlite keeps a connection opened
 * while the db could not be written read-only): NULL while the db cannot
 * be opened (logged once per what).
 */
static struct db *
bg_db(struct api *api, struct db *db, int failed, const char *what,
    int *logged)
{
	if (db != NULL && !failed && pool_writable(db))
		return db;
	db_close(db);
	db = db_open(api->cfg.db_path);
	if (db == NULL) {
		if (!*logged)
			log_error("%s thread: %s (retrying)", what, err_get());
		*logged = 1;
		return NULL;
	}
	*logged = 0;
	return db;
}

/* 0, or -1 when the render failed (and should be tried again). */
static int
render(struct api *api, struct db *db)
{
	static char last[512];	/* the render thread's last error */
	long written = 0, unchanged = 0;

	if (api->bg.no_render)
		return 0;
	if (render_site(db, &api->cfg, 0) < 0) {
		/* Retried twice a second: say each failure once. */
		if (strcmp(last, err_get()) != 0)
			log_error("render: %s", err_get());
		snprintf(last, sizeof(last), "%s", err_get());
		return -1;
	}
	if (last[0] != '\0')
		log_info("render: works again");
	last[0] = '\0';
	render_stats(&written, &unchanged);
	log_debug("render: %ld written, %ld unchanged", written, unchanged);
	return 0;
}

/* One pass of the bisect engine; 1 if it queued or moved anything. */
static int
bisect_pass(struct api *api, struct db *db)
{
	int r = bisect_db_tick(db, &api->cfg);

	if (r < 0)
		log_error("bisect: %s", err_get());
	return r;
}

static void *
render_main(void *cls)
{
	struct api *api = cls;
	struct bg *bg = &api->bg;
	struct timespec ts;
	struct db *db = NULL;
	double prev_cutoff = 0;
	int stop = 0, dirty, first = 1, failed = 0, logged = 0, retry = 0;

	pthread_mutex_lock(&bg->mu);
	while (!stop) {
		deadline(&ts, SWEEP_MS);
		while (!bg->stop && !bg->dirty)
			if (pthread_cond_timedwait(&bg->cond, &bg->mu, &ts) ==
			    ETIMEDOUT)
				break;
		stop = bg->stop;
		dirty = bg->dirty || retry;
		pthread_mutex_unlock(&bg->mu);
		db = bg_db(api, db, failed, "render", &logged);
		failed = 0;
		if (db == NULL) {
			/* Render once the db opens again. */
			retry = 1;
			pthread_mutex_lock(&bg->mu);
			bg->dirty = 0;
			continue;
		}
		if (dirty && !stop) {
			/* Debounce: let a burst of changes land first. */
			struct timespec d = {0, DEBOUNCE_MS * 1000000L};

			nanosleep(&d, NULL);
		}
		{
			double cutoff = api_reserve_cutoff(api, api_now());

			int r = sweep(db, cutoff, prev_cutoff);

			if (r > 0)
				dirty = 1;
			else if (r < 0) {
				log_error("sweep: %s", err_get());
				failed = 1;
			}
			prev_cutoff = cutoff;
		}
		pthread_mutex_lock(&bg->mu);
		bg->dirty = 0;
		pthread_mutex_unlock(&bg->mu);
		/* A failed render is tried again at the next sweep, on a fresh
		 * connection: the dirty rows are still there. */
		retry = 0;
		if (dirty || first) {
			if (render(api, db) < 0)
				failed = retry = 1;
			/* After the render's detection: confirm and bisect
			 * what it found (and, at start, what was left). */
			if (!failed) {
				int b = bisect_pass(api, db);

				if (b < 0 || (b > 0 && render(api, db) < 0))
					failed = retry = 1;
			}
			first = 0;
		}
		pthread_mutex_lock(&bg->mu);
	}
	pthread_mutex_unlock(&bg->mu);
	db_close(db);
	return NULL;
}

static void *
update_main(void *cls)
{
	struct api *api = cls;
	struct bg *bg = &api->bg;
	struct update_stats st;
	struct timespec ts;
	struct db *db = NULL;
	int flags = api->cfg.repo_fetch_url != NULL ? UPDATE_FETCH : 0;
	int failed = 0, logged = 0;

	pthread_mutex_lock(&bg->mu);
	while (!bg->stop) {
		bg->update_now = 0;
		pthread_mutex_unlock(&bg->mu);
		memset(&st, 0, sizeof(st));
		db = bg_db(api, db, failed, "update", &logged);
		failed = 0;
		if (db == NULL) {
			/* Tried again at the next update. */
		} else if (update_repo(db, &api->cfg, flags, &st) < 0) {
			log_error("update: %s", err_get());
			failed = 1;
		} else {
			log_msg(st.new_commits || st.queued ? LOG_INFO :
			    LOG_DEBUG, "update: %lld new commits, %lld queued",
			    (long long)st.new_commits, (long long)st.queued);
			bg_notify(api);
		}
		pthread_mutex_lock(&bg->mu);
		deadline(&ts, (long)api->cfg.repo_update);
		while (!bg->stop && !bg->update_now)
			if (pthread_cond_timedwait(&bg->cond, &bg->mu, &ts) ==
			    ETIMEDOUT)
				break;
	}
	pthread_mutex_unlock(&bg->mu);
	db_close(db);
	return NULL;
}

int
bg_start(struct api *api)
{
	struct bg *bg = &api->bg;

	pthread_mutex_init(&bg->mu, NULL);
	pthread_cond_init(&bg->cond, NULL);
	if (pthread_create(&bg->render_thread, NULL, render_main, api) != 0) {
		err_set("cannot start the render thread");
		return -1;
	}
	bg->render_started = 1;
	if (bg->do_update && api->cfg.repo_update > 0) {
		if (pthread_create(&bg->update_thread, NULL, update_main,
		    api) != 0) {
			err_set("cannot start the update thread");
			return -1;
		}
		bg->update_started = 1;
	}
	return 0;
}

void
bg_stop(struct api *api)
{
	struct bg *bg = &api->bg;

	pthread_mutex_lock(&bg->mu);
	bg->stop = 1;
	pthread_cond_broadcast(&bg->cond);
	pthread_mutex_unlock(&bg->mu);
	if (bg->render_started)
		pthread_join(bg->render_thread, NULL);
	if (bg->update_started)
		pthread_join(bg->update_thread, NULL);
	pthread_cond_destroy(&bg->cond);
	pthread_mutex_destroy(&bg->mu);
}

void
bg_notify(struct api *api)
{
	pthread_mutex_lock(&api->bg.mu);
	api->bg.dirty = 1;
	pthread_cond_broadcast(&api->bg.cond);
	pthread_mutex_unlock(&api->bg.mu);
}

void
bg_update_now(struct api *api)
{
	pthread_mutex_lock(&api->bg.mu);
	api->bg.update_now = 1;
	pthread_cond_broadcast(&api->bg.cond);
	pthread_mutex_unlock(&api->bg.mu);
}
