#!/bin/sh
# t2100 - every Hub fault the client must survive: each crawl still ends
# with the same, correct index and an accurate report.
. "${0%/*}/lib.sh"
: >"$T/faults.json"
start_mock --repos "$ZOO" --faults "$T/faults.json"
ok "$ZX" --db "$T/ref" crawl
snapshot "$T/ref" "$T/ref.snap"
sed -i '/"index":/d' "$T/ref.snap"

# crawl_with NAME RULES: crawl a fresh index under the fault rules and
# compare it with the reference; the report must count retries.
crawl_with() {
    name=$1
    faults "{\"rules\": [$2]}"
    sleep 0.05
    db="$T/db-$name"
    "$ZX" --db "$db" crawl --json >"$T/out" 2>"$T/err"
    rc=$?
    if [ $rc -eq 0 ]; then _pass; else _fail "$name: exit $rc"; cat "$T/err" >&2; fi
    grep_ok '"new": 17' "$T/out"
    grep_ok '"failed": 0' "$T/out"
    # the fault really happened
    grep_ok "\"fault\": *\"$name\"" "$MLOG"
    snapshot "$db" "$T/snap"
    sed -i '/"index":/d' "$T/snap"
    same "$T/ref.snap" "$T/snap"
}
retries() { sed -n 's/.*"retries": \([0-9]*\).*/\1/p' "$T/out"; }

crawl_with 429 '{"match": "^/api/models\\?", "fault": "429", "times": 2, "retry_after": 1}'
check test "$(retries)" -ge 2
# Retry-After was honoured: two waits of at least a second each.
check awk -v e="$(sed -n 's/.*"elapsed": \([0-9.]*\).*/\1/p' "$T/out")" 'BEGIN { exit !(e >= 2.0) }' 
crawl_with 429-bare '{"match": "/resolve/", "fault": "429-bare", "times": 3}'
check test "$(retries)" -ge 3
crawl_with 500 '{"match": "/resolve/", "fault": "500", "times": 3}'
crawl_with 502 '{"match": "config.json", "fault": "502", "times": 4}'
crawl_with 503 '{"match": "^/api/models\\?", "fault": "503", "times": 1}'
check test "$(retries)" -ge 1
crawl_with 408 '{"match": "README.md", "fault": "408", "times": 2}'
crawl_with reset '{"match": ".", "host": "cdn", "fault": "reset", "times": 5}'
check test "$(retries)" -ge 5
crawl_with truncate '{"match": ".", "host": "cdn", "fault": "truncate", "times": 4}'
crawl_with badlen '{"match": "/resolve-cache/", "fault": "badlen", "times": 3}'
crawl_with slow '{"match": ".", "fault": "slow", "delay_ms": 150, "times": 10}'
crawl_with badjson '{"match": "^/api/models\\?", "fault": "badjson", "times": 1}'
crawl_with norange '{"match": ".", "host": "cdn", "fault": "norange", "times": 3}'

# A file the Hub says is absent (EntryNotFound) is treated as absent.
faults '{"rules": [{"match": "README.md", "fault": "entrynotfound"}]}'
sleep 0.05
ok "$ZX" --db "$T/enf" crawl --json
grep_ok '"new": 17' "$T/out"
grep_ok '"failed": 0' "$T/out"
grep_ok '"fault": *"entrynotfound"' "$MLOG"
# A mark in the future (--since): nothing listed is new enough.
faults '{"rules": []}'
sleep 0.05
ok "$ZX" --db "$T/since" crawl --since 2999-01-01 --json
grep_ok '"seen": 0' "$T/out"
grep_ok '"reached_mark": true' "$T/out"
fails 2 "$ZX" --db "$T/since" crawl --since yesterday
fails 2 "$ZX" --db "$T/since" crawl --rate nan
fails 2 "$ZX" --db "$T/since" crawl --max-bytes 1e30

# Per-model refusals: recorded as skips, the rest indexed, exit 0.
faults '{"rules": [{"match": "tinyresnet-base/resolve", "fault": "gated"},
                   {"match": "minibert-spam/resolve", "fault": "notfound"}]}'
sleep 0.05
ok "$ZX" --db "$T/skips" crawl --json
grep_ok '"new": 15' "$T/out"
grep_ok '"skipped": 2' "$T/out"
grep_ok '"reason": "gated"' "$T/out"
grep_ok '"reason": "private-or-missing"' "$T/out"
# A model whose files keep failing is a failure: exit 3, reported.
faults '{"rules": [{"match": "minibert-lang/resolve", "fault": "500"}]}'
sleep 0.05
fails 3 "$ZX" --db "$T/part" crawl --retries 1 --json
grep_ok '"failed": 1' "$T/out"
grep_ok '"new": 16' "$T/out"
grep_ok 'minibert-lang' "$T/err"
# ... and is fetched again by the next run: failures do not move the mark.
faults '{"rules": []}'
sleep 0.05
ok "$ZX" --db "$T/part" crawl --json
grep_ok '"new": 1' "$T/out"
# A refused listing (bad token) is a configuration error, not an outage.
faults '{"rules": [{"match": "^/api/models", "fault": "401", "times": 1}]}'
sleep 0.05
fails 1 "$ZX" --db "$T/part" crawl
one_line "$T/err"
grep_ok 'refused the model listing: HTTP 401' "$T/err"
# A listing that keeps failing: the Hub is unreachable, exit 6.
faults '{"rules": [{"match": "^/api/models", "fault": "503"}]}'
sleep 0.05
fails 6 "$ZX" --db "$T/down" crawl --retries 2
one_line "$T/err"
grep_ok 'listing models' "$T/err"
faults '{"rules": []}'
# No server at all, and offline mode.
fails 6 env HF_ENDPOINT=http://127.0.0.1:9 "$ZX" --db "$T/down" crawl --retries 1
one_line "$T/err"
grep_ok 'unreachable' "$T/err"
fails 8 env HF_HUB_OFFLINE=1 "$ZX" --db "$T/down" crawl
grep_ok 'offline' "$T/err"
done_testing
