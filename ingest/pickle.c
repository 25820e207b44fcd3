/* pickle.c - the restricted unpickler for torch checkpoints.
 *
 * A pickle is a byte string of opcodes for a stack machine (Python's
 * Lib/pickletools.py documents every one).  This machine knows these,
 * which are the ones torch.save emits with protocol 2 plus the protocol
 * 3-5 spellings of the same values:
 *
 *   framing   PROTO \x80 (protocol <= 5), FRAME \x95 (length checked and
 *             ignored), STOP .
 *   stack     MARK (, POP 0, POP_MARK 1
 *   scalars   NONE N, NEWTRUE \x88, NEWFALSE \x89, BININT J, BININT1 K,
 *             BININT2 M, LONG1 \x8a, LONG4 \x8b, BINFLOAT G
 *   strings   SHORT_BINUNICODE \x8c, BINUNICODE X, BINUNICODE8 \x8d,
 *             SHORT_BINSTRING U, BINSTRING T, SHORT_BINBYTES C, BINBYTES B,
 *             BINBYTES8 \x8e
 *   tuples    EMPTY_TUPLE ), TUPLE t, TUPLE1 \x85, TUPLE2 \x86, TUPLE3 \x87
 *   lists     EMPTY_LIST ], APPEND a, APPENDS e
 *   dicts     EMPTY_DICT }, SETITEM s, SETITEMS u
 *   memo      BINPUT q, LONG_BINPUT r, MEMOIZE \x94, BINGET h, LONG_BINGET j
 *   objects   GLOBAL c, STACK_GLOBAL \x93 (allowlist), REDUCE R, NEWOBJ \x81
 *             (only allowlisted callables, see reduce()), BUILD b (state of a
 *             dict or tensor is ignored), BINPERSID Q (storages only)
 *
 * Everything else (INST, OBJ, EXT*, PERSID, the text forms of protocol 0,
 * sets, buffers, NEWOBJ_EX) is refused.  GLOBAL never imports anything: the
 * name is looked up in the table `globals` below and becomes a symbol node.
 * SPDX-License-Identifier: MIT */
#include "pickle.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "zx_mem.h"
#include "zx_log.h"

void zx_pk_default_limits(struct zx_pk_limits *lim)
{
    lim->max_stack = 4u << 20;
    lim->max_marks = 1024;
    lim->max_memo = 16u << 20;
    lim->max_str = 64u << 20;
    lim->max_alloc = 1ull << 30;
}

unsigned zx_pk_elem_size(enum zx_dtype dt)
{
    unsigned bits = zx_dtype_bits(dt);

    return bits && bits % 8 == 0 ? bits / 8 : 0;
}

/* ===== The allowlist ===== */

enum sym {
    SYM_ORDERED_DICT,
    SYM_REBUILD_TENSOR,
    SYM_REBUILD_TENSOR_V2,
    SYM_REBUILD_TENSOR_V3,
    SYM_REBUILD_PARAMETER,
    SYM_REBUILD_PARAMETER_STATE,
    SYM_REBUILD_FROM_TYPE_V2,
    SYM_PARAMETER,
    SYM_TENSOR,
    SYM_SIZE,
    SYM_DEVICE,
    SYM_ENCODE,
    SYM_STORAGE,
    SYM_UNTYPED_STORAGE,
    SYM_DTYPE,
    SYM_UNSUPPORTED, /* allowed by torch, but not a plain dense tensor */
};

