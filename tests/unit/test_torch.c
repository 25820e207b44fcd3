/* test_torch.c - torch checkpoints through zx_ckpt_open(): the tiny model
 * in every layout against its safetensors twin, the real pairs of the
 * shared fixtures, hostile pickles inside legacy files, truncations, shard
 * indexes, and model-folder discovery.
 * SPDX-License-Identifier: MIT */
#include "harness.h"

#include <dirent.h>
#include <unistd.h>

#include "ckpt.h"
#include "model.h"
#include "zx_fs.h"

#define DIR_P "fixtures/pickles/"
#define TINY DIR_P "models/acme/"

static char *tmp;

static struct zx_ckpt *open_ok(const char *path)
{
    struct zx_ckpt *ck = NULL;
    struct zx_error err = {0};

    if (zx_ckpt_open(path, &ck, &err) != ZX_OK)
        H_FAIL("open %s: %s", path, err.msg);
    return ck;
}

/* Same tensors: names, dtypes, shapes and bytes. */
static void check_same(const struct zx_ckpt *a, const struct zx_ckpt *b,
                       const char *what)
{
    size_t i;

    if (!a || !b)
        return;
    if (zx_ckpt_n_tensors(a) != zx_ckpt_n_tensors(b)) {
        H_FAIL("%s: %zu vs %zu tensors", what, zx_ckpt_n_tensors(a),
               zx_ckpt_n_tensors(b));
        return;
    }
    for (i = 0; i < zx_ckpt_n_tensors(a); i++) {
        const struct zx_tensor *x = zx_ckpt_tensor(a, i);
        const struct zx_tensor *y = zx_ckpt_tensor(b, i);
        const unsigned char *dx = zx_ckpt_data(a, i), *dy = zx_ckpt_data(b, i);

        if (strcmp(x->name, y->name) || x->dtype != y->dtype ||
            x->ndim != y->ndim || x->n_bytes != y->n_bytes ||
            memcmp(x->shape, y->shape, sizeof(x->shape)) ||
            (x->n_bytes && (!dx || !dy || memcmp(dx, dy, x->n_bytes))))
            H_FAIL("%s: tensor %zu '%s' vs '%s' differs", what, i, x->name,
                   y->name);
    }
}

static void test_tiny_layouts(void)
{
    static const char *const others[] = {
        TINY "tiny-zip/pytorch_model.bin",
        TINY "tiny-legacy/pytorch_model.bin",
        TINY "tiny-sharded/pytorch_model.bin.index.json",
        DIR_P "files/proto4.bin",
    };
    struct zx_ckpt *st = open_ok(TINY "tiny-st/model.safetensors");
    size_t i;

    CHECK(st && zx_ckpt_n_tensors(st) == 23);
    for (i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
        struct zx_ckpt *ck = open_ok(others[i]);

        check_same(st, ck, others[i]);
        zx_ckpt_close(ck);
    }
    zx_ckpt_close(st);
}

/* Views: the tied head and the slice point into the embeddings' bytes. */
static void test_views(void)
{
    struct zx_ckpt *ck = open_ok(TINY "tiny-legacy/pytorch_model.bin");
    long e, h, t;

    if (!ck)
        return;
    e = zx_ckpt_find(ck, "embeddings.word_embeddings.weight");
    h = zx_ckpt_find(ck, "lm_head.weight");
    t = zx_ckpt_find(ck, "embeddings.word_embeddings.tail");
    CHECK(e >= 0 && h >= 0 && t >= 0);
    if (e >= 0 && h >= 0 && t >= 0) {
        CHECK(zx_ckpt_data(ck, (size_t)e) == zx_ckpt_data(ck, (size_t)h));
        CHECK(zx_ckpt_data(ck, (size_t)t) ==
              zx_ckpt_data(ck, (size_t)e) + 4 * 8 * 4);
        zx_ckpt_drop(ck, (size_t)e);
        /* Dropped pages come back from the file. */
        CHECK(!memcmp(zx_ckpt_data(ck, (size_t)t),
                      zx_ckpt_data(ck, (size_t)h) + 128, 32));
    }
    CHECK_INT(zx_ckpt_n_files(ck), ==, 1);
    CHECK_INT(zx_ckpt_file_size(ck, 0), ==, 5002);
    zx_ckpt_close(ck);
}

