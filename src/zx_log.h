/* zx_log.h - progress and diagnostics on stderr, for the CLI only.
 *
 * Library code never prints; it reports progress through a callback that
 * the CLI points at zx_progress_*().  Progress lines are drawn only when
 * stderr is a TTY (or ZOODEX_PROGRESS=1), so cron logs stay clean.
 * SPDX-License-Identifier: MIT */
#ifndef ZX_LOG_H
#define ZX_LOG_H
#include <stdint.h>

struct zx_progress {
    const char *what; /* "ingest" */
    uint64_t done;
    uint64_t total; /* 0 when unknown */
    int enabled;
    int drawn;
    double last; /* time of the last redraw */
};

void zx_progress_init(struct zx_progress *p, const char *what, uint64_t total);
void zx_progress_update(struct zx_progress *p, uint64_t done, const char *item);
void zx_progress_end(struct zx_progress *p);

/* Monotonic seconds. */
double zx_now(void);

#endif
