/* bench-detect: detection quality of lib/detect against the rules other
 * tools use, on seeded synthetic series with known steps; and the cost of
 * one incremental update at growing history sizes. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "detect.h"
#include "stats.h"

#define MARGIN 5	/* a detection within 5 points of a true one hits */
#define MAXREP 10

static uint64_t rng;

static double
unif(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return ((double)((rng * 2685821657736338717ULL) >> 11) + 0.5) /
	    9007199254740992.0;
}

static double
gauss(void)
{
	return sqrt(-2 * log(unif())) * cos(6.283185307179586 * unif());
}

enum family { GAUSS, T3, BIMODAL, OUTLIERS, DRIFT, DETERM, NFAM };
static const char *const fam_name[NFAM] = {"gaussian", "student-t3",
    "bimodal", "outliers", "drift", "determin."};

/* One value of unit standard deviation under the family's noise. */
static double
noise(enum family f)
{
	double c;

	switch (f) {
	case T3:
		c = 0;
		for (int i = 0; i < 3; i++) {
			double g = gauss();

			c += g * g;
		}
		/* t(3) has variance 3: scale to 1. */
		return gauss() / sqrt(c / 3) / sqrt(3.0);
	case BIMODAL:
		return (unif() < 0.5 ? -0.9 : 0.9) + 0.436 * gauss();
	case OUTLIERS:
		if (unif() < 0.02)
			return 5 + 15 * unif();
		return gauss();
	case DETERM:
		return 0;
	default:
		return gauss();
	}
}

struct series {
	size_t n, reps;
	double *v;		/* n * reps values */
	const double **rows;
	size_t *nv;
	size_t *truth, ntruth;
};

static void
series_free(struct series *s)
{
	free(s->v);
	free(s->rows);
	free(s->nv);
	free(s->truth);
	memset(s, 0, sizeof(*s));
}

/*
 * A series of n points with reps values each: level 100 (1e6 for the
 * deterministic family), noise sd 1 % of the level, nsteps steps of size
 * k noise sds (k x 0.1 % for the deterministic one) at random places at
 * least 50 points apart and from the ends, random signs.
 */
static void
series_make(struct series *s, enum family f, size_t n, size_t reps,
    size_t nsteps, double k)
{
	double base = f == DETERM ? 1e6 : 100, sd = base * 0.01, level;
	double drift = f == DRIFT ? (2 + 4 * unif()) * sd / (double)n : 0;
	size_t i, j, tries;

	s->n = n;
	s->reps = reps;
	s->v = malloc(n * reps * sizeof(*s->v));
	s->rows = malloc(n * sizeof(*s->rows));
	s->nv = malloc(n * sizeof(*s->nv));
	s->truth = malloc((nsteps + 1) * sizeof(*s->truth));
	s->ntruth = 0;
	for (tries = 0; s->ntruth < nsteps && tries < 1000; tries++) {
		size_t at = 50 + (size_t)(unif() * (double)(n - 100));
		int ok = 1;

		for (j = 0; j < s->ntruth; j++)
			if ((at > s->truth[j] ? at - s->truth[j] :
			    s->truth[j] - at) < 50)
				ok = 0;
		if (ok)
			s->truth[s->ntruth++] = at;
	}
	for (i = 1; i < s->ntruth; i++)	/* sort */
		for (j = i; j > 0 && s->truth[j - 1] > s->truth[j]; j--) {
			size_t t = s->truth[j];

			s->truth[j] = s->truth[j - 1];
			s->truth[j - 1] = t;
		}
	level = base;
	for (i = 0, j = 0; i < n; i++) {
		size_t r;

		if (j < s->ntruth && s->truth[j] == i) {
			double step = f == DETERM ? base * 0.001 * k : sd * k;

			level += unif() < 0.5 ? -step : step;
			j++;
		}
		for (r = 0; r < reps; r++) {
			double v = level + drift * (double)i + sd * noise(f);

			s->v[i * reps + r] = f == DETERM ? round(v) : v;
		}
		s->rows[i] = s->v + i * reps;
		s->nv[i] = reps;
	}
}

