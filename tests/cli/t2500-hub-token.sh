#!/bin/sh
# t2500 - the Hub token is read as huggingface_hub reads it: HF_TOKEN, else
# HF_TOKEN_PATH, else $HF_HOME/token (what `hf auth login` writes), with
# whitespace stripped; HF_HUB_DISABLE_IMPLICIT_TOKEN turns it off; the
# token is never printed.
. "${0%/*}/lib.sh"
TOK=hf_t2500SecretToken
start_mock --repos "$ZOO" --token-required --valid-token "$TOK" --lfs-threshold 1000
M=zoodex-demo/tinybert-base
# Anonymous: the mock Hub refuses every API request.
fails 1 "$ZX" --db "$T/anon" ingest $M
grep_ok "no model '$M'" "$T/err"
grep_not '"auth": *true' "$MLOG"
# 1. $HF_HOME/token, as `hf auth login` saves it (with a newline).
mkdir -p "$HF_HOME"
printf '%s\n' "$TOK" >"$HF_HOME/token"
: >"$MLOG"
ok "$ZX" --db "$T/home" ingest $M
grep_ok '^1 model: 1 new' "$T/out"
grep_ok '"auth": *true' "$MLOG"
grep_ok '"server": *"cdn"' "$MLOG"
grep_not '"server": *"cdn".*"auth": *true' "$MLOG"
grep_not "$TOK" "$T/out"
grep_not "$TOK" "$T/err"
# ... and the crawl sends it too.
ok "$ZX" --db "$T/crawl" crawl --author zoodex-demo --json
grep_ok '"new": [1-9]' "$T/out"
grep_not "$TOK" "$T/out"
# HF_HOME's default is ${XDG_CACHE_HOME:-~/.cache}/huggingface.
mkdir -p "$T/xdg/huggingface"
printf '  %s \r\n' "$TOK" >"$T/xdg/huggingface/token"
ok env -u HF_HOME XDG_CACHE_HOME="$T/xdg" "$ZX" --db "$T/xdg-db" ingest $M
grep_ok '^1 model: 1 new' "$T/out"
# 2. HF_TOKEN_PATH wins over $HF_HOME/token.
printf 'hf_wrong\n' >"$HF_HOME/token"
fails 1 "$ZX" --db "$T/wrong" ingest $M
printf '\n\t%s\n\n' "$TOK" >"$T/tokfile"
ok env HF_TOKEN_PATH="$T/tokfile" "$ZX" --db "$T/path" ingest $M
grep_ok '^1 model: 1 new' "$T/out"
# 3. HF_TOKEN wins over both files.
ok env HF_TOKEN="$TOK" HF_TOKEN_PATH="$T/nothing" "$ZX" --db "$T/env" ingest $M
grep_ok '^1 model: 1 new' "$T/out"
fails 1 env HF_TOKEN=hf_wrong HF_TOKEN_PATH="$T/tokfile" "$ZX" --db "$T/env2" ingest $M
# An empty HF_TOKEN is unset: the file is read.
ok env HF_TOKEN= HF_TOKEN_PATH="$T/tokfile" "$ZX" --db "$T/env3" ingest $M
# HF_HUB_DISABLE_IMPLICIT_TOKEN=1: no token at all.
: >"$MLOG"
fails 1 env HF_HUB_DISABLE_IMPLICIT_TOKEN=1 HF_TOKEN_PATH="$T/tokfile" "$ZX" --db "$T/off" ingest $M
grep_not '"auth": *true' "$MLOG"
# A token file is read bounded: a huge file is no token (and no crash);
# a token with inner spaces or control characters is never sent.
{ printf '%s' "$TOK"; head -c 100000 /dev/zero | tr '\0' 'x'; } >"$T/big"
: >"$MLOG"
fails 1 env HF_TOKEN_PATH="$T/big" "$ZX" --db "$T/big-db" ingest $M
grep_not '"auth": *true' "$MLOG"
printf 'hf_a b\n' >"$T/spaced"
: >"$MLOG"
fails 1 env HF_TOKEN_PATH="$T/spaced" "$ZX" --db "$T/sp-db" ingest $M
grep_not '"auth": *true' "$MLOG"
done_testing
