/* dtype.c - safetensors dtypes: names, bit sizes and conversion to float.
 *
 * Half-precision and 8-bit float formats have no Debian C library, so they
 * are decoded here: F16 and the F8 variants through lookup tables built once,
 * BF16 by shifting into the high half of an IEEE single.
 * SPDX-License-Identifier: MIT */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "ckpt.h"

static const struct {
    const char *name;
    unsigned bits;
    int numeric;
    int is_float;
} dtypes[ZX_DTYPE_COUNT] = {
    [ZX_DTYPE_UNKNOWN] = {"UNKNOWN", 0, 0, 0},
    [ZX_DTYPE_BOOL] = {"BOOL", 8, 1, 0},
    [ZX_DTYPE_U8] = {"U8", 8, 1, 0},
    [ZX_DTYPE_I8] = {"I8", 8, 1, 0},
    [ZX_DTYPE_I16] = {"I16", 16, 1, 0},
    [ZX_DTYPE_U16] = {"U16", 16, 1, 0},
    [ZX_DTYPE_I32] = {"I32", 32, 1, 0},
    [ZX_DTYPE_U32] = {"U32", 32, 1, 0},
    [ZX_DTYPE_I64] = {"I64", 64, 1, 0},
    [ZX_DTYPE_U64] = {"U64", 64, 1, 0},
    [ZX_DTYPE_F16] = {"F16", 16, 1, 1},
    [ZX_DTYPE_BF16] = {"BF16", 16, 1, 1},
    [ZX_DTYPE_F32] = {"F32", 32, 1, 1},
    [ZX_DTYPE_F64] = {"F64", 64, 1, 1},
    [ZX_DTYPE_F8_E4M3] = {"F8_E4M3", 8, 1, 1},
    [ZX_DTYPE_F8_E5M2] = {"F8_E5M2", 8, 1, 1},
    [ZX_DTYPE_F8_E8M0] = {"F8_E8M0", 8, 1, 1},
    [ZX_DTYPE_F8_E4M3FNUZ] = {"F8_E4M3FNUZ", 8, 1, 1},
    [ZX_DTYPE_F8_E5M2FNUZ] = {"F8_E5M2FNUZ", 8, 1, 1},
    [ZX_DTYPE_F6_E2M3] = {"F6_E2M3", 6, 0, 1},
    [ZX_DTYPE_F6_E3M2] = {"F6_E3M2", 6, 0, 1},
    [ZX_DTYPE_F4] = {"F4", 4, 0, 1},
    [ZX_DTYPE_C64] = {"C64", 64, 0, 0},
};

enum zx_dtype zx_dtype_parse(const char *s)
{
    int i;

    for (i = 1; i < ZX_DTYPE_COUNT; i++)
        if (strcmp(s, dtypes[i].name) == 0)
            return (enum zx_dtype)i;
    return ZX_DTYPE_UNKNOWN;
}

const char *zx_dtype_name(enum zx_dtype dt)
{
    return (unsigned)dt < ZX_DTYPE_COUNT ? dtypes[dt].name : "UNKNOWN";
}

unsigned zx_dtype_bits(enum zx_dtype dt)
{
    return (unsigned)dt < ZX_DTYPE_COUNT ? dtypes[dt].bits : 0;
}

int zx_dtype_is_numeric(enum zx_dtype dt)
{
    return (unsigned)dt < ZX_DTYPE_COUNT && dtypes[dt].numeric;
}

int zx_dtype_is_float(enum zx_dtype dt)
{
    return (unsigned)dt < ZX_DTYPE_COUNT && dtypes[dt].is_float;
}

/* ===== Lookup tables ===== */

static float f16_lut[65536];
static float e4m3_lut[256], e5m2_lut[256], e8m0_lut[256];
static float e4m3fnuz_lut[256], e5m2fnuz_lut[256];
static pthread_once_t lut_once = PTHREAD_ONCE_INIT;

/* Decode a small float with `eb` exponent bits and `mb` mantissa bits. */
static float decode_minifloat(unsigned v, int eb, int mb, int bias)
{
    unsigned sign = (v >> (eb + mb)) & 1;
    unsigned e = (v >> mb) & ((1u << eb) - 1);
    unsigned m = v & ((1u << mb) - 1);
    double x;

    if (e == 0)
        x = ldexp((double)m, 1 - bias - mb);
    else
        x = ldexp((double)(m | (1u << mb)), (int)e - bias - mb);
    return (float)(sign ? -x : x);
}

