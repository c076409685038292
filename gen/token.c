/* token: `tj-gen token`, print the worker token tj-api checks. */
#include <stdio.h>
#include <stdlib.h>

#include "err.h"
#include "gen.h"

int
cmd_token(struct gen *g, int argc, char **argv)
{
	static const struct option opts[] = {GEN_OPTIONS};
	const char *env = getenv("TJ_TOKEN");
	char *tok;
	int rc;

	rc = gen_parse(g, argc, argv, opts, NULL, NULL, NULL);
	if (rc >= 0)
		return rc;
	if (gen_setup(g, 0) < 0)
		return EXIT_ERR;
	/* The order tj-api uses (after its --token-file). */
	if (env != NULL && env[0] != '\0') {
		printf("%s\n", env);
		return EXIT_OK;
	}
	if (g->cfg.api_token != NULL) {
		printf("%s\n", g->cfg.api_token);
		return EXIT_OK;
	}
	g->db = db_open(g->cfg.db_path);
	if (g->db == NULL)
		return gen_fail(g);
	tok = db_meta_get(g->db, "token");
	if (tok == NULL) {
		if (err_get()[0] != '\0')
			return gen_fail(g);
		fprintf(stderr, "tj-gen token: no token yet: tj-api makes one "
		    "the first time it starts with this db (or set [api] "
		    "token)\n");
		return EXIT_ERR;
	}
	printf("%s\n", tok);
	free(tok);
	return EXIT_OK;
}
