#!/bin/sh
# t0100 - usage errors say what is wrong; --help lists every option with its
# default; `zoodex help COMMAND` never fails in a source checkout.
. "${0%/*}/lib.sh"
# Nothing here may reach a network: a Hub that is not there.
export HF_ENDPOINT=http://127.0.0.1:9

# ===== Global options and commands =====
fails 2 "$ZX" --verison
grep_ok "^zoodex: unknown option '--verison' \(did you mean --version\?\)" "$T/err"
fails 2 "$ZX" --db
grep_ok "^zoodex: option '--db' needs a value" "$T/err"
fails 2 "$ZX" --db "" list
grep_ok "^zoodex: --db wants a folder, not an empty string" "$T/err"
check test ! -e data.mdb
fails 2 "$ZX" ingets "$ZOO"
grep_ok "^zoodex: 'ingets' is not a zoodex command \(did you mean 'ingest'\?\)" "$T/err"
fails 2 "$ZX" lsit
grep_ok "did you mean 'list'" "$T/err"
fails 2 "$ZX" frobnicate
grep_not "did you mean" "$T/err"
fails 2 "$ZX"
grep_ok "^zoodex: no command given" "$T/err"
# --db after the command, --json before it
fails 2 "$ZX" list --db "$DB"
grep_ok "^zoodex list: --db goes before the command: zoodex --db DIR list" "$T/err"
grep_ok "^usage: zoodex \[--db dir\] list" "$T/err"
fails 2 "$ZX" --json list
grep_ok "^zoodex: --json goes after the command" "$T/err"

# ===== Command options =====
fails 2 "$ZX" --db "$DB" list --jsno
grep_ok "^zoodex list: unknown option '--jsno' \(did you mean --json\?\)" "$T/err"
fails 2 "$ZX" --db "$DB" list -x
grep_ok "^zoodex list: unknown option '-x'" "$T/err"
fails 2 "$ZX" --db "$DB" list --arch
grep_ok "^zoodex list: option '--arch' needs a value" "$T/err"
fails 2 "$ZX" --db "$DB" search -k
grep_ok "^zoodex search: option '-k' needs a value" "$T/err"
fails 2 "$ZX" --db "$DB" show --tensors=yes x
grep_ok "^zoodex show: option '--tensors' takes no value" "$T/err"
# an abbreviation (getopt takes them) names the option it stands for
fails 2 "$ZX" --db "$DB" crawl --par
grep_ok "^zoodex crawl: option '--parallel' needs a value" "$T/err"
fails 2 "$ZX" --db "$DB" crawl --max 3
grep_ok "^zoodex crawl: option '--max' is ambiguous: it begins 2 options" "$T/err"
fails 2 "$ZX" --db "$DB" list --version
grep_ok "^zoodex list: --version is not an option of a command: zoodex --version" "$T/err"
fails 2 "$ZX" --db "$DB" crawl --since yesterday
grep_ok "^zoodex crawl: --since wants a date YYYY-MM-DD.*, not 'yesterday'" "$T/err"
fails 2 "$ZX" --db "$DB" crawl --parallel 0
grep_ok "^zoodex crawl: --parallel wants a number from 1 to 256, not '0'" "$T/err"
fails 2 "$ZX" --db "$DB" crawl --max-bytes 1X
grep_ok "^zoodex crawl: --max-bytes wants a whole number with an optional k, M, G or T suffix.*not '1X'" "$T/err"
fails 2 "$ZX" --db "$DB" crawl --rate -1
grep_ok "^zoodex crawl: --rate wants requests per second, a number from 0 .*not '-1'" "$T/err"
fails 2 "$ZX" --db "$DB" crawl --retries 21
grep_ok "from 0 to 20, not '21'" "$T/err"
fails 2 "$ZX" --db "$DB" crawl --page-size 0
grep_ok "from 1 to 10000, not '0'" "$T/err"
fails 2 "$ZX" --db "$DB" crawl extra
grep_ok "^zoodex crawl: unexpected operand 'extra' \(it takes no operands\)" "$T/err"
grep_ok "^usage: zoodex \[--db dir\] crawl" "$T/err"
fails 2 "$ZX" --db "$DB" lineage
grep_ok "^zoodex lineage: missing operand: give a model id or path" "$T/err"
fails 2 "$ZX" --db "$DB" show a b
grep_ok "^zoodex show: unexpected operand 'b'" "$T/err"
fails 2 "$ZX" --db "$DB" ingest
grep_ok "^zoodex ingest: missing operand" "$T/err"
fails 2 "$ZX" --db "$DB" inspect
grep_ok "^zoodex inspect: missing operand" "$T/err"
fails 2 "$ZX" --db "$DB" stats extra
grep_ok "^zoodex stats: unexpected operand 'extra'" "$T/err"
fails 2 "$ZX" --db "$DB" search
grep_ok "^zoodex search: missing operand" "$T/err"
fails 2 "$ZX" --db "$DB" ingest --org a/b "$ZOO"
grep_ok "^zoodex ingest: --org wants an organisation name" "$T/err"
# None of these created an index.
check test ! -e "$DB"

