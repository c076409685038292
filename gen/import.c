/* import: `tj-gen import`, results made elsewhere stored as runs: one
 * document on a commit, or a github-action-benchmark or asv history. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <git2.h>

#include "buf.h"
#include "err.h"
#include "fmt.h"
#include "fsx.h"
#include "gen.h"
#include "proto.h"
#include "result.h"
#include "store.h"

struct iopts {
	const char *commit;
	const char *format;
	const char *from;
	const char *worker;
	int dry_run;
};

static int
opt(struct gen *g, void *ctx, int c, const char *arg)
{
	struct iopts *o = ctx;

	(void)g;
	if (c == 'C')
		o->commit = arg;
	else if (c == 'F')
		o->format = arg;
	else if (c == 'R')
		o->from = arg;
	else if (c == 'W')
		o->worker = arg;
	else if (c == 'n')
		o->dry_run = 1;
	return 0;
}

int
import_store(struct db *db, const struct result *r, const char *id,
    const char *hash, const char *format, const char *worker, double start,
    double end, const char *note)
{
	struct store_run s;
	cJSON *ms, *out;
	char *bm;
	int rc;

	ms = result_json(r);
	out = result_output(r, note);
	bm = xasprintf("{\"type\":\"import\",\"format\":\"%s\"}", format);
	memset(&s, 0, sizeof(s));
	s.id = id;
	s.hash = hash;
	s.bench_method = bm;
	s.start = start;
	s.end = end;
	s.has_end = 1;
	s.error = r->error;
	s.output = out;
	s.measurements = ms;
	rc = store_run(db, &s, worker);
	if (rc == STORE_DUP_METRIC)
		err_set("metric '%s' twice", err_get());
	free(bm);
	cJSON_Delete(ms);
	cJSON_Delete(out);
	return rc < 0 ? -1 : rc;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --dry-run: read and check the document, store nothing. */
static int
check_one(struct gen *g, struct iopts *o, const char *file)
{
	struct result r;
	enum fmt f = FMT_UNKNOWN, used = FMT_UNKNOWN;
	char *data = NULL;
	size_t len;
	int rc = EXIT_ERR;

	result_init(&r);
	if (o->format != NULL && (f = fmt_by_name(o->format)) == FMT_UNKNOWN) {
		rc = gen_usage(g, "%s", err_get());
	} else if ((data = fsx_read_arg(file, RESULT_MAX_FILE, &len)) == NULL ||
	    fmt_read(&r, data, len, strcmp(file, "-") ? file : NULL, f,
	    &used) < 0) {
		err_wrap("%s", file);
		rc = gen_fail(g);
	} else {
		for (size_t i = 0; i < r.n_warn; i++)
			fprintf(stderr, "tj-gen import: warning: %s\n",
			    r.warn[i]);
		printf("%s: %s, %zu metrics, %zu values%s%s (not stored)\n",
		    file, fmt_name(used), r.n, r.n_values, r.error ?
		    "; run error: " : "", r.error ? r.error : "");
		rc = EXIT_OK;
	}
	result_fini(&r);
	free(data);
	return rc;
}

