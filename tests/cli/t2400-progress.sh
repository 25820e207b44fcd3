#!/bin/sh
# t2400 - progress on a terminal for crawl and Hub downloads, silent when
# stderr is not a terminal, with HF_HUB_DISABLE_PROGRESS_BARS=1 or -q;
# -v logs every Hub request without the token or the CDN's signatures;
# human-readable sizes in the summaries, raw integers in JSON.
# Terminals come from util-linux script(1): its standard output is what
# the pseudo-terminal showed, zoodex's stdout goes to a file.
. "${0%/*}/lib.sh"
unset ZOODEX_PROGRESS HF_HUB_DISABLE_PROGRESS_BARS
if ! command -v script >/dev/null 2>&1; then
    echo "t2400: script(1) from util-linux is needed" >&2
    fail=$((fail + 1)); done_testing; exit 1
fi
# on_tty NAME CMD...: run CMD with stderr on a pseudo-terminal; what the
# terminal showed goes to $T/NAME.tty, stdout to $T/out; the exit status
# is CMD's.
on_tty() {
    name=$1; shift
    q=""
    for a in "$@"; do q="$q '$a'"; done
    script -qec "$q >'$T/out'" /dev/null </dev/null >"$T/$name.tty" 2>&1
}
# segments FILE: what the terminal showed, one redraw or line per line
segments() { tr '\r' '\n' <"$1" | sed '/^ *$/d'; }

mkdir -p "$T/repos"
cp -r "$ZOO"/*/ "$T/repos/"
# One mock for everything: the zoo, and a synthetic 128 MiB model.  For
# the first crawl every request waits 10 ms, so that a crawl of one
# request at a time takes a few seconds.
start_mock --repos "$T/repos" --generate 1 --generate-mb 128 --faults "$T/faults.json"
faults '{"rules": [{"match": "", "fault": "slow", "delay_ms": 10}]}'

# A crawl on a terminal: models done of those listed, requests, bytes, a
# rate and an ETA, redrawn in place; the line is erased at the end and the
# summary (stdout) says the bytes in KiB/MiB.
on_tty crawl "$ZX" --db "$DB" crawl --parallel 1
check test $? -eq 0
segments "$T/crawl.tty" >"$T/crawl.seg"
grep_ok '^crawl: [0-9]+/18 models, [0-9]+ requests, [0-9.]+ (B|KiB|MiB)' "$T/crawl.seg"
grep_ok 'models, [0-9]+ requests, [0-9.]+ (KiB|MiB), [0-9.]+ (B|KiB|MiB)/s' "$T/crawl.seg"
grep_ok '^crawl: [0-9]+/18 models, .*, ETA [0-9]+:[0-9][0-9]$' "$T/crawl.seg"
check test "$(grep -c '^crawl: ' "$T/crawl.seg")" -ge 5
# redrawn with a carriage return, never a newline
grep_not '^crawl: [0-9]' "$T/crawl.tty"
# ends cleanly: after the last redraw only blanks, nothing else
check test -z "$(tr '\r' '\n' <"$T/crawl.tty" | tail -n 1 | tr -d ' \n')"
grep_ok '^crawl: 18 seen, 18 new, .*; [0-9.]+ (KiB|MiB) in [0-9]+ requests \(0 retries\), [0-9.]+ s, [0-9.]+ (KiB|MiB)/s$' "$T/out"
# Bounded rate: at most 10 redraws a second (+1 for the first).
secs=$(sed -n 's/.*requests (0 retries), \([0-9]*\)\.[0-9] s.*/\1/p' "$T/out")
check test "$(grep -c '^crawl: ' "$T/crawl.seg")" -le $(( (secs + 1) * 10 + 1 ))

