/* write: a page's files in out/: its JSON twin and its HTML through the
 * theme, written atomically and only when their bytes change. */
#include <fcntl.h>
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


/* s itself, or a valid UTF-8 copy of it (s freed): most strings are
 * ASCII, which one pass without strlen() tells; the rest is checked from
 * its first byte above 0x7f. */
static char *
fix_str(char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char *t;
	size_t n;

	while (*p != 0 && *p < 0x80)
		p++;
	if (*p == 0 || utf8_valid((const char *)p, strlen((const char *)p)))
		return s;
	n = strlen(s);
	t = utf8_repair(s, n, NULL);
	free(s);
	return t;
}

/* Make every string and key of the tree valid UTF-8 (the db may hold
 * anything a writer stored); the HTML escaper repairs too, the JSON
 * printer does not. */
void
render_fix_utf8(cJSON *o)
{
	cJSON *c;

	if (o->string != NULL)
		o->string = fix_str(o->string);
	if (cJSON_IsString(o) && o->valuestring != NULL)
		o->valuestring = fix_str(o->valuestring);
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

/*
 * The JSON twin is written after the HTML: a twin that holds the model
 * means its HTML was made from it. So when the twin is unchanged, its HTML
 * is there and was made by the same theme and tablejohn (r->html_current),
 * the HTML is not made again: that is most of what a render --all of an
 * unchanged db would do.
 */
int
render_page(struct rctx *r, const char *dir, const char *tpl, cJSON *model,
    const char *json_name, const char *title)
{
	struct buf root;
	const char *p;
	char *rel = NULL, *json = NULL, *jrel = NULL;
	int rc = -1, e, keep;

	render_fix_utf8(model);
	if (json_name != NULL) {
		jrel = xasprintf("%s%s%s", dir, *dir ? "/" : "", json_name);
		json = cJSON_PrintUnformatted(model);
		if (json == NULL) {
			err_set("%s: cannot print the JSON", jrel);
			free(jrel);
			return -1;
		}
	}
	rel = xasprintf("%s%sindex.html", dir, *dir ? "/" : "");
	if (json != NULL && r->html_current) {
		keep = fsx_same_at(r->outfd, jrel, json, strlen(json)) &&
		    faccessat(r->outfd, rel, F_OK, 0) == 0;
		if (keep) {
			r->unchanged += 2;
			rc = 0;
			goto out;
		}
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
	buf_fini(&root);
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
	if (render_file(r, rel, r->html.data ? r->html.data : "",
	    r->html.len) < 0)
		goto out;
	rc = json != NULL ? render_file(r, jrel, json, strlen(json)) : 0;
out:
	free(rel);
	free(jrel);
	cJSON_free(json);
	return rc;
}
