/* test_pickle.c - the restricted unpickler: hostile pickles from
 * fixtures/pickles/hostile (each with its expected code and message in
 * MANIFEST.tsv), benign ones from torch.save, every truncation, limits and
 * the value model.
 * SPDX-License-Identifier: MIT */
#include "harness.h"

#include <inttypes.h>

#include "pickle.h"
#include "zx_fs.h"

#define DIR_P "fixtures/pickles/"
#define LIT(s) (s), sizeof(s) - 1 /* a string literal and its length */

static const char *code_name(int rc)
{
    static const char *const names[] = {
#define X(name, text) #name,
        ZX_ERRORS(X)
#undef X
    };
    return rc >= 0 && rc < ZX_NERR ? names[rc] : "?";
}

static unsigned char *slurp(const char *path, size_t *len)
{
    char *data = NULL;
    struct zx_error err = {0};

    if (zx_read_file(path, 16u << 20, &data, len, &err)) {
        fprintf(stderr, "cannot read %s: %s\n", path, err.msg);
        return NULL;
    }
    return (unsigned char *)data;
}

static int load(const unsigned char *b, size_t n, struct zx_pickle **p,
                struct zx_error *err)
{
    memset(err, 0, sizeof(*err));
    return zx_pickle_load(b, n, "'test'", NULL, p, err);
}

