/* fmt_go: go test -bench text output (with -count and -benchmem). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "fmt_int.h"

#define GO_MAX_FIELDS 64

/* Split line[0..n) at blanks into f (pointers into a copy). */
static size_t
fields(char *line, char **f, size_t max)
{
	size_t k = 0;
	char *p = line;

	while (*p && k < max) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		f[k++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (*p)
			*p++ = '\0';
	}
	return k;
}

static int
all_digits(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

/* A result line: "BenchmarkName-8 <N> <value> <unit> ...". */
static int
result_line(char *line)
{
	char *f[3];

	return strncmp(line, "Benchmark", 9) == 0 &&
	    fields(line, f, 3) == 3 && all_digits(f[1]);
}

int
fmt_go_looks(const char *data, size_t len)
{
	const char *p = data, *end = data + len, *nl;
	char *line;
	size_t n;
	int hit = 0;

	while (p < end && !hit) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (n > 9 && memcmp(p, "Benchmark", 9) == 0) {
			line = xstrndup(p, n);
			hit = result_line(line);
			free(line);
		}
		p += n + 1;
	}
	return hit;
}

/* The metric name and unit for a go unit. */
static void
go_metric(const char *bench, const char *unit, char **name, int *dir)
{
	static const struct {
		const char *unit, *suffix;
		int dir;
	} known[] = {
		{"ns/op", "time", -1},
		{"B/op", "bytes", -1},
		{"allocs/op", "allocs", -1},
		{"MB/s", "speed", 1},
	};
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(unit, known[i].unit) == 0) {
			*name = xasprintf("%s/%s", bench, known[i].suffix);
			*dir = known[i].dir;
			return;
		}
	*name = xasprintf("%s/%s", bench, unit);
	*dir = 0;
}

static int
go_line(struct result *r, char *line, size_t lineno)
{
	char *f[GO_MAX_FIELDS], *e, *name;
	size_t n, i;
	double v;
	int dir, rc;

	n = fields(line, f, GO_MAX_FIELDS);
	if (n < 4 || (n - 2) % 2 != 0) {
		err_set("line %zu: a benchmark result needs the name, the "
		    "iterations and value-unit pairs", lineno);
		return -1;
	}
	for (i = 2; i < n; i += 2) {
		v = strtod(f[i], &e);
		if (*e != '\0' || e == f[i]) {
			err_set("line %zu: '%.64s' (before '%.64s') is not a "
			    "number", lineno, f[i], f[i + 1]);
			return -1;
		}
		go_metric(f[0], f[i + 1], &name, &dir);
		rc = fmt_add(r, name, v, f[i + 1], dir);
		free(name);
		if (rc < 0) {
			err_wrap("line %zu", lineno);
			return -1;
		}
	}
	return 0;
}

int
fmt_go(struct result *r, const char *data, size_t len)
{
	const char *p = data, *end = data + len, *nl;
	size_t lineno = 0, n, taken = 0;
	char *line, *copy;
	int rc = 0;

	while (p < end && rc == 0) {
		lineno++;
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		while (n > 0 && (p[n - 1] == '\r' || p[n - 1] == ' '))
			n--;
		line = xstrndup(p, n);
		copy = xstrdup(line);
		if (result_line(copy)) {
			rc = go_line(r, line, lineno);
			taken++;
		} else if (strncmp(line, "--- FAIL: ", 10) == 0 ||
		    strncmp(line, "FAIL", 4) == 0) {
			char *msg = xasprintf("go test: %s (line %zu)", line,
			    lineno);

			result_add_error(r, NULL, msg);
			free(msg);
		}
		free(copy);
		free(line);
		p += (nl ? (size_t)(nl - p) : (size_t)(end - p)) + 1;
	}
	if (rc == 0 && taken == 0 && r->error == NULL) {
		err_set("no benchmark result lines (BenchmarkName N value "
		    "unit ...)");
		rc = -1;
	}
	return rc;
}
