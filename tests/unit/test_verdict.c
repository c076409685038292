/* test_verdict: better / worse / same / neutral and the significance rule
 * (3 x the larger stddev, or 5 % without any spread). */
#include <math.h>
#include <stdio.h>

#include "stats.h"
#include "verdict.h"
#include "t.h"

static struct verdict
v(double cur, double cur_sd, double base, double base_sd, int dir)
{
	struct verdict_side c = {cur, cur_sd, 3, NULL, 0};
	struct verdict_side b = {base, base_sd, 3, NULL, 0};
	struct verdict out;

	verdict(&c, &b, dir, NULL, &out);
	return out;
}

/* With a noise model: one value a run, the medians alone. */
static int
sig_by(const struct stats_noise *nm, double cur, double base)
{
	struct verdict_side c = {cur, NAN, 1, NULL, 0};
	struct verdict_side b = {base, NAN, 1, NULL, 0};
	struct verdict out;

	verdict(&c, &b, -1, nm, &out);
	return out.significant;
}

static void
model_cases(void)
{
	struct stats_noise det = {20, 1, 0, 0, 0, 0};
	struct stats_noise noisy = {20, 0, 0.04, 0, 0.10, 1};
	struct stats_noise young = {3, 0, 0, 0, NAN, 0};
	double cv[] = {100, 101, 99, 100.5, 99.5};
	double bv[] = {100, 101, 99, 100.5, 99.5};
	struct verdict_side c = {100, 0.7, 5, cv, 5};
	struct verdict_side b = {100, 0.7, 5, bv, 5};
	struct verdict out;

	/* Deterministic: +0.5 % is beyond rounding, where the pairwise rule
	 * (no spread: 5 %) says no. */
	T_INT_EQ(sig_by(&det, 100.5, 100), 1);
	T_INT_EQ(sig_by(NULL, 100.5, 100), 0);
	/* A floor of 10 %: +3 % is within it, +20 % beyond. */
	T_INT_EQ(sig_by(&noisy, 103, 100), 0);
	T_INT_EQ(sig_by(&noisy, 120, 100), 1);
	/* No floor yet: the pairwise rule (+6 % >= 5 %). */
	T_INT_EQ(sig_by(&young, 106, 100), 1);
	/* The values are used when given: equal runs are not a change. */
	verdict(&c, &b, -1, &noisy, &out);
	T_INT_EQ(out.significant, 0);
}

int
main(void)
{
	struct verdict x;

	x = v(90, 1, 100, 2, -1);
	T_STR_EQ(verdict_class_name(x.cls), "better");
	T_INT_EQ(x.significant, 1);	/* 10 > 3 * 2 */
	T_OK(x.delta == -10 && x.pct == -10);
	x = v(105, 1, 100, 2, -1);
	T_STR_EQ(verdict_class_name(x.cls), "worse");
	T_INT_EQ(x.significant, 0);	/* 5 <= 6 */
	x = v(107, NAN, 100, 2, 1);
	T_STR_EQ(verdict_class_name(x.cls), "better");
	T_INT_EQ(x.significant, 1);	/* 7 > 6; NAN counts as 0 */
	/* No spread anywhere: 5 % decides. */
	x = v(104.9, 0, 100, NAN, -1);
	T_INT_EQ(x.significant, 0);
	x = v(105, 0, 100, 0, -1);
	T_INT_EQ(x.significant, 1);
	T_STR_EQ(verdict_class_name(x.cls), "worse");
	x = v(100, 5, 100, 5, 1);
	T_STR_EQ(verdict_class_name(x.cls), "same");
	T_INT_EQ(x.significant, 0);
	x = v(50, 0, 100, 0, 0);
	T_STR_EQ(verdict_class_name(x.cls), "neutral");
	T_INT_EQ(x.significant, 1);
	/* A base of 0: any change is infinitely large. */
	x = v(1, 0, 0, 0, -1);
	T_OK(isinf(x.pct));
	T_INT_EQ(x.significant, 1);
	x = v(0, 0, 0, 0, -1);
	T_OK(x.pct == 0 && !x.significant);
	model_cases();
	return T_DONE();
}
