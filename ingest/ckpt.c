/* ckpt.c - the format-neutral checkpoint: a name-sorted tensor table over
 * read-only maps, shard indexes, and the choice of a format reader.
 *
 * Formats (one row each in `formats`; a reader appends one file's slot and
 * tensors, see ckpt_impl.h):
 *   safetensors   *.safetensors, shards by *.safetensors.index.json
 *   torch         torch.save files: zip (torch >= 1.6) or legacy; *.bin,
 *                 *.pt, *.pth, *.ckpt, shards by *.bin.index.json
 * A file whose name ends in neither is recognised by its first bytes (a
 * zip or a pickle: torch; else safetensors, which also gives the clearest
 * error for garbage).
 *
 * Rows without a reader are formats recognised by their first bytes but
 * not read yet: GGUF ("GGUF"), ONNX (a protobuf ModelProto starting with
 * its ir_version), a Keras archive (a zip holding config.json), HDF5
 * ("\211HDF\r\n\032\n" at 0 or 512; TensorFlow when named tf_model.h5),
 * Flax msgpack (a map whose first key is a string) and UTF-8 text.  Their
 * bytes win over the file's name, so a GGUF file called model.safetensors
 * is refused as GGUF, with a message naming the format
 * (zx_ckpt_refuse()), instead of a reader's error about the wrong format.
 * SPDX-License-Identifier: MIT */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt_impl.h"
#include "zx_hash.h"
#include "zx_json.h"
#include "zx_mem.h"

#define MAX_INDEX_JSON (64u << 20)

/* ===== Recognising a file by its first bytes ===== */

#define HEAD_BYTES 520 /* an HDF5 superblock may sit at offset 512 */

static int has_suffix(const char *s, const char *suf);

static int sniff_safetensors(const unsigned char *h, size_t n, const char *path)
{
    uint64_t len = 0;
    int i;

    (void)path;
    if (n < 9)
        return 0;
    for (i = 7; i >= 0; i--)
        len = len << 8 | h[i];
    return len >= 2 && len <= ZX_CKPT_MAX_HEADER && h[8] == '{';
}

/* A zip archive: its first local file header. */
static int is_zip(const unsigned char *h, size_t n)
{
    return n >= 4 && !memcmp(h, "PK\3\4", 4);
}

/* A zip whose entries (walked by their local headers, at most 64) include
 * `name` at the top level: a Keras v3 archive holds config.json. */
static int zip_has_entry(const char *path, const char *name)
{
    unsigned char lh[30];
    char entry[256];
    FILE *fp = fopen(path, "rb");
    int i, found = 0;

    if (!fp)
        return 0;
    for (i = 0; i < 64 && fread(lh, 1, 30, fp) == 30; i++) {
        unsigned flags = lh[6] | lh[7] << 8;
        unsigned long csize = lh[18] | lh[19] << 8 |
                              (unsigned long)lh[20] << 16 |
                              (unsigned long)lh[21] << 24;
        unsigned nlen = lh[26] | lh[27] << 8, xlen = lh[28] | lh[29] << 8;

        if (memcmp(lh, "PK\3\4", 4))
            break;
        if (nlen < sizeof(entry)) {
            if (fread(entry, 1, nlen, fp) != nlen)
                break;
            entry[nlen] = '\0';
            if (!strcmp(entry, name)) {
                found = 1;
                break;
            }
            nlen = 0;
        }
        /* sizes after the data (flag bit 3) or zip64: stop here */
        if ((flags & 8) || csize == 0xffffffffUL ||
            fseek(fp, (long)(nlen + xlen + csize), SEEK_CUR) != 0)
            break;
    }
    fclose(fp);
    return found;
}

static int sniff_keras_zip(const unsigned char *h, size_t n, const char *path)
{
    return is_zip(h, n) && zip_has_entry(path, "config.json");
}

static int sniff_torch(const unsigned char *h, size_t n, const char *path)
{
    (void)path;
    /* a zip, or a pickle's PROTO 2..5 then the legacy magic number */
    return is_zip(h, n) ||
           (n >= 3 && h[0] == 0x80 && h[1] >= 2 && h[1] <= 5 && h[2] == 0x8a);
}

static int sniff_gguf(const unsigned char *h, size_t n, const char *path)
{
    (void)path;
    return n >= 4 && !memcmp(h, "GGUF", 4);
}

/* An ONNX ModelProto: field 1 (ir_version, a small varint), then another
 * of its fields. */
