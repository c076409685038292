/* fuzz_proto: the wire's small parsers (lib/proto.c): ids, hashes, metric
 * directions and RFC 3339 times. An accepted time must print (as the
 * server writes it) in a form that parses back to the same millisecond;
 * ids and hashes must match their documented patterns exactly. */
#include <math.h>
#include <string.h>

#include "fuzz.h"
#include "proto.h"

static int
is_id(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > PROTO_ID_MAX || s[0] == '.')
		return 0;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._-") == n;
}

static int
is_hash(const char *s)
{
	return strlen(s) == 40 && strspn(s, "0123456789abcdef") == 40;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size), out[PROTO_TIME_LEN];
	double t, t2;
	int d;

	FUZZ_ASSERT(proto_valid_id(s) == is_id(s));
	FUZZ_ASSERT(proto_valid_hash(s) == is_hash(s));
	if (proto_direction_parse(s, &d) == 0) {
		FUZZ_ASSERT(d == -1 || d == 1);
		FUZZ_ASSERT(strcmp(proto_direction_name(d), s) == 0);
	}
	if (proto_time_parse(s, &t) == 0) {
		FUZZ_ASSERT(isfinite(t));
		proto_time_format(out, t, 0, PROTO_TIME_AUTO);
		FUZZ_ASSERT(strlen(out) < PROTO_TIME_LEN);
		if (proto_time_parse(out, &t2) != 0) {
			fprintf(stderr, "'%s' -> %.3f -> '%s' does not parse\n",
			    s, t, out);
			abort();
		}
		FUZZ_ASSERT(fabs(t2 - t) <= 0.0005 + 1e-9 * fabs(t));
	}
	free(s);
	return 0;
}
