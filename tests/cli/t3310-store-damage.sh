#!/bin/sh
# t3310 - a damaged store: bytes flipped in a B-tree page, a truncated, empty
# or missing data.mdb, a broken header.  Every command says what is damaged
# and how to recover, with exit status 1 (verify: 3), never a crash; a
# backup of the damaged store is refused and leaves nothing; restoring an
# earlier backup as zoodex-backup(1) says brings the answers back.
. "${0%/*}/lib.sh"
if ! command -v python3 >/dev/null 2>&1; then
    echo "t3310: skipped (needs python3 to edit LMDB pages)"
    done_testing
    exit 0
fi
# corrupt.py FILE TABLE HOW: damage the root page of TABLE ("main" is the
# table of tables), found from the newer meta page.  LMDB's layout (mdb.c):
# a page starts with pgno u64, pad u16, flags u16 (1 branch, 2 leaf, 4
# overflow, 8 meta), lower u16, upper u16, then u16 node offsets; a node is
# data size u32, flags u16 (1: value on overflow pages), key size u16, key,
# value.  A meta page holds after the header: magic u32, version u32,
# address u64, map size u64, the free and the main table (48 bytes each:
# pad u32 (= page size in the free one), flags u16, depth u16, four u64
# counts, root u64), last page u64, txnid u64.
cat >"$T/corrupt.py" <<'EOF'
import struct, sys
path, target, how = sys.argv[1], sys.argv[2], sys.argv[3]
b = bytearray(open(path, 'rb').read())
u16 = lambda o: struct.unpack_from('<H', b, o)[0]
u64 = lambda o: struct.unpack_from('<Q', b, o)[0]
ps = struct.unpack_from('<I', b, 16 + 24)[0]
meta = max((u64(o + 16 + 24 + 96 + 8), o) for o in (0, ps))[1]
root = u64(meta + 16 + 24 + 48 + 40)
if target != 'main':
    p = root * ps
    assert u16(p + 10) & 2, 'the table of tables is deeper than one page'
    for i in range((u16(p + 12) - 16) // 2):
        n = p + u16(p + 16 + 2 * i)
        if bytes(b[n + 8:n + 8 + u16(n + 6)]) == target.encode():
            root = u64(n + 8 + u16(n + 6) + 40)
            break
    else:
        sys.exit('no table ' + target)
p = root * ps
if how == 'type':        # a leaf that says it is a branch, or the reverse
    struct.pack_into('<H', b, p + 10, u16(p + 10) ^ 3)
elif how == 'ptrs':      # the node offsets
    for i in range(16, 48):
        b[p + i] ^= 0x5a
elif how == 'shared':    # the table's root is the models table's root too
    p = u64(meta + 16 + 24 + 48 + 40) * ps
    roots = {}
    for i in range((u16(p + 12) - 16) // 2):
        n = p + u16(p + 16 + 2 * i)
        roots[bytes(b[n + 8:n + 8 + u16(n + 6)])] = n + 8 + u16(n + 6) + 40
    struct.pack_into('<Q', b, roots[target.encode()], u64(roots[b'models']))
elif how == 'overflow':  # the start of the first value on overflow pages
    for i in range((u16(p + 12) - 16) // 2):
        n = p + u16(p + 16 + 2 * i)
        if u16(n + 4) & 1:
            o = u64(n + 8 + u16(n + 6)) * ps
            for j in range(o + 16, o + 80):
                b[j] ^= 0xff
            break
    else:
        sys.exit('no overflow value')
open(path, 'r+b').write(b)
EOF
ok "$ZX" --db "$DB" ingest "$ZOO"
ok "$ZX" --db "$DB" backup "$T/bk"
"$ZX" --db "$DB" search --like zoodex-demo/tinybert-base -k 10 >"$T/search.want"
"$ZX" --db "$DB" list >"$T/list.want"
M=zoodex-demo/tinybert-base
# damage NAME: a fresh copy of the index in $T/NAME
damage() {
    rm -rf "${T:?}/$1" "$T/$1.bk" "$T/$1.bk".tmp.*
    cp -r "$DB" "$T/$1"
    D=$T/$1
}
# every_command PATTERN: each command fails with status 1 (verify 3) and
# one line matching PATTERN and the recovery hint; verify says it too.
every_command() {
    for c in list stats "show $M" "search --like $M" "lineage $M" \
        "backup $D.bk" reindex "ingest $ZOO"; do
        # shellcheck disable=SC2086
        fails 1 "$ZX" --db "$D" $c
        grep_ok "is damaged: $1.*; to recover, restore a backup" "$T/err"
        one_line "$T/err"
    done
    check test ! -e "$D.bk"
    check test -z "$(ls -d "$D.bk".tmp.* 2>/dev/null)"
    verify_damaged "$1"
}
verify_damaged() {
    fails 3 "$ZX" --db "$D" verify
    grep_ok "^damaged: $1" "$T/out"
    grep_ok '^DAMAGED: ' "$T/out"
    grep_ok "^recover: .*backup.*'zoodex reindex'" "$T/out"
    fails 3 "$ZX" --db "$D" verify --json
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert d["ok"] is False and d["damaged"] is True, d
assert d["problems"] and "backup" in d["recovery"], d' "$T/out"
    check test $? -eq 0
}
# A truncated store (the size of its two meta pages), an empty one, a
# missing one, one whose header is not LMDB's: never SIGBUS.
damage trunc
truncate -s 8192 "$D/data.mdb"
every_command "'data.mdb' is truncated: it holds 8192 bytes"
damage empty
: >"$D/data.mdb"
every_command "its store 'data.mdb' is empty"
damage missing
rm "$D/data.mdb"
every_command "its store 'data.mdb' is missing"
damage header
dd if=/dev/zero of="$D/data.mdb" bs=64 count=1 conv=notrunc 2>/dev/null
dd if=/dev/zero of="$D/data.mdb" bs=64 count=1 seek=64 conv=notrunc 2>/dev/null
every_command "the header of 'data.mdb'"
# A folder that never held an index is not damage, nor one where a first
# ingest was killed before its first commit (lock files, an empty
# data.mdb, no vector file yet): the next ingest starts it.
mkdir "$T/none"
fails 5 "$ZX" --db "$T/none" list
grep_ok "no index at" "$T/err"
mkdir -p "$T/first/vectors"
: >"$T/first/data.mdb"
: >"$T/first/lock.mdb"
: >"$T/first/zoodex.lock"
fails 5 "$ZX" --db "$T/first" list
grep_ok "no index at '.*' yet" "$T/err"
rm "$T/first/data.mdb"
fails 5 "$ZX" --db "$T/first" list
ok "$ZX" --db "$T/first" ingest "$ZOO"
ok "$ZX" --db "$T/first" verify
# Bytes flipped in B-tree pages: the models table's root page claims to be
# a branch page; its node offsets are garbage; a record's bytes are.
damage models-type
python3 "$T/corrupt.py" "$D/data.mdb" models type
for c in list "show $M" "search --like $M" "lineage $M" "backup $D.bk" \
    "ingest $ZOO"; do
    # shellcheck disable=SC2086
    fails 1 "$ZX" --db "$D" $c
    grep_ok "is damaged: table 'models': (MDB_|a pointer to page)" "$T/err"
    one_line "$T/err"
done
check test ! -e "$D.bk"
verify_damaged "table 'models': (MDB_|a pointer to page)"
damage models-record
python3 "$T/corrupt.py" "$D/data.mdb" models overflow
fails 1 "$ZX" --db "$D" list
grep_ok "is damaged: table 'models': record '.*' is not JSON" "$T/err"
verify_damaged "table 'models': record"
damage vectors-ptrs
python3 "$T/corrupt.py" "$D/data.mdb" vectors ptrs
fails 1 "$ZX" --db "$D" search --like "$M"
grep_ok "is damaged: table 'vectors'" "$T/err"
verify_damaged "table 'vectors'"
# Garbage node offsets that LMDB follows outside the page: each command
# that reads the table ends with the damage message, not a signal.
for t in edges redges lineage groups state; do
    damage "$t-ptrs"
    python3 "$T/corrupt.py" "$D/data.mdb" "$t" ptrs
    for c in list stats "show $M" "search --like $M" "lineage $M" verify \
        "backup $D.bk" reindex "ingest $ZOO"; do
        # shellcheck disable=SC2086
        "$ZX" --db "$D" $c >"$T/out" 2>"$T/err"
        rc=$?
        case $c:$rc in
        *:0) ;;
        verify:3) grep -q "^damaged: table '$t': page [0-9]*: record" \
            "$T/out" || _fail "$t $c: $(cat "$T/out" "$T/err")" ;;
        verify:*) _fail "$t: verify exit $rc" ;;
        *:1) grep -q "is damaged: .*; to recover" "$T/err" ||
            _fail "$t $c: $(cat "$T/err")" ;;
        *) _fail "$t $c: exit $rc"; cat "$T/err" >&2 ;;
        esac
    done
    _pass
