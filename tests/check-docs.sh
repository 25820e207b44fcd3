#!/bin/sh
# tests/check-docs.sh - keep the man pages, the command table and --help in
# sync (git's t0450, curl's test1139).
#
# For every row of commands[] in src/main.c it checks that
# man/zoodex-<name>.1 exists and lints clean (groff -mdoc -ww -z prints
# nothing; so does mandoc -Tlint -Wwarning where mandoc is installed), that
# the page's rendered SYNOPSIS is "zoodex [--db dir] <name> <synopsis>" and
# holds every option of the row, that `$ZX <name> --help` prints the same
# usage line and lists the same options (long and short spellings) as the
# page's option list (".It Fl" items), and that zoodex(1) links the page.  It also lints zoodex.1 and
# zoodex-store.5 and refuses man/zoodex-*.1 pages without a command.
#
# usage: ZX=build/zoodex sh tests/check-docs.sh     (from the repository root)
# Prints "check-docs: N passed, N failed"; exits 1 on any failure.
# SPDX-License-Identifier: MIT
set -u

: "${ZX:?ZX must name the zoodex binary}"
pass=0
fail=0
T=$(mktemp -d "${TMPDIR:-/tmp}/zx-docs.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT

ok() {
    pass=$((pass + 1))
}
bad() {
    fail=$((fail + 1))
    echo "FAIL: $*" >&2
}

# Squeeze runs of blanks to one space and trim both ends.
squeeze() {
    tr -s ' \t\n' '   ' | sed 's/^ //; s/ $//'
}

# lint FILE: groff must print nothing; mandoc (if any) no warning or error.
lint() {
    if [ ! -f "$1" ]; then
        bad "$1 does not exist"
        return
    fi
    groff -mdoc -ww -z "$1" >"$T/lint" 2>&1
    if [ -s "$T/lint" ]; then
        bad "groff -mdoc -ww -z $1 complains:"
        cat "$T/lint" >&2
    else
        ok
    fi
    if command -v mandoc >/dev/null 2>&1; then
        mandoc -Tlint -Wwarning "$1" >"$T/lint" 2>&1
        if [ -s "$T/lint" ]; then
            bad "mandoc -Tlint $1 complains:"
            cat "$T/lint" >&2
        else
            ok
        fi
    fi
}

# synopsis FILE: the page's SYNOPSIS section as one squeezed line.
synopsis() {
    groff -mdoc -Tutf8 -P-c -P-b -P-u -rLL=300n "$1" 2>/dev/null |
        awk '/^SYNOPSIS/ { on = 1; next } on && /^[^ \t]/ { exit } on' |
        squeeze
}

if ! command -v groff >/dev/null 2>&1; then
    echo "check-docs: groff is missing (apt-get install groff-base)" >&2
    echo "check-docs: 0 passed, 1 failed"
    exit 1
fi

# The command table: one "name<TAB>synopsis" line per row.  Rows look like
#   {"name", cmd_name, "synopsis", "summary"},  (maybe over several lines,
# a long synopsis as adjacent string literals "..." "...", which C joins:
# so does the gsub below).
awk '/commands\[\][ \t]*=/ { on = 1 } on { printf "%s ", $0 } on && /^};/ { exit }' \
    src/main.c >"$T/table.c"
n_fns=$(grep -o 'cmd_[a-z_]*' "$T/table.c" | wc -l)
awk '{
    gsub(/"[ \t]+"/, "")
    n = split($0, rows, /\{[ \t]*"/)
    for (i = 2; i <= n; i++) {
        r = rows[i]
        name = substr(r, 1, index(r, "\"") - 1)
        r = substr(r, index(r, "\"") + 1)
        if (r !~ /^[ \t]*,[ \t]*cmd_[a-z_]+[ \t]*,[ \t]*"/) continue
        r = substr(r, index(r, "\"") + 1)
        syn = substr(r, 1, index(r, "\"") - 1)
        r = substr(r, index(r, "\"") + 1)
        if (r !~ /^[ \t]*,/) { print name "\t" "?unparsed"; continue }
        print name "\t" syn
    }
}' "$T/table.c" >"$T/rows"
n_rows=$(wc -l <"$T/rows")
if [ "$n_rows" -eq 0 ] || [ "$n_rows" -ne "$n_fns" ]; then
    bad "parsed $n_rows rows from commands[] in src/main.c but it names $n_fns cmd_ functions"
else
    ok
fi

tab=$(printf '\t')
while IFS="$tab" read -r name syn; do
    page=man/zoodex-$name.1
    if [ "$syn" = "?unparsed" ]; then
        bad "cannot parse the synopsis of '$name' in src/main.c (string literals only, please)"
        continue
    fi
    want="zoodex [--db dir] $name $syn"
    want=$(printf '%s' "$want" | squeeze)
    lint "$page"
    [ -f "$page" ] || continue

    # The page's SYNOPSIS is the table's, word for word.
    got=$(synopsis "$page")
    if [ "$got" = "$want" ]; then
        ok
    else
        bad "$page SYNOPSIS differs from src/main.c"
        printf '  page:  %s\n  table: %s\n' "$got" "$want" >&2
    fi
    # Every option of the row appears in it (a clearer message than the
    # line above when an option is missing).
    words=" $(printf '%s\n' "$got" | sed 's/[][|()]/ /g' | squeeze) "
    for w in $(printf '%s\n' "$syn" | sed 's/[][|()]/ /g'); do
        case $w in
        -*)
            case $words in
            *" $w "*) ok ;;
            *) bad "$page SYNOPSIS lacks option '$w'" ;;
            esac
            ;;
        esac
    done
    # The page names itself and its command.
    if grep -q "^\.Dt ZOODEX-$(echo "$name" | tr '[:lower:]' '[:upper:]') 1\$" "$page" &&
        grep -q "^\.Nm zoodex-$name\$" "$page"; then
        ok
    else
        bad "$page lacks '.Dt ZOODEX-<NAME> 1' or '.Nm zoodex-$name'"
    fi
    # zoodex(1) links it.
    if grep -q "^\.Xr zoodex-$name 1" man/zoodex.1; then
        ok
    else
        bad "man/zoodex.1 does not link zoodex-$name(1)"
    fi

    # `zoodex <name> --help` prints the table's usage line and exits 0.
    if ZOODEX_DB="$T/no-index" "$ZX" "$name" --help >"$T/help" 2>"$T/help.err"; then
        got=$(sed -n 1p "$T/help" | squeeze)
        if [ "$got" = "usage: $want" ]; then
            ok
        else
            bad "'zoodex $name --help' prints a different usage line"
            printf '  help:  %s\n  table: usage: %s\n' "$got" "$want" >&2
        fi
    else
        bad "'zoodex $name --help' exits with status $?"
        cat "$T/help.err" >&2
    fi
    # --help lists the same options (long and short) as the page's option
    # list (its ".It Fl" items), each with what it does.
    sed -n '/^options:$/,/^$/p' "$T/help" | sed -n 's/^  \(-.*\)/\1/p' |
        sed 's/  .*//' | grep -oE -- '--?[A-Za-z][A-Za-z-]*' |
        sort -u >"$T/help.flags"
    grep '^\.It Fl ' "$page" | grep -oE 'Fl -?[A-Za-z][A-Za-z-]*' |
        sed 's/^Fl /-/' | sort -u >"$T/man.flags"
    if [ ! -s "$T/help.flags" ]; then
        bad "'zoodex $name --help' lists no options"
    elif cmp -s "$T/help.flags" "$T/man.flags"; then
        ok
    else
        bad "'zoodex $name --help' and $page list different options"
        comm -3 "$T/help.flags" "$T/man.flags" |
            sed 's/^\t/  only in the page: /; s/^-/  only in --help: -/' >&2
    fi
done <"$T/rows"

# Pages without a command.
for page in man/zoodex-*.1; do
    [ -f "$page" ] || continue
    name=${page#man/zoodex-}
    name=${name%.1}
    if cut -f1 "$T/rows" | grep -qx "$name"; then
        ok
    else
        bad "$page documents '$name', which is not in commands[]"
    fi
done

lint man/zoodex.1
lint man/zoodex-store.5

echo "check-docs: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
