/* test_safetensors.c - the safetensors reader: every validation rule of the
 * reference parser (hub.md 4.1), valid corner cases, sharded checkpoints
 * and the real files described by fixtures/expected/tensors/.
 * SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdint.h>
#include <unistd.h>

#include "ckpt.h"
#include "harness.h"
#include "zx_buf.h"
#include "zx_fs.h"
#include "zx_hash.h"
#include "zx_mem.h"

/* ===== Helpers ===== */

/* A safetensors file in memory: u64 N, the header `hdr` followed by `pad`
 * spaces, then `data_len` bytes of data (byte i holds i & 0xff). */
static unsigned char *st_build(const char *hdr, size_t pad, size_t data_len,
                               size_t *len)
{
    size_t n = strlen(hdr) + pad, i;
    unsigned char *b = xmalloc(8 + n + data_len);

    for (i = 0; i < 8; i++)
        b[i] = (unsigned char)((uint64_t)n >> (8 * i));
    memcpy(b + 8, hdr, strlen(hdr));
    memset(b + 8 + strlen(hdr), ' ', pad);
    for (i = 0; i < data_len; i++)
        b[8 + n + i] = (unsigned char)i;
    *len = 8 + n + data_len;
    return b;
}

/* Parse hdr + data_len bytes; on failure check the code and a fragment of
 * the message (the line of the caller is reported). */
static void bad_case(int line, const char *hdr, size_t data_len, int code,
                     const char *frag)
{
    struct zx_error err = {0};
    struct zx_st_header *h = (struct zx_st_header *)1;
    size_t len;
    unsigned char *b = st_build(hdr, 0, data_len, &len);
    int rc = zx_st_parse(b, len, "t.safetensors", &h, &err);

    if (rc != code)
        H_FAIL("line %d: rc %d (%s), want %d: %s", line, rc, err.msg, code,
               hdr);
    else if (!strstr(err.msg, frag))
        H_FAIL("line %d: message \"%s\" lacks \"%s\"", line, err.msg, frag);
    if (h)
        H_FAIL("line %d: *out not NULL on failure", line);
    free(b);
}
#define BAD(hdr, dlen, code, frag) bad_case(__LINE__, hdr, dlen, code, frag)

static struct zx_st_header *good_case(int line, const char *hdr, size_t pad,
                                      size_t data_len)
{
    struct zx_error err = {0};
    struct zx_st_header *h = NULL;
    size_t len;
    unsigned char *b = st_build(hdr, pad, data_len, &len);
    int rc = zx_st_parse(b, len, "t.safetensors", &h, &err);

    if (rc != ZX_OK || !h)
        H_FAIL("line %d: rc %d: %s", line, rc, err.msg);
    free(b);
    return h;
}
#define GOOD(hdr, pad, dlen) good_case(__LINE__, hdr, pad, dlen)

static char *make_tmp(void)
{
    return h_mkdtemp("/tmp/zx-test-st-XXXXXX");
}

static void put_file(const char *dir, const char *name, const void *p, size_t n)
{
    char *path = zx_path_join(dir, name);
    FILE *f = fopen(path, "wb");

    if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
        perror(path);
        exit(2);
    }
    free(path);
}

/* Write a shard: one F32 tensor per name, 2 elements each, packed. */
static void put_shard(const char *dir, const char *file, const char *a,
                      const char *b)
{
    char hdr[512];
    unsigned char *buf;
    size_t len;

    if (b)
        snprintf(hdr, sizeof(hdr),
                 "{\"%s\":{\"dtype\":\"F32\",\"shape\":"
                 "[2],\"data_offsets\":[0,8]},\"%s\":{\"dtype\":\"F32\","
                 "\"shape\":[2],\"data_offsets\":[8,16]}}",
                 a, b);
    else
        snprintf(hdr, sizeof(hdr),
                 "{\"%s\":{\"dtype\":\"F32\",\"shape\":"
                 "[2],\"data_offsets\":[0,8]}}",
                 a);
    buf = st_build(hdr, 0, b ? 16 : 8, &len);
    put_file(dir, file, buf, len);
    free(buf);
}

static int open_index_in(const char *dir, const char *index_json,
                         struct zx_ckpt **ck, struct zx_error *err)
{
    char *p = zx_path_join(dir, "model.safetensors.index.json");
    int rc;

    put_file(dir, "model.safetensors.index.json", index_json,
             strlen(index_json));
    rc = zx_ckpt_open(p, ck, err);
    free(p);
    return rc;
}

/* ===== Validation rules ===== */

static void test_rule1_too_short(void)
{
    struct zx_error err = {0};
    struct zx_st_header *h = NULL;
    unsigned char b[7] = {2, 0, 0, 0, 0, 0, 0};
    uint64_t n = 0;

    CHECK_INT(zx_st_parse(b, sizeof(b), "t", &h, &err), ==, ZX_EFORMAT);
    CHECK_MSG(err, "too short");
    CHECK(h == NULL);
    CHECK_INT(zx_st_header_len(b, 0, &n, NULL), ==, ZX_EFORMAT);
}

