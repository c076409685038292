/* unpack: extract a tree's tar(.gz) into a directory, refusing hostile entries. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "err.h"
#include "worker.h"

struct src {
	unpack_read_fn rd;
	void *arg;
};

static la_ssize_t
read_cb(struct archive *a, void *arg, const void **data)
{
	struct src *s = arg;
	ssize_t n = s->rd(s->arg, data);

	if (n < 0)
		archive_set_error(a, EIO, "%s", err_get());
	return n;
}

/*
 * The normalized form of an entry's name ("./a//b/" -> "a/b"), or NULL if
 * it is absolute, empty or has a ".." component. *depth (if not NULL)
 * gets the number of directories above it. The caller frees it.
 */
static char *
normalize(const char *name, int *depth)
{
	const char *p = name, *end;
	struct buf b;
	size_t n;
	int comps = 0;

	if (name[0] == '/')
		return NULL;
	buf_init(&b, 0);
	while (*p) {
		end = strchr(p, '/');
		n = end ? (size_t)(end - p) : strlen(p);
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			buf_fini(&b);
			return NULL;
		}
		if (n > 0 && !(n == 1 && p[0] == '.')) {
			if (comps++ > 0)
				buf_must(buf_addc(&b, '/'));
			buf_must(buf_add(&b, p, n));
		}
		p += n;
		if (*p == '/')
			p++;
	}
	if (comps == 0) {
		buf_fini(&b);
		return NULL;
	}
	if (depth)
		*depth = comps - 1;
	return buf_take(&b);
}

/*
 * 1 if a symlink target, seen from a link depth directories down, stays
 * inside the tree. Its ".." components must all come first: the kernel
 * takes "l/.." as the parent of where l points, so with a link "l -> ."
 * at the top, "l/.." would be the tree's parent though it looks inside.
 * Leading ".."s climb real directories (no entry goes through a link).
 */
static int
link_inside(const char *target, int depth)
{
	const char *p = target, *end;
	size_t n;
	int down = 0;

	if (target[0] == '\0' || target[0] == '/')
		return 0;
	while (*p) {
		end = strchr(p, '/');
		n = end ? (size_t)(end - p) : strlen(p);
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (down || --depth < 0)
				return 0;
		} else if (n > 0 && !(n == 1 && p[0] == '.')) {
			down = 1;
		}
		p += n;
		if (*p == '/')
			p++;
	}
	return 1;
}

/* Every symlink entry seen, created or left out, at most this many. */
#define MAX_LINKS 100000

/* A set of names (open addressing). */
struct links {
	char **slot;
	size_t cap, n;
};

static uint64_t
hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

static int
links_has(const struct links *l, const char *s, size_t n)
{
	size_t i;

	if (l->n == 0)
		return 0;
	for (i = hash(s, n) & (l->cap - 1); l->slot[i];
	    i = (i + 1) & (l->cap - 1))
		if (strncmp(l->slot[i], s, n) == 0 && l->slot[i][n] == '\0')
			return 1;
	return 0;
}

static void
links_add(struct links *l, const char *s)
{
	struct links bigger;
	size_t i;

	if (2 * (l->n + 1) > l->cap) {
		bigger.cap = l->cap ? 2 * l->cap : 64;
		bigger.n = 0;
		bigger.slot = xcalloc(bigger.cap, sizeof(*bigger.slot));
		for (i = 0; i < l->cap; i++)
			if (l->slot[i])
				links_add(&bigger, l->slot[i]);
		for (i = 0; i < l->cap; i++)
			free(l->slot[i]);
		free(l->slot);
		*l = bigger;
	}
	for (i = hash(s, strlen(s)) & (l->cap - 1); l->slot[i];
	    i = (i + 1) & (l->cap - 1))
		;
	l->slot[i] = xstrdup(s);
	l->n++;
}

static void
links_fini(struct links *l)
{
	size_t i;

	for (i = 0; i < l->cap; i++)
		free(l->slot[i]);
	free(l->slot);
}

/* 1 if the normalized name is a symlink of the archive or lies below
 * one. */
static int
on_link(const struct links *l, const char *name)
{
	const char *p;

	for (p = strchr(name, '/'); p; p = strchr(p + 1, '/'))
		if (links_has(l, name, (size_t)(p - name)))
			return 1;
	return links_has(l, name, strlen(name));
}

struct extract {
	const char *root;
	int64_t total, max_bytes;
	struct output *o;
	struct links links;
};

/*
 * Check one entry and point it into the root: 0 to extract it, 1 to leave
 * it out (a symlink pointing outside the tree), -1 with err_set if the
 * whole tree is refused.
 *
 * The root is a fresh empty directory, so the only symlinks in it are the
 * archive's own: refusing every entry on or below one of them is what
 * ARCHIVE_EXTRACT_SECURE_SYMLINKS does, without its system calls on every
 * component of every path.
 */
