/* zx_units.c - human-readable byte sizes, counts and dates (zx_units.h).
 * SPDX-License-Identifier: MIT */
#include "zx_units.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *zx_format_size(uint64_t b, char buf[ZX_SIZE_LEN])
{
    static const char *const unit[] = {"B",   "KiB", "MiB", "GiB",
                                       "TiB", "PiB", "EiB"};
    unsigned u = 0;
    double v;

    while (u < 6 && (b >> (10 * (u + 1))) != 0)
        u++;
    if ((b & ((UINT64_C(1) << (10 * u)) - 1)) == 0) {
        snprintf(buf, ZX_SIZE_LEN, "%llu %s",
                 (unsigned long long)(b >> (10 * u)), unit[u]);
        return buf;
    }
    v = (double)b / (double)(UINT64_C(1) << (10 * u));
    if (v >= 1023.5 && u < 6) { /* would round to "1024 KiB" */
        v /= 1024;
        u++;
    }
    if (v < 99.95)
        snprintf(buf, ZX_SIZE_LEN, "%.1f %s", v, unit[u]);
    else
        snprintf(buf, ZX_SIZE_LEN, "%.0f %s", v, unit[u]);
    return buf;
}

char *zx_fmt_count(uint64_t n, char *buf, size_t size)
{
    static const char suffix[] = "KMBT";
    double v = (double)n;
    int u = -1;

    if (n < 1000) {
        snprintf(buf, size, "%llu", (unsigned long long)n);
        return buf;
    }
    while (v >= 999.95 && u < 3) {
        v /= 1000.0;
        u++;
    }
    /* Three significant digits: 22.4K, 110M, 1.30B reads as 1.3B. */
    if (v >= 99.95)
        snprintf(buf, size, "%.0f%c", v, suffix[u]);
    else
        snprintf(buf, size, "%.1f%c", v, suffix[u]);
    return buf;
}

int zx_parse_count(const char *s, uint64_t *out)
{
    double v, mul = 1.0;
    char *end;

    if (!s || !((*s >= '0' && *s <= '9') || *s == '.'))
        return -1;
    errno = 0;
    v = strtod(s, &end);
    /* Digits and a point only: no sign, exponent, hex, inf or nan. */
    if (errno || end == s || (size_t)(end - s) != strspn(s, "0123456789.") ||
        !isfinite(v) || v < 0)
        return -1;
    switch (*end) {
    case 'k':
    case 'K':
        mul = 1e3;
        break;
    case 'm':
    case 'M':
        mul = 1e6;
        break;
    case 'b':
    case 'B':
    case 'g':
    case 'G':
        mul = 1e9;
        break;
    case 't':
    case 'T':
        mul = 1e12;
        break;
    default:
        break;
    }
    if (mul > 1.0)
        end++;
    if (*end)
        return -1;
    v *= mul;
    if (v >= 18446744073709551615.0 || v != floor(v))
        return -1;
    *out = (uint64_t)v;
    return 0;
}

/* `n` digits of s in [lo, hi]; -1 otherwise. */
static int field(const char *s, int n, int lo, int hi)
{
    int v = 0, i;

    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v >= lo && v <= hi ? v : -1;
}

size_t zx_parse_date(const char *s)
{
    size_t n;

    if (!s || strlen(s) < 10 || field(s, 4, 1, 9999) < 0 || s[4] != '-' ||
        field(s + 5, 2, 1, 12) < 0 || s[7] != '-' || field(s + 8, 2, 1, 31) < 0)
        return 0;
    n = 10;
    if (s[n] == 'T') {
        if (field(s + n + 1, 2, 0, 23) < 0 || s[n + 3] != ':' ||
            field(s + n + 4, 2, 0, 59) < 0)
            return 0;
        n += 6;
        if (s[n] == ':') {
            if (field(s + n + 1, 2, 0, 60) < 0)
                return 0;
            n += 3;
        }
        if (s[n] == 'Z')
            n++;
    }
    return s[n] ? 0 : n;
}

int zx_date_cmp(const char *ts, const char *d)
{
    size_t n = strlen(d);

    if (n && d[n - 1] == 'Z')
        n--; /* the index's timestamps are all UTC */
    return strncmp(ts, d, n);
}
