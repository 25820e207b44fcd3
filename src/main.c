/* main.c - zoodex's entry point: global options and command dispatch.
 *
 * The only place, with src/cmd_*.c, that prints or exits.
 * SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"
#include "store.h"
#include "zx_log.h"
#include "zx_mem.h"

#ifndef ZX_VERSION
#define ZX_VERSION "0.1.0"
#endif

/* The options of each command, as `COMMAND --help` lists them: kept
 * here, next to the command table, so that --help and the man pages
 * (tests/check-docs.sh) cannot disagree. */
static const struct zx_optdoc crawl_opts[] = {
    {"-a, --author a", "list only the models of user or organisation a"},
    {"-f, --filter tag",
     "list only the models with the Hub tag (repeatable: every tag)"},
    {"-s, --search s", "list only the models whose id contains s"},
    {"-S, --since date",
     "list the models modified on or after YYYY-MM-DD[THH:MM:SS] "
     "(default: since the last complete run)"},
    {"-n, --max-models n",
     "stop after fetching n new or changed models (default: no limit)"},
    {"-b, --max-bytes b",
     "stop once b bytes were received, e.g. 512M or 2G (default 0: no "
     "limit)"},
    {"-p, --parallel n", "requests in flight, 1 to 256 (default 8)"},
    {"-r, --rate r", "requests started per second (default 0: no limit)"},
    {"-P, --page-size n", "models per listing page, 1 to 10000 (default 1000)"},
    {"-R, --retries n", "retries of a failed request, 0 to 20 (default 6)"},
    {"-d, --dry-run", "list and compare, fetch and write nothing"},
    {"-e, --exit-code",
     "exit 7 when nothing was new or changed (default: exit 0)"},
    {"-j, --json", "print the summary as JSON"},
    {NULL, NULL},
};
static const struct zx_optdoc ingest_opts[] = {
    {"-f, --force", "describe every model again, even when unchanged"},
    {"-i, --id ID", "index the one model found under the id ID"},
    {"-o, --org ORG",
     "the organisation part of derived ids (default: the card's or "
     "config's org/name, else the parent folder's name)"},
    {"-e, --max-entries n",
     "refuse an archive of more than n entries (default 100000)"},
    {"-b, --max-bytes size",
     "refuse an archive that unpacks to more than size bytes (default "
     "256G)"},
    {"-j, --json", "print the summary as JSON"},
    {NULL, NULL},
};
static const struct zx_optdoc inspect_opts[] = {
    {"-j, --json", "print a JSON array of the tensors"},
    {NULL, NULL},
};
static const struct zx_optdoc lineage_opts[] = {
    {"-a, --ancestors", "every ancestor up to the roots"},
    {"-d, --descendants", "the whole sub-tree below the model"},
    {"-s, --siblings", "the other children of the model's parents"},
    {"-r, --root", "the roots above the model"},
    {"-t, --tree", "every tree that holds the model, from its roots"},
    {"-f, --format text|json|dot", "the output format (default text)"},
    {"-m, --min-confidence x",
     "drop edges below confidence x, 0 to 1 (default 0)"},
    {"-j, --json", "the same as --format json"},
    {"-i, --infer", "also chart the lineage from the weights alone"},
    {"-M, --method atlas|mother", "the method of --infer (default atlas)"},
    {"-A, --all", "the lineage of the whole index, tree after tree"},
    {NULL, NULL},
};
static const struct zx_optdoc list_opts[] = {
    {"-g, --group signature",
     "only the models of one weight group (default: every model)"},
    {"-u, --author a", "only models whose id starts with a/"},
    {"-L, --license l", "only models under licence l"},
    {"-t, --task t", "only models with pipeline tag t"},
    {"-T, --model-type t", "only models whose config model_type is t"},
    {"-A, --architecture class",
     "only models whose config names architecture class"},
    {"-p, --min-params n", "at least n parameters (10M, 1.5B; default 0)"},
    {"-P, --max-params n", "at most n parameters (default: no limit)"},
    {"-d, --min-downloads n", "at least n downloads on the Hub (default 0)"},
    {"-l, --min-likes n", "at least n likes on the Hub (default 0)"},
    {"-s, --since date", "created (else ingested) on or after date"},
    {"-U, --until date", "created (else ingested) on or before date"},
    {"-S, --sort field",
     "id, downloads, likes, params, created or ingested (default id)"},
    {"-r, --reverse", "reverse the order"},
    {"-n, --limit n", "print at most n models (default: all)"},
    {"-j, --json", "print a JSON array with every field"},
    {NULL, NULL},
};
static const struct zx_optdoc prune_opts[] = {
    {"-n, --dry-run", "print what would be deleted, delete nothing"},
    {"-j, --json", "print a JSON object"},
    {NULL, NULL},
};
static const struct zx_optdoc json_opts[] = {
    {"-j, --json", "print a JSON object"},
    {NULL, NULL},
};
static const struct zx_optdoc search_opts[] = {
    {"-l, --like model|path",
     "the example (required; an operand without --like is taken as it)"},
    {"-k n", "print at most n hits, 1 to 10000 (default 10)"},
    {"-j, --json", "print a JSON object"},
    {NULL, NULL},
};
static const struct zx_optdoc show_opts[] = {
    {"-l, --labels", "print every label name (default: the first 20)"},
    {"-t, --tensors", "also list every tensor"},
    {"-j, --json", "print a JSON object"},
    {NULL, NULL},
};

