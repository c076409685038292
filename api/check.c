/* check: validating request JSON field by field, naming the bad field. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "err.h"
#include "fmt.h"
#include "proto.h"

void
verr_set(struct verr *e, unsigned status, const char *field,
    const char *fmt, ...)
{
	va_list ap;

	e->status = status;
	snprintf(e->field, sizeof(e->field), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

int
check_absent(const cJSON *j)
{
	return j == NULL || cJSON_IsNull(j);
}

/* Set e for field path+key. */
static int
fail(struct verr *e, const char *path, const char *key, const char *msg)
{
	char f[sizeof(e->field)];

	/* A field path longer than the buffer is cut: that is fine. */
	if (snprintf(f, sizeof(f), "%s%s", path, key) < 0)
		f[0] = '\0';
	verr_set(e, 400, f, "%s", msg);
	return -1;
}

int
check_string(const cJSON *obj, const char *key, const char *path,
    const char **out, struct verr *e)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);

	*out = NULL;
	if (check_absent(j))
		return 0;
	if (!cJSON_IsString(j))
		return fail(e, path, key, "expected a string");
	*out = j->valuestring;
	return 0;
}

int
check_id(const cJSON *obj, const char *key, const char *path,
    const char **out, struct verr *e)
{
	if (check_string(obj, key, path, out, e) < 0)
		return -1;
	if (!proto_valid_id(*out))
		return fail(e, path, key, "invalid run id (want "
		    "[A-Za-z0-9._-]{1,64})");
	return 0;
}

int
check_hash(const cJSON *obj, const char *key, const char *path,
    const char **out, struct verr *e)
{
	if (check_string(obj, key, path, out, e) < 0)
		return -1;
	if (!proto_valid_hash(*out))
		return fail(e, path, key, "expected 40 lowercase hex digits");
	return 0;
}

int
check_time(const cJSON *obj, const char *key, const char *path, double *t,
    int *present, struct verr *e)
{
	const char *s;

	if (check_string(obj, key, path, &s, e) < 0)
		return -1;
	if (present != NULL)
		*present = s != NULL;
	if (s == NULL)
		return present != NULL ? 0 : fail(e, path, key, "missing");
	if (proto_time_parse(s, t) < 0)
		return fail(e, path, key, err_get());
	return 0;
}

int
check_output_line(const cJSON *line)
{
	const cJSON *src = cJSON_GetArrayItem(line, 0);
	const cJSON *text = cJSON_GetArrayItem(line, 1);

	return cJSON_IsArray(line) && cJSON_GetArraySize(line) == 2 &&
	    cJSON_IsNumber(src) && cJSON_IsString(text) &&
	    (src->valuedouble == PROTO_INTERNAL ||
	    src->valuedouble == PROTO_STDOUT ||
	    src->valuedouble == PROTO_STDERR);
}

/*
 * The original protocol's display strings: "internal" or
 * "bench repo, hash <h>". Stored as the object form, so both read alike.
 */
static char *
bench_method_string(const char *s, const char *path, struct verr *e)
{
	static const char repo[] = "bench repo, hash ";

	if (strcmp(s, "internal") == 0)
		return xstrdup("{\"type\":\"internal\"}");
	if (strncmp(s, repo, sizeof(repo) - 1) == 0) {
		if (!proto_valid_hash(s + sizeof(repo) - 1)) {
			fail(e, path, "bench_method", "expected 40 lowercase "
			    "hex digits after \"bench repo, hash \"");
			return NULL;
		}
		return xasprintf("{\"type\":\"repo\",\"hash\":\"%s\"}",
		    s + sizeof(repo) - 1);
	}
	fail(e, path, "bench_method", "unknown bench method (want "
	    "\"internal\", \"bench repo, hash <hash>\" or an object)");
	return NULL;
}

char *
check_bench_method(const cJSON *obj, const char *path, struct verr *e)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, "bench_method");
	const char *type, *hash;
	char p[sizeof(e->field)];

	if (snprintf(p, sizeof(p), "%sbench_method.", path) < 0)
		p[0] = '\0';
	if (cJSON_IsString(j))
		return bench_method_string(j->valuestring, path, e);
	if (!cJSON_IsObject(j)) {
		fail(e, path, "bench_method", "expected an object or a "
		    "string");
		return NULL;
	}
	if (check_string(j, "type", p, &type, e) < 0)
		return NULL;
	if (type != NULL && strcmp(type, "internal") == 0)
		return xstrdup("{\"type\":\"internal\"}");
	if (type != NULL && strcmp(type, "import") == 0) {
		/* Results made elsewhere (tj-worker submit). */
		if (check_string(j, "format", p, &hash, e) < 0)
			return NULL;
		if (hash == NULL || fmt_by_name(hash) == FMT_UNKNOWN ||
		    strcmp(fmt_name(fmt_by_name(hash)), hash) != 0) {
			fail(e, p, "format", "unknown result format");
			return NULL;
		}
		return xasprintf("{\"type\":\"import\",\"format\":\"%s\"}",
		    hash);
	}
	if (type == NULL || strcmp(type, "repo") != 0) {
		fail(e, p, "type", "unknown bench method type (want "
		    "\"internal\", \"repo\" or \"import\")");
		return NULL;
	}
	if (check_hash(j, "hash", p, &hash, e) < 0)
		return NULL;
	return xasprintf("{\"type\":\"repo\",\"hash\":\"%s\"}", hash);
}
