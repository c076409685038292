/* t.h: the unit-test harness: checks that print file:line, got, expected. */
#ifndef TJ_T_H
#define TJ_T_H

#include <stdio.h>
#include <string.h>

static int t_pass, t_fail;

#define T_OK(cond)                                                           \
	do {                                                                 \
		if (cond) {                                                  \
			t_pass++;                                            \
		} else {                                                     \
			t_fail++;                                            \
			printf("%s:%d: FAIL: %s\n", __FILE__, __LINE__, #cond); \
		}                                                            \
	} while (0)

#define T_INT_EQ(got, want)                                                  \
	do {                                                                 \
		long long g_ = (long long)(got), w_ = (long long)(want);     \
		if (g_ == w_) {                                              \
			t_pass++;                                            \
		} else {                                                     \
			t_fail++;                                            \
			printf("%s:%d: FAIL: %s: got %lld, expected %lld\n", \
			    __FILE__, __LINE__, #got, g_, w_);               \
		}                                                            \
	} while (0)

#define T_STR_EQ(got, want)                                                  \
	do {                                                                 \
		const char *g_ = (got), *w_ = (want);                        \
		if (g_ != NULL && w_ != NULL && strcmp(g_, w_) == 0) {       \
			t_pass++;                                            \
		} else {                                                     \
			t_fail++;                                            \
			printf("%s:%d: FAIL: %s: got \"%s\", expected \"%s\"\n", \
			    __FILE__, __LINE__, #got, g_ ? g_ : "(null)",    \
			    w_ ? w_ : "(null)");                             \
		}                                                            \
	} while (0)

/* Last line of every test program; tests/run.sh adds these up. */
#define T_DONE()                                                             \
	(printf("%d passed, %d failed\n", t_pass, t_fail), t_fail ? 1 : 0)

#endif
