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

#define ZX_ASSERT(x) ((x) ? (void)0 : zx_assert_fail(#x, __FILE__, __LINE__))
_Noreturn void zx_assert_fail(const char *expr, const char *file, int line);

#endif