static const struct global_def {
    const char *module, *name;
    enum sym sym;
    enum zx_dtype dtype;
} globals[] = {
    {"collections", "OrderedDict", SYM_ORDERED_DICT, 0},
    {"collections", "Counter", SYM_ORDERED_DICT, 0},
    {"torch._utils", "_rebuild_tensor", SYM_REBUILD_TENSOR, 0},
    {"torch._utils", "_rebuild_tensor_v2", SYM_REBUILD_TENSOR_V2, 0},
    {"torch._utils", "_rebuild_tensor_v3", SYM_REBUILD_TENSOR_V3, 0},
    {"torch._utils", "_rebuild_parameter", SYM_REBUILD_PARAMETER, 0},
    {"torch._utils", "_rebuild_parameter_with_state",
     SYM_REBUILD_PARAMETER_STATE, 0},
    {"torch._tensor", "_rebuild_from_type_v2", SYM_REBUILD_FROM_TYPE_V2, 0},
    {"torch.nn.parameter", "Parameter", SYM_PARAMETER, 0},
    {"torch", "Tensor", SYM_TENSOR, 0},
    {"torch", "Size", SYM_SIZE, 0},
    {"torch", "device", SYM_DEVICE, 0},
    {"_codecs", "encode", SYM_ENCODE, 0},
    {"torch", "UntypedStorage", SYM_UNTYPED_STORAGE, ZX_DTYPE_U8},
    {"torch", "DoubleStorage", SYM_STORAGE, ZX_DTYPE_F64},
    {"torch", "FloatStorage", SYM_STORAGE, ZX_DTYPE_F32},
    {"torch", "HalfStorage", SYM_STORAGE, ZX_DTYPE_F16},
    {"torch", "BFloat16Storage", SYM_STORAGE, ZX_DTYPE_BF16},
    {"torch", "LongStorage", SYM_STORAGE, ZX_DTYPE_I64},
    {"torch", "IntStorage", SYM_STORAGE, ZX_DTYPE_I32},
    {"torch", "ShortStorage", SYM_STORAGE, ZX_DTYPE_I16},
    {"torch", "CharStorage", SYM_STORAGE, ZX_DTYPE_I8},
    {"torch", "ByteStorage", SYM_STORAGE, ZX_DTYPE_U8},
    {"torch", "BoolStorage", SYM_STORAGE, ZX_DTYPE_BOOL},
    {"torch", "ComplexFloatStorage", SYM_STORAGE, ZX_DTYPE_C64},
    /* Legacy files saved from a GPU name the CUDA storage types. */
    {"torch.cuda", "DoubleStorage", SYM_STORAGE, ZX_DTYPE_F64},
    {"torch.cuda", "FloatStorage", SYM_STORAGE, ZX_DTYPE_F32},
    {"torch.cuda", "HalfStorage", SYM_STORAGE, ZX_DTYPE_F16},
    {"torch.cuda", "BFloat16Storage", SYM_STORAGE, ZX_DTYPE_BF16},
    {"torch.cuda", "LongStorage", SYM_STORAGE, ZX_DTYPE_I64},
    {"torch.cuda", "IntStorage", SYM_STORAGE, ZX_DTYPE_I32},
    {"torch.cuda", "ShortStorage", SYM_STORAGE, ZX_DTYPE_I16},
    {"torch.cuda", "CharStorage", SYM_STORAGE, ZX_DTYPE_I8},
    {"torch.cuda", "ByteStorage", SYM_STORAGE, ZX_DTYPE_U8},
    {"torch.cuda", "BoolStorage", SYM_STORAGE, ZX_DTYPE_BOOL},
    {"torch", "float64", SYM_DTYPE, ZX_DTYPE_F64},
    {"torch", "float32", SYM_DTYPE, ZX_DTYPE_F32},
    {"torch", "float16", SYM_DTYPE, ZX_DTYPE_F16},
    {"torch", "bfloat16", SYM_DTYPE, ZX_DTYPE_BF16},
    {"torch", "int64", SYM_DTYPE, ZX_DTYPE_I64},
    {"torch", "int32", SYM_DTYPE, ZX_DTYPE_I32},
    {"torch", "int16", SYM_DTYPE, ZX_DTYPE_I16},
    {"torch", "int8", SYM_DTYPE, ZX_DTYPE_I8},
    {"torch", "uint8", SYM_DTYPE, ZX_DTYPE_U8},
    {"torch", "uint16", SYM_DTYPE, ZX_DTYPE_U16},
    {"torch", "uint32", SYM_DTYPE, ZX_DTYPE_U32},
    {"torch", "uint64", SYM_DTYPE, ZX_DTYPE_U64},
    {"torch", "bool", SYM_DTYPE, ZX_DTYPE_BOOL},
    {"torch", "complex64", SYM_DTYPE, ZX_DTYPE_C64},
    {"torch", "float8_e4m3fn", SYM_DTYPE, ZX_DTYPE_F8_E4M3},
    {"torch", "float8_e5m2", SYM_DTYPE, ZX_DTYPE_F8_E5M2},
    {"torch", "float8_e4m3fnuz", SYM_DTYPE, ZX_DTYPE_F8_E4M3FNUZ},
    {"torch", "float8_e5m2fnuz", SYM_DTYPE, ZX_DTYPE_F8_E5M2FNUZ},
    {"torch", "float8_e8m0fnu", SYM_DTYPE, ZX_DTYPE_F8_E8M0},
    /* Safe in torch's own loader, but no dense tensor of ours. */
    {"torch._utils", "_rebuild_qtensor", SYM_UNSUPPORTED, 0},
    {"torch._utils", "_rebuild_sparse_tensor", SYM_UNSUPPORTED, 0},
    {"torch._utils", "_rebuild_sparse_csr_tensor", SYM_UNSUPPORTED, 0},
    {"torch._utils", "_rebuild_meta_tensor_no_storage", SYM_UNSUPPORTED, 0},
    {"torch._utils", "_rebuild_wrapper_subclass", SYM_UNSUPPORTED, 0},
    {"torch._utils", "_rebuild_nested_tensor", SYM_UNSUPPORTED, 0},
    {"torch._utils", "_rebuild_device_tensor_from_cpu_tensor", SYM_UNSUPPORTED,
     0},
    {"torch._utils", "_rebuild_device_tensor_from_numpy", SYM_UNSUPPORTED, 0},
    {"torch.serialization", "_get_layout", SYM_UNSUPPORTED, 0},
    {"torch", "ComplexDoubleStorage", SYM_UNSUPPORTED, 0},
    {"torch", "QInt8Storage", SYM_UNSUPPORTED, 0},
    {"torch", "QInt32Storage", SYM_UNSUPPORTED, 0},
    {"torch", "QUInt8Storage", SYM_UNSUPPORTED, 0},
    {"torch", "QUInt4x2Storage", SYM_UNSUPPORTED, 0},
    {"torch", "QUInt2x4Storage", SYM_UNSUPPORTED, 0},
    {"torch", "complex128", SYM_UNSUPPORTED, 0},
};

/* Opcode names, for messages (pickletools' names). */
static const char *op_name(unsigned char op)
{
    static const struct {
        unsigned char op;
        const char *name;
    } names[] = {
        {'(', "MARK"},
        {'.', "STOP"},
        {'0', "POP"},
        {'1', "POP_MARK"},
        {'2', "DUP"},
        {'F', "FLOAT"},
        {'I', "INT"},
        {'J', "BININT"},
        {'K', "BININT1"},
        {'L', "LONG"},
        {'M', "BININT2"},
        {'N', "NONE"},
        {'P', "PERSID"},
        {'Q', "BINPERSID"},
        {'R', "REDUCE"},
        {'S', "STRING"},
        {'T', "BINSTRING"},
        {'U', "SHORT_BINSTRING"},
        {'V', "UNICODE"},
        {'X', "BINUNICODE"},
        {'a', "APPEND"},
        {'b', "BUILD"},
        {'c', "GLOBAL"},
        {'d', "DICT"},
        {'}', "EMPTY_DICT"},
        {'e', "APPENDS"},
        {'g', "GET"},
        {'h', "BINGET"},
        {'i', "INST"},
        {'j', "LONG_BINGET"},
        {'l', "LIST"},
        {']', "EMPTY_LIST"},
        {'o', "OBJ"},
        {'p', "PUT"},
        {'q', "BINPUT"},
        {'r', "LONG_BINPUT"},
        {'s', "SETITEM"},
        {'t', "TUPLE"},
        {')', "EMPTY_TUPLE"},
        {'u', "SETITEMS"},
        {'G', "BINFLOAT"},
        {0x80, "PROTO"},
        {0x81, "NEWOBJ"},
        {0x82, "EXT1"},
        {0x83, "EXT2"},
        {0x84, "EXT4"},
        {0x85, "TUPLE1"},
        {0x86, "TUPLE2"},
        {0x87, "TUPLE3"},
        {0x88, "NEWTRUE"},
        {0x89, "NEWFALSE"},
        {0x8a, "LONG1"},
        {0x8b, "LONG4"},
        {'B', "BINBYTES"},
        {'C', "SHORT_BINBYTES"},
        {0x8c, "SHORT_BINUNICODE"},
        {0x8d, "BINUNICODE8"},
        {0x8e, "BINBYTES8"},
        {0x8f, "EMPTY_SET"},
        {0x90, "ADDITEMS"},
        {0x91, "FROZENSET"},
        {0x92, "NEWOBJ_EX"},
        {0x93, "STACK_GLOBAL"},
        {0x94, "MEMOIZE"},
        {0x95, "FRAME"},
        {0x96, "BYTEARRAY8"},
        {0x97, "NEXT_BUFFER"},
        {0x98, "READONLY_BUFFER"},
    };
    size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (names[i].op == op)
            return names[i].name;
    return "unknown";
}

