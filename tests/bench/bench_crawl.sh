#!/bin/sh
# tests/bench/bench_crawl.sh - crawl benchmarks against the mock Hub:
#  1. bytes fetched to fingerprint a ~200 MB checkpoint, as a fraction of
#     its size (goal <= 5%);
#  2. crawl throughput over a 10,000-model listing with 20 ms of latency on
#     every request, against a one-request-at-a-time baseline measured in
#     the same run (goal >= 4x);
#  3. peak RSS of crawls of 1,000 and 10,000 models (goal: flat).
# CRAWL_N (10000), CRAWL_MB (200), CRAWL_BASE_N (150) size the runs.
set -eu
: "${ZX:?}"
N=${CRAWL_N:-10000}
MB=${CRAWL_MB:-200}
BASE_N=${CRAWL_BASE_N:-150}
W=$(mktemp -d "${TMPDIR:-/tmp}/zx-benchcrawl.XXXXXX")
pid=
trap 'kill $pid 2>/dev/null; rm -rf "$W"' EXIT
mkdir -p "$W/empty"
mock() {
    rm -f "$W/port"
    python3 tests/mockhub/mockhub.py --repos "$W/empty" --port-file "$W/port" "$@" \
        >"$W/mock.out" 2>&1 &
    pid=$!
    while [ ! -s "$W/port" ]; do sleep 0.1; done
    HF_ENDPOINT=$(cut -d' ' -f1 "$W/port")
    export HF_ENDPOINT
}
num() { sed -n "s/.*\"$1\": \([0-9.]*\).*/\1/p" "$2" | head -1; }

# 1. Bytes per model.
mock --generate 1 --generate-mb "$MB"
id=$(curl -s "$HF_ENDPOINT/api/models?limit=1" | sed 's/.*"id":"\([^"]*\)".*/\1/')
size=$(curl -s "$HF_ENDPOINT/api/models/$id?blobs=true" |
       python3 -c 'import json,sys; print(sum(s.get("size",0) for s in json.load(sys.stdin)["siblings"] if s["rfilename"].endswith(".safetensors")))')
"$ZX" --db "$W/db1" crawl --json >"$W/r1" || true
b=$(num bytes "$W/r1")
awk -v b="$b" -v s="$size" 'BEGIN {
    printf "crawl_checkpoint_bytes %d B\n", s
    printf "crawl_fetched_bytes %d B (listing, config, header, fingerprint ranges)\n", b
    printf "crawl_fetched_fraction %.5f (goal <= 0.05)\n", b / s }'
kill "$pid"; wait "$pid" 2>/dev/null || true

# 2 and 3. Throughput and memory with 20 ms per request.
mock --generate "$N" --latency-ms 20
t0=$(date +%s.%N)
"$ZX" --db "$W/base" crawl --parallel 1 --max-models "$BASE_N" --json >"$W/rb" || true
t1=$(date +%s.%N)
"$ZX" --db "$W/par" crawl --parallel 16 --json >"$W/rp" || true
t2=$(date +%s.%N)
"$ZX" --db "$W/small" crawl --parallel 16 --max-models 1000 --json >"$W/rs" || true
awk -v t0="$t0" -v t1="$t1" -v t2="$t2" -v nb="$(num new "$W/rb")" \
    -v np="$(num new "$W/rp")" -v rq="$(num requests "$W/rp")" \
    -v rs_small="$(num max_rss_kb "$W/rs")" -v rs_big="$(num max_rss_kb "$W/rp")" \
    -v an_small="$(num max_anon_kb "$W/rs")" -v an_big="$(num max_anon_kb "$W/rp")" 'BEGIN {
    base = nb / (t1 - t0); par = np / (t2 - t1)
    printf "crawl_baseline_models %d (parallel 1)\n", nb
    printf "crawl_baseline_rate %.2f models/s\n", base
    printf "crawl_parallel_models %d (parallel 16, %d requests)\n", np, rq
    printf "crawl_parallel_rate %.2f models/s\n", par
    printf "crawl_speedup %.2f x (goal >= 4)\n", par / base
    printf "crawl_peak_rss_1000 %d KiB\n", rs_small
    printf "crawl_peak_rss_%d %d KiB\n", np, rs_big
    printf "crawl_rss_ratio %.2f (whole process, incl. the store mapped in)\n", rs_big / rs_small
    printf "crawl_anon_1000 %d KiB\n", an_small
    printf "crawl_anon_%d %d KiB\n", np, an_big
    printf "crawl_anon_ratio %.2f (the crawl itself; 1.0 = flat)\n", an_big / an_small }'
