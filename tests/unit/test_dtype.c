/* test_dtype.c - dtype names, bit sizes and zx_to_float() against known
 * bit patterns of every numeric dtype.
 * SPDX-License-Identifier: MIT */
#include <stdint.h>

#include "ckpt.h"
#include "harness.h"

/* Convert one little-endian value held in `bytes` (at an odd address, so
 * that the reader may not assume alignment) to float. */
static float one(enum zx_dtype dt, uint64_t bits)
{
    unsigned char buf[1 + 8 + 8];
    unsigned i, n = zx_dtype_bits(dt) / 8;
    float f = -12345.0f;

    for (i = 0; i < n; i++)
        buf[1 + i] = (unsigned char)(bits >> (8 * i));
    if (zx_to_float(dt, buf + 1, 0, 1, &f) != 0)
        H_FAIL("zx_to_float(%s) failed", zx_dtype_name(dt));
    return f;
}

#define CHECK_F(dt, bits, want) CHECK_NEAR(one(dt, bits), want, 0)

static void test_f16(void)
{
    float f;

    CHECK_F(ZX_DTYPE_F16, 0x3c00, 1.0);
    CHECK_F(ZX_DTYPE_F16, 0xc000, -2.0);
    CHECK_F(ZX_DTYPE_F16, 0x7bff, 65504.0);
    CHECK_F(ZX_DTYPE_F16, 0x0001, ldexp(1, -24));
    CHECK_F(ZX_DTYPE_F16, 0x03ff, ldexp(1023, -24));
    CHECK_F(ZX_DTYPE_F16, 0x0400, ldexp(1, -14));
    CHECK_F(ZX_DTYPE_F16, 0x3555, 0.333251953125);
    CHECK(isinf(one(ZX_DTYPE_F16, 0x7c00)) && one(ZX_DTYPE_F16, 0x7c00) > 0);
    CHECK(isinf(one(ZX_DTYPE_F16, 0xfc00)) && one(ZX_DTYPE_F16, 0xfc00) < 0);
    CHECK(isnan(one(ZX_DTYPE_F16, 0x7e00)));
    CHECK(isnan(one(ZX_DTYPE_F16, 0x7c01)));
    f = one(ZX_DTYPE_F16, 0x8000);
    CHECK(f == 0 && signbit(f));
    f = one(ZX_DTYPE_F16, 0x0000);
    CHECK(f == 0 && !signbit(f));
}

static void test_bf16(void)
{
    CHECK_F(ZX_DTYPE_BF16, 0x3f80, 1.0);
    CHECK_F(ZX_DTYPE_BF16, 0xc0a0, -5.0);
    CHECK_F(ZX_DTYPE_BF16, 0x4049, 3.140625);
    CHECK_F(ZX_DTYPE_BF16, 0x0001, ldexp(1, -133));
    CHECK(isinf(one(ZX_DTYPE_BF16, 0xff80)));
    CHECK(isnan(one(ZX_DTYPE_BF16, 0x7fc0)));
}

static void test_f8_e4m3(void)
{
    float f;

    CHECK_F(ZX_DTYPE_F8_E4M3, 0x38, 1.0);
    CHECK_F(ZX_DTYPE_F8_E4M3, 0xb8, -1.0);
    CHECK_F(ZX_DTYPE_F8_E4M3, 0x7e, 448.0);
    CHECK_F(ZX_DTYPE_F8_E4M3, 0xfe, -448.0);
    CHECK_F(ZX_DTYPE_F8_E4M3, 0x01, ldexp(1, -9));
    CHECK_F(ZX_DTYPE_F8_E4M3, 0x08, ldexp(1, -6));
    CHECK_F(ZX_DTYPE_F8_E4M3, 0x78, 256.0); /* no infinity in E4M3FN */
    CHECK(isnan(one(ZX_DTYPE_F8_E4M3, 0x7f)));
    CHECK(isnan(one(ZX_DTYPE_F8_E4M3, 0xff)));
    f = one(ZX_DTYPE_F8_E4M3, 0x80);
    CHECK(f == 0 && signbit(f));
}

