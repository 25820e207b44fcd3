#!/bin/sh
# t0900 - the checks of `make check` that keep the documentation honest:
# tests/check-examples.py fails on a drifted example and --update rewrites
# it (Markdown and roff, hidden set-up steps, `echo $?`, /tmp and the
# checkout mapped, times blanked); tests/check-format.sh and
# tests/check-tour.sh name the files they refuse; `make all` without the
# FAISS C API says to run `make setup` and installs nothing.
. "${0%/*}/lib.sh"
CE="python3 tests/check-examples.py"
export ZX

# ===== check-examples: Markdown =====
cat >"$T/doc.md" <<'EOF'
# doc

<!-- example-setup: zoodex ingest fixtures/zoo >/dev/null -->
```console
$ zoodex list --arch nosuchgroup; echo "exit $?"
stale output
$ zoodex stats | sed -n 1,2p
index           /tmp/zx
models          17: 17 in a weight group, 0 without
$ zoodex show zoodex-demo/tinybert-base | grep -E '^(source|ingested)'
source           /src/zoodex/fixtures/zoo/zoodex-demo/tinybert-base
ingested         2020-01-01T00:00:00Z
```

```sh
$ not run: not a console block
```
EOF
cp "$T/doc.md" "$T/orig.md"
fails 1 $CE "$T/doc.md"
grep_ok 'check-examples: 2 passed, 1 failed' "$T/out"
grep_ok '^FAIL: .*doc.md:5: \$ zoodex list --arch nosuchgroup' "$T/err"
grep_ok '^ *-stale output' "$T/err"
same "$T/doc.md" "$T/orig.md"
ok $CE --update "$T/doc.md"
grep_ok 'doc.md: rewrote 1 output' "$T/out"
grep_not 'stale output' "$T/doc.md"
grep_ok '^exit [0-9]+$' "$T/doc.md"
# outputs that compare equal (here a time) are left as they were
grep_ok '^ingested         2020-01-01T00:00:00Z$' "$T/doc.md"
grep_ok '^\$ not run: not a console block$' "$T/doc.md"
ok $CE "$T/doc.md"
grep_ok 'check-examples: 3 passed, 0 failed' "$T/out"
cp "$T/doc.md" "$T/again.md"
ok $CE --update "$T/doc.md"
same "$T/doc.md" "$T/again.md"

# A failing hidden set-up step fails the check, naming its line.
printf '<!-- example-setup: false -->\n```console\n$ echo hi\nhi\n```\n' >"$T/bad.md"
fails 1 $CE "$T/bad.md"
grep_ok 'bad.md:1: example-setup exits 1' "$T/err"

# ===== check-examples: roff, escapes and set-up steps inside a block =====
cat >"$T/page.1" <<'EOF'
.Sh EXAMPLES
.Bd -literal -offset indent
$ printf '%s\en' '.dot' 'back\e\eslash' '' 'end'
\&.dot
wrong
.\" example-setup: cd /tmp && echo x >f
$ ls /tmp; false
$ echo $?
0
.Ed
.Dl $ this one is not run
EOF
fails 1 $CE "$T/page.1"
ok $CE --update "$T/page.1"
grep_ok '^back\\e\\eslash$' "$T/page.1"
grep_ok '^\\&\.dot$' "$T/page.1"
grep_ok '^\\&$' "$T/page.1"
grep_ok '^f$' "$T/page.1"
grep_ok '^1$' "$T/page.1"
grep_ok '^\.\\" example-setup: cd /tmp' "$T/page.1"
ok $CE "$T/page.1"
check [ -z "$(groff -mdoc -ww -z "$T/page.1" 2>&1)" ]

# ===== check-format and check-tour in a scratch repository =====
R=$T/repo
mkdir -p "$R/src" "$R/tests" "$R/man"
cp .clang-format "$R/"
printf 'int main(void)\n{\n    return 0;\n}\n' >"$R/src/good.c"
printf 'int  bad (void) { return 0 ; }\n' >"$R/src/bad.c"
printf '# c\n\n- `src/good.c`: good\n' >"$R/CONTRIBUTING.md"
printf '# r\n\n`zoodex(1)`\n' >"$R/README.md"
: >"$R/man/zoodex.1"
: >"$R/man/zoodex-new.1"
here=$PWD
(cd "$R" && git init -q && git add -A) >/dev/null 2>&1
(cd "$R" && sh "$here/tests/check-format.sh") >"$T/out" 2>"$T/err"
check [ $? -eq 1 ]
grep_ok 'check-format: 1 passed, 1 failed' "$T/out"
grep_ok '^  src/bad.c$' "$T/err"
grep_not 'good.c' "$T/err"
(cd "$R" && sh "$here/tests/check-format.sh" --fix && sh "$here/tests/check-format.sh") >"$T/out" 2>"$T/err"
check [ $? -eq 0 ]
grep_ok 'check-format: 2 passed, 0 failed' "$T/out"
(cd "$R" && sh "$here/tests/check-tour.sh") >"$T/out" 2>"$T/err"
check [ $? -eq 1 ]
grep_ok '^  src/bad.c$' "$T/err"
grep_ok '^  zoodex-new\(1\)$' "$T/err"
grep_ok 'check-tour: 2 passed, 2 failed' "$T/out"

# ===== make all never installs: without the FAISS C API it says so =====
fails 2 make --no-print-directory O="$T/build" all
grep_ok "run 'make setup'" "$T/err"
check [ ! -e "$T/build/zoodex" ]

done_testing
