#!/bin/sh
# tests/check-tour.sh - the tour of the source tree in CONTRIBUTING.md names
# every source file, and README.md every man page; part of `make check`.
#
# Source files: every tracked file under src/, ingest/, index/, query/,
# scripts/ and contrib/, the .c, .h, .sh and .py files under tests/ (not
# the fuzz seeds), the generators in fixtures/gen/, and .ci/run.  Each must
# appear in CONTRIBUTING.md as `path` (in backquotes).  Each man page
# man/NAME.N must appear in README.md as `NAME(N)`.
#
# usage: sh tests/check-tour.sh             (from the repository root)
# Prints "check-tour: N passed, N failed"; exits 1 on any failure.
# SPDX-License-Identifier: MIT
set -u
pass=0
fail=0

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    all=$(git ls-files)
else
    all=$(find . -path ./build -prune -o -path './build-*' -prune -o \
        -path ./.git -prune -o -type f -print | sed 's|^\./||' | sort)
fi

sources=$(printf '%s\n' "$all" | grep -E \
    '^((src|ingest|index|query|scripts|contrib)/|tests/.*\.(c|h|sh|py)$|fixtures/gen/.*\.py$|\.ci/run$)' |
    grep -v '^tests/fuzz/seeds/')
# named DOC MESSAGE ITEM...: each ITEM must stand in DOC as `ITEM`; the
# ones that do not are listed under MESSAGE.
named() {
    doc=$1 msg=$2 missing=
    shift 2
    for x in "$@"; do
        if grep -qF "\`$x\`" "$doc"; then
            pass=$((pass + 1))
        else
            fail=$((fail + 1))
            missing="$missing $x"
        fi
    done
    if [ -n "$missing" ]; then
        echo "check-tour: $msg" >&2
        printf '  %s\n' $missing >&2
    fi
}
# shellcheck disable=SC2086
named CONTRIBUTING.md "CONTRIBUTING.md's tour of the source tree does not name these files (add a line \"- \`path\`: what it is for\"):" $sources
pages=
for p in $(printf '%s\n' "$all" | grep -E '^man/[^/]+\.[1-9]$'); do
    b=${p#man/}
    pages="$pages ${b%.*}(${b##*.})"
done
# shellcheck disable=SC2086
named README.md "README.md's list of manual pages lacks:" $pages

echo "check-tour: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