static void build_luts(void)
{
    unsigned i;

    for (i = 0; i < 65536; i++) {
        unsigned e = (i >> 10) & 31;

        if (e == 31)
            f16_lut[i] =
                (i & 1023) ? NAN : ((i & 0x8000) ? -INFINITY : INFINITY);
        else
            f16_lut[i] = decode_minifloat(i, 5, 10, 15);
    }
    for (i = 0; i < 256; i++) {
        /* E4M3FN: no infinities; S.1111.111 is NaN. */
        e4m3_lut[i] = ((i & 0x7f) == 0x7f) ? NAN : decode_minifloat(i, 4, 3, 7);
        /* E5M2: IEEE-like, exponent 31 is inf/NaN. */
        if (((i >> 2) & 31) == 31)
            e5m2_lut[i] = (i & 3) ? NAN : ((i & 0x80) ? -INFINITY : INFINITY);
        else
            e5m2_lut[i] = decode_minifloat(i, 5, 2, 15);
        /* E8M0: unsigned power of two, 0xff is NaN. */
        e8m0_lut[i] = i == 0xff ? NAN : (float)ldexp(1.0, (int)i - 127);
        /* FNUZ variants: bias +1, 0x80 is the only NaN, no -0. */
        e4m3fnuz_lut[i] = i == 0x80 ? NAN : decode_minifloat(i, 4, 3, 8);
        e5m2fnuz_lut[i] = i == 0x80 ? NAN : decode_minifloat(i, 5, 2, 16);
    }
}

static inline uint16_t rd16(const unsigned char *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t rd32(const unsigned char *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}

static inline uint64_t rd64(const unsigned char *p)
{
    return (uint64_t)rd32(p) | ((uint64_t)rd32(p + 4) << 32);
}

int zx_to_float(enum zx_dtype dt, const unsigned char *src, uint64_t first,
                size_t n, float *dst)
{
    size_t i;

    if (n == 0) /* src may be NULL for an empty tensor */
        return zx_dtype_is_numeric(dt) ? 0 : -1;
    pthread_once(&lut_once, build_luts);
    switch (dt) {
    case ZX_DTYPE_F32:
        memcpy(dst, src + first * 4, n * 4); /* little-endian host */
        return 0;
    case ZX_DTYPE_F16:
        src += first * 2;
        for (i = 0; i < n; i++)
            dst[i] = f16_lut[rd16(src + 2 * i)];
        return 0;
    case ZX_DTYPE_BF16:
        src += first * 2;
        for (i = 0; i < n; i++) {
            uint32_t u = (uint32_t)rd16(src + 2 * i) << 16;

            memcpy(&dst[i], &u, 4);
        }
        return 0;
    case ZX_DTYPE_F64:
        src += first * 8;
        for (i = 0; i < n; i++) {
            uint64_t u = rd64(src + 8 * i);
            double d;

            memcpy(&d, &u, 8);
            dst[i] = (float)d;
        }
        return 0;
    case ZX_DTYPE_F8_E4M3:
    case ZX_DTYPE_F8_E5M2:
    case ZX_DTYPE_F8_E8M0:
    case ZX_DTYPE_F8_E4M3FNUZ:
    case ZX_DTYPE_F8_E5M2FNUZ: {
        const float *lut = dt == ZX_DTYPE_F8_E4M3       ? e4m3_lut
                           : dt == ZX_DTYPE_F8_E5M2     ? e5m2_lut
                           : dt == ZX_DTYPE_F8_E8M0     ? e8m0_lut
                           : dt == ZX_DTYPE_F8_E4M3FNUZ ? e4m3fnuz_lut
                                                        : e5m2fnuz_lut;
        src += first;
        for (i = 0; i < n; i++)
            dst[i] = lut[src[i]];
        return 0;
    }
    case ZX_DTYPE_BOOL:
        src += first;
        for (i = 0; i < n; i++)
            dst[i] = src[i] ? 1.0f : 0.0f;
        return 0;
    case ZX_DTYPE_U8:
        src += first;
        for (i = 0; i < n; i++)
            dst[i] = (float)src[i];
        return 0;
    case ZX_DTYPE_I8:
        src += first;
        for (i = 0; i < n; i++)
            dst[i] = (float)(int8_t)src[i];
        return 0;
    case ZX_DTYPE_I16:
        src += first * 2;
        for (i = 0; i < n; i++)
            dst[i] = (float)(int16_t)rd16(src + 2 * i);
        return 0;
    case ZX_DTYPE_U16:
        src += first * 2;
        for (i = 0; i < n; i++)
            dst[i] = (float)rd16(src + 2 * i);
        return 0;
    case ZX_DTYPE_I32:
        src += first * 4;
        for (i = 0; i < n; i++)
            dst[i] = (float)(int32_t)rd32(src + 4 * i);
        return 0;
    case ZX_DTYPE_U32:
        src += first * 4;
        for (i = 0; i < n; i++)
            dst[i] = (float)rd32(src + 4 * i);
        return 0;
    case ZX_DTYPE_I64:
        src += first * 8;
        for (i = 0; i < n; i++)
            dst[i] = (float)(int64_t)rd64(src + 8 * i);
        return 0;
    case ZX_DTYPE_U64:
        src += first * 8;
        for (i = 0; i < n; i++)
            dst[i] = (float)rd64(src + 8 * i);
        return 0;
    default:
        return -1;
    }
}
