/* ckpt_torch.c - reader for torch.save checkpoints (pytorch_model.bin,
 * *.pt, *.pth), through the restricted unpickler of pickle.h.
 *
 * Zip format (torch >= 1.6), read through unpack.h; every entry sits under
 * one folder <top>/, named by the first entry:
 *   1. <top>/data.pkl        the pickled object, storages as persistent ids
 *                            ("storage", type, key, location, numel)
 *   2. <top>/data/<key>      the raw bytes of storage <key>
 *   3. <top>/byteorder       "little" or "big" (absent: little)
 *   4. <top>/version, .format_version, .storage_alignment, .data/...
 *                            not needed
 *   The storages are copied into an unlinked temporary file under $TMPDIR
 *   (64-byte aligned), which is mapped read-only as the checkpoint's data,
 *   so zx_ckpt_drop() releases their pages like a safetensors file's.
 * Legacy format (torch < 1.6), one file mapped in place:
 *   1. pickle: the magic number 0x1950a86a20f9469cfc6c
 *   2. pickle: the protocol version, 1001
 *   3. pickle: sys_info {"little_endian": bool, ...}
 *   4. pickle: the object; persistent ids ("storage", type, key, location,
 *      numel, view) with view None or (view_key, first, numel)
 *   5. pickle: the list of storage keys, in the order of 6
 *   6. per key: u64 little-endian element count (== numel), then
 *      count * element size bytes.
 *
 * Naming (documented in zoodex-ingest(1)):
 *   - a dict of tensors (a state_dict) gives its keys as names, nested
 *     dicts, lists and tuples joined with '.' ({"a": {"b": t}} is "a.b",
 *     {"l": [t]} is "l.0"); int keys are written in decimal; other keys and
 *     non-tensor values are skipped;
 *   - a top-level dict that holds no tensor itself but a dict under
 *     "state_dict", "model_state_dict", "model" or "module" (the first of
 *     these) is read through that key (training checkpoints: the optimizer
 *     state and the rest are ignored), repeatedly;
 *   - a bare tensor is one tensor named "tensor".
 * Tensors must be contiguous and row-major (views of a shared storage are
 * fine); big-endian files are refused.
 * SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ckpt_impl.h"
#include "pickle.h"
#include "unpack.h"
#include "zx_buf.h"
#include "zx_mem.h"

#define MAX_PICKLE_BYTES (256u << 20) /* data.pkl of a zip */
#define MAX_SMALL_ENTRY 4096u         /* byteorder, version */
#define MAX_NAME_DEPTH 32
#define MAX_NAME_LEN 4096
#define MAX_WALK_NODES (4u * ZX_CKPT_MAX_TENSORS)
#define SPILL_ALIGN 64u

/* The legacy magic number 0x1950a86a20f9469cfc6c, little-endian. */
static const unsigned char magic[10] = {0x6c, 0xfc, 0x9c, 0x46, 0xf9,
                                        0x20, 0x6a, 0xa8, 0x50, 0x19};

/* ===== Storage keys -> bytes ===== */

struct key {
    char name[72];
    uint64_t off, len; /* in the slot's map */
};

struct keytab {
    struct key *k;
    size_t n, cap;
};

static int cmp_key(const void *a, const void *b)
{
    return strcmp(((const struct key *)a)->name, ((const struct key *)b)->name);
}

static int add_key(struct keytab *kt, const char *name, size_t nlen,
                   uint64_t off, uint64_t len)
{
    if (nlen == 0 || nlen >= sizeof(kt->k->name))
        return -1;
    ZX_GROW(kt->n + 1, kt->cap, kt->k);
    memset(&kt->k[kt->n], 0, sizeof(kt->k[kt->n]));
    memcpy(kt->k[kt->n].name, name, nlen);
    kt->k[kt->n].off = off;
    kt->k[kt->n].len = len;
    kt->n++;
    return 0;
}

/* Sort; a key seen twice is an error (returns it). */
static const char *sort_keys(struct keytab *kt)
{
    size_t i;

    if (kt->n)
        qsort(kt->k, kt->n, sizeof(*kt->k), cmp_key);
    for (i = 1; i < kt->n; i++)
        if (!strcmp(kt->k[i].name, kt->k[i - 1].name))
            return kt->k[i].name;
    return NULL;
}