static const struct zx_cmd commands[] = {
    /* keep sorted by name */
    {"backup", cmd_backup, "[--json] dir",
     "copy the store, consistent and compacted, while others use it",
     json_opts},
    {"crawl", cmd_crawl,
     "[--author a] [--filter tag]... [--search s] [--since date] "
     "[--max-models n] [--max-bytes b] [--parallel n] [--rate r] "
     "[--page-size n] [--retries n] [--dry-run] [--exit-code] [--json]",
     "bring the index up to date with the Hugging Face Hub", crawl_opts},
    {"ingest", cmd_ingest,
     "[--force] [--id ID] [--org ORG] [--max-entries n] "
     "[--max-bytes size] [--json] path ...",
     "index local checkpoints: model folders, files or trees of them",
     ingest_opts},
    {"inspect", cmd_inspect, "[--json] path",
     "list the tensors of a checkpoint with checksums", inspect_opts},
    {"lineage", cmd_lineage,
     "[--ancestors | --descendants | --siblings | --root | --tree] "
     "[--format text|json|dot] [--min-confidence x] [--json] "
     "[--infer [--method atlas|mother]] model | --all",
     "show a model's declared (and inferred) parents and children",
     lineage_opts},
    {"list", cmd_list,
     "[--json] [--group signature] [--author a] [--license l] [--task t] "
     "[--model-type t] [--architecture class] [--min-params n] "
     "[--max-params n] [--min-downloads n] [--min-likes n] [--since date] "
     "[--until date] [--sort field] [--reverse] [--limit n]",
     "list the indexed models, filtered and sorted", list_opts},
    {"prune", cmd_prune, "[--dry-run] [--json] [model ...]",
     "delete the Hugging Face cache files zoodex downloaded", prune_opts},
    {"reindex", cmd_reindex, "[--json]",
     "rebuild every vector file from the metadata store", json_opts},
    {"rm", cmd_rm, "[--json] model ...",
     "remove models from the index (declared edges to them stay)", json_opts},
    {"search", cmd_search, "[--like] model|path [-k n] [--json]",
     "find the models whose weights are nearest to an example", search_opts},
    {"show", cmd_show, "[--json] [--tensors] [--labels] model",
     "print everything the index knows about a model", show_opts},
    {"stats", cmd_stats, "[--json]",
     "count models, weight groups, edges by provenance, bytes", json_opts},
    {"verify", cmd_verify, "[--json]",
     "check that the store and the vector files agree", json_opts},
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

/* --json of the command running: a fault's message goes to stdout too. */
static volatile sig_atomic_t fault_json;

/* say() to stdout, as a JSON string's contents (async-signal-safe). */
static void say_json_string(const char *s)
{
    static const char hex[] = "0123456789abcdef";

    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};

        if (c == '"' || c == '\\' || c < 0x20) {
            if (write(STDOUT_FILENO, e, sizeof(e)) < 0)
                return;
        } else if (write(STDOUT_FILENO, s, 1) < 0) {
            return;
        }
    }
}

/* A fault while reading a damaged store (zx_store_fault_message) ends the
 * command with its message and zx_fault_status; any other fault keeps its
 * default action (SA_RESETHAND: returning re-runs the faulting access). */
