/* bench-bisect: how many extra runs lib/bisect needs to attribute a change
 * to its commit, and how often it picks the right one, over seeded
 * synthetic ranges (first-parent, and with the change inside a merged
 * branch) with runs of noisy repetitions; and how well confirmation tells
 * real changes from one-off runs, against the rule it replaced. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bisect.h"

#define REPS 5		/* repetitions per run */
#define SEG 5		/* runs in each segment around the change */
#define MAXRUNS 64	/* runs of one commit the simulation keeps */
#define LEVEL 100.0

static uint64_t rng;

/* splitmix64 */
static double
unif(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return ((double)(z >> 11) + 0.5) / 9007199254740992.0;
}

static double
gauss(void)
{
	return sqrt(-2 * log(unif())) * cos(6.283185307179586 * unif());
}

struct scenario {
	size_t fp;		/* first-parent commits in the range */
	size_t branch;		/* commits of the merged branch; 0: no merge */
	double step;		/* the change, in noise units */
	double noise;		/* % of the level, per repetition */
	double outliers;	/* share of repetitions that are wild */
};

/* 20 scenarios: range lengths 4-512, steps 2-10 x the noise. */
static const struct scenario scen[] = {
	{4, 0, 2, 1, 0}, {8, 0, 10, 1, 0}, {16, 0, 4, 2, 0},
	{32, 0, 2, 1, 0}, {64, 0, 6, 1, 0}, {100, 0, 3, 2, 0},
	{128, 0, 2, 0.5, 0.02}, {256, 0, 10, 1, 0}, {512, 0, 2, 1, 0},
	{512, 0, 5, 3, 0.02},
	{4, 3, 2, 1, 0}, {8, 4, 8, 1, 0}, {16, 8, 3, 2, 0},
	{24, 8, 2, 1, 0.02}, {64, 8, 4, 1, 0}, {64, 32, 2, 1, 0},
	{128, 16, 6, 2, 0}, {200, 50, 3, 1, 0}, {256, 64, 2, 1, 0},
	{448, 64, 10, 1, 0.02},
};
#define NSCEN (sizeof(scen) / sizeof(scen[0]))

/* One simulated commit: whether it has the change, and its runs. */
struct sim {
	int has;
	size_t nruns;
	double vals[MAXRUNS][REPS];
	struct bisect_run runs[MAXRUNS];
};

static void
sim_run(struct sim *c, const struct scenario *s, double delta)
{
	size_t i, k = c->nruns;

	if (k == MAXRUNS)
		return;
	for (i = 0; i < REPS; i++) {
		double v = LEVEL + (c->has ? delta : 0) +
		    LEVEL * s->noise / 100 * gauss();

		if (unif() < s->outliers)
			v += LEVEL * s->noise / 100 * (8 + 12 * unif());
		c->vals[k][i] = v;
	}
	c->runs[k].v = c->vals[k];
	c->runs[k].n = REPS;
	c->nruns++;
}

/* The bisect of one range; the result is whether it blamed the right commit
 * within budget runs, *used the runs it spent. */
static int
trial(const struct scenario *s, size_t budget, size_t step_runs,
    size_t *used)
{
	size_t nfp = s->fp, nbr = s->branch, i, n, culprit, merge = 0;
	struct sim *fp = calloc(nfp, sizeof(*fp));
	struct sim *br = calloc(nbr + 1, sizeof(*br));
	struct sim seg_b = {0}, seg_a = {0};
	struct bisect_commit *c = calloc(nfp + nbr + 1, sizeof(*c));
	struct bisect_model m;
	struct bisect_step st;
	struct sim *level;
	double delta = (unif() < 0.5 ? -1 : 1) * s->step * LEVEL * s->noise /
	    100;
	int inside = 0, ok = 0;

	*used = 0;
	if (nbr == 0) {
		culprit = (size_t)(unif() * (double)nfp);
		for (i = 0; i < nfp; i++)
			fp[i].has = i >= culprit;
	} else {
		/* The merge somewhere in the range; the change in its
		 * branch. */
		merge = (size_t)(unif() * (double)nfp);
		culprit = (size_t)(unif() * (double)nbr);
		for (i = 0; i < nfp; i++)
			fp[i].has = i >= merge;
		for (i = 0; i < nbr; i++)
			br[i].has = i >= culprit;
		br[nbr].has = 1;	/* the merge itself */
	}
	/* The segments the change was found from. */
	seg_a.has = 1;
	for (i = 0; i < SEG; i++) {
		sim_run(&seg_b, s, delta);
		sim_run(&seg_a, s, delta);
	}
	/* The change's after commit is the first run of its segment. */
	fp[nfp - 1].nruns = 1;
	memcpy(fp[nfp - 1].vals[0], seg_a.vals[0], sizeof(seg_a.vals[0]));
	fp[nfp - 1].runs[0].v = fp[nfp - 1].vals[0];
	fp[nfp - 1].runs[0].n = REPS;
	if (bisect_model_fit(&m, seg_b.runs, SEG, seg_a.runs, SEG, NULL) < 0)
		goto out;
	level = fp;
	n = nfp;
	for (;;) {
		for (i = 0; i < n; i++) {
			c[i].runs = level[i].runs;
			c[i].nruns = level[i].nruns;
		}
		if (bisect_next(&m, c, n, step_runs, &st, NULL) < 0)
			goto out;
		if (st.done) {
			if (!inside && nbr > 0 && st.idx == merge) {
				/* Into the merge: its branch, then itself. */
				br[nbr] = fp[merge];
				for (i = 0; i < br[nbr].nruns; i++)
					br[nbr].runs[i].v = br[nbr].vals[i];
				level = br;
				n = nbr + 1;
				inside = 1;
				continue;
			}
			ok = st.idx == culprit && inside == (nbr > 0);
			break;
		}
		if (*used == budget)
			break;	/* out of budget */
		sim_run(&level[st.idx], s, delta);
		(*used)++;
	}
out:
	free(fp);
	free(br);
	free(c);
	return ok;
}

