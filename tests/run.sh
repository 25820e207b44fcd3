#!/bin/sh
# tests/run.sh - run every unit test binary given as arguments, every CLI
# script in tests/cli and every fuzz-corpus replay, then print the total.
# Environment: ZX (the zoodex binary), O (build folder), ZX_SHARED (the
# shared fixtures, default ../shared), ZX_TEST_SLOW=1 for slow cases,
# ZX_CLI="t1100 t1300" to run only the CLI scripts whose names start so
# (then without the mock Hub's selftest).
# --valgrind (or ZX_VALGRIND=1): the CLI scripts run zoodex, and the fuzz
# replays run, under valgrind; an error or a definite or indirect leak
# fails the script (tests/cli/lib.sh) or the replay.
set -u
O=${O:-build}
if [ "${1:-}" = --valgrind ]; then
    ZX_VALGRIND=1
    shift
fi
ZX_VALGRIND=${ZX_VALGRIND:-}
ZX_CLI=${ZX_CLI:-}
VG="valgrind -q --leak-check=full --show-leak-kinds=definite,indirect
    --errors-for-leak-kinds=definite,indirect --error-exitcode=99"
export ZX_VALGRIND VG
ZX_SHARED=${ZX_SHARED:-$(cd .. && pwd)/shared}
export ZX ZX_SHARED
# (LeakSanitizer cannot run under ptrace: tests that strace or gdb zoodex
# add detect_leaks=0 to ASAN_OPTIONS for that run.)
# A sanitizer report (SANITIZE builds) exits 86, never 1, which is also a
# test's "some checks failed" and zoodex's "error": a LeakSanitizer leak
# found at exit (after the summary line, whose buffered output it loses)
# is then counted as a crash below and fails any CLI check of a status.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=86
export ASAN_OPTIONS
log=$O/test.log
: >"$log"
for t in "$@"; do
    "$t" >>"$log" 2>&1
    rc=$?
    if [ $rc -gt 1 ]; then
        echo "$t: 0 passed, 1 failed (crashed: status $rc)" >>"$log"
    fi
done
for s in tests/cli/t[0-9]*.sh; do
    if [ -n "$ZX_CLI" ]; then
        want=
        for c in $ZX_CLI; do
            case ${s##*/} in "$c"*) want=1 ;; esac
        done
        [ -n "$want" ] || continue
    fi
    sh "$s" >>"$log" 2>&1
    rc=$?
    if [ $rc -gt 1 ]; then
        echo "$s: 0 passed, 1 failed (died: status $rc)" >>"$log"
    fi
done
# the mock Hub the crawl tests rely on checks itself
[ -n "$ZX_CLI" ] || sh tests/mockhub/selftest.sh >>"$log" 2>&1 ||
    grep -q 'mockhub-selftest: ' "$log" ||
    echo "mockhub-selftest: 0 passed, 1 failed" >>"$log"
for r in "$O"/tests/replay-*; do
    [ -x "$r" ] || continue
    name=${r##*/replay-}
    # shellcheck disable=SC2086
    if ${ZX_VALGRIND:+$VG} "$r" tests/fuzz/seeds/"$name"/* >>"$log" 2>&1; then
        echo "replay-$name: 1 passed, 0 failed" >>"$log"
    else
        echo "replay-$name: 0 passed, 1 failed" >>"$log"
    fi
done
cat "$log"
awk '/ passed, [0-9]+ failed/ {
        for (i = 1; i <= NF; i++) {
            if ($(i) ~ /^passed,?$/) p += $(i - 1)
            if ($(i) ~ /^failed/) f += $(i - 1)
        }
    }
    END { printf "TOTAL: %d passed, %d failed\n", p, f; exit f != 0 }' "$log"
