/* utf8: validation and repair of byte strings that should be UTF-8. */
#include <string.h>

#include "buf.h"
#include "utf8.h"

/* Length of the valid sequence at s (at most n bytes), 0 if invalid. */
static size_t
seqlen(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len, i;
	unsigned cp;

	if (c == 0)
		return 0;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF. */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

int
utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, l;

	while (i < n) {
		if (p[i] > 0 && p[i] < 0x80) {
			i++;
			continue;
		}
		l = seqlen(p + i, n - i);
		if (l == 0)
			return 0;
		i += l;
	}
	return 1;
}

char *
utf8_repair(const char *s, size_t n, size_t *outlen)
{
	const unsigned char *p = (const unsigned char *)s;
	struct buf b;
	size_t i = 0, start = 0, l;

	if (utf8_valid(s, n)) {
		if (outlen != NULL)
			*outlen = n;
		return xstrndup(s, n);
	}
	buf_init(&b, 0);
	while (i < n) {
		l = seqlen(p + i, n - i);
		if (l > 0) {
			i += l;
			continue;
		}
		buf_add(&b, s + start, i - start);
		buf_add(&b, "\xef\xbf\xbd", 3);
		i++;
		start = i;
	}
	buf_add(&b, s + start, i - start);
	if (outlen != NULL)
		*outlen = b.len;
	return buf_take(&b);
}
