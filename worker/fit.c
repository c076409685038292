/* fit: a finished run too big for a server's max-upload, cut down until
 * it fits: the run's error says so, measurements keep their summary, the
 * output its first and last lines. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "stats.h"
#include "worker.h"

/* The steps, gentlest first: a measurement with more than `values` values
 * is sent as its summary (SIZE_MAX: none is), the output keeps `lines`
 * first and last lines (SIZE_MAX: all), `measurements` 0 drops them. */
static const struct {
	size_t values, lines;
	int measurements;
} steps[] = {
	{1000, 2000, 1},
	{1000, 200, 1},
	{1, 200, 1},
	{1, 20, 1},
	{1, 0, 1},
	{1, 0, 0},
};

/* Replace m's values by its median, the summary going to m's error. */
static void
summarize(cJSON *m, size_t limit)
{
	cJSON *values = cJSON_GetObjectItemCaseSensitive(m, "values"), *v;
	const cJSON *old = cJSON_GetObjectItemCaseSensitive(m, "error");
	double *x, sum = 0, ss = 0, mean, sd, lo = INFINITY, hi = -INFINITY;
	char *msg;
	size_t n = 0, i;

	x = xcalloc((size_t)cJSON_GetArraySize(values) + 1, sizeof(*x));
	cJSON_ArrayForEach(v, values) {
		if (!cJSON_IsNumber(v))
			continue;
		x[n++] = v->valuedouble;
		sum += v->valuedouble;
		lo = fmin(lo, v->valuedouble);
		hi = fmax(hi, v->valuedouble);
	}
	mean = n > 0 ? sum / (double)n : 0;
	for (i = 0; i < n; i++)
		ss += (x[i] - mean) * (x[i] - mean);
	sd = n > 1 ? sqrt(ss / (double)(n - 1)) : 0;
	msg = xasprintf("%zu values did not fit the server's max-upload (%zu "
	    "bytes); sent as their median. n %zu, median %.17g, min %.17g, "
	    "max %.17g, mean %.17g, sd %.17g%s%s", n, limit, n,
	    n > 0 ? stats_median(x, n) : 0.0, n > 0 ? lo : 0.0,
	    n > 0 ? hi : 0.0, mean, sd, cJSON_IsString(old) ? "; " : "",
	    cJSON_IsString(old) ? old->valuestring : "");
	cJSON_DeleteItemFromObjectCaseSensitive(m, "values");
	if (n > 0)
		cJSON_AddNumberToObject(m, "value", stats_median(x, n));
	cJSON_DeleteItemFromObjectCaseSensitive(m, "error");
	cJSON_AddStringToObject(m, "error", msg);
	free(msg);
	free(x);
}

/* Keep the first and last `keep` lines of the output, one internal line
 * saying how many were left out in between; 1 if any was. */
static int
cut_output(cJSON *sub, size_t keep)
{
	cJSON *out = cJSON_GetObjectItemCaseSensitive(sub, "output"), *nw,
	    *line;
	size_t n = (size_t)cJSON_GetArraySize(out), i;
	char *msg;

	if (!cJSON_IsArray(out) || n <= 2 * keep + 1)
		return 0;
	nw = cJSON_CreateArray();
	for (i = 0; i < keep; i++)
		cJSON_AddItemToArray(nw,
		    cJSON_Duplicate(cJSON_GetArrayItem(out, (int)i), 1));
	msg = xasprintf("... %zu output lines left out: the result did not "
	    "fit the server's max-upload", n - 2 * keep);
	line = cJSON_CreateArray();
	cJSON_AddItemToArray(line, cJSON_CreateNumber(0));
	cJSON_AddItemToArray(line, cJSON_CreateString(msg));
	cJSON_AddItemToArray(nw, line);
	free(msg);
	for (i = n - keep; i < n; i++)
		cJSON_AddItemToArray(nw,
		    cJSON_Duplicate(cJSON_GetArrayItem(out, (int)i), 1));
	cJSON_ReplaceItemInObjectCaseSensitive(sub, "output", nw);
	return 1;
}

/* body cut down by step k; NULL if body is not a submission. */
static cJSON *
fit_step(const char *body, size_t len, size_t limit, size_t k)
{
	cJSON *sub = cJSON_ParseWithLength(body, len), *ms, *m, *v;
	const cJSON *old;
	const char *what_m = "", *what_o = "";
	size_t n_sum = 0, n_m = 0;
	char *msg;

	if (!cJSON_IsObject(sub)) {
		cJSON_Delete(sub);
		return NULL;
	}
	ms = cJSON_GetObjectItemCaseSensitive(sub, "measurements");
	if (!steps[k].measurements) {
		if (cJSON_GetArraySize(ms) > 0)
			what_m = "without its measurements";
		cJSON_DeleteItemFromObjectCaseSensitive(sub, "measurements");
	} else if (cJSON_IsObject(ms)) {
		cJSON_ArrayForEach(m, ms) {
			n_m++;
			v = cJSON_GetObjectItemCaseSensitive(m, "values");
			if (cJSON_IsArray(v) &&
			    (size_t)cJSON_GetArraySize(v) > steps[k].values) {
				summarize(m, limit);
				n_sum++;
			}
		}
		if (n_sum > 0)
			what_m = n_sum == n_m ? "each measurement as its summary" :
			    "each measurement of many values as its summary";
	}
	if (steps[k].lines == 0) {
		if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(sub,
		    "output")) > 0)
			what_o = "without output";
		cJSON_DeleteItemFromObjectCaseSensitive(sub, "output");
	} else if (cut_output(sub, steps[k].lines)) {
		what_o = "output cut";
	}
	old = cJSON_GetObjectItemCaseSensitive(sub, "error");
	msg = xasprintf("the result (%zu bytes) is larger than the server's "
	    "max-upload (%zu bytes): sent %s%s%s%s%s", len, limit, what_m,
	    *what_m && *what_o ? ", " : "", what_o,
	    cJSON_IsString(old) ? "; " : "",
	    cJSON_IsString(old) ? old->valuestring : "");
	cJSON_DeleteItemFromObjectCaseSensitive(sub, "error");
	cJSON_AddStringToObject(sub, "error", msg);
	free(msg);
	return sub;
}

cJSON *
fit_submission(const char *body, size_t limit, size_t room)
{
	size_t len = strlen(body), k;
	cJSON *sub;
	char *text;

	for (k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
		if ((sub = fit_step(body, len, limit, k)) == NULL) {
			err_set("not a submission");
			return NULL;
		}
		text = cJSON_PrintUnformatted(sub);
		if (text != NULL && strlen(text) <= room) {
			free(text);
			return sub;
		}
		free(text);
		cJSON_Delete(sub);
	}
	err_set("even the run without measurements and output is larger "
	    "than %zu bytes", room);
	return NULL;
}
