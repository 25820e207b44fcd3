/* ckpt_safetensors.c - reader for the safetensors checkpoint format.
 *
 * Layout (all integers little-endian):
 *   1. bytes [0, 8)       u64 N, the header length
 *   2. bytes [8, 8+N)     UTF-8 JSON starting with '{', maybe space-padded:
 *                         {"name": {"dtype": "F16", "shape": [..],
 *                                   "data_offsets": [begin, end]}, ...,
 *                          "__metadata__": {str: str}}
 *   3. bytes [8+N, EOF)   tensor data; offsets are relative to 8+N, the
 *                         tensors tile it exactly (no holes, no overlaps)
 *                         and it ends at the end of the file.
 *
 * Untrusted input: N is checked against ZX_CKPT_MAX_HEADER and the file size
 * before any allocation; shapes are checked for overflow; every rule of the
 * reference parser (safetensors tensor.rs, Metadata::validate) is enforced.
 * The sharded form, model.safetensors.index.json, is read by ckpt.c.
 * SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt_impl.h"
#include "zx_json.h"
#include "zx_mem.h"
#include "zx_log.h"

/* ===== Header parsing ===== */

int zx_st_header_len(const unsigned char *buf, size_t len, uint64_t *n,
                     struct zx_error *err)
{
    uint64_t v = 0;
    int i;

    if (len < 8)
        return zx_fail(err, ZX_EFORMAT,
                       "file is too short to be "
                       "safetensors (%zu bytes)",
                       len);
    for (i = 7; i >= 0; i--)
        v = (v << 8) | buf[i];
    if (v > ZX_CKPT_MAX_HEADER) {
        char a[ZX_SIZE_LEN], b[ZX_SIZE_LEN];

        return zx_fail(err, ZX_ETOOBIG,
                       "header length %" PRIu64 " (%s) exceeds "
                       "the limit of %u bytes (%s)",
                       v, zx_format_size(v, a), ZX_CKPT_MAX_HEADER,
                       zx_format_size(ZX_CKPT_MAX_HEADER, b));
    }
    *n = v;
    return ZX_OK;
}

void zx_st_header_free(struct zx_st_header *h)
{
    size_t i;

    if (!h)
        return;
    for (i = 0; i < h->n_tensors; i++)
        free(h->tensors[i].name);
    free(h->tensors);
    free(h->metadata_json);
    free(h);
}

static int get_u64(json_t *v, uint64_t *out)
{
    json_int_t x;

    if (!json_is_integer(v))
        return -1;
    x = json_integer_value(v);
    if (x < 0)
        return -1;
    *out = (uint64_t)x;
    return 0;
}

static int cmp_offset(const void *a, const void *b)
{
    const struct zx_tensor *x = a, *y = b;

    if (x->offset != y->offset)
        return x->offset < y->offset ? -1 : 1;
    if (x->n_bytes != y->n_bytes)
        return x->n_bytes < y->n_bytes ? -1 : 1;
    return strcmp(x->name, y->name);
}

static int cmp_name(const void *a, const void *b)
{
    const struct zx_tensor *x = a, *y = b;

    return strcmp(x->name, y->name);
}

static int parse_tensor(const char *what, const char *name, json_t *info,
                        struct zx_tensor *t, uint64_t *begin, uint64_t *end,
                        struct zx_error *err)
{
    json_t *dt = json_object_get(info, "dtype");
    json_t *shape = json_object_get(info, "shape");
    json_t *offs = json_object_get(info, "data_offsets");
    uint64_t nelem = 1, nbits;
    size_t i;