static int sniff_onnx(const unsigned char *h, size_t n, const char *path)
{
    static const unsigned char next[] = {0x12, 0x1a, 0x22, 0x28,
                                         0x32, 0x3a, 0x42, 0x72};

    (void)path;
    return n >= 3 && h[0] == 0x08 && h[1] >= 1 && h[1] <= 15 &&
           memchr(next, h[2], sizeof(next)) != NULL;
}

static int is_hdf5(const unsigned char *h, size_t n)
{
    static const unsigned char sig[8] = {0x89, 'H',  'D',  'F',
                                         '\r', '\n', 0x1a, '\n'};

    return (n >= 8 && !memcmp(h, sig, 8)) ||
           (n >= 520 && !memcmp(h + 512, sig, 8));
}

static int sniff_tf_h5(const unsigned char *h, size_t n, const char *path)
{
    const char *base = strrchr(path, '/');

    return is_hdf5(h, n) && !strcmp(base ? base + 1 : path, "tf_model.h5");
}

static int sniff_hdf5(const unsigned char *h, size_t n, const char *path)
{
    (void)path;
    return is_hdf5(h, n);
}

/* A msgpack map whose first key is a string of printable bytes. */
static int sniff_msgpack(const unsigned char *h, size_t n, const char *path)
{
    size_t at, len, i;

    (void)path;
    if (n < 3)
        return 0;
    if (h[0] >= 0x81 && h[0] <= 0x8f)
        at = 1;
    else if (h[0] == 0xde)
        at = 3;
    else if (h[0] == 0xdf)
        at = 5;
    else
        return 0;
    if (at >= n)
        return 0;
    if (h[at] >= 0xa1 && h[at] <= 0xbf) {
        len = h[at] & 0x1f;
        at++;
    } else if (h[at] == 0xd9 && at + 1 < n) {
        len = h[at + 1];
        at += 2;
    } else {
        return 0;
    }
    if (len == 0 || at + len > n)
        return 0;
    for (i = at; i < at + len; i++)
        if (h[i] < 0x20 || h[i] >= 0x7f)
            return 0;
    return 1;
}

/* Text: UTF-8 (a sequence cut by the end of the head counts) without
 * NUL or a control character other than tab, newline, CR and FF. */
static int sniff_text(const unsigned char *h, size_t n, const char *path)
{
    size_t i = 0, k, more;

    (void)path;
    if (n == 0)
        return 0;
    while (i < n) {
        unsigned char c = h[i++];

        if (c < 0x80) {
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f')
                return 0;
            if (c == 0x7f)
                return 0;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf)
            more = 1;
        else if (c >= 0xe0 && c <= 0xef)
            more = 2;
        else if (c >= 0xf0 && c <= 0xf4)
            more = 3;
        else
            return 0;
        for (k = 0; k < more && i < n; k++, i++)
            if ((h[i] & 0xc0) != 0x80)
                return 0;
    }
    return 1;
}

/* The readers, then the formats recognised but not read yet (add ==
 * NULL; `what` says what the file is).  By bytes, the first row whose
 * sniff matches wins. */
static const struct format {
    const char *name;
    const char *const *suffixes; /* file names this reader takes */
    const char *shard_suffix;    /* what an index's shard names end in */
    const char *index_suffix;
    int (*add)(struct zx_ckpt *ck, const char *path, struct zx_error *err);
    int (*sniff)(const unsigned char *head, size_t n, const char *path);
    const char *what;
} formats[] = {
    {"safetensors", (const char *const[]){".safetensors", NULL}, ".safetensors",
     ".safetensors.index.json", zx_ckpt_add_safetensors, sniff_safetensors,
     NULL},
    {"Keras", (const char *const[]){".keras", NULL}, NULL, NULL, NULL,
     sniff_keras_zip, "a Keras model archive (.keras)"},
    {"torch", (const char *const[]){".bin", ".pt", ".pth", ".ckpt", NULL},
     ".bin", ".bin.index.json", zx_ckpt_add_torch, sniff_torch, NULL},
    {"GGUF", (const char *const[]){".gguf", NULL}, NULL, NULL, NULL, sniff_gguf,
     "a GGUF file (llama.cpp)"},
    {"ONNX", (const char *const[]){".onnx", NULL}, NULL, NULL, NULL, sniff_onnx,
     "an ONNX model"},
    {"TensorFlow", (const char *const[]){"tf_model.h5", NULL}, NULL, NULL, NULL,
     sniff_tf_h5, "TensorFlow weights in HDF5 (tf_model.h5)"},
    {"HDF5", (const char *const[]){".h5", ".hdf5", NULL}, NULL, NULL, NULL,
     sniff_hdf5, "an HDF5 file (Keras or TensorFlow weights)"},
    {"Flax", (const char *const[]){".msgpack", NULL}, NULL, NULL, NULL,
     sniff_msgpack, "Flax weights in msgpack (flax_model.msgpack)"},
    {"text", (const char *const[]){NULL}, NULL, NULL, NULL, sniff_text,
     "plain text, not a checkpoint"},
};
#define N_FORMATS (sizeof(formats) / sizeof(formats[0]))

