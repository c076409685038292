/* config: tablejohn's config file, read through libgit2's config API. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2.h>

#include "buf.h"
#include "config.h"
#include "err.h"

enum kind { K_STR, K_PATH, K_DUR, K_SIZE, K_BOOL, K_MULTI, K_INT, K_COUNT,
    K_PCT, K_NUM, K_POS };

struct key {
	const char *name;
	enum kind kind;
	size_t off;
};

#define F(field) offsetof(struct config, field)
static const struct key keys[] = {
	{"repo.path", K_PATH, F(repo_path)},
	{"repo.name", K_STR, F(repo_name)},
	{"repo.update", K_DUR, F(repo_update)},
	{"repo.fetch-url", K_STR, F(repo_fetch_url)},
	{"repo.fetch-refspec", K_MULTI, 0},
	{"repo.clone", K_BOOL, F(repo_clone)},
	{"db.path", K_PATH, F(db_path)},
	{"site.out", K_PATH, F(site_out)},
	{"site.title", K_STR, F(site_title)},
	{"site.base-url", K_STR, F(site_base_url)},
	{"site.theme", K_PATH, F(site_theme)},
	{"api.listen", K_STR, F(api_listen)},
	{"api.token", K_STR, F(api_token)},
	{"api.worker-timeout", K_DUR, F(api_worker_timeout)},
	{"api.max-upload", K_SIZE, F(api_max_upload)},
	{"api.max-connections", K_COUNT, F(api_max_connections)},
	{"api.max-connections-per-ip", K_COUNT, F(api_max_connections_per_ip)},
	{"api.request-timeout", K_DUR, F(api_request_timeout)},
	{"bench.repo", K_PATH, F(bench_repo)},
	{"worker.name", K_STR, F(worker_name)},
	{"worker.dir", K_PATH, F(worker_dir)},
	{"worker.ping", K_DUR, F(worker_ping)},
	{"worker.batch", K_DUR, F(worker_batch)},
	{"worker.timeout", K_DUR, F(worker_timeout)},
	{"worker.rejected-max", K_SIZE, F(worker_rejected_max)},
	{"queue.priority-manual", K_INT, F(queue_priority_manual)},
	{"queue.priority-backfill", K_INT, F(queue_priority_backfill)},
	{"queue.priority-confirm", K_INT, F(queue_priority_confirm)},
	{"queue.priority-bisect", K_INT, F(queue_priority_bisect)},
	{"bisect.enabled", K_BOOL, F(bisect_enabled)},
	{"bisect.budget", K_COUNT, F(bisect_budget)},
	{"bisect.confirm-runs", K_COUNT, F(bisect_confirm_runs)},
	{"bisect.step-runs", K_COUNT, F(bisect_step_runs)},
	{"bisect.parallel", K_COUNT, F(bisect_parallel)},
	{"bisect.metrics", K_STR, F(bisect_metrics)},
	{"bisect.min-change", K_PCT, F(bisect_min_change)},
	{"detect.penalty", K_NUM, F(detect_penalty)},
	{"detect.min-points", K_POS, F(detect_min_points)},
	{"detect.alpha", K_NUM, F(detect_alpha)},
	{"detect.window", K_POS, F(detect_window)},
	{"detect.pair-z", K_NUM, F(detect_pair_z)},
};
#undef F

static void
setstr(char **dst, const char *v)
{
	free(*dst);
	*dst = v ? xstrdup(v) : NULL;
}

void
config_init(struct config *c)
{
	char host[256];

	memset(c, 0, sizeof(*c));
	c->repo_path = xstrdup(".");
	c->repo_update = 60 * 1000;
	c->db_path = xstrdup("tablejohn.db");
	c->site_out = xstrdup("out");
	c->api_listen = xstrdup("127.0.0.1:8221");
	c->api_worker_timeout = 60 * 1000;
	c->api_max_upload = 8 * 1024 * 1024;
	c->api_max_connections = 1000;
	c->api_max_connections_per_ip = 64;
	c->api_request_timeout = 10 * 1000;
	c->worker_ping = 10 * 1000;
	c->worker_batch = 60 * 1000;
	c->worker_timeout = 2 * 3600 * 1000;
	c->worker_rejected_max = 64 * 1024 * 1024;
	c->queue_priority_backfill = -10;
	c->queue_priority_confirm = 20;
	c->queue_priority_bisect = 10;
	c->bisect_enabled = 1;
	c->bisect_budget = 32;
	c->bisect_confirm_runs = 2;
	c->bisect_step_runs = 3;
	c->bisect_parallel = 2;
	c->bisect_metrics = xstrdup("*");
	c->bisect_min_change = 1;
	c->detect_penalty = 3;
	c->detect_min_points = 3;
	c->detect_alpha = 0.001;
	c->detect_window = 200;
	c->detect_pair_z = 3;
	if (gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = '\0';
		c->worker_name = xstrdup(host);
	} else {
		c->worker_name = xstrdup("worker");
	}
}

void
config_fini(struct config *c)
{
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (keys[i].kind == K_STR || keys[i].kind == K_PATH)
			free(*(char **)((char *)c + keys[i].off));
	for (i = 0; i < c->repo_n_fetch_refspecs; i++)
		free(c->repo_fetch_refspecs[i]);
	free(c->repo_fetch_refspecs);
	for (i = 0; i < c->n_servers; i++) {
		free(c->servers[i].name);
		free(c->servers[i].url);
		free(c->servers[i].token);
	}
	free(c->servers);
	free(c->file);
	memset(c, 0, sizeof(*c));
}

int
config_parse_duration(const char *s, int64_t *ms)
{
	char *end;
	double v;
	double mul;

	errno = 0;
	if (s == NULL || !isdigit((unsigned char)s[0]))
		goto bad;
	v = strtod(s, &end);
	if (errno != 0 || end == s)
		goto bad;
	if (strcmp(end, "") == 0 || strcmp(end, "s") == 0)
		mul = 1000;
	else if (strcmp(end, "ms") == 0)
		mul = 1;
	else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
		mul = 60 * 1000;
	else if (strcmp(end, "h") == 0)
		mul = 3600 * 1000;
	else if (strcmp(end, "d") == 0)
		mul = 86400 * 1000;
	else
		goto bad;
	v *= mul;
	if (!isfinite(v) || v > 1e15)
		goto bad;
	*ms = (int64_t)v;
	return 0;
bad:
	err_set("'%s' is not a duration (like 500ms, 60s, 10m, 2h, 1d)",
	    s ? s : "");
	return -1;
}

int
config_parse_size(const char *s, int64_t *bytes)
{
	int64_t v;

	if (s == NULL || !isdigit((unsigned char)s[0]) ||
	    git_config_parse_int64(&v, s) < 0 || v < 0) {
		err_set("'%s' is not a size (like 512k, 8m, 1g)", s ? s : "");
		return -1;
	}
	*bytes = v;
	return 0;
}

static struct config_server *
server_get(struct config *c, const char *name, size_t namelen)
{
	struct config_server *s;
	size_t i;

	for (i = 0; i < c->n_servers; i++)
		if (strlen(c->servers[i].name) == namelen &&
		    memcmp(c->servers[i].name, name, namelen) == 0)
			return &c->servers[i];
	c->servers = xrealloc(c->servers, (c->n_servers + 1) * sizeof(*s));
	s = &c->servers[c->n_servers++];
	memset(s, 0, sizeof(*s));
	s->name = xstrndup(name, namelen);
	s->weight = 1;
	return s;
}

/* Set a [server "NAME"] key; key is "server.NAME.var". */
static int
set_server(struct config *c, const char *key, const char *value)
{
	const char *sub = key + strlen("server."), *dot = strrchr(key, '.');
	struct config_server *s;
	char *end;
	double w;

	if (dot <= sub) {
		err_set("'%s': servers need a name, like [server \"main\"]", key);
		return -1;
	}
	s = server_get(c, sub, (size_t)(dot - sub));
	if (strcmp(dot, ".url") == 0) {
		if (strncmp(value, "http://", 7) != 0 &&
		    strncmp(value, "https://", 8) != 0) {
			err_set("'%s': '%s' is not an http:// or https:// URL",
			    key, value);
			return -1;
		}
		setstr(&s->url, value);
	} else if (strcmp(dot, ".token") == 0) {
		setstr(&s->token, value);
	} else if (strcmp(dot, ".weight") == 0) {
		errno = 0;
		w = strtod(value, &end);
		if (errno != 0 || end == value || *end != '\0' ||
		    !isfinite(w) || w <= 0) {
			err_set("'%s': '%s' is not a positive number", key,
			    value);
			return -1;
		}
		s->weight = w;
	} else {
		err_set("unknown key '%s' (a server has url, token, weight)",
		    key);
		return -1;
	}
	return 0;
}

