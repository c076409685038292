/*
 * verdict: whether a measurement got better or worse between a base run and
 * a run, and whether the change stands out from the noise. The one place
 * this is decided: the run, commit, index and feed pages and the JSON
 * twins (run.json's measurement rows, which compare/ displays) all carry
 * what verdict() says.
 *
 * The rule: with the metric's noise model (learned by detection from its
 * history, lib/stats.h), the change is significant when stats_significant
 * says so over the two runs' values (a deterministic metric: any change
 * beyond rounding; one value a run: beyond the history's floor;
 * repetitions: the rank test as well). Without one (a history too short
 * for a floor), the pairwise rule: |delta| larger than three times the
 * larger of the two standard deviations over their repetitions, or, when
 * neither run has any spread, at least 5 % of the base's median. The class
 * says which way it moved: "same" (delta 0), "neutral" (the metric has no
 * better direction), "better" or "worse" by the metric's direction.
 */
#ifndef TJ_VERDICT_H
#define TJ_VERDICT_H

#include <stddef.h>

struct stats_noise;

/* One run's summary of one metric. Absent numbers are NAN. */
struct verdict_side {
	double median;
	double stddev;
	int n;			/* repetitions */
	const double *values;	/* every value, or NULL when not loaded */
	size_t nvalues;
};

enum verdict_class {
	VERDICT_SAME,
	VERDICT_NEUTRAL,
	VERDICT_BETTER,
	VERDICT_WORSE,
};

struct verdict {
	enum verdict_class cls;
	int significant;	/* 1: the change stands out from the noise */
	double delta;		/* cur - base, of the medians */
	double pct;		/* delta in % of |base|; INFINITY (or 0 for no
				 * change) when the base is 0 */
};

/*
 * The verdict for cur against base of a metric whose direction is -1
 * (lower is better), 1 (higher) or 0 (neither), by its noise model nm (NULL,
 * or one with no floor yet: the pairwise rule). Both medians must be
 * finite; a side without values stands for its median alone.
 */
void verdict(const struct verdict_side *cur, const struct verdict_side *base,
    int direction, const struct stats_noise *nm, struct verdict *out);

/* "same", "neutral", "better", "worse": the name pages and JSON use. */
const char *verdict_class_name(enum verdict_class c);

#endif
