/* refs: `tj-gen refs`, `track REF` and `untrack REF`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "gen.h"
#include "update.h"

/* The first line of a message, at most 72 bytes, without control chars. */
static void
print_subject(const char *msg)
{
	size_t n = 0;

	while (msg[n] != '\0' && msg[n] != '\n' && n < 72)
		n++;
	for (size_t i = 0; i < n; i++)
		putchar((unsigned char)msg[i] < 0x20 ? ' ' : msg[i]);
}

int
cmd_refs(struct gen *g, int argc, char **argv)
{
	static const struct option opts[] = {GEN_OPTIONS};
	sqlite3_stmt *st;
	int rc, r, n = 0;

	rc = gen_parse(g, argc, argv, opts, NULL, NULL, NULL);
	if (rc >= 0)
		return rc;
	if (gen_setup(g, 1) < 0)
		return EXIT_ERR;
	st = db_stmt(g->db, "gen.refs.cmd_refs",
	    "SELECT r.tracked, c.hash, r.name, c.message FROM "
	    "refs r JOIN commits c ON c.id = r.commit_id ORDER BY r.tracked "
	    "DESC, r.name");
	if (st == NULL)
		return gen_fail(g);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		printf("%s %.12s %s  ", sqlite3_column_int(st, 0) ? "tracked  " :
		    "untracked", sqlite3_column_text(st, 1),
		    sqlite3_column_text(st, 2));
		print_subject((const char *)sqlite3_column_text(st, 3));
		putchar('\n');
		n++;
	}
	sqlite3_reset(st);
	if (r != SQLITE_DONE) {
		db_err(g->db, "listing refs");
		return gen_fail(g);
	}
	if (n == 0 && !g->quiet)
		fprintf(stderr, "tj-gen refs: no refs yet (run tj-gen update)\n");
	return EXIT_OK;
}

/* The full name of the ref REF names: exact, or under refs/heads/,
 * refs/tags/, refs/remotes/. NULL with err_set if none or several. */
static char *
find_ref(struct gen *g, const char *ref)
{
	static const char *const prefixes[] = {"", "refs/", "refs/heads/",
	    "refs/tags/", "refs/remotes/"};
	sqlite3_stmt *st;
	char *name, *found = NULL;
	size_t i;
	int r;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		name = xasprintf("%s%s", prefixes[i], ref);
		st = db_stmt(g->db, "gen.refs.find_ref",
		    "SELECT 1 FROM refs WHERE name = ?");
		if (st == NULL) {
			free(name);
			return NULL;
		}
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		r = sqlite3_step(st);
		sqlite3_reset(st);
		if (r == SQLITE_ROW) {
			found = name;
			break;
		}
		free(name);
		if (r != SQLITE_DONE) {
			db_err(g->db, "looking up a ref");
			return NULL;
		}
	}
	if (found == NULL)
		err_set("unknown ref '%s' (tj-gen refs lists them; run tj-gen "
		    "update if it is new)", ref);
	return found;
}

static int
opt(struct gen *g, void *ctx, int c, const char *arg)
{
	(void)g;
	(void)arg;
	*(enum update_queue *)ctx = c == 'T' ? UPDATE_QUEUE_TIPS :
	    UPDATE_QUEUE_NONE;
	return 0;
}

/* Set REF's tracked flag and fix reachability and the queue. */
static int
set_tracked(struct gen *g, int argc, char **argv, int tracked)
{
	static const struct option track_opts[] = {
		{"tip-only", no_argument, NULL, 'T'},
		{"no-queue", no_argument, NULL, 'Q'},
		GEN_OPTIONS,
	};
	static const struct option untrack_opts[] = {GEN_OPTIONS};
	enum update_queue mode = UPDATE_QUEUE_ALL;
	sqlite3_stmt *st;
	char *name = NULL;
	int64_t queued;
	int first, rc;

	rc = gen_parse(g, argc, argv, tracked ? track_opts : untrack_opts, opt,
	    &mode, &first);
	if (rc >= 0)
		return rc;
	if (first != argc - 1)
		return gen_usage(g, "needs exactly one REF");
	if (gen_setup(g, 1) < 0)
		return EXIT_ERR;
	if (db_begin(g->db) < 0)
		return gen_fail(g);
	name = find_ref(g, argv[first]);
	if (name == NULL)
		goto fail;
	st = db_stmt(g->db, "gen.refs.set_tracked",
	    "UPDATE refs SET tracked = ? WHERE name = ? AND "
	    "tracked != ?");
	if (st == NULL)
		goto fail;
	sqlite3_bind_int(st, 1, tracked);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, tracked);
	if (db_step_done(g->db, st) < 0)
		goto fail;
	if (sqlite3_changes(db_handle(g->db)) == 0) {
		printf("%s is already %s\n", name, tracked ? "tracked" :
		    "untracked");
		db_rollback(g->db);
		free(name);
		return EXIT_OK;
	}
	if (db_dirty(g->db, "ref", name) < 0 ||
	    db_dirty(g->db, "index", "") < 0)
		goto fail;
	queued = update_reachability(g->db, mode);
	if (queued < 0 || db_commit(g->db) < 0)
		goto fail;
	if (!g->quiet)
		printf("%s %s; %lld commits queued\n", tracked ? "tracking" :
		    "no longer tracking", name, (long long)queued);
	free(name);
	return gen_render(g) < 0 ? EXIT_ERR : EXIT_OK;
fail:
	db_rollback(g->db);
	free(name);
	return gen_fail(g);
}

int
cmd_track(struct gen *g, int argc, char **argv)
{
	return set_tracked(g, argc, argv, 1);
}

int
cmd_untrack(struct gen *g, int argc, char **argv)
{
	return set_tracked(g, argc, argv, 0);
}
