#!/bin/sh
# t2605 - a crawl over full records whose weights the Hub changed skips
# them while their local folders exist (and replaces them, a real update,
# once those are gone); a change of the card alone merges.  How the crawl
# tells: the local files the record was described from, hashed and
# compared with the Hub's sha256 (exact, even for a change outside the
# sampled backbone); without them, the tensor table and the sampled values.
. "${0%/*}/lib.sh"
mkdir -p "$T/repos"
cp -r "$ZOO"/*/ "$T/repos/"
# One value of a classification head (not sampled by the fingerprint).
python3 - "$T/repos/zoodex-demo/tinybert-topic3/model.safetensors" <<'EOF'
import json, struct, sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
n = struct.unpack("<Q", b[:8])[0]
t = json.loads(b[8:8 + n])["classifier.weight"]
o = 8 + n + t["data_offsets"][0]
b[o:o + 4] = struct.pack("<f", struct.unpack("<f", b[o:o + 4])[0] + 0.5)
open(p, "wb").write(b)
EOF
# Other weights under the same name.
cp "$ZOO/vision-demo/tinyresnet-shapes/model.safetensors" \
    "$T/repos/vision-demo/tinyresnet-colors/model.safetensors"
# The card alone.
sed 's/^- tiny$/- tiny\n- edited-on-the-hub/' "$ZOO/zoodex-demo/tinybert-base/README.md" \
    >"$T/repos/zoodex-demo/tinybert-base/README.md"
grep_ok 'edited-on-the-hub' "$T/repos/zoodex-demo/tinybert-base/README.md"

ok "$ZX" --db "$DB" ingest "$ZOO"
start_mock --repos "$T/repos"
# While the local folders the records were described from exist, the
# crawl does not replace them with the Hub's other weights: it skips those
# two models and says where the local ones are.
ok "$ZX" --db "$DB" crawl --json
grep_ok '"updated": 0$' "$T/out"
grep_ok '"skipped": 2,' "$T/out"
grep_ok '"unchanged": 15,' "$T/out"
grep_ok '"merged": 15,' "$T/out"
grep_ok '"reason": "held-by-local-model"' "$T/out"
grep_ok "\"path\": \"$PWD/$ZOO/zoodex-demo/tinybert-topic3\"" "$T/out"
ok "$ZX" --db "$T/t" ingest "$ZOO"
ok "$ZX" --db "$T/t" crawl
grep_ok '^crawl: 17 seen, 0 new, 0 updated, 15 unchanged, 2 skipped, 0 failed; ' "$T/out"
grep_ok "^zoodex crawl: vision-demo/tinyresnet-colors: skipped: held by a local model with other weights at $PWD/$ZOO/vision-demo/tinyresnet-colors " "$T/err"
check test "$(grep -c 'skipped: held' "$T/err")" = 2
for m in zoodex-demo/tinybert-topic3 vision-demo/tinyresnet-colors; do
    ok "$ZX" --db "$DB" show --json "$m"
    grep_not '"light": true' "$T/out"
    grep_ok '"kurtosis": -?[0-9]' "$T/out"
    grep_ok "\"source\": \"$PWD/$ZOO/" "$T/out"
    grep_not '"createdAt"' "$T/out"
done
ok "$ZX" --db "$DB" show --json zoodex-demo/tinybert-base
grep_ok '"kurtosis": -?[0-9]' "$T/out"
grep_ok '"weights_digest": "[0-9a-f]{64}"' "$T/out"
grep_ok '"edited-on-the-hub"' "$T/out"
grep_ok '"createdAt"' "$T/out"
ok "$ZX" --db "$DB" stats --json
grep_ok '"models_light": 0' "$T/out"
ok "$ZX" --db "$DB" verify
grep_ok '^ok: 17 models, 17 vectors' "$T/out"
# It settles: crawl and ingest, again and again, change nothing, and the
# crawl fetches nothing (one listing request).
: >"$MLOG"
ok "$ZX" --db "$DB" crawl --since 2000-01-01
grep_ok '^crawl: 17 seen, 0 new, 0 updated, 15 unchanged, 2 skipped, 0 failed; [0-9.]+ [KM]?i?B in 1 request ' "$T/out"
grep_not '/resolve/' "$MLOG"
ok "$ZX" --db "$DB" ingest "$ZOO"
grep_ok '^17 models: 0 new, 0 updated, 17 unchanged, 0 failed' "$T/out"
fails 7 "$ZX" --db "$DB" crawl --since 2000-01-01 --exit-code
grep_ok '^crawl: 17 seen, 0 new, 0 updated, 15 unchanged, 2 skipped, 0 failed; ' "$T/out"
ok "$ZX" --db "$DB" ingest "$ZOO"
grep_ok '^17 models: 0 new, 0 updated, 17 unchanged, 0 failed' "$T/out"
ok "$ZX" --db "$DB" show --json zoodex-demo/tinybert-sentiment
grep_ok '"createdAt"' "$T/out"
# Removing the local model lets the Hub's in: a light record, and settled.
ok "$ZX" --db "$DB" rm vision-demo/tinyresnet-colors
ok "$ZX" --db "$DB" crawl --since 2000-01-01 --json
grep_ok '"new": 1,' "$T/out"
grep_ok '"skipped": 1,' "$T/out"
ok "$ZX" --db "$DB" show --json vision-demo/tinyresnet-colors
grep_ok '"light": true' "$T/out"
grep_ok '"source": "hub:' "$T/out"
ok "$ZX" --db "$DB" crawl --since 2000-01-01
grep_ok '^crawl: 17 seen, 0 new, 0 updated, 16 unchanged, 1 skipped, 0 failed; [0-9.]+ [KM]?i?B in 1 request ' "$T/out"

# Without the local files (moved away after the ingest), the tensor table
# and the sampled values decide: other weights are still told apart.
cp "$ZOO/zoodex-demo/tinybert-topic3/model.safetensors" \
    "$T/repos/zoodex-demo/tinybert-topic3/model.safetensors"
: >"$T/repos/.reload"
mkdir -p "$T/local"
cp -r "$ZOO"/*/ "$T/local/"
ok "$ZX" --db "$T/s" ingest "$T/local"
rm -rf "$T/local"
ok "$ZX" --db "$T/s" crawl --json
grep_ok '"updated": 1$' "$T/out"
grep_ok '"merged": 16,' "$T/out"
ok "$ZX" --db "$T/s" show --json vision-demo/tinyresnet-colors
grep_ok '"light": true' "$T/out"
ok "$ZX" --db "$T/s" show --json zoodex-demo/tinybert-topic3
grep_ok '"kurtosis": -?[0-9]' "$T/out"
grep_ok '"createdAt"' "$T/out"
ok "$ZX" --db "$T/s" crawl --since 2000-01-01 --json
grep_ok '"unchanged": 17,' "$T/out"

