/* cmd_progress.c - the CLI's side of Hub traffic, shared by `crawl` and
 * `ingest` (not a command of its own).
 *
 * It points a hub's watch (ingest/hub.h) at the -v request log and at the
 * command's progress line: one line per HTTP exchange on stderr under -v
 * (method, URL as hub.c makes it safe to show, status, bytes, time), and
 * the live request and byte counts on every turn of the transfer loop.
 * SPDX-License-Identifier: MIT */
#include <stdio.h>

#include "cmd.h"
#include "hub.h"
#include "zx_log.h"

/* One command per process: the watch's state is the process's. */
static struct {
    const char *name;
    struct zx_progress *p;
    int xfer;
} w;

static void on_exchange(void *arg, const struct zx_hub_exchange *ex)
{
    char size[ZX_SIZE_LEN], retry[48] = "";

    (void)arg;
    if (zx_log_level() < ZX_LOG_VERBOSE)
        return;
    if (ex->retry_in >= 0)
        snprintf(retry, sizeof(retry), " (retry in %.1f s)", ex->retry_in);
    if (ex->status)
        zx_log_line("zoodex %s: %s %s %ld %s %.3f s%s", w.name, ex->method,
                    ex->url, ex->status, zx_format_size(ex->bytes, size),
                    ex->seconds, retry);
    else
        zx_log_line("zoodex %s: %s %s failed (%s) %.3f s%s", w.name, ex->method,
                    ex->url, ex->error ? ex->error : "?", ex->seconds, retry);
}

static void on_tick(void *arg, const struct zx_hub_stats *st)
{
    (void)arg;
    if (!w.p)
        return;
    w.p->requests = st->requests;
    w.p->bytes = st->received;
    if (w.xfer) {
        w.p->xfer_done = st->inflight_done;
        w.p->xfer_total = st->inflight_total;
    }
    zx_progress_tick(w.p);
}

void zx_cli_watch_hub(struct zx_hub *h, const char *name, struct zx_progress *p,
                      int xfer)
{
    struct zx_hub_watch hw = {on_exchange, on_tick, NULL};

    w.name = name;
    w.p = p;
    w.xfer = xfer;
    zx_hub_set_watch(h, &hw);
}
