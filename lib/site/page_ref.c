/* page_ref: ref/<name>/ redirect pages and the go/ index JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "query.h"
#include "render_int.h"

int
page_ref(struct rctx *r, const char *name)
{
	struct q_ref ref;
	cJSON *m, *c;
	char *dir, *url, *title;
	int rc;

	dir = render_url_ref(name);
	dir[strlen(dir) - 1] = '\0';
	rc = q_ref(r->db, name, &ref);
	if (rc <= 0) {
		/* Deleted: remove its redirect. */
		if (rc == 0)
			rc = render_remove_page(r, dir, "ref.json");
		free(dir);
		return rc;
	}
	m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "name", name);
	cJSON_AddBoolToObject(m, "tracked", ref.tracked);
	c = render_commit_brief(r, ref.commit_id);
	free(ref.name);
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
	static const char *const prefixes[] = {"refs/heads/", "refs/tags/",
	    "refs/remotes/", "refs/"};
	struct q_ref *refs_v;
	cJSON *m, *refs, *v;
	const char *name;
	size_t i, k, n, nrefs;
	int rc;

	if (q_refs(r->db, &refs_v, &nrefs) < 0)
		return -1;
	m = cJSON_CreateObject();
	refs = cJSON_AddObjectToObject(m, "refs");
	for (k = 0; k < nrefs; k++) {
		name = refs_v[k].name;
		v = cJSON_CreateArray();
		cJSON_AddItemToArray(v, cJSON_CreateString(refs_v[k].hash));
		if (refs_v[k].latest_run[0] == '\0')
			cJSON_AddItemToArray(v, cJSON_CreateNull());
		else
			cJSON_AddItemToArray(v, cJSON_CreateString(
			    refs_v[k].latest_run));
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
	q_refs_free(refs_v, nrefs);
	rc = render_json(r, "go/refs.json", m);
	cJSON_Delete(m);
	return rc;
}

/* go/h/<xx>.json: {"hashes": {hash: latest run or null}} for the commits
 * whose hash starts with the two hex digits xx. */
int
page_go_shard(struct rctx *r, int shard)
{
	struct q_hash_run *v;
	cJSON *m, *h;
	char rel[32];
	size_t n, i;
	int rc;

	if (q_shard(r->db, shard, &v, &n) < 0)
		return -1;
	m = cJSON_CreateObject();
	h = cJSON_AddObjectToObject(m, "hashes");
	for (i = 0; i < n; i++) {
		if (v[i].latest_run[0] == '\0')
			cJSON_AddNullToObject(h, v[i].hash);
		else
			cJSON_AddStringToObject(h, v[i].hash, v[i].latest_run);
	}
	free(v);
	snprintf(rel, sizeof(rel), "go/h/%02x.json", shard);
	rc = render_json(r, rel, m);
	cJSON_Delete(m);
	return rc;
}
