/* stats: robust summaries, two-sample tests and a per-metric noise model. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

/* Samples larger than this product get no exact Hodges-Lehmann estimate. */
#define HL_MAX_PAIRS ((size_t)1 << 22)
/* Exact Mann-Whitney up to this many values per sample. */
#define MW_EXACT_MAX 20

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double *
sorted_copy(const double *v, size_t n)
{
	double *c = malloc((n ? n : 1) * sizeof(*c));

	if (c == NULL)
		abort();
	if (n)
		memcpy(c, v, n * sizeof(*c));
	qsort(c, n, sizeof(*c), cmp_double);
	return c;
}

static double
median_sorted(const double *s, size_t n)
{
	if (n == 0)
		return NAN;
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

double
stats_hl_loc(const double *v, size_t n)
{
	double w[64 * 65 / 2];
	size_t i, j, k = 0;

	if (n == 0 || n > 64)
		return stats_median(v, n);
	for (i = 0; i < n; i++)
		for (j = i; j < n; j++)
			w[k++] = (v[i] + v[j]) / 2;
	return stats_median(w, k);
}

double
stats_median(const double *v, size_t n)
{
	double *s, m;

	if (n == 0)
		return NAN;
	s = sorted_copy(v, n);
	m = median_sorted(s, n);
	free(s);
	return m;
}

double
stats_mad(const double *v, size_t n)
{
	double *d, m;
	size_t i;

	if (n == 0)
		return NAN;
	d = sorted_copy(v, n);
	m = median_sorted(d, n);
	for (i = 0; i < n; i++)
		d[i] = fabs(d[i] - m);
	qsort(d, n, sizeof(*d), cmp_double);
	m = median_sorted(d, n);
	free(d);
	return m;
}

double
stats_norm_sf(double z)
{
	return 0.5 * erfc(z / sqrt(2.0));
}

/* The z with P(Z > z) = p, for 0 < p < 1 (bisection: plenty fast here). */
static double
norm_isf(double p)
{
	double lo = -40, hi = 40, mid;
	int i;

	for (i = 0; i < 200; i++) {
		mid = (lo + hi) / 2;
		if (stats_norm_sf(mid) > p)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2;
}

int
stats_median_ci(const double *v, size_t n, double level, double *lo,
    double *hi)
{
	double *s, alpha = (1 - level) / 2, cdf = 0, lp;
	size_t k = 0, j;

	if (n == 0)
		return -1;
	s = sorted_copy(v, n);
	/* The largest k with P(Binom(n, 1/2) < k) <= alpha: the interval
	 * [x(k), x(n-k+1)] (1-based) covers the median with >= level. */
	for (j = 0; j <= n / 2; j++) {
		lp = lgamma((double)n + 1) - lgamma((double)j + 1) -
		    lgamma((double)(n - j) + 1) - (double)n * log(2.0);
		if (cdf + exp(lp) > alpha)
			break;
		cdf += exp(lp);
		k = j + 1;
	}
	if (k == 0) {
		*lo = s[0];
		*hi = s[n - 1];
	} else {
		*lo = s[k - 1];
		*hi = s[n - k];
	}
	free(s);
	return 0;
}

double
stats_hl_shift(const double *a, size_t na, const double *b, size_t nb,
    double level, double *lo, double *hi)
{
	double *d, est, z, sd;
	size_t i, j, m, k;

	if (lo != NULL)
		*lo = NAN;
	if (hi != NULL)
		*hi = NAN;
	if (na == 0 || nb == 0)
		return NAN;
	if (na > HL_MAX_PAIRS / nb)
		return stats_median(b, nb) - stats_median(a, na);
	m = na * nb;
	d = malloc(m * sizeof(*d));
	if (d == NULL)
		abort();
	for (i = 0; i < na; i++)
		for (j = 0; j < nb; j++)
			d[i * nb + j] = b[j] - a[i];
	qsort(d, m, sizeof(*d), cmp_double);
	est = median_sorted(d, m);
	if (lo != NULL && hi != NULL) {
		z = norm_isf((1 - level) / 2);
		sd = sqrt((double)na * (double)nb * (double)(na + nb + 1) / 12);
		z = (double)m / 2 - z * sd;
		k = z > 0 ? (size_t)floor(z) : 0;
		if (k >= m)
			k = m - 1;
		*lo = d[k];
		*hi = d[m - 1 - k];
	}
	free(d);
	return est;
}

struct ranked {
	double v;
	int from_a;
};

static int
cmp_ranked(const void *x, const void *y)
{
	return cmp_double(&((const struct ranked *)x)->v,
	    &((const struct ranked *)y)->v);
}

/*
 * Exact two-sided p of U (of a sample of size m against one of size n)
 * under no ties: count the subsets of ranks 1..m+n of size m by rank sum.
 */
static double
mw_exact(size_t m, size_t n, double u)
{
	size_t N = m + n, smax = N * (N + 1) / 2, i, j, s;
	double *c, total = 0, tail = 0, mean = (double)m * (double)n / 2;
	double dev = fabs(u - mean), uu;

	c = calloc((m + 1) * (smax + 1), sizeof(*c));
	if (c == NULL)
		abort();
#define C(j_, s_) c[(j_) * (smax + 1) + (s_)]
	C(0, 0) = 1;
	for (i = 1; i <= N; i++)
		for (j = (i < m ? i : m); j >= 1; j--)
			for (s = smax; s >= i; s--)
				C(j, s) += C(j - 1, s - i);
	for (s = 0; s <= smax; s++) {
		if (C(m, s) == 0)
			continue;
		total += C(m, s);
		uu = (double)s - (double)m * (double)(m + 1) / 2;
		if (fabs(uu - mean) >= dev - 1e-9)
			tail += C(m, s);
	}
#undef C
	free(c);
	return total > 0 ? fmin(1, tail / total) : 1;
}

double
stats_mann_whitney(const double *a, size_t na, const double *b, size_t nb,
    double *u)
{
	struct ranked *r;
	size_t N = na + nb, i, j, t;
	double ra = 0, ties = 0, ua, mean, var, z, p;
	int tied = 0;

	if (u != NULL)
		*u = NAN;
	if (na == 0 || nb == 0)
		return 1;
	r = malloc(N * sizeof(*r));
	if (r == NULL)
		abort();
	for (i = 0; i < na; i++)
		r[i] = (struct ranked){a[i], 1};
	for (i = 0; i < nb; i++)
		r[na + i] = (struct ranked){b[i], 0};
	qsort(r, N, sizeof(*r), cmp_ranked);
	for (i = 0; i < N; i = j) {
		for (j = i + 1; j < N && r[j].v == r[i].v; j++)
			;
		t = j - i;
		if (t > 1) {
			tied = 1;
			ties += (double)t * (double)t * (double)t - (double)t;
		}
		/* ranks i+1..j share their mean */
		for (size_t k = i; k < j; k++)
			if (r[k].from_a)
				ra += (double)(i + 1 + j) / 2;
	}
	free(r);
	ua = ra - (double)na * (double)(na + 1) / 2;
	if (u != NULL)
		*u = ua;
	if (!tied && na <= MW_EXACT_MAX && nb <= MW_EXACT_MAX)
		return mw_exact(na, nb, ua);
	mean = (double)na * (double)nb / 2;
	var = (double)na * (double)nb / 12 *
	    ((double)(N + 1) - ties / ((double)N * (double)(N - 1)));
	if (var <= 0)
		return 1;
	z = (fabs(ua - mean) - 0.5) / sqrt(var);
	if (z < 0)
		z = 0;
	p = 2 * stats_norm_sf(z);
	return p > 1 ? 1 : p;
}

void
stats_noise_learn(struct stats_noise *nm, const double *const *vals,
    const size_t *n, size_t runs)
{
	double *med, *d, *w, *s, mad, sum = 0, sq = 0;
	size_t i, nm_ = 0, nd = 0, nw = 0, lo, hi;
	int spread = 0;

	memset(nm, 0, sizeof(*nm));
	nm->floor = NAN;
	med = malloc((runs ? runs : 1) * sizeof(*med));
	d = malloc((runs ? runs : 1) * sizeof(*d));
	w = malloc((runs ? runs : 1) * sizeof(*w));
	if (med == NULL || d == NULL || w == NULL)
		abort();
	for (i = 0; i < runs; i++) {
		if (n[i] == 0)
			continue;
		s = sorted_copy(vals[i], n[i]);
		med[nm_] = median_sorted(s, n[i]);
		lo = 0;
		hi = n[i] - 1;
		if (s[hi] - s[lo] > STATS_ROUNDING * fabs(med[nm_]))
			spread = 1;
		if (n[i] >= 2 && med[nm_] != 0)
			w[nw++] = STATS_MAD_SD * stats_mad(s, n[i]) /
			    fabs(med[nm_]);
		free(s);
		nm_++;
	}
	for (i = 1; i < nm_; i++) {
		if (med[i - 1] == 0)
			continue;
		d[nd] = (med[i] - med[i - 1]) / fabs(med[i - 1]);
		sum += d[nd];
		sq += d[nd] * d[nd];
		nd++;
	}
	nm->runs = nm_;
	nm->spread = spread;
	nm->within = nw ? stats_median(w, nw) : 0;
	if (nd > 0) {
		double *ad = malloc(nd * sizeof(*ad));

		if (ad == NULL)
			abort();
		for (i = 0; i < nd; i++)
			ad[i] = fabs(d[i]);
		nm->deterministic = !spread &&
		    stats_median(ad, nd) <= STATS_ROUNDING;
		free(ad);
		mad = stats_mad(d, nd);
		nm->between = STATS_MAD_SD * mad / sqrt(2.0);
		/* Quantized values can make most changes exactly 0: fall back
		 * to the plain standard deviation then. */
		if (nm->between == 0 && !nm->deterministic && nd > 1)
			nm->between = sqrt(fmax(0, (sq - sum * sum / (double)nd) /
			    (double)(nd - 1))) / sqrt(2.0);
		if (nm->between == 0 && !nm->deterministic)
			nm->between = nm->within;
	}
	if (nm_ >= STATS_MIN_HISTORY) {
		if (nm->deterministic)
			nm->floor = STATS_ROUNDING;
		else
			nm->floor = fmax(3 * sqrt(2.0) * nm->between,
			    STATS_ROUNDING);
	}
	free(med);
	free(d);
	free(w);
}

void
stats_noise_publish(struct stats_noise *nm)
{
	double k;

	if (nm->deterministic || isnan(nm->floor) || nm->floor <= 0)
		return;
	k = ceil(2 * log2(nm->floor) - 1e-9);
	nm->floor = fmax(pow(2, k / 2), STATS_ROUNDING);
	nm->between = nm->floor / (3 * sqrt(2.0));
}

void
stats_noise_repeats(struct stats_noise *nm, size_t agree, size_t differ)
{
	if (nm->deterministic || nm->spread || differ > 0 ||
	    agree < STATS_REPEATS_DETERMINISTIC)
		return;
	nm->deterministic = 1;
	nm->between = 0;
	nm->within = 0;
	nm->floor = nm->runs >= STATS_MIN_HISTORY ? STATS_ROUNDING : NAN;
}

int
stats_noise_same(const struct stats_noise *a, const struct stats_noise *b)
{
	if (a->deterministic != b->deterministic ||
	    isnan(a->floor) != isnan(b->floor))
		return 0;
	return isnan(a->floor) || a->floor == b->floor;
}

static double
sd_of(const double *v, size_t n)
{
	double m = 0, s = 0;
	size_t i;

	if (n < 2)
		return 0;
	for (i = 0; i < n; i++)
		m += v[i];
	m /= (double)n;
	for (i = 0; i < n; i++)
		s += (v[i] - m) * (v[i] - m);
	return sqrt(s / (double)(n - 1));
}

int
stats_significant(const struct stats_noise *nm, const double *a, size_t na,
    const double *b, size_t nb, double *rel, double *p)
{
	double ma, mb, r, pv = NAN, sa, sb;
	int sig = 0;

	*rel = NAN;
	*p = NAN;
	if (na == 0 || nb == 0)
		return 0;
	ma = stats_median(a, na);
	mb = stats_median(b, nb);
	r = ma != 0 ? (mb - ma) / fabs(ma) : NAN;
	*rel = r;
	if (nm != NULL && nm->runs >= STATS_MIN_HISTORY && !isnan(nm->floor)) {
		if (nm->deterministic) {
			sig = ma == 0 ? mb != 0 : fabs(r) > STATS_ROUNDING;
			pv = sig ? 0 : 1;
		} else {
			double sd = sqrt(2.0) * nm->between;

			sig = !isnan(r) && fabs(r) > nm->floor;
			pv = sd > 0 && !isnan(r) ? 2 * stats_norm_sf(fabs(r) /
			    sd) : (sig ? 0 : 1);
			if (na >= 3 && nb >= 3) {
				double q = stats_mann_whitney(a, na, b, nb,
				    NULL);

				sig = sig && q < 0.05;
				pv = fmax(pv, q);
			}
		}
		*p = pv;
		return sig;
	}
	if (na >= 3 && nb >= 3) {
		sa = STATS_MAD_SD * stats_mad(a, na);
		sb = STATS_MAD_SD * stats_mad(b, nb);
		pv = stats_mann_whitney(a, na, b, nb, NULL);
		*p = pv;
		return pv < 0.01 && fabs(mb - ma) > 3 * fmax(sa, sb);
	}
	sa = sd_of(a, na);
	sb = sd_of(b, nb);
	if (sa > 0 || sb > 0)
		return fabs(mb - ma) > 3 * fmax(sa, sb);
	return !isnan(r) ? fabs(r) >= 0.05 : mb != ma;
}
