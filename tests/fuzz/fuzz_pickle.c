/* fuzz_pickle.c - libFuzzer target for the restricted unpickler.
 *
 * The input is one pickle.  It is loaded with limits small enough that a
 * run stays fast (1 MiB of values); an accepted pickle's values are walked
 * (bounded depth, so cycles and shared children are fine) and every tensor
 * the unpickler vouches for must lie inside the storage its persistent id
 * declares.
 * SPDX-License-Identifier: MIT */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pickle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t budget;

static void walk(const struct zx_pk_value *v, int depth)
{
    size_t i;

    if (!v || depth > 8 || !budget)
        return;
    budget--;
    switch (v->type) {
    case ZX_PK_TUPLE:
    case ZX_PK_LIST:
    case ZX_PK_DICT:
        if (v->type == ZX_PK_DICT && v->n % 2)
            abort(); /* keys and values come in pairs */
        for (i = 0; i < v->n; i++)
            walk(v->items[i], depth + 1);
        break;
    case ZX_PK_STR:
    case ZX_PK_BYTES:
    case ZX_PK_LONG:
    case ZX_PK_GLOBAL:
        if (v->s[v->len] != '\0') /* NUL-terminated, len readable */
            abort();
        break;
    case ZX_PK_TENSOR: {
        const struct zx_pk_tensor *t = v->tensor;
        const struct zx_pk_storage *st = t->storage;
        uint64_t avail = st->numel * st->elem_size;

        if (t->byte_offset > avail || t->n_bytes > avail - t->byte_offset)
            abort(); /* the unpickler let a tensor leave its storage */
        if (t->ndim < 0 || t->ndim > ZX_CKPT_MAX_DIMS ||
            zx_pk_elem_size(t->dtype) == 0)
            abort();
        break;
    }
    default:
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct zx_pk_limits lim;
    struct zx_pickle *p = NULL;
    size_t i;

    zx_pk_default_limits(&lim);
    lim.max_alloc = 1u << 20;
    lim.max_str = 1u << 16;
    if (zx_pickle_load(data, size, "fuzz", &lim, &p, NULL) == ZX_OK) {
        if (zx_pickle_used(p) > size || !zx_pickle_root(p))
            abort();
        budget = 100000;
        walk(zx_pickle_root(p), 0);
        for (i = 0; i < zx_pickle_n_storages(p); i++) {
            const struct zx_pk_storage *st = zx_pickle_storage(p, i);

            if (!st->key[0] || st->view_first > st->numel ||
                st->view_numel > st->numel - st->view_first)
                abort();
        }
        zx_pickle_free(p);
    } else if (p) {
        abort(); /* *out must be NULL on failure */
    }
    return 0;
}
