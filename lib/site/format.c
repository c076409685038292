/* format: numbers, durations, times and commit summaries for people and for
 * the JSON twins, one place for every page. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "proto.h"
#include "render_int.h"

void
render_time(char out[40], double t, int tz)
{
	proto_time_format(out, t, tz, PROTO_TIME_SECONDS);
}

void
render_duration(char out[40], double secs)
{
	long s;

	if (secs < 0 || !isfinite(secs))
		snprintf(out, 40, "?");
	else if (secs < 60)
		snprintf(out, 40, "%.2f s", secs);
	else if (secs < 3600) {
		s = lround(secs);
		snprintf(out, 40, "%ld min %ld s", s / 60, s % 60);
	} else {
		s = lround(secs / 60);
		snprintf(out, 40, "%ld h %ld min", s / 60, s % 60);
	}
}

void
render_num(char out[40], double v)
{
	double a = fabs(v);

	if (!isfinite(v))
		snprintf(out, 40, "%g", v);
	else if (v == floor(v) && a < 1e15)
		snprintf(out, 40, "%.0f", v);
	else if (a >= 1000 && a < 1e6)
		snprintf(out, 40, "%.1f", v);
	else
		snprintf(out, 40, "%.4g", v);
}

/* Write the decimal digits of u ending just before end; returns the start. */
static char *
utoa_end(char *end, unsigned long long u)
{
	do {
		*--end = (char)('0' + u % 10);
		u /= 10;
	} while (u > 0);
	return end;
}

void
render_json_num(char out[40], double v)
{
	char tmp[40], *p, *e;
	long long k;
	double a = fabs(v);
	unsigned long long u;
	size_t n;

	if (!isfinite(v)) {
		snprintf(out, 40, "null");
		return;
	}
	/* Most values have a few decimals: print them without printf. */
	if (a < 1e12 && (a >= 1e-3 || a == 0)) {
		k = llround(v * 1e6);
		/* Exact: the decimal reads back as the same double. */
		if ((double)k / 1e6 == v) {
			u = (unsigned long long)(k < 0 ? -k : k);
			e = tmp + sizeof(tmp);
			p = utoa_end(e, u % 1000000 + 1000000);
			/* p[0] is the '1' of the guard; drop trailing 0s. */
			while (e > p + 1 && e[-1] == '0')
				e--;
			n = (size_t)(e - p - 1);
			memmove(tmp + 20, p + 1, n);
			p = utoa_end(tmp + 20 - (n ? 1 : 0), u / 1000000);
			if (n)
				tmp[19] = '.';
			if (k < 0)
				*--p = '-';
			n += (size_t)(tmp + 20 - p);
			memcpy(out, p, n);
			out[n] = '\0';
			return;
		}
	}
	/* 15 digits when they read back exactly, else 17. */
	snprintf(out, 40, "%.15g", v);
	if (strtod(out, NULL) != v)
		snprintf(out, 40, "%.17g", v);
}


char *
render_summary(const char *message)
{
	size_t n = strcspn(message, "\n");

	if (n > 200) {
		n = 200;
		/* Do not cut a UTF-8 sequence in half. */
		while (n > 0 && ((unsigned char)message[n] & 0xc0) == 0x80)
			n--;
	}
	return xstrndup(message, n);
}

