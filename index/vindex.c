/* vindex.c - FAISS behind one file, through its C API.
 *
 * FAISS's last error text lasts only until the next FAISS call
 * (c_api/error_c.h), so it is copied into struct zx_error at once.
 * SPDX-License-Identifier: MIT */
#include "vindex.h"

#include <errno.h>
#include <faiss/c_api/IndexFlat_c.h>
#include <faiss/c_api/IndexIVFFlat_c.h>
#include <faiss/c_api/IndexIVF_c.h>
#include <faiss/c_api/Index_c.h>
#include <faiss/c_api/MetaIndexes_c.h>
#include <faiss/c_api/error_c.h>
#include <faiss/c_api/index_io_c.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include "zx_fs.h"
#include "zx_hash.h"
#include "zx_mem.h"

/* The bytes of a vector file, and where its parts start inside them:
 * the file mapped read-only (zx_vindex_load), or what FAISS serialised
 * in memory (zx_vindex_build), searched by the same code either way. */
struct zx_vindex {
    unsigned char *map;
    size_t map_len;
    int mapped; /* munmap, else free */
    int dim;
    size_t n;
    const unsigned char *vecs;      /* flat: n x dim f32 */
    const unsigned char *ids;       /* n i64 external ids, insertion order */
    size_t nlist, nprobe;           /* 0: flat */
    const unsigned char *centroids; /* nlist x dim f32 */
    size_t *list_off, *list_len;    /* per cell: offset in map, vectors */
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
    if (vi->map && vi->mapped)
        munmap(vi->map, vi->map_len);
    else
        free(vi->map);
    free(vi->list_off);
    free(vi->list_len);
    free(vi);
}

/* The inner index: exact (flat) for small groups, an inverted file over
 * k-means cells for large ones, where a flat scan of every vector would
 * exceed the latency budget (100,000 x 256 floats = 100 MB per query). */
static int build_inner(int dim, const float *x, size_t n, FaissIndex **out,
                       struct zx_error *err)
{
    FaissIndexFlatL2 *flat = NULL;
    FaissIndexIVFFlat *ivf = NULL;
    size_t nlist, ntrain;

    *out = NULL;
    if (faiss_IndexFlatL2_new_with(&flat, dim))
        return faiss_fail(err, "cannot create a flat index");
    if (n < ZX_VINDEX_IVF_MIN) {
        *out = (FaissIndex *)flat;
        return ZX_OK;
    }
    nlist = 1;
    while (nlist * nlist < n)
        nlist++;
    if (faiss_IndexIVFFlat_new_with(&ivf, (FaissIndex *)flat, (size_t)dim,
                                    nlist)) {
        faiss_Index_free((FaissIndex *)flat);
        return faiss_fail(err, "cannot create an inverted-file index");
    }
    faiss_IndexIVFFlat_set_own_fields(ivf, 1);
    /* k-means on an evenly spread sample: 64 points per cell is plenty
     * and keeps a rebuild of 100,000 vectors around a second. */
    ntrain = nlist * 64 < n ? nlist * 64 : n;
    if (ntrain < n) {
        float *sample = xmalloc(ntrain * (size_t)dim * sizeof(float));
        size_t i;

        for (i = 0; i < ntrain; i++)
            memcpy(sample + i * (size_t)dim,
                   x + (i * (n / ntrain)) * (size_t)dim,
                   (size_t)dim * sizeof(float));
        if (faiss_Index_train((FaissIndex *)ivf, (idx_t)ntrain, sample)) {
            free(sample);
            faiss_Index_free((FaissIndex *)ivf);
            return faiss_fail(err, "cannot train the inverted-file index");
        }
        free(sample);
    } else if (faiss_Index_train((FaissIndex *)ivf, (idx_t)n, x)) {
        faiss_Index_free((FaissIndex *)ivf);
        return faiss_fail(err, "cannot train the inverted-file index");
    }
    faiss_IndexIVFFlat_set_nprobe(
        ivf, ZX_VINDEX_NPROBE < nlist ? ZX_VINDEX_NPROBE : nlist);
    *out = (FaissIndex *)ivf;
    return ZX_OK;
}

static int parse(struct zx_vindex *vi, const char *path, struct zx_error *err);

int zx_vindex_build(int dim, const float *x, const int64_t *ids, size_t n,
                    struct zx_vindex **out, struct zx_error *err)
{
    struct zx_vindex *vi = NULL;
    FaissIndex *inner = NULL, *index = NULL;
    FaissIndexIDMap2 *map = NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *mem;
    int rc;

