#!/bin/sh
# t6000 - `zoodex rm MODEL...`: the model's record, vector and edges go;
# the edges other models declare to it stay (it becomes a parent that is
# not indexed); its group's vectors and lineage are brought up to date;
# an unknown id is exit 5 and removes nothing.
. "${0%/*}/lib.sh"
B=zoodex-demo/tinybert-base
ok "$ZX" --db "$DB" ingest "$ZOO"
ok "$ZX" --db "$DB" stats --json
grep_ok '"models": 17' "$T/out"
# Unknown ids: exit 5, one line, nothing removed (also when a known id is
# named with it).
fails 5 "$ZX" --db "$DB" rm nobody/nothing
one_line "$T/err"
grep_ok "no model 'nobody/nothing' in the index" "$T/err"
fails 5 "$ZX" --db "$DB" rm $B nobody/nothing
ok "$ZX" --db "$DB" show $B
fails 2 "$ZX" --db "$DB" rm
fails 2 "$ZX" --db "$DB" rm --bogus $B
# No index: an error, and none is created.
fails 5 "$ZX" --db "$T/none" rm $B
check test ! -e "$T/none"
# Remove the root of a family that three models declare as their parent.
ok "$ZX" --db "$DB" rm $B
grep_ok "^removed $B \(3 models still declare it as a parent: acme-nlp/tinybert-emotion mirror-org/tinybert-sentiment zoodex-demo/tinybert-sentiment\)$" "$T/out"
fails 5 "$ZX" --db "$DB" show $B
ok "$ZX" --db "$DB" list
grep_not "^$B " "$T/out"
ok "$ZX" --db "$DB" stats --json
grep_ok '"models": 16' "$T/out"
grep_ok '"vectors": 16' "$T/out"
# Its children keep their declared edge, to a parent that is not indexed,
# and no edge of the weights points at it any more.
for c in acme-nlp/tinybert-emotion mirror-org/tinybert-sentiment zoodex-demo/tinybert-sentiment; do
    ok "$ZX" --db "$DB" lineage --json "$c"
    check python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
p = [e for e in d["parents"] if e["parent"] == sys.argv[2]]
assert len(p) == 1 and p[0]["provenance"] == "declared" and not p[0]["indexed"], d["parents"]
' "$T/out" $B
    ok "$ZX" --db "$DB" lineage "$c"
    grep_ok "$B  \[finetune, declared from card\]  \(not indexed\)" "$T/out"
done
ok "$ZX" --db "$DB" list --json
python3 -c 'import json, sys; print("\n".join(m["id"] for m in json.load(open(sys.argv[1]))))' "$T/out" >"$T/ids"
while read -r m; do
    "$ZX" --db "$DB" lineage --json "$m"
done <"$T/ids" >"$T/all.json"
check python3 -c '
import json, sys
text = open(sys.argv[1]).read()
dec = json.JSONDecoder(); i = 0; n = 0
while i < len(text):
    while i < len(text) and text[i].isspace(): i += 1
    if i >= len(text): break
    d, i = dec.raw_decode(text, i); n += 1
    for e in d["parents"]:
        assert e["parent"] != sys.argv[2] or e["provenance"] == "declared", e
    assert all(e["child"] != sys.argv[2] for e in d["children"]), d
assert n == 16, n
' "$T/all.json" $B
# The store and the vector files agree, and the group was charted again.
ok "$ZX" --db "$DB" verify --json
grep_ok '"ok": true' "$T/out"
grep_ok '"lineage_stale": \[\]' "$T/out"
# Search works without it, and never returns it.
ok "$ZX" --db "$DB" search --like zoodex-demo/tinybert-sentiment -k 20
grep_not "$B" "$T/out"
# --json, several models at once; ingesting it again brings it back whole.
ok "$ZX" --db "$DB" rm --json acme-nlp/tinybert-emotion quant-lab/tinybert-topic3-fp16
check python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["exit"] == 0 and [r["model"] for r in d["removed"]] == ["acme-nlp/tinybert-emotion", "quant-lab/tinybert-topic3-fp16"], d
' "$T/out"
ok "$ZX" --db "$DB" ingest "$ZOO/$B" "$ZOO/acme-nlp/tinybert-emotion"
grep_ok '2 new' "$T/out"
ok "$ZX" --db "$DB" lineage --json acme-nlp/tinybert-emotion
grep_ok '"indexed": true' "$T/out"
ok "$ZX" --db "$DB" verify
done_testing
