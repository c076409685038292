/* common: option parsing, setup and REV resolution shared by the verbs. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "buf.h"
#include "err.h"
#include "gen.h"
#include "log.h"
#include "site/render.h"

static void
verb_help(struct gen *g, FILE *f)
{
	fprintf(f, "usage: tj-gen %s %s [--config FILE] [--db PATH] "
	    "[--repo PATH]\n\n%s.\n\n%s", g->verb->name, g->verb->args,
	    g->verb->summary, g->verb->help);
	fprintf(f, "Common options:\n"
	    "  --config FILE  the config file (default: $TJ_CONFIG, else\n"
	    "                 ./tablejohn.conf if it exists, else defaults)\n"
	    "  --db PATH      the sqlite db (default tablejohn.db)\n"
	    "  --repo PATH    the git repository (default .)\n"
	    "  --out DIR      where the site is rendered (default out)\n"
	    "  --no-render    do not render the pages this changed\n"
	    "  --quiet, --verbose, --help\n");
}

int
gen_usage(struct gen *g, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "tj-gen %s: ", g->verb->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: tj-gen %s %s\n(tj-gen %s --help tells "
	    "more)\n", g->verb->name, g->verb->args, g->verb->name);
	return EXIT_USAGE;
}

int
gen_parse(struct gen *g, int argc, char **argv, const struct option *opts,
    int (*verb_opt)(struct gen *, void *, int, const char *), void *ctx,
    int *first)
{
	int c;

	optind = 0;	/* glibc: reinitialise */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hqv", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			g->config_file = optarg;
			break;
		case 'd':
			g->db_path = optarg;
			break;
		case 'r':
			g->repo_path = optarg;
			break;
		case 'o':
			g->out_dir = optarg;
			break;
		case 'N':
			g->no_render = 1;
			break;
		case 'q':
			g->quiet = 1;
			log_set_level(LOG_WARN);
			break;
		case 'v':
			log_set_level(LOG_DEBUG);
			break;
		case 'h':
			verb_help(g, stdout);
			return EXIT_OK;
		case ':':
			return gen_usage(g, "option '%s' needs a value",
			    argv[optind - 1]);
		case '?':
			return gen_usage(g, "unknown option '%s'",
			    argv[optind - 1]);
		default:
			if (verb_opt == NULL || verb_opt(g, ctx, c, optarg) < 0)
				return EXIT_USAGE;
			break;
		}
	}
	if (first == NULL) {
		if (optind < argc)
			return gen_usage(g, "unexpected argument '%s'",
			    argv[optind]);
	} else {
		*first = optind;
	}
	return -1;
}

int
gen_setup(struct gen *g, int need_db)
{
	config_init(&g->cfg);
	if (config_load(&g->cfg, g->config_file) < 0)
		goto fail;
	if ((g->db_path && config_set(&g->cfg, "db.path", g->db_path) < 0) ||
	    (g->repo_path &&
	    config_set(&g->cfg, "repo.path", g->repo_path) < 0) ||
	    (g->out_dir && config_set(&g->cfg, "site.out", g->out_dir) < 0))
		goto fail;
	config_finish(&g->cfg);
	if (need_db) {
		g->db = db_open(g->cfg.db_path);
		if (g->db == NULL)
			goto fail;
	}
	return 0;
fail:
	gen_fail(g);
	return -1;
}

void
gen_teardown(struct gen *g)
{
	db_close(g->db);
	g->db = NULL;
	config_fini(&g->cfg);
}

int
gen_fail(struct gen *g)
{
	fprintf(stderr, "tj-gen %s: error: %s\n", g->verb->name, err_get());
	return EXIT_ERR;
}

int
gen_render(struct gen *g)
{
	long written, unchanged;

	if (g->no_render || g->db == NULL)
		return 0;
	if (render_site(g->db, &g->cfg, 0) < 0) {
		err_wrap("rendering %s (the changes are saved; tj-gen render "
		    "retries)", g->cfg.site_out);
		gen_fail(g);
		return -1;
	}
	render_stats(&written, &unchanged);
	if (!g->quiet && written > 0)
		printf("rendered %ld files into %s\n", written, g->cfg.site_out);
	return 0;
}

static int
is_hex(const char *s, size_t *n)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	*n = i;
	return i > 0;
}

/* Look a hash prefix up in the db (used when there is no repo). */
static int
resolve_in_db(struct gen *g, const char *rev, int64_t *id, char *hash)
{
	sqlite3_stmt *st;
	char lo[41], hi[41];
	size_t n;
	int found = 0, r;

	if (!is_hex(rev, &n) || n < 4 || n > 40) {
		err_set("cannot resolve '%s' without the repo: give a hash "
		    "(at least 4 hex digits) or --repo PATH", rev);
		return -1;
	}
	/* [prefix000..., prefixfff...] over the lower-case hashes. */
	for (size_t i = 0; i < 40; i++) {
		lo[i] = i < n ? (char)tolower((unsigned char)rev[i]) : '0';
		hi[i] = i < n ? lo[i] : 'f';
	}
	lo[40] = hi[40] = '\0';
	st = db_stmt(g->db, "gen.common.resolve_in_db",
	    "SELECT id, hash FROM commits WHERE hash BETWEEN "
	    "? AND ? LIMIT 2");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, lo, 40, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hi, 40, SQLITE_STATIC);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (found++ == 0) {
			*id = sqlite3_column_int64(st, 0);
			snprintf(hash, 41, "%s", sqlite3_column_text(st, 1));
		}
	}
	sqlite3_reset(st);
	if (r != SQLITE_DONE)
		return db_err(g->db, "looking up a commit");
	if (found == 0) {
		err_set("no commit in the db starts with '%s'", rev);
		return -1;
	}
	if (found > 1) {
		err_set("'%s' is ambiguous: several commits start with it; "
		    "give more hex digits", rev);
		return -1;
	}
	return 0;
}

int
gen_resolve(struct gen *g, const char *rev, int64_t *id, char *hash)
{
	git_repository *repo = NULL;
	git_object *obj = NULL, *commit = NULL;
	int rc = -1, r;

	git_libgit2_init();
	if (git_repository_open_ext(&repo, g->cfg.repo_path,
	    GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0) {
		git_error_clear();
		rc = resolve_in_db(g, rev, id, hash);
		goto out;
	}
	r = git_revparse_single(&obj, repo, rev);
	if (r == GIT_EAMBIGUOUS) {
		err_set("'%s' is ambiguous: several objects start with it; give "
		    "more hex digits", rev);
		goto out;
	}
	if (r < 0) {
		err_set("unknown revision '%s' in %s (try a hash, a branch, a "
		    "tag or HEAD~3; tj-gen refs lists the refs)", rev,
		    g->cfg.repo_path);
		goto out;
	}
	if (git_object_peel(&commit, obj, GIT_OBJECT_COMMIT) < 0) {
		err_set("'%s' is not a commit", rev);
		goto out;
	}
	git_oid_tostr(hash, 41, git_object_id(commit));
	*id = db_commit_id(g->db, hash);
	if (*id < 0)
		goto out;
	if (*id == 0) {
		err_set("commit %s is not in the db yet: run tj-gen update "
		    "first", hash);
		goto out;
	}
	rc = 0;
out:
	git_error_clear();
	git_object_free(commit);
	git_object_free(obj);
	git_repository_free(repo);
	return rc;
}
