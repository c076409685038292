/* utf8: validation and repair of byte strings that should be UTF-8. */
#ifndef TJ_UTF8_H
#define TJ_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * Decode the character at s (n > 0 bytes left). A valid sequence gives its
 * length and its code point in *cp (NUL is valid here: 1, U+0000). An
 * invalid one gives minus the length of its "maximal subpart" (Unicode
 * 3.9: the bytes that one U+FFFD replaces, at least 1), *cp U+FFFD. This is
 * the one decoder: validation, repair and the escapers all use it.
 */
long utf8_next(const char *s, size_t n, uint32_t *cp);

/* 1 if s[0..n) is valid UTF-8 without NUL bytes, else 0. */
int utf8_valid(const char *s, size_t n);

/*
 * A newly allocated, NUL-terminated copy of s[0..n) in which each maximal
 * invalid subpart (as Unicode recommends, and as Python's and browsers'
 * decoders do) and every NUL is replaced by U+FFFD.
 * The caller frees it. *outlen (if not NULL) receives its length.
 */
char *utf8_repair(const char *s, size_t n, size_t *outlen);

#endif
