/* test_model.c - model sources on disk: ids, metadata, declared parents,
 * change stamps and scanning (on temp layouts and fixtures/zoo).
 * SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ckpt.h"
#include "harness.h"
#include "model.h"
#include "zx_fs.h"
#include "zx_mem.h"

/* ===== Helpers ===== */

static char *make_tmp(void)
{
    return h_mkdtemp("/tmp/zx-test-model-XXXXXX");
}

/* Write `text` (n bytes, or strlen when n is 0) to dir/name, creating the
 * folders on the way. */
static void put(const char *dir, const char *name, const char *text, size_t n)
{
    char *path = zx_path_join(dir, name), *slash;
    FILE *f;

    slash = strrchr(path, '/');
    *slash = '\0';
    if (zx_mkdirs(path, NULL)) {
        perror(path);
        exit(2);
    }
    *slash = '/';
    f = fopen(path, "wb");
    if (!n)
        n = strlen(text);
    if (!f || fwrite(text, 1, n, f) != n || fclose(f) != 0) {
        perror(path);
        exit(2);
    }
    free(path);
}

/* A valid one-tensor safetensors file: 4 F32 values. */
static void put_weights(const char *dir, const char *name)
{
    static const char hdr[] = "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],"
                              "\"data_offsets\":[0,16]}}";
    char buf[8 + sizeof(hdr) - 1 + 16] = {0};

    buf[0] = (char)(sizeof(hdr) - 1);
    memcpy(buf + 8, hdr, sizeof(hdr) - 1);
    put(dir, name, buf, sizeof(buf));
}

/* <tmp>/org/name with weights, config.json and README.md; returns the
 * model folder (owned). */
static char *make_model(const char *tmp, const char *rel, const char *config,
                        const char *readme)
{
    char *dir = zx_path_join(tmp, rel);

    put_weights(dir, "model.safetensors");
    if (config)
        put(dir, "config.json", config, 0);
    if (readme)
        put(dir, "README.md", readme, 0);
    return dir;
}

static struct zx_model_src *open_ok(int line, const char *path, const char *id)
{
    struct zx_error err = {0};
    struct zx_model_src *m = NULL;
    int rc = zx_model_src_open(path, id, &m, &err);

    if (rc || !m)
        H_FAIL("line %d: zx_model_src_open(%s): %d %s", line, path, rc,
               err.msg);
    return m;
}
#define OPEN_OK(path, id) open_ok(__LINE__, path, id)

static void open_bad(int line, const char *path, const char *id, int code,
                     const char *frag)
{
    struct zx_error err = {0};
    struct zx_model_src *m = (struct zx_model_src *)1;
    int rc = zx_model_src_open(path, id, &m, &err);

    if (rc != code)
        H_FAIL("line %d: %s: rc %d, want %d (%s)", line, path, rc, code,
               err.msg);
    else if (!strstr(err.msg, frag))
        H_FAIL("line %d: message \"%s\" lacks \"%s\"", line, err.msg, frag);
    if (m)
        H_FAIL("line %d: *out not NULL on failure", line);
}
#define OPEN_BAD(path, id, code, frag) open_bad(__LINE__, path, id, code, frag)

/* Declared parents as "parent relation source;" strings. */
static char *parents_str(const struct zx_model_src *m)
{
    json_t *arr = zx_model_declared_parents(m), *x;
    char *s = xstrdup("");
    size_t i;

    json_array_foreach(arr, i, x)
    {
        char *t =
            xasprintf("%s%s %s %s;", s, zx_json_str(x, "parent"),
                      zx_json_str(x, "relation"), zx_json_str(x, "source"));

        free(s);
        s = t;
    }
    json_decref(arr);
    return s;
}

/* ===== Opening models ===== */

