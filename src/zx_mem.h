/* zx_mem.h - allocation wrappers that die on out-of-memory.
 *
 * For small internal allocations only.  Sizes read from files or the network
 * are checked against explicit caps before they reach these (ZX_ETOOBIG).
 * SPDX-License-Identifier: MIT */
#ifndef ZX_MEM_H
#define ZX_MEM_H
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
/* realloc of nmemb*size with an overflow check. */
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* printf into a fresh heap string. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ===== Growing arrays ===== */

/* The first capacity of an array grown with ZX_GROW(). */
#define ZX_GROW_FIRST 16

/* The capacity an array of capacity cap grows to so that it holds at least
 * need elements: cap (or `first` when cap is 0), doubled until need fits.
 * Dies like xmalloc() when the doubling would overflow a size_t (the
 * element size is checked by xreallocarray()). */
size_t zx_grow_cap(size_t cap, size_t need, size_t first);

/* Make room for n elements in one array, or in parallel arrays that share
 * one capacity: when n > cap, cap grows with zx_grow_cap() (doubling, from
 * ZX_GROW_FIRST) and each of the one to four arrays is reallocated to it
 * with xreallocarray() (elements of sizeof(*array), overflow-checked; the
 * new elements are not initialised).  Arguments are evaluated more than
 * once.  The one way to grow an array in zoodex:
 *
 *     ZX_GROW(b->n + 1, b->cap, b->paths, b->hub);
 *     b->paths[b->n] = ...; b->hub[b->n++] = ...;
 *
 * An array of rows (k floats per element) gets a capacity of its own,
 * counted in floats: ZX_GROW((n + 1) * k, fcap, fp). */
#define ZX_GROW(n, cap, ...)                                                   \
    do {                                                                       \
        if ((n) > (cap)) {                                                     \
            size_t zx_grow_c_ = zx_grow_cap((cap), (n), ZX_GROW_FIRST);        \
            ZX_GROW_EACH_(zx_grow_c_, __VA_ARGS__)                             \
            (cap) = zx_grow_c_;                                                \
        }                                                                      \
    } while (0)
#define ZX_GROW_1_(c, p) (p) = xreallocarray((p), (c), sizeof(*(p)));
#define ZX_GROW_2_(c, p, ...) ZX_GROW_1_(c, p) ZX_GROW_1_(c, __VA_ARGS__)
#define ZX_GROW_3_(c, p, ...) ZX_GROW_1_(c, p) ZX_GROW_2_(c, __VA_ARGS__)
#define ZX_GROW_4_(c, p, ...) ZX_GROW_1_(c, p) ZX_GROW_3_(c, __VA_ARGS__)
#define ZX_GROW_PICK_(a, b, c, d, name, ...) name
#define ZX_GROW_EACH_(c, ...)                                                  \
    ZX_GROW_PICK_(__VA_ARGS__, ZX_GROW_4_, ZX_GROW_3_, ZX_GROW_2_, ZX_GROW_1_, \
                  unused)                                                      \
    (c, __VA_ARGS__)

#define ZX_ASSERT(x) ((x) ? (void)0 : zx_assert_fail(#x, __FILE__, __LINE__))
_Noreturn void zx_assert_fail(const char *expr, const char *file, int line);

#endif
