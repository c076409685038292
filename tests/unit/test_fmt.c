/* test_fmt: the result format parsers, detection, and malformed files. */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fmt.h"
#include "t.h"

static struct metric *
find(struct result *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->m[i].name, name) == 0)
			return &r->m[i];
	return NULL;
}

/* Metric name has n values, the first v0, the unit and direction. */
static int
has(struct result *r, const char *name, size_t n, double v0,
    const char *unit, int dir)
{
	struct metric *m = find(r, name);

	if (m == NULL) {
		printf("  no metric '%s'\n", name);
		return 0;
	}
	if (m->n != n || (n > 0 && m->values[0] != v0) || m->direction != dir ||
	    (unit == NULL) != (m->unit == NULL) ||
	    (unit && strcmp(unit, m->unit) != 0)) {
		printf("  '%s': n %zu v0 %g unit %s dir %d\n", name, m->n,
		    m->n ? m->values[0] : 0.0, m->unit ? m->unit : "-",
		    m->direction);
		return 0;
	}
	return 1;
}

/* Parse s as f (FMT_UNKNOWN: detect) into a fresh r; the rc. */
static int
parse(struct result *r, enum fmt f, const char *s)
{
	result_init(r);
	return fmt_read(r, s, strlen(s), NULL, f, NULL);
}

/* s as f fails with an error containing want, and stores nothing. */
static void
bad(enum fmt f, const char *s, const char *want)
{
	struct result r;
	int rc = parse(&r, f, s);

	T_INT_EQ(rc, -1);
	T_INT_EQ(r.n, 0);
	if (rc == -1 && strstr(err_get(), want) == NULL) {
		t_fail++;
		printf("test_fmt: error '%s' does not say '%s'\n", err_get(),
		    want);
	}
	result_fini(&r);
}

static const char gbench[] =
    "{\n"
    "  \"context\": {\"date\": \"2026-12-02T03:39:45+00:00\", \"num_cpus\": 2,"
    " \"library_build_type\": \"release\"},\n"
    "  \"benchmarks\": [\n"
    "    {\"name\": \"BM_sum/8\", \"family_index\": 0,"
    " \"per_family_instance_index\": 0, \"run_name\": \"BM_sum/8\","
    " \"run_type\": \"iteration\", \"repetitions\": 2, \"repetition_index\": 0,"
    " \"threads\": 1, \"iterations\": 484085, \"real_time\": 2.5e-03,"
    " \"cpu_time\": 2.4e-03, \"time_unit\": \"us\","
    " \"bytes_per_second\": 3.2e+09, \"items\": 6675.7, \"sz\": 8},\n"
    "    {\"name\": \"BM_sum/8\", \"run_name\": \"BM_sum/8\","
    " \"run_type\": \"iteration\", \"repetitions\": 2, \"repetition_index\": 1,"
    " \"threads\": 1, \"iterations\": 484085, \"real_time\": 1.1e-02,"
    " \"cpu_time\": 3.3e-03, \"time_unit\": \"us\","
    " \"bytes_per_second\": 2.4e+09, \"items\": 4972.6, \"sz\": 8},\n"
    "    {\"name\": \"BM_sum/8_mean\", \"run_name\": \"BM_sum/8\","
    " \"run_type\": \"aggregate\", \"repetitions\": 2, \"threads\": 1,"
    " \"aggregate_name\": \"mean\", \"aggregate_unit\": \"time\","
    " \"iterations\": 2, \"real_time\": 6.7e-03, \"cpu_time\": 2.8e-03,"
    " \"time_unit\": \"us\", \"bytes_per_second\": 2.8e+09, \"items\": 5824,"
    " \"sz\": 8},\n"
    "    {\"name\": \"BM_sum/8_cv\", \"run_name\": \"BM_sum/8\","
    " \"run_type\": \"aggregate\", \"aggregate_name\": \"cv\","
    " \"aggregate_unit\": \"percentage\", \"real_time\": 0.9,"
    " \"cpu_time\": 0.2, \"time_unit\": \"us\"},\n"
    "    {\"name\": \"BM_old\", \"iterations\": 10, \"real_time\": 5,"
    " \"cpu_time\": 4},\n"
    "    {\"name\": \"BM_fails\", \"run_name\": \"BM_fails\","
    " \"run_type\": \"iteration\", \"error_occurred\": true,"
    " \"error_message\": \"out of memory\", \"iterations\": 0,"
    " \"real_time\": 0, \"cpu_time\": 0, \"time_unit\": \"ns\"}\n"
    "  ]\n"
    "}\n";

