#!/bin/sh
# t3100 - vector files are derived: lost or damaged ones are detected,
# searches stay exact, and reindex rebuilds them from the store.
. "${0%/*}/lib.sh"
ok "$ZX" --db "$DB" ingest "$ZOO"
ok "$ZX" --db "$DB" search --like zoodex-demo/tinybert-topic3 -k 16 --json
cp "$T/out" "$T/expected"
# Lost files: verify passes but reports them stale; search is unchanged.
rm "$DB"/vectors/*.faiss
ok "$ZX" --db "$DB" verify
grep_ok '^stale: vector file of group' "$T/out"
ok "$ZX" --db "$DB" search --like zoodex-demo/tinybert-topic3 -k 16 --json
same "$T/expected" "$T/out"
ok "$ZX" --db "$DB" reindex
grep_ok '^rebuilt 2 vector files' "$T/out"
check test "$(ls "$DB"/vectors/*.faiss | wc -l)" -eq 2
ok "$ZX" --db "$DB" verify
grep_not 'stale' "$T/out"
# A damaged file is a problem verify reports (exit 3); reindex repairs it.
f=$(ls "$DB"/vectors/*.faiss | head -1)
printf 'garbage' >"$f"
fails 3 "$ZX" --db "$DB" verify
grep_ok "^problem: group .*: vector file 'vectors/.*' is damaged: xxh3-128 " "$T/out"
grep_ok '^INCONSISTENT' "$T/out"
ok "$ZX" --db "$DB" reindex --json
grep_ok '"rebuilt": 2' "$T/out"
ok "$ZX" --db "$DB" verify
# A file for the wrong vectors (an old generation copied over) is caught.
old=$(ls "$DB"/vectors/*.faiss | head -1)
cp "$old" "$T/saved.faiss"
mkdir -p "$T/more/org"
cp -r "$ZOO/zoodex-demo/tinybert-base" "$T/more/org/copy"
cp -r "$ZOO/vision-demo/tinyresnet-base" "$T/more/org/copy2"
ok "$ZX" --db "$DB" ingest "$T/more"
for f in "$DB"/vectors/*.faiss; do cp "$T/saved.faiss" "$f"; done
fails 3 "$ZX" --db "$DB" verify --json
grep_ok '"ok": false' "$T/out"
ok "$ZX" --db "$DB" reindex
ok "$ZX" --db "$DB" verify --json
grep_ok '"ok": true' "$T/out"
grep_ok '"models": 19' "$T/out"
done_testing
