/* fuzz_fmt: every result format tablejohn reads (lib/fmt*.c: gbench,
 * hyperfine, pytest-benchmark, go test, BMF, github-action-benchmark, and
 * JSON Lines and VelCom through them). The first byte picks the format
 * (past the last one: declared, named or detected, as tj-gen import and
 * the worker read a file); the rest is the document. A failed parse must
 * leave the result as it was; a result must make a valid wire object. */
#include <math.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fmt.h"
#include "fuzz.h"
#include "result.h"
#include "utf8.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct result r;
	const char *doc = (const char *)data + 1;
	size_t len = size - 1;
	enum fmt f, used;
	cJSON *j, *m, *v;
	char *s;
	int rc;

	if (size < 1)
		return 0;
	f = (enum fmt)(data[0] % (FMT_COUNT + 1));
	result_init(&r);
	if (f == FMT_UNKNOWN || f == FMT_COUNT)
		rc = fmt_read(&r, doc, len, f == FMT_COUNT ? "x.json" : NULL,
		    FMT_UNKNOWN, &used);
	else
		rc = fmt_parse(f, &r, doc, len);
	if (rc < 0)
		FUZZ_ASSERT(r.n == 0 && r.n_values == 0);
	j = result_json(&r);
	FUZZ_ASSERT(j != NULL);
	cJSON_ArrayForEach(m, j) {
		FUZZ_ASSERT(m->string != NULL && m->string[0] != '\0' &&
		    utf8_valid(m->string, strlen(m->string)));
		cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(m,
		    "values"))
			FUZZ_ASSERT(cJSON_IsNumber(v) &&
			    isfinite(v->valuedouble));
	}
	s = cJSON_PrintUnformatted(j);
	FUZZ_ASSERT(s != NULL);
	cJSON_Delete(j);
	j = cJSON_Parse(s);
	FUZZ_ASSERT(j != NULL);
	cJSON_Delete(j);
	free(s);
	result_fini(&r);
	return 0;
}