static void
test_gbench(void)
{
	struct result r;
	struct metric *m;
	enum fmt used = FMT_UNKNOWN;

	result_init(&r);
	T_INT_EQ(fmt_read(&r, gbench, strlen(gbench), NULL, FMT_UNKNOWN,
	    &used), 0);
	T_INT_EQ(used, FMT_GBENCH);
	/* Both repetitions, none of the aggregates. */
	T_OK(has(&r, "BM_sum/8/real_time", 2, 2.5e-3, "us", -1));
	T_OK(has(&r, "BM_sum/8/cpu_time", 2, 2.4e-3, "us", -1));
	T_OK(has(&r, "BM_sum/8/bytes_per_second", 2, 3.2e9, "B/s", 1));
	T_OK(has(&r, "BM_sum/8/items", 2, 6675.7, NULL, 0));
	T_OK(has(&r, "BM_sum/8/sz", 2, 8, NULL, 0));
	T_OK(find(&r, "BM_sum/8_mean/real_time") == NULL);
	T_OK(find(&r, "BM_sum/8_cv/real_time") == NULL);
	/* No time_unit: nanoseconds. */
	T_OK(has(&r, "BM_old/real_time", 1, 5, "ns", -1));
	m = find(&r, "BM_fails/real_time");
	T_OK(m != NULL && m->n == 0 && m->error &&
	    strcmp(m->error, "out of memory") == 0);
	T_INT_EQ(r.n, 8);
	result_fini(&r);

	bad(FMT_GBENCH, "{\"context\": {}, \"benchmarks\": [{\"name\": \"a\","
	    " \"real_time\": \"fast\", \"cpu_time\": 1}]}",
	    "gbench: benchmarks[0].real_time: not a number");
	bad(FMT_GBENCH, "{\"context\": {}, \"benchmarks\": [{\"name\": \"a\","
	    " \"real_time\": 1, \"cpu_time\": 1}, {\"real_time\": 1}]}",
	    "benchmarks[1].name: missing");
	bad(FMT_GBENCH, "{\"context\": {}, \"benchmarks\": [{\"name\": \"a\","
	    " \"real_time\": 1, \"cpu_time\": 1, \"time_unit\": \"fortnight\"}]}",
	    "benchmarks[0].time_unit: not ns, us, ms or s");
	bad(FMT_GBENCH, "{\"context\": {}, \"benchmarks\": [{\"name\": \"a\","
	    " \"real_time\": 1, \"cpu_time\": 1, \"n\": \"x\"}]}",
	    "benchmarks[0].n: a counter that is not a number");
	bad(FMT_GBENCH, "{\"context\": {}}", "\"benchmarks\": missing");
	bad(FMT_GBENCH, "{\"context\": {},\n \"benchmarks\": [\n{\"name\": ",
	    "gbench: line 3, column");
}

