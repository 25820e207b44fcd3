/* test_log.c - src/zx_log: the size formatter, when progress is drawn,
 * and what the progress line says.
 * SPDX-License-Identifier: MIT */
#include <stdint.h>
#include <stdlib.h>

#include "harness.h"
#include "zx_log.h"

static const char *size(uint64_t b)
{
    static char buf[ZX_SIZE_LEN];

    return zx_format_size(b, buf);
}

static void test_size_edges(void)
{
    CHECK_STR(size(0), "0 B");
    CHECK_STR(size(1), "1 B");
    CHECK_STR(size(1023), "1023 B");
    CHECK_STR(size(1024), "1 KiB");
    CHECK_STR(size(1025), "1.0 KiB");
    CHECK_STR(size(1536), "1.5 KiB");
    CHECK_STR(size(512 * 1024), "512 KiB");
    CHECK_STR(size(512 * 1024 + 1), "512 KiB");
    /* one decimal below 100 of the unit, none from there on */
    CHECK_STR(size(99 * 1024 + 512), "99.5 KiB");
    CHECK_STR(size(100 * 1024 - 1), "100 KiB");
    /* never "1024 KiB": the next unit instead */
    CHECK_STR(size(1024 * 1024 - 1), "1.0 MiB");
    CHECK_STR(size(1024 * 1024 - 600), "1023 KiB");
    CHECK_STR(size(1024 * 1024), "1 MiB");
    CHECK_STR(size(UINT64_C(1503238554)), "1.4 GiB");
    CHECK_STR(size(UINT64_C(400) << 20), "400 MiB");
    CHECK_STR(size(UINT64_C(1) << 40), "1 TiB");
    CHECK_STR(size(UINT64_C(1) << 50), "1 PiB");
    CHECK_STR(size(UINT64_C(1) << 60), "1 EiB");
    CHECK_STR(size((UINT64_C(15) << 60) + 1), "15.0 EiB");
    CHECK_STR(size(UINT64_MAX), "16.0 EiB");
}

/* Every result fits the buffer, has a number and a known unit. */
static void test_size_sweep(void)
{
    static const char *const units[] = {" B",   " KiB", " MiB", " GiB",
                                        " TiB", " PiB", " EiB"};
    char buf[ZX_SIZE_LEN];
    int s, d, u, bad = 0;

    for (s = 0; s < 64; s++) {
        for (d = -2; d <= 2; d++) {
            uint64_t v = (UINT64_C(1) << s) + (uint64_t)(int64_t)d;
            char *end;
            double x;

            zx_format_size(v, buf);
            x = strtod(buf, &end);
            for (u = 0; u < 7; u++)
                if (!strcmp(end, units[u]))
                    break;
            if (u == 7 || end == buf || x < 0 || x >= 1024 ||
                strlen(buf) >= ZX_SIZE_LEN) {
                bad++;
                H_FAIL("%llu -> \"%s\"", (unsigned long long)v, buf);
            }
        }
    }
    CHECK_INT(bad, ==, 0);
}

static void test_enabled(void)
{
    struct zx_progress p;

    unsetenv("HF_HUB_DISABLE_PROGRESS_BARS");
    setenv("ZOODEX_PROGRESS", "1", 1);
    zx_log_set_level(ZX_LOG_NORMAL);
    zx_progress_init(&p, "t", 0);
    CHECK_INT(p.enabled, ==, 1);
    zx_log_set_level(ZX_LOG_VERBOSE);
    zx_progress_init(&p, "t", 0);
    CHECK_INT(p.enabled, ==, 1);
    /* -q wins over everything */
    zx_log_set_level(ZX_LOG_QUIET);
    zx_progress_init(&p, "t", 0);
    CHECK_INT(p.enabled, ==, 0);
    zx_log_set_level(ZX_LOG_NORMAL);
    setenv("ZOODEX_PROGRESS", "0", 1);
    zx_progress_init(&p, "t", 0);
    CHECK_INT(p.enabled, ==, 0);
    /* huggingface_hub's switch, when ZOODEX_PROGRESS does not say */
    unsetenv("ZOODEX_PROGRESS");
    setenv("HF_HUB_DISABLE_PROGRESS_BARS", "1", 1);
    zx_progress_init(&p, "t", 0);
    CHECK_INT(p.enabled, ==, 0);
    setenv("HF_HUB_DISABLE_PROGRESS_BARS", "TRUE", 1);
    zx_progress_init(&p, "t", 0);
    CHECK_INT(p.enabled, ==, 0);
    setenv("ZOODEX_PROGRESS", "1", 1);
    zx_progress_init(&p, "t", 0);
    CHECK_INT(p.enabled, ==, 1);
    unsetenv("HF_HUB_DISABLE_PROGRESS_BARS");
    setenv("ZOODEX_PROGRESS", "0", 1);
}

static void test_format(void)
{
    struct zx_progress p;
    char line[256];

    zx_progress_init(&p, "ingest", 17);
    p.done = 3;
    CHECK_STR(zx_progress_format(&p, p.start + 0.2, line, sizeof(line)),
              "ingest: 3/17 models");
    /* ETA from the models once a second has passed: 14 more at 1 per 2 s */
    CHECK_STR(zx_progress_format(&p, p.start + 6, line, sizeof(line)),
              "ingest: 3/17 models, ETA 0:28");
    zx_progress_init(&p, "crawl", 1000);
    p.more = 1;
    p.net = 1;
    p.done = 192;
    p.requests = 769;
    p.bytes = 3 << 20;
    /* no ETA while the total may grow; the rate since the start */
    CHECK_STR(zx_progress_format(&p, p.start + 2, line, sizeof(line)),
              "crawl: 192/1000+ models, 769 requests, 3 MiB, 1.5 MiB/s");
    zx_progress_init(&p, "ingest", 1);
    p.net = 1;
    p.requests = 1;
    p.bytes = 100 << 20;
    p.xfer_done = 100 << 20;
    p.xfer_total = 400 << 20;
    /* 300 MiB left at 50 MiB/s */
    CHECK_STR(zx_progress_format(&p, p.start + 2, line, sizeof(line)),
              "ingest: 0/1 models, 1 request, 100 MiB of 400 MiB, 50 MiB/s, "
              "ETA 0:06");
    zx_progress_init(&p, "checking", 0);
    p.unit = "entries";
    p.done = 12;
    CHECK_STR(zx_progress_format(&p, p.start, line, sizeof(line)),
              "checking: 12 entries");
    /* a short buffer is cut, not overrun */
    CHECK_STR(zx_progress_format(&p, p.start, line, 9), "checking");
}

int main(void)
{
    RUN(test_size_edges);
    RUN(test_size_sweep);
    RUN(test_enabled);
    RUN(test_format);
    return DONE();
}
