/* fuzz_result: the result-file parsers the worker reads a bench's results
 * with (lib/result.c): JSON Lines, and VelCom documents; the result they
 * build is then turned into the wire's measurements object, which must be
 * valid for the server (every value finite, every name valid UTF-8). */
#include <math.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fuzz.h"
#include "proto.h"
#include "result.h"
#include "utf8.h"

static void
check(const struct result *r)
{
	cJSON *j = result_json(r), *m, *v, *vals;
	char *s;

	FUZZ_ASSERT(j != NULL && cJSON_IsObject(j));
	cJSON_ArrayForEach(m, j) {
		FUZZ_ASSERT(m->string != NULL && m->string[0] != '\0' &&
		    strlen(m->string) <= PROTO_METRIC_NAME_MAX &&
		    utf8_valid(m->string, strlen(m->string)));
		vals = cJSON_GetObjectItemCaseSensitive(m, "values");
		cJSON_ArrayForEach(v, vals)
			FUZZ_ASSERT(cJSON_IsNumber(v) &&
			    isfinite(v->valuedouble));
	}
	/* The document a worker sends parses back. */
	s = cJSON_PrintUnformatted(j);
	FUZZ_ASSERT(s != NULL);
	cJSON_Delete(j);
	j = cJSON_Parse(s);
	FUZZ_ASSERT(j != NULL);
	cJSON_Delete(j);
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct result r;
	size_t i;

	result_init(&r);
	(void)result_parse_jsonl(&r, (const char *)data, size);
	check(&r);
	FUZZ_ASSERT(r.n_warn <= RESULT_MAX_WARN);
	for (i = 0; i < r.n_warn; i++)
		FUZZ_ASSERT(r.warn[i] != NULL);
	result_fini(&r);

	result_init(&r);
	if (result_parse_velcom(&r, (const char *)data, size) < 0)
		FUZZ_ASSERT(r.n == 0);
	check(&r);
	result_fini(&r);
	return 0;
}
