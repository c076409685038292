/* proto: the worker protocol's rules, for both sides of the wire. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "err.h"
#include "fmt.h"
#include "proto.h"
#include "utf8.h"

const char *
proto_source_name(int source)
{
	if (source == PROTO_STDOUT)
		return "stdout";
	if (source == PROTO_STDERR)
		return "stderr";
	return "internal";
}

int
proto_valid_id(const char *s)
{
	size_t n = 0;

	if (s == NULL)
		return 0;
	if (s[0] == '.')
		return 0;
	for (; s[n] != '\0'; n++) {
		char c = s[n];

		if (n >= PROTO_ID_MAX)
			return 0;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		    c == '-'))
			return 0;
	}
	return n > 0;
}

int
proto_valid_hash(const char *s)
{
	size_t n;

	if (s == NULL)
		return 0;
	for (n = 0; s[n] != '\0'; n++) {
		if (n >= 40 || !((s[n] >= '0' && s[n] <= '9') ||
		    (s[n] >= 'a' && s[n] <= 'f')))
			return 0;
	}
	return n == 40;
}

/* Read exactly n digits at *p into *v, advancing *p. */
static int
digits(const char **p, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return -1;
		*v = *v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return 0;
}

static int
expect(const char **p, char c)
{
	if (**p != c)
		return -1;
	(*p)++;
	return 0;
}

static int
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int
proto_time_parse(const char *s, double *t)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31};
	const char *p = s;
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	double frac = 0, scale = 0.1, v;
	struct tm tm;

	if (s == NULL || digits(&p, 4, &y) || expect(&p, '-') ||
	    digits(&p, 2, &mo) || expect(&p, '-') || digits(&p, 2, &d))
		goto bad;
	if (*p != 'T' && *p != 't' && *p != ' ')
		goto bad;
	p++;
	if (digits(&p, 2, &h) || expect(&p, ':') || digits(&p, 2, &mi) ||
	    expect(&p, ':') || digits(&p, 2, &sec))
		goto bad;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			goto bad;
		for (; *p >= '0' && *p <= '9'; p++, scale /= 10)
			frac += (*p - '0') * scale;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		p++;
		if (digits(&p, 2, &oh) || expect(&p, ':') ||
		    digits(&p, 2, &om) || oh > 23 || om > 59)
			goto bad;
	} else {
		goto bad;
	}
	if (*p != '\0' || y < 1970 || mo < 1 || mo > 12 || d < 1 ||
	    d > mdays[mo - 1] + (mo == 2 && is_leap(y)) || h > 23 ||
	    mi > 59 || sec > 60)
		goto bad;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	v = (double)timegm(&tm) + frac - sign * (oh * 3600 + om * 60);
	/* An offset, or a fraction that rounds up to the next second, must
	 * not move it out of the years this parser reads back (1970 to 9999
	 * UTC): what we accept, we can print to the millisecond. */
	if (v < 0 || v + 0.0005 >= 253402300800.0)
		goto bad;
	*t = v;
	return 0;
bad:
	err_set("not an RFC 3339 time (like \"2026-11-28T07:44:13Z\")");
	return -1;
}

void
proto_time_format(char *out, double t, int tz, enum proto_time_style style)
{
	time_t secs = (time_t)floor(t);
	long ms = style == PROTO_TIME_SECONDS ? 0 :
	    lround((t - (double)secs) * 1000);
	struct tm tm;
	size_t n;

	if (ms >= 1000) {
		secs++;
		ms -= 1000;
	}
	/* What RFC 3339 cannot write (an offset of a day or more, a year
	 * past 9999, a db from before the import checked) prints as UTC, or
	 * as the epoch. */
	if (tz <= -24 * 60 || tz >= 24 * 60)
		tz = 0;
	secs += (time_t)tz * 60;
	if (secs < (time_t)-62135596800LL || secs > (time_t)253402300799LL ||
	    gmtime_r(&secs, &tm) == NULL) {
		secs = 0;
		tz = 0;
		gmtime_r(&secs, &tm);
	}
	n = strftime(out, PROTO_TIME_LEN, "%Y-%m-%dT%H:%M:%S", &tm);
	if (ms != 0 || style == PROTO_TIME_MS)
		n += (size_t)snprintf(out + n, PROTO_TIME_LEN - n, ".%03ld",
		    ms);
	if (tz == 0)
		snprintf(out + n, PROTO_TIME_LEN - n, "Z");
	else
		snprintf(out + n, PROTO_TIME_LEN - n, "%c%02d:%02d",
		    tz < 0 ? '-' : '+', abs(tz) / 60, abs(tz) % 60);
}

double
proto_time_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
proto_direction_parse(const char *s, int *dir)
{
	if (s != NULL && strcmp(s, "lower") == 0) {
		*dir = -1;
		return 0;
	}
	if (s != NULL && strcmp(s, "higher") == 0) {
		*dir = 1;
		return 0;
	}
	err_set("expected \"lower\", \"higher\" or null");
	return -1;
}

