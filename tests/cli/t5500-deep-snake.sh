#!/bin/sh
# t5500 - deep trees: a folder tree deeper than 16 levels is searched
# whole (no "0 models found"), and a "snake" of 25 fine-tunes, each
# declaring the one before as its base, is shown whole by every lineage
# view.
. "${0%/*}/lib.sh"
deep="$T/deep"
for i in $(seq 1 20); do deep="$deep/l$i"; done
n=25
i=0
while [ $i -lt $n ]; do
    m=$(printf 'm%02d' $i)
    d="$deep/snake/$m"
    mkdir -p "$d"
    cp "$ZOO/zoodex-demo/tinybert-base/model.safetensors" \
        "$ZOO/zoodex-demo/tinybert-base/config.json" "$d/"
    if [ $i -gt 0 ]; then
        printf -- '---\nbase_model: snake/m%02d\n---\n' $((i - 1)) >"$d/README.md"
    fi
    i=$((i + 1))
done
ok "$ZX" --db "$DB" ingest "$T/deep"
grep_ok "^$n models: $n new, 0 updated, 0 unchanged, 0 failed$" "$T/out"
# The model file alone, 23 levels down, and its folder name the same model.
ok "$ZX" --db "$DB" ingest "$deep/snake/m24"
grep_ok '^1 model: 0 new, 0 updated, 1 unchanged, 0 failed$' "$T/out"
ok "$ZX" --db "$DB" list
check test "$(wc -l <"$T/out")" -eq $n
# Every view walks all 25 levels.
nodes() { # nodes VIEW MODEL: the distinct ids the JSON view reached
    "$ZX" --db "$DB" lineage "$1" --json "$2" | python3 -c '
import json, sys
print(len({n["id"] for n in json.load(sys.stdin)["nodes"]}))'
}
ok "$ZX" --db "$DB" lineage --ancestors --json snake/m24
python3 - "$T/out" <<'PY' >"$T/chk" 2>&1
import json, sys
d = json.load(open(sys.argv[1]))
ids = {n["id"] for n in d["nodes"]}
want = {"snake/m%02d" % i for i in range(25)}
assert ids == want, sorted(want - ids)
child = {e["child"]: e["parent"] for e in d["edges"]}
for i in range(1, 25):
    assert child["snake/m%02d" % i] == "snake/m%02d" % (i - 1), i
print("ok")
PY
grep_ok '^ok$' "$T/chk"
ok "$ZX" --db "$DB" lineage --descendants snake/m00
grep_ok ' {60}.*snake/m24  \[finetune, declared\]$' "$T/out"
check test "$(nodes --descendants snake/m00)" -eq $n
ok "$ZX" --db "$DB" lineage --root snake/m24
grep_ok 'snake/m00' "$T/out"
grep_not 'snake/m01' "$T/out"
ok "$ZX" --db "$DB" lineage --tree snake/m12
grep_ok 'snake/m12  \[finetune, declared\]  <- this model$' "$T/out"
check test "$(nodes --tree snake/m12)" -eq $n
check test "$(nodes --ancestors snake/m24)" -eq $n
ok "$ZX" --db "$DB" lineage --ancestors snake/m24
grep_ok 'snake/m00' "$T/out"
ok "$ZX" --db "$DB" lineage --all --format dot
for k in 01 13 24; do grep_ok "\"snake/m$k\"" "$T/out"; done
# The snake bites its tail: a cycle of 25, found and not followed forever.
printf -- '---\nbase_model: snake/m24\n---\n' >"$deep/snake/m00/README.md"
ok "$ZX" --db "$DB" ingest "$T/deep"
grep_ok "^$n models: 0 new, 1 updated, $((n - 1)) unchanged, 0 failed$" "$T/out"
ok "$ZX" --db "$DB" lineage --tree --json snake/m07
python3 - "$T/out" <<'PY' >"$T/chk" 2>&1
import json, sys
d = json.load(open(sys.argv[1]))
big = [c for c in d["cycles"] if len(c) == 26]
assert len(big) == 1, d["cycles"]
c = big[0]
assert c[0] == c[-1] == "snake/m00" and c[1] == "snake/m01", c
assert len({n["id"] for n in d["nodes"]}) == 25
print("ok")
PY
grep_ok '^ok$' "$T/chk"
ok "$ZX" --db "$DB" lineage --descendants snake/m24
grep_ok 'snake/m24  .*\(cycle, not followed\)$' "$T/out"
done_testing
