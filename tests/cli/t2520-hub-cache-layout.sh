#!/bin/sh
# t2520 - `ingest org/name` downloads into the standard Hugging Face cache
# (models--org--name/{blobs,snapshots,refs}, as huggingface_hub and
# transformers read it), reuses what is there (a second ingest downloads
# nothing), and blames a missing revision, not the model.
. "${0%/*}/lib.sh"
start_mock --repos "$ZOO" --lfs-threshold 1000
H=$HF_HOME/hub
ok "$ZX" --db "$DB" ingest zoodex-demo/tinybert-base other-lab/minibert-lang
grep_ok '^2 models: 2 new' "$T/out"
check test ! -e "$DB/downloads"
check test -z "$(find "$H" -name '*.incomplete')"
# The layout, checked as hub-docs local-cache.md describes it: refs/main is
# the 40-hex commit without a newline and is the indexed revision; every
# snapshot file is a relative symlink into blobs/; a blob is named by its
# sha256 (LFS) or its git blob id (other files); the snapshot holds what
# the Hub lists (config.json, README.md, weights).
cat >"$T/layout.py" <<'PY'
import hashlib, json, os, re, sys
hub, repo, want_rev = sys.argv[1], sys.argv[2], sys.argv[3]
folder = os.path.join(hub, "models--" + repo.replace("/", "--"))
ref = open(os.path.join(folder, "refs", "main"), "rb").read()
assert re.fullmatch(rb"[0-9a-f]{40}", ref), ref
assert ref.decode() == want_rev, (ref, want_rev)
snap = os.path.join(folder, "snapshots", ref.decode())
names = sorted(os.listdir(snap))
assert "config.json" in names, names
if "model.safetensors.index.json" in names:  # sharded: every shard is there
    wm = json.load(open(os.path.join(snap, "model.safetensors.index.json")))
    assert set(wm["weight_map"].values()) <= set(names), names
else:
    assert "model.safetensors" in names, names
for n in names:
    p = os.path.join(snap, n)
    assert os.path.islink(p), p
    t = os.readlink(p)
    assert t == "../../blobs/" + os.path.basename(t), t
    blob = os.path.realpath(p)
    assert os.path.dirname(blob) == os.path.realpath(os.path.join(folder, "blobs"))
    data = open(blob, "rb").read()
    name = os.path.basename(blob)
    if len(name) == 64:
        assert hashlib.sha256(data).hexdigest() == name, n
    else:
        git = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
        assert git == name, (n, git, name)
    # the bytes are the repo's
    assert data == open(os.path.join(sys.argv[4], repo, n), "rb").read(), n
print("ok")
PY
for m in zoodex-demo/tinybert-base other-lab/minibert-lang; do
    rev=$("$ZX" --db "$DB" show --json "$m" | sed -n 's/.*"revision": "\([0-9a-f]*\)".*/\1/p')
    ok python3 "$T/layout.py" "$H" "$m" "$rev" "$ZOO"
    grep_ok '^ok$' "$T/out"