static const char hyperfine[] =
    "{\n"
    "  \"results\": [\n"
    "    {\n"
    "      \"command\": \"sleep 0.01\",\n"
    "      \"mean\": 0.0170, \"stddev\": 0.0008, \"median\": 0.0173,\n"
    "      \"user\": 0.0002, \"system\": 0.0068,\n"
    "      \"min\": 0.0160, \"max\": 0.0176,\n"
    "      \"times\": [0.0160, 0.0176, 0.0173],\n"
    "      \"exit_codes\": [0, 0, 0],\n"
    "      \"parameters\": {\"n\": \"1\"}\n"
    "    },\n"
    "    {\n"
    "      \"command\": \"sleep 0.02\",\n"
    "      \"mean\": 0.0273, \"user\": 0.0021, \"system\": 0.0039,\n"
    "      \"times\": [0.0285, 0.0285, 0.0250],\n"
    "      \"exit_codes\": [0, 1, 0],\n"
    "      \"parameters\": {\"n\": \"2\"}\n"
    "    },\n"
    "    {\"command\": \"true\", \"mean\": 0.001, \"times\": [0.001, 0.002],"
    " \"memory_usage_byte\": [1000, 1200], \"exit_codes\": [0, 0]}\n"
    "  ]\n"
    "}\n";

static void
test_hyperfine(void)
{
	struct result r;
	struct metric *m;

	T_INT_EQ(parse(&r, FMT_UNKNOWN, hyperfine), 0);
	T_OK(has(&r, "sleep 0.01 [n=1]/time", 3, 0.0160, "s", -1));
	T_OK(has(&r, "sleep 0.01 [n=1]/user", 1, 0.0002, "s", -1));
	T_OK(has(&r, "sleep 0.01 [n=1]/system", 1, 0.0068, "s", -1));
	T_OK(has(&r, "sleep 0.02 [n=2]/time", 3, 0.0285, "s", -1));
	T_OK(has(&r, "true/time", 2, 0.001, "s", -1));
	T_OK(has(&r, "true/memory", 2, 1000, "B", -1));
	/* The mean is never a value. */
	m = find(&r, "sleep 0.01 [n=1]/time");
	T_OK(m && m->values[0] != 0.0170 && m->values[1] != 0.0170 &&
	    m->values[2] != 0.0170);
	m = find(&r, "sleep 0.02 [n=2]/time");
	T_OK(m && m->error && strstr(m->error, "1 of 3 runs") != NULL);
	T_INT_EQ(r.n_warn, 1);
	T_OK(r.n_warn == 1 && strstr(r.warn[0], "mean over the runs"));
	result_fini(&r);

	bad(FMT_HYPERFINE, "{\"results\": [{\"command\": \"x\", \"times\": "
	    "[1, \"2\"]}]}", "hyperfine: results[0].times[1]: not a number");
	bad(FMT_HYPERFINE, "{\"results\": [{\"command\": \"x\"}]}",
	    "results[0].times: missing");
	bad(FMT_HYPERFINE, "{\"results\": [{\"times\": [1]}]}",
	    "results[0].command: missing");
	bad(FMT_HYPERFINE, "{\"results\": {}}", "\"results\": missing or not");
}

static const char pytest_data[] =
    "{\"machine_info\": {\"node\": \"vm\"}, \"commit_info\": {},"
    " \"benchmarks\": [{\"group\": null, \"name\": \"test_sum[10]\","
    " \"fullname\": \"test_x.py::test_sum[10]\", \"params\": {\"n\": 10},"
    " \"param\": \"10\", \"stats\": {\"min\": 6.3e-08, \"max\": 6.8e-07,"
    " \"mean\": 7.0e-08, \"stddev\": 4.0e-08, \"rounds\": 3,"
    " \"median\": 6.4e-08, \"data\": [6.4e-08, 6.3e-08, 6.8e-07]}}],"
    " \"datetime\": \"2026-12-02T03:40:00\", \"version\": \"3.2.2\"}";

static const char pytest_stats[] =
    "{\"machine_info\": {}, \"benchmarks\": [{\"name\": \"test_a\","
    " \"fullname\": \"t.py::test_a\", \"stats\": {\"min\": 1, \"max\": 4,"
    " \"mean\": 2.5, \"stddev\": 1.2, \"rounds\": 4, \"median\": 2.4}}]}";

