/* detect: change points in a metric's series (one point per benchmarked
 * commit, each point the values of its repetitions). */
#ifndef TJ_DETECT_H
#define TJ_DETECT_H

#include <stddef.h>

/*
 * The method: the points' medians are scaled by the series' own noise (the
 * MAD of consecutive differences), each is clipped to 3 noise units of a
 * running median of 5 (an outlier cannot pull a level), and PELT (Killick,
 * Fearnhead and Eckley 2012) finds the optimal piecewise-constant fit under
 * a penalty of penalty x log(n) per change, no level shorter than
 * min_points. Each change point found is then tested: a Mann-Whitney test
 * of up to test_points medians on each side, the least significant one
 * dropped and the rest re-tested until every one has p < alpha. A series
 * with no variation (deterministic) changes wherever a value moves beyond
 * rounding.
 *
 * With pair_z set, two neighbouring points that no change point explains
 * are also reported, as a pair (a change suspected from one run on each
 * side: a step at the tip with nothing after it yet, a single deviating
 * run, or a sparsely run history), when their Hodges-Lehmann locations are
 * pair_z standard errors apart by the spread of their own repetitions
 * (each point 3 values or more) and, in a block of more than
 * STATS_MIN_HISTORY points, 3 noise units of the run-to-run noise too. A pair is a
 * question for confirmation runs, not a change yet.
 */
struct detect_opts {
	double penalty;		/* per change, times log(n); default 3 */
	size_t min_points;	/* points a new level must hold; default 3 */
	double alpha;		/* the rank test's level (times the places the cut
				 * could be); default 0.001 */
	size_t test_points;	/* medians compared on each side; default 30 */
	size_t window;		/* points re-examined each side of a new
				 * point; default 200 */
	double pair_z;		/* report pairs (above); 0, the default:
				 * never */
	size_t rep_agree;	/* commits of the points whose repeated
				 * runs agreed, and whose did not: */
	size_t rep_differ;	/* stats_noise_repeats; default 0 */
};

/* The defaults above. */
void detect_opts_default(struct detect_opts *o);

struct detect_cp {
	size_t index;		/* the first point of the new level */
	double before;		/* the level before (median of the medians
				 * compared) */
	double after;		/* the level after */
	double delta_pct;	/* 100 (after - before) / |before| */
	double confidence;	/* 1 - p of the rank test; 1 if deterministic */
	int pair;		/* 1: a pair (above), before and after the two
				 * points' medians */
};

/*
 * The change points of points [0, n): point i has nvals[i] values vals[i]
 * (a point with none is not allowed). Long series are examined in
 * overlapping blocks, so the cost is linear in n. *out is malloc'd (NULL
 * when none), sorted by index; *deterministic (if non-NULL) says whether
 * the series was found to have no noise. Returns the count.
 */
size_t detect_run(const struct detect_opts *o, const double *const *vals,
    const size_t *nvals, size_t n, struct detect_cp **out,
    int *deterministic);

/*
 * Incremental detection: after point i of a series of n points changed (a
 * new run, at the end or in the middle), detection needs to re-run only on
 * points [*lo, *hi), and its result replaces the change points whose index
 * is in [*keep_lo, *keep_hi) (the window less a margin of test_points at an
 * edge that is not the series' own, where a window sees too little).
 */
void detect_window(const struct detect_opts *o, size_t n, size_t i,
    size_t *lo, size_t *hi, size_t *keep_lo, size_t *keep_hi);

/* The points a window's edge inside the series loses: test_points +
 * min_points. */
size_t detect_margin(const struct detect_opts *o);

/* The points detect_window takes each side of the new point: window,
 * widened to 2 margins + 1. */
size_t detect_reach(const struct detect_opts *o);

#endif
