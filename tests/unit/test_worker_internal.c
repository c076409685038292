/* test_worker_internal: the internal method's counts of files, lines, TODOs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../worker/internal.c"
#include "../../worker/output.c"
#include "../../worker/util.c"
#include "t.h"

static char *root;

static void
put(const char *rel, const char *text)
{
	char *p = xasprintf("%s/%s", root, rel), *slash;
	FILE *f;

	slash = strrchr(p, '/');
	*slash = '\0';
	util_mkdirs(p);
	*slash = '/';
	f = fopen(p, "w");
	fputs(text, f);
	fclose(f);
	free(p);
}

static double
value(struct result *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->m[i].name, name) == 0)
			return r->m[i].n == 1 ? r->m[i].values[0] : -2;
	return -1;
}

static void
test_count(void)
{
	struct result r;
	struct output o;
	atomic_int stop = 0;
	char *p;

	put("README", "hello\nTODO at the start\nno newline at the end");
	put("src/a.c", "int x; // todo: fix\n/* TODO */\ntodolist\n"
	    "mastodon\nend todo\n");
	put("src/b.c", "");
	put("src/deep/c.h", "x\n\n\n");
	put("doc/.hidden", "a todo b\n");
	put("doc/x.tar.gz", "1\n2\n");
	p = xasprintf("%s/src/link.c", root);
	T_INT_EQ(symlink("a.c", p), 0);
	free(p);

	result_init(&r);
	output_init(&o, NULL);
	T_INT_EQ(internal_count(root, &r, &o, &stop, 0), 0);
	T_OK(value(&r, "files") == 6);
	/* README 3, a.c 5, b.c 0, c.h 3, .hidden 1, x.tar.gz 2 */
	T_OK(value(&r, "lines") == 14);
	/* README "TODO at"; a.c "todo:", "TODO", "end todo"; .hidden */
	T_OK(value(&r, "todos") == 5);
	T_OK(value(&r, "files.c") == 2);
	T_OK(value(&r, "lines.c") == 5);
	T_OK(value(&r, "todos.c") == 3);
	T_OK(value(&r, "files.h") == 1);
	T_OK(value(&r, "files.gz") == 1);
	/* No extension (README, .hidden) counts under "". */
	T_OK(value(&r, "files.") == 2);
	T_OK(value(&r, "todos.") == 2);
	T_OK(value(&r, "files/src") == 3);
	T_OK(value(&r, "lines/src") == 8);
	T_OK(value(&r, "files/src/deep") == 1);
	T_OK(value(&r, "lines/src/deep") == 3);
	T_OK(value(&r, "todos/doc") == 1);
	T_OK(value(&r, "files/doc") == 2);
	{
		size_t i;

		for (i = 0; i < r.n; i++)
			if (strcmp(r.m[i].name, "todos") == 0)
				T_INT_EQ(r.m[i].direction, -1);
			else if (strcmp(r.m[i].name, "lines") == 0)
				T_INT_EQ(r.m[i].direction, 0);
	}
	output_fini(&o);
	result_fini(&r);

	/* Stopped: no metrics. */
	result_init(&r);
	output_init(&o, NULL);
	stop = 1;
	T_INT_EQ(internal_count(root, &r, &o, &stop, 0), 1);
	T_INT_EQ(r.n, 0);
	stop = 0;
	T_INT_EQ(internal_count(root, &r, &o, &stop, 1), 2);
	T_INT_EQ(r.n, 0);
	output_fini(&o);
	result_fini(&r);
}

static void
test_many_dirs(void)
{
	struct result r;
	struct output o;
	atomic_int stop = 0;
	char rel[64];
	size_t i, dirs = 0;
	int d;

	/* 1100 top-level directories and one deeper: only the 1000
	 * shallowest get metrics, so the deep one is left out. */
	for (d = 0; d < 1100; d++) {
		snprintf(rel, sizeof(rel), "many/d%04d/f", d);
		put(rel, "x\n");
	}
	put("many/d0000/sub/f", "y\n");
	result_init(&r);
	output_init(&o, NULL);
	T_INT_EQ(internal_count(root, &r, &o, &stop, 0), 0);
	for (i = 0; i < r.n; i++)
		if (strncmp(r.m[i].name, "files/", 6) == 0)
			dirs++;
	T_INT_EQ(dirs, INTERNAL_MAX_DIRS);
	T_OK(value(&r, "files/many/d0000/sub") == -1);
	T_OK(value(&r, "files/many") == 1101);
	output_fini(&o);
	result_fini(&r);
}

static void
test_flat(void)
{
	struct result r;
	struct output o;
	atomic_int stop = 0;

	/* No directories at all, then nothing at all. */
	put("only.txt", "TODO\n");
	result_init(&r);
	output_init(&o, NULL);
	T_INT_EQ(internal_count(root, &r, &o, &stop, 0), 0);
	T_OK(value(&r, "todos") == 1);
	T_INT_EQ(r.n, 6);
	result_fini(&r);
	{
		char *p = xasprintf("%s/only.txt", root);

		unlink(p);
		free(p);
	}
	result_init(&r);
	T_INT_EQ(internal_count(root, &r, &o, &stop, 0), 0);
	T_OK(value(&r, "files") == 0);
	T_INT_EQ(r.n, 3);
	result_fini(&r);
	T_INT_EQ(internal_count("/nonexistent/dir", &r, &o, &stop, 0), -1);
	output_fini(&o);
}

int
main(void)
{
	char tmpl[] = "/tmp/test_worker_internal.XXXXXX";

	root = mkdtemp(tmpl);
	test_flat();
	test_count();
	util_rmtree(root);
	mkdir(root, 0700);
	test_many_dirs();
	util_rmtree(root);
	return T_DONE();
}
