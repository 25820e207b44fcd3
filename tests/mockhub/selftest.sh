#!/bin/sh
# tests/mockhub/selftest.sh - start mockhub.py on a copy of fixtures/zoo,
# exercise every endpoint, knob and fault kind with curl, check the answers
# against shared/docs/hub.md, stop the servers, and print
# "mockhub-selftest: N passed, N failed" (exit status 1 on any failure).
# Environment: PYTHON (default python3), CURL (default curl).
# SPDX-License-Identifier: MIT
set -u
here=$(cd "${0%/*}" && pwd)
root=$(cd "$here/../.." && pwd)
PY=${PYTHON:-python3}
CURL=${CURL:-curl}
pass=0 fail=0 code=0 rc=0
T=$(mktemp -d "${TMPDIR:-/tmp}/mockhub-test.XXXXXX")
: >"$T/h"
: >"$T/b"
pids=""
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null; done
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

_pass() { pass=$((pass + 1)); }
_fail() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

# ----- helpers -----

# fetch [curl args...] URL: headers in $T/h, body in $T/b, the status in
# $code and curl's exit status in $rc.
fetch() {
    : >"$T/h"
    : >"$T/b"
    code=$("$CURL" -s -D "$T/h" -o "$T/b" -w '%{http_code}' "$@")
    rc=$?
}
status() { # status WANT WHAT
    if [ "$code" = "$1" ]; then _pass; else _fail "$2: status $code, wanted $1"; fi
}
hdr() { # hdr ERE WHAT: the last response's headers match
    if tr -d '\r' <"$T/h" | grep -Eiq -- "$1"; then _pass; else
        _fail "$2: no header matching '$1'"; fi
}
nohdr() {
    if tr -d '\r' <"$T/h" | grep -Eiq -- "$1"; then
        _fail "$2: unexpected header matching '$1'"; else _pass; fi
}
# py EXPR WHAT: a Python expression over the last response is true.
# Checks are queued with a copy of the response and run in one Python
# process by flush (Python starts slowly).  Names: b (body bytes), j
# (parsed JSON or None), h (last header block, lower-case keys), st
# (status), E (os.environ), f(path) repo file bytes, sha256/sha1/gitsha,
# compact(obj), ordered(d, keys), repo_sha(id), st_parse(bytes).
nq=0
mkdir "$T/q"
py() {
    nq=$((nq + 1))
    cp "$T/b" "$T/q/$nq.b"
    cp "$T/h" "$T/q/$nq.h"
    printf '%s\n%s\n%s\n' "$code" "$1" "$2" >"$T/q/$nq.x"
}
flush() {
    [ $nq -gt 0 ] || return 0
    res=$("$PY" "$T/check.py" "$T/q" $nq) || res="0 $nq"
    pass=$((pass + ${res% *}))
    fail=$((fail + ${res#* }))
    rm -f "$T/q/"*
    nq=0
}
ids_of() { grep -o "\"$1\":\"[^\"]*\"" "$T/b" | sed 's/^"[^"]*":"//; s/"$//'; }
check() { # check WHAT CMD...: the command succeeds
    what=$1; shift
    if "$@"; then _pass; else _fail "$what"; fi
}
faults() { # faults JSON: replace the rules file (a new inode every time)
    printf '%s\n' "$1" >"$T/faults.tmp"
    mv "$T/faults.tmp" "$T/faults.json"
}
link_of() { tr -d '\r' <"$T/h" | sed -n 's/^[Ll]ink: <\([^>]*\)>; rel="next".*/\1/p'; }
start() { # start NAME ARGS...: run mockhub, set API and CDN
    name=$1; shift
    rm -f "$T/$name.port"
    "$PY" "$here/mockhub.py" --port-file "$T/$name.port" "$@" \
        >"$T/$name.out" 2>"$T/$name.err" &
    last_pid=$!
    pids="$pids $last_pid"
    i=0
    while [ ! -s "$T/$name.port" ] && [ $i -lt 150 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    read -r API CDN <"$T/$name.port" || { API=; CDN=; }
}
stop() { # stop PID: SIGTERM, must exit 0 within 3 s
    kill -TERM "$1"
    i=0
    while kill -0 "$1" 2>/dev/null && [ $i -lt 30 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    if kill -0 "$1" 2>/dev/null; then
        _fail "server $1 still running 3 s after SIGTERM"
        kill -KILL "$1"
    else
        _pass
    fi
    wait "$1"
    check "exit status 0 after SIGTERM" test $? -eq 0
}

cat >"$T/check.py" <<'EOF'
import hashlib, json, os, re, sys
E = os.environ
def f(p):
    return open(os.path.join(E["REPOS"], p), "rb").read()
def sha256(x):
    return hashlib.sha256(x).hexdigest()
def sha1(x):
    return hashlib.sha1(x).hexdigest()
def gitsha(x):
    return hashlib.sha1(b"blob %d\0" % len(x) + x).hexdigest()
def compact(o):
    return json.dumps(o, separators=(",", ":"), ensure_ascii=False).encode()
def ordered(d, order):
    return list(d) == [k for k in order if k in d]
LIST_ORDER = ["_id", "id", "likes", "trendingScore", "private", "downloads",
              "tags", "pipeline_tag", "library_name", "createdAt", "modelId"]
INFO_ORDER = ["_id", "id", "private", "pipeline_tag", "library_name", "tags",
              "downloads", "likes", "modelId", "author", "sha",
              "lastModified", "gated", "disabled", "model-index", "config",
              "cardData", "transformersInfo", "siblings", "spaces",
              "createdAt", "safetensors", "usedStorage"]
def repo_sha(rid):
    base = os.path.join(E["REPOS"], rid)
    items = []
    for dp, dn, fn in os.walk(base):
        for n in fn:
            p = os.path.relpath(os.path.join(dp, n), base)
            if p != ".hub.json":
                items.append((p.encode(), p))
    items.sort()
    return sha1("".join("%s\0%s\n" % (p, sha256(f(rid + "/" + p)))
                        for _, p in items).encode())
def st_parse(x):
    import struct
    n = struct.unpack("<Q", x[:8])[0]
    hdr = json.loads(x[8:8 + n])
    ends = sorted(v["data_offsets"] for k, v in hdr.items()
                  if k != "__metadata__")
    ok = ends[0][0] == 0 and all(a[1] == b_[0] for a, b_ in zip(ends, ends[1:]))
    ok = ok and 8 + n + ends[-1][1] == len(x)
    for k, v in hdr.items():
        if k == "__metadata__":
            continue
        ok = ok and v["dtype"] == "F32" and len(v["shape"]) == 2 and \
            v["data_offsets"][1] - v["data_offsets"][0] == \
            4 * v["shape"][0] * v["shape"][1]
    return hdr if ok else None
def load(q, i):
    b = open("%s/%d.b" % (q, i), "rb").read()
    raw = open("%s/%d.h" % (q, i), "rb").read().decode("latin-1")
    blocks = [x for x in raw.split("\r\n\r\n") if x.strip()]
    h = {}
    for line in (blocks[-1].split("\r\n")[1:] if blocks else []):
        k, _, v = line.partition(":")
        h[k.strip().lower()] = v.strip()
    try:
        j = json.loads(b)
    except Exception:
        j = None
    return b, h, j
npass = nfail = 0
for i in range(1, int(sys.argv[2]) + 1):
    code, expr, what = open("%s/%d.x" % (sys.argv[1], i)).read().split("\n")[:3]
    b, h, j = load(sys.argv[1], i)
    env = dict(globals(), b=b, h=h, j=j,
               st=int(code) if code.isdigit() else 0)
    try:
        ok = eval(expr, env)
        err = ""
    except Exception as e:
        ok, err = False, "%s: %s" % (type(e).__name__, e)
    if ok:
        npass += 1
    else:
        nfail += 1
        sys.stderr.write("FAIL: %s: %s\n" % (what, expr))
        if err:
            sys.stderr.write("  %s\n" % err)
print(npass, nfail)
EOF

# ----- the repos: the sample zoo plus gated, private, renamed, disabled
# repos, a sub-folder and a large non-weight file -----

REPOS=$T/repos
export REPOS
cp -R "$root/fixtures/zoo" "$REPOS"
printf '{"gated": "manual"}\n' >"$REPOS/acme-nlp/tinybert-emotion/.hub.json"
printf '{"private": true}\n' >"$REPOS/mirror-org/tinyresnet-colors/.hub.json"
printf '{"renamed_from": ["pixel-co/old-colors", "oldcolors"]}\n' \
    >"$REPOS/pixel-co/tinyresnet-colors-v2/.hub.json"
printf '{"disabled": true}\n' >"$REPOS/vision-demo/tinyresnet-colors/.hub.json"
S=$REPOS/solo-dev/tinybert-intent
mkdir -p "$S/onnx/fp16"
printf 'onnx-bytes\n' >"$S/onnx/model.onnx"
printf 'fp16-onnx-bytes\n' >"$S/onnx/fp16/model.onnx"
head -c 1100000 /dev/zero | tr '\0' 'a' >"$S/big.txt"
faults '{"rules": []}'
nlist=0 ntiny=0
for d in "$REPOS"/*/*/; do
    case $d in */mirror-org/tinyresnet-colors/) continue ;; esac
    nlist=$((nlist + 1))
    case $d in */*tinybert*/) ntiny=$((ntiny + 1)) ;; esac
done
export nlist

start main --repos "$REPOS" --log "$T/log" --faults "$T/faults.json" \
    --generate 250 --page-size 100 --max-limit 200
MAIN=$last_pid
export API CDN
printf '%s %s\n' "$API" "$CDN" >"$T/b"
py 're.fullmatch(rb"http://127\.0\.0\.1:\d+ http://127\.0\.0\.2:\d+\n", b)' \
    "port file holds API_URL CDN_URL"
[ -n "$API" ] || { echo "mockhub did not start" >&2; cat "$T/main.err" >&2; exit 1; }

# ===== /api/models (hub.md 1.1) =====

fetch "$API/api/models"
status 200 "list"
hdr '^content-type: application/json; charset=utf-8$' "list content type"
hdr '^x-powered-by: huggingface-moon$' "x-powered-by"
hdr '^x-request-id: Root=1-[0-9a-f]{8}-[0-9a-f]{24}$' "x-request-id"
hdr '^ratelimit: "api";r=[0-9]+;t=[0-9]+$' "RateLimit"
hdr '^ratelimit-policy: "fixed window";"api";q=[0-9]+;w=300$' "RateLimit-Policy"
py 'b == compact(j)' "list JSON is compact"
py 'len(j) == 100' "default limit is --page-size"
py 'all(ordered(e, LIST_ORDER) and {"_id","id","likes","trendingScore","private","downloads","tags","createdAt","modelId"} <= set(e) for e in j)' \
    "default list entry keys and order"
py 'all(e["modelId"] == e["id"] and re.fullmatch("[0-9a-f]{24}", e["_id"]) and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z", e["createdAt"]) for e in j)' \
    "list field shapes"
py 'all((a["trendingScore"], b_["_id"]) >= (b_["trendingScore"], a["_id"]) for a, b_ in zip(j, j[1:]))' \
    "default sort: trendingScore desc, _id asc"
hdr '^link: <http://127\.0\.0\.1:[0-9]+/api/models\?cursor=[^>]+>; rel="next"$' "absolute Link"

fetch "$API/api/models?search=TINYBERT&limit=200"
py "len(j) == $ntiny and all('tinybert' in e['id'] for e in j)" "search is a case-insensitive id substring"
nohdr '^link:' "no Link on the last page"
fetch "$API/api/models?author=acme-nlp"
py 'sorted(e["id"] for e in j) == ["acme-nlp/tinybert-emotion", "acme-nlp/tinybert-topic-news"]' "author"
fetch "$API/api/models?filter=bert&filter=license:mit"
py 'j and all({"bert", "license:mit"} <= set(e["tags"]) for e in j)' "repeated filter is ANDed"
fetch "$API/api/models?filter=base_model:finetune:zoodex-demo/tinybert-base"
py '"acme-nlp/tinybert-emotion" in [e["id"] for e in j]' "lineage filter"
fetch "$API/api/models?pipeline_tag=image-classification&limit=200"
py 'j and all(e["pipeline_tag"] == "image-classification" for e in j)' "pipeline_tag"
for s in downloads likes createdAt lastModified id; do
    if [ $s = id ]; then
        fetch "$API/api/models?sort=id&limit=200"
    else
        fetch "$API/api/models?sort=$s&direction=1&limit=200&expand=$s"
    fi
    py "all(a['$s'] >= c['$s'] for a, c in zip(j, j[1:]))" "sort=$s is descending"
done
fetch "$API/api/models?sort=bogus"
status 400 "unknown sort"
fetch "$API/api/models?limit=5000&author=gen-org-1"
py 'len(j) == 100' "author over synthetic repos"
fetch "$API/api/models?limit=5000"
py 'len(j) == 200' "limit capped at --max-limit"
fetch "$API/api/models?limit=abc"
status 400 "non-numeric limit"
fetch "$API/api/models?cursor=notacursor"
status 400 "bad cursor"
py 'isinstance(j["error"], str)' "400 body is {\"error\": ...}"

# expand (hub.md 1.1: only _id, id and the requested fields)
fetch "$API/api/models?search=tinybert&expand=author&expand%5B%5D=sha&expand[]=gated"
status 200 "expand"
py 'all(list(e) == ["_id", "id", "author", "sha", "gated"] for e in j)' "expand returns _id, id + requested"
py '[e["gated"] for e in j if e["id"] == "acme-nlp/tinybert-emotion"] == ["manual"]' "gated repos are listed"
fetch "$API/api/models?expand=bogus"
status 400 "unknown expand value"
py '"must be one of" in j["error"]' "expand error text"
fetch "$API/api/models?expand[]=_id"
status 400 "expand[]=_id"
fetch "$API/api/models?expand=cardData.license"
status 400 "nested expand"
fetch "$API/api/models?expand=author&full=true"
status 400 "expand with full"
fetch "$API/api/models?expand=author&config=true"
status 400 "expand with config"
fetch "$API/api/models?search=zoodex-demo/tinybert-base&full=true&cardData=true&config=true"
py 'len(j) == 1 and {"siblings","sha","lastModified","author","cardData","config","modelId"} <= set(j[0])' "full/cardData/config"
py '[s["rfilename"] for s in j[0]["siblings"]] == ["README.md", "config.json", "model.safetensors"]' "full siblings"

# every page, Link carrying every parameter, no duplicates (hub.md 1.1)
url="$API/api/models?limit=7&sort=likes&direction=-1&filter=region:us"
pages=0 linkok=1
: >"$T/ids"
while [ -n "$url" ] && [ $pages -lt 100 ]; do
    fetch "$url"
    ids_of id >>"$T/ids"
    pages=$((pages + 1))
    url=$(link_of)
    case $url in
    "") ;;
    "$API/api/models?limit=7&sort=likes&direction=-1&filter=region%3Aus&cursor="* | \
    "$API/api/models?limit=7&sort=likes&direction=-1&filter=region:us&cursor="*) ;;
    *) linkok=0 ;;
    esac
