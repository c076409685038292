/* test_config: defaults, the file, overrides, durations, sizes, errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "t.h"

static char dir[] = "/tmp/tj-test-config.XXXXXX";

static const char *
write_file(const char *name, const char *text)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

static void
test_defaults(void)
{
	struct config c;

	config_init(&c);
	T_INT_EQ(config_load(&c, NULL), 0);
	config_finish(&c);
	T_STR_EQ(c.repo_path, ".");
	T_STR_EQ(c.db_path, "tablejohn.db");
	T_STR_EQ(c.site_out, "out");
	T_STR_EQ(c.api_listen, "127.0.0.1:8221");
	T_INT_EQ(c.repo_update, 60000);
	T_INT_EQ(c.api_worker_timeout, 60000);
	T_INT_EQ(c.api_max_upload, 8 << 20);
	T_INT_EQ(c.worker_ping, 10000);
	T_INT_EQ(c.worker_batch, 60000);
	T_INT_EQ(c.worker_timeout, 7200000);
	T_INT_EQ(c.repo_clone, 0);
	T_OK(c.bench_repo == NULL);
	T_OK(c.worker_name != NULL && c.worker_name[0] != '\0');
	T_INT_EQ(c.repo_n_fetch_refspecs, 1);
	T_STR_EQ(c.repo_fetch_refspecs[0], "+refs/heads/*:refs/heads/*");
	T_OK(c.file == NULL);
	/* The queue and bisect defaults work with no file. */
	T_INT_EQ(c.queue_priority_manual, 0);
	T_INT_EQ(c.queue_priority_backfill, -10);
	T_OK(c.queue_priority_confirm > 0 && c.queue_priority_bisect > 0);
	T_INT_EQ(c.bisect_enabled, 1);
	T_INT_EQ(c.bisect_budget, 32);
	T_INT_EQ(c.bisect_confirm_runs, 2);
	T_INT_EQ(c.bisect_step_runs, 3);
	T_INT_EQ(c.bisect_parallel, 2);
	T_STR_EQ(c.bisect_metrics, "*");
	T_OK(c.bisect_min_change == 1);
	config_fini(&c);
}

static void
test_bisect_keys(void)
{
	struct config c;
	const char *p;

	p = write_file("b.conf", "[queue]\n\tpriority-bisect = -3\n"
	    "\tpriority-confirm = 100\n[bisect]\n\tenabled = off\n"
	    "\tbudget = 10\n\tconfirm-runs = 0\n\tstep-runs = 5\n"
	    "\tparallel = 1\n\tmetrics = instr*\n\tmin-change = 0.25%\n");
	config_init(&c);
	T_INT_EQ(config_load(&c, p), 0);
	T_INT_EQ(c.queue_priority_bisect, -3);
	T_INT_EQ(c.queue_priority_confirm, 100);
	T_INT_EQ(c.bisect_enabled, 0);
	T_INT_EQ(c.bisect_budget, 10);
	T_INT_EQ(c.bisect_confirm_runs, 0);
	T_INT_EQ(c.bisect_step_runs, 5);
	T_INT_EQ(c.bisect_parallel, 1);
	T_STR_EQ(c.bisect_metrics, "instr*");
	T_OK(c.bisect_min_change == 0.25);
	T_INT_EQ(config_set(&c, "bisect.min-change", "2"), 0);
	T_OK(c.bisect_min_change == 2);
	config_fini(&c);
}

