/* fuzz_unpack: the worker's tar(.gz) extraction (worker/unpack.c). Each
 * input is unpacked into a fresh directory inside a scratch directory;
 * afterwards nothing may exist in the scratch directory but that tree, and
 * no symlink in the tree may point out of it. */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "../../worker/worker.h"

static char scratch[64], tree[96];
static size_t tree_len;

struct mem {
	const uint8_t *p;
	size_t n;
	int done;
};

/* The archive in pieces of up to 4 KiB, as the network would give it. */
static ssize_t
mem_read(void *arg, const void **data)
{
	struct mem *m = arg;
	size_t k = m->n < 4096 ? m->n : 4096;

	*data = m->p;
	m->p += k;
	m->n -= k;
	return (ssize_t)k;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)f;
	if (flag == FTW_DP || flag == FTW_D)
		return rmdir(path) < 0 ? -1 : 0;
	return unlink(path) < 0 ? -1 : 0;
}

static int
open_up(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)f;
	if (flag == FTW_D || flag == FTW_DNR)
		(void)chmod(path, (st->st_mode & 0777) | 0700);
	return 0;
}

/* Every symlink under the tree resolves inside it (or dangles inside). */
static int
check_link(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	char target[PATH_MAX], *dir, *slash, *res;
	ssize_t n;

	(void)st;
	(void)f;
	if (flag != FTW_SL && flag != FTW_SLN)
		return 0;
	n = readlink(path, target, sizeof(target) - 1);
	FUZZ_ASSERT(n >= 0);
	target[n] = '\0';
	FUZZ_ASSERT(target[0] != '/');
	/* Resolve the link's directory, then the target lexically. */
	dir = strdup(path);
	slash = strrchr(dir, '/');
	*slash = '\0';
	res = realpath(dir, NULL);
	FUZZ_ASSERT(res != NULL && strncmp(res, tree, tree_len) == 0);
	{
		size_t depth = 0;
		const char *p = res + tree_len, *t = target;

		for (; *p; p++)
			depth += *p == '/';
		while (*t) {
			const char *e = strchr(t, '/');
			size_t len = e ? (size_t)(e - t) : strlen(t);

			if (len == 2 && t[0] == '.' && t[1] == '.') {
				FUZZ_ASSERT(depth > 0);
				depth--;
			} else if (len > 0 && !(len == 1 && t[0] == '.'))
				depth++;
			t += len + (e != NULL);
		}
	}
	free(res);
	free(dir);
	/* And as the kernel resolves it, when it resolves. */
	res = realpath(path, NULL);
	if (res != NULL) {
		FUZZ_ASSERT(strncmp(res, tree, tree_len) == 0 &&
		    (res[tree_len] == '\0' || res[tree_len] == '/'));
		free(res);
	}
	return 0;
}

static void
cleanup(void)
{
	(void)rmdir(tree);
	(void)rmdir(scratch);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *r;

	(void)argc;
	(void)argv;
	snprintf(scratch, sizeof(scratch), "/tmp/tj-fuzz-unpack.XXXXXX");
	if (mkdtemp(scratch) == NULL)
		abort();
	r = realpath(scratch, NULL);
	snprintf(tree, sizeof(tree), "%s/t", r);
	free(r);
	tree_len = strlen(tree);
	atexit(cleanup);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mem m = {data, size, 0};
	struct output_caps caps = {0};
	struct output o;
	struct dirent *d;
	DIR *dp;
	int n = 0;

	if (mkdir(tree, 0700) < 0)
		abort();
	caps.line = 256;
	caps.head_lines = caps.tail_lines = 10;
	caps.head_bytes = caps.tail_bytes = 4096;
	output_init(&o, &caps);
	(void)unpack_stream(tree, mem_read, &m, 1 << 20, &o);
	output_fini(&o);

	/* Nothing next to the tree. */
	dp = opendir(scratch);
	FUZZ_ASSERT(dp != NULL);
	while ((d = readdir(dp)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		FUZZ_ASSERT(strcmp(d->d_name, "t") == 0);
		n++;
	}
	closedir(dp);
	FUZZ_ASSERT(n == 1);
	FUZZ_ASSERT(nftw(tree, check_link, 16, FTW_PHYS) == 0);
	(void)nftw(tree, open_up, 16, FTW_PHYS);
	if (nftw(tree, rm_one, 16, FTW_PHYS | FTW_DEPTH) < 0)
		abort();
	return 0;
}
