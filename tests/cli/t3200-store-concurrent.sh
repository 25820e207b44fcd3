#!/bin/sh
# t3200 - readers keep working while an ingest writes; a second writer is
# refused at once with exit 4.  A reader whose snapshot names a vector
# file that a writer replaced and removed before the reader opened it
# answers from the store without a warning (normal activity, no damage).
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
# A reader held between its snapshot and the opening of its group's vector
# file (strace delays that openat) while a writer commits a new generation
# of the group and removes the old file: it finds no file, and stays silent.
if command -v strace >/dev/null 2>&1 &&
    strace -f -o /dev/null true 2>/dev/null; then
    M=zoodex-demo/tinybert-base
    ok "$ZX" --db "$DB" search --like "$M" -k 5
    cp "$T/out" "$T/race.want"
    g=$(sed -n 's/.*(weight group \(.*\)):$/\1/p' "$T/out")
    old=$(ls "$DB/vectors" | grep "^$g\.g")
    ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=0 strace -f -o "$T/race.st" -P "$DB/vectors/$old" -e trace=openat \
        -e inject=openat:delay_enter=8000000 \
        "$ZX" --db "$DB" search --like "$M" -k 5 >"$T/race.out" 2>"$T/race.err" &
    rpid=$!
    sleep 2
    mkdir -p "$T/more/oz"
    cp -r "$ZOO/$M" "$T/more/oz/"
    ok "$ZX" --db "$DB" ingest "$T/more"
    grep_ok '1 new' "$T/out"
    check test ! -e "$DB/vectors/$old"
    check kill -0 "$rpid" # still held: the race took place
    wait "$rpid"
    check test $? -eq 0
    grep_ok "$old.*ENOENT" "$T/race.st" # it opened the removed file
    same "$T/race.want" "$T/race.out"
    check test ! -s "$T/race.err"
else
    echo "t3200: reader race part skipped (needs a working strace)"
fi
done_testing
