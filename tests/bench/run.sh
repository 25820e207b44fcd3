#!/bin/sh
# tests/bench/run.sh - `make bench`: descriptor throughput against the raw
# read speed of the same warm file; search latency over BENCH_N and
# BENCH_BIG fingerprints, in process against a FAISS exact (flat) search
# of the same vectors in the same run, and end to end through the CLI
# (process start, opening the index, mapping the vector file, printing).
# BENCH_MB (1024) sizes the checkpoint; BENCH_N (100000) and BENCH_BIG
# (1000000; 0 skips it, its index takes about 1 GB of store and 1 GB of
# vector file in TMPDIR) the fingerprints; BENCH_CLI_RUNS (50) the CLI runs
# (hyperfine when installed, else a shell loop).
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
BIG=${BENCH_BIG:-1000000}
RUNS=${BENCH_CLI_RUNS:-50}
# CLI end to end: median wall time of `search --like` on a warm index.
cli() {
    db=$1
    q=$(sed -n 2p "$db/queries.txt")
    if command -v hyperfine >/dev/null 2>&1; then
        hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$W/hf.json" \
            "$ZX --db $db search --like $q" >/dev/null 2>&1
        med=$(tr -d ' \n' <"$W/hf.json" | sed 's/.*"median":\([0-9.e+-]*\).*/\1/')
        how="hyperfine, $RUNS runs"
    else
        "$ZX" --db "$db" search --like "$q" >/dev/null
        : >"$W/t"
        i=0
        while [ $i -lt "$RUNS" ]; do
            t0=$(now)
            "$ZX" --db "$db" search --like "$q" >/dev/null
            t1=$(now)
            echo "$t0 $t1" | awk '{ print $2 - $1 }' >>"$W/t"
            i=$((i + 1))
        done
        med=$(sort -g "$W/t" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
        how="shell loop, $RUNS runs, includes date(1)"
    fi
    awk -v m="$med" -v h="$how" -v n="$2" 'BEGIN {
        printf "cli_search_median_ms %.1f ms (%s vectors, %s; goal < 30)\n", m * 1e3, n, h }'
}
"$O"/bench/bench_search "$W/sdb" "$N" 200
cli "$W/sdb" "$N"
if [ "$BIG" -gt 0 ]; then
    rm -rf "$W/sdb"
    # the flat baseline scans every vector: 50 of its queries are plenty
    "$O"/bench/bench_search "$W/sdb" "$BIG" 200 50
    cli "$W/sdb" "$BIG"
fi
rm -rf "$W/sdb"
sh tests/bench/bench_crawl.sh
# Lineage recovery on the ground-truth zoo, crawled from the mock Hub so the
# records carry createdAt; the same zoo ingested from disk gives MoTHer its
# kurtosis.
sh tests/bench/bench_lineage.sh "$W"
