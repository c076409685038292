/* test_esc: the HTML, URL segment, file name and control-byte escapers. */
#include <stdlib.h>

#include "buf.h"
#include "esc.h"
#include "t.h"

static char *
html(const char *s, size_t n)
{
	struct buf b;

	buf_init(&b, 0);
	T_INT_EQ(esc_html(&b, s, n), 0);
	return buf_take(&b);
}

static char *
seg(const char *s)
{
	struct buf b;

	buf_init(&b, 0);
	T_INT_EQ(esc_url_segment(&b, s), 0);
	return buf_take(&b);
}

static char *
fname(const char *s)
{
	struct buf b;

	buf_init(&b, 0);
	T_INT_EQ(esc_filename(&b, s), 0);
	return buf_take(&b);
}

#define CHECK(call, want) do {						\
		char *got_ = (call);					\
		T_STR_EQ(got_, want);					\
		free(got_);						\
	} while (0)

int
main(void)
{
	char big[1000], h[17];
	struct buf b;
	char *s;
	int i;

	CHECK(html("<script>alert('x')</script>", 27),
	    "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
	CHECK(html("a & \"b\"", 7), "a &amp; &quot;b&quot;");
	CHECK(html("caf\xc3\xa9", 5), "caf\xc3\xa9");
	/* Invalid UTF-8, an overlong '<', a surrogate, a NUL, controls. */
	CHECK(html("a\xff" "b", 3), "a\xef\xbf\xbd" "b");
	CHECK(html("\xc0\xbc", 2), "\xef\xbf\xbd\xef\xbf\xbd");
	CHECK(html("\xed\xa0\x80", 3),
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	CHECK(html("a\0b", 3), "a\xef\xbf\xbd" "b");
	CHECK(html("\x01\t\n", 3), "\xef\xbf\xbd\t\n");
	/* One U+FFFD per character HTML forbids (U+0085 here) and per
	 * maximal invalid subpart (a truncated sequence here), as lib/utf8.c
	 * decodes them. */
	CHECK(html("\xc2\x85", 2), "\xef\xbf\xbd");
	CHECK(html("\xe2\x82", 2), "\xef\xbf\xbd");
	CHECK(html("\xe2\x82<", 3), "\xef\xbf\xbd&lt;");
	CHECK(html("\x7f\xc2\xa0", 3), "\xef\xbf\xbd\xc2\xa0");
	CHECK(html("\xf4\x90\x80\x80", 4),
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	CHECK(html("\xf0\x9f\x98\x80", 4), "\xf0\x9f\x98\x80");

	{
		struct buf t;

		buf_init(&t, 0);
		T_INT_EQ(esc_text(&t, "<a>\x01\xff\xc2\x80&\n", 9), 0);
		T_STR_EQ(t.data, "<a>\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
		    "&\n");
		buf_fini(&t);
	}

	{
		struct buf j;

		buf_init(&j, 0);
		T_INT_EQ(esc_json(&j, "a\"b\\c\n\x01\xff\xc3\xa9</"), 0);
		T_STR_EQ(j.data, "\"a\\\"b\\\\c\\u000a\\u0001\\ufffd"
		    "\xc3\xa9</\"");
		/* DEL is valid UTF-8: escaped, not replaced (found by
		 * tests/fuzz/fuzz_utf8). */
		buf_reset(&j);
		T_INT_EQ(esc_json(&j, "x\x7fy"), 0);
		T_STR_EQ(j.data, "\"x\\u007fy\"");
		buf_reset(&j);
		/* A truncated sequence is one \ufffd, a C1 control passes. */
		T_INT_EQ(esc_json(&j, "\xe2\x82x\xc2\x85"), 0);
		T_STR_EQ(j.data, "\"\\ufffdx\xc2\x85\"");
		buf_fini(&j);
	}

	CHECK(seg("run/nbody time"), "run%2Fnbody%20time");
	CHECK(seg("a-b.c_d~e"), "a-b.c_d~e");
	CHECK(seg("\xc3\xa9?#&"), "%C3%A9%3F%23%26");

	CHECK(fname("box-1.example"), "box-1.example");
	CHECK(fname("../etc/passwd"), "~2E.~2Fetc~2Fpasswd");
	CHECK(fname(".hidden"), "~2Ehidden");
	CHECK(fname(""), "~");
	CHECK(fname("a b<"), "a~20b~3C");
	/* Long names are cut and end in a hash of the whole name. */
	for (i = 0; i < 999; i++)
		big[i] = i % 2 ? '/' : 'x';
	big[999] = '\0';
	s = fname(big);
	T_OK(strlen(s) <= 120);
	esc_hash_hex(big, h);
	T_OK(strstr(s, h) != NULL);
	T_OK(strstr(s, "~~") != NULL);
	big[998] = 'y';
	{
		char *s2 = fname(big);

		T_OK(strcmp(s, s2) != 0);
		free(s2);
	}
	free(s);

	T_OK(esc_hash("", 0) == 14695981039346656037ULL);
	esc_hash_hex("a", h);
	T_STR_EQ(h, "af63dc4c8601ec8c");

	/* Control bytes for a terminal or a log line. */
	{
		char e[5] = "";

		T_INT_EQ((int)esc_ctrl(e, 0x1b, 0), 4);
		T_STR_EQ(e, "\\x1b");
		T_INT_EQ((int)esc_ctrl(e, 0x7f, 1), 4);
		T_STR_EQ(e, "\\x7f");
		T_INT_EQ((int)esc_ctrl(e, '\n', 0), 4);
		T_STR_EQ(e, "\\x0a");
		T_INT_EQ((int)esc_ctrl(e, '\n', 1), 0);
		T_INT_EQ((int)esc_ctrl(e, '\t', 1), 0);
		T_INT_EQ((int)esc_ctrl(e, 'a', 0), 0);
		T_INT_EQ((int)esc_ctrl(e, 0xc2, 0), 0);
	}

	/* The cap is honoured. */
	buf_init(&b, 4);
	T_INT_EQ(esc_html(&b, "<<", 2), -1);
	buf_fini(&b);
	return T_DONE();
}
