#!/bin/bash
# t0030: tj-gen import: real tools' output made here (Google Benchmark,
# hyperfine with parameters, pytest-benchmark, go test -bench) and
# fixtures in the published formats (BMF, github-action-benchmark custom
# JSON and data.js, asv results/ with parameterised benchmarks) stored as
# runs and shown on the run page; idempotent re-imports; malformed files of
# every format fail naming the line or field and store nothing.
# tj-test: slow
. "$(dirname "$0")/lib.sh"
R=$T_DIR/repo
DB=$T_DIR/tj.db
OUT=$T_DIR/out
cd "$T_DIR" || exit 1
gen_conf "$R" "$DB" "$OUT"
q() { sql "$DB" "$1"; }
nruns() { q "SELECT count(*) FROM runs"; }
# vals RUN METRIC: the values of a metric in a run.
vals() { q "SELECT x.vals FROM measurements x JOIN metrics m ON m.id = x.metric_id WHERE x.run_id = '$1' AND m.name = '${2//\'/\'\'}'"; }
meta() { q "SELECT coalesce(unit, '') || '|' || direction FROM metrics WHERE name = '${1//\'/\'\'}'"; }
# run_id OUTPUT: the run id "stored run ID" names.
run_id() { sed -n 's/.*stored run \(i-[0-9a-f]*\).*/\1/p' <<<"$1"; }

git init -q "$R"
for i in 1 2 3 4; do mkcommit "$R" f.txt "$i" "commit $i"; done
H1=$(git -C "$R" rev-parse HEAD~3)
H2=$(git -C "$R" rev-parse HEAD~2)
H3=$(git -C "$R" rev-parse HEAD~1)
H4=$(git -C "$R" rev-parse HEAD)
NOPE=0123456789abcdef0123456789abcdef01234567
gen update --quiet --no-render

# ---- Google Benchmark: built and run here, with repetitions and counters.
mkdir gb
cat >gb/b.cc <<'CC'
#include <benchmark/benchmark.h>
static void BM_sum(benchmark::State &s) {
	long x = 0;
	for (auto _ : s)
		for (long i = 0; i < s.range(0); i++)
			benchmark::DoNotOptimize(x += i);
	s.counters["elements"] = (double)s.range(0);
	s.SetItemsProcessed(s.iterations() * s.range(0));
}
BENCHMARK(BM_sum)->Arg(8)->Arg(64)->Unit(benchmark::kMicrosecond);
BENCHMARK_MAIN();
CC
check "google benchmark builds" g++ -O1 -o gb/b gb/b.cc -lbenchmark -lpthread
gb/b --benchmark_format=json --benchmark_repetitions=3 \
    --benchmark_min_time=0.001 >gb/out.json 2>/dev/null
check "its JSON has aggregates" grep -q '"run_type": "aggregate"' gb/out.json
o=$(gen import --commit "$H1" gb/out.json --quiet)
check_eq "gbench: exit 0" "$?" 0
id=$(run_id "$o")
check_match "gbench: detected and stored" "$o" "stored run i-[0-9a-f]{40} on ${H1:0:12}: 8 metrics, 24 values \(gbench\)"
check_eq "gbench: 3 repetitions, no aggregates" \
    "$(vals "$id" BM_sum/8/real_time | jq length)" 3
check_eq "gbench: no metric for an aggregate" \
    "$(q "SELECT count(*) FROM metrics WHERE name LIKE '%_mean%'")" 0
check_eq "gbench: time_unit us" "$(meta BM_sum/64/cpu_time)" "us|-1"
check_eq "gbench: items_per_second, higher" "$(meta BM_sum/64/items_per_second)" "items/s|1"
check_eq "gbench: a user counter" "$(vals "$id" BM_sum/64/elements)" "[64,64,64]"
check "gbench: shown on the run page" grep -q "BM_sum/8/real_time" "$OUT/run/$id/index.html"
check "gbench: the run's method says import" grep -q "import" "$OUT/run/$id/index.html"
o=$(gen import --commit "$H1" gb/out.json --quiet)
check_match "gbench again: nothing stored" "$o" "already imported as run $id: nothing stored"
check_eq "gbench again: still one run" "$(nruns)" 1

# ---- hyperfine with a parameter.
hyperfine --runs 3 --style none -P n 1 2 'sleep 0.0{n}' \
    --export-json hf.json >/dev/null 2>&1
o=$(gen import --commit "$H1" --worker ci-1 hf.json --quiet 2>hf.err)
id=$(run_id "$o")
check_match "hyperfine: stored" "$o" "\(hyperfine\)"
check_eq "hyperfine: every run's time, parameters in the name" \
    "$(vals "$id" 'sleep 0.01 [n=1]/time' | jq length)" 3