faults '{"rules": []}'
# Not a terminal: nothing on stderr.
ok "$ZX" --db "$T/a" crawl --max-models 2
check test ! -s "$T/err"
# HF_HUB_DISABLE_PROGRESS_BARS=1 (huggingface_hub's switch): none.
on_tty hfoff env HF_HUB_DISABLE_PROGRESS_BARS=1 "$ZX" --db "$T/b" crawl --max-models 2
check test $? -eq 0
grep_not 'crawl: [0-9]' "$T/hfoff.tty"
grep_ok '^crawl: [0-9]+ seen, 2 new' "$T/out"
# -q, before or after the command: none, and the summary still comes.
on_tty quiet "$ZX" -q --db "$T/c" crawl --max-models 2
check test $? -eq 0
check test ! -s "$T/quiet.tty"
grep_ok '^crawl: [0-9]+ seen, 2 new' "$T/out"
on_tty quiet2 "$ZX" --db "$T/c3" crawl --max-models 2 --quiet
check test ! -s "$T/quiet2.tty"
# -q wins over ZOODEX_PROGRESS=1; errors are still printed.
fails 5 env ZOODEX_PROGRESS=1 "$ZX" -q --db "$T/none" show no/such
one_line "$T/err"
ok env ZOODEX_PROGRESS=1 "$ZX" --db "$T/c2" crawl -q --max-models 2
check test ! -s "$T/err"
# ZOODEX_PROGRESS=1 forces the line on a pipe.
ok env ZOODEX_PROGRESS=1 "$ZX" --db "$T/d" crawl --max-models 2
grep_ok 'crawl: [0-9]+(/18\+?)? models, [0-9]+ requests?, ' "$T/err"

# -v: one line per request (method, URL, status, bytes, time), as many as
# the crawl counts; the token and the CDN's signatures never appear.
: >"$MLOG"
TOKEN=hf_t2400_SeCrEt
ok env HF_TOKEN=$TOKEN "$ZX" -v --db "$T/v" crawl --json --max-models 4
n=$(sed -n 's/^  "requests": \([0-9]*\),$/\1/p' "$T/out")
check test "$(grep -c '^zoodex crawl: GET http://[^ ]* [0-9][0-9][0-9] [0-9.]* [KM]*i*B [0-9.]* s$' "$T/err")" -eq "$n"
check test "$(wc -l <"$T/err")" -eq "$n"
check test "$(wc -l <"$MLOG")" -eq "$n"
grep_ok "^zoodex crawl: GET $EP/api/models\?sort=lastModified.* 200 " "$T/err"
grep_ok "^zoodex crawl: GET $EP/.*/resolve/.* 30[27] " "$T/err"
grep_ok "^zoodex crawl: GET $CDN/repos/[^ ?]*\?\.\.\. 206 " "$T/err"
grep_not "$TOKEN" "$T/err"
grep_not 'Amz|Signature|Expires|Authorization|Bearer' "$T/err"
grep_ok '"auth": *true' "$MLOG"
# ... and for a download, -v after the command name too (each download
# with a cache of its own, so that bytes are fetched).
ok env HF_TOKEN=$TOKEN HF_HUB_CACHE="$T/cache-vi" "$ZX" --db "$T/vi" ingest -v zoodex-demo/tinybert-topic3
grep_ok '^zoodex ingest: GET .*/api/models/zoodex-demo/tinybert-topic3/revision/main(\?blobs=true)? 200 ' "$T/err"
grep_ok "^zoodex ingest: GET $CDN/repos/[^ ?]*\?\.\.\. 200 9[0-9.]* KiB " "$T/err"
grep_not "$TOKEN" "$T/err"
grep_ok '^1 model: 1 new, .*; 9[0-9.]* KiB from the Hub in [0-9]+ requests?, ' "$T/out"
ok env HF_HUB_CACHE="$T/cache-vj" "$ZX" --db "$T/vj" ingest --json zoodex-demo/tinybert-topic3
grep_ok '"bytes": 9[0-9]{4},' "$T/out"
grep_ok '"requests": [0-9]+,' "$T/out"
# A password in HF_ENDPOINT is not shown either.
ok env HF_ENDPOINT="$(echo "$EP" | sed 's|://|://someone:pAsSwOrD@|')" "$ZX" -v --db "$T/v2" crawl --max-models 1
grep_ok "^zoodex crawl: GET $EP/api/models" "$T/err"
grep_not 'pAsSwOrD|someone' "$T/err"
# Retries and transport failures are requests too.
faults '{"rules": [{"match": "^/api/models\\?", "fault": "503", "times": 1}]}'
ok "$ZX" -v --db "$T/v3" crawl --max-models 1
grep_ok '^zoodex crawl: GET .*/api/models\?.* 503 .* s \(retry in [0-9.]+ s\)$' "$T/err"
fails 6 env HF_ENDPOINT=http://127.0.0.1:1 "$ZX" -v --db "$T/v4" crawl --retries 1
grep_ok '^zoodex crawl: GET http://127.0.0.1:1/api/models\?.* failed \(.*\) [0-9.]+ s \(retry in [0-9.]+ s\)$' "$T/err"
grep_ok '^zoodex crawl: GET http://127.0.0.1:1/api/models\?.* failed \(.*\) [0-9.]+ s$' "$T/err"
# -v with progress on a terminal: log lines whole, never mixed with it.
on_tty vtty "$ZX" -v --db "$T/v5" crawl --max-models 4
segments "$T/vtty.tty" >"$T/vtty.seg"
grep_ok '^zoodex crawl: GET ' "$T/vtty.seg"
grep_ok '^crawl: [0-9]+/18\+? models' "$T/vtty.seg"
check test -z "$(grep -v '^zoodex crawl: GET http' "$T/vtty.seg" | grep 'GET http')"
grep_not 'GET http.*crawl: [0-9]' "$T/vtty.seg"
# -q and -v together after the command: the last counts.
ok "$ZX" --db "$T/v5" list -qv
grep_ok '/' "$T/out"
# "--" ends the options: a -q after it is an operand.
fails 1 "$ZX" --db "$T/v6" ingest -- -q
grep_ok "'-q'" "$T/err"

