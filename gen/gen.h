/* gen.h: what tj-gen's verbs share (options, setup, rendering after). */
#ifndef TJ_GEN_H
#define TJ_GEN_H

#include <getopt.h>
#include <stddef.h>

#include "config.h"
#include "db.h"

/* Exit codes of every tablejohn program. */
#define EXIT_OK 0
#define EXIT_ERR 1
#define EXIT_USAGE 2

struct gen;

struct gen_verb {
	const char *name;
	int (*run)(struct gen *g, int argc, char **argv);
	const char *args;	/* "[--fetch]": shown after the verb */
	const char *summary;	/* one line for `tj-gen --help` */
	const char *help;	/* the rest of `tj-gen VERB --help` */
};

struct gen {
	const struct gen_verb *verb;
	const char *config_file;	/* --config */
	const char *db_path;		/* --db */
	const char *repo_path;		/* --repo */
	const char *out_dir;		/* --out */
	int no_render;			/* --no-render */
	int quiet;			/* --quiet */
	struct config cfg;
	struct db *db;
};

/* The long options every verb takes; end a verb's option array with it. */
#define GEN_OPTIONS                                                      \
	{"config", required_argument, NULL, 'c'},                        \
	{"db", required_argument, NULL, 'd'},                            \
	{"repo", required_argument, NULL, 'r'},                          \
	{"out", required_argument, NULL, 'o'},                           \
	{"no-render", no_argument, NULL, 'N'},                           \
	{"quiet", no_argument, NULL, 'q'},                               \
	{"verbose", no_argument, NULL, 'v'},                             \
	{"help", no_argument, NULL, 'h'},                                \
	{NULL, 0, NULL, 0}

/*
 * Parse argv (argv[0] is the verb) with the verb's options opts (which end
 * in GEN_OPTIONS). Each option that is not a common one is handed to
 * verb_opt(g, ctx, c, optarg), which returns 0 or -1 (a bad value: it has
 * printed why). On return *first is the index of the first operand; with
 * first NULL the verb takes none, and an operand is a usage error.
 * Returns -1 to go on, or the exit code to return now (0 after --help,
 * EXIT_USAGE after a usage error, which has been printed).
 */
int gen_parse(struct gen *g, int argc, char **argv,
    const struct option *opts, int (*verb_opt)(struct gen *, void *, int,
    const char *), void *ctx, int *first);

/* Print "usage: tj-gen VERB ARGS" and a hint to stderr; EXIT_USAGE. */
int gen_usage(struct gen *g, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Load the config (file, then the command-line overrides) and, with
 * need_db, open the db. On failure prints the error and returns -1.
 */
int gen_setup(struct gen *g, int need_db);

/* Close the db and free the config. */
void gen_teardown(struct gen *g);

/* Render the pages the verb made dirty, unless --no-render. 0 or -1
 * (printed). */
int gen_render(struct gen *g);

/* Print err_get() as an error of this verb; returns EXIT_ERR. */
int gen_fail(struct gen *g);

/*
 * Resolve REV (a hash or prefix, a branch, a tag, HEAD~3: anything libgit2
 * resolves) to a commit of the db: its id and 40-hex hash (hash has room for
 * 41 bytes). Without a repo, hash prefixes are looked up in the db. 0, or
 * -1 with err_set saying what to do.
 */
int gen_resolve(struct gen *g, const char *rev, int64_t *id, char *hash);

struct result;
/* import.c: store r as run id of commit hash, bench method {"type": "import",
 * "format": format}, with note and r's warnings as its output, in the open
 * transaction (store_run). 1 stored, 0 there already, -1 with err_set. */
int import_store(struct db *db, const struct result *r, const char *id,
    const char *hash, const char *format, const char *worker, double start,
    double end, const char *note);

/* hist.c: whole histories. Every entry is parsed before anything is
 * stored (one transaction: a malformed file stores nothing). */
struct hist_stats {
	size_t stored, already, missing, values;
	char first_missing[41];
	char **warn;
	size_t n_warn;
};
void hist_stats_fini(struct hist_stats *hs);
/* github-action-benchmark's data.js (or its JSON). worker NULL: "gab". */
int hist_gab(struct db *db, const char *path, const char *worker,
    struct hist_stats *hs);
/* asv's results/ directory. worker NULL: each machine's name. */
int hist_asv(struct db *db, const char *dir, const char *worker,
    struct hist_stats *hs);

/* The verbs, one file each. */
int cmd_update(struct gen *g, int argc, char **argv);
int cmd_refs(struct gen *g, int argc, char **argv);
int cmd_track(struct gen *g, int argc, char **argv);
int cmd_untrack(struct gen *g, int argc, char **argv);
int cmd_queue(struct gen *g, int argc, char **argv);
int cmd_change(struct gen *g, int argc, char **argv);
int cmd_token(struct gen *g, int argc, char **argv);
int cmd_render(struct gen *g, int argc, char **argv);
int cmd_serve(struct gen *g, int argc, char **argv);
int cmd_detect(struct gen *g, int argc, char **argv);
int cmd_import(struct gen *g, int argc, char **argv);
int cmd_check(struct gen *g, int argc, char **argv);
int cmd_changes(struct gen *g, int argc, char **argv);

/* term.c: stdout and stderr from now on write control characters escaped
 * (\xNN), so repo data printed by any verb cannot drive a terminal. */
void term_guard(void);

#endif
