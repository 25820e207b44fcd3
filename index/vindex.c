/* vindex.c - FAISS behind one file, through its C API.
 *
 * FAISS's last error text lasts only until the next FAISS call
 * (c_api/error_c.h), so it is copied into struct zx_error at once.
 * SPDX-License-Identifier: MIT */
#include "vindex.h"

#include <errno.h>
#include <faiss/c_api/IndexFlat_c.h>
#include <faiss/c_api/Index_c.h>
#include <faiss/c_api/MetaIndexes_c.h>
#include <faiss/c_api/error_c.h>
#include <faiss/c_api/index_io_c.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zx_fs.h"
#include "zx_mem.h"

struct zx_vindex {
    FaissIndex *index;   /* an IndexIDMap2 */
};

static int faiss_fail(struct zx_error *err, const char *what)
{
    const char *m = faiss_get_last_error();

    return zx_fail(err, ZX_EINDEX, "%s: %s", what, m ? m : "FAISS error");
}

void zx_vindex_free(struct zx_vindex *vi)
{
    if (!vi)
        return;
    if (vi->index)
        faiss_Index_free(vi->index);
    free(vi);
}

int zx_vindex_build(int dim, const float *x, const int64_t *ids, size_t n,
                    struct zx_vindex **out, struct zx_error *err)
{
    struct zx_vindex *vi = xcalloc(1, sizeof(*vi));
    FaissIndexFlatL2 *flat = NULL;
    FaissIndexIDMap2 *map = NULL;
    int rc = ZX_OK;

    *out = NULL;
    if (faiss_IndexFlatL2_new_with(&flat, dim)) {
        rc = faiss_fail(err, "cannot create a flat index");
        goto out;
    }
    if (faiss_IndexIDMap2_new(&map, (FaissIndex *)flat)) {
        rc = faiss_fail(err, "cannot create an id map");
        goto out;
    }
    faiss_IndexIDMap2_set_own_fields(map, 1);
    flat = NULL;
    vi->index = (FaissIndex *)map;
    if (n && faiss_Index_add_with_ids(vi->index, (idx_t)n, x,
                                      (const idx_t *)ids)) {
        rc = faiss_fail(err, "cannot add vectors");
        goto out;
    }
    *out = vi;
    vi = NULL;
out:
    if (flat)
        faiss_Index_free((FaissIndex *)flat);
    zx_vindex_free(vi);
    return rc;
}

int zx_vindex_save(const struct zx_vindex *vi, const char *path,
                   struct zx_error *err)
{
    char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
    char *dir = xstrdup(path), *slash = strrchr(dir, '/');
    FILE *f = NULL;
    int rc = ZX_OK;

    if (slash)
        *slash = '\0';
    else
        strcpy(dir, ".");
    f = fopen(tmp, "wb");
    if (!f) {
        rc = zx_fail_errno(err, ZX_EIO, "cannot create '%s'", tmp);
        goto out;
    }
    if (faiss_write_index(vi->index, f)) {
        rc = faiss_fail(err, "cannot write the vector index");
        goto out;
    }
    if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
        rc = zx_fail_errno(err, ZX_EIO, "cannot write '%s'", tmp);
        goto out;
    }
    if (fclose(f) != 0) {
        f = NULL;
        rc = zx_fail_errno(err, ZX_EIO, "cannot write '%s'", tmp);
        goto out;
    }
    f = NULL;
    if (rename(tmp, path) != 0) {
        rc = zx_fail_errno(err, ZX_EIO, "cannot rename '%s'", tmp);
        goto out;
    }
    rc = zx_fsync_dir(dir, err);
out:
    if (f)
        fclose(f);
    if (rc)
        unlink(tmp);
    free(tmp);
    free(dir);
    return rc;
}

int zx_vindex_load(const char *path, struct zx_vindex **out,
                   struct zx_error *err)
{
    struct zx_vindex *vi;
    FaissIndex *idx = NULL;
    FaissIndexIDMap2 *map;
    FILE *f;

    *out = NULL;
    f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT)
            return ZX_ENOTFOUND;
        return zx_fail_errno(err, ZX_EIO, "cannot open '%s'", path);
    }
    if (faiss_read_index(f, 0, &idx)) {
        fclose(f);
        return faiss_fail(err, path);
    }
    fclose(f);
    map = faiss_IndexIDMap2_cast(idx);
    if (!map) {
        faiss_Index_free(idx);
        return zx_fail(err, ZX_EINDEX, "'%s' is not a zoodex vector index",
                       path);
    }
    vi = xcalloc(1, sizeof(*vi));
    vi->index = idx;
    *out = vi;
    return ZX_OK;
}

int zx_vindex_dim(const struct zx_vindex *vi)
{
    return faiss_Index_d(vi->index);
}

size_t zx_vindex_size(const struct zx_vindex *vi)
{
    return (size_t)faiss_Index_ntotal(vi->index);
}

const int64_t *zx_vindex_ids(const struct zx_vindex *vi)
{
    idx_t *ids = NULL;
    size_t n = 0;

    faiss_IndexIDMap2_id_map(vi->index, &ids, &n);
    return (const int64_t *)ids;
}

int zx_vindex_search(const struct zx_vindex *vi, const float *q, int k,
                     float *dist, int64_t *ids, int *n_found,
                     struct zx_error *err)
{
    int i;

    *n_found = 0;
    if (k <= 0)
        return ZX_OK;
    if (faiss_Index_search(vi->index, 1, q, k, dist, (idx_t *)ids))
        return faiss_fail(err, "vector search failed");
    for (i = 0; i < k; i++) {
        if (ids[i] < 0)
            break;
        dist[i] = dist[i] > 0 ? sqrtf(dist[i]) : 0.0f;
    }
    *n_found = i;
    return ZX_OK;
}