# A Hub download on a terminal shows its bytes of the file's size, a rate
# and ends with the bytes and the rate in the summary.
on_tty dl env HF_HUB_CACHE="$T/cache-dl" "$ZX" --db "$T/dl" ingest gen-org-0/model-00000
check test $? -eq 0
segments "$T/dl.tty" >"$T/dl.seg"
grep_ok '^ingest: 0/1 models, [0-9]+ requests?, [0-9.]+ (B|KiB|MiB)  gen-org-0/model-00000$' "$T/dl.seg"
grep_ok '^ingest: 0/1 models, [0-9]+ requests, [0-9.]+ (KiB|MiB) of 128 MiB' "$T/dl.seg"
check test -z "$(tr '\r' '\n' <"$T/dl.tty" | tail -n 1 | tr -d ' \n')"
grep_ok '^1 model: 1 new, .*; 128 MiB from the Hub in [0-9]+ requests?, [0-9.]+ s, [0-9.]+ (KiB|MiB|GiB)/s$' "$T/out"

# Sizes for people in stats and show; JSON keeps integers.
ok "$ZX" --db "$DB" stats
grep_ok '^store size +[0-9.]+ (KiB|MiB) \([0-9]+ bytes\)$' "$T/out"
ok "$ZX" --db "$DB" stats --json
grep_ok '"bytes_used": [0-9]+,' "$T/out"
ok "$ZX" --db "$DB" show zoodex-demo/tinybert-topic3
grep_ok '^weights size +87.8 KiB \(crawled: [0-9.]+ KiB fetched by Range reads\)$' "$T/out"
ok "$ZX" --db "$DB" show --json zoodex-demo/tinybert-topic3
grep_ok '"weights_bytes": 89868,' "$T/out"
done_testing