done
check test -z "$(find "$H" -name '*.incomplete')"
# A second ingest (even --force) downloads nothing: no resolve, no CDN.
: >"$MLOG"
ok "$ZX" --db "$DB" ingest --force zoodex-demo/tinybert-base other-lab/minibert-lang
grep_not '/resolve/' "$MLOG"
grep_not '"server": *"cdn"' "$MLOG"
# A fresh index reuses the cache too.
: >"$MLOG"
ok "$ZX" --db "$T/db2" ingest zoodex-demo/tinybert-base
grep_ok '1 new' "$T/out"
grep_not '/resolve/' "$MLOG"
# A blob already there (another revision, another tool) is linked, not
# fetched again.
rev=$(cat "$H/models--zoodex-demo--tinybert-base/refs/main")
rm "$H/models--zoodex-demo--tinybert-base/snapshots/$rev/model.safetensors"
: >"$MLOG"
ok "$ZX" --db "$T/db3" ingest zoodex-demo/tinybert-base
grep_not '/resolve/' "$MLOG"
check test -L "$H/models--zoodex-demo--tinybert-base/snapshots/$rev/model.safetensors"
# @commit: the snapshot of that commit, and no refs/<commit> file.
ok "$ZX" --db "$T/db4" ingest "zoodex-demo/tinybert-base@$rev"
check test ! -e "$H/models--zoodex-demo--tinybert-base/refs/$rev"
check test "$(ls "$H/models--zoodex-demo--tinybert-base/refs")" = main
# HF_HUB_CACHE wins over HF_HOME.
ok env HF_HUB_CACHE="$T/hc" "$ZX" --db "$T/db5" ingest zoodex-demo/tinybert-sentiment
check test -L "$T/hc/models--zoodex-demo--tinybert-sentiment/snapshots/$(cat "$T/hc/models--zoodex-demo--tinybert-sentiment/refs/main")/model.safetensors"
check test ! -e "$H/models--zoodex-demo--tinybert-sentiment"
# A partial download left by a crash, with bad bytes: resumed, found
# wrong by its sha256, and deleted; never kept under the blob name.
B=$H/models--other-lab--minibert-spam/blobs
sum=$(sha256sum "$ZOO/other-lab/minibert-spam/model.safetensors" | cut -d' ' -f1)
mkdir -p "$B"
head -c "$(wc -c <"$ZOO/other-lab/minibert-spam/model.safetensors")" /dev/zero >"$B/$sum.incomplete"
fails 1 "$ZX" --db "$T/db6" ingest other-lab/minibert-spam
grep_ok "model.safetensors has sha256 .*, the Hub says ${sum%${sum#????????????????}}.*deleted" "$T/err"
check test ! -e "$B/$sum"
check test ! -e "$B/$sum.incomplete"
ok "$ZX" --db "$T/db6" ingest other-lab/minibert-spam
check test -f "$B/$sum"
# Item 14: a revision the Hub does not know is named as such.
fails 1 "$ZX" --db "$T/db7" ingest zoodex-demo/tinybert-base@deadbeef
one_line "$T/err"
grep_ok "revision 'deadbeef' not found in zoodex-demo/tinybert-base" "$T/err"
fails 1 "$ZX" --db "$T/db7" ingest nobody/nothing@main
grep_ok "no model 'nobody/nothing' on the Hub" "$T/err"
# The downloaded cache ingested as a path, and a copy of it elsewhere at
# the same revision: unchanged, neither read nor written (the record keeps
# the first source; the vector files stay).  A second snapshot that
# refs/main does not name is skipped as older.
F=models--zoodex-demo--tinybert-base
rev=$(cat "$H/$F/refs/main")
src=$("$ZX" --db "$DB" show --json zoodex-demo/tinybert-base | python3 -c 'import json,sys; print(json.load(sys.stdin)["source"])')
check test "$src" = "$H/$F/snapshots/$rev"
mkdir "$T/copy"
cp -a "$H/$F" "$T/copy/"
cp -a "$T/copy/$F/snapshots/$rev" "$T/copy/$F/snapshots/0123abc"
v0=$(ls "$DB/vectors")
for run in 1 2 3; do
    ok "$ZX" --db "$DB" ingest "$H/$F" "$T/copy/$F"
    grep_ok '^3 models: 0 new, 0 updated, 2 unchanged, 0 failed, 1 skipped$' "$T/out"
    grep_ok "'$T/copy/$F/snapshots/0123abc' is an older snapshot of zoodex-demo/tinybert-base: $T/copy/$F/refs/main names $rev; skipped" "$T/err"
    check test "$(ls "$DB/vectors")" = "$v0"
done
ok "$ZX" --db "$DB" show --json zoodex-demo/tinybert-base
grep_ok "\"source\": \"$H/$F/snapshots/$rev\"" "$T/out"
done_testing
