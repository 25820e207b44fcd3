/* test_card.c - README.md front matter to JSON: fields, typing, delimiters
 * and the limits (aliases, depth, size, top-level shape).
 * SPDX-License-Identifier: MIT */
#include "card.h"
#include "harness.h"
#include "zx_buf.h"
#include "zx_mem.h"

/* Parse `text`; returns the front matter (owned) or NULL. */
static json_t *parse(const char *text, int *rc, struct zx_error *err)
{
    json_t *front = (json_t *)1;

    memset(err, 0, sizeof(*err));
    *rc = zx_card_parse(text, strlen(text), "README.md", &front, err);
    if (*rc && front)
        H_FAIL("front not NULL on failure");
    return front;
}

/* The front matter serialised compactly with sorted keys. */
static void check_json(const char *text, const char *want)
{
    struct zx_error err;
    int rc;
    json_t *front = parse(text, &rc, &err);
    char *got = front ? zx_json_dump(front) : NULL;

    CHECK_INT(rc, ==, ZX_OK);
    CHECK_STR(got, want);
    free(got);
    json_decref(front);
}

static void check_bad(int line, const char *text, int code, const char *frag)
{
    struct zx_error err;
    int rc;
    json_t *front = parse(text, &rc, &err);

    if (rc != code)
        H_FAIL("line %d: rc %d, want %d (%s)", line, rc, code, err.msg);
    else if (!strstr(err.msg, frag))
        H_FAIL("line %d: message \"%s\" lacks \"%s\"", line, err.msg, frag);
    json_decref(front);
}
#define BAD(text, code, frag) check_bad(__LINE__, text, code, frag)

static void test_fields(void)
{
    check_json("---\n"
               "license: apache-2.0\n"
               "base_model: google-bert/bert-base-uncased\n"
               "base_model_relation: finetune\n"
               "tags:\n"
               "- text-classification\n"
               "- generated_from_trainer\n"
               "datasets: [imdb, 'sst2']\n"
               "---\n"
               "# My model\n\nSome --- text\n",
               "{\"base_model\":\"google-bert/bert-base-uncased\","
               "\"base_model_relation\":\"finetune\",\"datasets\":[\"imdb\","
               "\"sst2\"],\"license\":\"apache-2.0\",\"tags\":["
               "\"text-classification\",\"generated_from_trainer\"]}");
}

static void test_base_model_list(void)
{
    check_json("---\nbase_model:\n  - org/a\n  - org/b\n"
               "base_model_relation: merge\n---\n",
               "{\"base_model\":[\"org/a\",\"org/b\"],"
               "\"base_model_relation\":\"merge\"}");
}

static void test_no_front_matter(void)
{
    struct zx_error err;
    int rc;
    json_t *front;

    front = parse("# Title\n\n---\nnot: front matter\n---\n", &rc, &err);
    CHECK_INT(rc, ==, ZX_OK);
    CHECK(front == NULL);
    front = parse("", &rc, &err);
    CHECK(rc == ZX_OK && front == NULL);
    front = parse("---", &rc, &err);
    CHECK(rc == ZX_OK && front == NULL);
    /* "----" is a horizontal rule, not a delimiter. */
    front = parse("----\na: b\n----\n", &rc, &err);
    CHECK(rc == ZX_OK && front == NULL);
    json_decref(front);
}

static void test_empty_front_matter(void)
{
    check_json("---\n---\nbody\n", "{}");
    check_json("---\n# only a comment\n---\n", "{}");
    check_json("---\n~\n---\n", "{}");
}

static void test_unclosed(void)
{
    BAD("---\nlicense: mit\n", ZX_EFORMAT, "no closing '---' line");
    BAD("---\nlicense: mit\n--\n", ZX_EFORMAT, "no closing");
    BAD("---\nlicense: mit\n----\n", ZX_EFORMAT, "no closing");
}

static void test_malformed_yaml(void)
{
    BAD("---\nlicense: mit\ntags: [a, b\nother: x\n---\n", ZX_EFORMAT,
        "README.md: front matter line ");
    BAD("---\na: b\n  c: d\n---\n", ZX_EFORMAT, "front matter line 2");
    BAD("---\nlicense: \"mit\n---\n", ZX_EFORMAT, "front matter line");
    BAD("---\nk: v\n\tbad: tab\n---\n", ZX_EFORMAT, "front matter line");
}

static void test_alias_refused(void)
{
    BAD("---\nbase: &b org/model\nbase_model: *b\n---\n", ZX_EFORMAT,
        "line 2: aliases are not supported");
    BAD("---\na: &x [1, 2]\nb: [*x, *x]\n---\n", ZX_EFORMAT, "aliases");
    BAD("---\n&k key: 1\n*k : 2\n---\n", ZX_EFORMAT, "line 2");
}

static void test_top_level_shape(void)
{
    BAD("---\n- a\n- b\n---\n", ZX_EFORMAT, "front matter is not a mapping");
    BAD("---\njust a string\n---\n", ZX_EFORMAT, "not a mapping");
    BAD("---\n42\n---\n", ZX_EFORMAT, "not a mapping");
    BAD("---\n? [a, b]\n: c\n---\n", ZX_EFORMAT,
        "mapping keys must be plain strings");
}

