/* err: a thread-local "last error" message, set where a failure happens. */
#ifndef TJ_ERR_H
#define TJ_ERR_H

#include <stdarg.h>

/*
 * Record a printf-style message as this thread's last error, replacing any
 * earlier one. Library functions call it just before returning -1 or NULL.
 * The message is truncated at 1023 bytes.
 */
void err_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prefix this thread's last error with "fmt: " (adds context going up). */
void err_wrap(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* This thread's last error, "" if none; valid until the next err_set. */
const char *err_get(void);

/* Forget the last error. */
void err_clear(void);

#endif
