/* cmd.h - the subcommand table's row type and the shared CLI context.
 *
 * Adding a subcommand: write src/cmd_<name>.c with cmd_<name>(), add a row
 * to commands[] in main.c (kept sorted), write man/zoodex-<name>.1 whose
 * SYNOPSIS matches the row, and add tests/cli/tNNNN-<name>-*.sh.
 * SPDX-License-Identifier: MIT */
#ifndef ZX_CMD_H
#define ZX_CMD_H
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
    ZX_EXIT_NOTHING = 7,     /* crawl: nothing new or changed */
    ZX_EXIT_INTERRUPTED = 130,
};

struct zx_ctx {
    const char *db;   /* index folder */
    const char *name; /* subcommand name */
    struct zx_error err;
};

struct zx_cmd {
    const char *name;
    int (*fn)(int argc, char **argv, struct zx_ctx *ctx);
    const char *synopsis; /* == the man page's SYNOPSIS after the name */
    const char *summary;
};

/* A command returns an exit status (enum zx_exit) after printing its
 * output; on failure it leaves the message in ctx->err and returns
 * zx_exit_for(code). */
int zx_exit_for(int code);
/* Print usage of the current command to stderr and return 2. */
int zx_usage(struct zx_ctx *ctx);
/* Print "zoodex <cmd>: <msg>" for ctx->err and return zx_exit_for(rc). */
int zx_report(struct zx_ctx *ctx, int rc);
/* Print a JSON value on stdout, indented, with a newline. */
void zx_print_json(const json_t *v);
/* A byte count: digits, an optional k/M/G/T suffix (powers of 1024) and an
 * optional B.  Returns 0, or -1 for anything else or an overflow. */
int zx_parse_size(const char *s, uint64_t *out);
/* Parse an integer option in [lo, hi]; 0 on success. */
int zx_parse_int(const char *s, long lo, long hi, long *out);
/* Parse a command that takes only --json (and no operands); 0 or the
 * usage exit status. */
int zx_parse_json_only(int argc, char **argv, struct zx_ctx *ctx, int *json);
/* 1 when argv asks for help (-h or --help anywhere before "--"). */
int zx_wants_help(int argc, char **argv);
/* Print the command's usage line and summary (`--help`). */
int zx_help(struct zx_ctx *ctx);

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
int cmd_reindex(int argc, char **argv, struct zx_ctx *ctx);
int cmd_search(int argc, char **argv, struct zx_ctx *ctx);
int cmd_show(int argc, char **argv, struct zx_ctx *ctx);
int cmd_stats(int argc, char **argv, struct zx_ctx *ctx);
int cmd_verify(int argc, char **argv, struct zx_ctx *ctx);

#endif
