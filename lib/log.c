/* log: leveled messages on stderr. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "esc.h"
#include "log.h"

static const char *progname = "tablejohn";
static enum log_level cur = LOG_INFO;

void
log_init(const char *prog, enum log_level level)
{
	const char *env = getenv("TJ_LOG");

	progname = prog;
	cur = level;
	if (env == NULL)
		return;
	if (strcmp(env, "debug") == 0)
		cur = LOG_DEBUG;
	else if (strcmp(env, "info") == 0)
		cur = LOG_INFO;
	else if (strcmp(env, "warn") == 0)
		cur = LOG_WARN;
	else if (strcmp(env, "error") == 0)
		cur = LOG_ERROR;
}

void
log_set_level(enum log_level level)
{
	cur = level;
}

enum log_level
log_get_level(void)
{
	return cur;
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *names[] = {"error", "warning", "info", "debug"};
	char line[2048], msg[1536];
	va_list ap;
	size_t i;
	int n, m;

	if (level > cur)
		return;
	n = snprintf(line, sizeof(line), "%s: %s: ", progname, names[level]);
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	va_start(ap, fmt);
	m = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	/* Messages quote outside data (names, paths, errors): control
	 * characters are escaped so nobody can forge a log line. */
	for (i = 0; msg[i] != '\0' && (size_t)n < sizeof(line) - 6; i++) {
		size_t k = esc_ctrl(line + n, (unsigned char)msg[i], 0);

		if (k > 0)
			n += (int)k;
		else
			line[n++] = msg[i];
	}
	line[n++] = '\n';
	/* One write(2) per line so concurrent threads never interleave. */
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}
