/* test_bisect: lib/bisect: the model, classifying runs, confirming, and
 * halving ranges (first-parent and inside a merge) to the right commit. */
#include <math.h>
#include <stdlib.h>

#include "bisect.h"
#include "t.h"

#define MAXR 16

/* A run of n values around level: level + spread * (-1, 0, 1, ...). */
struct fake {
	double v[8];
	struct bisect_run r;
};

static void
fake_run(struct fake *f, double level, double spread, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		f->v[i] = level + spread * (double)((long)(i % 3) - 1);
	f->r.v = f->v;
	f->r.n = n;
}

static void
test_log2(void)
{
	T_INT_EQ(bisect_log2(1), 0);
	T_INT_EQ(bisect_log2(2), 1);
	T_INT_EQ(bisect_log2(3), 2);
	T_INT_EQ(bisect_log2(4), 2);
	T_INT_EQ(bisect_log2(5), 3);
	T_INT_EQ(bisect_log2(512), 9);
	T_INT_EQ(bisect_log2(513), 10);
}

/* Segments of 5 runs of 5 values: before at 100, after at 108, spread 2. */
static void
model(struct bisect_model *m, double spread)
{
	struct fake fb[5], fa[5];
	struct bisect_run b[5], a[5];
	double within = spread > 2 ? 0 : spread;
	int i;

	for (i = 0; i < 5; i++) {
		fake_run(&fb[i], 100 + spread * 0.3 * (i - 2), within, 5);
		fake_run(&fa[i], 108 - spread * 0.3 * (i - 2), within, 5);
		b[i] = fb[i].r;
		a[i] = fa[i].r;
	}
	T_INT_EQ(bisect_model_fit(m, b, 5, a, 5, NULL), 0);
}

static void
test_model(void)
{
	struct bisect_model m;
	struct bisect_run none = {NULL, 0};
	struct fake f;
	struct stats_noise nm = {20, 0, 0.05, 0, 0.2, 0};

	model(&m, 0);
	T_OK(m.before == 100 && m.after == 108);
	T_OK(m.sd > 0 && m.sd < 1e-6);	/* deterministic: rounding */
	model(&m, 2);
	T_OK(m.before == 100 && m.after == 108);
	/* The spread inside runs (pairs differ by 2 in the median: sd 2.10)
	 * carried to the location of 5 values. */
	T_OK(fabs(m.sd - 2 / (0.6745 * sqrt(2.0)) * 1.0233 / sqrt(5.0)) <
	    1e-3);
	/* Runs that move as a whole: their own spread takes over (MAD 3 of
	 * the residuals -6, -3, 0, 3, 6, times 1.4826 sqrt(10 / 8)). */
	model(&m, 10);
	T_OK(fabs(m.sd - 3 * 1.4826 * sqrt(10 / 8.0)) < 1e-3);
	/* A noise model with enough history widens it. */
	fake_run(&f, 100, 0, 1);
	T_INT_EQ(bisect_model_fit(&m, &f.r, 1, &f.r, 1, &nm), 0);
	T_OK(fabs(m.sd - 5) < 1e-9);
	nm.runs = 2;	/* too short a history: not used */
	T_INT_EQ(bisect_model_fit(&m, &f.r, 1, &f.r, 1, &nm), 0);
	T_OK(m.sd < 1e-6);
	T_INT_EQ(bisect_model_fit(&m, &none, 1, &f.r, 1, NULL), -1);
}

