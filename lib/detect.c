/* detect: change points by PELT on a robustly scaled series, each point
 * then confirmed by a rank test. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "detect.h"
#include "stats.h"

/* Noise units a point may stray from its running median. */
#define CLIP 3.0
/* Half width of the running median. */
#define RUNMED_H 2
/* Points each side a step must beat a straight line over. */
#define LINE_SPAN 120

void
detect_opts_default(struct detect_opts *o)
{
	o->penalty = 3;
	o->min_points = 3;
	o->alpha = 0.001;
	o->test_points = 30;
	o->window = 200;
	o->pair_z = 0;
	o->rep_agree = 0;
	o->rep_differ = 0;
}

static void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		abort();
	return p;
}

size_t
detect_margin(const struct detect_opts *o)
{
	return o->test_points + o->min_points;
}

size_t
detect_reach(const struct detect_opts *o)
{
	return o->window > 2 * detect_margin(o) ? o->window :
	    2 * detect_margin(o) + 1;
}

void
detect_window(const struct detect_opts *o, size_t n, size_t i, size_t *lo,
    size_t *hi, size_t *keep_lo, size_t *keep_hi)
{
	size_t w = detect_reach(o);

	*lo = i > w ? i - w : 0;
	*hi = i + w + 1 < n ? i + w + 1 : n;
	*keep_lo = *lo == 0 ? 0 : *lo + detect_margin(o);
	*keep_hi = *hi == n ? n : *hi - detect_margin(o);
}

/* The change points as a list of indexes, growable. */
struct cps {
	size_t *v;
	size_t n, cap;
};

static void
cps_add(struct cps *c, size_t i)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 16;
		c->v = realloc(c->v, c->cap * sizeof(*c->v));
		if (c->v == NULL)
			abort();
	}
	c->v[c->n++] = i;
}

/* PELT with the squared-error cost on x[0..n), every segment at least m
 * long. Appends the change points (first index of each new segment). */
static void
pelt(const double *x, size_t n, size_t m, double beta, struct cps *out)
{
	double *s1 = xmalloc((n + 1) * sizeof(*s1));
	double *s2 = xmalloc((n + 1) * sizeof(*s2));
	double *f = xmalloc((n + 1) * sizeof(*f));
	size_t *last = xmalloc((n + 1) * sizeof(*last));
	size_t *r = xmalloc((n + 1) * sizeof(*r)), nr = 0, t, k, j, best;
	size_t *bt;
	double c, v, fmin_;

	s1[0] = s2[0] = 0;
	for (t = 0; t < n; t++) {
		s1[t + 1] = s1[t] + x[t];
		s2[t + 1] = s2[t] + x[t] * x[t];
	}
#define COST(s_, t_) (s2[t_] - s2[s_] - (s1[t_] - s1[s_]) * \
	(s1[t_] - s1[s_]) / (double)((t_) - (s_)))
	f[0] = -beta;
	for (t = 1; t <= n; t++) {
		f[t] = INFINITY;
		last[t] = 0;
		if (t < m)
			continue;
		/* t - m becomes a candidate once a segment can end there. */
		if (t - m == 0 || (t - m >= m && isfinite(f[t - m])))
			r[nr++] = t - m;
		fmin_ = INFINITY;
		best = 0;
		for (k = 0; k < nr; k++) {
			v = f[r[k]] + COST(r[k], t) + beta;
			if (v < fmin_) {
				fmin_ = v;
				best = r[k];
			}
		}
		f[t] = fmin_;
		last[t] = best;
		/* Prune: a start that is already worse than the best plus no
		 * penalty can never be optimal later. */
		for (k = j = 0; k < nr; k++) {
			c = f[r[k]] + COST(r[k], t);
			if (c <= f[t])
				r[j++] = r[k];
		}
		nr = j;
	}
#undef COST
	bt = xmalloc((n + 1) * sizeof(*bt));
	j = 0;
	for (t = n; t > 0 && last[t] > 0; t = last[t])
		bt[j++] = last[t];
	while (j > 0)
		cps_add(out, bt[--j]);
	free(bt);
	free(s1);
	free(s2);
	free(f);
	free(last);
	free(r);
}

/* Does a step at cut explain y[a0, b1) better than a straight line? (A slow
 * drift is no change, though a fit of steps can stair-step it.) */
