/* test_buf: capped buffers, the error message, UTF-8 repair. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "utf8.h"
#include "t.h"

static void
test_buf(void)
{
	struct buf b;
	char *s;

	buf_init(&b, 10);
	T_INT_EQ(buf_adds(&b, "hello"), 0);
	T_INT_EQ(buf_addf(&b, "%d", 1234), 0);
	T_STR_EQ(b.data, "hello1234");
	T_INT_EQ(buf_adds(&b, "xx"), -1);
	T_STR_EQ(b.data, "hello1234");
	T_OK(strstr(err_get(), "limit of 10 bytes") != NULL);
	T_INT_EQ(buf_addc(&b, '!'), 0);
	T_INT_EQ(b.len, 10);
	T_INT_EQ(buf_addf(&b, "%s", "y"), -1);
	s = buf_take(&b);
	T_STR_EQ(s, "hello1234!");
	T_OK(b.data == NULL && b.len == 0);
	free(s);
	s = buf_take(&b);
	T_STR_EQ(s, "");
	free(s);
	buf_init(&b, 0);
	for (int i = 0; i < 10000; i++)
		T_INT_EQ(buf_add(&b, "abcdefgh", 8), 0);
	T_INT_EQ(b.len, 80000);
	buf_reset(&b);
	T_INT_EQ(b.len, 0);
	T_STR_EQ(b.data, "");
	buf_fini(&b);
	buf_fini(&b);
}

static void
test_err(void)
{
	err_set("inner %d", 7);
	err_wrap("outer %s", "x");
	T_STR_EQ(err_get(), "outer x: inner 7");
	err_clear();
	T_STR_EQ(err_get(), "");
}

static void
test_utf8(void)
{
	size_t n;
	char *s;

	T_OK(utf8_valid("plain", 5));
	T_OK(utf8_valid("\xc3\xa9t\xc3\xa9 \xf0\x9f\x98\x80", 10));
	T_OK(!utf8_valid("\xff", 1));
	T_OK(!utf8_valid("\xc0\xaf", 2));	/* overlong '/' */
	T_OK(!utf8_valid("\xed\xa0\x80", 3));	/* surrogate */
	T_OK(!utf8_valid("a\0b", 3));
	T_OK(!utf8_valid("\xe2\x82", 2));	/* truncated */
	s = utf8_repair("caf\xe9 ok", 7, &n);
	T_STR_EQ(s, "caf\xef\xbf\xbd ok");
	T_INT_EQ(n, 9);
	free(s);
	/* A truncated sequence is one maximal subpart: one U+FFFD. */
	s = utf8_repair("\xe2\x82", 2, NULL);
	T_STR_EQ(s, "\xef\xbf\xbd");
	free(s);
	s = utf8_repair("\xe2\x82x\xc0\xaf", 5, NULL);
	T_STR_EQ(s, "\xef\xbf\xbdx\xef\xbf\xbd\xef\xbf\xbd");
	free(s);
	s = utf8_repair("ok \xc3\xa9", 5, NULL);
	T_STR_EQ(s, "ok \xc3\xa9");
	free(s);
}

int
main(void)
{
	test_buf();
	test_err();
	test_utf8();
	return T_DONE();
}