static void
test_classify(void)
{
	struct bisect_model m;
	struct fake f[3];
	struct bisect_run r[3];
	double llr;

	model(&m, 0);
	fake_run(&f[0], 100, 0, 5);
	T_INT_EQ(bisect_classify(&m, &f[0].r, 1, 0, &llr), BISECT_BEFORE);
	T_OK(llr < -BISECT_DECIDE_LLR);
	fake_run(&f[0], 108, 0, 1);
	T_INT_EQ(bisect_classify(&m, &f[0].r, 1, 0, NULL), BISECT_AFTER);
	T_INT_EQ(bisect_classify(&m, NULL, 0, 1, NULL), BISECT_UNSURE);

	/* Noisy: sd 2 per value, about 1.1 per run of 5. A run near the
	 * middle cannot tell; forced, it takes the nearer side. */
	m.before = 100;
	m.after = 108;
	m.sd = 2.5;
	fake_run(&f[0], 104.5, 2, 5);
	r[0] = f[0].r;
	T_INT_EQ(bisect_classify(&m, r, 1, 0, &llr), BISECT_UNSURE);
	T_OK(llr > 0);
	T_INT_EQ(bisect_classify(&m, r, 1, 1, NULL), BISECT_AFTER);
	/* Two more runs near after decide it. */
	fake_run(&f[1], 107, 2, 5);
	fake_run(&f[2], 108.5, 2, 5);
	r[1] = f[1].r;
	r[2] = f[2].r;
	T_INT_EQ(bisect_classify(&m, r, 3, 0, NULL), BISECT_AFTER);
	/* An outlier run counts for nothing... */
	fake_run(&f[0], 160, 0, 5);
	r[0] = f[0].r;
	T_INT_EQ(bisect_classify(&m, r, 1, 0, &llr), BISECT_UNSURE);
	T_OK(llr == 0);
	/* ...unless forced with nothing else. */
	T_INT_EQ(bisect_classify(&m, r, 1, 1, NULL), BISECT_AFTER);
	/* A change of a metric where lower is after works the same. */
	m.before = 108;
	m.after = 100;
	m.sd = 2;
	fake_run(&f[0], 100.5, 0, 5);
	T_INT_EQ(bisect_classify(&m, &f[0].r, 1, 0, NULL), BISECT_AFTER);
}

static void
test_confirm(void)
{
	struct bisect_model m;
	struct fake fb[5], fa, nb[2], na[2];
	struct bisect_run b[5], bn[2], an[2];
	int i;

	/* A change found from one run after it: before at 100 (spread 2),
	 * the one run at 112. */
	for (i = 0; i < 5; i++) {
		fake_run(&fb[i], 100 + 0.4 * (i - 2), 2, 5);
		b[i] = fb[i].r;
	}
	fake_run(&fa, 112, 2, 5);
	T_INT_EQ(bisect_model_fit(&m, b, 5, &fa.r, 1, NULL), 0);
	/* A one-off: the after commit runs at the old level again. */
	fake_run(&nb[0], 100.3, 2, 5);
	fake_run(&na[0], 99.8, 2, 5);
	bn[0] = nb[0].r;
	an[0] = na[0].r;
	T_INT_EQ(bisect_confirm(&m, bn, 1, an, 1, 2), BISECT_UNSURE);
	T_INT_EQ(bisect_confirm(&m, bn, 1, an, 1, 1), BISECT_BEFORE);
	/* A real change: it holds. */
	fake_run(&na[0], 111.5, 2, 5);
	fake_run(&na[1], 112.4, 2, 5);
	an[0] = na[0].r;
	an[1] = na[1].r;
	fake_run(&nb[1], 99.9, 2, 5);
	bn[1] = nb[1].r;
	T_INT_EQ(bisect_confirm(&m, bn, 2, an, 2, 2), BISECT_AFTER);
	/* Nothing from the before side yet: not known. */
	T_INT_EQ(bisect_confirm(&m, bn, 0, an, 2, 2), BISECT_UNSURE);
	/* The before commit moved instead: its run was the odd one. */
	fake_run(&nb[0], 112, 2, 5);
	fake_run(&nb[1], 111.8, 2, 5);
	bn[0] = nb[0].r;
	bn[1] = nb[1].r;
	T_INT_EQ(bisect_confirm(&m, bn, 2, an, 2, 2), BISECT_BEFORE);

	/* Suspected from one run a side, each off by its noise (109 and 102.8
	 * for a step from 108 to 101.5): the new runs of the before commit
	 * come out at 106.5 and 105.7, nearer the middle of the suspected
	 * levels than their top, yet the two commits are 4.4 apart: it holds. */
	m.before = 109.09;
	m.after = 102.79;
	m.sd = 1.1;
	fake_run(&nb[0], 106.46, 2, 5);
	fake_run(&nb[1], 105.68, 2, 5);
	fake_run(&na[0], 101.33, 2, 5);
	fake_run(&na[1], 102.04, 2, 5);
	for (i = 0; i < 2; i++) {
		bn[i] = nb[i].r;
		an[i] = na[i].r;
	}
	T_INT_EQ(bisect_confirm(&m, bn, 2, an, 2, 2), BISECT_AFTER);
	/* The same runs the other way round: a shift against the change. */
	T_INT_EQ(bisect_confirm(&m, an, 2, bn, 2, 2), BISECT_BEFORE);
	/* A real +8 % under a one-off run that made it look +25 %: smaller
	 * than half of it, but far beyond its noise. */
	m.before = 100;
	m.after = 125;
	m.sd = 0.8;
	fake_run(&nb[0], 100.2, 1, 5);
	fake_run(&nb[1], 99.7, 1, 5);
	fake_run(&na[0], 108.1, 1, 5);
	fake_run(&na[1], 107.6, 1, 5);
	for (i = 0; i < 2; i++) {
		bn[i] = nb[i].r;
		an[i] = na[i].r;
	}
	T_INT_EQ(bisect_confirm(&m, bn, 2, an, 2, 2), BISECT_AFTER);
	/* ... and the one-off alone, within its noise: it does not hold. */
	fake_run(&na[0], 101.1, 1, 5);
	fake_run(&na[1], 100.4, 1, 5);
	for (i = 0; i < 2; i++)
		an[i] = na[i].r;
	T_INT_EQ(bisect_confirm(&m, bn, 2, an, 2, 2), BISECT_BEFORE);
}

