#!/bin/sh
# t2300 - `zoodex ingest org/name[@rev]`: full, verified, resumable
# downloads; full descriptors equal to a local ingest; an existing Hugging
# Face cache is reused read-only.
. "${0%/*}/lib.sh"
: >"$T/faults.json"
start_mock --repos "$ZOO" --faults "$T/faults.json" --lfs-threshold 1000
ok "$ZX" --db "$DB" ingest zoodex-demo/tinybert-topic3 other-lab/minibert-lang
grep_ok '^2 models: 2 new' "$T/out"
ok "$ZX" --db "$T/local" ingest "$ZOO/zoodex-demo/tinybert-topic3" "$ZOO/other-lab/minibert-lang"
for m in zoodex-demo/tinybert-topic3 other-lab/minibert-lang; do
    "$ZX" --db "$DB" show --json "$m" | grep -E '"(weights_digest|kurtosis|params|arch)"' >"$T/a"
    "$ZX" --db "$T/local" show --json "$m" | grep -E '"(weights_digest|kurtosis|params|arch)"' >"$T/b"
    same "$T/a" "$T/b"
done
ok "$ZX" --db "$DB" show --json zoodex-demo/tinybert-topic3
grep_ok '"revision": "[0-9a-f]{40}"' "$T/out"
grep_ok '"light": false' "$T/out"
check test -z "$(find "$HF_HOME" -name '*.incomplete')"
check test ! -e "$DB/downloads"
# Again: nothing to download, nothing changes.
: >"$MLOG"
ok "$ZX" --db "$DB" ingest zoodex-demo/tinybert-topic3
grep_ok '1 unchanged' "$T/out"
grep_not '/resolve/' "$MLOG"
# A connection reset mid-download is resumed by Range and verified.
faults '{"rules": [{"match": ".", "host": "cdn", "fault": "reset", "times": 2}]}'
sleep 0.05
: >"$MLOG"
ok "$ZX" --db "$T/resume" ingest acme-nlp/tinybert-emotion
grep_ok '"fault": *"reset"' "$MLOG"
grep_ok '"server": *"cdn".*"range": *"bytes=[1-9][0-9]*-"' "$MLOG"
ok "$ZX" --db "$T/resume" show --json acme-nlp/tinybert-emotion
grep_ok "\"weights_digest\": \"$(
    "$ZX" --db "$T/local2" ingest "$ZOO/acme-nlp/tinybert-emotion" >/dev/null
    "$ZX" --db "$T/local2" show --json acme-nlp/tinybert-emotion |
        sed -n 's/.*"weights_digest": "\(.*\)".*/\1/p')\"" "$T/out"
faults '{"rules": []}'
# Errors: a missing model (exit 1, one line), a gated one, an unreachable Hub.
fails 1 "$ZX" --db "$T/e" ingest nobody/nothing
one_line "$T/err"
grep_ok "no model 'nobody/nothing' on the Hub" "$T/err"
faults '{"rules": [{"match": "tinyresnet-base", "fault": "gated"}]}'
sleep 0.05
fails 1 "$ZX" --db "$T/e" ingest vision-demo/tinyresnet-base
grep_ok "is gated" "$T/err"
faults '{"rules": []}'
fails 6 env HF_ENDPOINT=http://127.0.0.1:9 "$ZX" --db "$T/e2" ingest zoodex-demo/tinybert-base
one_line "$T/err"
fails 2 "$ZX" --db "$T/e3" ingest --id me/x zoodex-demo/tinybert-base
check test ! -e "$T/e3"
fails 2 env HF_ENDPOINT=not-a-url "$ZX" --db "$T/e4" ingest zoodex-demo/tinybert-base
check test ! -e "$T/e4"
# A Hugging Face cache that already holds the files is used, not refetched
# (what is there stays as it is; only what is missing is added).
C="$T/hf/hub/models--other-lab--minibert-spam"
spam_sha=$(curl -s "$EP/api/models/other-lab/minibert-spam" | sed 's/.*"sha":"\([0-9a-f]*\)".*/\1/')
mkdir -p "$C/blobs" "$C/refs" "$C/snapshots/$spam_sha"
printf '%s' "$spam_sha" >"$C/refs/main"
for f in config.json model.safetensors; do
    h=$(sha256sum "$ZOO/other-lab/minibert-spam/$f" | cut -d' ' -f1)
    cp "$ZOO/other-lab/minibert-spam/$f" "$C/blobs/$h"
    ln -s "../../blobs/$h" "$C/snapshots/$spam_sha/$f"
done
find "$T/hf" -type f -exec sha256sum {} + | sort >"$T/before"
: >"$MLOG"
ok env HF_HOME="$T/hf" "$ZX" --db "$T/cache" ingest other-lab/minibert-spam
grep_not 'minibert-spam/resolve/[^"]*model.safetensors' "$MLOG"
grep_not 'minibert-spam/resolve/[^"]*config.json' "$MLOG"
find "$T/hf" -type f -exec sha256sum {} + | sort >"$T/after"
check test -z "$(comm -23 "$T/before" "$T/after")"
: >"$MLOG"
ok env HF_HOME="$T/hf" "$ZX" --db "$T/cache2" crawl --author other-lab
grep_not 'minibert-spam/resolve/[^"]*model.safetensors' "$MLOG"
done_testing