/* Detections as a growable index list. */
struct det {
	size_t *v, n, cap;
};

static void
det_add(struct det *d, size_t i)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 32;
		d->v = realloc(d->v, d->cap * sizeof(*d->v));
	}
	d->v[d->n++] = i;
}

static double
mean_of(const double *v, size_t n)
{
	double s = 0;
	size_t i;

	for (i = 0; i < n; i++)
		s += v[i];
	return s / (double)n;
}

static double
sd_of(const double *v, size_t n)
{
	double m = mean_of(v, n), s = 0;
	size_t i;

	if (n < 2)
		return 0;
	for (i = 0; i < n; i++)
		s += (v[i] - m) * (v[i] - m);
	return sqrt(s / (double)(n - 1));
}

enum method { OURS, PAIRWISE, RATIO, IQR, TTEST, NMETH };
static const char *const meth_name[NMETH] = {"tablejohn", "pairwise",
    "ratio-2.0", "rustc-IQR", "t-test-12"};

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Long: one switch over the methods compared; splitting it would scatter
 * the table. */
static void
run_method(enum method m, const struct series *s, struct det *d)
{
	size_t i, j, n = s->n;
	double *y = malloc(n * sizeof(*y)), *mu = malloc(n * sizeof(*mu));

	for (i = 0; i < n; i++) {
		y[i] = stats_median(s->rows[i], s->nv[i]);
		mu[i] = mean_of(s->rows[i], s->nv[i]);
	}
	switch (m) {
	case OURS: {
		struct detect_opts o;
		struct detect_cp *cp;
		size_t ncp;

		detect_opts_default(&o);
		ncp = detect_run(&o, s->rows, s->nv, n, &cp, NULL);
		for (i = 0; i < ncp; i++)
			det_add(d, cp[i].index);
		free(cp);
		break;
	}
	case PAIRWISE:
		/* |delta| > 3 x the larger stddev, else 5 %. */
		for (i = 1; i < n; i++) {
			double a = sd_of(s->rows[i - 1], s->nv[i - 1]);
			double b = sd_of(s->rows[i], s->nv[i]);
			double dl = fabs(y[i] - y[i - 1]);

			if ((a > 0 || b > 0) ? dl > 3 * fmax(a, b) :
			    dl / fabs(y[i - 1]) >= 0.05)
				det_add(d, i);
		}
		break;
	case RATIO:
		/* github-action-benchmark: alert when a point is 2.0 x the
		 * previous one (either way, as its "bigger/smaller is
		 * better" option allows). */
		for (i = 1; i < n; i++)
			if (mu[i] / mu[i - 1] >= 2.0 || mu[i - 1] / mu[i] >= 2.0)
				det_add(d, i);
		break;
	case IQR:
		/* rustc-perf: |relative change| beyond Q3 + 3 IQR of the
		 * last 30 relative changes' magnitudes. */
		for (i = 31; i < n; i++) {
			double h[30], q1, q3, cur;

			for (j = 0; j < 30; j++)
				h[j] = fabs(y[i - 30 + j] - y[i - 31 + j]) /
				    fabs(y[i - 31 + j]);
			qsort(h, 30, sizeof(*h), cmp_d);
			q1 = h[7];
			q3 = h[22];
			cur = fabs(y[i] - y[i - 1]) / fabs(y[i - 1]);
			if (cur > q3 + 3 * (q3 - q1) && cur > 0)
				det_add(d, i);
		}
		break;
	case TTEST: {
		/* Perfherder: Welch t of the 12 points before against the 12
		 * from i, alert at t > 7, the best t of a region only. */
		double *t = calloc(n, sizeof(*t));

		for (i = 12; i + 12 <= n; i++) {
			double ma = mean_of(mu + i - 12, 12), mb = mean_of(mu +
			    i, 12);
			double va = sd_of(mu + i - 12, 12), vb = sd_of(mu + i,
			    12);
			double se = sqrt((va * va + vb * vb) / 12);

			t[i] = se > 0 ? fabs(mb - ma) / se : (mb != ma ?
			    INFINITY : 0);
		}
		for (i = 12; i + 12 <= n; i++) {
			int best = t[i] > 7;

			for (j = i > 12 ? i - 12 : 0; best && j < i + 12 &&
			    j < n; j++)
				if (t[j] > t[i] || (t[j] == t[i] && j < i))
					best = 0;
			if (best)
				det_add(d, i);
		}
		free(t);
		break;
	}
	default:
		break;
	}
	free(y);
	free(mu);
}