done
check "Link keeps every parameter" test $linkok -eq 1
check "paging reaches every public repo once ($(wc -l <"$T/ids") of $((nlist + 250)))" \
    test "$(sort -u "$T/ids" | wc -l)" -eq $((nlist + 250)) -a "$(wc -l <"$T/ids")" -eq $((nlist + 250))
check "private repos are never listed" test "$(grep -c '^mirror-org/tinyresnet-colors$' "$T/ids")" -eq 0
check "$pages pages of 7" test $pages -eq $(((nlist + 250 + 6) / 7))

# keyset pagination is stable under inserts (hub.md 1.1)
fetch "$API/api/models?sort=likes&limit=60"
ids_of id >"$T/ids2"
url=$(link_of)
mkdir -p "$REPOS/new-org/top-model" "$REPOS/new-org/low-model"
cp "$REPOS/zoodex-demo/tinybert-base/"* "$REPOS/new-org/top-model/"
cp "$REPOS/zoodex-demo/tinybert-base/"* "$REPOS/new-org/low-model/"
printf '{"likes": 1000000}\n' >"$REPOS/new-org/top-model/.hub.json"
printf '{"likes": 0, "_id": "000000000000000000000000"}\n' >"$REPOS/new-org/low-model/.hub.json"
: >"$REPOS/.reload"
while [ -n "$url" ]; do
    fetch "$url"
    ids_of id >>"$T/ids2"
    url=$(link_of)