/* The real pairs: a pytorch_model.bin next to its model.safetensors. */
static void test_real_pairs(void)
{
    static const char *const dirs[] = {
        "real/resnet-tiny-beans-hf",
        "hf-reference/bert-tiny-random",
        "hf-reference/clip-tiny",
        "hf-reference/distilbert-tiny-random",
        "hf-reference/resnet-tiny-beans",
        "hf-reference/resnet-tiny-random",
        "hf-reference/roberta-tiny-random",
        "hf-reference/vit-tiny-random",
    };
    size_t i;

    for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        char a[1024], b[1024];
        struct zx_ckpt *x, *y;

        snprintf(a, sizeof(a), "%s/fixtures/%s/model.safetensors", h_shared(),
                 dirs[i]);
        snprintf(b, sizeof(b), "%s/fixtures/%s/pytorch_model.bin", h_shared(),
                 dirs[i]);
        x = open_ok(a);
        y = open_ok(b);
        CHECK(x && zx_ckpt_n_tensors(x) > 30);
        check_same(x, y, b);
        zx_ckpt_close(x);
        zx_ckpt_close(y);
    }
}

/* Each hostile pickle as the object of a legacy file: refused with the
 * manifest's message (or, for the control, accepted). */
static void test_hostile_legacy(void)
{
    char *m = NULL, *line, *save;
    size_t len = 0, rows = 0;
    struct zx_error err = {0};

    CHECK_INT(
        zx_read_file(DIR_P "hostile/MANIFEST.tsv", 1u << 20, &m, &len, &err),
        ==, ZX_OK);
    if (!m)
        return;
    for (line = strtok_r(m, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char *f[4] = {line, NULL, NULL, NULL}, path[512];
        struct zx_ckpt *ck = (struct zx_ckpt *)1;
        int k, rc;

        for (k = 1; k < 4; k++) {
            f[k] = f[k - 1] ? strchr(f[k - 1], '\t') : NULL;
            if (f[k])
                *f[k]++ = '\0';
        }
        if (!f[3]) {
            H_FAIL("bad manifest row '%s'", line);
            continue;
        }
        snprintf(path, sizeof(path), DIR_P "hostile-ckpt/%s.bin", f[0]);
        memset(&err, 0, sizeof(err));
        rc = zx_ckpt_open(path, &ck, &err);
        rows++;
        if (!*f[3]) {
            if (rc)
                H_FAIL("%s: %s", f[0], err.msg);
            else
                CHECK_INT(zx_ckpt_n_tensors(ck), ==, 1);
            zx_ckpt_close(rc ? NULL : ck);
            continue;
        }
        if (rc == ZX_OK || ck != NULL)
            H_FAIL("%s: accepted", f[0]);
        else if (!strstr(err.msg, f[3]) || !strstr(err.msg, path))
            H_FAIL("%s: message \"%s\" lacks \"%s\" or the path", f[0], err.msg,
                   f[3]);
    }
    CHECK_INT(rows, >=, 100);
    free(m);
}

static char *write_tmp(const char *name, const char *data, size_t n)
{
    char *p = zx_path_join(tmp, name);
    FILE *fp = fopen(p, "wb");

    if (!fp || fwrite(data, 1, n, fp) != n)
        H_FAIL("cannot write %s", p);
    if (fp)
        fclose(fp);
    return p;
}

/* Every proper prefix of a legacy file is refused cleanly. */
static void test_legacy_truncations(void)
{
    char *data = NULL, *p;
    size_t len = 0, cut;
    struct zx_error err = {0};

    CHECK_INT(zx_read_file(TINY "tiny-legacy/pytorch_model.bin", 1u << 20,
                           &data, &len, &err),
              ==, ZX_OK);
    if (!data)
        return;
    /* One file, cut shorter and shorter. */
    p = write_tmp("cut.bin", data, len);
    for (cut = len; cut-- > 0;) {
        struct zx_ckpt *ck = (struct zx_ckpt *)1;
        int rc;

        CHECK(truncate(p, (off_t)cut) == 0);
        rc = zx_ckpt_open(p, &ck, &err);
        if (rc == ZX_OK || ck)
            H_FAIL("prefix of %zu bytes accepted", cut);
    }
    free(p);
    free(data);
}

/* A prefix of a zip either fails or, when only the central directory is
 * missing (a streaming reader does not need it), gives the same tensors. */
static void test_zip_truncations(void)
{
    char *data = NULL, *p;
    size_t len = 0, cut, ok = 0;
    struct zx_error err = {0};
    struct zx_ckpt *full = open_ok(TINY "tiny-zip/pytorch_model.bin");

    CHECK_INT(zx_read_file(TINY "tiny-zip/pytorch_model.bin", 1u << 20, &data,
                           &len, &err),
              ==, ZX_OK);
    if (!data || !full)
        return;
    p = write_tmp("cut.bin", data, len);
    for (cut = len; cut >= 3;) {
        struct zx_ckpt *ck = NULL;

        cut -= 3; /* every third length: libarchive is the slow part */
        CHECK(truncate(p, (off_t)cut) == 0);
        if (zx_ckpt_open(p, &ck, &err) == ZX_OK) {
            ok++;
            check_same(full, ck, "truncated zip");
        }
        zx_ckpt_close(ck);
    }
    free(p);
    CHECK_INT(ok, <, len / 3 / 4);
    zx_ckpt_close(full);
    free(data);
}

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *de;
    int n = 0;

    while (d && (de = readdir(d)))
        n++;
    if (d)
        closedir(d);
    return n;
}

