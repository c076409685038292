/* test_detect: change points: steps found, outliers and drift not,
 * deterministic series, the incremental window. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "detect.h"
#include "t.h"

#define N 300

static uint64_t rng = 0x2545F4914F6CDD1DULL;

static double
gauss(void)
{
	double u, v;

	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	u = ((double)((rng * 2685821657736338717ULL) >> 11) + 0.5) /
	    9007199254740992.0;
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	v = ((double)((rng * 2685821657736338717ULL) >> 11) + 0.5) /
	    9007199254740992.0;
	return sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
}

static double vals[N][3];
static const double *rows[N];
static size_t nv[N];

/* Level 100, noise sd 1, reps values per point. */
static void
fill(size_t n, size_t reps)
{
	size_t i, r;

	for (i = 0; i < n; i++) {
		for (r = 0; r < reps; r++)
			vals[i][r] = 100 + gauss();
		rows[i] = vals[i];
		nv[i] = reps;
	}
}

static size_t
run(size_t n, struct detect_cp **cp, int *det)
{
	struct detect_opts o;

	detect_opts_default(&o);
	return detect_run(&o, rows, nv, n, cp, det);
}

static void
test_steps(void)
{
	struct detect_cp *cp;
	size_t k, i;
	int det;

	fill(N, 3);
	T_INT_EQ(run(N, &cp, &det), 0);
	T_OK(!det);
	free(cp);
	/* A persistent +8 % step at 120. */
	for (i = 120; i < N; i++)
		vals[i][0] += 8, vals[i][1] += 8, vals[i][2] += 8;
	k = run(N, &cp, &det);
	T_INT_EQ(k, 1);
	if (k == 1) {
		T_OK(cp[0].index >= 118 && cp[0].index <= 122);
		T_OK(cp[0].delta_pct > 6 && cp[0].delta_pct < 10);
		T_OK(cp[0].confidence > 0.99);
	}
	free(cp);
	/* Single outlier points are not changes. */
	for (i = 0; i < 3; i++)
		vals[40][i] += 30, vals[200][i] -= 30;
	k = run(N, &cp, NULL);
	T_INT_EQ(k, 1);
	free(cp);
	/* A step at the tip needs min_points points before it counts. */
	fill(N, 1);
	vals[N - 1][0] += 20;
	vals[N - 2][0] += 20;
	T_INT_EQ(run(N, &cp, NULL), 0);
	free(cp);
	for (i = N - 6; i < N; i++)
		vals[i][0] = 120 + gauss();
	k = run(N, &cp, NULL);
	T_INT_EQ(k, 1);
	if (k == 1)
		T_INT_EQ(cp[0].index, N - 6);
	free(cp);
}

static void
test_deterministic(void)
{
	struct detect_cp *cp;
	size_t k, i;
	int det;

	for (i = 0; i < N; i++) {
		vals[i][0] = i < 100 ? 1000000 : i < 200 ? 1001000 : 999000;
		rows[i] = vals[i];
		nv[i] = 1;
	}
	k = run(N, &cp, &det);
	T_OK(det);
	T_INT_EQ(k, 2);
	if (k == 2) {
		T_INT_EQ(cp[0].index, 100);
		T_INT_EQ(cp[1].index, 200);
		T_OK(fabs(cp[0].delta_pct - 0.1) < 1e-9);
		T_OK(cp[1].confidence == 1);
	}
	free(cp);
}

static void
test_window(void)
{
	struct detect_opts o;
	size_t lo, hi, klo, khi;

	detect_opts_default(&o);
	/* New point at the end of 10000: only the last 2w+1 are examined,
	 * and all but the old edge's margin is replaced. */
	detect_window(&o, 10000, 9999, &lo, &hi, &klo, &khi);
	T_INT_EQ(lo, 9999 - o.window);
	T_INT_EQ(hi, 10000);
	T_INT_EQ(khi, 10000);
	T_OK(klo > lo && klo < 9999);
	/* Backfill in the middle: a window on both sides. */
	detect_window(&o, 10000, 5000, &lo, &hi, &klo, &khi);
	T_INT_EQ(lo, 5000 - o.window);
	T_INT_EQ(hi, 5001 + o.window);
	T_OK(klo < 5000 && khi > 5000 && klo > lo && khi < hi);
	/* Short series: everything. */
	detect_window(&o, 50, 10, &lo, &hi, &klo, &khi);
	T_OK(lo == 0 && hi == 50 && klo == 0 && khi == 50);
}

int
main(void)
{
	test_steps();
	test_deterministic();
	test_window();
	return T_DONE();
}