struct score {
	double tp, fp, fn, points;
};

static void
score_add(struct score *sc, const struct series *s, const struct det *d)
{
	char *used = calloc(d->n + 1, 1);
	size_t i, j, tp = 0;

	for (i = 0; i < s->ntruth; i++) {
		size_t best = d->n;
		size_t bd = MARGIN + 1;

		for (j = 0; j < d->n; j++) {
			size_t dist = d->v[j] > s->truth[i] ? d->v[j] -
			    s->truth[i] : s->truth[i] - d->v[j];

			if (!used[j] && dist < bd) {
				bd = dist;
				best = j;
			}
		}
		if (best < d->n) {
			used[best] = 1;
			tp++;
		}
	}
	sc->tp += (double)tp;
	sc->fn += (double)(s->ntruth - tp);
	sc->fp += (double)(d->n - tp);
	sc->points += (double)s->n;
	free(used);
}

static double
f1(const struct score *s)
{
	double p = s->tp + s->fp > 0 ? s->tp / (s->tp + s->fp) : 1;
	double r = s->tp + s->fn > 0 ? s->tp / (s->tp + s->fn) : 1;

	return p + r > 0 ? 2 * p * r / (p + r) : 0;
}

static const size_t lengths[] = {200, 500, 1000, 2000};
static const size_t repss[] = {1, 3, 10};

/* Score every method on one group of series. */
static void
group(enum family f, double kmin, double kmax, int steps, int per,
    struct score *sc)
{
	size_t li, ri, m;
	int it;

