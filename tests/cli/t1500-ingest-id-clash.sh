#!/bin/sh
# t1500 - two model folders whose names derive the same id: the first keeps
# it, the second is refused with an error naming both paths (exit 3), on
# every run, and re-runs settle (unchanged, never "updated"); across runs a
# record's source holds its id; a moved folder takes its id along; a
# UTF-8 folder name survives in the record's source.
. "${0%/*}/lib.sh"
Z="$T/z"
put() { mkdir -p "$Z/$1"; cp "$ZOO/$2/"* "$Z/$1/"; }
put "org/na me" acme-nlp/tinybert-emotion
put "org/na_me" other-lab/minibert-base
put "ärg/x" vision-demo/tinyresnet-base
put "örg/x" vision-demo/tinyresnet-colors
src_of() { "$ZX" --db "$1" show --json "$2" | python3 -c \
    'import json, sys; print(json.load(sys.stdin)["source"])'; }
for run in 1 2 3; do
    fails 3 "$ZX" --db "$DB" ingest "$Z"
    if [ $run = 1 ]; then
        grep_ok '^4 models: 2 new, 0 updated, 0 unchanged, 2 failed$' "$T/out"
    else
        grep_ok '^4 models: 0 new, 0 updated, 2 unchanged, 2 failed$' "$T/out"
    fi
    check test "$(wc -l <"$T/err")" -eq 2
    grep_ok "^zoodex ingest: '$Z/org/na_me' gets the id 'org/na_me', which '$Z/org/na me' already has; refused" "$T/err"
    grep_ok "^zoodex ingest: '$Z/örg/x' gets the id '__rg/x', which '$Z/ärg/x' already has; refused" "$T/err"
done
ok "$ZX" --db "$DB" list
check test "$(wc -l <"$T/out")" -eq 2
# The first of each pair keeps the id, its weights untouched.
ok "$ZX" --db "$DB" show --json org/na_me
grep_ok "\"source\": \"$Z/org/na me\"" "$T/out"
check test "$(src_of "$DB" org/na_me)" = "$Z/org/na me"
check test "$(src_of "$DB" __rg/x)" = "$Z/ärg/x"
ok "$ZX" --db "$T/alone" ingest "$Z/org/na me"
ok "$ZX" --db "$T/alone" show org/na_me
grep -v '^ *ingested' "$T/out" | grep -v '^ *source' >"$T/alone.show"
ok "$ZX" --db "$DB" show org/na_me
grep -v '^ *ingested' "$T/out" | grep -v '^ *source' >"$T/db.show"
same "$T/alone.show" "$T/db.show"
# JSON: the refused models are failures, with both paths.
fails 3 "$ZX" --db "$DB" ingest --json "$Z"
python3 - "$T/out" "$Z" >"$T/chk" 2>&1 <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
z = sys.argv[2]
assert (d["found"], d["unchanged"], d["failed"]) == (4, 2, 2), d
paths = sorted(f["path"] for f in d["failures"])
assert paths == [z + "/org/na_me", z + "/örg/x"], paths
for f in d["failures"]:
    assert "already has" in f["error"] and z in f["error"], f