/* ===== The machine ===== */

struct zx_pickle {
    const unsigned char *buf;
    size_t len, pos, op_pos;
    const char *what;
    struct zx_pk_limits lim;
    struct zx_error *err;
    uint64_t alloc;
    /* Every node (freed with its items) and every other allocation. */
    struct zx_pk_value **nodes;
    size_t n_nodes, cap_nodes;
    void **blobs;
    size_t n_blobs, cap_blobs;
    struct zx_pk_value **stack;
    size_t sp, cap_stack;
    size_t *marks;
    size_t n_marks, cap_marks;
    struct zx_pk_value **memo;
    size_t cap_memo, n_memo;
    const struct zx_pk_storage **storages; /* every persistent id */
    size_t n_storages, cap_storages;
    struct zx_pk_value *root;
    size_t used;
};

static int fail_fmt(struct zx_pickle *p, const char *msg)
{
    return zx_fail(p->err, ZX_EFORMAT, "%s: %s at byte %zu of the pickle",
                   p->what, msg, p->op_pos);
}

static int charge(struct zx_pickle *p, uint64_t n)
{
    char size[ZX_SIZE_LEN];

    if (n > p->lim.max_alloc || p->alloc > p->lim.max_alloc - n)
        return zx_fail(p->err, ZX_ETOOBIG,
                       "%s: the pickle needs more than %s of memory", p->what,
                       zx_format_size(p->lim.max_alloc, size));
    p->alloc += n;
    return ZX_OK;
}

/* Grow *arr (of *cap elements of size sz) to hold at least `need`. */
static int grow(struct zx_pickle *p, void *arr, size_t *cap, size_t need,
                size_t sz)
{
    void **a = arr;
    size_t ncap;
    int rc;

    if (need <= *cap)
        return ZX_OK;
    ncap = zx_grow_cap(*cap, need, 8);
    rc = charge(p, (uint64_t)(ncap - *cap) * sz);
    if (rc)
        return rc;
    *a = xreallocarray(*a, ncap, sz);
    memset((char *)*a + *cap * sz, 0, (ncap - *cap) * sz);
    *cap = ncap;
    return ZX_OK;
}

static int new_blob(struct zx_pickle *p, size_t n, void **out)
{
    int rc = charge(p, n);

    if (!rc)
        rc = grow(p, &p->blobs, &p->cap_blobs, p->n_blobs + 1,
                  sizeof(*p->blobs));
    if (rc)
        return rc;
    *out = xcalloc(1, n ? n : 1);
    p->blobs[p->n_blobs++] = *out;
    return ZX_OK;
}

static int new_node(struct zx_pickle *p, enum zx_pk_type type,
                    struct zx_pk_value **out)
{
    int rc = charge(p, sizeof(**out));

    if (!rc)
        rc = grow(p, &p->nodes, &p->cap_nodes, p->n_nodes + 1,
                  sizeof(*p->nodes));
    if (rc)
        return rc;
    *out = xcalloc(1, sizeof(**out));
    (*out)->type = type;
    p->nodes[p->n_nodes++] = *out;
    return ZX_OK;
}

/* Append v to a container node's items (cap kept in `i`, unused there). */
static int add_item(struct zx_pickle *p, struct zx_pk_value *c,
                    struct zx_pk_value *v)
{
    size_t cap = (size_t)c->i;
    int rc = grow(p, &c->items, &cap, c->n + 1, sizeof(*c->items));

    if (rc)
        return rc;
    c->i = (int64_t)cap;
    c->items[c->n++] = v;
    return ZX_OK;
}

static size_t fence(const struct zx_pickle *p)
{
    return p->n_marks ? p->marks[p->n_marks - 1] : 0;
}

static int push(struct zx_pickle *p, struct zx_pk_value *v)
{
    if (p->sp >= p->lim.max_stack)
        return zx_fail(p->err, ZX_ETOOBIG,
                       "%s: the pickle's stack is "
                       "deeper than %zu values",
                       p->what, p->lim.max_stack);
    ZX_GROW(p->sp + 1, p->cap_stack, p->stack);
    p->stack[p->sp++] = v;
    return ZX_OK;
}

static int pop(struct zx_pickle *p, struct zx_pk_value **v)
{
    if (p->sp <= fence(p))
        return fail_fmt(p, "stack underflow");
    *v = p->stack[--p->sp];
    return ZX_OK;
}

static int top(struct zx_pickle *p, struct zx_pk_value **v)
{
    if (p->sp <= fence(p))
        return fail_fmt(p, "stack underflow");
    *v = p->stack[p->sp - 1];
    return ZX_OK;
}

/* Pop the values above the last MARK and the mark itself. */
static int pop_mark(struct zx_pickle *p, size_t *first)
{
    if (!p->n_marks)
        return fail_fmt(p, "no MARK to pop to");
    *first = p->marks[--p->n_marks];
    return ZX_OK;
}

static int need(struct zx_pickle *p, uint64_t n)
{
    if (n > p->len - p->pos)
        return zx_fail(p->err, ZX_EFORMAT,
                       "%s: the pickle is truncated "
                       "(opcode %s at byte %zu needs %" PRIu64 " more bytes)",
                       p->what, op_name(p->buf[p->op_pos]), p->op_pos, n);
    return ZX_OK;
}

static uint64_t rd_le(const unsigned char *b, int n)
{
    uint64_t v = 0;

    while (n-- > 0)
        v = (v << 8) | b[n];
    return v;
}

static int push_int(struct zx_pickle *p, int64_t i, enum zx_pk_type type)
{
    struct zx_pk_value *v;
    int rc = new_node(p, type, &v);

    if (rc)
        return rc;
    v->i = i;
    return push(p, v);
}

