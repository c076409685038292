/* write: a page's files in out/: its JSON twin and its HTML through the
 * theme, written atomically and only when their bytes change. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "db.h"
#include "err.h"
#include "fsx.h"
#include "render_int.h"
#include "tpl.h"
#include "utf8.h"

int
render_dberr(struct rctx *r, const char *context)
{
	return db_err(r->db, context);
}

int
render_file(struct rctx *r, const char *rel, const char *data, size_t n)
{
	char *path = xasprintf("%s/%s", r->out, rel);
	int changed, rc;

	rc = fsx_write(path, data, n, &changed);
	free(path);
	if (rc < 0)
		return -1;
	if (changed)
		r->written++;
	else
		r->unchanged++;
	return 0;
}

int
render_remove(struct rctx *r, const char *rel)
{
	char *path = xasprintf("%s/%s", r->out, rel);
	int rc = fsx_remove(path);

	free(path);
	if (rc > 0)
		r->removed++;
	return rc < 0 ? -1 : 0;
}

int
render_remove_page(struct rctx *r, const char *dir, const char *json_name)
{
	const char *sep = dir[0] && dir[strlen(dir) - 1] != '/' ? "/" : "";
	char *p = xasprintf("%s%sindex.html", dir, sep);
	int rc = render_remove(r, p);

	free(p);
	p = xasprintf("%s%s%s", dir, sep, json_name);
	if (render_remove(r, p) < 0)
		rc = -1;
	free(p);
	return rc;
}


/* Make every string and key of the tree valid UTF-8 (the db may hold
 * anything a writer stored); the HTML escaper repairs too, the JSON
 * printer does not. */
void
render_fix_utf8(cJSON *o)
{
	cJSON *c;
	char *s;

	if (o->string != NULL && !utf8_valid(o->string, strlen(o->string))) {
		s = utf8_repair(o->string, strlen(o->string), NULL);
		free(o->string);
		o->string = s;
	}
	if (cJSON_IsString(o) && o->valuestring != NULL &&
	    !utf8_valid(o->valuestring, strlen(o->valuestring))) {
		s = utf8_repair(o->valuestring, strlen(o->valuestring), NULL);
		free(o->valuestring);
		o->valuestring = s;
	}
	for (c = o->child; c != NULL; c = c->next)
		render_fix_utf8(c);
}

int
render_json(struct rctx *r, const char *rel, cJSON *model)
{
	char *s;

	render_fix_utf8(model);
	s = cJSON_PrintUnformatted(model);
	int rc;

	if (s == NULL) {
		err_set("%s: cannot print the JSON", rel);
		return -1;
	}
	rc = render_file(r, rel, s, strlen(s));
	free(s);
	return rc;
}

int
render_page(struct rctx *r, const char *dir, const char *tpl, cJSON *model,
    const char *json_name, const char *title)
{
	struct buf root;
	const char *p;
	char *rel;
	int rc = -1, e;

	render_fix_utf8(model);
	if (json_name != NULL) {
		rel = xasprintf("%s%s%s", dir, *dir ? "/" : "", json_name);
		rc = render_json(r, rel, model);
		free(rel);
		if (rc < 0)
			return -1;
		rc = -1;
	}
	buf_init(&root, 0);
	if (*dir != '\0') {
		e = buf_adds(&root, "../");
		for (p = dir; *p; p++)
			if (*p == '/')
				e |= buf_adds(&root, "../");
		buf_must(e);
	}
	cJSON_AddStringToObject(model, "root", root.data ? root.data : "");
	cJSON_AddStringToObject(model, "site_title", r->cfg->site_title ?
	    r->cfg->site_title : "tablejohn");
	cJSON_AddStringToObject(model, "title", title);
	cJSON_AddStringToObject(model, "page_kind", tpl);
	if (json_name != NULL)
		cJSON_AddStringToObject(model, "json", json_name);
	buf_reset(&r->html);
	if (tpl_render(r->tpl, tpl, model, &r->html) < 0) {
		err_wrap("rendering %s/index.html", dir);
		goto out;
	}
	rel = xasprintf("%s%sindex.html", dir, *dir ? "/" : "");
	rc = render_file(r, rel, r->html.data ? r->html.data : "",
	    r->html.len);
	free(rel);
out:
	buf_fini(&root);
	return rc;
}

