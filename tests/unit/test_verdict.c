/* test_verdict: better / worse / same / neutral and the significance rule
 * (3 x the larger stddev, or 5 % without any spread). */
#include <math.h>
#include <stdio.h>

#include "verdict.h"
#include "t.h"

static struct verdict
v(double cur, double cur_sd, double base, double base_sd, int dir)
{
	struct verdict_side c = {cur, cur_sd, 3, NULL, 0};
	struct verdict_side b = {base, base_sd, 3, NULL, 0};
	struct verdict out;

	verdict(&c, &b, dir, &out);
	return out;
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
	return T_DONE();
}
