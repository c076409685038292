/* esc: escapers for HTML, URL path segments, file names and terminals. */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "esc.h"
#include "utf8.h"

#define FILENAME_MAX_LEN 120

/* 1 if HTML allows code point cp in text: no controls but tab and
 * newlines (C0, DEL, C1), no NUL. */
static int
html_char(uint32_t cp)
{
	if (cp < 0x20)
		return cp == '\t' || cp == '\n' || cp == '\r';
	return cp != 0x7f && !(cp >= 0x80 && cp < 0xa0);
}

/* Append s[0..n) with invalid UTF-8 and forbidden controls replaced, and
 * the HTML special characters escaped when html is set. */
static int
clean(struct buf *b, const char *s, size_t n, int html)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, start = 0, k;
	const char *rep;
	uint32_t cp;
	long l;

	while (i < n) {
		rep = NULL;
		k = 1;
		switch (html ? p[i] : 0x20) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		default:
			if (p[i] >= 0x20 && p[i] < 0x7f) {
				i++;
				continue;
			}
			/* An invalid sequence (its maximal subpart) or a
			 * character HTML forbids: one U+FFFD. */
			l = utf8_next(s + i, n - i, &cp);
			if (l > 0 && html_char(cp)) {
				i += (size_t)l;
				continue;
			}
			rep = "\xef\xbf\xbd";
			k = (size_t)(l > 0 ? l : -l);
			break;
		}
		if (buf_add(b, s + start, i - start) < 0 ||
		    buf_adds(b, rep) < 0)
			return -1;
		i += k;
		start = i;
	}
	return buf_add(b, s + start, i - start);
}

int
esc_html(struct buf *b, const char *s, size_t n)
{
	return clean(b, s, n, 1);
}

int
esc_text(struct buf *b, const char *s, size_t n)
{
	return clean(b, s, n, 0);
}

int
esc_json(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, start = 0, k, skip;
	char e[7];
	uint32_t cp;
	long l;

	if (buf_addc(b, '"') < 0)
		return -1;
	while (i < n) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' &&
		    p[i] != '\\') {
			i++;
			continue;
		}
		l = p[i] >= 0x80 ? utf8_next(s + i, n - i, &cp) : -1;
		if (l > 0) {
			i += (size_t)l;
			continue;
		}
		skip = (size_t)-l;
		if (buf_add(b, s + start, i - start) < 0)
			return -1;
		if (p[i] == '"' || p[i] == '\\') {
			e[0] = '\\';
			e[1] = (char)p[i];
			k = 2;
		} else if (p[i] < 0x20 || p[i] == 0x7f) {
			memcpy(e, "\\u00", 4);
			e[4] = hex[p[i] >> 4];
			e[5] = hex[p[i] & 15];
			k = 6;
		} else {
			memcpy(e, "\\ufffd", 6);
			k = 6;
		}
		if (buf_add(b, e, k) < 0)
			return -1;
		i += skip;
		start = i;
	}
	if (buf_add(b, s + start, i - start) < 0)
		return -1;
	return buf_addc(b, '"');
}

int
esc_url_segment(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	char e[3];

	for (p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ||
		    *p == '_' || *p == '~') {
			if (buf_addc(b, (char)*p) < 0)
				return -1;
			continue;
		}
		e[0] = '%';
		e[1] = hex[*p >> 4];
		e[2] = hex[*p & 15];
		if (buf_add(b, e, 3) < 0)
			return -1;
	}
	return 0;
}

int
esc_filename(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	size_t start = b->len;
	char e[3], h[17];

	if (*s == '\0')
		return buf_adds(b, "~");
	for (p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
		    (*p == '.' && p != (const unsigned char *)s)) {
			if (buf_addc(b, (char)*p) < 0)
				return -1;
		} else {
			e[0] = '~';
			e[1] = hex[*p >> 4];
			e[2] = hex[*p & 15];
			if (buf_add(b, e, 3) < 0)
				return -1;
		}
		if (b->len - start > FILENAME_MAX_LEN)
			break;
	}
	if (*p == '\0' && b->len - start <= FILENAME_MAX_LEN)
		return 0;
	/* Too long: a prefix, then the hash of the whole name. */
	b->len = start + 80;
	/* Do not cut an escape in half. */
	while (b->len > start && b->len - start > 77 &&
	    (b->data[b->len - 1] == '~' || b->data[b->len - 2] == '~'))
		b->len--;
	b->data[b->len] = '\0';
	esc_hash_hex(s, h);
	if (buf_adds(b, "~~") < 0 || buf_adds(b, h) < 0)
		return -1;
	return 0;
}

size_t
esc_ctrl(char out[5], unsigned char c, int lines)
{
	if (lines && (c == '\n' || c == '\t'))
		return 0;
	if (c >= 0x20 && c != 0x7f)
		return 0;
	snprintf(out, 5, "\\x%02x", c);
	return 4;
}

uint64_t
esc_hash(const char *s, size_t n)
{
	uint64_t h = 14695981039346656037ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

void
esc_hash_hex(const char *s, char out[17])
{
	static const char hex[] = "0123456789abcdef";
	uint64_t h = esc_hash(s, strlen(s));
	int i;

	for (i = 15; i >= 0; i--) {
		out[i] = hex[h & 15];
		h >>= 4;
	}
	out[16] = '\0';
}