static void test_folder_layout(void)
{
    char *tmp = make_tmp(), *dir, real[PATH_MAX];
    struct zx_model_src *m;
    json_t *meta;
    char *s;

    dir = make_model(tmp, "org/name",
                     "{\"architectures\":[\"BertForSequenceClassification\"],"
                     "\"model_type\":\"bert\",\"id2label\":{\"0\":\"neg\","
                     "\"1\":\"pos\",\"2\":\"mixed\"},\"num_labels\":7}",
                     "---\nlicense: mit\nbase_model:\n- a/base\n- b/base\n"
                     "tags: [x, 3]\npipeline_tag: text-classification\n"
                     "---\n# Card\n");
    m = OPEN_OK(dir, NULL);
    if (!m)
        goto out;
    CHECK_STR(m->id, "org/name");
    CHECK(m->revision == NULL);
    CHECK(realpath(dir, real) != NULL);
    CHECK_STR(m->path, real);
    s = zx_path_join(real, "model.safetensors");
    CHECK_STR(m->weights, s);
    free(s);
    CHECK(m->config && m->card && !m->adapter);
    CHECK_INT(strlen(m->stamp), ==, 64);
    meta = zx_model_meta(m);
    s = zx_json_dump(meta);
    CHECK_STR(s, "{\"architectures\":[\"BertForSequenceClassification\"],"
                 "\"base_model\":[\"a/base\",\"b/base\"],\"id2label\":{"
                 "\"0\":\"neg\",\"1\":\"pos\",\"2\":\"mixed\"},\"license\":"
                 "\"mit\",\"model_type\":\"bert\",\"num_labels\":3,"
                 "\"pipeline_tag\":\"text-classification\",\"tags\":[\"x\"]}");
    free(s);
    json_decref(meta);
    s = parents_str(m);
    CHECK_STR(s, "a/base merge card;b/base merge card;");
    free(s);
    zx_model_src_free(m);
    /* The weights file given directly takes the folder's id and metadata. */
    s = zx_path_join(dir, "model.safetensors");
    m = OPEN_OK(s, NULL);
    free(s);
    if (m) {
        CHECK_STR(m->id, "org/name");
        CHECK(m->config && m->card);
    }
    zx_model_src_free(m);
out:
    free(dir);
    h_rm_rf(tmp);
    free(tmp);
}

static void test_meta_num_labels(void)
{
    char *tmp = make_tmp(), *dir;
    struct zx_model_src *m;
    json_t *meta;
    int64_t n = 0;

    dir = make_model(tmp, "o/n",
                     "{\"num_labels\":7,\"torch_dtype\":\"float32\","
                     "\"_name_or_path\":\"o/src\"}",
                     NULL);
    m = OPEN_OK(dir, NULL);
    if (m) {
        CHECK(m->card == NULL);
        meta = zx_model_meta(m);
        CHECK(zx_json_int(meta, "num_labels", &n) && n == 7);
        CHECK_STR(zx_json_str(meta, "torch_dtype"), "float32");
        CHECK_STR(zx_json_str(meta, "name_or_path"), "o/src");
        CHECK(json_object_get(meta, "license") == NULL);
        json_decref(meta);
    }
    zx_model_src_free(m);
    free(dir);
    h_rm_rf(tmp);
    free(tmp);
}

static void test_adapter(void)
{
    char *tmp = make_tmp(), *dir = zx_path_join(tmp, "org/lora");
    struct zx_model_src *m;
    json_t *meta, *a;
    char *s;

    put_weights(dir, "adapter_model.safetensors");
    put(dir, "adapter_config.json",
        "{\"base_model_name_or_path\":\"org/base\",\"peft_type\":\"LORA\","
        "\"r\":8,\"lora_alpha\":16,\"target_modules\":[\"q\",\"v\"]}",
        0);
    put(dir, "README.md",
        "---\nbase_model: org/base\nlibrary_name: peft\n"
        "---\n",
        0);
    m = OPEN_OK(dir, NULL);
    if (m) {
        CHECK(strstr(m->weights, "/adapter_model.safetensors") != NULL);
        CHECK(m->adapter != NULL);
        /* Card and adapter_config name the same parent: listed once. */
        s = parents_str(m);
        CHECK_STR(s, "org/base adapter card;");
        free(s);
        meta = zx_model_meta(m);
        a = json_object_get(meta, "adapter");
        CHECK_STR(zx_json_str(a, "peft_type"), "LORA");
        CHECK_INT(json_integer_value(json_object_get(a, "r")), ==, 8);
        CHECK_STR(zx_json_str(meta, "library_name"), "peft");
        json_decref(meta);
    }
    zx_model_src_free(m);
    /* The adapter file alone still finds its folder's metadata. */
    s = zx_path_join(dir, "adapter_model.safetensors");
    m = OPEN_OK(s, NULL);
    free(s);
    if (m) {
        CHECK_STR(m->id, "org/lora");
        s = parents_str(m);
        CHECK_STR(s, "org/base adapter card;");
        free(s);
    }
    zx_model_src_free(m);
    free(dir);
    h_rm_rf(tmp);
    free(tmp);
}

