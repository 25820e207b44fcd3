#!/bin/sh
# t5200 - lineage views (--ancestors, --descendants, --siblings, --root,
# --tree), formats (text, json, dot), --min-confidence, DAGs drawn with
# "(see above)", cycles in declared data, virtual parents, and the model
# tree counts of `show` (per relation, sub-tree downloads from the Hub).
# Exact drawings use a zoo of tiny models that each have an architecture of
# their own, so that only their cards place them; on the sample and
# ground-truth zoos, where inferred edges join the declared ones, the views
# are checked against closures computed here from the stored edges.
. "${0%/*}/lib.sh"
export LC_ALL=C
# expect FILE: $T/out must equal FILE
expect() { same "$1" "$T/out"; }
# flat: $T/out without blanks, for one-line JSON greps
flat() { tr -d ' \n' <"$T/out" >"$T/flat"; }

# ===== A zoo declared by cards only =====
# mk ID [PARENT...]: a tiny model whose card names PARENTs as base_model,
# with weights of a size no other model has; its one tensor is a vector,
# so it has no backbone, no weight group and no inferred edge, unless
# SHAPE=2d (then its group is its own, and a declared parent of another
# group is flagged as a contradiction)
Z=$T/zoo
N_MK=1
SHAPE=1d
mk() {
    N_MK=$((N_MK + 1))
    d="$Z/$1"; shift
    mkdir -p "$d"
    python3 - "$d/model.safetensors" "$N_MK" "$SHAPE" <<'EOF'
import json, struct, sys
n = int(sys.argv[2])
shape = [n, 3] if sys.argv[3] == "2d" else [n]
count = shape[0] * (shape[1] if len(shape) > 1 else 1)
data = struct.pack("<%df" % count, *[(k % 7) * 0.25 - 0.5 for k in range(count)])
hdr = json.dumps({"encoder.weight": {"dtype": "F32", "shape": shape,
                                     "data_offsets": [0, len(data)]}}).encode()
hdr += b" " * (-len(hdr) % 8)
open(sys.argv[1], "wb").write(struct.pack("<Q", len(hdr)) + hdr + data)
EOF
    { echo ---
      if [ $# -gt 0 ]; then
          echo 'base_model:'
          for p in "$@"; do echo "- $p"; done
      fi
      echo ---; } >"$d/README.md"
}
mk org/r                 # r -> x, y; x + y -> m (a merge); m -> k
mk org/x org/r
mk org/y org/r
mk org/m org/x org/y
mk org/k org/m
mk org/v hub/virtual     # a parent that is not indexed
mk org/w hub/virtual
mk cyc/a cyc/b           # a <-> b, a cycle; c hangs below it
mk cyc/b cyc/a
mk cyc/c cyc/a
mk self/s self/s         # a card naming its own model: no edge
SHAPE=2d
mk far/p
mk far/c far/p           # of another backbone than its declared parent
SHAPE=1d
ok "$ZX" --db "$DB" ingest "$Z"
grep_ok '^13 models: 13 new' "$T/out"
L() { timeout 20 "$ZX" --db "$DB" lineage "$@"; }

# The default view: parents and children with relation and provenance.
cat >"$T/want" <<'EOF'
org/m
  parents:
    org/x  [merge, declared from card]
    org/y  [merge, declared from card]
  children:
    org/k  [finetune, declared from card]
EOF
ok L org/m
expect "$T/want"
ok L --json org/m
cp "$T/out" "$T/direct.json"
flat
grep_ok '"view":"direct"' "$T/flat"
grep_ok '"cycles":\[\]' "$T/flat"
grep_ok '"children":\[\{"child":"org/k","confidence":1\.0,"indexed":true,"provenance":"declared","relation":"finetune","source":"card"\}\]' "$T/flat"
ok L --format json org/m
same "$T/direct.json" "$T/out"
ok L -f text org/m
expect "$T/want"

# --descendants: a merge is drawn once in full, then as a reference.
cat >"$T/want" <<'EOF'
org/r
|- org/x  [finetune, declared]
|  `- org/m  [merge, declared]
|     `- org/k  [finetune, declared]
`- org/y  [finetune, declared]
   `- org/m  [merge, declared]  (see above)
EOF
ok L --descendants org/r
expect "$T/want"
ok L -d org/k
grep_ok '^  \(no children\)$' "$T/out"
# --ancestors: each model's parents below it.
cat >"$T/want" <<'EOF'
org/k
`- org/m  [finetune, declared]
   |- org/x  [merge, declared]
   |  `- org/r  [finetune, declared]
   `- org/y  [merge, declared]
      `- org/r  [finetune, declared]  (see above)
EOF
ok L --ancestors org/k
expect "$T/want"
ok L --json --ancestors org/k
check [ "$(grep -c '"parent":' "$T/out")" = 5 ]
check [ "$(grep -c '"id":' "$T/out")" = 5 ]
ok L -a org/r
grep_ok '^  \(no parents\)$' "$T/out"
# --siblings: per parent, the other children.
cat >"$T/want" <<'EOF'
org/x
  parent org/r  [finetune, declared]
  `- org/y  [finetune, declared]
EOF
ok L --siblings org/x
expect "$T/want"
ok L --json --siblings org/x
flat
grep_ok '"siblings":\[\{"confidence":1\.0,"model":"org/y","parent":"org/r","provenance":"declared","relation":"finetune"\}\]' "$T/flat"
cat >"$T/want" <<'EOF'
org/m
  parent org/x  [merge, declared]
  (no other children)
  parent org/y  [merge, declared]
  (no other children)
EOF
ok L -s org/m
expect "$T/want"
ok L -s org/r
grep_ok '^  \(no parents, so no siblings\)$' "$T/out"
ok L -s org/v
grep_ok '^  parent hub/virtual  \[finetune, declared\]  \(not indexed\)$' "$T/out"
grep_ok '^  `- org/w  \[finetune, declared\]$' "$T/out"
# --root: the ancestors without parents, with the generations up.
ok L --root org/k
grep_ok '^org/r  3 generations up$' "$T/out"
check [ "$(wc -l <"$T/out")" = 1 ]
ok L -r org/r
grep_ok '^org/r  \(this model: it has no parents\)$' "$T/out"
ok L -r org/v
grep_ok '^hub/virtual  \(not indexed\)  1 generation up$' "$T/out"
ok L --root --json org/k
flat
grep_ok '"roots":\[\{"generations":3,"id":"org/r"\}\]' "$T/flat"
# --tree: from the roots down, the model marked; a virtual root.
cat >"$T/want" <<'EOF'
org/r
|- org/x  [finetune, declared]
|  `- org/m  [merge, declared]  <- this model
|     `- org/k  [finetune, declared]
`- org/y  [finetune, declared]
   `- org/m  [merge, declared]  <- this model  (see above)
EOF
ok L --tree org/m
expect "$T/want"
cat >"$T/want" <<'EOF'
hub/virtual  (not indexed)
|- org/v  [finetune, declared]  <- this model
`- org/w  [finetune, declared]
EOF
ok L -t org/v
expect "$T/want"
ok L --json -t org/v
flat
grep_ok '\{"id":"hub/virtual","indexed":false\}' "$T/flat"
# Box drawing in a UTF-8 locale.
ok env LC_ALL=C.UTF-8 "$ZX" --db "$DB" lineage --tree org/v
grep_ok "$(printf '^\342\224\234\342\224\200 org/v  ')" "$T/out"
grep_ok "$(printf '^\342\224\224\342\224\200 org/w  ')" "$T/out"

# Cycles: found, reported, never followed forever.
cat >"$T/want" <<'EOF'
cyc/c
`- cyc/a  [finetune, declared]
   `- cyc/b  [finetune, declared]
      `- cyc/a  [finetune, declared]  (cycle, not followed)
warning: cycle in the lineage, not followed: cyc/a -> cyc/b -> cyc/a
EOF
ok L --ancestors cyc/c
expect "$T/want"
ok L --json --ancestors cyc/c
flat
grep_ok '"cycles":\[\["cyc/a","cyc/b","cyc/a"\]\]' "$T/flat"
ok L --root cyc/c
grep_ok '^\(no root: the ancestry of cyc/c is a cycle\)$' "$T/out"
ok L --json --tree cyc/c
flat
grep_ok '"roots":\[\]' "$T/flat"
check [ "$(grep -c '"id":' "$T/out")" = 3 ]
ok L --tree cyc/c
grep_ok '<- this model' "$T/out"
grep_ok '^warning: cycle in the lineage, not followed: cyc/a -> cyc/b -> cyc/a$' "$T/out"
ok L --descendants cyc/b
grep_ok '^   `- cyc/c  \[finetune, declared\]$' "$T/out"
ok L cyc/a
grep_ok '^warning: cycle in the lineage, not followed: cyc/a -> cyc/b -> cyc/a$' "$T/out"
ok L -s cyc/c
grep_ok '^  `- cyc/b  \[finetune, declared\]$' "$T/out"
ok L --format dot --descendants cyc/b
grep_ok '^  /\* cycle: cyc/a -> cyc/b -> cyc/a \*/$' "$T/out"
ok L -a self/s
grep_ok '^  \(no parents\)$' "$T/out"

# dot: a digraph with every node and edge; Graphviz checks it when there.
ok L --tree --format dot org/m
cp "$T/out" "$T/g.dot"
check [ "$(head -1 "$T/g.dot")" = "digraph lineage {" ]
check [ "$(tail -1 "$T/g.dot")" = "}" ]
grep_ok '^  "org/r" -> "org/x" \[label="finetune"\];$' "$T/g.dot"
grep_ok '^  "org/x" -> "org/m" \[label="merge"\];$' "$T/g.dot"
grep_ok '^  "org/m" \[label="org/m", style="filled,bold", fillcolor="gold", penwidth=2\];$' "$T/g.dot"
check [ "$(grep -c ' -> ' "$T/g.dot")" = 5 ]
ok L --format dot org/v
grep_ok '^  "hub/virtual" \[label="hub/virtual" \+ "\\n\(not indexed\)", style=dashed\];$' "$T/out"
if command -v dot >/dev/null 2>&1; then
    ok dot -Tsvg -o "$T/g.svg" "$T/g.dot"
    grep_ok '<svg' "$T/g.svg"
fi

# A contradicted declared edge: flagged in every form, and dropped by a
# minimum above its confidence.
ok L far/p
grep_ok '^    far/c  \[finetune, declared 0\.[0-9]{2} from card\]  ! .+' "$T/out"
ok L --json far/c
flat
grep_ok '"contradiction":"[^"]+"' "$T/flat"
ok L -t --format dot far/c
grep_ok '^  "far/p" -> "far/c" \[label="finetune 0\.[0-9]{2}", color=red, fontcolor=red, tooltip=".+"\];$' "$T/out"
ok L -t -m 1 far/c
grep_ok '^far/c  <- this model$' "$T/out"
check [ "$(wc -l <"$T/out")" = 1 ]
ok L --min-confidence 1 far/p
grep_ok '^    \(none declared\)$' "$T/out"
ok "$ZX" --db "$DB" show far/c
grep_ok '^parents          far/p \(finetune, contradicted by the weights\)$' "$T/out"

# --min-confidence: declared edges count as 1 and stay at any minimum.
ok L --min-confidence 1 --descendants org/r
check [ "$(grep -c 'declared\]' "$T/out")" = 5 ]
ok L -m 0.5 --json org/m
grep_ok '"min_confidence": 0\.5' "$T/out"

# show: the model tree per relation; no downloads for local models.
ok "$ZX" --db "$DB" show org/r
grep_ok '^model tree       children: Finetunes: 2, Adapters: 0, Quantizations: 0, Merges: 0$' "$T/out"
grep_ok '^                 sub-tree of 4 models: Finetunes: 3, Adapters: 0, Quantizations: 0, Merges: 1$' "$T/out"
grep_ok '^                 sub-tree downloads: unknown \(no model of the sub-tree has the Hub.s count\)$' "$T/out"
ok env LC_ALL=C.UTF-8 "$ZX" --db "$DB" show org/r
grep_ok "$(printf 'Finetunes: 2 \302\267 Adapters: 0 ')" "$T/out"
ok "$ZX" --db "$DB" show org/k
grep_ok '^model tree       no children$' "$T/out"
ok "$ZX" --db "$DB" show --json org/m
flat
grep_ok '"lineage":\{"children":\{"adapter":0,"finetune":1,"merge":0,"quantized":0,"total":1\},"cycles":\[\],"parents":\{"adapter":0,"finetune":0,"merge":2,"quantized":0,"total":2\},"subtree":\{"adapter":0,"downloads":0,"finetune":1,"merge":0,"quantized":0,"total":1,"with_downloads":0\}\}' "$T/flat"
ok "$ZX" --db "$DB" show cyc/b
grep_ok '^lineage cycle    cyc/a -> cyc/b -> cyc/a$' "$T/out"
check [ "$(grep -c '^lineage cycle' "$T/out")" = 1 ]

# Usage errors exit 2; an unknown or virtual model 5.
fails 2 L --ancestors --tree org/m
fails 2 L --format xml org/m
for bad in 1.5 -0.1 abc nan inf '' 0.5x; do
    fails 2 L --min-confidence "$bad" org/m
done
grep_ok 'min-confidence wants a number from 0 to 1' "$T/err"
fails 2 L --infer --tree org/m
fails 2 L --infer --format dot org/m
fails 2 L --tree
fails 5 L --tree nobody/nothing
one_line "$T/err"
# A virtual node answers from the edges that indexed models make to it
# (more in t5400).
ok L --descendants hub/virtual
grep_ok '^hub/virtual  \(not indexed\)$' "$T/out"
grep_ok 'org/v  \[finetune, declared\]' "$T/out"

# ===== The sample and ground-truth zoos, inferred edges included =====
# views.py ZX DB STRIDE EDGES checks the views of every STRIDE-th model against
# closures of the edges that the default view lists (one hop each), at two
# minimum confidences, and the text and dot forms of each of its edges.
# Prints "models-checked edges-found failures" and writes every edge to
# the file EDGES.
cat >"$T/views.py" <<'EOF'
import json, subprocess, sys
from concurrent.futures import ThreadPoolExecutor
zx, db, stride = sys.argv[1], sys.argv[2], int(sys.argv[3])
def run(a):
    out = subprocess.run([zx, "--db", db, "lineage"] + list(a),
                         capture_output=True, check=True, text=True).stdout
    return json.loads(out) if "--json" in a else out
def run_all(jobs):
    with ThreadPoolExecutor(4) as ex:
        return dict(zip(jobs, ex.map(run, jobs)))
ids = [r["id"] for r in json.loads(subprocess.run(
    [zx, "--db", db, "list", "--json"], capture_output=True, check=True,
    text=True).stdout)]
edges = {}
for m, d in run_all([("--json", m) for m in ids]).items():
    for p in d["parents"]:
        edges[(p["parent"], m[1])] = p
some = ids[::stride]
views = ("--ancestors", "--descendants", "--root", "--tree", "--siblings")
jobs = [("--json", v, "--min-confidence", str(lo), m) for m in some
        for lo in (0.0, 0.8) for v in views]
jobs += [(m,) for m in some] + [("--format", "dot", m) for m in some]
res = run_all(jobs)
bad = 0
def fail(*a):
    global bad
    bad += 1
    print(*a, file=sys.stderr)
def closure(m, nxt):
    seen, todo = set(), [m]
    while todo:
        for n in nxt.get(todo.pop(), []):
            if n not in seen:
                seen.add(n)
                todo.append(n)
    return seen
def nodes(d):
    return {n["id"] for n in d["nodes"]}
for lo in (0.0, 0.8):
    up, down = {}, {}
    for (p, c), e in edges.items():
        if e["confidence"] >= lo:
            up.setdefault(c, []).append(p)
            down.setdefault(p, []).append(c)
    for m in some:
        got = {v: res[("--json", v, "--min-confidence", str(lo), m)]
               for v in views}
        anc = closure(m, up)
        if nodes(got["--ancestors"]) != anc | {m}:
            fail("ancestors", lo, m)
        if any(e["confidence"] < lo for d in got.values() for e in d["edges"]):
            fail("min-confidence", lo, m)
        if nodes(got["--descendants"]) != closure(m, down) | {m}:
            fail("descendants", lo, m)
        roots = sorted(a for a in anc | {m} if not up.get(a))
        if sorted(r["id"] for r in got["--root"]["roots"]) != roots:
            fail("root", lo, m, roots, got["--root"]["roots"])
        want = anc | {m}
        for a in anc | {m}:
            want |= closure(a, down)
        if nodes(got["--tree"]) != want:
            fail("tree", lo, m)
        sib = {(s, p) for p in up.get(m, []) if p != m
               for s in down.get(p, []) if s != m}
        if {(s["model"], s["parent"])
                for s in got["--siblings"]["siblings"]} != sib:
            fail("siblings", lo, m)
# Text and dot say what each edge is.
for m in some:
    text, dot = res[(m,)].split("\n"), res[("--format", "dot", m)]
    for (p, c), e in edges.items():
        if m not in (p, c):
            continue
        other = p if c == m else c
        lab = "  [%s, %s" % (e["relation"], e["provenance"])
        if e["provenance"] != "declared" or e["confidence"] < 1:
            lab += " %.2f" % e["confidence"]
        if not any(l.startswith("    " + other + lab) and
                   (not e.get("contradiction") or
                    l.endswith("  ! " + e["contradiction"])) for l in text):
            fail("text", m, other, lab)
        line = [l for l in dot.split("\n")
                if l.startswith('  "%s" -> "%s" [' % (p, c))]
        style = {"inferred": ", style=dashed", "both": ", style=bold"}
        if len(line) != 1 or \
                (style.get(e["provenance"], "") not in line[0]) or \
                (("color=red" in line[0]) != bool(e.get("contradiction"))):
            fail("dot", p, c, line)
json.dump([dict(e, child=c) for (p, c), e in edges.items()],
          open(sys.argv[4], "w"))
print(len(some), len(edges) > 0, bad)
EOF
DB2=$T/db2
ok "$ZX" --db "$DB2" ingest "$ZOO"
ok python3 "$T/views.py" "$ZX" "$DB2" 2 "$T/edges2.json"
grep_ok '^9 True 0$' "$T/out"
ok "$ZX" --db "$DB2" lineage zoodex-demo/tinybert-base
grep_ok '^    acme-nlp/tinybert-emotion  \[finetune, (declared|both)' "$T/out"
ok "$ZX" --db "$DB2" lineage --tree solo-dev/tinybert-intent
grep_ok '^google-bert/bert-base-uncased  \(not indexed\)$' "$T/out"
grep_ok 'solo-dev/tinybert-intent  \[finetune, (declared|both).*<- this model' "$T/out"

DB3=$T/db3
LZ=fixtures/lineage/zoo
ok "$ZX" --db "$DB3" ingest "$LZ"
ok python3 "$T/views.py" "$ZX" "$DB3" 11 "$T/edges3.json"
grep_ok '^12 True 0$' "$T/out"
# Every parent a card or adapter config declares is a stored edge,
# declared or confirmed by the weights (both).
cat >"$T/declared.py" <<'EOF'
import json, os, sys
edges, zoo = sys.argv[1:3]
got = {}
for e in json.load(open(edges)):
    got.setdefault(e["child"], {})[e["parent"]] = e["provenance"]
n = bad = 0
for org in sorted(os.listdir(zoo)):
    for name in sorted(os.listdir(os.path.join(zoo, org))):
        d, mid, ps = os.path.join(zoo, org, name), org + "/" + name, []
        rd = os.path.join(d, "README.md")
        lines = open(rd).read().split("\n") if os.path.exists(rd) else [""]
        if lines[0] == "---":
            fm = lines[1:lines.index("---", 1)]
            for i, l in enumerate(fm):
                if l.startswith("base_model:"):
                    v = l.split(":", 1)[1].strip()
                    ps += [v] if v else []
                    for x in fm[i + 1:]:
                        if not x.startswith("- "):
                            break
                        ps.append(x[2:].strip())
        ac = os.path.join(d, "adapter_config.json")
        if os.path.exists(ac):
            b = json.load(open(ac)).get("base_model_name_or_path")
            ps += [b] if b and b not in ps else []
        for p in ps:
            n += 1
            if got.get(mid, {}).get(p) not in ("declared", "both"):
                bad += 1
                print("missing", mid, p, got.get(mid), file=sys.stderr)
print(n, bad)
EOF
ok python3 "$T/declared.py" "$T/edges3.json" "$LZ"
grep_ok '^3[0-9] 0$' "$T/out"
cat >"$T/want" <<'EOF'
acme-nlp/basalt-intent-rating
nlp-tartu/basalt-intent-emotion
EOF
ok "$ZX" --db "$DB3" lineage --json --ancestors merge-crew/basalt-rating-emotion-merge
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
[print(e["parent"]) for e in d["edges"]
 if e["child"] == d["model"] and e["relation"] == "merge"]' "$T/out" >"$T/merge"
same "$T/want" "$T/merge"
ok "$ZX" --db "$DB3" lineage --root nlp-tartu/aurora-topic-genre
grep_ok 'generations? up$|no root' "$T/out"

# ===== Hub downloads: crawled models carry them, local ones do not =====
mkdir -p "$T/repos"
for m in zoodex-demo/tinybert-base acme-nlp/tinybert-emotion \
         zoodex-demo/tinybert-sentiment mirror-org/tinybert-sentiment; do
    mkdir -p "$T/repos/$m" && cp -r "$ZOO/$m/." "$T/repos/$m/"
done
echo '{"downloads": 1000}' >"$T/repos/zoodex-demo/tinybert-base/.hub.json"
echo '{"downloads": 100}' >"$T/repos/acme-nlp/tinybert-emotion/.hub.json"
echo '{"downloads": 20}' >"$T/repos/zoodex-demo/tinybert-sentiment/.hub.json"
echo '{"downloads": 3}' >"$T/repos/mirror-org/tinybert-sentiment/.hub.json"
start_mock --repos "$T/repos"
DB4=$T/db4
ok "$ZX" --db "$DB4" crawl
mk local/kid zoodex-demo/tinybert-base
ok "$ZX" --db "$DB4" ingest --id local/kid "$Z/local/kid"
ok "$ZX" --db "$DB4" lineage --json --descendants zoodex-demo/tinybert-base
flat
grep_ok '\{"downloads":100,"id":"acme-nlp/tinybert-emotion","indexed":true\}' "$T/flat"
grep_ok '\{"id":"local/kid","indexed":true\}' "$T/flat"
# The sum over the models below (the model itself not counted) agrees
# with the descendants view.
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
ns=[n for n in d["nodes"] if n["id"] != d["model"]]
k=[n["downloads"] for n in ns if "downloads" in n]
print("sub-tree downloads: %d, known for %d of %d models" % (sum(k), len(k), len(ns)))
' "$T/out" >"$T/want"
check grep -q 'known for 3 of 4 models' "$T/want"
ok "$ZX" --db "$DB4" show zoodex-demo/tinybert-base
grep_ok "^ +$(cat "$T/want")\$" "$T/out"
ok "$ZX" --db "$DB4" show --json zoodex-demo/tinybert-base
flat
grep_ok '"downloads":123,' "$T/flat"
grep_ok '"with_downloads":3' "$T/flat"
done_testing
