/* card.c - README.md front matter to JSON with libyaml (its only user).
 * SPDX-License-Identifier: MIT */
#include "card.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "zx_mem.h"
#include "zx_log.h"

#define MAX_DEPTH 64

struct conv {
    yaml_parser_t p;
    const char *what;
    struct zx_error *err;
};

static int fail_at(struct conv *c, const yaml_event_t *ev, const char *msg)
{
    return zx_fail(c->err, ZX_EFORMAT, "%s: front matter line %lu: %s", c->what,
                   (unsigned long)ev->start_mark.line + 1, msg);
}

static json_t *scalar(const yaml_event_t *ev)
{
    const char *s = (const char *)ev->data.scalar.value;
    size_t n = ev->data.scalar.length;
    char *end;

    if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
        if (!strcmp(s, "true") || !strcmp(s, "True"))
            return json_true();
        if (!strcmp(s, "false") || !strcmp(s, "False"))
            return json_false();
        if (!strcmp(s, "null") || !strcmp(s, "~") || n == 0)
            return json_null();
        if (n <= 20 && (s[0] == '-' || (s[0] >= '0' && s[0] <= '9'))) {
            long long v;

            errno = 0;
            v = strtoll(s, &end, 10);
            if (*end == '\0' && end != s && errno != ERANGE)
                return json_integer(v);
        }
    }
    return json_stringn(s, n);
}

/* Convert the node that starts with `ev` (already read). */
static int node(struct conv *c, yaml_event_t *ev, int depth, json_t **out)
{
    yaml_event_t e;
    json_t *v = NULL, *k = NULL;
    int rc = ZX_OK;

    *out = NULL;
    if (depth > MAX_DEPTH)
        return fail_at(c, ev, "nesting too deep");
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        *out = scalar(ev);
        if (!*out)
            return fail_at(c, ev, "value is not valid UTF-8");
        return ZX_OK;
    case YAML_ALIAS_EVENT:
        return fail_at(c, ev, "aliases are not supported");
    case YAML_SEQUENCE_START_EVENT:
        v = json_array();
        for (;;) {
            json_t *item;

            if (!yaml_parser_parse(&c->p, &e)) {
                rc = zx_fail(c->err, ZX_EFORMAT,
                             "%s: front matter line "
                             "%lu: %s",
                             c->what, (unsigned long)c->p.problem_mark.line + 1,
                             c->p.problem ? c->p.problem : "bad YAML");
                goto out;
            }
            if (e.type == YAML_SEQUENCE_END_EVENT) {
                yaml_event_delete(&e);
                break;
            }
            rc = node(c, &e, depth + 1, &item);
            yaml_event_delete(&e);
            if (rc)
                goto out;
            json_array_append_new(v, item);
        }
        break;
    case YAML_MAPPING_START_EVENT:
        v = json_object();
        for (;;) {
            json_t *item;
            const char *ks;

            if (!yaml_parser_parse(&c->p, &e)) {
                rc = zx_fail(c->err, ZX_EFORMAT,
                             "%s: front matter line "
                             "%lu: %s",
                             c->what, (unsigned long)c->p.problem_mark.line + 1,
                             c->p.problem ? c->p.problem : "bad YAML");
                goto out;
            }
            if (e.type == YAML_MAPPING_END_EVENT) {
                yaml_event_delete(&e);
                break;
            }
            if (e.type != YAML_SCALAR_EVENT) {
                rc = fail_at(c, &e, "mapping keys must be plain strings");
                yaml_event_delete(&e);
                goto out;
            }
            k = json_stringn((const char *)e.data.scalar.value,
                             e.data.scalar.length);
            yaml_event_delete(&e);
            if (!k) {
                rc = zx_fail(c->err, ZX_EFORMAT,
                             "%s: front matter key is "
                             "not valid UTF-8",
                             c->what);
                goto out;
            }
            if (!yaml_parser_parse(&c->p, &e)) {
                rc = zx_fail(c->err, ZX_EFORMAT,
                             "%s: front matter line "
                             "%lu: %s",
                             c->what, (unsigned long)c->p.problem_mark.line + 1,
                             c->p.problem ? c->p.problem : "bad YAML");
                goto out;
            }
            rc = node(c, &e, depth + 1, &item);
            yaml_event_delete(&e);
            if (rc)
                goto out;
            ks = json_string_value(k);
            json_object_set_new(v, ks, item);
            json_decref(k);
            k = NULL;
        }
        break;
    default:
        return fail_at(c, ev, "unexpected YAML event");
    }
    *out = v;
    v = NULL;
