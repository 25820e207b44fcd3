#!/bin/sh
# t2870 - the Hub refusing the model listing (HTTP 401 without a token,
# 401 with a wrong one) is an error of its own, exit 1 with the reason and
# the hint to check HF_TOKEN, not a usage error (exit 2 and a usage line).
. "${0%/*}/lib.sh"
mkdir -p "$T/repos" "$T/hfhome"
cp -r "$ZOO"/zoodex-demo "$T/repos/"
export HF_HOME="$T/hfhome"
unset HF_TOKEN HF_TOKEN_PATH
start_mock --repos "$T/repos" --token-required --valid-token hf_good
fails 1 "$ZX" --db "$DB" crawl
one_line "$T/err"
grep_ok "^zoodex crawl: the Hub refused the model listing: HTTP 401.*\(check HF_TOKEN\)$" "$T/err"
grep_not "usage:" "$T/err"
fails 1 env HF_TOKEN=hf_bad "$ZX" --db "$DB" crawl
grep_ok "^zoodex crawl: the Hub refused the model listing: HTTP 401: Invalid credentials in Authorization header \(check HF_TOKEN\)$" "$T/err"
# Nothing was indexed; the right token works.
ok env HF_TOKEN=hf_good "$ZX" --db "$DB" crawl
grep_ok '^crawl: [0-9]+ seen, [0-9]+ new' "$T/out"
done_testing
