#!/bin/sh
# t5510 - kill -9 during charting (the lineage update that ends an ingest):
# before the first group's chart commits, between two groups, and after
# the last one but before "lineage:last" is written.  The re-run restores
# `stats --json`'s lineage_last_update and converges to exactly the stats
# of an uninterrupted run (its time aside).  The kill is placed by gdb at
# a store write, so it lands where it should on every run.
. "${0%/*}/lib.sh"
if ! command -v gdb >/dev/null 2>&1 || [ "${ZX_VALGRIND:-}" = 1 ]; then
    echo "t5510: skipped (needs gdb, not under valgrind)" >&2
    done_testing
    exit 0
fi
stats() { # stats DB OUT: stats --json without the folder, bytes and time
    "$ZX" --db "$1" stats --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
for k in ("index", "bytes_used"):
    d.pop(k)
d["lineage_last_update"].pop("time")
print(json.dumps(d, indent=2, sort_keys=True))' >"$2" 2>&1
}
ok "$ZX" --db "$T/ref" ingest "$ZOO"
stats "$T/ref" "$T/ref.stats"
grep_ok '"components": [1-9]' "$T/ref.stats"
grep_ok '"groups": 2,' "$T/ref.stats"
# kill_at NAME KEY SKIP: ingest the zoo into $T/NAME under gdb, killed at
# the (SKIP+1)-th write of a state key KEY starts with (a group's
# "lineage:pending:<arch>"), before its transaction commits.
kill_at() {
    gdb -q -batch -ex "break zx_store_put_state if \$_regex(key, \"^$2\")" \
        -ex "ignore 1 $3" -ex run -ex kill \
        --args "$ZX" --db "$T/$1" ingest "$ZOO" >"$T/gdb.out" 2>&1
    grep_ok 'hit Breakpoint 1' "$T/gdb.out"
}
for c in "first lineage:pending: 0" "between lineage:pending: 1" \
         "last lineage:last 0"; do
    set -- $c
    kill_at "$@"
    ok "$ZX" --db "$T/$1" list
    check test "$(wc -l <"$T/out")" -eq 17
    ok "$ZX" --db "$T/$1" ingest "$ZOO"
    grep_ok '^17 models: 0 new, 0 updated, 17 unchanged, 0 failed$' "$T/out"
    ok "$ZX" --db "$T/$1" verify
    grep_not 'stale' "$T/out"
    stats "$T/$1" "$T/$1.stats"
    same "$T/ref.stats" "$T/$1.stats"
    # and it stays so
    ok "$ZX" --db "$T/$1" ingest "$ZOO"
    stats "$T/$1" "$T/$1.stats"
    same "$T/ref.stats" "$T/$1.stats"
done
# Killed after the first group's chart, then a run that changes both
# groups (a copy of a model of each) before it ends: each group counts once
# (its last chart), as in one uninterrupted run over the same models.
mkdir -p "$T/extra/org"
cp -r "$ZOO/acme-nlp/tinybert-emotion" "$T/extra/org/bert-copy"
cp -r "$ZOO/vision-demo/tinyresnet-base" "$T/extra/org/resnet-copy"
ok "$ZX" --db "$T/ref2" ingest "$ZOO" "$T/extra"
stats "$T/ref2" "$T/ref2.stats"
kill_at twice lineage:pending: 1
ok "$ZX" --db "$T/twice" ingest "$ZOO" "$T/extra"
grep_ok '^19 models: 2 new, 0 updated, 17 unchanged, 0 failed$' "$T/out"
stats "$T/twice" "$T/twice.stats"
for k in groups components; do
    grep "\"$k\":" "$T/ref2.stats" >"$T/ref2.$k"
    grep "\"$k\":" "$T/twice.stats" >"$T/twice.$k"
    same "$T/ref2.$k" "$T/twice.$k"
done
# A run that charts nothing keeps the last update's record.
ok "$ZX" --db "$T/ref" ingest "$ZOO"
stats "$T/ref" "$T/again.stats"
same "$T/ref.stats" "$T/again.stats"
done_testing
