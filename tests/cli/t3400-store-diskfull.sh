#!/bin/sh
# t3400 - a full file system: ingest of the sample zoo and a crawl of the
# mock Hub into small tmpfs mounts that run out while the store grows and
# while the vector files are written (and at once, for the lock file),
# and reindex, backup and ingest --force on a full file system.
# Each run says "cannot write PATH: No space left on device" (never
# "Input/output error", never FAISS's or C++'s own text), prints its
# summary with the models committed, and exits 9; the index copied to a
# roomy folder passes verify, and running again converges to the index of
# an uninterrupted run.  Needs root and unshare(1) to mount a private
# tmpfs; skipped otherwise.
# Readers (search, stats, verify) on a full file system where lock.mdb is
# missing (a restored backup holds only data.mdb) or empty (a writer found
# no room for it): "cannot write 'DIR/lock.mdb': No space left on device",
# exit 9, never SIGBUS; with lock.mdb in place they read as ever.
# An index that reached its map size (ZOODEX_MAP_SIZE) says so, and not
# "free some space" or "no space left on device".
. "${0%/*}/lib.sh"
skip() {
    echo "t3400: skipped: cannot mount tmpfs ($1)"
    done_testing
    exit 0
}

# ===== the store's map size (any file system) =====
# An index that outgrows ZOODEX_MAP_SIZE stops as on a full file system
# (status 9, summary first), but says what to change: not "free some
# space", not "no space left on device".  1 MiB holds the sample zoo
# twice, not three times (mirror-org is left out of the copies under other
# orgs: its names are vision-demo's and zoodex-demo's).
MF=$T/mf
sub=
for d in "$ZOO"/*/; do
    case $d in */mirror-org/) ;; *) sub="$sub ${d%/}" ;; esac