done
check ".reload is consumed" test ! -e "$REPOS/.reload"
check "no duplicates across an insert" test "$(sort "$T/ids2" | uniq -d | wc -l)" -eq 0
check "the insert above the cursor is not seen" test "$(grep -c '^new-org/top-model$' "$T/ids2")" -eq 0
check "the insert below the cursor is seen" test "$(grep -c '^new-org/low-model$' "$T/ids2")" -eq 1
check "every earlier repo is seen" test "$(grep -vc '^new-org/' "$T/ids2")" -eq $((nlist + 250))

# ===== model info (hub.md 1.2) =====

fetch "$API/api/models/zoodex-demo/tinybert-base"
status 200 "model info"
py 'b == compact(j) and ordered(j, INFO_ORDER) and set(INFO_ORDER) - set(j) <= {"transformersInfo"}' "model info keys and order"
py 'j["sha"] == repo_sha("zoodex-demo/tinybert-base")' "sha = sha1 over (path, sha256)"
py 'j["_id"] == sha1(b"id:zoodex-demo/tinybert-base")[:24]' "_id default"
py 'j["config"] == {"architectures": ["BertForSequenceClassification"], "model_type": "bert"}' "config subset"
py 'j["cardData"]["license"] == "apache-2.0" and j["cardData"]["tags"] == ["bert", "tiny", "zoodex-fixture"]' "cardData from front matter"
py 'j["tags"][:4] == ["transformers", "safetensors", "bert", "text-classification"] and "license:apache-2.0" in j["tags"] and j["tags"][-1] == "region:us"' "computed tags"
py 'j["safetensors"] == {"parameters": {"F32": 22434}, "total": 22434}' "safetensors parameters"
py 'j["lastModified"] >= j["createdAt"] and j["gated"] is False and j["disabled"] is False and j["author"] == "zoodex-demo"' "dates and flags"
SHA=$(ids_of sha)
SHORT=$(printf '%s' "$SHA" | cut -c1-7)
for rev in main HEAD "$SHA" "$SHORT" refs%2Fheads%2Fmain; do
    fetch "$API/api/models/zoodex-demo/tinybert-base/revision/$rev"
    py "st == 200 and j['sha'] == '$SHA'" "revision $rev"
done
fetch "$API/api/models/other-lab/minibert-lang"
py '[j["safetensors"]["parameters"]] == [m["params_by_dtype"] for m in json.load(open(E["REPOS"] + "/MANIFEST.json"))["models"] if m["id"] == "other-lab/minibert-lang"] and "cardData" not in j' "sharded safetensors total, no front matter"
for rev in 0123456789abcdef refs%2Fpr%2F1 dev; do
    fetch "$API/api/models/zoodex-demo/tinybert-base/revision/$rev"
    status 404 "unknown revision $rev"
    hdr '^x-error-code: RevisionNotFound$' "RevisionNotFound"