/* The spill file of a zip is unlinked and closed with the checkpoint. */
static void test_zip_spill(void)
{
    int before = count_fds(), i;

    for (i = 0; i < 3; i++) {
        struct zx_ckpt *ck = open_ok(TINY "tiny-zip/pytorch_model.bin");

        if (ck)
            CHECK_INT(zx_ckpt_file_size(ck, 0), ==, 8294);
        zx_ckpt_close(ck);
    }
    CHECK_INT(count_fds(), ==, before);
}

static void put(const char *dir, const char *name, const char *src);

static void test_bin_index(void)
{
    static const char *const bad[] = {
        "{\"weight_map\": {\"a\": \"../x.bin\"}}",
        "{\"weight_map\": {\"a\": \"/abs/x.bin\"}}",
        "{\"weight_map\": {\"a\": \"x.safetensors\"}}",
        "{\"weight_map\": {\"a\": \".bin\"}}",
    };
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *p = write_tmp("bad.bin.index.json", bad[i], strlen(bad[i]));
        struct zx_ckpt *ck = NULL;
        struct zx_error err = {0};

        CHECK_INT(zx_ckpt_open(p, &ck, &err), ==, ZX_EFORMAT);
        CHECK_MSG(err, "bad shard name");
        free(p);
    }
    /* A shard holding a tensor the index does not map. */
    {
        static const char idx[] =
            "{\"weight_map\": {\"classifier.weight\": \"a.bin\"}}";
        char *p = write_tmp("x.bin.index.json", idx, sizeof(idx) - 1);
        struct zx_ckpt *ck = NULL;
        struct zx_error err = {0};

        put(".", "a.bin", DIR_P "files/params.pth");
        CHECK_INT(zx_ckpt_open(p, &ck, &err), ==, ZX_EFORMAT);
        CHECK_MSG(err, "'classifier.bias' found in");
        free(p);
    }
}

