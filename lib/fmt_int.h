/* fmt_int.h: the parsers behind fmt_parse (lib/fmt_*.c). */
#ifndef TJ_FMT_INT_H
#define TJ_FMT_INT_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "fmt.h"
#include "result.h"

/* Each adds what data holds to r (a fresh result), or -1 with err_set
 * naming the line or field. */
int fmt_gbench(struct result *r, const char *data, size_t len);
int fmt_hyperfine(struct result *r, const char *data, size_t len);
int fmt_pytest(struct result *r, const char *data, size_t len);
int fmt_go(struct result *r, const char *data, size_t len);
int fmt_bmf(struct result *r, const char *data, size_t len);
/* direction: -1 customSmallerIsBetter, 1 customBiggerIsBetter. */
int fmt_gab(struct result *r, const char *data, size_t len, int direction);

/* 1 if data has a line of go test -bench results. */
int fmt_go_looks(const char *data, size_t len);

/* Add a value to the metric name (created with unit and direction when
 * new). -1 with err_set. */
int fmt_add(struct result *r, const char *name, double v, const char *unit,
    int direction);

#endif