/* Set the numeric field of k (K_INT, K_COUNT, K_PCT, K_NUM, K_POS) to
 * value, checked against the kind's range. */
static int
set_number(const struct key *k, const char *value, void *field)
{
	const char *key = k->name;
	char *end;
	long long n;
	double d;

	errno = 0;
	if (k->kind == K_INT || k->kind == K_COUNT) {
		n = strtoll(value, &end, 10);
		if (errno != 0 || end == value || *end != '\0' ||
		    n <= -1000000000 || n >= 1000000000 ||
		    (k->kind == K_COUNT && n < 0)) {
			err_set("'%s': '%s' is not %s", key, value,
			    k->kind == K_COUNT ? "a count (0 or more)" :
			    "an integer");
			return -1;
		}
		*(int64_t *)field = n;
		return 0;
	}
	d = strtod(value, &end);
	if (k->kind == K_PCT) {
		if (end != value && *end == '%')
			end++;
		if (errno != 0 || end == value || *end != '\0' ||
		    !isfinite(d) || d < 0 || d > 1000) {
			err_set("'%s': '%s' is not a percentage (like 1.5 or "
			    "1.5%%)", key, value);
			return -1;
		}
		*(double *)field = d;
		return 0;
	}
	if (errno != 0 || end == value || *end != '\0' || !isfinite(d) ||
	    d <= 0 || (k->kind == K_POS && (d != floor(d) || d > 1e6))) {
		err_set("'%s': '%s' is not a positive %s", key, value,
		    k->kind == K_POS ? "whole number" : "number");
		return -1;
	}
	if (strcmp(key, "detect.alpha") == 0 && d >= 1) {
		err_set("'%s': '%s' is not below 1", key, value);
		return -1;
	}
	if (k->kind == K_NUM)
		*(double *)field = d;
	else
		*(int64_t *)field = (int64_t)d;
	return 0;
}