    *out = NULL;
    rc = build_inner(dim, x, n, &inner, err);
    if (rc)
        goto out;
    if (faiss_IndexIDMap2_new(&map, inner)) {
        rc = faiss_fail(err, "cannot create an id map");
        goto out;
    }
    faiss_IndexIDMap2_set_own_fields(map, 1);
    inner = NULL;
    index = (FaissIndex *)map;
    if (n && faiss_Index_add_with_ids(index, (idx_t)n, x, (const idx_t *)ids)) {
        rc = faiss_fail(err, "cannot add vectors");
        goto out;
    }
    /* The file's bytes, in memory: saved as they are, searched as a
     * loaded file is. */
    mem = open_memstream(&buf, &len);
    if (!mem) {
        rc = zx_fail_errno(err, ZX_EIO, "cannot serialise the vector index");
        goto out;
    }
    if (faiss_write_index(index, mem)) {
        fclose(mem);
        rc = faiss_fail(err, "cannot serialise the vector index");
        goto out;
    }
    if (fclose(mem) != 0) {
        rc = zx_fail_errno(err, ZX_EIO, "cannot serialise the vector index");
        goto out;
    }
    vi = xcalloc(1, sizeof(*vi));
    vi->map = (unsigned char *)buf;
    vi->map_len = len;
    buf = NULL;
    rc = parse(vi, "(built in memory)", err);
    if (rc)
        goto out;
    *out = vi;
    vi = NULL;
out:
    if (inner)
        faiss_Index_free(inner);
    if (index)
        faiss_Index_free(index);
    free(buf);
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