static void
test_pytest(void)
{
	struct result r;

	T_INT_EQ(parse(&r, FMT_UNKNOWN, pytest_data), 0);
	T_OK(has(&r, "test_x.py::test_sum[10]/time", 3, 6.4e-08, "s", -1));
	T_INT_EQ(r.n, 1);
	T_INT_EQ(r.n_warn, 0);
	result_fini(&r);

	T_INT_EQ(parse(&r, FMT_PYTEST, pytest_stats), 0);
	T_OK(has(&r, "t.py::test_a/median", 1, 2.4, "s", -1));
	T_OK(has(&r, "t.py::test_a/mean", 1, 2.5, "s", -1));
	T_OK(has(&r, "t.py::test_a/min", 1, 1, "s", -1));
	T_OK(has(&r, "t.py::test_a/max", 1, 4, "s", -1));
	T_OK(has(&r, "t.py::test_a/stddev", 1, 1.2, "s", -1));
	T_OK(r.n_warn == 1 && strstr(r.warn[0], "--benchmark-save-data"));
	result_fini(&r);

	bad(FMT_PYTEST, "{\"machine_info\": {}, \"benchmarks\": [{\"name\": "
	    "\"a\", \"stats\": {\"min\": 1}}]}",
	    "pytest: benchmarks[0].stats.median: missing");
	bad(FMT_PYTEST, "{\"machine_info\": {}, \"benchmarks\": [{\"name\": "
	    "\"a\", \"stats\": {\"data\": [1, null]}}]}",
	    "benchmarks[0].stats.data[1]: not a number");
	bad(FMT_PYTEST, "{\"machine_info\": {}, \"benchmarks\": [{\"name\": "
	    "\"a\"}]}", "benchmarks[0].stats: missing");
}

static const char go[] =
    "goos: linux\n"
    "goarch: amd64\n"
    "pkg: example.com/tiny\n"
    "cpu: Some Processor\n"
    "BenchmarkSum-2   \t    1000\t         3.026 ns/op\t         3.000 "
    "widgets/op\t       0 B/op\t       0 allocs/op\n"
    "BenchmarkSum-2   \t    1000\t         2.996 ns/op\t         3.000 "
    "widgets/op\t       16 B/op\t       1 allocs/op\n"
    "BenchmarkLog-2\n"
    "some output the benchmark printed\n"
    "BenchmarkLog-2   \t  500\t  120 ns/op\t  8.5 MB/s\r\n"
    "BenchmarkSub/size=10-2 \t 200 \t 1.5e+03 ns/op\n"
    "PASS\n"
    "ok  \texample.com/tiny\t0.045s\n";

static void
test_go(void)
{
	struct result r;
	struct metric *m;

	T_INT_EQ(parse(&r, FMT_UNKNOWN, go), 0);
	T_OK(has(&r, "BenchmarkSum-2/time", 2, 3.026, "ns/op", -1));
	T_OK(has(&r, "BenchmarkSum-2/bytes", 2, 0, "B/op", -1));
	T_OK(has(&r, "BenchmarkSum-2/allocs", 2, 0, "allocs/op", -1));
	T_OK(has(&r, "BenchmarkSum-2/widgets/op", 2, 3, "widgets/op", 0));
	T_OK(has(&r, "BenchmarkLog-2/time", 1, 120, "ns/op", -1));
	T_OK(has(&r, "BenchmarkLog-2/speed", 1, 8.5, "MB/s", 1));
	T_OK(has(&r, "BenchmarkSub/size=10-2/time", 1, 1500, "ns/op", -1));
	m = find(&r, "BenchmarkSum-2/allocs");
	T_OK(m && m->n == 2 && m->values[1] == 1);
	T_OK(r.error == NULL);
	T_INT_EQ(r.n, 7);
	result_fini(&r);

	T_INT_EQ(parse(&r, FMT_GO, "BenchmarkA-2 10 5 ns/op\n--- FAIL: "
	    "BenchmarkB-2\nFAIL\n"), 0);
	T_OK(r.error && strstr(r.error, "--- FAIL: BenchmarkB-2 (line 2)"));
	result_fini(&r);

	bad(FMT_GO, "goos: linux\nBenchmarkA-2 \t 10 \t 5x ns/op\n",
	    "go: line 2: '5x' (before 'ns/op') is not a number");
	bad(FMT_GO, "BenchmarkA-2 10 5 ns/op\nBenchmarkA-2 10 5\n",
	    "go: line 2: a benchmark result needs");
	bad(FMT_GO, "PASS\nok x 0.1s\n", "go: no benchmark result lines");
}

