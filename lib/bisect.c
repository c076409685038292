/* bisect: classify runs against a change, confirm it, halve its range. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bisect.h"
#include "buf.h"
#include "err.h"

/* The location of each run with values, into a new array; *k gets the
 * count. */
static double *
run_medians(const struct bisect_run *r, size_t n, size_t *k)
{
	double *x = xmalloc((n ? n : 1) * sizeof(*x));
	size_t i;

	*k = 0;
	for (i = 0; i < n; i++)
		if (r[i].n > 0)
			x[(*k)++] = stats_hl_loc(r[i].v, r[i].n);
	return x;
}

/*
 * The spread of single repetitions inside runs: the median of |a - b| over
 * every pair of values of the same run, over all runs, divided by its
 * value for a normal of sd 1 (0.6745 sqrt 2): robust, and with many more
 * pairs than runs. *cnt gets the median count of values per run. 0 when no
 * run has two values.
 */
static double
within_sd(const struct bisect_run *b, size_t nb, const struct bisect_run *a,
    size_t na, double *cnt)
{
	const struct bisect_run *r;
	double *d = NULL, *c, sd = 0;
	size_t i, j, k, nd = 0, cap = 0, nc = 0;

	c = xmalloc((nb + na + 1) * sizeof(*c));
	for (i = 0; i < nb + na; i++) {
		r = i < nb ? &b[i] : &a[i - nb];
		if (r->n < 2)
			continue;
		c[nc++] = (double)r->n;
		for (j = 0; j < r->n; j++) {
			for (k = j + 1; k < r->n; k++) {
				if (nd == cap) {
					cap = cap ? 2 * cap : 64;
					d = xrealloc(d, cap * sizeof(*d));
				}
				d[nd++] = fabs(r->v[j] - r->v[k]);
			}
		}
	}
	if (nd > 0) {
		sd = stats_median(d, nd) / (0.6745 * sqrt(2.0));
		*cnt = stats_median(c, nc);
	}
	free(d);
	free(c);
	return sd;
}

int
bisect_model_fit(struct bisect_model *m, const struct bisect_run *before,
    size_t nb, const struct bisect_run *after, size_t na,
    const struct stats_noise *nm)
{
	double *xb, *xa, *res, sd, v, scale, between = 0, within, cnt = 1;
	size_t kb, ka, i;
	int rc = -1;

	xb = run_medians(before, nb, &kb);
	xa = run_medians(after, na, &ka);
	res = xmalloc((kb + ka + 1) * sizeof(*res));
	if (kb == 0 || ka == 0) {
		err_set("a change needs runs with values on both sides");
		goto out;
	}
	m->before = stats_median(xb, kb);
	m->after = stats_median(xa, ka);
	/* Run to run: the residuals of the medians around their level,
	 * with the two levels fitted taken into account. */
	if (kb + ka >= 4) {
		for (i = 0; i < kb; i++)
			res[i] = xb[i] - m->before;
		for (i = 0; i < ka; i++)
			res[kb + i] = xa[i] - m->after;
		between = STATS_MAD_SD * stats_mad(res, kb + ka) *
		    sqrt((double)(kb + ka) / (double)(kb + ka - 2));
	}
	/* Inside runs, carried to the location of a run's values (the
	 * Hodges-Lehmann estimate's efficiency, sqrt(pi / 3) / sqrt n). It is the
	 * more precise estimate (many pairs), so the medians' own spread
	 * takes over only when it is clearly larger: runs that move as a
	 * whole. */
	within = within_sd(before, nb, after, na, &cnt);
	if (within > 0)
		within *= 1.0233 / sqrt(cnt);
	sd = within > 0 && between < 1.5 * within ? within : between;
	/* The metric's own history, when it has enough. */
	if (nm != NULL && nm->runs >= STATS_MIN_HISTORY && !nm->deterministic &&
	    isfinite(nm->between)) {
		v = nm->between * fabs(m->before);
		if (v > sd)
			sd = v;
	}
	scale = fmax(fabs(m->before), fabs(m->after));
	if (!(sd > scale * STATS_ROUNDING))
		sd = scale > 0 ? scale * STATS_ROUNDING : 1e-12;
	m->sd = sd;
	rc = 0;
out:
	free(xb);
	free(xa);
	free(res);
	return rc;
}

