/* fsx: atomic file writes that skip unchanged bytes, directories, locks. */
#ifndef TJ_FSX_H
#define TJ_FSX_H

#include <stddef.h>

/* Create dir and its missing parents (mode 0755). 0 or -1 with err_set. */
int fsx_mkdirs(const char *dir);

/*
 * Make path hold exactly data[0..n): if it already does, nothing is written
 * and *changed (if not NULL) is 0. Otherwise the bytes go to a temp file in
 * path's directory (created with its parents if missing), which is written,
 * closed with checks (mode 0644 less the umask) and renamed over path;
 * *changed is 1. A reader never sees a half-written file. 0 or -1 with
 * err_set (the temp file is removed).
 */
int fsx_write(const char *path, const void *data, size_t n, int *changed);

/* 1 if the file rel, relative to the directory dirfd (AT_FDCWD: the
 * working directory), holds exactly data[0..n), else 0 (also when it
 * cannot be read). */
int fsx_same_at(int dirfd, const char *rel, const void *data, size_t n);

/*
 * Read the whole file at path, at most max bytes, into a malloc'd
 * NUL-terminated string (*n gets its length if not NULL). NULL with err_set
 * (also when the file is larger than max).
 */
char *fsx_read(const char *path, size_t max, size_t *n);

/* As fsx_read, path "-" meaning standard input (a command's FILE
 * argument). */
char *fsx_read_arg(const char *path, size_t max, size_t *n);

/*
 * Take an exclusive flock() on the file path (created if needed), waiting
 * for another holder. The fd to pass to fsx_unlock, or -1 with err_set.
 */
int fsx_lock(const char *path);

/* Release and close a lock from fsx_lock. Accepts -1. */
void fsx_unlock(int fd);

/* Remove path (a file) and then its directory if that became empty.
 * 1 removed, 0 there was no such file, -1 with err_set. */
int fsx_remove(const char *path);

#endif