static void test_rule2_header_too_large(void)
{
    struct zx_error err = {0};
    struct zx_st_header *h = NULL;
    unsigned char b[16] = {0};
    uint64_t n = 0, big = ZX_CKPT_MAX_HEADER + 1ull;
    int i;

    for (i = 0; i < 8; i++)
        b[i] = (unsigned char)(big >> (8 * i));
    CHECK_INT(zx_st_parse(b, sizeof(b), "t", &h, &err), ==, ZX_ETOOBIG);
    CHECK_MSG(err, "exceeds the limit");
    memset(b, 0xff, 8);
    CHECK_INT(zx_st_header_len(b, 8, &n, &err), ==, ZX_ETOOBIG);
    /* Exactly the limit is allowed by rule 2 (and then fails rule 3). */
    for (i = 0; i < 8; i++)
        b[i] = (unsigned char)((uint64_t)ZX_CKPT_MAX_HEADER >> (8 * i));
    CHECK_INT(zx_st_header_len(b, 8, &n, &err), ==, ZX_OK);
    CHECK_INT(n, ==, ZX_CKPT_MAX_HEADER);
    CHECK_INT(zx_st_parse(b, sizeof(b), "t", &h, &err), ==, ZX_EFORMAT);
    CHECK_MSG(err, "runs past the end");
}

static void test_rule3_header_past_eof(void)
{
    struct zx_error err = {0};
    struct zx_st_header *h = NULL;
    unsigned char b[10] = {3, 0, 0, 0, 0, 0, 0, 0, '{', '}'};

    CHECK_INT(zx_st_parse(b, sizeof(b), "t", &h, &err), ==, ZX_EFORMAT);
    CHECK_MSG(err, "runs past the end");
    b[0] = 2; /* now it fits: an empty checkpoint */
    CHECK_INT(zx_st_parse(b, sizeof(b), "t", &h, &err), ==, ZX_OK);
    CHECK(h && h->n_tensors == 0);
    zx_st_header_free(h);
}

static void test_rule4_header_start(void)
{
    BAD(" {}", 0, ZX_EFORMAT, "does not start with '{'");
    BAD("", 0, ZX_EFORMAT, "does not start with '{'");
    /* A JSON array is not an object and does not start with '{'. */
    BAD("[{\"a\":{}}]", 0, ZX_EFORMAT, "does not start with '{'");
}

static void test_rule4_invalid_json(void)
{
    BAD("{\"a\":", 0, ZX_EFORMAT, "invalid JSON");
    BAD("{\"a\":{}} x", 0, ZX_EFORMAT, "invalid JSON");
    BAD("{'a':1}", 0, ZX_EFORMAT, "invalid JSON");
}

static void test_rule4_invalid_utf8(void)
{
    BAD("{\"w\xff\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":"
        "[0,4]}}",
        4, ZX_EFORMAT, "invalid JSON");
    /* An overlong encoding of '/' is not UTF-8 either. */
    BAD("{\"\xc0\xaf\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":"
        "[0,4]}}",
        4, ZX_EFORMAT, "invalid JSON");
}

static void test_rule4_unknown_dtype(void)
{
    BAD("{\"w\":{\"dtype\":\"F31\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
        ZX_EFORMAT, "unknown dtype 'F31'");
    BAD("{\"w\":{\"dtype\":\"f32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
        ZX_EFORMAT, "unknown dtype");
    /* A NUL inside the string must not make it "F32". */
    BAD("{\"w\":{\"dtype\":\"F32\\u0000x\",\"shape\":[1],\"data_offsets\":"
        "[0,4]}}",
        4, ZX_EFORMAT, "unknown dtype");
    BAD("{\"w\":{\"dtype\":32,\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
        ZX_EFORMAT, "lacks dtype");
}

static void test_rule4_bad_shape(void)
{
    BAD("{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4,
        ZX_EFORMAT, "bad shape");
    BAD("{\"w\":{\"dtype\":\"F32\",\"shape\":[\"1\"],\"data_offsets\":"
        "[0,4]}}",
        4, ZX_EFORMAT, "bad shape");
    BAD("{\"w\":{\"dtype\":\"F32\",\"shape\":[1.0],\"data_offsets\":"
        "[0,4]}}",
        4, ZX_EFORMAT, "bad shape");
    BAD("{\"w\":{\"dtype\":\"F32\",\"shape\":[null],\"data_offsets\":"
        "[0,4]}}",
        4, ZX_EFORMAT, "bad shape");
    BAD("{\"w\":{\"dtype\":\"F32\",\"shape\":3,\"data_offsets\":[0,12]}}", 12,
        ZX_EFORMAT, "lacks dtype, shape or data_offsets");
}

static void test_rule6_shape_overflow(void)
{
    /* 2^32 * 2^32 = 2^64 elements. */
    BAD("{\"w\":{\"dtype\":\"U8\",\"shape\":[4294967296,4294967296],"
        "\"data_offsets\":[0,0]}}",
        0, ZX_EFORMAT, "overflows");
    /* 2^62 * 2 elements fit in u64 but their bit count does not. */
    BAD("{\"w\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,2],"
        "\"data_offsets\":[0,0]}}",
        0, ZX_EFORMAT, "overflows");
    /* A zero dimension makes any product fine (and empty). */
    BAD("{\"w\":{\"dtype\":\"F32\",\"shape\":[0,9223372036854775807,"
        "9223372036854775807],\"data_offsets\":[0,4]}}",
        4, ZX_EFORMAT, "need 0");
}

static void test_rule4_missing_fields(void)
{
    BAD("{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4, ZX_EFORMAT,
        "lacks dtype, shape or data_offsets");
    BAD("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4, ZX_EFORMAT,
        "lacks dtype, shape or data_offsets");
    BAD("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4, ZX_EFORMAT,
        "lacks dtype, shape or data_offsets");
    BAD("{\"w\":[]}", 0, ZX_EFORMAT, "lacks dtype, shape or data_offsets");
    BAD("{\"w\":null}", 0, ZX_EFORMAT, "'w'");
}

