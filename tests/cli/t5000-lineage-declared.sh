#!/bin/sh
# t5000 - declared lineage from card front matter: parents, children,
# virtual parents that are not indexed, list-valued base_model, relations.
. "${0%/*}/lib.sh"
ok "$ZX" --db "$DB" ingest "$ZOO"
ok "$ZX" --db "$DB" lineage zoodex-demo/tinybert-base
grep_ok '^    acme-nlp/tinybert-emotion  \[finetune, declared from card\]$' "$T/out"
grep_ok '^    zoodex-demo/tinybert-sentiment  \[finetune' "$T/out"
ok "$ZX" --db "$DB" lineage --json acme-nlp/tinybert-emotion
grep_ok '"parent": "zoodex-demo/tinybert-base"' "$T/out"
# Options may also follow the model (getopt permutes).
ok "$ZX" --db "$DB" lineage acme-nlp/tinybert-emotion --json
grep_ok '"parent": "zoodex-demo/tinybert-base"' "$T/out"
grep_ok '"indexed": true' "$T/out"
# A parent that is not in the index is shown as such.
ok "$ZX" --db "$DB" lineage solo-dev/tinybert-intent
grep_ok 'google-bert/bert-base-uncased  \[finetune, declared from card\]  \(not indexed\)' "$T/out"
# Relations from the card are kept.
ok "$ZX" --db "$DB" lineage --json quant-lab/tinybert-topic3-fp16
grep_ok '"relation": "quantized"' "$T/out"
grep_ok '"parent": "zoodex-demo/tinybert-topic3"' "$T/out"
ok "$ZX" --db "$DB" lineage zoodex-demo/tinybert-topic3
grep_ok 'quant-lab/tinybert-topic3-fp16  \[quantized' "$T/out"
# Undocumented models have no declared edges (the weights may still place
# them: inferred edges are t5100's business).
ok "$ZX" --db "$DB" lineage --json other-lab/minibert-base
check python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert all(p["provenance"] == "inferred" for p in d["parents"]), d
' "$T/out"
ok "$ZX" --db "$DB" show zoodex-demo/tinybert-base
grep_ok '^children +.*acme-nlp/tinybert-emotion \(finetune\)' "$T/out"
fails 5 "$ZX" --db "$DB" lineage nobody/nothing
one_line "$T/err"
# A changed card replaces the model's edges.
mkdir -p "$T/z/org"
cp -r "$ZOO/acme-nlp/tinybert-emotion" "$T/z/org/e"
ok "$ZX" --db "$DB" ingest "$T/z"
ok "$ZX" --db "$DB" lineage org/e
grep_ok 'zoodex-demo/tinybert-base' "$T/out"
printf -- '---\nbase_model:\n- other-lab/minibert-base\n- zoodex-demo/tinybert-base\n---\n' >"$T/z/org/e/README.md"
ok "$ZX" --db "$DB" ingest "$T/z"
ok "$ZX" --db "$DB" lineage --json org/e
grep_ok '"relation": "merge"' "$T/out"
grep_ok '"parent": "other-lab/minibert-base"' "$T/out"
printf -- '---\nlicense: mit\n---\n' >"$T/z/org/e/README.md"
ok "$ZX" --db "$DB" ingest "$T/z"
ok "$ZX" --db "$DB" lineage org/e
grep_not 'tinybert-base' "$T/out"
ok "$ZX" --db "$DB" lineage other-lab/minibert-base
grep_not 'org/e' "$T/out"
ok "$ZX" --db "$DB" verify
done_testing