/*
 * Bisect a deterministic range of n commits whose change is at culprit
 * (level 100 before, 110 from it on): the runs it takes, -1 if it blamed
 * the wrong commit or did not finish in 2 log2(n) + 2 steps.
 */
static int
bisect_deterministic(size_t n, size_t culprit)
{
	struct bisect_model m = {100, 110, 1e-6};
	struct bisect_commit c[600];
	struct bisect_step st;
	struct fake f[600];
	size_t i;
	int runs = 0;

	for (i = 0; i < n; i++) {
		fake_run(&f[i], i >= culprit ? 110 : 100, 0, 3);
		c[i].runs = &f[i].r;
		c[i].nruns = 0;
	}
	c[n - 1].nruns = 1;	/* the change's after commit has its run */
	for (;;) {
		if (bisect_next(&m, c, n, 3, &st, NULL) < 0)
			return -1;
		if (st.done)
			return st.idx == culprit ? runs : -1;
		if (c[st.idx].nruns != 0 ||
		    runs > 2 * bisect_log2(n) + 2)
			return -1;	/* a deterministic step never repeats */
		c[st.idx].nruns = 1;
		runs++;
	}
}

static void
test_next(void)
{
	struct bisect_model m = {100, 110, 1e-6};
	struct bisect_commit c[4];
	struct bisect_step st;
	struct fake f[4];
	signed char side[4];
	size_t n, k;
	int bad = 0, over = 0, r;

	for (n = 1; n <= 40; n++) {
		for (k = 0; k < n; k++) {
			r = bisect_deterministic(n, k);
			if (r < 0)
				bad++;
			else if (r > bisect_log2(n))
				over++;
		}
	}
	T_INT_EQ(bad, 0);
	T_INT_EQ(over, 0);
	T_OK(bisect_deterministic(512, 0) == 9);
	T_OK(bisect_deterministic(512, 511) == 9);
	T_OK(bisect_deterministic(512, 300) == 9);
	T_OK(bisect_deterministic(513, 77) <= 10);

	/* The first step of 4 halves it: runs c[1]. */
	for (k = 0; k < 4; k++) {
		c[k].runs = &f[k].r;
		c[k].nruns = 0;
	}
	T_INT_EQ(bisect_next(&m, c, 4, 3, &st, side), 0);
	T_INT_EQ(st.done, 0);
	T_INT_EQ(st.idx, 1);
	T_INT_EQ(st.left, 4);
	T_INT_EQ(st.steps_left, 2);
	T_INT_EQ(side[3], BISECT_AFTER);
	/* An undecided step is run again before the next one. */
	m.sd = 3;
	fake_run(&f[1], 104, 0, 1);
	c[1].nruns = 1;
	T_INT_EQ(bisect_next(&m, c, 4, 3, &st, side), 0);
	T_INT_EQ(side[1], BISECT_UNSURE);
	T_INT_EQ(st.done, 0);
	T_INT_EQ(st.idx, 1);
	/* With step_runs reached it is forced to the nearer side (104 is
	 * below the middle, 105: before), and the search goes on above. */
	T_INT_EQ(bisect_next(&m, c, 4, 1, &st, side), 0);
	T_INT_EQ(side[1], BISECT_BEFORE);
	T_INT_EQ(st.done, 0);
	T_INT_EQ(st.idx, 2);
	T_INT_EQ(st.left, 2);
	/* One commit: it is the change's. */
	T_INT_EQ(bisect_next(&m, c, 1, 3, &st, NULL), 0);
	T_INT_EQ(st.done, 1);
	T_INT_EQ(st.idx, 0);
	T_INT_EQ(st.steps_left, 0);
	T_INT_EQ(bisect_next(&m, c, 0, 3, &st, NULL), -1);
}

