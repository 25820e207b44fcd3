#!/bin/sh
# t2140 - the file store refuses an expired signed URL (403, S3's "Request
# has expired"; issue 10 item 7): the crawl asks the Hub for a fresh URL
# once and goes on; the token never goes to the file store; a URL that is
# refused again fails that model alone, with a clear message, exit 3.
. "${0%/*}/lib.sh"
snap() { snapshot "$1" "$2"; sed -i '/"index":/d' "$2"; }
# resolves: the Hub's /resolve/ requests in the log (not resolve-cache)
resolves() { grep '"server": *"api"' "$MLOG" | grep '/resolve/' | grep -vc '/api/resolve-cache/'; }
: >"$T/faults.json"
start_mock --repos "$ZOO" --faults "$T/faults.json"
export HF_TOKEN=hf_t2140secret
ok "$ZX" --db "$T/ref" crawl
snap "$T/ref" "$T/ref.snap"
r0=$(resolves)
check test "$r0" -gt 0

# Every file's signed URL has expired once.
: >"$MLOG"
faults '{"rules": [{"match": "^/repos/", "host": "cdn", "fault": "expired", "times": 1, "per_path": true}]}'
sleep 0.05
ok "$ZX" --db "$T/exp" crawl --json
grep_ok '"new": 17' "$T/out"
grep_ok '"failed": 0' "$T/out"
snap "$T/exp" "$T/exp.snap"
same "$T/ref.snap" "$T/exp.snap"
n=$(grep -c '"fault": *"expired"' "$MLOG")
# one expiry per weight file (each distinct CDN path) ...
check test "$n" -eq "$(grep '"server": *"cdn"' "$MLOG" | sed 's/.*"path": *"\([^?"]*\).*/\1/' | sort -u | wc -l)"
check test "$n" -ge 17
# ... and one extra resolve per expiry, no more
check test "$(resolves)" -eq $((r0 + n))
# The token went to the Hub, never to the file store.
grep_ok '"server": *"api".*"auth": *true' "$MLOG"
grep_not '"server": *"cdn".*"auth": *true' "$MLOG"
grep_not 'hf_t2140secret' "$MLOG"

# URLs that expire later, at the reads of the fingerprint's values.
: >"$MLOG"
faults '{"rules": [{"match": "^/repos/", "host": "cdn", "fault": "expired", "times": 1, "per_path": true, "range": "^bytes=[1-9]"}]}'
sleep 0.05
ok "$ZX" --db "$T/late" crawl --json
grep_ok '"failed": 0' "$T/out"
grep_ok '"fault": *"expired"' "$MLOG"
snap "$T/late" "$T/late.snap"
same "$T/ref.snap" "$T/late.snap"

# The file store refuses two models' URLs every time: they fail alone.
id1=$("$ZX" --db "$T/ref" show --json vision-demo/tinyresnet-base | sed -n 's/.*"_id": "\([0-9a-f]*\)".*/\1/p' | head -1)
id2=$("$ZX" --db "$T/ref" show --json other-lab/minibert-spam | sed -n 's/.*"_id": "\([0-9a-f]*\)".*/\1/p' | head -1)
check test -n "$id1"
check test -n "$id2"
: >"$MLOG"
faults "{\"rules\": [{\"match\": \"^/repos/($id1|$id2)/\", \"host\": \"cdn\", \"fault\": \"expired\"}]}"
sleep 0.05
fails 3 "$ZX" --db "$T/bad" crawl --json
grep_ok '"failed": 2' "$T/out"
grep_ok '"new": 15' "$T/out"
grep_ok '"exit": 3' "$T/out"
check test "$(grep -c '^zoodex crawl: ' "$T/err")" -eq 2
grep_ok '^zoodex crawl: vision-demo/tinyresnet-base: model.safetensors: the file store refused its signed download link \(HTTP 403: Request has expired\), and a fresh one from the Hub too$' "$T/err"
grep_ok '^zoodex crawl: other-lab/minibert-spam: model.safetensors: the file store refused its signed download link' "$T/err"
grep_not 'unreachable' "$T/err"
# Each refused URL was asked for again once: two CDN requests per read.
check test "$(grep -c '"fault": *"expired"' "$MLOG")" -eq 4
grep_not '"server": *"cdn".*"auth": *true' "$MLOG"
# The next run, with the file store working again, fetches the two.
faults '{"rules": []}'
sleep 0.05
ok "$ZX" --db "$T/bad" crawl --json
grep_ok '"new": 2' "$T/out"
# (the same records; only the vector ids follow the order of indexing)
snap "$T/bad" "$T/bad.snap"
sed '/"vid":/d' "$T/ref.snap" >"$T/ref.novid"
sed -i '/"vid":/d' "$T/bad.snap"
same "$T/ref.novid" "$T/bad.snap"

# The fresh URL is refused by the Hub itself: gated (the model is skipped
# as gated), or another 403 (the Hub's refusal, not the file store's).
: >"$MLOG"
faults "{\"rules\": [
  {\"match\": \"^/(vision-demo/tinyresnet-base|other-lab/minibert-spam)/resolve/[^/]+/model.safetensors\", \"host\": \"api\", \"fault\": \"slow\", \"times\": 1, \"per_path\": true},
  {\"match\": \"^/vision-demo/tinyresnet-base/resolve/[^/]+/model.safetensors\", \"host\": \"api\", \"fault\": \"gated\"},
  {\"match\": \"^/other-lab/minibert-spam/resolve/[^/]+/model.safetensors\", \"host\": \"api\", \"fault\": \"403\"},
  {\"match\": \"^/repos/($id1|$id2)/\", \"host\": \"cdn\", \"fault\": \"expired\", \"times\": 1, \"per_path\": true}]}"
sleep 0.05
fails 3 "$ZX" --db "$T/hub403" crawl --json
grep_ok '"skipped": 1' "$T/out"
grep_ok '"failed": 1' "$T/out"
tr -d ' \n' <"$T/out" >"$T/flat"
grep_ok '"model":"vision-demo/tinyresnet-base","reason":"gated"' "$T/flat"
grep_ok '^zoodex crawl: other-lab/minibert-spam: model.safetensors: HTTP 403: Forbidden$' "$T/err"
grep_not 'refused its signed download link|unreachable' "$T/err"
check test "$(grep -c '"fault": *"expired"' "$MLOG")" -eq 2
grep_ok '"server": *"api".*/vision-demo/tinyresnet-base/resolve/.*"status": *403.*"fault": *"gated"' "$MLOG"

# A full download (ingest org/name) asks for a fresh URL the same way.
: >"$MLOG"
faults '{"rules": [{"match": "^/repos/", "host": "cdn", "fault": "expired", "times": 1, "per_path": true}]}'
sleep 0.05
# (a cache of its own: the crawls below must not find the files there)
ok env HF_HOME="$T/hf-ing" "$ZX" --db "$T/ing" ingest zoodex-demo/tinybert-topic3
grep_ok '^1 model: 1 new' "$T/out"
grep_ok '"fault": *"expired"' "$MLOG"
grep_ok '"server": *"cdn".*"status": *200' "$MLOG"
grep_not '"server": *"cdn".*"auth": *true' "$MLOG"

# A download that cannot be written (the file system is full: its part is
# made a link to /dev/full) is no network failure: not retried, said so,
# exit 9 (no space), not 6 (the Hub unreachable).
faults '{"rules": []}'
sleep 0.05
: >"$MLOG"
if [ -c /dev/full ] && [ -w /dev/full ]; then
    sha=$(sha256sum "$ZOO/zoodex-demo/tinybert-topic3/model.safetensors" | cut -c1-64)
    mkdir -p "$T/hf-full/hub/models--zoodex-demo--tinybert-topic3/blobs"
    ln -s /dev/full "$T/hf-full/hub/models--zoodex-demo--tinybert-topic3/blobs/$sha.incomplete"
    fails 9 env HF_HOME="$T/hf-full" "$ZX" --db "$T/full" ingest zoodex-demo/tinybert-topic3
    grep_ok "^zoodex ingest: 'zoodex-demo/tinybert-topic3': cannot write the download of model.safetensors to '.*/blobs/$sha.incomplete': No space left on device" "$T/err"
    grep_not 'unreachable|kept failing' "$T/err"
    check test "$(grep -c '"server": *"cdn"' "$MLOG")" -eq 1
fi

# Redirects that never end are the Hub's answers, not the network: with
# every file request of a crawl looping, each model fails on its own (exit
# 3), not "the Hub unreachable" (exit 6).
faults '{"rules": [{"match": "/resolve/", "host": "api", "fault": "redirectloop"}]}'
sleep 0.05
fails 3 "$ZX" --db "$T/loop" crawl --search tinybert-topic3 --json
grep_ok '"new": 0' "$T/out"
check test "$(sed -n 's/.*"failed": \([0-9]*\).*/\1/p' "$T/out")" -eq "$(sed -n 's/.*"seen": \([0-9]*\).*/\1/p' "$T/out")"
grep_ok '"error": "[a-zA-Z._]+: too many redirects"' "$T/out"
grep_not 'unreachable' "$T/err"
grep_ok '"fault": *"redirectloop"' "$MLOG"

# Every file store URL refused: every model fails, the crawl still ends
# with a summary and exit 3, not "Hub unreachable".
faults '{"rules": [{"match": ".", "host": "cdn", "fault": "expired"}]}'
sleep 0.05
fails 3 "$ZX" --db "$T/all" crawl
grep_ok '^crawl: 17 seen, 0 new, 0 updated, 0 unchanged, 0 skipped, 17 failed' "$T/out"
grep_not 'unreachable' "$T/err"
done_testing