/* Every hostile pickle gets the code and message its manifest row says. */
static void test_hostile_manifest(void)
{
    size_t len = 0, rows = 0;
    char *m = (char *)slurp(DIR_P "hostile/MANIFEST.tsv", &len), *line, *save;

    CHECK(m != NULL);
    if (!m)
        return;
    for (line = strtok_r(m, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char *name = line, *code = strchr(name, '\t'), *msg, *tab, path[512];
        struct zx_pickle *p = (struct zx_pickle *)1;
        struct zx_error err;
        unsigned char *b;
        size_t n = 0;
        int rc;

        CHECK(code != NULL);
        if (!code)
            break;
        *code++ = '\0';
        msg = strchr(code, '\t');
        CHECK(msg != NULL);
        if (!msg)
            break;
        *msg++ = '\0';
        tab = strchr(msg, '\t');
        if (tab)
            *tab = '\0';
        snprintf(path, sizeof(path), DIR_P "hostile/%s.pkl", name);
        b = slurp(path, &n);
        CHECK(b != NULL);
        if (!b)
            continue;
        rows++;
        rc = load(b, n, &p, &err);
        if (strcmp(code_name(rc), code))
            H_FAIL("%s: got %s (%s), want %s", name, code_name(rc), err.msg,
                   code);
        if (rc) {
            CHECK(p == NULL);
            if (!strstr(err.msg, msg))
                H_FAIL("%s: message \"%s\" lacks \"%s\"", name, err.msg, msg);
            if (strncmp(err.msg, "'test'", 6))
                H_FAIL("%s: message \"%s\" does not name the file", name,
                       err.msg);
        } else {
            CHECK(p != NULL && zx_pickle_root(p) != NULL);
        }
        zx_pickle_free(rc ? NULL : p);
        free(b);
    }
    CHECK_INT(rows, >=, 100);
    free(m);
}

/* The data.pkl of torch.save({...}) of the tiny model: every value is a
 * tensor, the tied weights share a storage, the slice is a view at an
 * offset. */
static void test_benign_state_dict(void)
{
    size_t n = 0, i, found = 0;
    unsigned char *b = slurp(DIR_P "benign/tiny-zip.pkl", &n);
    struct zx_pickle *p = NULL;
    struct zx_error err;
    const struct zx_pk_value *root;
    const struct zx_pk_tensor *emb = NULL, *head = NULL, *tail = NULL;

    CHECK(b != NULL);
    if (!b)
        return;
    CHECK_INT(load(b, n, &p, &err), ==, ZX_OK);
    if (!p) {
        H_FAIL("%s", err.msg);
        free(b);
        return;
    }
    CHECK_INT(zx_pickle_used(p), ==, n);
    root = zx_pickle_root(p);
    CHECK_INT(root->type, ==, ZX_PK_DICT);
    CHECK_INT(root->n, ==, 2 * 23);
    for (i = 0; i + 1 < root->n; i += 2) {
        const struct zx_pk_value *k = root->items[i], *v = root->items[i + 1];

        CHECK_INT(k->type, ==, ZX_PK_STR);
        CHECK_INT(v->type, ==, ZX_PK_TENSOR);
        if (v->type != ZX_PK_TENSOR || k->type != ZX_PK_STR)
            continue;
        found++;
        if (!strcmp(k->s, "embeddings.word_embeddings.weight"))
            emb = v->tensor;
        if (!strcmp(k->s, "lm_head.weight"))
            head = v->tensor;
        if (!strcmp(k->s, "embeddings.word_embeddings.tail"))
            tail = v->tensor;
        if (!strcmp(k->s, "encoder.layer.1.attention.key.weight"))
            CHECK_INT(v->tensor->dtype, ==, ZX_DTYPE_BF16);
        if (!strcmp(k->s, "pooler.scale"))
            CHECK_INT(v->tensor->ndim, ==, 0);
        if (!strcmp(k->s, "pooler.empty"))
            CHECK_INT(v->tensor->n_bytes, ==, 0);
    }
    CHECK_INT(found, ==, 23);
    CHECK(emb && head && tail);
    if (emb && head && tail) {
        CHECK_STR(emb->storage->key, head->storage->key);
        CHECK_STR(emb->storage->key, tail->storage->key);
        CHECK_INT(emb->n_bytes, ==, 12 * 8 * 4);
        CHECK_INT(tail->byte_offset, ==, 4 * 8 * 4);
        CHECK_INT(tail->shape[0], ==, 8);
        CHECK_INT(tail->shape[1], ==, 8);
        CHECK_INT(emb->storage->numel, ==, 12 * 8);
    }
    /* Every persistent id was recorded (lm_head.weight is the same tensor
     * object as the embeddings, so the pickler memoized it). */
    CHECK_INT(zx_pickle_n_storages(p), ==, 22);
    zx_pickle_free(p);
    free(b);
}

/* Every benign pickle loads; every proper prefix of it fails cleanly. */
static void test_benign_truncations(void)
{
    static const char *const names[] = {"tiny-zip", "proto4", "training",
                                        "params",   "bare",   "v3"};
    size_t k;

    for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
        char path[256];
        size_t n = 0, cut;
        unsigned char *b;
        struct zx_pickle *p = NULL;
        struct zx_error err;

        snprintf(path, sizeof(path), DIR_P "benign/%s.pkl", names[k]);
        b = slurp(path, &n);
        CHECK(b != NULL);
        if (!b)
            continue;
        if (load(b, n, &p, &err) != ZX_OK)
            H_FAIL("%s: %s", names[k], err.msg);
        zx_pickle_free(p);
        for (cut = 0; cut < n; cut++) {
            /* An exact-size copy, so that a read past the end is caught
             * by the sanitizers. */
            unsigned char *c = malloc(cut ? cut : 1);
            int rc;

            memcpy(c, b, cut);
            p = (struct zx_pickle *)1;
            rc = load(c, cut, &p, &err);
            if (rc != ZX_EFORMAT || p != NULL)
                H_FAIL("%s cut at %zu: rc %d (%s)", names[k], cut, rc, err.msg);
            free(c);
        }
        free(b);
    }
}

static int load_lim(const char *bytes, size_t n, const struct zx_pk_limits *l,
                    struct zx_error *err)
{
    struct zx_pickle *p = NULL;
    int rc;