static int
step_beats_line(const double *y, size_t a0, size_t cut, size_t b1)
{
	double ma = 0, mb = 0, sx = 0, sy = 0, sxx = 0, sxy = 0, slope, icpt;
	double sse_step = 0, sse_line = 0, n = (double)(b1 - a0), x, r;
	size_t i;

	for (i = a0; i < b1; i++) {
		x = (double)(i - a0);
		if (i < cut)
			ma += y[i];
		else
			mb += y[i];
		sx += x;
		sy += y[i];
		sxx += x * x;
		sxy += x * y[i];
	}
	ma /= (double)(cut - a0);
	mb /= (double)(b1 - cut);
	slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
	icpt = (sy - slope * sx) / n;
	for (i = a0; i < b1; i++) {
		r = y[i] - (i < cut ? ma : mb);
		sse_step += r * r;
		r = y[i] - (icpt + slope * (double)(i - a0));
		sse_line += r * r;
	}
	return sse_step <= sse_line;
}

/*
 * The p value of the change at cp[k] against its neighbours: the better of
 * a rank test and a z test of the two medians under the series' noise sigma
 * (which a few points after a large step at the tip pass, where ranks
 * cannot), times the places the fit could have put the cut (Bonferroni).
 * 1 when a straight line explains the segments better than a step.
 */
static double
cp_test(const struct detect_opts *o, const double *y, size_t n,
    const size_t *cp, size_t ncp, size_t k, double sigma, double *before,
    double *after)
{
	double p, se, z, mid;
	size_t i;

	size_t from = k > 0 ? cp[k - 1] : 0;
	size_t to = k + 1 < ncp ? cp[k + 1] : n;
	size_t a0 = cp[k] - from > o->test_points ? cp[k] - o->test_points :
	    from;
	size_t b1 = to - cp[k] > o->test_points ? cp[k] + o->test_points : to;

	*before = stats_median(y + a0, cp[k] - a0);
	*after = stats_median(y + cp[k], b1 - cp[k]);
	/* The line test looks further: a drift shows over whole segments. */
	if (cp[k] - from >= 4 && to - cp[k] >= 4 &&
	    !step_beats_line(y, cp[k] - from > LINE_SPAN ? cp[k] - LINE_SPAN :
	    from, cp[k], to - cp[k] > LINE_SPAN ? cp[k] + LINE_SPAN : to))
		return 1;
	/* A short level (the tip's few runs) counts only when every one of
	 * its points sits on its side of the midpoint: two outliers and a
	 * normal point are not a new level. */
	mid = (*before + *after) / 2;
	if (b1 - cp[k] < 2 * o->min_points)
		for (i = cp[k]; i < b1; i++)
			if ((*after > *before) != (y[i] > mid))
				return 1;
	if (cp[k] - a0 < 2 * o->min_points)
		for (i = a0; i < cp[k]; i++)
			if ((*after > *before) != (y[i] < mid))
				return 1;
	p = stats_mann_whitney(y + a0, cp[k] - a0, y + cp[k], b1 - cp[k],
	    NULL);
	/* A median's standard error is about 1.2533 sigma / sqrt(n). */
	se = 1.2533 * sigma * sqrt(1.0 / (double)(cp[k] - a0) + 1.0 /
	    (double)(b1 - cp[k]));
	z = se > 0 ? fabs(*after - *before) / se : 0;
	p = fmin(p, 2 * stats_norm_sf(z));
	return fmin(1, p * (double)(to - from));
}

/* The relative spread of one point's repetitions (MAD, as a standard
 * deviation), 0 when it cannot tell. */
static double
point_spread(const double *v, size_t n, double loc)
{
	return n >= 2 && loc != 0 ? STATS_MAD_SD * stats_mad(v, n) /
	    fabs(loc) : 0;
}

/*
 * The pairs of one block (detect_opts): appended to pr with their z in
 * *zs. sigma is the block's run-to-run noise (0 when unknown), c the
 * change points found; a pair within min_points of one is explained by it.
 */
static void
find_pairs(const struct detect_opts *o, const double *const *vals,
    const size_t *nvals, size_t n, const struct cps *c, double sigma,
    struct cps *pr, double **zs)
{
	double *loc = xmalloc(n * sizeof(*loc)), *w = xmalloc(n * sizeof(*w));
	double *sp = xmalloc(n * sizeof(*sp));
	double typical, s, se, z, dl;
	size_t i, k, nw = 0, m = o->min_points ? o->min_points : 1;
	int near;