static void test_f8_e5m2(void)
{
    CHECK_F(ZX_DTYPE_F8_E5M2, 0x3c, 1.0);
    CHECK_F(ZX_DTYPE_F8_E5M2, 0x7b, 57344.0);
    CHECK_F(ZX_DTYPE_F8_E5M2, 0xc0, -2.0);
    CHECK_F(ZX_DTYPE_F8_E5M2, 0x01, ldexp(1, -16));
    CHECK(isinf(one(ZX_DTYPE_F8_E5M2, 0x7c)) &&
          one(ZX_DTYPE_F8_E5M2, 0x7c) > 0);
    CHECK(isinf(one(ZX_DTYPE_F8_E5M2, 0xfc)) &&
          one(ZX_DTYPE_F8_E5M2, 0xfc) < 0);
    CHECK(isnan(one(ZX_DTYPE_F8_E5M2, 0x7d)));
}

static void test_f8_others(void)
{
    CHECK_F(ZX_DTYPE_F8_E8M0, 0x7f, 1.0);
    CHECK_F(ZX_DTYPE_F8_E8M0, 0x80, 2.0);
    CHECK_F(ZX_DTYPE_F8_E8M0, 0x00, ldexp(1, -127));
    CHECK(isnan(one(ZX_DTYPE_F8_E8M0, 0xff)));
    /* FNUZ: bias one higher, 0x80 the only NaN. */
    CHECK_F(ZX_DTYPE_F8_E4M3FNUZ, 0x40, 1.0);
    CHECK_F(ZX_DTYPE_F8_E4M3FNUZ, 0x7f, 240.0);
    CHECK(isnan(one(ZX_DTYPE_F8_E4M3FNUZ, 0x80)));
    CHECK_F(ZX_DTYPE_F8_E5M2FNUZ, 0x40, 1.0);
    CHECK_F(ZX_DTYPE_F8_E5M2FNUZ, 0x7f, 57344.0);
    CHECK(isnan(one(ZX_DTYPE_F8_E5M2FNUZ, 0x80)));
}

static void test_integers(void)
{
    CHECK_F(ZX_DTYPE_I8, 0x80, -128);
    CHECK_F(ZX_DTYPE_I8, 0x7f, 127);
    CHECK_F(ZX_DTYPE_I8, 0xff, -1);
    CHECK_F(ZX_DTYPE_U8, 0xff, 255);
    CHECK_F(ZX_DTYPE_BOOL, 0x00, 0);
    CHECK_F(ZX_DTYPE_BOOL, 0x01, 1);
    CHECK_F(ZX_DTYPE_BOOL, 0x07, 1);
    CHECK_F(ZX_DTYPE_I16, 0x8000, -32768);
    CHECK_F(ZX_DTYPE_I16, 0xfffe, -2);
    CHECK_F(ZX_DTYPE_I16, 0x1234, 0x1234);
    CHECK_F(ZX_DTYPE_U16, 0xfffe, 65534);
    CHECK_F(ZX_DTYPE_I32, 0xfffffff9u, -7);
    CHECK_F(ZX_DTYPE_I32, 0x80000000u, -2147483648.0);
    CHECK_F(ZX_DTYPE_U32, 0xffffffffu, (float)4294967295.0);
    CHECK_F(ZX_DTYPE_U32, 0x01020304u, 0x01020304);
    CHECK_F(ZX_DTYPE_I64, 0xfffffffffffffffdull, -3);
    CHECK_F(ZX_DTYPE_I64, 0x0000000100000000ull, 4294967296.0);
    CHECK_F(ZX_DTYPE_I64, 0x8000000000000000ull, -9223372036854775808.0);
    CHECK_F(ZX_DTYPE_U64, 0xffffffffffffffffull, (float)18446744073709551615.0);
    CHECK_F(ZX_DTYPE_U64, 42, 42);
}

static void test_floats(void)
{
    uint32_t u;
    uint64_t v;
    float f = -0.15625f;
    double d = -2.5e-3;

    memcpy(&u, &f, 4);
    CHECK_F(ZX_DTYPE_F32, u, -0.15625);
    memcpy(&v, &d, 8);
    CHECK_NEAR(one(ZX_DTYPE_F64, v), (float)-2.5e-3, 0);
    CHECK_F(ZX_DTYPE_F64, 0x3ff0000000000000ull, 1.0);
    CHECK_F(ZX_DTYPE_F64, 0xc059000000000000ull, -100.0);
}