    memset(err, 0, sizeof(*err));
    rc = zx_pickle_load((const unsigned char *)bytes, n, "'lim'", l, &p, err);
    zx_pickle_free(p);
    return rc;
}

static void test_limits(void)
{
    struct zx_pk_limits l;
    struct zx_error err;
    char big[4096];
    size_t i;

    zx_pk_default_limits(&l);
    l.max_stack = 8;
    /* 8 values fit, the 9th does not. */
    CHECK_INT(load_lim(LIT("\x80\x02(NNNNNNNNt."), &l, &err), ==, ZX_OK);
    CHECK_INT(load_lim(LIT("\x80\x02(NNNNNNNNNt."), &l, &err), ==, ZX_ETOOBIG);
    CHECK_MSG(err, "deeper than 8 values");
    zx_pk_default_limits(&l);
    l.max_marks = 3;
    CHECK_INT(load_lim(LIT("\x80\x02(((NtNtNt."), &l, &err), ==, ZX_OK);
    CHECK_INT(load_lim(LIT("\x80\x02((((NtNtNtNt."), &l, &err), ==, ZX_ETOOBIG);
    CHECK_MSG(err, "more than 3 nested MARKs");
    zx_pk_default_limits(&l);
    l.max_str = 3;
    CHECK_INT(load_lim(LIT("\x80\x02X\x03\x00\x00\x00"
                           "abc."),
                       &l, &err),
              ==, ZX_OK);
    CHECK_INT(load_lim(LIT("\x80\x02X\x04\x00\x00\x00"
                           "abcd."),
                       &l, &err),
              ==, ZX_ETOOBIG);
    zx_pk_default_limits(&l);
    l.max_memo = 10;
    CHECK_INT(load_lim(LIT("\x80\x02Nq\x09N0N0N0."), &l, &err), ==, ZX_OK);
    CHECK_INT(load_lim(LIT("\x80\x02Nq\x0aN0N0N0."), &l, &err), ==, ZX_ETOOBIG);
    /* The memo index may not exceed the pickle's length either. */
    zx_pk_default_limits(&l);
    CHECK_INT(load_lim(LIT("\x80\x02Nq\xff."), &l, &err), ==, ZX_ETOOBIG);
    /* Total allocation: a list of 1000 values needs more than 4 KiB. */
    big[0] = '\x80';
    big[1] = '\x02';
    big[2] = ']';
    big[3] = '(';
    for (i = 0; i < 1000; i++)
        big[4 + i] = 'N';
    big[1004] = 'e';
    big[1005] = '.';
    zx_pk_default_limits(&l);
    CHECK_INT(load_lim(big, 1006, &l, &err), ==, ZX_OK);
    l.max_alloc = 4096;
    CHECK_INT(load_lim(big, 1006, &l, &err), ==, ZX_ETOOBIG);
    CHECK_MSG(err, "more than 4 KiB of memory");
}

static const struct zx_pk_value *root_of(const char *bytes, size_t n,
                                         struct zx_pickle **p)
{
    struct zx_error err;

    if (load((const unsigned char *)bytes, n, p, &err)) {
        H_FAIL("load: %s", err.msg);
        return NULL;
    }
    return zx_pickle_root(*p);
}