done
fetch "$API/api/models/nobody/nothing"
status 401 "missing repo, anonymous"
nohdr '^x-error-code:' "anonymous 401 has no X-Error-Code"
hdr '^x-error-message: Invalid username or password\.$' "anonymous 401 message"
py 'j == {"error": "Invalid username or password."}' "anonymous 401 body"
hdr '^ratelimit: ' "RateLimit on errors"
fetch -H 'Authorization: Bearer hf_test' "$API/api/models/nobody/nothing"
status 404 "missing repo, token"
hdr '^x-error-code: RepoNotFound$' "RepoNotFound with a token"
fetch "$API/api/models/mirror-org/tinyresnet-colors"
status 401 "private repo, anonymous"
fetch -H 'Authorization: Bearer hf_test' "$API/api/models/mirror-org/tinyresnet-colors"
status 404 "private repo, token"
fetch "$API/api/models/acme-nlp/tinybert-emotion"
status 200 "gated model info is public"
py 'j["gated"] == "manual"' "gated value"
fetch "$API/api/models/solo-dev/tinybert-intent?blobs=true"
py 'all(set(s) >= {"rfilename", "size", "blobId"} for s in j["siblings"])' "blobs=true siblings"
py '[s["lfs"]["sha256"] for s in j["siblings"] if s["rfilename"] == "model.safetensors"] == [sha256(f("solo-dev/tinybert-intent/model.safetensors"))]' "siblings lfs.sha256"
py '[s.get("lfs") for s in j["siblings"] if s["rfilename"] == "config.json"] == [None]' "small files are not LFS"
py '[s["blobId"] for s in j["siblings"] if s["rfilename"] == "config.json"] == [gitsha(f("solo-dev/tinybert-intent/config.json"))]' "blobId is the git blob sha1"
py '"lfs" in [s for s in j["siblings"] if s["rfilename"] == "big.txt"][0]' "files >= 1 MiB are LFS"
py '[s["rfilename"] for s in j["siblings"]] == sorted(s["rfilename"] for s in j["siblings"])' "siblings sorted"
fetch "$API/api/models/zoodex-demo/tinybert-base?expand=childrenModelCount&expand=baseModels&expand=downloadsAllTime"
py 'list(j) == ["_id", "id", "downloadsAllTime", "childrenModelCount"] and j["childrenModelCount"]["finetune"] >= 1' "expand on model info"
fetch "$API/api/models/acme-nlp/tinybert-emotion?expand[]=baseModels"
py 'j["baseModels"] == {"relation": "finetune", "models": [{"_id": sha1(b"id:zoodex-demo/tinybert-base")[:24], "id": "zoodex-demo/tinybert-base"}]}' "baseModels"
fetch "$API/api/models/quant-lab/tinybert-topic3-fp16?expand=tags"
py '"base_model:quantized:zoodex-demo/tinybert-topic3" in j["tags"]' "base_model relation tags"
fetch "$API/api/models/zoodex-demo/tinybert-base?expand=nope"
status 400 "model info unknown expand"
fetch "$API/api/models/zoodex-demo/tinybert-base?securityStatus=true"
py 'j["securityRepoStatus"]["scansDone"] is True' "securityStatus=true"
fetch "$API/api/models/zoodex-demo/tinybert-base/refs"
py "j['branches'][0]['targetCommit'] == '$SHA'" "refs"
fetch -I "$API/api/models/zoodex-demo/tinybert-base"
py 'st == 200 and int(h["content-length"]) > 100 and "x-request-id" in h' "HEAD on the API"

# ===== tree (hub.md 1.3) =====

fetch "$API/api/models/solo-dev/tinybert-intent/tree/main"
status 200 "tree"
py '[e["path"] for e in j] == ["onnx", "README.md", "big.txt", "config.json", "model.safetensors"]' "tree: directories first, sorted"
py 'all(list(e) == (["type", "oid", "size", "lfs", "path"] if "lfs" in e else ["type", "oid", "size", "path"]) for e in j)' "tree entry key order"
py 'j[0] == {"type": "directory", "oid": j[0]["oid"], "size": 0, "path": "onnx"}' "directory entry"
py '[e for e in j if e["path"] == "config.json"][0]["oid"] == gitsha(f("solo-dev/tinybert-intent/config.json"))' "file oid is the git blob sha1"
py '[e["lfs"] for e in j if e["path"] == "model.safetensors"][0]["oid"] == sha256(f("solo-dev/tinybert-intent/model.safetensors"))' "lfs.oid is the sha256"
py '[e["size"] for e in j if e["path"] == "big.txt"] == [1100000]' "size of an LFS file is the real size"
fetch "$API/api/models/solo-dev/tinybert-intent/tree/main?recursive=true"
py '[e["path"] for e in j] == ["onnx", "onnx/fp16", "README.md", "big.txt", "config.json", "model.safetensors", "onnx/fp16/model.onnx", "onnx/model.onnx"]' "recursive tree"
fetch "$API/api/models/solo-dev/tinybert-intent/tree/main/onnx%2Ffp16"
py '[e["path"] for e in j] == ["onnx/fp16/model.onnx"]' "tree sub-path with %2F"
fetch "$API/api/models/solo-dev/tinybert-intent/tree/$SHORT/onnx"
status 404 "tree at a foreign short sha"
fetch "$API/api/models/solo-dev/tinybert-intent/tree/main/onnx"
py '[e["path"] for e in j] == ["onnx/fp16", "onnx/model.onnx"]' "tree sub-path"
fetch "$API/api/models/solo-dev/tinybert-intent/tree/main/nope"
status 404 "tree of a missing path"
hdr '^x-error-code: EntryNotFound$' "tree EntryNotFound"
fetch "$API/api/models/solo-dev/tinybert-intent/tree/main?expand=true"
py 'all("lastCommit" in e for e in j)' "tree expand=true"
url="$API/api/models/solo-dev/tinybert-intent/tree/main?recursive=true&limit=3"
: >"$T/paths"
pages=0
while [ -n "$url" ] && [ $pages -lt 20 ]; do
    fetch "$url"
    ids_of path >>"$T/paths"
    pages=$((pages + 1))
    url=$(link_of)
    case $url in "" | "$API/api/models/solo-dev/tinybert-intent/tree/main?recursive=true&limit=3&cursor="*) ;; *) pages=99 ;; esac
done
check "tree pagination: 3 pages, absolute Link with the parameters" test $pages -eq 3
check "tree pagination: all 8 entries once" test "$(sort -u "$T/paths" | wc -l)" -eq 8 -a "$(wc -l <"$T/paths")" -eq 8
fetch "$API/api/models/acme-nlp/tinybert-emotion/tree/main"
status 200 "tree of a gated repo is public"

# ===== resolve (hub.md 2.2-2.6) =====

