#!/bin/sh
# t1300 - PyTorch checkpoints (pytorch_model.bin, .pth, .pt): the same state
# dict as model.safetensors and as torch zip, legacy and sharded files ingests
# to the same record; real files read as torch.load(weights_only=True) sees
# them; refused files and hostile pickles fail with one clear line and
# run nothing.  Fixtures: fixtures/gen/make_pickles.py.
. "${0%/*}/lib.sh"
R="$ZX_SHARED/fixtures"
P=fixtures/pickles
M=$P/models/acme
PWNED=/tmp/zoodex-pwned-by-pickle
rm -f "$PWNED"

# inspect: every torch layout of the tiny model prints what its
# model.safetensors prints (names, dtypes, shapes, SHA-256, sums).
ok "$ZX" inspect "$M/tiny-st/model.safetensors"
cp "$T/out" "$T/st.tsv"
cut -f1-4 "$T/st.tsv" >"$T/st4.tsv"
same "$P/expected/tiny.tsv" "$T/st4.tsv"
for f in tiny-zip/pytorch_model.bin tiny-legacy/pytorch_model.bin \
         tiny-sharded/pytorch_model.bin.index.json; do
    ok "$ZX" inspect "$M/$f"
    same "$T/st.tsv" "$T/out"
done
ok "$ZX" inspect "$P/files/proto4.bin"
same "$T/st.tsv" "$T/out"

# Single files and real third-party files: what torch.load saw.
for e in "$P"/expected/*.tsv; do
    b=${e##*/}; b=${b%.tsv}
    case $b in
        tiny|refused) continue ;;
        real__*) f="$R/real/$(echo "${b#real__}" | sed 's|__|/|g')" ;;
        *) f="$P/files/$b" ;;
    esac
    ok "$ZX" inspect "$f"
    cut -f1-4 "$T/out" >"$T/got.tsv"
    same "$e" "$T/got.tsv"
done
grep_ok '^tensor	F32	3,4	' "$P/expected/real__picklescan__new_pytorch_model.bin.tsv"

# The real pairs: pytorch_model.bin holds what model.safetensors holds.
for d in "$R/real/resnet-tiny-beans-hf" "$R/hf-reference/bert-tiny-random" \
         "$R/hf-reference/clip-tiny"; do
    ok "$ZX" inspect "$d/model.safetensors"
    cp "$T/out" "$T/a.tsv"
    ok "$ZX" inspect "$d/pytorch_model.bin"
    same "$T/a.tsv" "$T/out"
done

# ingest: five layouts of one state dict are one weight group, the same
# digests, duplicates at distance 0.  tiny-both holds other weights in its
# pytorch_model.bin: the safetensors file wins.
ok "$ZX" --db "$DB" ingest "$P/models"
grep_ok '^5 models: 5 new' "$T/out"
fields() {
    "$ZX" --db "$DB" show --json "$1" | python3 -c '
import json, sys
d = json.load(sys.stdin)
for k in ("group", "weights_digest", "kurtosis", "kurtosis_layers", "params",
          "params_by_dtype", "n_tensors", "n_backbone", "dtype", "meta"):
    print(k, json.dumps(d[k], sort_keys=True))'
}
fields acme/tiny-st >"$T/f-st"
grep_ok '^weights_digest "[0-9a-f]{64}"$' "$T/f-st"
grep_ok '^n_tensors 23$' "$T/f-st"
for m in tiny-zip tiny-legacy tiny-sharded tiny-both; do
    fields "acme/$m" >"$T/f-$m"
    same "$T/f-st" "$T/f-$m"
    ok "$ZX" --db "$DB" show --tensors "acme/$m"
    grep '^  ' "$T/out" >"$T/t-$m"
done
ok "$ZX" --db "$DB" show --tensors acme/tiny-st
grep '^  ' "$T/out" >"$T/t-st"
check test "$(wc -l <"$T/t-st")" -ge 23
for m in tiny-zip tiny-legacy tiny-sharded; do
    same "$T/t-st" "$T/t-$m"
done
ok "$ZX" --db "$DB" show --json acme/tiny-both
grep_ok '"weights": ".*/tiny-both/model.safetensors"' "$T/out"
ok "$ZX" --db "$DB" show --json acme/tiny-legacy
grep_ok '"weights": ".*/tiny-legacy/pytorch_model.bin"' "$T/out"
ok "$ZX" --db "$DB" search --like acme/tiny-st --json
check test "$(grep -c '"distance": 0.0,' "$T/out")" -eq 4
# Unchanged files are skipped; the torch reader is deterministic.
ok "$ZX" --db "$DB" ingest "$P/models"
grep_ok '^5 models: 0 new, 0 updated, 5 unchanged' "$T/out"