/* `first` skips elements, and unaligned sources read correctly. */
static void test_offsets_and_alignment(void)
{
    unsigned char raw[3 + 4 * 8];
    float out[4];
    int32_t iv[4] = {-1, 2, -300000, 4};
    uint16_t hv[4] = {0x3c00, 0x4000, 0xc200, 0x0000};
    double dv[4] = {0.5, -1.5, 1e10, -0.0};
    int k;

    for (k = 0; k < 3; k++) {
        memcpy(raw + k, iv, sizeof(iv));
        CHECK_INT(zx_to_float(ZX_DTYPE_I32, raw + k, 1, 3, out), ==, 0);
        CHECK_NEAR(out[0], 2, 0);
        CHECK_NEAR(out[1], -300000, 0);
        CHECK_NEAR(out[2], 4, 0);
        memcpy(raw + k, hv, sizeof(hv));
        CHECK_INT(zx_to_float(ZX_DTYPE_F16, raw + k, 1, 2, out), ==, 0);
        CHECK_NEAR(out[0], 2, 0);
        CHECK_NEAR(out[1], -3, 0);
        memcpy(raw + k, dv, sizeof(dv));
        CHECK_INT(zx_to_float(ZX_DTYPE_F64, raw + k, 2, 1, out), ==, 0);
        CHECK_NEAR(out[0], 1e10, 1e-7);
        memcpy(raw + k, iv, sizeof(iv));
        CHECK_INT(zx_to_float(ZX_DTYPE_F32, raw + k, 3, 1, out), ==, 0);
        CHECK(memcmp(out, &iv[3], 4) == 0);
    }
    /* Zero elements of an empty tensor: no read at all, even of NULL. */
    CHECK_INT(zx_to_float(ZX_DTYPE_F32, NULL, 0, 0, out), ==, 0);
    CHECK_INT(zx_to_float(ZX_DTYPE_BF16, NULL, 0, 0, out), ==, 0);
}

static void test_names_round_trip(void)
{
    static const struct {
        const char *name;
        unsigned bits;
        int numeric, is_float;
    } want[ZX_DTYPE_COUNT] = {
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
    unsigned char buf[8] = {0};
    float f;
    int i;

    for (i = 1; i < ZX_DTYPE_COUNT; i++) {
        enum zx_dtype dt = (enum zx_dtype)i;

        if (!want[i].name) {
            H_FAIL("dtype %d missing from the test table", i);
            continue;
        }
        CHECK_STR(zx_dtype_name(dt), want[i].name);
        CHECK_INT(zx_dtype_parse(want[i].name), ==, i);
        CHECK_INT(zx_dtype_parse(zx_dtype_name(dt)), ==, i);
        CHECK_INT(zx_dtype_bits(dt), ==, want[i].bits);
        CHECK_INT(zx_dtype_is_numeric(dt), ==, want[i].numeric);
        CHECK_INT(zx_dtype_is_float(dt), ==, want[i].is_float);
        CHECK_INT(zx_to_float(dt, buf, 0, 1, &f), ==, want[i].numeric ? 0 : -1);
    }
    CHECK_INT(zx_dtype_parse("F33"), ==, ZX_DTYPE_UNKNOWN);
    CHECK_INT(zx_dtype_parse(""), ==, ZX_DTYPE_UNKNOWN);
    CHECK_INT(zx_dtype_parse("f32"), ==, ZX_DTYPE_UNKNOWN);
    CHECK_INT(zx_dtype_parse("UNKNOWN"), ==, ZX_DTYPE_UNKNOWN);
    CHECK_INT(zx_dtype_bits(ZX_DTYPE_UNKNOWN), ==, 0);
    CHECK_INT(zx_dtype_bits((enum zx_dtype)999), ==, 0);
    CHECK_STR(zx_dtype_name((enum zx_dtype)999), "UNKNOWN");
    CHECK(!zx_dtype_is_numeric((enum zx_dtype) - 1));
    CHECK_INT(zx_to_float(ZX_DTYPE_UNKNOWN, buf, 0, 1, &f), ==, -1);
    CHECK_INT(zx_to_float(ZX_DTYPE_C64, buf, 0, 0, &f), ==, -1);
    CHECK_INT(zx_to_float(ZX_DTYPE_F4, buf, 0, 1, &f), ==, -1);
}

int main(void)
{
    RUN(test_f16);
    RUN(test_bf16);
    RUN(test_f8_e4m3);
    RUN(test_f8_e5m2);
    RUN(test_f8_others);
    RUN(test_integers);
    RUN(test_floats);
    RUN(test_offsets_and_alignment);
    RUN(test_names_round_trip);
    return DONE();
}