static void test_depth_limit(void)
{
    struct zx_buf b = {0};
    struct zx_error err;
    json_t *front, *v;
    int i, rc, depth = 0;

    /* 64 levels of lists under the top mapping are allowed ... */
    zx_buf_adds(&b, "---\nx: ");
    for (i = 0; i < 64; i++)
        zx_buf_addc(&b, '[');
    for (i = 0; i < 64; i++)
        zx_buf_addc(&b, ']');
    zx_buf_adds(&b, "\n---\n");
    front = parse(b.data, &rc, &err);
    CHECK_INT(rc, ==, ZX_OK);
    for (v = json_object_get(front, "x"); json_is_array(v);
         v = json_array_get(v, 0))
        depth++;
    CHECK_INT(depth, ==, 64);
    json_decref(front);
    /* ... 65 are not. */
    zx_buf_reset(&b);
    zx_buf_adds(&b, "---\nx: ");
    for (i = 0; i < 65; i++)
        zx_buf_addc(&b, '[');
    for (i = 0; i < 65; i++)
        zx_buf_addc(&b, ']');
    zx_buf_adds(&b, "\n---\n");
    BAD(b.data, ZX_EFORMAT, "nesting too deep");
    /* Block mappings count the same way, and deep input does not recurse
     * without bound. */
    zx_buf_reset(&b);
    zx_buf_adds(&b, "---\n");
    for (i = 0; i < 200; i++)
        zx_buf_printf(&b, "%*sk:\n", i, "");
    zx_buf_printf(&b, "%*sk: v\n---\n", i, "");
    BAD(b.data, ZX_EFORMAT, "nesting too deep");
    zx_buf_reset(&b);
    zx_buf_adds(&b, "---\nx: ");
    for (i = 0; i < 100000; i++)
        zx_buf_addc(&b, '[');
    zx_buf_adds(&b, "\n---\n");
    front = parse(b.data, &rc, &err);
    CHECK_INT(rc, ==, ZX_EFORMAT);
    json_decref(front);
    zx_buf_release(&b);
}

static void test_size_limit(void)
{
    struct zx_buf b = {0};

    zx_buf_adds(&b, "---\nk: ");
    while (b.len < ZX_CARD_MAX_BYTES + 16)
        zx_buf_adds(&b, "abcdefghijklmnop");
    zx_buf_adds(&b, "\n---\n");
    BAD(b.data, ZX_ETOOBIG, "front matter is over");
    zx_buf_release(&b);
}

static void test_bom(void)
{
    struct zx_error err;
    json_t *front;
    int rc;

    check_json("\xef\xbb\xbf---\nlicense: mit\n---\n", "{\"license\":\"mit\"}");
    /* A BOM before plain text is still no front matter. */
    front = parse("\xef\xbb\xbf# Title\n---\na: b\n---\n", &rc, &err);
    CHECK(rc == ZX_OK && front == NULL);
    front = parse("\xef\xbb\xbf", &rc, &err);
    CHECK(rc == ZX_OK && front == NULL);
}

static void test_dots_close(void)
{
    check_json("---\nlicense: mit\n...\nbody\n", "{\"license\":\"mit\"}");
    check_json("---   \nlicense: mit\n---  \nbody\n", "{\"license\":\"mit\"}");
}

static void test_crlf(void)
{
    check_json("---\r\nlicense: mit\r\ntags:\r\n- a\r\n- b\r\n---\r\nbody\r\n",
               "{\"license\":\"mit\",\"tags\":[\"a\",\"b\"]}");
}

static void test_typing(void)
{
    check_json("---\n"
               "t: true\nT: True\nf: false\nn: null\ntilde: ~\nempty:\n"
               "i: 3\nneg: -12\nzero: 0\n"
               "qi: \"3\"\nsq: 'true'\nfl: 3.5\nword: yes\n"
               "big: 123456789012345678901234\n"
               "---\n",
               "{\"T\":true,\"big\":\"123456789012345678901234\","
               "\"empty\":null,\"f\":false,\"fl\":\"3.5\",\"i\":3,"
               "\"n\":null,\"neg\":-12,\"qi\":\"3\",\"sq\":\"true\","
               "\"t\":true,\"tilde\":null,\"word\":\"yes\",\"zero\":0}");
    /* Beyond the range of a 64-bit integer: kept as text, not clamped. */
    check_json("---\nx: 9999999999999999999\ny: -9223372036854775808\n---\n",
               "{\"x\":\"9999999999999999999\","
               "\"y\":-9223372036854775808}");
    check_json("---\nlabels: {0: neg, 1: pos}\n---\n",
               "{\"labels\":{\"0\":\"neg\",\"1\":\"pos\"}}");
}

static void test_unicode(void)
{
    check_json("---\nlanguage: [fr, \"\xc3\xa9t\xc3\xa9\"]\n---\n",
               "{\"language\":[\"fr\",\"\xc3\xa9t\xc3\xa9\"]}");
    BAD("---\nx: \"\xff\"\n---\n", ZX_EFORMAT, "front matter line");
}

int main(void)
{
    RUN(test_fields);
    RUN(test_base_model_list);
    RUN(test_no_front_matter);
    RUN(test_empty_front_matter);
    RUN(test_unclosed);
    RUN(test_malformed_yaml);
    RUN(test_alias_refused);
    RUN(test_top_level_shape);
    RUN(test_depth_limit);
    RUN(test_size_limit);
    RUN(test_bom);
    RUN(test_dots_close);
    RUN(test_crlf);
    RUN(test_typing);
    RUN(test_unicode);
    return DONE();
}
