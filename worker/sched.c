/* sched: fairness across servers (run time per weight) and their backoff. */
#include <stdlib.h>

#include "worker.h"

int64_t
sched_backoff(int fails, int64_t base, int64_t cap, uint32_t rnd)
{
	int64_t d = base;
	int i;

	if (fails < 1)
		return 0;
	for (i = 1; i < fails && d < cap; i++)
		d *= 2;
	if (d > cap)
		d = cap;
	/* Jitter: somewhere in [d/2, d], so workers that failed together do
	 * not all come back at the same moment. */
	return d / 2 + (int64_t)(rnd % (uint32_t)(d / 2 + 1));
}

size_t
sched_order(const struct sched_server *s, size_t n, int64_t now,
    size_t *order)
{
	size_t k = 0, i, j, t;
	double a, b;

	for (i = 0; i < n; i++)
		if (s[i].next_try <= now)
			order[k++] = i;
	/* Insertion sort: a handful of servers, and it is stable. */
	for (i = 1; i < k; i++) {
		for (j = i; j > 0; j--) {
			a = s[order[j - 1]].runtime / s[order[j - 1]].weight;
			b = s[order[j]].runtime / s[order[j]].weight;
			if (a <= b)
				break;
			t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	}
	return k;
}

void
sched_ok(struct sched_server *s)
{
	s->fails = 0;
	s->next_try = 0;
}

void
sched_fail(struct sched_server *s, int64_t now, uint32_t rnd)
{
	s->fails++;
	s->next_try = now + sched_backoff(s->fails, SCHED_BACKOFF_BASE,
	    SCHED_BACKOFF_CAP, rnd);
}
