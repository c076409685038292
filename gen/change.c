/* change: `tj-gen change N [ack | ignore | note TEXT]`: one change's
 * state, bisection steps and triage. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bisect_db.h"
#include "buf.h"
#include "err.h"
#include "gen.h"

/* Print change id's row, state and steps. */
static int
show(struct gen *g, long long id)
{
	sqlite3_stmt *st;
	cJSON *o, *s;
	char *state = NULL;
	int r, rc = -1;

	st = db_stmt(g->db, "gen.change.show",
	    "SELECT m.name, c.ref, b.hash, a.hash, "
	    "c.n_between, c.before_value, c.after_value, c.delta_pct, "
	    "c.state, coalesce(m.unit, '') FROM changes c JOIN metrics m ON "
	    "m.id = c.metric_id JOIN commits b ON b.id = c.before_commit JOIN "
	    "commits a ON a.id = c.after_commit WHERE c.id = ?");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	r = sqlite3_step(st);
	if (r != SQLITE_ROW) {
		sqlite3_reset(st);
		if (r == SQLITE_DONE)
			err_set("there is no change #%lld (tj-gen changes "
			    "lists them)", id);
		else
			db_err(g->db, "reading the change");
		return -1;
	}
	printf("change #%lld: %s %+.2f%% (%g -> %g %s) on %s\n", id,
	    sqlite3_column_text(st, 0), sqlite3_column_double(st, 7),
	    sqlite3_column_double(st, 5), sqlite3_column_double(st, 6),
	    sqlite3_column_text(st, 9), sqlite3_column_text(st, 1));
	printf("range:  %.12s..%.12s, %d commits between\n",
	    sqlite3_column_text(st, 2), sqlite3_column_text(st, 3),
	    sqlite3_column_int(st, 4));
	state = xstrdup((const char *)sqlite3_column_text(st, 8));
	sqlite3_reset(st);
	o = bisect_db_json(g->db, id, state);
	if (o == NULL)
		goto out;
	printf("state:  %s\n", cJSON_GetObjectItem(o, "state_text")->valuestring);
	if ((s = cJSON_GetObjectItem(o, "triage")) != NULL)
		printf("triage: %s\n", s->valuestring);
	if ((s = cJSON_GetObjectItem(o, "note")) != NULL)
		printf("note:   %s\n", s->valuestring);
	printf("runs:   %d extra\n",
	    (int)cJSON_GetObjectItem(o, "runs")->valuedouble);
	cJSON_ArrayForEach(s, cJSON_GetObjectItem(o, "steps")) {
		cJSON *step = cJSON_GetObjectItem(s, "step");

		if (step != NULL)
			printf("  %-7s step %-3d %.12s  %s  %s\n",
			    cJSON_GetObjectItem(s, "kind")->valuestring,
			    (int)step->valuedouble,
			    cJSON_GetObjectItem(s, "commit")->valuestring,
			    cJSON_GetObjectItem(s, "run")->valuestring,
			    cJSON_GetObjectItem(s, "verdict")->valuestring);
		else
			printf("  %-7s          %.12s  %s  %s\n",
			    cJSON_GetObjectItem(s, "kind")->valuestring,
			    cJSON_GetObjectItem(s, "commit")->valuestring,
			    cJSON_GetObjectItem(s, "run")->valuestring,
			    cJSON_GetObjectItem(s, "verdict")->valuestring);
	}
	cJSON_Delete(o);
	rc = 0;
out:
	free(state);
	return rc;
}

int
cmd_change(struct gen *g, int argc, char **argv)
{
	static const struct option opts[] = {GEN_OPTIONS};
	const char *verb = NULL, *text = NULL;
	long long id;
	char *end;
	int first, rc, nargs;

	rc = gen_parse(g, argc, argv, opts, NULL, NULL, &first);
	if (rc >= 0)
		return rc;
	nargs = argc - first;
	if (nargs < 1)
		return gen_usage(g, "needs a change number");
	errno = 0;
	id = strtoll(argv[first], &end, 10);
	if (argv[first][0] == '#')
		id = strtoll(argv[first] + 1, &end, 10);
	if (errno != 0 || *end != '\0' || id <= 0 || id >= LLONG_MAX)
		return gen_usage(g, "'%s' is not a change number", argv[first]);
	if (nargs >= 2) {
		verb = argv[first + 1];
		if (strcmp(verb, "note") == 0) {
			if (nargs != 3)
				return gen_usage(g, "note needs one TEXT "
				    "(quote it; \"\" clears the note)");
			text = argv[first + 2];
		} else if (strcmp(verb, "ack") != 0 &&
		    strcmp(verb, "ignore") != 0) {
			return gen_usage(g, "unknown triage '%s' (ack, ignore "
			    "or note TEXT)", verb);
		} else if (nargs != 2) {
			return gen_usage(g, "%s takes no more arguments", verb);
		}
	}
	if (gen_setup(g, 1) < 0)
		return EXIT_ERR;
	if (verb == NULL)
		return show(g, id) < 0 ? gen_fail(g) : EXIT_OK;
	if (db_begin(g->db) < 0)
		return gen_fail(g);
	if (bisect_db_triage(g->db, id, verb, text) < 0 ||
	    db_commit(g->db) < 0) {
		db_rollback(g->db);
		return gen_fail(g);
	}
	if (!g->quiet)
		printf("change #%lld: %s%s%s\n", id, verb, text ? " " : "",
		    text ? text : "");
	return gen_render(g) < 0 ? EXIT_ERR : EXIT_OK;
}