R=$API/solo-dev/tinybert-intent/resolve/main
fetch "$API/api/models/solo-dev/tinybert-intent"
ISHA=$(ids_of sha)
fetch -I "$R/config.json"
status 307 "regular file: 307"
hdr "^location: /api/resolve-cache/models/solo-dev/tinybert-intent/$ISHA/config\.json\?" "relative resolve-cache Location"
hdr "^x-repo-commit: $ISHA$" "307 X-Repo-Commit"
hdr '^content-type: text/plain; charset=utf-8$' "redirect content type"
hdr '^ratelimit: "resolvers";r=[0-9]+;t=[0-9]+$' "resolvers bucket"
fetch "$R/config.json"
py 'int(h["content-length"]) == len(b) and b.startswith(b"Temporary Redirect")' "307 body"
RC=$API/api/resolve-cache/models/solo-dev/tinybert-intent/$ISHA/config.json
fetch "$RC"
status 200 "resolve-cache"
py 'b == f("solo-dev/tinybert-intent/config.json")' "resolve-cache body"
py 'h["etag"] == "\"%s\"" % gitsha(b)' "resolve-cache ETag is the git blob sha1"
hdr "^x-repo-commit: $ISHA$" "resolve-cache X-Repo-Commit"
hdr '^accept-ranges: bytes$' "resolve-cache Accept-Ranges"
fetch -I "$RC"
py 'st == 200 and int(h["content-length"]) == len(f("solo-dev/tinybert-intent/config.json")) and "etag" in h' "HEAD resolve-cache"
fetch -L "$R/config.json"
py 'st == 200 and b == f("solo-dev/tinybert-intent/config.json")' "curl -L through the 307"
fetch -H 'Range: bytes=2-5' "$RC"
py 'st == 206 and b == f("solo-dev/tinybert-intent/config.json")[2:6] and h["content-range"] == "bytes 2-5/%d" % len(f("solo-dev/tinybert-intent/config.json"))' "Range a-b"
fetch -H 'Range: bytes=-4' "$RC"
py 'st == 206 and b == f("solo-dev/tinybert-intent/config.json")[-4:]' "Range -n"
fetch -H 'Range: bytes=10-' "$RC"
py 'st == 206 and b == f("solo-dev/tinybert-intent/config.json")[10:]' "Range a-"
fetch -H 'Range: bytes=99999-' "$RC"
py 'st == 416 and h["content-range"] == "bytes */%d" % len(f("solo-dev/tinybert-intent/config.json"))' "416"
fetch -H 'Range: bytes=0-1,4-5' "$RC"
status 200 "multi-range is ignored"

fetch "$R/model.safetensors"
status 302 "LFS file: 302"
hdr '^location: http://127\.0\.0\.2:[0-9]+/repos/[0-9a-f]{24}/[0-9a-f]{64}\?.*X-Amz-Signature=' "absolute signed CDN Location"
py 'h["x-linked-etag"] == "\"%s\"" % sha256(f("solo-dev/tinybert-intent/model.safetensors"))' "X-Linked-Etag is the quoted sha256"
py 'int(h["x-linked-size"]) == len(f("solo-dev/tinybert-intent/model.safetensors"))' "X-Linked-Size"
py 'int(h["content-length"]) == len(b) < 1000' "302 Content-Length is the redirect body"
hdr "^x-repo-commit: $ISHA$" "302 X-Repo-Commit"
LOC=$(tr -d '\r' <"$T/h" | sed -n 's/^[Ll]ocation: //p')
fetch "$LOC"
py 'st == 200 and b == f("solo-dev/tinybert-intent/model.safetensors")' "CDN body"
py 'h["etag"].strip("\"") != sha256(b) and h["accept-ranges"] == "bytes"' "CDN ETag is not the sha256"
nohdr '^x-powered-by:' "the CDN sends no Hub headers"
fetch -H 'Range: bytes=0-7' "$LOC"
py 'st == 206 and len(b) == 8 and h["content-range"] == "bytes 0-7/%d" % len(f("solo-dev/tinybert-intent/model.safetensors"))' "CDN Range"
fetch -H 'Range: bytes=-0' "$LOC"
status 416 "CDN 416"
hdr '^content-range: bytes \*/[0-9]+$' "CDN 416 Content-Range"
fetch -I "$LOC"
py 'st == 200 and int(h["content-length"]) == len(f("solo-dev/tinybert-intent/model.safetensors"))' "CDN HEAD"
fetch "$(printf '%s' "$LOC" | sed 's/X-Amz-Signature=./X-Amz-Signature=g/')"
status 403 "tampered CDN signature"
fetch -H 'Authorization: Bearer hf_secret' -L "$R/model.safetensors"
py 'st == 200 and b == f("solo-dev/tinybert-intent/model.safetensors")' "curl -L through the 302 with a token"
fetch -I "$R/big.txt"
status 302 "large regular file goes to the CDN"
fetch -I "$R/onnx/fp16/model.onnx"
status 307 "nested path resolves"
fetch -I "$API/solo-dev/tinybert-intent/resolve/$SHORT/config.json"
status 404 "foreign short sha"
fetch -I "$API/solo-dev/tinybert-intent/resolve/$(printf '%s' "$ISHA" | cut -c1-9)/config.json"
status 307 "short sha revision"
fetch "$R/missing.bin"
status 404 "missing file"
hdr '^x-error-code: EntryNotFound$' "EntryNotFound"
hdr "^x-repo-commit: $ISHA$" "EntryNotFound carries X-Repo-Commit"
py 'b == b"Entry not found" and h["content-type"] == "text/plain; charset=utf-8"' "EntryNotFound text body"
fetch -I "$API/solo-dev/tinybert-intent/resolve/nobranch/config.json"
status 404 "resolve unknown revision"
hdr '^x-error-code: RevisionNotFound$' "resolve RevisionNotFound"
fetch "$API/acme-nlp/tinybert-emotion/resolve/main/config.json"
status 401 "gated file, anonymous"
hdr '^x-error-code: GatedRepo$' "GatedRepo (anonymous)"
hdr '^x-error-message: Access to model acme-nlp/tinybert-emotion is restricted\. You must have access to it and be authenticated' "GatedRepo message"
hdr '^www-authenticate: Bearer realm=' "WWW-Authenticate"
fetch -H 'Authorization: Bearer hf_x' "$API/acme-nlp/tinybert-emotion/resolve/main/model.safetensors"
status 403 "gated file, token"
hdr '^x-error-code: GatedRepo$' "GatedRepo (token)"
fetch "$API/nobody/nothing/resolve/main/config.json"
status 401 "resolve missing repo, anonymous"
py 'b == b"Invalid username or password."' "resolve errors are text"
fetch -H 'Authorization: Bearer hf_x' "$API/mirror-org/tinyresnet-colors/resolve/main/config.json"
status 404 "resolve private repo, token"
hdr '^x-error-code: RepoNotFound$' "resolve RepoNotFound"
fetch "$API/vision-demo/tinyresnet-colors/resolve/main/config.json"
status 403 "disabled repo"
hdr '^x-error-message: Access to this resource is disabled\.$' "disabled message"

