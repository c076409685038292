/* result: a run's measurements (the set a worker submits and tj-gen
 * imports), JSON Lines and VelCom documents. */
#ifndef TJ_RESULT_H
#define TJ_RESULT_H

#include <stddef.h>

#include <cjson/cJSON.h>

struct metric {
	char *name;
	double *values;
	size_t n, cap;
	char *unit;		/* NULL: none */
	int direction;		/* -1 lower is better, 1 higher, 0 unset */
	char *error;		/* NULL: no error */
};

struct result {
	struct metric *m;
	size_t n, cap;
	size_t n_values;	/* over all metrics, capped */
	char *error;		/* the run-level error, NULL if none */
	char **warn;		/* what the parsers had to say, for the run's
				 * output (RESULT_MAX_WARN at most) */
	size_t n_warn;
	/* Metric lookup by name: open addressing over m[] (index + 1, 0
	 * free), valid for idx_m and its first idx_n metrics. */
	size_t *idx, idx_cap, idx_n;
	const struct metric *idx_m;
};

#define RESULT_MAX_METRICS 20000
#define RESULT_MAX_VALUES 1000000
#define RESULT_MAX_ERROR 4096
#define RESULT_MAX_FILE ((size_t)64 * 1024 * 1024)
#define RESULT_MAX_WARN 200

void result_init(struct result *r);
void result_fini(struct result *r);

/* The metric called name, added if new. NULL with err_set when the name is
 * empty, too long, holds control bytes or invalid UTF-8, or when there are
 * too many metrics. */
struct metric *result_metric(struct result *r, const char *name);

/* Append a value to m. -1 with err_set if the value is not finite or the
 * run holds too many values. */
int result_add_value(struct result *r, struct metric *m, double v);

/* Set m's unit (NULL clears it); -1 with err_set if too long. */
int result_set_unit(struct metric *m, const char *unit);

/* Add an error to a metric (m) or to the run (m NULL); several errors are
 * joined with "; " and capped. */
void result_add_error(struct result *r, struct metric *m, const char *msg);

/* Add a warning line (printf-like) to r->warn; past RESULT_MAX_WARN they
 * are counted in the last one. */
void result_warn(struct result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Read JSON Lines from data[0..len): one record per line,
 * {"metric", "values"|"value", "unit", "direction", "error"}; a record with
 * only "error" is a run-level error; repeated metrics append values. A bad
 * line is skipped with a warning (r->warn); an unfinished last line is
 * dropped with a warning. Returns the number of records taken.
 */
size_t result_parse_jsonl(struct result *r, const char *data, size_t len);

/*
 * Read a VelCom document {bench: {metric: {values|error, unit,
 * interpretation}}} or {"error": ...} into r, which must hold no metrics
 * yet (its run-level error stays), naming metrics "bench/metric". 0 if
 * data is such a document, -1 (r unchanged) if not.
 */
int result_parse_velcom(struct result *r, const char *data, size_t len);

/* Add everything src holds to dst (values append, unit and direction
 * replace, errors and warnings join). -1 with err_set when a cap is hit
 * (dst then holds part of src). */
int result_merge(struct result *dst, struct result *src);

/* The wire's measurements object {name: {values, unit?, direction?,
 * error?}}. */
cJSON *result_json(const struct result *r);

/* The run's output for results made elsewhere: the wire's [source, text]
 * lines, note first, then r's warnings, all of tablejohn's own source
 * (PROTO_INTERNAL). */
cJSON *result_output(const struct result *r, const char *note);

#endif
