/* fmt: result formats: names, declaration, detection and the dispatch. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "err.h"
#include "fmt.h"
#include "fmt_int.h"

static const char *const names[FMT_COUNT] = {
	[FMT_UNKNOWN] = "",
	[FMT_JSONL] = "jsonl",
	[FMT_VELCOM] = "velcom",
	[FMT_GBENCH] = "gbench",
	[FMT_HYPERFINE] = "hyperfine",
	[FMT_PYTEST] = "pytest",
	[FMT_GO] = "go",
	[FMT_BMF] = "bmf",
	[FMT_GAB_SMALLER] = "gab-smaller",
	[FMT_GAB_BIGGER] = "gab-bigger",
};

/* The tools' own names for the same formats. */
static const struct {
	const char *alias;
	enum fmt f;
} aliases[] = {
	{"googlebenchmark", FMT_GBENCH},
	{"googlecpp", FMT_GBENCH},
	{"pytest-benchmark", FMT_PYTEST},
	{"gotest", FMT_GO},
	{"bencher", FMT_BMF},
	{"customSmallerIsBetter", FMT_GAB_SMALLER},
	{"customBiggerIsBetter", FMT_GAB_BIGGER},
};

const char *
fmt_name(enum fmt f)
{
	return f > FMT_UNKNOWN && f < FMT_COUNT ? names[f] : "";
}

const char *
fmt_names(void)
{
	return "jsonl, velcom, gbench, hyperfine, pytest, go, bmf, "
	    "gab-smaller, gab-bigger";
}

enum fmt
fmt_by_name(const char *name)
{
	size_t i;

	for (i = 1; i < FMT_COUNT; i++)
		if (strcasecmp(name, names[i]) == 0)
			return (enum fmt)i;
	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcasecmp(name, aliases[i].alias) == 0)
			return aliases[i].f;
	err_set("unknown result format '%.64s' (known: %s)", name,
	    fmt_names());
	return FMT_UNKNOWN;
}

enum fmt
fmt_declared(const char *data, size_t len, size_t *skip)
{
	const char *nl, *p, *e;
	char name[65];
	size_t n;

	*skip = 0;
	if (len < 8 || memcmp(data, "#format", 7) != 0 ||
	    (data[7] != ' ' && data[7] != ':' && data[7] != '\t'))
		return FMT_UNKNOWN;
	nl = memchr(data, '\n', len);
	e = nl ? nl : data + len;
	*skip = (size_t)(e - data) + (nl != NULL);
	p = data + 8;
	while (p < e && (*p == ' ' || *p == '\t' || *p == ':'))
		p++;
	while (e > p && isspace((unsigned char)e[-1]))
		e--;
	n = (size_t)(e - p);
	if (n == 0 || n >= sizeof(name)) {
		err_set("line 1: \"#format\" without a format name");
		return FMT_UNKNOWN;
	}
	memcpy(name, p, n);
	name[n] = '\0';
	return fmt_by_name(name);
}

enum fmt
fmt_by_filename(const char *path)
{
	const char *base = strrchr(path, '/'), *p, *dot;
	char part[65];
	enum fmt f = FMT_UNKNOWN;
	size_t n, i;

	base = base ? base + 1 : path;
	/* The parts after the first dot, the last one that names a format
	 * winning ("x.gbench.json": gbench). */
	p = strchr(base, '.');
	while (p != NULL) {
		p++;
		dot = strchr(p, '.');
		n = dot ? (size_t)(dot - p) : strlen(p);
		if (n > 0 && n < sizeof(part)) {
			memcpy(part, p, n);
			part[n] = '\0';
			for (i = 1; i < FMT_COUNT; i++)
				if (strcasecmp(part, names[i]) == 0)
					f = (enum fmt)i;
		}
		p = dot;
	}
	return f;
}

/* The first non-blank byte of data, or 0. */
static char
first_byte(const char *data, size_t len)
{
	size_t i = 0;

	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	for (; i < len; i++)
		if (!isspace((unsigned char)data[i]))
			return data[i];
	return 0;
}

/* 1 if every member of o is an object whose members are objects that
 * have a key in keys (NULL-terminated), and there is at least one. */
static int
two_levels_with(const cJSON *o, const char *const *keys)
{
	const cJSON *b, *m;
	size_t k, seen = 0;
	int hit;

	cJSON_ArrayForEach(b, o) {
		if (!cJSON_IsObject(b))
			return 0;
		cJSON_ArrayForEach(m, b) {
			if (!cJSON_IsObject(m))
				return 0;
			hit = 0;
			for (k = 0; keys[k]; k++)
				if (cJSON_GetObjectItemCaseSensitive(m, keys[k]))
					hit = 1;
			if (!hit)
				return 0;
			seen++;
		}
	}
	return seen > 0;
}

