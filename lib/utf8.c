/* utf8: validation and repair of byte strings that should be UTF-8. */
#include <string.h>

#include "buf.h"
#include "utf8.h"

/*
 * At s (n > 0 bytes left): the length of the valid sequence there, or, if
 * invalid, minus the length of its "maximal subpart" (Unicode 3.9, the
 * bytes that one U+FFFD replaces; at least 1). NUL counts as invalid.
 */
static long
seqlen(const unsigned char *s, size_t n)
{
	unsigned c = s[0], lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (c == 0)
		return -1;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return -1;
	/* The second byte's range excludes overlongs, surrogates and
	 * values past U+10FFFF. */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	for (i = 1; i < len; i++) {
		if (i >= n || s[i] < lo || s[i] > hi)
			return -(long)i;
		lo = 0x80;
		hi = 0xbf;
	}
	return (long)len;
}

int
utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	long l;

	while (i < n) {
		if (p[i] > 0 && p[i] < 0x80) {
			i++;
			continue;
		}
		l = seqlen(p + i, n - i);
		if (l < 0)
			return 0;
		i += (size_t)l;
	}
	return 1;
}

char *
utf8_repair(const char *s, size_t n, size_t *outlen)
{
	const unsigned char *p = (const unsigned char *)s;
	struct buf b;
	size_t i = 0, start = 0;
	long l;
	int e = 0;

	if (utf8_valid(s, n)) {
		if (outlen != NULL)
			*outlen = n;
		return xstrndup(s, n);
	}
	buf_init(&b, 0);
	while (i < n) {
		l = seqlen(p + i, n - i);
		if (l > 0) {
			i += (size_t)l;
			continue;
		}
		e |= buf_add(&b, s + start, i - start);
		e |= buf_add(&b, "\xef\xbf\xbd", 3);
		i += (size_t)-l;
		start = i;
	}
	e |= buf_add(&b, s + start, i - start);
	buf_must(e);
	if (outlen != NULL)
		*outlen = b.len;
	return buf_take(&b);
}
