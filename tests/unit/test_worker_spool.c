/* test_worker_spool: the spool's files and the fairness across servers. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../worker/sched.c"
#include "../../worker/spool.c"
#include "../../worker/util.c"
#include "t.h"

static size_t
count_files(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	size_t n = 0;

	while (d && (de = readdir(d)) != NULL)
		if (de->d_name[0] != '.' || strncmp(de->d_name, ".tmp", 4) == 0)
			n++;
	if (d)
		closedir(d);
	return n;
}

static void
test_spool(const char *dir)
{
	struct spool_entry *e;
	cJSON *sub, *body;
	char *p1, *p2, *p3, *junk;
	size_t n;
	FILE *f;

	sub = cJSON_Parse("{\"id\":\"r-1\",\"measurements\":{\"a\":"
	    "{\"values\":[1,2]}}}");
	p1 = spool_write(dir, "http://a", "r-1", sub);
	T_OK(p1 != NULL);
	usleep(2000);
	p2 = spool_write(dir, "http://b", "r-2", sub);
	T_OK(p2 != NULL);
	T_OK(spool_write(dir, "http://a", "../x", sub) == NULL);
	T_OK(spool_write(dir, "http://a", ".hidden", sub) == NULL);
	cJSON_Delete(sub);
	/* Broken files are left alone, not deleted, not listed. */
	junk = xasprintf("%s/0000000000000-broken.json", dir);
	f = fopen(junk, "w");
	fputs("{\"half", f);
	fclose(f);
	/* A write cut short by a crash. */
	p3 = xasprintf("%s/.tmp-r-3", dir);
	f = fopen(p3, "w");
	fputs("{\"server\"", f);
	fclose(f);
	free(p3);
	T_INT_EQ(count_files(dir), 4);

	T_INT_EQ(spool_list(dir, &e, &n), 0);
	T_INT_EQ(n, 2);
	if (n == 2) {
		/* Oldest first. */
		T_STR_EQ(e[0].run_id, "r-1");
		T_STR_EQ(e[0].server, "http://a");
		T_STR_EQ(e[1].run_id, "r-2");
		T_STR_EQ(e[1].server, "http://b");
		body = cJSON_Parse(e[0].body);
		T_INT_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(
		    cJSON_GetObjectItem(cJSON_GetObjectItem(body,
		    "measurements"), "a"), "values")), 2);
		cJSON_Delete(body);
		T_INT_EQ(spool_remove(&e[0]), 0);
		T_INT_EQ(spool_remove(&e[0]), 0);	/* gone already: fine */
	}
	spool_entries_free(e, n);
	T_INT_EQ(count_files(dir), 2);	/* r-2 and the broken one */
	T_INT_EQ(spool_list(dir, &e, &n), 0);
	T_INT_EQ(n, 1);
	if (n == 1)
		T_STR_EQ(e[0].run_id, "r-2");
	spool_entries_free(e, n);
	T_OK(access(junk, F_OK) == 0);
	p3 = xasprintf("%s/nope", dir);
	T_INT_EQ(spool_list(p3, &e, &n), -1);
	free(p1);
	free(p2);
	free(p3);
	free(junk);
}

static void
test_sched(void)
{
	struct sched_server s[3] = {
		{.weight = 1, .runtime = 10},
		{.weight = 4, .runtime = 20},	/* 5 per weight */
		{.weight = 1, .runtime = 0},
	};
	size_t order[3];
	int64_t d;
	int i;

	T_INT_EQ(sched_order(s, 3, 1000, order), 3);
	T_INT_EQ(order[0], 2);
	T_INT_EQ(order[1], 1);
	T_INT_EQ(order[2], 0);
	/* A server that is down waits; the others go on. */
	sched_fail(&s[2], 1000, 0);
	T_INT_EQ(s[2].fails, 1);
	T_OK(s[2].next_try >= 1000 + SCHED_BACKOFF_BASE / 2);
	T_INT_EQ(sched_order(s, 3, 1000, order), 2);
	T_INT_EQ(order[0], 1);
	T_INT_EQ(sched_order(s, 3, 1000 + SCHED_BACKOFF_BASE, order), 3);
	sched_ok(&s[2]);
	T_INT_EQ(s[2].fails, 0);
	T_INT_EQ(s[2].next_try, 0);
	/* Equal shares: config order. */
	s[0].runtime = s[2].runtime = 5;
	sched_order(s, 3, 0, order);
	T_INT_EQ(order[0], 0);
	T_INT_EQ(order[1], 1);
	T_INT_EQ(order[2], 2);

	/* Backoff doubles, is capped, and the jitter keeps it in [d/2, d]. */
	T_INT_EQ(sched_backoff(0, 500, 60000, 7), 0);
	for (i = 1; i < 12; i++) {
		int64_t full = 500LL << (i - 1);

		if (full > 60000)
			full = 60000;
		d = sched_backoff(i, 500, 60000, 0);
		T_INT_EQ(d, full / 2);
		d = sched_backoff(i, 500, 60000, 0xffffffffu);
		T_OK(d >= full / 2 && d <= full);
	}
	T_OK(sched_backoff(100, 500, 60000, 12345) <= 60000);
}

static void
test_util(const char *dir)
{
	char s[PROTO_TIME_LEN], *p;
	struct buf b;
	FILE *f;

	proto_time_format(s, proto_time_now(), 0, PROTO_TIME_MS);
	p = xasprintf("%s/file", dir);
	buf_init(&b, 8);
	T_INT_EQ(util_read_file(p, &b), -1);
	T_INT_EQ(errno, ENOENT);
	f = fopen(p, "w");
	fputs("12345", f);
	fclose(f);
	T_INT_EQ(util_read_file(p, &b), 0);
	T_STR_EQ(b.data, "12345");
	T_INT_EQ(util_read_file(p, &b), -1);
	T_INT_EQ(errno, EFBIG);
	T_STR_EQ(b.data, "12345");
	buf_fini(&b);
	unlink(p);
	free(p);

	T_INT_EQ(strlen(s), 24);
	T_OK(s[10] == 'T' && s[23] == 'Z');
	T_OK(proto_valid_id("r-abc123._X"));
	T_OK(!proto_valid_id(""));
	T_OK(!proto_valid_id("a/b"));
	T_OK(!proto_valid_id(".."));
	T_OK(proto_valid_hash("0123456789abcdef0123456789abcdef01234567"));
	T_OK(!proto_valid_hash("0123456789ABCDEF0123456789abcdef01234567"));
	T_OK(!proto_valid_hash("abc"));
}

int
main(void)
{
	char tmpl[] = "/tmp/test_worker_spool.XXXXXX";
	char *dir = mkdtemp(tmpl);

	test_spool(dir);
	test_sched();
	test_util(dir);
	T_INT_EQ(util_rmtree(dir), 0);
	T_OK(access(dir, F_OK) != 0);
	return T_DONE();
}
