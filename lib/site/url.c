/* url: the site-relative URLs of the pages, one builder per page kind. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "esc.h"
#include "render_int.h"

char *
render_url_commit(const char *hash)
{
	return xasprintf("commit/%s/", hash);
}

char *
render_url_shard(const char *hash)
{
	return xasprintf("commits/%.*s/", SHARD_DIGITS, hash);
}

static char *
url_named(const char *prefix, const char *name)
{
	struct buf b;

	int e;

	buf_init(&b, 0);
	e = buf_adds(&b, prefix);
	e |= esc_filename(&b, name);
	e |= buf_addc(&b, '/');
	buf_must(e);
	return buf_take(&b);
}

char *
render_url_run(const char *id)
{
	return url_named("run/", id);
}

char *
render_url_worker(const char *name)
{
	return url_named("worker/", name);
}

char *
render_url_ref(const char *name)
{
	struct buf b;
	const char *p, *slash;
	char *part;

	int e;

	buf_init(&b, 0);
	e = buf_adds(&b, "ref/");
	/* One directory per component: ref/refs/heads/main/. */
	for (p = name; ; p = slash + 1) {
		slash = strchr(p, '/');
		part = slash ? xstrndup(p, (size_t)(slash - p)) : xstrdup(p);
		e |= esc_filename(&b, part);
		e |= buf_addc(&b, '/');
		free(part);
		if (slash == NULL)
			break;
	}
	buf_must(e);
	return buf_take(&b);
}

