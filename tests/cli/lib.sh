# tests/cli/lib.sh - sourced by every tests/cli/t*.sh; $ZX is the binary.
# ok CMD...       passes when CMD exits 0
# fails N CMD...  passes when CMD exits with status N (any non-zero: N=x)
# same A B        passes when files A and B are identical
# grep_ok PAT F   passes when file F matches the extended regexp PAT
# Each command's stdout is in $T/out and stderr in $T/err afterwards.
set -u
pass=0 fail=0
T=$(mktemp -d "${TMPDIR:-/tmp}/zx-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
: "${ZX:?ZX must name the zoodex binary}"
ZX_SHARED=${ZX_SHARED:-$(cd .. && pwd)/shared}
ZOO=fixtures/zoo
DB=$T/db
export ZOODEX_PROGRESS=0
# Never the user's Hugging Face cache or token: downloads go to $T/hf.
export HF_HOME="$T/hf"
unset HF_HUB_CACHE HUGGINGFACE_HUB_CACHE HF_TOKEN HUGGING_FACE_HUB_TOKEN \
    HF_TOKEN_PATH HF_HUB_OFFLINE HF_HUB_DISABLE_IMPLICIT_TOKEN
unset ZOODEX_DB
# ZX_VALGRIND=1 (tests/run.sh --valgrind): $ZX becomes a wrapper that runs
# zoodex under valgrind ($VG), one log per process; done_testing fails the
# script once per log that reports an error or a definite/indirect leak.
if [ "${ZX_VALGRIND:-}" = 1 ]; then
    : "${VG:=valgrind -q --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect --error-exitcode=99}"
    # Logs go where any user can write (tests drop privileges), and a
    # smaller map than LMDB's 64 GiB default fits valgrind's address space.
    VGLOG=$(mktemp -d "${TMPDIR:-/tmp}/zx-vg.XXXXXX")
    chmod 1777 "$VGLOG"
    ZX_REAL=$ZX
    ZX=$T/zoodex
    # shellcheck disable=SC2086
    printf '#!/bin/sh\n: "${ZOODEX_MAP_SIZE:=1073741824}"\nexport ZOODEX_MAP_SIZE\nexec %s --log-file=%s/vg.%%p "%s" "$@"\n' \
        "$(echo $VG)" "$VGLOG" "$ZX_REAL" >"$ZX"
    chmod 755 "$ZX"
fi

_pass() { pass=$((pass + 1)); }
_fail() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

ok() {
    if "$@" >"$T/out" 2>"$T/err"; then _pass; else
        _fail "$* (exit $?)"; sed 's/^/  err: /' "$T/err" >&2; fi
}
# fails STATUS CMD...: CMD exits STATUS; x: any error status, but not a
# signal, nor valgrind's 99 or a sanitizer's 86 (tests/run.sh)
fails() {
    want=$1; shift
    "$@" >"$T/out" 2>"$T/err"; rc=$?
    if [ "$want" = x ] && [ $rc -ne 0 ] && [ $rc -lt 128 ] &&
        [ $rc -ne 86 ] && [ $rc -ne 99 ]; then _pass
    elif [ "$rc" = "$want" ]; then _pass
    else _fail "$* (exit $rc, wanted $want)"; sed 's/^/  err: /' "$T/err" >&2; fi
}
same() {
    if cmp -s "$1" "$2"; then _pass; else
        _fail "same $1 $2"; diff -u "$1" "$2" | head -20 >&2; fi
}
grep_ok() {
    if grep -Eq -- "$1" "$2"; then _pass; else
        _fail "grep '$1' $2"; head -5 "$2" >&2; fi
}
grep_not() {
    if grep -Eq -- "$1" "$2"; then _fail "grep -v '$1' $2"; else _pass; fi
}
# check COND-COMMAND... : passes when a shell test succeeds
check() {
    if "$@"; then _pass; else _fail "check $*"; fi
}
# one_line FILE: stderr holds exactly one line starting "zoodex "
one_line() {
    if [ "$(wc -l <"$1")" -eq 1 ] && grep -q '^zoodex ' "$1"; then _pass
    else _fail "one-line error in $1"; cat "$1" >&2; fi
}
# snapshot DB FILE: the logical content of an index (every model record,
# stats and verify), without timestamps, for "the index is unchanged"
snapshot() {
    { "$ZX" --db "$1" stats --json |
          python3 -c 'import json, sys
d = json.load(sys.stdin)
for k in ("bytes_used", "lineage_last_update"):  # what the last run did
    d.pop(k, None)
print(json.dumps(d, indent=2, sort_keys=True))'
      "$ZX" --db "$1" verify --json
      "$ZX" --db "$1" list | while read -r id _; do
          "$ZX" --db "$1" show --json "$id" | grep -v '"ingested"'
      done; } >"$2" 2>&1
}
done_testing() {
    if [ -n "${VGLOG:-}" ]; then
        for v in "$VGLOG"/vg.*; do
            [ -s "$v" ] || continue
            _fail "valgrind: $(grep -m1 -E 'lost|Invalid|uninit|Conditional|ERROR' "$v" || echo "see $v")"
            sed 's/^/  vg: /' "$v" | head -80 >&2
        done
        rm -rf "$VGLOG"
    fi
    printf '%-36s %d passed, %d failed\n' "$0" "$pass" "$fail"
    [ "$fail" -eq 0 ]
}
# start_mock [ARGS...]: start the mock Hub (tests/mockhub/mockhub.py) on
# loopback; sets EP (API URL), CDN (CDN URL) and MLOG (its request log) and
# exports HF_ENDPOINT.  It is stopped when the test exits.
MOCK_PID=
start_mock() {
    rm -f "$T/mock.port"
    MLOG="$T/mock.log"
    python3 tests/mockhub/mockhub.py --port-file "$T/mock.port" \
        --log "$MLOG" "$@" >"$T/mock.out" 2>&1 &
    MOCK_PID=$!
    i=0
    while [ ! -s "$T/mock.port" ] && [ $i -lt 100 ]; do
        sleep 0.1; i=$((i + 1))
    done
    EP=$(cut -d' ' -f1 "$T/mock.port")
    CDN=$(cut -d' ' -f2 "$T/mock.port")
    export HF_ENDPOINT="$EP"
    trap 'kill $MOCK_PID 2>/dev/null; wait $MOCK_PID 2>/dev/null; rm -rf "$T"' EXIT
    [ -n "$EP" ] || { echo "mock Hub did not start:" >&2; cat "$T/mock.out" >&2; }
}
stop_mock() {
    kill "$MOCK_PID" 2>/dev/null; wait "$MOCK_PID" 2>/dev/null; MOCK_PID=
}
# faults JSON: replace the mock's fault rules (it re-reads the file)
faults() {
    printf '%s\n' "$1" >"$T/faults.tmp" && mv "$T/faults.tmp" "$T/faults.json"
}
