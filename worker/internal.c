/* internal: the bench method that needs no setup: files, lines and TODOs. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "worker.h"

/* At most this many distinct extensions get metrics of their own. */
#define MAX_EXTS 2000

struct count {
	char *key;		/* extension or directory path */
	int depth;		/* directories: 1 for a top-level one */
	uint64_t files, lines, todos;
};

struct table {
	struct count *c;
	size_t n, cap;
};

struct walk {
	struct result *r;
	struct output *o;
	const atomic_int *stop;
	int64_t deadline;
	struct count total;
	struct table exts;	/* sorted by key */
	struct table dirs;	/* in walk order */
	size_t *stack;		/* dirs index of each open directory level */
	size_t depth_cap;
	char buf[65536];
};

static struct count *
table_add(struct table *t, size_t at, const char *key)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->c = xrealloc(t->c, t->cap * sizeof(*t->c));
	}
	memmove(&t->c[at + 1], &t->c[at], (t->n - at) * sizeof(*t->c));
	t->n++;
	memset(&t->c[at], 0, sizeof(*t->c));
	t->c[at].key = xstrdup(key);
	return &t->c[at];
}

static void
table_fini(struct table *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->c[i].key);
	free(t->c);
}

/* The count for an extension, kept sorted; NULL past MAX_EXTS. */
static struct count *
ext_get(struct table *t, const char *ext)
{
	size_t lo = 0, hi = t->n, mid;
	int c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		c = strcmp(t->c[mid].key, ext);
		if (c == 0)
			return &t->c[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (t->n >= MAX_EXTS)
		return NULL;
	return table_add(t, lo, ext);
}

static int
is_letter(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/*
 * Count the lines of the open file fd and those with "todo" in any case
 * between two non-letters (the start and the end of a line count as
 * non-letters). A last line without a newline counts.
 */
static int
count_file(struct walk *w, int fd, uint64_t *lines, uint64_t *todos)
{
	static const char pat[] = "todo";
	int matched = 0, prev_letter = 0, hit = 0, nonempty = 0;
	unsigned char c;
	ssize_t n, i;

	*lines = *todos = 0;
	for (;;) {
		n = read(fd, w->buf, sizeof(w->buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		for (i = 0; i < n; i++) {
			c = (unsigned char)w->buf[i];
			if (c == '\n') {
				if (matched == 4)
					hit = 1;
				(*lines)++;
				*todos += (uint64_t)hit;
				matched = prev_letter = hit = nonempty = 0;
				continue;
			}
			nonempty = 1;
			if (c >= 'A' && c <= 'Z')
				c = (unsigned char)(c - 'A' + 'a');
			if (matched == 4) {
				if (!is_letter(c))
					hit = 1;
				matched = 0;
			}
			if (matched > 0 && c == (unsigned char)pat[matched])
				matched++;
			else if (c == 't' && !prev_letter)
				matched = 1;
			else
				matched = 0;
			prev_letter = is_letter(c);
		}
	}
	if (nonempty) {
		if (matched == 4)
			hit = 1;
		(*lines)++;
		*todos += (uint64_t)hit;
	}
	return 0;
}

static void
add(struct count *c, uint64_t lines, uint64_t todos)
{
	c->files++;
	c->lines += lines;
	c->todos += todos;
}

/* One regular file at rel (depth: its directory's level). */
static void
file(struct walk *w, int dirfd, const char *name, const char *rel, int depth)
{
	uint64_t lines, todos;
	const char *dot;
	struct count *e;
	char *msg;
	int fd, i;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || count_file(w, fd, &lines, &todos) < 0) {
		output_addf(w->o, "%s: cannot read: %s", rel, strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	close(fd);
	/* Like the original: as if the method printed it. */
	msg = xasprintf("%s has %llu line%s, %llu todo%s", rel,
	    (unsigned long long)lines, lines == 1 ? "" : "s",
	    (unsigned long long)todos, todos == 1 ? "" : "s");
	output_add(w->o, PROTO_STDOUT, msg, strlen(msg));
	free(msg);
	add(&w->total, lines, todos);
	/* Like the original: no extension for dotfiles. */
	dot = strrchr(name, '.');
	if ((e = ext_get(&w->exts, dot && dot != name ? dot + 1 : "")) != NULL)
		add(e, lines, todos);
	for (i = 1; i <= depth; i++)
		add(&w->dirs.c[w->stack[i]], lines, todos);
}

/* Walk the directory open at fd, rel its path ("" for the root). */
static int
walk_dir(struct walk *w, int fd, const char *rel, int depth)
{
	struct dirent *de;
	struct stat st;
	char *path;
	DIR *d;
	int sub, rc = 0;

	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		err_set("%s: cannot open directory: %s", rel, strerror(errno));
		return -1;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (atomic_load(w->stop)) {
			rc = 1;
			break;
		}
		if (w->deadline > 0 && util_mono_ms() >= w->deadline) {
			rc = 2;
			break;
		}
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		path = rel[0] ? xasprintf("%s/%s", rel, de->d_name) :
		    xstrdup(de->d_name);
		if (S_ISREG(st.st_mode)) {
			file(w, dirfd(d), de->d_name, path, depth);
		} else if (S_ISDIR(st.st_mode)) {
			if ((size_t)depth + 1 >= w->depth_cap) {
				w->depth_cap *= 2;
				w->stack = xrealloc(w->stack,
				    w->depth_cap * sizeof(*w->stack));
			}
			table_add(&w->dirs, w->dirs.n, path)->depth = depth + 1;
			w->stack[depth + 1] = w->dirs.n - 1;
			sub = openat(dirfd(d), de->d_name,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0)
				output_addf(w->o, "%s: cannot open: %s", path,
				    strerror(errno));
			else
				rc = walk_dir(w, sub, path, depth + 1);
		}
		free(path);
	}
	closedir(d);
	return rc;
}

static int
by_depth(const void *a, const void *b)
{
	const struct count *x = a, *y = b;

	if (x->depth != y->depth)
		return x->depth < y->depth ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* Add the three metrics of one count, "files" + sep + key, ...; a key
 * that makes no valid metric name is skipped with a warning. */
static int
emit(struct walk *w, const char *sep, const char *key,
    const struct count *c)
{
	static const char *kinds[] = {"files", "lines", "todos"};
	uint64_t v[3] = {c->files, c->lines, c->todos};
	struct metric *m;
	char *name;
	int i;

	for (i = 0; i < 3; i++) {
		name = key ? xasprintf("%s%s%s", kinds[i], sep, key) :
		    xstrdup(kinds[i]);
		m = result_metric(w->r, name);
		free(name);
		if (m == NULL) {
			output_addf(w->o, "no metric for '%s': %s", key,
			    err_get());
			return 0;
		}
		if (result_add_value(w->r, m, (double)v[i]) < 0)
			return -1;
		m->direction = i == 2 ? -1 : 0;
	}
	return 0;
}

int
internal_count(const char *tree, struct result *r, struct output *o,
    const atomic_int *stop, int64_t deadline_ms)
{
	struct walk w;
	size_t i;
	int fd, rc = -1;

	memset(&w, 0, sizeof(w));
	w.r = r;
	w.o = o;
	w.stop = stop;
	w.deadline = deadline_ms;
	w.depth_cap = 64;
	w.stack = xcalloc(w.depth_cap, sizeof(*w.stack));
	fd = open(tree, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		err_set("%s: %s", tree, strerror(errno));
		goto out;
	}
	rc = walk_dir(&w, fd, "", 0);
	if (rc != 0)
		goto out;
	rc = -1;
	if (emit(&w, "", NULL, &w.total) < 0)
		goto out;
	for (i = 0; i < w.exts.n; i++)
		if (emit(&w, ".", w.exts.c[i].key, &w.exts.c[i]) < 0)
			goto out;
	if (w.dirs.n > 0)
		qsort(w.dirs.c, w.dirs.n, sizeof(*w.dirs.c), by_depth);
	for (i = 0; i < w.dirs.n && i < INTERNAL_MAX_DIRS; i++)
		if (emit(&w, "/", w.dirs.c[i].key, &w.dirs.c[i]) < 0)
			goto out;
	if (w.dirs.n > INTERNAL_MAX_DIRS)
		output_addf(o, "%zu directories: metrics for the %d shallowest",
		    w.dirs.n, INTERNAL_MAX_DIRS);
	rc = 0;
out:
	table_fini(&w.exts);
	table_fini(&w.dirs);
	free(w.stack);
	return rc;
}