static const char bmf[] =
    "{\n"
    "  \"benchmark_name\": {\n"
    "    \"latency\": {\"value\": 88.0, \"lower_value\": 87.42,"
    " \"upper_value\": 88.88},\n"
    "    \"throughput\": {\"value\": 5.55, \"lower_value\": 3.14,"
    " \"upper_value\": 6.30}\n"
    "  },\n"
    "  \"/bin/sh -c ./my_build_script.sh\": {\"build-time\": {\"value\": 87.0}},\n"
    "  \"my_binary\": {\"file-size\": {\"value\": 42.0}},\n"
    "  \"custom\": {\"widgets\": {\"value\": 3}}\n"
    "}\n";

static void
test_bmf(void)
{
	struct result r;

	T_INT_EQ(parse(&r, FMT_UNKNOWN, bmf), 0);
	T_OK(has(&r, "benchmark_name/latency", 1, 88, "ns", -1));
	T_OK(has(&r, "benchmark_name/throughput", 1, 5.55, "ops/s", 1));
	T_OK(has(&r, "/bin/sh -c ./my_build_script.sh/build-time", 1, 87, "s",
	    -1));
	T_OK(has(&r, "my_binary/file-size", 1, 42, "B", -1));
	T_OK(has(&r, "custom/widgets", 1, 3, NULL, 0));
	T_INT_EQ(r.n, 5);
	result_fini(&r);

	bad(FMT_BMF, "{\"b\": {\"latency\": {\"lower_value\": 1}}}",
	    "bmf: b.latency.value: missing");
	bad(FMT_BMF, "{\"b\": {\"latency\": {\"value\": 1, \"upper_value\": "
	    "\"x\"}}}", "b.latency.upper_value: not a number");
	bad(FMT_BMF, "{\"b\": [1]}", "b: not an object of measures");
}

static const char gab[] =
    "[\n"
    "  {\"name\": \"My Custom Smaller Is Better Benchmark - CPU Load\","
    " \"unit\": \"Percent\", \"value\": 50},\n"
    "  {\"name\": \"Memory Used\", \"unit\": \"Megabytes\", \"value\": \"100\","
    " \"range\": \"3\", \"extra\": \"Value for Tooltip: 25\\nMore\"},\n"
    "  {\"name\": \"no unit\", \"value\": 7, \"unit\": \"\"}\n"
    "]\n";

static void
test_gab(void)
{
	struct result r;

	T_INT_EQ(parse(&r, FMT_GAB_SMALLER, gab), 0);
	T_OK(has(&r, "My Custom Smaller Is Better Benchmark - CPU Load", 1, 50,
	    "Percent", -1));
	T_OK(has(&r, "Memory Used", 1, 100, "Megabytes", -1));
	T_OK(has(&r, "no unit", 1, 7, NULL, -1));
	result_fini(&r);
	T_INT_EQ(parse(&r, FMT_GAB_BIGGER, gab), 0);
	T_OK(has(&r, "Memory Used", 1, 100, "Megabytes", 1));
	result_fini(&r);
	T_INT_EQ(fmt_by_name("customBiggerIsBetter"), FMT_GAB_BIGGER);

	/* Not detected: the direction is not in the file. */
	bad(FMT_UNKNOWN, gab, "declare gab-smaller or gab-bigger");
	bad(FMT_GAB_SMALLER, "[{\"name\": \"a\", \"value\": \"fast\"}]",
	    "gab-smaller: [0].value: missing or not a number");
	bad(FMT_GAB_BIGGER, "[{\"name\": \"a\", \"value\": 1}, {\"value\": 2}]",
	    "gab-bigger: [1].name: missing");
	bad(FMT_GAB_BIGGER, "{\"name\": \"a\"}", "not a JSON array");
}