# ===== renames (hub.md 1.6) =====

fetch "$API/api/models/pixel-co/old-colors?expand[]=author"
status 307 "renamed repo, API"
hdr '^location: /api/models/pixel-co/tinyresnet-colors-v2\?expand\[\]=author$' "relative Location keeps the query"
hdr '^ratelimit: ' "RateLimit on 307"
fetch "$API/pixel-co/old-colors/resolve/main/config.json?download=true"
status 307 "renamed repo, resolve"
hdr '^location: /pixel-co/tinyresnet-colors-v2/resolve/main/config\.json\?download=true$' "resolve rename Location"
fetch "$API/api/models/pixel-co/old-colors/tree/main"
hdr '^location: /api/models/pixel-co/tinyresnet-colors-v2/tree/main$' "tree rename Location"
fetch "$API/api/models/ZOODEX-DEMO/TinyBert-Base/revision/main"
hdr '^location: /api/models/zoodex-demo/tinybert-base/revision/main$' "case redirect"
fetch "$API/api/models/oldcolors"
hdr '^location: /api/models/pixel-co/tinyresnet-colors-v2$' "legacy single-name redirect"
fetch "$API/oldcolors/resolve/main/config.json"
hdr '^location: /pixel-co/tinyresnet-colors-v2/resolve/main/config\.json$' "legacy single-name resolve"
fetch -L "$API/pixel-co/old-colors/resolve/main/model.safetensors"
py 'st == 200 and b == f("pixel-co/tinyresnet-colors-v2/model.safetensors")' "rename then CDN"

# ===== synthetic repos (--generate) =====

fetch "$API/api/models/gen-org-0/model-00007"
py 'j["siblings"] == [{"rfilename": "model.safetensors"}] and j["safetensors"]["parameters"]["F32"] == j["safetensors"]["total"]' "synthetic model info"
TOTAL=$(grep -o '"total":[0-9]*' "$T/b" | cut -d: -f2)
fetch -I "$API/gen-org-0/model-00007/resolve/main/model.safetensors"
ETAG=$(tr -d '\r' <"$T/h" | sed -n 's/^[Xx]-[Ll]inked-[Ee]tag: "\(.*\)"/\1/p')
fetch -L "$API/gen-org-0/model-00007/resolve/main/model.safetensors"
cp "$T/b" "$T/gen1"
py "st == 200 and sha256(b) == '$ETAG' and 1000 < len(b) < 16000" "synthetic file matches X-Linked-Etag"
py "st_parse(b) is not None and sum(v['shape'][0] * v['shape'][1] for k, v in st_parse(b).items() if k != '__metadata__') == $TOTAL" "synthetic file is valid safetensors"
fetch -L "$API/gen-org-0/model-00007/resolve/main/model.safetensors"
check "synthetic files are deterministic" cmp -s "$T/b" "$T/gen1"
fetch -L -H 'Range: bytes=100-199' "$API/gen-org-0/model-00007/resolve/main/model.safetensors"
py "st == 206 and b == open('$T/gen1', 'rb').read()[100:200]" "synthetic Range"
fetch "$API/api/models?filter=base_model:finetune:gen-org-1/model-00100"
py 'sorted(e["id"] for e in j) == ["gen-org-1/model-%05d" % i for i in range(101, 105)]' "synthetic lineage"

# ===== reload: a changed file changes sha and lastModified =====

flush

fetch "$API/api/models/zoodex-demo/tinybert-base"
OLD="$(ids_of sha) $(ids_of lastModified)"
printf '\nchanged\n' >>"$REPOS/zoodex-demo/tinybert-base/README.md"
touch -d '2030-01-02 03:04:05 UTC' "$REPOS/zoodex-demo/tinybert-base/README.md"
fetch "$API/api/models/zoodex-demo/tinybert-base"
py "'%s %s' % (j['sha'], j['lastModified']) == '$OLD'" "no reload without .reload"
: >"$REPOS/.reload"
fetch "$API/api/models/zoodex-demo/tinybert-base"
py "j['sha'] != '$OLD'.split()[0] and j['sha'] == repo_sha('zoodex-demo/tinybert-base')" "reload: new sha"
py 'j["lastModified"] == "2030-01-02T03:04:05.000Z"' "reload: lastModified is the newest mtime"

# ===== faults =====

TB=/api/models/zoodex-demo/tinybert-base
faults '{"rules": [{"match": "^/api/models/zoodex-demo/tinybert-base$", "fault": "429", "times": 1, "retry_after": 7}]}'
fetch "$API$TB"
status 429 "fault 429"
hdr '^ratelimit: "api";r=0;t=7$' "429 RateLimit r=0;t=retry_after"
hdr '^retry-after: 7$' "429 Retry-After"
hdr '^ratelimit-policy: ' "429 RateLimit-Policy"
fetch "$API$TB"
status 200 "times: 1 applies once"
faults '{"rules": [{"match": "^/api/models/zoodex-demo/tinybert-base$", "fault": "429", "times": 1, "retry_after": 7}]}'
fetch "$API$TB"
status 429 "a rewritten file resets the counters"
faults '{"rules": [{"match": "tinybert-base$", "fault": "429-bare"}]}'
fetch "$API$TB"
status 429 "fault 429-bare"
nohdr '^(ratelimit|x-powered-by|x-request-id|retry-after)' "429-bare has no Hub headers"
for k in 500 502 503 408; do
    faults '{"rules": [{"match": "tinybert-base", "fault": "'$k'", "retry_after": 2}]}'
    fetch "$API$TB"
    status $k "fault $k"
