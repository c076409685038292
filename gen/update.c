/* update: `tj-gen update`, import the repo into the db. */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "gen.h"
#include "update.h"

static int
opt(struct gen *g, void *ctx, int c, const char *arg)
{
	(void)g;
	(void)arg;
	if (c == 'F')
		*(int *)ctx |= UPDATE_FETCH;
	return 0;
}

int
cmd_update(struct gen *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{"fetch", no_argument, NULL, 'F'},
		GEN_OPTIONS,
	};
	struct update_stats st;
	int flags = 0, rc;

	rc = gen_parse(g, argc, argv, opts, opt, &flags, NULL);
	if (rc >= 0)
		return rc;
	if (gen_setup(g, 1) < 0)
		return EXIT_ERR;
	if (!g->quiet)
		flags |= UPDATE_PROGRESS;
	if (update_repo(g->db, &g->cfg, flags, &st) < 0)
		return gen_fail(g);
	if (!g->quiet)
		printf("%lld new commits; refs: %lld added, %lld moved, %lld "
		    "deleted%s; %lld queued\n", (long long)st.new_commits,
		    (long long)st.refs_added, (long long)st.refs_moved,
		    (long long)st.refs_deleted, st.refs_skipped ?
		    " (some not pointing at commits were skipped)" : "",
		    (long long)st.queued);
	if (gen_render(g) < 0)
		return EXIT_ERR;
	return EXIT_OK;
}