check_eq "hyperfine: the mean is not a value" \
    "$(vals "$id" 'sleep 0.02 [n=2]/time' | jq --argjson m "$(jq '.results[1].mean' hf.json)" 'index($m)')" null
check "hyperfine: user and system" test -n "$(vals "$id" 'sleep 0.02 [n=2]/system')"
check_match "hyperfine: says user/system are means" "$(cat hf.err)" "mean over the runs"
check_eq "hyperfine: worker name" "$(q "SELECT worker FROM runs WHERE id = '$id'")" ci-1
check "hyperfine: shown on the run page" grep -q "sleep 0.01 \[n=1\]/time" "$OUT/run/$id/index.html"

# ---- pytest-benchmark (Debian's python, whatever python3 is first).
mkdir py
cat >py/test_s.py <<'PY'
import pytest
@pytest.mark.parametrize("n", [10, 100])
def test_sum(benchmark, n):
    benchmark(sum, range(n))
PY
(cd py && /usr/bin/python3 -m pytest -q -p no:cacheprovider test_s.py \
    --benchmark-json=pb.json --benchmark-save-data \
    --benchmark-max-time=0.001 --benchmark-min-rounds=3 >/dev/null 2>&1)
check "pytest-benchmark wrote JSON" test -s py/pb.json
o=$(gen import --commit "$H2" py/pb.json --quiet)
id=$(run_id "$o")
check_match "pytest: stored" "$o" "2 metrics.*\(pytest\)"
check_eq "pytest: every round" "$(vals "$id" 'test_s.py::test_sum[10]/time' | jq length)" \
    "$(jq '.benchmarks[0].stats.data | length' py/pb.json)"
check_eq "pytest: seconds, lower" "$(meta 'test_s.py::test_sum[100]/time')" "s|-1"
# Without the raw data: the stats, and a line saying so.
jq 'del(.benchmarks[].stats.data)' py/pb.json >py/stats.json
o=$(gen import --commit "$H2" --format pytest py/stats.json --quiet 2>py.err)
id=$(run_id "$o")
check_eq "pytest stats: the median as one value" \
    "$(vals "$id" 'test_s.py::test_sum[10]/median' | jq length)" 1
check_match "pytest stats: said so" "$(cat py.err)" "--benchmark-save-data"
check "pytest stats: said so in the run's output" \
    test "$(q "SELECT count(*) FROM run_output WHERE run_id = '$id' AND text LIKE '%benchmark-save-data%'")" = 1

# ---- go test -bench, -count and -benchmem and a custom metric.
if command -v go >/dev/null 2>&1; then
	mkdir -p gob
	printf 'module example.com/tiny\n\ngo 1.19\n' >gob/go.mod
	cat >gob/x_test.go <<'GO'
package tiny

import "testing"

func BenchmarkAppend(b *testing.B) {
	s := make([]int, 0, 16)
	for i := 0; i < b.N; i++ {
		s = append(s[:0], i)
	}
	b.ReportMetric(3, "widgets/op")
}
GO
	(cd gob && GOCACHE=$T_DIR/gocache GOPATH=$T_DIR/gopath GOPROXY=off \
	    GOFLAGS= GOTOOLCHAIN=local go test -run '^$' -bench . -benchmem \
	    -count 3 -benchtime 100x >go.txt 2>&1)
	check "go test -bench ran" grep -q '^BenchmarkAppend' gob/go.txt
	o=$(gen import --commit "$H2" gob/go.txt --quiet)
	id=$(run_id "$o")
	check_match "go: stored" "$o" "4 metrics, 12 values \(go\)"
	name=$(q "SELECT name FROM metrics WHERE name LIKE 'BenchmarkAppend%/time'")
	check_eq "go: -count 3" "$(vals "$id" "$name" | jq length)" 3
	check_eq "go: ns/op, lower" "$(meta "$name")" "ns/op|-1"
	check_eq "go: B/op" "$(meta "${name%/time}/bytes")" "B/op|-1"
	check_eq "go: allocs/op" "$(meta "${name%/time}/allocs")" "allocs/op|-1"
	check_eq "go: custom metric" "$(vals "$id" "${name%/time}/widgets/op")" "[3,3,3]"
else
	not_ok "go is not installed (scripts/deps.sh installs golang-go)"
fi