static void test_rule4_data_offsets_arity(void)
{
    BAD("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4]}}", 4,
        ZX_EFORMAT, "data_offsets");
    BAD("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", 4,
        ZX_EFORMAT, "data_offsets");
    BAD("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,-4]}}", 4,
        ZX_EFORMAT, "bad data_offsets");
    BAD("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4.0]}}", 4,
        ZX_EFORMAT, "bad data_offsets");
}

static void test_rule5_end_before_begin(void)
{
    BAD("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}", 8,
        ZX_EFORMAT, "ends before it begins");
}

static void test_rule6_wrong_length(void)
{
    BAD("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":"
        "[0,20]}}",
        20, ZX_EFORMAT,
        "has 20 bytes of data but its dtype "
        "and shape need 24");
    BAD("{\"w\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,12]}}", 12,
        ZX_EFORMAT, "need 6");
}

static void test_rule5_hole(void)
{
    BAD("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
        "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
        12, ZX_EFORMAT,
        "tensor 'b' starts at 8 but the previous data ends "
        "at 4 (overlap or hole)");
}

static void test_rule5_overlap(void)
{
    BAD("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
        "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
        12, ZX_EFORMAT, "overlap or hole");
    /* The same bytes claimed twice. */
    BAD("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
        "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
        4, ZX_EFORMAT, "overlap or hole");
}

static void test_rule5_first_not_at_zero(void)
{
    BAD("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8,
        ZX_EFORMAT, "starts at 4 but the previous data ends at 0");
}

static void test_rule7_trailing_bytes(void)
{
    struct zx_error err = {0};
    struct zx_st_header *h = NULL;
    const char *hdr = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],"
                      "\"data_offsets\":[0,4]}}";
    size_t len;
    unsigned char *b;

    BAD(hdr, 5, ZX_EFORMAT, "but the file has");
    /* Too little data is the same rule seen from the other side. */
    BAD(hdr, 3, ZX_EFORMAT, "tensor data ends at byte");
    /* file_size 0 skips rule 7: what a header-only fetch gets. */
    b = st_build(hdr, 0, 0, &len);
    CHECK_INT(
        zx_st_parse_header((const char *)b + 8, len - 8, 0, "t", &h, &err), ==,
        ZX_OK);
    CHECK(h && h->data_len == 4 && h->n_tensors == 1);
    zx_st_header_free(h);
    free(b);
}

static void test_rule6_partial_bytes(void)
{
    /* F4: 3 elements are 12 bits, not a whole number of bytes. */
    BAD("{\"a\":{\"dtype\":\"F4\",\"shape\":[3],\"data_offsets\":[0,1]}}", 1,
        ZX_EFORMAT, "whole number of bytes");
    BAD("{\"a\":{\"dtype\":\"F6_E2M3\",\"shape\":[2],\"data_offsets\":"
        "[0,1]}}",
        1, ZX_EFORMAT, "whole number of bytes");
}

static void test_rule4_metadata(void)
{
    BAD("{\"__metadata__\":[\"pt\"]}", 0, ZX_EFORMAT,
        "__metadata__ is not an object");
    BAD("{\"__metadata__\":\"pt\"}", 0, ZX_EFORMAT,
        "__metadata__ is not an object");
    BAD("{\"__metadata__\":{\"format\":\"pt\",\"n\":3}}", 0, ZX_EFORMAT,
        "__metadata__ value 'n' is not a string");
    BAD("{\"__metadata__\":{\"x\":{}}}", 0, ZX_EFORMAT, "not a string");
}

static void test_rule4_duplicate_keys(void)
{
    BAD("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
        "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
        8, ZX_EFORMAT, "duplicate");
    BAD("{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F16\",\"shape\":[1],"
        "\"data_offsets\":[0,4]}}",
        4, ZX_EFORMAT, "duplicate");
}

static void test_too_many_dims(void)
{
    BAD("{\"a\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,"
        "1,1],\"data_offsets\":[0,4]}}",
        4, ZX_ETOOBIG, "17 dimensions");
    /* Sixteen is the limit and allowed. */
    zx_st_header_free(GOOD("{\"a\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,"
                           "1,1,1,1,1,1,1,1,1,1,2],\"data_offsets\":[0,8]}}",
                           0, 8));
}

/* ===== Valid files ===== */

static void test_space_padding(void)
{
    const char *hdr = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],"
                      "\"data_offsets\":[0,4]}}";
    struct zx_st_header *h = GOOD(hdr, 7, 4);

    if (!h)
        return;
    CHECK_INT(h->header_len, ==, strlen(hdr) + 7);
    CHECK_INT(h->tensors[0].offset, ==, 8 + strlen(hdr) + 7);
    zx_st_header_free(h);
}

static void test_zero_dim_tensor(void)
{
    struct zx_st_header *h = GOOD("{\"s\":{\"dtype\":\"F64\",\"shape\":[],"
                                  "\"data_offsets\":[0,8]}}",
                                  0, 8);

    if (!h)
        return;
    CHECK_INT(h->n_tensors, ==, 1);
    CHECK_INT(h->tensors[0].ndim, ==, 0);
    CHECK_INT(h->tensors[0].n_elems, ==, 1);
    CHECK_INT(h->tensors[0].n_bytes, ==, 8);
    CHECK_INT(h->tensors[0].dtype, ==, ZX_DTYPE_F64);
    zx_st_header_free(h);
}

