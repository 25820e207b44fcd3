/* desc.c - weight fingerprints, kurtosis, content digests.
 * SPDX-License-Identifier: MIT */
#include "desc.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zx_buf.h"
#include "zx_hash.h"
#include "zx_linalg.h"
#include "zx_mem.h"

#define BLOCK 4096
#define SEED_ROW 0x7a78666e65757231ull /* "zxfneur1" */
#define SEED_COL 0x7a7866636f6c7331ull /* "zxfcols1" */
#define SEED_LFP 0x7a786c6670727331ull /* "zxlfprs1" */

/* Name components that mark a classification head or a token embedding:
 * both are replaced or resized by fine-tuning, so they stay out of the
 * signature and the fingerprint. */
static const char *const head_parts[] = {
    "classifier", "score", "lm_head",        "qa_outputs", "head",
    "heads",      "cls",   "pre_classifier", "logits",     "output_projection",
    "fc_out",
};
static const char *const embed_parts[] = {
    "word_embeddings", "embed_tokens",    "wte",
    "shared",          "token_embedding", "tok_embeddings",
    "embed_in",        "embed_out",       "decoder_embed_tokens",
};

static int has_part(const char *name, const char *const *parts, size_t n)
{
    const char *p = name;

    while (*p) {
        const char *e = strchr(p, '.');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        size_t i;

        for (i = 0; i < n; i++)
            if (strlen(parts[i]) == len && !strncmp(p, parts[i], len))
                return 1;
        if (!e)
            break;
        p = e + 1;
    }
    return 0;
}

int zx_desc_is_backbone(const struct zx_tensor *t)
{
    return t->ndim >= 2 && t->n_elems > 0 && t->shape[0] > 0 &&
           zx_dtype_is_float(t->dtype) && zx_dtype_is_numeric(t->dtype) &&
           !has_part(t->name, head_parts,
                     sizeof(head_parts) / sizeof(head_parts[0])) &&
           !has_part(t->name, embed_parts,
                     sizeof(embed_parts) / sizeof(embed_parts[0]));
}

json_t *zx_desc_algo(void)
{
    return json_pack("{s:s,s:i,s:{s:i,s:i,s:s,s:s},s:{s:i,s:s,s:s,s:s},"
                     "s:s,s:s}",
                     "name", "zx-weights", "version", ZX_DESC_VERSION,
                     "fingerprint", "neurons", ZX_FP_NEURONS, "cols",
                     ZX_FP_COLS, "seed", "arch-signature", "distance", "l2",
                     "lineage", "max_dim", ZX_LFP_DIM, "sample",
                     "one-run-per-2d-backbone-tensor", "seed", "arch-signature",
                     "distance", "linf", "kurtosis",
                     "fisher-biased-sum-square-2d", "content", "xxh3-128");
}

double zx_desc_distance(const float *a, const float *b)
{
    double s = 0;
    int i;

    for (i = 0; i < ZX_FP_DIM; i++) {
        double d = (double)a[i] - (double)b[i];

        s += d * d;
    }
    return sqrt(s);
}

/* ===== Moments ===== */

struct moments {
    double n, mean, m2, m3, m4;
};

/* Central sums of one block, two passes over cache-resident data. */
static void block_moments(const float *x, size_t n, struct moments *b)
{
    double s = 0, mean, s2 = 0, s3 = 0, s4 = 0;
    size_t i;

#pragma omp simd reduction(+ : s)
    for (i = 0; i < n; i++)
        s += x[i];
    mean = s / (double)n;
#pragma omp simd reduction(+ : s2, s3, s4)
    for (i = 0; i < n; i++) {
        double d = (double)x[i] - mean, d2 = d * d;

        s2 += d2;
        s3 += d2 * d;
        s4 += d2 * d2;
    }
    b->n = (double)n;
    b->mean = mean;
    b->m2 = s2;
    b->m3 = s3;
    b->m4 = s4;
}

/* Merge b into a (Pebay 2008, pairwise update of central sums). */
static void merge_moments(struct moments *a, const struct moments *b)
{
    double na = a->n, nb = b->n, n = na + nb, d, d2, m2, m3, m4;

    if (nb == 0)
        return;
    if (na == 0) {
        *a = *b;
        return;
    }
    d = b->mean - a->mean;
    d2 = d * d;
    m2 = a->m2 + b->m2 + d2 * na * nb / n;
    m3 = a->m3 + b->m3 + d2 * d * na * nb * (na - nb) / (n * n) +
         3.0 * d * (na * b->m2 - nb * a->m2) / n;
    m4 = a->m4 + b->m4 +
         d2 * d2 * na * nb * (na * na - na * nb + nb * nb) / (n * n * n) +
         6.0 * d2 * (na * na * b->m2 + nb * nb * a->m2) / (n * n) +
         4.0 * d * (na * b->m3 - nb * a->m3) / n;
    a->mean += d * nb / n;
    a->n = n;
    a->m2 = m2;
    a->m3 = m3;
    a->m4 = m4;
}

