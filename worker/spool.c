/* spool: finished runs on disk until a server acknowledges them. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "worker.h"

/* A spool file: {"server": NAME, "run_id": ID, "submit_run": {...}}. */

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

char *
spool_write(const char *dir, const char *server, const char *run_id,
    cJSON *submit)
{
	struct timespec ts;
	cJSON *doc;
	char *text = NULL, *tmp = NULL, *path = NULL;
	int fd = -1;

	if (!proto_valid_id(run_id)) {
		err_set("run id '%.64s' cannot name a spool file", run_id);
		return NULL;
	}
	doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "server", server);
	cJSON_AddStringToObject(doc, "run_id", run_id);
	cJSON_AddItemReferenceToObject(doc, "submit_run", submit);
	text = cJSON_PrintUnformatted(doc);
	cJSON_Delete(doc);
	clock_gettime(CLOCK_REALTIME, &ts);
	/* The name sorts by time, so the oldest run is submitted first. */
	path = xasprintf("%s/%013lld-%s.json", dir,
	    (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, run_id);
	tmp = xasprintf("%s/.tmp-%s", dir, run_id);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write_all(fd, text, strlen(text)) < 0 ||
	    write_all(fd, "\n", 1) < 0 || fsync(fd) < 0) {
		err_set("%s: %s", tmp, strerror(errno));
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		err_set("%s: %s", tmp, strerror(errno));
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		err_set("%s: %s", path, strerror(errno));
		goto fail;
	}
	if (fsync_dir(dir) < 0) {
		err_set("%s: fsync: %s", dir, strerror(errno));
		free(tmp);
		free(text);
		return path;	/* renamed: it is there, only maybe not durable */
	}
	free(tmp);
	free(text);
	return path;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(tmp);
	free(text);
	free(path);
	return NULL;
}

/* Parse one spool file into e; -1 with err_set if it is not one. */
static int
load(const char *path, struct spool_entry *e)
{
	const cJSON *server, *id, *sub;
	struct buf b;
	cJSON *doc = NULL;
	int rc = -1;

	buf_init(&b, RESULT_MAX_FILE);
	if (util_read_file(path, &b) < 0)
		goto out;
	doc = cJSON_ParseWithLength(b.data ? b.data : "", b.len);
	server = cJSON_GetObjectItemCaseSensitive(doc, "server");
	id = cJSON_GetObjectItemCaseSensitive(doc, "run_id");
	sub = cJSON_GetObjectItemCaseSensitive(doc, "submit_run");
	if (!cJSON_IsString(server) || !cJSON_IsString(id) ||
	    !cJSON_IsObject(sub)) {
		err_set("%s: not a spooled run", path);
		goto out;
	}
	memset(e, 0, sizeof(*e));
	e->path = xstrdup(path);
	e->server = xstrdup(server->valuestring);
	e->run_id = xstrdup(id->valuestring);
	e->body = cJSON_PrintUnformatted(sub);
	rc = 0;
out:
	cJSON_Delete(doc);
	buf_fini(&b);
	return rc;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
spool_list(const char *dir, struct spool_entry **entries, size_t *n)
{
	struct dirent *de;
	char **names = NULL, *path;
	size_t nn = 0, i, len;
	DIR *d;

	*entries = NULL;
	*n = 0;
	if ((d = opendir(dir)) == NULL) {
		err_set("%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		/* A temp file is a write a crash cut short: nothing to keep
		 * (the run was not spooled, so it was never submitted). */
		if (strncmp(de->d_name, ".tmp-", 5) == 0) {
			unlinkat(dirfd(d), de->d_name, 0);
			continue;
		}
		if (de->d_name[0] == '.' || len < 6 ||
		    strcmp(de->d_name + len - 5, ".json") != 0)
			continue;
		names = xrealloc(names, (nn + 1) * sizeof(*names));
		names[nn++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (nn > 0)
		qsort(names, nn, sizeof(*names), by_name);
	*entries = xcalloc(nn + 1, sizeof(**entries));
	for (i = 0; i < nn; i++) {
		path = xasprintf("%s/%s", dir, names[i]);
		if (load(path, &(*entries)[*n]) == 0)
			(*n)++;
		else
			log_warn("spool: %s (left alone)", err_get());
		free(path);
		free(names[i]);
	}
	free(names);
	return 0;
}

int
spool_remove(const struct spool_entry *e)
{
	char *dir, *slash;

	if (unlink(e->path) < 0 && errno != ENOENT) {
		err_set("%s: %s", e->path, strerror(errno));
		return -1;
	}
	dir = xstrdup(e->path);
	if ((slash = strrchr(dir, '/')) != NULL) {
		*slash = '\0';
		fsync_dir(dir);
	}
	free(dir);
	return 0;
}

void
spool_entry_fini(struct spool_entry *e)
{
	free(e->path);
	free(e->server);
	free(e->run_id);
	free(e->body);
	memset(e, 0, sizeof(*e));
}

void
spool_entries_free(struct spool_entry *entries, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		spool_entry_fini(&entries[i]);
	free(entries);
}

struct sized {
	char *name;
	int64_t size;
};

static int
sized_by_name(const void *a, const void *b)
{
	return strcmp(((const struct sized *)a)->name,
	    ((const struct sized *)b)->name);
}

void
spool_trim(const char *dir, int64_t max)
{
	struct sized *f = NULL;
	struct dirent *de;
	struct stat st;
	size_t n = 0, i;
	int64_t total = 0;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) <
		    0 || !S_ISREG(st.st_mode))
			continue;
		f = xrealloc(f, (n + 1) * sizeof(*f));
		f[n].name = xstrdup(de->d_name);
		f[n++].size = (int64_t)st.st_size;
		total += (int64_t)st.st_size;
	}
	if (n > 0)
		qsort(f, n, sizeof(*f), sized_by_name);
	for (i = 0; i < n; i++) {
		if (total > max) {
			if (unlinkat(dirfd(d), f[i].name, 0) == 0) {
				log_info("spool: %s/%s deleted (the directory "
				    "keeps at most %lld bytes)", dir,
				    f[i].name, (long long)max);
				total -= f[i].size;
			} else {
				log_warn("spool: %s/%s: %s", dir, f[i].name,
				    strerror(errno));
			}
		}
		free(f[i].name);
	}
	closedir(d);
	free(f);
}