	memset(sc, 0, NMETH * sizeof(*sc));
	for (li = 0; li < sizeof(lengths) / sizeof(lengths[0]); li++)
		for (ri = 0; ri < sizeof(repss) / sizeof(repss[0]); ri++)
			for (it = 0; it < per; it++) {
				struct series s;
				size_t n = lengths[li];
				size_t ns = steps ? 1 + n / 150 : 0;
				double k = kmin + (kmax - kmin) * unif();

				series_make(&s, f, n, repss[ri], ns, k);
				for (m = 0; m < NMETH; m++) {
					struct det d = {0};

					run_method(m, &s, &d);
					score_add(&sc[m], &s, &d);
					free(d.v);
				}
				series_free(&s);
			}
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Mean seconds of one incremental update after a new point at the end of
 * a history of n points. */
static double
incremental(size_t n)
{
	struct series s;
	struct detect_opts o;
	struct detect_cp *cp;
	size_t lo, hi, klo, khi, i, reps = 40;
	double t0, best;
	int b;

	detect_opts_default(&o);
	series_make(&s, GAUSS, n + reps, 3, n / 150, 6);
	/* The best of 5 batches: the machine may be shared. */
	best = INFINITY;
	for (b = 0; b < 5; b++) {
		t0 = now();
		for (i = 0; i < reps; i++) {
			size_t len = n + i + 1;

			detect_window(&o, len, len - 1, &lo, &hi, &klo, &khi);
			detect_run(&o, s.rows + lo, s.nv + lo, hi - lo, &cp,
			    NULL);
			free(cp);
		}
		best = fmin(best, (now() - t0) / (double)reps);
	}
	t0 = best;
	series_free(&s);
	return t0;
}

/* Long: the report, one table after another in print order. */
/*
 * A sparsely run history: a series of 2,000 commits with 6 steps of k
 * repetition sds, 5 repetitions a run, of which only every 32nd commit is
 * run (62 points, a step every 10 or so). Levels of min-points runs seldom
 * form; pairs of neighbouring runs (pair-z 3) are what can be suspected.
 * Counted exactly: a suspicion hits when its after point is the first
 * sampled point past a step. Returns the F1 of levels and pairs together;
 * *levels gets the F1 of levels alone, *fp_noise the false suspicions per
 * 1000 pairs of pure noise.
 */
#define SPARSE_EVERY 32

static double
sparse(enum family f, double k, int per, double *levels, double *fp_noise)
{
	struct score with = {0}, without = {0}, noise_sc = {0};
	struct detect_opts o;
	int t, pass;

	detect_opts_default(&o);
	for (t = 0; t < per; t++) {
		for (pass = 0; pass < 2; pass++) {
			struct series s, sp;
			struct detect_cp *cp = NULL;
			size_t i, j, ncp, hit;
			char *used;

			series_make(&s, f, 2000, 5, pass == 0 ? 6 : 0, k);
			sp.n = s.n / SPARSE_EVERY;
			sp.rows = malloc(sp.n * sizeof(*sp.rows));
			sp.nv = malloc(sp.n * sizeof(*sp.nv));
			for (i = 0; i < sp.n; i++) {
				sp.rows[i] = s.rows[i * SPARSE_EVERY];
				sp.nv[i] = s.nv[i * SPARSE_EVERY];
			}
			for (int wp = 0; wp < 2; wp++) {
				struct score *sc = pass ? &noise_sc : wp ?
				    &with : &without;

				if (pass && !wp)
					continue;
				o.pair_z = wp ? 3 : 0;
				ncp = detect_run(&o, sp.rows, sp.nv, sp.n, &cp,
				    NULL);
				used = calloc(ncp + 1, 1);
				for (i = 0, hit = 0; i < s.ntruth; i++) {
					size_t at = (s.truth[i] + SPARSE_EVERY -
					    1) / SPARSE_EVERY;

					for (j = 0; j < ncp; j++)
						if (!used[j] && cp[j].index ==
						    at) {
							used[j] = 1;
							hit++;
							break;
						}
				}
				sc->tp += (double)hit;
				sc->fn += (double)(s.ntruth - hit);
				sc->fp += (double)(ncp - hit);
				sc->points += (double)(sp.n - 1);
				free(used);
				free(cp);
			}
			free(sp.rows);
			free(sp.nv);
			series_free(&s);
		}
	}
	*levels = f1(&without);
	*fp_noise = 1000 * noise_sc.fp / fmax(1, noise_sc.points);
	return f1(&with);
}

int
main(int argc, char **argv)
{
	struct score sc[NMETH];
	int per = argc > 1 ? atoi(argv[1]) : 8, f, m, pass = 1;
	static const struct {
		const char *name;
		double kmin, kmax;
		int steps;
	} groups[] = {
		{"steps 1-2 sd", 1, 2, 1},
		{"steps 2-4 sd", 2, 4, 1},
		{"steps 4-10 sd", 4, 10, 1},
		{"pure noise", 0, 0, 0},
	};
	size_t g;

	printf("detection quality: F1 (hit within %d points, each true "
	    "change matched once); P/R for tablejohn; noise rows: false "
	    "changes per 1000 points\n", MARGIN);
	printf("%-11s %-14s %6s %6s %6s", "family", "series", "P", "R",
	    "F1");
	for (m = 1; m < NMETH; m++)
		printf(" %10s", meth_name[m]);
	printf("\n");
	for (f = 0; f < NFAM; f++) {
		for (g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
			double best_base = 0, ours;

			if ((f == DRIFT && groups[g].steps) || (f == DETERM &&
			    groups[g].steps && g > 0))
				continue;
			rng = 0x9E3779B97F4A7C15ULL ^ (uint64_t)(f * 131 +
			    (int)g * 7 + 1);
			if (f == DETERM && groups[g].steps)
				group(f, 1, 100, 1, per, sc);
			else
				group(f, groups[g].kmin, groups[g].kmax,
				    groups[g].steps, per, sc);
			printf("%-11s %-14s", fam_name[f], f == DETERM &&
			    groups[g].steps ? "steps 0.1-10 %" :
			    f == DRIFT ? "drift, no step" : groups[g].name);
			if (groups[g].steps) {
				double p = sc[0].tp / fmax(1, sc[0].tp +
				    sc[0].fp);
				double r = sc[0].tp / fmax(1, sc[0].tp +
				    sc[0].fn);

				ours = f1(&sc[0]);
				printf(" %6.3f %6.3f %6.3f", p, r, ours);
				for (m = 1; m < NMETH; m++) {
					printf(" %10.3f", f1(&sc[m]));
					best_base = fmax(best_base, f1(&sc[m]));
				}
				if (ours < best_base)
					pass = 0;
				if ((groups[g].kmin >= 4 && ours < 0.9) ||
				    (f == DETERM && ours < 0.95))
					pass = 0;
			} else {
				ours = 1000 * sc[0].fp / sc[0].points;
				printf(" %6s %6s %6.2f", "", "", ours);
				best_base = INFINITY;
				for (m = 1; m < NMETH; m++) {
					double b = 1000 * sc[m].fp /
					    sc[m].points;

					printf(" %10.2f", b);
					best_base = fmin(best_base, b);
				}
				if (ours > 1)
					pass = 0;
			}
			printf("\n");
			fflush(stdout);
		}
	}
	printf("\nsparse history (every %dth of 2,000 commits run, 5 "
	    "repetitions, 6 steps): F1 of what is suspected, levels and "
	    "pairs (pair-z 3) against levels alone; false pairs per 1000 "
	    "pairs of pure noise\n", SPARSE_EVERY);
	{
		static const enum family sf[] = {GAUSS, T3, OUTLIERS};
		static const double ks[] = {3, 6, 10};
		size_t a, b;

		for (a = 0; a < sizeof(sf) / sizeof(sf[0]); a++)
			for (b = 0; b < sizeof(ks) / sizeof(ks[0]); b++) {
				double lv, fpn, both;

				rng = 0x5ba75eULL + a * 31 + b;
				both = sparse(sf[a], ks[b], per, &lv, &fpn);
				printf("%-11s steps %2.0f sd: F1 %.3f, levels "
				    "alone %.3f (%.1fx); false pairs %.1f / "
				    "1000\n", fam_name[sf[a]], ks[b], both, lv,
				    lv > 0 ? both / lv : INFINITY, fpn);
				if (ks[b] >= 6 && both < lv)
					pass = 0;
			}
	}
	printf("\nincremental: one new run, window of %d points each side\n",
	    200);
	{
		double t1 = incremental(1000), t10 = incremental(10000);
		double t100 = incremental(100000);

		printf("  history  1k: %8.3f ms  (1.00x)\n", t1 * 1e3);
		printf("  history 10k: %8.3f ms  (%.2fx)\n", t10 * 1e3,
		    t10 / t1);
		printf("  history 100k: %7.3f ms  (%.2fx)\n", t100 * 1e3,
		    t100 / t1);
		if (t100 / t1 > 3)
			pass = 0;
	}
	printf("\ntargets (F1 >= 0.9 at >= 4 sd, >= 0.95 deterministic, "
	    "F1 ahead of every baseline on every step row, <= 1 false "
	    "change/1000 noise points, 100k within 3x of 1k): %s\n",
	    pass ? "met" : "NOT met");
	return pass ? 0 : 1;
}
