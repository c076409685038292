/* fuzz_tpl: the template parser and renderer (lib/tpl.c). The input is a
 * template; when it parses it is rendered over a fixed model that has
 * every kind of value, with a partial that can include itself. */
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "fuzz.h"
#include "tpl.h"

static cJSON *model;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	model = cJSON_Parse("{\"s\":\"<b>&'\\\"\",\"n\":1.5,\"i\":42,"
	    "\"z\":0,\"t\":true,\"f\":false,\"nul\":null,\"e\":\"\","
	    "\"x_html\":\"<i>raw</i>\",\"a\":[1,\"two\",{\"s\":\"in\"},[3]],"
	    "\"empty\":[],\"o\":{\"s\":\"obj\",\"o\":{\"s\":\"deep\"}},"
	    "\"bad\":\"\\u00ff\\ud83d\\ude00\"}");
	if (model == NULL)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tpl_set *set = tpl_new();
	struct buf out;

	/* "p" includes "main" and itself: recursion must stop at the
	 * nesting limit with an error, not overflow the stack. */
	if (tpl_add(set, "p", "p.html", "[{{>main}}{{#o}}{{>p}}{{/o}}]",
	    strlen("[{{>main}}{{#o}}{{>p}}{{/o}}]")) < 0)
		abort();
	if (tpl_add(set, "main", "main.html", (const char *)data, size) == 0) {
		buf_init(&out, 1 << 16);
		if (tpl_check(set) == 0) {
			(void)tpl_render(set, "main", model, &out);
			(void)tpl_render(set, "p", model, &out);
		}
		buf_fini(&out);
	}
	tpl_free(set);
	return 0;
}
