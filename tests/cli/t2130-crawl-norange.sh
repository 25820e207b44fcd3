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
# A sharded model's shards are read in the same round: they share the
# model's budget (--max-bytes, below 64 MiB), taken out as each read is
# queued: the first shard's head read may stream 97.7 KiB of the 120 KiB,
# the second only what is left, so the model fails alone, saying so.
faults '{"rules": [{"match": ".", "host": "cdn", "fault": "norange"}]}'
sleep 0.05
fails 3 "$ZX" --db "$T/shard" crawl --search minibert-lang --max-bytes 120k --json
grep_ok '"failed": 1' "$T/out"
grep_ok '^zoodex crawl: other-lab/minibert-lang: model-0000[12]-of-00002.safetensors: the file store ignores Range requests \(it sends the whole file\), and the bytes needed end 97.7 KiB into the file, beyond the 2[0-9.]* KiB left of the 120 KiB a model may read that way \(--max-bytes\)$' "$T/err"
# With 64 MiB a model (the default), it is read whole.
ok "$ZX" --db "$T/shard" crawl --search minibert-lang --json
grep_ok '"new": 1' "$T/out"
stop_mock

# A store that ignores Range only for reads from a file's first byte (the
# header read) and honours it after: the fingerprint's values, gathered
# into one request per file once Range was ignored, come back as a 206 over
# the whole span between them.  Those bytes are not read: the values are
# asked for one by one, as in a clean crawl, with --max-bytes too.
# cdn206: body bytes of the CDN's 206 answers in the log
cdn206() { python3 -c 'import json,sys; print(sum(e["bytes"] for e in map(json.loads, open(sys.argv[1])) if e["server"] == "cdn" and e["status"] == 206))' "$MLOG"; }
sumbytes() { sed -n 's/.*"bytes": \([0-9]*\).*/\1/p' "$T/out"; }
: >"$T/faults.json"
start_mock --generate 2 --generate-mb 8 --faults "$T/faults.json"
: >"$MLOG"
ok "$ZX" --db "$T/big-ref" crawl --json
snap "$T/big-ref" "$T/big-ref.snap"
b_clean=$(sumbytes)
c_clean=$(cdn206)
check test "$c_clean" -gt 0
: >"$MLOG"
faults '{"rules": [{"match": ".", "host": "cdn", "fault": "norange", "range": "^bytes=0-"}]}'
sleep 0.05
ok "$ZX" --db "$T/big" crawl --json
grep_ok '"new": 2' "$T/out"
grep_ok '"failed": 0' "$T/out"
snap "$T/big" "$T/big.snap"
same "$T/big-ref.snap" "$T/big.snap"
grep_ok '"server": *"cdn".*"range": *"bytes=0-[0-9]+".*"status": *200.*"fault": *"norange"' "$MLOG"
# What zoodex received (dropped bytes included) is a clean crawl's, plus
# what came past the header read in its last chunk ...
b=$(sumbytes)
check test "$b" -le $((b_clean + 2 * 65536))
# ... and the CDN's 206 answers sent no more than a clean crawl's (not the
# 7.7 MB between the first and last value of each file).
c=$(cdn206)
check test "$c" -le "$c_clean"
echo "# bytes: clean $b_clean, faulted $b; CDN 206 bytes: clean $c_clean, faulted $c" 
# --max-bytes is honoured: a 1 MiB budget suffices, as for a clean crawl.
: >"$MLOG"
ok "$ZX" --db "$T/big1m" crawl --max-bytes 1M --json
grep_ok '"new": 2' "$T/out"
grep_ok '"failed": 0' "$T/out"
check test "$(sumbytes)" -le 1048576
snap "$T/big1m" "$T/big1m.snap"
same "$T/big-ref.snap" "$T/big1m.snap"
# Ranged requests never ask for gzip (hub.md 2.3), whatever the fault.
grep_ok '"server": *"cdn".*"range": *"bytes=' "$MLOG"
grep_not '"range": *"bytes=[^"]*", *"encoding": *"[^"]*gzip' "$MLOG"
grep_ok '"range": *"bytes=[^"]*", *"encoding": *"identity"' "$MLOG"

# A broken edge answers the value reads with a 206 that starts 8 bytes
# later than asked (its Content-Range says so): read as asked, every value
# would be silently wrong.  Each model fails alone, with the reason.
: >"$MLOG"
faults '{"rules": [{"match": ".", "host": "cdn", "fault": "shiftrange", "range": "^bytes=[1-9]"}]}'
sleep 0.05
fails 3 "$ZX" --db "$T/shift" crawl --json
grep_ok '"failed": 2' "$T/out"
grep_ok '"fault": *"shiftrange"' "$MLOG"
check test "$(grep -Ec '^zoodex crawl: gen-org-[01]/model-0000[01]: model.safetensors: the file store answered a Range that starts at byte [0-9]+ with bytes from [0-9]+ on$' "$T/err")" -eq 2
grep_not 'unreachable' "$T/err"
done_testing
