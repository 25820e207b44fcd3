/* zx_log.c - a throttled one-line progress display on stderr.
 * SPDX-License-Identifier: MIT */
#include "zx_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

double zx_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void zx_progress_init(struct zx_progress *p, const char *what, uint64_t total)
{
    const char *env = getenv("ZOODEX_PROGRESS");

    memset(p, 0, sizeof(*p));
    p->what = what;
    p->total = total;
    if (env)
        p->enabled = strcmp(env, "0") != 0;
    else
        p->enabled = isatty(STDERR_FILENO);
}

void zx_progress_update(struct zx_progress *p, uint64_t done, const char *item)
{
    double t;

    p->done = done;
    if (!p->enabled)
        return;
    t = zx_now();
    if (p->drawn && t - p->last < 0.1 && done != p->total)
        return;
    p->last = t;
    p->drawn = 1;
    if (p->total)
        fprintf(stderr, "\r\033[K%s: %llu/%llu %.60s", p->what,
                (unsigned long long)done, (unsigned long long)p->total,
                item ? item : "");
    else
        fprintf(stderr, "\r\033[K%s: %llu %.60s", p->what,
                (unsigned long long)done, item ? item : "");
    fflush(stderr);
}

void zx_progress_end(struct zx_progress *p)
{
    if (p->enabled && p->drawn)
        fprintf(stderr, "\r\033[K");
    p->drawn = 0;
}
