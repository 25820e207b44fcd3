#!/bin/sh
# tests/check-format.sh - every tracked .c and .h file is formatted as
# .clang-format says (clang-format --dry-run --Werror); part of `make check`.
#
# usage: sh tests/check-format.sh [--fix]       (from the repository root)
# --fix (`make format`) rewrites the files in place instead.
# Prints "check-format: N passed, N failed" (one count per file) and names
# every file that differs; exits 1 if any does.  CLANG_FORMAT picks the
# binary (default clang-format; `make setup` installs it).
# SPDX-License-Identifier: MIT
set -u
CF=${CLANG_FORMAT:-clang-format}

if ! command -v "$CF" >/dev/null 2>&1; then
    echo "check-format: $CF is missing: run 'make setup' (Debian package clang-format)" >&2
    echo "check-format: 0 passed, 1 failed"
    exit 1
fi
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    files=$(git ls-files -- '*.c' '*.h')
else
    files=$(find . -path ./build -prune -o -path './build-*' -prune -o \
        \( -name '*.c' -o -name '*.h' \) -print | sed 's|^\./||' | sort)
fi
[ -n "$files" ] || {
    echo "check-format: no .c or .h files found" >&2
    echo "check-format: 0 passed, 1 failed"
    exit 1
}

if [ "${1:-}" = --fix ]; then
    # shellcheck disable=SC2086
    exec "$CF" -i $files
fi

T=$(mktemp "${TMPDIR:-/tmp}/zx-format.XXXXXX") || exit 1
trap 'rm -f "$T"' EXIT
# One run over every file; its diagnostics name the files that differ.
# shellcheck disable=SC2086
"$CF" --dry-run --Werror $files >"$T" 2>&1
rc=$?
bad=$(sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: error: .*clang-format-violations.*/\1/p' "$T" | sort -u)
n=$(printf '%s\n' "$files" | wc -l)
if [ -n "$bad" ]; then
    nbad=$(printf '%s\n' "$bad" | wc -l)
    echo "check-format: these files differ from .clang-format ('make format' fixes them):" >&2
    printf '  %s\n' $bad >&2
elif [ $rc -ne 0 ]; then
    nbad=1
    echo "check-format: $CF failed:" >&2
    cat "$T" >&2
else
    nbad=0
fi
echo "check-format: $((n - nbad)) passed, $nbad failed"
[ "$nbad" -eq 0 ]