/* 1 when s[0..n) is UTF-8 as Python's "surrogatepass" decoder accepts. */
static int valid_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        unsigned c = s[i], k, cp, min;

        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf)
            k = 1, cp = c & 0x1f, min = 0x80;
        else if (c >= 0xe0 && c <= 0xef)
            k = 2, cp = c & 0x0f, min = 0x800;
        else if (c >= 0xf0 && c <= 0xf4)
            k = 3, cp = c & 0x07, min = 0x10000;
        else
            return 0;
        if (n - i <= k)
            return 0;
        for (unsigned j = 1; j <= k; j++) {
            if ((s[i + j] & 0xc0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + j] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff)
            return 0;
        i += k + 1;
    }
    return 1;
}

/* An operand of n bytes (`what`: "a string") follows: within max_str and
 * within the input. */
static int need_bounded(struct zx_pickle *p, uint64_t n, const char *what)
{
    if (n > p->lim.max_str)
        return zx_fail(p->err, ZX_ETOOBIG,
                       "%s: %s of %" PRIu64
                       " bytes at byte %zu of the pickle exceeds the limit "
                       "of %zu",
                       p->what, what, n, p->op_pos, p->lim.max_str);
    return need(p, n);
}

/* Push a string or bytes value of n bytes read from the input. */
static int push_str(struct zx_pickle *p, uint64_t n, enum zx_pk_type type)
{
    struct zx_pk_value *v;
    void *s;
    int rc;

    rc = need_bounded(p, n, "a string");
    if (rc)
        return rc;
    if (type == ZX_PK_STR && !valid_utf8(p->buf + p->pos, (size_t)n))
        return fail_fmt(p, "string is not valid UTF-8");
    rc = new_node(p, type, &v);
    if (!rc)
        rc = new_blob(p, (size_t)n + 1, &s);
    if (rc)
        return rc;
    memcpy(s, p->buf + p->pos, (size_t)n);
    p->pos += (size_t)n;
    v->s = s;
    v->len = (size_t)n;
    return push(p, v);
}

/* LONG1/LONG4: n bytes of little-endian two's complement. */
static int push_long(struct zx_pickle *p, uint64_t n)
{
    const unsigned char *b;
    size_t i;
    int rc;

    rc = need_bounded(p, n, "an integer");
    if (rc)
        return rc;
    b = p->buf + p->pos;
    if (n == 0)
        return push_int(p, 0, ZX_PK_INT);
    /* Fits int64 when the bytes past the eighth only extend the sign. */
    {
        size_t low = n < 8 ? (size_t)n : 8;
        unsigned char ext = (b[low - 1] & 0x80) ? 0xff : 0;
        int fits = 1;

        for (i = 8; i < n; i++)
            if (b[i] != ext)
                fits = 0;
        if (fits) {
            uint64_t u = rd_le(b, (int)low);

            if (low < 8 && ext)
                u |= ~0ull << (8 * low);
            p->pos += (size_t)n;
            return push_int(p, (int64_t)u, ZX_PK_INT);
        }
    }
    rc = push_str(p, n, ZX_PK_BYTES);
    if (!rc)
        p->stack[p->sp - 1]->type = ZX_PK_LONG;
    return rc;
}

/* ===== Globals, REDUCE and persistent ids ===== */

static int lookup_global(struct zx_pickle *p, const char *mod, size_t ml,
                         const char *name, size_t nl)
{
    struct zx_pk_value *v;
    const struct global_def *g = NULL;
    size_t i;
    void *s;
    int rc;

    for (i = 0; i < ml + nl; i++) {
        unsigned char ch =
            i < ml ? (unsigned char)mod[i] : (unsigned char)name[i - ml];

        if (ch < 0x20 || ch > 0x7e)
            return fail_fmt(p, "global name is not printable ASCII");
    }
    for (i = 0; i < sizeof(globals) / sizeof(globals[0]); i++)
        if (strlen(globals[i].module) == ml &&
            !memcmp(globals[i].module, mod, ml) &&
            strlen(globals[i].name) == nl && !memcmp(globals[i].name, name, nl))
            g = &globals[i];
    if (!g) {
        int whole = (ml >= 8 && !memcmp(mod, "__main__", 8)) ||
                    (ml >= 15 && !memcmp(mod, "torch.nn.module", 15));

        return zx_fail(p->err, ZX_EUNSUPPORTED,
                       "%s: refused pickle global "
                       "'%.*s.%.*s': only tensors, storages and plain "
                       "containers are read%s",
                       p->what, (int)(ml > 200 ? 200 : ml), mod,
                       (int)(nl > 200 ? 200 : nl), name,
                       whole ? " (this looks like a whole pickled model: "
                               "save its state_dict() instead)"
                             : "");
    }
    if (g->sym == SYM_UNSUPPORTED)
        return zx_fail(p->err, ZX_EUNSUPPORTED,
                       "%s: '%s.%s' is not "
                       "supported: only dense tensors of plain dtypes are "
                       "read (not quantized, sparse or complex128 ones)",
                       p->what, g->module, g->name);
    rc = new_node(p, ZX_PK_GLOBAL, &v);
    if (!rc)
        rc = new_blob(p, ml + nl + 2, &s);
    if (rc)
        return rc;
    memcpy(s, mod, ml);
    ((char *)s)[ml] = '.';
    memcpy((char *)s + ml + 1, name, nl);
    v->s = s;
    v->len = ml + nl + 1;
    v->i = g->sym;
    v->dtype = g->dtype;
    return push(p, v);
}

/* GLOBAL: "module\nname\n" in the opcode's argument. */
static int op_global(struct zx_pickle *p)
{
    const unsigned char *b = p->buf + p->pos, *nl1, *nl2;
    size_t left = p->len - p->pos, max = left < 512 ? left : 512;

    nl1 = memchr(b, '\n', max);
    nl2 = nl1 ? memchr(nl1 + 1, '\n', max - (size_t)(nl1 + 1 - b)) : NULL;
    if (!nl1 || !nl2)
        return max < left ? fail_fmt(p, "GLOBAL name is too long")
                          : need(p, (uint64_t)left + 1);
    p->pos += (size_t)(nl2 + 1 - b);
    return lookup_global(p, (const char *)b, (size_t)(nl1 - b),
                         (const char *)nl1 + 1, (size_t)(nl2 - nl1 - 1));
}

static int get_u64(const struct zx_pk_value *v, uint64_t *out)
{
    if (!v || v->type != ZX_PK_INT || v->i < 0)
        return -1;
    *out = (uint64_t)v->i;
    return 0;
}

