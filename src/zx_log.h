/* zx_log.h - progress, verbosity and human-readable sizes, for the CLI.
 *
 * Library code never prints; it reports progress and Hub requests through
 * callbacks that the CLI points at zx_progress_*() and zx_log_line().
 * Progress lines are drawn only when stderr is a terminal (or
 * ZOODEX_PROGRESS=1), never with -q, ZOODEX_PROGRESS=0 or
 * HF_HUB_DISABLE_PROGRESS_BARS=1, so cron logs stay clean.
 * Ownership: nothing here takes ownership of its arguments.  Threads: one
 * stderr, so one thread draws.
 * SPDX-License-Identifier: MIT */
#ifndef ZX_LOG_H
#define ZX_LOG_H
#include <stddef.h>
#include <stdint.h>

#include "zx_units.h"

/* ===== Verbosity ===== */

enum zx_log_level {
    ZX_LOG_QUIET = -1,  /* -q: errors only */
    ZX_LOG_NORMAL = 0,  /* progress on a terminal, informational lines */
    ZX_LOG_VERBOSE = 1, /* -v: also every Hub request */
};

/* Set by src/main.c from -q / -v before the command runs. */
void zx_log_set_level(int level);
int zx_log_level(void);

/* Print one line (a newline is added) on stderr, first erasing a progress
 * line that is on the screen; the progress line comes back at its next
 * update.  zx_log_info() prints only when the level is not quiet. */
void zx_log_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void zx_log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Sizes for people: zx_format_size() in zx_units.h. */

/* ===== Progress ===== */

#define ZX_PROGRESS_RING 16

/* A one-line progress display, redrawn in place at most 10 times a second:
 *   crawl: 1234/2000+ models, 2468 requests, 12.3 MiB, 1.1 MiB/s
 *   ingest: 0/1 models, 3 requests, 143 MiB of 300 MiB, 115 MiB/s, ETA 0:01
 * Fill the counters and call zx_progress_update() / zx_progress_tick(). */
struct zx_progress {
    const char *what; /* "ingest", "crawl" */
    const char *unit; /* "models" (the default), "entries" */
    uint64_t done;
    uint64_t total; /* models; 0 when unknown */
    int more;       /* total may still grow: shown as "2000+" */
    int net;        /* show requests, bytes and the byte rate */
    uint64_t requests;
    uint64_t bytes;      /* received so far */
    uint64_t xfer_done;  /* bytes of the transfers in flight whose size */
    uint64_t xfer_total; /* is known: shown instead of `bytes` while
                            xfer_total > xfer_done, with an ETA */
    int enabled;
    double start;
    double last; /* time of the last redraw */
    double ring_t[ZX_PROGRESS_RING];
    uint64_t ring_b[ZX_PROGRESS_RING];
    unsigned ring_n;
    char item[128];
};

/* Start a display of `total` models (0: unknown), enabled or not as the
 * header says. */
void zx_progress_init(struct zx_progress *p, const char *what, uint64_t total);
/* Set done and the item being worked on (NULL keeps the last one), then
 * redraw unless the last redraw is under 0.1 s old. */
void zx_progress_update(struct zx_progress *p, uint64_t done, const char *item);
/* Redraw with the counters as they are, throttled the same way. */
void zx_progress_tick(struct zx_progress *p);
/* Erase the line (the command's summary follows on stdout). */
void zx_progress_end(struct zx_progress *p);
/* The text of the line as it would be drawn now, without the item, into
 * buf (for tests and for the summary).  Returns buf. */
char *zx_progress_format(struct zx_progress *p, double now, char *buf,
                         size_t n);

/* Monotonic seconds. */
double zx_now(void);

#endif