static double excess_kurtosis(const struct moments *m)
{
    if (m->n == 0 || m->m2 <= 0)
        return NAN;
    return m->n * m->m4 / (m->m2 * m->m2) - 3.0;
}

double zx_desc_kurtosis(const float *x, uint64_t n)
{
    struct moments acc = {0}, b;
    uint64_t i;

    for (i = 0; i < n; i += BLOCK) {
        size_t len = (size_t)(n - i < BLOCK ? n - i : BLOCK);

        block_moments(x + i, len, &b);
        merge_moments(&acc, &b);
    }
    return excess_kurtosis(&acc);
}

static double tensor_kurtosis(const struct zx_tensor *t,
                              const unsigned char *data, float *buf)
{
    struct moments acc = {0}, b;
    uint64_t i;

    for (i = 0; i < t->n_elems; i += BLOCK) {
        size_t len = (size_t)(t->n_elems - i < BLOCK ? t->n_elems - i : BLOCK);

        /* Aligned F32 is read in place; unaligned data (legacy torch
         * files, packed safetensors) goes through the copy below. */
        if (t->dtype == ZX_DTYPE_F32 && ((uintptr_t)data & 3) == 0) {
            block_moments((const float *)(const void *)data + i, len, &b);
            merge_moments(&acc, &b);
            continue;
        }
        zx_to_float(t->dtype, data, i, len, buf);
        block_moments(buf, len, &b);
        merge_moments(&acc, &b);
    }
    return excess_kurtosis(&acc);
}

/* ===== Fingerprint ===== */

static uint64_t mix(uint64_t seed, uint64_t k)
{
    unsigned char b[16];
    int i;

    for (i = 0; i < 8; i++) {
        b[i] = (unsigned char)(seed >> (8 * i));
        b[8 + i] = (unsigned char)(k >> (8 * i));
    }
    return zx_hash64(b, sizeof(b), 0);
}

/* Tensors in file order, so that cold files stream sequentially. */
struct pos {
    unsigned file;
    uint64_t offset;
    size_t idx;
};

static int cmp_pos(const void *a, const void *b)
{
    const struct pos *x = a, *y = b;

    if (x->file != y->file)
        return x->file < y->file ? -1 : 1;
    if (x->offset != y->offset)
        return x->offset < y->offset ? -1 : 1;
    return 0;
}

/* The coordinates of the fingerprint: neuron k is global backbone row
 * r_k = h(seed, k) mod rows; its coordinates are columns h(seed, k, j) mod
 * cols of that row.  bb lists the backbone tensors by name. */
static void sample_points(const struct zx_ckpt *ck, const size_t *bb,
                          size_t nbb, uint64_t seed, struct zx_fp_point *pts)
{
    uint64_t *start = xcalloc(nbb + 1, sizeof(*start));
    uint64_t rows = 0;
    size_t i;
    int k, j;

    for (i = 0; i < nbb; i++) {
        start[i] = rows;
        rows += zx_ckpt_tensor(ck, bb[i])->shape[0];
    }
    start[nbb] = rows;
    for (k = 0; k < ZX_FP_NEURONS; k++) {
        uint64_t r = mix(seed ^ SEED_ROW, (uint64_t)k) % rows, cols, row;
        size_t lo = 0, hi = nbb;
        const struct zx_tensor *t;

        while (hi - lo > 1) { /* last tensor whose start <= r */
            size_t mid = (lo + hi) / 2;

            if (start[mid] <= r)
                lo = mid;
            else
                hi = mid;
        }
        t = zx_ckpt_tensor(ck, bb[lo]);
        row = r - start[lo];
        cols = t->n_elems / t->shape[0];
        for (j = 0; j < ZX_FP_COLS; j++) {
            uint64_t c =
                mix(seed ^ SEED_COL, (uint64_t)(k * ZX_FP_COLS + j)) % cols;

            pts[k * ZX_FP_COLS + j].tensor = bb[lo];
            pts[k * ZX_FP_COLS + j].elem = row * cols + c;
        }
    }
    free(start);
}