/* BINPERSID: ("storage", type, key, location, numel[, view]) -> storage. */
static int persid(struct zx_pickle *p, struct zx_pk_value *pid)
{
    struct zx_pk_storage *st;
    struct zx_pk_value *v, **it = pid->items;
    uint64_t numel, first = 0, count;
    size_t i;
    int rc;

    if (pid->type != ZX_PK_TUPLE || pid->n < 1 || it[0]->type != ZX_PK_STR ||
        strcmp(it[0]->s, "storage"))
        return zx_fail(p->err, ZX_EUNSUPPORTED,
                       "%s: persistent id at byte "
                       "%zu is not a ('storage', ...) tuple",
                       p->what, p->op_pos);
    if (pid->n != 5 && pid->n != 6)
        return fail_fmt(p, "storage persistent id does not have 5 or 6 "
                           "fields");
    if (it[1]->type != ZX_PK_GLOBAL ||
        (it[1]->i != SYM_STORAGE && it[1]->i != SYM_UNTYPED_STORAGE))
        return fail_fmt(p, "storage persistent id does not name a storage "
                           "type");
    if (it[2]->type != ZX_PK_STR || it[2]->len == 0 || it[2]->len > 64)
        return fail_fmt(p, "storage persistent id has a bad key");
    for (i = 0; i < it[2]->len; i++) {
        char c = it[2]->s[i];

        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
              (c >= 'A' && c <= 'Z') || c == '_'))
            return fail_fmt(p, "storage key is not alphanumeric");
    }
    if (it[3]->type != ZX_PK_STR || it[3]->len > 64)
        return fail_fmt(p, "storage persistent id has a bad location");
    if (get_u64(it[4], &numel) || numel > (UINT64_MAX >> 4))
        return fail_fmt(p, "storage persistent id has a bad size");
    count = numel;
    if (pid->n == 6 && it[5]->type != ZX_PK_NONE) {
        struct zx_pk_value *vm = it[5];

        if (vm->type != ZX_PK_TUPLE || vm->n != 3 ||
            vm->items[0]->type != ZX_PK_STR || get_u64(vm->items[1], &first) ||
            get_u64(vm->items[2], &count) || first > numel ||
            count > numel - first)
            return fail_fmt(p, "storage view lies outside its storage");
    }
    rc = new_blob(p, sizeof(*st), (void **)&st);
    if (!rc)
        rc = new_node(p, ZX_PK_STORAGE, &v);
    if (rc)
        return rc;
    st->dtype = it[1]->dtype;
    st->elem_size = zx_pk_elem_size(st->dtype);
    st->untyped = it[1]->i == SYM_UNTYPED_STORAGE;
    st->key = it[2]->s;
    st->location = it[3]->s;
    st->numel = numel;
    st->view_first = first;
    st->view_numel = count;
    ZX_ASSERT(st->elem_size);
    v->storage = st;
    rc = grow(p, &p->storages, &p->cap_storages, p->n_storages + 1,
              sizeof(*p->storages));
    if (rc)
        return rc;
    p->storages[p->n_storages++] = st;
    return push(p, v);
}

static int int_tuple(const struct zx_pk_value *v, int max, uint64_t *out,
                     int *n)
{
    size_t i;

    if (!v || v->type != ZX_PK_TUPLE || v->n > (size_t)max)
        return -1;
    for (i = 0; i < v->n; i++)
        if (get_u64(v->items[i], &out[i]))
            return -1;
    *n = (int)v->n;
    return 0;
}

/* _rebuild_tensor*(storage, offset, size, stride, ...): a tensor node. */
static int make_tensor(struct zx_pickle *p, struct zx_pk_value **a,
                       const struct zx_pk_value *dtype,
                       struct zx_pk_value **out)
{
    const struct zx_pk_storage *st;
    struct zx_pk_tensor *t;
    uint64_t off, stride[ZX_CKPT_MAX_DIMS], expect = 1, numel = 1, es, ss;
    uint64_t start, bytes, avail;
    int k, nd, ns;
    int rc;

    if (a[0]->type != ZX_PK_STORAGE)
        return fail_fmt(p, "tensor rebuilt from something else than a "
                           "storage");
    st = a[0]->storage;
    if (get_u64(a[1], &off))
        return fail_fmt(p, "tensor has a bad storage offset");
    rc = new_blob(p, sizeof(*t), (void **)&t);
    if (rc)
        return rc;
    if (int_tuple(a[2], ZX_CKPT_MAX_DIMS, t->shape, &nd))
        return fail_fmt(p, "tensor size is not a tuple of at most 16 "
                           "non-negative integers");
    if (a[3]->type == ZX_PK_TUPLE)
        for (size_t i = 0; i < a[3]->n; i++)
            if (a[3]->items[i]->type == ZX_PK_INT && a[3]->items[i]->i < 0)
                return zx_fail(p->err, ZX_EUNSUPPORTED,
                               "%s: tensor at byte "
                               "%zu has a negative stride",
                               p->what, p->op_pos);
    if (int_tuple(a[3], ZX_CKPT_MAX_DIMS, stride, &ns) || ns != nd)
        return fail_fmt(p, "tensor stride does not match its size");
    t->dtype = st->dtype;
    if (dtype) {
        if (dtype->type != ZX_PK_GLOBAL || dtype->i != SYM_DTYPE)
            return fail_fmt(p, "tensor dtype is not a torch dtype");
        /* torch >= 2 saves dtypes without a storage class (float8, ...)
         * in untyped (or byte) storages, offsets counted in the dtype. */
        if (st->dtype != ZX_DTYPE_U8 && dtype->dtype != st->dtype)
            return fail_fmt(p, "tensor dtype differs from its storage's");
        t->dtype = dtype->dtype;
    }
    es = zx_pk_elem_size(t->dtype);
    if (!es)
        return fail_fmt(p, "tensor dtype has no whole-byte size");
    for (k = 0; k < nd; k++)
        if (__builtin_mul_overflow(numel, t->shape[k], &numel) ||
            numel > (UINT64_MAX >> 4))
            return fail_fmt(p, "tensor size overflows");
    if (numel > 0)
        for (k = nd - 1; k >= 0; k--) {
            if (t->shape[k] != 1 && stride[k] != expect)
                return zx_fail(p->err, ZX_EUNSUPPORTED,
                               "%s: tensor at byte "
                               "%zu is not contiguous (dimension %d has "
                               "stride %" PRIu64 ", row-major needs %" PRIu64
                               ")",
                               p->what, p->op_pos, k, stride[k], expect);
            expect *= t->shape[k];
        }
    /* Bounds, in bytes, inside the (view of the) storage. */
    ss = st->elem_size;
    if (__builtin_mul_overflow(off, es, &start) ||
        __builtin_mul_overflow(numel, es, &bytes) ||
        __builtin_mul_overflow(st->view_numel, ss, &avail) || start > avail ||
        bytes > avail - start)
        return zx_fail(p->err, ZX_EFORMAT,
                       "%s: tensor at byte %zu "
                       "(offset %" PRIu64 ", %" PRIu64 " elements) lies "
                       "outside its storage of %" PRIu64 " elements",
                       p->what, p->op_pos, off, numel, st->view_numel);
    t->storage = st;
    t->ndim = nd;
    t->n_elems = numel;
    t->byte_offset = st->view_first * ss + start;
    t->n_bytes = bytes;
    rc = new_node(p, ZX_PK_TENSOR, out);
    if (rc)
        return rc;
    (*out)->tensor = t;
    return ZX_OK;
}