/* 1 if s is at most max bytes of UTF-8 with no control character. */
static int
printable(const char *s, size_t max)
{
	size_t n = strlen(s), i;

	if (n > max || !utf8_valid(s, n))
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

int
proto_valid_metric_name(const char *s)
{
	return s[0] != '\0' && printable(s, PROTO_METRIC_NAME_MAX);
}

int
proto_valid_unit(const char *s)
{
	return printable(s, PROTO_UNIT_MAX);
}

const char *
proto_direction_name(int dir)
{
	if (dir < 0)
		return "lower";
	if (dir > 0)
		return "higher";
	return NULL;
}

/* The original protocol's display strings. */
static int
bench_parse_string(const char *s, struct proto_bench *b, const char **field)
{
	static const char repo[] = "bench repo, hash ";

	*field = "";
	if (strcmp(s, "internal") == 0)
		return 0;
	if (strncmp(s, repo, sizeof(repo) - 1) == 0) {
		if (!proto_valid_hash(s + sizeof(repo) - 1)) {
			err_set("expected 40 lowercase hex digits after "
			    "\"bench repo, hash \"");
			return -1;
		}
		b->kind = PROTO_BENCH_REPO;
		memcpy(b->hash, s + sizeof(repo) - 1, 41);
		return 0;
	}
	err_set("unknown bench method (want \"internal\", \"bench repo, "
	    "hash <hash>\" or an object)");
	return -1;
}

/* {"type":"import"}'s format: one of lib/fmt.h's own names. */
static int
bench_parse_import(const cJSON *format, struct proto_bench *b,
    const char **field)
{
	const char *s;

	*field = "format";
	if (format != NULL && !cJSON_IsNull(format) &&
	    !cJSON_IsString(format)) {
		err_set("expected a string");
		return -1;
	}
	s = cJSON_IsString(format) ? format->valuestring : NULL;
	if (s == NULL || strlen(s) >= sizeof(b->format) ||
	    fmt_by_name(s) == FMT_UNKNOWN ||
	    strcmp(fmt_name(fmt_by_name(s)), s) != 0) {
		err_set("unknown result format");
		return -1;
	}
	b->kind = PROTO_BENCH_IMPORT;
	memcpy(b->format, s, strlen(s) + 1);
	return 0;
}

int
proto_bench_parse(const cJSON *j, struct proto_bench *b, const char **field)
{
	const cJSON *type, *hash, *format;

	memset(b, 0, sizeof(*b));
	*field = "";
	if (cJSON_IsString(j))
		return bench_parse_string(j->valuestring, b, field);
	if (!cJSON_IsObject(j)) {
		err_set("expected an object or a string");
		return -1;
	}
	type = cJSON_GetObjectItemCaseSensitive(j, "type");
	hash = cJSON_GetObjectItemCaseSensitive(j, "hash");
	format = cJSON_GetObjectItemCaseSensitive(j, "format");
	*field = "type";
	if (type != NULL && !cJSON_IsNull(type) && !cJSON_IsString(type)) {
		err_set("expected a string");
		return -1;
	}
	if (cJSON_IsString(type) && strcmp(type->valuestring, "internal") == 0)
		return 0;
	if (cJSON_IsString(type) && strcmp(type->valuestring, "import") == 0)
		return bench_parse_import(format, b, field);
	if (!cJSON_IsString(type) || strcmp(type->valuestring, "repo") != 0) {
		err_set("unknown bench method type (want \"internal\", \"repo\" "
		    "or \"import\")");
		return -1;
	}
	*field = "hash";
	if (hash != NULL && !cJSON_IsNull(hash) && !cJSON_IsString(hash)) {
		err_set("expected a string");
		return -1;
	}
	if (!cJSON_IsString(hash) || !proto_valid_hash(hash->valuestring)) {
		err_set("expected 40 lowercase hex digits");
		return -1;
	}
	b->kind = PROTO_BENCH_REPO;
	memcpy(b->hash, hash->valuestring, 41);
	return 0;
}

char *
proto_bench_json(const struct proto_bench *b)
{
	if (b->kind == PROTO_BENCH_REPO)
		return xasprintf("{\"type\":\"repo\",\"hash\":\"%s\"}",
		    b->hash);
	if (b->kind == PROTO_BENCH_IMPORT)
		return xasprintf("{\"type\":\"import\",\"format\":\"%s\"}",
		    b->format);
	return xstrdup("{\"type\":\"internal\"}");
}

const char *
proto_bench_type(const struct proto_bench *b)
{
	if (b->kind == PROTO_BENCH_REPO)
		return "repo";
	return b->kind == PROTO_BENCH_IMPORT ? "import" : "internal";
}
