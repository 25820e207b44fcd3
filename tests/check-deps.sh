#!/bin/sh
# tests/check-deps.sh - module boundaries: src/zx_* <- ingest <- index <-
# query <- src/main.c, src/cmd_*.c, and each outside library behind one file.
set -u
pass=0 fail=0
bad() { fail=$((fail + 1)); echo "check-deps: $*" >&2; }
# includes of project headers, per module
inc() { grep -ho '#include "[a-z_]*\.h"' "$@" 2>/dev/null | sed 's/.*"\(.*\)"/\1/' | sort -u; }
mod_of() {
    for d in src ingest index query; do
        [ -f "$d/$1" ] && { echo "$d"; return; }
    done
    echo "?"
}
rank() { case $1 in src) echo 0 ;; ingest) echo 1 ;; index) echo 2 ;; query) echo 3 ;; cmd) echo 4 ;; *) echo 9 ;; esac; }
for f in src/zx_*.[ch] ingest/*.[ch] index/*.[ch] query/*.[ch] src/main.c src/cmd*.[ch]; do
    case $f in
        src/main.c|src/cmd*) me=cmd ;;
        *) me=${f%%/*} ;;
    esac
    for h in $(inc "$f"); do
        m=$(mod_of "$h")
        if [ "$(rank "$m")" -gt "$(rank "$me")" ]; then
            bad "$f includes $h from $m, a module to its right"
        else
            pass=$((pass + 1))
        fi
    done
done
# one file per outside library
lib() {
    n=$(grep -l "#include <$1" src/*.[ch] ingest/*.[ch] index/*.[ch] query/*.[ch] 2>/dev/null | tr '\n' ' ')
    if [ "$n" = "$2 " ] || [ -z "$n" ]; then pass=$((pass + 1)); else bad "<$1> included by: $n(only $2 may)"; fi
}
lib lmdb.h index/store.c
lib faiss/ index/vindex.c
lib jansson.h src/zx_json.h
lib yaml.h ingest/card.c
lib openssl/ src/zx_hash.c
lib xxhash.h src/zx_hash.c
lib curl/ ingest/hub.c
lib cblas.h src/zx_linalg.c
lib lapacke src/zx_linalg.c
lib archive ingest/unpack.c
# streaming hashes: _final_hex() does not free (src/zx_hash.h), so every
# file that finishes one also frees it
for h in sha256 xxh; do
    for f in $(grep -l "zx_${h}_final_hex(" src/*.c ingest/*.c index/*.c query/*.c tests/unit/*.c 2>/dev/null); do
        case $f in src/zx_hash.c) continue ;; esac
        if grep -q "zx_${h}_free(" "$f"; then pass=$((pass + 1)); else bad "$f: zx_${h}_final_hex() without zx_${h}_free()"; fi
    done
done
# banned functions (git's banned.h list): unbounded or unchecked
if grep -nE '(^|[^_a-z])(strcpy|strcat|sprintf|vsprintf|strtok|gets|atoi|atol)[[:space:]]*\(' \
        src/*.[ch] ingest/*.[ch] index/*.[ch] query/*.[ch] | grep -v '^[^:]*:[0-9]*: *\*'; then
    bad "banned function used (above)"
else
    pass=$((pass + 1))
fi
printf '%-36s %d passed, %d failed\n' "check-deps:" "$pass" "$fail"
[ "$fail" -eq 0 ]