# ---- BMF fixture (Bencher's published example plus a custom measure).
cat >bmf.json <<'JSON'
{
  "benchmark_name": {
    "latency": {"value": 88.0, "lower_value": 87.42, "upper_value": 88.88},
    "throughput": {"value": 5.55, "lower_value": 3.14, "upper_value": 6.30}
  },
  "/bin/sh -c ./my_build_script.sh": {"build-time": {"value": 87.0}},
  "my_binary": {"file-size": {"value": 42.0}}
}
JSON
o=$(gen import --commit "$H3" bmf.json --quiet)
id=$(run_id "$o")
check_match "bmf: detected" "$o" "4 metrics, 4 values \(bmf\)"
check_eq "bmf: latency ns lower" "$(meta benchmark_name/latency)" "ns|-1"
check_eq "bmf: throughput higher" "$(meta benchmark_name/throughput)" "ops/s|1"
check_eq "bmf: value, not the bounds" "$(vals "$id" benchmark_name/latency)" "[88]"

# ---- github-action-benchmark custom JSON: declared by --format, a first
# line or the file name; a string value.
cat >gab.json <<'JSON'
[
  {"name": "My Custom Smaller Is Better Benchmark - CPU Load", "unit": "Percent", "value": 50},
  {"name": "My Custom Smaller Is Better Benchmark - Memory Used", "unit": "Megabytes", "value": "100", "range": "3", "extra": "Value for Tooltip: 25\nOptional Num #2: 100"}
]
JSON
gen import --commit "$H3" gab.json --quiet >/dev/null 2>gab.err
check_eq "gab: not detected (direction unknown): exit 1" "$?" 1
check_match "gab: says to declare it" "$(cat gab.err)" "declare gab-smaller or gab-bigger"
o=$(gen import --commit "$H3" --format customSmallerIsBetter gab.json --quiet)
check_match "gab: --format" "$o" "2 metrics.*\(gab-smaller\)"
check_eq "gab: smaller is better" "$(meta 'My Custom Smaller Is Better Benchmark - Memory Used')" "Megabytes|-1"
{ echo "#format gab-bigger"; cat gab.json; } >declared.json
o=$(gen import --commit "$H4" declared.json --quiet)
check_match "gab: first line" "$o" "\(gab-bigger\)"
cp gab.json scores.gab-bigger.json
o=$(gen import --commit "$H4" scores.gab-bigger.json --quiet)
check_match "gab: file name" "$o" "\(gab-bigger\)"

# ---- VelCom with its legacy keys.
cat >velcom.json <<'JSON'
{"run": {"score": {"results": [7, 8], "unit": "points", "resultInterpretation": "MORE_IS_BETTER"}}}
JSON
o=$(gen import --commit "$H4" velcom.json --quiet)
id=$(run_id "$o")
check_eq "velcom legacy keys: values" "$(vals "$id" run/score)" "[7,8]"
check_eq "velcom legacy keys: direction" "$(meta run/score)" "points|1"

# --dry-run: read and checked, nothing stored, no commit needed.
n0=$(nruns)
o=$(gen import --dry-run bmf.json --quiet)
check_match "--dry-run: what it holds" "$o" "^bmf.json: bmf, 4 metrics, 4 values \(not stored\)$"
check_eq "--dry-run: nothing stored" "$(nruns)" "$n0"

# ---- Malformed files of every format: the field or line, nothing stored.
n0=$(nruns)
bad() { # name format file expected-message
	local err
	err=$(gen import --commit "$H4" ${2:+--format "$2"} "$3" --quiet 2>&1 >/dev/null)
	check_eq "malformed $1: exit 1" "$?" 1
	check_match "malformed $1: says where" "$err" "$4"
}
printf '{"context": {}, "benchmarks": [{"name": "a", "real_time": "x", "cpu_time": 1}]}' >m1.json
bad gbench "" m1.json "gbench: benchmarks\[0\]\.real_time: not a number"
printf '{"results": [{"command": "x", "times": [1, null]}]}' >m2.json
bad hyperfine "" m2.json "hyperfine: results\[0\]\.times\[1\]: not a number"
printf '{"machine_info": {}, "benchmarks": [{"name": "a", "stats": {"min": 1}}]}' >m3.json
bad pytest "" m3.json "pytest: benchmarks\[0\]\.stats\.median: missing"
printf 'goos: linux\nBenchmarkA-2  10  5x ns/op\n' >m4.txt
bad go go m4.txt "go: line 2: '5x' \(before 'ns/op'\) is not a number"
printf '{"b": {"latency": {"lower_value": 1}}}' >m5.json
bad bmf bmf m5.json "bmf: b\.latency\.value: missing"
printf '[{"name": "a", "value": "fast"}]' >m6.json
bad gab gab-smaller m6.json "gab-smaller: \[0\]\.value: missing or not a number"
printf '{"run": {"time": {"results": [1], "resultInterpretation": "SMALLER"}}}' >m7.json
bad velcom velcom m7.json "run/time\.resultInterpretation"
printf '{"metric": "a", "value": 1}\n{"metric": 2}\n' >m8.jsonl
bad jsonl "" m8.jsonl "jsonl: result file: line 2: \"metric\" is not a string"
printf '{"context": {},\n "benchmarks": [\n  {"name": ' >m9.json
bad "gbench (cut off)" gbench m9.json "gbench: line 3, column"
printf 'just some text\n' >m10.txt
bad unknown "" m10.txt "result format not recognised"
check_eq "malformed: nothing stored" "$(nruns)" "$n0"
gen import --commit "$H4" --format nope gab.json 2>/dev/null
check_eq "unknown --format: exit 2" "$?" 2
gen import --commit nosuchrev gab.json 2>/dev/null
check_eq "unknown commit: exit 1" "$?" 1