static void
test_file(void)
{
	struct config c;
	const char *p;
	char want[300];

	p = write_file("a.conf",
	    "[repo]\n\tpath = src/proj.git\n\tupdate = 2m\n\tclone = yes\n"
	    "\tfetch-url = https://example.com/x.git\n"
	    "\tfetch-refspec = +refs/heads/*:refs/heads/*\n"
	    "\tfetch-refspec = +refs/tags/*:refs/tags/*\n"
	    "[db]\n\tpath = /abs/x.db\n"
	    "[api]\n\tmax-upload = 512k\n\tworker-timeout = 250ms\n"
	    "\ttoken = sekrit\n"
	    "[worker]\n\tname = box1\n\ttimeout = 1d\n"
	    "[server \"main\"]\n\turl = http://127.0.0.1:1\n"
	    "\ttoken = t1\n\tweight = 2.5\n"
	    "[server \"Other.Host\"]\n\turl = https://o/\n");
	config_init(&c);
	T_INT_EQ(config_load(&c, p), 0);
	config_finish(&c);
	snprintf(want, sizeof(want), "%s/src/proj.git", dir);
	T_STR_EQ(c.repo_path, want);
	T_STR_EQ(c.repo_name, "proj");
	T_STR_EQ(c.site_title, "proj benchmarks");
	T_INT_EQ(c.repo_update, 120000);
	T_INT_EQ(c.repo_clone, 1);
	T_INT_EQ(c.repo_n_fetch_refspecs, 2);
	T_STR_EQ(c.repo_fetch_refspecs[1], "+refs/tags/*:refs/tags/*");
	T_STR_EQ(c.db_path, "/abs/x.db");
	T_INT_EQ(c.api_max_upload, 512 * 1024);
	T_INT_EQ(c.api_worker_timeout, 250);
	T_STR_EQ(c.api_token, "sekrit");
	T_STR_EQ(c.worker_name, "box1");
	T_INT_EQ(c.worker_timeout, 86400000);
	T_INT_EQ(c.n_servers, 2);
	T_STR_EQ(c.servers[0].name, "main");
	T_STR_EQ(c.servers[0].url, "http://127.0.0.1:1");
	T_STR_EQ(c.servers[0].token, "t1");
	T_OK(c.servers[0].weight == 2.5);
	T_STR_EQ(c.servers[1].name, "Other.Host");
	T_OK(c.servers[1].weight == 1);
	/* Command-line overrides win and are checked the same way. */
	T_INT_EQ(config_set(&c, "db.path", "rel.db"), 0);
	T_STR_EQ(c.db_path, "rel.db");
	T_INT_EQ(config_set(&c, "api.worker-timeout", "soon"), -1);
	T_OK(strstr(err_get(), "api.worker-timeout") != NULL);
	T_OK(strstr(err_get(), "soon") != NULL);
	config_fini(&c);
}

static void
expect_bad(const char *text, const char *key, const char *reason)
{
	struct config c;
	const char *p = write_file("bad.conf", text);

	config_init(&c);
	T_INT_EQ(config_load(&c, p), -1);
	T_OK(strstr(err_get(), "bad.conf") != NULL);
	T_OK(strstr(err_get(), key) != NULL);
	T_OK(strstr(err_get(), reason) != NULL);
	if (strstr(err_get(), reason) == NULL)
		printf("    message: %s\n", err_get());
	config_fini(&c);
}

static void
test_bad(void)
{
	struct config c;

	expect_bad("[api]\n\tworker-timeout = 5 parsecs\n",
	    "api.worker-timeout", "not a duration");
	expect_bad("[api]\n\tmax-upload = lots\n", "api.max-upload",
	    "not a size");
	expect_bad("[api]\n\tmax-upload = -5\n", "api.max-upload",
	    "not a size");
	expect_bad("[repo]\n\tclone = perhaps\n", "repo.clone",
	    "not a boolean");
	expect_bad("[api]\n\tlisten-on = x\n", "api.listen-on", "unknown key");
	expect_bad("[colour]\n\tx = y\n", "colour.x", "unknown key");
	expect_bad("[server \"a\"]\n\tweight = 0\n", "server.a.weight",
	    "positive");
	expect_bad("[server \"a\"]\n\turl = ftp://x\n", "server.a.url",
	    "not an http");
	expect_bad("[server]\n\turl = http://x\n", "server.url", "need a name");
	expect_bad("[db]\n\tpath\n", "db.path", "no value");
	expect_bad("[bisect]\n\tbudget = -1\n", "bisect.budget",
	    "not a count");
	expect_bad("[bisect]\n\tbudget = 3x\n", "bisect.budget",
	    "not a count");
	expect_bad("[queue]\n\tpriority-new = 1\n", "queue.priority-new",
	    "unknown key");
	expect_bad("[queue]\n\tpriority-bisect = high\n",
	    "queue.priority-bisect", "not an integer");
	expect_bad("[bisect]\n\tmin-change = -2\n", "bisect.min-change",
	    "not a percentage");
	expect_bad("[bisect]\n\tmin-change = 2%%\n", "bisect.min-change",
	    "not a percentage");
	expect_bad("[db\n", "bad.conf", "");
	config_init(&c);
	T_INT_EQ(config_load(&c, "/nonexistent/tj.conf"), -1);
	T_OK(strstr(err_get(), "/nonexistent/tj.conf") != NULL);
	config_fini(&c);
}

