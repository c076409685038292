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
 * 1 if name is a relative path without ".." components; *depth gets the
 * number of directories above it (its real components minus one).
 */
static int
safe_relative(const char *name, int *depth)
{
	const char *p = name, *end;
	size_t n;
	int comps = 0;

	if (name[0] == '\0' || name[0] == '/')
		return 0;
	while (*p) {
		end = strchr(p, '/');
		n = end ? (size_t)(end - p) : strlen(p);
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return 0;
		if (n > 0 && !(n == 1 && p[0] == '.'))
			comps++;
		p += n;
		if (*p == '/')
			p++;
	}
	if (depth)
		*depth = comps > 0 ? comps - 1 : 0;
	return comps > 0;
}

/* 1 if a symlink target, seen from a link depth directories down, stays
 * inside the tree. */
static int
link_inside(const char *target, int depth)
{
	const char *p = target, *end;
	size_t n;

	if (target[0] == '\0' || target[0] == '/')
		return 0;
	while (*p) {
		end = strchr(p, '/');
		n = end ? (size_t)(end - p) : strlen(p);
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (--depth < 0)
				return 0;
		} else if (n > 0 && !(n == 1 && p[0] == '.')) {
			depth++;
		}
		p += n;
		if (*p == '/')
			p++;
	}
	return 1;
}

/* Check one entry and point it into root; -1 with err_set if refused. */
static int
place(struct archive_entry *e, const char *root, int64_t *total,
    int64_t max_bytes)
{
	const char *name = archive_entry_pathname(e), *hl, *sl;
	mode_t type = archive_entry_filetype(e);
	char *full;
	int depth;

	if (name == NULL || !safe_relative(name, &depth)) {
		err_set("refused entry '%.200s': an absolute path or a path "
		    "with '..'", name ? name : "(unreadable name)");
		return -1;
	}
	hl = archive_entry_hardlink(e);
	if (hl == NULL && type != AE_IFREG && type != AE_IFDIR &&
	    type != AE_IFLNK) {
		err_set("refused entry '%.200s': not a file, directory or "
		    "symlink", name);
		return -1;
	}
	if (hl != NULL) {
		if (!safe_relative(hl, NULL)) {
			err_set("refused entry '%.200s': hard link to '%.200s' "
			    "outside the tree", name, hl);
			return -1;
		}
		full = xasprintf("%s/%s", root, hl);
		archive_entry_set_hardlink(e, full);
		free(full);
	}
	if (type == AE_IFLNK) {
		sl = archive_entry_symlink(e);
		if (sl == NULL || !link_inside(sl, depth)) {
			err_set("refused entry '%.200s': symlink to '%.200s' "
			    "outside the tree", name, sl ? sl : "");
			return -1;
		}
	}
	if (type == AE_IFREG && hl == NULL) {
		*total += archive_entry_size(e);
		if (archive_entry_size(e) < 0 || *total > max_bytes) {
			err_set("refused entry '%.200s': the tree is larger than "
			    "%lld bytes", name, (long long)max_bytes);
			return -1;
		}
	}
	/* Keep the modes, never setuid/setgid/sticky; we must be able to
	 * write into directories and remove them later. */
	archive_entry_set_perm(e, (archive_entry_perm(e) & 0777) |
	    (type == AE_IFDIR ? 0700 : 0600));
	full = xasprintf("%s/%s", root, name);
	archive_entry_set_pathname(e, full);
	free(full);
	return 0;
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
    int64_t max_bytes)
{
	struct archive *in = NULL, *out = NULL;
	struct archive_entry *e;
	struct src s = {rd, arg};
	char *root = NULL, *name = NULL;
	int64_t total = 0;
	int r, rc = -1;

	if ((root = realpath(dir, NULL)) == NULL) {
		err_set("%s: %s", dir, strerror(errno));
		goto out;
	}
	in = archive_read_new();
	archive_read_support_filter_gzip(in);
	archive_read_support_filter_none(in);
	archive_read_support_format_tar(in);
	out = archive_write_disk_new();
	archive_write_disk_set_options(out, ARCHIVE_EXTRACT_TIME |
	    ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT);
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
		if (place(e, root, &total, max_bytes) < 0)
			goto out;
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
unpack_file(const char *dir, const char *path, int64_t max_bytes)
{
	struct file_src *f = xmalloc(sizeof(*f));
	int rc;

	if ((f->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		err_set("%s: %s", path, strerror(errno));
		free(f);
		return -1;
	}
	rc = unpack_stream(dir, file_read, f, max_bytes);
	close(f->fd);
	free(f);
	return rc;
}
