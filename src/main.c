/* main.c - zoodex's entry point: global options and command dispatch.
 *
 * The only place, with src/cmd_*.c, that prints or exits.
 * SPDX-License-Identifier: MIT */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "store.h"
#include "zx_mem.h"

#ifndef ZX_VERSION
#define ZX_VERSION "0.1.0"
#endif

static const struct zx_cmd commands[] = {
    /* keep sorted by name */
    {"backup", cmd_backup, "[--json] dir",
     "copy the store, consistent and compacted, while others use it"},
    {"crawl", cmd_crawl,
     "[--author a] [--filter tag]... [--search s] [--since date] "
     "[--max-models n] [--max-bytes b] [--parallel n] [--rate r] "
     "[--page-size n] [--retries n] [--dry-run] [--json]",
     "bring the index up to date with the Hugging Face Hub"},
    {"ingest", cmd_ingest,
     "[--force] [--id ID] [--max-entries n] "
     "[--max-bytes size] [--json] path ...",
     "index local checkpoints: model folders, files or trees of them"},
    {"inspect", cmd_inspect, "[--json] path",
     "list the tensors of a checkpoint with checksums"},
    {"lineage", cmd_lineage,
     "[--ancestors | --descendants | --siblings | --root | --tree] "
     "[--format text|json|dot] [--min-confidence x] [--json] "
     "[--infer [--method atlas|mother]] model",
     "show a model's declared (and inferred) parents and children"},
    {"list", cmd_list, "[--json] [--arch signature]",
     "list the indexed models"},
    {"reindex", cmd_reindex, "[--json]",
     "rebuild every vector file from the metadata store"},
    {"search", cmd_search, "--like model|path [-k n] [--json]",
     "find the models whose weights are nearest to an example"},
    {"show", cmd_show, "[--json] [--tensors] model",
     "print everything the index knows about a model"},
    {"stats", cmd_stats, "[--json]", "count models, groups, edges, bytes"},
    {"verify", cmd_verify, "[--json]",
     "check that the store and the vector files agree"},
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct zx_cmd *current;
volatile int zx_interrupted;

static void on_signal(int sig)
{
    (void)sig;
    zx_interrupted = 1;
}

void zx_catch_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int zx_fault_status = ZX_EXIT_ERROR;

static void say(const char *s)
{
    size_t n = strlen(s);

    while (n) {
        ssize_t w = write(STDERR_FILENO, s, n);

        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

/* A fault while reading a damaged store (zx_store_fault_message) ends the
 * command with its message and zx_fault_status; any other fault keeps its
 * default action (SA_RESETHAND: returning re-runs the faulting access). */
static void on_fault(int sig, siginfo_t *si, void *uc)
{
    const char *m = zx_store_fault_message(si->si_addr);

    (void)sig;
    (void)uc;
    if (!m)
        return;
    say("zoodex ");
    say(current ? current->name : "");
    say(": ");
    say(m);
    say("\n");
    _exit(zx_fault_status);
}

static void catch_faults(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
}

int zx_exit_for(int code)
{
    switch (code) {
    case ZX_OK:
        return ZX_EXIT_OK;
    case ZX_EUSAGE:
        return ZX_EXIT_USAGE;
    case ZX_ELOCKED:
        return ZX_EXIT_LOCKED;
    case ZX_ENOTFOUND:
        return ZX_EXIT_NOTFOUND;
    default:
        return ZX_EXIT_ERROR;
    }
}

int zx_usage(struct zx_ctx *ctx)
{
    (void)ctx;
    fprintf(stderr, "usage: zoodex [--db dir] %s %s\n", current->name,
            current->synopsis);
    return ZX_EXIT_USAGE;
}

int zx_report(struct zx_ctx *ctx, int rc)
{
    if (rc == ZX_EUSAGE && !ctx->err.msg[0])
        return zx_usage(ctx);
    fprintf(stderr, "zoodex %s: %s\n", ctx->name,
            ctx->err.msg[0] ? ctx->err.msg : zx_strerror(rc));
    return zx_exit_for(rc);
}

int zx_parse_size(const char *s, uint64_t *out)
{
    unsigned long long v;
    char *end;
    int shift = 0;

    if (!s || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno)
        return -1;
    switch (*end) {
    case 'k':
    case 'K':
        shift = 10;
        break;
    case 'm':
    case 'M':
        shift = 20;
        break;
    case 'g':
    case 'G':
        shift = 30;
        break;
    case 't':
    case 'T':
        shift = 40;
        break;
    default:
        break;
    }
    if (shift)
        end++;
    if (*end == 'B' || *end == 'b')
        end++;
    if (*end || v > (UINT64_MAX >> shift))
        return -1;
    *out = (uint64_t)v << shift;
    return 0;
}

void zx_print_json(const json_t *v)
{
    char *s = json_dumps(v, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENCODE_ANY |
                                JSON_REAL_PRECISION(10));

    if (s) {
        fputs(s, stdout);
        fputc('\n', stdout);
    }
    free(s);
}

int zx_parse_int(const char *s, long lo, long hi, long *out)
{
    char *end;
    long v;

    if (!s || !*s)
        return -1;
    v = strtol(s, &end, 10);
    if (*end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

int zx_parse_json_only(int argc, char **argv, struct zx_ctx *ctx, int *json)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {NULL, 0, NULL, 0},
    };
    int ch;

    *json = 0;
    while ((ch = getopt_long(argc, argv, "j", opts, NULL)) != -1) {
        if (ch == 'j')
            *json = 1;
        else
            return zx_usage(ctx);
    }
    if (optind != argc)
        return zx_usage(ctx);
    return 0;
}

int zx_wants_help(int argc, char **argv)
{
    int i;

    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--"))
            break;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
            return 1;
    }
    return 0;
}

int zx_help(struct zx_ctx *ctx)
{
    printf("usage: zoodex [--db dir] %s %s\n\n%s.\n", current->name,
           current->synopsis, current->summary);
    printf("See zoodex-%s(1) for the options and exit statuses.\n", ctx->name);
    return ZX_EXIT_OK;
}

static void usage_all(FILE *f)
{
    size_t i;

    fprintf(f, "usage: zoodex [--db dir] [--version] [--help] command "
               "[args]\n\ncommands:\n");
    for (i = 0; i < N_COMMANDS; i++)
        fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nThe index lives in --db, else $ZOODEX_DB, else "
               "$XDG_DATA_HOME/zoodex.\n'zoodex COMMAND --help' and "
               "zoodex(1) say more.\n");
}

/* `zoodex help [command]`: the man page when man can show it, else the
 * built-in summary. */
static int help_topic(const char *name)
{
    char page[64];
    size_t i;

    if (!name) {
        usage_all(stdout);
        return 0;
    }
    for (i = 0; i < N_COMMANDS; i++)
        if (!strcmp(commands[i].name, name))
            break;
    if (i == N_COMMANDS) {
        fprintf(stderr, "zoodex: '%s' is not a zoodex command\n", name);
        return ZX_EXIT_USAGE;
    }
    snprintf(page, sizeof(page), "zoodex-%s", name);
    if (isatty(STDOUT_FILENO)) {
        fflush(stdout);
        execlp("man", "man", page, (char *)NULL);
    }
    printf("usage: zoodex [--db dir] %s %s\n\n%s.\nSee %s(1).\n", name,
           commands[i].synopsis, commands[i].summary, page);
    return 0;
}

static char *default_db(void)
{
    const char *e = getenv("ZOODEX_DB"), *x, *home;

    if (e && *e)
        return xstrdup(e);
    x = getenv("XDG_DATA_HOME");
    if (x && *x)
        return xasprintf("%s/zoodex", x);
    home = getenv("HOME");
    return xasprintf("%s/.local/share/zoodex", home && *home ? home : ".");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    struct zx_ctx ctx;
    char *db = NULL, *prog;
    size_t i;
    int ch, rc;

    /* A file-size limit must turn into a clean EFBIG error, not a kill. */
    signal(SIGXFSZ, SIG_IGN);
    catch_faults();
    memset(&ctx, 0, sizeof(ctx));
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "+d:hV", opts, NULL)) != -1) {
        switch (ch) {
        case 'd':
            free(db);
            db = xstrdup(optarg);
            break;
        case 'h':
            usage_all(stdout);
            free(db);
            return 0;
        case 'V':
            printf("zoodex %s\n", ZX_VERSION);
            free(db);
            return 0;
        default:
            usage_all(stderr);
            free(db);
            return ZX_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        usage_all(stderr);
        free(db);
        return ZX_EXIT_USAGE;
    }
    if (!strcmp(argv[optind], "help")) {
        free(db);
        return help_topic(optind + 1 < argc ? argv[optind + 1] : NULL);
    }
    for (i = 0; i < N_COMMANDS; i++)
        if (!strcmp(commands[i].name, argv[optind]))
            current = &commands[i];
    if (!current) {
        fprintf(stderr, "zoodex: '%s' is not a zoodex command\n", argv[optind]);
        usage_all(stderr);
        free(db);
        return ZX_EXIT_USAGE;
    }
    if (!db)
        db = default_db();
    ctx.db = db;
    ctx.name = current->name;
    argc -= optind;
    argv += optind;
    /* 0, not 1: glibc then starts afresh, in its default (permuting)
     * order, so options may follow the command's operands too. */
    optind = 0;
    opterr = 1;
    /* getopt prefixes its messages with argv[0]: "zoodex search: ..." */
    prog = xasprintf("zoodex %s", current->name);
    argv[0] = prog;
    if (zx_wants_help(argc, argv))
        rc = zx_help(&ctx);
    else
        rc = current->fn(argc, argv, &ctx);
    free(prog);
    if (fflush(stdout) != 0 && rc == 0) {
        perror("zoodex: cannot write output");
        rc = ZX_EXIT_ERROR;
    }
    free(db);
    return rc;
}