/*
 * A first-parent range of 8 where c[5] is a merge that brought in a
 * branch of 6; the change is the branch's 4th commit. Bisecting the first
 * parents blames the merge; descending into its branch (the branch, then
 * the merge) blames the 4th commit "via" the merge. When the merge
 * itself made the change (the branch does not have it), the descent
 * blames the merge.
 */
static void
test_merge(void)
{
	struct bisect_model m = {100, 94, 1e-6};
	struct bisect_commit fp[8], br[7];
	struct bisect_step st;
	struct fake ffp[8], fbr[7];
	size_t i;
	int runs = 0, pass;

	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < 8; i++) {
			fake_run(&ffp[i], i >= 5 ? 94 : 100, 0, 5);
			fp[i].runs = &ffp[i].r;
			fp[i].nruns = i == 7;
		}
		for (i = 0; i < 7; i++) {
			/* pass 1: the change is in the merge itself */
			fake_run(&fbr[i], pass == 0 && i >= 3 ? 94 :
			    i == 6 ? 94 : 100, 0, 5);
			br[i].runs = &fbr[i].r;
			br[i].nruns = i == 6;	/* the merge: run already */
		}
		runs = 0;
		for (;;) {
			T_INT_EQ(bisect_next(&m, fp, 8, 3, &st, NULL), 0);
			if (st.done || runs > 10)
				break;
			fp[st.idx].nruns = 1;
			runs++;
		}
		T_INT_EQ(st.done, 1);
		T_INT_EQ(st.idx, 5);
		T_INT_EQ(runs, 3);
		runs = 0;
		for (;;) {
			T_INT_EQ(bisect_next(&m, br, 7, 3, &st, NULL), 0);
			if (st.done || runs > 10)
				break;
			br[st.idx].nruns = 1;
			runs++;
		}
		T_INT_EQ(st.done, 1);
		T_INT_EQ(st.idx, pass == 0 ? 3 : 6);
		T_OK(runs <= 3);
	}
}

int
main(void)
{
	test_log2();
	test_model();
	test_classify();
	test_confirm();
	test_next();
	test_merge();
	return T_DONE();
}