/* Set key to value; base is the config file's directory for K_PATH. */
static int
set_key(struct config *c, const char *key, const char *value,
    const char *base)
{
	const struct key *k = NULL;
	size_t i;
	void *field;
	int b;

	if (value == NULL) {
		err_set("'%s' has no value", key);
		return -1;
	}
	if (strncmp(key, "server.", 7) == 0)
		return set_server(c, key, value);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i].name, key) == 0)
			k = &keys[i];
	if (k == NULL) {
		err_set("unknown key '%s'", key);
		return -1;
	}
	field = (char *)c + k->off;
	if (field == (void *)&c->db_path)
		c->db_path_set = 1;
	if (field == (void *)&c->site_out)
		c->site_out_set = 1;
	switch (k->kind) {
	case K_STR:
		setstr(field, value);
		break;
	case K_PATH:
		if (value[0] == '\0') {
			err_set("'%s' is empty", key);
			return -1;
		}
		if (base != NULL && value[0] != '/') {
			free(*(char **)field);
			*(char **)field = xasprintf("%s/%s", base, value);
		} else {
			setstr(field, value);
		}
		break;
	case K_DUR:
		if (config_parse_duration(value, field) < 0) {
			err_wrap("'%s'", key);
			return -1;
		}
		break;
	case K_SIZE:
		if (config_parse_size(value, field) < 0) {
			err_wrap("'%s'", key);
			return -1;
		}
		break;
	case K_BOOL:
		if (git_config_parse_bool(&b, value) < 0) {
			err_set("'%s': '%s' is not a boolean (true/false)", key,
			    value);
			return -1;
		}
		*(int *)field = b;
		break;
	case K_INT:
	case K_COUNT:
	case K_PCT:
	case K_NUM:
	case K_POS:
		return set_number(k, value, field);
	case K_MULTI:
		c->repo_fetch_refspecs = xrealloc(c->repo_fetch_refspecs,
		    (c->repo_n_fetch_refspecs + 1) * sizeof(char *));
		c->repo_fetch_refspecs[c->repo_n_fetch_refspecs++] =
		    xstrdup(value);
		break;
	}
	return 0;
}

