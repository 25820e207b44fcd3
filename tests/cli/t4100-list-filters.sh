#!/bin/sh
# t4100 - `list`: columns, filters (weight group, author, licence, task,
# model type, architecture, parameters, downloads, likes, dates), --sort,
# --reverse and --limit, all fields in JSON, an unknown --group (exit 5) and
# bad option values (exit 2); on the sample zoo ingested from disk and on
# the same zoo crawled from the mock Hub (downloads, likes, creation dates).
. "${0%/*}/lib.sh"
export LC_ALL=C
ok "$ZX" --db "$DB" ingest "$ZOO"
# ids FILE: the first column of list's text output
ids() { cut -d' ' -f1 "$T/out"; }
# jids: the ids of list --json's output, one a line
jids() { python3 -c 'import json, sys
for m in json.load(open(sys.argv[1])): print(m["id"])' "$T/out"; }

# Columns: id, group, params (human), downloads, likes, created; no
# header when stdout is not a terminal; one line per model.
ok "$ZX" --db "$DB" list
check [ "$(wc -l <"$T/out")" -eq 17 ]
grep_ok '^zoodex-demo/tinybert-sentiment +[0-9a-f]{16} +22\.4K +- +- +-$' "$T/out"
grep_ok '^vision-demo/tinyresnet-base +[0-9a-f]{16} +5\.3K +- +- +-$' "$T/out"
ids >"$T/all"
sort "$T/all" >"$T/sorted"
same "$T/all" "$T/sorted"
# A header on a terminal (script(1) gives the command one).
if command -v script >/dev/null 2>&1; then
    script -qec "$ZX --db $DB list" /dev/null >"$T/tty" </dev/null
    check grep -q '^ID  *GROUP  *PARAMS  *DOWNLOADS  *LIKES  *CREATED' "$T/tty"
fi

# --group: the models of one weight group, by the signature show prints.
g=$("$ZX" --db "$DB" show --json vision-demo/tinyresnet-base |
    sed -n 's/^  "group": "\([0-9a-f]*\)",$/\1/p')
check [ ${#g} -eq 16 ]
ok "$ZX" --db "$DB" list --group "$g"
check [ "$(wc -l <"$T/out")" -eq 6 ]
grep_not 'tinybert' "$T/out"
ok "$ZX" --db "$DB" list -g "$g"
check [ "$(wc -l <"$T/out")" -eq 6 ]
G=$(printf '%s' "$g" | tr a-f A-F)
ok "$ZX" --db "$DB" list --group "$G"
check [ "$(wc -l <"$T/out")" -eq 6 ]
# --arch stays a deprecated name of --group.
ok "$ZX" --db "$DB" list --arch "$g"
check [ "$(wc -l <"$T/out")" -eq 6 ]
# No such group: a message and exit 5, not an empty success.
fails 5 "$ZX" --db "$DB" list --group 217f412623a7c6d1
one_line "$T/err"
grep_ok "no weight group '217f412623a7c6d1'" "$T/err"
check [ ! -s "$T/out" ]
fails 5 "$ZX" --db "$DB" list --arch 0000000000000000 --json

# Metadata filters (case-insensitive), from config.json and the card.
ok "$ZX" --db "$DB" list --model-type resnet
check [ "$(wc -l <"$T/out")" -eq 6 ]
ok "$ZX" --db "$DB" list --model-type BERT --json
check [ "$(jids | wc -l)" -eq 11 ]
ok "$ZX" --db "$DB" list --architecture ResNetForImageClassification
check [ "$(wc -l <"$T/out")" -eq 6 ]
ok "$ZX" --db "$DB" list -A bertforsequenceclassification
check [ "$(wc -l <"$T/out")" -eq 11 ]
ok "$ZX" --db "$DB" list --author vision-demo
ids >"$T/got"
printf '%s\n' vision-demo/tinyresnet-base vision-demo/tinyresnet-colors \
    vision-demo/tinyresnet-shapes >"$T/want"
same "$T/want" "$T/got"
ok "$ZX" --db "$DB" list --author vision
check [ ! -s "$T/out" ]
# The expected sets, computed here from the zoo's own cards: for every
# licence and task that occurs, the models that have it.
python3 - "$ZOO" >"$T/expect" <<'PY'
import os, re, sys
zoo = sys.argv[1]
for org in sorted(os.listdir(zoo)):
    d = os.path.join(zoo, org)
    if not os.path.isdir(d):
        continue
    for name in sorted(os.listdir(d)):
        card = os.path.join(d, name, "README.md")
        text = open(card).read() if os.path.exists(card) else ""
        m = re.match(r"---\n(.*?)\n---", text, re.S)
        fm = m.group(1) if m else ""
        lic = re.search(r"^license:\s*(\S+)", fm, re.M)
        task = re.search(r"^pipeline_tag:\s*(\S+)", fm, re.M)
        print(org + "/" + name, lic.group(1) if lic else "-",
              task.group(1) if task else "-")
PY
check [ "$(awk '$2 != "-"' "$T/expect" | wc -l)" -ge 5 ]
for lic in $(awk '$2 != "-" {print $2}' "$T/expect" | sort -u); do
    awk -v l="$lic" '$2 == l {print $1}' "$T/expect" >"$T/want"
    ok "$ZX" --db "$DB" list --license "$lic"
    ids >"$T/got"
    same "$T/want" "$T/got"
done
for task in $(awk '$3 != "-" {print $3}' "$T/expect" | sort -u); do
    awk -v t="$task" '$3 == t {print $1}' "$T/expect" >"$T/want"
    ok "$ZX" --db "$DB" list -t "$task"
    ids >"$T/got"
    same "$T/want" "$T/got"
done
ok "$ZX" --db "$DB" list -L APACHE-2.0 -t text-classification --json
jids >"$T/got"
awk '$2 == "apache-2.0" && $3 == "text-classification" {print $1}' "$T/expect" >"$T/want"
check [ -s "$T/want" ]
same "$T/want" "$T/got"
ok "$ZX" --db "$DB" list --license no-such-licence
check [ ! -s "$T/out" ]

# Parameters: 5.3K ResNets, 22.4K-22.5K BERTs; human suffixes.
ok "$ZX" --db "$DB" list --max-params 10K
check [ "$(wc -l <"$T/out")" -eq 6 ]
ok "$ZX" --db "$DB" list --min-params 10k
check [ "$(wc -l <"$T/out")" -eq 11 ]
ok "$ZX" --db "$DB" list --min-params 0.02M --max-params 1B
check [ "$(wc -l <"$T/out")" -eq 11 ]
ok "$ZX" --db "$DB" list --min-params 1M
check [ ! -s "$T/out" ]
# Every row's params against the filter, and JSON's exact counts.
ok "$ZX" --db "$DB" list --json --min-params 22450
check python3 -c '
import json, sys
rows = json.load(open(sys.argv[1]))
assert rows and all(r["params"] >= 22450 for r in rows), rows
' "$T/out"

# Sorting: params largest first, ties by id; --reverse; --limit.
ok "$ZX" --db "$DB" list --json
cp "$T/out" "$T/all.json"
python3 - "$T/all.json" >"$T/want" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
for r in sorted(rows, key=lambda r: (-r["params"], r["id"])):
    print(r["id"])
PY
ok "$ZX" --db "$DB" list --sort params
ids >"$T/got"
same "$T/want" "$T/got"
ok "$ZX" --db "$DB" list --sort params --limit 3
ids >"$T/got"
head -3 "$T/want" >"$T/want3"
same "$T/want3" "$T/got"
ok "$ZX" --db "$DB" list -S params -r -n 2
check [ "$(wc -l <"$T/out")" -eq 2 ]
grep_ok '5\.3K' "$T/out"
ok "$ZX" --db "$DB" list --sort id --reverse
ids >"$T/got"
sort -r "$T/all" >"$T/want"
same "$T/want" "$T/got"
# Downloads are unknown for models ingested from disk: the order is by id.
ok "$ZX" --db "$DB" list --sort downloads
ids >"$T/got"
same "$T/all" "$T/got"
ok "$ZX" --db "$DB" list --min-downloads 1
check [ ! -s "$T/out" ]

# JSON: every field, null when unknown.
check python3 -c '
import json, sys
rows = json.load(open(sys.argv[1]))
keys = {"id", "author", "group", "params", "dtype", "architectures",
        "model_type", "task", "library", "license", "downloads", "likes",
        "created", "ingested", "light"}
assert len(rows) == 17
for r in rows:
    assert set(r) == keys, r
    assert r["author"] == r["id"].split("/")[0]
    assert r["downloads"] is None and r["likes"] is None and r["created"] is None
    assert len(r["group"]) == 16 and r["light"] is False
    assert r["ingested"].endswith("Z")
' "$T/all.json"

# Dates: the ingest time when the Hub's creation time is unknown.
today=$(date -u +%Y-%m-%d)
ok "$ZX" --db "$DB" list --since "$today"
check [ "$(wc -l <"$T/out")" -eq 17 ]
ok "$ZX" --db "$DB" list --until 2000-01-01
check [ ! -s "$T/out" ]
ok "$ZX" --db "$DB" list --since 2000-01-01T00:00Z --until "${today}T23:59:59Z"
check [ "$(wc -l <"$T/out")" -eq 17 ]

# Bad values are usage errors that say what is wrong.
fails 2 "$ZX" --db "$DB" list --min-params 10X
grep_ok 'min-params takes a count' "$T/err"
fails 2 "$ZX" --db "$DB" list --max-params -5
fails 2 "$ZX" --db "$DB" list --min-likes 1e3
fails 2 "$ZX" --db "$DB" list --since yesterday
grep_ok 'since takes a date' "$T/err"
fails 2 "$ZX" --db "$DB" list --until 2026-13-01
fails 2 "$ZX" --db "$DB" list --sort size
grep_ok 'sort takes id, downloads' "$T/err"
fails 2 "$ZX" --db "$DB" list --limit 0
fails 2 "$ZX" --db "$DB" list extra

# ===== Crawled from the mock Hub: downloads, likes, creation dates =====
mkdir -p "$T/repos"
cp -r "$ZOO"/*/ "$T/repos/"
hub() { printf '{"createdAt": "%s", "downloads": %s, "likes": %s}\n' "$2" "$3" "$4" \
    >"$T/repos/$1/.hub.json"; }
# (the mock's own counts are below 100,000)
hub zoodex-demo/tinybert-base 2024-01-10T08:00:00.000Z 900000 40
hub acme-nlp/tinybert-emotion 2024-03-05T12:00:00.000Z 800000 7
hub vision-demo/tinyresnet-base 2025-06-01T00:00:00.000Z 300 90000
hub solo-dev/tinybert-intent 2025-06-02T00:00:00.000Z 0 0
# a model without a card: its licence is only in the Hub's tags
check [ ! -e "$T/repos/mirror-org/tinyresnet-colors/README.md" ]
printf '{"tags": ["safetensors", "license:zoodex-test-licence", "region:us"]}\n' \
    >"$T/repos/mirror-org/tinyresnet-colors/.hub.json"
start_mock --repos "$T/repos"
H=$T/hubdb
ok "$ZX" --db "$H" crawl
ok "$ZX" --db "$H" list --sort downloads --limit 3
ids >"$T/got"
head -2 "$T/got" >"$T/got2"
printf '%s\n' zoodex-demo/tinybert-base acme-nlp/tinybert-emotion >"$T/want"
same "$T/want" "$T/got2"
grep_ok '^zoodex-demo/tinybert-base +[0-9a-f]{16} +22\.4K +900000 +40 +2024-01-10$' "$T/out"
ok "$ZX" --db "$H" list --sort likes -n 1
grep_ok '^vision-demo/tinyresnet-base .* 300 +90000 +2025-06-01$' "$T/out"
ok "$ZX" --db "$H" list --json
cp "$T/out" "$T/hub.json"
python3 - "$T/hub.json" >"$T/want" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
assert all(r["light"] and isinstance(r["downloads"], int) for r in rows), rows
print("\n".join(r["id"] for r in rows if r["downloads"] >= 100000))
PY
ok "$ZX" --db "$H" list --min-downloads 100k
ids >"$T/got"
same "$T/want" "$T/got"
# Dates are the Hub's creation times here: a day includes all of it.
ok "$ZX" --db "$H" list --since 2025-06-01 --until 2025-06-01
ids >"$T/got"
python3 - "$T/hub.json" >"$T/want" <<'PY'
import json, sys
print("\n".join(r["id"] for r in json.load(open(sys.argv[1]))
                if r["created"][:10] == "2025-06-01"))
PY
same "$T/want" "$T/got"
grep_ok '^vision-demo/tinyresnet-base$' "$T/got"
ok "$ZX" --db "$H" list --sort created --reverse -n 1 --json
check python3 -c '
import json, sys
rows = json.load(open(sys.argv[1]))
alls = json.load(open(sys.argv[2]))
assert rows[0]["created"] == min(r["created"] for r in alls), rows
' "$T/out" "$T/hub.json"
# The Hub's licence tag stands in for a card without one.
ok "$ZX" --db "$H" list --license zoodex-test-licence
ids >"$T/got"
echo mirror-org/tinyresnet-colors >"$T/want"
same "$T/want" "$T/got"
done_testing
