/* test_fsx: atomic writes that skip unchanged bytes, reads, locks. */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "fsx.h"
#include "t.h"

int
main(void)
{
	char dir[] = "/tmp/tj-test-fsx.XXXXXX";
	struct stat st1, st2;
	char *path, *s;
	size_t n;
	int changed, fd;

	T_OK(mkdtemp(dir) != NULL);
	path = xasprintf("%s/a/b/c/page.html", dir);
	T_INT_EQ(fsx_write(path, "hello", 5, &changed), 0);
	T_INT_EQ(changed, 1);
	s = fsx_read(path, 100, &n);
	T_STR_EQ(s, "hello");
	T_INT_EQ(n, 5);
	free(s);
	T_INT_EQ(stat(path, &st1), 0);
	T_INT_EQ(st1.st_mode & 0777, 0644);

	/* Same bytes: not rewritten (same inode). */
	T_INT_EQ(fsx_write(path, "hello", 5, &changed), 0);
	T_INT_EQ(changed, 0);
	T_INT_EQ(stat(path, &st2), 0);
	T_INT_EQ(st1.st_ino, st2.st_ino);

	/* Different bytes (same length): replaced by rename. */
	T_INT_EQ(fsx_write(path, "hellO", 5, &changed), 0);
	T_INT_EQ(changed, 1);
	T_INT_EQ(stat(path, &st2), 0);
	T_OK(st1.st_ino != st2.st_ino);
	s = fsx_read(path, 100, NULL);
	T_STR_EQ(s, "hellO");
	free(s);

	/* A cap smaller than the file fails cleanly. */
	T_OK(fsx_read(path, 3, NULL) == NULL);
	T_OK(strstr(err_get(), "larger than") != NULL);
	T_OK(fsx_read("/nonexistent/x", 3, NULL) == NULL);

	/* fsx_read_arg: a path as fsx_read, "-" standard input. */
	s = fsx_read_arg(path, 100, &n);
	T_STR_EQ(s, "hellO");
	free(s);
	T_OK((fd = open(path, O_RDONLY)) >= 0);
	T_INT_EQ(dup2(fd, 0), 0);
	close(fd);
	s = fsx_read_arg("-", 100, &n);
	T_STR_EQ(s, "hellO");
	T_INT_EQ(n, 5);
	free(s);
	s = fsx_read_arg("-", 100, &n);	/* at its end now */
	T_STR_EQ(s, "");
	T_INT_EQ(n, 0);
	free(s);
	T_OK(fsx_read_arg("/nonexistent/-", 3, NULL) == NULL);

	/* A directory where the file should go: an error, no temp file. */
	free(path);
	path = xasprintf("%s/a/b", dir);
	T_INT_EQ(fsx_write(path, "x", 1, NULL), -1);
	T_OK(strstr(err_get(), "rename") != NULL);

	fd = fsx_lock(path = (free(path), xasprintf("%s/.lock", dir)));
	T_OK(fd >= 0);
	fsx_unlock(fd);
	fsx_unlock(-1);

	free(path);
	path = xasprintf("%s/a/b/c/page.html", dir);
	T_INT_EQ(fsx_remove(path), 1);
	T_INT_EQ(access(path, F_OK), -1);
	T_INT_EQ(fsx_remove(path), 0);
	free(path);
	path = xasprintf("%s/a/b/c", dir);
	T_INT_EQ(access(path, F_OK), -1);
	T_INT_EQ(fsx_remove(path), 0);
	free(path);
	path = xasprintf("rm -rf %s", dir);
	T_INT_EQ(system(path), 0);
	free(path);
	return T_DONE();
}
