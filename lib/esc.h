/* esc: one escaper per output context: HTML text/attributes, URL segments,
 * file names, terminals and log lines. */
#ifndef TJ_ESC_H
#define TJ_ESC_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/*
 * Append s[0..n) to b escaped for HTML text and quoted attribute values
 * (& < > " ' become entities). Each invalid UTF-8 sequence (its maximal
 * subpart, as utf8_next decodes it), each NUL and each control character
 * HTML forbids (C0 but tab and newlines, DEL, C1) becomes one U+FFFD, so
 * the output is always valid UTF-8. 0 or -1 (cap).
 */
int esc_html(struct buf *b, const char *s, size_t n) BUF_MUST_CHECK;

/*
 * Append s[0..n) to b unescaped but with the same repairs as esc_html:
 * invalid UTF-8, NULs and the control characters HTML forbids become
 * U+FFFD (for text that another HTML writer, cmark, escapes). 0 or -1.
 */
int esc_text(struct buf *b, const char *s, size_t n) BUF_MUST_CHECK;

/*
 * Append s to b as a JSON string, quotes included: " and \ escaped,
 * control characters as \u00XX, each invalid UTF-8 sequence (maximal
 * subpart, see utf8_next) as one \ufffd. 0 or -1 (cap).
 */
int esc_json(struct buf *b, const char *s) BUF_MUST_CHECK;

/*
 * Append s to b as one URL path segment: every byte but the RFC 3986
 * unreserved ones (A-Z a-z 0-9 - . _ ~) percent-encoded, so "/" becomes
 * %2F. 0 or -1 (cap).
 */
int esc_url_segment(struct buf *b, const char *s) BUF_MUST_CHECK;

/*
 * Append s to b as a file name that is safe on any filesystem and in a URL
 * as it is: [A-Za-z0-9_-] and non-leading "." are kept, every other byte
 * becomes "~" and two upper-case hex digits ("" gives "~"). Distinct names
 * give distinct results; a result longer than 120 bytes is cut and ends in "~~" and a
 * hash of the whole name instead. 0 or -1 (cap).
 */
int esc_filename(struct buf *b, const char *s) BUF_MUST_CHECK;

/*
 * The escape of byte c in text bound for a terminal or a log line: a C0
 * control (but newline and tab when lines is set) or DEL is written as
 * "\xNN" and a NUL into out, and its length (4) returned; 0 (out left
 * alone) for any other byte, which goes as it is.
 */
size_t esc_ctrl(char out[5], unsigned char c, int lines);

/* The 64-bit FNV-1a hash of s[0..n): stable across builds and machines. */
uint64_t esc_hash(const char *s, size_t n);

/* Write the hash of s as 16 lower-case hex digits and a NUL into out. */
void esc_hash_hex(const char *s, char out[17]);

#endif