static int
place(struct extract *x, struct archive_entry *e)
{
	const char *raw = archive_entry_pathname(e), *hl, *sl;
	mode_t type = archive_entry_filetype(e);
	char *name, *target = NULL, *full;
	int depth, rc = -1;

	if (raw == NULL || (name = normalize(raw, &depth)) == NULL) {
		err_set("refused entry '%.200s': an absolute path or a path "
		    "with '..'", raw ? raw : "(unreadable name)");
		return -1;
	}
	hl = archive_entry_hardlink(e);
	if (hl == NULL && type != AE_IFREG && type != AE_IFDIR &&
	    type != AE_IFLNK) {
		err_set("refused entry '%.200s': not a file, directory or "
		    "symlink", raw);
		goto out;
	}
	if (on_link(&x->links, name)) {
		err_set("refused entry '%.200s': a path through a symlink",
		    raw);
		goto out;
	}
	if (hl != NULL) {
		if ((target = normalize(hl, NULL)) == NULL ||
		    on_link(&x->links, target)) {
			err_set("refused entry '%.200s': hard link to '%.200s' "
			    "outside the tree", raw, hl);
			goto out;
		}
		full = xasprintf("%s/%s", x->root, target);
		archive_entry_set_hardlink(e, full);
		free(full);
	}
	if (type == AE_IFLNK) {
		if (x->links.n == MAX_LINKS) {
			err_set("refused entry '%.200s': more than %d symlinks",
			    raw, MAX_LINKS);
			goto out;
		}
		links_add(&x->links, name);
		sl = archive_entry_symlink(e);
		if (sl == NULL || !link_inside(sl, depth)) {
			/* Git trees may hold such links: leave it out. */
			if (x->o)
				output_addf(x->o, "not created: symlink '%.200s' "
				    "-> '%.200s' points outside the tree", raw,
				    sl ? sl : "");
			rc = 1;
			goto out;
		}
	}
	if (type == AE_IFREG && hl == NULL) {
		x->total += archive_entry_size(e);
		if (archive_entry_size(e) < 0 || x->total > x->max_bytes) {
			err_set("refused entry '%.200s': the tree is larger than "
			    "%lld bytes", raw, (long long)x->max_bytes);
			goto out;
		}
	}
	/* Keep the modes, never setuid/setgid/sticky; we must be able to
	 * write into directories and remove them later. */
	archive_entry_set_perm(e, (archive_entry_perm(e) & 0777) |
	    (type == AE_IFDIR ? 0700 : 0600));
	full = xasprintf("%s/%s", x->root, name);
	archive_entry_set_pathname(e, full);
	free(full);
	rc = 0;
out:
	free(name);
	free(target);
	return rc;
}

static int
copy_data(struct archive *in, struct archive *out)
{
	const void *buf;
	size_t size;
	la_int64_t off;
	int r;

	for (;;) {
		r = archive_read_data_block(in, &buf, &size, &off);
		if (r == ARCHIVE_EOF)
			return 0;
		if (r < ARCHIVE_WARN) {
			err_set("%s", archive_error_string(in));
			return -1;
		}
		if (archive_write_data_block(out, buf, size, off) < ARCHIVE_WARN) {
			err_set("%s", archive_error_string(out));
			return -1;
		}
	}
}

int
unpack_stream(const char *dir, unpack_read_fn rd, void *arg,
    int64_t max_bytes, struct output *o)
{
	struct archive *in = NULL, *out = NULL;
	struct archive_entry *e;
	struct src s = {rd, arg};
	struct extract x;
	char *root = NULL, *name = NULL;
	int r, rc = -1;

	memset(&x, 0, sizeof(x));
	if ((root = realpath(dir, NULL)) == NULL) {
		err_set("%s: %s", dir, strerror(errno));
		goto out;
	}
	x.root = root;
	x.max_bytes = max_bytes;
	x.o = o;
	in = archive_read_new();
	archive_read_support_filter_gzip(in);
	archive_read_support_filter_none(in);
	archive_read_support_format_tar(in);
	out = archive_write_disk_new();
	/* Symlinks are checked in place(); ".." there and here too. */
	archive_write_disk_set_options(out, ARCHIVE_EXTRACT_TIME |
	    ARCHIVE_EXTRACT_SECURE_NODOTDOT);
	if (archive_read_open(in, &s, NULL, read_cb, NULL) != ARCHIVE_OK) {
		err_set("%s", archive_error_string(in));
		goto out;
	}
	for (;;) {
		r = archive_read_next_header(in, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			err_set("%s", archive_error_string(in));
			goto out;
		}
		free(name);
		name = xstrdup(archive_entry_pathname(e) ?
		    archive_entry_pathname(e) : "");
		if ((r = place(&x, e)) < 0)
			goto out;
		if (r > 0)
			continue;
		if (archive_write_header(out, e) < ARCHIVE_WARN) {
			err_set("refused entry '%.200s': %s", name,
			    archive_error_string(out));
			goto out;
		}
		if (archive_entry_size(e) > 0 && copy_data(in, out) < 0) {
			err_wrap("entry '%.200s'", name);
			goto out;
		}
		if (archive_write_finish_entry(out) < ARCHIVE_WARN) {
			err_set("entry '%.200s': %s", name,
			    archive_error_string(out));
			goto out;
		}
	}
	if (archive_write_close(out) != ARCHIVE_OK) {
		err_set("%s", archive_error_string(out));
		goto out;
	}
	rc = 0;
out:
	if (in)
		archive_read_free(in);
	if (out)
		archive_write_free(out);
	links_fini(&x.links);
	free(root);
	free(name);
	return rc;
}

struct file_src {
	int fd;
	char buf[65536];
};

static ssize_t
file_read(void *arg, const void **data)
{
	struct file_src *f = arg;
	ssize_t n;

	do
		n = read(f->fd, f->buf, sizeof(f->buf));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		err_set("read: %s", strerror(errno));
	*data = f->buf;
	return n;
}

int
unpack_file(const char *dir, const char *path, int64_t max_bytes,
    struct output *o)
{
	struct file_src *f = xmalloc(sizeof(*f));
	int rc;

	if ((f->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		err_set("%s: %s", path, strerror(errno));
		free(f);
		return -1;
	}
	rc = unpack_stream(dir, file_read, f, max_bytes, o);
	close(f->fd);
	free(f);
	return rc;
}