static void test_empty_tensor(void)
{
    struct zx_st_header *h =
        GOOD("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
             "\"e\":{\"dtype\":\"F32\",\"shape\":[3,0],\"data_offsets\":[8,8]},"
             "\"f\":{\"dtype\":\"BF16\",\"shape\":[0],\"data_offsets\":[8,8]}}",
             0, 8);

    if (!h)
        return;
    CHECK_INT(h->n_tensors, ==, 3);
    CHECK_STR(h->tensors[1].name, "e");
    CHECK_INT(h->tensors[1].ndim, ==, 2);
    CHECK_INT(h->tensors[1].shape[0], ==, 3);
    CHECK_INT(h->tensors[1].shape[1], ==, 0);
    CHECK_INT(h->tensors[1].n_elems, ==, 0);
    CHECK_INT(h->tensors[1].n_bytes, ==, 0);
    CHECK_INT(h->tensors[2].n_bytes, ==, 0);
    CHECK_INT(h->data_len, ==, 8);
    zx_st_header_free(h);
}

static void test_metadata_kept(void)
{
    struct zx_st_header *h = GOOD(
        "{\"__metadata__\":{\"format\":\"pt\",\"a\":\"b\"},\"w\":{\"dtype\":"
        "\"U8\",\"shape\":[3],\"data_offsets\":[0,3]}}",
        1, 3);

    if (!h)
        return;
    CHECK_INT(h->n_tensors, ==, 1);
    CHECK_STR(h->metadata_json, "{\"a\":\"b\",\"format\":\"pt\"}");
    zx_st_header_free(h);
    h = GOOD("{}", 6, 0);
    CHECK(h && h->metadata_json == NULL && h->n_tensors == 0);
    zx_st_header_free(h);
}

static void test_out_of_order(void)
{
    /* Stored as c, a, b in the data; listed b, c, a in the header. */
    const char *hdr =
        "{\"b\":{\"dtype\":\"I16\",\"shape\":[2],\"data_offsets\":[12,16]},"
        "\"c\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
        "\"a\":{\"dtype\":\"U8\",\"shape\":[2,2],\"data_offsets\":[8,12]}}";
    struct zx_st_header *h = GOOD(hdr, 0, 16);
    uint64_t base = 8 + strlen(hdr);

    if (!h)
        return;
    CHECK_INT(h->n_tensors, ==, 3);
    CHECK_STR(h->tensors[0].name, "a");
    CHECK_STR(h->tensors[1].name, "b");
    CHECK_STR(h->tensors[2].name, "c");
    CHECK_INT(h->tensors[0].offset, ==, base + 8);
    CHECK_INT(h->tensors[1].offset, ==, base + 12);
    CHECK_INT(h->tensors[2].offset, ==, base + 0);
    CHECK_INT(h->tensors[0].dtype, ==, ZX_DTYPE_U8);
    CHECK_INT(h->tensors[1].dtype, ==, ZX_DTYPE_I16);
    CHECK_INT(h->tensors[0].n_elems, ==, 4);
    CHECK_INT(h->data_len, ==, 16);
    zx_st_header_free(h);
}

static void test_open_single_file(void)
{
    const char *hdr =
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]},"
        "\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]},"
        "\"b\":{\"dtype\":\"I8\",\"shape\":[4],\"data_offsets\":[0,4]}}";
    struct zx_error err = {0};
    struct zx_ckpt *ck = NULL;
    char *dir = make_tmp(), *p = zx_path_join(dir, "m.safetensors");
    size_t len;
    unsigned char *b = st_build(hdr, 3, 12, &len);
    long i;

    put_file(dir, "m.safetensors", b, len);
    CHECK_INT(zx_ckpt_open(p, &ck, &err), ==, ZX_OK);
    if (ck) {
        CHECK_INT(zx_ckpt_n_tensors(ck), ==, 3);
        CHECK_INT(zx_ckpt_n_files(ck), ==, 1);
        CHECK_STR(zx_ckpt_file(ck, 0), p);
        CHECK_INT(zx_ckpt_file_size(ck, 0), ==, len);
        i = zx_ckpt_find(ck, "w");
        CHECK_INT(i, ==, 2);
        CHECK_INT(zx_ckpt_find(ck, "nope"), ==, -1);
        if (i >= 0) {
            const unsigned char *d = zx_ckpt_data(ck, (size_t)i);

            CHECK(d && memcmp(d, b + len - 8, 8) == 0);
            zx_ckpt_drop(ck, (size_t)i);
        }
        i = zx_ckpt_find(ck, "e");
        CHECK(i >= 0 && zx_ckpt_data(ck, (size_t)i) == NULL);
        i = zx_ckpt_find(ck, "b");
        CHECK(i >= 0 && zx_ckpt_data(ck, (size_t)i) &&
              memcmp(zx_ckpt_data(ck, (size_t)i), b + len - 12, 4) == 0);
    }
    zx_ckpt_close(ck);
    /* Missing file: ZX_ENOTFOUND; a folder: ZX_EIO. */
    CHECK_INT(zx_ckpt_open("/nonexistent/x.safetensors", &ck, &err), ==,
              ZX_ENOTFOUND);
    CHECK(ck == NULL);
    CHECK_INT(zx_ckpt_open(dir, &ck, &err), ==, ZX_EIO);
    /* A bad file names itself in the message. */
    put_file(dir, "bad.safetensors", "\x02\0\0\0\0\0\0\0[]", 10);
    free(p);
    p = zx_path_join(dir, "bad.safetensors");
    CHECK_INT(zx_ckpt_open(p, &ck, &err), ==, ZX_EFORMAT);
    CHECK_MSG(err, "bad.safetensors");
    free(p);
    free(b);
    h_rm_rf(dir);
    free(dir);
}

