#!/bin/sh
# t2610 - the reverse of t2600: ingesting from disk the models a crawl
# indexed light upgrades them to full records (an update, counted once)
# that keep the Hub's metadata; re-runs of both settle as unchanged, and
# search and lineage answer as an index built from disk alone does.
. "${0%/*}/lib.sh"
mkdir -p "$T/repos"
cp -r "$ZOO"/*/ "$T/repos/"
M=zoodex-demo/tinybert-topic3
start_mock --repos "$T/repos"
ok "$ZX" --db "$DB" crawl
grep_ok '^crawl: 17 seen, 17 new, 0 updated, 0 unchanged, 0 skipped, 0 failed; ' "$T/out"
ok "$ZX" --db "$DB" show --json "$M"
cp "$T/out" "$T/light.json"
grep_ok '"light": true' "$T/light.json"
grep_ok '"kurtosis": null' "$T/light.json"
grep_ok '"weights_digest": null' "$T/light.json"
grep_ok '"layout_digest": "[0-9a-f]{64}"' "$T/light.json"

# The same models from disk: each light record becomes full, once.
ok "$ZX" --db "$DB" ingest "$ZOO"
grep_ok '^17 models: 0 new, 17 updated, 0 unchanged, 0 failed' "$T/out"
ok "$ZX" --db "$DB" show --json --tensors "$M"
cp "$T/out" "$T/full.json"
grep_not '"light": true' "$T/full.json"
grep_ok '"kurtosis": -?[0-9]' "$T/full.json"
grep_ok '"weights_digest": "[0-9a-f]{64}"' "$T/full.json"
grep_ok '"xxh3": "[0-9a-f]{32}"' "$T/full.json"
grep_ok '"stamp": "[0-9a-f]{64}"' "$T/full.json"
# The Hub's metadata stays: the same hub object (plus meta_keys, the
# names of the light record's meta members, all the Hub's), files and
# revision.
python3 -c 'import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
keys = b["hub"].pop("meta_keys", None)
print("meta_keys", "same" if keys == list(a["meta"]) else "wrong")
for k in ("hub", "files", "revision", "layout_digest", "group"):
    print(k, "same" if a.get(k) is not None and a[k] == b.get(k) else "lost")
print("bytes_fetched", "gone" if "bytes_fetched" not in b else "kept")' \
    "$T/light.json" "$T/full.json" >"$T/keep"
grep_ok '^hub same$' "$T/keep"
grep_not 'lost|kept|wrong' "$T/keep"
ok "$ZX" --db "$DB" stats --json
grep_ok '"models_light": 0' "$T/out"
ok "$ZX" --db "$DB" verify
grep_ok '^ok: 17 models, 17 vectors' "$T/out"

# Re-runs settle: the ingest and the crawl find nothing to do.
ok "$ZX" --db "$DB" ingest "$ZOO"
grep_ok '^17 models: 0 new, 0 updated, 17 unchanged, 0 failed' "$T/out"
: >"$MLOG"
ok "$ZX" --db "$DB" crawl --since 2000-01-01
grep_ok '^crawl: 17 seen, 0 new, 0 updated, 17 unchanged, 0 skipped, 0 failed; [0-9.]+ [KM]?i?B in 1 request ' "$T/out"
grep_not '/resolve/' "$MLOG"
ok "$ZX" --db "$DB" show --json "$M"
grep_ok '"kurtosis": -?[0-9]' "$T/out"
# `zoodex ingest org/name` finds the model in full at that commit.
ok "$ZX" --db "$DB" ingest "$M"
grep_ok '^1 model: 0 new, 0 updated, 1 unchanged' "$T/out"

# Search answers as an index built from disk alone; search and lineage
# as one built the other way round (ingest, then crawl: t2600).
ok "$ZX" --db "$T/local" ingest "$ZOO"
ok "$ZX" --db "$T/fwd" ingest "$ZOO"
ok "$ZX" --db "$T/fwd" crawl
for m in "$M" vision-demo/tinyresnet-colors other-lab/minibert-lang \
    zoodex-demo/tinybert-base quant-lab/tinybert-topic3-fp16; do
    for db in "$DB" "$T/local" "$T/fwd"; do
        "$ZX" --db "$db" search --like "$m" -k 20 2>&1 |
            awk '{print $2, $3}' | sort >"$T/s.${db##*/}"
        "$ZX" --db "$db" lineage --json "$m" >"$T/l.${db##*/}" 2>&1
    done
    same "$T/s.db" "$T/s.local"
    same "$T/s.db" "$T/s.fwd"
    same "$T/l.db" "$T/l.fwd"
done
check test "$(wc -l <"$T/s.db")" -gt 10
grep_ok '"provenance": "declared"' "$T/l.db"
done_testing