static void test_values(void)
{
    struct zx_pickle *p = NULL;
    const struct zx_pk_value *v;
    /* (BININT -5, LONG1 -2, LONG1 of 8 bytes, BINFLOAT 1.5, "é",
     *  encode("\xff", "latin1"), torch.Size((3,)), True, None) */
    static const char tup[] =
        "\x80\x02(J\xfb\xff\xff\xff\x8a\x01\xfe"
        "\x8a\x08\x01\x00\x00\x00\x00\x00\x00\x80"
        "G\x3f\xf8\x00\x00\x00\x00\x00\x00"
        "X\x02\x00\x00\x00\xc3\xa9"
        "c_codecs\nencode\nX\x02\x00\x00\x00\xc3\xbfX\x06\x00\x00\x00latin1"
        "\x86R"
        "ctorch\nSize\nK\x03\x85\x85R"
        "\x88Nt.";

    v = root_of(tup, sizeof(tup) - 1, &p);
    if (v) {
        CHECK_INT(v->type, ==, ZX_PK_TUPLE);
        CHECK_INT(v->n, ==, 9);
        CHECK_INT(v->items[0]->i, ==, -5);
        CHECK_INT(v->items[1]->i, ==, -2);
        CHECK_INT(v->items[2]->type, ==, ZX_PK_INT);
        CHECK(v->items[2]->i == INT64_MIN + 1);
        CHECK_NEAR(v->items[3]->f, 1.5, 0);
        CHECK_STR(v->items[4]->s, "\xc3\xa9");
        CHECK_INT(v->items[5]->type, ==, ZX_PK_BYTES);
        CHECK_INT(v->items[5]->len, ==, 1);
        CHECK_INT((unsigned char)v->items[5]->s[0], ==, 0xff);
        CHECK_INT(v->items[6]->type, ==, ZX_PK_TUPLE);
        CHECK_INT(v->items[6]->items[0]->i, ==, 3);
        CHECK_INT(v->items[7]->type, ==, ZX_PK_BOOL);
    }
    zx_pickle_free(p);
    /* Protocol 4 framing, MEMOIZE and STACK_GLOBAL of an allowed name. */
    {
        static const char p4[] =
            "\x80\x04\x95\x1c\x00\x00\x00\x00\x00\x00\x00"
            "\x8c\x0b"
            "collections\x94\x8c\x0bOrderedDict\x94\x93)R\x94.";

        v = root_of(p4, sizeof(p4) - 1, &p);
        if (v)
            CHECK_INT(v->type, ==, ZX_PK_DICT);
        zx_pickle_free(p);
    }
    /* Two pickles back to back: used() ends at the first STOP. */
    {
        static const char two[] = "\x80\x02K\x07.\x80\x02K\x08.";

        v = root_of(two, sizeof(two) - 1, &p);
        if (v) {
            CHECK_INT(v->i, ==, 7);
            CHECK_INT(zx_pickle_used(p), ==, 5);
        }
        zx_pickle_free(p);
    }
}

/* A legacy persistent id with a view: the tensor's bytes start at the
 * view's first element. */
static void test_legacy_view(void)
{
    struct zx_pickle *p = NULL;
    const struct zx_pk_value *v;
    static const char pk[] =
        "\x80\x02"
        "ctorch._utils\n_rebuild_tensor_v2\n"
        "((X\x07\x00\x00\x00storagectorch\nHalfStorage\nX\x01\x00\x00\x00"
        "aX\x03\x00\x00\x00"
        "cpuK\x0a(X\x01\x00\x00\x00"
        "bK\x04K\x06ttQ"
        "K\x01K\x02K\x02\x86K\x02K\x01\x86\x89)tR.";

    v = root_of(pk, sizeof(pk) - 1, &p);
    if (v) {
        CHECK_INT(v->type, ==, ZX_PK_TENSOR);
        CHECK_INT(v->tensor->dtype, ==, ZX_DTYPE_F16);
        CHECK_STR(v->tensor->storage->key, "a");
        CHECK_INT(v->tensor->storage->view_first, ==, 4);
        CHECK_INT(v->tensor->storage->view_numel, ==, 6);
        /* (4 + 1) elements of 2 bytes in. */
        CHECK_INT(v->tensor->byte_offset, ==, 10);
        CHECK_INT(v->tensor->n_bytes, ==, 8);
    }
    zx_pickle_free(p);
}

int main(void)
{
    RUN(test_hostile_manifest);
    RUN(test_benign_state_dict);
    RUN(test_benign_truncations);
    RUN(test_limits);
    RUN(test_values);
    RUN(test_legacy_view);
    return DONE();
}
