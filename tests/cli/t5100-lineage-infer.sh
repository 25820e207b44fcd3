#!/bin/sh
# t5100 - lineage inferred from weights on the ground-truth zoo
# (fixtures/lineage), crawled from the mock Hub so that creation times come
# from the Hub's records.  The directed-edge accuracy of the Model Atlas
# charting must not fall below its measured level (0.68 when this test was
# written; see make bench): a regression fails the build.
. "${0%/*}/lib.sh"
start_mock --repos fixtures/lineage/zoo
ok "$ZX" --db "$DB" crawl
grep_ok '128 seen, 128 new' "$T/out"
"$ZX" --db "$DB" list >"$T/ids"
: >"$T/inferred"
while read -r id; do
    "$ZX" --db "$DB" lineage --infer --json "$id" >>"$T/inferred" 2>/dev/null ||
        echo "{\"model\": \"$id\", \"skipped\": true}" >>"$T/inferred"
done <"$T/ids"
python3 - "$T/inferred" fixtures/lineage/TRUTH.json >"$T/acc" <<'PY'
import json, sys
dec = json.JSONDecoder()
text = open(sys.argv[1]).read()
got, i = {}, 0
while i < len(text):
    while i < len(text) and text[i].isspace():
        i += 1
    if i >= len(text):
        break
    obj, i = dec.raw_decode(text, i)
    inf = obj.get("inferred") or {}
    ps = set()
    for p in inf.get("parents", []):
        ps.add(p["parent"])
        if "parent2" in p:
            ps.add(p["parent2"])
    got[obj["model"]] = ps
truth = json.load(open(sys.argv[2]))["models"]
edges = right = ft = ft_right = 0
for m in truth:
    for p in m["parents"]:
        edges += 1
        ok = p in got.get(m["id"], set())
        right += ok
        if m["kind"] == "finetune":
            ft += 1
            ft_right += ok
print("%.3f %.3f %d %d" % (right / edges, ft_right / ft, right, edges))
PY
cat "$T/acc" >&2
check awk '{ exit !($1 >= 0.60) }' "$T/acc"
check awk '{ exit !($2 >= 0.60) }' "$T/acc"
# Rules seen in the zoo: duplicates attach to their original.
dup=$(python3 -c 'import json; print([m["id"] + " " + m["parents"][0] for m in json.load(open("fixtures/lineage/TRUTH.json"))["models"] if m["kind"] == "duplicate"][0])')
ok "$ZX" --db "$DB" lineage --infer "${dup% *}"
grep_ok "parent ${dup#* }  \[duplicate" "$T/out"
fails 5 "$ZX" --db "$DB" lineage --infer nobody/nothing
done_testing
