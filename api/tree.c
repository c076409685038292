/*
 * tree: a commit's tree as tar.gz, walked with libgit2, written by
 * libarchive and streamed through an MHD callback in bounded memory. The
 * files are what a checkout of the commit writes: the checkout filters
 * (.gitattributes eol/text/ident, from the commit's own attributes) are
 * applied, and a submodule is an empty directory, as `git archive` does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>
#include <git2.h>
#include <git2/sys/repository.h>

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
	git_buf fbuf;		/* its filtered content, when filters apply */
	const char *data;	/* what is written: blob or fbuf */
	size_t size, blob_off;
	git_oid commit;		/* whose attributes choose the filters */
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
	git_buf_dispose(&t->fbuf);
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

/* Write the header of one entry; blob (link) is NULL for a directory,
 * size the file's size. */
static int
header(struct tarstream *t, const char *path, git_filemode_t mode,
    const git_blob *blob, size_t size)
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
	case GIT_FILEMODE_COMMIT:
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
		archive_entry_set_size(e, (la_int64_t)size);
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

/*
 * Set t->data and t->size to blob's content as a checkout writes it at
 * path: the raw blob when no filter applies (no copy), else the filtered
 * content, held whole (the tar header needs the size first).
 */
static int
load_file(struct tarstream *t, git_blob *blob, const char *path)
{
	git_filter_options fo;
	git_filter_list *fl = NULL;

	memset(&fo, 0, sizeof(fo));
	fo.version = GIT_FILTER_OPTIONS_VERSION;
	fo.flags = GIT_FILTER_ATTRIBUTES_FROM_COMMIT;
	git_oid_cpy(&fo.attr_commit_id, &t->commit);
	if (git_filter_list_load_ext(&fl, t->repo, blob, path,
	    GIT_FILTER_TO_WORKTREE, &fo) < 0)
		return git_fail(t, path);
	if (fl == NULL) {
		t->data = git_blob_rawcontent(blob);
		t->size = (size_t)git_blob_rawsize(blob);
		return 0;
	}
	if (git_filter_list_apply_to_blob(&t->fbuf, fl, blob) < 0) {
		git_filter_list_free(fl);
		return git_fail(t, path);
	}
	git_filter_list_free(fl);
	t->data = t->fbuf.ptr;
	t->size = t->fbuf.size;
	return 0;
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
		size_t n = t->size - t->blob_off > CHUNK ? CHUNK :
		    t->size - t->blob_off;

		if (n > 0 && archive_write_data(t->a, t->data + t->blob_off,
		    n) != (la_ssize_t)n)
			return ar_fail(t, "writing data");
		t->blob_off += n;
		if (t->blob_off == t->size) {
			git_blob_free(t->blob);
			t->blob = NULL;
			git_buf_dispose(&t->fbuf);
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
	path = xasprintf("%s%s", f->prefix, git_tree_entry_name(te));
	if (mode == GIT_FILEMODE_COMMIT) {
		/* A submodule: its directory, empty, as git archive does. */
		rc = header(t, path, mode, NULL, 0);
		goto out;
	}
	if (git_tree_entry_to_object(&obj, t->repo, te) < 0) {
		git_fail(t, path);
		goto out;
	}
	if (mode == GIT_FILEMODE_TREE) {
		if (header(t, path, mode, NULL, 0) < 0)
			goto out;
		push(t, (git_tree *)obj, xasprintf("%s/", path));
		obj = NULL;
	} else if (mode == GIT_FILEMODE_LINK) {
		if (header(t, path, mode, (git_blob *)obj, 0) < 0)
			goto out;
	} else {
		if (load_file(t, (git_blob *)obj, path) < 0 ||
		    header(t, path, mode, NULL, t->size) < 0)
			goto out;
		t->blob = (git_blob *)obj;
		t->blob_off = 0;
		obj = NULL;
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

static int
open_bare(git_repository **repo, const char *path)
{
	git_index *idx = NULL;
	git_repository *found;
	char *gitdir;
	int r;

	/* The bare flag wants the git dir itself: find it first. */
	if (git_repository_open(&found, path) < 0)
		return -1;
	gitdir = xstrdup(git_repository_path(found));
	git_repository_free(found);
	r = git_repository_open_ext(repo, gitdir, GIT_REPOSITORY_OPEN_NO_SEARCH |
	    GIT_REPOSITORY_OPEN_BARE, NULL);
	free(gitdir);
	if (r < 0)
		return -1;
	if (git_index_new(&idx) < 0 ||
	    git_repository_set_index(*repo, idx) < 0) {
		git_index_free(idx);
		git_repository_free(*repo);
		*repo = NULL;
		return -1;
	}
	git_index_free(idx);
	return 0;
}

/* Serve the tree of commit hex of the repo at path.
 * Long: checks then the archive's setup, each failure with its own HTTP
 * answer. */
static enum MHD_Result
serve(struct MHD_Connection *c, const char *path, const char *rest,
    int head)
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
	/*
	 * Opened as bare with an empty index: the attributes are the
	 * commit's own (and $GIT_DIR/info/attributes, the config's and the
	 * system's), never a work tree's or its index's, as git archive.
	 */
	if (open_bare(&t->repo, path) < 0) {
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
	if (head) {
		/* HEAD: the headers a GET would get, and no body. */
		resp = MHD_create_response_from_buffer(0, (void *)"",
		    MHD_RESPMEM_PERSISTENT);
		if (resp == NULL) {
			ret = MHD_NO;
			goto out;
		}
		MHD_add_response_header(resp, "Content-Type",
		    "application/gzip");
		ret = MHD_queue_response(c, 200, resp);
		MHD_destroy_response(resp);
		goto out;
	}
	t->mtime = (time_t)git_commit_time(commit);
	git_oid_cpy(&t->commit, &oid);
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
	if (!api->have_repo)
		return route_error(c, 404, NULL, "no repository is configured");
	return serve(c, api->cfg.repo_path, rest, r->head);
}

enum MHD_Result
tree_bench_repo(struct api *api, struct MHD_Connection *c, struct req *r,
    const char *rest)
{
	if (api->cfg.bench_repo == NULL)
		return route_error(c, 404, NULL, "no bench repo is configured");
	return serve(c, api->cfg.bench_repo, rest, r->head);
}
