/* zx_log.c - verbosity, human-readable sizes and a throttled one-line
 * progress display on stderr.
 *
 * The progress line is redrawn with a carriage return and padded with
 * blanks over what it replaces (no terminal escapes, so TERM=dumb works),
 * cut to the terminal's width so that it never wraps.  The length of what
 * is on the screen is kept here, once for the process, so that a log line
 * (zx_log_line) can erase it first.
 * SPDX-License-Identifier: MIT */
#include "zx_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define REDRAW_SECONDS 0.1
#define SAMPLE_SECONDS 0.25

static int level = ZX_LOG_NORMAL;
static size_t on_screen; /* length of the progress line shown, 0 if none */

double zx_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ===== Verbosity ===== */

void zx_log_set_level(int l)
{
    level = l < ZX_LOG_QUIET ? ZX_LOG_QUIET : l;
}

int zx_log_level(void)
{
    return level;
}

static void erase(void)
{
    if (!on_screen)
        return;
    fprintf(stderr, "\r%*s\r", (int)on_screen, "");
    on_screen = 0;
}

static void vline(const char *fmt, va_list ap)
{
    erase();
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    fflush(stderr);
}

void zx_log_line(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vline(fmt, ap);
    va_end(ap);
}

void zx_log_info(const char *fmt, ...)
{
    va_list ap;

    if (level <= ZX_LOG_QUIET)
        return;
    va_start(ap, fmt);
    vline(fmt, ap);
    va_end(ap);
}

/* ===== Progress ===== */

static int env_true(const char *name)
{
    const char *v = getenv(name);

    return v && (!strcmp(v, "1") || !strcasecmp(v, "true") ||
                 !strcasecmp(v, "yes") || !strcasecmp(v, "on"));
}

void zx_progress_init(struct zx_progress *p, const char *what, uint64_t total)
{
    const char *env = getenv("ZOODEX_PROGRESS");

    memset(p, 0, sizeof(*p));
    p->what = what;
    p->unit = "models";
    p->total = total;
    p->start = zx_now();
    if (level <= ZX_LOG_QUIET)
        p->enabled = 0;
    else if (env && *env)
        p->enabled = strcmp(env, "0") != 0;
    else if (env_true("HF_HUB_DISABLE_PROGRESS_BARS"))
        p->enabled = 0;
    else
        p->enabled = isatty(STDERR_FILENO);
}

/* "0:07", "12:34", "1:02:03". */
static void fmt_duration(double s, char *buf, size_t n)
{
    unsigned long t;

    if (s > 99 * 3600.0)
        s = 99 * 3600.0;
    t = (unsigned long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, n, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, n, "%lu:%02lu", t / 60, t % 60);
}

/* Bytes per second over the last few seconds, or since the start; -1 when
 * too little time has passed to say. */
static double byte_rate(const struct zx_progress *p, double now)
{
    unsigned oldest =
        p->ring_n >= ZX_PROGRESS_RING ? p->ring_n % ZX_PROGRESS_RING : 0;

    if (p->ring_n && now - p->ring_t[oldest] >= 0.5 &&
        p->bytes >= p->ring_b[oldest])
        return (double)(p->bytes - p->ring_b[oldest]) /
               (now - p->ring_t[oldest]);
    if (now - p->start >= 0.5)
        return (double)p->bytes / (now - p->start);
    return -1;
}

static void sample(struct zx_progress *p, double now)
{
    unsigned newest = (p->ring_n + ZX_PROGRESS_RING - 1) % ZX_PROGRESS_RING;

    if (p->ring_n && now - p->ring_t[newest] < SAMPLE_SECONDS)
        return;
    p->ring_t[p->ring_n % ZX_PROGRESS_RING] = now;
    p->ring_b[p->ring_n % ZX_PROGRESS_RING] = p->bytes;
    p->ring_n++;
}

char *zx_progress_format(struct zx_progress *p, double now, char *buf, size_t n)
{
    char a[ZX_SIZE_LEN], b[ZX_SIZE_LEN], d[32];
    double rate = p->net ? byte_rate(p, now) : -1, eta = -1;
    double elapsed = now - p->start;
    size_t len;

#define ADD(...)                                                               \
    do {                                                                       \
        len = strlen(buf);                                                     \
        if (len < n)                                                           \
            snprintf(buf + len, n - len, __VA_ARGS__);                         \
    } while (0)

    buf[0] = '\0';
    ADD("%s: %llu", p->what, (unsigned long long)p->done);
    if (p->total)
        ADD("/%llu%s", (unsigned long long)p->total, p->more ? "+" : "");
    ADD(" %s", p->unit ? p->unit : "models");
    if (p->net) {
        ADD(", %llu request%s", (unsigned long long)p->requests,
            p->requests == 1 ? "" : "s");
        /* a download in flight: "143 MiB of 300 MiB", else the total */
        if (p->xfer_total > p->xfer_done)
            ADD(", %s of %s", zx_format_size(p->xfer_done, a),
                zx_format_size(p->xfer_total, b));
        else
            ADD(", %s", zx_format_size(p->bytes, a));
        if (rate >= 0)
            ADD(", %s/s", zx_format_size((uint64_t)rate, a));
    }
    if (p->total && !p->more && p->done > 0 && p->done < p->total &&
        elapsed >= 1)
        eta = (double)(p->total - p->done) * elapsed / (double)p->done;
    else if (p->xfer_total > p->xfer_done && rate > 0)
        eta = (double)(p->xfer_total - p->xfer_done) / rate;
    if (eta >= 0) {
        fmt_duration(eta, d, sizeof(d));
        ADD(", ETA %s", d);
    }
#undef ADD
    return buf;
}

static size_t term_width(void)
{
    struct winsize ws;
    const char *c = getenv("COLUMNS");
    unsigned long w;
    char *end;

    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 10)
        return ws.ws_col;
    w = c ? strtoul(c, &end, 10) : 0;
    return w > 10 && w < 10000 && !*end ? (size_t)w : 80;
}

static void draw(struct zx_progress *p, double now)
{
    char line[512];
    size_t len, width = term_width() - 1;

    sample(p, now);
    zx_progress_format(p, now, line, sizeof(line));
    len = strlen(line);
    if (p->item[0] && len + 2 < sizeof(line))
        snprintf(line + len, sizeof(line) - len, "  %s", p->item);
    if (width >= sizeof(line))
        width = sizeof(line) - 1;
    line[width] = '\0';
    len = strlen(line);
    fprintf(stderr, "\r%s", line);
    if (on_screen > len)
        fprintf(stderr, "%*s", (int)(on_screen - len), "");
    fflush(stderr);
    on_screen = len ? len : 1;
    p->last = now;
}

void zx_progress_tick(struct zx_progress *p)
{
    double t;

    if (!p->enabled)
        return;
    t = zx_now();
    if (on_screen && t - p->last < REDRAW_SECONDS)
        return;
    draw(p, t);
}

void zx_progress_update(struct zx_progress *p, uint64_t done, const char *item)
{
    char *c;

    p->done = done;
    if (!p->enabled)
        return;
    if (item) {
        snprintf(p->item, sizeof(p->item), "%s", item);
        for (c = p->item; *c; c++) /* a file name may hold a newline */
            if ((unsigned char)*c < 0x20 || *c == 0x7f)
                *c = '?';
    }
    zx_progress_tick(p);
}

void zx_progress_end(struct zx_progress *p)
{
    if (p->enabled) {
        erase();
        fflush(stderr);
    }
}
