#!/bin/sh
# t2200 - a crawl killed with SIGKILL at any point is completed by the next
# run, which converges to exactly the index of an uninterrupted crawl; a
# second concurrent crawl exits at once with 4; SIGTERM stops cleanly.
. "${0%/*}/lib.sh"
start_mock --repos "$ZOO" --latency-ms 8
ok "$ZX" --db "$T/ref" crawl --parallel 1
snapshot "$T/ref" "$T/ref.snap"
sed -i '/"index":/d; /"bytes_fetched"/d' "$T/ref.snap"
landed=0
for target in 1 4 9 14; do
    db="$T/k$target"
    "$ZX" --db "$db" crawl --parallel 1 >/dev/null 2>&1 &
    pid=$!
    i=0
    while [ $i -lt 600 ] && kill -0 "$pid" 2>/dev/null &&
          [ "$("$ZX" --db "$db" list 2>/dev/null | wc -l)" -lt "$target" ]; do
        sleep 0.02; i=$((i + 1))
    done
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    have=$("$ZX" --db "$db" list 2>/dev/null | wc -l)
    [ "$have" -lt 17 ] && landed=$((landed + 1))
    if [ "$have" -gt 0 ]; then
        ok "$ZX" --db "$db" verify
    fi
    ok "$ZX" --db "$db" crawl --parallel 1
    ok "$ZX" --db "$db" verify
    grep_ok '^ok: 17 models, 17 vectors' "$T/out"
    snapshot "$db" "$T/snap"
    sed -i '/"index":/d; /"bytes_fetched"/d' "$T/snap"
    same "$T/ref.snap" "$T/snap"
done
check test "$landed" -ge 3
# A second crawl while one runs: exit 4 at once, nothing touched.
"$ZX" --db "$T/lock" crawl --parallel 1 >/dev/null 2>&1 &
pid=$!
i=0
while [ ! -f "$T/lock/data.mdb" ] && [ $i -lt 200 ]; do sleep 0.02; i=$((i + 1)); done
fails 4 "$ZX" --db "$T/lock" crawl
one_line "$T/err"
grep_ok 'locked by another zoodex process' "$T/err"
wait "$pid"
# SIGTERM: the crawl stops between batches with its progress committed.
"$ZX" --db "$T/term" crawl --parallel 1 --json >"$T/term.out" 2>&1 &
pid=$!
i=0
while [ $i -lt 600 ] && kill -0 "$pid" 2>/dev/null &&
      [ "$("$ZX" --db "$T/term" list 2>/dev/null | wc -l)" -lt 2 ]; do
    sleep 0.02; i=$((i + 1))
done
kill -TERM "$pid" 2>/dev/null
wait "$pid"
rc=$?
check test "$rc" -eq 130 -o "$rc" -eq 0
if [ "$rc" -eq 130 ]; then grep_ok '"interrupted": true' "$T/term.out"; fi
ok "$ZX" --db "$T/term" verify
grep_not 'stale' "$T/out"
ok "$ZX" --db "$T/term" crawl --parallel 1
snapshot "$T/term" "$T/snap"
sed -i '/"index":/d; /"bytes_fetched"/d' "$T/snap"
same "$T/ref.snap" "$T/snap"
done_testing
