/* db: the one sqlite database: opening, schema migrations, statements. */
#ifndef TJ_DB_H
#define TJ_DB_H

#include <stdint.h>
#include <sqlite3.h>

/* The schema version this build writes (PRAGMA user_version). */
#define DB_SCHEMA_VERSION 6

/* How long a statement waits for another process's write lock. */
#define DB_BUSY_TIMEOUT_MS 10000

struct db;

/*
 * Open (creating it if needed) the db at path: WAL, busy_timeout, foreign
 * keys on, schema migrated to DB_SCHEMA_VERSION. A db written by a newer
 * version is refused untouched. NULL with err_set on failure.
 */
struct db *db_open(const char *path);

/* Finalize every cached statement and close. Accepts NULL. */
void db_close(struct db *db);

/* The raw handle, for sqlite3_* calls. */
sqlite3 *db_handle(struct db *db);

/*
 * The prepared statement named name (a stable key such as "query.queue",
 * "<module>.<what>"), prepared from sql the first time and cached on db:
 * reset, bindings cleared. The name is the key, not the address of sql;
 * one name always carries the same SQL text (another text under a known
 * name is refused as a bug). There is no limit on the number of names.
 *
 * A statement in use (stepped, and neither reset nor stepped to
 * SQLITE_DONE) is never handed out again: asking for its name while a
 * caller still steps through its rows prepares a second statement, so a
 * helper can run the same query inside a caller's loop without resetting
 * the caller's cursor. Bind and step a statement before calling anything
 * that may ask for the same name, and reset it (db_step_done does) or step
 * it to the end when done. NULL with err_set.
 */
sqlite3_stmt *db_stmt(struct db *db, const char *name, const char *sql);

/* Reset every cached statement (ends their hold on a read transaction). */
void db_reset_all(struct db *db);

/* How many names and statements the cache holds (for tests). */
void db_stmt_stats(struct db *db, size_t *names, size_t *stmts);

/* Run one or more statements without results. 0 or -1 with err_set. */
int db_exec(struct db *db, const char *sql);

/*
 * The indexes on commits and commit_edges that a bulk import is faster
 * without: build 0 drops them, 1 builds them (as the schema defines
 * them). 0 or -1 with err_set.
 */
int db_bulk_indexes(struct db *db, int build);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. 0 or -1 with err_set. A failed
 * commit rolls back. db_rollback never fails (it logs). */
int db_begin(struct db *db);
int db_commit(struct db *db);
void db_rollback(struct db *db);

/*
 * Step a statement that returns no rows (or whose rows are ignored) and
 * reset it. 0 or -1 with err_set (a lock held past the busy timeout gets a
 * message that says so).
 */
int db_step_done(struct db *db, sqlite3_stmt *st);

/*
 * Run the cached statement name (as db_stmt) with ?1 bound to v, ignoring
 * any rows. 0 or -1 with err_set.
 */
int db_run_int(struct db *db, const char *name, const char *sql, int64_t v);

/* Set err from the connection's last error, with context. Returns -1. */
int db_err(struct db *db, const char *context);

/*
 * Mark a page dirty: kind is one of "commit" (key: hash), "run" (id),
 * "metric" (name), "worker" (name), "ref" (name), "queue", "index", "graph"
 * (key ""). Idempotent. Call inside the transaction that made the change.
 */
int db_dirty(struct db *db, const char *kind, const char *key);

/* Get/set a value in the meta table; get returns a malloc'd string or NULL
 * (err_get() is "" when the key is simply absent). */
char *db_meta_get(struct db *db, const char *key);
int db_meta_set(struct db *db, const char *key, const char *value);

/* Look up a commit's id by its 40-hex hash: the id, 0 if unknown, -1 on
 * error. */
int64_t db_commit_id(struct db *db, const char *hash);

#endif