/* Relation inference on in-memory sources. */
static void test_declared_parents(void)
{
    static const struct {
        const char *card, *adapter, *want;
    } cases[] = {
        {"{\"base_model\":\"a/b\"}", NULL, "a/b finetune card;"},
        {"{\"base_model\":[\"a/b\"]}", NULL, "a/b finetune card;"},
        {"{\"base_model\":\"a/b\"}", "{}", "a/b adapter card;"},
        {"{\"base_model\":[\"a/b\",\"c/d\"]}", NULL,
         "a/b merge card;c/d merge card;"},
        {"{\"base_model\":[\"a/b\",\"c/d\"]}", "{}",
         "a/b adapter card;c/d adapter card;"},
        {"{\"base_model\":\"a/b\",\"base_model_relation\":\"quantized\"}", NULL,
         "a/b quantized card;"},
        {"{\"base_model\":[\"a/b\",\"c/d\"],\"base_model_relation\":"
         "\"finetune\"}",
         NULL, "a/b finetune card;c/d finetune card;"},
        {"{\"base_model\":\"a/b\",\"base_model_relation\":\"bogus\"}", NULL,
         "a/b finetune card;"},
        {"{\"base_model\":\"me/self\"}", NULL, ""},
        {"{\"base_model\":[\"me/self\",\"a/b\",\"a/b\",\"\",3]}", NULL,
         "a/b merge card;"},
        {"{\"base_model\":{\"x\":1}}", NULL, ""},
        {NULL, "{\"base_model_name_or_path\":\"p/q\"}",
         "p/q adapter adapter_config;"},
        {NULL, "{\"base_model_name_or_path\":\"me/self\"}", ""},
        {"{\"base_model\":\"a/b\"}", "{\"base_model_name_or_path\":\"p/q\"}",
         "a/b adapter card;p/q adapter adapter_config;"},
        {NULL, NULL, ""},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct zx_model_src m = {0};
        char *got;

        m.id = (char *)"me/self";
        m.card = cases[i].card ? json_loads(cases[i].card, 0, NULL) : NULL;
        m.adapter =
            cases[i].adapter ? json_loads(cases[i].adapter, 0, NULL) : NULL;
        got = parents_str(&m);
        if (strcmp(got, cases[i].want))
            H_FAIL("case %zu: \"%s\" vs \"%s\"", i, got, cases[i].want);
        free(got);
        json_decref(m.card);
        json_decref(m.adapter);
    }
}

static void test_hf_cache(void)
{
    char *tmp = make_tmp(), *repo, *snap, *blob, *s;
    struct zx_model_src *m;

    /* Real cache layout: snapshot files are symlinks into blobs/. */
    repo = zx_path_join(tmp, "hub/models--org--name");
    snap = zx_path_join(repo, "snapshots/abc123");
    blob = zx_path_join(repo, "blobs");
    put_weights(blob, "1111");
    put(blob, "2222", "{\"architectures\":[\"X\"]}", 0);
    put(snap, ".keep", "", 1);
    s = zx_path_join(snap, "model.safetensors");
    CHECK(symlink("../../blobs/1111", s) == 0);
    free(s);
    s = zx_path_join(snap, "config.json");
    CHECK(symlink("../../blobs/2222", s) == 0);
    free(s);
    m = OPEN_OK(snap, NULL);
    if (m) {
        CHECK_STR(m->id, "org/name");
        CHECK_STR(m->revision, "abc123");
        CHECK(m->config != NULL);
    }
    zx_model_src_free(m);
    /* The weights symlink itself: still the cache's id and revision. */
    s = zx_path_join(snap, "model.safetensors");
    m = OPEN_OK(s, NULL);
    if (m) {
        CHECK_STR(m->id, "org/name");
        CHECK_STR(m->revision, "abc123");
        CHECK(strstr(m->weights, "snapshots/abc123/model.safetensors"));
        CHECK(m->config != NULL);
    }
    zx_model_src_free(m);
    free(s);
    /* A cache entry without an org. */
    free(snap);
    snap = zx_path_join(tmp, "hub/models--gpt2/snapshots/r1");
    put_weights(snap, "model.safetensors");
    m = OPEN_OK(snap, NULL);
    if (m) {
        CHECK_STR(m->id, "gpt2");
        CHECK_STR(m->revision, "r1");
    }
    zx_model_src_free(m);
    free(repo);
    free(snap);
    free(blob);
    h_rm_rf(tmp);
    free(tmp);
}

static void test_id_override(void)
{
    char *tmp = make_tmp(), *dir = make_model(tmp, "org/name", NULL, NULL);
    struct zx_model_src *m, *m2;

    m = OPEN_OK(dir, "someone/custom-1.0");
    m2 = OPEN_OK(dir, NULL);
    if (m && m2) {
        CHECK_STR(m->id, "someone/custom-1.0");
        /* The id is part of the stamp. */
        CHECK(strcmp(m->stamp, m2->stamp) != 0);
    }
    zx_model_src_free(m);
    zx_model_src_free(m2);
    OPEN_BAD(dir, "../evil", ZX_EUSAGE, "'../evil' is not a valid model id");
    OPEN_BAD(dir, "a/b/c", ZX_EUSAGE, "not a valid model id");
    OPEN_BAD(dir, "", ZX_EUSAGE, "not a valid model id");
    OPEN_BAD(dir, "has space", ZX_EUSAGE, "not a valid model id");
    free(dir);
    h_rm_rf(tmp);
    free(tmp);
}

