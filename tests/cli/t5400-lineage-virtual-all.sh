#!/bin/sh
# t5400 - the lineage of a model that is not indexed (a virtual node),
# answered from the declared edges that indexed models make to it, and
# `lineage --all`: the whole index's forest as text, JSON and dot, checked
# against the edges each model's own lineage lists; cycles in declared
# data end the drawing.
. "${0%/*}/lib.sh"
export LC_ALL=C
ok "$ZX" --db "$DB" ingest "$ZOO"
L() { timeout 20 "$ZX" --db "$DB" lineage "$@"; }

# ===== A virtual node =====
# solo-dev/tinybert-intent's card names google-bert/bert-base-uncased,
# which is not indexed.
fails 5 "$ZX" --db "$DB" show google-bert/bert-base-uncased
ok L google-bert/bert-base-uncased
cat >"$T/want" <<'EOF2'
google-bert/bert-base-uncased  (not indexed)
  parents:
    (unknown: the model is not indexed)
  children:
    solo-dev/tinybert-intent  [finetune, declared from card]
EOF2
same "$T/want" "$T/out"
ok L --json google-bert/bert-base-uncased
check python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["model"] == "google-bert/bert-base-uncased" and d["indexed"] is False, d
assert d["parents"] == [], d
assert [(c["child"], c["provenance"], c["source"], c["indexed"])
        for c in d["children"]] == [("solo-dev/tinybert-intent", "declared",
                                     "card", True)], d
n = {x["id"]: x["indexed"] for x in d["nodes"]}
assert n == {"google-bert/bert-base-uncased": False,
             "solo-dev/tinybert-intent": True}, n
' "$T/out"
# An indexed model says indexed: true.
ok L --json solo-dev/tinybert-intent
grep_ok '^  "indexed": true,$' "$T/out"
# The views work from it too.
ok L --descendants google-bert/bert-base-uncased
grep_ok '^`- solo-dev/tinybert-intent  \[finetune, declared\]$' "$T/out"
ok L --tree google-bert/bert-base-uncased
grep_ok '^google-bert/bert-base-uncased  \(not indexed\)  <- this model$' "$T/out"
ok L --root google-bert/bert-base-uncased
grep_ok '^google-bert/bert-base-uncased  \(this model: it has no parents\)$' "$T/out"
ok L --format dot google-bert/bert-base-uncased
grep_ok '^  "google-bert/bert-base-uncased" -> "solo-dev/tinybert-intent"' "$T/out"
# Nothing refers to it, or it is only a short name: exit 5 as before.
fails 5 L nobody/nothing
one_line "$T/err"
grep_ok "no model 'nobody/nothing' in the index, and no indexed model names it as a parent" "$T/err"
fails 5 L bert-base-uncased
# It has no weights to chart.
fails 5 L --infer google-bert/bert-base-uncased

# ===== The whole index =====
ok L --all --json
cp "$T/out" "$T/all.json"
"$ZX" --db "$DB" list --json >"$T/list.json"
# The edges each model's own lineage lists (parents, one hop).
python3 - "$T/list.json" >"$T/ids" <<'EOF2'
import json, sys
for r in json.load(open(sys.argv[1])):
    print(r["id"])
EOF2
: >"$T/per-model"
while read -r id; do
    "$ZX" --db "$DB" lineage --json "$id" >>"$T/per-model"
done <"$T/ids"
cat >"$T/forest.py" <<'EOF2'
import json, sys
forest = json.load(open(sys.argv[1]))
dec, stored, s = json.JSONDecoder(), set(), open(sys.argv[2]).read()
i = 0
while i < len(s):
    while i < len(s) and s[i].isspace():
        i += 1
    if i >= len(s):
        break
    d, i = dec.raw_decode(s, i)
    for p in d["parents"]:
        stored.add((p["parent"], d["model"], p["provenance"], p["relation"]))
lo = float(sys.argv[3])
edges = {(e["parent"], e["child"], e["provenance"], e["relation"])
         for e in forest["edges"]}
want = {e for e in stored}
if lo > 0:
    conf = {(e["parent"], e["child"]): e["confidence"] for e in forest["edges"]}
    assert all(c >= lo for c in conf.values()), conf
    want = {e for e in stored if (e[0], e[1]) in conf}
    assert len(want) < len(stored), "the minimum dropped nothing"
assert edges == want, (edges ^ want)
for e in forest["edges"]:
    assert 0 <= e["confidence"] <= 1 and e["provenance"] in (
        "declared", "inferred", "both"), e
nodes = [n["id"] for n in forest["nodes"]]
assert nodes == sorted(nodes)
ends = {x for e in edges for x in e[:2]}
assert set(nodes) == ends, set(nodes) ^ ends
children = {e[1] for e in edges if e[0] != e[1]}
roots = [n for n in nodes if n not in children]
assert sorted(forest["roots"]) == roots, forest["roots"]
# Trees: a partition of the nodes, each joined by edges, each root in
# exactly one tree.
seen = []
for t in forest["trees"]:
    assert t["size"] == len(t["nodes"]) and t["nodes"] == sorted(t["nodes"])
    assert set(t["roots"]) <= set(t["nodes"])
    mem = set(t["nodes"])
    reach, todo = {t["nodes"][0]}, [t["nodes"][0]]
    while todo:
        x = todo.pop()
        for e in edges:
            for a, b in ((e[0], e[1]), (e[1], e[0])):
                if a == x and b not in reach:
                    assert b in mem, (b, t)
                    reach.add(b)
                    todo.append(b)
    assert reach == mem, (reach, mem)
    seen += t["nodes"]
