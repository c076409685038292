/* db: opening, schema migrations and cached statements. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "err.h"
#include "log.h"

/*
 * The statement cache: a hash table from a statement's name to its SQL and
 * every statement prepared for it. A name gets a second statement only
 * while its first is in use (stepped and not yet reset), so the list is as
 * long as the deepest nesting of one query, usually 1.
 */
struct slot {
	char *name;
	char *sql;
	const char *seen;	/* the last sql pointer found equal to sql */
	sqlite3_stmt **st;
	size_t n, cap;
	struct slot *next;	/* the bucket's chain */
};

struct db {
	sqlite3 *h;
	struct slot **bucket;
	size_t nbuckets, nslots;
};

/*
 * The indexes a first import drops and builds once at the end
 * (db_bulk_indexes), written once here for the schema and for it.
 */
#define INDEX_COMMITS_HASH "CREATE UNIQUE INDEX commits_hash ON commits(hash);"
#define INDEX_EDGES_PARENT "CREATE INDEX commit_edges_parent ON " \
	"commit_edges(parent, child);"

/*
 * Migrations: migrations[i] takes user_version i to i + 1. Append only;
 * never edit a step that has shipped.
 */
static const char *const migrations[] = {
	/* 0 -> 1: the whole schema (docs/architecture.md lists the tables). */
	"CREATE TABLE meta ("
	"  key TEXT PRIMARY KEY,"
	"  value TEXT NOT NULL"
	") WITHOUT ROWID;"
	/* reachable: 0 from no ref, 1 from some ref, 2 from a tracked ref. */
	"CREATE TABLE commits ("
	"  id INTEGER PRIMARY KEY,"
	"  hash TEXT NOT NULL,"
	"  author_name TEXT NOT NULL,"
	"  author_email TEXT NOT NULL,"
	"  author_time INTEGER NOT NULL,"
	"  author_tz INTEGER NOT NULL,"
	"  committer_name TEXT NOT NULL,"
	"  committer_email TEXT NOT NULL,"
	"  committer_time INTEGER NOT NULL,"
	"  committer_tz INTEGER NOT NULL,"
	"  message TEXT NOT NULL,"
	"  reachable INTEGER NOT NULL DEFAULT 0"
	");"
	INDEX_COMMITS_HASH
	/* idx: the parent's position (0 = first parent). */
	"CREATE TABLE commit_edges ("
	"  child INTEGER NOT NULL REFERENCES commits(id),"
	"  parent INTEGER NOT NULL REFERENCES commits(id),"
	"  idx INTEGER NOT NULL,"
	"  PRIMARY KEY (child, parent)"
	") WITHOUT ROWID;"
	INDEX_EDGES_PARENT
	"CREATE TABLE refs ("
	"  name TEXT PRIMARY KEY,"
	"  commit_id INTEGER NOT NULL REFERENCES commits(id),"
	"  tracked INTEGER NOT NULL DEFAULT 0"
	");"
	/* direction: -1 lower is better, 1 higher is better, 0 neither. */
	"CREATE TABLE metrics ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  unit TEXT,"
	"  direction INTEGER NOT NULL DEFAULT 0"
	");"
	/* Times are unix seconds (with fractions). bench_method is the wire
	 * JSON, e.g. {"type":"internal"}. */
	"CREATE TABLE runs ("
	"  id TEXT PRIMARY KEY,"
	"  commit_id INTEGER NOT NULL REFERENCES commits(id),"
	"  bench_method TEXT NOT NULL,"
	"  worker TEXT NOT NULL,"
	"  start_time REAL NOT NULL,"
	"  end_time REAL,"
	"  exit_code INTEGER,"
	"  error TEXT"
	");"
	"CREATE INDEX runs_commit ON runs(commit_id, start_time);"
	"CREATE INDEX runs_worker ON runs(worker, start_time);"
	"CREATE INDEX runs_end ON runs(end_time);"
	/* vals: a JSON array with every value, in the order reported; the
	 * summary columns are derived from it at insert time. error: the
	 * metric failed (vals may still hold what was measured). */
	"CREATE TABLE measurements ("
	"  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  metric_id INTEGER NOT NULL REFERENCES metrics(id),"
	"  vals TEXT NOT NULL DEFAULT '[]',"
	"  n INTEGER NOT NULL DEFAULT 0,"
	"  median REAL,"
	"  min REAL,"
	"  max REAL,"
	"  stddev REAL,"
	"  error TEXT,"
	"  PRIMARY KEY (run_id, metric_id)"
	") WITHOUT ROWID;"
	"CREATE INDEX measurements_metric ON measurements(metric_id);"
	/* source: 0 internal, 1 stdout, 2 stderr. */
	"CREATE TABLE run_output ("
	"  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  line INTEGER NOT NULL,"
	"  source INTEGER NOT NULL,"
	"  text TEXT NOT NULL,"
	"  PRIMARY KEY (run_id, line)"
	") WITHOUT ROWID;"
	/* A queued commit may be reserved by the worker it was handed to. */
	"CREATE TABLE queue ("
	"  commit_id INTEGER PRIMARY KEY REFERENCES commits(id),"
	"  added REAL NOT NULL,"
	"  priority INTEGER NOT NULL DEFAULT 0,"
	"  reserved_by TEXT,"
	"  reserved_since REAL,"
	"  run_id TEXT"
	");"
	"CREATE INDEX queue_order ON queue(priority DESC, added DESC);"
	/* status: idle, busy or working; last_output: JSON [[source,text]]. */
	"CREATE TABLE workers ("
	"  name TEXT PRIMARY KEY,"
	"  secret TEXT NOT NULL,"
	"  info TEXT,"
	"  first_seen REAL NOT NULL,"
	"  last_seen REAL NOT NULL,"
	"  status TEXT NOT NULL DEFAULT 'idle',"
	"  run_id TEXT,"
	"  run_commit_id INTEGER REFERENCES commits(id),"
	"  run_start REAL,"
	"  last_output TEXT"
	");"
	"CREATE TABLE dirty ("
	"  kind TEXT NOT NULL,"
	"  key TEXT NOT NULL,"
	"  PRIMARY KEY (kind, key)"
	") WITHOUT ROWID;",
	/* 1 -> 2: why each commit is queued. reason: new, manual, backfill,
	 * confirm or bisect; change_id, step and steps say which change and
	 * how far its bisection is (the text is derived, lib/queue.c). */
	"ALTER TABLE queue ADD COLUMN reason TEXT NOT NULL DEFAULT 'new';"
	"ALTER TABLE queue ADD COLUMN change_id INTEGER;"
	"ALTER TABLE queue ADD COLUMN step INTEGER;"
	"ALTER TABLE queue ADD COLUMN steps INTEGER;",
	/* 2 -> 3: the runs a change's confirmation and bisection spent
	 * (kind: confirm or bisect, as queued; verdict: the side the run's
	 * commit was put on, -1 before, 1 after, 0 not yet known), and what
	 * bisection and triage found for a change (culprit, via: the merge
	 * it came in by; triage: ack or ignore). Keyed by changes.id, which
	 * re-detection keeps. */
	"CREATE TABLE bisect_runs ("
	"  run_id TEXT PRIMARY KEY,"
	"  change_id INTEGER NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  step INTEGER,"
	"  verdict INTEGER NOT NULL DEFAULT 0"
	") WITHOUT ROWID;"
	"CREATE INDEX bisect_runs_change ON bisect_runs(change_id);"
	"CREATE TABLE change_notes ("
	"  change_id INTEGER PRIMARY KEY,"
	"  culprit INTEGER REFERENCES commits(id),"
	"  via INTEGER REFERENCES commits(id),"
	"  step INTEGER,"
	"  steps INTEGER,"
	"  triage TEXT,"
	"  note TEXT,"
	"  updated REAL"
	");",
	/* 3 -> 4: changes found by the detector (lib/changes.c) along a
	 * tracked ref's first-parent history: the last run before and the
	 * first after, n_between commits with no run between their commits,
	 * the levels, delta in the unit and in %, confidence 0..1, verdict
	 * (-1 regression, 1 improvement, 0 neither, by the metric's
	 * direction), state ('new' from detection; bisect adds its own).
	 * noise: each metric's noise model on a ref (lib/stats.h). The
	 * 'detect' dirty row with key '*' asks for a full detection. */
	"CREATE TABLE changes ("
	"  id INTEGER PRIMARY KEY,"
	"  metric_id INTEGER NOT NULL REFERENCES metrics(id),"
	"  ref TEXT NOT NULL,"
	"  before_run TEXT NOT NULL,"
	"  after_run TEXT NOT NULL,"
	"  before_commit INTEGER NOT NULL REFERENCES commits(id),"
	"  after_commit INTEGER NOT NULL REFERENCES commits(id),"
	"  n_between INTEGER NOT NULL,"
	"  before_value REAL NOT NULL,"
	"  after_value REAL NOT NULL,"
	"  delta REAL NOT NULL,"
	"  delta_pct REAL NOT NULL,"
	"  confidence REAL NOT NULL,"
	"  verdict INTEGER NOT NULL,"
	"  state TEXT NOT NULL DEFAULT 'new',"
	"  found REAL NOT NULL,"
	"  updated REAL NOT NULL"
	");"
	"CREATE INDEX changes_metric_ref ON changes(metric_id, ref, "
	"after_commit);"
	"CREATE INDEX changes_found ON changes(found);"
	"CREATE TABLE noise ("
	"  metric_id INTEGER NOT NULL REFERENCES metrics(id),"
	"  ref TEXT NOT NULL,"
	"  runs INTEGER NOT NULL,"
	"  deterministic INTEGER NOT NULL,"
	"  run_to_run REAL NOT NULL,"
	"  within_run REAL NOT NULL,"
	"  floor REAL,"
	"  PRIMARY KEY (metric_id, ref)"
	") WITHOUT ROWID;"
	/* A db that has runs already gets one full detection pass. */
	"INSERT OR IGNORE INTO dirty (kind, key) SELECT 'detect', '*' "
	"WHERE EXISTS (SELECT 1 FROM runs);",
	/* 4 -> 5: pair: 1 when the change was suspected from two
	 * neighbouring runs alone (lib/detect.h), not from levels of
	 * several runs: hidden from lists until confirmed. A full detection
	 * finds the pairs of a db that has runs. */
	"ALTER TABLE changes ADD COLUMN pair INTEGER NOT NULL DEFAULT 0;"
	"INSERT OR IGNORE INTO dirty (kind, key) SELECT 'detect', '*' "
	"WHERE EXISTS (SELECT 1 FROM runs);",
	/* 5 -> 6: mainline: 1 on the first-parent line of a tracked ref
	 * (lib/update.c keeps it). The site writes full pages only for
	 * such commits, ref tips, commits with runs and their neighbours
	 * (lib/site/render.c); the others are re-rendered once, into the
	 * shard pages. refs_commit: the refs at a commit. */
	"ALTER TABLE commits ADD COLUMN mainline INTEGER NOT NULL DEFAULT 0;"
	"UPDATE commits SET mainline = 1 WHERE id IN ("
	"  WITH RECURSIVE fp(id) AS ("
	"    SELECT commit_id FROM refs WHERE tracked"
	"    UNION"
	"    SELECT e.parent FROM commit_edges e JOIN fp ON e.child = fp.id"
	"    WHERE e.idx = 0"
	"  ) SELECT id FROM fp);"
	"CREATE INDEX refs_commit ON refs(commit_id);"
	"INSERT OR IGNORE INTO dirty (kind, key) SELECT 'commit', hash "
	"FROM commits WHERE mainline = 0;",
};