void zx_desc_fill_fp(struct zx_desc *d, const float *vals)
{
    int i;

    for (i = 0; i < ZX_FP_DIM; i++)
        d->fp[i] = isfinite(vals[i]) ? vals[i] : 0.0f;
}

void zx_desc_lineage_layout(const struct zx_ckpt *ck, const struct zx_desc *d,
                            struct zx_fp_point *pts, uint32_t *dim)
{
    size_t n = zx_ckpt_n_tensors(ck), i, nt = 0, k;
    uint64_t seed = zx_hash64(d->arch, strlen(d->arch), SEED_LFP);
    uint32_t m, out = 0;

    for (i = 0; i < n; i++) {
        const struct zx_tensor *t = zx_ckpt_tensor(ck, i);

        nt += zx_desc_is_backbone(t) && t->ndim == 2 &&
              zx_dtype_is_float(t->dtype);
    }
    *dim = 0;
    if (!nt)
        return;
    m = (uint32_t)(ZX_LFP_DIM / nt);
    if (!m)
        m = 1;
    for (i = 0, k = 0; i < n && out < ZX_LFP_DIM; i++) {
        const struct zx_tensor *t = zx_ckpt_tensor(ck, i);
        uint64_t take, start = 0, e;

        if (!(zx_desc_is_backbone(t) && t->ndim == 2 &&
              zx_dtype_is_float(t->dtype)))
            continue;
        take = t->n_elems < m ? t->n_elems : m;
        if (take > ZX_LFP_DIM - out)
            take = ZX_LFP_DIM - out;
        if (t->n_elems > take)
            start = mix(seed, (uint64_t)k) % (t->n_elems - take + 1);
        for (e = 0; e < take; e++) {
            pts[out].tensor = i;
            pts[out++].elem = start + e;
        }
        k++;
    }
    *dim = out;
}

void zx_desc_fill_lfp(struct zx_desc *d, const float *vals, uint32_t dim)
{
    uint32_t i;

    for (i = 0; i < dim && i < ZX_LFP_DIM; i++)
        d->lfp[i] = isfinite(vals[i]) ? vals[i] : 0.0f;
    d->lfp_dim = i;
}

double zx_desc_lfp_distance(const float *a, const float *b, uint32_t dim)
{
    double m = 0;
    uint32_t i;

    for (i = 0; i < dim; i++) {
        double x = fabs((double)a[i] - b[i]);

        if (x > m)
            m = x;
    }
    return m;
}

int zx_desc_layout(const struct zx_ckpt *ck, struct zx_desc *d,
                   struct zx_fp_point *pts)
{
    size_t n = zx_ckpt_n_tensors(ck), i, nbb = 0, *bb;
    struct zx_buf sig = {0};
    uint64_t seed, best = 0;
    int dt;