    if (slash) {
        *slash = '\0';
    } else {
        free(dir);
        dir = xstrdup(".");
    }
    f = fopen(tmp, "wb");
    if (!f) {
        rc = zx_fail_errno(err, ZX_EIO, "cannot create '%s'", tmp);
        goto out;
    }
    if (fwrite(vi->map, 1, vi->map_len, f) != vi->map_len || fflush(f) != 0 ||
        fsync(fileno(f)) != 0) {
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

/* The files zx_vindex_save() writes, as FAISS 1.7 serialises an
 * IndexIDMap2 (all little-endian, no padding):
 *   1. "IxM2", then a header: i32 d, i64 ntotal, i64, i64, u8 is_trained,
 *      i32 metric (1: L2)
 *   2. the inner index, either
 *      "IxF2" (flat): the same header, u64 n*d, then n*d f32; or
 *      "IwFl" (inverted file): the header, u64 nlist, u64 nprobe, the
 *      quantizer (an "IxF2" of nlist centroids), u8 direct-map type (0),
 *      u64 0, then "ilar", u64 nlist, u64 code size (d*4), "full" with
 *      u64 nlist and nlist u64 cell sizes, or "sprs" with u64 2m and m
 *      (cell, size) pairs, then each non-empty cell: its vectors (f32),
 *      then their i64 positions in insertion order
 *   3. u64 ntotal, then ntotal i64 ids, ending the file
 * A search reads the file where it lies: zx_vindex_load maps it, checks
 * every length and offset against the file's size (the file is
 * untrusted: a damaged one is reported as such, never read past), and
 * keeps pointers into the mapping.  Opening costs no copy of the vectors,
 * and a search touches only the cells it probes: what FAISS's own search
 * of the same file would visit (the nprobe cells nearest the query by
 * exact L2, then every vector in them, exactly). */
#define HDR_LEN (4 + 4 + 8 + 8 + 8 + 1 + 4)
#define FOURCC(p, s) (!memcmp((p), (s), 4))

static int64_t rd_i64(const unsigned char *p)
{
    uint64_t v = 0;
    int i;

    for (i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return (int64_t)v;
}

static int32_t rd_i32(const unsigned char *p)
{
    return (int32_t)((uint32_t)p[0] | ((uint32_t)p[1] << 8) |
                     ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24));
}

/* A bounds-checked cursor over the mapped file. */
struct cur {
    const unsigned char *p, *end;
    int bad;
};

static const unsigned char *take(struct cur *c, uint64_t len)
{
    const unsigned char *at = c->p;

    if (c->bad || len > (uint64_t)(c->end - c->p)) {
        c->bad = 1;
        return NULL;
    }
    c->p += len;
    return at;
}

static uint64_t take_u64(struct cur *c)
{
    const unsigned char *p = take(c, 8);

    return p ? (uint64_t)rd_i64(p) : 0;
}

/* An index header with this tag: d and ntotal; 0 unless it is an L2 one. */
static int take_header(struct cur *c, const char *tag, int32_t *d, int64_t *n)
{
    const unsigned char *h = take(c, HDR_LEN);

    if (!h || !FOURCC(h, tag) || rd_i32(h + HDR_LEN - 4) != 1)
        return 0;
    *d = rd_i32(h + 4);
    *n = rd_i64(h + 8);
    return *d > 0 && *d <= (1 << 20) && *n >= 0 && *n <= (int64_t)1 << 40;
}

/* A flat index of n vectors of d floats: a pointer to its vectors. */
static const unsigned char *take_flat(struct cur *c, int32_t d, int64_t n)
{
    int32_t d2;
    int64_t n2;

    if (!take_header(c, "IxF2", &d2, &n2) || d2 != d || n2 != n ||
        take_u64(c) != (uint64_t)n * (uint64_t)d)
        return NULL;
    return take(c, (uint64_t)n * (uint64_t)d * 4);
}

static int take_ivf(struct cur *c, struct zx_vindex *vi)
{
    const unsigned char *t;
    uint64_t cells, k, m, at, total = 0;
    size_t i;

    vi->nlist = take_u64(c);
    vi->nprobe = take_u64(c);
    if (c->bad || vi->nlist == 0 || vi->nlist > ((uint64_t)1 << 32))
        return 0;
    vi->centroids = take_flat(c, vi->dim, (int64_t)vi->nlist);
    t = take(c, 1); /* direct map: none */
    if (!vi->centroids || !t || *t != 0 || take_u64(c) != 0)
        return 0;
    t = take(c, 4);
    if (!t || !FOURCC(t, "ilar") || take_u64(c) != vi->nlist ||
        take_u64(c) != (uint64_t)vi->dim * 4)
        return 0;
    vi->list_off = xcalloc(vi->nlist, sizeof(*vi->list_off));
    vi->list_len = xcalloc(vi->nlist, sizeof(*vi->list_len));
    t = take(c, 4);
    if (!t)
        return 0;
    if (FOURCC(t, "full")) {
        if (take_u64(c) != vi->nlist)
            return 0;
        for (i = 0; i < vi->nlist && !c->bad; i++)
            vi->list_len[i] = take_u64(c);
    } else if (FOURCC(t, "sprs")) {
        m = take_u64(c);
        if (m % 2 || m > 2 * (uint64_t)vi->nlist)
            return 0;
        for (k = 0; k < m / 2 && !c->bad; k++) {
            cells = take_u64(c);
            if (cells >= vi->nlist)
                return 0;
            vi->list_len[cells] = take_u64(c);
        }
    } else {
        return 0;
    }
    for (i = 0; i < vi->nlist && !c->bad; i++) {
        if (vi->list_len[i] > vi->n - total)
            return 0;
        total += vi->list_len[i];
        at = (uint64_t)(c->p - vi->map);
        vi->list_off[i] = (size_t)at;
        take(c, (uint64_t)vi->list_len[i] * ((uint64_t)vi->dim * 4 + 8));
    }
    return !c->bad && total == vi->n;
}

/* Keep the k smallest (dist, id) pairs, ascending; *n of them so far. */
static inline void top_push(float *dist, int64_t *ids, int k, int *n, float d,
                            int64_t id)
{
    int i;

    if (*n == k && !(d < dist[k - 1]))
        return;
    i = *n < k ? (*n)++ : k - 1;
    for (; i > 0 && dist[i - 1] > d; i--) {
        dist[i] = dist[i - 1];
        ids[i] = ids[i - 1];
    }
    dist[i] = d;
    ids[i] = id;
}

/* Dimensions summed between two looks at the k-th best distance. */
#define CHUNK 32

/* Push m vectors of d floats (stored unaligned, stride bytes apart) into
 * the top k by squared L2 distance to q; their positions are read from
 * pos, or count up from pos0; positions past n are ignored.  A distance
 * is summed CHUNK dimensions at a time and abandoned once it reaches the
 * k-th best so far: the terms are not negative, so such a vector cannot
 * enter the top k, and the answer is the full scan's, for a fraction of
 * the reads.  Compiled for the CPU's widest vector unit, chosen when the
 * program starts. */
__attribute__((target_clones("avx512f", "avx2", "default"))) static void
scan_vectors(const float *q, const unsigned char *v, size_t m, int d,
             size_t stride, const unsigned char *pos, size_t pos0, size_t n,
             float *dist, int64_t *ids, int k, int *found)
{
    size_t i;

    for (i = 0; i < m; i++, v += stride) {
        float s = 0.0f, thr = *found == k ? dist[k - 1] : INFINITY;
        int64_t p;
        int j0;

        for (j0 = 0; j0 < d && s < thr; j0 += CHUNK) {
            int e = d - j0 < CHUNK ? d : j0 + CHUNK, j;
            float c = 0.0f;

#pragma omp simd reduction(+ : c)
            for (j = j0; j < e; j++) {
                float x;

                memcpy(&x, v + (size_t)j * 4, 4);
                x -= q[j];
                c += x * x;
            }
            s += c;
        }
        if (!(s < thr))
            continue;
        p = pos ? rd_i64(pos + i * 8) : (int64_t)(pos0 + i);
        if (p < 0 || (uint64_t)p >= n)
            continue; /* cannot happen in a checked file */
        top_push(dist, ids, k, found, s, p);
    }
}

static void search_mapped(const struct zx_vindex *vi, const float *q, int k,
                          float *dist, int64_t *ids, int *found)
{
    int i;

    *found = 0;
    if (!vi->nlist) {
        scan_vectors(q, vi->vecs, vi->n, vi->dim, (size_t)vi->dim * 4, NULL, 0,
                     vi->n, dist, ids, k, found);
    } else {
        size_t np = vi->nprobe < vi->nlist ? vi->nprobe : vi->nlist;
        size_t stride = (size_t)vi->dim * 4;
        float *pd;
        int64_t *pc;
        int got = 0;

        if (np == 0)
            np = 1;
        pd = xmalloc(np * sizeof(*pd));
        pc = xmalloc(np * sizeof(*pc));
        /* the np nearest cells, nearest first: its vectors set a tight
         * k-th best early, which cuts the other cells' reads short */
        scan_vectors(q, vi->centroids, vi->nlist, vi->dim, stride, NULL, 0,
                     vi->nlist, pd, pc, (int)np, &got);
        for (i = 0; i < got; i++) {
            size_t len = vi->list_len[pc[i]];
            const unsigned char *v = vi->map + vi->list_off[pc[i]];

            scan_vectors(q, v, len, vi->dim, stride, v + len * stride, 0, vi->n,
                         dist, ids, k, found);
        }
        free(pd);
        free(pc);
    }
    for (i = 0; i < *found; i++) /* positions to the store's ids */
        ids[i] = rd_i64(vi->ids + (size_t)ids[i] * 8);
}

/* Find the parts of the file in vi->map; ZX_EINDEX if anything is off. */
static int parse(struct zx_vindex *vi, const char *path, struct zx_error *err)
{
    struct cur c;
    const unsigned char *t;
    int32_t d;
    int64_t n;
    int ok;

    c.p = vi->map;
    c.end = vi->map + vi->map_len;
    c.bad = 0;
    if (vi->map_len < 2 * HDR_LEN + 8 || !FOURCC(vi->map, "IxM2") ||
        (!FOURCC(vi->map + HDR_LEN, "IxF2") &&
         !FOURCC(vi->map + HDR_LEN, "IwFl")))
        return zx_fail(err, ZX_EINDEX, "'%s' is not a zoodex vector file",
                       path);
    ok = take_header(&c, "IxM2", &d, &n);
    vi->dim = d;
    vi->n = (size_t)n;
    if (ok && FOURCC(c.p, "IxF2")) {
        vi->vecs = take_flat(&c, d, n);
        ok = vi->vecs != NULL;
    } else if (ok) {
        int32_t d2;
        int64_t n2;

        ok = take_header(&c, "IwFl", &d2, &n2) && d2 == d && n2 == n &&
             take_ivf(&c, vi);
    }
    if (ok) {
        ok = take_u64(&c) == (uint64_t)n;
        t = take(&c, (uint64_t)n * 8);
        vi->ids = t;
        ok = ok && t && c.p == c.end; /* the id list closes the file */
    }
    if (!ok)
        return zx_fail(err, ZX_EINDEX,
                       "vector file '%s' is damaged (%zu bytes)", path,
                       vi->map_len);
    return ZX_OK;
}

int zx_vindex_load(const char *path, struct zx_vindex **out,
                   struct zx_error *err)
{
    struct zx_vindex *vi;
    struct stat st;
    void *map;
    int fd, rc;

    *out = NULL;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return ZX_ENOTFOUND;
        return zx_fail_errno(err, ZX_EIO, "cannot open '%s'", path);
    }
    if (fstat(fd, &st) != 0) {
        close(fd);
        return zx_fail_errno(err, ZX_EIO, "cannot read '%s'", path);
    }
    if (!S_ISREG(st.st_mode) || st.st_size < 2 * HDR_LEN + 8) {
        close(fd);
        return zx_fail(err, ZX_EINDEX, "'%s' is not a zoodex vector file",
                       path);
    }
    map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (map == MAP_FAILED)
        return zx_fail_errno(err, ZX_EIO, "cannot read '%s'", path);
    vi = xcalloc(1, sizeof(*vi));
    vi->map = map;
    vi->map_len = (size_t)st.st_size;
    vi->mapped = 1;
    rc = parse(vi, path, err);
    if (rc) {
        zx_vindex_free(vi);
        return rc;
    }
    *out = vi;
    return ZX_OK;
}

int zx_vindex_make_resident(struct zx_vindex *vi)
{
    const size_t huge = (size_t)2 << 20;
    unsigned char *a = NULL;
    void *p = NULL;

    if (!vi->mapped)
        return 0;
    if (posix_memalign(&p, huge, vi->map_len) != 0)
        return -1;
    a = p;
    /* Large pages: a search reads many scattered pages, and on some
     * machines (virtualised ones) a TLB miss costs more than the read. */
    madvise(a, (vi->map_len + huge - 1) / huge * huge, MADV_HUGEPAGE);
    memcpy(a, vi->map, vi->map_len);
#define REBASE(f) (f) = (f) ? a + ((f)-vi->map) : NULL
    REBASE(vi->vecs);
    REBASE(vi->ids);
    REBASE(vi->centroids);
#undef REBASE
    munmap(vi->map, vi->map_len);
    vi->map = a;
    vi->mapped = 0;
    return 0;
}

void zx_vindex_digest(const struct zx_vindex *vi, char hex[33])
{
    struct zx_xxh *h = zx_xxh_new();

    zx_xxh_update(h, vi->map, vi->map_len);
    zx_xxh_final_hex(h, hex);
    zx_xxh_free(h);
}

size_t zx_vindex_bytes(const struct zx_vindex *vi)
{
    return vi->map_len;
}

int zx_vindex_dim(const struct zx_vindex *vi)
{
    return vi->dim;
}

size_t zx_vindex_size(const struct zx_vindex *vi)
{
    return vi->n;
}

void zx_vindex_ids(const struct zx_vindex *vi, int64_t *out)
{
    size_t i;

    for (i = 0; i < vi->n; i++)
        out[i] = rd_i64(vi->ids + i * 8);
}

void zx_vindex_vectors(const struct zx_vindex *vi, int64_t *ids, float *x)
{
    size_t i, j, d = (size_t)vi->dim, stride = d * 4;

    zx_vindex_ids(vi, ids);
    if (!vi->nlist) {
        memcpy(x, vi->vecs, vi->n * stride);
        return;
    }
    memset(x, 0, vi->n * stride);
    for (i = 0; i < vi->nlist; i++) {
        const unsigned char *v = vi->map + vi->list_off[i];
        const unsigned char *pos = v + vi->list_len[i] * stride;

        for (j = 0; j < vi->list_len[i]; j++) {
            int64_t p = rd_i64(pos + j * 8);

            if (p >= 0 && (uint64_t)p < vi->n)
                memcpy(x + (size_t)p * d, v + j * stride, stride);
        }
    }
}

int zx_vindex_search(const struct zx_vindex *vi, const float *q, int k,
                     float *dist, int64_t *ids, int *n_found,
                     struct zx_error *err)
{
    int i;

    (void)err;
    *n_found = 0;
    if (k <= 0)
        return ZX_OK;
    for (i = 0; i < k; i++) {
        dist[i] = 0.0f;
        ids[i] = -1;
    }
    search_mapped(vi, q, k, dist, ids, n_found);
    for (i = 0; i < *n_found; i++)
        dist[i] = dist[i] > 0 ? sqrtf(dist[i]) : 0.0f;
    return ZX_OK;
}
