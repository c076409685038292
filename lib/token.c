/* token: the worker token kept in the db, made on first use. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "buf.h"
#include "err.h"
#include "token.h"

char *
token_db(struct db *db, int *made)
{
	static const char al[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char rnd[32];
	char tok[sizeof(rnd) + 1], *t = NULL;
	size_t i;

	*made = 0;
	if (db_begin(db) < 0)
		return NULL;
	t = db_meta_get(db, "token");
	if (t == NULL && err_get()[0] == '\0') {
		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
			err_set("getrandom: %s", strerror(errno));
			goto fail;
		}
		for (i = 0; i < sizeof(rnd); i++)
			tok[i] = al[rnd[i] % 36];
		tok[sizeof(rnd)] = '\0';
		explicit_bzero(rnd, sizeof(rnd));
		if (db_meta_set(db, "token", tok) < 0)
			goto fail;
		t = xstrdup(tok);
		explicit_bzero(tok, sizeof(tok));
		*made = 1;
	}
	if (t == NULL)
		goto fail;
	if (db_commit(db) < 0) {
		free(t);
		return NULL;
	}
	return t;
fail:
	free(t);
	db_rollback(db);
	return NULL;
}