done
# A page whose own page number is wrong, on the page LMDB's map is found
# from (the schema record's): zoodex never follows it (it used to read a
# guessed address outside the map and die of SIGSEGV); verify names it.
damage pgno
python3 - "$D/data.mdb" <<'EOF'
import struct, sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
pg = b.find(b"schema") // 4096
b[pg * 4096:pg * 4096 + 8] = struct.pack("<Q", pg + 1)
open(p, "wb").write(b)
EOF
for c in "search --like $M -k 2" "list" "stats"; do
    # shellcheck disable=SC2086
    "$ZX" --db "$D" $c >"$T/out" 2>"$T/err"
    check [ $? -lt 128 ]
done
fails 3 "$ZX" --db "$D" verify
grep_ok "^damaged: table 'meta': page [0-9]+: its header is wrong" "$T/out"
# Two tables that share a root page (a page reached twice): verify says so
# (a walk that followed every pointer again could take exponential time).
damage shared
python3 "$T/corrupt.py" "$D/data.mdb" edges shared
fails 3 "$ZX" --db "$D" verify
grep_ok "^damaged: table 'edges': page [0-9]+ is reached twice" "$T/out"
for c in list stats "search --like $M" "lineage $M"; do
    # shellcheck disable=SC2086
    "$ZX" --db "$D" $c >"$T/out" 2>"$T/err"
    check [ $? -lt 2 ]
