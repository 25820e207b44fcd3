/* test_desc.c - descriptors: kurtosis, backbone rule, fingerprints, and
 * the sample zoo checked against its generator's MANIFEST (numpy values). */
#include <stdint.h>
#include <unistd.h>

#include "harness.h"
#include "ckpt.h"
#include "desc.h"
#include "index.h"
#include "model.h"
#include "zx_fs.h"
#include "zx_mem.h"

/* ===== A tiny safetensors writer for tests ===== */

struct wt {
    const char *name;
    const char *dtype;
    int ndim;
    uint64_t shape[4];
    const void *data;
    size_t nbytes;
};

static char *write_st(const char *dir, const char *file, const struct wt *t,
                      int n)
{
    char hdr[8192], *path = zx_path_join(dir, file);
    size_t len = 0, off = 0, hl;
    unsigned char lenb[8];
    FILE *f;
    int i, k;

    len += (size_t)snprintf(hdr + len, sizeof(hdr) - len, "{");
    for (i = 0; i < n; i++) {
        len += (size_t)snprintf(hdr + len, sizeof(hdr) - len,
                                "%s\"%s\":{\"dtype\":\"%s\",\"shape\":[",
                                i ? "," : "", t[i].name, t[i].dtype);
        for (k = 0; k < t[i].ndim; k++)
            len += (size_t)snprintf(hdr + len, sizeof(hdr) - len, "%s%llu",
                                    k ? "," : "",
                                    (unsigned long long)t[i].shape[k]);
        len += (size_t)snprintf(hdr + len, sizeof(hdr) - len,
                                "],\"data_offsets\":[%zu,%zu]}", off,
                                off + t[i].nbytes);
        off += t[i].nbytes;
    }
    len += (size_t)snprintf(hdr + len, sizeof(hdr) - len, "}");
    while (len % 8)
        hdr[len++] = ' ';
    hl = len;
    for (k = 0; k < 8; k++)
        lenb[k] = (unsigned char)((uint64_t)hl >> (8 * k));
    f = fopen(path, "wb");
    fwrite(lenb, 1, 8, f);
    fwrite(hdr, 1, hl, f);
    for (i = 0; i < n; i++)
        fwrite(t[i].data, 1, t[i].nbytes, f);
    fclose(f);
    return path;
}

static uint64_t rng_state = 88172645463325252ull;

static double rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) / 9007199254740992.0 - 0.5;
}

static char tmp[64];

/* ===== Kurtosis ===== */

static void kurtosis_small(void)
{
    float x[5] = {1, 2, 3, 4, 5};

    CHECK_NEAR(zx_desc_kurtosis(x, 5), -1.3, 1e-12);
}

static void kurtosis_constant_is_nan(void)
{
    float x[7] = {2, 2, 2, 2, 2, 2, 2};

    CHECK(isnan(zx_desc_kurtosis(x, 7)));
}

static void kurtosis_blocks_match_two_pass(void)
{
    /* Many blocks, an offset mean and heavy tails: the merged one-pass
     * result must match a two-pass computation in long double. */
    size_t n = 100003, i;
    float *x = xmalloc(n * sizeof(float));
    long double mean = 0, m2 = 0, m4 = 0;

    for (i = 0; i < n; i++) {
        double r = rnd();

        x[i] = (float)(100.0 + r * r * r * 40.0);
        mean += x[i];
    }
    mean /= n;
    for (i = 0; i < n; i++) {
        long double d = x[i] - mean;

        m2 += d * d;
        m4 += d * d * d * d;
    }
    CHECK_NEAR(zx_desc_kurtosis(x, n), (double)(n * m4 / (m2 * m2) - 3), 1e-9);
    free(x);
}

/* ===== Backbone rule ===== */

static void backbone_rule(void)
{
    struct zx_tensor t;

    memset(&t, 0, sizeof(t));
    t.ndim = 2;
    t.shape[0] = 4;
    t.shape[1] = 4;
    t.n_elems = 16;
    t.dtype = ZX_DTYPE_F32;
    t.name = (char *)"bert.encoder.layer.0.attention.self.query.weight";
    CHECK(zx_desc_is_backbone(&t));
    t.dtype = ZX_DTYPE_BF16;
    CHECK(zx_desc_is_backbone(&t));
    t.dtype = ZX_DTYPE_I8;
    CHECK(!zx_desc_is_backbone(&t));
    t.dtype = ZX_DTYPE_F32;
    t.name = (char *)"classifier.weight";
    CHECK(!zx_desc_is_backbone(&t));
    t.name = (char *)"classifier.1.weight";
    CHECK(!zx_desc_is_backbone(&t));
    t.name = (char *)"lm_head.weight";
    CHECK(!zx_desc_is_backbone(&t));
    t.name = (char *)"bert.embeddings.word_embeddings.weight";
    CHECK(!zx_desc_is_backbone(&t));
    t.name = (char *)"model.embed_tokens.weight";
    CHECK(!zx_desc_is_backbone(&t));
    t.name = (char *)"encoder.heads_total.weight"; /* not a whole part */
    CHECK(zx_desc_is_backbone(&t));
    t.name = (char *)"resnet.encoder.stages.0.layers.0.layer.0.convolution."
                     "weight";
    t.ndim = 4;
    CHECK(zx_desc_is_backbone(&t));
    t.ndim = 1;
    CHECK(!zx_desc_is_backbone(&t));
}

