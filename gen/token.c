/* token: `tj-gen token`, print the worker token tj-api checks (making
 * the db's one when there is none yet, as tj-api would). */
#include <stdio.h>
#include <stdlib.h>

#include "err.h"
#include "gen.h"
#include "token.h"

int
cmd_token(struct gen *g, int argc, char **argv)
{
	static const struct option opts[] = {GEN_OPTIONS};
	const char *env = getenv("TJ_TOKEN");
	char *tok;
	int rc, made;

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
	/* None yet: make the one tj-api will use (it keeps it). */
	tok = token_db(g->db, &made);
	if (tok == NULL)
		return gen_fail(g);
	if (made && !g->quiet)
		fprintf(stderr, "tj-gen token: generated a new worker token, "
		    "kept in %s\n", g->cfg.db_path);
	printf("%s\n", tok);
	free(tok);
	return EXIT_OK;
}
