/* util: clocks, directories and files tj-worker's files share. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "worker.h"

int64_t
util_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
util_mkdirs(const char *path)
{
	char *p = xstrdup(path), *s;
	int rc = -1;

	for (s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		if (s[-1] != '/') {
			char c = *s;

			*s = '\0';
			if (mkdir(p, 0700) < 0 && errno != EEXIST) {
				err_set("%s: cannot create: %s", p,
				    strerror(errno));
				goto out;
			}
			*s = c;
		}
		if (*s == '\0')
			break;
	}
	rc = 0;
out:
	free(p);
	return rc;
}

/* Remove everything inside the directory open at fd (closed here). */
static int
rm_inside(int fd, const char *path)
{
	struct dirent *de;
	struct stat st;
	DIR *d = fdopendir(fd);
	int sub, rc = 0;

	if (d == NULL) {
		close(fd);
		err_set("%s: %s", path, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			/* The bench may have left read-only directories. */
			fchmodat(dirfd(d), de->d_name, 0700, 0);
			sub = openat(dirfd(d), de->d_name,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0 || rm_inside(sub, path) < 0 ||
			    unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) < 0) {
				if (rc == 0)
					err_set("%s/.../%s: %s", path,
					    de->d_name, strerror(errno));
				rc = -1;
			}
		} else if (unlinkat(dirfd(d), de->d_name, 0) < 0) {
			if (rc == 0)
				err_set("%s/.../%s: %s", path, de->d_name,
				    strerror(errno));
			rc = -1;
		}
	}
	closedir(d);
	return rc;
}

int
util_rmtree(const char *path)
{
	struct stat st;
	int fd;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode)) {
		if (unlink(path) < 0) {
			err_set("%s: %s", path, strerror(errno));
			return -1;
		}
		return 0;
	}
	chmod(path, 0700);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		err_set("%s: %s", path, strerror(errno));
		return -1;
	}
	if (rm_inside(fd, path) < 0)
		return -1;
	if (rmdir(path) < 0) {
		err_set("%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int
util_read_file(const char *path, struct buf *b)
{
	char chunk[65536];
	ssize_t n;
	int fd, e, rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		e = errno;
		err_set("%s: %s", path, strerror(e));
		errno = e;
		return -1;
	}
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			e = errno;
			err_set("%s: %s", path, strerror(e));
			errno = e;
			goto out;
		}
		if (n == 0)
			break;
		if (buf_add(b, chunk, (size_t)n) < 0) {
			err_wrap("%s", path);
			errno = EFBIG;
			goto out;
		}
	}
	rc = 0;
out:
	close(fd);
	return rc;
}

uint32_t
util_random(void)
{
	uint32_t r = 0;

	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = (uint32_t)util_mono_ms() * 2654435761u;
	return r;
}
