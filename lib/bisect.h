/* bisect: the decisions of confirming and bisecting a change (pure: no db,
 * no I/O), shared by tj-api's bisect engine and the bisect benchmark. */
#ifndef TJ_BISECT_H
#define TJ_BISECT_H

#include <stddef.h>
#include <stdint.h>

#include "stats.h"

/* One run: the values of its repetitions (borrowed, not owned). */
struct bisect_run {
	const double *v;
	size_t n;
};

/*
 * What a change looks like to the classifier: the level before and after
 * it, and sd, the standard deviation of one run's median around its level
 * (in the metric's unit; never 0: a deterministic metric gets rounding).
 */
struct bisect_model {
	double before;
	double after;
	double sd;
};

/*
 * Fit m from the runs of the segment before the change and of the segment
 * after it (each at least one run with values). The levels are the medians
 * of the runs' medians. sd is the larger of two estimates: the spread of
 * the runs' medians around their segment's level (MAD, when the segments
 * hold 4 or more runs) and the spread of the repetitions inside runs
 * carried to a median of that many values; with nm (the metric's noise
 * model, may be NULL) learned from STATS_MIN_HISTORY runs or more, its
 * run-to-run spread counts too. 0, or -1 with err_set when a segment has
 * no values.
 */
int bisect_model_fit(struct bisect_model *m, const struct bisect_run *before,
    size_t nb, const struct bisect_run *after, size_t na,
    const struct stats_noise *nm);

/* Which side of the change a commit's runs put it on. */
enum bisect_side {
	BISECT_UNSURE = 0,	/* not yet known: another run would tell */
	BISECT_BEFORE = -1,	/* the commit does not have the change */
	BISECT_AFTER = 1	/* it has it */
};

/* The log-likelihood ratio a side must reach to be decided: ln 100 (odds
 * of 100 to 1). */
#define BISECT_DECIDE_LLR 4.6

/*
 * Classify the k runs of one commit against m: the log-likelihood ratio of
 * "after" against "before" of the runs' medians, each under a normal of sd
 * m->sd; a run farther from the nearer level than 6 sd and the size of the
 * change is an outlier and counts for nothing. Decided when |LLR| reaches
 * BISECT_DECIDE_LLR; with forced (no more runs to be had) the nearer side
 * (AFTER on a tie), UNSURE only when no run counts. *llr (may be NULL)
 * gets the ratio.
 */
enum bisect_side bisect_classify(const struct bisect_model *m,
    const struct bisect_run *runs, size_t k, int forced, double *llr);

/* How many standard errors apart the confirmation runs of the two commits
 * must be for a change to hold that the suspected levels do not bear out. */
#define BISECT_CONFIRM_Z 3.0

/*
 * Does a suspected change hold? m was fit with the change's own runs;
 * before_new and after_new are the confirmation runs of the commit before
 * and the commit after it (not the runs the change was found from).
 * BISECT_UNSURE until each side has want runs. Then BISECT_AFTER (it
 * holds) if the after commit's runs are on the after side and the before
 * commit's on the before side (each forced to the nearer one), or if the
 * shift between the two commits' new runs (the medians of their runs'
 * locations) is in the change's direction and BISECT_CONFIRM_Z standard
 * errors (m->sd per run) or more: the suspected levels rest on the runs
 * the change was found from and carry their noise. Else BISECT_BEFORE: it
 * does not hold.
 */
enum bisect_side bisect_confirm(const struct bisect_model *m,
    const struct bisect_run *before_new, size_t nb,
    const struct bisect_run *after_new, size_t na, size_t want);

/* One candidate commit of a range: its runs so far. */
struct bisect_commit {
	const struct bisect_run *runs;
	size_t nruns;
};

/* What to do next for one range. */
struct bisect_step {
	int done;	/* 1: attributed to c[idx]; 0: run c[idx] next */
	size_t idx;
	size_t left;	/* candidates still in the range (1 when done) */
	int steps_left;	/* about how many more steps: ceil(log2(left)) */
};

/*
 * The next step of bisecting a range. c[0..n-1] are the candidate commits
 * oldest first: the first-parent commits after the change's before commit
 * up to its after commit (or, inside a merge, the commits the merge brought
 * in in their own first-parent order, then the merge itself). The last
 * candidate is known to have the change; the commit before c[0] is known
 * not to. Commits with runs are classified by m (forced once they have
 * step_runs runs); an undecided commit inside the range is run again
 * first (a step knows enough before the next begins), else the commit that
 * halves what is left is run, until one commit is left: the change's.
 * side (n entries, may be NULL) gets each candidate's side. Fails (-1)
 * only when n is 0.
 */
int bisect_next(const struct bisect_model *m, const struct bisect_commit *c,
    size_t n, size_t step_runs, struct bisect_step *out, signed char *side);

/* ceil(log2(n)) for n >= 1: the steps a halving search of n needs. */
int bisect_log2(size_t n);

#endif