/* ===== Sharded checkpoints ===== */

static void test_sharded_ok(void)
{
    struct zx_error err = {0};
    struct zx_ckpt *ck = NULL;
    char *dir = make_tmp();
    long i;

    put_shard(dir, "model-00001-of-00002.safetensors", "b", "a");
    put_shard(dir, "model-00002-of-00002.safetensors", "c", NULL);
    CHECK_INT(open_index_in(dir,
                            "{\"metadata\":{\"total_size\":24},"
                            "\"weight_map\":{"
                            "\"c\":\"model-00002-of-00002.safetensors\","
                            "\"a\":\"model-00001-of-00002.safetensors\","
                            "\"b\":\"model-00001-of-00002.safetensors\"}}",
                            &ck, &err),
              ==, ZX_OK);
    if (!ck) {
        H_FAIL("%s", err.msg);
        goto out;
    }
    CHECK_INT(zx_ckpt_n_tensors(ck), ==, 3);
    CHECK_INT(zx_ckpt_n_files(ck), ==, 2);
    CHECK_STR(zx_ckpt_tensor(ck, 0)->name, "a");
    CHECK_STR(zx_ckpt_tensor(ck, 2)->name, "c");
    CHECK_INT(zx_ckpt_tensor(ck, 0)->file, ==, 0);
    CHECK_INT(zx_ckpt_tensor(ck, 2)->file, ==, 1);
    CHECK(strstr(zx_ckpt_file(ck, 1), "model-00002-of-00002.safetensors"));
    i = zx_ckpt_find(ck, "c");
    CHECK(i == 2 && zx_ckpt_data(ck, 2) && zx_ckpt_data(ck, 2)[7] == 7);
    i = zx_ckpt_find(ck, "a");
    CHECK(i == 0 && zx_ckpt_data(ck, 0) && zx_ckpt_data(ck, 0)[0] == 8);
out:
    zx_ckpt_close(ck);
    h_rm_rf(dir);
    free(dir);
}

static void test_sharded_subfolder(void)
{
    struct zx_error err = {0};
    struct zx_ckpt *ck = NULL;
    char *dir = make_tmp(), *sub = zx_path_join(dir, "w");

    CHECK_INT(zx_mkdirs(sub, &err), ==, ZX_OK);
    put_shard(sub, "s1.safetensors", "a", NULL);
    put_shard(dir, "s2.safetensors", "b", NULL);
    CHECK_INT(open_index_in(dir,
                            "{\"weight_map\":{\"a\":\"w/s1.safetensors\","
                            "\"b\":\"s2.safetensors\"}}",
                            &ck, &err),
              ==, ZX_OK);
    CHECK(ck && zx_ckpt_n_tensors(ck) == 2);
    zx_ckpt_close(ck);
    free(sub);
    h_rm_rf(dir);
    free(dir);
}

static void test_sharded_missing_shard(void)
{
    struct zx_error err = {0};
    struct zx_ckpt *ck = NULL;
    char *dir = make_tmp();

    put_shard(dir, "s1.safetensors", "a", NULL);
    CHECK_INT(open_index_in(dir,
                            "{\"weight_map\":{\"a\":\"s1.safetensors\","
                            "\"b\":\"s2.safetensors\"}}",
                            &ck, &err),
              ==, ZX_ENOTFOUND);
    CHECK_MSG(err, "s2.safetensors");
    CHECK(ck == NULL);
    h_rm_rf(dir);
    free(dir);
}

static void test_sharded_unmapped_tensor(void)
{
    struct zx_error err = {0};
    struct zx_ckpt *ck = NULL;
    char *dir = make_tmp();

    put_shard(dir, "s1.safetensors", "a", "extra");
    put_shard(dir, "s2.safetensors", "b", NULL);
    CHECK_INT(open_index_in(dir,
                            "{\"weight_map\":{\"a\":\"s1.safetensors\","
                            "\"b\":\"s2.safetensors\"}}",
                            &ck, &err),
              ==, ZX_EFORMAT);
    CHECK_MSG(err, "tensor 'extra' found in");
    CHECK_MSG(err, "is not mapped there");
    /* Mapped to the wrong shard. */
    CHECK_INT(open_index_in(dir,
                            "{\"weight_map\":{\"a\":\"s2.safetensors\","
                            "\"extra\":\"s1.safetensors\","
                            "\"b\":\"s2.safetensors\"}}",
                            &ck, &err),
              ==, ZX_EFORMAT);
    CHECK_MSG(err, "tensor 'a' found in");
    /* Mapped but held by no shard. */
    put_shard(dir, "s1.safetensors", "a", NULL);
    CHECK_INT(open_index_in(dir,
                            "{\"weight_map\":{\"a\":\"s1.safetensors\","
                            "\"ghost\":\"s1.safetensors\","
                            "\"b\":\"s2.safetensors\"}}",
                            &ck, &err),
              ==, ZX_EFORMAT);
    CHECK_MSG(err, "maps 3 tensors but the shards hold 2");
    CHECK(ck == NULL);
    h_rm_rf(dir);
    free(dir);
}

/* A shard name that ends with another shard's name is still another
 * shard: "sub/a.safetensors" is not "a.safetensors". */