static void
test_velcom(void)
{
	struct result r;
	struct metric *m;

	/* The current keys and the legacy ones, as VelCom reads them. */
	T_INT_EQ(parse(&r, FMT_UNKNOWN, "{\"build\": {\"time\": {\"values\": "
	    "[13.2, 15.1], \"unit\": \"s\", \"interpretation\": "
	    "\"LESS_IS_BETTER\"}}, \"run\": {\"score\": {\"results\": [7, 8],"
	    " \"unit\": \"points\", \"resultInterpretation\": "
	    "\"MORE_IS_BETTER\"}, \"odd\": {\"error\": \"exited with code 1\"}}}"),
	    0);
	T_OK(has(&r, "build/time", 2, 13.2, "s", -1));
	T_OK(has(&r, "run/score", 2, 7, "points", 1));
	m = find(&r, "run/odd");
	T_OK(m && m->n == 0 && m->error &&
	    strcmp(m->error, "exited with code 1") == 0);
	result_fini(&r);

	bad(FMT_VELCOM, "{\"run\": {\"time\": {\"results\": [1], "
	    "\"resultInterpretation\": \"SMALLER\"}}}",
	    "run/time.resultInterpretation: not LESS_IS_BETTER");
	bad(FMT_VELCOM, "{\"run\": {\"time\": {\"unit\": \"s\"}}}",
	    "'run/time' has neither \"values\" (or \"results\") nor \"error\"");
	bad(FMT_VELCOM, "{\"run\": {\"time\": {\"results\": [1, \"x\"]}}}",
	    "run/time.results: holds something not a number");
}

static void
test_jsonl(void)
{
	struct result r;

	T_INT_EQ(parse(&r, FMT_UNKNOWN, "{\"metric\": \"a\", \"value\": 1, "
	    "\"unit\": \"s\", \"direction\": \"lower\"}\n{\"metric\": \"a\", "
	    "\"value\": 2}\n"), 0);
	T_OK(has(&r, "a", 2, 1, "s", -1));
	result_fini(&r);
	/* Strict here: a bad line fails the document. */
	bad(FMT_JSONL, "{\"metric\": \"a\", \"value\": 1}\n{\"metric\": 3}\n",
	    "jsonl: result file: line 2: \"metric\" is not a string");
}

