/* zx_units.h - human-readable numbers: byte sizes, counts (parameters,
 * downloads) and dates, printed and parsed the same way everywhere.
 *
 * Ownership: no function takes ownership of its arguments; the formatters
 * write into the caller's buffer.  Threads: all are reentrant.
 * SPDX-License-Identifier: MIT */
#ifndef ZX_UNITS_H
#define ZX_UNITS_H
#include <stddef.h>
#include <stdint.h>

/* Room for any zx_format_size() result with its NUL ("1023.9 KiB"). */
#define ZX_SIZE_LEN 16

/* A byte count for people, in powers of 1024: "0 B", "1023 B", "1 KiB"
 * (exact multiples have no decimals), "1.4 GiB" (one decimal below 100 of
 * the unit), "512 KiB", "16.0 EiB" (UINT64_MAX).  Writes buf and returns
 * it.  JSON output keeps raw integers; only text for people uses this. */
char *zx_format_size(uint64_t bytes, char buf[ZX_SIZE_LEN]);

/* A count in decimal units as the Hub prints parameter counts: "812",
 * "22.4K", "110M", "1.3B", "2.0T" (three significant digits, K = 10^3,
 * M = 10^6, B = 10^9, T = 10^12).  Returns `buf`. */
char *zx_fmt_count(uint64_t n, char *buf, size_t size);

/* Parse a count: a decimal number, maybe with a fraction, and an optional
 * suffix K, M, B (or G) or T (powers of 1000, either case): "10M",
 * "1.5B", "22434".  Returns 0, or -1 for anything else, a negative
 * number, a fraction left over below 1, or an overflow. */
int zx_parse_count(const char *s, uint64_t *out);

/* Check a date for filters: "YYYY-MM-DD", optionally followed by
 * "THH:MM", ":SS" and "Z", with fields in range.  Returns its length, or
 * 0 when it is not one.  A date compares with the index's UTC timestamps
 * ("2026-11-27T04:36:23Z", "2026-11-27T04:36:23.000Z") as a prefix:
 * zx_date_cmp. */
size_t zx_parse_date(const char *s);

/* Compare timestamp `ts` with the date `d` (zx_parse_date accepted it)
 * over the length of `d`: <0, 0 or >0 as ts is before, within or after
 * the period `d` names (a day, a minute or a second). */
int zx_date_cmp(const char *ts, const char *d);

#endif
