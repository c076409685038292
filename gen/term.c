/*
 * term: what tj-gen prints cannot drive the terminal. Commit subjects, ref
 * names and other repo data reach stdout and stderr from every verb, so
 * both go through a filter that writes control characters (C0 but newline
 * and tab, DEL, and the C1 range U+0080-U+009F) as \xNN / \u00NN (the
 * \xNN by esc_ctrl, as the log): "\e]0;title\a", "\e[2J" and "\r" never
 * reach a terminal.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "esc.h"
#include "gen.h"

struct term {
	int fd;
	int c2;		/* the last byte written was 0xc2 (a C1 may follow) */
};

static struct term t_out = {1, 0}, t_err = {2, 0};

static int
put(int fd, const char *s, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, s, n);
		if (w < 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

static ssize_t
term_write(void *cookie, const char *buf, size_t size)
{
	struct term *t = cookie;
	char out[4096 + 16];
	size_t i, k, o = 0;

	for (i = 0; i < size; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (o > 4096) {
			if (put(t->fd, out, o) < 0)
				return -1;
			o = 0;
		}
		if (t->c2) {
			t->c2 = 0;
			if (c >= 0x80 && c <= 0x9f) {
				o += (size_t)snprintf(out + o, 8, "\\u00%02x", c);
				continue;
			}
			out[o++] = (char)0xc2;
		}
		if (c == 0xc2) {
			t->c2 = 1;
			continue;
		}
		if ((k = esc_ctrl(out + o, c, 1)) > 0)
			o += k;
		else
			out[o++] = (char)c;
	}
	if (o > 0 && put(t->fd, out, o) < 0)
		return -1;
	return (ssize_t)size;
}

static int
term_close(void *cookie)
{
	struct term *t = cookie;

	if (t->c2) {
		t->c2 = 0;
		return put(t->fd, "\xc2", 1);
	}
	return 0;
}

void
term_guard(void)
{
	cookie_io_functions_t io = {NULL, term_write, NULL, term_close};
	FILE *o, *e;

	fflush(stdout);
	fflush(stderr);
	o = fopencookie(&t_out, "w", io);
	e = fopencookie(&t_err, "w", io);
	if (o != NULL) {
		setvbuf(o, NULL, isatty(1) ? _IOLBF : _IOFBF, BUFSIZ);
		stdout = o;
	}
	if (e != NULL) {
		setvbuf(e, NULL, _IOLBF, BUFSIZ);
		stderr = e;
	}
}