static void
test_declare_detect(void)
{
	struct result r;
	enum fmt used = FMT_UNKNOWN;
	static const char decl[] = "#format gab-bigger\n[{\"name\": \"x\", "
	    "\"value\": 2}]";
	size_t skip;

	result_init(&r);
	T_INT_EQ(fmt_read(&r, decl, strlen(decl), NULL, FMT_UNKNOWN, &used),
	    0);
	T_INT_EQ(used, FMT_GAB_BIGGER);
	T_OK(has(&r, "x", 1, 2, NULL, 1));
	result_fini(&r);

	T_INT_EQ(fmt_declared("#format: go\nBench", 17, &skip), FMT_GO);
	T_INT_EQ(skip, 12);
	T_INT_EQ(fmt_declared("#format nonsense\n", 17, &skip), FMT_UNKNOWN);
	T_OK(skip > 0 && strstr(err_get(), "unknown result format"));
	T_INT_EQ(fmt_declared("{}", 2, &skip), FMT_UNKNOWN);
	T_INT_EQ(skip, 0);
	bad(FMT_UNKNOWN, "#format nonsense\n{}", "unknown result format "
	    "'nonsense'");

	T_INT_EQ(fmt_by_filename("/a/b/results.gbench.json"), FMT_GBENCH);
	T_INT_EQ(fmt_by_filename("hyperfine.json"), FMT_UNKNOWN);
	T_INT_EQ(fmt_by_filename("x.hyperfine"), FMT_HYPERFINE);
	T_INT_EQ(fmt_by_filename("out.gab-smaller.json"), FMT_GAB_SMALLER);
	T_INT_EQ(fmt_by_filename("a.b/plain.json"), FMT_UNKNOWN);
	result_init(&r);
	T_INT_EQ(fmt_read(&r, decl + 19, strlen(decl + 19), "x.gab-smaller",
	    FMT_UNKNOWN, &used), 0);
	T_INT_EQ(used, FMT_GAB_SMALLER);
	result_fini(&r);

	T_INT_EQ(fmt_detect(gbench, strlen(gbench)), FMT_GBENCH);
	T_INT_EQ(fmt_detect(hyperfine, strlen(hyperfine)), FMT_HYPERFINE);
	T_INT_EQ(fmt_detect(pytest_data, strlen(pytest_data)), FMT_PYTEST);
	T_INT_EQ(fmt_detect(go, strlen(go)), FMT_GO);
	T_INT_EQ(fmt_detect(bmf, strlen(bmf)), FMT_BMF);
	T_INT_EQ(fmt_detect("{\"error\": \"broken\"}", 19), FMT_JSONL);
	T_INT_EQ(fmt_detect("hello\nworld\n", 12), FMT_UNKNOWN);
	bad(FMT_UNKNOWN, "hello\n", "result format not recognised");
	bad(FMT_UNKNOWN, "{\"x\": 1}", "no known result format");
	bad(FMT_UNKNOWN, "", "empty");
	/* A run-level error alone is a result. */
	T_INT_EQ(parse(&r, FMT_UNKNOWN, "{\"error\": \"does not build\"}"), 0);
	T_STR_EQ(r.error, "does not build");
	result_fini(&r);
}

static void
test_merge(void)
{
	struct result r;
	static const char a[] = "{\"metric\": \"x\", \"values\": [1, 2]}";

	/* fmt_parse appends to what r holds, all or nothing. */
	result_init(&r);
	T_INT_EQ(fmt_parse(FMT_JSONL, &r, a, strlen(a)), 0);
	T_INT_EQ(fmt_parse(FMT_JSONL, &r, a, strlen(a)), 0);
	T_OK(has(&r, "x", 4, 1, NULL, 0));
	T_INT_EQ(fmt_parse(FMT_GO, &r, "BenchmarkQ 1 2 ns/op\nBenchmarkQ 1 x "
	    "ns/op\n", 40), -1);
	T_INT_EQ(r.n, 1);
	result_fini(&r);
}

static void
test_many_metrics(void)
{
	struct result r;
	struct metric *m;
	char name[32];
	int i, bad = 0;

	/* The lookup index across growth of the metric array. */
	result_init(&r);
	for (i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "m/%d", i);
		m = result_metric(&r, name);
		if (m == NULL || result_add_value(&r, m, i) < 0)
			bad++;
	}
	for (i = 4999; i >= 0; i--) {
		snprintf(name, sizeof(name), "m/%d", i);
		m = result_metric(&r, name);
		if (m == NULL || m->n != 1 || m->values[0] != i)
			bad++;
	}
	T_INT_EQ(bad, 0);
	T_INT_EQ(r.n, 5000);
	result_fini(&r);
}

int
main(void)
{
	test_many_metrics();
	test_gbench();
	test_hyperfine();
	test_pytest();
	test_go();
	test_bmf();
	test_gab();
	test_velcom();
	test_jsonl();
	test_declare_detect();
	test_merge();
	return T_DONE();
}
