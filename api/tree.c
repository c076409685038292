/* tree: a commit's tree as tar.gz, walked with libgit2, written by
 * libarchive and streamed through an MHD callback in bounded memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>
#include <git2.h>

#include "api.h"
#include "err.h"
#include "log.h"
#include "proto.h"

/* Bytes of a blob handed to libarchive per step. */
#define CHUNK ((size_t)64 * 1024)

struct frame {
	git_tree *tree;
	size_t idx;
	char *prefix;		/* "" or "dir/sub/" */
};

struct tarstream {
	git_repository *repo;
	struct archive *a;
	struct frame *stack;
	size_t depth, cap;
	git_blob *blob;		/* the file being written, or NULL */
	size_t blob_off;
	char *pend;		/* compressed bytes not yet sent */
	size_t pend_len, pend_off, pend_cap;
	time_t mtime;
	int closed;
	int failed;
	char hash[41];
};

static la_ssize_t
on_write(struct archive *a, void *cls, const void *p, size_t n)
{
	struct tarstream *t = cls;

	(void)a;
	if (t->pend_off > 0 && t->pend_off == t->pend_len)
		t->pend_len = t->pend_off = 0;
	if (t->pend_len + n > t->pend_cap) {
		if (t->pend_off > 0) {
			memmove(t->pend, t->pend + t->pend_off,
			    t->pend_len - t->pend_off);
			t->pend_len -= t->pend_off;
			t->pend_off = 0;
		}
		if (t->pend_len + n > t->pend_cap) {
			t->pend_cap = t->pend_len + n + CHUNK;
			t->pend = xrealloc(t->pend, t->pend_cap);
		}
	}
	memcpy(t->pend + t->pend_len, p, n);
	t->pend_len += n;
	return (la_ssize_t)n;
}

static void
push(struct tarstream *t, git_tree *tree, char *prefix)
{
	if (t->depth == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 16;
		t->stack = xrealloc(t->stack, t->cap * sizeof(*t->stack));
	}
	t->stack[t->depth].tree = tree;
	t->stack[t->depth].idx = 0;
	t->stack[t->depth].prefix = prefix;
	t->depth++;
}

static void
pop(struct tarstream *t)
{
	t->depth--;
	git_tree_free(t->stack[t->depth].tree);
	free(t->stack[t->depth].prefix);
}

static void
tarstream_free(void *cls)
{
	struct tarstream *t = cls;

	if (t == NULL)
		return;
	while (t->depth > 0)
		pop(t);
	free(t->stack);
	git_blob_free(t->blob);
	if (t->a != NULL)
		archive_write_free(t->a);
	free(t->pend);
	git_repository_free(t->repo);
	free(t);
}

static int
git_fail(struct tarstream *t, const char *what)
{
	const git_error *e = git_error_last();

	log_error("tree %s: %s: %s", t->hash, what, e ? e->message : "?");
	return -1;
}

static int
ar_fail(struct tarstream *t, const char *what)
{
	log_error("tree %s: %s: %s", t->hash, what,
	    archive_error_string(t->a));
	return -1;
}

/* Write the header of one entry; blob (file or link) may be NULL for a
 * directory. */
static int
header(struct tarstream *t, const char *path, git_filemode_t mode,
    const git_blob *blob)
{
	struct archive_entry *e = archive_entry_new();
	char *target = NULL;
	int r, rc = -1;

	archive_entry_copy_pathname(e, path);
	archive_entry_set_mtime(e, t->mtime, 0);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	archive_entry_copy_uname(e, "root");
	archive_entry_copy_gname(e, "root");
	switch (mode) {
	case GIT_FILEMODE_TREE:
		archive_entry_set_filetype(e, AE_IFDIR);
		archive_entry_set_perm(e, 0755);
		break;
	case GIT_FILEMODE_LINK:
		target = xstrndup(git_blob_rawcontent(blob),
		    (size_t)git_blob_rawsize(blob));
		archive_entry_set_filetype(e, AE_IFLNK);
		archive_entry_set_perm(e, 0777);
		archive_entry_copy_symlink(e, target);
		break;
	default:
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, mode == GIT_FILEMODE_BLOB_EXECUTABLE ?
		    0755 : 0644);
		archive_entry_set_size(e, (la_int64_t)git_blob_rawsize(blob));
		break;
	}
	/*
	 * Paths are written as UTF-8 (main sets an UTF-8 LC_CTYPE). A path
	 * that is not UTF-8 is a warning: libarchive then writes its bytes as
	 * they are (pax hdrcharset=BINARY), as git does.
	 */
	r = archive_write_header(t->a, e);
	if (r == ARCHIVE_WARN) {
		log_debug("tree %s: %s", t->hash, archive_error_string(t->a));
	} else if (r != ARCHIVE_OK) {
		ar_fail(t, path);
		goto out;
	}
	rc = 0;
out:
	free(target);
	archive_entry_free(e);
	return rc;
}

