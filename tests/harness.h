/* harness.h - the whole unit-test framework: CHECK macros, RUN, DONE.
 *
 * Each tests/unit/test_<module>.c has a main() that RUNs its test functions
 * and returns DONE(), which prints "<file>  N passed, N failed".  T=name in
 * the environment runs one test.  A failure prints file:line: test: expr
 * with both values.
 * SPDX-License-Identifier: MIT */
#ifndef ZX_HARNESS_H
#define ZX_HARNESS_H
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int h_passed, h_failed, h_bad;
static const char *h_name = "";

#define H_FAIL(...)                                                            \
    do {                                                                       \
        h_bad++;                                                               \
        fprintf(stderr, "%s:%d: %s: ", __FILE__, __LINE__, h_name);            \
        fprintf(stderr, __VA_ARGS__);                                          \
        fputc('\n', stderr);                                                   \
    } while (0)
#define CHECK(c)                                                               \
    do {                                                                       \
        if (!(c))                                                              \
            H_FAIL("CHECK(%s)", #c);                                           \
    } while (0)
#define CHECK_INT(a, op, b)                                                    \
    do {                                                                       \
        long long a_ = (long long)(a), b_ = (long long)(b);                    \
        if (!(a_ op b_))                                                       \
            H_FAIL("%s %s %s (%lld vs %lld)", #a, #op, #b, a_, b_);            \
    } while (0)
#define CHECK_STR(a, b)                                                        \
    do {                                                                       \
        const char *a_ = (a), *b_ = (b);                                       \
        if (!a_ || !b_ || strcmp(a_, b_))                                      \
            H_FAIL("%s == %s (\"%s\" vs \"%s\")", #a, #b, a_ ? a_ : "(null)",  \
                   b_ ? b_ : "(null)");                                        \
    } while (0)
/* |a - b| <= tol * max(1, |b|) */
#define CHECK_NEAR(a, b, tol)                                                  \
    do {                                                                       \
        double a_ = (a), b_ = (b);                                             \
        double s_ = fabs(b_) > 1 ? fabs(b_) : 1;                               \
        if (!(fabs(a_ - b_) <= (tol)*s_))                                      \
            H_FAIL("%s ~ %s (%.17g vs %.17g)", #a, #b, a_, b_);                \
    } while (0)
/* The message of an error must contain a fragment. */
#define CHECK_MSG(err, frag)                                                   \
    do {                                                                       \
        if (!strstr((err).msg, (frag)))                                        \
            H_FAIL("message \"%s\" lacks \"%s\"", (err).msg, (frag));          \
    } while (0)
#define RUN(fn)                                                                \
    do {                                                                       \
        const char *o_ = getenv("T");                                          \
        if (o_ && strcmp(o_, #fn))                                             \
            break;                                                             \
        h_name = #fn;                                                          \
        h_bad = 0;                                                             \
        fn();                                                                  \
        if (h_bad)                                                             \
            h_failed++;                                                        \
        else                                                                   \
            h_passed++;                                                        \
    } while (0)
#define DONE()                                                                 \
    (printf("%-36s %d passed, %d failed\n", __FILE__, h_passed, h_failed),     \
     h_failed ? 1 : 0)

/* A fresh temporary folder from a mkdtemp template (owned); exits 2 when
 * it cannot be made. */
static inline char *h_mkdtemp(const char *tmpl)
{
    char *d = strdup(tmpl);

    if (!d || !mkdtemp(d)) {
        perror("mkdtemp");
        exit(2);
    }
    return d;
}

static inline int h_rm_entry(const char *p, const struct stat *st, int flag,
                             struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(p);
}

/* rm -rf, not following symbolic links. */
static inline void h_rm_rf(const char *dir)
{
    nftw(dir, h_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Paths to shared fixtures: $ZX_SHARED, else ../shared from the repo. */
static inline const char *h_shared(void)
{
    const char *s = getenv("ZX_SHARED");

    return s && *s ? s : "../shared";
}

#endif