    if (!json_is_object(info) || !json_is_string(dt) || !json_is_array(shape) ||
        !json_is_array(offs) || json_array_size(offs) != 2)
        return zx_fail(err, ZX_EFORMAT,
                       "%s: tensor '%s' lacks dtype, shape "
                       "or data_offsets",
                       what, name);
    t->dtype = zx_dtype_parse(json_string_value(dt));
    if (strlen(json_string_value(dt)) != json_string_length(dt))
        t->dtype = ZX_DTYPE_UNKNOWN; /* "F32\u0000..." is not F32 */
    if (t->dtype == ZX_DTYPE_UNKNOWN)
        return zx_fail(err, ZX_EFORMAT,
                       "%s: tensor '%s' has unknown dtype "
                       "'%.32s'",
                       what, name, json_string_value(dt));
    if (json_array_size(shape) > ZX_CKPT_MAX_DIMS)
        return zx_fail(err, ZX_ETOOBIG,
                       "%s: tensor '%s' has %zu dimensions "
                       "(limit %d)",
                       what, name, json_array_size(shape), ZX_CKPT_MAX_DIMS);
    t->ndim = (int)json_array_size(shape);
    for (i = 0; i < json_array_size(shape); i++) {
        uint64_t d;

        if (get_u64(json_array_get(shape, i), &d))
            return zx_fail(err, ZX_EFORMAT,
                           "%s: tensor '%s' has a bad "
                           "shape",
                           what, name);
        t->shape[i] = d;
        if (d && nelem > UINT64_MAX / d)
            return zx_fail(err, ZX_EFORMAT,
                           "%s: tensor '%s': shape "
                           "overflows",
                           what, name);
        nelem *= d;
    }
    if (nelem > UINT64_MAX / 64)
        return zx_fail(err, ZX_EFORMAT, "%s: tensor '%s': shape overflows",
                       what, name);
    nbits = nelem * zx_dtype_bits(t->dtype);
    if (nbits % 8)
        return zx_fail(err, ZX_EFORMAT,
                       "%s: tensor '%s' does not fill a "
                       "whole number of bytes",
                       what, name);
    if (get_u64(json_array_get(offs, 0), begin) ||
        get_u64(json_array_get(offs, 1), end))
        return zx_fail(err, ZX_EFORMAT,
                       "%s: tensor '%s' has bad "
                       "data_offsets",
                       what, name);
    if (*end < *begin)
        return zx_fail(err, ZX_EFORMAT,
                       "%s: tensor '%s' ends before it "
                       "begins",
                       what, name);
    if (*end - *begin != nbits / 8)
        return zx_fail(err, ZX_EFORMAT,
                       "%s: tensor '%s' has %" PRIu64
                       " bytes of data but its dtype and shape need %" PRIu64,
                       what, name, *end - *begin, nbits / 8);
    t->n_elems = nelem;
    t->n_bytes = nbits / 8;
    t->offset = *begin; /* relative until the caller rebases it */
    return ZX_OK;
}

int zx_st_parse_header(const char *json, size_t json_len, uint64_t file_size,
                       const char *what, struct zx_st_header **out,
                       struct zx_error *err)
{
    struct zx_st_header *h = NULL;
    json_t *root = NULL, *info;
    const char *key;
    uint64_t pos = 0;
    size_t i, n = 0;
    int rc;

    *out = NULL;
    if (json_len == 0 || json[0] != '{') {
        rc = zx_fail(err, ZX_EFORMAT, "%s: header does not start with '{'",
                     what);
        goto out;
    }
    rc = zx_json_parse(json, json_len, ZX_CKPT_MAX_HEADER, what, &root, err);
    if (rc)
        goto out;
    if (!json_is_object(root)) {
        rc = zx_fail(err, ZX_EFORMAT, "%s: header is not a JSON object", what);
        goto out;
    }
    if (json_object_size(root) > ZX_CKPT_MAX_TENSORS) {
        rc = zx_fail(err, ZX_ETOOBIG, "%s: more than %u tensors", what,
                     ZX_CKPT_MAX_TENSORS);
        goto out;
    }
    h = xcalloc(1, sizeof(*h));
    h->header_len = json_len;
    h->tensors = xcalloc(json_object_size(root) + 1, sizeof(*h->tensors));
    json_object_foreach(root, key, info)
    {
        uint64_t b, e;

        if (strcmp(key, "__metadata__") == 0) {
            const char *mk;
            json_t *mv;

            if (!json_is_object(info)) {
                rc = zx_fail(err, ZX_EFORMAT,
                             "%s: __metadata__ is not an "
                             "object",
                             what);
                goto out;
            }
            json_object_foreach(info, mk, mv)
            {
                if (!json_is_string(mv)) {
                    rc = zx_fail(err, ZX_EFORMAT,
                                 "%s: __metadata__ value "
                                 "'%.64s' is not a string",
                                 what, mk);
                    goto out;
                }
            }
            h->metadata_json = zx_json_dump(info);
            continue;
        }
        rc = parse_tensor(what, key, info, &h->tensors[n], &b, &e, err);
        if (rc)
            goto out;
        h->tensors[n].name = xstrdup(key);
        n++;
        h->n_tensors = n;
    }
    /* Rule 5: sorted by offsets the tensors must tile the buffer. */
    qsort(h->tensors, n, sizeof(*h->tensors), cmp_offset);
    for (i = 0; i < n; i++) {
        if (h->tensors[i].offset != pos) {
            rc = zx_fail(err, ZX_EFORMAT,
                         "%s: tensor '%s' starts at %" PRIu64
                         " but the previous data ends at %" PRIu64
                         " (overlap or hole)",
                         what, h->tensors[i].name, h->tensors[i].offset, pos);
            goto out;
        }
        pos += h->tensors[i].n_bytes;
        h->tensors[i].offset += 8 + json_len;
    }
    h->data_len = pos;
    /* Rule 7: data ends exactly at the end of the file. */
    if (file_size && 8 + json_len + pos != file_size) {
        rc = zx_fail(err, ZX_EFORMAT,
                     "%s: tensor data ends at byte %" PRIu64
                     " but the file has %" PRIu64 " bytes",
                     what, 8 + json_len + pos, file_size);
        goto out;
    }
    qsort(h->tensors, n, sizeof(*h->tensors), cmp_name);
    *out = h;
    h = NULL;
out:
    zx_st_header_free(h);
    json_decref(root);
    return rc;
}