    memset(d, 0, sizeof(*d));
    d->kurtosis = NAN;
    if (n == 0)
        return ZX_EFORMAT;
    bb = xcalloc(n, sizeof(*bb));
    for (i = 0; i < n; i++) {
        const struct zx_tensor *t = zx_ckpt_tensor(ck, i);

        d->params_by_dtype[t->dtype] += t->n_elems;
        d->n_params += t->n_elems;
        if (zx_desc_is_backbone(t))
            bb[nbb++] = i; /* the table is sorted by name already */
    }
    d->n_tensors = n;
    {
        struct zx_sha256 *ld = zx_sha256_new();

        for (i = 0; i < n; i++) { /* the table is sorted by strcmp */
            const struct zx_tensor *t = zx_ckpt_tensor(ck, i);
            int k;

            zx_buf_reset(&sig);
            zx_buf_printf(&sig, "%s\t%s\t", t->name, zx_dtype_name(t->dtype));
            for (k = 0; k < t->ndim; k++)
                zx_buf_printf(&sig, "%s%" PRIu64, k ? "," : "", t->shape[k]);
            zx_buf_addc(&sig, '\n');
            zx_sha256_update(ld, sig.data, sig.len);
        }
        zx_sha256_final_hex(ld, d->layout_digest);
        zx_sha256_free(ld);
        zx_buf_reset(&sig);
    }
    for (i = 0; i < nbb; i++) {
        const struct zx_tensor *t = zx_ckpt_tensor(ck, bb[i]);
        int k;

        zx_buf_printf(&sig, "%s\t", t->name);
        for (k = 0; k < t->ndim; k++)
            zx_buf_printf(&sig, "%s%" PRIu64, k ? "," : "", t->shape[k]);
        zx_buf_addc(&sig, '\n');
    }
    /* The version seeds the signature: descriptors of different versions
     * land in different groups and are never compared. */
    seed = zx_hash64(zx_buf_cstr(&sig), sig.len, ZX_DESC_VERSION);
    snprintf(d->arch, sizeof(d->arch), "%016" PRIx64, seed);
    d->n_backbone = nbb;
    if (nbb) {
        sample_points(ck, bb, nbb, seed, pts);
        d->has_fp = 1;
    }
    for (dt = 0; dt < ZX_DTYPE_COUNT; dt++) {
        if (d->params_by_dtype[dt] > best) {
            best = d->params_by_dtype[dt];
            snprintf(d->main_dtype, sizeof(d->main_dtype), "%s",
                     zx_dtype_name((enum zx_dtype)dt));
        }
    }
    zx_buf_release(&sig);
    free(bb);
    return ZX_OK;
}

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int zx_desc_layout_digest_json(const json_t *tensors, char hex[65])
{
    size_t n = json_object_size(tensors), i = 0, k;
    const char **names, *name;
    struct zx_sha256 *ld;
    struct zx_buf line = {0};
    json_t *t, *dim;
    int rc = 0;

    hex[0] = '\0';
    if (!json_is_object(tensors) || n == 0)
        return -1;
    names = xcalloc(n, sizeof(*names));
    json_object_foreach((json_t *)tensors, name, t) names[i++] = name;
    qsort(names, n, sizeof(*names), cmp_cstr);
    ld = zx_sha256_new();
    for (i = 0; i < n && !rc; i++) {
        json_t *shape;

        t = json_object_get(tensors, names[i]);
        shape = json_object_get(t, "shape");
        if (!zx_json_str(t, "dtype") || !json_is_array(shape)) {
            rc = -1;
            break;
        }
        zx_buf_reset(&line);
        zx_buf_printf(&line, "%s\t%s\t", names[i], zx_json_str(t, "dtype"));
        json_array_foreach(shape, k, dim)
        {
            if (!json_is_integer(dim))
                rc = -1;
            zx_buf_printf(&line, "%s%" JSON_INTEGER_FORMAT, k ? "," : "",
                          json_integer_value(dim));
        }
        zx_buf_addc(&line, '\n');
        zx_sha256_update(ld, line.data, line.len);
    }
    if (!rc)
        zx_sha256_final_hex(ld, hex);
    zx_sha256_free(ld);
    zx_buf_release(&line);
    free(names);
    return rc;
}

/* ===== The pass ===== */

/* Per-tensor work (content digest, kurtosis) is independent, so two
 * workers share it: they take tensors in file order from a shared cursor
 * and write results into per-tensor slots; sums are then formed in tensor
 * order, so the result does not depend on the scheduling. */
struct pass {
    const struct zx_ckpt *ck;
    const struct pos *order;
    size_t n;
    size_t next; /* guarded by mu */
    pthread_mutex_t mu;
    char (*digests)[33];
    double *kurt; /* NAN when not a square float layer */
};

static int is_square_float(const struct zx_tensor *t)
{
    return t->ndim == 2 && t->shape[0] == t->shape[1] && t->shape[0] > 1 &&
           zx_dtype_is_float(t->dtype) && zx_dtype_is_numeric(t->dtype);
}

static void *pass_worker(void *arg)
{
    struct pass *p = arg;
    float *buf = xmalloc(BLOCK * sizeof(float));

    for (;;) {
        size_t i, ti;
        const struct zx_tensor *t;
        const unsigned char *data;
        struct zx_xxh *h;

        pthread_mutex_lock(&p->mu);
        i = p->next++;
        pthread_mutex_unlock(&p->mu);
        if (i >= p->n)
            break;
        ti = p->order[i].idx;
        t = zx_ckpt_tensor(p->ck, ti);
        data = zx_ckpt_data(p->ck, ti);
        h = zx_xxh_new();
        if (data)
            zx_xxh_update(h, data, (size_t)t->n_bytes);
        zx_xxh_final_hex(h, p->digests[ti]);
        zx_xxh_free(h);
        p->kurt[ti] =
            data && is_square_float(t) ? tensor_kurtosis(t, data, buf) : NAN;
        if (!zx_desc_is_backbone(t))
            zx_ckpt_drop(p->ck, ti);
    }
    free(buf);
    return NULL;
}

