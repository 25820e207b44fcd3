#!/bin/sh
# t2600 - a crawl over models the index holds in full (ingested from
# disk) keeps their full descriptors and merges the Hub's metadata in;
# the counts say so; a second crawl is all unchanged; search and lineage
# answer as before (issue 10 item 4).
. "${0%/*}/lib.sh"
mkdir -p "$T/repos"
cp -r "$ZOO"/*/ "$T/repos/"
M=zoodex-demo/tinybert-topic3
ok "$ZX" --db "$DB" ingest "$ZOO"
grep_ok '^17 models: 17 new' "$T/out"
# What a full record holds before the crawl.
ok "$ZX" --db "$DB" show --json --tensors "$M"
cp "$T/out" "$T/full.json"
grep_ok '"kurtosis": -?[0-9]' "$T/full.json"
grep_ok '"weights_digest": "[0-9a-f]{64}"' "$T/full.json"
grep_ok '"xxh3": "[0-9a-f]{32}"' "$T/full.json"
grep_not '"createdAt"' "$T/full.json"
# Answers before the crawl: nearest models (equal distances come in
# either order: sorted), duplicates, kurtosis, group.
answers() {
    for m in "$M" vision-demo/tinyresnet-colors other-lab/minibert-lang \
        zoodex-demo/tinybert-base quant-lab/tinybert-topic3-fp16; do
        "$ZX" --db "$DB" search --like "$m" -k 20 2>&1 | awk '{print $2, $3}' | sort
        "$ZX" --db "$DB" show "$m" | grep -E '^(duplicates|kurtosis|group)'
    done
}
answers >"$T/before"

start_mock --repos "$T/repos"
ok "$ZX" --db "$DB" crawl --json
cp "$T/out" "$T/c1.json"
grep_ok '"new": 0,' "$T/c1.json"
grep_ok '"updated": 0$' "$T/c1.json"
grep_ok '"unchanged": 17,' "$T/c1.json"
grep_ok '"merged": 17,' "$T/c1.json"
grep_ok '"failed": 0,' "$T/c1.json"
# The full-only fields survive: kurtosis, per-tensor digests, the weights
# digest, the local source and its stamp; the record is not light.
ok "$ZX" --db "$DB" show --json --tensors "$M"
cp "$T/out" "$T/merged.json"
# (keeps_full OLD NEW: one line per full-only member, "same" or "lost")
keeps_full() {
    python3 -c 'import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
for k in ("kurtosis", "kurtosis_layers", "weights_digest", "tensors",
          "layout_digest", "source", "weights", "stamp", "vid", "params",
          "n_tensors", "group", "algo"):
    print(k, "same" if k in a and a[k] is not None and a[k] == b.get(k)
          else "lost")' "$1" "$2"
}
keeps_full "$T/full.json" "$T/merged.json" >"$T/keep"
grep_ok '^tensors same$' "$T/keep"
grep_ok '^kurtosis same$' "$T/keep"
grep_not lost "$T/keep"
grep_not '"light": true' "$T/merged.json"
# ... and the Hub's metadata is added: createdAt, _id, sha, downloads,
# likes, tags, the files with their sha256, the commit as the revision.
grep_ok '"createdAt": "20[0-9-]+T' "$T/merged.json"
grep_ok '"_id": "[0-9a-f]{24}"' "$T/merged.json"
grep_ok '"downloads": [0-9]+' "$T/merged.json"
grep_ok '"likes": [0-9]+' "$T/merged.json"
grep_ok '"lastModified": "20[0-9-]+T' "$T/merged.json"
grep_ok '"region:us"' "$T/merged.json"
grep_ok '"sha256": "[0-9a-f]{64}"' "$T/merged.json"
sha=$(python3 -c 'import json, sys
d = json.load(open(sys.argv[1])); print(d["hub"]["sha"], d["revision"])' "$T/merged.json")
check test "${sha% *}" = "${sha#* }"
ok "$ZX" --db "$DB" stats --json
grep_ok '"models_light": 0' "$T/out"
ok "$ZX" --db "$DB" verify
grep_ok '^ok: 17 models, 17 vectors' "$T/out"
# Search answers as before the crawl; lineage still finds the declared
# and inferred edges, and now knows the copy from its Hub creation date.
answers >"$T/after"
same "$T/before" "$T/after"
check test "$(wc -l <"$T/after")" -gt 50
ok "$ZX" --db "$DB" lineage quant-lab/tinybert-topic3-fp16
grep_ok 'zoodex-demo/tinybert-topic3  \[quantized' "$T/out"
ok "$ZX" --db "$DB" lineage zoodex-demo/tinybert-base
grep_ok 'acme-nlp/tinybert-emotion  \[finetune, declared from card\]' "$T/out"
grep_ok 'mirror-org/tinybert-sentiment .*a copy' "$T/out"
ok "$ZX" --db "$DB" stats
grep_ok '^edges +16: 8 declared, 8 inferred' "$T/out"
# The list shows the Hub's downloads now.
ok "$ZX" --db "$DB" list --json
grep_ok '"downloads": [0-9]+' "$T/out"

# A second crawl: all unchanged, nothing fetched (one listing request).
: >"$MLOG"
ok "$ZX" --db "$DB" crawl --since 2000-01-01
grep_ok '^crawl: 17 seen, 0 new, 0 updated, 17 unchanged, 0 skipped, 0 failed; [0-9.]+ [KM]?i?B in 1 request ' "$T/out"
grep_not 'merged' "$T/out"
grep_not '/resolve/' "$MLOG"
# Re-ingesting the same folders: unchanged, and the Hub's metadata stays.
ok "$ZX" --db "$DB" ingest "$ZOO"
grep_ok '^17 models: 0 new, 0 updated, 17 unchanged, 0 failed' "$T/out"
ok "$ZX" --db "$DB" show --json "$M"
grep_ok '"createdAt"' "$T/out"
grep_ok '"kurtosis": -?[0-9]' "$T/out"
# The Hub's card metadata survives a re-ingest of the same weights
# (--force, or touched files): the Hub's tag stays in meta and hub, the
# model is unchanged, and the next crawl has nothing to do.
sed 's/^- tiny$/- tiny\n- edited-on-the-hub/' "$ZOO/zoodex-demo/tinybert-base/README.md" \
    >"$T/repos/zoodex-demo/tinybert-base/README.md"
: >"$T/repos/.reload"
ok "$ZX" --db "$DB" crawl --since 2000-01-01 --json
grep_ok '"merged": 1,' "$T/out"
grep_ok '"updated": 0$' "$T/out"
tags() { # where the Hub's tag is: meta, hub
    "$ZX" --db "$DB" show --json zoodex-demo/tinybert-base >"$T/show.json" &&
        python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join(k for k in ("meta", "hub")
               if "edited-on-the-hub" in d[k].get("tags", [])),
      d["meta"].get("license"))' "$T/show.json"
}
check test "$(tags)" = "meta hub apache-2.0"
ok "$ZX" --db "$DB" ingest --force "$ZOO/zoodex-demo/tinybert-base"
grep_ok '^1 model: 0 new, 0 updated, 1 unchanged, 0 failed' "$T/out"
check test "$(tags)" = "meta hub apache-2.0"
mkdir -p "$T/zoo2"
cp -r "$ZOO"/* "$T/zoo2/"
ok "$ZX" --db "$T/db3" ingest "$T/zoo2"
ok "$ZX" --db "$T/db3" crawl
DB0=$DB DB=$T/db3
check test "$(tags)" = "meta hub apache-2.0"
touch "$T/zoo2/zoodex-demo/tinybert-base/model.safetensors"
ok "$ZX" --db "$T/db3" ingest "$T/zoo2"
grep_ok '^17 models: 0 new, 0 updated, 17 unchanged, 0 failed' "$T/out"
check test "$(tags)" = "meta hub apache-2.0"
DB=$DB0
# A field only the local card gives follows the local card; one the Hub
# gives keeps the Hub's value.
sed -i 's/^license: .*/license: mit\nlibrary_name: zoodex-local/' \
    "$T/zoo2/zoodex-demo/tinybert-base/README.md"
