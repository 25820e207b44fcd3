#!/bin/sh
# t2000 - crawling a mock Hub: first crawl, nothing-to-do, incremental
# updates past the mark, renames keyed by _id, gated repos, limits,
# filters, and the token never leaving the Hub's host.
. "${0%/*}/lib.sh"
mkdir -p "$T/repos"
cp -r "$ZOO"/*/ "$T/repos/"
start_mock --repos "$T/repos" --reload
ok "$ZX" --db "$DB" crawl
grep_ok '^crawl: 17 seen, 17 new, 0 updated, 0 unchanged, 0 skipped, 0 failed' "$T/out"
# Nothing new: 0, so `zoodex crawl && ...` goes on; 7 with --exit-code.
ok "$ZX" --db "$DB" crawl --json
grep_ok '"new": 0' "$T/out"
grep_ok '"unchanged": [0-9]+' "$T/out"
grep_ok '"exit": 0' "$T/out"
fails 7 "$ZX" --db "$DB" crawl --exit-code --json
grep_ok '"exit": 7' "$T/out"
ok sh -c '"$1" --db "$2" crawl && echo next' sh "$ZX" "$DB"
grep_ok '^next$' "$T/out"
ok "$ZX" --db "$DB" verify
grep_ok '^ok: 17 models, 17 vectors, 2 groups' "$T/out"
# Range reads give the same fingerprints as reading the files locally.
ok "$ZX" --db "$T/local" ingest "$ZOO"
for m in zoodex-demo/tinybert-topic3 vision-demo/tinyresnet-colors other-lab/minibert-lang; do
    # (models at equal distances come in either order: sort)
    "$ZX" --db "$DB" search --like "$m" -k 20 | sed 1d | awk '{print $2, $3}' | sort >"$T/a"
    "$ZX" --db "$T/local" search --like "$m" -k 20 | sed 1d | awk '{print $2, $3}' | sort >"$T/b"
    same "$T/a" "$T/b"
done
# Crawled records carry the Hub's metadata and declared parents.
ok "$ZX" --db "$DB" show --json quant-lab/tinybert-topic3-fp16
grep_ok '"light": true' "$T/out"
grep_ok '"_id": "[0-9a-f]{24}"' "$T/out"
grep_ok '"sha": "[0-9a-f]{40}"' "$T/out"
ok "$ZX" --db "$DB" lineage quant-lab/tinybert-topic3-fp16
grep_ok 'zoodex-demo/tinybert-topic3  \[quantized' "$T/out"
# The crawl read headers and fingerprint bytes by Range, never whole
# weight files from the CDN: every CDN request carried a Range.
check test "$(grep -c '"server": *"cdn"' "$MLOG")" -gt 0
grep_not '"server": *"cdn".*"range": *null' "$MLOG"

# A changed repo is re-indexed; the rest stop at the mark.
sleep 1.1
cp "$ZOO/zoodex-demo/tinybert-sentiment/model.safetensors" "$T/repos/tinybert-base/" 2>/dev/null ||
cp "$ZOO/zoodex-demo/tinybert-sentiment/model.safetensors" "$T/repos/zoodex-demo/tinybert-base/"
: >"$MLOG"
ok "$ZX" --db "$DB" crawl --json
grep_ok '"updated": 1' "$T/out"
grep_ok '"new": 0' "$T/out"
check test "$(grep -c '/resolve/' "$MLOG")" -lt 12
ok "$ZX" --db "$DB" show zoodex-demo/tinybert-base
grep_ok '^duplicates +.*zoodex-demo/tinybert-sentiment' "$T/out"

# A renamed repo (same _id, new name) replaces its record.
id=$("$ZX" --db "$DB" show --json other-lab/minibert-spam | sed -n 's/.*"_id": "\([0-9a-f]*\)".*/\1/p' | head -1)
mv "$T/repos/other-lab/minibert-spam" "$T/repos/other-lab/minibert-spam-v2"
printf '{"_id": "%s", "renamed_from": ["other-lab/minibert-spam"]}\n' "$id" \
    >"$T/repos/other-lab/minibert-spam-v2/.hub.json"
touch "$T/repos/other-lab/minibert-spam-v2/config.json"
ok "$ZX" --db "$DB" crawl
ok "$ZX" --db "$DB" list
grep_ok '^other-lab/minibert-spam-v2 ' "$T/out"
grep_not '^other-lab/minibert-spam ' "$T/out"
check test "$(wc -l <"$T/out")" -eq 17

# Gated repos are recorded and not tried again until they change.
printf '{"gated": "manual"}\n' >"$T/repos/vision-demo/tinyresnet-shapes/.hub.json"
touch "$T/repos/vision-demo/tinyresnet-shapes/config.json"
ok "$ZX" --db "$T/g" crawl --json
grep_ok '"skipped": 1' "$T/out"
grep_ok '"reason": "gated"' "$T/out"
: >"$MLOG"
fails 7 "$ZX" --db "$T/g" crawl --since 2000-01-01 --json -e
grep_ok '"skipped": 1' "$T/out"
grep_not 'tinyresnet-shapes/resolve' "$MLOG"

# Limits: --max-models stops early and keeps the mark, so the next run
# finishes the job.
ok "$ZX" --db "$T/lim" crawl --max-models 5 --json
grep_ok '"limited": true' "$T/out"
grep_ok '"complete": false' "$T/out"
ok "$ZX" --db "$T/lim" list
check test "$(wc -l <"$T/out")" -le 5
ok "$ZX" --db "$T/lim" crawl --json
grep_ok '"complete": true' "$T/out"
ok "$ZX" --db "$T/lim" list
check test "$(wc -l <"$T/out")" -eq 16
# Filters, author and search narrow the listing; a dry run writes nothing.
ok "$ZX" --db "$T/f" crawl --author vision-demo --json
grep_ok '"new": 2' "$T/out"
ok "$ZX" --db "$T/f2" crawl --filter resnet --search COLORS --json
grep_ok '"new": 3' "$T/out"
ok "$ZX" --db "$T/dry" crawl --dry-run --json
grep_ok '"new": 17' "$T/out"
grep_ok '"bytes": [0-9]{1,6},' "$T/out"
ok "$ZX" --db "$T/dry" list
check test ! -s "$T/out"

# The token goes to the Hub's host only, and never into any output.
: >"$MLOG"
ok env HF_TOKEN=hf_supersecret "$ZX" --db "$T/tok" crawl
grep_ok '"server": *"api".*"auth": *true' "$MLOG"
grep_not '"server": *"cdn".*"auth": *true' "$MLOG"
grep_not 'supersecret' "$T/out"
grep_not 'supersecret' "$T/err"
done_testing