static void on_fault(int sig, siginfo_t *si, void *uc)
{
    const char *m;

    (void)uc;
    if (si->si_code <= 0) { /* sent by kill(2) or raise(3): not a fault */
        raise(sig);         /* the default action, since SA_RESETHAND */
        return;
    }
    m = zx_store_fault_message(si->si_addr);
    if (!m)
        return;
    say("zoodex ");
    say(current ? current->name : "");
    say(": ");
    say(m);
    say("\n");
    if (zx_store_fault_nospace()) /* writing lock.mdb: a full disk */
        zx_fault_status = ZX_EXIT_NOSPACE;
    if (fault_json) {
        char st[] = "0\n}\n";

        st[0] = (char)('0' + zx_fault_status % 10);
        if (write(STDOUT_FILENO, "{\n  \"error\": \"", 14) > 0) {
            say_json_string(m);
            if (write(STDOUT_FILENO, "\",\n  \"exit\": ", 14) > 0 &&
                write(STDOUT_FILENO, st, sizeof(st) - 1) < 0)
                _exit(zx_fault_status);
        }
    }
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
    case ZX_EREFUSED: /* the Hub refused: a general error, not usage */
        return ZX_EXIT_ERROR;
    case ZX_EOFFLINE:
        return ZX_EXIT_OFFLINE;
    case ZX_ENOSPACE:
        return ZX_EXIT_NOSPACE;
    default:
        return ZX_EXIT_ERROR;
    }
}

/* ===== Usage errors ===== */

/* Why getopt_long() last refused an option, for zx_usage(). */
static char opt_error[256];

/* Levenshtein distance of a and b, both shorter than 64 bytes (else a
 * large number). */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), i, j, row[64], prev, tmp;

    if (la >= 64 || lb >= 64)
        return 1000;
    for (j = 0; j <= lb; j++)
        row[j] = j;
    for (i = 1; i <= la; i++) {
        prev = row[0];
        row[0] = i;
        for (j = 1; j <= lb; j++) {
            size_t best = prev + (a[i - 1] != b[j - 1]);

            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            tmp = row[j];
            row[j] = best;
            prev = tmp;
        }
    }
    return row[lb];
}

/* Close enough to be a typo: at most 2 edits, and fewer than half the
 * word. */
static int near(const char *typed, const char *known, size_t *best)
{
    size_t d = edit_distance(typed, known);

    if (d > 2 || d > strlen(known) / 2 || d >= *best)
        return 0;
    *best = d;
    return 1;
}

/* The long option of `opts` nearest to `name`, or NULL. */
static const char *nearest_option(const char *name, const struct option *opts)
{
    const char *found = NULL;
    size_t best = 3;

    for (; opts && opts->name; opts++) {
        if (near(name, opts->name, &best))
            found = opts->name;
    }
    return found;
}

static void record_bad_option(int argc, char *const *argv,
                              const char *shortopts,
                              const struct option *longopts)
{
    const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : "";
    const char *near_opt;
    char name[64];
    size_t n;

    if (!strncmp(arg, "--", 2) &&
        (optopt == 0 || optopt > 255 || !strchr(shortopts, optopt) ||
         arg[2] != optopt || arg[3])) {
        const struct option *o, *prefix_of = NULL;
        size_t matches = 0;

        n = strcspn(arg + 2, "=");
        if (n >= sizeof(name))
            n = sizeof(name) - 1;
        memcpy(name, arg + 2, n);
        name[n] = '\0';
        for (o = longopts; o && o->name; o++) {
            if (!strcmp(o->name, name)) {
                snprintf(opt_error, sizeof(opt_error),
                         o->has_arg ? "option '--%s' needs a value"
                                    : "option '--%s' takes no value",
                         name);
                return;
            }
            if (!strncmp(o->name, name, n)) {
                matches++;
                prefix_of = o;
            }
        }
        if (matches == 1) { /* an abbreviation, as getopt takes them */
            snprintf(opt_error, sizeof(opt_error),
                     prefix_of->has_arg ? "option '--%s' needs a value"
                                        : "option '--%s' takes no value",
                     prefix_of->name);
            return;
        }
        if (matches > 1) {
            snprintf(opt_error, sizeof(opt_error),
                     "option '--%s' is ambiguous: it begins %zu options", name,
                     matches);
            return;
        }
        if (!strcmp(name, "db")) {
            snprintf(opt_error, sizeof(opt_error),
                     "--db goes before the command: zoodex --db DIR %s ...",
                     argv[0] && strchr(argv[0], ' ') ? strchr(argv[0], ' ') + 1
                                                     : "COMMAND");
            return;
        }
        if (!strcmp(name, "version")) {
            snprintf(opt_error, sizeof(opt_error),
                     "--version is not an option of a command: zoodex "
                     "--version");
            return;
        }
        near_opt = nearest_option(name, longopts);
        if (near_opt)
            snprintf(opt_error, sizeof(opt_error),
                     "unknown option '--%s' (did you mean --%s?)", name,
                     near_opt);
        else
            snprintf(opt_error, sizeof(opt_error), "unknown option '--%s'",
                     name);
        return;
    }
    {
        const char *p = optopt > 0 && optopt < 256 && optopt != ':'
                            ? strchr(shortopts, optopt)
                            : NULL;

        if (p && p[1] == ':')
            snprintf(opt_error, sizeof(opt_error), "option '-%c' needs a value",
                     optopt);
        else if (optopt > 32 && optopt < 127)
            snprintf(opt_error, sizeof(opt_error), "unknown option '-%c'",
                     optopt);
        else
            snprintf(opt_error, sizeof(opt_error), "unknown option '%s'", arg);
    }
}