static const struct key *find_key(const struct keytab *kt, const char *name)
{
    struct key probe;

    if (strlen(name) >= sizeof(probe.name) || !kt->n)
        return NULL;
    memset(&probe, 0, sizeof(probe));
    memcpy(probe.name, name, strlen(name));
    return bsearch(&probe, kt->k, kt->n, sizeof(*kt->k), cmp_key);
}

/* Every storage the pickle names must exist with the bytes it declares. */
static int check_storages(const struct zx_pickle *pk, const struct keytab *kt,
                          const char *path, struct zx_error *err)
{
    size_t i;

    for (i = 0; i < zx_pickle_n_storages(pk); i++) {
        const struct zx_pk_storage *st = zx_pickle_storage(pk, i);
        const struct key *k = find_key(kt, st->key);
        uint64_t need = st->numel * st->elem_size; /* numel < 2^60 */

        if (!k)
            return zx_fail(err, ZX_EFORMAT,
                           "'%s': storage '%s' named by "
                           "the pickle is missing",
                           path, st->key);
        if (k->len != need)
            return zx_fail(err, ZX_EFORMAT,
                           "'%s': storage '%s' holds %" PRIu64
                           " bytes but the pickle declares %" PRIu64
                           " elements of %u bytes",
                           path, st->key, k->len, st->numel, st->elem_size);
    }
    return ZX_OK;
}

/* ===== Naming the tensors ===== */

struct walk {
    struct zx_ckpt *ck;
    const char *path;
    unsigned slot;
    const struct keytab *kt;
    size_t visited;
    struct zx_buf name;
    struct zx_error *err;
};

static int add_named(struct walk *w, const struct zx_pk_tensor *pt)
{
    struct zx_tensor t;
    const struct key *k = find_key(w->kt, pt->storage->key);

    if (w->name.len == 0 || strlen(w->name.data) != w->name.len)
        return zx_fail(w->err, ZX_EFORMAT,
                       "'%s': a tensor's name is empty "
                       "or holds a NUL byte",
                       w->path);
    ZX_ASSERT(k); /* check_storages() saw every storage */
    memset(&t, 0, sizeof(t));
    t.dtype = pt->dtype;
    t.ndim = pt->ndim;
    memcpy(t.shape, pt->shape, sizeof(t.shape));
    t.n_elems = pt->n_elems;
    t.n_bytes = pt->n_bytes;
    t.offset = k->off + pt->byte_offset; /* inside k->len: see pickle.c */
    t.file = w->slot;
    t.name = xstrdup(w->name.data);
    return zx_ckpt_add_tensor(w->ck, &t, w->path, w->err);
}

static int walk(struct walk *w, const struct zx_pk_value *v, int depth);

/* Name the child `key` of a container and walk it. */
static int walk_child(struct walk *w, const char *key, size_t klen,
                      const struct zx_pk_value *v, int depth)
{
    size_t saved = w->name.len;
    int rc;

    if (v->type != ZX_PK_TENSOR && v->type != ZX_PK_DICT &&
        v->type != ZX_PK_LIST && v->type != ZX_PK_TUPLE)
        return ZX_OK;
    if (saved)
        zx_buf_addc(&w->name, '.');
    zx_buf_add(&w->name, key, klen);
    if (w->name.len > MAX_NAME_LEN)
        rc = zx_fail(w->err, ZX_ETOOBIG,
                     "'%s': a tensor name is longer "
                     "than %u bytes",
                     w->path, MAX_NAME_LEN);
    else
        rc = walk(w, v, depth + 1);
    w->name.len = saved;
    w->name.data[saved] = '\0';
    return rc;
}

static int walk(struct walk *w, const struct zx_pk_value *v, int depth)
{
    char num[24];
    size_t i;
    int rc = ZX_OK;

    if (++w->visited > MAX_WALK_NODES)
        return zx_fail(w->err, ZX_ETOOBIG,
                       "'%s': the pickled object has "
                       "more than %u containers and tensors",
                       w->path, MAX_WALK_NODES);
    if (depth > MAX_NAME_DEPTH)
        return zx_fail(w->err, ZX_ETOOBIG,
                       "'%s': tensors nested deeper "
                       "than %d levels",
                       w->path, MAX_NAME_DEPTH);
    switch (v->type) {
    case ZX_PK_TENSOR:
        return add_named(w, v->tensor);
    case ZX_PK_DICT:
        for (i = 0; i + 1 < v->n && !rc; i += 2) {
            const struct zx_pk_value *k = v->items[i];

            if (k->type == ZX_PK_STR) {
                rc = walk_child(w, k->s, k->len, v->items[i + 1], depth);
            } else if (k->type == ZX_PK_INT) {
                snprintf(num, sizeof(num), "%" PRId64, k->i);
                rc = walk_child(w, num, strlen(num), v->items[i + 1], depth);
            }
        }
        return rc;
    case ZX_PK_LIST:
    case ZX_PK_TUPLE:
        for (i = 0; i < v->n && !rc; i++) {
            snprintf(num, sizeof(num), "%zu", i);
            rc = walk_child(w, num, strlen(num), v->items[i], depth);
        }
        return rc;
    default:
        return ZX_OK;
    }
}

