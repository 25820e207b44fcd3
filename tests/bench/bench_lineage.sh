#!/bin/sh
# tests/bench/bench_lineage.sh WORKDIR - crawl fixtures/lineage/zoo from the
# mock Hub into WORKDIR/lineage, ingest it from disk into WORKDIR/lineage-full,
# then run bench_lineage on both.
set -eu
O=${O:-build}
: "${ZX:?}"
W=$1
rm -f "$W/lport"
python3 tests/mockhub/mockhub.py --repos fixtures/lineage/zoo \
    --port-file "$W/lport" >"$W/lmock.log" 2>&1 &
mock=$!
trap 'kill $mock 2>/dev/null' EXIT
while [ ! -s "$W/lport" ]; do sleep 0.1; done
HF_ENDPOINT=$(cut -d' ' -f1 "$W/lport") "$ZX" --db "$W/lineage" crawl >/dev/null
"$ZX" --db "$W/lineage-full" ingest fixtures/lineage/zoo >/dev/null
"$O"/bench/bench_lineage "$W/lineage" fixtures/lineage/TRUTH.json "$W/lineage-full"
