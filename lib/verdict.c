/* verdict: better, worse or unchanged, and significant or not. */
#include <math.h>

#include "verdict.h"

void
verdict(const struct verdict_side *cur, const struct verdict_side *base,
    int direction, struct verdict *out)
{
	double d = cur->median - base->median, noise;

	out->delta = d;
	if (base->median != 0)
		out->pct = d / fabs(base->median) * 100;
	else
		out->pct = d == 0 ? 0 : INFINITY;
	if (d == 0)
		out->cls = VERDICT_SAME;
	else if (direction == 0)
		out->cls = VERDICT_NEUTRAL;
	else if ((d < 0) == (direction < 0))
		out->cls = VERDICT_BETTER;
	else
		out->cls = VERDICT_WORSE;
	/* Large against the noise of both runs, or 5 % without any. */
	noise = 3 * fmax(isnan(cur->stddev) ? 0 : cur->stddev,
	    isnan(base->stddev) ? 0 : base->stddev);
	out->significant = d != 0 &&
	    (noise > 0 ? fabs(d) > noise : fabs(out->pct) >= 5);
}

const char *
verdict_class_name(enum verdict_class c)
{
	static const char *const names[] = {"same", "neutral", "better",
	    "worse"};

	return (unsigned)c < sizeof(names) / sizeof(names[0]) ? names[c] :
	    "same";
}