static const struct zx_pk_value *dict_get(const struct zx_pk_value *d,
                                          const char *key)
{
    size_t i;

    for (i = 0; i + 1 < d->n; i += 2)
        if (d->items[i]->type == ZX_PK_STR && !strcmp(d->items[i]->s, key) &&
            d->items[i]->len == strlen(key))
            return d->items[i + 1];
    return NULL;
}

/* A training checkpoint's model weights: see the naming rules above. */
static const struct zx_pk_value *unwrap(const struct zx_pk_value *v)
{
    static const char *const wrappers[] = {"state_dict", "model_state_dict",
                                           "model", "module"};
    int round;

    for (round = 0; round < 4 && v->type == ZX_PK_DICT; round++) {
        const struct zx_pk_value *inner = NULL;
        size_t i;

        for (i = 1; i < v->n; i += 2)
            if (v->items[i]->type == ZX_PK_TENSOR)
                return v;
        for (i = 0; i < 4 && !inner; i++) {
            inner = dict_get(v, wrappers[i]);
            if (inner && inner->type != ZX_PK_DICT)
                inner = NULL;
        }
        if (!inner)
            return v;
        v = inner;
    }
    return v;
}

/* Add the tensors of the object `root` whose storages are in kt. */
static int add_tensors(struct zx_ckpt *ck, unsigned slot, const char *path,
                       const struct zx_pickle *pk, const struct keytab *kt,
                       struct zx_error *err)
{
    struct walk w;
    const struct zx_pk_value *root = zx_pickle_root(pk);
    int rc;

    rc = check_storages(pk, kt, path, err);
    if (rc)
        return rc;
    memset(&w, 0, sizeof(w));
    w.ck = ck;
    w.path = path;
    w.slot = slot;
    w.kt = kt;
    w.err = err;
    if (root->type == ZX_PK_TENSOR) {
        zx_buf_adds(&w.name, "tensor");
        rc = add_named(&w, root->tensor);
    } else if (root->type == ZX_PK_DICT || root->type == ZX_PK_LIST ||
               root->type == ZX_PK_TUPLE) {
        rc = walk(&w, unwrap(root), 0);
    } else {
        rc = zx_fail(err, ZX_EUNSUPPORTED,
                     "'%s' holds no tensors (its "
                     "pickle is a plain value)",
                     path);
    }
    zx_buf_release(&w.name);
    return rc;
}

/* ===== Legacy format ===== */

/* Storages ordered by key (qsort), and found by a key (bsearch). */
static int cmp_storages(const void *a, const void *b)
{
    const struct zx_pk_storage *const *x = a, *const *y = b;

    return strcmp((*x)->key, (*y)->key);
}

static int cmp_storage_key(const void *a, const void *b)
{
    const struct zx_pk_storage *const *y = b;

    return strcmp(*(const char *const *)a, (*y)->key);
}

static int load_at(const struct zx_map *m, uint64_t *pos, int which,
                   const char *path, struct zx_pickle **pk,
                   struct zx_error *err)
{
    char what[4200];
    int rc;

    snprintf(what, sizeof(what), "'%s' (pickle %d at byte %" PRIu64 ")", path,
             which, *pos);
    rc = zx_pickle_load(m->data + *pos, (size_t)(m->size - *pos), what, NULL,
                        pk, err);
    if (!rc)
        *pos += zx_pickle_used(*pk);
    return rc;
}

static int open_legacy(struct zx_ckpt *ck, const char *path,
                       struct zx_error *err)
{
    struct zx_map m = {.fd = -1};
    struct zx_pickle *pk[5] = {NULL};
    struct keytab kt = {0};
    const struct zx_pk_value *v, *le;
    const struct zx_map *mp;
    const struct zx_pk_storage **byname = NULL;
    const char *dup;
    uint64_t pos = 0;
    unsigned slot;
    size_t i, j, ns = 0;
    int rc;