done
export ZOODEX_MAP_SIZE=1048576
ok "$ZX" --db "$MF" ingest "$ZOO"
# shellcheck disable=SC2086
ok "$ZX" --db "$MF" ingest --org b $sub
# shellcheck disable=SC2086
fails 9 "$ZX" --db "$MF" ingest --org c $sub
one_line "$T/err"
grep_ok "^zoodex ingest: index '$MF' is full: its store 'data\.mdb' reached its map size of 1048576 bytes \(set ZOODEX_MAP_SIZE to more\) \(the models committed before stay indexed: run the command again with a larger ZOODEX_MAP_SIZE\)$" "$T/err"
grep_not 'free some space|no space left|Input/output' "$T/err"
n=$(($("$ZX" --db "$MF" list | wc -l) - 32))
check test "$n" -lt 15
grep_ok "^15 models: $n new, 0 updated, 0 unchanged, 0 failed, $((15 - n)) not indexed \(stopped: the index reached its map size\)$" "$T/out"
grep_not 'no space left' "$T/out"
# shellcheck disable=SC2086
fails 9 "$ZX" --db "$MF" ingest --json --org d $sub
check python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert d["exit"] == 9 and "reached its map size" in d["error"], d
assert d["new"] + d["not_indexed"] == 15 and d["failed"] == 0, d' "$T/out"
ok "$ZX" --db "$MF" verify
mkdir -p "$T/repos"
cp -r "$ZOO"/*/ "$T/repos/"
start_mock --repos "$T/repos"
fails 9 "$ZX" --db "$MF" crawl
one_line "$T/err"
grep_ok "^zoodex crawl: index '$MF' is full: its store 'data\.mdb' reached its map size of [0-9]+ bytes \(set ZOODEX_MAP_SIZE to more\) \(the models committed before stay indexed: run the crawl again with a larger ZOODEX_MAP_SIZE\)$" "$T/err"
grep_ok '^crawl: 17 seen, .* \(stopped: the index reached its map size\)$' "$T/out"
grep_not 'free some space|no space left' "$T/err"
grep_not 'no space left' "$T/out"
# With a larger map the same runs finish.
export ZOODEX_MAP_SIZE=8388608
# shellcheck disable=SC2086
ok "$ZX" --db "$MF" ingest --org c $sub
grep_ok "^15 models: $((15 - n)) new, 0 updated, $n unchanged, 0 failed$" "$T/out"
ok "$ZX" --db "$MF" crawl
grep_ok '^crawl: 17 seen, .*, 0 failed; ' "$T/out"
ok "$ZX" --db "$MF" verify
unset ZOODEX_MAP_SIZE
stop_mock

[ "$(id -u)" -eq 0 ] || skip "not root"
command -v unshare >/dev/null 2>&1 || skip "no unshare"
MNT=$T/mnt
FROM=
mkdir -p "$MNT"
unshare -m sh -c 'mount -t tmpfs -o size=64k tmpfs "$1"' sh "$MNT" \
    2>/dev/null || skip "mount -t tmpfs failed"

# in_tmpfs SIZE_KIB KEEP ARGS...: in a private mount namespace, mount a
# fresh tmpfs of SIZE_KIB at $MNT, run zoodex --db $MNT/db ARGS (stdout in
# $T/out, stderr in $T/err, status in $T/status), copy what the index
# folder holds to KEEP, and the KiB in use to $T/used.  With FROM=DIR set,
# the index DIR is copied in first and a file fills the space left.
cat >"$T/in.sh" <<'EOF'
mnt=$1 size=$2 keep=$3 t=$4
shift 4
mount -t tmpfs -o "size=${size}k" tmpfs "$mnt" || exit 99
if [ -n "${FROM:-}" ]; then
    cp -a --sparse=never "$FROM" "$mnt/db"
    dd if=/dev/zero of="$mnt/fill" bs=4k 2>/dev/null
fi
"$ZX" --db "$mnt/db" "$@" >"$t/out" 2>"$t/err"
echo $? >"$t/status"
rm -rf "$keep"
if [ -d "$mnt/db" ]; then cp -a "$mnt/db" "$keep"; else mkdir -p "$keep"; fi
df -k "$mnt" | awk 'NR == 2 { print $3 }' >"$t/used"
umount "$mnt"
EOF
in_tmpfs() {
    size=$1 keep=$2
    shift 2
    rm -f "$T/status"
    ZX=$ZX FROM=$FROM unshare -m sh "$T/in.sh" "$MNT" "$size" "$keep" "$T" "$@"
}
# full KEEP WHAT: the run that just ended met a full file system while
# writing WHAT (a regexp for the file's path under $MNT).
full() {
    check test "$(cat "$T/status")" = 9
    grep_ok "^zoodex [a-z]+: cannot write '$MNT/$2': No space left on device" "$T/err"
    grep_not 'Input/output error' "$T/err"
    grep_not 'faiss::|FAISS|Error in |exception|terminate called|what\(\)' "$T/err"
    check test "$(wc -l <"$T/err")" -eq 1
}
# committed KEEP: the models the index copied to KEEP holds.
committed() {
    "$ZX" --db "$1" list 2>/dev/null | wc -l
}
# converges KEEP REF ARGS...: KEEP passes verify (when it has a store), and
# after a run with room (zoodex ARGS; its summary in $T/again) it is the
# index of the snapshot REF (of the index $refdb), search answers included.
converges() {
    keep=$1 ref=$2
    shift 2
    if [ -f "$keep/data.mdb" ]; then
        ok "$ZX" --db "$keep" verify
        grep_ok '^ok: ' "$T/out"
    else # no room even for the store's first pages: nothing was left
        check test ! -e "$keep/data.mdb"
    fi
    ok "$ZX" --db "$keep" "$@"
    cp "$T/out" "$T/again"
    ok "$ZX" --db "$keep" verify
    grep_not '^stale' "$T/out"
    snapshot "$keep" "$T/snap"
    sed -i '/"index":/d' "$T/snap"
    same "$ref" "$T/snap"
    for m in zoodex-demo/tinybert-topic3 vision-demo/tinyresnet-colors; do
        "$ZX" --db "$keep" search --like "$m" -k 20 | sed 1d |
            awk '{print $2, $3}' | sort >"$T/a"
        "$ZX" --db "$refdb" search --like "$m" -k 20 | sed 1d |
            awk '{print $2, $3}' | sort >"$T/b"
        same "$T/b" "$T/a"
    done
}

# FAISS's C API prints an exception's text on std::cerr unless built with
# NDEBUG (c_api/macros_impl.h); scripts/setup builds it so.
lib=${ZX_REAL:-$ZX}
lib=${lib%/*}/faiss/libfaiss_c.a
if [ -f "$lib" ] && command -v nm >/dev/null 2>&1; then
    nm "$lib" 2>/dev/null | grep -q _ZSt4cerr && nm_cerr=yes || nm_cerr=no
    check test "$nm_cerr" = no
fi

# ===== ingest =====
# An uninterrupted run in a roomy tmpfs: the reference, and the space the
# whole index takes there.
in_tmpfs 4096 "$T/ref" ingest "$ZOO"
check test "$(cat "$T/status")" = 0
used=$(cat "$T/used")
refdb=$T/ref
snapshot "$T/ref" "$T/ref.snap"
sed -i '/"index":/d' "$T/ref.snap"
# No room for the lock file: an error, not SIGBUS; nothing committed.
in_tmpfs 16 "$T/k16" ingest "$ZOO"
full "$T/k16" 'db/lock\.mdb'
cp -a "$T/k16" "$T/k16.left" # for the readers below
grep_ok '^17 models: 0 new, 0 updated, 0 unchanged, 0 failed, 17 not indexed \(stopped: no space left on device\)$' "$T/out"
converges "$T/k16" "$T/ref.snap" ingest "$ZOO"
grep_ok '^17 models: 17 new, 0 updated, 0 unchanged, 0 failed$' "$T/again"
# The store runs out early and half way.
for size in 64 256; do
    in_tmpfs $size "$T/k$size" ingest "$ZOO"
    full "$T/k$size" 'db/data\.mdb'
    n=$(committed "$T/k$size")
    check test "$n" -lt 17
    grep_ok "^17 models: $n new, 0 updated, 0 unchanged, 0 failed, $((17 - n)) not indexed \(stopped: no space left on device\)$" "$T/out"
    converges "$T/k$size" "$T/ref.snap" ingest "$ZOO"
    grep_ok "^17 models: $((17 - n)) new, 0 updated, $n unchanged, 0 failed$" "$T/again"
done
# Room for the store, not for the vector files: every model committed.
in_tmpfs $((used - 8)) "$T/kv" ingest "$ZOO"
full "$T/kv" 'db/vectors/[0-9a-f]{16}\.g[0-9]+\.faiss\.tmp\.[0-9]+'
grep_ok '^17 models: 17 new, 0 updated, 0 unchanged, 0 failed \(stopped: no space left on device\)$' "$T/out"
check test "$(committed "$T/kv")" -eq 17
converges "$T/kv" "$T/ref.snap" ingest "$ZOO"
grep_ok '^17 models: 0 new, 0 updated, 17 unchanged, 0 failed$' "$T/again"
# --json: one object with the counts, the message and the status.
in_tmpfs 256 "$T/kj" ingest --json "$ZOO"
check test "$(cat "$T/status")" = 9
check python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert d["exit"] == 9 and "No space left on device" in d["error"], d
assert d["new"] + d["not_indexed"] == 17 and d["failed"] == 0, d' "$T/out"

# Other writers on a full file system: the same message and status.
FROM=$T/ref
in_tmpfs 4096 "$T/kr" reindex
full "$T/kr" 'db/vectors/[0-9a-f]{16}\.g[0-9]+\.faiss(\.new)?\.tmp\.[0-9]+'
in_tmpfs 4096 "$T/kb" backup "$MNT/copy"
full "$T/kb" 'copy\.tmp\.[0-9]+/data\.mdb'
in_tmpfs 4096 "$T/kf" ingest --force "$ZOO"
FROM=
full "$T/kf" 'db/data\.mdb'
grep_ok '^17 models: 0 new, 0 updated, 0 unchanged, 0 failed, 17 not indexed \(stopped: no space left on device\)$' "$T/out"
converges "$T/kf" "$T/ref.snap" ingest "$ZOO"

# Readers on a full file system.  A restored backup (data.mdb only), and
# the index with the empty lock.mdb that k16's writer left: LMDB would
# size a new lock file and write its header through a map of it, which
# raised SIGBUS where no block was left.
ok "$ZX" --db "$T/ref" backup "$T/bk"
check test ! -e "$T/bk/lock.mdb"
rm -rf "$T/kl"
cp -a "$T/ref" "$T/kl"
check test -f "$T/k16.left/lock.mdb" -a ! -s "$T/k16.left/lock.mdb"
cp "$T/k16.left/lock.mdb" "$T/kl/lock.mdb"
for from in bk kl; do
    FROM=$T/$from
    in_tmpfs 4096 "$T/kq" search --like zoodex-demo/tinybert-topic3
    full "$T/kq" 'db/lock\.mdb'
    check test ! -s "$T/out"
    in_tmpfs 4096 "$T/kq" stats
    full "$T/kq" 'db/lock\.mdb'
    in_tmpfs 4096 "$T/kq" verify
    full "$T/kq" 'db/lock\.mdb'
    in_tmpfs 4096 "$T/kq" stats --json
    check test "$(cat "$T/status")" = 9
    check python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert d["exit"] == 9 and "lock.mdb" in d["error"], d' "$T/out"
    FROM=
    # The same with room: the readers create or fill in lock.mdb.
    ok "$ZX" --db "$T/$from" stats
    ok "$ZX" --db "$T/$from" search --like zoodex-demo/tinybert-topic3
done
# A lock.mdb in place (all its blocks allocated): reading needs no room.
FROM=$T/ref
in_tmpfs 4096 "$T/kq" search --like zoodex-demo/tinybert-topic3
check test "$(cat "$T/status")" = 0
grep_ok '^ +1 ' "$T/out"
in_tmpfs 4096 "$T/kq" verify
check test "$(cat "$T/status")" = 0
grep_ok '^ok: ' "$T/out"
FROM=

# ===== crawl =====
mkdir -p "$T/repos"
cp -r "$ZOO"/*/ "$T/repos/"
start_mock --repos "$T/repos"
in_tmpfs 4096 "$T/cref" crawl
check test "$(cat "$T/status")" = 0
used=$(cat "$T/used")
refdb=$T/cref
snapshot "$T/cref" "$T/cref.snap"
sed -i '/"index":/d' "$T/cref.snap"
for size in 320; do
    in_tmpfs $size "$T/c$size" crawl
    full "$T/c$size" 'db/data\.mdb'
    n=$(committed "$T/c$size")
    check test "$n" -lt 17
    grep_ok "^crawl: 17 seen, $n new, 0 updated, 0 unchanged, 0 skipped, 0 failed; .* \(stopped: no space left on device\)$" "$T/out"
    converges "$T/c$size" "$T/cref.snap" crawl
    grep_ok "^crawl: 17 seen, $((17 - n)) new, 0 updated, $n unchanged, 0 skipped, 0 failed" "$T/again"
done
in_tmpfs $((used - 8)) "$T/cv" crawl
full "$T/cv" 'db/vectors/[0-9a-f]{16}\.g[0-9]+\.faiss\.tmp\.[0-9]+'
grep_ok '^crawl: 17 seen, 17 new, 0 updated, 0 unchanged, 0 skipped, 0 failed; .* \(stopped: no space left on device\)$' "$T/out"
converges "$T/cv" "$T/cref.snap" crawl
in_tmpfs 320 "$T/cj" crawl --json
check test "$(cat "$T/status")" = 9
check python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert d["exit"] == 9 and "No space left on device" in d["error"], d' "$T/out"
done_testing