# ---- github-action-benchmark's data.js: two suites, string values, a
# commit the repo does not have.
cat >data.js <<JS
window.BENCHMARK_DATA = {
  "lastUpdate": 1710302757204,
  "repoUrl": "https://github.com/example/project",
  "entries": {
    "Benchmark": [
      {"commit": {"author": {"name": "A"}, "id": "$H1", "message": "one", "timestamp": "2024-03-12T15:59:50-04:00", "url": "https://example.org/$H1"},
       "date": 1710273611609, "tool": "customBiggerIsBetter",
       "benches": [{"name": "score", "value": "31", "unit": "Percent"},
                   {"name": "rate", "value": 70, "unit": "ops/s", "range": "3", "extra": "x"}]},
      {"commit": {"id": "$NOPE", "message": "gone"}, "date": 1710273711609, "tool": "customBiggerIsBetter",
       "benches": [{"name": "score", "value": 33, "unit": "Percent"}]},
      {"commit": {"id": "$H2", "message": "two"}, "date": 1710283611609, "tool": "customBiggerIsBetter",
       "benches": [{"name": "score", "value": 35, "unit": "Percent"}]}
    ],
    "Go Benchmark": [
      {"commit": {"id": "$H2"}, "date": 1710283611700, "tool": "go",
       "benches": [{"name": "BenchmarkFib20", "value": 25000, "unit": "ns/op", "extra": "48000 times"}]}
    ]
  }
};
JS
n0=$(nruns)
o=$(gen import --from gab data.js --quiet)
check_eq "gab data.js: exit 0" "$?" 0
check_match "gab data.js: counts" "$o" "3 runs stored, 0 already there, 1 entries on commits the repo does not have \(not imported; first: ${NOPE:0:12}\)"
check_eq "gab data.js: 3 runs" "$(($(nruns) - n0))" 3
check_eq "gab data.js: the entry's date" \
    "$(q "SELECT CAST(start_time AS INTEGER) FROM runs WHERE worker = 'gab' AND commit_id = (SELECT id FROM commits WHERE hash = '$H1')")" 1710273611
check_eq "gab data.js: bigger is better, unit" "$(meta score)" "Percent|1"
check_eq "gab data.js: go tool: lower" "$(meta BenchmarkFib20)" "ns/op|-1"
o=$(gen import --from gab data.js --quiet)
check_match "gab data.js again: nothing twice" "$o" "0 runs stored, 3 already there"
sed 's/"date": 1710283611700,//' data.js >bad.js
n0=$(nruns)
err=$(gen import --from gab bad.js --quiet 2>&1 >/dev/null)
check_eq "gab data.js malformed: exit 1" "$?" 1
check_match "gab data.js malformed: the field" "$err" "entries\.Go Benchmark\[0\]\.date: missing"
check_eq "gab data.js malformed: nothing stored" "$(nruns)" "$n0"

# ---- asv results/: benchmarks.json, a machine, v2 files with a
# parameterised benchmark, samples, a failed one, a missing commit.
mkdir -p results/box
cat >results/benchmarks.json <<'JSON'
{"bench.TimeSuite.time_sort": {"name": "bench.TimeSuite.time_sort", "type": "time", "unit": "seconds", "param_names": ["n", "kind"], "params": [["10", "1000"], ["'list'", "'array'"]], "version": "abc"},
 "bench.mem_list": {"name": "bench.mem_list", "type": "mem", "unit": "bytes", "params": [], "version": "def"},
 "bench.track_score": {"name": "bench.track_score", "type": "track", "unit": "points", "params": [], "version": "ghi"},
 "version": 2}