static enum fmt
detect_json(const cJSON *doc)
{
	static const char *const bmf_keys[] = {"value", "lower_value",
	    "upper_value", NULL};
	static const char *const velcom_keys[] = {"values", "results",
	    "error", "interpretation", "resultInterpretation", NULL};
	const cJSON *b, *x;

	if (cJSON_IsArray(doc)) {
		x = cJSON_GetArrayItem(doc, 0);
		if (cJSON_IsObject(x) &&
		    cJSON_GetObjectItemCaseSensitive(x, "name") &&
		    cJSON_GetObjectItemCaseSensitive(x, "value")) {
			err_set("a github-action-benchmark array does not say "
			    "whether smaller or bigger is better: declare "
			    "gab-smaller or gab-bigger");
			return FMT_UNKNOWN;
		}
		err_set("a JSON array of no known result format");
		return FMT_UNKNOWN;
	}
	if (!cJSON_IsObject(doc)) {
		err_set("a JSON value of no known result format");
		return FMT_UNKNOWN;
	}
	if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(doc, "metric")))
		return FMT_JSONL;
	b = cJSON_GetObjectItemCaseSensitive(doc, "benchmarks");
	if (cJSON_IsArray(b) &&
	    cJSON_GetObjectItemCaseSensitive(doc, "machine_info"))
		return FMT_PYTEST;
	if (cJSON_IsArray(b) &&
	    cJSON_GetObjectItemCaseSensitive(doc, "context"))
		return FMT_GBENCH;
	x = cJSON_GetObjectItemCaseSensitive(doc, "results");
	if (cJSON_IsArray(x) && cJSON_IsObject(cJSON_GetArrayItem(x, 0)) &&
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(x, 0),
	    "command"))
		return FMT_HYPERFINE;
	x = cJSON_GetObjectItemCaseSensitive(doc, "error");
	if (cJSON_IsString(x) && cJSON_GetArraySize(doc) == 1)
		return FMT_JSONL;
	if (two_levels_with(doc, bmf_keys))
		return FMT_BMF;
	if (two_levels_with(doc, velcom_keys))
		return FMT_VELCOM;
	err_set("a JSON object of no known result format");
	return FMT_UNKNOWN;
}

enum fmt
fmt_detect(const char *data, size_t len)
{
	const char *nl;
	cJSON *doc;
	enum fmt f;
	char c = first_byte(data, len);

	if (c == 0) {
		err_set("empty");
		return FMT_UNKNOWN;
	}
	if (c == '{' || c == '[') {
		doc = cJSON_ParseWithLength(data, len);
		if (doc != NULL) {
			f = detect_json(doc);
			cJSON_Delete(doc);
			return f;
		}
		/* Several JSON values: JSON Lines, if the first line is. */
		nl = memchr(data, '\n', len);
		doc = cJSON_ParseWithLength(data, nl ? (size_t)(nl - data)
		    : len);
		f = doc != NULL && detect_json(doc) == FMT_JSONL ? FMT_JSONL :
		    FMT_UNKNOWN;
		cJSON_Delete(doc);
		if (f == FMT_UNKNOWN)
			err_set("not JSON, and its first line is not a JSON "
			    "Lines record");
		return f;
	}
	if (fmt_go_looks(data, len))
		return FMT_GO;
	err_set("neither JSON nor go test -bench output");
	return FMT_UNKNOWN;
}

/* JSON Lines, strict: every non-blank line a valid record. */
static int
parse_jsonl(struct result *r, const char *data, size_t len)
{
	const char *p = data, *end = data + len, *nl;
	size_t lines = 0, taken, i, n;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		for (i = 0; i < n; i++)
			if (!isspace((unsigned char)p[i]))
				break;
		if (i < n)
			lines++;
		p += n + 1;
	}
	taken = result_parse_jsonl(r, data, len);
	if (taken != lines) {
		err_set("%s", r->n_warn > 0 ? r->warn[0] : "a bad record");
		return -1;
	}
	if (lines == 0) {
		err_set("no records");
		return -1;
	}
	return 0;
}

int
fmt_parse(enum fmt f, struct result *r, const char *data, size_t len)
{
	struct result tmp;
	int rc;

	result_init(&tmp);
	switch (f) {
	case FMT_JSONL:
		rc = parse_jsonl(&tmp, data, len);
		break;
	case FMT_VELCOM:
		rc = result_parse_velcom(&tmp, data, len);
		break;
	case FMT_GBENCH:
		rc = fmt_gbench(&tmp, data, len);
		break;
	case FMT_HYPERFINE:
		rc = fmt_hyperfine(&tmp, data, len);
		break;
	case FMT_PYTEST:
		rc = fmt_pytest(&tmp, data, len);
		break;
	case FMT_GO:
		rc = fmt_go(&tmp, data, len);
		break;
	case FMT_BMF:
		rc = fmt_bmf(&tmp, data, len);
		break;
	case FMT_GAB_SMALLER:
	case FMT_GAB_BIGGER:
		rc = fmt_gab(&tmp, data, len, f == FMT_GAB_BIGGER ? 1 : -1);
		break;
	default:
		err_set("no result format given");
		rc = -1;
		break;
	}
	if (rc == 0 && tmp.n == 0 && tmp.error == NULL) {
		err_set("no measurements in it");
		rc = -1;
	}
	if (rc < 0) {
		err_wrap("%s", fmt_name(f)[0] ? fmt_name(f) : "result");
	} else if (result_merge(r, &tmp) < 0) {
		rc = -1;
	}
	result_fini(&tmp);
	return rc;
}

int
fmt_read(struct result *r, const char *data, size_t len,
    const char *filename, enum fmt forced, enum fmt *used)
{
	enum fmt f = forced, d;
	size_t skip = 0;

	d = fmt_declared(data, len, &skip);
	if (d == FMT_UNKNOWN && skip > 0)
		return -1;
	if (f == FMT_UNKNOWN)
		f = d;
	if (f == FMT_UNKNOWN && filename != NULL)
		f = fmt_by_filename(filename);
	if (f == FMT_UNKNOWN) {
		f = fmt_detect(data + skip, len - skip);
		if (f == FMT_UNKNOWN) {
			err_wrap("result format not recognised (declare it "
			    "with a first line \"#format NAME\", NAME one of "
			    "%s)", fmt_names());
			return -1;
		}
	}
	if (used)
		*used = f;
	return fmt_parse(f, r, data + skip, len - skip);
}
