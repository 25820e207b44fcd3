/* zx_buf.h - growable byte string.
 *
 * Invariants: buf->data is NUL-terminated and buf->data[buf->len] == '\0'
 * whenever data != NULL; len < cap.  A zeroed struct is an empty buffer.
 * zx_buf_release() frees the storage; zx_buf_detach() hands it to the caller.
 * SPDX-License-Identifier: MIT */
#ifndef ZX_BUF_H
#define ZX_BUF_H
#include <stdarg.h>
#include <stddef.h>

struct zx_buf {
    char *data;
    size_t len;
    size_t cap;
};

void zx_buf_grow(struct zx_buf *b, size_t extra);
void zx_buf_add(struct zx_buf *b, const void *p, size_t n);
void zx_buf_adds(struct zx_buf *b, const char *s);
void zx_buf_addc(struct zx_buf *b, char c);
void zx_buf_printf(struct zx_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void zx_buf_vprintf(struct zx_buf *b, const char *fmt, va_list ap);
void zx_buf_reset(struct zx_buf *b);             /* len = 0, keeps storage */
char *zx_buf_detach(struct zx_buf *b);           /* owned, never NULL */
void zx_buf_release(struct zx_buf *b);           /* NULL-safe */
const char *zx_buf_cstr(const struct zx_buf *b); /* "" when empty */

#endif