enum bisect_side
bisect_classify(const struct bisect_model *m, const struct bisect_run *runs,
    size_t k, int forced, double *llr)
{
	double d = m->after - m->before, mid = (m->before + m->after) / 2;
	double sum = 0, x, near, all = 0;
	size_t i, counted = 0, any = 0;
	enum bisect_side side = BISECT_UNSURE;

	for (i = 0; i < k; i++) {
		if (runs[i].n == 0)
			continue;
		x = stats_hl_loc(runs[i].v, runs[i].n);
		any++;
		all += d * (x - mid) / (m->sd * m->sd);
		near = fmin(fabs(x - m->before), fabs(x - m->after));
		if (near > fmax(6 * m->sd, fabs(d)))
			continue;	/* an outlier: neither level */
		sum += d * (x - mid) / (m->sd * m->sd);
		counted++;
	}
	/* Forced with nothing but outliers: the nearer side of them all. */
	if (forced && counted == 0 && any > 0) {
		sum = all;
		counted = any;
	}
	if (llr != NULL)
		*llr = sum;
	if (counted == 0 || d == 0)
		return BISECT_UNSURE;
	if (sum >= BISECT_DECIDE_LLR)
		side = BISECT_AFTER;
	else if (sum <= -BISECT_DECIDE_LLR)
		side = BISECT_BEFORE;
	else if (forced)
		side = sum >= 0 ? BISECT_AFTER : BISECT_BEFORE;
	return side;
}

/* The median of the locations of runs with values; *k gets their count. */
static double
side_loc(const struct bisect_run *r, size_t n, size_t *k)
{
	double *x = run_medians(r, n, k), loc = *k ? stats_median(x, *k) : 0;

	free(x);
	return loc;
}

enum bisect_side
bisect_confirm(const struct bisect_model *m,
    const struct bisect_run *before_new, size_t nb,
    const struct bisect_run *after_new, size_t na, size_t want)
{
	double d = m->after - m->before, shift, se, b, a;
	size_t kb, ka;

	if (nb < want || na < want)
		return BISECT_UNSURE;
	/* Each side where the suspected levels put it. */
	if (bisect_classify(m, before_new, nb, 1, NULL) == BISECT_BEFORE &&
	    bisect_classify(m, after_new, na, 1, NULL) == BISECT_AFTER)
		return BISECT_AFTER;
	/* Or the two commits apart by far more than their noise, in the
	 * change's direction: the suspected levels rest on the runs the
	 * change was found from and carry their noise. */
	b = side_loc(before_new, nb, &kb);
	a = side_loc(after_new, na, &ka);
	if (kb == 0 || ka == 0 || d == 0)
		return BISECT_BEFORE;
	shift = (a - b) * (d > 0 ? 1 : -1);
	se = m->sd * sqrt(1.0 / (double)kb + 1.0 / (double)ka);
	return shift >= BISECT_CONFIRM_Z * se ? BISECT_AFTER : BISECT_BEFORE;
}

int
bisect_log2(size_t n)
{
	int k = 0;

	while (n > 1 && ((size_t)1 << k) < n)
		k++;
	return k;
}

int
bisect_next(const struct bisect_model *m, const struct bisect_commit *c,
    size_t n, size_t step_runs, struct bisect_step *out, signed char *side)
{
	signed char *s = side;
	long lo = -1, hi, i, mid, best = -1;

	if (n == 0) {
		err_set("an empty range has nothing to bisect");
		return -1;
	}
	if (s == NULL)
		s = xmalloc(n);
	for (i = 0; i < (long)n - 1; i++)
		s[i] = c[i].nruns == 0 ? BISECT_UNSURE :
		    (signed char)bisect_classify(m, c[i].runs, c[i].nruns,
		    c[i].nruns >= step_runs, NULL);
	s[n - 1] = BISECT_AFTER;
	/* The first commit with the change, the last before it without. */
	for (hi = 0; s[hi] != BISECT_AFTER; hi++)
		;
	for (i = 0; i < hi; i++)
		if (s[i] == BISECT_BEFORE)
			lo = i;
	mid = lo + (hi - lo) / 2;
	/* A step that has not decided yet gets another run first. */
	for (i = lo + 1; i < hi; i++)
		if (s[i] == BISECT_UNSURE && c[i].nruns > 0 &&
		    (best < 0 || labs(i - mid) < labs(best - mid)))
			best = i;
	out->left = (size_t)(hi - lo);
	out->steps_left = bisect_log2(out->left);
	if (best >= 0) {
		out->done = 0;
		out->idx = (size_t)best;
	} else if (hi - lo == 1) {
		out->done = 1;
		out->idx = (size_t)hi;
	} else {
		out->done = 0;
		out->idx = (size_t)mid;
	}
	if (side == NULL)
		free(s);
	return 0;
}