ok "$ZX" --db "$T/db3" ingest "$T/zoo2"
grep_ok '^17 models: 0 new, 1 updated, 16 unchanged, 0 failed' "$T/out"
ok "$ZX" --db "$T/db3" show --json zoodex-demo/tinybert-base
grep_ok '"library_name": "zoodex-local"' "$T/out"
grep_ok '"license": "apache-2.0"' "$T/out"
grep_ok '"edited-on-the-hub"' "$T/out"
ok "$ZX" --db "$T/db3" crawl --since 2000-01-01
grep_ok '^crawl: 17 seen, 0 new, 0 updated, 17 unchanged, 0 skipped, 0 failed; [0-9.]+ [KM]?i?B in 1 request ' "$T/out"
ok "$ZX" --db "$DB" crawl --since 2000-01-01
grep_ok '^crawl: 17 seen, 0 new, 0 updated, 17 unchanged, 0 skipped, 0 failed; [0-9.]+ [KM]?i?B in 1 request ' "$T/out"
# The text summary names the merges.
ok "$ZX" --db "$T/db2" ingest "$ZOO"
ok "$ZX" --db "$T/db2" crawl
grep_ok '^crawl: 17 seen, 0 new, 0 updated, 17 unchanged, 0 skipped, 0 failed; 17 merged into full records; ' "$T/out"
fails 7 "$ZX" --db "$T/db2" crawl --since 2000-01-01 --exit-code
grep_not 'merged' "$T/out"
done_testing