print("ok")
EOF
grep_ok '^ok$' "$T/chk"
# Across runs: the second folder alone, in a later run, is refused too.
fails 1 "$ZX" --db "$DB" ingest "$Z/org/na_me"
grep_ok "which '$Z/org/na me' already has" "$T/err"
# The same folder given by its weights file is the same model.
ok "$ZX" --db "$DB" ingest "$Z/org/na me/model.safetensors"
grep_ok '^1 model: 0 new, 0 updated, 1 unchanged, 0 failed$' "$T/out"
# --id does not take another folder's id either.
fails 1 "$ZX" --db "$DB" ingest --id org/na_me "$ZOO/solo-dev/tinybert-intent"
grep_ok "already has; refused" "$T/err"
# A folder that moved takes its id along (its old place is gone).
mv "$Z" "$T/moved"
fails 3 "$ZX" --db "$DB" ingest "$T/moved"
grep_ok '^4 models: 0 new, [0-9]+ updated, [0-9]+ unchanged, 2 failed$' "$T/out"
check test "$(src_of "$DB" org/na_me)" = "$T/moved/org/na me"
check test "$(src_of "$DB" __rg/x)" = "$T/moved/ärg/x"
fails 3 "$ZX" --db "$DB" ingest "$T/moved"
grep_ok '^4 models: 0 new, 0 updated, 2 unchanged, 2 failed$' "$T/out"
# Removing the holder frees the id for the other folder.
ok "$ZX" --db "$DB" rm org/na_me
ok "$ZX" --db "$DB" ingest "$T/moved/org/na_me"
grep_ok '^1 model: 1 new, 0 updated, 0 unchanged, 0 failed$' "$T/out"
fails 3 "$ZX" --db "$DB" ingest "$T/moved"
grep_ok '^4 models: 0 new, 0 updated, 2 unchanged, 2 failed$' "$T/out"
grep_ok "'$T/moved/org/na me' gets the id 'org/na_me', which '$T/moved/org/na_me' already has" "$T/err"
# Inside one archive the same rule holds.
tar -cf "$T/zoo.tar" -C "$T/moved" .
fails 3 "$ZX" --db "$T/arch" ingest "$T/zoo.tar"
grep_ok '^4 models: 2 new, 0 updated, 0 unchanged, 2 failed$' "$T/out"
# (in the archive's order, whichever comes first)
grep_ok "'$T/zoo.tar!/org/na[ _]me' gets the id 'org/na_me', which '$T/zoo.tar!/org/na[ _]me' already has" "$T/err"
cp "$T/err" "$T/arch.err"
fails 3 "$ZX" --db "$T/arch" ingest "$T/zoo.tar"
grep_ok '^4 models: 0 new, 0 updated, 2 unchanged, 2 failed$' "$T/out"
same "$T/arch.err" "$T/err"
# Copies of one Hub model in two Hugging Face caches share its id when
# their revisions are equal: the second copy is unchanged, neither read nor
# written (the record's source stays the first copy, the vector file's
# generation does not move), on every run.
snap() { # snap CACHE REV [FIXTURE]: a snapshot folder of acme/foo
    mkdir -p "$T/$1/models--acme--foo/snapshots/$2"
    cp "$ZOO/${3:-solo-dev/tinybert-intent}/"* \
        "$T/$1/models--acme--foo/snapshots/$2/"
}
vfiles() { (cd "$1/vectors" && ls) | tr '\n' ' '; }
snap c1 abc123
snap c2 abc123
ok "$ZX" --db "$T/hf" ingest "$T/c1" "$T/c2"
grep_ok '^2 models: 1 new, 0 updated, 1 unchanged, 0 failed$' "$T/out"
v0=$(vfiles "$T/hf")
check test -n "$v0"
for run in 1 2 3; do
    ok "$ZX" --db "$T/hf" ingest "$T/c1" "$T/c2"
    grep_ok '^2 models: 0 new, 0 updated, 2 unchanged, 0 failed$' "$T/out"
    ok "$ZX" --db "$T/hf" ingest "$T/c2/models--acme--foo/snapshots/abc123"
    grep_ok '^1 model: 0 new, 0 updated, 1 unchanged, 0 failed$' "$T/out"
    check test "$(src_of "$T/hf" acme/foo)" = "$T/c1/models--acme--foo/snapshots/abc123"
    check test "$(vfiles "$T/hf")" = "$v0"
done
# (nor does --force re-read a copy: the record's own source is re-read)
ok "$ZX" --db "$T/hf" ingest --force "$T/c2"
grep_ok '^1 model: 0 new, 0 updated, 1 unchanged, 0 failed$' "$T/out"
check test "$(src_of "$T/hf" acme/foo)" = "$T/c1/models--acme--foo/snapshots/abc123"
# The first copy gone, the other one takes the id over.
mv "$T/c1" "$T/c1.away"
ok "$ZX" --db "$T/hf" ingest "$T/c2"
grep_ok '^1 model: 0 new, [01] updated, [01] unchanged, 0 failed$' "$T/out"
check test "$(src_of "$T/hf" acme/foo)" = "$T/c2/models--acme--foo/snapshots/abc123"
mv "$T/c1.away" "$T/c1"
# Two revisions in one cache: the one refs/main names is indexed, the
# other is skipped as older (a note, not a failure), on every run, in
# either order of discovery; the first run already settles.
snap c3 aaa111
snap c3 bbb222 acme-nlp/tinybert-emotion
mkdir "$T/c3/models--acme--foo/refs"
printf bbb222 >"$T/c3/models--acme--foo/refs/main"
for run in 1 2 3; do
    ok "$ZX" --db "$T/hf3" ingest "$T/c3"
    if [ $run = 1 ]; then
        grep_ok '^2 models: 1 new, 0 updated, 0 unchanged, 0 failed, 1 skipped$' "$T/out"
    else
        grep_ok '^2 models: 0 new, 0 updated, 1 unchanged, 0 failed, 1 skipped$' "$T/out"
    fi
    check test "$(wc -l <"$T/err")" -eq 1
    grep_ok "^zoodex ingest: '$T/c3/models--acme--foo/snapshots/aaa111' is an older snapshot of acme/foo: $T/c3/models--acme--foo/refs/main names bbb222; skipped" "$T/err"
    check test "$(src_of "$T/hf3" acme/foo)" = "$T/c3/models--acme--foo/snapshots/bbb222"
