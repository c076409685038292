/* test_stats: summaries, the rank test, intervals and the noise model. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "stats.h"
#include "t.h"

#define NEAR(x, y, eps) (fabs((x) - (y)) <= (eps))

/* A seeded normal generator (xorshift + Box-Muller), same on every run. */
static uint64_t rng = 88172645463325252ULL;

static double
unif(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return ((double)(rng >> 11) + 0.5) / 9007199254740992.0;
}

static double
gauss(void)
{
	return sqrt(-2 * log(unif())) * cos(6.283185307179586 * unif());
}

static void
test_summaries(void)
{
	double a[] = {3, 1, 2}, b[] = {4, 1, 3, 2}, c[] = {1, 2, 3, 4, 100};
	double ten[] = {10, 1, 9, 2, 8, 3, 7, 4, 6, 5}, lo, hi;

	T_OK(stats_median(a, 3) == 2);
	T_OK(stats_median(b, 4) == 2.5);
	T_OK(a[0] == 3 && b[0] == 4);	/* inputs untouched */
	T_OK(isnan(stats_median(a, 0)));
	T_OK(stats_mad(c, 5) == 1);
	T_OK(stats_mad(a, 1) == 0);
	/* n = 10 at 95 %: P(B <= 1) = 11/1024 <= 0.025 < P(B <= 2), so the
	 * interval is [x(2), x(9)]. */
	T_INT_EQ(stats_median_ci(ten, 10, 0.95, &lo, &hi), 0);
	T_OK(lo == 2 && hi == 9);
	T_INT_EQ(stats_median_ci(a, 3, 0.95, &lo, &hi), 0);
	T_OK(lo == 1 && hi == 3);
	T_INT_EQ(stats_median_ci(a, 0, 0.95, &lo, &hi), -1);
}

static void
test_shift(void)
{
	double a[] = {1, 2, 3}, b[] = {11, 12, 13}, big_a[40], big_b[40];
	double lo, hi, est;
	int i;

	T_OK(stats_hl_shift(a, 3, b, 3, 0.95, NULL, NULL) == 10);
	T_OK(stats_hl_shift(b, 3, a, 3, 0.95, NULL, NULL) == -10);
	T_OK(isnan(stats_hl_shift(a, 0, b, 3, 0.95, NULL, NULL)));
	for (i = 0; i < 40; i++) {
		big_a[i] = 100 + gauss();
		big_b[i] = 105 + gauss();
	}
	est = stats_hl_shift(big_a, 40, big_b, 40, 0.95, &lo, &hi);
	T_OK(lo < est && est < hi);
	T_OK(lo < 5 && 5 < hi);
	T_OK(hi - lo < 2);
}

static void
test_mann_whitney(void)
{
	double a[] = {1, 2, 3}, b[] = {4, 5, 6}, c[] = {1, 2, 3, 4, 5};
	double d[] = {6, 7, 8, 9, 10}, ta[] = {1, 2, 3, 4};
	double tb[] = {3, 4, 5, 6, 7}, u, p;

	/* Exact: 2 of the C(6,3) = 20 splits are as extreme. */
	p = stats_mann_whitney(a, 3, b, 3, &u);
	T_OK(u == 0);
	T_OK(NEAR(p, 0.1, 1e-12));
	p = stats_mann_whitney(c, 5, d, 5, &u);
	T_OK(NEAR(p, 2.0 / 252, 1e-12));
	p = stats_mann_whitney(d, 5, c, 5, &u);
	T_OK(u == 25 && NEAR(p, 2.0 / 252, 1e-12));
	/* Identical samples: nothing to see. */
	T_OK(stats_mann_whitney(a, 3, a, 3, NULL) == 1);
	/* Ties: normal approximation with the tie and continuity
	 * corrections: U = 2, var = 20/12 (10 - 12/72), z = 7.5/sd. */
	p = stats_mann_whitney(ta, 4, tb, 5, &u);
	T_OK(u == 2);
	T_OK(NEAR(p, 2 * stats_norm_sf(7.5 / sqrt(20.0 / 12 *
	    (10 - 12.0 / 72))), 1e-12));
	T_OK(NEAR(p, 0.0639, 0.0005));
	T_OK(stats_mann_whitney(a, 0, b, 3, NULL) == 1);
}