out:
    json_decref(k);
    json_decref(v);
    return rc;
}

/* Find the front matter block: *b and *e are offsets in `t` of its first
 * byte and of the closing line.  Returns 1, 0 when there is none, -1 when
 * it is not closed. */
static int find_block(const char *t, size_t len, size_t *b, size_t *e)
{
    size_t i = 0;

    if (len >= 3 && (unsigned char)t[0] == 0xef &&
        (unsigned char)t[1] == 0xbb && (unsigned char)t[2] == 0xbf)
        i = 3; /* a UTF-8 byte-order mark */
    if (len - i < 4 || strncmp(t + i, "---", 3) != 0)
        return 0;
    for (i += 3; i < len && (t[i] == ' ' || t[i] == '\t' || t[i] == '\r'); i++)
        ;
    if (i >= len || t[i] != '\n')
        return 0;
    *b = ++i;
    while (i < len) {
        size_t eol = i;

        while (eol < len && t[eol] != '\n')
            eol++;
        if (eol - i >= 3 &&
            (!strncmp(t + i, "---", 3) || !strncmp(t + i, "...", 3)) &&
            (eol - i == 3 || t[i + 3] == '\r' || t[i + 3] == ' ')) {
            *e = i;
            return 1;
        }
        i = eol + 1;
    }
    return -1;
}

int zx_card_parse(const char *text, size_t len, const char *what,
                  json_t **front, struct zx_error *err)
{
    struct conv c;
    yaml_event_t ev;
    size_t b = 0, e = 0;
    json_t *doc = NULL;
    int found, rc = ZX_OK, started = 0;
    char size[ZX_SIZE_LEN];

    *front = NULL;
    if (len > ZX_CARD_MAX_BYTES * 16)
        return zx_fail(err, ZX_ETOOBIG, "%s: model card is over %s", what,
                       zx_format_size(ZX_CARD_MAX_BYTES * 16, size));
    found = find_block(text, len, &b, &e);
    if (found == 0)
        return ZX_OK;
    if (found < 0)
        return zx_fail(err, ZX_EFORMAT,
                       "%s: front matter has no closing "
                       "'---' line",
                       what);
    if (e - b > ZX_CARD_MAX_BYTES)
        return zx_fail(err, ZX_ETOOBIG, "%s: front matter is over %s", what,
                       zx_format_size(ZX_CARD_MAX_BYTES, size));
    memset(&c, 0, sizeof(c));
    c.what = what;
    c.err = err;
    if (!yaml_parser_initialize(&c.p))
        return zx_fail(err, ZX_ENOMEM, "cannot initialise the YAML parser");
    yaml_parser_set_input_string(&c.p, (const unsigned char *)text + b, e - b);
    for (;;) {
        if (!yaml_parser_parse(&c.p, &ev)) {
            rc = zx_fail(err, ZX_EFORMAT, "%s: front matter line %lu: %s", what,
                         (unsigned long)c.p.problem_mark.line + 1,
                         c.p.problem ? c.p.problem : "bad YAML");
            break;
        }
        if (ev.type == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&ev);
            break;
        }
        if (ev.type == YAML_DOCUMENT_START_EVENT) {
            if (started) {
                rc = fail_at(&c, &ev, "more than one YAML document");
                yaml_event_delete(&ev);
                break;
            }
            started = 1;
        } else if (ev.type == YAML_MAPPING_START_EVENT ||
                   ev.type == YAML_SEQUENCE_START_EVENT ||
                   ev.type == YAML_SCALAR_EVENT ||
                   ev.type == YAML_ALIAS_EVENT) {
            rc = node(&c, &ev, 0, &doc);
            yaml_event_delete(&ev);
            if (rc)
                break;
            continue;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&c.p);
    if (rc) {
        json_decref(doc);
        return rc;
    }
    if (doc && json_is_null(doc)) {
        json_decref(doc);
        doc = NULL;
    }
    if (doc && !json_is_object(doc)) {
        json_decref(doc);
        return zx_fail(err, ZX_EFORMAT, "%s: front matter is not a mapping",
                       what);
    }
    *front = doc ? doc : json_object();
    return ZX_OK;
}
