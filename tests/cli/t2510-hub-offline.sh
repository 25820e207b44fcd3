#!/bin/sh
# t2510 - HF_HUB_OFFLINE=1: `ingest org/name[@rev]` uses the Hugging Face
# cache and never the network (refs/<rev> -> snapshots/<commit>, or a
# commit hash directly); what is not cached whole fails with exit 8 and
# names what is missing; `crawl` fails at once, with no request.
. "${0%/*}/lib.sh"
start_mock --repos "$ZOO" --lfs-threshold 1000
M=zoodex-demo/tinybert-base
C=$HF_HOME/hub/models--zoodex-demo--tinybert-base
ok "$ZX" --db "$T/online" ingest $M zoodex-demo/tinybert-sentiment
commit=$(cat "$C/refs/main")
check test ${#commit} = 40
# A complete revision in the cache: indexed with no request at all.
: >"$MLOG"
ok env HF_HUB_OFFLINE=1 "$ZX" --db "$DB" ingest $M
grep_ok '^1 model: 1 new' "$T/out"
ok env HF_HUB_OFFLINE=1 "$ZX" --db "$DB" ingest zoodex-demo/tinybert-sentiment@main
check test ! -s "$MLOG"
ok "$ZX" --db "$DB" show --json $M
grep_ok "\"revision\": \"$commit\"" "$T/out"
# The same descriptors as the online ingest.
"$ZX" --db "$T/online" show --json $M | grep -E '"(weights_digest|arch|params)"' >"$T/a"
"$ZX" --db "$DB" show --json $M | grep -E '"(weights_digest|arch|params)"' >"$T/b"
same "$T/a" "$T/b"
# The declared lineage comes from the cached card.
ok "$ZX" --db "$DB" lineage zoodex-demo/tinybert-sentiment
grep_ok "$M" "$T/out"
# TRUE/yes/on count too; a commit hash needs no ref.
ok env HF_HUB_OFFLINE=TRUE "$ZX" --db "$T/c" ingest "$M@$commit"
grep_ok '1 new' "$T/out"
check test ! -s "$MLOG"
# Not cached: exit 8, one line that names the model and the cache.
fails 8 env HF_HUB_OFFLINE=1 "$ZX" --db "$T/n" ingest other-lab/minibert-base
one_line "$T/err"
grep_ok "offline.*other-lab/minibert-base.*models--other-lab--minibert-base" "$T/err"
check test ! -e "$T/n"
fails 8 env HF_HUB_OFFLINE=yes "$ZX" --db "$T/n" ingest $M@v2.0
grep_ok "no refs/v2.0" "$T/err"
fails 8 env HF_HUB_OFFLINE=on "$ZX" --db "$T/n" ingest $M@0123456789abcdef0123456789abcdef01234567
grep_ok "no snapshot" "$T/err"
# Incomplete: the weights' blob is gone (a dangling snapshot link).
blob=$(readlink -f "$C/snapshots/$commit/model.safetensors")
mv "$blob" "$T/blob.saved"
fails 8 env HF_HUB_OFFLINE=1 "$ZX" --db "$T/i" ingest $M
one_line "$T/err"
grep_ok "not cached whole: .*snapshots/$commit/model.safetensors is missing" "$T/err"
mv "$T/blob.saved" "$blob"
# Incomplete: a sharded checkpoint with a shard missing.
S=$HF_HOME/hub/models--me--sharded
sha=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
mkdir -p "$S/refs" "$S/snapshots/$sha"
printf '%s' "$sha" >"$S/refs/main"
printf '{"weight_map": {"a.weight": "model-00001-of-00002.safetensors", "b.weight": "model-00002-of-00002.safetensors"}}' \
    >"$S/snapshots/$sha/model.safetensors.index.json"
cp "$ZOO/$M/model.safetensors" "$S/snapshots/$sha/model-00001-of-00002.safetensors"
fails 8 env HF_HUB_OFFLINE=1 "$ZX" --db "$T/s" ingest me/sharded
grep_ok "model-00002-of-00002.safetensors is missing" "$T/err"
# A refs/main that names nothing: not cached.
printf 'not-a-commit' >"$S/refs/main"
fails 8 env HF_HUB_OFFLINE=1 "$ZX" --db "$T/s" ingest me/sharded
grep_ok "no refs/main" "$T/err"
# Several models: the uncached one fails, the cached one is indexed.
fails 3 env HF_HUB_OFFLINE=1 "$ZX" --db "$T/m" ingest $M other-lab/minibert-base
grep_ok '1 new.*1 failed' "$T/out"
check test ! -s "$MLOG"
# crawl: a clear error, exit 8, no request, no index created.
fails 8 env HF_HUB_OFFLINE=1 "$ZX" --db "$T/crawl" crawl
one_line "$T/err"
grep_ok "offline: a crawl needs the Hub, and HF_HUB_OFFLINE is set" "$T/err"
check test ! -e "$T/crawl"
check test ! -s "$MLOG"
# Offline is not unreachable: without HF_HUB_OFFLINE a dead Hub is exit 6.
fails 6 env HF_ENDPOINT=http://127.0.0.1:9 "$ZX" --db "$T/dead" ingest other-lab/minibert-base
done_testing