static void test_single_files(void)
{
    char *tmp = make_tmp(), *dir = zx_path_join(tmp, "loose"), *p;
    struct zx_model_src *m;

    put_weights(dir, "my model.v2.safetensors");
    put(dir, "config.json", "{not json", 0);
    p = zx_path_join(dir, "my model.v2.safetensors");
    m = OPEN_OK(p, NULL);
    if (m) {
        CHECK_STR(m->id, "loose/my_model.v2");
        CHECK(zx_valid_model_id(m->id));
        /* A stray file does not take the folder's (broken) metadata. */
        CHECK(m->config == NULL);
    }
    zx_model_src_free(m);
    free(p);
    /* An index given directly names its folder, not itself. */
    free(dir);
    dir = zx_path_join(tmp, "org/sharded");
    put_weights(dir, "model-00001-of-00001.safetensors");
    put(dir, "model.safetensors.index.json",
        "{\"weight_map\":{\"w\":"
        "\"model-00001-of-00001.safetensors\"}}",
        0);
    put(dir, "config.json", "{\"model_type\":\"bert\"}", 0);
    m = OPEN_OK(dir, NULL);
    if (m) {
        CHECK_STR(m->id, "org/sharded");
        CHECK(strstr(m->weights, "model.safetensors.index.json") != NULL);
    }
    zx_model_src_free(m);
    p = zx_path_join(dir, "model.safetensors.index.json");
    m = OPEN_OK(p, NULL);
    if (m) {
        CHECK_STR(m->id, "org/sharded");
        CHECK(m->config != NULL);
    }
    zx_model_src_free(m);
    free(p);
    free(dir);
    h_rm_rf(tmp);
    free(tmp);
}

static void test_open_errors(void)
{
    char *tmp = make_tmp(), *dir, *p;

    dir = zx_path_join(tmp, "org/empty");
    put(dir, "config.json", "{}", 0);
    put(dir, "tf_model.h5", "\x89HDF\r\n\x1a\n", 8);
    OPEN_BAD(dir, NULL, ZX_EUNSUPPORTED, "has no weights zoodex reads: '");
    OPEN_BAD(dir, NULL, ZX_EUNSUPPORTED, "is TensorFlow weights in HDF5");
    p = zx_path_join(dir, "tf_model.h5");
    OPEN_BAD(p, NULL, ZX_EUNSUPPORTED, "is TensorFlow weights in HDF5");
    free(p);
    /* A file of a name and bytes no reader knows. */
    put(dir, "weights.xyz", "\x01\x02\x03", 3);
    p = zx_path_join(dir, "weights.xyz");
    OPEN_BAD(p, NULL, ZX_EUNSUPPORTED, "is not a .safetensors file");
    free(p);
    /* Only a folder without weights of any kind has "no weights". */
    free(dir);
    dir = zx_path_join(tmp, "org/bare");
    put(dir, "config.json", "{}", 0);
    OPEN_BAD(dir, NULL, ZX_EUNSUPPORTED, "holds no .safetensors weights");
    p = zx_path_join(tmp, "missing");
    OPEN_BAD(p, NULL, ZX_ENOTFOUND, "No such file");
    free(p);
    /* Several lone weights files are several models, not one. */
    put_weights(dir, "a.safetensors");
    put_weights(dir, "b.safetensors");
    OPEN_BAD(dir, NULL, ZX_EUNSUPPORTED, "holds several .safetensors files");
    CHECK(!zx_model_is_dir(dir));
    p = zx_path_join(dir, "b.safetensors");
    unlink(p);
    free(p);
    CHECK(zx_model_is_dir(dir));
    free(dir);
    /* Malformed metadata files name themselves. */
    dir = make_model(tmp, "org/badcfg", "{\"architectures\": [", NULL);
    OPEN_BAD(dir, NULL, ZX_EFORMAT, "config.json");
    put(dir, "config.json", "[1, 2]", 0);
    OPEN_BAD(dir, NULL, ZX_EFORMAT, "config.json: not a JSON object");
    put(dir, "config.json", "{}", 0);
    put(dir, "adapter_config.json", "{\"a\":1,\"a\":2}", 0);
    OPEN_BAD(dir, NULL, ZX_EFORMAT, "adapter_config.json");
    p = zx_path_join(dir, "adapter_config.json");
    unlink(p);
    free(p);
    put(dir, "README.md", "---\nlicense: [mit\n---\n", 0);
    OPEN_BAD(dir, NULL, ZX_EFORMAT, "README.md: front matter line");
    put(dir, "README.md", "---\nlicense: mit\n", 0);
    OPEN_BAD(dir, NULL, ZX_EFORMAT, "README.md");
    free(dir);
    h_rm_rf(tmp);
    free(tmp);
}