#undef getopt_long
int zx_getopt_long(int argc, char *const *argv, const char *shortopts,
                   const struct option *longopts, int *longind)
{
    int ch;

    opterr = 0;
    ch = getopt_long(argc, argv, shortopts, longopts, longind);
    if (ch == '?' || ch == ':')
        record_bad_option(argc, argv, shortopts, longopts);
    else if (ch == -1)
        opt_error[0] = '\0';
    return ch;
}

/* {"error": msg, "exit": status} on stdout, for --json. */
static void print_json_error(const char *msg, int status)
{
    json_t *o = json_pack("{s:s,s:i}", "error", msg, "exit", status);

    zx_print_json(o);
    json_decref(o);
}

int zx_usage(struct zx_ctx *ctx)
{
    const char *msg = opt_error[0] ? opt_error : ctx->err.msg;
    char line[1024];

    snprintf(line, sizeof(line), "usage: zoodex [--db dir] %s %s",
             current->name, current->synopsis);
    if (msg[0])
        fprintf(stderr, "zoodex %s: %s\n", current->name, msg);
    fprintf(stderr, "%s\n", line);
    if (ctx->json)
        print_json_error(msg[0] ? msg : line, ZX_EXIT_USAGE);
    opt_error[0] = '\0';
    return ZX_EXIT_USAGE;
}

int zx_usage_msg(struct zx_ctx *ctx, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(opt_error, sizeof(opt_error), fmt, ap);
    va_end(ap);
    return zx_usage(ctx);
}

int zx_operands(struct zx_ctx *ctx, int argc, char **argv, int min, int max,
                const char *what)
{
    int n = argc - optind;

    if (n < min)
        return zx_usage_msg(ctx, "missing operand: give %s", what);
    if (max >= 0 && n > max)
        return zx_usage_msg(ctx, "unexpected operand '%s'%s",
                            argv[optind + max],
                            max ? "" : " (it takes no operands)");
    return 0;
}

int zx_report_status(struct zx_ctx *ctx, int status)
{
    const char *msg = ctx->err.msg[0] ? ctx->err.msg : "failed";

    fprintf(stderr, "zoodex %s: %s\n", ctx->name, msg);
    if (ctx->json)
        print_json_error(msg, status);
    return status;
}

int zx_report(struct zx_ctx *ctx, int rc)
{
    if (rc == ZX_EUSAGE && !ctx->err.msg[0])
        return zx_usage(ctx);
    if (!ctx->err.msg[0])
        snprintf(ctx->err.msg, sizeof(ctx->err.msg), "%s", zx_strerror(rc));
    return zx_report_status(ctx, zx_exit_for(rc));
}

const char *zx_plural(uint64_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
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
    while ((ch = zx_getopt_long(argc, argv, "j", opts, NULL)) != -1) {
        if (ch == 'j')
            *json = 1;
        else
            return zx_usage(ctx);
    }
    return zx_operands(ctx, argc, argv, 0, 0, "");
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

/* The usage line, summary and options of command c. */
static void print_help(FILE *f, const struct zx_cmd *c)
{
    const struct zx_optdoc *o;

    fprintf(f, "usage: zoodex [--db dir] %s %s\n\n%s.\n", c->name, c->synopsis,
            c->summary);
    if (c->opts && c->opts[0].spelling) {
        fprintf(f, "\noptions:\n");
        for (o = c->opts; o->spelling; o++) {
            if (strlen(o->spelling) > 24)
                fprintf(f, "  %s\n  %-24s  %s\n", o->spelling, "", o->text);
            else
                fprintf(f, "  %-24s  %s\n", o->spelling, o->text);
        }
    }
    fprintf(f, "\nSee zoodex-%s(1) for the details and exit statuses.\n",
            c->name);
}

int zx_help(struct zx_ctx *ctx)
{
    (void)ctx;
    print_help(stdout, current);
    return ZX_EXIT_OK;
}

static void usage_all(FILE *f)
{
    size_t i;

    fprintf(f, "usage: zoodex [--db dir] [-q | -v] [--version] [--help] "
               "command [args]\n\ncommands:\n");
    for (i = 0; i < N_COMMANDS; i++)
        fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nThe index lives in --db, else $ZOODEX_DB, else "
               "$XDG_DATA_HOME/zoodex.\n-q (--quiet): no progress, errors "
               "only on stderr; -v (--verbose): log every Hub request.\n"
               "'zoodex COMMAND --help' and zoodex(1) say more.\n");
}

