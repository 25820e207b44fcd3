/* desc.h - weight descriptors of one checkpoint.
 *
 * One streaming pass over a struct zx_ckpt computes:
 *   - the architecture signature: a 64-bit hash of the names and shapes of
 *     the "backbone" tensors (floating point, two or more dimensions, not a
 *     classification head or a token embedding, see zx_desc_is_backbone()),
 *     so that a fine-tuned child with a new head or resized embeddings stays
 *     in its parent's group;
 *   - the weight fingerprint (Model Atlas style): ZX_FP_NEURONS neurons
 *     (rows of backbone tensors; conv kernels flattened per output channel)
 *     with ZX_FP_COLS coordinates each, chosen by hashes seeded with the
 *     signature, so every model of one architecture samples the same
 *     coordinates;
 *   - MoTHer's kurtosis: the biased Fisher excess kurtosis of every square
 *     2-D floating tensor, summed, accumulated in double in blocks merged
 *     with Pebay's formulas (one pass, numerically stable);
 *   - a content digest per tensor (XXH3-128 of its bytes) and a weights
 *     digest over all of them (SHA-256 of the sorted name/dtype/shape/digest
 *     lines) that identifies exact duplicates;
 *   - parameter counts per dtype.
 * Memory: bounded by one block of floats; tensor pages are released after
 * use.  Descriptors carry ZX_DESC_VERSION; never compare across versions.
 * SPDX-License-Identifier: MIT */
#ifndef ZX_DESC_H
#define ZX_DESC_H
#include <stdint.h>

#include "ckpt.h"
#include "zx_json.h"

#define ZX_DESC_VERSION 2
#define ZX_FP_NEURONS 64
#define ZX_FP_COLS 4
#define ZX_FP_DIM (ZX_FP_NEURONS * ZX_FP_COLS)
/* The lineage descriptor: up to ZX_LFP_DIM values, one contiguous run of
 * floor(ZX_LFP_DIM / T) elements (or the whole tensor) from each of the T
 * 2-D backbone tensors, in name order, at a start seeded by the group's
 * signature, so every model of a group samples the same elements and a
 * crawl needs one byte range per tensor.  Compared by L-infinity: Adam
 * moves each weight by at most about the learning rate per step, so the
 * largest single change adds up along a model tree and siblings, which
 * drift the same way in L2, sit about twice as far apart as parent and
 * child (see tests/bench/lineage_research.py). */
#define ZX_LFP_DIM 4096

struct zx_desc {
    char arch[17]; /* signature, 16 hex digits */
    int has_fp;    /* 0 when no backbone tensor exists */
    float fp[ZX_FP_DIM];
    double kurtosis; /* sum over square layers */
    uint32_t n_kurt_layers;
    uint64_t n_params;
    uint64_t n_tensors;
    uint64_t n_backbone; /* tensors in the signature */
    uint64_t params_by_dtype[ZX_DTYPE_COUNT];
    char weights_digest[65];
    char layout_digest[65]; /* the tensor table alone, see below */
    char main_dtype[16];    /* dtype holding most parameters */
    uint32_t lfp_dim;       /* 0 when there is no lineage descriptor */
    float lfp[ZX_LFP_DIM];
};

/* One fingerprint coordinate: element `elem` of tensor `tensor`. */
struct zx_fp_point {
    size_t tensor;
    uint64_t elem;
};

/* What the tensor table alone gives (no tensor bytes are read): the
 * signature, counts, main dtype, the layout digest (SHA-256 of the lines
 * "name TAB dtype TAB d0,d1,... LF" of every tensor in name order, see
 * zx_desc_layout_digest_json) and, when the model has backbone tensors,
 * the ZX_FP_DIM coordinates of its fingerprint in pts (has_fp = 1).
 * kurtosis is NAN and weights_digest empty.  Returns ZX_OK or ZX_EFORMAT
 * (no tensors).  This is what a crawl computes from Range reads. */
int zx_desc_layout(const struct zx_ckpt *ck, struct zx_desc *d,
                   struct zx_fp_point *pts);
/* The layout digest of a stored tensor table {name: {"dtype", "shape"}}
 * (zx_desc_compute's `tensors`) into hex; 0 on success, -1 when the table
 * is missing or malformed. */
int zx_desc_layout_digest_json(const json_t *tensors, char hex[65]);
/* Store the values at those coordinates as the fingerprint (non-finite
 * values become 0). */
void zx_desc_fill_fp(struct zx_desc *d, const float *vals);

/* The coordinates of the lineage descriptor of a checkpoint whose layout
 * d holds (zx_desc_layout): pts[0..*dim-1], *dim <= ZX_LFP_DIM (0 when
 * the model has no 2-D floating backbone tensor). */
void zx_desc_lineage_layout(const struct zx_ckpt *ck, const struct zx_desc *d,
                            struct zx_fp_point *pts, uint32_t *dim);
/* Store dim values as the lineage descriptor (non-finite become 0). */
void zx_desc_fill_lfp(struct zx_desc *d, const float *vals, uint32_t dim);
/* L-infinity distance between two lineage descriptors. */
double zx_desc_lfp_distance(const float *a, const float *b, uint32_t dim);

/* 1 when tensor t belongs to the architecture signature. */
int zx_desc_is_backbone(const struct zx_tensor *t);

/* Compute every descriptor of ck.  `tensors` (may be NULL) receives an
 * owned object {name: {"dtype","shape","xxh3"}}.  Returns ZX_OK or
 * ZX_EFORMAT (no tensors at all). */
int zx_desc_compute(const struct zx_ckpt *ck, struct zx_desc *d,
                    json_t **tensors, struct zx_error *err);

/* A LoRA adapter's updates: for every pair "X.lora_A.weight" (r x in) /
 * "X.lora_B.weight" (out x r) of ck, the update dW = scale * B A
 * (scale = lora_alpha / r) through its singular values (LAPACK, without
 * forming dW).  *out: owned {"pairs", "rank_min", "rank_max" (numerical
 * rank, numpy's tolerance), "delta_fro" (mean Frobenius norm of dW),
 * "layers": [{"target": base tensor name (X minus a leading
 * "base_model.model.", plus ".weight"), "shape": [out, in], "rank"}]}, or
 * NULL when ck holds no complete pair.  Returns ZX_OK or ZX_EFORMAT
 * (mismatched factor shapes or dtypes that do not convert). */
int zx_desc_lora(const struct zx_ckpt *ck, double scale, json_t **out,
                 struct zx_error *err);

/* Excess kurtosis of n floats (biased, Fisher), as zx_desc_compute() does
 * it; NAN for constant input.  Exposed for tests. */
double zx_desc_kurtosis(const float *x, uint64_t n);

/* The descriptor algorithm and its parameters as an owned JSON object,
 * stored with every record. */
json_t *zx_desc_algo(void);

/* Euclidean distance between two fingerprints. */
double zx_desc_distance(const float *a, const float *b);

#endif