    rc = zx_map_open(path, &m, err);
    if (rc)
        return rc;
    slot = zx_ckpt_add_slot(ck, path, m.size, &m);
    mp = &ck->maps[slot];
    for (i = 0; i < 5; i++) {
        rc = load_at(mp, &pos, (int)i + 1, path, &pk[i], err);
        if (rc)
            goto out;
        v = zx_pickle_root(pk[i]);
        if (i == 0 && (v->type != ZX_PK_LONG || v->len != sizeof(magic) ||
                       memcmp(v->s, magic, sizeof(magic)))) {
            rc = zx_fail(err, ZX_EFORMAT,
                         "'%s' is not a torch checkpoint "
                         "(no torch magic number)",
                         path);
            goto out;
        }
        if (i == 1 && (v->type != ZX_PK_INT || v->i != 1001)) {
            rc = zx_fail(err, ZX_EUNSUPPORTED,
                         "'%s': legacy torch protocol "
                         "version %" PRId64 " is not supported (1001 is)",
                         path, v->type == ZX_PK_INT ? v->i : -1);
            goto out;
        }
        if (i == 2) {
            le = v->type == ZX_PK_DICT ? dict_get(v, "little_endian") : NULL;
            if (le && le->type == ZX_PK_BOOL && !le->i) {
                rc = zx_fail(err, ZX_EUNSUPPORTED,
                             "'%s' holds big-endian "
                             "tensors: not supported",
                             path);
                goto out;
            }
        }
    }
    /* 6: the storages, in the order of the key list. */
    ns = zx_pickle_n_storages(pk[3]);
    byname = xcalloc(ns + 1, sizeof(*byname));
    for (j = 0; j < ns; j++)
        byname[j] = zx_pickle_storage(pk[3], j);
    if (ns)
        qsort(byname, ns, sizeof(*byname), cmp_storages);
    v = zx_pickle_root(pk[4]);
    if (v->type != ZX_PK_LIST) {
        rc = zx_fail(err, ZX_EFORMAT,
                     "'%s': the storage key list is not a "
                     "list",
                     path);
        goto out;
    }
    for (i = 0; i < v->n; i++) {
        const struct zx_pk_value *key = v->items[i];
        const struct zx_pk_storage *st = NULL;
        unsigned char b8[8];
        uint64_t count, bytes;

        if (key->type != ZX_PK_STR) {
            rc = zx_fail(err, ZX_EFORMAT,
                         "'%s': a storage key is not a "
                         "string",
                         path);
            goto out;
        }
        {
            const struct zx_pk_storage **hit =
                bsearch(&key->s, byname, ns, sizeof(*byname), cmp_storage_key);

            st = hit ? *hit : NULL;
        }
        if (!st) {
            rc = zx_fail(err, ZX_EFORMAT,
                         "'%s': storage key '%.64s' is "
                         "listed but no tensor uses it",
                         path, key->s);
            goto out;
        }
        if (mp->size - pos < 8) {
            rc = zx_fail(err, ZX_EFORMAT,
                         "'%s' is truncated (storage '%s' "
                         "at byte %" PRIu64 ")",
                         path, key->s, pos);
            goto out;
        }
        /* pread, not the map: a fault would map a whole large folio of
         * the storage that follows. */
        if (pread(mp->fd, b8, 8, (off_t)pos) != 8) {
            rc = zx_fail_errno(err, ZX_EIO, "cannot read '%s'", path);
            goto out;
        }
        count = 0;
        for (j = 8; j-- > 0;)
            count = (count << 8) | b8[j];
        if (count != st->numel || count > (UINT64_MAX >> 4) ||
            count * st->elem_size > mp->size - pos - 8) {
            rc = zx_fail(err, ZX_EFORMAT,
                         "'%s': storage '%s' at byte %" PRIu64 " has %" PRIu64
                         " elements, %s",
                         path, key->s, pos, count,
                         count != st->numel ? "not the number the pickle "
                                              "declares"
                                            : "past the end of the file");
            goto out;
        }
        bytes = count * st->elem_size;
        if (add_key(&kt, key->s, key->len, pos + 8, bytes)) {
            rc = zx_fail(err, ZX_EFORMAT, "'%s': bad storage key", path);
            goto out;
        }
        pos += 8 + bytes;
    }
    dup = sort_keys(&kt);
    if (dup) {
        rc = zx_fail(err, ZX_EFORMAT, "'%s': storage '%s' is listed twice",
                     path, dup);
        goto out;
    }
    rc = add_tensors(ck, slot, path, pk[3], &kt, err);
    /* Reading the pickles and each storage's count faulted pages in (as
     * much as a large folio each): give them back, as for every tensor. */
    zx_map_drop(&ck->maps[slot], 0, ck->maps[slot].size);
out:
    for (i = 0; i < 5; i++)
        zx_pickle_free(pk[i]);
    free(byname);
    free(kt.k);
    return rc;
}