/* The command called `name`, or NULL. */
static const struct zx_cmd *find_command(const char *name)
{
    size_t i;

    for (i = 0; i < N_COMMANDS; i++)
        if (!strcmp(commands[i].name, name))
            return &commands[i];
    return NULL;
}

/* 1 when `arg` ("--json") is an option of some command. */
static int command_option(const char *arg)
{
    const struct zx_optdoc *o;
    size_t i, n = strlen(arg);

    if (n < 3 || strncmp(arg, "--", 2))
        return 0;
    for (i = 0; i < N_COMMANDS; i++)
        for (o = commands[i].opts; o && o->spelling; o++) {
            const char *p = strstr(o->spelling, arg);

            if (p && (p[n] == '\0' || p[n] == ' ' || p[n] == ','))
                return 1;
        }
    return 0;
}

/* A usage error before any command runs: the message, the list of
 * commands, and with --json the JSON object. */
static int global_usage(int json, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int global_usage(int json, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fprintf(stderr, "zoodex: %s\n", msg);
    if (!json)
        usage_all(stderr);
    else
        print_json_error(msg, ZX_EXIT_USAGE);
    return ZX_EXIT_USAGE;
}

/* "'ingets' is not a zoodex command (did you mean 'ingest'?)" */
static int unknown_command(int json, const char *name)
{
    const char *found = NULL;
    size_t i, best = 3;

    for (i = 0; i < N_COMMANDS; i++)
        if (near(name, commands[i].name, &best))
            found = commands[i].name;
    if (near(name, "help", &best))
        found = "help";
    if (found)
        return global_usage(json,
                            "'%s' is not a zoodex command (did you mean "
                            "'%s'?)",
                            name, found);
    return global_usage(json, "'%s' is not a zoodex command", name);
}

/* Run man with `args`, its stderr silenced (and its stdout when `quiet`);
 * 1 when it exited 0. */
static int run_man(const char *const *args, int quiet)
{
    pid_t pid;
    int st;

    fflush(stdout);
    pid = fork();
    if (pid < 0)
        return 0;
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);

        if (fd >= 0) {
            dup2(fd, STDERR_FILENO);
            if (quiet)
                dup2(fd, STDOUT_FILENO);
            close(fd);
        }
        execvp(args[0], (char *const *)args);
        _exit(127);
    }
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return 0;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* The page `file` of a source checkout: next to the binary
 * (build/zoodex -> man/) or under the current folder; NULL when none. */
static char *checkout_page(const char *file)
{
    char exe[PATH_MAX], *slash, *p;
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

    if (n > 0) {
        exe[n] = '\0';
        slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            p = xasprintf("%s/../man/%s", exe, file);
            if (access(p, R_OK) == 0)
                return p;
            free(p);
        }
    }
    p = xasprintf("man/%s", file);
    if (access(p, R_OK) == 0)
        return p;
    free(p);
    return NULL;
}

/* `zoodex help [command]`: on a terminal the installed man page, else the
 * page of the source checkout (man -l), else the built-in text, which is
 * also what a pipe gets.  Never fails for a known command. */
static int help_topic(const char *name, int json)
{
    const struct zx_cmd *c;
    char page[64], file[64];

    if (!name) {
        usage_all(stdout);
        return 0;
    }
    c = find_command(name);
    if (!c)
        return unknown_command(json, name);
    snprintf(page, sizeof(page), "zoodex-%s", name);
    snprintf(file, sizeof(file), "zoodex-%s.1", name);
    if (isatty(STDOUT_FILENO)) {
        const char *where[] = {"man", "-w", page, NULL};
        const char *show[] = {"man", page, NULL};
        char *local;

        if (run_man(where, 1) && run_man(show, 0))
            return 0;
        local = checkout_page(file);
        if (local) {
            const char *show_local[] = {"man", "-l", local, NULL};
            int shown = run_man(show_local, 0);

            free(local);
            if (shown)
                return 0;
        }
    }
    print_help(stdout, c);
    return 0;
}