static int is_tensor_rebuild(int64_t sym)
{
    return sym == SYM_REBUILD_TENSOR || sym == SYM_REBUILD_TENSOR_V2 ||
           sym == SYM_REBUILD_TENSOR_V3 || sym == SYM_REBUILD_PARAMETER ||
           sym == SYM_REBUILD_PARAMETER_STATE;
}

static int bad_args(struct zx_pickle *p, const struct zx_pk_value *fn)
{
    return zx_fail(p->err, ZX_EFORMAT,
                   "%s: bad arguments to '%s' at byte "
                   "%zu of the pickle",
                   p->what, fn->s, p->op_pos);
}

/* What calling the allowlisted fn with args would return, built without
 * calling anything. */
static int reduce(struct zx_pickle *p, const struct zx_pk_value *fn,
                  struct zx_pk_value *args, int nested,
                  struct zx_pk_value **out)
{
    struct zx_pk_value **a = args->items;
    size_t n = args->n, i;
    unsigned char *s;

    if (fn->type != ZX_PK_GLOBAL)
        return fail_fmt(p, "REDUCE of something that is not a global");
    if (args->type != ZX_PK_TUPLE)
        return fail_fmt(p, "REDUCE arguments are not a tuple");
    switch (fn->i) {
    case SYM_ORDERED_DICT:
        if (n)
            return bad_args(p, fn);
        return new_node(p, ZX_PK_DICT, out);
    case SYM_REBUILD_TENSOR:
        if (n != 4)
            return bad_args(p, fn);
        return make_tensor(p, a, NULL, out);
    case SYM_REBUILD_TENSOR_V2:
        if (n != 6 && n != 7)
            return bad_args(p, fn);
        return make_tensor(p, a, NULL, out);
    case SYM_REBUILD_TENSOR_V3:
        if (n != 7 && n != 8)
            return bad_args(p, fn);
        return make_tensor(p, a, a[6], out);
    case SYM_REBUILD_PARAMETER:
    case SYM_REBUILD_PARAMETER_STATE:
    case SYM_PARAMETER:
        if ((fn->i == SYM_REBUILD_PARAMETER && n != 3) ||
            (fn->i == SYM_REBUILD_PARAMETER_STATE && n != 4) ||
            (fn->i == SYM_PARAMETER && (n < 1 || n > 2)) ||
            a[0]->type != ZX_PK_TENSOR)
            return bad_args(p, fn);
        *out = a[0];
        return ZX_OK;
    case SYM_REBUILD_FROM_TYPE_V2:
        /* (func, new_type, args, state): a Tensor or Parameter subclass
         * rebuilt by one of the functions above. */
        if (nested || n != 4 || a[0]->type != ZX_PK_GLOBAL ||
            !is_tensor_rebuild(a[0]->i) || a[1]->type != ZX_PK_GLOBAL ||
            (a[1]->i != SYM_TENSOR && a[1]->i != SYM_PARAMETER))
            return bad_args(p, fn);
        return reduce(p, a[0], a[2], 1, out);
    case SYM_SIZE:
        if (n != 1 || a[0]->type != ZX_PK_TUPLE)
            return bad_args(p, fn);
        *out = a[0];
        return ZX_OK;
    case SYM_DEVICE:
        if (n < 1 || n > 2 || a[0]->type != ZX_PK_STR)
            return bad_args(p, fn);
        *out = a[0];
        return ZX_OK;
    case SYM_ENCODE:
        /* Protocol 2 pickles Python 3 bytes as encode(str, "latin1"). */
        if (n != 2 || a[0]->type != ZX_PK_STR || a[1]->type != ZX_PK_STR ||
            (strcmp(a[1]->s, "latin1") && strcmp(a[1]->s, "latin-1")))
            return bad_args(p, fn);
        {
            int rc = new_node(p, ZX_PK_BYTES, out);
            size_t k = 0;

            if (!rc)
                rc = new_blob(p, a[0]->len + 1, (void **)&s);
            if (rc)
                return rc;
            for (i = 0; i < a[0]->len; i++) {
                unsigned c = (unsigned char)a[0]->s[i];

                if (c >= 0x80) { /* U+0080..U+00FF: C2 or C3 and one more */
                    if (c != 0xc2 && c != 0xc3)
                        return bad_args(p, fn);
                    c = ((c & 0x1f) << 6) |
                        ((unsigned char)a[0]->s[++i] & 0x3f);
                }
                s[k++] = (unsigned char)c;
            }
            (*out)->s = (const char *)s;
            (*out)->len = k;
            return ZX_OK;
        }
    default:
        return zx_fail(p->err, ZX_EUNSUPPORTED,
                       "%s: calling '%s' is not "
                       "supported (byte %zu of the pickle)",
                       p->what, fn->s, p->op_pos);
    }
}

/* ===== The loop ===== */

