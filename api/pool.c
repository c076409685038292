/* pool: db connections for the request threads, reused across requests. */
#include <stdlib.h>

#include "api.h"
#include "buf.h"

void
pool_init(struct pool *p, const char *path)
{
	pthread_mutex_init(&p->mu, NULL);
	p->path = xstrdup(path);
	p->free = NULL;
	p->n = p->cap = 0;
}

struct db *
pool_get(struct pool *p)
{
	struct db *db = NULL;

	pthread_mutex_lock(&p->mu);
	if (p->n > 0)
		db = p->free[--p->n];
	pthread_mutex_unlock(&p->mu);
	if (db == NULL)
		db = db_open(p->path);
	return db;
}

void
pool_put(struct pool *p, struct db *db)
{
	if (db == NULL)
		return;
	db_rollback(db);
	pthread_mutex_lock(&p->mu);
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 8;
		p->free = xrealloc(p->free, p->cap * sizeof(struct db *));
	}
	p->free[p->n++] = db;
	pthread_mutex_unlock(&p->mu);
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