# ===== search MODEL is search --like MODEL =====
ok "$ZX" --db "$DB" ingest "$ZOO"
ok "$ZX" --db "$DB" search --like zoodex-demo/tinybert-base -k 3
cp "$T/out" "$T/like"
ok "$ZX" --db "$DB" search zoodex-demo/tinybert-base -k 3
same "$T/like" "$T/out"
grep_ok "^nearest to 'zoodex-demo/tinybert-base'" "$T/out"
fails 2 "$ZX" --db "$DB" search zoodex-demo/tinybert-base extra
grep_ok "unexpected operand 'extra'" "$T/err"

# ===== lineage: --format dot --json conflict =====
fails 2 "$ZX" --db "$DB" lineage --format dot --json tinybert-base
grep_ok "^zoodex lineage: --json and --format dot conflict" "$T/err"
fails 2 "$ZX" --db "$DB" lineage --json --format text tinybert-base
grep_ok "conflict" "$T/err"
ok "$ZX" --db "$DB" lineage --format json --json tinybert-base
python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$T/out"
check test $? -eq 0

# ===== COMMAND --help lists every option with its default =====
ok "$ZX" crawl --help
grep_ok '^options:$' "$T/out"
grep_ok '^  -p, --parallel n .*\(default 8\)' "$T/out"
grep_ok '^  -P, --page-size n .*\(default 1000\)' "$T/out"
grep_ok '^  -R, --retries n .*\(default 6\)' "$T/out"
grep_ok '^  -e, --exit-code .*exit 7' "$T/out"
for o in --author --filter --search --since --max-models --max-bytes \
    --rate --dry-run --json; do
    grep_ok "^  (-[a-zA-Z], )?$o( |$)" "$T/out"
done
ok "$ZX" search --help
grep_ok '^  -k n .*\(default 10\)' "$T/out"
ok "$ZX" lineage --help
grep_ok '^  -f, --format text\|json\|dot$' "$T/out"
grep_ok '^ +the output format \(default text\)' "$T/out"
ok "$ZX" ingest --help
grep_ok '^  -o, --org ORG' "$T/out"

# ===== zoodex help COMMAND =====
# On a pipe: the built-in text, exit 0.
ok "$ZX" help crawl
grep_ok '^usage: zoodex \[--db dir\] crawl' "$T/out"
grep_ok '^  -p, --parallel n' "$T/out"
fails 2 "$ZX" help crawll
grep_ok "did you mean 'crawl'" "$T/err"
# On a terminal, with no installed page (an empty MANPATH): the page of
# this checkout, found next to the binary (build/../man), from any folder.
mkdir -p "$T/emptyman" "$T/elsewhere"
if command -v script >/dev/null 2>&1 && command -v man >/dev/null 2>&1; then
    (cd "$T/elsewhere" && MANPATH="$T/emptyman" MANPAGER=cat PAGER=cat \
        MANWIDTH=80 SHELL=/bin/sh script -qec "$ZX help crawl" /dev/null) \
        >"$T/out" 2>"$T/err"
    check test $? -eq 0
    grep_ok '^ZOODEX-CRAWL\(1\) ' "$T/out"
    grep_not 'No manual entry' "$T/out"
    # An installed page wins over the checkout's (and man -w's answer, the
    # page's path, is not printed).
    mkdir -p "$T/instman/man1"
    printf '.Dd December 3, 2026\n.Dt ZOODEX-CRAWL 1\n.Os\n.Sh NAME\n.Nm zoodex-crawl\n.Nd installedmark\n' \
        >"$T/instman/man1/zoodex-crawl.1"
    (cd "$T/elsewhere" && MANPATH="$T/instman" MANPAGER=cat PAGER=cat \
        MANWIDTH=80 SHELL=/bin/sh script -qec "$ZX help crawl" /dev/null) \
        >"$T/out" 2>"$T/err"
    check test $? -eq 0
    grep_ok 'installedmark' "$T/out"
    grep_not 'instman' "$T/out"
    # No man at all: the built-in text, still exit 0.
    (cd "$T/elsewhere" && PATH="$T/emptyman" SHELL=/bin/sh \
        "$(command -v script)" -qec "$ZX help crawl" /dev/null) \
        >"$T/out" 2>"$T/err"
    check test $? -eq 0
    grep_ok 'usage: zoodex \[--db dir\] crawl' "$T/out"
    grep_ok 'options:' "$T/out"
    # A copy of the binary outside any checkout: the built-in text.
    cp "$ZX" "$T/elsewhere/zx"
    (cd "$T/elsewhere" && MANPATH="$T/emptyman" MANPAGER=cat PAGER=cat \
        SHELL=/bin/sh script -qec "./zx help show" /dev/null) \
        >"$T/out" 2>"$T/err"
    check test $? -eq 0
    grep_ok 'usage: zoodex \[--db dir\] show' "$T/out"
    grep_not 'No manual entry' "$T/out"
else
    echo "t0100: no script(1) or man(1): the terminal path is not tried" >&2
fi
done_testing
