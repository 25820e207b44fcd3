#!/bin/sh
# t0000 - global options, usage errors, help for every command.
. "${0%/*}/lib.sh"
ok "$ZX" --version
grep_ok '^zoodex [0-9]' "$T/out"
ok "$ZX" --help
grep_ok 'ingest' "$T/out"
fails 2 "$ZX"
fails 2 "$ZX" frobnicate
grep_ok "'frobnicate' is not a zoodex command" "$T/err"
fails 2 "$ZX" --bogus stats
for c in ingest inspect lineage list reindex search show stats verify; do
    ok "$ZX" "$c" --help
    grep_ok "^usage: zoodex \[--db dir\] $c" "$T/out"
done
fails 2 "$ZX" --db "$DB" ingest
fails 2 "$ZX" --db "$DB" search
fails 2 "$ZX" --db "$DB" search --like x -k 0
fails 2 "$ZX" --db "$DB" search --like x -k abc
fails 2 "$ZX" --db "$DB" show
fails 2 "$ZX" --db "$DB" show a b
fails 2 "$ZX" --db "$DB" stats extra
fails 2 "$ZX" --db "$DB" ingest --nope "$ZOO"
# A read command on a missing index says so and exits 5 (not found).
fails 5 "$ZX" --db "$T/none" stats
one_line "$T/err"
grep_ok "no index at" "$T/err"
# ZOODEX_DB and XDG_DATA_HOME pick the index.
ok env ZOODEX_DB="$T/envdb" "$ZX" ingest "$ZOO/zoodex-demo/tinybert-base"
check test -f "$T/envdb/data.mdb"
ok env -u ZOODEX_DB XDG_DATA_HOME="$T/xdg" "$ZX" ingest "$ZOO/zoodex-demo/tinybert-base"
check test -f "$T/xdg/zoodex/data.mdb"
done_testing
