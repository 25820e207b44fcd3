/* test_units.c - zx_units: byte sizes, counts and dates for people.
 * SPDX-License-Identifier: MIT */
#include "harness.h"
#include "zx_units.h"

static void test_fmt_count(void)
{
    char b[32];

    CHECK_STR(zx_fmt_count(812, b, sizeof(b)), "812");
    CHECK_STR(zx_fmt_count(1000, b, sizeof(b)), "1.0K");
    CHECK_STR(zx_fmt_count(22434, b, sizeof(b)), "22.4K");
    CHECK_STR(zx_fmt_count(109482240, b, sizeof(b)), "109M");
    CHECK_STR(zx_fmt_count(999999, b, sizeof(b)), "1.0M");
    CHECK_STR(zx_fmt_count(1300000000, b, sizeof(b)), "1.3B");
    CHECK_STR(zx_fmt_count(7000000000000ull, b, sizeof(b)), "7.0T");
}

static void test_parse_count(void)
{
    uint64_t v = 0;

    CHECK_INT(zx_parse_count("22434", &v), ==, 0);
    CHECK_INT((long long)v, ==, 22434);
    CHECK_INT(zx_parse_count("10M", &v), ==, 0);
    CHECK_INT((long long)v, ==, 10000000);
    CHECK_INT(zx_parse_count("1.5b", &v), ==, 0);
    CHECK_INT((long long)v, ==, 1500000000);
    CHECK_INT(zx_parse_count("20k", &v), ==, 0);
    CHECK_INT((long long)v, ==, 20000);
    CHECK_INT(zx_parse_count("2T", &v), ==, 0);
    CHECK_INT((long long)v, ==, 2000000000000);
    CHECK_INT(zx_parse_count("", &v), ==, -1);
    CHECK_INT(zx_parse_count("-1", &v), ==, -1);
    CHECK_INT(zx_parse_count("1X", &v), ==, -1);
    CHECK_INT(zx_parse_count("1MB", &v), ==, -1);
    CHECK_INT(zx_parse_count("0x10", &v), ==, -1);
    CHECK_INT(zx_parse_count("1e3", &v), ==, -1);
    CHECK_INT(zx_parse_count("inf", &v), ==, -1);
    CHECK_INT(zx_parse_count("1.5", &v), ==, -1);
    CHECK_INT(zx_parse_count("99999999999T", &v), ==, -1);
}

static void test_dates(void)
{
    CHECK_INT((long long)zx_parse_date("2026-11-27"), ==, 10);
    CHECK_INT((long long)zx_parse_date("2026-11-27T04:36"), ==, 16);
    CHECK_INT((long long)zx_parse_date("2026-11-27T04:36:23Z"), ==, 20);
    CHECK_INT((long long)zx_parse_date("2026-13-01"), ==, 0);
    CHECK_INT((long long)zx_parse_date("2026-11-27x"), ==, 0);
    CHECK_INT((long long)zx_parse_date("yesterday"), ==, 0);
    CHECK_INT((long long)zx_parse_date(NULL), ==, 0);
    CHECK_INT(zx_date_cmp("2026-11-27T04:36:23.000Z", "2026-11-27"), ==, 0);
    CHECK_INT(zx_date_cmp("2026-11-27T04:36:23Z", "2026-11-28"), <, 0);
    CHECK_INT(zx_date_cmp("2026-11-27T04:36:23Z", "2026-11-27T04:35"), >, 0);
    CHECK_INT(zx_date_cmp("2026-11-27T04:36:23Z", "2026-11-27T04:36:23Z"), ==,
              0);
}

int main(void)
{
    RUN(test_fmt_count);
    RUN(test_parse_count);
    RUN(test_dates);
    return DONE();
}
