/* page_static: the pages without data (graph, compare, go) and static files. */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "err.h"
#include "fsx.h"
#include "render_int.h"
#include "tpl.h"

#define MAX_STATIC (8u << 20)

/* Copy one file into out/static/name, skipping unchanged bytes. */
static int
copy(struct rctx *r, const char *src, const char *name)
{
	char *data, *rel;
	size_t n;
	int rc;

	data = fsx_read(src, MAX_STATIC, &n);
	if (data == NULL)
		return -1;
	rel = xasprintf("static/%s", name);
	rc = render_file(r, rel, data, n);
	free(rel);
	free(data);
	return rc;
}

/* Every regular file of theme/static/, then uPlot from npm. */
static int
statics(struct rctx *r)
{
	static const char *const uplot[] = {"uPlot.iife.min.js",
	    "uPlot.min.css"};
	struct dirent *de;
	struct stat st;
	char *dir, *src;
	DIR *d;
	size_t i;
	int rc = 0;

	dir = xasprintf("%s/static", r->theme);
	d = opendir(dir);
	if (d == NULL) {
		err_set("%s: %s", dir, strerror(errno));
		free(dir);
		return -1;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		src = xasprintf("%s/%s", dir, de->d_name);
		if (stat(src, &st) == 0 && S_ISREG(st.st_mode))
			rc = copy(r, src, de->d_name);
		free(src);
	}
	closedir(d);
	free(dir);
	if (rc < 0)
		return -1;
	for (i = 0; i < sizeof(uplot) / sizeof(uplot[0]); i++) {
		/* An installed theme carries uPlot; a source tree has it
		 * in node_modules/ from `npm ci`. */
		src = xasprintf("%s/static/%s", r->theme, uplot[i]);
		if (access(src, R_OK) == 0) {
			free(src);
			continue;
		}
		free(src);
		src = xasprintf("%s/../node_modules/uplot/dist/%s", r->theme,
		    uplot[i]);
		if (access(src, R_OK) < 0) {
			err_set("uPlot is missing: neither %s/static/%s nor "
			    "%s exists; run `npm ci` in the source tree (it "
			    "installs the uPlot pinned in package.json)",
			    r->theme, uplot[i], src);
			free(src);
			return -1;
		}
		rc = copy(r, src, uplot[i]);
		free(src);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int
simple(struct rctx *r, const char *dir, const char *tpl, const char *title)
{
	cJSON *m = cJSON_CreateObject();
	int rc;

	rc = render_page(r, dir, tpl, m, NULL, title);
	cJSON_Delete(m);
	return rc;
}

/* 404.html at the top: a file, not a directory's index, and served at
 * any depth, so it has no root. */
static int
not_found(struct rctx *r)
{
	cJSON *m = cJSON_CreateObject();
	int rc = -1;

	cJSON_AddStringToObject(m, "site_title", r->cfg->site_title ?
	    r->cfg->site_title : "tablejohn");
	buf_reset(&r->html);
	if (tpl_render(r->tpl, "notfound", m, &r->html) < 0)
		err_wrap("rendering 404.html");
	else
		rc = render_file(r, "404.html", r->html.data ? r->html.data :
		    "", r->html.len);
	cJSON_Delete(m);
	return rc;
}

int
page_static(struct rctx *r)
{
	if (statics(r) < 0 ||
	    render_file(r, ".nojekyll", "", 0) < 0 || not_found(r) < 0 ||
	    simple(r, "graph", "graph", "graph") < 0 ||
	    simple(r, "compare", "compare", "compare runs") < 0 ||
	    simple(r, "go", "go", "go to a commit or run") < 0)
		return -1;
	return 0;
}
