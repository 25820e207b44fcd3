/* cmd.h - the subcommand table's row type and the shared CLI context.
 *
 * Adding a subcommand: write src/cmd_<name>.c with cmd_<name>(), add a row
 * to commands[] in main.c (kept sorted) with its options table, write
 * man/zoodex-<name>.1 whose SYNOPSIS and option list match them, and add
 * tests/cli/tNNNN-<name>-*.sh.
 * SPDX-License-Identifier: MIT */
#ifndef ZX_CMD_H
#define ZX_CMD_H
#include <getopt.h>
#include <stdint.h>

#include "zx_err.h"
#include "zx_json.h"

/* Exit statuses, listed under EXIT STATUS in zoodex(1). */
enum zx_exit {
    ZX_EXIT_OK = 0,
    ZX_EXIT_ERROR = 1,
    ZX_EXIT_USAGE = 2,
    ZX_EXIT_PARTIAL = 3,     /* some inputs failed / verify found problems */
    ZX_EXIT_LOCKED = 4,      /* another zoodex process writes the index */
    ZX_EXIT_NOTFOUND = 5,    /* the model asked about is not indexed */
    ZX_EXIT_UNREACHABLE = 6, /* crawl: the Hub could not be reached */
    ZX_EXIT_NOTHING = 7,     /* crawl --exit-code: nothing new or changed */
    ZX_EXIT_OFFLINE = 8,     /* HF_HUB_OFFLINE: needs the network, or the
                                model is not (whole) in the HF cache */
    ZX_EXIT_NOSPACE = 9,     /* no space left on device (ZX_ENOSPACE), or
                                the store reached ZOODEX_MAP_SIZE (with
                                err.map_full): what was committed stays;
                                ingest and crawl print their summary first */
    ZX_EXIT_INTERRUPTED = 130,
};

struct zx_ctx {
    const char *db;   /* index folder */
    const char *name; /* subcommand name */
    int json;         /* --json (or --format json) was asked for: every
                         exit path prints one JSON object on stdout */
    struct zx_error err;
};

/* One option of a command, for `COMMAND --help` and `zoodex help`: the
 * spelling as the man page's option list gives it ("-a, --author a") and
 * what it does, ending with its default.  tests/check-docs.sh checks that
 * the man page lists the same options. */
struct zx_optdoc {
    const char *spelling;
    const char *text;
};

struct zx_cmd {
    const char *name;
    int (*fn)(int argc, char **argv, struct zx_ctx *ctx);
    const char *synopsis; /* == the man page's SYNOPSIS after the name */
    const char *summary;
    const struct zx_optdoc *opts; /* ends with a NULL spelling */
};

/* A command returns an exit status (enum zx_exit) after printing its
 * output; on failure it leaves the message in ctx->err and returns
 * zx_exit_for(code). */
int zx_exit_for(int code);
/* Print what is wrong (the option getopt_long() refused, or ctx->err's
 * message when set) and the usage of the current command to stderr, and
 * with --json {"error", "exit"} on stdout; return 2. */
int zx_usage(struct zx_ctx *ctx);
/* The same with a message of its own. */
int zx_usage_msg(struct zx_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Check the count of operands argv[optind..argc): at least `min`, at most
 * `max` (-1: any); `what` names one ("a model"). 0, or the usage status
 * with "missing operand" or "unexpected operand 'x'". */
int zx_operands(struct zx_ctx *ctx, int argc, char **argv, int min, int max,
                const char *what);
/* Print "zoodex <cmd>: <msg>" for ctx->err and return zx_exit_for(rc). */
int zx_report(struct zx_ctx *ctx, int rc);
/* Print ctx->err's message and return `status`; with --json also
 * {"error", "exit"} on stdout. */
int zx_report_status(struct zx_ctx *ctx, int status);
/* "1 model", "2 models": the noun for n (an "s" added). */
const char *zx_plural(uint64_t n, const char *one, const char *many);
/* Print a JSON value on stdout, indented, with a newline. */
void zx_print_json(const json_t *v);
/* A byte count: digits, an optional k/M/G/T suffix (powers of 1024) and an
 * optional B.  Returns 0, or -1 for anything else or an overflow. */
int zx_parse_size(const char *s, uint64_t *out);
/* Parse an integer option in [lo, hi]; 0 on success. */
int zx_parse_int(const char *s, long lo, long hi, long *out);
/* getopt_long() as every command calls it: main.c's wrapper, which keeps
 * getopt's own messages quiet and records why an option was refused (an
 * unknown option with the nearest known one, a missing argument, --db
 * after the command) for zx_usage() to print. */
int zx_getopt_long(int argc, char *const *argv, const char *shortopts,
                   const struct option *longopts, int *longind);
#define getopt_long zx_getopt_long
/* Parse a command that takes only --json (and no operands); 0 or the
 * usage exit status. */
int zx_parse_json_only(int argc, char **argv, struct zx_ctx *ctx, int *json);
/* 1 when argv asks for help (-h or --help anywhere before "--"). */
int zx_wants_help(int argc, char **argv);
/* Print the command's usage line and summary (`--help`). */
int zx_help(struct zx_ctx *ctx);

struct zx_hub;
struct zx_progress;
/* Show hub h's traffic (src/cmd_progress.c): under -v one line per HTTP
 * exchange on stderr, prefixed "zoodex <name>: "; in p (may be NULL; set
 * p->net to show them) the live request and byte counts, and with xfer
 * the bytes of the transfers in flight ("12 MiB of 400 MiB", the ETA). */
void zx_cli_watch_hub(struct zx_hub *h, const char *name, struct zx_progress *p,
                      int xfer);
/* The exit status when reading a damaged store faults (default 1). */
extern int zx_fault_status;

/* Set by SIGINT/SIGTERM handlers during long commands. */
extern volatile int zx_interrupted;
void zx_catch_signals(void);

int cmd_backup(int argc, char **argv, struct zx_ctx *ctx);
int cmd_crawl(int argc, char **argv, struct zx_ctx *ctx);
int cmd_ingest(int argc, char **argv, struct zx_ctx *ctx);
int cmd_inspect(int argc, char **argv, struct zx_ctx *ctx);
int cmd_list(int argc, char **argv, struct zx_ctx *ctx);
int cmd_lineage(int argc, char **argv, struct zx_ctx *ctx);
int cmd_prune(int argc, char **argv, struct zx_ctx *ctx);
int cmd_reindex(int argc, char **argv, struct zx_ctx *ctx);
int cmd_rm(int argc, char **argv, struct zx_ctx *ctx);
int cmd_search(int argc, char **argv, struct zx_ctx *ctx);
int cmd_show(int argc, char **argv, struct zx_ctx *ctx);
int cmd_stats(int argc, char **argv, struct zx_ctx *ctx);
int cmd_verify(int argc, char **argv, struct zx_ctx *ctx);

#endif