JSON
echo '{"machine": "box", "os": "Linux", "version": 1}' >results/box/machine.json
asv_file() { # hash date
	cat <<JSON
{"commit_hash": "$1", "env_name": "virtualenv-py3.11", "date": $2, "params": {"machine": "box"},
 "python": "3.11", "requirements": {}, "env_vars": {},
 "result_columns": ["result", "params", "version", "started_at", "duration", "stats_ci_99_a", "stats_ci_99_b", "stats_q_25", "stats_q_75", "stats_number", "stats_repeat", "samples", "profile"],
 "results": {
   "bench.TimeSuite.time_sort": [[1.0e-5, 2.0e-5, 3.0e-3, null], [["10", "1000"], ["'list'", "'array'"]], "abc", 1700000000000, 1.5, null, null, null, null, null, null, [[1.1e-5, 0.9e-5, 1.0e-5], [2.0e-5], null, null]],
   "bench.mem_list": [[4096], [], "def", 1700000001000, 0.1],
   "bench.track_score": [[42], [], "ghi", 1700000002000, 0.1]
 },
 "durations": {}, "version": 2}
JSON
}
asv_file "$H3" 1690000000000 >"results/box/${H3:0:8}-virtualenv-py3.11.json"
asv_file "$H4" 1690000100000 >"results/box/${H4:0:8}-virtualenv-py3.11.json"
asv_file "$NOPE" 1690000200000 >"results/box/${NOPE:0:8}-virtualenv-py3.11.json"
n0=$(nruns)
o=$(gen import --from asv results --quiet 2>asv.err)
check_eq "asv: exit 0" "$?" 0
check_match "asv: counts" "$o" "2 runs stored, 0 already there, 1 entries on commits the repo does not have"
check_eq "asv: 2 runs" "$(($(nruns) - n0))" 2
id=$(q "SELECT r.id FROM runs r JOIN commits c ON c.id = r.commit_id WHERE c.hash = '$H3' AND r.worker = 'box'")
check_eq "asv: samples as values" "$(vals "$id" "bench.TimeSuite.time_sort(10, 'list')")" "[1.1e-05,9e-06,1e-05]"
check_eq "asv: the result when no samples" "$(vals "$id" "bench.TimeSuite.time_sort(1000, 'list')")" "[0.003]"
check_eq "asv: parameters in the name" "$(vals "$id" "bench.TimeSuite.time_sort(10, 'array')")" "[2e-05]"
check_eq "asv: a failed combination is not a value" \
    "$(q "SELECT count(*) FROM metrics WHERE name = 'bench.TimeSuite.time_sort(1000, ''array'')'")" 0
check_match "asv: the failure said" "$(cat asv.err)" "1 benchmark results are null"
check_eq "asv: time in seconds, lower" "$(meta "bench.TimeSuite.time_sort(10, 'list')")" "s|-1"
check_eq "asv: mem in bytes, lower" "$(meta bench.mem_list)" "B|-1"
check_eq "asv: track: its unit, no direction" "$(meta bench.track_score)" "points|0"
check_eq "asv: started_at is the run's date" "$(q "SELECT CAST(start_time AS INTEGER) FROM runs WHERE id = '$id'")" 1700000000
check "asv: shown on the run page" grep -q "bench.TimeSuite.time_sort(10, &#39;list&#39;)\|bench.TimeSuite.time_sort(10, &#x27;list&#x27;)\|bench.TimeSuite.time_sort(10, 'list')" "$OUT/run/$id/index.html"
o=$(gen import --from asv results --quiet 2>/dev/null)
check_match "asv again: nothing twice" "$o" "0 runs stored, 2 already there"
mkdir -p badres/box
cp results/benchmarks.json badres/
cp results/box/machine.json badres/box/
asv_file "$H1" 1 | sed 's/\[\[1.0e-5, 2.0e-5, 3.0e-3, null\]/[[1.0e-5, 2.0e-5]/' >"badres/box/${H1:0:8}-x.json"
n0=$(nruns)
err=$(gen import --from asv badres --quiet 2>&1 >/dev/null)
check_eq "asv malformed: exit 1" "$?" 1
check_match "asv malformed: the benchmark" "$err" "results\.bench\.TimeSuite\.time_sort: 2 results for 4 parameter combinations"
check_eq "asv malformed: nothing stored" "$(nruns)" "$n0"

check_eq "nothing left dirty" "$(q 'SELECT count(*) FROM dirty')" 0
t_done