done
ok "$ZX" --db "$T/hf3" list
check test "$(wc -l <"$T/out")" -eq 1
ok "$ZX" --db "$T/hf3" ingest --json "$T/c3"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert (d["unchanged"], d["skipped"], d["failed"]) == (1, 1, 0), d; print("ok")' "$T/out" >"$T/chk" 2>&1
grep_ok '^ok$' "$T/chk"
# --id gives the older snapshot an id of its own.
ok "$ZX" --db "$T/hf3" ingest --id acme/foo-old "$T/c3/models--acme--foo/snapshots/aaa111"
grep_ok '^1 model: 1 new, 0 updated, 0 unchanged, 0 failed$' "$T/out"
# An index that holds the older revision (refs/main moved on since) takes
# the newer one over it.
rm -f "$T/c3/models--acme--foo/refs/main"
ok "$ZX" --db "$T/hf4" ingest "$T/c3/models--acme--foo/snapshots/aaa111"
printf bbb222 >"$T/c3/models--acme--foo/refs/main"
ok "$ZX" --db "$T/hf4" ingest "$T/c3"
grep_ok '^2 models: 0 new, 1 updated, 0 unchanged, 0 failed, 1 skipped$' "$T/out"
check test "$(src_of "$T/hf4" acme/foo)" = "$T/c3/models--acme--foo/snapshots/bbb222"
ok "$ZX" --db "$T/hf4" ingest "$T/c3"
grep_ok '^2 models: 0 new, 0 updated, 1 unchanged, 0 failed, 1 skipped$' "$T/out"
# A different revision from another cache is refused, naming both paths
# and revisions; the record stays.
fails 1 "$ZX" --db "$T/hf" ingest "$T/c3/models--acme--foo/snapshots/bbb222"
grep_ok "^zoodex ingest: '$T/c3/models--acme--foo/snapshots/bbb222' \(revision bbb222\) gets the id 'acme/foo', which '$T/c2/models--acme--foo/snapshots/abc123' \(revision abc123\) already has; refused" "$T/err"
check test "$(src_of "$T/hf" acme/foo)" = "$T/c2/models--acme--foo/snapshots/abc123"
# A plain folder does not take a cached snapshot's id either.
mkdir -p "$T/plain/acme/foo"
cp "$ZOO/other-lab/minibert-base/"* "$T/plain/acme/foo/"
fails 1 "$ZX" --db "$T/hf" ingest "$T/plain/acme/foo"
grep_ok "\(revision none\) gets the id 'acme/foo', which '$T/c2/models--acme--foo/snapshots/abc123' \(revision abc123\) already has; refused" "$T/err"
# Only a source that is gone moved: one that cannot be seen (EACCES, as a
# user who may not enter its folder) still holds its id, and the refusal
# says why.  (Needs root and runuser to act as user nobody.)
if [ "$(id -u)" -eq 0 ] && command -v runuser >/dev/null 2>&1; then
    as_nobody() { runuser -u nobody -- "$@"; }
    chmod 755 "$T"
    mkdir -p "$T/p/lock/acme/m" "$T/p/open/acme/m" "$T/pdb"
    cp "$ZOO/acme-nlp/tinybert-emotion/"* "$T/p/lock/acme/m/"
    cp "$ZOO/other-lab/minibert-base/"* "$T/p/open/acme/m/"
    chmod -R a+rX "$T/p"
    chown nobody "$T/pdb"
    ok as_nobody "$ZX" --db "$T/pdb" ingest "$T/p/lock/acme/m"
    chmod 700 "$T/p/lock"
    fails 1 as_nobody "$ZX" --db "$T/pdb" ingest "$T/p/open/acme/m"
    grep_ok "^zoodex ingest: '$T/p/open/acme/m' gets the id 'acme/m', which '$T/p/lock/acme/m' has, and whether that is still there cannot be told: Permission denied; refused" "$T/err"
    check test "$(src_of "$T/pdb" acme/m)" = "$T/p/lock/acme/m"
    chmod 755 "$T/p/lock"
else
    echo "t1500: EACCES case skipped (needs root and runuser)" >&2
fi
done_testing
