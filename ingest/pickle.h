/* pickle.h - a restricted unpickler for the pickles torch.save writes.
 *
 * A pickle is a program for a stack machine, and Python's unpickler runs
 * whatever callables it names: a checkpoint can run code.  This one runs
 * nothing.  It implements only the opcodes torch.save emits (protocol 2,
 * plus the protocol 3-5 forms of the same values), resolves GLOBAL and
 * STACK_GLOBAL against an allowlist (the tensor rebuild functions of
 * torch._utils, the torch.*Storage types and dtypes, collections.OrderedDict
 * and a few plain types torch's weights-only loader also allows) and turns
 * REDUCE of an allowed callable into a value node.  Any other global is
 * refused with ZX_EUNSUPPORTED and a message naming it ("module.name") and
 * the file.  Persistent ids (BINPERSID) become storage nodes; nothing is
 * read outside the buffer given.
 *
 * Untrusted input: every length is checked against the bytes left before
 * anything is allocated, and the stack, the marks, the memo (an index may
 * not exceed the pickle's length), string sizes and the total bytes
 * allocated are capped (struct zx_pk_limits).  There is no recursion, so
 * nesting costs no C stack; values may share children (memo) and may even
 * form cycles (a list appended to itself), so walkers must bound their
 * depth.
 *
 * Data flow: zx_pickle_load() -> zx_pickle_root() (walk the values) ->
 * zx_pickle_free().  zx_pickle_used() tells where the next pickle of a
 * legacy torch file starts.
 *
 * Ownership: every value belongs to its struct zx_pickle and lives until
 * zx_pickle_free().  Threads: a loaded pickle may be read from several
 * threads.
 * SPDX-License-Identifier: MIT */
#ifndef ZX_PICKLE_H
#define ZX_PICKLE_H
#include <stddef.h>
#include <stdint.h>

#include "ckpt.h"
#include "zx_err.h"

struct zx_pk_limits {
    size_t max_stack;   /* values on the stack */
    size_t max_marks;   /* open MARKs */
    size_t max_memo;    /* memo index (also at most the pickle's length) */
    size_t max_str;     /* bytes of one string, bytes or long value */
    uint64_t max_alloc; /* bytes allocated for all values together */
};
/* Defaults: 4M stack values, 1024 marks, 16M memo slots, 64 MiB strings,
 * 1 GiB in total. */
void zx_pk_default_limits(struct zx_pk_limits *lim);

enum zx_pk_type {
    ZX_PK_NONE,
    ZX_PK_BOOL,    /* i: 0 or 1 */
    ZX_PK_INT,     /* i */
    ZX_PK_LONG,    /* an int beyond int64: s/len = little-endian two's
                      complement bytes */
    ZX_PK_FLOAT,   /* f */
    ZX_PK_STR,     /* s/len: valid UTF-8, NUL-terminated (may hold NUL) */
    ZX_PK_BYTES,   /* s/len */
    ZX_PK_TUPLE,   /* items/n */
    ZX_PK_LIST,    /* items/n */
    ZX_PK_DICT,    /* items/n: keys at even, values at odd indexes, in
                      insertion order (dict and OrderedDict) */
    ZX_PK_GLOBAL,  /* an allowlisted callable or type, never called;
                      s = "module.name", dtype for storage types and
                      torch dtypes, i = the unpickler's own symbol */
    ZX_PK_STORAGE, /* storage */
    ZX_PK_TENSOR,  /* tensor */
};

/* A storage named by a persistent id: ("storage", type, key, location,
 * numel) in the zip format, with a sixth view_metadata element (view_key,
 * offset, size) or None in the legacy format. */
struct zx_pk_storage {
    enum zx_dtype dtype;  /* of the storage type; U8 for UntypedStorage */
    unsigned elem_size;   /* bytes per element of dtype */
    int untyped;          /* torch.UntypedStorage: numel counts bytes */
    const char *key;      /* the root storage's key */
    const char *location; /* "cpu", "cuda:0", ... */
    uint64_t numel;       /* elements of the root storage */
    uint64_t view_first;  /* legacy views: first element of the view */
    uint64_t view_numel;  /* elements of the view (numel when no view) */
};

/* A tensor rebuilt from (storage, storage_offset, size, stride): only
 * contiguous row-major tensors are accepted, so its bytes are one range. */
struct zx_pk_tensor {
    const struct zx_pk_storage *storage;
    enum zx_dtype dtype;
    int ndim;
    uint64_t shape[ZX_CKPT_MAX_DIMS];
    uint64_t n_elems;
    uint64_t byte_offset; /* from the start of the root storage */
    uint64_t n_bytes;
};

struct zx_pk_value {
    enum zx_pk_type type;
    int64_t i; /* BOOL, INT; containers: the unpickler's own use */
    double f;
    enum zx_dtype dtype;
    const char *s;
    size_t len;
    struct zx_pk_value **items;
    size_t n;
    const struct zx_pk_storage *storage;
    const struct zx_pk_tensor *tensor;
};

struct zx_pickle;

/* Run the pickle that starts at buf[0] up to its STOP opcode; bytes after
 * STOP are not read.  `what` names the file in messages ("'a.bin'" is
 * added by the caller's prefix, so pass e.g. "'x.pth' (data.pkl)").  `lim`
 * may be NULL for the defaults.  Returns ZX_OK; ZX_EUNSUPPORTED for a
 * refused global, opcode or value (the message names it); ZX_EFORMAT for a
 * malformed or truncated pickle; ZX_ETOOBIG when a limit is crossed.
 * *out is owned (zx_pickle_free) and NULL on failure. */
int zx_pickle_load(const unsigned char *buf, size_t len, const char *what,
                   const struct zx_pk_limits *lim, struct zx_pickle **out,
                   struct zx_error *err);
void zx_pickle_free(struct zx_pickle *p); /* NULL-safe */

/* The value STOP returned, borrowed until zx_pickle_free(). */
const struct zx_pk_value *zx_pickle_root(const struct zx_pickle *p);
/* Bytes of buf the pickle used, STOP included. */
size_t zx_pickle_used(const struct zx_pickle *p);

/* Every storage a persistent id named, in the order of the pickle (the
 * same key may appear several times), borrowed until zx_pickle_free(). */
size_t zx_pickle_n_storages(const struct zx_pickle *p);
const struct zx_pk_storage *zx_pickle_storage(const struct zx_pickle *p,
                                              size_t i);

/* Element size of a whole-byte dtype, 0 otherwise. */
unsigned zx_pk_elem_size(enum zx_dtype dt);

#endif
