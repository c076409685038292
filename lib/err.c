/* err: thread-local last-error message. */
#include <stdio.h>
#include <string.h>

#include "err.h"

static _Thread_local char last[1024];

void
err_set(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last, sizeof(last), fmt, ap);
	va_end(ap);
}

void
err_wrap(const char *fmt, ...)
{
	char prefix[512], old[sizeof(last)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, last, sizeof(old));
	/* Truncation is fine: the message stays NUL-terminated. */
	if (snprintf(last, sizeof(last), "%s: ", prefix) < 0)
		return;
	strncat(last, old, sizeof(last) - strlen(last) - 1);
}

const char *
err_get(void)
{
	return last;
}

void
err_clear(void)
{
	last[0] = '\0';
}