/*
 * Confirmation: a change suspected from one run on each side, real (the
 * after commit has it) or a one-off (its run was off by the same amount,
 * the commit is not), then confirm-runs new runs of each commit. The rule
 * (bisect_confirm: the shift between the new runs) against the baseline
 * it replaced: each side's new runs classified against the suspected
 * levels, forced to the nearer one.
 */
#define CONFIRM_RUNS 2

struct tally {
	size_t tp, fp, fn, tn;
};

static void
tally_add(struct tally *t, int real, int held)
{
	if (real && held)
		t->tp++;
	else if (real)
		t->fn++;
	else if (held)
		t->fp++;
	else
		t->tn++;
}

static double
ratio(size_t a, size_t b)
{
	return b ? (double)a / (double)b : 0;
}

static double
tally_f1(const struct tally *t, double *prec, double *rec)
{
	*prec = ratio(t->tp, t->tp + t->fp);
	*rec = ratio(t->tp, t->tp + t->fn);
	return *prec + *rec > 0 ? 2 * *prec * *rec / (*prec + *rec) : 0;
}

static void
confirm_trial(const struct scenario *s, int real, struct tally *rule,
    struct tally *base)
{
	struct sim b = {0}, a = {0};
	struct bisect_model m;
	double delta = (unif() < 0.5 ? -1 : 1) * s->step * LEVEL * s->noise /
	    100;
	size_t i;
	int held, old;

	/* The runs the change was found from: a one-off is a run of the
	 * old level moved by the step as a whole. */
	a.has = 1;
	sim_run(&b, s, delta);
	sim_run(&a, s, real ? delta : 0);
	if (!real)
		for (i = 0; i < REPS; i++)
			a.vals[0][i] += delta;
	a.has = real;
	for (i = 0; i < CONFIRM_RUNS; i++) {
		sim_run(&b, s, delta);
		sim_run(&a, s, delta);
	}
	/* As tj-api does: the spread from every run of the two commits, the
	 * levels the ones the change was found from. */
	if (bisect_model_fit(&m, b.runs, b.nruns, a.runs, a.nruns, NULL) < 0)
		return;
	m.before = stats_median(b.vals[0], REPS);
	m.after = stats_median(a.vals[0], REPS);
	held = bisect_confirm(&m, b.runs + 1, CONFIRM_RUNS, a.runs + 1,
	    CONFIRM_RUNS, CONFIRM_RUNS) == BISECT_AFTER;
	old = bisect_classify(&m, b.runs + 1, CONFIRM_RUNS, 1, NULL) ==
	    BISECT_BEFORE && bisect_classify(&m, a.runs + 1, CONFIRM_RUNS, 1,
	    NULL) == BISECT_AFTER;
	tally_add(rule, real, held);
	tally_add(base, real, old);
}

