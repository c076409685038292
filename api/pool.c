/*
 * pool: db connections for the request threads, reused across requests.
 *
 * A connection is only reused while it can write: sqlite opens a db whose
 * files (or directory) it cannot write read-only without saying so, and such
 * a connection stays read-only after the cause went away. So a read-only
 * connection is closed instead of kept, and so is one whose request failed
 * on a db error (pool_drop): the next request opens a fresh one, and tj-api
 * recovers by itself as soon as the db is writable again.
 */
#include <stdlib.h>

#include "api.h"
#include "buf.h"
#include "log.h"

void
pool_init(struct pool *p, const char *path)
{
	pthread_mutex_init(&p->mu, NULL);
	p->path = xstrdup(path);
	p->free = NULL;
	p->n = p->cap = 0;
}

int
pool_writable(struct db *db)
{
	return sqlite3_db_readonly(db_handle(db), "main") == 0;
}

struct db *
pool_get(struct pool *p)
{
	struct db *db = NULL;

	pthread_mutex_lock(&p->mu);
	if (p->n > 0)
		db = p->free[--p->n];
	pthread_mutex_unlock(&p->mu);
	if (db != NULL)
		return db;
	db = db_open(p->path);
	if (db != NULL && !pool_writable(db))
		log_warn("%s: opened read-only (cannot write the db, its -wal "
		    "or -shm, or its directory?)", p->path);
	return db;
}

void
pool_put(struct pool *p, struct db *db)
{
	if (db == NULL)
		return;
	db_rollback(db);
	if (!pool_writable(db)) {
		db_close(db);
		return;
	}
	pthread_mutex_lock(&p->mu);
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 8;
		p->free = xrealloc(p->free, p->cap * sizeof(struct db *));
	}
	p->free[p->n++] = db;
	pthread_mutex_unlock(&p->mu);
}

void
pool_drop(struct pool *p, struct db *db)
{
	(void)p;
	if (db == NULL)
		return;
	db_rollback(db);
	db_close(db);
}

void
pool_fini(struct pool *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		db_close(p->free[i]);
	free(p->free);
	free(p->path);
	pthread_mutex_destroy(&p->mu);
}