static void run_pass(struct pass *p)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int nw = cpus >= 2 ? 2 : 1, i, started = 0;
    pthread_t th[2];

    pthread_mutex_init(&p->mu, NULL);
    for (i = 1; i < nw; i++)
        if (pthread_create(&th[i], NULL, pass_worker, p) == 0)
            started++;
    pass_worker(p);
    for (i = 1; i <= started; i++)
        pthread_join(th[i], NULL);
    pthread_mutex_destroy(&p->mu);
}

int zx_desc_compute(const struct zx_ckpt *ck, struct zx_desc *d,
                    json_t **tensors, struct zx_error *err)
{
    size_t n = zx_ckpt_n_tensors(ck), i;
    struct pos *order;
    char(*digests)[33] = xcalloc(n + 1, sizeof(*digests));
    struct zx_fp_point *pts = xcalloc(ZX_FP_DIM, sizeof(*pts));
    struct zx_buf line = {0};
    struct zx_sha256 *wd;
    struct pass p;
    int k;

    memset(d, 0, sizeof(*d));
    if (tensors)
        *tensors = NULL;
    if (n == 0) {
        free(digests);
        free(pts);
        return zx_fail(err, ZX_EFORMAT, "checkpoint has no tensors");
    }
    order = xcalloc(n, sizeof(*order));
    for (i = 0; i < n; i++) {
        order[i].file = zx_ckpt_tensor(ck, i)->file;
        order[i].offset = zx_ckpt_tensor(ck, i)->offset;
        order[i].idx = i;
    }
    qsort(order, n, sizeof(*order), cmp_pos);
    memset(&p, 0, sizeof(p));
    p.ck = ck;
    p.order = order;
    p.n = n;
    p.digests = digests;
    p.kurt = xcalloc(n, sizeof(double));
    run_pass(&p);
    zx_desc_layout(ck, d, pts);
    d->kurtosis = 0;
    for (i = 0; i < n; i++) {
        if (!isnan(p.kurt[i])) {
            d->kurtosis += p.kurt[i];
            d->n_kurt_layers++;
        }
    }
    free(p.kurt);
    if (d->has_fp) {
        float vals[ZX_FP_DIM], *lv = xcalloc(ZX_LFP_DIM, sizeof(*lv));
        struct zx_fp_point *lp = xcalloc(ZX_LFP_DIM, sizeof(*lp));
        uint32_t ld = 0, j;

        for (k = 0; k < ZX_FP_DIM; k++)
            zx_to_float(zx_ckpt_tensor(ck, pts[k].tensor)->dtype,
                        zx_ckpt_data(ck, pts[k].tensor), pts[k].elem, 1,
                        &vals[k]);
        zx_desc_fill_fp(d, vals);
        zx_desc_lineage_layout(ck, d, lp, &ld);
        for (j = 0; j < ld;) { /* one run per tensor */
            uint32_t e = j;

            while (e + 1 < ld && lp[e + 1].tensor == lp[j].tensor)
                e++;
            zx_to_float(zx_ckpt_tensor(ck, lp[j].tensor)->dtype,
                        zx_ckpt_data(ck, lp[j].tensor), lp[j].elem, e - j + 1,
                        lv + j);
            j = e + 1;
        }
        zx_desc_fill_lfp(d, lv, ld);
        free(lv);
        free(lp);
    }
    for (i = 0; i < n; i++)
        if (zx_desc_is_backbone(zx_ckpt_tensor(ck, i)))
            zx_ckpt_drop(ck, i);
    /* Weights digest over name-sorted tensors. */
    wd = zx_sha256_new();
    if (tensors)
        *tensors = json_object();
    for (i = 0; i < n; i++) {
        const struct zx_tensor *t = zx_ckpt_tensor(ck, i);
        json_t *shape = json_array();

        zx_buf_reset(&line);
        zx_buf_printf(&line, "%s\t%s\t", t->name, zx_dtype_name(t->dtype));
        for (k = 0; k < t->ndim; k++) {
            zx_buf_printf(&line, "%s%" PRIu64, k ? "," : "", t->shape[k]);
            json_array_append_new(shape, json_integer((json_int_t)t->shape[k]));
        }
        zx_buf_printf(&line, "\t%s\n", digests[i]);
        zx_sha256_update(wd, line.data, line.len);
        if (tensors)
            json_object_set_new(*tensors, t->name,
                                json_pack("{s:s,s:o,s:s}", "dtype",
                                          zx_dtype_name(t->dtype), "shape",
                                          shape, "xxh3", digests[i]));
        else
            json_decref(shape);
    }
    zx_sha256_final_hex(wd, d->weights_digest);
    zx_sha256_free(wd);
    zx_buf_release(&line);
    free(order);
    free(pts);
    free(digests);
    return ZX_OK;
}