static void put(const char *dir, const char *name, const char *src)
{
    char *d = zx_path_join(tmp, dir), *p = zx_path_join(d, name);
    char *data = NULL;
    size_t len = 0;

    zx_mkdirs(d, NULL);
    if (zx_read_file(src, 1u << 20, &data, &len, NULL) == 0) {
        FILE *fp = fopen(p, "wb");

        if (fp) {
            fwrite(data, 1, len, fp);
            fclose(fp);
        }
    }
    free(data);
    free(p);
    free(d);
}

static const char *weights_of(const char *dir, int *rc, char *msg)
{
    static char w[1024];
    char *d = zx_path_join(tmp, dir);
    struct zx_model_src *m = NULL;
    struct zx_error err = {0};

    *rc = zx_model_src_open(d, NULL, &m, &err);
    snprintf(w, sizeof(w), "%s", m ? strrchr(m->weights, '/') + 1 : "");
    snprintf(msg, 512, "%s", err.msg);
    zx_model_src_free(m);
    free(d);
    return w;
}

static int count_cb(const char *path, void *arg)
{
    (void)path;
    (*(int *)arg)++;
    return 0;
}

static void test_model_discovery(void)
{
    char msg[512];
    int rc, n = 0;
    char *root;

    put("o/bin", "pytorch_model.bin", TINY "tiny-zip/pytorch_model.bin");
    CHECK_STR(weights_of("o/bin", &rc, msg), "pytorch_model.bin");
    put("o/both", "pytorch_model.bin", TINY "tiny-zip/pytorch_model.bin");
    put("o/both", "model.safetensors", TINY "tiny-st/model.safetensors");
    CHECK_STR(weights_of("o/both", &rc, msg), "model.safetensors");
    put("o/sh", "pytorch_model-00001-of-00002.bin",
        TINY "tiny-sharded/pytorch_model-00001-of-00002.bin");
    put("o/sh", "pytorch_model.bin.index.json",
        TINY "tiny-sharded/pytorch_model.bin.index.json");
    CHECK_STR(weights_of("o/sh", &rc, msg), "pytorch_model.bin.index.json");
    put("o/ad", "adapter_model.bin", DIR_P "files/params.pth");
    CHECK_STR(weights_of("o/ad", &rc, msg), "adapter_model.bin");
    put("o/pth", "weights.pth", DIR_P "files/params.pth");
    put("o/pth", "training_args.bin", DIR_P "files/params.pth");
    CHECK_STR(weights_of("o/pth", &rc, msg), "weights.pth");
    put("o/two", "a.pth", DIR_P "files/params.pth");
    put("o/two", "b.pth", DIR_P "files/params.pth");
    CHECK_STR(weights_of("o/two", &rc, msg), "");
    CHECK_INT(rc, ==, ZX_EUNSUPPORTED);
    CHECK(strstr(msg, "holds several .pth") != NULL);
    put("o/none/x", "training_args.bin", DIR_P "files/params.pth");
    CHECK_STR(weights_of("o/none/x", &rc, msg), "");
    CHECK(strstr(msg, "holds no .safetensors weights") != NULL);
    /* Scanning: six model folders, a stray .pth, no stray .bin. */
    put("o/loose", "stray.pth", DIR_P "files/params.pth");
    root = zx_path_join(tmp, "o");
    CHECK_INT(zx_model_scan(root, count_cb, &n, NULL), ==, 0);
    CHECK_INT(n, ==, 5 + 1 + 2);
    free(root);
}

int main(void)
{
    tmp = h_mkdtemp("/tmp/zx-test-torch-XXXXXX");
    RUN(test_tiny_layouts);
    RUN(test_views);
    RUN(test_real_pairs);
    RUN(test_hostile_legacy);
    RUN(test_legacy_truncations);
    RUN(test_zip_truncations);
    RUN(test_zip_spill);
    RUN(test_bin_index);
    RUN(test_model_discovery);
    h_rm_rf(tmp);
    free(tmp);
    return DONE();
}
