#!/bin/sh
# t3200 - readers keep working while an ingest writes; a second writer is
# refused at once with exit 4.
. "${0%/*}/lib.sh"
ok "$ZX" --db "$DB" ingest "$ZOO"
for org in a b c d e f g h i j; do
    for m in "$ZOO"/*/*/; do
        d="$T/big/o$org/$(basename "$m")"
        mkdir -p "$d"; cp -l "$m"* "$d/" 2>/dev/null || cp "$m"* "$d/"
    done
done
"$ZX" --db "$DB" ingest "$T/big" >"$T/w.out" 2>&1 &
pid=$!
reads=0 bad=0 locked=0
while kill -0 "$pid" 2>/dev/null; do
    "$ZX" --db "$DB" search --like zoodex-demo/tinybert-base -k 5 >/dev/null 2>"$T/r.err" || bad=$((bad + 1))
    "$ZX" --db "$DB" stats >/dev/null 2>>"$T/r.err" || bad=$((bad + 1))
    reads=$((reads + 1))
    if [ "$locked" -eq 0 ]; then
        "$ZX" --db "$DB" ingest "$ZOO" >/dev/null 2>"$T/l.err"
        rc=$?
        if [ $rc -eq 4 ]; then locked=1; fi
    fi
done
wait "$pid"
check test $? -eq 0
check test "$bad" -eq 0
check test "$reads" -gt 0
check test "$locked" -eq 1
grep_ok 'locked by another zoodex process' "$T/l.err"
ok "$ZX" --db "$DB" verify
grep_ok '^ok: 167 models' "$T/out"
done_testing
