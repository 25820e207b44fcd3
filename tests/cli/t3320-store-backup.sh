#!/bin/sh
# t3320 - zoodex backup: a consistent, compacted copy taken while a writer
# ingests; verify accepts it and it answers as the original; the folder
# rules (new or empty only, nothing left on failure); --json; restoring.
. "${0%/*}/lib.sh"
M=zoodex-demo/tinybert-base
ok "$ZX" --db "$DB" ingest "$ZOO"
# Text and JSON output; the copy is data.mdb alone.
ok "$ZX" --db "$DB" backup "$T/b1"
grep_ok "^backed up 17 models, 17 vectors, 2 groups, 16 edges into '$T/b1' \([0-9.]+ (B|KiB|MiB)\)$" "$T/out"
check test "$(ls "$T/b1")" = data.mdb
mkdir "$T/b2"
ok "$ZX" --db "$DB" backup --json "$T/b2/"
python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert d["backup"] == sys.argv[2] and d["models"] == 17, d
assert d["vectors"] == 17 and d["groups"] == 2 and d["edges"] == 16, d
assert d["bytes"] == int(sys.argv[3]), d' "$T/out" "$T/b2" \
    "$(stat -c %s "$T/b2/data.mdb")"
check test $? -eq 0
# Compacted: no larger than the original.
check test "$(stat -c %s "$T/b1/data.mdb")" -le "$(stat -c %s "$DB/data.mdb")"
# A backup answers as the original: same list, search, lineage, show.
for c in list "search --like $M -k 10" "lineage --descendants $M" "show $M"; do
    # shellcheck disable=SC2086
    "$ZX" --db "$DB" $c >"$T/want" 2>&1
    # shellcheck disable=SC2086
    ok "$ZX" --db "$T/b1" $c
    same "$T/want" "$T/out"
done
ok "$ZX" --db "$T/b1" verify
grep_ok '^ok: 17 models, 17 vectors, 2 groups, 16 edges' "$T/out"
# Folder rules: a non-empty folder or a file is refused (exit 2) and left
# as it was; a missing parent fails (exit 1); nothing half-written stays.
cp "$T/b1/data.mdb" "$T/b1.mdb"
fails 2 "$ZX" --db "$DB" backup "$T/b1"
grep_ok "'$T/b1' exists and is not an empty folder" "$T/err"
one_line "$T/err"
same "$T/b1.mdb" "$T/b1/data.mdb"
: >"$T/file"
fails 2 "$ZX" --db "$DB" backup "$T/file"
check test ! -s "$T/file"
fails 1 "$ZX" --db "$DB" backup "$T/no/such/dir"
grep_ok "cannot create '$T/no/such/dir.tmp.[0-9]+'" "$T/err"
check test -z "$(ls -d "$T"/*.tmp.* 2>/dev/null)"
fails 2 "$ZX" --db "$DB" backup
fails 2 "$ZX" --db "$DB" backup "$T/x" "$T/y"
fails 5 "$ZX" --db "$T/none" backup "$T/b3"
check test ! -e "$T/b3"
# During an ingest of 150 more models: the backup does not wait for the
# writer nor stop it, and holds one committed state.
for org in a b c d e f g h i j; do
    for m in "$ZOO"/*/*/; do
        d="$T/big/o$org/$(basename "$m")"
        mkdir -p "$d"; cp -l "$m"* "$d/" 2>/dev/null || cp "$m"* "$d/"
    done
done
"$ZX" --db "$DB" ingest "$T/big" >"$T/w.out" 2>&1 &
pid=$!
n=0
while kill -0 "$pid" 2>/dev/null && [ "$n" -lt 5 ]; do
    "$ZX" --db "$DB" backup "$T/during$n" >/dev/null 2>"$T/b.err" ||
        _fail "backup during ingest: $(cat "$T/b.err")"
    n=$((n + 1))
done
wait "$pid"
check test $? -eq 0
check test "$n" -gt 0
# record FILE: the lines of `show` that describe the record itself.
record() {
    grep -E '^(model {2,}|source|architecture|parameters|kurtosis|weights digest|ingested) ' "$1"
}
i=0
while [ "$i" -lt "$n" ]; do
    B=$T/during$i
    ok "$ZX" --db "$B" verify
    grep_ok '^ok: ' "$T/out"
    models=$(sed -n 's/^ok: \([0-9]*\) models.*/\1/p' "$T/out")
    check test "$models" -ge 17 -a "$models" -le 167
    "$ZX" --db "$B" list | cut -d" " -f1 >"$T/blist"
    check test "$(wc -l <"$T/blist")" -eq "$models"
    # Every model of the backup is in the original with the same record.
    bad=0
    while read -r id; do
        "$ZX" --db "$B" show "$id" >"$T/a" 2>&1
        "$ZX" --db "$DB" show "$id" >"$T/b" 2>&1
        record "$T/a" >"$T/a.r"
        record "$T/b" >"$T/b.r"
        cmp -s "$T/a.r" "$T/b.r" && [ -s "$T/a.r" ] || bad=$((bad + 1))
    done <"$T/blist"
    check test "$bad" -eq 0
    i=$((i + 1))
done
# Restore as zoodex-backup(1) says: move the index away, copy the backup
# in its place, rebuild the vector files, verify.
ok "$ZX" --db "$DB" backup "$T/last"
"$ZX" --db "$DB" search --like "$M" -k 30 >"$T/search.want"
"$ZX" --db "$DB" lineage --descendants "$M" >"$T/lineage.want"
mv "$DB" "$T/old"
cp -a "$T/last" "$DB"
ok "$ZX" --db "$DB" reindex
grep_ok '^rebuilt 2 vector files' "$T/out"
ok "$ZX" --db "$DB" verify
grep_ok '^ok: 167 models, 167 vectors, 2 groups' "$T/out"
ok "$ZX" --db "$DB" search --like "$M" -k 30
same "$T/search.want" "$T/out"
ok "$ZX" --db "$DB" lineage --descendants "$M"
same "$T/lineage.want" "$T/out"
done_testing