static void test_sharded_suffix_names(void)
{
    struct zx_error err = {0};
    struct zx_ckpt *ck = NULL;
    char *dir = make_tmp(), *sub = zx_path_join(dir, "sub");

    CHECK_INT(zx_mkdirs(sub, &err), ==, ZX_OK);
    put_shard(dir, "a.safetensors", "x", NULL);
    put_shard(sub, "a.safetensors", "y", "z");
    CHECK_INT(open_index_in(dir,
                            "{\"weight_map\":{\"x\":\"a.safetensors\","
                            "\"y\":\"a.safetensors\","
                            "\"z\":\"sub/a.safetensors\"}}",
                            &ck, &err),
              ==, ZX_EFORMAT);
    CHECK_MSG(err, "tensor 'y' found in");
    CHECK(ck == NULL);
    zx_ckpt_close(ck);
    free(sub);
    h_rm_rf(dir);
    free(dir);
}

static void test_sharded_bad_names(void)
{
    static const char *const bad[] = {
        "{\"weight_map\":{\"a\":\"../x.safetensors\"}}",
        "{\"weight_map\":{\"a\":\"sub/../../x.safetensors\"}}",
        "{\"weight_map\":{\"a\":\"/abs/x.safetensors\"}}",
        "{\"weight_map\":{\"a\":\"x.bin\"}}",
        "{\"weight_map\":{\"a\":\"\"}}",
        "{\"weight_map\":{\"a\":7}}",
        "{\"weight_map\":{\"a\":\"x.safetensors\\u0000/../../y\"}}",
        "{\"weight_map\":{\"a\":\"../\\u0000x.safetensors\"}}",
    };
    struct zx_error err = {0};
    struct zx_ckpt *ck = NULL;
    char *dir = make_tmp();
    size_t i;

    put_shard(dir, "x.safetensors", "a", NULL);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err.msg[0] = '\0';
        if (open_index_in(dir, bad[i], &ck, &err) != ZX_EFORMAT ||
            !strstr(err.msg, "bad shard name"))
            H_FAIL("case %zu: %s: \"%s\"", i, bad[i], err.msg);
        CHECK(ck == NULL);
    }
    h_rm_rf(dir);
    free(dir);
}

static void test_sharded_duplicate_tensor(void)
{
    struct zx_error err = {0};
    struct zx_ckpt *ck = NULL;
    char *dir = make_tmp();

    put_shard(dir, "s1.safetensors", "a", "b");
    put_shard(dir, "s2.safetensors", "b", NULL);
    CHECK_INT(open_index_in(dir,
                            "{\"weight_map\":{\"a\":\"s1.safetensors\","
                            "\"b\":\"s2.safetensors\"}}",
                            &ck, &err),
              ==, ZX_EFORMAT);
    CHECK_MSG(err, "tensor 'b' appears in two shards");
    CHECK(ck == NULL);
    h_rm_rf(dir);
    free(dir);
}

static void test_sharded_bad_weight_map(void)
{
    static const char *const bad[] = {
        "{\"weight_map\":[\"s1.safetensors\"]}",
        "{\"weight_map\":\"s1.safetensors\"}",
        "{\"weight_map\":{}}",
        "{\"metadata\":{}}",
        "[]",
    };
    struct zx_error err = {0};
    struct zx_ckpt *ck = NULL;
    char *dir = make_tmp(), *p;
    size_t i;

    put_shard(dir, "s1.safetensors", "a", NULL);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err.msg[0] = '\0';
        if (open_index_in(dir, bad[i], &ck, &err) != ZX_EFORMAT ||
            !strstr(err.msg, "has no weight_map object"))
            H_FAIL("case %zu: %s: \"%s\"", i, bad[i], err.msg);
        CHECK(ck == NULL);
    }
    CHECK_INT(open_index_in(dir, "{\"weight_map\":", &ck, &err), ==,
              ZX_EFORMAT);
    CHECK_MSG(err, "invalid JSON");
    p = zx_path_join(dir, "none.safetensors.index.json");
    CHECK_INT(zx_ckpt_open(p, &ck, &err), ==, ZX_ENOTFOUND);
    CHECK_MSG(err, "none.safetensors.index.json");
    free(p);
    h_rm_rf(dir);
    free(dir);
}

static void test_parse_index_memory(void)
{
    const char *j = "{\"weight_map\":{\"z\":\"b.safetensors\","
                    "\"y\":\"a.safetensors\",\"x\":\"b.safetensors\"}}";
    struct zx_error err = {0};
    struct zx_st_index *ix = NULL;

    CHECK_INT(zx_st_parse_index(j, strlen(j), "i", &ix, &err), ==, ZX_OK);
    if (!ix)
        return;
    CHECK_INT(ix->n_shards, ==, 2);
    CHECK_STR(ix->shards[0], "a.safetensors");
    CHECK_STR(ix->shards[1], "b.safetensors");
    CHECK_INT(ix->n_tensors, ==, 3);
    CHECK_STR(ix->tensors[0], "x");
    CHECK_STR(ix->tensors[2], "z");
    CHECK_INT(ix->shard_of[0], ==, 1);
    CHECK_INT(ix->shard_of[1], ==, 0);
    CHECK_INT(ix->shard_of[2], ==, 1);
    zx_st_index_free(ix);
    ix = (struct zx_st_index *)1;
    CHECK_INT(zx_st_parse_index("{", 1, "i", &ix, &err), ==, ZX_EFORMAT);
    CHECK(ix == NULL);
    zx_st_index_free(NULL);
}

/* ===== Real files against fixtures/expected/tensors ===== */

/* Compare an opened file with its golden TSV: name, dtype, shape, sha256,
 * sum and sum of absolute values of every tensor. */
