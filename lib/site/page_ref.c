/* page_ref: ref/<name>/ redirect pages and the go/ index JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "render_int.h"

int
page_ref(struct rctx *r, const char *name)
{
	sqlite3_stmt *st = db_stmt(r->db, "site.ref.page_ref", "SELECT c.hash, r.tracked, c.id FROM "
	    "refs r JOIN commits c ON c.id = r.commit_id WHERE r.name = ?");
	cJSON *m, *c;
	char *dir, *url, *title;
	int64_t id;
	int rc;

	if (st == NULL)
		return -1;
	dir = render_url_ref(name);
	dir[strlen(dir) - 1] = '\0';
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		if (rc != SQLITE_DONE) {
			free(dir);
			return render_dberr(r, "reading a ref");
		}
		/* Deleted: remove its redirect. */
		rc = render_remove_page(r, dir, "ref.json");
		free(dir);
		return rc;
	}
	m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "name", name);
	cJSON_AddBoolToObject(m, "tracked", sqlite3_column_int(st, 1));
	id = sqlite3_column_int64(st, 2);
	sqlite3_reset(st);
	c = render_commit_brief(r, id);
	rc = -1;
	if (c == NULL)
		goto out;
	cJSON_AddItemToObject(m, "commit", c);
	url = render_url_commit(cJSON_GetObjectItem(c, "hash")->valuestring);
	cJSON_AddStringToObject(m, "target", url);
	/* The header template turns this into a meta refresh. */
	cJSON_AddStringToObject(m, "refresh", url);
	free(url);
	title = xasprintf("ref %s", name);
	rc = render_page(r, dir, "ref", m, "ref.json", title);
	free(title);
out:
	cJSON_Delete(m);
	free(dir);
	return rc;
}

/* go/refs.json: {"refs": {name: [hash, latest run or null]}} with both
 * full names and short ones (main for refs/heads/main) when unambiguous. */
int
page_go_refs(struct rctx *r)
{
	sqlite3_stmt *st = db_stmt(r->db, "site.ref.page_go_refs", "SELECT r.name, c.hash, (SELECT id "
	    "FROM runs WHERE commit_id = c.id ORDER BY start_time DESC, id "
	    "DESC LIMIT 1) FROM refs r JOIN commits c ON c.id = r.commit_id "
	    "ORDER BY r.tracked DESC, r.name");
	static const char *const prefixes[] = {"refs/heads/", "refs/tags/",
	    "refs/remotes/", "refs/"};
	cJSON *m = cJSON_CreateObject(), *refs, *v;
	const char *name;
	size_t i, n;
	int rc;

	refs = cJSON_AddObjectToObject(m, "refs");
	if (st == NULL)
		goto fail;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		name = (const char *)sqlite3_column_text(st, 0);
		v = cJSON_CreateArray();
		cJSON_AddItemToArray(v, cJSON_CreateString(
		    (const char *)sqlite3_column_text(st, 1)));
		if (sqlite3_column_type(st, 2) == SQLITE_NULL)
			cJSON_AddItemToArray(v, cJSON_CreateNull());
		else
			cJSON_AddItemToArray(v, cJSON_CreateString(
			    (const char *)sqlite3_column_text(st, 2)));
		cJSON_AddItemToObject(refs, name, cJSON_Duplicate(v, 1));
		for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
			n = strlen(prefixes[i]);
			if (strncmp(name, prefixes[i], n) == 0 && name[n] &&
			    !cJSON_HasObjectItem(refs, name + n)) {
				cJSON_AddItemToObject(refs, name + n,
				    cJSON_Duplicate(v, 1));
				break;
			}
		}
		cJSON_Delete(v);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		render_dberr(r, "reading refs");
		goto fail;
	}
	rc = render_json(r, "go/refs.json", m);
	cJSON_Delete(m);
	return rc;
fail:
	cJSON_Delete(m);
	return -1;
}

/* go/h/<xx>.json: {"hashes": {hash: latest run or null}} for the commits
 * whose hash starts with the two hex digits xx. */
int
page_go_shard(struct rctx *r, int shard)
{
	sqlite3_stmt *st = db_stmt(r->db, "site.ref.page_go_shard", "SELECT c.hash, (SELECT id FROM runs "
	    "WHERE commit_id = c.id ORDER BY start_time DESC, id DESC LIMIT 1) "
	    "FROM commits c WHERE c.hash >= ? AND c.hash < ? ORDER BY c.hash");
	cJSON *m = cJSON_CreateObject(), *h;
	char lo[3], hi[4], rel[32];
	int rc;

	h = cJSON_AddObjectToObject(m, "hashes");
	if (st == NULL)
		goto fail;
	snprintf(lo, sizeof(lo), "%02x", shard);
	/* The next prefix; "g" sorts after every hex digit. */
	if (shard == 255)
		snprintf(hi, sizeof(hi), "g");
	else
		snprintf(hi, sizeof(hi), "%02x", shard + 1);
	sqlite3_bind_text(st, 1, lo, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, hi, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_type(st, 1) == SQLITE_NULL)
			cJSON_AddNullToObject(h,
			    (const char *)sqlite3_column_text(st, 0));
		else
			cJSON_AddStringToObject(h,
			    (const char *)sqlite3_column_text(st, 0),
			    (const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		render_dberr(r, "reading commits");
		goto fail;
	}
	snprintf(rel, sizeof(rel), "go/h/%s.json", lo);
	rc = render_json(r, rel, m);
	cJSON_Delete(m);
	return rc;
fail:
	cJSON_Delete(m);
	return -1;
}
