#!/bin/sh
# t0110 - with --json, every exit path prints one JSON object on stdout:
# usage errors, indexes that cannot be opened, missing inputs, and the Hub
# refusing or unreachable (with "error" and "exit" fields).
. "${0%/*}/lib.sh"

# json_error STATUS CMD...: CMD exits STATUS and its stdout is exactly one
# JSON object whose "exit" is STATUS and whose "error" is a message.
json_error() {
    want=$1
    shift
    "$@" >"$T/out" 2>"$T/err"
    rc=$?
    if [ "$rc" != "$want" ]; then
        _fail "$* (exit $rc, wanted $want)"
        sed 's/^/  err: /' "$T/err" >&2
        return
    fi
    if python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert isinstance(d, dict), "not an object"
assert isinstance(d.get("error"), str) and d["error"], "no error message"
assert d.get("exit") == int(sys.argv[2]), "exit %r" % d.get("exit")
' "$T/out" "$want" 2>"$T/py"; then
        _pass
    else
        _fail "$*: stdout is not one JSON error object: $(cat "$T/py")"
        head -5 "$T/out" >&2
    fi
}

# Usage errors, before and inside each command.
json_error 2 "$ZX" nosuchcommand --json
json_error 2 "$ZX" --db "" list --json
json_error 2 "$ZX" --bogus list --json
for c in crawl ingest inspect lineage list reindex search show stats verify; do
    json_error 2 "$ZX" --db "$DB" "$c" --json --bogus
done
json_error 2 "$ZX" --db "$DB" crawl --json --parallel 0
json_error 2 "$ZX" --db "$DB" crawl --json extra
json_error 2 "$ZX" --db "$DB" lineage --json
json_error 2 "$ZX" --db "$DB" lineage --format json --min-confidence 2 x
json_error 2 "$ZX" --db "$DB" show --json
json_error 2 "$ZX" --db "$DB" search --json
json_error 2 "$ZX" --db "$DB" ingest --json
json_error 2 "$ZX" --db "$DB" ingest --json --id 'bad id' "$ZOO/zoodex-demo/tinybert-base"
check test ! -e "$DB"

# No index there.
for c in list reindex stats verify; do
    json_error 5 "$ZX" --db "$T/none" "$c" --json
done
json_error 5 "$ZX" --db "$T/none" show --json x
json_error 5 "$ZX" --db "$T/none" lineage --json x
json_error 5 "$ZX" --db "$T/none" search --json x
# -j, the short form, is --json too, for every command (rm, prune,
# backup, reindex and stats included).
json_error 5 "$ZX" --db "$T/none" rm -j x/y
json_error 5 "$ZX" --db "$T/none" prune -j
json_error 5 "$ZX" --db "$T/none" reindex -j
json_error 2 "$ZX" --db "$T/none" stats -j extra
json_error 5 "$ZX" --db "$T/none" backup -j "$T/bk"
# Missing or unreadable inputs, models not indexed.
json_error 1 "$ZX" inspect --json "$T/missing.safetensors"
json_error 1 "$ZX" --db "$DB" ingest --json "$T/missing"
ok "$ZX" --db "$DB" ingest "$ZOO"
json_error 5 "$ZX" --db "$DB" show --json no/such-model
json_error 5 "$ZX" --db "$DB" lineage --json no/such-model
json_error 2 "$ZX" --db "$DB" show --json tinyresnet-colors
json_error 2 "$ZX" --db "$DB" lineage --format json tinyresnet-colors
# An index that cannot be opened for writing: a file where
# the index folder should be.
: >"$T/afile"
json_error 1 "$ZX" --db "$T/afile" ingest --json "$ZOO/zoodex-demo/tinybert-base"

# The Hub: unreachable, offline, refusing.
json_error 2 env HF_ENDPOINT=not-a-url "$ZX" --db "$T/c" crawl --json
json_error 8 env HF_HUB_OFFLINE=1 HF_HUB_CACHE="$T/no-cache" \
    "$ZX" --db "$T/h" ingest --json zoodex-demo/tinybert-base
if command -v python3 >/dev/null 2>&1; then
    : >"$T/faults.json"
    start_mock --repos "$ZOO" --faults "$T/faults.json"
    # A refused listing: the counts so far, the error, exit 1.
    faults '{"rules": [{"match": "^/api/models", "fault": "401"}]}'
    sleep 0.05
    "$ZX" --db "$T/c" crawl --json >"$T/out" 2>"$T/err"
    rc=$?
    check test "$rc" -eq 1
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert d["exit"] == 1 and "HTTP 401" in d["error"], d
assert d["new"] == 0
' "$T/out"
    check test $? -eq 0
    grep_ok 'refused the model listing: HTTP 401' "$T/err"
    # A listing that keeps failing: exit 6, also with an error.
    faults '{"rules": [{"match": "^/api/models", "fault": "503"}]}'
    sleep 0.05
    "$ZX" --db "$T/c" crawl --json --retries 0 >"$T/out" 2>"$T/err"
    rc=$?
    check test "$rc" -eq 6
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert d["exit"] == 6 and d["error"], d
' "$T/out"
    check test $? -eq 0
    faults '{"rules": []}'
    sleep 0.05
    # Offline: no request, exit 8, JSON.
    "$ZX" --db "$T/c" crawl --json >"$T/out" 2>"$T/err"
    check test $? -eq 0
    HF_HUB_OFFLINE=1 "$ZX" --db "$T/c" crawl --json >"$T/out" 2>"$T/err"
    rc=$?
    check test "$rc" -eq 8
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert d["exit"] == 8 and d["error"], d
' "$T/out"
    check test $? -eq 0
    # Plurals: a crawl with nothing new made one request.
    ok "$ZX" --db "$T/c" crawl
    grep_ok 'in 1 request \(0 retries\)' "$T/out"
    stop_mock
fi
done_testing