static void check_golden(const char *path, const char *tsv)
{
    struct zx_error err = {0};
    struct zx_ckpt *ck = NULL;
    char *text = NULL, *line, *save = NULL;
    size_t len = 0, n_lines = 0, i = 0;

    if (zx_read_file(tsv, 1u << 24, &text, &len, &err)) {
        H_FAIL("cannot read %s: %s", tsv, err.msg);
        return;
    }
    if (zx_ckpt_open(path, &ck, &err)) {
        H_FAIL("cannot open %s: %s", path, err.msg);
        free(text);
        return;
    }
    for (line = strtok_r(text, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save), n_lines++, i++) {
        char *f[6], *s = line, shape[256] = "", hex[65];
        const struct zx_tensor *t;
        const unsigned char *d;
        double sum = 0, sumabs = 0, gs, gsa;
        int k;

        for (k = 0; k < 6; k++)
            f[k] = strsep(&s, "\t");
        if (!f[5]) {
            H_FAIL("%s: short line %zu", tsv, n_lines + 1);
            break;
        }
        if (i >= zx_ckpt_n_tensors(ck))
            continue;
        t = zx_ckpt_tensor(ck, i);
        for (k = 0; k < t->ndim; k++)
            snprintf(shape + strlen(shape), sizeof(shape) - strlen(shape),
                     "%s%" PRIu64, k ? "," : "", t->shape[k]);
        d = zx_ckpt_data(ck, i);
        zx_sha256_hex(d ? d : (const unsigned char *)"", (size_t)t->n_bytes,
                      hex);
        if (strcmp(t->name, f[0]) || strcmp(zx_dtype_name(t->dtype), f[1]) ||
            strcmp(shape, f[2]) || strcmp(hex, f[3])) {
            H_FAIL("%s: tensor %zu: %s %s [%s] %.12s vs %s %s [%s] %.12s", path,
                   i, t->name, zx_dtype_name(t->dtype), shape, hex, f[0], f[1],
                   f[2], f[3]);
            continue;
        }
        if (zx_dtype_is_numeric(t->dtype) && t->n_elems) {
            float *v = xmalloc((size_t)t->n_elems * sizeof(float));
            uint64_t j;

            CHECK_INT(zx_to_float(t->dtype, d, 0, (size_t)t->n_elems, v), ==,
                      0);
            for (j = 0; j < t->n_elems; j++) {
                sum += v[j];
                sumabs += fabs((double)v[j]);
            }
            free(v);
        }
        gs = strtod(f[4], NULL);
        gsa = strtod(f[5], NULL);
        if (!(fabs(sum - gs) <= 1e-6 * (gsa > 1 ? gsa : 1)) ||
            !(fabs(sumabs - gsa) <= 1e-6 * (gsa > 1 ? gsa : 1)))
            H_FAIL("%s: %s: sums %.17g %.17g vs %.17g %.17g", path, t->name,
                   sum, sumabs, gs, gsa);
        zx_ckpt_drop(ck, i);
    }
    if (n_lines != zx_ckpt_n_tensors(ck))
        H_FAIL("%s: %zu tensors, golden %s has %zu lines", path,
               zx_ckpt_n_tensors(ck), tsv, n_lines);
    zx_ckpt_close(ck);
    free(text);
}

/* fixtures/expected/tensors/<a>__<b>__<c>.tsv describes <a>/<b>/<c>: under
 * the shared fixtures, or this repository's fixtures/ for zoo__*. */
static char *golden_source(const char *tsv_name)
{
    char *rel = xstrndup(tsv_name, strlen(tsv_name) - 4), *p, *path;

    while ((p = strstr(rel, "__"))) {
        *p = '/';
        memmove(p + 1, p + 2, strlen(p + 2) + 1);
    }
    if (!strncmp(rel, "zoo/", 4))
        path = xasprintf("fixtures/%s", rel);
    else
        path = xasprintf("%s/fixtures/%s", h_shared(), rel);
    free(rel);
    return path;
}

static void test_real_files(void)
{
    static const char *const real[] = {
        "real/pitloom/safetensors/marian-tiny-random.safetensors",
        "real/pitloom/safetensors/phi-tiny-random.safetensors",
        "real/pitloom/safetensors/speech2text-tiny-random.safetensors",
        "real/pitloom/safetensors/vits-tiny-random.safetensors",
        "real/pitloom/safetensors/whisper-tiny-random.safetensors",
        "real/resnet-tiny-beans-hf/model.safetensors",
    };
    char *dir = xasprintf("%s/fixtures/real/pitloom/safetensors", h_shared());
    DIR *d = opendir(dir);
    struct dirent *de;
    size_t i, n_pitloom = 0;

    if (!d) {
        H_FAIL("cannot open %s (set ZX_SHARED)", dir);
        free(dir);
        return;
    }
    /* Every pitloom file is in the list above. */
    while ((de = readdir(d))) {
        int known = 0;

        if (de->d_name[0] == '.')
            continue;
        for (i = 0; i < 5; i++)
            known |= strstr(real[i], de->d_name) != NULL;
        if (!known)
            H_FAIL("%s/%s has no golden file", dir, de->d_name);
        n_pitloom++;
    }
    closedir(d);
    free(dir);
    CHECK_INT(n_pitloom, ==, 5);
    for (i = 0; i < sizeof(real) / sizeof(real[0]); i++) {
        char *path = xasprintf("%s/fixtures/%s", h_shared(), real[i]);
        struct zx_buf tsv = {0};
        const char *c;

        zx_buf_adds(&tsv, "fixtures/expected/tensors/");
        for (c = real[i]; *c; c++)
            zx_buf_adds(&tsv, *c == '/' ? "__" : (char[2]){*c, 0});
        zx_buf_adds(&tsv, ".tsv");
        check_golden(path, tsv.data);
        zx_buf_release(&tsv);
        free(path);
    }
}