# A repository renamed on the Hub (same _id) keeps its full descriptors
# under the new name.
id=$("$ZX" --db "$T/s" show --json other-lab/minibert-spam | sed -n 's/.*"_id": "\([0-9a-f]*\)".*/\1/p' | head -1)
check test -n "$id"
# (and in an index that holds the new name already, in full, with the
# same weights: the old name goes, and that is an update)
mkdir -p "$T/spam2"
cp -r "$ZOO/other-lab/minibert-spam/." "$T/spam2/"
ok "$ZX" --db "$T/r" ingest "$ZOO"
ok "$ZX" --db "$T/r" ingest --id other-lab/minibert-spam-v2 "$T/spam2"
ok "$ZX" --db "$T/r" crawl
mv "$T/repos/other-lab/minibert-spam" "$T/repos/other-lab/minibert-spam-v2"
printf '{"_id": "%s", "renamed_from": ["other-lab/minibert-spam"]}\n' "$id" \
    >"$T/repos/other-lab/minibert-spam-v2/.hub.json"
: >"$T/repos/.reload"
ok "$ZX" --db "$T/s" crawl --since 2000-01-01 --json
grep_ok '"updated": 1$' "$T/out"
ok "$ZX" --db "$T/s" list
grep_ok '^other-lab/minibert-spam-v2 ' "$T/out"
grep_not '^other-lab/minibert-spam ' "$T/out"
ok "$ZX" --db "$T/s" show --json other-lab/minibert-spam-v2
grep_ok '"kurtosis": -?[0-9]' "$T/out"
grep_ok '"weights_digest": "[0-9a-f]{64}"' "$T/out"
grep_not '"light": true' "$T/out"
ok "$ZX" --db "$T/s" verify
grep_ok '^ok: 17 models, 17 vectors' "$T/out"
ok "$ZX" --db "$T/s" crawl --since 2000-01-01 --json
grep_ok '"unchanged": 17,' "$T/out"
ok "$ZX" --db "$T/r" crawl --since 2000-01-01 --json
grep_ok '"updated": 1$' "$T/out"
grep_ok '"new": 0,' "$T/out"
ok "$ZX" --db "$T/r" list
grep_ok '^other-lab/minibert-spam-v2 ' "$T/out"
grep_not '^other-lab/minibert-spam ' "$T/out"
ok "$ZX" --db "$T/r" show --json other-lab/minibert-spam-v2
grep_ok "\"source\": \"$T/spam2\"" "$T/out"
grep_ok '"createdAt"' "$T/out"
ok "$ZX" --db "$T/r" verify
grep_ok '^ok: 17 models, 17 vectors' "$T/out"
ok "$ZX" --db "$T/r" crawl --since 2000-01-01 --json
grep_ok '"updated": 0$' "$T/out"
done_testing