done
# One byte inverted at 40 offsets spread over the file, each in a fresh
# copy: no command dies of a signal or a sanitizer report, a failing one
# says what is damaged, and verify's status is 0 (a byte LMDB does not
# read, or a value's byte, which LMDB cannot detect: see zoodex-verify(1))
# or 3.
size=$(wc -c <"$DB/data.mdb")
k=0
while [ $k -lt 40 ]; do
    off=$((k * (size - 1) / 39))
    damage flip
    python3 -c 'import sys
f = open(sys.argv[1], "r+b"); o = int(sys.argv[2]); f.seek(o)
c = f.read(1)[0]; f.seek(o); f.write(bytes([c ^ 0xff]))' "$D/data.mdb" $off
    for c in verify list "search --like $M" "lineage $M" "show $M"; do
        # shellcheck disable=SC2086
        "$ZX" --db "$D" $c >"$T/out" 2>"$T/err"
        rc=$?
        case $c:$rc in
        *:0 | verify:3 | show*:5 | lineage*:5) ;;
        *:1) grep -q "is damaged: .*; to recover\|not a zoodex index" \
            "$T/err" || _fail "flip at $off: $c: $(cat "$T/err")" ;;
        *) _fail "flip at $off: $c: exit $rc: $(head -c 300 "$T/err")" ;;
        esac
    done
    k=$((k + 1))
done
_pass
# Recovery as zoodex-backup(1) says: move the damaged folder away, copy the
# backup into its place, rebuild the vector files, verify.
damage restore
python3 "$T/corrupt.py" "$D/data.mdb" models type
mv "$D" "$D.damaged"
cp -a "$T/bk" "$D"
ok "$ZX" --db "$D" reindex
grep_ok 'rebuilt 2 vector files' "$T/out"
ok "$ZX" --db "$D" verify
grep_ok '^ok: 17 models, 17 vectors, 2 groups' "$T/out"
ok "$ZX" --db "$D" search --like "$M" -k 10
same "$T/search.want" "$T/out"
ok "$ZX" --db "$D" list
same "$T/list.want" "$T/out"
done_testing