static const char *stamp_of(const char *dir, char out[65])
{
    struct zx_model_src *m = OPEN_OK(dir, NULL);

    strcpy(out, m ? m->stamp : "");
    zx_model_src_free(m);
    return out;
}

/* A file's modification time, and setting it back: rewrites within one
 * tick of a coarse-timestamp file system keep the same mtime, so the tests
 * set it explicitly. */
static struct timespec mtime_of(const char *dir, const char *name)
{
    char *p = zx_path_join(dir, name);
    struct stat st;

    memset(&st, 0, sizeof(st));
    CHECK(stat(p, &st) == 0);
    free(p);
    return st.st_mtim;
}

static void set_mtime(const char *dir, const char *name, struct timespec t)
{
    char *p = zx_path_join(dir, name);
    struct timespec ts[2];

    ts[0] = t;
    ts[1] = t;
    CHECK(utimensat(AT_FDCWD, p, ts, 0) == 0);
    free(p);
}

static void test_stamp(void)
{
    char *tmp = make_tmp(), *dir;
    char a[65], b[65], c[65];
    struct timespec t;

    dir = make_model(tmp, "org/name", "{\"x\":1}", "---\nlicense: mit\n---\n");
    stamp_of(dir, a);
    stamp_of(dir, b);
    CHECK_INT(strlen(a), ==, 64);
    CHECK_STR(a, b);
    /* config.json: same size, same mtime, other bytes. */
    t = mtime_of(dir, "config.json");
    put(dir, "config.json", "{\"x\":2}", 0);
    set_mtime(dir, "config.json", t);
    stamp_of(dir, c);
    CHECK(strcmp(a, c) != 0);
    stamp_of(dir, b);
    CHECK_STR(b, c);
    /* README.md edited. */
    put(dir, "README.md", "---\nlicense: bsd\n---\n", 0);
    stamp_of(dir, a);
    CHECK(strcmp(a, c) != 0);
    /* Weights rewritten with the same size: caught by the mtime (their
     * bytes are not hashed). */
    t = mtime_of(dir, "model.safetensors");
    put_weights(dir, "model.safetensors");
    t.tv_sec += 1;
    set_mtime(dir, "model.safetensors", t);
    stamp_of(dir, b);
    CHECK(strcmp(a, b) != 0);
    /* adapter_config.json appears. */
    put(dir, "adapter_config.json", "{}", 0);
    stamp_of(dir, c);
    CHECK(strcmp(b, c) != 0);
    free(dir);
    h_rm_rf(tmp);
    free(tmp);
}

/* ===== Scanning ===== */

struct seen {
    char *paths[64];
    size_t n;
    int stop_at;
};

static int collect(const char *path, void *arg)
{
    struct seen *s = arg;

    if (s->n < 64)
        s->paths[s->n] = xstrdup(path);
    s->n++;
    return s->stop_at && (int)s->n == s->stop_at ? 42 : 0;
}

static void seen_free(struct seen *s)
{
    size_t i;

    for (i = 0; i < s->n && i < 64; i++)
        free(s->paths[i]);
}

static void test_scan_zoo(void)
{
    struct zx_error err = {0};
    struct seen s = {0};
    json_t *manifest = NULL, *models, *x;
    size_t i;

    CHECK_INT(zx_json_load_file("fixtures/zoo/MANIFEST.json", 1u << 20,
                                &manifest, &err),
              ==, ZX_OK);
    models = json_object_get(manifest, "models");
    CHECK_INT(json_array_size(models), ==, 17);
    CHECK_INT(zx_model_scan("fixtures/zoo", collect, &s, &err), ==, 0);
    CHECK_INT(s.n, ==, json_array_size(models));
    for (i = 0; i < s.n && i < 64; i++) {
        struct zx_model_src *m = OPEN_OK(s.paths[i], NULL);
        int found = 0;
        size_t k;

        if (i > 0 && strcmp(s.paths[i - 1], s.paths[i]) >= 0)
            H_FAIL("not sorted: %s before %s", s.paths[i - 1], s.paths[i]);
        if (strstr(s.paths[i], "MANIFEST"))
            H_FAIL("visited %s", s.paths[i]);
        if (!m)
            continue;
        json_array_foreach(models, k, x)
        {
            found += !strcmp(zx_json_str(x, "id"), m->id);
        }
        if (found != 1)
            H_FAIL("%s: id %s is not in MANIFEST.json", s.paths[i], m->id);
        zx_model_src_free(m);
    }
    seen_free(&s);
    json_decref(manifest);
}

