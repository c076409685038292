/* render: `tj-gen render [--all]`: write the dirty pages of the site. */
#include <stdio.h>

#include "gen.h"
#include "site/render.h"

static int
render_opt(struct gen *g, void *ctx, int c, const char *arg)
{
	(void)g;
	(void)arg;
	if (c != 'a')
		return -1;
	*(int *)ctx = 1;
	return 0;
}

int
cmd_render(struct gen *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{"all", no_argument, NULL, 'a'},
		GEN_OPTIONS
	};
	long written, unchanged;
	int all = 0, rc;

	rc = gen_parse(g, argc, argv, opts, render_opt, &all, NULL);
	if (rc >= 0)
		return rc;
	if (gen_setup(g, 1) < 0)
		return EXIT_ERR;
	if (render_site(g->db, &g->cfg, all) < 0)
		return gen_fail(g);
	render_stats(&written, &unchanged);
	if (!g->quiet)
		printf("rendered %s: %ld files written, %ld unchanged\n",
		    g->cfg.site_out, written, unchanged);
	return EXIT_OK;
}
