/* buf: growable byte buffers with a hard size cap. */
#ifndef TJ_BUF_H
#define TJ_BUF_H

#include <stddef.h>

struct buf {
	char *data;	/* always NUL-terminated when non-NULL */
	size_t len;
	size_t cap;	/* allocated bytes */
	size_t max;	/* hard limit on len; 0 means SIZE_MAX/2 */
};

/* Start empty with a cap of max bytes (0: effectively unlimited). */
void buf_init(struct buf *b, size_t max);

/* Free the memory and reset to empty; accepts an already-finished buffer. */
void buf_fini(struct buf *b);

/* A result the caller must look at (a dropped one is a compile error). */
#define BUF_MUST_CHECK __attribute__((warn_unused_result))

/* Append n bytes. Returns 0, or -1 with err_set when the cap would be passed
 * (the buffer is then unchanged). Running out of memory aborts. */
int buf_add(struct buf *b, const void *p, size_t n) BUF_MUST_CHECK;
int buf_adds(struct buf *b, const char *s) BUF_MUST_CHECK;
int buf_addc(struct buf *b, char c) BUF_MUST_CHECK;
int buf_addf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3))) BUF_MUST_CHECK;

/*
 * For adds that cannot fail: to a buffer without a cap (buf_init(b, 0)),
 * whose adds fail only past SIZE_MAX/2 bytes, which is running out of
 * memory, or within room the caller made under the cap. e is the adds'
 * results or'ed together; e < 0 aborts, as xmalloc does. Adds that can hit
 * a cap are checked and their error passed on instead.
 */
void buf_must(int e);

/* Empty the buffer, keeping its memory. */
void buf_reset(struct buf *b);

/* Hand the NUL-terminated data to the caller (free() it) and reset b. Never
 * NULL: an empty buffer gives "". */
char *buf_take(struct buf *b);

/* malloc/realloc/strdup that abort on failure. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
