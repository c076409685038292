/* test_proto: the worker protocol helpers (lib/proto.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "t.h"

static double
parse(const char *s)
{
	double t = -1;

	if (proto_time_parse(s, &t) < 0)
		return -1;
	return t;
}

/* proto_bench_parse on JSON text: 0/-1, the field at fault, the object
 * form. */
static int
bench(const char *json, const char **field, char **out)
{
	cJSON *j = cJSON_Parse(json);
	struct proto_bench b;
	int rc;

	*out = NULL;
	rc = proto_bench_parse(j, &b, field);
	if (rc == 0)
		*out = proto_bench_json(&b);
	cJSON_Delete(j);
	return rc;
}

static void
test_bench(void)
{
	static const char h[] = "0123456789abcdef0123456789abcdef01234567";
	char in[128], want[128], *out;
	const char *f;

	T_INT_EQ(bench("{\"type\":\"internal\"}", &f, &out), 0);
	T_STR_EQ(out, "{\"type\":\"internal\"}");
	free(out);
	T_INT_EQ(bench("\"internal\"", &f, &out), 0);
	T_STR_EQ(out, "{\"type\":\"internal\"}");
	free(out);
	snprintf(want, sizeof(want), "{\"type\":\"repo\",\"hash\":\"%s\"}",
	    h);
	T_INT_EQ(bench(want, &f, &out), 0);
	T_STR_EQ(out, want);
	free(out);
	snprintf(in, sizeof(in), "\"bench repo, hash %s\"", h);
	T_INT_EQ(bench(in, &f, &out), 0);
	T_STR_EQ(out, want);
	free(out);

	T_INT_EQ(bench("\"bench repo, hash abc\"", &f, &out), -1);
	T_STR_EQ(f, "");
	T_INT_EQ(bench("\"external\"", &f, &out), -1);
	T_STR_EQ(f, "");
	T_INT_EQ(bench("7", &f, &out), -1);
	T_STR_EQ(f, "");
	T_INT_EQ(bench("{\"type\":\"other\"}", &f, &out), -1);
	T_STR_EQ(f, "type");
	T_INT_EQ(bench("{}", &f, &out), -1);
	T_STR_EQ(f, "type");
	T_INT_EQ(bench("{\"type\":1}", &f, &out), -1);
	T_STR_EQ(f, "type");
	T_INT_EQ(bench("{\"type\":\"repo\"}", &f, &out), -1);
	T_STR_EQ(f, "hash");
	T_INT_EQ(bench("{\"type\":\"repo\",\"hash\":\"ABC\"}", &f, &out),
	    -1);
	T_STR_EQ(f, "hash");
	T_OK(out == NULL);

	T_INT_EQ(bench("{\"type\":\"import\",\"format\":\"gbench\"}", &f,
	    &out), 0);
	T_STR_EQ(out, "{\"type\":\"import\",\"format\":\"gbench\"}");
	free(out);
	T_INT_EQ(bench("{\"type\":\"import\",\"format\":\"nope\"}", &f,
	    &out), -1);
	T_STR_EQ(f, "format");
	T_INT_EQ(bench("{\"type\":\"import\"}", &f, &out), -1);
	T_STR_EQ(f, "format");
}

