/* fuzz_archive.c - libFuzzer target for archive listing (ingest/unpack.c).
 *
 * The input is a whole archive, any format libarchive detects.  Every
 * entry the reader accepts must have a normalised path (not empty, not
 * absolute, no "." or ".." component, no empty component, no control byte)
 * and, for links, a normalised target; data is read in small pieces for
 * some entries, whole for others and left to be drained for the rest, and
 * the byte counters may never pass the limits by more than one read.
 * SPDX-License-Identifier: MIT */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "unpack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SLACK (64u << 10) /* one drain read */

static void check_path(const char *p)
{
    const char *c = p;

    if (!p || !*p || *p == '/' || strlen(p) > ZX_UNPACK_MAX_PATH)
        abort();
    for (; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f || *c == '\\')
            abort();
    c = p;
    while (*c) {
        const char *end = strchr(c, '/');
        size_t n = end ? (size_t)(end - c) : strlen(c);

        if (n == 0 || (n == 1 && c[0] == '.') ||
            (n == 2 && c[0] == '.' && c[1] == '.'))
            abort();
        c += n;
        if (*c == '/' && !*++c)
            abort(); /* trailing slash */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct zx_unpack_limits lim = {
        .max_entries = 2000,
        .max_entry_bytes = 1u << 20,
        .max_total_bytes = 4u << 20,
    };
    struct zx_unpack *u = NULL;
    struct zx_unpack_entry e;
    unsigned n = 0;

    if (zx_unpack_open_mem(data, size, "fuzz", &lim, &u, NULL) != ZX_OK)
        return 0;
    while (zx_unpack_next(u, &e, NULL) == ZX_OK) {
        check_path(e.path);
        if (e.type == ZX_UNPACK_SYMLINK || e.type == ZX_UNPACK_HARDLINK)
            check_path(e.link);
        else if (e.link)
            abort();
        if (n % 3 == 0) {
            char buf[37];
            size_t got;

            while (zx_unpack_read(u, buf, sizeof(buf), &got, NULL) == ZX_OK &&
                   got)
                ;
        } else if (n % 3 == 1) {
            unsigned char *all = NULL;
            size_t len = 0;

            if (zx_unpack_read_all(u, 256u << 10, &all, &len, NULL) == ZX_OK) {
                if (!all || all[len] != '\0')
                    abort();
            } else if (all) {
                abort();
            }
            free(all);
        }
        n++;
    }
    if (zx_unpack_entries(u) > lim.max_entries + 1 ||
        zx_unpack_bytes(u) > lim.max_total_bytes + SLACK)
        abort();
    zx_unpack_close(u);
    return 0;
}
