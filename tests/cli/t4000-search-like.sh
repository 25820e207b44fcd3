#!/bin/sh
# t4000 - search by example model: nearest by weight fingerprint within the
# architecture group, by id, by short name, by path, as text and JSON.
. "${0%/*}/lib.sh"
ok "$ZX" --db "$DB" ingest "$ZOO"
# A low-precision copy is the nearest to its original; exact duplicates are
# at distance 0.
ok "$ZX" --db "$DB" search --like vision-demo/tinyresnet-shapes -k 2
grep_ok "^  1 +0\.0[0-9]+  quant-lab/tinyresnet-shapes-bf16$" "$T/out"
ok "$ZX" --db "$DB" search --like zoodex-demo/tinybert-sentiment -k 1 --json
grep_ok '"model": "mirror-org/tinybert-sentiment"' "$T/out"
grep_ok '"distance": 0' "$T/out"
grep_not '"model": "zoodex-demo/tinybert-sentiment"' "$T/out"
# A fine-tuned child is nearer to its own tree than to the other tree.
ok "$ZX" --db "$DB" search --like other-lab/minibert-spam -k 2
grep_ok '^  1 .*other-lab/minibert-base$' "$T/out"
grep_ok '^  2 .*other-lab/minibert-lang$' "$T/out"
ok "$ZX" --db "$DB" search --like pixel-co/tinyresnet-colors-v2 -k 3
grep_ok '^  3 .*vision-demo/tinyresnet-base$' "$T/out"
# Groups never mix: a ResNet query returns only ResNets.
ok "$ZX" --db "$DB" search --like vision-demo/tinyresnet-base -k 100
check test "$(grep -c '^ .*tinyresnet' "$T/out")" -eq 5
grep_not 'bert' "$T/out"
# -k bounds the answer; ranks ascend by distance.
ok "$ZX" --db "$DB" search --like zoodex-demo/tinybert-base -k 4
check test "$(grep -c '^ ' "$T/out")" -eq 4
awk 'NR > 1 { if ($2 < prev) exit 1; prev = $2 }' "$T/out"
check test $? -eq 0
# A short name resolves when it is unique, and is refused when not.
ok "$ZX" --db "$DB" search --like minibert-spam -k 1
grep_ok "nearest to 'other-lab/minibert-spam'" "$T/out"
fails 2 "$ZX" --db "$DB" search --like tinyresnet-colors
grep_ok "matches 2 models" "$T/err"
fails 5 "$ZX" --db "$DB" search --like nobody/nothing
one_line "$T/err"
# A checkpoint that is not indexed: a copy of a zoo model at a new path.
mkdir -p "$T/elsewhere"
cp -r "$ZOO/acme-nlp/tinybert-topic-news" "$T/elsewhere/q"
ok "$ZX" --db "$DB" search --like "$T/elsewhere/q" -k 1 --json
grep_ok '"indexed": false' "$T/out"
grep_ok '"model": "acme-nlp/tinybert-topic-news"' "$T/out"
grep_ok '"distance": 0' "$T/out"
ok "$ZX" --db "$DB" search --like "$T/elsewhere/q/model.safetensors" -k 1
grep_ok 'acme-nlp/tinybert-topic-news$' "$T/out"
# A model of a weight group nobody else is in: no hits, still success.
ok "$ZX" --db "$DB" search --like "$ZX_SHARED/fixtures/real/pitloom/safetensors/phi-tiny-random.safetensors"
grep_ok 'no other model in this weight group' "$T/out"
# Bad example files fail with one line.
head -c 50 "$ZOO/acme-nlp/tinybert-topic-news/model.safetensors" >"$T/bad.safetensors"
fails 1 "$ZX" --db "$DB" search --like "$T/bad.safetensors"
one_line "$T/err"
done_testing
