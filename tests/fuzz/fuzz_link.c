/* fuzz_link.c - libFuzzer target for the HTTP header values the Hub client
 * interprets: Link (the listing's next page), Retry-After and RateLimit.
 *
 * The input, cut at its first NUL as a header value is, goes to each
 * parser: no crash, no leak; a next-page URL is an absolute http(s) URL
 * copied from between one pair of angle brackets of the input, and a wait
 * is -1 or a non-negative number, never NaN.
 * SPDX-License-Identifier: MIT */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hub.h"
#include "zx_mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_hint(const char *name, const char *v)
{
    double d = zx_hub_parse_hint(name, v);

    if (d != -1 && !(d >= 0))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *v = xmalloc(size + 1), *next, *at;

    memcpy(v, data, size);
    v[size] = '\0';
    next = zx_hub_parse_link(v);
    if (next) {
        size_t l = strlen(next);

        if (strncmp(next, "http://", 7) && strncmp(next, "https://", 8))
            abort();
        if (strchr(next, '>') || l <= 7)
            abort();
        for (at = strstr(v, next); at; at = strstr(at + 1, next))
            if (at > v && at[-1] == '<' && at[l] == '>')
                break;
        if (!at)
            abort();
        free(next);
    }
    check_hint("retry-after", v);
    check_hint("ratelimit", v);
    free(v);
    return 0;
}
