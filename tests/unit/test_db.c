/* test_db: schema creation, reopening, newer-version refusal, dirty, meta. */
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
	cmd = xasprintf("rm -rf %s", dir);
	rc = system(cmd);
	free(cmd);
	free(p1);
	free(p2);
	return rc != 0 ? 1 : T_DONE();
}