/* ===== Zip format ===== */

struct spill {
    int fd;
    uint64_t size;
};

static int spill_open(struct spill *s, const char *path, struct zx_error *err)
{
    const char *dir = getenv("TMPDIR");
    char *tmpl;

    if (!dir || !*dir)
        dir = "/tmp";
    tmpl = xasprintf("%s/zoodex-torch-XXXXXX", dir);
    s->fd = mkostemp(tmpl, O_CLOEXEC);
    if (s->fd < 0) {
        int rc = zx_fail_errno(err, ZX_EIO,
                               "'%s': cannot create a temporary "
                               "file in '%s'",
                               path, dir);

        free(tmpl);
        return rc;
    }
    unlink(tmpl); /* gone when the map is closed */
    free(tmpl);
    s->size = 0;
    return ZX_OK;
}

static int spill_write(struct spill *s, const unsigned char *buf, size_t n,
                       const char *path, struct zx_error *err)
{
    while (n) {
        ssize_t w = pwrite(s->fd, buf, n, (off_t)s->size);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return zx_fail_errno(err, ZX_EIO,
                                 "'%s': cannot write the "
                                 "temporary copy of its storages",
                                 path);
        buf += w;
        n -= (size_t)w;
        s->size += (uint64_t)w;
    }
    return ZX_OK;
}

/* Copy the current entry to the spill file, 64-byte aligned. */
static int spill_entry(struct spill *s, struct zx_unpack *u, unsigned char *buf,
                       size_t cap, uint64_t *off, uint64_t *len,
                       const char *path, struct zx_error *err)
{
    static const unsigned char zeros[SPILL_ALIGN];
    size_t got;
    int rc;

    if (s->size % SPILL_ALIGN) {
        rc = spill_write(s, zeros, SPILL_ALIGN - s->size % SPILL_ALIGN, path,
                         err);
        if (rc)
            return rc;
    }
    *off = s->size;
    for (;;) {
        rc = zx_unpack_read(u, buf, cap, &got, err);
        if (rc || !got)
            break;
        rc = spill_write(s, buf, got, path, err);
        if (rc)
            break;
    }
    *len = s->size - *off;
    return rc;
}

static int spill_map(struct spill *s, struct zx_map *m, const char *path,
                     struct zx_error *err)
{
    void *p;

    m->fd = s->fd;
    m->size = s->size;
    m->data = NULL;
    s->fd = -1;
    if (!m->size)
        return ZX_OK;
    p = mmap(NULL, (size_t)m->size, PROT_READ, MAP_PRIVATE, m->fd, 0);
    if (p == MAP_FAILED)
        return zx_fail_errno(err, ZX_EIO,
                             "'%s': cannot map the temporary "
                             "copy of its storages",
                             path);
    m->data = p;
    return ZX_OK;
}

