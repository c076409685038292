#!/bin/bash
# bench-formats.sh: the parse rate of each result-format parser
# (tj-gen import --dry-run, which reads and checks a file and stores
# nothing) in MB/s, against python3's json.load of the same file, medians
# measured in the same run. For go test text, which is not JSON, the
# baseline reads the file and splits every line in python3; for JSON Lines
# it is json.loads of every line. The times are CPU time (user + system,
# hyperfine's means): the machine may be shared, and wall time then
# measures the neighbours.
# SIZE=MB per file (default 16), RUNS=... the repetitions.
set -eu
cd "$(dirname "$0")/.."
SIZE=${SIZE:-8}
RUNS=${RUNS:-3}
W=build/bench/formats
mkdir -p "$W"
command -v hyperfine >/dev/null || { echo "needs hyperfine (make deps)"; exit 1; }
GEN=build/tj-gen

# Files of about SIZE MB in each format, made once per size.
python3 - "$W" "$SIZE" <<'PY'
import json, os, random, sys
w, size = sys.argv[1], int(sys.argv[2]) * 1000000
rnd = random.Random(1)
def out(name, make):
    path = os.path.join(w, name)
    if os.path.exists(path + ".size") and open(path + ".size").read() == str(size):
        return
    with open(path + ".tmp", "w") as f:
        f.write(make())
    os.rename(path + ".tmp", path)
    open(path + ".size", "w").write(str(size))
def grow(unit, build):
    # Measure a small one, then make the whole one at the right count.
    small = build(50)
    n = max(50, int(50 * size / len(small)))
    return build(n)
def gbench(n):
    b = []
    for i in range(n):
        for rep in range(3):
            b.append({"name": "BM_f/%d" % (i % 2000), "family_index": 0,
                "per_family_instance_index": i, "run_name": "BM_f/%d" % (i % 2000),
                "run_type": "iteration", "repetitions": 3,
                "repetition_index": rep, "threads": 1, "iterations": 1000,
                "real_time": rnd.random(), "cpu_time": rnd.random(),
                "time_unit": "ns", "bytes_per_second": rnd.random() * 1e9,
                "items": rnd.random()})
        b.append({"name": "BM_f/%d_mean" % i, "run_name": "BM_f/%d" % i,
            "run_type": "aggregate", "aggregate_name": "mean",
            "real_time": 1.0, "cpu_time": 1.0, "time_unit": "ns"})
    return json.dumps({"context": {"num_cpus": 2}, "benchmarks": b}, indent=2)
def hyperfine(n):
    r = [{"command": "cmd %d" % (i % 2000), "mean": 1.0, "stddev": 0.1, "median": 1.0,
        "user": 0.5, "system": 0.1, "min": 0.9, "max": 1.1,
        "times": [rnd.random() for _ in range(200)],
        "exit_codes": [0] * 200, "parameters": {"n": str(i % 2000)}}
        for i in range(n)]
    return json.dumps({"results": r}, indent=2)
def pytest(n):
    b = [{"group": None, "name": "test_%d" % i, "fullname": "t.py::test_%d" % (i % 5000),
        "params": None, "stats": {"min": 0.1, "max": 0.2, "mean": 0.15,
        "stddev": 0.01, "rounds": 200, "median": 0.15,
        "data": [rnd.random() for _ in range(200)]}} for i in range(n)]
    return json.dumps({"machine_info": {}, "benchmarks": b, "version": "3"},
        indent=4)
def bmf(n):
    n = min(n, 9000)  # two metrics each, under the cap of 20000 metrics
    return json.dumps({"bench_%d" % i: {"latency": {"value": rnd.random(),
        "lower_value": 0.1, "upper_value": 0.9}, "throughput":
        {"value": rnd.random() * 1e6}} for i in range(n)}, indent=2)
def gab(n):
    return json.dumps([{"name": "bench %d" % (i % 10000), "unit": "ms",
        "value": rnd.random(), "range": "3", "extra": "x"} for i in range(n)],
        indent=2)
def velcom(n):
    return json.dumps({"suite%d" % i: {"m%d" % j: {"values":
        [rnd.random() for _ in range(200)], "unit": "s",
        "interpretation": "LESS_IS_BETTER"} for j in range(10)}
        for i in range(n)})
def jsonl(n):
    return "".join(json.dumps({"metric": "run/m%d" % (i % 5000),
        "value": rnd.random(), "unit": "s", "direction": "lower"}) + "\n"
        for i in range(n))
def go(n):
    return "goos: linux\ngoarch: amd64\npkg: example.com/x\n" + "".join(
        "BenchmarkF%d-8   \t  1000000\t  %.3f ns/op\t  %d B/op\t  %d "
        "allocs/op\n" % (i % 2000, rnd.random() * 100, i % 64, i % 3)
        for i in range(n)) + "PASS\nok  \texample.com/x\t1.0s\n"
for name, make in [("bench.gbench.json", gbench), ("bench.hyperfine.json",
        hyperfine), ("bench.pytest.json", pytest), ("bench.bmf.json", bmf),
        ("bench.gab-smaller.json", gab), ("bench.velcom.json", velcom),
        ("bench.jsonl", jsonl), ("bench.go", go)]:
    out(name, lambda make=make: grow(None, make))
PY

args=()
for f in gbench hyperfine pytest bmf gab-smaller velcom jsonl go; do
	file=$(ls "$W"/bench."$f"* | grep -v '\.size$')
	"$GEN" import --dry-run "$file" >/dev/null || { echo "$file: not read"; exit 1; }
	if [ "$f" = go ]; then
		base="python3 -c 'import sys; [l.split() for l in open(sys.argv[1])]' $file"
	elif [ "$f" = jsonl ]; then
		base="python3 -c 'import json, sys; [json.loads(l) for l in open(sys.argv[1])]' $file"
	else
		base="python3 -c 'import json, sys; json.load(open(sys.argv[1]))' $file"
	fi
	args+=(-n "base $f" "$base" -n "tj $f" "$GEN import --dry-run $file")
done
hyperfine -N -w 1 -r "$RUNS" --export-json "$W/formats.json" "${args[@]}" >/dev/null

python3 - "$W" "$W/formats.json" <<'PY'
import glob, json, os, sys
w = sys.argv[1]
res = {r["command"]: r["user"] + r["system"]
    for r in json.load(open(sys.argv[2]))["results"]}
print("%-12s %8s %12s %12s %8s" % ("format", "MB", "tj MB/s", "python MB/s",
    "ratio"))
for f in ["gbench", "hyperfine", "pytest", "bmf", "gab-smaller", "velcom",
        "jsonl", "go"]:
    path = [p for p in glob.glob(os.path.join(w, "bench." + f + "*"))
        if not p.endswith(".size")][0]
    mb = os.path.getsize(path) / 1e6
    tj, base = res["tj " + f], res["base " + f]
    print("%-12s %8.1f %12.1f %12.1f %7.2fx%s" % (f, mb, mb / tj, mb / base,
        base / tj, {"go": "  (baseline: line split)", "jsonl":
        "  (baseline: json.loads per line)"}.get(f, "")))
print("CPU time; ratio = python / tj (> 1: tablejohn reads it faster)")
PY
