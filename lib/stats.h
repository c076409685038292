/* stats: robust summaries, two-sample tests and a per-metric noise model. */
#ifndef TJ_STATS_H
#define TJ_STATS_H

#include <stddef.h>

/* MAD times this estimates the standard deviation of normal data. */
#define STATS_MAD_SD 1.4826

/* Relative differences at or below this are rounding, not change. */
#define STATS_ROUNDING 1e-9

/* Runs of history a noise model needs before its floor is used. */
#define STATS_MIN_HISTORY 5

/*
 * Median of v[0..n-1] (v is not changed). NAN when n is 0. Pure functions
 * below take the caller's arrays and allocate only scratch copies.
 */
double stats_median(const double *v, size_t n);

/* Median absolute deviation from the median (unscaled). NAN when n is 0. */
double stats_mad(const double *v, size_t n);

/*
 * Where the values of one run lie: the Hodges-Lehmann estimate (the median
 * of the means of every pair, each value with itself included; the median
 * past 64 values). As precise as the mean for normal noise (its standard
 * error is about 1.0233 sd / sqrt n), and a wild repetition or two of five
 * cannot move it far. NAN when n is 0.
 */
double stats_hl_loc(const double *v, size_t n);

/*
 * A distribution-free confidence interval of the median at level (e.g.
 * 0.95) from the order statistics (binomial; normal approximation above
 * n = 50). For n < 2, or when n is too small for the level, the interval is
 * [min, max]. 0, or -1 when n is 0.
 */
int stats_median_ci(const double *v, size_t n, double level, double *lo,
    double *hi);

/*
 * The Hodges-Lehmann estimate of the shift from a to b: the median of every
 * b[j] - a[i]. With lo/hi non-NULL, also its confidence interval at level
 * (from the Mann-Whitney distribution, normal approximation). NAN when
 * either sample is empty.
 */
double stats_hl_shift(const double *a, size_t na, const double *b,
    size_t nb, double level, double *lo, double *hi);

/*
 * Mann-Whitney U test of a against b: the two-sided p value (exact when
 * both samples are small and have no ties, else the normal approximation
 * with tie and continuity corrections). *u (if non-NULL) gets U of a.
 * 1 when either sample is empty.
 */
double stats_mann_whitney(const double *a, size_t na, const double *b,
    size_t nb, double *u);

/* The standard normal's upper tail P(Z > z). */
double stats_norm_sf(double z);

/*
 * A metric's noise model, learned from its own history (a series of runs in
 * commit order, each run the values of its repetitions).
 *
 * between: the relative standard deviation of one run's median around the
 *   level it measures, from the spread (MAD) of run-to-run relative changes
 *   divided by sqrt 2, which a rare real step does not move.
 * within: the typical (median) relative spread of the repetitions inside a
 *   run, 0 when runs have one value.
 * deterministic: the history shows no variation (most consecutive runs
 *   agree to rounding and no run's repetitions differ): any change beyond
 *   rounding is significant.
 * floor: the smallest relative change (a fraction; 0.021 is 2.1 %) that is
 *   significant between two runs: 3 standard deviations of a difference of
 *   two runs. Rounding for a deterministic metric; NAN while the history
 *   has fewer than STATS_MIN_HISTORY runs.
 */
struct stats_noise {
	size_t runs;
	int deterministic;
	double between;
	double within;
	double floor;
	int spread;		/* some run's repetitions differ (not stored) */
};

/* Learn nm from runs runs: vals[i] has n[i] values. Runs with no values
 * are skipped. */
void stats_noise_learn(struct stats_noise *nm, const double *const *vals,
    const size_t *n, size_t runs);

/*
 * Repeated runs of one commit are the direct evidence of a metric's noise:
 * with agree commits (3 or more) whose repeated runs gave the same value
 * to rounding, none whose did not (differ), and no run whose repetitions
 * differ, nm is deterministic (floor: rounding, once it has
 * STATS_MIN_HISTORY runs), though its values move at most commits (a
 * binary's size).
 */
#define STATS_REPEATS_DETERMINISTIC 3
void stats_noise_repeats(struct stats_noise *nm, size_t agree,
    size_t differ);

/*
 * The model as pages show it: the floor rounded up to the next power of
 * sqrt 2 (between made to match it), so that a floor which drifts as runs
 * arrive changes what pages say only when it crosses a step, and the pages
 * that show it can all be rewritten then. A deterministic model, or one
 * without a floor, is left as it is.
 */
void stats_noise_publish(struct stats_noise *nm);

/* Do two published models give the pages the same verdicts? */
int stats_noise_same(const struct stats_noise *a, const struct stats_noise *b);

/*
 * Is the change from run a to run b significant? With a usable model: the
 * relative change of the medians must pass the model's floor, and when both
 * runs have 3 or more repetitions the rank test must agree (p < 0.05).
 * Without one (nm NULL or a short history): the rank test at p < 0.01 and
 * a change beyond 3 robust standard deviations when both have 3 or more
 * repetitions, else the fallback rule (|change| > 3 x the larger stddev,
 * or 5 % when neither run has spread). *rel gets the relative change of the
 * medians (NAN when a's median is 0), *p a two-sided p value (the rank test's,
 * or the model's normal tail, or NAN for the fallback rule). Returns 1 or 0.
 */
int stats_significant(const struct stats_noise *nm, const double *a,
    size_t na, const double *b, size_t nb, double *rel, double *p);

#endif