static void
test_noise(void)
{
	double v[40][5], *rows[40];
	size_t n[40];
	struct stats_noise nm;
	double one[] = {100}, more[] = {100.1}, rel, p;
	double x[] = {100}, y103[] = {103}, y110[] = {110};
	int i, j;

	/* Deterministic: every run the same value. */
	for (i = 0; i < 40; i++) {
		v[i][0] = 1234567;
		rows[i] = v[i];
		n[i] = 1;
	}
	stats_noise_learn(&nm, (const double *const *)rows, n, 40);
	T_OK(nm.deterministic);
	T_OK(nm.floor <= STATS_ROUNDING);
	T_OK(stats_significant(&nm, one, 1, more, 1, &rel, &p));
	T_OK(NEAR(rel, 0.001, 1e-12));
	T_OK(!stats_significant(&nm, one, 1, one, 1, &rel, &p));

	/* A deterministic metric with rare real steps stays deterministic. */
	v[20][0] = v[21][0] = 1300000;
	stats_noise_learn(&nm, (const double *const *)rows, n, 40);
	T_OK(nm.deterministic);

	/* One value per run, 1 % run-to-run noise: the floor comes from the
	 * history (3 sd of a difference of two runs: about 4.2 %). */
	for (i = 0; i < 40; i++)
		v[i][0] = 100 * (1 + 0.01 * gauss());
	stats_noise_learn(&nm, (const double *const *)rows, n, 40);
	T_OK(!nm.deterministic);
	T_OK(nm.between > 0.006 && nm.between < 0.015);
	T_OK(nm.floor > 0.025 && nm.floor < 0.065);
	T_OK(nm.within == 0);
	T_OK(!stats_significant(&nm, x, 1, y103, 1, &rel, &p));
	T_OK(stats_significant(&nm, x, 1, y110, 1, &rel, &p));
	T_OK(p < 0.001);

	/* Repetitions: within-run spread is learned too. */
	for (i = 0; i < 40; i++) {
		for (j = 0; j < 5; j++)
			v[i][j] = 100 * (1 + 0.02 * gauss());
		n[i] = 5;
	}
	stats_noise_learn(&nm, (const double *const *)rows, n, 40);
	T_OK(!nm.deterministic);
	T_OK(nm.within > 0.01 && nm.within < 0.03);

	/* Too short a history: no floor; the fallback rules apply. */
	stats_noise_learn(&nm, (const double *const *)rows, n, 3);
	T_OK(isnan(nm.floor));
	T_OK(stats_significant(&nm, x, 1, y110, 1, &rel, &p));
	T_OK(!stats_significant(&nm, x, 1, y103, 1, &rel, &p));
	T_OK(isnan(p));
}

/* The published floor: rounded up to a power of sqrt 2, so floors that
 * drift inside one step show the same. */
static void
test_publish(void)
{
	struct stats_noise a = {20, 0, 0.02 / (3 * sqrt(2.0)), 0, 0.0200, 0};
	struct stats_noise b = a, c = a, d = a, e = a;

	b.floor = 0.0215;
	c.floor = 0.0222;
	d.deterministic = 1;
	d.floor = STATS_ROUNDING;
	e.floor = NAN;
	stats_noise_publish(&a);
	stats_noise_publish(&b);
	stats_noise_publish(&c);
	stats_noise_publish(&d);
	stats_noise_publish(&e);
	T_OK(fabs(a.floor - pow(2, -5.5)) < 1e-12);
	T_OK(a.floor >= 0.02);
	T_OK(stats_noise_same(&a, &b));
	T_OK(fabs(c.floor - pow(2, -5)) < 1e-12);
	T_OK(!stats_noise_same(&a, &c));
	T_OK(fabs(a.between * 3 * sqrt(2.0) - a.floor) < 1e-12);
	T_OK(d.floor == STATS_ROUNDING && d.deterministic);
	T_OK(!stats_noise_same(&a, &d));
	T_OK(isnan(e.floor) && !stats_noise_same(&a, &e));
	b = a;
	stats_noise_publish(&b);
	T_OK(b.floor == a.floor);	/* published twice: the same */
}

/* A size that moves at nearly every commit: deterministic only once the
 * commits run twice agree, and never when one of them does not. */
static void
test_repeats(void)
{
	double v[30][3], *rows[30];
	size_t n[30];
	struct stats_noise nm;
	int i;

	for (i = 0; i < 30; i++) {
		v[i][0] = 300000 + 4096 * (i % 7) + 8 * i;
		rows[i] = v[i];
		n[i] = 1;
	}
	stats_noise_learn(&nm, (const double *const *)rows, n, 30);
	T_OK(!nm.deterministic);
	T_OK(nm.floor > 0.001);
	stats_noise_repeats(&nm, 2, 0);
	T_OK(!nm.deterministic);
	stats_noise_repeats(&nm, 7, 1);
	T_OK(!nm.deterministic);
	stats_noise_repeats(&nm, 7, 0);
	T_OK(nm.deterministic);
	T_OK(nm.floor <= STATS_ROUNDING);
	/* Runs whose repetitions differ are noisy whatever the repeats. */
	for (i = 0; i < 30; i++) {
		v[i][1] = v[i][0] + 1;
		v[i][2] = v[i][0] - 1;
		n[i] = 3;
	}
	stats_noise_learn(&nm, (const double *const *)rows, n, 30);
	stats_noise_repeats(&nm, 7, 0);
	T_OK(!nm.deterministic);
	/* Too short a history for a floor: deterministic, no floor yet. */
	for (i = 0; i < 3; i++)
		n[i] = 1;
	stats_noise_learn(&nm, (const double *const *)rows, n, 3);
	stats_noise_repeats(&nm, 3, 0);
	T_OK(nm.deterministic);
	T_OK(isnan(nm.floor));
}

int
main(void)
{
	test_summaries();
	test_shift();
	test_mann_whitney();
	test_noise();
	test_publish();
	test_repeats();
	return T_DONE();
}