int
main(void)
{
	char buf[PROTO_TIME_LEN];
	char id[70];
	int d = 7;

	T_OK(proto_valid_id("r-0a1b2c3d4e5f6g7h8i9j"));
	T_OK(proto_valid_id("A.b_c-9"));
	T_OK(proto_valid_id("a."));
	/* Ids and names become file names: no ".", "..", hidden files. */
	T_OK(!proto_valid_id("."));
	T_OK(!proto_valid_id(".."));
	T_OK(!proto_valid_id(".hidden"));
	T_OK(!proto_valid_id(""));
	T_OK(!proto_valid_id(NULL));
	T_OK(!proto_valid_id("../x"));
	T_OK(!proto_valid_id("a b"));
	T_OK(!proto_valid_id("a:b"));
	T_OK(!proto_valid_id("\xc3\xa9"));
	memset(id, 'x', 64);
	id[64] = '\0';
	T_OK(proto_valid_id(id));
	id[64] = 'x';
	id[65] = '\0';
	T_OK(!proto_valid_id(id));

	T_OK(proto_valid_hash("0123456789abcdef0123456789abcdef01234567"));
	T_OK(!proto_valid_hash("0123456789abcdef0123456789abcdef0123456"));
	T_OK(!proto_valid_hash("0123456789abcdef0123456789abcdef012345678"));
	T_OK(!proto_valid_hash("0123456789ABCDEF0123456789abcdef01234567"));
	T_OK(!proto_valid_hash("0123456789abcdeg0123456789abcdef01234567"));
	T_OK(!proto_valid_hash("../../x"));
	T_OK(!proto_valid_hash(NULL));

	T_OK(parse("1970-01-01T00:00:00Z") == 0);
	T_OK(parse("2026-11-28T07:44:13Z") == 1795851853);
	T_OK(parse("2026-11-28t07:44:13z") == 1795851853);
	T_OK(parse("2026-11-28T07:44:13.25Z") == 1795851853.25);
	T_OK(parse("2026-11-28T09:44:13+02:00") == 1795851853);
	T_OK(parse("2026-11-28T05:14:13-02:30") == 1795851853);
	T_OK(parse("2024-02-29T00:00:00Z") == 1709164800);
	T_OK(parse("2023-02-29T00:00:00Z") == -1);
	T_OK(parse("2026-13-01T00:00:00Z") == -1);
	T_OK(parse("2026-11-28T24:00:00Z") == -1);
	T_OK(parse("2026-11-28T07:44:13") == -1);
	T_OK(parse("2026-11-28T07:44:13.Z") == -1);
	T_OK(parse("2026-11-28T07:44:13Zjunk") == -1);
	T_OK(parse("2026-11-28") == -1);
	T_OK(parse("1795851853") == -1);
	T_OK(parse("") == -1);
	/* Offsets that leave 1970..9999 UTC: the server could not read back
	 * what it would print (found by tests/fuzz/fuzz_proto). */
	T_OK(parse("1970-01-01T00:00:00+23:59") == -1);
	T_OK(parse("1970-01-01T23:59:00+23:59") == 0);
	T_OK(parse("9999-12-31T23:59:59Z") == 253402300799.0);
	T_OK(parse("9999-12-31T23:59:59-00:01") == -1);
	/* It would print as the next second, in year 10000. */
	T_OK(parse("9999-12-31T23:59:59.9999Z") == -1);
	T_OK(fabs(parse("9999-12-31T23:59:59.999Z") - 253402300799.999) < 1e-6);

	proto_time_format(buf, 1795851853, 0, PROTO_TIME_AUTO);
	T_STR_EQ(buf, "2026-11-28T07:44:13Z");
	proto_time_format(buf, 1795851853.25, 0, PROTO_TIME_AUTO);
	T_STR_EQ(buf, "2026-11-28T07:44:13.250Z");
	proto_time_format(buf, 1795851853.9996, 0, PROTO_TIME_AUTO);
	T_STR_EQ(buf, "2026-11-28T07:44:14Z");
	proto_time_format(buf, 0, 0, PROTO_TIME_AUTO);
	T_STR_EQ(buf, "1970-01-01T00:00:00Z");
	T_OK(parse(buf) == 0);
	/* The other styles and offsets: one printer for the wire, the pages
	 * and the worker. */
	proto_time_format(buf, 1795851853, 0, PROTO_TIME_MS);
	T_STR_EQ(buf, "2026-11-28T07:44:13.000Z");
	proto_time_format(buf, 1795851853.25, 0, PROTO_TIME_SECONDS);
	T_STR_EQ(buf, "2026-11-28T07:44:13Z");
	proto_time_format(buf, 1795851853.9996, 0, PROTO_TIME_SECONDS);
	T_STR_EQ(buf, "2026-11-28T07:44:13Z");
	proto_time_format(buf, 1795851853.25, 120, PROTO_TIME_AUTO);
	T_STR_EQ(buf, "2026-11-28T09:44:13.250+02:00");
	T_OK(parse(buf) == 1795851853.25);
	proto_time_format(buf, 1795851853, -150, PROTO_TIME_SECONDS);
	T_STR_EQ(buf, "2026-11-28T05:14:13-02:30");
	T_OK(parse(buf) == 1795851853);
	proto_time_format(buf, proto_time_now(), 0, PROTO_TIME_MS);
	T_INT_EQ(strlen(buf), 24);
	T_OK(parse(buf) > 1700000000);

	T_STR_EQ(proto_source_name(PROTO_INTERNAL), "internal");
	T_STR_EQ(proto_source_name(PROTO_STDOUT), "stdout");
	T_STR_EQ(proto_source_name(PROTO_STDERR), "stderr");
	T_STR_EQ(proto_source_name(7), "internal");

	test_bench();

	T_INT_EQ(proto_direction_parse("lower", &d), 0);
	T_INT_EQ(d, -1);
	T_INT_EQ(proto_direction_parse("higher", &d), 0);
	T_INT_EQ(d, 1);
	T_INT_EQ(proto_direction_parse("up", &d), -1);
	T_INT_EQ(proto_direction_parse(NULL, &d), -1);
	T_STR_EQ(proto_direction_name(-1), "lower");
	T_STR_EQ(proto_direction_name(1), "higher");
	T_OK(proto_direction_name(0) == NULL);
	return T_DONE();
}