/* -q/--quiet and -v/--verbose may also follow the command name: take them
 * out of the command's arguments (up to "--") before its own parser runs;
 * none of the commands has an option of those names.  Returns the new
 * argc. */
static int take_level_options(int argc, char **argv)
{
    const char *p;
    int i, n = 1;

    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--")) {
            while (i < argc)
                argv[n++] = argv[i++];
            break;
        }
        if (!strcmp(argv[i], "--quiet"))
            zx_log_set_level(ZX_LOG_QUIET);
        else if (!strcmp(argv[i], "--verbose"))
            zx_log_set_level(ZX_LOG_VERBOSE);
        else if (argv[i][0] == '-' && argv[i][1] &&
                 !argv[i][strspn(argv[i] + 1, "qv") + 1]) /* -q, -v, -qv */
            for (p = argv[i] + 1; *p; p++)
                zx_log_set_level(*p == 'q' ? ZX_LOG_QUIET : ZX_LOG_VERBOSE);
        else
            argv[n++] = argv[i];
    }
    argv[n] = NULL;
    return n;
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

/* 1 when the command's arguments ask for JSON output: --json, or
 * --format json (lineage), before any "--". */
static int asks_json(int argc, char **argv)
{
    int i;

    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--"))
            break;
        if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j") ||
            !strcmp(argv[i], "--format=json") ||
            (!strcmp(argv[i], "--format") && i + 1 < argc &&
             !strcmp(argv[i + 1], "json")))
            return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    struct zx_ctx ctx;
    char *db = NULL, *prog;
    int ch, rc, json = asks_json(argc, argv);

    /* A file-size limit must turn into a clean EFBIG error, not a kill. */
    signal(SIGXFSZ, SIG_IGN);
    catch_faults();
    memset(&ctx, 0, sizeof(ctx));
    opterr = 0;
    while ((ch = zx_getopt_long(argc, argv, "+d:hqvV", opts, NULL)) != -1) {
        switch (ch) {
        case 'd':
            free(db);
            if (!*optarg) {
                rc = global_usage(json, "--db wants a folder, not an empty "
                                        "string");
                return rc;
            }
            db = xstrdup(optarg);
            break;
        case 'h':
            usage_all(stdout);
            free(db);
            return 0;
        case 'q': /* the last of -q and -v counts */
            zx_log_set_level(ZX_LOG_QUIET);
            break;
        case 'v':
            zx_log_set_level(ZX_LOG_VERBOSE);
            break;
        case 'V':
            printf("zoodex %s\n", ZX_VERSION);
            free(db);
            return 0;
        default:
            free(db);
            if (optind > 0 && optind <= argc &&
                command_option(argv[optind - 1]))
                return global_usage(json,
                                    "%s goes after the command: zoodex "
                                    "COMMAND %s",
                                    argv[optind - 1], argv[optind - 1]);
            return global_usage(json, "%s", opt_error);
        }
    }
    if (optind >= argc) {
        free(db);
        return global_usage(json, "no command given");
    }
    if (!strcmp(argv[optind], "help")) {
        free(db);
        return help_topic(optind + 1 < argc ? argv[optind + 1] : NULL, json);
    }
    current = find_command(argv[optind]);
    if (!current) {
        free(db);
        return unknown_command(json, argv[optind]);
    }
    if (!db)
        db = default_db();
    ctx.db = db;
    ctx.name = current->name;
    argc -= optind;
    argv += optind;
    argc = take_level_options(argc, argv);
    ctx.json = asks_json(argc, argv);
    /* 0, not 1: glibc then starts afresh, in its default (permuting)
     * order, so options may follow the command's operands too. */
    optind = 0;
    /* messages name the command: "zoodex search: ..." */
    prog = xasprintf("zoodex %s", current->name);
    argv[0] = prog;
    if (zx_wants_help(argc, argv))
        rc = zx_help(&ctx);
    else {
        fault_json = ctx.json;
        rc = current->fn(argc, argv, &ctx);
    }
    free(prog);
    if (fflush(stdout) != 0 && rc == 0) {
        perror("zoodex: cannot write output");
        rc = ZX_EXIT_ERROR;
    }
    free(db);
    return rc;
}