static void test_scan_layout(void)
{
    char *tmp = make_tmp(), *p, *q;
    struct zx_error err = {0};
    struct seen s = {0};

    free(make_model(tmp, "b/m2", NULL, NULL));
    free(make_model(tmp, "a/m1", NULL, NULL));
    /* A model folder is not searched further. */
    free(make_model(tmp, "a/m1/nested", NULL, NULL));
    p = zx_path_join(tmp, "c");
    put_weights(p, "z.safetensors");
    put_weights(p, "y.safetensors");
    put(p, "notes.txt", "x", 0);
    /* Hidden folders and symbolic links are skipped. */
    free(make_model(tmp, ".cache/m", NULL, NULL));
    q = zx_path_join(tmp, "d");
    CHECK(symlink("a", q) == 0);
    free(q);
    q = zx_path_join(tmp, "e/empty");
    CHECK_INT(zx_mkdirs(q, &err), ==, ZX_OK);
    free(q);
    q = zx_path_join(p, "link.safetensors");
    CHECK(symlink("y.safetensors", q) == 0);
    free(q);
    CHECK_INT(zx_model_scan(tmp, collect, &s, &err), ==, 0);
    CHECK_INT(s.n, ==, 4);
    if (s.n == 4) {
        CHECK(strstr(s.paths[0], "/a/m1") != NULL);
        CHECK(strstr(s.paths[1], "/b/m2") != NULL);
        CHECK(strstr(s.paths[2], "/c/y.safetensors") != NULL);
        CHECK(strstr(s.paths[3], "/c/z.safetensors") != NULL);
    }
    seen_free(&s);
    /* A non-zero return stops the walk and comes back. */
    memset(&s, 0, sizeof(s));
    s.stop_at = 2;
    CHECK_INT(zx_model_scan(tmp, collect, &s, &err), ==, 42);
    CHECK_INT(s.n, ==, 2);
    seen_free(&s);
    /* A file root is visited once; a missing root is an error. */
    memset(&s, 0, sizeof(s));
    q = zx_path_join(p, "y.safetensors");
    CHECK_INT(zx_model_scan(q, collect, &s, &err), ==, 0);
    CHECK_INT(s.n, ==, 1);
    seen_free(&s);
    free(q);
    q = zx_path_join(tmp, "nope");
    CHECK_INT(zx_model_scan(q, collect, &s, &err), ==, ZX_ENOTFOUND);
    CHECK_MSG(err, "nope");
    free(q);
    free(p);
    h_rm_rf(tmp);
    free(tmp);
}

static void test_valid_model_id(void)
{
    static const char *const good[] = {
        "org/name", "name", "a.b_c-d/E9", "Org-1/model.v2_final", "x/y-",
    };
    static const char *const bad[] = {
        "",      "/x",   "x/",        "a/b/c", "../x", "a/..b",
        "a..b",  "-a",   ".a",        "a/.b",  "a/-b", "a b",
        "a/b\n", "a\\b", "org/na:me", "é/x",   "a//b",
    };
    char longid[256];
    size_t i;

    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        if (!zx_valid_model_id(good[i]))
            H_FAIL("'%s' refused", good[i]);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (zx_valid_model_id(bad[i]))
            H_FAIL("'%s' accepted", bad[i]);
    memset(longid, 'a', 200);
    longid[200] = '\0';
    CHECK(zx_valid_model_id(longid));
    longid[200] = 'a';
    longid[201] = '\0';
    CHECK(!zx_valid_model_id(longid));
}

/* Formats recognised by their first bytes (ckpt.h): each magic, and
 * safetensors whose length prefix happens to look like another format. */