/* 0 when the rule's F1 is at least the baseline's over all scenarios. */
static int
confirm_bench(size_t trials)
{
	static const struct scenario cs[] = {
		{0, 0, 2, 2, 0}, {0, 0, 3, 2, 0}, {0, 0, 4, 2, 0},
		{0, 0, 6, 2, 0}, {0, 0, 3, 1, 0.02}, {0, 0, 8, 1, 0},
	};
	struct tally all_r = {0}, all_b = {0};
	double p, r, f, pb, rb, fb;
	size_t si, t;

	printf("\nconfirmation: %zu seeded suspected changes per scenario, "
	    "half real, half one-off runs; %d new runs a side\n\n", 10 * trials,
	    CONFIRM_RUNS);
	printf("%3s %5s %6s %8s | %6s %6s %6s | %6s %6s %6s\n", "#", "step",
	    "noise%", "outliers", "prec", "recall", "F1", "prec", "recall",
	    "F1");
	printf("%25s | %-20s | %-20s\n", "", "rule: sides or shift",
	    "baseline: each side");
	for (si = 0; si < sizeof(cs) / sizeof(cs[0]); si++) {
		struct tally tr = {0}, tb = {0};

		for (t = 0; t < 10 * trials; t++) {
			rng = 0xc0f1ULL + si * 7919ULL + t;
			confirm_trial(&cs[si], (int)(t & 1), &tr, &tb);
		}
		all_r.tp += tr.tp, all_r.fp += tr.fp, all_r.fn += tr.fn;
		all_b.tp += tb.tp, all_b.fp += tb.fp, all_b.fn += tb.fn;
		f = tally_f1(&tr, &p, &r);
		fb = tally_f1(&tb, &pb, &rb);
		printf("%3zu %5.0f %6.1f %7.0f%% | %6.3f %6.3f %6.3f | %6.3f "
		    "%6.3f %6.3f\n", si + 1, cs[si].step, cs[si].noise,
		    100 * cs[si].outliers, p, r, f, pb, rb, fb);
	}
	f = tally_f1(&all_r, &p, &r);
	fb = tally_f1(&all_b, &pb, &rb);
	printf("confirmation over all: F1 %.3f (precision %.3f, recall %.3f)"
	    " against the baseline's %.3f (%.3f, %.3f): %.2f x\n", f, p, r,
	    fb, pb, rb, fb > 0 ? f / fb : 0);
	return f >= fb ? 0 : 1;
}

int
main(int argc, char **argv)
{
	size_t trials = argc > 1 ? strtoul(argv[1], NULL, 10) : 200;
	size_t step_runs = 3, si, t, used, right, right_all = 0, total = 0;
	size_t maxused, sum_used, all_used = 0;
	double worst = 1, log_sum = 0;

	if (trials == 0)
		trials = 200;
	printf("%zu seeded trials per scenario; %d repetitions per run; %d "
	    "runs each side of the change; at most %zu runs per step; budget "
	    "2*ceil(log2 N)+4 runs\n\n", trials, REPS, SEG, step_runs);
	printf("%3s %5s %6s %5s %6s %8s %5s %6s %6s %6s %6s %7s\n", "#", "N",
	    "merge", "step", "noise%", "outliers", "log2", "budget",
	    "runs", "/log2", "max", "right");
	for (si = 0; si < NSCEN; si++) {
		const struct scenario *s = &scen[si];
		size_t n = s->fp + s->branch;
		int lg = bisect_log2(n);
		size_t budget = 2 * (size_t)lg + 4;

		right = maxused = sum_used = 0;
		for (t = 0; t < trials; t++) {
			rng = 0x5eed0000ULL + si * 1000003ULL + t;
			right += (size_t)trial(s, budget, step_runs, &used);
			sum_used += used;
			if (used > maxused)
				maxused = used;
		}
		right_all += right;
		total += trials;
		all_used += sum_used;
		log_sum += (double)lg * (double)trials;
		if ((double)right / (double)trials < worst)
			worst = (double)right / (double)trials;
		printf("%3zu %5zu %6s %5.0f %6.1f %7.0f%% %5d %6zu %6.2f %6.2f "
		    "%6zu %6.1f%%\n", si + 1, n, s->branch ? "yes" : "no",
		    s->step, s->noise, 100 * s->outliers, lg, budget,
		    (double)sum_used / (double)trials,
		    (double)sum_used / (double)trials / lg, maxused,
		    100.0 * (double)right / (double)trials);
	}
	printf("\nruns: the mean extra runs per change; /log2: that over "
	    "ceil(log2 N); max: the most any trial spent\n");
	printf("extra runs over all: %.2f x ceil(log2 N)\n",
	    (double)all_used / log_sum);
	printf("right within 2*ceil(log2 N)+4 runs: %.1f%% of %zu "
	    "(worst scenario %.1f%%); target >= 95%%: %s\n",
	    100.0 * (double)right_all / (double)total, total, 100 * worst,
	    (double)right_all >= 0.95 * (double)total ? "met" : "MISSED");
	if (confirm_bench(trials) != 0)
		return 1;
	return (double)right_all >= 0.95 * (double)total ? 0 : 1;
}