int
config_set(struct config *c, const char *key, const char *value)
{
	return set_key(c, key, value, NULL);
}

int
config_load(struct config *c, const char *path)
{
	git_config *cfg = NULL;
	git_config_iterator *it = NULL;
	git_config_entry *e;
	char *dir = NULL, *slash;
	int rc = -1, r;

	git_libgit2_init();
	if (path == NULL)
		path = getenv("TJ_CONFIG");
	if (path == NULL) {
		if (access("tablejohn.conf", F_OK) != 0) {
			rc = 0;
			goto out;
		}
		path = "tablejohn.conf";
	}
	if (access(path, R_OK) != 0) {
		err_set("%s: cannot read config file: %s", path,
		    strerror(errno));
		goto out;
	}
	if (git_config_open_ondisk(&cfg, path) < 0) {
		err_set("%s: %s", path, git_error_last()->message);
		goto out;
	}
	setstr(&c->file, path);
	dir = xstrdup(path);
	slash = strrchr(dir, '/');
	if (slash == NULL) {
		free(dir);
		dir = NULL;
	} else {
		slash[slash == dir ? 1 : 0] = '\0';
	}
	if (git_config_iterator_new(&it, cfg) < 0) {
		err_set("%s: %s", path, git_error_last()->message);
		goto out;
	}
	while ((r = git_config_next(&e, it)) == 0) {
		if (set_key(c, e->name, e->value, dir) < 0) {
			err_wrap("%s", path);
			goto out;
		}
	}
	if (r != GIT_ITEROVER) {
		err_set("%s: %s", path, git_error_last()->message);
		goto out;
	}
	rc = 0;
out:
	git_config_iterator_free(it);
	git_config_free(cfg);
	free(dir);
	return rc;
}

/* "/src/proj", "/src/proj/.git", "/srv/proj.git/" and "." all name "proj". */
static char *
repo_name_from_path(const char *path)
{
	char *abs = realpath(path, NULL), *p, *base, *name;
	size_t n;

	p = abs ? abs : xstrdup(path);
	for (;;) {
		n = strlen(p);
		while (n > 1 && p[n - 1] == '/')
			p[--n] = '\0';
		base = strrchr(p, '/');
		base = base ? base + 1 : p;
		if (strcmp(base, ".git") != 0 || base == p)
			break;
		base[-1] = '\0';
	}
	n = strlen(base);
	if (n > 4 && strcmp(base + n - 4, ".git") == 0)
		base[n - 4] = '\0';
	name = xstrdup(base[0] && strcmp(base, "/") != 0 ? base : "repo");
	free(p);
	return name;
}

/* "<repo>/.git/tablejohn" when the current directory is the work tree of
 * the non-bare repo at repo (its .git a directory), else NULL. */
static char *
worktree_state_dir(const char *repo)
{
	char *top = realpath(repo, NULL), *cwd = realpath(".", NULL), *git,
	    *dir = NULL;
	struct stat sb;

	if (top == NULL || cwd == NULL || strcmp(top, cwd) != 0)
		goto out;
	git = xasprintf("%s/.git", top);
	if (stat(git, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		dir = xasprintf("%s/tablejohn", git);
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			free(dir);
			dir = NULL;
		}
	}
	free(git);
out:
	free(top);
	free(cwd);
	return dir;
}

void
config_finish(struct config *c)
{
	if (!c->db_path_set || !c->site_out_set) {
		char *dir = worktree_state_dir(c->repo_path);

		if (dir != NULL && !c->db_path_set) {
			free(c->db_path);
			c->db_path = xasprintf("%s/tablejohn.db", dir);
		}
		if (dir != NULL && !c->site_out_set) {
			free(c->site_out);
			c->site_out = xasprintf("%s/out", dir);
		}
		free(dir);
	}

	if (c->repo_n_fetch_refspecs == 0) {
		c->repo_fetch_refspecs = xmalloc(sizeof(char *));
		c->repo_fetch_refspecs[0] =
		    xstrdup("+refs/heads/*:refs/heads/*");
		c->repo_n_fetch_refspecs = 1;
	}
	if (c->repo_name == NULL)
		c->repo_name = repo_name_from_path(c->repo_path);
	if (c->site_title == NULL)
		c->site_title = xasprintf("%s benchmarks", c->repo_name);
}
