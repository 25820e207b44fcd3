#!/bin/sh
# t1000 - ingesting the sample zoo: counts, ids, no-op re-ingest, updates.
. "${0%/*}/lib.sh"
ok "$ZX" --db "$DB" ingest "$ZOO"
grep_ok '^17 models: 17 new, 0 updated, 0 unchanged, 0 failed$' "$T/out"
ok "$ZX" --db "$DB" list
check test "$(wc -l <"$T/out")" -eq 17
grep_ok '^zoodex-demo/tinybert-base ' "$T/out"
grep_ok '^other-lab/minibert-lang ' "$T/out"
grep_not 'MANIFEST' "$T/out"
ok "$ZX" --db "$DB" stats --json
grep_ok '"models": 17' "$T/out"
grep_ok '"groups": 2' "$T/out"
ok "$ZX" --db "$DB" verify
grep_ok '^ok: 17 models, 17 vectors, 2 groups' "$T/out"

# Re-ingesting unchanged models is a no-op: same logical content.
snapshot "$DB" "$T/before"
ok "$ZX" --db "$DB" ingest "$ZOO"
grep_ok '17 unchanged' "$T/out"
snapshot "$DB" "$T/after"
same "$T/before" "$T/after"

# The sharded model has every tensor of both shards.
ok "$ZX" --db "$DB" show --json other-lab/minibert-lang
grep_ok '"n_tensors": 41' "$T/out"
# Exact duplicates are found; low-precision copies keep their group.
ok "$ZX" --db "$DB" show zoodex-demo/tinybert-sentiment
grep_ok '^duplicates +mirror-org/tinybert-sentiment$' "$T/out"
a=$("$ZX" --db "$DB" show --json zoodex-demo/tinybert-topic3 | sed -n 's/.*"group": "\(.*\)".*/\1/p')
b=$("$ZX" --db "$DB" show --json quant-lab/tinybert-topic3-fp16 | sed -n 's/.*"group": "\(.*\)".*/\1/p')
check test -n "$a" -a "$a" = "$b"
ok "$ZX" --db "$DB" show --json quant-lab/tinybert-topic3-fp16
grep_ok '"dtype": "F16"' "$T/out"
# A child with a new head stays in its parent's group.
c=$("$ZX" --db "$DB" show --json acme-nlp/tinybert-emotion | sed -n 's/.*"group": "\(.*\)".*/\1/p')
check test "$a" = "$c"

# A changed model replaces its record: copy, ingest, change, re-ingest.
mkdir -p "$T/zoo2/acme"
cp -r "$ZOO/zoodex-demo/tinybert-base" "$T/zoo2/acme/m"
ok "$ZX" --db "$DB" ingest "$T/zoo2"
grep_ok '1 new' "$T/out"
cp "$ZOO/zoodex-demo/tinybert-sentiment/model.safetensors" "$T/zoo2/acme/m/"
ok "$ZX" --db "$DB" ingest "$T/zoo2"
grep_ok '1 updated' "$T/out"
d1=$("$ZX" --db "$DB" show --json acme/m | sed -n 's/.*"weights_digest": "\(.*\)".*/\1/p')
d2=$("$ZX" --db "$DB" show --json zoodex-demo/tinybert-sentiment | sed -n 's/.*"weights_digest": "\(.*\)".*/\1/p')
check test -n "$d1" -a "$d1" = "$d2"
ok "$ZX" --db "$DB" verify
grep_ok '^ok: 18 models, 18 vectors' "$T/out"
# --force recomputes even when nothing changed.
ok "$ZX" --db "$DB" ingest --force "$T/zoo2"
grep_ok '^1 model: 0 new, 0 updated, 1 unchanged' "$T/out"

# --id names a single model; a single .safetensors file works too.
ok "$ZX" --db "$DB" ingest --id someone/file-model "$ZOO/vision-demo/tinyresnet-base/model.safetensors"
ok "$ZX" --db "$DB" show someone/file-model
grep_ok 'duplicates +vision-demo/tinyresnet-base' "$T/out"
fails 2 "$ZX" --db "$DB" ingest --id x/y "$ZOO"
one_line "$T/err"
fails 2 "$ZX" --db "$DB" ingest --id 'bad id' "$ZOO/vision-demo/tinyresnet-base"
ok "$ZX" --db "$DB" ingest --json "$ZOO/vision-demo"
grep_ok '"unchanged": 3' "$T/out"
# A Hugging Face cache snapshot gets its Hub id and revision.
snap="$T/hub/models--someorg--cached/snapshots/0123abcd"
mkdir -p "$snap"
cp "$ZOO/other-lab/minibert-spam/"* "$snap/"
ok "$ZX" --db "$DB" ingest "$T/hub"
ok "$ZX" --db "$DB" show --json someorg/cached
grep_ok '"revision": "0123abcd"' "$T/out"
done_testing
