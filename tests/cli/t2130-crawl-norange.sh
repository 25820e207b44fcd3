#!/bin/sh
# t2130 - a file store that ignores Range and sends the whole file (hub.md
# 2.3: CloudFront does when it compresses; issue 10 item 6): the crawl reads
# what it needs from the front of each stream, stops the transfer there,
# and builds the index a clean crawl builds.
. "${0%/*}/lib.sh"
: >"$T/faults.json"
start_mock --repos "$ZOO" --faults "$T/faults.json"
# snap DB FILE: the index's logical content, without its folder name
snap() { snapshot "$1" "$2"; sed -i '/"index":/d' "$2"; }
ok "$ZX" --db "$T/ref" crawl
snap "$T/ref" "$T/ref.snap"
cdn_clean=$(grep -c '"server": *"cdn"' "$MLOG")

# Every CDN answer and every resolve-cache answer ignores Range (the
# resolve-cache ones gzipped when the client accepts gzip).
: >"$MLOG"
faults '{"rules": [{"match": ".", "host": "cdn", "fault": "norange"},
                   {"match": "/resolve-cache/", "fault": "norange"}]}'
sleep 0.05
ok "$ZX" --db "$T/nr" crawl --json
grep_ok '"new": 17' "$T/out"
grep_ok '"failed": 0' "$T/out"
grep_ok '"exit": 0' "$T/out"
grep_not 'unreachable|exceeds the limit' "$T/err"
snap "$T/nr" "$T/nr.snap"
same "$T/ref.snap" "$T/nr.snap"
# The fault really happened: ranged CDN requests got 200, none got 206.
grep_ok '"server": *"cdn".*"range": *"bytes=[0-9]+-[0-9]+".*"status": *200.*"fault": *"norange"' "$MLOG"
grep_not '"server": *"cdn".*"status": *206' "$MLOG"
# Still no request for a whole weight file: every CDN request asks a Range,
# without gzip (hub.md 2.3), and one stream per file serves all of the
# fingerprint's values: no more CDN requests than the clean crawl made.
grep_not '"server": *"cdn".*"range": *null' "$MLOG"
check test "$(grep -c '"server": *"cdn"' "$MLOG")" -le "$cdn_clean"
# Same fingerprints: searches answer alike.
for m in zoodex-demo/tinybert-base vision-demo/tinyresnet-colors other-lab/minibert-lang; do
    "$ZX" --db "$T/ref" search --like "$m" -k 20 | sed 1d | awk '{print $2, $3}' | sort >"$T/a"
    "$ZX" --db "$T/nr" search --like "$m" -k 20 | sed 1d | awk '{print $2, $3}' | sort >"$T/b"
    check test -s "$T/a"
    same "$T/a" "$T/b"
done
# Only some answers ignore Range (a CDN with mixed edges): same index.
faults '{"rules": [{"match": ".", "host": "cdn", "fault": "norange", "times": 9}]}'
sleep 0.05
ok "$ZX" --db "$T/mixed" crawl --json
grep_ok '"new": 17' "$T/out"
snap "$T/mixed" "$T/mixed.snap"
same "$T/ref.snap" "$T/mixed.snap"
done_testing
