#!/bin/sh
# t0130 - naming models: ambiguous short names list every match; paths name
# indexed models in show and lineage; inspect and search on folders; ids of
# flat folders (--org, config _name_or_path); plurals; inspect --json
# shapes as integer arrays.
. "${0%/*}/lib.sh"
ok "$ZX" --db "$DB" ingest "$ZOO"

# An ambiguous short name: every match, usage status 2.
fails 2 "$ZX" --db "$DB" show tinyresnet-colors
one_line "$T/err"
grep_ok "'tinyresnet-colors' matches 2 models: mirror-org/tinyresnet-colors, vision-demo/tinyresnet-colors; give the full org/name" "$T/err"
fails 2 "$ZX" --db "$DB" lineage tinyresnet-colors
grep_ok "mirror-org/tinyresnet-colors, vision-demo/tinyresnet-colors" "$T/err"
fails 2 "$ZX" --db "$DB" search tinyresnet-colors
grep_ok "matches 2 models" "$T/err"

# show and lineage take the path that was ingested (folder or weights).
ok "$ZX" --db "$DB" show "$ZOO/acme-nlp/tinybert-emotion"
grep_ok '^model +acme-nlp/tinybert-emotion$' "$T/out"
ok "$ZX" --db "$DB" show --json "$ZOO/acme-nlp/tinybert-emotion/model.safetensors"
grep_ok '"id": "acme-nlp/tinybert-emotion"' "$T/out"
(cd "$ZOO/acme-nlp" && "$ZX" --db "$DB" show ./tinybert-emotion) >"$T/out" 2>"$T/err"
grep_ok '^model +acme-nlp/tinybert-emotion$' "$T/out"
ok "$ZX" --db "$DB" lineage "$ZOO/acme-nlp/tinybert-emotion"
grep_ok '^acme-nlp/tinybert-emotion$' "$T/out"
grep_ok 'zoodex-demo/tinybert-base' "$T/out"
# A model folder that was not ingested: not found, and said so.
cp -r "$ZOO/acme-nlp/tinybert-emotion" "$T/copy"
fails 5 "$ZX" --db "$DB" show "$T/copy"
one_line "$T/err"
grep_ok "is on disk but not indexed" "$T/err"
fails 5 "$ZX" --db "$DB" lineage "$T/copy"
grep_ok "is on disk but not indexed" "$T/err"
# search still takes a folder that is not indexed, described on the fly.
ok "$ZX" --db "$DB" search "$T/copy" -k 1
grep_ok '0\.000000 +acme-nlp/tinybert-emotion' "$T/out"

# A folder of many models is not one model: say how many, and one.
fails 1 "$ZX" --db "$DB" search --like "$ZOO"
one_line "$T/err"
grep_ok "is not one model: it holds 17 models \(such as '.*/acme-nlp/tinybert-emotion'\); give one of them" "$T/err"
fails 1 "$ZX" inspect "$ZOO"
grep_ok "holds 17 models" "$T/err"

# inspect of a model folder inspects its weights file.
ok "$ZX" inspect "$ZOO/vision-demo/tinyresnet-base/model.safetensors"
cp "$T/out" "$T/file"
ok "$ZX" inspect "$ZOO/vision-demo/tinyresnet-base"
same "$T/file" "$T/out"
# inspect --json: shapes as arrays of integers, as in the text columns.
ok "$ZX" inspect --json "$ZOO/vision-demo/tinyresnet-base"
python3 - "$T/out" "$T/file" <<'EOF'
import json, sys
arr = json.load(open(sys.argv[1]))
text = [l.split("\t") for l in open(sys.argv[2]).read().splitlines()]
assert len(arr) == len(text) and arr
for t, cols in zip(arr, text):
    assert isinstance(t["shape"], list), t
    assert all(type(d) is int for d in t["shape"]), t
    assert ",".join(map(str, t["shape"])) == cols[2], (t, cols)
assert any(len(t["shape"]) == 4 for t in arr)
EOF
check test $? -eq 0

# Ids of flat folders: --org, else the config's _name_or_path.
mkdir -p "$T/flat"
cp -r "$ZOO/solo-dev/tinybert-intent" "$T/flat/tinybert-intent"
ok "$ZX" --db "$T/o1" ingest "$T/flat"
ok "$ZX" --db "$T/o1" list
grep_ok '^flat/tinybert-intent( |$)' "$T/out"
ok "$ZX" --db "$T/o2" ingest --org solo-dev "$T/flat"
ok "$ZX" --db "$T/o2" list
grep_ok '^solo-dev/tinybert-intent( |$)' "$T/out"
grep_not '^flat/' "$T/out"
python3 - "$T/flat/tinybert-intent/config.json" <<'EOF'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["_name_or_path"] = "intent-org/tinybert-intent"
json.dump(c, open(p, "w"))
EOF
ok "$ZX" --db "$T/o3" ingest "$T/flat"
ok "$ZX" --db "$T/o3" list
grep_ok '^intent-org/tinybert-intent( |$)' "$T/out"
# --org wins over it; a _name_or_path naming another model (the parent it
# was fine-tuned from) does not rename it.
ok "$ZX" --db "$T/o4" ingest --org mine "$T/flat"
ok "$ZX" --db "$T/o4" list
grep_ok '^mine/tinybert-intent( |$)' "$T/out"
python3 - "$T/flat/tinybert-intent/config.json" <<'EOF'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["_name_or_path"] = "google-bert/bert-base-uncased"
json.dump(c, open(p, "w"))
EOF
ok "$ZX" --db "$T/o5" ingest "$T/flat"
ok "$ZX" --db "$T/o5" list
grep_ok '^flat/tinybert-intent( |$)' "$T/out"
# --id still wins over everything.
ok "$ZX" --db "$T/o6" ingest --org mine --id x/y "$T/flat/tinybert-intent"
ok "$ZX" --db "$T/o6" list
grep_ok '^x/y( |$)' "$T/out"

# Plurals.
ok "$ZX" --db "$T/o7" ingest "$ZOO/zoodex-demo/tinybert-base"
grep_ok '^1 model: 1 new, 0 updated, 0 unchanged, 0 failed$' "$T/out"
ok "$ZX" --db "$T/o7" reindex
grep_ok '^rebuilt 1 vector file from the store$' "$T/out"
ok "$ZX" --db "$T/o7" verify
grep_ok '^ok: 1 model, 1 vector, 1 group, 0 edges$' "$T/out"
ok "$ZX" --db "$T/o7" show tinybert-base
grep_ok '^weight group +[0-9a-f]{16} \(1 model\)$' "$T/out"
done_testing
