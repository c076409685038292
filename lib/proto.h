/* proto: the worker protocol's rules (docs/protocol.md), one copy for both
 * sides of the wire: ids and names, hashes, times, output line sources,
 * bench methods, metric directions. */
#ifndef TJ_PROTO_H
#define TJ_PROTO_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* Longest worker name or run id, and the size of a buffer for one. */
#define PROTO_ID_MAX 64

/* The rule proto_valid_id checks, for messages. */
#define PROTO_ID_RULE "[A-Za-z0-9._-]{1,64}, not starting with '.'"

/* Room for any time proto_time_format writes, NUL included. */
#define PROTO_TIME_LEN 40

/* Output line sources: [source, text] on the wire. */
enum proto_source { PROTO_INTERNAL = 0, PROTO_STDOUT = 1, PROTO_STDERR = 2 };

/* The name of a source ("internal", "stdout", "stderr"); any other value
 * counts as internal. */
const char *proto_source_name(int source);

/* 1 if s is a valid worker name or run id: [A-Za-z0-9._-]{1,64}, not
 * starting with '.' (both become file names: no ".", "..", hidden files). */
int proto_valid_id(const char *s);

/* 1 if s is exactly 40 lowercase hex digits. */
int proto_valid_hash(const char *s);

/*
 * Parse an RFC 3339 time ("2026-11-28T07:44:13Z", with optional fraction
 * and 'Z' or a +hh:mm/-hh:mm offset) into unix seconds. 0, or -1 with
 * err_set.
 */
int proto_time_parse(const char *s, double *t);

/* How proto_time_format writes the seconds. */
enum proto_time_style {
	PROTO_TIME_AUTO,	/* whole: "...:13Z", else ms: "...:13.250Z" */
	PROTO_TIME_MS,		/* always milliseconds: "...:13.000Z" */
	PROTO_TIME_SECONDS	/* the fraction dropped: "...:13Z" */
};

/*
 * Write unix seconds t as RFC 3339 into out (PROTO_TIME_LEN bytes), at the
 * offset tz (minutes east of UTC; 0 gives "Z", else "+hh:mm"/"-hh:mm").
 * The one time printer: the wire, the pages and the worker use it.
 */
void proto_time_format(char *out, double t, int tz,
    enum proto_time_style style);

/* The current time, unix seconds (with the fraction). */
double proto_time_now(void);

/* Longest metric name and unit, in bytes. */
#define PROTO_METRIC_NAME_MAX 512
#define PROTO_UNIT_MAX 64

/* A number macro as a string literal. */
#define PROTO_STR_(x) #x
#define PROTO_STR(x) PROTO_STR_(x)

/* The rules proto_valid_metric_name and proto_valid_unit check, for
 * messages. */
#define PROTO_METRIC_NAME_RULE "1 to " PROTO_STR(PROTO_METRIC_NAME_MAX) \
	" bytes of UTF-8 without control characters"
#define PROTO_UNIT_RULE "at most " PROTO_STR(PROTO_UNIT_MAX) " bytes of " \
	"UTF-8 without control characters"

/*
 * 1 if s is a valid metric name: 1 to PROTO_METRIC_NAME_MAX bytes of valid
 * UTF-8 with no control character (U+0000 to U+001F, U+007F). Slashes,
 * quotes, '<' and the like are fine: names are escaped where shown. The
 * worker's result parsers, tj-gen import and tj-api's submit check this one
 * rule.
 */
int proto_valid_metric_name(const char *s);

/* 1 if s is a valid unit: as a metric name, but at most PROTO_UNIT_MAX
 * bytes and possibly empty. */
int proto_valid_unit(const char *s);

/*
 * Metric direction: "lower" -> -1, "higher" -> 1 (0 and 1 returned through
 * *dir), else -1 with err_set. proto_direction_name(-1) is "lower",
 * (1) "higher", anything else NULL (absent on the wire).
 */
int proto_direction_parse(const char *s, int *dir);
const char *proto_direction_name(int dir);

/* A bench method: {"type":"internal"}, {"type":"repo","hash":"<h>"} (the
 * bench repo's commit) or {"type":"import","format":"<name>"} (results made
 * elsewhere, in a format of lib/fmt.h). */
enum proto_bench_kind {
	PROTO_BENCH_INTERNAL,
	PROTO_BENCH_REPO,
	PROTO_BENCH_IMPORT
};

struct proto_bench {
	enum proto_bench_kind kind;
	char hash[41];		/* repo: the commit */
	char format[32];	/* import: the format's name */
};

/*
 * Read a bench_method value: the object form, or the original protocol's
 * display strings "internal" and "bench repo, hash <h>". 0, or -1 with
 * err_set and *field the key at fault ("" for j itself, "type", "hash").
 */
int proto_bench_parse(const cJSON *j, struct proto_bench *b,
    const char **field);

/* The object form as compact JSON text (caller frees). */
char *proto_bench_json(const struct proto_bench *b);

/* "internal", "repo" or "import". */
const char *proto_bench_type(const struct proto_bench *b);

#endif