done
hdr '^retry-after: 2$' "Retry-After on 5xx/408 when given"
faults '{"rules": [{"match": "tinybert-base$", "fault": "reset"}]}'
fetch "$API$TB"
check "fault reset: connection reset (curl 56, got $rc)" test $rc -eq 56
faults '{"rules": [{"match": "tinybert-base$", "fault": "truncate"}]}'
fetch "$API$TB"
check "fault truncate: partial body (curl 18, got $rc)" test $rc -eq 18
py 'st == 200 and len(b) * 2 in (int(h["content-length"]), int(h["content-length"]) - 1)' "truncate sends half"
faults '{"rules": [{"match": "tinybert-base$", "fault": "badlen"}]}'
fetch "$API$TB"
check "fault badlen: short body (curl 18, got $rc)" test $rc -eq 18
py 'int(h["content-length"]) > len(b) and b == compact(json.loads(b))' "badlen sends the whole body"
faults '{"rules": [{"match": "tinybert-base$", "fault": "badjson"}]}'
fetch "$API$TB"
py 'st == 200 and j is None and int(h["content-length"]) == len(b)' "fault badjson"
faults '{"rules": [{"match": "tinybert-base$", "fault": "slow", "delay_ms": 600}]}'
t=$("$CURL" -s -o /dev/null -w '%{time_total}' "$API$TB")
check "fault slow: $t s >= 0.6 s" awk -v t="$t" 'BEGIN { exit !(t >= 0.6) }'
faults '{"rules": [{"match": "tinybert-base", "fault": "gated"}]}'
fetch "$API$TB"
status 401 "fault gated (anonymous)"
hdr '^x-error-code: GatedRepo$' "fault gated code"
fetch -H 'Authorization: Bearer x' "$API$TB"
status 403 "fault gated (token)"
faults '{"rules": [{"match": "tinybert-base", "fault": "notfound"}]}'
fetch "$API$TB"
status 404 "fault notfound"
hdr '^x-error-code: RepoNotFound$' "fault notfound code"
faults '{"rules": [{"match": "tinybert-base", "fault": "entrynotfound"}]}'
fetch "$API/zoodex-demo/tinybert-base/resolve/main/config.json"
status 404 "fault entrynotfound"
hdr '^x-error-code: EntryNotFound$' "fault entrynotfound code"
hdr '^x-repo-commit: [0-9a-f]{40}$' "fault entrynotfound X-Repo-Commit"
faults '{"rules": [{"match": "tinybert-base", "fault": "private"}]}'
fetch "$API$TB"
status 401 "fault private"
hdr '^x-error-message: Invalid username or password\.$' "fault private message"
faults '{"rules": [{"match": "", "host": "cdn", "fault": "503"}]}'
fetch "$API$TB"
status 200 "host filter: the API is unaffected"
fetch -L "$R/model.safetensors"
status 503 "host filter: the CDN answers 503"
faults '{"rules": [{"match": "tinybert-base$", "method": "HEAD", "fault": "500"}]}'
fetch "$API$TB"
status 200 "method filter: GET unaffected"
fetch -I "$API$TB"
status 500 "method filter: HEAD faulted"
faults '{"rules": [{"match": "^/repos/", "host": "cdn", "fault": "reset"}]}'
fetch -L "$R/model.safetensors"
check "reset mid-download (curl 56, got $rc)" test $rc -eq 56
py '0 < len(b) < len(f("solo-dev/tinybert-intent/model.safetensors"))' "reset after some bytes"
faults '{"rules": [{"match": "^/repos/", "host": "cdn", "fault": "truncate"}]}'
fetch -L -H 'Range: bytes=0-999' "$R/model.safetensors"
check "truncate a ranged download (curl 18, got $rc)" test $rc -eq 18
py 'len(b) == 500' "truncate a ranged download: half"
faults '{"rules": [{"match": "^/repos/", "fault": "norange"}]}'
fetch -L -H 'Range: bytes=0-7' "$R/model.safetensors"
py 'st == 200 and len(b) == len(f("solo-dev/tinybert-intent/model.safetensors"))' "fault norange: 200 for a Range"
# CloudFront compresses for a client that accepts gzip, and then ignores
# Range (hub.md 2.3); without gzip the whole file comes as it is.
fetch -L -H 'Range: bytes=0-7' -H 'Accept-Encoding: gzip' "$R/model.safetensors"
status 200 "fault norange with gzip: 200"
hdr '^content-encoding: gzip' "fault norange with gzip: Content-Encoding"
nohdr '^content-range:' "fault norange with gzip: no Content-Range"
py '__import__("gzip").decompress(b) == f("solo-dev/tinybert-intent/model.safetensors")' "fault norange with gzip: the whole file, gzipped"
fetch -L -H 'Range: bytes=0-7' -H 'Accept-Encoding: identity' "$R/model.safetensors"
nohdr '^content-encoding:' "fault norange, identity: not compressed"
faults '{"rules": [{"match": "^/repos/", "fault": "shiftrange"}]}'
fetch -L -H 'Range: bytes=100-199' "$R/model.safetensors"
py 'st == 206 and h["content-range"] == "bytes 108-199/%d" % len(f("solo-dev/tinybert-intent/model.safetensors")) and b == f("solo-dev/tinybert-intent/model.safetensors")[108:200]' "fault shiftrange: a 206 that starts 8 bytes later"
fetch -L -H 'Range: bytes=0-3' "$R/model.safetensors"
py 'st == 206 and h["content-range"].startswith("bytes 0-3/")' "fault shiftrange: a range under 9 bytes is served as asked"
faults '{"rules": [{"match": "^/repos/", "fault": "expired"}]}'
fetch -L "$R/model.safetensors"
status 403 "fault expired"
py 'b"Request has expired" in b' "expired message"
# S3's answer to a presigned URL past its time, as CloudFront relays it.
hdr '^content-type: application/xml' "expired: XML"
hdr '^x-cache: Error from cloudfront' "expired: X-Cache"
py 'all(x in b for x in (b"<Code>AccessDenied</Code>", b"<X-Amz-Expires>3600</X-Amz-Expires>", b"<Expires>", b"<ServerTime>", b"<RequestId>", b"<HostId>"))' "expired: S3's fields"
nohdr '^x-error-code:' "expired: no Hub headers"
# per_path: `times` counts every path apart (each file's URL expires once).
faults '{"rules": [{"match": "^/repos/", "fault": "expired", "times": 1, "per_path": true}]}'
fetch -L "$R/model.safetensors"
status 403 "per_path: first request to a path"
fetch -L "$R/model.safetensors"
status 200 "per_path: second request to the same path"
fetch -L "$API/zoodex-demo/tinybert-base/resolve/main/model.safetensors"
status 403 "per_path: first request to another path"
# range: a regex on the Range header; no Range, no match.
faults '{"rules": [{"match": "^/repos/", "fault": "expired", "range": "^bytes=[1-9]"}]}'
fetch -L -H 'Range: bytes=0-7' "$R/model.safetensors"
status 206 "range: not matched"
fetch -L "$R/model.safetensors"
status 200 "range: no Range header, no match"
fetch -L -H 'Range: bytes=8-15' "$R/model.safetensors"
status 403 "range: matched"
faults '{"rules": [{"match": "tinybert-base", "fault": "429", "delay_ms": 300, "times": 1}]}'
t=$("$CURL" -s -o /dev/null -w '%{time_total}' "$API$TB")
check "delay_ms applies to any kind ($t s)" awk -v t="$t" 'BEGIN { exit !(t >= 0.3) }'
faults '{"rules": [{"match": "(", "fault": "500"}]}'
fetch "$API$TB"
status 200 "a broken faults file is ignored"
faults '{"rules": []}'

