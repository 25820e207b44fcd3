#!/bin/sh
# tests/bench/run.sh - `make bench`: descriptor throughput against the raw
# read speed of the same warm file, and search latency over 100,000
# fingerprints against an exhaustive scan, each measured in the same run.
# BENCH_MB (1024) sizes the checkpoint; BENCH_N (100000) the fingerprints.
set -eu
O=${O:-build}
: "${ZX:?}"
MB=${BENCH_MB:-1024}
N=${BENCH_N:-100000}
W=$(mktemp -d "${TMPDIR:-/tmp}/zx-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT
now() { date +%s.%N; }
mkdir -p "$W/zoo/bench/big"
"$O"/bench/bench_gen "$W/zoo/bench/big/model.safetensors" "$MB"
f="$W/zoo/bench/big/model.safetensors"
bytes=$(wc -c <"$f")
cat "$f" >/dev/null; cat "$f" >/dev/null    # warm the page cache
best_cat=999999 best_zx=999999
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a < b) ? a : b }'; }
for i in 1 2 3; do
    t0=$(now); cat "$f" >/dev/null; t1=$(now)
    best_cat=$(min "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" "$best_cat")
    rm -rf "$W/db"
    t0=$(now); "$ZX" --db "$W/db" ingest "$W/zoo" >/dev/null; t1=$(now)
    best_zx=$(min "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" "$best_zx")
done
awk -v n="$bytes" -v c="$best_cat" -v z="$best_zx" 'BEGIN {
    printf "desc_file_bytes %d B\n", n
    printf "cat_seconds %.3f s (best of 3, warm)\n", c
    printf "cat_throughput %.0f MiB/s\n", n / c / 1048576
    printf "ingest_seconds %.3f s (best of 3: open, descriptors, store)\n", z
    printf "ingest_throughput %.0f MiB/s\n", n / z / 1048576
    printf "ingest_vs_cat_ratio %.3f (goal >= 0.5)\n", c / z }'
rm -f "$f"
"$O"/bench/bench_search "$W/sdb" "$N" 200
sh tests/bench/bench_crawl.sh
# Lineage recovery on the ground-truth zoo, crawled from the mock Hub so the
# records carry createdAt; the same zoo ingested from disk gives MoTHer its
# kurtosis.
sh tests/bench/bench_lineage.sh "$W"
