/* verdict: better, worse or unchanged, and significant or not. */
#include <math.h>

#include "stats.h"
#include "verdict.h"

/* By the noise model: over the values, or the median when none. */
static int
by_model(const struct verdict_side *cur, const struct verdict_side *base,
    const struct stats_noise *nm)
{
	const double *cv = cur->values, *bv = base->values;
	size_t nc = cur->nvalues, nb = base->nvalues;
	double rel, p;

	if (cv == NULL || nc == 0) {
		cv = &cur->median;
		nc = 1;
	}
	if (bv == NULL || nb == 0) {
		bv = &base->median;
		nb = 1;
	}
	return stats_significant(nm, bv, nb, cv, nc, &rel, &p);
}

void
verdict(const struct verdict_side *cur, const struct verdict_side *base,
    int direction, const struct stats_noise *nm, struct verdict *out)
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
	if (nm != NULL && !isnan(nm->floor)) {
		out->significant = d != 0 && by_model(cur, base, nm);
		return;
	}
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
