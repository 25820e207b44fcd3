#!/bin/sh
# t1200 - bad input: each gives a clear one-line error, a non-zero exit,
# and leaves the index exactly as it was.
. "${0%/*}/lib.sh"
ok "$ZX" --db "$DB" ingest "$ZOO"
snapshot "$DB" "$T/base"
src="$ZOO/zoodex-demo/tinybert-base"
mk() { rm -rf "$T/bad"; mkdir -p "$T/bad/org"; cp -r "$src" "$T/bad/org/m"; }
W="$T/bad/org/m/model.safetensors"
# bad_case NAME: ingest $T/bad, expect exit 1, one line, index unchanged
bad_case() {
    fails 1 "$ZX" --db "$DB" ingest "$T/bad"
    one_line "$T/err"
    grep_ok "$1" "$T/err"
    snapshot "$DB" "$T/now"
    same "$T/base" "$T/now"
}
size=$(wc -c <"$src/model.safetensors")

mk; head -c $((size - 100)) "$src/model.safetensors" >"$W"
bad_case "tensor data ends at byte"
mk; head -c 5 "$src/model.safetensors" >"$W"
bad_case "too short"
mk; printf '\377\377\377\377\377\377\377\377{}' >"$W"
bad_case "exceeds the limit"
mk; printf '\200\000\000\000\000\000\000\000{}' >"$W"
bad_case "runs past the end"
mk; sed 's/"dtype":"F32"/"dtype":"Q32"/' "$src/model.safetensors" >"$W"
bad_case "unknown dtype 'Q32'"
mk; sed 's/"data_offsets":\[0,/"data_offsets":[4,/' "$src/model.safetensors" >"$W"
bad_case "overlap or hole|need [0-9]+|starts at"
mk; cat "$src/model.safetensors" >"$W"; printf 'junk' >>"$W"
bad_case "but the file has"
mk; printf '{"architectures": [' >"$T/bad/org/m/config.json"
bad_case "config.json: invalid JSON"
mk; printf -- '---\nbase_model: [unclosed\n---\n# card\n' >"$T/bad/org/m/README.md"
bad_case "README.md: front matter line"
mk; printf -- '---\nbase_model: x\n' >"$T/bad/org/m/README.md"
bad_case "no closing"
mk; printf '[1,2]' >"$T/bad/org/m/adapter_config.json"
bad_case "adapter_config.json: not a JSON object"
mk; rm "$W"; printf '{"weight_map":{"a":"../evil.safetensors"}}' >"$T/bad/org/m/model.safetensors.index.json"
bad_case "bad shard name"

# A good model next to a bad one: the good one lands, exit 3 (partial).
mk; head -c 100 "$src/model.safetensors" >"$W"
mkdir -p "$T/bad/org/good"
cp -r "$ZOO/other-lab/minibert-spam/"* "$T/bad/org/good/"
fails 3 "$ZX" --db "$T/db2" ingest "$T/bad"
grep_ok '2 models: 1 new, 0 updated, 0 unchanged, 1 failed' "$T/out"
ok "$ZX" --db "$T/db2" list --json
check python3 -c 'import json, sys; assert [m["id"] for m in json.load(open(sys.argv[1]))] == ["org/good"]' "$T/out"
ok "$ZX" --db "$T/db2" list
cut -d" " -f1 "$T/out" >"$T/ids"; mv "$T/ids" "$T/out"
same "$T/out" /dev/stdin <<EOS
org/good
EOS

# Missing paths and non-model files.
fails 1 "$ZX" --db "$DB" ingest "$T/nope"
one_line "$T/err"
grep_ok "No such file or directory" "$T/err"
echo hi >"$T/notes.txt"
fails 1 "$ZX" --db "$DB" ingest "$T/notes.txt"
one_line "$T/err"
grep_ok "'.*notes.txt' is plain text, not a checkpoint" "$T/err"
mkdir -p "$T/empty/a"
ok "$ZX" --db "$DB" ingest "$T/empty"
grep_ok '^0 models' "$T/out"

# An index path that is not a folder, and an unreadable one.
echo x >"$T/file"
fails 1 "$ZX" --db "$T/file" ingest "$src"
one_line "$T/err"
fails 5 "$ZX" --db "$T/file/sub" stats
one_line "$T/err"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
    cp -r "$DB" "$T/ro"; chmod -R a+rX "$T"; chmod 0700 "$T/ro"
    fails 1 setpriv --reuid=65534 --regid=65534 --clear-groups "$ZX" --db "$T/ro" stats
    one_line "$T/err"
    grep_ok "Permission denied" "$T/err"
    fails 1 setpriv --reuid=65534 --regid=65534 --clear-groups "$ZX" --db "$T/ro" ingest "$src"
    one_line "$T/err"
else
    cp -r "$DB" "$T/ro"; chmod 0000 "$T/ro"
    fails 1 "$ZX" --db "$T/ro" stats
    one_line "$T/err"
    chmod 0755 "$T/ro"
fi

# A full disk (file-size limit).  (a) A fresh index that cannot even be
# created fails cleanly.
(ulimit -f 8; "$ZX" --db "$T/tiny" ingest "$src") >"$T/out" 2>"$T/err"
check test $? -eq 1
one_line "$T/err"
# (b) An index that cannot grow: every model committed before the disk
# filled stays, the one being written is absent, verify is happy, and a
# second run without the limit completes the job.
cp -r "$DB" "$T/full"
blocks=$(( ($(wc -c <"$T/full/data.mdb") + 511) / 512 ))
mkdir -p "$T/more/x"
for m in clip-tiny bert-tiny-random roberta-tiny-random vit-tiny-random; do
    cp -r "${ZX_SHARED}/fixtures/hf-reference/$m" "$T/more/x/$m"
done
(ulimit -f "$blocks"; "$ZX" --db "$T/full" ingest "$T/more") >"$T/out" 2>"$T/err"
check test $? -eq 1
one_line "$T/err"
grep_ok "no space left|File too large" "$T/err"
ok "$ZX" --db "$T/full" verify
ok "$ZX" --db "$T/full" list
check test "$(wc -l <"$T/out")" -lt 21
ok "$ZX" --db "$T/full" ingest "$T/more"
ok "$ZX" --db "$T/full" list
check test "$(wc -l <"$T/out")" -eq 21
ok "$ZX" --db "$T/full" verify
grep_ok '^ok: 21 models' "$T/out"
done_testing
