#!/bin/sh
# t3000 - kill -9 during an ingest leaves an index that verify accepts and
# that answers queries; re-running converges to exactly the index of an
# uninterrupted run, without duplicates.
. "${0%/*}/lib.sh"
# A tree of 240 models (hard links to the zoo's files, new ids).
n=0
for org in a b c d e f g h i j k l m n o p q r s t; do
    for m in zoodex-demo/tinybert-base zoodex-demo/tinybert-topic3 \
             other-lab/minibert-spam vision-demo/tinyresnet-colors \
             acme-nlp/tinybert-emotion pixel-co/tinyresnet-colors-v2 \
             other-lab/minibert-lang quant-lab/tinybert-topic3-fp16 \
             solo-dev/tinybert-intent vision-demo/tinyresnet-shapes \
             zoodex-demo/tinybert-sentiment other-lab/minibert-base; do
        d="$T/big/org-$org/${m#*/}"
        mkdir -p "$d"
        cp -l "$ZOO/$m/"* "$d/" 2>/dev/null || cp "$ZOO/$m/"* "$d/"
        n=$((n + 1))
    done
done
ok "$ZX" --db "$T/ref" ingest "$T/big"
grep_ok "^$n models: $n new" "$T/out"
snapshot "$T/ref" "$T/ref.snap"
sed -i '/"index":/d' "$T/ref.snap"
# Kill once nothing is committed yet and after about 1, 40 and 150 models.
interrupted=0
for target in 0 1 40 150; do
    db="$T/crash-$target"
    "$ZX" --db "$db" ingest "$T/big" >/dev/null 2>&1 &
    pid=$!
    i=0
    while [ $i -lt 2000 ] && kill -0 "$pid" 2>/dev/null; do
        have=$("$ZX" --db "$db" list 2>/dev/null | wc -l)
        [ "$have" -ge "$target" ] && break
        i=$((i + 1))
    done
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    have=$("$ZX" --db "$db" list 2>/dev/null | wc -l)
    [ "$have" -lt "$n" ] && interrupted=$((interrupted + 1))
    if [ -f "$db/data.mdb" ] && [ "$have" -eq 0 ]; then
        # Killed before the first commit: readers see no index yet (5).
        "$ZX" --db "$db" verify >"$T/out" 2>"$T/err"
        rc=$?
        check test "$rc" -eq 0 -o "$rc" -eq 5
    elif [ -f "$db/data.mdb" ]; then
        ok "$ZX" --db "$db" verify
        ok "$ZX" --db "$db" list
        got=$(wc -l <"$T/out")
        if [ "$got" -gt 0 ]; then
            first=$(head -1 "$T/out" | cut -d" " -f1)
            ok "$ZX" --db "$db" search --like "$first" -k 3
        fi
    fi
    ok "$ZX" --db "$db" ingest "$T/big"
    ok "$ZX" --db "$db" verify
    grep_ok "^ok: $n models, $n vectors" "$T/out"
    grep_not "stale" "$T/out"
    snapshot "$db" "$T/crash.snap"
    sed -i '/"index":/d' "$T/crash.snap"
    same "$T/ref.snap" "$T/crash.snap"
done
# Most kills must really have landed mid-way for this test to mean much.
check test "$interrupted" -ge 3
# SIGTERM stops cleanly: the summary says so and the vector files are current.
"$ZX" --db "$T/term" ingest "$T/big" >"$T/term.out" 2>&1 &
pid=$!
i=0
while [ $i -lt 2000 ] && kill -0 "$pid" 2>/dev/null &&
      [ "$("$ZX" --db "$T/term" list 2>/dev/null | wc -l)" -lt 30 ]; do
    i=$((i + 1))
done
kill -TERM "$pid" 2>/dev/null
wait "$pid"
rc=$?
check test "$rc" -eq 130 -o "$rc" -eq 0
if [ "$rc" -eq 130 ]; then
    grep_ok '\(interrupted\)$' "$T/term.out"
fi
ok "$ZX" --db "$T/term" verify
grep_not "stale" "$T/out"
done_testing