# ===== request log =====

cp "$T/log" "$T/b"
py 'all(list(json.loads(l)) == ["t", "server", "method", "path", "range", "encoding", "auth", "status", "bytes", "fault"] for l in b.splitlines())' "log lines"
py 'not any(json.loads(l)["auth"] for l in b.splitlines() if json.loads(l)["server"] == "cdn")' "Authorization never reaches the CDN"
py 'any(json.loads(l)["server"] == "cdn" for l in b.splitlines())' "CDN requests are logged"
py 'any(e["range"] == "bytes=0-7" and e["status"] == 206 and e["bytes"] == 8 for e in map(json.loads, b.splitlines()))' "log: range, status and bytes"
py 'any(e["range"] == "bytes=0-7" and e["encoding"] == "gzip" for e in map(json.loads, b.splitlines()))' "log: Accept-Encoding"
py 'any(e["fault"] == "truncate" and e["bytes"] == 500 for e in map(json.loads, b.splitlines()))' "log: fault and bytes really sent"
py 'any(e["auth"] and e["server"] == "api" for e in map(json.loads, b.splitlines()))' "log: auth"
py 'all(e["bytes"] == 0 for e in map(json.loads, b.splitlines()) if e["method"] == "HEAD") and sum(e["method"] == "HEAD" and e["server"] == "cdn" for e in map(json.loads, b.splitlines())) >= 1' "HEAD answers carry no body (api and cdn)"

# ===== robustness: malformed requests, keep-alive, concurrency =====

cat >"$T/raw.py" <<'EOF'
import socket, sys
host, port = sys.argv[1].split("//")[1].split(":")
s = socket.create_connection((host, int(port)), timeout=5)
s.sendall(sys.argv[2].encode("latin-1").decode("unicode_escape").encode("latin-1"))
out = b""
try:
    while True:
        d = s.recv(65536)
        if not d:
            break
        out += d
except socket.timeout:
    pass
sys.stdout.write(out.split(b"\r\n", 1)[0].decode("latin-1"))
EOF
for req in 'GARBAGE\r\n\r\n' 'GET /x HTTP/1.1\r\nBadHeaderNoColon\r\n\r\n' \
    'GET nopath HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' \
    'GET /api/models?limit=%ff%00&cursor=%%% HTTP/1.1\r\nConnection: close\r\n\r\n' \
    'GET /api/models/%zz/%%/tree/%2F HTTP/1.1\r\nConnection: close\r\n\r\n' \
    'GET /api/models HTTP/1.1\r\nContent-Length: zz\r\n\r\n'; do
    line=$("$PY" "$T/raw.py" "$API" "$req")
    case $line in
    "HTTP/1.1 4"*) _pass ;;
    *) _fail "malformed request '$req' answered '$line'" ;;
    esac
done
fetch -H 'Range: bytes=zz' "$RC"
status 200 "a malformed Range is ignored"
line=$("$PY" "$T/raw.py" "$API" 'POST /api/models HTTP/1.1\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc')
check "POST gets 405 ($line)" test "$line" = "HTTP/1.1 405 Method Not Allowed"
n=$("$CURL" -s -o /dev/null -o /dev/null -w '%{num_connects}\n' "$API$TB" "$API/api/models?limit=1" | tr '\n' ' ')
check "keep-alive: one connection for two requests ($n)" test "$n" = "1 0 "
seq 1 48 | sed "s|.*|$API/zoodex-demo/tinybert-base/resolve/main/model.safetensors|" >"$T/urls"
xargs -P 16 -n 1 "$CURL" -s -L -o /dev/null -w '%{http_code}\n' <"$T/urls" >"$T/codes"
check "16 concurrent transfers" test "$(grep -c '^200$' "$T/codes")" -eq 48
fetch "$API$TB"
status 200 "still serving after all that"
check "no tracebacks on stderr" test "$(grep -c Traceback "$T/main.err")" -eq 0
stop "$MAIN"

# ===== --token-required, --quota, --latency-ms, --generate-mb =====

start second --generate 2 --generate-mb 1 --token-required --quota 3 \
    --window 300 --latency-ms 250
SECOND=$last_pid
fetch "$API/api/models"
status 401 "--token-required: anonymous 401"
fetch -H 'Authorization: Bearer t' "$API/api/models"
status 200 "--token-required: token accepted"
t=$("$CURL" -s -o /dev/null -w '%{time_total}' -H 'Authorization: Bearer t' "$API/api/models")
check "--latency-ms 250 ($t s)" awk -v t="$t" 'BEGIN { exit !(t >= 0.25) }'
fetch -H 'Authorization: Bearer t' "$API/api/models"
status 429 "--quota 3: the 4th request is refused"
hdr '^ratelimit: "api";r=0;t=[0-9]+$' "quota 429 RateLimit r=0"
hdr '^ratelimit-policy: "fixed window";"api";q=3;w=300$' "quota policy"
fetch -H 'Authorization: Bearer t' -L "$API/gen-org-0/model-00001/resolve/main/model.safetensors"
py 'st == 200 and 1048576 <= len(b) < 1100000 and st_parse(b) is not None' "--generate-mb 1"
stop "$SECOND"

# ===== --valid-token, --anon-error-code, --cdn-reject-auth =====

start third --repos "$REPOS" --valid-token s3cret --anon-error-code --cdn-reject-auth
THIRD=$last_pid
fetch "$API/api/models/nobody/nothing"
status 401 "--anon-error-code: 401"
hdr '^x-error-code: RepoNotFound$' "--anon-error-code adds RepoNotFound"
fetch -H 'Authorization: Bearer wrong' "$API/api/models/zoodex-demo/tinybert-base"
status 401 "--valid-token: a wrong token"
hdr '^x-error-message: Invalid credentials in Authorization header$' "bad token message"
fetch -H 'Authorization: Bearer s3cret' "$API/api/models/nobody/nothing"
status 404 "--valid-token: the right token"
fetch -H 'Authorization: Bearer s3cret' --location-trusted "$API/zoodex-demo/tinybert-base/resolve/main/model.safetensors"
status 400 "--cdn-reject-auth: Authorization on the CDN"
fetch -H 'Authorization: Bearer s3cret' -L "$API/zoodex-demo/tinybert-base/resolve/main/model.safetensors"
status 200 "--cdn-reject-auth: no Authorization on the CDN"
stop "$THIRD"

flush
printf 'mockhub-selftest: %d passed, %d failed\n' "$pass" "$fail"
[ "$fail" -eq 0 ]