/* ===== LoRA adapters ===== */

static int read_all(const struct zx_ckpt *ck, size_t i, float *dst)
{
    const struct zx_tensor *t = zx_ckpt_tensor(ck, i);
    const unsigned char *data = zx_ckpt_data(ck, i);

    if (!data && t->n_elems)
        return -1;
    return zx_to_float(t->dtype, data, 0, (size_t)t->n_elems, dst);
}

int zx_desc_lora(const struct zx_ckpt *ck, double scale, json_t **out,
                 struct zx_error *err)
{
    static const char suf_a[] = ".lora_A.weight", pre[] = "base_model.model.";
    size_t n = zx_ckpt_n_tensors(ck), i, pairs = 0;
    long rmin = -1, rmax = -1;
    double fro = 0;
    json_t *layers = json_array();
    int rc = ZX_OK;

    *out = NULL;
    for (i = 0; i < n && !rc; i++) {
        const struct zx_tensor *ta = zx_ckpt_tensor(ck, i), *tb;
        size_t nl = strlen(ta->name), la = sizeof(suf_a) - 1, r, rows, cols;
        char *bname, *target;
        const char *x;
        float *a, *b, *sv;
        long bi, rank = 0, k;
        double f = 0;

        if (nl <= la || strcmp(ta->name + nl - la, suf_a))
            continue;
        bname = xstrdup(ta->name);
        memcpy(bname + nl - la, ".lora_B.weight", la);
        bi = zx_ckpt_find(ck, bname);
        free(bname);
        if (bi < 0)
            continue;
        tb = zx_ckpt_tensor(ck, (size_t)bi);
        if (ta->ndim != 2 || tb->ndim != 2 || tb->shape[1] != ta->shape[0] ||
            !zx_dtype_is_numeric(ta->dtype) ||
            !zx_dtype_is_numeric(tb->dtype)) {
            rc = zx_fail(err, ZX_EFORMAT,
                         "LoRA pair '%.64s': factors of "
                         "shapes that do not multiply",
                         ta->name);
            break;
        }
        r = (size_t)ta->shape[0];
        cols = (size_t)ta->shape[1];
        rows = (size_t)tb->shape[0];
        a = xmalloc(r * cols * sizeof(*a) + 1);
        b = xmalloc(rows * r * sizeof(*b) + 1);
        sv = xcalloc(r + 1, sizeof(*sv));
        if (read_all(ck, i, a) || read_all(ck, (size_t)bi, b) ||
            zx_linalg_lowrank_singular_values(b, rows, a, cols, r, sv, err)) {
            rc = zx_fail(err, ZX_EFORMAT,
                         "LoRA pair '%.64s': cannot "
                         "decompose the update",
                         ta->name);
        } else {
            float tol =
                sv[0] * (float)(rows > cols ? rows : cols) * FLT_EPSILON;

            for (k = 0; k < (long)r; k++) {
                rank += sv[k] > tol;
                f += (double)sv[k] * sv[k] * scale * scale;
            }
            x = ta->name;
            if (!strncmp(x, pre, sizeof(pre) - 1))
                x += sizeof(pre) - 1;
            target = xasprintf("%.*s.weight", (int)(strlen(x) - la), x);
            json_array_append_new(
                layers, json_pack("{s:s,s:[I,I],s:I}", "target", target,
                                  "shape", (json_int_t)rows, (json_int_t)cols,
                                  "rank", (json_int_t)rank));
            free(target);
            rmin = rmin < 0 || rank < rmin ? rank : rmin;
            rmax = rank > rmax ? rank : rmax;
            fro += sqrt(f);
            pairs++;
        }
        zx_ckpt_drop(ck, i);
        zx_ckpt_drop(ck, (size_t)bi);
        free(a);
        free(b);
        free(sv);
    }
    if (!rc && pairs)
        *out = json_pack("{s:I,s:I,s:I,s:f,s:o}", "pairs", (json_int_t)pairs,
                         "rank_min", (json_int_t)rmin, "rank_max",
                         (json_int_t)rmax, "delta_fro", fro / (double)pairs,
                         "layers", json_incref(layers));
    json_decref(layers);
    return rc;
}