assert sorted(seen) == nodes, "trees do not partition the nodes"
firsts = [t["roots"][0] for t in forest["trees"] if t["roots"]]
assert firsts == sorted(firsts), firsts
assert [r for t in forest["trees"] for r in t["roots"]] == forest["roots"]
virt = [n["id"] for n in forest["nodes"] if not n["indexed"]]
print(len(nodes), len(edges), len(forest["trees"]), " ".join(virt))
EOF2
ok python3 "$T/forest.py" "$T/all.json" "$T/per-model" 0
grep_ok '^18 16 3 google-bert/bert-base-uncased$' "$T/out"
ok L --all --min-confidence 0.7 --json
cp "$T/out" "$T/all7.json"
ok python3 "$T/forest.py" "$T/all7.json" "$T/per-model" 0.7
# Text: every tree from its roots, every model of the forest drawn.
ok L --all
cp "$T/out" "$T/all.txt"
check python3 -c '
import json, sys
f = json.load(open(sys.argv[1]))
txt = open(sys.argv[2]).read().splitlines()
top = [l.split("  ")[0] for l in txt if l[:1] not in ("|", "`", " ", "")]
assert top == f["roots"], (top, f["roots"])
for n in f["nodes"]:
    assert any(l.rstrip().split("- ")[-1].split("  ")[0] == n["id"] or
               l.split("  ")[0] == n["id"] for l in txt), n
' "$T/all.json" "$T/all.txt"
grep_ok '^google-bert/bert-base-uncased  \(not indexed\)$' "$T/all.txt"
grep_not 'this model' "$T/all.txt"
# Dot: one digraph, one arrow per edge, virtual nodes dashed, no model
# highlighted.
ok L --all --format dot
check [ "$(grep -c -- ' -> ' "$T/out")" -eq 16 ]
grep_ok '^digraph lineage \{$' "$T/out"
grep_ok '"google-bert/bert-base-uncased" \[label=.*style=dashed\]' "$T/out"
grep_not 'fillcolor' "$T/out"
# --all goes without a model, a view and --infer.
fails 2 L --all zoodex-demo/tinybert-base
fails 2 L --all --tree
fails 2 L --all --infer
fails 2 L --all --min-confidence 2

# ===== Cycles in declared data end the drawing =====
C=$T/cyc
mk() {
    d="$C/$1"; n=$2; shift 2
    mkdir -p "$d"
    python3 - "$d/model.safetensors" "$n" <<'EOF2'
import json, struct, sys
n = int(sys.argv[2])
data = struct.pack("<%df" % n, *[k * 0.25 for k in range(n)])
hdr = json.dumps({"w": {"dtype": "F32", "shape": [n],
                        "data_offsets": [0, len(data)]}}).encode()
hdr += b" " * (-len(hdr) % 8)
open(sys.argv[1], "wb").write(struct.pack("<Q", len(hdr)) + hdr + data)
EOF2
    printf -- '---\nbase_model: %s\n---\n' "$1" | sed "s|: $1|: $*|" >"$d/README.md"
}
mk cyc/a 3 cyc/b
mk cyc/b 4 cyc/a
mk cyc/c 5 cyc/a
mk top/r 6 hub/base
ok "$ZX" --db "$T/cdb" ingest "$C"
ok timeout 20 "$ZX" --db "$T/cdb" lineage --all
grep_ok '^hub/base  \(not indexed\)$' "$T/out"
grep_ok '^cyc/a$' "$T/out"
grep_ok '\(cycle, not followed\)' "$T/out"
grep_ok '^warning: cycle in the lineage, not followed: cyc/a -> cyc/b -> cyc/a$' "$T/out"
ok timeout 20 "$ZX" --db "$T/cdb" lineage --all --json
check python3 -c '
import json, sys
f = json.load(open(sys.argv[1]))
assert f["roots"] == ["hub/base"], f["roots"]
assert f["cycles"] == [["cyc/a", "cyc/b", "cyc/a"]], f["cycles"]
t = {tuple(x["nodes"]): x["roots"] for x in f["trees"]}
assert t == {("hub/base", "top/r"): ["hub/base"],
             ("cyc/a", "cyc/b", "cyc/c"): []}, t
assert [x["roots"] for x in f["trees"]][-1] == [], "rootless tree not last"
' "$T/out"
# An index without edges.
ok "$ZX" --db "$T/none" ingest --id solo/model "$ZOO/mirror-org/tinyresnet-colors"
ok "$ZX" --db "$T/none" lineage --all
grep_ok '^\(no lineage: no indexed model has a parent\)$' "$T/out"
done_testing