static int has_suffix(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);

    return a >= b && strcmp(s + a - b, suf) == 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_name(const void *a, const void *b)
{
    const struct zx_tensor *x = a, *y = b;

    return strcmp(x->name, y->name);
}

/* ===== The table ===== */

unsigned zx_ckpt_add_slot(struct zx_ckpt *ck, const char *path, uint64_t size,
                          struct zx_map *m)
{
    size_t f = ck->n_files;

    ZX_GROW(f + 1, ck->cap_files, ck->maps, ck->paths, ck->sizes);
    memset(&ck->maps[f], 0, sizeof(ck->maps[f]));
    ck->maps[f].fd = -1;
    if (m) {
        ck->maps[f] = *m;
        memset(m, 0, sizeof(*m));
        m->fd = -1;
    }
    ck->paths[f] = xstrdup(path);
    ck->sizes[f] = size;
    ck->n_files++;
    return (unsigned)f;
}

int zx_ckpt_add_tensor(struct zx_ckpt *ck, struct zx_tensor *t,
                       const char *what, struct zx_error *err)
{
    if (ck->n_tensors >= ZX_CKPT_MAX_TENSORS) {
        free(t->name);
        t->name = NULL;
        return zx_fail(err, ZX_ETOOBIG, "'%s': more than %u tensors", what,
                       ZX_CKPT_MAX_TENSORS);
    }
    ZX_GROW(ck->n_tensors + 1, ck->cap_tensors, ck->tensors);
    ck->tensors[ck->n_tensors++] = *t;
    t->name = NULL;
    return ZX_OK;
}

int zx_ckpt_sort(struct zx_ckpt *ck, const char *what, struct zx_error *err)
{
    size_t i;

    if (ck->n_tensors)
        qsort(ck->tensors, ck->n_tensors, sizeof(*ck->tensors), cmp_name);
    for (i = 1; i < ck->n_tensors; i++)
        if (strcmp(ck->tensors[i].name, ck->tensors[i - 1].name) == 0)
            return zx_fail(err, ZX_EFORMAT,
                           "'%s': tensor '%.64s' appears "
                           "%s",
                           what, ck->tensors[i].name,
                           ck->tensors[i].file != ck->tensors[i - 1].file
                               ? "in two shards"
                               : "twice");
    return ZX_OK;
}

size_t zx_ckpt_n_tensors(const struct zx_ckpt *ck)
{
    return ck->n_tensors;
}

const struct zx_tensor *zx_ckpt_tensor(const struct zx_ckpt *ck, size_t i)
{
    ZX_ASSERT(i < ck->n_tensors);
    return &ck->tensors[i];
}

