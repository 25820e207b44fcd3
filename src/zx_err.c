/* zx_err.c - error codes, messages and the zx_fail() idiom.
 * SPDX-License-Identifier: MIT */
#include "zx_err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const messages[] = {
#define X(name, text) text,
    ZX_ERRORS(X)
#undef X
};

const char *zx_strerror(int code)
{
    if (code < 0 || code >= ZX_NERR)
        return "unknown error";
    return messages[code];
}

int zx_fail(struct zx_error *err, int code, const char *fmt, ...)
{
    va_list ap;

    if (!err)
        return code;
    err->code = code;
    err->map_full = 0;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return code;
}

int zx_fail_errno(struct zx_error *err, int code, const char *fmt, ...)
{
    int saved = errno;
    size_t n;
    va_list ap;

    if (code == ZX_EIO && (saved == ENOSPC || saved == EDQUOT))
        code = ZX_ENOSPACE;
    if (!err)
        return code;
    err->code = code;
    err->map_full = 0;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    n = strlen(err->msg);
    snprintf(err->msg + n, sizeof(err->msg) - n, ": %s", strerror(saved));
    return code;
}

void zx_error_prefix(struct zx_error *err, const char *fmt, ...)
{
    char head[256], old[sizeof(err->msg)];
    va_list ap;

    if (!err)
        return;
    va_start(ap, fmt);
    vsnprintf(head, sizeof(head), fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof(old));
    if (old[0])
        snprintf(err->msg, sizeof(err->msg), "%.255s: %.250s", head, old);
    else
        snprintf(err->msg, sizeof(err->msg), "%s", head);
}
