#!/bin/sh
# t1100 - real third-party checkpoints: every tensor's name, dtype, shape,
# SHA-256 and value sums match what an independent reader (numpy, checked
# against torch.load) saw: fixtures/expected/tensors/*.tsv.
. "${0%/*}/lib.sh"
R="$ZX_SHARED/fixtures"
if [ ! -d "$R/real" ]; then
    echo "t1100: no shared fixtures at $R" >&2
    fail=$((fail + 1)); done_testing; exit 1
fi
# compare GOLDEN: names/dtypes/shapes/sha256 exact, sums to 1e-9 relative
compare() {
    awk -F '\t' 'NR == FNR { g[$1] = $0; n++; next }
        { split(g[$1], e, "\t")
          if (!($1 in g) || e[2] != $2 || e[3] != $3 || e[4] != $4) { print "mismatch: " $1; bad++ ; next }
          for (i = 5; i <= 6; i++) {
              d = e[i] - $i; if (d < 0) d = -d
              s = e[i] < 0 ? -e[i] : e[i]; if (s < 1) s = 1
              if (d > 1e-9 * s) { print "sum mismatch: " $1 " " e[i] " vs " $i; bad++ }
          }
          m++ }
        END { if (m != n) { print "count " m " vs " n; bad++ } exit bad > 0 }' "$1" "$T/out" >"$T/cmp"
    if [ $? -eq 0 ]; then _pass; else _fail "inspect vs $1"; cat "$T/cmp" >&2; fi
}
for g in fixtures/expected/tensors/*.tsv; do
    base=${g##*/}; base=${base%.tsv}
    src=$(echo "$base" | sed 's|__|/|g')
    case $src in
        zoo/*) path=fixtures/$src ;;
        real/*|hf-reference/*) path=$R/$src ;;
        *) continue ;;
    esac
    ok "$ZX" inspect "$path"
    compare "$g"
done
# Real model folders ingest; the trained bean ResNet and its hf-reference
# copy are byte-identical weights: duplicates.
ok "$ZX" --db "$DB" ingest --id test/beans "$R/real/resnet-tiny-beans-hf"
ok "$ZX" --db "$DB" ingest --id test/beans-ref "$R/hf-reference/resnet-tiny-beans"
ok "$ZX" --db "$DB" ingest --id test/resnet-random "$R/hf-reference/resnet-tiny-random"
for m in bert-tiny-random distilbert-tiny-random roberta-tiny-random vit-tiny-random clip-tiny; do
    ok "$ZX" --db "$DB" ingest --id "test/$m" "$R/hf-reference/$m"
done
for f in "$R"/real/pitloom/safetensors/*.safetensors; do
    ok "$ZX" --db "$DB" ingest "$f"
done
ok "$ZX" --db "$DB" show test/beans
grep_ok '^duplicates +test/beans-ref$' "$T/out"
grep_ok '^labels +3: angular_leaf_spot, bean_rust, healthy$' "$T/out"
grep_ok 'ResNetForImageClassification' "$T/out"
ok "$ZX" --db "$DB" search --like test/beans --json
grep_ok '"model": "test/beans-ref"' "$T/out"
grep_ok '"distance": 0' "$T/out"
ok "$ZX" --db "$DB" verify
grep_ok '^ok: 13 models' "$T/out"
done_testing
