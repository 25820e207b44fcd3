/* zx_json.c - jansson behind one file: bounded parsing and error mapping.
 * SPDX-License-Identifier: MIT */
#include "zx_json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "zx_fs.h"
#include "zx_mem.h"

int zx_json_parse(const char *data, size_t len, size_t max, const char *what,
                  json_t **out, struct zx_error *err)
{
    json_error_t je;
    json_t *v;

    *out = NULL;
    if (len > max)
        return zx_fail(err, ZX_ETOOBIG,
                       "%s: %zu bytes of JSON exceed the "
                       "limit of %zu",
                       what, len, max);
    v = json_loadb(data, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
    if (!v)
        return zx_fail(err, ZX_EFORMAT,
                       "%s: invalid JSON at line %d column "
                       "%d: %s",
                       what, je.line, je.column, je.text);
    *out = v;
    return ZX_OK;
}

int zx_json_load_file(const char *path, size_t max, json_t **out,
                      struct zx_error *err)
{
    char *data = NULL;
    size_t len = 0;
    int rc;

    *out = NULL;
    rc = zx_read_file(path, max, &data, &len, err);
    if (rc)
        return rc;
    rc = zx_json_parse(data, len, max, path, out, err);
    free(data);
    return rc;
}

const char *zx_json_str(const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);

    return json_is_string(v) ? json_string_value(v) : NULL;
}

int zx_json_int(const json_t *obj, const char *key, int64_t *out)
{
    json_t *v = json_object_get(obj, key);

    if (!json_is_integer(v))
        return 0;
    *out = json_integer_value(v);
    return 1;
}

char *zx_json_dump(const json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);

    if (!s) {
        ZX_ASSERT(!"json_dumps failed");
    }
    return s;
}
