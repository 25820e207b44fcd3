#!/bin/sh
# t3300 - another user reads an index it may only read (files 644, folders
# 755, lock.mdb 666 as zoodex-store(5) says), also while its owner ingests
# into it; it cannot write it; stale vector files are rebuilt in memory,
# never written; a lock file a reader cannot write is named in the error.
. "${0%/*}/lib.sh"
if [ "$(id -u)" -ne 0 ] || ! command -v runuser >/dev/null 2>&1; then
    echo "t3300: skipped (needs root and runuser to act as user nobody)"
    done_testing
    exit 0
fi
as_nobody() { runuser -u nobody -- "$@"; }
chmod 755 "$T"
umask 022
ok "$ZX" --db "$DB" ingest "$ZOO"
# The permission model: the store and the folders as the umask makes them,
# the lock file writable by whoever may read the store.
check test "$(stat -c %a "$DB")" = 755
check test "$(stat -c %a "$DB/data.mdb")" = 644
check test "$(stat -c %a "$DB/lock.mdb")" = 666
check test "$(stat -c %a "$DB/zoodex.lock")" = 600
check test "$(stat -c %U "$DB/data.mdb")" = root
# Every reading command works as nobody and answers as the owner does.
for c in list stats verify "show zoodex-demo/tinybert-base" \
    "search --like zoodex-demo/tinybert-base -k 5" \
    "lineage --descendants zoodex-demo/tinybert-base" \
    "list --json" "stats --json" "verify --json"; do
    # shellcheck disable=SC2086
    "$ZX" --db "$DB" $c >"$T/root.out" 2>&1
    # shellcheck disable=SC2086
    ok as_nobody "$ZX" --db "$DB" $c
    same "$T/root.out" "$T/out"
done
grep_ok '"ok": true' "$T/out"
# A backup into a folder nobody may write.
mkdir "$T/mine" && chown nobody "$T/mine"
ok as_nobody "$ZX" --db "$DB" backup "$T/mine/bk"
check test "$(stat -c %U "$T/mine/bk/data.mdb")" = nobody
# Writing needs the owner: a clear message, exit 1, nothing changed.
cp "$DB/data.mdb" "$T/before.mdb"
fails 1 as_nobody "$ZX" --db "$DB" ingest "$ZOO"
grep_ok "cannot write index '.*': .*not writable by you" "$T/err"
one_line "$T/err"
fails 1 as_nobody "$ZX" --db "$DB" reindex
grep_ok "cannot write index" "$T/err"
same "$T/before.mdb" "$DB/data.mdb"
# Stale vector files (a crash between commit and rewrite): a reader that
# cannot write the folder builds the groups in memory, exactly, and writes
# nothing; verify calls them stale, not a problem.
"$ZX" --db "$DB" search --like zoodex-demo/tinybert-base -k 5 >"$T/want"
mkdir "$T/vec.bak" && mv "$DB"/vectors/*.faiss "$T/vec.bak/"
ok as_nobody "$ZX" --db "$DB" search --like zoodex-demo/tinybert-base -k 5
same "$T/want" "$T/out"
ok as_nobody "$ZX" --db "$DB" verify
grep_ok '^stale: vector file of group' "$T/out"
grep_ok '^ok: 17 models' "$T/out"
check test -z "$(ls "$DB/vectors")"
mv "$T/vec.bak"/*.faiss "$DB/vectors/"
# A reader queries while the owner ingests 150 more models: every answer
# succeeds, and the answers about the first 17 models do not change.
for org in a b c d e f g h i j; do
    for m in "$ZOO"/*/*/; do
        d="$T/big/o$org/$(basename "$m")"
        mkdir -p "$d"; cp -l "$m"* "$d/" 2>/dev/null || cp "$m"* "$d/"
    done
done
# The record itself, not what the new models add around it.
record() {
    grep -E '^(model {2,}|source|architecture|parameters|kurtosis|weights digest|ingested) ' "$1"
}
"$ZX" --db "$DB" show zoodex-demo/tinybert-base >"$T/s.out"
record "$T/s.out" >"$T/show.want"
"$ZX" --db "$DB" ingest "$T/big" >"$T/w.out" 2>&1 &
pid=$!
reads=0 bad=0
while kill -0 "$pid" 2>/dev/null || [ "$reads" -eq 0 ]; do
    as_nobody "$ZX" --db "$DB" search --like zoodex-demo/tinybert-base -k 3 \
        >"$T/r.out" 2>>"$T/r.err" || bad=$((bad + 1))
    as_nobody "$ZX" --db "$DB" show zoodex-demo/tinybert-base >"$T/s.out" \
        2>>"$T/r.err" || bad=$((bad + 1))
    record "$T/s.out" | cmp -s "$T/show.want" - ||
        { bad=$((bad + 1)); echo "show differs" >>"$T/r.err"; }
    as_nobody "$ZX" --db "$DB" list >"$T/l.out" 2>>"$T/r.err" ||
        bad=$((bad + 1))
    n=$(wc -l <"$T/l.out")
    { [ "$n" -ge 17 ] && [ "$n" -le 167 ]; } ||
        { bad=$((bad + 1)); echo "list of $n models" >>"$T/r.err"; }
    reads=$((reads + 1))
done
wait "$pid"
check test $? -eq 0
check test "$bad" -eq 0
check test "$reads" -gt 0
[ "$bad" -eq 0 ] || { head -5 "$T/r.err"; cat "$T/s.out"; } >&2
ok as_nobody "$ZX" --db "$DB" verify
grep_ok '^ok: 167 models' "$T/out"
"$ZX" --db "$DB" search --like zoodex-demo/tinybert-base -k 20 >"$T/want"
ok as_nobody "$ZX" --db "$DB" search --like zoodex-demo/tinybert-base -k 20
same "$T/want" "$T/out"
# A lock file made before readers could register (mode 644): the reader is
# told which file and why; the owner's next command fixes the mode.
chmod 644 "$DB/lock.mdb"
fails 1 as_nobody "$ZX" --db "$DB" list
grep_ok "lock file 'lock.mdb' is not writable by you" "$T/err"
one_line "$T/err"
ok "$ZX" --db "$DB" stats
check test "$(stat -c %a "$DB/lock.mdb")" = 666
ok as_nobody "$ZX" --db "$DB" list
# A private index (umask 077): the lock file is private too, and another
# user is refused with a clear message, not LMDB's.
(umask 077 && "$ZX" --db "$T/private" ingest "$ZOO/acme-nlp" >/dev/null 2>&1)
chmod 755 "$T/private"
check test "$(stat -c %a "$T/private/data.mdb")" = 600
check test "$(stat -c %a "$T/private/lock.mdb")" = 600
fails 1 as_nobody "$ZX" --db "$T/private" list
grep_ok "cannot read index '.*/private'" "$T/err"
one_line "$T/err"
done_testing