	for (i = 0; i < n; i++) {
		loc[i] = stats_hl_loc(vals[i], nvals[i]);
		sp[i] = point_spread(vals[i], nvals[i], loc[i]);
		if (nvals[i] >= 3 && sp[i] > 0)
			w[nw++] = sp[i];
	}
	/* The block's typical spread: a point whose few values happen to
	 * agree does not make its neighbour look far. */
	typical = nw ? stats_median(w, nw) : 0;
	for (i = 1; i < n; i++) {
		if (nvals[i - 1] < 3 || nvals[i] < 3 || loc[i - 1] == 0)
			continue;
		for (k = 0, near = 0; k < c->n; k++)
			near |= (c->v[k] > i ? c->v[k] - i : i - c->v[k]) < m;
		if (near)
			continue;
		s = sqrt((sp[i - 1] * sp[i - 1] + sp[i] * sp[i]) / 2);
		s = fmax(s, typical);
		if (!(s > 0))
			continue;
		se = 1.0233 * s * sqrt(1.0 / (double)nvals[i - 1] + 1.0 /
		    (double)nvals[i]);
		dl = fabs(loc[i] - loc[i - 1]);
		z = dl / fabs(loc[i - 1]) / se;
		if (z < o->pair_z)
			continue;
		/* Runs that move as a whole: the run-to-run noise, where the
		 * block has enough points to know it. */
		if (n > STATS_MIN_HISTORY && sigma > 0 &&
		    dl < 3 * sqrt(2.0) * sigma)
			continue;
		*zs = realloc(*zs, (pr->n + 1) * sizeof(**zs));
		if (*zs == NULL)
			abort();
		(*zs)[pr->n] = z;
		cps_add(pr, i);
	}
	free(loc);
	free(w);
	free(sp);
}

static int
by_index(const void *a, const void *b)
{
	const struct detect_cp *x = a, *y = b;

	return x->index < y->index ? -1 : x->index > y->index;
}

/* Append a change point at index (levels before and after) to *out. */
static void
cp_push(struct detect_cp **out, size_t *nout, size_t *cap, size_t index,
    double before, double after, double confidence, int pair)
{
	struct detect_cp *cp;

	if (*nout == *cap) {
		*cap = *cap ? 2 * *cap : 16;
		*out = realloc(*out, *cap * sizeof(**out));
		if (*out == NULL)
			abort();
	}
	cp = &(*out)[(*nout)++];
	cp->index = index;
	cp->before = before;
	cp->after = after;
	cp->delta_pct = before != 0 ? 100 * (after - before) / fabs(before) :
	    (after == before ? 0 : INFINITY);
	cp->confidence = confidence;
	cp->pair = pair;
}

/* Detection on one block: y the medians, det whether it has no noise.
 * Long: one pipeline (noise scale, PELT, pruning, the changes) over arrays
 * all its steps share. */
static void
detect_block(const struct detect_opts *o, const double *const *vals,
    const size_t *nvals, const double *y, size_t n, int det, size_t base,
    struct detect_cp **out, size_t *nout, size_t *cap)
{
	struct cps c = {0}, pr = {0};
	double *d, *x, sigma = 0, level, p, worst, before, after, *zs = NULL;
	size_t i, k, wk, lo, hi, m = o->min_points ? o->min_points : 1;
	size_t first = *nout;