# Torch models inside a zoo archive are read the same way.
tar -C "$P/models" -czf "$T/zoo.tar.gz" acme/tiny-zip acme/tiny-legacy
ok "$ZX" --db "$T/db-ar" ingest "$T/zoo.tar.gz"
grep_ok '^2 models: 2 new' "$T/out"
ok "$ZX" --db "$T/db-ar" search --like "$M/tiny-st" --json
check test "$(grep -c '"distance": 0.0,' "$T/out")" -eq 2

# Real models: the bean ResNet's pytorch_model.bin alone is a duplicate of
# its model.safetensors; the legacy picklescan file and the pitloom .pth
# ingest; the whole pickled module (.pt) is refused naming its class.
mkdir -p "$T/bin/t/beans-bin"
cp "$R/real/resnet-tiny-beans-hf/config.json" \
   "$R/real/resnet-tiny-beans-hf/pytorch_model.bin" "$T/bin/t/beans-bin/"
ok "$ZX" --db "$DB" ingest "$T/bin"
ok "$ZX" --db "$DB" ingest --id t/beans-st "$R/real/resnet-tiny-beans-hf"
ok "$ZX" --db "$DB" show t/beans-bin
grep_ok '^duplicates +t/beans-st$' "$T/out"
grep_ok '^labels +3: angular_leaf_spot, bean_rust, healthy$' "$T/out"
ok "$ZX" --db "$DB" ingest --id t/distilbert-legacy "$R/real/picklescan/pytorch_model.bin"
ok "$ZX" --db "$DB" show t/distilbert-legacy
grep_ok '^parameters +[0-9]+ in 38 tensors' "$T/out"
ok "$ZX" --db "$DB" ingest --id t/linear "$R/real/pitloom/pytorch/example-model.pth"
fails 1 "$ZX" --db "$DB" ingest --id t/module "$R/real/pitloom/pytorch/example-model.pt"
grep_ok "refused pickle global 'torch.nn.modules.linear.Linear'.*example-model.pt|example-model.pt.*refused pickle global 'torch.nn.modules.linear.Linear'" "$T/err"
grep_ok "state_dict" "$T/err"
fails 1 "$ZX" inspect "$R/real/pitloom/pytorch/example-model.pt"
one_line "$T/err"

# Refused files: exit 1, one line naming the file and the reason.
while IFS="$(printf '\t')" read -r f msg; do
    fails 1 "$ZX" inspect "$P/files/$f"
    one_line "$T/err"
    grep_ok "$P/files/$f" "$T/err"
    if grep -qF -- "$msg" "$T/err"; then _pass; else
        _fail "$f: '$msg' not in: $(cat "$T/err")"; fi
done <"$P/expected/refused.tsv"

# Hostile pickles as legacy files: refused (or, for the control, read);
# nothing they name ever runs.
cut -f1,4 "$P/hostile/MANIFEST.tsv" >"$T/hostile.tsv"
check test "$(wc -l <"$T/hostile.tsv")" -ge 100
while IFS="$(printf '\t')" read -r name msg; do
    f="$P/hostile-ckpt/$name.bin"
    if [ -z "$msg" ]; then
        ok "$ZX" inspect "$f"
        continue
    fi
    fails 1 "$ZX" inspect "$f"
    if [ "$(wc -l <"$T/err")" -eq 1 ] && grep -qF -- "$msg" "$T/err"; then
        _pass
    else
        _fail "$name: '$msg' not in: $(cat "$T/err")"
    fi
done <"$T/hostile.tsv"
check test ! -e "$PWNED"

# A tree with a good model and a hostile .pth: partial, the index keeps
# the good one only.
mkdir -p "$T/mixed/org/good" "$T/mixed/org/evil"
cp "$M/tiny-zip/config.json" "$M/tiny-zip/pytorch_model.bin" "$T/mixed/org/good/"
cp "$P/hostile-ckpt/os-system-reduce.bin" "$T/mixed/org/evil/weights.pth"
fails 3 "$ZX" --db "$T/db2" ingest "$T/mixed"
grep_ok "refused pickle global 'os.system'" "$T/err"
grep_ok '^2 models: 1 new, 0 updated, 0 unchanged, 1 failed' "$T/out"
ok "$ZX" --db "$T/db2" list
grep_ok '^org/good ' "$T/out"
grep_not 'evil' "$T/out"
check test ! -e "$PWNED"
done_testing
