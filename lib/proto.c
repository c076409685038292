/* proto: validation and time helpers for the worker protocol. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "proto.h"

int
proto_valid_id(const char *s)
{
	size_t n = 0;

	if (s == NULL)
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
	/* An offset must not move it out of the years this parser reads
	 * back (1970 to 9999 UTC): what we accept, we can print. */
	if (v < 0 || v >= 253402300800.0)
		goto bad;
	*t = v;
	return 0;
bad:
	err_set("not an RFC 3339 time (like \"2026-11-28T07:44:13Z\")");
	return -1;
}

void
proto_time_format(double t, char *out)
{
	time_t secs = (time_t)floor(t);
	long ms = lround((t - (double)secs) * 1000);
	struct tm tm;
	size_t n;

	if (ms >= 1000) {
		secs++;
		ms -= 1000;
	}
	gmtime_r(&secs, &tm);
	n = strftime(out, PROTO_TIME_LEN, "%Y-%m-%dT%H:%M:%S", &tm);
	if (ms != 0)
		snprintf(out + n, PROTO_TIME_LEN - n, ".%03ldZ", ms);
	else
		snprintf(out + n, PROTO_TIME_LEN - n, "Z");
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

const char *
proto_direction_name(int dir)
{
	if (dir < 0)
		return "lower";
	if (dir > 0)
		return "higher";
	return NULL;
}