static int step(struct zx_pickle *p, int *stop)
{
    struct zx_pk_value *v = NULL, *w = NULL, *c = NULL;
    unsigned char op;
    uint64_t n;
    size_t first = 0, i;
    int rc;

    p->op_pos = p->pos;
    if (p->pos >= p->len)
        return zx_fail(p->err, ZX_EFORMAT,
                       "%s: the pickle ends without a "
                       "STOP opcode (%zu bytes)",
                       p->what, p->len);
    op = p->buf[p->pos++];
    switch (op) {
    case 0x80: /* PROTO */
        if ((rc = need(p, 1)))
            return rc;
        if (p->buf[p->pos] > 5)
            return zx_fail(p->err, ZX_EUNSUPPORTED,
                           "%s: pickle protocol %d "
                           "is not supported",
                           p->what, p->buf[p->pos]);
        p->pos++;
        return ZX_OK;
    case 0x95: /* FRAME */
        if ((rc = need(p, 8)))
            return rc;
        n = rd_le(p->buf + p->pos, 8);
        p->pos += 8;
        return need(p, n);
    case '.': /* STOP */
        if (p->n_marks)
            return fail_fmt(p, "STOP with an open MARK");
        if (p->sp != 1)
            return fail_fmt(p, "STOP with a stack of other than one value");
        p->root = p->stack[0];
        p->used = p->pos;
        *stop = 1;
        return ZX_OK;
    case '(': /* MARK */
        if (p->n_marks >= p->lim.max_marks)
            return zx_fail(p->err, ZX_ETOOBIG,
                           "%s: more than %zu nested "
                           "MARKs in the pickle",
                           p->what, p->lim.max_marks);
        if ((rc = grow(p, &p->marks, &p->cap_marks, p->n_marks + 1,
                       sizeof(*p->marks))))
            return rc;
        p->marks[p->n_marks++] = p->sp;
        return ZX_OK;
    case '0': /* POP */
        return pop(p, &v);
    case '1': /* POP_MARK */
        if ((rc = pop_mark(p, &first)))
            return rc;
        p->sp = first;
        return ZX_OK;
    case 'N':
        return push_int(p, 0, ZX_PK_NONE);
    case 0x88: /* NEWTRUE */
    case 0x89: /* NEWFALSE */
        return push_int(p, op == 0x88, ZX_PK_BOOL);
    case 'J': /* BININT */
        if ((rc = need(p, 4)))
            return rc;
        n = rd_le(p->buf + p->pos, 4);
        p->pos += 4;
        return push_int(p, (int32_t)(uint32_t)n, ZX_PK_INT);
    case 'K': /* BININT1 */
    case 'M': /* BININT2 */
        if ((rc = need(p, op == 'K' ? 1 : 2)))
            return rc;
        n = rd_le(p->buf + p->pos, op == 'K' ? 1 : 2);
        p->pos += op == 'K' ? 1 : 2;
        return push_int(p, (int64_t)n, ZX_PK_INT);
    case 0x8a: /* LONG1 */
        if ((rc = need(p, 1)))
            return rc;
        return push_long(p, p->buf[p->pos++]);
    case 0x8b: /* LONG4 */
        if ((rc = need(p, 4)))
            return rc;
        n = rd_le(p->buf + p->pos, 4);
        p->pos += 4;
        if (n & 0x80000000u)
            return fail_fmt(p, "LONG4 with a negative length");
        return push_long(p, n);
    case 'G': { /* BINFLOAT, big-endian */
        uint64_t u = 0;
        double d;

        if ((rc = need(p, 8)))
            return rc;
        for (i = 0; i < 8; i++)
            u = (u << 8) | p->buf[p->pos + i];
        p->pos += 8;
        memcpy(&d, &u, sizeof(d));
        if ((rc = new_node(p, ZX_PK_FLOAT, &v)))
            return rc;
        v->f = d;
        return push(p, v);
    }
    case 0x8c: /* SHORT_BINUNICODE */
    case 'U':  /* SHORT_BINSTRING */
    case 'C':  /* SHORT_BINBYTES */
        if ((rc = need(p, 1)))
            return rc;
        n = p->buf[p->pos++];
        return push_str(p, n, op == 'C' ? ZX_PK_BYTES : ZX_PK_STR);
    case 'X': /* BINUNICODE */
    case 'T': /* BINSTRING */
    case 'B': /* BINBYTES */
        if ((rc = need(p, 4)))
            return rc;
        n = rd_le(p->buf + p->pos, 4);
        p->pos += 4;
        if (op == 'T' && (n & 0x80000000u))
            return fail_fmt(p, "BINSTRING with a negative length");
        return push_str(p, n, op == 'B' ? ZX_PK_BYTES : ZX_PK_STR);
    case 0x8d: /* BINUNICODE8 */
    case 0x8e: /* BINBYTES8 */
        if ((rc = need(p, 8)))
            return rc;
        n = rd_le(p->buf + p->pos, 8);
        p->pos += 8;
        return push_str(p, n, op == 0x8e ? ZX_PK_BYTES : ZX_PK_STR);
    case ')': /* EMPTY_TUPLE */
    case ']': /* EMPTY_LIST */
    case '}': /* EMPTY_DICT */
        if ((rc = new_node(p,
                           op == ')'   ? ZX_PK_TUPLE
                           : op == ']' ? ZX_PK_LIST
                                       : ZX_PK_DICT,
                           &v)))
            return rc;
        return push(p, v);
    case 't': /* TUPLE */
        if ((rc = pop_mark(p, &first)))
            return rc;
        if ((rc = new_node(p, ZX_PK_TUPLE, &v)))
            return rc;
        for (i = first; i < p->sp; i++)
            if ((rc = add_item(p, v, p->stack[i])))
                return rc;
        p->sp = first;
        return push(p, v);
    case 0x85: /* TUPLE1 */
    case 0x86: /* TUPLE2 */
    case 0x87: /* TUPLE3 */
        n = (uint64_t)(op - 0x84);
        if (p->sp < fence(p) + n)
            return fail_fmt(p, "stack underflow");
        if ((rc = new_node(p, ZX_PK_TUPLE, &v)))
            return rc;
        for (i = p->sp - (size_t)n; i < p->sp; i++)
            if ((rc = add_item(p, v, p->stack[i])))
                return rc;
        p->sp -= (size_t)n;
        return push(p, v);
    case 'a': /* APPEND */
        if ((rc = pop(p, &v)) || (rc = top(p, &c)))
            return rc;
        if (c->type != ZX_PK_LIST)
            return fail_fmt(p, "APPEND to something that is not a list");
        return add_item(p, c, v);
    case 'e': /* APPENDS */
    case 'u': /* SETITEMS */
        if ((rc = pop_mark(p, &first)))
            return rc;
        if (first <= fence(p))
            return fail_fmt(p, "stack underflow");
        c = p->stack[first - 1];
        if (c->type != (op == 'e' ? ZX_PK_LIST : ZX_PK_DICT))
            return fail_fmt(p, op == 'e' ? "APPENDS to something that is "
                                           "not a list"
                                         : "SETITEMS on something that is "
                                           "not a dict");
        if (op == 'u' && (p->sp - first) % 2)
            return fail_fmt(p, "SETITEMS with an odd number of values");
        for (i = first; i < p->sp; i++)
            if ((rc = add_item(p, c, p->stack[i])))
                return rc;
        p->sp = first;
        return ZX_OK;
    case 's': /* SETITEM */
        if ((rc = pop(p, &w)) || (rc = pop(p, &v)) || (rc = top(p, &c)))
            return rc;
        if (c->type != ZX_PK_DICT)
            return fail_fmt(p, "SETITEM on something that is not a dict");
        if ((rc = add_item(p, c, v)))
            return rc;
        return add_item(p, c, w);
    case 'q':  /* BINPUT */
    case 'r':  /* LONG_BINPUT */
    case 0x94: /* MEMOIZE */
        if (op == 0x94) {
            n = p->n_memo;
        } else {
            int k = op == 'q' ? 1 : 4;

            if ((rc = need(p, (uint64_t)k)))
                return rc;
            n = rd_le(p->buf + p->pos, k);
            p->pos += (size_t)k;
        }
        if ((rc = top(p, &v)))
            return rc;
        if (n >= p->lim.max_memo || n > p->len)
            return zx_fail(p->err, ZX_ETOOBIG,
                           "%s: memo index %" PRIu64
                           " at byte %zu is beyond the pickle's size or the "
                           "limit of %zu",
                           p->what, n, p->op_pos, p->lim.max_memo);
        if ((rc = grow(p, &p->memo, &p->cap_memo, (size_t)n + 1,
                       sizeof(*p->memo))))
            return rc;
        if (!p->memo[n])
            p->n_memo++;
        p->memo[n] = v;
        return ZX_OK;
    case 'h': /* BINGET */
    case 'j': /* LONG_BINGET */
        if ((rc = need(p, op == 'h' ? 1 : 4)))
            return rc;
        n = rd_le(p->buf + p->pos, op == 'h' ? 1 : 4);
        p->pos += op == 'h' ? 1 : 4;
        if (n >= p->cap_memo || !p->memo[n])
            return zx_fail(p->err, ZX_EFORMAT,
                           "%s: memo index %" PRIu64
                           " at byte %zu of the pickle was never set",
                           p->what, n, p->op_pos);
        return push(p, p->memo[n]);
    case 'c': /* GLOBAL */
        return op_global(p);
    case 0x93: /* STACK_GLOBAL */
        if ((rc = pop(p, &w)) || (rc = pop(p, &v)))
            return rc;
        if (v->type != ZX_PK_STR || w->type != ZX_PK_STR)
            return fail_fmt(p, "STACK_GLOBAL of something that is not two "
                               "strings");
        return lookup_global(p, v->s, v->len, w->s, w->len);
    case 'R':  /* REDUCE */
    case 0x81: /* NEWOBJ: cls.__new__(cls, *args) */
        if ((rc = pop(p, &w)) || (rc = pop(p, &v)))
            return rc;
        if (op == 0x81 && (v->type != ZX_PK_GLOBAL || v->i != SYM_ORDERED_DICT))
            return zx_fail(p->err, ZX_EUNSUPPORTED,
                           "%s: NEWOBJ of '%s' at "
                           "byte %zu is not supported",
                           p->what,
                           v->type == ZX_PK_GLOBAL ? v->s : "a non-class",
                           p->op_pos);
        if ((rc = reduce(p, v, w, 0, &c)))
            return rc;
        return push(p, c);
    case 'b': /* BUILD: an OrderedDict's attributes, a Parameter's state */
        if ((rc = pop(p, &w)) || (rc = top(p, &c)))
            return rc;
        if (c->type != ZX_PK_DICT && c->type != ZX_PK_TENSOR)
            return zx_fail(p->err, ZX_EUNSUPPORTED,
                           "%s: BUILD at byte %zu "
                           "sets the state of something other than a dict "
                           "or tensor",
                           p->what, p->op_pos);
        return ZX_OK;
    case 'Q': /* BINPERSID */
        if ((rc = pop(p, &v)))
            return rc;
        return persid(p, v);
    default:
        return zx_fail(p->err, ZX_EUNSUPPORTED,
                       "%s: pickle opcode %s "
                       "(0x%02x) at byte %zu is not supported",
                       p->what, op_name(op), op, p->op_pos);
    }
}