/* One step of the walk: a chunk of a file, an entry, or the end. */
static int
step(struct tarstream *t)
{
	const git_tree_entry *te;
	struct frame *f;
	git_filemode_t mode;
	git_object *obj = NULL;
	char *path;
	int rc = -1;

	if (t->blob != NULL) {
		size_t size = (size_t)git_blob_rawsize(t->blob);
		size_t n = size - t->blob_off > CHUNK ? CHUNK :
		    size - t->blob_off;

		if (n > 0 && archive_write_data(t->a,
		    (const char *)git_blob_rawcontent(t->blob) + t->blob_off,
		    n) != (la_ssize_t)n)
			return ar_fail(t, "writing data");
		t->blob_off += n;
		if (t->blob_off == size) {
			git_blob_free(t->blob);
			t->blob = NULL;
		}
		return 0;
	}
	if (t->depth == 0) {
		if (archive_write_close(t->a) != ARCHIVE_OK)
			return ar_fail(t, "finishing the archive");
		t->closed = 1;
		return 0;
	}
	f = &t->stack[t->depth - 1];
	if (f->idx == git_tree_entrycount(f->tree)) {
		pop(t);
		return 0;
	}
	te = git_tree_entry_byindex(f->tree, f->idx++);
	mode = git_tree_entry_filemode(te);
	if (mode == GIT_FILEMODE_COMMIT)
		return 0;	/* a submodule: not ours to ship */
	path = xasprintf("%s%s", f->prefix, git_tree_entry_name(te));
	if (git_tree_entry_to_object(&obj, t->repo, te) < 0) {
		git_fail(t, path);
		goto out;
	}
	if (mode == GIT_FILEMODE_TREE) {
		if (header(t, path, mode, NULL) < 0)
			goto out;
		push(t, (git_tree *)obj, xasprintf("%s/", path));
		obj = NULL;
	} else {
		if (header(t, path, mode, (git_blob *)obj) < 0)
			goto out;
		if (mode != GIT_FILEMODE_LINK) {
			t->blob = (git_blob *)obj;
			t->blob_off = 0;
			obj = NULL;
		}
	}
	rc = 0;
out:
	git_object_free(obj);
	free(path);
	return rc;
}

static ssize_t
reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct tarstream *t = cls;
	size_t n;

	(void)pos;
	while (!t->failed && !t->closed && t->pend_len - t->pend_off < max)
		if (step(t) < 0)
			t->failed = 1;
	if (t->failed)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	n = t->pend_len - t->pend_off;
	if (n == 0)
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (n > max)
		n = max;
	memcpy(buf, t->pend + t->pend_off, n);
	t->pend_off += n;
	return (ssize_t)n;
}

/* Serve the tree of commit hex of the repo at path. */
static enum MHD_Result
serve(struct MHD_Connection *c, const char *path, const char *rest)
{
	struct MHD_Response *resp;
	struct tarstream *t = xcalloc(1, sizeof(*t));
	git_commit *commit = NULL;
	git_tree *tree = NULL;
	git_oid oid;
	enum MHD_Result ret;

	/* rest is "<40 hex>/tree.tar.gz", nothing else. */
	if (strlen(rest) != 40 + strlen("/tree.tar.gz") ||
	    strcmp(rest + 40, "/tree.tar.gz") != 0) {
		ret = route_error(c, 404, NULL, "not found");
		goto out;
	}
	memcpy(t->hash, rest, 40);
	if (!proto_valid_hash(t->hash) || git_oid_fromstr(&oid, t->hash) < 0) {
		ret = route_error(c, 404, NULL, "no such commit");
		goto out;
	}
	if (git_repository_open(&t->repo, path) < 0) {
		log_error("opening %s: %s", path, git_error_last() ?
		    git_error_last()->message : "?");
		ret = route_error(c, 500, NULL, "cannot open the repository");
		goto out;
	}
	if (git_commit_lookup(&commit, t->repo, &oid) < 0 ||
	    git_commit_tree(&tree, commit) < 0) {
		ret = route_error(c, 404, NULL, "no such commit");
		goto out;
	}
	t->mtime = (time_t)git_commit_time(commit);
	t->a = archive_write_new();
	/* gzip -1: trees are made per request and go to a nearby worker;
	 * level 6 costs 2-3x the CPU for a slightly smaller download. */
	if (archive_write_add_filter_gzip(t->a) != ARCHIVE_OK ||
	    archive_write_set_filter_option(t->a, "gzip", "compression-level",
	    "1") != ARCHIVE_OK ||
	    archive_write_set_format_pax_restricted(t->a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(t->a, 1) != ARCHIVE_OK ||
	    archive_write_open(t->a, t, NULL, on_write, NULL) != ARCHIVE_OK) {
		ar_fail(t, "starting the archive");
		ret = route_error(c, 500, NULL, "cannot start the archive");
		goto out;
	}
	push(t, tree, xstrdup(""));
	tree = NULL;
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, CHUNK,
	    reader, t, tarstream_free);
	if (resp == NULL) {
		ret = MHD_NO;
		goto out;
	}
	t = NULL;
	MHD_add_response_header(resp, "Content-Type", "application/gzip");
	ret = MHD_queue_response(c, 200, resp);
	MHD_destroy_response(resp);
out:
	git_tree_free(tree);
	git_commit_free(commit);
	tarstream_free(t);
	return ret;
}

enum MHD_Result
tree_repo(struct api *api, struct MHD_Connection *c, struct req *r,
    const char *rest)
{
	(void)r;
	if (!api->have_repo)
		return route_error(c, 404, NULL, "no repository is configured");
	return serve(c, api->cfg.repo_path, rest);
}

enum MHD_Result
tree_bench_repo(struct api *api, struct MHD_Connection *c, struct req *r,
    const char *rest)
{
	(void)r;
	if (api->cfg.bench_repo == NULL)
		return route_error(c, 404, NULL, "no bench repo is configured");
	return serve(c, api->cfg.bench_repo, rest);
}
