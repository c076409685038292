/* token: the worker token kept in the db (meta.token), made on first use. */
#ifndef TJ_TOKEN_H
#define TJ_TOKEN_H

#include "db.h"

/*
 * The db's worker token, generated (32 random [a-z0-9]) and stored in its
 * own transaction when the db has none yet; *made is set to 1 then. NULL
 * with err_set on failure. The caller frees it.
 */
char *token_db(struct db *db, int *made);

#endif
