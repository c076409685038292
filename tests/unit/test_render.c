/* test_render: the renderer's formatting and URL helpers. */
#include <stdlib.h>
#include <string.h>

#include "site/render_int.h"
#include "t.h"

#define CHECK_URL(call, want) do {					\
		char *got_ = (call);					\
		T_STR_EQ(got_, want);					\
		free(got_);						\
	} while (0)

int
main(void)
{
	char s[40];

	render_time(s, 1700000000, 0);
	T_STR_EQ(s, "2023-11-14T22:13:20Z");
	render_time(s, 1700000000.9, 120);
	T_STR_EQ(s, "2023-11-15T00:13:20+02:00");
	render_time(s, 1700000000, -330);
	T_STR_EQ(s, "2023-11-14T16:43:20-05:30");

	render_duration(s, 1.25);
	T_STR_EQ(s, "1.25 s");
	render_duration(s, 192);
	T_STR_EQ(s, "3 min 12 s");
	render_duration(s, 7500);
	T_STR_EQ(s, "2 h 5 min");
	render_duration(s, -1);
	T_STR_EQ(s, "?");

	render_num(s, 42);
	T_STR_EQ(s, "42");
	render_num(s, 1.23456);
	T_STR_EQ(s, "1.235");
	render_num(s, 1234.56);
	T_STR_EQ(s, "1234.6");
	render_num(s, 0.0001234);
	T_STR_EQ(s, "0.0001234");
	render_num(s, 12345678.9);
	T_STR_EQ(s, "1.235e+07");

	render_json_num(s, 0);
	T_STR_EQ(s, "0");
	render_json_num(s, 10.05506);
	T_STR_EQ(s, "10.05506");
	render_json_num(s, -2.5);
	T_STR_EQ(s, "-2.5");
	render_json_num(s, 100000);
	T_STR_EQ(s, "100000");
	render_json_num(s, 0.001);
	T_STR_EQ(s, "0.001");
	render_json_num(s, 1560000000);
	T_STR_EQ(s, "1560000000");
	render_json_num(s, 1.0 / 3);
	T_STR_EQ(s, "0.33333333333333331");
	render_json_num(s, 0.1 + 0.2);
	T_OK(strtod(s, NULL) == 0.1 + 0.2);
	render_json_num(s, 1e-7);
	T_STR_EQ(s, "1e-07");
	render_json_num(s, -0.25);
	T_STR_EQ(s, "-0.25");
	render_json_num(s, 1.0 / 0.0);
	T_STR_EQ(s, "null");

	CHECK_URL(render_url_commit("0123abcd"), "commit/0123abcd/");
	CHECK_URL(render_url_run("r-1.x_y"), "run/r-1.x_y/");
	CHECK_URL(render_url_run(".."), "run/~2E./");
	CHECK_URL(render_url_worker("a b/<c>"), "worker/a~20b~2F~3Cc~3E/");
	CHECK_URL(render_url_ref("refs/heads/main"), "ref/refs/heads/main/");
	CHECK_URL(render_url_ref("refs/heads/<x>/../y"),
	    "ref/refs/heads/~3Cx~3E/~2E./y/");
	CHECK_URL(render_summary("first line\nsecond"), "first line");
	CHECK_URL(render_summary("no newline"), "no newline");
	{
		char big[400];
		char *sum;

		/* Cut at 200 bytes, never inside a UTF-8 sequence. */
		memset(big, 'a', sizeof(big));
		memcpy(big + 199, "\xc3\xa9", 2);
		big[399] = '\0';
		sum = render_summary(big);
		T_INT_EQ(strlen(sum), 199);
		free(sum);
	}
	return T_DONE();
}
