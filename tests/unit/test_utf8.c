/* test_utf8: the one UTF-8 decoder (lib/utf8.c utf8_next). */
#include "t.h"
#include "utf8.h"

/* utf8_next on s[0..n): the length (or minus the subpart) and the code
 * point. */
static long
next(const char *s, size_t n, uint32_t *cp)
{
	*cp = 0x12345678;
	return utf8_next(s, n, cp);
}

int
main(void)
{
	uint32_t cp;

	T_INT_EQ(next("A", 1, &cp), 1);
	T_INT_EQ(cp, 'A');
	T_INT_EQ(next("", 1, &cp), 1);		/* NUL decodes; callers decide */
	T_INT_EQ(cp, 0);
	T_INT_EQ(next("\xc3\xa9", 2, &cp), 2);
	T_INT_EQ(cp, 0xe9);
	T_INT_EQ(next("\xe2\x82\xac", 3, &cp), 3);
	T_INT_EQ(cp, 0x20ac);
	T_INT_EQ(next("\xf0\x9f\x98\x80", 4, &cp), 4);
	T_INT_EQ(cp, 0x1f600);
	T_INT_EQ(next("\xf4\x8f\xbf\xbf", 4, &cp), 4);
	T_INT_EQ(cp, 0x10ffff);
	T_INT_EQ(next("\xc2\x85", 2, &cp), 2);	/* C1: valid UTF-8 */
	T_INT_EQ(cp, 0x85);

	/* Invalid: minus the maximal subpart, U+FFFD. */
	T_INT_EQ(next("\xff", 1, &cp), -1);
	T_INT_EQ(cp, 0xfffd);
	T_INT_EQ(next("\x80", 1, &cp), -1);
	T_INT_EQ(next("\xc0\xaf", 2, &cp), -1);	/* overlong lead */
	T_INT_EQ(next("\xe0\x80\x80", 3, &cp), -1);	/* overlong */
	T_INT_EQ(next("\xed\xa0\x80", 3, &cp), -1);	/* surrogate */
	T_INT_EQ(next("\xf4\x90\x80\x80", 4, &cp), -1);	/* past U+10FFFF */
	T_INT_EQ(next("\xe2\x82", 2, &cp), -2);	/* truncated at the end */
	T_INT_EQ(cp, 0xfffd);
	T_INT_EQ(next("\xe2\x82x", 3, &cp), -2);	/* cut by an ASCII byte */
	T_INT_EQ(next("\xf0\x9f\x98", 3, &cp), -3);
	T_INT_EQ(next("\xf0\x9f\x98\x80", 2, &cp), -2);	/* n bounds it */
	return T_DONE();
}