#define N_MIGRATIONS (int)(sizeof(migrations) / sizeof(migrations[0]))

/* DB_BUSY_TIMEOUT_MS, or $TJ_DB_BUSY_TIMEOUT_MS (tests use a short one). */
static int
busy_timeout_ms(void)
{
	const char *env = getenv("TJ_DB_BUSY_TIMEOUT_MS");
	long v;

	if (env != NULL && (v = strtol(env, NULL, 10)) > 0 && v < 3600000)
		return (int)v;
	return DB_BUSY_TIMEOUT_MS;
}

int
db_err(struct db *db, const char *context)
{
	int code = sqlite3_errcode(db->h);

	if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
		err_set("%s: the database is locked: another tablejohn process "
		    "held it for more than %.1f s; retry, or look for a stuck "
		    "tj-gen/tj-api", context, busy_timeout_ms() / 1000.0);
	else
		err_set("%s: %s", context, sqlite3_errmsg(db->h));
	return -1;
}

static int
user_version(struct db *db, int *v)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(db->h, "PRAGMA user_version", -1, &st,
	    NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
		db_err(db, "reading the schema version");
		goto out;
	}
	*v = sqlite3_column_int(st, 0);
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

static int
migrate(struct db *db, const char *path)
{
	char pragma[64];
	int v, rc = -1;

	if (user_version(db, &v) < 0)
		return -1;
	if (v > DB_SCHEMA_VERSION) {
		err_set("%s was written by a newer tablejohn (schema %d; this "
		    "one knows up to %d): upgrade tablejohn, the db was not "
		    "touched", path, v, DB_SCHEMA_VERSION);
		return -1;
	}
	if (v == DB_SCHEMA_VERSION)
		return 0;
	if (db_begin(db) < 0)
		return -1;
	/* Another process may have migrated while we waited for the lock. */
	if (user_version(db, &v) < 0)
		goto out;
	for (; v < DB_SCHEMA_VERSION && v < N_MIGRATIONS; v++) {
		if (db_exec(db, migrations[v]) < 0) {
			err_wrap("%s: migrating to schema %d", path, v + 1);
			goto out;
		}
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d",
		    v + 1);
		if (db_exec(db, pragma) < 0)
			goto out;
	}
	rc = db_commit(db);