/* One document on one commit. */
static int
import_one(struct gen *g, struct iopts *o, const char *file)
{
	struct result r;
	enum fmt f = FMT_UNKNOWN, used = FMT_UNKNOWN;
	char hash[41], id[STORE_ID_SIZE], *note, *data = NULL;
	size_t len;
	const char *worker = o->worker ? o->worker : "import";
	int64_t cid;
	double t = now();
	int rc = EXIT_ERR, r2;

	result_init(&r);
	if (o->format != NULL && (f = fmt_by_name(o->format)) == FMT_UNKNOWN) {
		rc = gen_usage(g, "%s", err_get());
		goto out;
	}
	if (gen_resolve(g, o->commit, &cid, hash) < 0) {
		rc = gen_fail(g);
		goto out;
	}
	if ((data = fsx_read_arg(file, RESULT_MAX_FILE, &len)) == NULL ||
	    fmt_read(&r, data, len, strcmp(file, "-") ? file : NULL, f,
	    &used) < 0) {
		err_wrap("%s", file);
		rc = gen_fail(g);
		goto out;
	}
	if (store_import_id(fmt_name(used), hash, worker, data, len, id) < 0)
		goto fail;
	note = xasprintf("imported by tj-gen import from %s (%s)", file,
	    fmt_name(used));
	if (db_begin(g->db) < 0) {
		free(note);
		goto fail;
	}
	r2 = import_store(g->db, &r, id, hash, fmt_name(used), worker, t, t,
	    note);
	free(note);
	if (r2 < 0 || db_commit(g->db) < 0) {
		db_rollback(g->db);
		goto fail;
	}
	for (size_t i = 0; i < r.n_warn; i++)
		fprintf(stderr, "tj-gen import: warning: %s\n", r.warn[i]);
	if (r2 == 0) {
		printf("%s: already imported as run %s: nothing stored\n", file,
		    id);
	} else {
		printf("%s: stored run %s on %.12s: %zu metrics, %zu values "
		    "(%s)%s%s\n", file, id, hash, r.n, r.n_values,
		    fmt_name(used), r.error ? "; run error: " : "",
		    r.error ? r.error : "");
	}
	rc = gen_render(g) < 0 ? EXIT_ERR : EXIT_OK;
	goto out;
fail:
	rc = gen_fail(g);
out:
	result_fini(&r);
	free(data);
	return rc;
}

int
cmd_import(struct gen *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{"commit", required_argument, NULL, 'C'},
		{"format", required_argument, NULL, 'F'},
		{"from", required_argument, NULL, 'R'},
		{"worker", required_argument, NULL, 'W'},
		{"dry-run", no_argument, NULL, 'n'},
		GEN_OPTIONS
	};
	struct iopts o;
	struct hist_stats hs;
	int first, rc;

	memset(&o, 0, sizeof(o));
	rc = gen_parse(g, argc, argv, opts, opt, &o, &first);
	if (rc >= 0)
		return rc;
	if (first != argc - 1)
		return gen_usage(g, "one FILE (or DIR for --from asv)");
	if (o.worker != NULL && !proto_valid_id(o.worker))
		return gen_usage(g, "--worker: " PROTO_ID_RULE ", not '%s'",
		    o.worker);
	if (o.from != NULL && (o.commit != NULL || o.format != NULL))
		return gen_usage(g, "--from takes no --commit or --format: "
		    "each entry names its commit");
	if (o.dry_run && o.from == NULL)
		return check_one(g, &o, argv[first]);
	if (o.from == NULL && o.commit == NULL)
		return gen_usage(g, "--commit REV (or --from gab|asv)");
	if (o.from != NULL && strcmp(o.from, "gab") != 0 &&
	    strcmp(o.from, "asv") != 0)
		return gen_usage(g, "--from gab or --from asv, not '%s'",
		    o.from);
	if (gen_setup(g, 1) < 0)
		return EXIT_ERR;
	if (o.from == NULL)
		return import_one(g, &o, argv[first]);
	memset(&hs, 0, sizeof(hs));
	if ((strcmp(o.from, "gab") == 0 ? hist_gab(g->db, argv[first],
	    o.worker, &hs) : hist_asv(g->db, argv[first], o.worker, &hs)) < 0) {
		err_wrap("%s", argv[first]);
		return gen_fail(g);
	}
	printf("%s: %zu runs stored, %zu already there, %zu entries on "
	    "commits the repo does not have", argv[first], hs.stored,
	    hs.already, hs.missing);
	if (hs.missing > 0)
		printf(" (not imported; first: %.12s)", hs.first_missing);
	printf(", %zu values\n", hs.values);
	for (size_t i = 0; i < hs.n_warn; i++)
		fprintf(stderr, "tj-gen import: warning: %s\n", hs.warn[i]);
	hist_stats_fini(&hs);
	return gen_render(g) < 0 ? EXIT_ERR : EXIT_OK;
}