static void test_sniff(void)
{
    static const struct {
        const char *name, *bytes;
        size_t n;
        const char *want;
    } cases[] = {
        {"a.gguf", "GGUF\3\0\0\0", 8, "GGUF"},
        {"a.onnx", "\x08\x07\x12\x07pytorch", 11, "ONNX"},
        {"tf_model.h5", "\x89HDF\r\n\x1a\n", 8, "TensorFlow"},
        {"w.h5", "\x89HDF\r\n\x1a\n", 8, "HDF5"},
        {"flax_model.msgpack", "\x81\xa6params\x80", 9, "Flax"},
        {"x.bin", "\x80\x02\x8a\x0a", 4, "torch"},
        {"notes", "caf\xc3\xa9 au lait\n", 14, "text"},
        {"bad-utf8", "\xff\xff\xff\xff{}", 6, NULL},
        {"nul", "ab\0cd", 5, NULL},
        {"empty", "", 0, NULL},
    };
    /* safetensors prefixes whose low bytes match ONNX (08 07 3a) and a
     * msgpack map (81 a1 'A'): the '{' at byte 8 decides. */
    static const uint64_t lens[] = {2, 0x3a0708, 0x41a181, 99999999};
    char *tmp = make_tmp(), *p;
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *got;

        put(tmp, cases[i].name, cases[i].bytes, cases[i].n);
        if (cases[i].n == 0) { /* put() takes 0 as strlen: truncate */
            p = zx_path_join(tmp, cases[i].name);
            CHECK_INT(truncate(p, 0), ==, 0);
            free(p);
        }
        p = zx_path_join(tmp, cases[i].name);
        got = zx_ckpt_sniff(p);
        if (!cases[i].want ? got != NULL
                           : !got || strcmp(got, cases[i].want) != 0)
            H_FAIL("%s: sniffed %s, want %s", cases[i].name, got ? got : "NULL",
                   cases[i].want ? cases[i].want : "NULL");
        free(p);
    }
    for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        unsigned char b[9];
        char name[32];
        int k;

        for (k = 0; k < 8; k++)
            b[k] = (unsigned char)(lens[i] >> (8 * k));
        b[8] = '{';
        snprintf(name, sizeof(name), "st%zu", i);
        put(tmp, name, (const char *)b, 9);
        p = zx_path_join(tmp, name);
        CHECK_STR(zx_ckpt_sniff(p), "safetensors");
        free(p);
    }
    /* A name alone says nothing: the bytes of a GGUF file under a
     * safetensors name are refused as GGUF. */
    put(tmp, "m.safetensors", "GGUF\3\0\0\0", 8);
    {
        struct zx_error err = {0};
        struct zx_ckpt *ck = NULL;

        p = zx_path_join(tmp, "m.safetensors");
        CHECK_INT(zx_ckpt_open(p, &ck, &err), ==, ZX_EUNSUPPORTED);
        CHECK_MSG(err, "is a GGUF file");
        CHECK(ck == NULL);
        free(p);
    }
    CHECK_STR(zx_ckpt_unsupported_name("model.gguf"), "GGUF");
    CHECK_STR(zx_ckpt_unsupported_name("tf_model.h5"), "TensorFlow");
    CHECK(zx_ckpt_unsupported_name("model.safetensors") == NULL);
    CHECK(zx_ckpt_unsupported_name("README.md") == NULL);
    h_rm_rf(tmp);
    free(tmp);
}

/* zx_model_id_taken(): which records of an id another source may not
 * replace. */
static void test_id_taken(void)
{
    char *tmp = make_tmp(), *a = zx_path_join(tmp, "a"), *b, *arch, *p;
    struct zx_model_src src = {0};
    struct zx_error err = {0};
    char id[] = "org/x", w[] = "/w/model.safetensors", rev[] = "abc";
    int copy = 0;

    CHECK_INT(zx_mkdirs(a, &err), ==, ZX_OK);
    b = zx_path_join(tmp, "b");
    arch = xasprintf("%s!/org/x", a); /* an "archive" that exists */
    src.id = id;
    src.path = b;
    src.weights = w;
    /* no record, its own record, the same weights file */
    CHECK_INT(zx_model_id_taken(&src, NULL, NULL, NULL, &copy, &err), ==,
              ZX_OK);
    CHECK_INT(zx_model_id_taken(&src, b, NULL, NULL, &copy, &err), ==, ZX_OK);
    CHECK_INT(
        zx_model_id_taken(&src, a, "/w/model.safetensors", NULL, &copy, &err),
        ==, ZX_OK);
    CHECK_INT(copy, ==, 0);
    /* another source that exists holds it: refused, naming both */
    CHECK_INT(
        zx_model_id_taken(&src, a, "/v/model.safetensors", NULL, &copy, &err),
        ==, ZX_EUSAGE);
    CHECK_MSG(err, "which '");
    CHECK(strstr(err.msg, a) && strstr(err.msg, b) && strstr(err.msg, "org/x"));
    CHECK_INT(zx_model_id_taken(&src, arch, NULL, NULL, &copy, &err), ==,
              ZX_EUSAGE);
    /* a record from the Hub is completed */
    CHECK_INT(zx_model_id_taken(&src, "hub:org/x@abc", NULL, NULL, &copy, &err),
              ==, ZX_OK);
    /* one revision only: a copy of the same one is a copy; another one,
     * or none on either side, is refused */
    src.revision = rev;
    CHECK_INT(zx_model_id_taken(&src, a, NULL, "abc", &copy, &err), ==, ZX_OK);
    CHECK_INT(copy, ==, 1);
    CHECK_INT(zx_model_id_taken(&src, a, NULL, "abd", &copy, &err), ==,
              ZX_EUSAGE);
    CHECK_INT(copy, ==, 0);
    CHECK_MSG(err, "(revision abd) already has");
    CHECK_INT(zx_model_id_taken(&src, a, NULL, NULL, &copy, &err), ==,
              ZX_EUSAGE);
    CHECK_MSG(err, "(revision none) already has");
    src.revision = NULL;
    CHECK_INT(zx_model_id_taken(&src, a, NULL, "abc", &copy, &err), ==,
              ZX_EUSAGE);
    CHECK_MSG(err, "(revision none) gets the id");
    /* a revision the held snapshot's own cache names in refs/main is newer */
    put(tmp, "c/models--org--x/refs/main", "abc\n", 0);
    put(tmp, "c/models--org--x/snapshots/old/config.json", "{}", 0);
    p = zx_path_join(tmp, "c/models--org--x/snapshots/old");
    src.revision = rev;
    CHECK_INT(zx_model_id_taken(&src, p, NULL, "old", &copy, &err), ==, ZX_OK);
    CHECK_INT(copy, ==, 0);
    src.revision = NULL;
    free(p);
    /* only a source that is gone (ENOENT, ENOTDIR) moved: another reason
     * not to see it refuses, with the reason */
    p = zx_path_join(a, "gone");
    CHECK_INT(zx_model_id_taken(&src, p, NULL, NULL, &copy, &err), ==, ZX_OK);
    free(p);
    put(tmp, "file", "x", 0);
    p = zx_path_join(tmp, "file/x");
    CHECK_INT(zx_model_id_taken(&src, p, NULL, NULL, &copy, &err), ==, ZX_OK);
    free(p);
    p = zx_path_join(tmp, "loop");
    CHECK_INT(symlink("loop", p), ==, 0);
    free(p);
    p = zx_path_join(tmp, "loop/x");
    CHECK_INT(zx_model_id_taken(&src, p, NULL, NULL, &copy, &err), ==, ZX_EIO);
    CHECK_MSG(err, "cannot be told");
    CHECK(strstr(err.msg, strerror(ELOOP)) != NULL);
    free(p);
    if (geteuid() != 0) { /* root reads any folder */
        char *locked = zx_path_join(tmp, "locked");

        CHECK_INT(mkdir(locked, 0), ==, 0);
        p = zx_path_join(locked, "x");
        CHECK_INT(zx_model_id_taken(&src, p, NULL, NULL, &copy, &err), ==,
                  ZX_EIO);
        CHECK(strstr(err.msg, strerror(EACCES)) != NULL);
        chmod(locked, 0700);
        free(p);
        free(locked);
    }
    h_rm_rf(tmp);
    CHECK_INT(zx_model_id_taken(&src, a, NULL, NULL, &copy, &err), ==, ZX_OK);
    CHECK_INT(zx_model_id_taken(&src, arch, NULL, NULL, &copy, &err), ==,
              ZX_OK);
    free(arch);
    free(a);
    free(b);
    free(tmp);
}