	if (n < 2)
		return;
	if (det) {
		for (i = 1; i < n; i++)
			if (fabs(y[i] - y[i - 1]) > STATS_ROUNDING *
			    fmax(fabs(y[i]), fabs(y[i - 1])))
				cps_add(&c, i);
		goto emit;
	}
	d = xmalloc(n * sizeof(*d));
	for (i = 1; i < n; i++)
		d[i - 1] = y[i] - y[i - 1];
	sigma = STATS_MAD_SD * stats_mad(d, n - 1) / sqrt(2.0);
	if (!(sigma > 0)) {
		double s = 0, q = 0;

		for (i = 0; i + 1 < n; i++) {
			s += d[i];
			q += d[i] * d[i];
		}
		sigma = n > 2 ? sqrt(fmax(0, (q - s * s / (double)(n - 1)) /
		    (double)(n - 2))) / sqrt(2.0) : 0;
	}
	free(d);
	if (!(sigma > 0))
		goto emit;
	level = stats_median(y, n);
	x = xmalloc(n * sizeof(*x));
	for (i = 0; i < n; i++) {
		double w[2 * RUNMED_H + 1], z, rm;
		size_t nw = 0, j;

		lo = i > RUNMED_H ? i - RUNMED_H : 0;
		hi = i + RUNMED_H + 1 < n ? i + RUNMED_H + 1 : n;
		for (j = lo; j < hi; j++)
			w[nw++] = (y[j] - level) / sigma;
		rm = stats_median(w, nw);
		z = (y[i] - level) / sigma;
		x[i] = fmin(fmax(z, rm - CLIP), rm + CLIP);
	}
	pelt(x, n, m, o->penalty * log((double)n), &c);
	free(x);
	/* Drop the least significant change until all pass. */
	for (;;) {
		worst = -1;
		wk = 0;
		for (k = 0; k < c.n; k++) {
			p = cp_test(o, y, n, c.v, c.n, k, sigma, &before,
			    &after);
			if (p > worst) {
				worst = p;
				wk = k;
			}
		}
		if (c.n == 0 || worst < o->alpha)
			break;
		memmove(c.v + wk, c.v + wk + 1, (c.n - wk - 1) *
		    sizeof(*c.v));
		c.n--;
	}
emit:
	for (k = 0; k < c.n; k++) {
		if (det) {
			before = y[c.v[k] - 1];
			after = y[c.v[k]];
			p = 0;
		} else {
			p = cp_test(o, y, n, c.v, c.n, k, sigma, &before,
			    &after);
		}
		cp_push(out, nout, cap, base + c.v[k], before, after, 1 - p, 0);
	}
	if (!det && o->pair_z > 0)
		find_pairs(o, vals, nvals, n, &c, sigma, &pr, &zs);
	for (k = 0; k < pr.n; k++)
		cp_push(out, nout, cap, base + pr.v[k], y[pr.v[k] - 1],
		    y[pr.v[k]], 1 - 2 * stats_norm_sf(zs[k]), 1);
	if (pr.n > 0)
		qsort(*out + first, *nout - first, sizeof(**out), by_index);
	free(c.v);
	free(pr.v);
	free(zs);
}

size_t
detect_run(const struct detect_opts *o, const double *const *vals,
    const size_t *nvals, size_t n, struct detect_cp **out,
    int *deterministic)
{
	struct stats_noise nm;
	struct detect_cp *all = NULL, *blk = NULL;
	size_t nall = 0, capall = 0, nblk, capblk, i, start, lo, hi, klo, khi;
	size_t span;
	double *y;

	*out = NULL;
	if (deterministic != NULL)
		*deterministic = 0;
	if (n == 0)
		return 0;
	y = xmalloc(n * sizeof(*y));
	for (i = 0; i < n; i++)
		y[i] = stats_median(vals[i], nvals[i]);
	stats_noise_learn(&nm, vals, nvals, n);
	stats_noise_repeats(&nm, o->rep_agree, o->rep_differ);
	if (deterministic != NULL)
		*deterministic = nm.deterministic;
	/* Blocks as the incremental path sees them: a window of 2w+1 points,
	 * keeping what lies inside its margins. */
	span = 2 * detect_reach(o) + 1;
	for (start = 0;;) {
		lo = start;
		hi = lo + span < n ? lo + span : n;
		klo = lo == 0 ? 0 : lo + detect_margin(o);
		khi = hi == n ? n : hi - detect_margin(o);
		nblk = capblk = 0;
		detect_block(o, vals + lo, nvals + lo, y + lo, hi - lo,
		    nm.deterministic, lo, &blk, &nblk, &capblk);
		for (i = 0; i < nblk; i++) {
			if (blk[i].index < klo || blk[i].index >= khi)
				continue;
			if (nall == capall) {
				capall = capall ? 2 * capall : 16;
				all = realloc(all, capall * sizeof(*all));
				if (all == NULL)
					abort();
			}
			all[nall++] = blk[i];
		}
		free(blk);
		blk = NULL;
		if (hi == n)
			break;
		start = khi - detect_margin(o);
	}
	free(y);
	*out = all;
	return nall;
}
