/* fuzz_safetensors.c - libFuzzer target for the safetensors header parser.
 *
 * The input is a whole file: zx_st_parse() applies every validation rule.
 * The header alone is also parsed with rule 7 off (what a Hub range request
 * yields), and every numeric tensor of an accepted file is converted to
 * float, so the offsets the parser vouches for are really read.
 * SPDX-License-Identifier: MIT */
#include <stdint.h>
#include <stdlib.h>

#include "ckpt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void read_tensors(const struct zx_st_header *h, const uint8_t *data,
                         size_t size)
{
    float buf[64];
    size_t i;

    for (i = 0; i < h->n_tensors; i++) {
        const struct zx_tensor *t = &h->tensors[i];
        uint64_t done;

        if (t->offset > size || t->n_bytes > size - t->offset)
            abort(); /* the parser let a tensor leave the buffer */
        if (!zx_dtype_is_numeric(t->dtype))
            continue;
        for (done = 0; done < t->n_elems; done += 64) {
            size_t n =
                t->n_elems - done < 64 ? (size_t)(t->n_elems - done) : 64;

            if (zx_to_float(t->dtype, data + t->offset, done, n, buf))
                abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct zx_st_header *h = NULL;
    uint64_t n;

    if (zx_st_parse(data, size, "fuzz", &h, NULL) == ZX_OK) {
        if (8 + h->header_len + h->data_len != size)
            abort();
        read_tensors(h, data, size);
        zx_st_header_free(h);
    }
    if (zx_st_header_len(data, size, &n, NULL) == ZX_OK && n <= size - 8) {
        if (zx_st_parse_header((const char *)data + 8, (size_t)n, 0, "fuzz", &h,
                               NULL) == ZX_OK)
            zx_st_header_free(h);
    }
    return 0;
}
