/* check: validating request JSON field by field, naming the bad field. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "err.h"
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
		    PROTO_ID_RULE ")");
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

char *
check_bench_method(const cJSON *obj, const char *path, struct verr *e)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, "bench_method");
	struct proto_bench b;
	const char *sub;
	char p[sizeof(e->field)];

	if (proto_bench_parse(j, &b, &sub) < 0) {
		if (snprintf(p, sizeof(p), "%sbench_method%s%s", path,
		    *sub ? "." : "", sub) < 0)
			p[0] = '\0';
		verr_set(e, 400, p, "%s", err_get());
		return NULL;
	}
	return proto_bench_json(&b);
}

/* Is s[0..n) a JSON number by the grammar: -?(0|[1-9]d*)(.d+)?([eE][+-]?d+)? */
static int
json_number_ok(const char *s, size_t n)
{
	size_t i = 0, d;

	if (i < n && s[i] == '-')
		i++;
	if (i < n && s[i] == '0')
		i++;
	else if (i < n && s[i] >= '1' && s[i] <= '9')
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	else
		return 0;
	if (i < n && s[i] == '.') {
		for (d = ++i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == d)
			return 0;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		for (d = i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == d)
			return 0;
	}
	return i == n;
}

int
check_raw_json(const char *s, size_t n, struct verr *e)
{
	size_t i = 0, j;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\0') {
			verr_set(e, 400, NULL, "a NUL byte at byte %zu", i);
			return -1;
		}
		if (c == '-' || (c >= '0' && c <= '9')) {
			for (j = i; j < n && strchr("+-.eE0123456789",
			    s[j]) != NULL && s[j] != '\0'; j++)
				;
			if (!json_number_ok(s + i, j - i)) {
				verr_set(e, 400, NULL, "malformed number at byte "
				    "%zu (JSON has no leading zeros, no '1.', "
				    "no '.5')", i);
				return -1;
			}
			i = j;
			continue;
		}
		if (c != '"') {
			i++;
			continue;
		}
		/* A string: no raw control characters, no \u0000 (a string
		 * would end there: names and values are compared whole). */
		for (i++; i < n && s[i] != '"'; i++) {
			c = (unsigned char)s[i];
			if (c == '\0') {
				verr_set(e, 400, NULL, "a NUL byte in a string at "
				    "byte %zu", i);
				return -1;
			}
			if (c < 0x20) {
				verr_set(e, 400, NULL, "a raw control character "
				    "in a string at byte %zu (escape it)", i);
				return -1;
			}
			if (c != '\\')
				continue;
			if (i + 1 < n && s[i + 1] == 'u' && i + 5 < n &&
			    s[i + 2] == '0' && s[i + 3] == '0' &&
			    s[i + 4] == '0' && s[i + 5] == '0') {
				verr_set(e, 400, NULL, "\\u0000 (NUL) in a string "
				    "at byte %zu: not accepted", i);
				return -1;
			}
			i++;
		}
		i++;
	}
	return 0;
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int
check_dup_keys(const cJSON *j, const char *path, struct verr *e)
{
	const cJSON *x;
	const char **names;
	char sub[sizeof(e->field)];
	size_t n = 0, i;
	int rc = 0;

	if (!cJSON_IsObject(j) && !cJSON_IsArray(j))
		return 0;
	if (cJSON_IsArray(j)) {
		cJSON_ArrayForEach(x, j)
			if ((cJSON_IsObject(x) || cJSON_IsArray(x)) &&
			    check_dup_keys(x, path, e) < 0)
				return -1;
		return 0;
	}
	cJSON_ArrayForEach(x, j)
		n++;
	names = xcalloc(n ? n : 1, sizeof(*names));
	n = 0;
	cJSON_ArrayForEach(x, j)
		names[n++] = x->string;
	qsort(names, n, sizeof(*names), cmp_name);
	for (i = 1; i < n; i++) {
		if (strcmp(names[i - 1], names[i]) == 0) {
			if (snprintf(sub, sizeof(sub), "%s%s%s", path,
			    path[0] ? "." : "", names[i]) < 0)
				sub[0] = '\0';
			verr_set(e, 400, sub, "the same key twice in an object");
			rc = -1;
			break;
		}
	}
	free(names);
	if (rc < 0)
		return -1;
	cJSON_ArrayForEach(x, j) {
		if (!cJSON_IsObject(x) && !cJSON_IsArray(x))
			continue;
		if (snprintf(sub, sizeof(sub), "%s%s%s", path, path[0] ? "." :
		    "", x->string) < 0)
			sub[0] = '\0';
		if (check_dup_keys(x, sub, e) < 0)
			return -1;
	}
	return 0;
}
