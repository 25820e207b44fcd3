#!/bin/sh
# t6010 - `zoodex prune`: deletes the Hugging Face cache files zoodex
# downloaded (recorded at download time) and nothing another tool put
# there: not their blobs, snapshots or refs, nor a zoodex blob that another
# snapshot still links to.
. "${0%/*}/lib.sh"
start_mock --repos "$ZOO" --lfs-threshold 1000
H=$HF_HOME/hub
# Another tool's download of minibert-spam (config.json and weights only).
S=$H/models--other-lab--minibert-spam
spam_sha=$(curl -s "$EP/api/models/other-lab/minibert-spam" | sed 's/.*"sha":"\([0-9a-f]*\)".*/\1/')
mkdir -p "$S/blobs" "$S/refs" "$S/snapshots/$spam_sha"
printf '%s' "$spam_sha" >"$S/refs/main"
for f in config.json model.safetensors; do
    h=$(sha256sum "$ZOO/other-lab/minibert-spam/$f" | cut -d' ' -f1)
    cp "$ZOO/other-lab/minibert-spam/$f" "$S/blobs/$h"
    ln -s "../../blobs/$h" "$S/snapshots/$spam_sha/$f"
done
# And a model zoodex never fetched.
mkdir -p "$H/models--x--y/blobs"
echo hello >"$H/models--x--y/blobs/0000000000000000000000000000000000000000"
find "$H" \( -type f -o -type l \) | sort >"$T/foreign"
ok "$ZX" --db "$DB" ingest other-lab/minibert-spam zoodex-demo/tinybert-base other-lab/minibert-lang
grep_ok '3 new' "$T/out"
# The other tool's download of another revision shares a zoodex blob.
TB=$H/models--zoodex-demo--tinybert-base
rev=$(cat "$TB/refs/main")
wblob=$(basename "$(readlink "$TB/snapshots/$rev/model.safetensors")")
other=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
mkdir -p "$TB/snapshots/$other"
ln -s "../../blobs/$wblob" "$TB/snapshots/$other/model.safetensors"
printf '%s' "$other" >"$TB/refs/v1"
find "$H" \( -type f -o -type l \) -exec ls -ld {} + | sed 's/ [A-Z][a-z][a-z] .*:[0-9][0-9] / /' | sort >"$T/before"
# --dry-run: says what would go, changes nothing.
ok "$ZX" --db "$DB" prune --dry-run
grep_ok "^would remove .*models--zoodex-demo--tinybert-base/snapshots/$rev/config.json$" "$T/out"
grep_ok "^kept .*blobs/$wblob: still used by .*snapshots/$other/model.safetensors$" "$T/out"
grep_ok '^would remove [0-9]+ files \([0-9.]+ (B|KiB|MiB) of blobs\), kept 1$' "$T/out"
while read -r f; do
    grep_not " $f(:|$)" "$T/out"
done <"$T/foreign"
find "$H" \( -type f -o -type l \) -exec ls -ld {} + | sed 's/ [A-Z][a-z][a-z] .*:[0-9][0-9] / /' | sort >"$T/after"
same "$T/before" "$T/after"
ok "$ZX" --db "$DB" prune --dry-run --json
check python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["dry_run"] is True and d["exit"] == 0 and len(d["kept"]) == 1, d
assert {r["kind"] for r in d["removed"]} == {"blob", "link", "ref"}, d
' "$T/out"
# prune MODEL: only that model's files.
ok "$ZX" --db "$DB" prune other-lab/minibert-lang
grep_not 'tinybert-base|minibert-spam' "$T/out"
check test ! -e "$H/models--other-lab--minibert-lang"
# prune: everything else zoodex fetched.
ok "$ZX" --db "$DB" prune
grep_ok '^removed .*minibert-spam/snapshots/[0-9a-f]*/README.md$' "$T/out"
# What others put there is all still there, byte for byte.
while read -r f; do
    check test -e "$f"
done <"$T/foreign"
for f in config.json model.safetensors; do
    cmp -s "$S/snapshots/$spam_sha/$f" "$ZOO/other-lab/minibert-spam/$f"
    check test $? = 0
done
check test "$(cat "$S/refs/main")" = "$spam_sha"
check test -e "$S/snapshots/$spam_sha/config.json"
# The shared blob stays for the other snapshot; zoodex's snapshot and ref
# of tinybert-base are gone, the other tool's ref is not.
check test -f "$TB/blobs/$wblob"
check test -e "$TB/snapshots/$other/model.safetensors"
check test ! -e "$TB/snapshots/$rev"
check test ! -e "$TB/refs/main"
check test -e "$TB/refs/v1"
# The index itself is untouched.
ok "$ZX" --db "$DB" show zoodex-demo/tinybert-base
# Once the other snapshot is gone, a later prune takes the blob too.
rm -r "$TB/snapshots/$other" "$TB/refs/v1"
ok "$ZX" --db "$DB" prune
grep_ok "^removed .*blobs/$wblob$" "$T/out"
check test ! -e "$TB"
ok "$ZX" --db "$DB" prune --json
check python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["removed"] == [] and d["kept"] == [] and d["dry_run"] is False, d
' "$T/out"
# A file zoodex wrote but someone replaced is not deleted.
ok "$ZX" --db "$DB" ingest --force zoodex-demo/tinybert-base
rev=$(cat "$TB/refs/main")
rm "$TB/snapshots/$rev/config.json"
echo '{}' >"$TB/snapshots/$rev/config.json"
ok "$ZX" --db "$DB" prune
grep_ok "^kept .*snapshots/$rev/config.json: no longer the link zoodex made$" "$T/out"
check test -f "$TB/snapshots/$rev/config.json"
# Ingest after a prune downloads again.
: >"$MLOG"
ok "$ZX" --db "$T/db2" ingest zoodex-demo/tinybert-base
grep_ok '/resolve/.*model.safetensors' "$MLOG"
# The downloads/ folder of older versions goes with a prune of everything,
# links in it removed, not followed.
mkdir -p "$DB/downloads/a--b/$rev"
echo data >"$DB/downloads/a--b/$rev/config.json"
echo keep >"$T/target"
ln -s "$T/target" "$DB/downloads/a--b/$rev/model.safetensors"
ok "$ZX" --db "$DB" prune zoodex-demo/tinybert-base
check test -d "$DB/downloads"
ok "$ZX" --db "$DB" prune --dry-run
grep_ok "^would remove $DB/downloads$" "$T/out"
check test -f "$DB/downloads/a--b/$rev/config.json"
ok "$ZX" --db "$DB" prune
grep_ok "^removed $DB/downloads$" "$T/out"
check test ! -e "$DB/downloads"
check test "$(cat "$T/target")" = keep
fails 2 "$ZX" --db "$DB" prune --bogus
fails 5 "$ZX" --db "$T/none" prune
check test ! -e "$T/none"
done_testing