/* ===== Fingerprints ===== */

static int describe_file(const char *path, struct zx_desc *d)
{
    struct zx_ckpt *ck = NULL;
    struct zx_error err = {0};
    int rc = zx_ckpt_open(path, &ck, &err);

    if (rc) {
        fprintf(stderr, "%s\n", err.msg);
        return rc;
    }
    rc = zx_desc_compute(ck, d, NULL, &err);
    zx_ckpt_close(ck);
    return rc;
}

static void fingerprint_ignores_head_and_embeddings(void)
{
    float a[64 * 32], b[64 * 32], head2[2 * 32], head7[7 * 32];
    float emb100[100 * 32], emb120[120 * 32];
    struct zx_desc *d1 = xcalloc(1, sizeof(*d1));
    struct zx_desc *d2 = xcalloc(1, sizeof(*d2));
    struct zx_desc *d3 = xcalloc(1, sizeof(*d3));
    struct zx_desc *d4 = xcalloc(1, sizeof(*d4));
    char *p1, *p2, *p3, *p4;
    size_t i;

    for (i = 0; i < 64 * 32; i++) {
        a[i] = (float)rnd();
        b[i] = a[i] + (float)(rnd() * 0.01);
    }
    for (i = 0; i < 7 * 32; i++)
        head7[i] = (float)rnd();
    for (i = 0; i < 2 * 32; i++)
        head2[i] = (float)rnd();
    for (i = 0; i < 120 * 32; i++)
        emb120[i] = (float)rnd();
    memcpy(emb100, emb120, sizeof(emb100));
    {
        struct wt m1[] = {
            {"body.w", "F32", 2, {64, 32}, a, sizeof(a)},
            {"classifier.weight", "F32", 2, {2, 32}, head2, sizeof(head2)},
            {"embeddings.word_embeddings.weight",
             "F32",
             2,
             {100, 32},
             emb100,
             sizeof(emb100)},
        };
        struct wt m2[] = {
            {"body.w", "F32", 2, {64, 32}, a, sizeof(a)},
            {"classifier.weight", "F32", 2, {7, 32}, head7, sizeof(head7)},
            {"embeddings.word_embeddings.weight",
             "F32",
             2,
             {120, 32},
             emb120,
             sizeof(emb120)},
        };
        struct wt m3[] = {
            {"body.w", "F32", 2, {64, 32}, b, sizeof(b)},
            {"classifier.weight", "F32", 2, {2, 32}, head2, sizeof(head2)},
        };
        struct wt m4[] = {
            {"body.w", "F32", 2, {64, 32}, a, sizeof(a)},
            {"body.v", "F32", 2, {32, 64}, b, sizeof(b)},
        };

        p1 = write_st(tmp, "m1.safetensors", m1, 3);
        p2 = write_st(tmp, "m2.safetensors", m2, 3);
        p3 = write_st(tmp, "m3.safetensors", m3, 2);
        p4 = write_st(tmp, "m4.safetensors", m4, 2);
    }
    CHECK_INT(describe_file(p1, d1), ==, 0);
    CHECK_INT(describe_file(p2, d2), ==, 0);
    CHECK_INT(describe_file(p3, d3), ==, 0);
    CHECK_INT(describe_file(p4, d4), ==, 0);
    /* New head and resized embeddings: same group, same fingerprint. */
    CHECK_STR(d1->arch, d2->arch);
    CHECK(d1->has_fp && d2->has_fp);
    CHECK(memcmp(d1->fp, d2->fp, sizeof(d1->fp)) == 0);
    CHECK(strcmp(d1->weights_digest, d2->weights_digest) != 0);
    /* Fine-tuned body: same group, small but non-zero distance. */
    CHECK_STR(d1->arch, d3->arch);
    CHECK(zx_desc_distance(d1->fp, d3->fp) > 0);
    CHECK(zx_desc_distance(d1->fp, d3->fp) < 0.2);
    /* Another backbone: another group. */
    CHECK(strcmp(d1->arch, d4->arch) != 0);
    CHECK_INT(d1->n_backbone, ==, 1);
    CHECK_INT(d4->n_backbone, ==, 2);
    /* Fingerprint values are real weights of body.w. */
    for (i = 0; i < ZX_FP_DIM; i++) {
        size_t j;
        int found = 0;

        for (j = 0; j < 64 * 32 && !found; j++)
            found = d1->fp[i] == a[j];
        CHECK(found);
        if (!found)
            break;
    }
    free(p1);
    free(p2);
    free(p3);
    free(p4);
    free(d1);
    free(d2);
    free(d3);
    free(d4);
}

