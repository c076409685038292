/* fmt: the benchmark result formats tablejohn reads into a struct result. */
#ifndef TJ_FMT_H
#define TJ_FMT_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "result.h"

enum fmt {
	FMT_UNKNOWN = 0,
	FMT_JSONL,		/* tablejohn's JSON Lines */
	FMT_VELCOM,		/* a VelCom runner's document */
	FMT_GBENCH,		/* Google Benchmark --benchmark_format=json */
	FMT_HYPERFINE,		/* hyperfine --export-json */
	FMT_PYTEST,		/* pytest-benchmark --benchmark-json */
	FMT_GO,			/* go test -bench text output */
	FMT_BMF,		/* Bencher Metric Format JSON */
	FMT_GAB_SMALLER,	/* github-action-benchmark customSmallerIsBetter */
	FMT_GAB_BIGGER,		/* github-action-benchmark customBiggerIsBetter */
	FMT_COUNT
};

/* The name of f ("gbench", ...), "" for FMT_UNKNOWN. */
const char *fmt_name(enum fmt f);

/* Every name, comma-separated, for messages and --help. */
const char *fmt_names(void);

/*
 * The format called name: tablejohn's own names, plus the tools' names for
 * them (googlebenchmark, customSmallerIsBetter, bencher, ...). FMT_UNKNOWN
 * with err_set listing the names.
 */
enum fmt fmt_by_name(const char *name);

/*
 * The format a first line "#format NAME" declares; *skip gets the bytes to
 * leave out (that line). FMT_UNKNOWN (and *skip 0) when there is no such
 * line; FMT_UNKNOWN with *skip > 0 and err_set when the name is unknown.
 */
enum fmt fmt_declared(const char *data, size_t len, size_t *skip);

/* The format a file name declares: a dot-separated part of its last
 * component that is a format name ("bench.gbench.json", "x.hyperfine").
 * FMT_UNKNOWN if none does. */
enum fmt fmt_by_filename(const char *path);

/*
 * Recognise data by its shape, when that is unambiguous. FMT_UNKNOWN with
 * err_set saying why otherwise (a github-action-benchmark array does not
 * say which way is better, so it must be declared).
 */
enum fmt fmt_detect(const char *data, size_t len);

/*
 * Parse data as format f and add what it holds to r (values append to the
 * metrics r has). All or nothing: -1 with err_set naming the line or field
 * leaves r as it was. Warnings (e.g. only aggregates available) go to
 * r->warn. JSON Lines is strict here: a line that is not a valid record
 * fails the whole document.
 */
int fmt_parse(enum fmt f, struct result *r, const char *data, size_t len);

/*
 * Read a result document: the format forced (not FMT_UNKNOWN), else the
 * one a first line declares, else the one the file name (may be NULL)
 * declares, else detected. *used (may be NULL) gets the format read.
 * 0, or -1 with err_set ("gbench: benchmarks[2].real_time: ...").
 */
int fmt_read(struct result *r, const char *data, size_t len,
    const char *filename, enum fmt forced, enum fmt *used);

/* Parse JSON; NULL with err_set naming the line and column where it
 * stopped being JSON. */
cJSON *fmt_json_parse(const char *data, size_t len);

/* The number in v: a JSON number or, when strings is set, a string
 * holding one. 0, or -1 when it is neither. */
int fmt_json_number(const cJSON *v, int strings, double *out);

#endif
