/* zx_buf.c - growable byte string (git strbuf, curl dynbuf).
 * SPDX-License-Identifier: MIT */
#include "zx_buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zx_mem.h"

void zx_buf_grow(struct zx_buf *b, size_t extra)
{
    size_t want = b->len + extra + 1;

    ZX_ASSERT(want > b->len);
    if (want <= b->cap)
        return;
    if (want < b->cap * 2)
        want = b->cap * 2;
    if (want < 64)
        want = 64;
    b->data = xrealloc(b->data, want);
    b->cap = want;
}

void zx_buf_add(struct zx_buf *b, const void *p, size_t n)
{
    zx_buf_grow(b, n);
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void zx_buf_adds(struct zx_buf *b, const char *s)
{
    zx_buf_add(b, s, strlen(s));
}

void zx_buf_addc(struct zx_buf *b, char c)
{
    zx_buf_add(b, &c, 1);
}

void zx_buf_vprintf(struct zx_buf *b, const char *fmt, va_list ap)
{
    va_list cp;
    int n;

    va_copy(cp, ap);
    n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n <= 0)
        return;
    zx_buf_grow(b, (size_t)n);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void zx_buf_printf(struct zx_buf *b, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    zx_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void zx_buf_reset(struct zx_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

char *zx_buf_detach(struct zx_buf *b)
{
    char *p = b->data ? b->data : xstrdup("");

    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}

void zx_buf_release(struct zx_buf *b)
{
    if (!b)
        return;
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

const char *zx_buf_cstr(const struct zx_buf *b)
{
    return b->data ? b->data : "";
}