int zx_st_parse(const unsigned char *buf, size_t len, const char *what,
                struct zx_st_header **out, struct zx_error *err)
{
    uint64_t n;
    int rc;

    *out = NULL;
    rc = zx_st_header_len(buf, len, &n, err);
    if (rc) {
        zx_error_prefix(err, "%s", what);
        return rc;
    }
    if (n > len - 8)
        return zx_fail(err, ZX_EFORMAT,
                       "%s: header length %" PRIu64
                       " runs past the end of the file (%zu bytes)",
                       what, n, len);
    return zx_st_parse_header((const char *)buf + 8, (size_t)n, len, what, out,
                              err);
}

/* ===== One file: a slot of ck ===== */

int zx_ckpt_add_safetensors(struct zx_ckpt *ck, const char *path,
                            struct zx_error *err)
{
    struct zx_st_header *h = NULL;
    struct zx_map m = {.fd = -1};
    const struct zx_map *mp;
    uint64_t n;
    size_t i;
    unsigned f;
    int rc;

    rc = zx_map_open(path, &m, err);
    if (rc)
        return rc;
    f = zx_ckpt_add_slot(ck, path, m.size, &m);
    mp = &ck->maps[f];
    rc = zx_st_header_len(mp->data, (size_t)mp->size, &n, err);
    if (rc) {
        zx_error_prefix(err, "'%s'", path);
        return rc;
    }
    if (n > mp->size - 8)
        return zx_fail(err, ZX_EFORMAT,
                       "'%s': header length %" PRIu64
                       " runs past the end of the file (%" PRIu64 " bytes)",
                       path, n, mp->size);
    rc = zx_st_parse_header((const char *)mp->data + 8, (size_t)n, mp->size,
                            path, &h, err);
    if (rc)
        return rc;
    for (i = 0; i < h->n_tensors && !rc; i++) {
        h->tensors[i].file = f;
        rc = zx_ckpt_add_tensor(ck, &h->tensors[i], path, err);
    }
    zx_st_header_free(h);
    return rc;
}

/* ===== A checkpoint known by its headers (the Hub, by Range) ===== */

int zx_ckpt_from_heads(const char *const *names,
                       const unsigned char *const *heads,
                       const size_t *head_lens, const uint64_t *sizes, size_t n,
                       uint64_t *need, struct zx_ckpt **out,
                       struct zx_error *err)
{
    struct zx_ckpt *ck = xcalloc(1, sizeof(*ck));
    size_t f, i;
    int rc = ZX_OK;

    *out = NULL;
    if (need)
        *need = 0;
    if (n > ZX_CKPT_MAX_SHARDS) {
        rc =
            zx_fail(err, ZX_ETOOBIG, "more than %u shards", ZX_CKPT_MAX_SHARDS);
        goto out;
    }
    for (f = 0; f < n; f++) {
        struct zx_st_header *h = NULL;
        uint64_t hl;

        zx_ckpt_add_slot(ck, names[f], sizes[f], NULL);
        rc = zx_st_header_len(heads[f], head_lens[f], &hl, err);
        if (rc) {
            zx_error_prefix(err, "'%s'", names[f]);
            goto out;
        }
        if (sizes[f] < 8 || hl > sizes[f] - 8) {
            rc = zx_fail(err, ZX_EFORMAT,
                         "'%s': header length %" PRIu64
                         " runs past the end of the file (%" PRIu64 " bytes)",
                         names[f], hl, sizes[f]);
            goto out;
        }
        if (8 + hl > head_lens[f]) {
            if (need)
                *need = 8 + hl;
            rc = ZX_EINCOMPAT;
            goto out;
        }
        rc = zx_st_parse_header((const char *)heads[f] + 8, (size_t)hl,
                                sizes[f], names[f], &h, err);
        if (rc)
            goto out;
        for (i = 0; i < h->n_tensors && !rc; i++) {
            h->tensors[i].file = (unsigned)f;
            rc = zx_ckpt_add_tensor(ck, &h->tensors[i], names[f], err);
        }
        zx_st_header_free(h);
        if (rc)
            goto out;
    }
    rc = zx_ckpt_sort(ck, n ? names[0] : "checkpoint", err);
    if (rc)
        goto out;
    *out = ck;
    ck = NULL;
out:
    zx_ckpt_close(ck);
    return rc;
}