/* The layout digest: the same from the tensor table (what a crawl reads)
 * as from the stored per-tensor table of a full description; it tells
 * tables apart by name, dtype and shape, not by values. */
static void layout_digest_both_paths(void)
{
    float a[6 * 4], b[6 * 4], c[2 * 3];
    struct zx_desc *d1 = xcalloc(1, sizeof(*d1));
    struct zx_desc *d2 = xcalloc(1, sizeof(*d2));
    struct zx_desc *d3 = xcalloc(1, sizeof(*d3));
    struct zx_fp_point *pts = xcalloc(ZX_FP_DIM, sizeof(*pts));
    struct zx_ckpt *ck = NULL;
    struct zx_error err = {0};
    json_t *tensors = NULL, *bad;
    char hex[65], *p1, *p2, *p3;
    size_t i;

    for (i = 0; i < 24; i++) {
        a[i] = (float)rnd();
        b[i] = a[i] + 1.0f;
    }
    for (i = 0; i < 6; i++)
        c[i] = (float)rnd();
    {
        struct wt m1[] = {{"z.w", "F32", 2, {6, 4}, a, sizeof(a)},
                          {"a.b", "F32", 2, {2, 3}, c, sizeof(c)}};
        struct wt m2[] = {{"z.w", "F32", 2, {6, 4}, b, sizeof(b)},
                          {"a.b", "F32", 2, {2, 3}, c, sizeof(c)}};
        struct wt m3[] = {{"z.w", "F32", 2, {4, 6}, a, sizeof(a)},
                          {"a.b", "F32", 2, {2, 3}, c, sizeof(c)}};

        p1 = write_st(tmp, "l1.safetensors", m1, 2);
        p2 = write_st(tmp, "l2.safetensors", m2, 2);
        p3 = write_st(tmp, "l3.safetensors", m3, 2);
    }
    CHECK_INT(zx_ckpt_open(p1, &ck, &err), ==, 0);
    CHECK_INT(zx_desc_layout(ck, d1, pts), ==, 0);
    CHECK_INT(strlen(d1->layout_digest), ==, 64);
    CHECK_INT(zx_desc_compute(ck, d2, &tensors, &err), ==, 0);
    CHECK_STR(d1->layout_digest, d2->layout_digest);
    CHECK_INT(zx_desc_layout_digest_json(tensors, hex), ==, 0);
    CHECK_STR(hex, d1->layout_digest);
    zx_ckpt_close(ck);
    /* other values, same table: same digest; another shape: another */
    CHECK_INT(describe_file(p2, d2), ==, 0);
    CHECK_STR(d2->layout_digest, d1->layout_digest);
    CHECK(strcmp(d2->weights_digest, d1->weights_digest) != 0);
    CHECK_INT(describe_file(p3, d3), ==, 0);
    CHECK(strcmp(d3->layout_digest, d1->layout_digest) != 0);
    /* a malformed stored table has no digest */
    bad = json_deep_copy(tensors);
    json_object_set_new(json_object_get(bad, "z.w"), "shape",
                        json_string("6x4"));
    CHECK_INT(zx_desc_layout_digest_json(bad, hex), ==, -1);
    CHECK_INT(zx_desc_layout_digest_json(NULL, hex), ==, -1);
    json_decref(bad);
    json_decref(tensors);
    free(pts);
    free(p1);
    free(p2);
    free(p3);
    free(d1);
    free(d2);
    free(d3);
}

/* ===== The sample zoo against its MANIFEST ===== */