/* zx_model_older_snapshot(): a snapshot that refs/main does not name, when
 * the one it names is there. */
static void test_older_snapshot(void)
{
    char *tmp = make_tmp(), *c = zx_path_join(tmp, "models--org--x"), *p;
    struct zx_model_src *m = NULL;
    struct zx_error err = {0};
    static const char *const revs[] = {"aaa", "bbb"};
    size_t i;

    for (i = 0; i < 2; i++) {
        p = xasprintf("snapshots/%s/config.json", revs[i]);
        put(c, p, "{}", 0);
        free(p);
        p = xasprintf("%s/snapshots/%s", c, revs[i]);
        put_weights(p, "model.safetensors");
        free(p);
    }
    p = zx_path_join(c, "snapshots/aaa");
    CHECK_INT(zx_model_src_open(p, NULL, &m, &err), ==, ZX_OK);
    CHECK_STR(m->revision, "aaa");
    CHECK_INT(zx_model_older_snapshot(m, &err), ==, 0); /* no refs/main */
    put(c, "refs/main", "aaa", 0);
    CHECK_INT(zx_model_older_snapshot(m, &err), ==, 0);
    put(c, "refs/main", "bbb\n", 0);
    CHECK_INT(zx_model_older_snapshot(m, &err), ==, 1);
    CHECK_MSG(err, "is an older snapshot of org/x");
    CHECK(strstr(err.msg, "refs/main names bbb; skipped") != NULL);
    put(c, "refs/main", "ccc", 0); /* its snapshot is not there */
    CHECK_INT(zx_model_older_snapshot(m, &err), ==, 0);
    zx_model_src_free(m);
    free(p);
    h_rm_rf(tmp);
    free(c);
    free(tmp);
}

int main(void)
{
    RUN(test_folder_layout);
    RUN(test_meta_num_labels);
    RUN(test_adapter);
    RUN(test_declared_parents);
    RUN(test_hf_cache);
    RUN(test_id_override);
    RUN(test_single_files);
    RUN(test_open_errors);
    RUN(test_stamp);
    RUN(test_scan_zoo);
    RUN(test_scan_layout);
    RUN(test_valid_model_id);
    RUN(test_id_taken);
    RUN(test_older_snapshot);
    RUN(test_sniff);
    return DONE();
}