static void test_all_goldens(void)
{
    const char *gdir = "fixtures/expected/tensors";
    DIR *d = opendir(gdir);
    struct dirent *de;
    size_t n = 0;

    if (!d) {
        H_FAIL("cannot open %s (run from the repository root)", gdir);
        return;
    }
    while ((de = readdir(d))) {
        char *tsv, *src;

        if (strlen(de->d_name) < 5 ||
            strcmp(de->d_name + strlen(de->d_name) - 4, ".tsv"))
            continue;
        tsv = zx_path_join(gdir, de->d_name);
        src = golden_source(de->d_name);
        check_golden(src, tsv);
        free(tsv);
        free(src);
        n++;
    }
    closedir(d);
    CHECK_INT(n, >=, 30);
}

static void test_zoo_sharded_real(void)
{
    struct zx_error err = {0};
    struct zx_ckpt *ck = NULL;

    CHECK_INT(zx_ckpt_open("fixtures/zoo/other-lab/minibert-lang/"
                           "model.safetensors.index.json",
                           &ck, &err),
              ==, ZX_OK);
    if (!ck) {
        H_FAIL("%s", err.msg);
        return;
    }
    CHECK_INT(zx_ckpt_n_files(ck), ==, 2);
    CHECK_INT(zx_ckpt_n_tensors(ck), ==, 17 + 24);
    CHECK(zx_ckpt_find(ck, "bert.embeddings.word_embeddings.weight") >= 0);
    zx_ckpt_close(ck);
}

/* zx_ckpt_sums(): SHA-256 of the raw bytes and compensated sums, 64-bit
 * integers summed without going through float. */
static void test_ckpt_sums(void)
{
    static const char hdr[] =
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
        "\"b\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[8,24]}}";
    float a[2] = {1.5f, -2.5f};
    int64_t b[2] = {5, -3};
    size_t hl = sizeof(hdr) - 1, n = 8 + hl + 24;
    unsigned char *buf = xcalloc(1, n);
    struct zx_ckpt *ck = NULL;
    struct zx_error err = {0};
    struct zx_tensor_sums ts;
    char *dir = make_tmp(), *p = zx_path_join(dir, "m.safetensors");
    uint64_t le = hl;
    int k;

    for (k = 0; k < 8; k++)
        buf[k] = (unsigned char)(le >> (8 * k));
    memcpy(buf + 8, hdr, hl);
    memcpy(buf + 8 + hl, a, 8);
    memcpy(buf + 8 + hl + 8, b, 16);
    put_file(dir, "m.safetensors", buf, n);
    CHECK_INT(zx_ckpt_open(p, &ck, &err), ==, ZX_OK);
    if (ck) {
        CHECK_INT(zx_ckpt_n_tensors(ck), ==, 2);
        zx_ckpt_sums(ck, 0, &ts);
        CHECK_STR(ts.sha256, "63962ae680fb4f1041e7917b77a748e8"
                             "2ed8be7b3be0e797c270dd43944e5372");
        CHECK_NEAR(ts.sum, -1.0, 0);
        CHECK_NEAR(ts.sumabs, 4.0, 0);
        zx_ckpt_sums(ck, 1, &ts);
        CHECK_STR(ts.sha256, "41c2b2d1f3f477978b95485e15412040"
                             "8cf83baaf95b2d314bd581c392fcb2b2");
        CHECK_NEAR(ts.sum, 2.0, 0);
        CHECK_NEAR(ts.sumabs, 8.0, 0);
    }
    zx_ckpt_close(ck);
    h_rm_rf(dir);
    free(p);
    free(dir);
    free(buf);
}

int main(void)
{
    RUN(test_rule1_too_short);
    RUN(test_rule2_header_too_large);
    RUN(test_rule3_header_past_eof);
    RUN(test_rule4_header_start);
    RUN(test_rule4_invalid_json);
    RUN(test_rule4_invalid_utf8);
    RUN(test_rule4_unknown_dtype);
    RUN(test_rule4_bad_shape);
    RUN(test_rule6_shape_overflow);
    RUN(test_rule4_missing_fields);
    RUN(test_rule4_data_offsets_arity);
    RUN(test_rule5_end_before_begin);
    RUN(test_rule6_wrong_length);
    RUN(test_rule5_hole);
    RUN(test_rule5_overlap);
    RUN(test_rule5_first_not_at_zero);
    RUN(test_rule7_trailing_bytes);
    RUN(test_rule6_partial_bytes);
    RUN(test_rule4_metadata);
    RUN(test_rule4_duplicate_keys);
    RUN(test_too_many_dims);
    RUN(test_space_padding);
    RUN(test_zero_dim_tensor);
    RUN(test_empty_tensor);
    RUN(test_metadata_kept);
    RUN(test_out_of_order);
    RUN(test_open_single_file);
    RUN(test_sharded_ok);
    RUN(test_sharded_subfolder);
    RUN(test_sharded_missing_shard);
    RUN(test_sharded_unmapped_tensor);
    RUN(test_sharded_suffix_names);
    RUN(test_sharded_bad_names);
    RUN(test_sharded_duplicate_tensor);
    RUN(test_sharded_bad_weight_map);
    RUN(test_parse_index_memory);
    RUN(test_real_files);
    RUN(test_all_goldens);
    RUN(test_zoo_sharded_real);
    RUN(test_ckpt_sums);
    return DONE();
}
