/* utf8: validation and repair of byte strings that should be UTF-8. */
#include <string.h>

#include "buf.h"
#include "utf8.h"

long
utf8_next(const char *s, size_t n, uint32_t *cp)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned c = p[0], lo = 0x80, hi = 0xbf;
	uint32_t v;
	size_t len, i;

	*cp = 0xfffd;
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		v = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		v = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		v = c & 0x07;
	} else {
		return -1;
	}
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
		if (i >= n || p[i] < lo || p[i] > hi)
			return -(long)i;
		v = (v << 6) | (p[i] & 0x3f);
		lo = 0x80;
		hi = 0xbf;
	}
	*cp = v;
	return (long)len;
}

/* utf8_next, NUL counting as invalid (a 1-byte subpart). */
static long
seqlen(const char *s, size_t n)
{
	uint32_t cp;

	if (s[0] == '\0')
		return -1;
	return utf8_next(s, n, &cp);
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
		l = seqlen(s + i, n - i);
		if (l < 0)
			return 0;
		i += (size_t)l;
	}
	return 1;
}

char *
utf8_repair(const char *s, size_t n, size_t *outlen)
{
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
		l = seqlen(s + i, n - i);
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
