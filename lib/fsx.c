/* fsx: atomic file writes that skip unchanged bytes, directories, locks. */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "fsx.h"

int
fsx_mkdirs(const char *dir)
{
	char *p, *s;
	int rc = -1;

	if (mkdir(dir, 0755) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT) {
		err_set("%s: cannot create the directory: %s", dir,
		    strerror(errno));
		return -1;
	}
	s = xstrdup(dir);
	for (p = s + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(s, 0755) < 0 && errno != EEXIST) {
			err_set("%s: cannot create the directory: %s", s,
			    strerror(errno));
			goto out;
		}
		*p = '/';
	}
	if (mkdir(s, 0755) < 0 && errno != EEXIST) {
		err_set("%s: cannot create the directory: %s", s,
		    strerror(errno));
		goto out;
	}
	rc = 0;
out:
	free(s);
	return rc;
}

/* 1 if the file at path (relative to dirfd) holds exactly data[0..n),
 * else 0. */
static int
same_bytes(int dirfd, const char *path, const void *data, size_t n)
{
	char tmp[65536];
	struct stat st;
	size_t off = 0;
	ssize_t r;
	int fd, same = 0;

	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (size_t)st.st_size != n)
		goto out;
	while (off < n) {
		r = read(fd, tmp, sizeof(tmp));
		if (r <= 0 || (size_t)r > n - off ||
		    memcmp(tmp, (const char *)data + off, (size_t)r) != 0)
			goto out;
		off += (size_t)r;
	}
	same = 1;
out:
	close(fd);
	return same;
}

int
fsx_same_at(int dirfd, const char *rel, const void *data, size_t n)
{
	return same_bytes(dirfd, rel, data, n);
}

/* Long: one write-to-temp-then-rename sequence; each step's cleanup depends
 * on the ones before. */
int
fsx_write(const char *path, const void *data, size_t n, int *changed)
{
	static _Atomic unsigned long counter;
	const char *slash;
	char *dir = NULL, *tmp = NULL;
	size_t off = 0;
	ssize_t w;
	int fd = -1, rc = -1, fresh = 0, tries;

	if (changed)
		*changed = 0;
	slash = strrchr(path, '/');
	if (slash != NULL && slash != path) {
		dir = xstrndup(path, (size_t)(slash - path));
		/* A directory made just now holds no old file to compare
		 * with: this saves a lookup for every new page. */
		if (mkdir(dir, 0755) == 0)
			fresh = 1;
		else if (errno == ENOENT) {
			if (fsx_mkdirs(dir) < 0)
				goto out;
			fresh = 1;
		} else if (errno != EEXIST) {
			err_set("%s: cannot create the directory: %s", dir,
			    strerror(errno));
			goto out;
		}
	}
	if (!fresh && same_bytes(AT_FDCWD, path, data, n)) {
		rc = 0;
		goto out;
	}
	/* O_EXCL with the final mode: no fchmod, no race on the name. */
	for (tries = 0; tries < 100; tries++) {
		free(tmp);
		tmp = xasprintf("%s.tmp.%ld.%lu", path, (long)getpid(),
		    ++counter);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (fd < 0) {
		err_set("%s: cannot create a temp file: %s", tmp,
		    strerror(errno));
		free(tmp);
		tmp = NULL;
		goto out;
	}
	while (off < n) {
		w = write(fd, (const char *)data + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			err_set("%s: write: %s", tmp, strerror(errno));
			goto out;
		}
		off += (size_t)w;
	}
	if (close(fd) < 0) {
		fd = -1;
		err_set("%s: close: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		err_set("%s: cannot rename into place: %s", path,
		    strerror(errno));
		goto out;
	}
	free(tmp);
	tmp = NULL;
	if (changed)
		*changed = 1;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (tmp != NULL) {
		unlink(tmp);
		free(tmp);
	}
	free(dir);
	return rc;
}

/* The rest of fd (name for messages), as fsx_read says. */
static char *
read_fd(int fd, const char *name, size_t max, size_t *n)
{
	struct buf b;
	char tmp[65536];
	ssize_t r;

	buf_init(&b, max);
	for (;;) {
		r = read(fd, tmp, sizeof(tmp));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err_set("%s: %s", name, strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		if (buf_add(&b, tmp, (size_t)r) < 0) {
			err_set("%s: larger than %zu bytes", name, max);
			goto fail;
		}
	}
	if (n)
		*n = b.len;
	return buf_take(&b);
fail:
	buf_fini(&b);
	return NULL;
}

char *
fsx_read(const char *path, size_t max, size_t *n)
{
	char *s;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err_set("%s: %s", path, strerror(errno));
		return NULL;
	}
	s = read_fd(fd, path, max, n);
	close(fd);
	return s;
}

char *
fsx_read_arg(const char *path, size_t max, size_t *n)
{
	if (strcmp(path, "-") == 0)
		return read_fd(0, "stdin", max, n);
	return fsx_read(path, max, n);
}

int
fsx_lock(const char *path)
{
	int fd;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		err_set("%s: cannot open the lock file: %s", path,
		    strerror(errno));
		return -1;
	}
	while (flock(fd, LOCK_EX) < 0) {
		if (errno == EINTR)
			continue;
		err_set("%s: flock: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

void
fsx_unlock(int fd)
{
	if (fd < 0)
		return;
	flock(fd, LOCK_UN);
	close(fd);
}

int
fsx_remove(const char *path)
{
	const char *slash;
	char *dir;

	if (unlink(path) < 0) {
		if (errno == ENOENT)
			return 0;
		err_set("%s: cannot remove: %s", path, strerror(errno));
		return -1;
	}
	slash = strrchr(path, '/');
	if (slash == NULL || slash == path)
		return 1;
	dir = xstrndup(path, (size_t)(slash - path));
	/* Only succeeds when empty, which is what we want. */
	rmdir(dir);
	free(dir);
	return 1;
}
