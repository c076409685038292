/* changes: `tj-gen changes [--json] [filters]`: the changes found. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "changes.h"
#include "err.h"
#include "gen.h"

struct changes_args {
	int json, kind, recompute;	/* kind: -1 regressions, 1 improvements */
	const char *metric, *ref;
};

static int
changes_opt(struct gen *g, void *ctx, int c, const char *arg)
{
	struct changes_args *a = ctx;

	(void)g;
	switch (c) {
	case 'j':
		a->json = 1;
		return 0;
	case 'R':
		a->kind = -1;
		return 0;
	case 'I':
		a->kind = 1;
		return 0;
	case 'm':
		a->metric = arg;
		return 0;
	case 'f':
		a->ref = arg;
		return 0;
	case 'A':
		a->recompute = 1;
		return 0;
	}
	return -1;
}

/* A ref given as a branch name matches its full name too. */
static int
ref_is(const char *full, const char *want)
{
	size_t n = strlen(full), w = strlen(want);

	return strcmp(full, want) == 0 || (n > w && full[n - w - 1] == '/' &&
	    strcmp(full + n - w, want) == 0);
}

/* Long: the option parsing and the two output forms (text, --json) of one
 * verb, which share the filters. */
int
cmd_changes(struct gen *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"regressions", no_argument, NULL, 'R'},
		{"improvements", no_argument, NULL, 'I'},
		{"metric", required_argument, NULL, 'm'},
		{"ref", required_argument, NULL, 'f'},
		{"recompute", no_argument, NULL, 'A'},
		GEN_OPTIONS
	};
	struct changes_args a = {0};
	cJSON *doc = NULL, *arr, *all, *o, *next;
	char *out;
	int rc;

	rc = gen_parse(g, argc, argv, opts, changes_opt, &a, NULL);
	if (rc >= 0)
		return rc;
	if (gen_setup(g, 1) < 0)
		return EXIT_ERR;
	/* Runs may have arrived since the last render: detect first. */
	if (a.recompute && (db_begin(g->db) < 0 || db_dirty(g->db, "detect",
	    "*") < 0 || db_commit(g->db) < 0))
		return gen_fail(g);
	if (changes_detect_pending(g->db, &g->cfg) < 0)
		return gen_fail(g);
	doc = cJSON_CreateObject();
	all = cJSON_CreateArray();
	if (changes_json(g->db, all, 0, 0) < 0) {
		cJSON_Delete(all);
		cJSON_Delete(doc);
		return gen_fail(g);
	}
	arr = cJSON_AddArrayToObject(doc, "changes");
	for (o = all->child; o != NULL; o = next) {
		const char *kind = cJSON_GetObjectItem(o, "kind")->valuestring;

		next = o->next;
		if ((a.metric && strcmp(cJSON_GetObjectItem(o,
		    "metric")->valuestring, a.metric) != 0) ||
		    (a.ref && !ref_is(cJSON_GetObjectItem(o,
		    "ref")->valuestring, a.ref)) ||
		    (a.kind < 0 && strcmp(kind, "regression") != 0) ||
		    (a.kind > 0 && strcmp(kind, "improvement") != 0))
			continue;
		cJSON_AddItemToArray(arr, cJSON_DetachItemViaPointer(all, o));
	}
	cJSON_Delete(all);
	if (a.json) {
		out = cJSON_Print(doc);
		printf("%s\n", out);
		free(out);
	} else if (arr->child == NULL && !g->quiet) {
		printf("no change found (detection needs a few runs on each "
		    "side of a step)\n");
	} else {
		cJSON_ArrayForEach(o, arr) {
			const cJSON *u = cJSON_GetObjectItem(o, "unit");

			printf("#%-4d %-24s %+8.2f %%  %-11s conf %5.1f %%  "
			    "%.7s..%.7s (%d between)  %g -> %g%s%s  %s  %s\n",
			    cJSON_GetObjectItem(o, "id")->valueint,
			    cJSON_GetObjectItem(o, "metric")->valuestring,
			    cJSON_GetObjectItem(o, "delta_pct")->valuedouble,
			    cJSON_GetObjectItem(o, "kind")->valuestring,
			    100 * cJSON_GetObjectItem(o,
			    "confidence")->valuedouble,
			    cJSON_GetObjectItem(o, "before_commit")->valuestring,
			    cJSON_GetObjectItem(o, "after_commit")->valuestring,
			    cJSON_GetObjectItem(o, "n_between")->valueint,
			    cJSON_GetObjectItem(o, "before_value")->valuedouble,
			    cJSON_GetObjectItem(o, "after_value")->valuedouble,
			    cJSON_IsString(u) ? " " : "",
			    cJSON_IsString(u) ? u->valuestring : "",
			    cJSON_GetObjectItem(o, "state_text")->valuestring,
			    cJSON_GetObjectItem(o, "ref")->valuestring);
		}
	}
	cJSON_Delete(doc);
	if (fflush(stdout) != 0) {
		err_set("writing the list: %s", strerror(errno));
		return gen_fail(g);
	}
	return gen_render(g) < 0 ? EXIT_ERR : EXIT_OK;
}