out:
	if (rc < 0)
		db_rollback(db);
	return rc;
}

struct db *
db_open(const char *path)
{
	struct db *db = xcalloc(1, sizeof(*db));
	int v;

	if (sqlite3_open_v2(path, &db->h, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		err_set("%s: cannot open database: %s", path,
		    db->h ? sqlite3_errmsg(db->h) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(db->h, busy_timeout_ms());
	sqlite3_extended_result_codes(db->h, 0);
	/* Refuse a newer db before anything writes to the file. */
	if (user_version(db, &v) < 0) {
		err_wrap("%s", path);
		goto fail;
	}
	if (v > DB_SCHEMA_VERSION) {
		err_set("%s was written by a newer tablejohn (schema %d; this "
		    "one knows up to %d): upgrade tablejohn, the db was not "
		    "touched", path, v, DB_SCHEMA_VERSION);
		goto fail;
	}
	if (db_exec(db, "PRAGMA journal_mode = WAL;"
	    "PRAGMA synchronous = NORMAL;"
	    "PRAGMA foreign_keys = ON;") < 0) {
		err_wrap("%s", path);
		goto fail;
	}
	if (migrate(db, path) < 0)
		goto fail;
	return db;
fail:
	db_close(db);
	return NULL;
}

static void
cache_free(struct db *db)
{
	struct slot *sl, *next;
	size_t b, i;

	for (b = 0; b < db->nbuckets; b++) {
		for (sl = db->bucket[b]; sl != NULL; sl = next) {
			next = sl->next;
			for (i = 0; i < sl->n; i++)
				sqlite3_finalize(sl->st[i]);
			free(sl->st);
			free(sl->name);
			free(sl->sql);
			free(sl);
		}
	}
	free(db->bucket);
	db->bucket = NULL;
	db->nbuckets = db->nslots = 0;
}

void
db_close(struct db *db)
{
	if (db == NULL)
		return;
	cache_free(db);
	if (db->h != NULL && sqlite3_close(db->h) != SQLITE_OK)
		log_warn("closing the database: %s", sqlite3_errmsg(db->h));
	free(db);
}

sqlite3 *
db_handle(struct db *db)
{
	return db->h;
}

/* FNV-1a of a statement's name. */
static size_t
name_hash(const char *s)
{
	uint64_t h = 14695981039346656037ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return (size_t)h;
}

/* Double the buckets when the chains average more than one slot. */
static void
cache_grow(struct db *db)
{
	struct slot **nb, *sl, *next;
	size_t n = db->nbuckets ? db->nbuckets * 2 : 64, b, k;

	nb = xcalloc(n, sizeof(*nb));
	for (b = 0; b < db->nbuckets; b++) {
		for (sl = db->bucket[b]; sl != NULL; sl = next) {
			next = sl->next;
			k = name_hash(sl->name) & (n - 1);
			sl->next = nb[k];
			nb[k] = sl;
		}
	}
	free(db->bucket);
	db->bucket = nb;
	db->nbuckets = n;
}

static struct slot *
cache_slot(struct db *db, const char *name, const char *sql)
{
	struct slot *sl;
	size_t k;

	if (db->nbuckets > 0) {
		k = name_hash(name) & (db->nbuckets - 1);
		for (sl = db->bucket[k]; sl != NULL; sl = sl->next)
			if (strcmp(sl->name, name) == 0)
				return sl;
	}
	if (db->nslots >= db->nbuckets)
		cache_grow(db);
	sl = xcalloc(1, sizeof(*sl));
	sl->name = xstrdup(name);
	sl->sql = xstrdup(sql);
	k = name_hash(name) & (db->nbuckets - 1);
	sl->next = db->bucket[k];
	db->bucket[k] = sl;
	db->nslots++;
	return sl;
}

sqlite3_stmt *
db_stmt(struct db *db, const char *name, const char *sql)
{
	struct slot *sl = cache_slot(db, name, sql);
	sqlite3_stmt *st;
	size_t i;

	/* One name, one query: a second text under a name is a bug. */
	if (sl->seen != sql) {
		if (strcmp(sl->sql, sql) != 0) {
			err_set("statement '%s' is defined with two different "
			    "SQL texts", name);
			return NULL;
		}
		sl->seen = sql;
	}
	for (i = 0; i < sl->n; i++) {
		if (!sqlite3_stmt_busy(sl->st[i])) {
			sqlite3_reset(sl->st[i]);
			sqlite3_clear_bindings(sl->st[i]);
			return sl->st[i];
		}
	}
	if (sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
	    NULL) != SQLITE_OK) {
		db_err(db, "preparing a statement");
		err_wrap("statement '%s'", name);
		return NULL;
	}
	if (sl->n == sl->cap) {
		sl->cap = sl->cap ? sl->cap * 2 : 1;
		sl->st = xrealloc(sl->st, sl->cap * sizeof(*sl->st));
	}
	sl->st[sl->n++] = st;
	return st;
}

void
db_reset_all(struct db *db)
{
	struct slot *sl;
	size_t b, i;

	for (b = 0; b < db->nbuckets; b++)
		for (sl = db->bucket[b]; sl != NULL; sl = sl->next)
			for (i = 0; i < sl->n; i++)
				sqlite3_reset(sl->st[i]);
}

void
db_stmt_stats(struct db *db, size_t *names, size_t *stmts)
{
	struct slot *sl;
	size_t b;

	*names = db->nslots;
	*stmts = 0;
	for (b = 0; b < db->nbuckets; b++)
		for (sl = db->bucket[b]; sl != NULL; sl = sl->next)
			*stmts += sl->n;
}

int
db_exec(struct db *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
		if (sqlite3_errcode(db->h) == SQLITE_BUSY)
			db_err(db, "executing");
		else
			err_set("%s", msg ? msg : sqlite3_errmsg(db->h));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int
db_bulk_indexes(struct db *db, int build)
{
	if (build)
		return db_exec(db, INDEX_COMMITS_HASH INDEX_EDGES_PARENT);
	return db_exec(db, "DROP INDEX commits_hash;"
	    "DROP INDEX commit_edges_parent;");
}

int
db_begin(struct db *db)
{
	return db_exec(db, "BEGIN IMMEDIATE");
}

int
db_commit(struct db *db)
{
	if (db_exec(db, "COMMIT") < 0) {
		err_wrap("committing");
		db_rollback(db);
		return -1;
	}
	return 0;
}

void
db_rollback(struct db *db)
{
	if (sqlite3_get_autocommit(db->h))
		return;
	if (sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK)
		log_warn("rollback: %s", sqlite3_errmsg(db->h));
}

int
db_step_done(struct db *db, sqlite3_stmt *st)
{
	int r = sqlite3_step(st);

	while (r == SQLITE_ROW)
		r = sqlite3_step(st);
	if (r != SQLITE_DONE) {
		db_err(db, "writing to the database");
		sqlite3_reset(st);
		return -1;
	}
	sqlite3_reset(st);
	return 0;
}

int
db_run_int(struct db *db, const char *name, const char *sql, int64_t v)
{
	sqlite3_stmt *st = db_stmt(db, name, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, v);
	return db_step_done(db, st);
}

int
db_dirty(struct db *db, const char *kind, const char *key)
{
	sqlite3_stmt *st = db_stmt(db, "db.dirty",
	    "INSERT OR IGNORE INTO dirty (kind, key) VALUES (?, ?)");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key ? key : "", -1, SQLITE_STATIC);
	return db_step_done(db, st);
}

char *
db_meta_get(struct db *db, const char *key)
{
	sqlite3_stmt *st = db_stmt(db, "db.meta_get",
	    "SELECT value FROM meta WHERE key = ?");
	char *v = NULL;
	int r;

	err_clear();
	if (st == NULL)
		return NULL;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		v = xstrdup((const char *)sqlite3_column_text(st, 0));
	else if (r != SQLITE_DONE)
		db_err(db, "reading meta");
	sqlite3_reset(st);
	return v;
}

int
db_meta_set(struct db *db, const char *key, const char *value)
{
	sqlite3_stmt *st = db_stmt(db, "db.meta_set",
	    "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	return db_step_done(db, st);
}

int64_t
db_commit_id(struct db *db, const char *hash)
{
	sqlite3_stmt *st = db_stmt(db, "db.commit_id",
	    "SELECT id FROM commits WHERE hash = ?");
	int64_t id = 0;
	int r;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	else if (r != SQLITE_DONE)
		id = db_err(db, "looking up a commit");
	sqlite3_reset(st);
	return id;
}