static int open_zip(struct zx_ckpt *ck, const char *path, struct zx_error *err)
{
    struct zx_unpack *u = NULL;
    struct zx_unpack_entry e;
    struct spill sp = {.fd = -1};
    struct zx_map m = {.fd = -1};
    struct keytab kt = {0};
    struct zx_pickle *pk = NULL;
    unsigned char *pkl = NULL, *small = NULL, *buf = NULL;
    char *top = NULL, *what = NULL;
    size_t pkl_len = 0, small_len, toplen = 0;
    const char *dup;
    struct stat st;
    unsigned slot;
    int rc;

    rc = zx_unpack_open(path, NULL, &u, err);
    if (rc)
        goto out;
    rc = spill_open(&sp, path, err);
    if (rc)
        goto out;
    buf = xmalloc(1u << 20);
    while ((rc = zx_unpack_next(u, &e, err)) == ZX_OK) {
        const char *rel;

        if (!top) {
            const char *slash = strchr(e.path, '/');

            if (!slash) {
                rc = zx_fail(err, ZX_EFORMAT,
                             "'%s' is a zip but not a torch "
                             "checkpoint (its first entry '%.64s' is not in "
                             "a folder)",
                             path, e.path);
                goto out;
            }
            toplen = (size_t)(slash - e.path);
            top = xstrndup(e.path, toplen);
        }
        if (e.type != ZX_UNPACK_FILE || strncmp(e.path, top, toplen) ||
            e.path[toplen] != '/')
            continue; /* torch reads only files under <top>/ */
        rel = e.path + toplen + 1;
        if (!strcmp(rel, "data.pkl")) {
            if (pkl) {
                rc = zx_fail(err, ZX_EFORMAT, "'%s' holds two data.pkl", path);
                goto out;
            }
            rc = zx_unpack_read_all(u, MAX_PICKLE_BYTES, &pkl, &pkl_len, err);
        } else if (!strcmp(rel, "byteorder")) {
            rc =
                zx_unpack_read_all(u, MAX_SMALL_ENTRY, &small, &small_len, err);
            if (!rc && strcmp((char *)small, "little")) {
                rc = zx_fail(err, ZX_EUNSUPPORTED,
                             "'%s' holds %s tensors "
                             "(byteorder '%.16s'): only little-endian ones "
                             "are read",
                             path,
                             strcmp((char *)small, "big") ? "unknown-endian"
                                                          : "big-endian",
                             (char *)small);
            }
            free(small);
            small = NULL;
        } else if (!strncmp(rel, "data/", 5)) {
            uint64_t off, len;
            const char *key = rel + 5;
            size_t i, n = strlen(key);

            for (i = 0; i < n; i++)
                if (!((key[i] >= '0' && key[i] <= '9') ||
                      (key[i] >= 'a' && key[i] <= 'z') ||
                      (key[i] >= 'A' && key[i] <= 'Z') || key[i] == '_'))
                    break;
            if (i < n || !n || n > 64)
                continue; /* not a storage a pickle can name */
            rc = spill_entry(&sp, u, buf, 1u << 20, &off, &len, path, err);
            if (!rc)
                add_key(&kt, key, n, off, len);
        }
        if (rc)
            goto out;
    }
    if (rc != ZX_ENOTFOUND)
        goto out;
    if (!pkl) {
        rc = zx_fail(err, ZX_EFORMAT,
                     "'%s' is a zip but not a torch "
                     "checkpoint (no %s/data.pkl)",
                     path, top ? top : "*");
        goto out;
    }
    dup = sort_keys(&kt);
    if (dup) {
        rc = zx_fail(err, ZX_EFORMAT, "'%s' holds storage '%s' twice", path,
                     dup);
        goto out;
    }
    what = xasprintf("'%s' (%s/data.pkl)", path, top);
    rc = zx_pickle_load(pkl, pkl_len, what, NULL, &pk, err);
    if (rc)
        goto out;
    rc = spill_map(&sp, &m, path, err);
    if (rc)
        goto out;
    if (stat(path, &st) != 0)
        st.st_size = 0;
    slot = zx_ckpt_add_slot(ck, path, (uint64_t)st.st_size, &m);
    rc = add_tensors(ck, slot, path, pk, &kt, err);
out:
    zx_pickle_free(pk);
    zx_unpack_close(u);
    zx_map_close(&m);
    if (sp.fd >= 0)
        close(sp.fd);
    free(kt.k);
    free(pkl);
    free(buf);
    free(top);
    free(what);
    return rc;
}

int zx_ckpt_add_torch(struct zx_ckpt *ck, const char *path,
                      struct zx_error *err)
{
    unsigned char head[4] = {0};
    FILE *fp = fopen(path, "rb");
    size_t got;

    if (!fp) {
        if (errno == ENOENT)
            return zx_fail_errno(err, ZX_ENOTFOUND, "cannot open '%s'", path);
        return zx_fail_errno(err, ZX_EIO, "cannot open '%s'", path);
    }
    got = fread(head, 1, sizeof(head), fp);
    fclose(fp);
    if (got == 4 && !memcmp(head, "PK\3\4", 4))
        return open_zip(ck, path, err);
    if (got >= 2 && head[0] == 0x80)
        return open_legacy(ck, path, err);
    return zx_fail(err, ZX_EFORMAT,
                   "'%s' is not a torch checkpoint (neither "
                   "a zip nor a pickle)",
                   path);
}
