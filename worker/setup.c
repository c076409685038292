/* setup: what tj-worker and tj-worker submit do alike before any work: the
 * config with the command line's overrides, and the worker's own dir. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "err.h"
#include "log.h"
#include "proto.h"
#include "worker.h"

int
worker_configure(struct worker *w, const struct worker_opts *o,
    const char *env_token)
{
	const char *token = o->token ? o->token : env_token;

	if (config_load(&w->cfg, o->config) < 0 ||
	    (o->name && config_set(&w->cfg, "worker.name", o->name) < 0) ||
	    (o->dir && config_set(&w->cfg, "worker.dir", o->dir) < 0) ||
	    (o->server && config_set(&w->cfg, "server.cli.url",
	    o->server) < 0) ||
	    (o->server && token && config_set(&w->cfg, "server.cli.token",
	    token) < 0)) {
		log_error("%s", err_get());
		return -1;
	}
	if (o->token && !o->server) {
		log_error("--token goes with --server");
		return -1;
	}
	config_finish(&w->cfg);
	if (!proto_valid_id(w->cfg.worker_name)) {
		log_error("worker name '%s' is not " PROTO_ID_RULE "; set "
		    "[worker] name or --name", w->cfg.worker_name);
		return -1;
	}
	return 0;
}

int
worker_own_dir(struct worker *w)
{
	const char *tmp = getenv("TMPDIR");
	struct stat st;

	if (w->cfg.worker_dir)
		w->dir = xstrdup(w->cfg.worker_dir);
	else
		w->dir = xasprintf("%s/tj-worker-%s", tmp && *tmp ? tmp :
		    "/tmp", w->cfg.worker_name);
	if (util_mkdirs(w->dir) < 0)
		return -1;
	/* In a shared /tmp, make sure the dir is ours and not a link. */
	if (lstat(w->dir, &st) < 0 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != geteuid()) {
		err_set("%s: not a directory owned by us", w->dir);
		return -1;
	}
	return 0;
}
