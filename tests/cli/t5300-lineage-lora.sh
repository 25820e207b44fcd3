#!/bin/sh
# t5300 - LoRA adapters: the merged update B A (alpha / r) is decomposed at
# ingest (numerical rank by LAPACK SVD), and the adapter's declared base is
# checked against it: every updated layer must exist in the base with the
# update's shape.  Adapters are never charted as models of a weight group.
. "${0%/*}/lib.sh"
ok "$ZX" --db "$DB" ingest fixtures/lineage/zoo
lora=deep-owl/aurora-base-domain-lora-r8
ok "$ZX" --db "$DB" show --json "$lora"
check python3 -c '
import json, sys
l = json.load(open(sys.argv[1]))["lora"]
# r = 8 and lora_alpha = 16 in its adapter_config.json: full-rank factors
assert l["rank_max"] == 8 and l["rank_min"] == 8, l
assert abs(l["scale"] - 2.0) < 1e-9 and l["pairs"] == len(l["layers"]) > 0, l
assert all(x["target"].startswith("bert.encoder.") and x["target"].endswith(".weight") for x in l["layers"]), l
' "$T/out"
ok "$ZX" --db "$DB" lineage --json "$lora"
check python3 -c '
import json, sys
(p,) = json.load(open(sys.argv[1]))["parents"]
assert p["parent"] == "aurora-ai/aurora-base" and p["relation"] == "adapter", p
ev = p["evidence"]
assert ev["method"] == "lora" and ev["shapes"] == "fit" and ev["rank_max"] == 8, p
assert "contradiction" not in p and p["confidence"] == 1, p
' "$T/out"
# Nothing in a weight group has an adapter as parent or child.
ok "$ZX" --db "$DB" lineage --json aurora-ai/aurora-base
check python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for c in d["children"]:
    if "lora" in c["child"]:
        assert c["relation"] == "adapter" and c["provenance"] == "declared", c
' "$T/out"
# A hand-made adapter: rank-1 update of a 48x48 layer that the declared
# base (32x32 attention) does not have: flagged, kept.
mkdir -p "$T/z/odd/misfit"
python3 - "$T/z/odd/misfit" <<'PY'
import json, struct, sys
d = sys.argv[1]
r, n = 2, 48
A = [[(i + 1) * 0.01 * (j % 5 + 1) for j in range(n)] for i in range(r)]
B = [[0.02 * (k + 1), 0.04 * (k + 1)] for k in range(n)]  # columns parallel: rank 1
pre = "base_model.model.bert.encoder.layer.0.attention.self.query."
tens = {pre + "lora_A.weight": ([r, n], A), pre + "lora_B.weight": ([n, r], B)}
hdr, data = {}, b""
for name in sorted(tens):
    shape, rows = tens[name]
    raw = b"".join(struct.pack("<%df" % len(row), *row) for row in rows)
    hdr[name] = {"dtype": "F32", "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
    data += raw
h = json.dumps(hdr).encode()
h += b" " * (-len(h) % 8)
open(d + "/adapter_model.safetensors", "wb").write(struct.pack("<Q", len(h)) + h + data)
json.dump({"base_model_name_or_path": "aurora-ai/aurora-base", "peft_type": "LORA",
           "r": r, "lora_alpha": 4, "target_modules": ["query"]},
          open(d + "/adapter_config.json", "w"))
PY
ok "$ZX" --db "$DB" ingest "$T/z"
ok "$ZX" --db "$DB" show --json odd/misfit
check python3 -c '
import json, sys
l = json.load(open(sys.argv[1]))["lora"]
assert l["rank_max"] == 1 and l["layers"][0]["shape"] == [48, 48], l
' "$T/out"
ok "$ZX" --db "$DB" lineage --json odd/misfit
check python3 -c '
import json, sys
(p,) = json.load(open(sys.argv[1]))["parents"]
assert p["parent"] == "aurora-ai/aurora-base" and p["provenance"] == "declared", p
assert p["evidence"]["shapes"] == "misfit" and "[48,48]" in p["contradiction"], p
assert p["confidence"] < 1, p
' "$T/out"
ok "$ZX" --db "$DB" verify
done_testing