static void
test_parse(void)
{
	int64_t v;

	T_INT_EQ(config_parse_duration("60s", &v), 0);
	T_INT_EQ(v, 60000);
	T_INT_EQ(config_parse_duration("2h", &v), 0);
	T_INT_EQ(v, 7200000);
	T_INT_EQ(config_parse_duration("90", &v), 0);
	T_INT_EQ(v, 90000);
	T_INT_EQ(config_parse_duration("1.5s", &v), 0);
	T_INT_EQ(v, 1500);
	T_INT_EQ(config_parse_duration("10m", &v), 0);
	T_INT_EQ(v, 600000);
	T_INT_EQ(config_parse_duration("", &v), -1);
	T_INT_EQ(config_parse_duration("-1s", &v), -1);
	T_INT_EQ(config_parse_duration("3x", &v), -1);
	T_INT_EQ(config_parse_duration("1e99h", &v), -1);
	T_INT_EQ(config_parse_size("8m", &v), 0);
	T_INT_EQ(v, 8 << 20);
	T_INT_EQ(config_parse_size("1g", &v), 0);
	T_INT_EQ(v, 1 << 30);
	T_INT_EQ(config_parse_size("100", &v), 0);
	T_INT_EQ(v, 100);
	T_INT_EQ(config_parse_size("8q", &v), -1);
}

static void
test_names(void)
{
	const char *paths[][2] = {
		{"/srv/git/proj.git", "proj"},
		{"/srv/git/proj.git/", "proj"},
		{"/src/tool/.git", "tool"},
		{"/src/tool", "tool"},
	};
	struct config c;

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		config_init(&c);
		config_set(&c, "repo.path", paths[i][0]);
		config_finish(&c);
		T_STR_EQ(c.repo_name, paths[i][1]);
		config_fini(&c);
	}
}

/* [detect]: numbers and whole numbers, checked. */
static void
test_detect(void)
{
	struct config c;

	config_init(&c);
	T_OK(c.detect_penalty == 3 && c.detect_alpha == 0.001);
	T_INT_EQ(c.detect_min_points, 3);
	T_INT_EQ(c.detect_window, 200);
	T_INT_EQ(config_set(&c, "detect.penalty", "4.5"), 0);
	T_OK(c.detect_penalty == 4.5);
	T_INT_EQ(config_set(&c, "detect.window", "50"), 0);
	T_INT_EQ(c.detect_window, 50);
	T_INT_EQ(config_set(&c, "detect.min-points", "2.5"), -1);
	T_OK(strstr(err_get(), "whole number") != NULL);
	T_INT_EQ(config_set(&c, "detect.alpha", "1"), -1);
	T_INT_EQ(config_set(&c, "detect.penalty", "-1"), -1);
	T_INT_EQ(config_set(&c, "detect.penalty", "x"), -1);
	T_OK(c.detect_penalty == 4.5);
	config_fini(&c);
}

/* In the work tree of a non-bare repo, the defaults go into its .git/. */
static void
test_worktree_defaults(void)
{
	struct config c;
	char *top = realpath(".", NULL), want[600];

	T_INT_EQ(system("mkdir -p wt/.git && : > wt/tablejohn.conf"), 0);
	T_INT_EQ(chdir("wt"), 0);
	config_init(&c);
	T_INT_EQ(config_load(&c, NULL), 0);
	config_finish(&c);
	snprintf(want, sizeof(want), "%s/wt/.git/tablejohn/tablejohn.db", top);
	T_STR_EQ(c.db_path, want);
	snprintf(want, sizeof(want), "%s/wt/.git/tablejohn/out", top);
	T_STR_EQ(c.site_out, want);
	T_OK(access(".git/tablejohn", F_OK) == 0);
	config_fini(&c);
	/* Given ones stay as given. */
	config_init(&c);
	T_INT_EQ(config_set(&c, "db.path", "x.db"), 0);
	T_INT_EQ(config_set(&c, "site.out", "site"), 0);
	config_finish(&c);
	T_STR_EQ(c.db_path, "x.db");
	T_STR_EQ(c.site_out, "site");
	config_fini(&c);
	/* A subdirectory, or another repo.path: the plain defaults. */
	config_init(&c);
	T_INT_EQ(config_set(&c, "repo.path", ".."), 0);
	config_finish(&c);
	T_STR_EQ(c.db_path, "tablejohn.db");
	config_fini(&c);
	T_INT_EQ(chdir(".."), 0);
	free(top);
}

int
main(void)
{
	char cmd[300];

	if (mkdtemp(dir) == NULL)
		return 1;
	/* Run from the temp dir so a ./tablejohn.conf nearby is not read. */
	if (chdir(dir) != 0)
		return 1;
	unsetenv("TJ_CONFIG");
	test_defaults();
	test_worktree_defaults();
	test_file();
	test_bisect_keys();
	test_bad();
	test_parse();
	test_names();
	test_detect();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return T_DONE();
}