long zx_ckpt_find(const struct zx_ckpt *ck, const char *name)
{
    size_t lo = 0, hi = ck->n_tensors;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(ck->tensors[mid].name, name);

        if (c == 0)
            return (long)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

const unsigned char *zx_ckpt_data(const struct zx_ckpt *ck, size_t i)
{
    const struct zx_tensor *t = zx_ckpt_tensor(ck, i);
    const struct zx_map *m = &ck->maps[t->file];

    if (!t->n_bytes || !m->data)
        return NULL;
    return m->data + t->offset;
}

void zx_ckpt_drop(const struct zx_ckpt *ck, size_t i)
{
    const struct zx_tensor *t = zx_ckpt_tensor(ck, i);

    zx_map_drop(&ck->maps[t->file], t->offset, t->n_bytes);
}

size_t zx_ckpt_n_files(const struct zx_ckpt *ck)
{
    return ck->n_files;
}

const char *zx_ckpt_file(const struct zx_ckpt *ck, size_t i)
{
    ZX_ASSERT(i < ck->n_files);
    return ck->paths[i];
}

uint64_t zx_ckpt_file_size(const struct zx_ckpt *ck, size_t i)
{
    ZX_ASSERT(i < ck->n_files);
    return ck->sizes[i];
}

void zx_ckpt_close(struct zx_ckpt *ck)
{
    size_t i;

    if (!ck)
        return;
    for (i = 0; i < ck->n_tensors; i++)
        free(ck->tensors[i].name);
    free(ck->tensors);
    for (i = 0; i < ck->n_files; i++) {
        zx_map_close(&ck->maps[i]);
        free(ck->paths[i]);
    }
    free(ck->maps);
    free(ck->paths);
    free(ck->sizes);
    free(ck);
}

/* ===== Shard indexes: *.safetensors.index.json, *.bin.index.json ===== */

void zx_st_index_free(struct zx_st_index *ix)
{
    size_t i;

    if (!ix)
        return;
    for (i = 0; i < ix->n_shards; i++)
        free(ix->shards[i]);
    for (i = 0; i < ix->n_tensors; i++)
        free(ix->tensors[i]);
    free(ix->shards);
    free(ix->tensors);
    free(ix->shard_of);
    free(ix);
}

/* A shard name must stay inside the index's folder. */
static int good_shard_name(const char *f, size_t len, const char *suffix)
{
    return len > strlen(suffix) && strlen(f) == len && f[0] != '/' &&
           !strstr(f, "..") && has_suffix(f, suffix);
}

int zx_ckpt_parse_index(const char *json, size_t len, const char *what,
                        const char *suffix, struct zx_st_index **out,
                        struct zx_error *err)
{
    struct zx_st_index *ix = NULL;
    json_t *root = NULL, *wm, *v;
    const char **files = NULL;
    const char *key;
    size_t i, n = 0;
    int rc;

    *out = NULL;
    rc = zx_json_parse(json, len, MAX_INDEX_JSON, what, &root, err);
    if (rc)
        return rc;
    wm = json_object_get(root, "weight_map");
    if (!json_is_object(wm) || json_object_size(wm) == 0) {
        rc = zx_fail(err, ZX_EFORMAT, "'%s' has no weight_map object", what);
        goto out;
    }
    if (json_object_size(wm) > ZX_CKPT_MAX_TENSORS) {
        rc = zx_fail(err, ZX_ETOOBIG, "'%s' maps more than %u tensors", what,
                     ZX_CKPT_MAX_TENSORS);
        goto out;
    }
    ix = xcalloc(1, sizeof(*ix));
    n = json_object_size(wm);
    files = xcalloc(n, sizeof(*files));
    ix->tensors = xcalloc(n, sizeof(*ix->tensors));
    ix->shard_of = xcalloc(n, sizeof(*ix->shard_of));
    json_object_foreach(wm, key, v)
    {
        const char *f = json_string_value(v);

        if (!f || !good_shard_name(f, json_string_length(v), suffix)) {
            rc = zx_fail(err, ZX_EFORMAT,
                         "'%s': tensor '%.64s' maps to a "
                         "bad shard name (relative, no '..', ending in %s)",
                         what, key, suffix);
            goto out;
        }
        files[ix->n_tensors] = f;
        ix->tensors[ix->n_tensors++] = xstrdup(key);
    }
    qsort(ix->tensors, n, sizeof(*ix->tensors), cmp_str);
    /* The shards: the distinct file names, sorted. */
    qsort(files, n, sizeof(*files), cmp_str);
    ix->shards = xcalloc(n, sizeof(*ix->shards));
    for (i = 0; i < n; i++) {
        if (i > 0 && strcmp(files[i], files[i - 1]) == 0)
            continue;
        if (ix->n_shards >= ZX_CKPT_MAX_SHARDS) {
            rc = zx_fail(err, ZX_ETOOBIG, "'%s' names more than %u shards",
                         what, ZX_CKPT_MAX_SHARDS);
            goto out;
        }
        ix->shards[ix->n_shards++] = xstrdup(files[i]);
    }
    for (i = 0; i < n; i++) {
        const char *f = zx_json_str(wm, ix->tensors[i]);
        char **s =
            bsearch(&f, ix->shards, ix->n_shards, sizeof(*ix->shards), cmp_str);

        ZX_ASSERT(s);
        ix->shard_of[i] = (size_t)(s - ix->shards);
    }
    *out = ix;
    ix = NULL;
out:
    zx_st_index_free(ix);
    free(files);
    json_decref(root);
    return rc;
}

int zx_st_parse_index(const char *json, size_t len, const char *what,
                      struct zx_st_index **out, struct zx_error *err)
{
    return zx_ckpt_parse_index(json, len, what, ".safetensors", out, err);
}

/* Open the shards named by an index into the empty ck. */
static int open_index(struct zx_ckpt *ck, const char *path,
                      const struct format *fmt, struct zx_error *err)
{
    struct zx_st_index *ix = NULL;
    const char *slash;
    char *dir = NULL, *json = NULL;
    size_t i, len = 0;
    int rc;

    rc = zx_read_file(path, MAX_INDEX_JSON, &json, &len, err);
    if (rc == ZX_ENOTFOUND)
        return zx_fail(err, rc, "cannot open '%s': No such file", path);
    if (rc)
        return rc;
    rc = zx_ckpt_parse_index(json, len, path, fmt->shard_suffix, &ix, err);
    if (rc)
        goto out;
    slash = strrchr(path, '/');
    dir = slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup(".");
    for (i = 0; i < ix->n_shards; i++) {
        char *p = zx_path_join(dir, ix->shards[i]);

        rc = fmt->add(ck, p, err);
        free(p);
        if (rc)
            goto out;
    }
    rc = zx_ckpt_sort(ck, path, err);
    if (rc)
        goto out;
    /* Every tensor in the shards must be in the weight map, in its shard
     * (shard i of the index is file i of ck). */
    for (i = 0; i < ck->n_tensors; i++) {
        const char *name = ck->tensors[i].name;
        char **t = bsearch(&name, ix->tensors, ix->n_tensors,
                           sizeof(*ix->tensors), cmp_str);

        if (!t || ix->shard_of[t - ix->tensors] != ck->tensors[i].file) {
            rc = zx_fail(err, ZX_EFORMAT,
                         "'%s': tensor '%.64s' found in "
                         "'%s' is not mapped there by the index",
                         path, name, ck->paths[ck->tensors[i].file]);
            goto out;
        }
    }
    if (ck->n_tensors != ix->n_tensors) {
        rc = zx_fail(err, ZX_EFORMAT,
                     "'%s' maps %zu tensors but the shards "
                     "hold %zu",
                     path, ix->n_tensors, ck->n_tensors);
        goto out;
    }
out:
    zx_st_index_free(ix);
    free(json);
    free(dir);
    return rc;
}

/* ===== Checksums ===== */

#define SUM_BLOCK 4096

/* Neumaier's compensated sum. */
struct ksum {
    double s, c;
};

static void kadd(struct ksum *k, double x)
{
    double t = k->s + x;

    if (fabs(k->s) >= fabs(x))
        k->c += (k->s - t) + x;
    else
        k->c += (x - t) + k->s;
    k->s = t;
}

static void sums(const struct zx_tensor *t, const unsigned char *data,
                 double *sum, double *sumabs)
{
    struct ksum a = {0, 0}, b = {0, 0};
    float *buf = xmalloc(SUM_BLOCK * sizeof(float));
    uint64_t i;
    size_t j;

    for (i = 0; i < t->n_elems; i += SUM_BLOCK) {
        size_t n =
            (size_t)(t->n_elems - i < SUM_BLOCK ? t->n_elems - i : SUM_BLOCK);

        if (t->dtype == ZX_DTYPE_F64) {
            for (j = 0; j < n; j++) {
                double x;

                memcpy(&x, data + 8 * (i + j), 8);
                kadd(&a, x);
                kadd(&b, fabs(x));
            }
            continue;
        }
        zx_to_float(t->dtype, data, i, n, buf);
        for (j = 0; j < n; j++) {
            kadd(&a, buf[j]);
            kadd(&b, fabs((double)buf[j]));
        }
    }
    if (t->dtype == ZX_DTYPE_I64 || t->dtype == ZX_DTYPE_U64) {
        /* 64-bit integers exceed float precision: sum them exactly. */
        a.s = b.s = a.c = b.c = 0;
        for (i = 0; i < t->n_elems; i++) {
            int64_t x;

            memcpy(&x, data + 8 * i, 8);
            kadd(&a,
                 t->dtype == ZX_DTYPE_I64 ? (double)x : (double)(uint64_t)x);
            kadd(&b, t->dtype == ZX_DTYPE_I64 ? fabs((double)x)
                                              : (double)(uint64_t)x);
        }
    }
    *sum = a.s + a.c;
    *sumabs = b.s + b.c;
    free(buf);
}

void zx_ckpt_sums(const struct zx_ckpt *ck, size_t i,
                  struct zx_tensor_sums *out)
{
    const struct zx_tensor *t = zx_ckpt_tensor(ck, i);
    const unsigned char *data = zx_ckpt_data(ck, i);

    zx_sha256_hex(data ? data : (const unsigned char *)"", (size_t)t->n_bytes,
                  out->sha256);
    out->sum = out->sumabs = 0;
    if (zx_dtype_is_numeric(t->dtype) && data)
        sums(t, data, &out->sum, &out->sumabs);
}

/* ===== Choosing a reader ===== */

/* The format whose bytes `path` starts with, or NULL. */
static const struct format *sniff(const char *path)
{
    unsigned char head[HEAD_BYTES];
    size_t f, n = 0;
    FILE *fp = fopen(path, "rb");

    if (!fp)
        return NULL;
    n = fread(head, 1, sizeof(head), fp);
    fclose(fp);
    for (f = 0; f < N_FORMATS; f++)
        if (formats[f].sniff(head, n, path))
            return &formats[f];
    return NULL;
}

/* The reader for `path`: by name (.safetensors, .bin, ...), else by its
 * bytes, else the safetensors reader, which gives the clearest error for
 * garbage.  A file whose bytes are those of a format not read yet is
 * refused with what it is (*unsup), whatever its name. */
static const struct format *format_of(const char *path,
                                      const struct format **unsup)
{
    const struct format *by_bytes = sniff(path);
    size_t f, k;

    *unsup = NULL;
    if (by_bytes && !by_bytes->add) {
        *unsup = by_bytes;
        return NULL;
    }
    for (f = 0; f < N_FORMATS; f++)
        for (k = 0; formats[f].add && formats[f].suffixes[k]; k++)
            if (has_suffix(path, formats[f].suffixes[k]))
                return &formats[f];
    return by_bytes ? by_bytes : &formats[0];
}

const char *zx_ckpt_sniff(const char *path)
{
    const struct format *fmt = sniff(path);

    return fmt ? fmt->name : NULL;
}

const char *zx_ckpt_unsupported_name(const char *name)
{
    size_t f, k;

    for (f = 0; f < N_FORMATS; f++)
        for (k = 0; !formats[f].add && formats[f].suffixes[k]; k++)
            if (has_suffix(name, formats[f].suffixes[k]))
                return formats[f].name;
    return NULL;
}

int zx_ckpt_refuse(const char *path, struct zx_error *err)
{
    const struct format *fmt = sniff(path);

    if (!fmt || fmt->add)
        return ZX_OK;
    if (!strcmp(fmt->name, "text"))
        return zx_fail(err, ZX_EUNSUPPORTED,
                       "'%s' is plain text, not a checkpoint", path);
    return zx_fail(err, ZX_EUNSUPPORTED,
                   "'%s' is %s, a format not supported yet (zoodex reads "
                   "safetensors and PyTorch checkpoints)",
                   path, fmt->what);
}

int zx_ckpt_is_weights_name(const char *name)
{
    size_t f, k;

    for (f = 0; f < N_FORMATS; f++) {
        if (!formats[f].add)
            continue;
        if (has_suffix(name, formats[f].index_suffix))
            return 1;
        for (k = 0; formats[f].suffixes[k]; k++)
            if (has_suffix(name, formats[f].suffixes[k]))
                return 1;
    }
    return 0;
}

int zx_ckpt_open(const char *path, struct zx_ckpt **out, struct zx_error *err)
{
    struct zx_ckpt *ck = xcalloc(1, sizeof(*ck));
    const struct format *fmt = NULL;
    size_t f;
    int rc;

    *out = NULL;
    for (f = 0; f < N_FORMATS; f++)
        if (formats[f].index_suffix &&
            has_suffix(path, formats[f].index_suffix))
            fmt = &formats[f];
    if (fmt) {
        rc = open_index(ck, path, fmt, err);
    } else if (has_suffix(path, ".index.json")) {
        rc = zx_fail(err, ZX_EUNSUPPORTED,
                     "'%s': an index of unknown "
                     "shards (.safetensors.index.json and .bin.index.json "
                     "are read)",
                     path);
    } else {
        const struct format *unsup;

        fmt = format_of(path, &unsup);
        rc = fmt ? fmt->add(ck, path, err) : zx_ckpt_refuse(path, err);
    }
    if (rc)
        goto out;
    rc = zx_ckpt_sort(ck, path, err);
    if (rc)
        goto out;
    *out = ck;
    ck = NULL;
out:
    zx_ckpt_close(ck);
    return rc;
}
