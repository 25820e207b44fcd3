/* zx_json.h - the one adapter for jansson.
 *
 * Only this header includes <jansson.h>; other modules use json_t through it
 * so that parse errors are converted to struct zx_error in one place and all
 * untrusted JSON goes through the same size caps.
 * Ownership: functions returning json_t ** give the caller one reference
 * (json_decref() it); zx_json_str() and friends return borrowed pointers
 * valid while the parent object lives.
 * SPDX-License-Identifier: MIT */
#ifndef ZX_JSON_H
#define ZX_JSON_H
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "zx_err.h"

/* Parse `len` bytes of untrusted JSON (no NUL needed).  `what` names the
 * input in messages.  Returns ZX_OK, ZX_EFORMAT (message has line:column)
 * or ZX_ETOOBIG (len > max).  Rejects duplicate object keys. */
int zx_json_parse(const char *data, size_t len, size_t max, const char *what,
                  json_t **out, struct zx_error *err);

/* Read and parse a JSON file of at most `max` bytes.  ZX_ENOTFOUND (no
 * message) when the file does not exist. */
int zx_json_load_file(const char *path, size_t max, json_t **out,
                      struct zx_error *err);

/* Borrowed string member or NULL when absent / not a string. */
const char *zx_json_str(const json_t *obj, const char *key);
/* Integer member into *out; returns 1 when present and integral. */
int zx_json_int(const json_t *obj, const char *key, int64_t *out);

/* Compact, key-sorted serialisation; caller frees. */
char *zx_json_dump(const json_t *v);

#endif
