/* test_worker_result: JSON Lines results, the VelCom fallback, output caps. */
#include <stdlib.h>
#include <string.h>

#include "../../worker/output.c"
#include "err.h"
#include "proto.h"
#include "t.h"
#include "worker_t.h"

static struct metric *
find(struct result *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->m[i].name, name) == 0)
			return &r->m[i];
	return NULL;
}

/* Every warning of r, one a line (caller frees). */
static char *
warn_text(const struct result *r)
{
	struct buf b;
	size_t i;

	buf_init(&b, 0);
	for (i = 0; i < r->n_warn; i++)
		buf_must(buf_addf(&b, "%s\n", r->warn[i]));
	return buf_take(&b);
}

static void
test_jsonl(void)
{
	static const char in[] =
	    "{\"metric\":\"run/nbody/time\",\"values\":[1.02,1.01],"
	    "\"unit\":\"s\",\"direction\":\"lower\"}\n"
	    "\n"
	    "{\"metric\":\"run/nbody/time\",\"value\":1.03}\n"
	    "{\"metric\":\"size\",\"value\":42,\"direction\":\"higher\"}\n"
	    "{\"metric\":\"broken\",\"error\":\"segfault\",\"values\":[3.5]}\n"
	    "not json at all\n"
	    "{\"metric\":\"bad\",\"values\":[1,\"x\"]}\n"
	    "{\"metric\":\"nothing\"}\n"
	    "{\"metric\":\"d\",\"value\":1,\"direction\":\"sideways\"}\n"
	    "{\"error\":\"the build failed\"}\n"
	    "{\"error\":\"and the tests\"}\n"
	    "{\"metric\":\"late\",\"values\":[1,2";
	struct result r;
	struct output o;
	struct metric *m;
	char *s;

	result_init(&r);
	output_init(&o, NULL);
	T_INT_EQ(result_parse_jsonl(&r, in, strlen(in)), 6);
	T_INT_EQ(r.n, 3);
	m = find(&r, "run/nbody/time");
	T_OK(m != NULL);
	if (m) {
		T_INT_EQ(m->n, 3);
		T_OK(m->values[0] == 1.02 && m->values[2] == 1.03);
		T_STR_EQ(m->unit, "s");
		T_INT_EQ(m->direction, -1);
	}
	m = find(&r, "size");
	T_OK(m != NULL && m->n == 1 && m->values[0] == 42 &&
	    m->direction == 1 && m->unit == NULL);
	m = find(&r, "broken");
	T_OK(m != NULL && m->n == 1);
	if (m)
		T_STR_EQ(m->error, "segfault");
	T_OK(find(&r, "bad") == NULL);
	T_OK(find(&r, "nothing") == NULL);
	T_OK(find(&r, "late") == NULL);
	T_STR_EQ(r.error, "the build failed; and the tests");
	s = warn_text(&r);
	T_OK(strstr(s, "line 6 is not JSON") != NULL);
	T_OK(strstr(s, "line 7: \"values\" holds something not a number")
	    != NULL);
	T_OK(strstr(s, "line 8: metric 'nothing' has no") != NULL);
	T_OK(strstr(s, "line 9: \"direction\"") != NULL);
	T_OK(strstr(s, "line 12 is unfinished") != NULL);
	free(s);

	/* The wire form. */
	{
		cJSON *j = result_json(&r), *t;

		t = cJSON_GetObjectItem(j, "run/nbody/time");
		T_INT_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(t, "values")),
		    3);
		T_STR_EQ(cJSON_GetObjectItem(t, "direction")->valuestring,
		    "lower");
		T_STR_EQ(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "size"),
		    "direction")->valuestring, "higher");
		T_STR_EQ(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "broken"),
		    "error")->valuestring, "segfault");
		cJSON_Delete(j);
	}
	output_fini(&o);
	result_fini(&r);

	/* A complete last line without its newline is fine. */
	result_init(&r);
	T_INT_EQ(result_parse_jsonl(&r, "{\"metric\":\"a\",\"value\":1}", 24),
	    1);
	T_INT_EQ(r.n, 1);
	result_fini(&r);
}

static void
test_names(void)
{
	struct result r;
	struct metric *m;
	char big[600];

	result_init(&r);
	T_OK(result_metric(&r, "") == NULL);
	T_OK(result_metric(&r, "tab\there") == NULL);
	T_OK(result_metric(&r, "bad\xff utf8") == NULL);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	T_OK(result_metric(&r, big) == NULL);
	big[PROTO_METRIC_NAME_MAX] = '\0';
	T_OK(result_metric(&r, big) != NULL);
	m = result_metric(&r, "ok/ünïcode");
	T_OK(m != NULL);
	T_INT_EQ(result_add_value(&r, m, 1.0 / 0.0), -1);
	T_INT_EQ(result_set_unit(m, "a very very very very very very very "
	    "very very very very very very very very long unit name"), -1);
	T_INT_EQ(r.n, 2);
	result_fini(&r);
}