int zx_pickle_load(const unsigned char *buf, size_t len, const char *what,
                   const struct zx_pk_limits *lim, struct zx_pickle **out,
                   struct zx_error *err)
{
    struct zx_pickle *p = xcalloc(1, sizeof(*p));
    int rc = ZX_OK, stop = 0;

    *out = NULL;
    p->buf = buf;
    p->len = len;
    p->what = what;
    p->err = err;
    if (lim)
        p->lim = *lim;
    else
        zx_pk_default_limits(&p->lim);
    while (!stop) {
        rc = step(p, &stop);
        if (rc)
            goto out;
    }
    free(p->stack);
    free(p->marks);
    free(p->memo);
    p->stack = NULL;
    p->marks = NULL;
    p->memo = NULL;
    p->err = NULL;
    p->what = NULL;
    *out = p;
    p = NULL;
out:
    zx_pickle_free(p);
    return rc;
}

const struct zx_pk_value *zx_pickle_root(const struct zx_pickle *p)
{
    return p->root;
}

size_t zx_pickle_used(const struct zx_pickle *p)
{
    return p->used;
}

size_t zx_pickle_n_storages(const struct zx_pickle *p)
{
    return p->n_storages;
}

const struct zx_pk_storage *zx_pickle_storage(const struct zx_pickle *p,
                                              size_t i)
{
    ZX_ASSERT(i < p->n_storages);
    return p->storages[i];
}

void zx_pickle_free(struct zx_pickle *p)
{
    size_t i;

    if (!p)
        return;
    for (i = 0; i < p->n_nodes; i++) {
        free(p->nodes[i]->items);
        free(p->nodes[i]);
    }
    for (i = 0; i < p->n_blobs; i++)
        free(p->blobs[i]);
    free(p->nodes);
    free(p->blobs);
    free(p->storages);
    free(p->stack);
    free(p->marks);
    free(p->memo);
    free(p);
}
