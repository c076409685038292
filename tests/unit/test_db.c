/* test_db: schema creation, reopening, newer-version refusal, dirty, meta,
 * the statement cache. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "db.h"
#include "err.h"
#include "t.h"

static char dir[] = "/tmp/tj-test-db.XXXXXX";

static int
count(struct db *db, const char *sql)
{
	sqlite3_stmt *st;
	int n = -1;

	if (sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL) != SQLITE_OK)
		return -2;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void
test_open(const char *path)
{
	struct db *db;
	char *v;

	db = db_open(path);
	T_OK(db != NULL);
	if (db == NULL) {
		printf("    %s\n", err_get());
		return;
	}
	T_INT_EQ(count(db, "PRAGMA user_version"), DB_SCHEMA_VERSION);
	T_INT_EQ(count(db, "PRAGMA foreign_keys"), 1);
	T_INT_EQ(count(db, "SELECT count(*) FROM sqlite_master WHERE type = "
	    "'table' AND name IN ('commits', 'commit_edges', 'refs', "
	    "'metrics', 'runs', 'measurements', 'run_output', 'queue', "
	    "'workers', 'dirty', 'meta')"), 11);
	T_INT_EQ(db_dirty(db, "commit", "abc"), 0);
	T_INT_EQ(db_dirty(db, "commit", "abc"), 0);
	T_INT_EQ(db_dirty(db, "index", NULL), 0);
	T_INT_EQ(count(db, "SELECT count(*) FROM dirty"), 2);
	T_INT_EQ(db_meta_set(db, "token", "x"), 0);
	v = db_meta_get(db, "token");
	T_STR_EQ(v, "x");
	free(v);
	T_OK(db_meta_get(db, "nope") == NULL);
	T_STR_EQ(err_get(), "");
	T_INT_EQ(db_commit_id(db, "0123456789012345678901234567890123456789"),
	    0);
	/* Foreign keys are enforced. */
	T_INT_EQ(db_exec(db, "INSERT INTO refs (name, commit_id) "
	    "VALUES ('x', 42)"), -1);
	T_OK(strstr(err_get(), "FOREIGN KEY") != NULL);
	/* A rolled-back transaction leaves nothing. */
	T_INT_EQ(db_begin(db), 0);
	T_INT_EQ(db_dirty(db, "queue", ""), 0);
	db_rollback(db);
	T_INT_EQ(count(db, "SELECT count(*) FROM dirty"), 2);
	db_close(db);

	/* Reopening keeps everything. */
	db = db_open(path);
	T_OK(db != NULL);
	if (db != NULL) {
		T_INT_EQ(count(db, "SELECT count(*) FROM dirty"), 2);
		sqlite3_stmt *st;

		sqlite3_prepare_v2(db_handle(db), "PRAGMA journal_mode", -1,
		    &st, NULL);
		T_INT_EQ(sqlite3_step(st), SQLITE_ROW);
		T_STR_EQ((const char *)sqlite3_column_text(st, 0), "wal");
		sqlite3_finalize(st);
	}
	db_close(db);
}

static void
test_newer(const char *path)
{
	struct db *db;
	sqlite3 *h;
	struct stat a, b;

	T_INT_EQ(sqlite3_open(path, &h), SQLITE_OK);
	sqlite3_exec(h, "CREATE TABLE future (x); PRAGMA user_version = 99;",
	    NULL, NULL, NULL);
	sqlite3_close(h);
	T_INT_EQ(stat(path, &a), 0);
	db = db_open(path);
	T_OK(db == NULL);
	T_OK(strstr(err_get(), "newer tablejohn") != NULL);
	T_OK(strstr(err_get(), "99") != NULL);
	db_close(db);
	T_INT_EQ(stat(path, &b), 0);
	T_INT_EQ(a.st_size, b.st_size);
	T_INT_EQ(a.st_mtime, b.st_mtime);
	T_INT_EQ(access(path + 0, F_OK), 0);
}

static void
test_unopenable(void)
{
	struct db *db = db_open("/nonexistent/dir/x.db");

	T_OK(db == NULL);
	T_OK(strstr(err_get(), "/nonexistent/dir/x.db") != NULL);
}

/* The cache: keyed by name (not address), a statement in use is never
 * handed out again, another text under a known name is refused, no limit. */
static void
test_stmt_cache(const char *path)
{
	struct db *db = db_open(path);
	sqlite3_stmt *a, *b, *c;
	char sql[64], name[32];
	size_t names, stmts;
	int i, rows;

	T_OK(db != NULL);
	if (db == NULL)
		return;
	T_INT_EQ(db_exec(db, "CREATE TABLE t (v INTEGER);"
	    "INSERT INTO t VALUES (1), (2), (3)"), 0);
	/* Same name from two buffers with one text: one statement. */
	snprintf(sql, sizeof(sql), "SELECT v FROM t ORDER BY v");
	a = db_stmt(db, "t.all", "SELECT v FROM t ORDER BY v");
	b = db_stmt(db, "t.all", sql);
	T_OK(a != NULL && a == b);
	/* A caller steps a; a helper asking for the same name gets its own
	 * statement and runs it to the end; a's cursor goes on. */
	rows = 0;
	T_INT_EQ(sqlite3_step(a), SQLITE_ROW);
	T_INT_EQ(sqlite3_column_int(a, 0), 1);
	c = db_stmt(db, "t.all", sql);
	T_OK(c != NULL && c != a);
	while (c != NULL && sqlite3_step(c) == SQLITE_ROW)
		rows++;
	T_INT_EQ(rows, 3);
	T_INT_EQ(sqlite3_step(a), SQLITE_ROW);
	T_INT_EQ(sqlite3_column_int(a, 0), 2);
	sqlite3_reset(a);
	/* Both free again: no third statement. */
	T_OK(db_stmt(db, "t.all", sql) == a);
	db_stmt_stats(db, &names, &stmts);
	T_INT_EQ(names, 1);
	T_INT_EQ(stmts, 2);
	/* One name, one text. */
	T_OK(db_stmt(db, "t.all", "SELECT v FROM t") == NULL);
	T_OK(strstr(err_get(), "t.all") != NULL);
	/* Far past any fixed table: all cached, all usable. */
	for (i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "t.n%d", i);
		snprintf(sql, sizeof(sql), "SELECT v + %d FROM t WHERE v = 1",
		    i);
		a = db_stmt(db, name, sql);
		T_OK(a != NULL && sqlite3_step(a) == SQLITE_ROW &&
		    sqlite3_column_int(a, 0) == i + 1);
		if (a != NULL)
			sqlite3_reset(a);
	}
	db_stmt_stats(db, &names, &stmts);
	T_INT_EQ(names, 301);
	T_INT_EQ(stmts, 302);
	/* Still the first one, after the table grew. */
	T_OK(db_stmt(db, "t.n7", "SELECT v + 7 FROM t WHERE v = 1") != NULL);
	db_stmt_stats(db, &names, &stmts);
	T_INT_EQ(stmts, 302);
	db_close(db);
}

int
main(void)
{
	char *p1, *p2, *cmd;
	int rc;

	if (mkdtemp(dir) == NULL)
		return 1;
	p1 = xasprintf("%s/a.db", dir);
	p2 = xasprintf("%s/newer.db", dir);
	test_open(p1);
	test_newer(p2);
	test_unopenable();
	cmd = xasprintf("%s/cache.db", dir);
	test_stmt_cache(cmd);
	free(cmd);
	cmd = xasprintf("rm -rf %s", dir);
	rc = system(cmd);
	free(cmd);
	free(p1);
	free(p2);
	return rc != 0 ? 1 : T_DONE();
}