static void
test_velcom(void)
{
	static const char doc[] =
	    "{\n"
	    "  \"build\": {\n"
	    "    \"time\": {\"values\": [13.2, 15.12], \"unit\": \"seconds\","
	    " \"interpretation\": \"LESS_IS_BETTER\"},\n"
	    "    \"loc\": {\"values\": [3038], \"unit\": \"lines\","
	    " \"interpretation\": \"NEUTRAL\"}\n"
	    "  },\n"
	    "  \"run\": {\n"
	    "    \"ops\": {\"values\": [7], \"unit\": \"op/s\","
	    " \"interpretation\": \"MORE_IS_BETTER\"},\n"
	    "    \"time\": {\"error\": \"Program exited with error code 1\","
	    " \"unit\": \"s\", \"interpretation\": \"LESS_IS_BETTER\"}\n"
	    "  }\n"
	    "}\n";
	struct result r;
	struct metric *m;

	result_init(&r);
	T_INT_EQ(result_parse_velcom(&r, doc, strlen(doc)), 0);
	T_INT_EQ(r.n, 4);
	m = find(&r, "build/time");
	T_OK(m != NULL && m->n == 2 && m->values[1] == 15.12 &&
	    m->direction == -1);
	if (m)
		T_STR_EQ(m->unit, "seconds");
	m = find(&r, "build/loc");
	T_OK(m != NULL && m->direction == 0);
	m = find(&r, "run/ops");
	T_OK(m != NULL && m->direction == 1);
	m = find(&r, "run/time");
	T_OK(m != NULL && m->n == 0);
	if (m)
		T_STR_EQ(m->error, "Program exited with error code 1");
	T_OK(r.error == NULL);
	result_fini(&r);

	result_init(&r);
	result_add_error(&r, NULL, "bench exited with code 1");
	T_INT_EQ(result_parse_velcom(&r, "{\"error\": \"Could not find "
	    "Makefile\"}", 36), 0);
	T_STR_EQ(r.error, "bench exited with code 1; Could not find Makefile");
	T_INT_EQ(r.n, 0);
	result_fini(&r);

	/* Not VelCom: r stays as it was. */
	result_init(&r);
	result_metric(&r, "kept");
	T_INT_EQ(result_parse_velcom(&r, "hello world\n", 12), -1);
	T_INT_EQ(result_parse_velcom(&r, "{\"a\": 1}", 8), -1);
	T_INT_EQ(result_parse_velcom(&r, "{\"a\": {\"b\": {\"unit\": \"s\"}}}",
	    27), -1);
	T_INT_EQ(result_parse_velcom(&r, "{\"a\": {\"b\": {\"values\": "
	    "[\"x\"]}}}", 30), -1);
	T_INT_EQ(result_parse_velcom(&r, "{}", 2), -1);
	T_INT_EQ(r.n, 1);
	/* A VelCom document, but r has a metric already. */
	T_INT_EQ(result_parse_velcom(&r, doc, strlen(doc)), -1);
	T_INT_EQ(r.n, 1);
	result_fini(&r);
}

static void
test_output(void)
{
	static const struct output_caps caps = {
		.line = 10, .head_lines = 3, .head_bytes = 1000,
		.tail_lines = 2, .tail_bytes = 1000,
	};
	struct output o;
	cJSON *a;
	char *s;
	int i;

	output_init(&o, &caps);
	output_feed(&o, PROTO_STDOUT, "one\ntw", 6);
	output_feed(&o, PROTO_STDERR, "err\r\n", 5);
	output_feed(&o, PROTO_STDOUT, "o\n0123456789abcdef\n", 19);
	output_feed(&o, PROTO_STDOUT, "bad \xff\n", 6);
	for (i = 0; i < 100; i++)
		output_feed(&o, PROTO_STDOUT, "spam\n", 5);
	output_feed(&o, PROTO_STDOUT, "last1\nlast", 10);
	output_flush(&o);
	s = output_text(&o);
	T_STR_EQ(s, "1:one\n2:err\n1:two\n0:[... 102 lines omitted ...]\n"
	    "1:last1\n1:last\n");
	free(s);
	a = output_recent(&o, 1);
	T_INT_EQ(cJSON_GetArraySize(a), 1);
	cJSON_Delete(a);
	output_reset(&o);

	/* A long line is cut at the cap, saying by how much; a line split
	 * over feeds is one line; bad UTF-8 is repaired. */
	output_feed(&o, PROTO_STDOUT, "0123456", 7);
	output_feed(&o, PROTO_STDOUT, "789abcdef\n", 10);
	output_feed(&o, PROTO_STDERR, "x\xff\n", 3);
	output_addf(&o, "n=%d", 5);
	s = output_text(&o);
	T_STR_EQ(s, "1:0123456789 [... 6 bytes cut]\n2:x\xef\xbf\xbd\n0:n=5\n");
	free(s);
	a = output_recent(&o, 50);
	T_INT_EQ(cJSON_GetArraySize(a), 3);
	cJSON_Delete(a);
	output_fini(&o);

	/* A lot of output stays within the caps. */
	output_init(&o, NULL);
	{
		char *chunk = xmalloc(1 << 20);

		memset(chunk, 'y', 1 << 20);
		for (i = 0; i < (1 << 20); i += 100)
			chunk[i] = '\n';
		for (i = 0; i < 64; i++)
			output_feed(&o, PROTO_STDOUT, chunk, 1 << 20);
		free(chunk);
	}
	T_OK(o.head_bytes <= output_default_caps.head_bytes);
	T_OK(o.tail_bytes <= output_default_caps.tail_bytes);
	T_INT_EQ(o.n_head, output_default_caps.head_lines);
	T_INT_EQ(o.n_tail, output_default_caps.tail_lines);
	T_OK(o.omitted > 600000);
	output_fini(&o);
}

int
main(void)
{
	test_jsonl();
	test_names();
	test_velcom();
	test_output();
	return T_DONE();
}
