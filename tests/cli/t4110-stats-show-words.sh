#!/bin/sh
# t4110 - one word per concept: "weight group" (JSON "group") for the
# backbone signature, "architecture" for config.json's class name, edges
# counted by provenance with totals that add up; stats in human units;
# `show` prints label names (all up to 20, then a count; --labels for all).
. "${0%/*}/lib.sh"
export LC_ALL=C
Z=$T/zoo
mkdir -p "$Z"
cp -r "$ZOO"/*/ "$Z/"
# A copy of a zoo model with 25 labels (keys sort "0", "1", "10", ...).
cp -r "$ZOO/zoodex-demo/tinybert-topic3" "$Z/zoodex-demo/many-labels"
python3 - "$Z/zoodex-demo/many-labels/config.json" <<'EOF2'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["id2label"] = {str(i): "label-%02d" % i for i in range(25)}
c["label2id"] = {v: int(k) for k, v in c["id2label"].items()}
json.dump(c, open(p, "w"), indent=2, sort_keys=True)
EOF2
rm -f "$Z/zoodex-demo/many-labels/README.md"
# A model without backbone tensors (one vector): no weight group.
mkdir -p "$Z/flat-org/vec"
python3 - "$Z/flat-org/vec/model.safetensors" <<'EOF2'
import json, struct, sys
data = struct.pack("<4f", 0.5, -0.5, 0.25, 1.0)
hdr = json.dumps({"bias": {"dtype": "F32", "shape": [4],
                           "data_offsets": [0, len(data)]}}).encode()
hdr += b" " * (-len(hdr) % 8)
open(sys.argv[1], "wb").write(struct.pack("<Q", len(hdr)) + hdr + data)
EOF2
ok "$ZX" --db "$DB" ingest "$Z"
grep_ok '^19 models: 19 new' "$T/out"

# ===== stats =====
ok "$ZX" --db "$DB" stats
cp "$T/out" "$T/stats.txt"
grep_ok '^models +19: 18 in a weight group, 1 without$' "$T/out"
grep_ok '^weight groups +2$' "$T/out"
grep_ok '^vectors +18$' "$T/out"
grep_ok '^edges +[0-9]+: [0-9]+ declared, [0-9]+ inferred, [0-9]+ both$' "$T/out"
grep_ok '^lineage update +20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z: 2 groups, [0-9]+ of [0-9]+ components charted, [0-9]+ inferred edges? written$' "$T/out"
grep_ok '^store size +[0-9]+(\.[0-9])? (KiB|MiB) \([0-9]+ bytes\)$' "$T/out"
grep_not 'architecture|declared edges|store bytes' "$T/out"
ok "$ZX" --db "$DB" stats --json
cp "$T/out" "$T/stats.json"
# The JSON agrees with the text, its edge counts add up and match the
# edges the lineage of the whole index exports, by provenance.
ok "$ZX" --db "$DB" lineage --all --json
cp "$T/out" "$T/all.json"
check python3 - "$T/stats.json" "$T/stats.txt" "$T/all.json" <<'EOF2'
import json, re, sys
s = json.load(open(sys.argv[1]))
txt = open(sys.argv[2]).read()
edges = json.load(open(sys.argv[3]))["edges"]
e = s["edges"]
assert e["declared"] + e["inferred"] + e["both"] == e["total"], e
assert e["total"] == len(edges) == s["tables"]["edges"], (e, len(edges))
for p in ("declared", "inferred", "both"):
    assert e[p] == sum(1 for x in edges if x["provenance"] == p), (p, e)
assert e["declared"] > 0 and e["inferred"] > 0, e
assert s["models"] == 19 and s["models_in_group"] == 18, s
assert s["models_without_group"] == 1 and s["models_light"] == 0, s
assert s["groups"] == 2 == len(s["group_sizes"]), s
assert sum(s["group_sizes"].values()) == s["vectors"] == 18, s
assert "architectures" not in s
m = re.search(r"^edges +(\d+): (\d+) declared, (\d+) inferred, (\d+) both$",
              txt, re.M)
assert [int(x) for x in m.groups()] == [e["total"], e["declared"],
                                        e["inferred"], e["both"]], m.groups()
m = re.search(r"^store size .*\((\d+) bytes\)$", txt, re.M)
assert int(m.group(1)) == s["bytes_used"], txt
u = s["lineage_last_update"]
assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", u["time"]), u
EOF2
# An index that was never charted says so.
ok "$ZX" --db "$T/empty" ingest "$Z/flat-org"
ok "$ZX" --db "$T/empty" stats
grep_ok '^models +1: 0 in a weight group, 1 without$' "$T/out"
grep_ok '^edges +0: 0 declared, 0 inferred, 0 both$' "$T/out"
grep_ok '^lineage update +never$' "$T/out"

# ===== show =====
ok "$ZX" --db "$DB" show zoodex-demo/tinybert-topic3
grep_ok '^architecture +BertForSequenceClassification$' "$T/out"
grep_ok '^model type +bert$' "$T/out"
grep_ok '^labels +3: world, sports, business$' "$T/out"
grep_ok '^weight group +[0-9a-f]{16} \(12 models\)$' "$T/out"
g=$(sed -n 's/^weight group  *\([0-9a-f]*\) .*/\1/p' "$T/out")
ok "$ZX" --db "$DB" show --json zoodex-demo/tinybert-topic3
check python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["group"] == sys.argv[2] and "arch" not in r, r.get("group")
assert r["meta"]["architectures"] == ["BertForSequenceClassification"]
' "$T/out" "$g"
# list and search name the same group.
ok "$ZX" --db "$DB" list --json --group "$g"
check python3 -c '
import json, sys
rows = json.load(open(sys.argv[1]))
assert len(rows) == 12 and {r["group"] for r in rows} == {sys.argv[2]}
' "$T/out" "$g"
ok "$ZX" --db "$DB" search --like zoodex-demo/tinybert-topic3 -k 2
grep_ok "^nearest to 'zoodex-demo/tinybert-topic3' by weights \(weight group $g\):$" "$T/out"
grep_not 'architecture' "$T/out"
ok "$ZX" --db "$DB" search --like zoodex-demo/tinybert-topic3 -k 2 --json
grep_ok "^  \"group\": \"$g\",$" "$T/out"
grep_not '"arch"' "$T/out"
ok "$ZX" --db "$DB" lineage --infer --json zoodex-demo/tinybert-topic3
grep_ok "\"group\": \"$g\"" "$T/out"
grep_not '"arch"' "$T/out"
# Many labels: 20 names, then a count; --labels prints them all, in id
# order; JSON holds them all.
ok "$ZX" --db "$DB" show zoodex-demo/many-labels
grep_ok '^labels +25: label-00, label-01, .*, label-19, and 5 more \(--labels shows all\)$' "$T/out"
grep_not 'label-20' "$T/out"
ok "$ZX" --db "$DB" show --labels zoodex-demo/many-labels
want=$(python3 -c 'print(", ".join("label-%02d" % i for i in range(25)))')
grep_ok "^labels +25: $want\$" "$T/out"
ok "$ZX" --db "$DB" show -l many-labels
grep_ok "^labels +25: $want\$" "$T/out"
ok "$ZX" --db "$DB" show --json zoodex-demo/many-labels
check python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert len(r["meta"]["id2label"]) == 25, r["meta"]
' "$T/out"
# A model without labels prints no labels line; one without a backbone
# has no weight group.
ok "$ZX" --db "$DB" show flat-org/vec
grep_not '^labels' "$T/out"
grep_ok '^weight group +none \(no backbone tensors to fingerprint\)$' "$T/out"
ok "$ZX" --db "$DB" show --json flat-org/vec
grep_ok '^  "group": null,$' "$T/out"
ok "$ZX" --db "$DB" list --author flat-org
grep_ok '^flat-org/vec +- +4 +- +- +-$' "$T/out"
done_testing