static void zoo_matches_manifest(void)
{
    struct zx_error err = {0};
    json_t *man = NULL, *m;
    size_t i;
    int rc =
        zx_json_load_file("fixtures/zoo/MANIFEST.json", 1 << 20, &man, &err);

    CHECK_INT(rc, ==, 0);
    if (rc)
        return;
    json_array_foreach(json_object_get(man, "models"), i, m)
    {
        const char *id = zx_json_str(m, "id");
        char *path = xasprintf("fixtures/zoo/%s", id);
        struct zx_model_src *src = NULL;
        struct zx_desc *d = xcalloc(1, sizeof(*d));
        json_t *by = json_object_get(m, "params_by_dtype"), *v;
        const char *dt;
        int64_t nt = 0;

        rc = zx_model_src_open(path, NULL, &src, &err);
        CHECK_INT(rc, ==, 0);
        if (!rc) {
            CHECK_STR(src->id, id);
            rc = zx_index_describe(src, d, NULL, &err);
            CHECK_INT(rc, ==, 0);
        }
        if (!rc) {
            CHECK_NEAR(d->kurtosis,
                       json_number_value(json_object_get(m, "kurtosis_sum")),
                       1e-9);
            zx_json_int(m, "n_tensors", &nt);
            CHECK_INT(d->n_tensors, ==, nt);
            json_object_foreach(by, dt, v)
            {
                CHECK_INT(d->params_by_dtype[zx_dtype_parse(dt)], ==,
                          json_integer_value(v));
            }
            CHECK(d->has_fp);
        }
        zx_model_src_free(src);
        free(d);
        free(path);
    }
    json_decref(man);
}

/* Copies share a group with their original; duplicates share a digest. */
static void zoo_groups_and_duplicates(void)
{
    static const char *const pairs[][3] = {
        {"zoodex-demo/tinybert-sentiment", "mirror-org/tinybert-sentiment",
         "dup"},
        {"vision-demo/tinyresnet-colors", "mirror-org/tinyresnet-colors",
         "dup"},
        {"zoodex-demo/tinybert-topic3", "quant-lab/tinybert-topic3-fp16",
         "copy"},
        {"vision-demo/tinyresnet-shapes", "quant-lab/tinyresnet-shapes-bf16",
         "copy"},
        {"zoodex-demo/tinybert-base", "other-lab/minibert-lang", "tree"},
    };
    size_t i;

    for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        struct zx_desc *a = xcalloc(1, sizeof(*a));
        struct zx_desc *b = xcalloc(1, sizeof(*b));
        struct zx_model_src *sa = NULL, *sb = NULL;
        struct zx_error err = {0};
        char *pa = xasprintf("fixtures/zoo/%s", pairs[i][0]);
        char *pb = xasprintf("fixtures/zoo/%s", pairs[i][1]);

        CHECK_INT(zx_model_src_open(pa, NULL, &sa, &err), ==, 0);
        CHECK_INT(zx_model_src_open(pb, NULL, &sb, &err), ==, 0);
        if (sa && sb && !zx_index_describe(sa, a, NULL, &err) &&
            !zx_index_describe(sb, b, NULL, &err)) {
            CHECK_STR(a->arch, b->arch);
            if (!strcmp(pairs[i][2], "dup")) {
                CHECK_STR(a->weights_digest, b->weights_digest);
                CHECK(zx_desc_distance(a->fp, b->fp) == 0);
            } else if (!strcmp(pairs[i][2], "copy")) {
                CHECK(strcmp(a->weights_digest, b->weights_digest) != 0);
                CHECK(zx_desc_distance(a->fp, b->fp) < 0.02);
                CHECK(zx_desc_distance(a->fp, b->fp) > 0);
            } else {
                CHECK(zx_desc_distance(a->fp, b->fp) > 0.5);
            }
        } else {
            H_FAIL("%s", err.msg);
        }
        zx_model_src_free(sa);
        zx_model_src_free(sb);
        free(pa);
        free(pb);
        free(a);
        free(b);
    }
}

int main(void)
{
    snprintf(tmp, sizeof(tmp), "/tmp/zx-desc.XXXXXX");
    if (!mkdtemp(tmp))
        return 2;
    RUN(kurtosis_small);
    RUN(kurtosis_constant_is_nan);
    RUN(kurtosis_blocks_match_two_pass);
    RUN(backbone_rule);
    RUN(fingerprint_ignores_head_and_embeddings);
    RUN(layout_digest_both_paths);
    RUN(zoo_matches_manifest);
    RUN(zoo_groups_and_duplicates);
    {
        char *cmd = xasprintf("rm -rf '%s'", tmp);

        if (system(cmd) != 0)
            fprintf(stderr, "cannot remove %s\n", tmp);
        free(cmd);
    }
    return DONE();
}
