/* test_hfcache.c - the Hugging Face cache layout (where it is, refs,
 * relative snapshot links, what prune may delete) and the token lookup.
 * SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "hfcache.h"
#include "hub.h"
#include "zx_fs.h"
#include "zx_mem.h"

static char tmp[] = "/tmp/zx-hfcache.XXXXXX";

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    if (!f) {
        H_FAIL("cannot write %s", path);
        return;
    }
    fputs(text, f);
    fclose(f);
}

static void clear_env(void)
{
    static const char *const v[] = {
        "HF_HUB_CACHE",  "HUGGINGFACE_HUB_CACHE",
        "HF_HOME",       "XDG_CACHE_HOME",
        "HF_TOKEN",      "HUGGING_FACE_HUB_TOKEN",
        "HF_TOKEN_PATH", "HF_HUB_DISABLE_IMPLICIT_TOKEN"};
    size_t i;

    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
        unsetenv(v[i]);
}

static void test_locations(void)
{
    char *s, *want, *home = xasprintf("%s/home", tmp);

    clear_env();
    setenv("HOME", home, 1);
    s = zx_hf_home();
    want = xasprintf("%s/.cache/huggingface", home);
    CHECK_STR(s, want);
    free(want);
    free(s);
    setenv("XDG_CACHE_HOME", "/x", 1);
    s = zx_hfcache_root();
    CHECK_STR(s, "/x/huggingface/hub");
    free(s);
    setenv("HF_HOME", "/h", 1);
    s = zx_hfcache_root();
    CHECK_STR(s, "/h/hub");
    free(s);
    setenv("HUGGINGFACE_HUB_CACHE", "/legacy", 1);
    s = zx_hfcache_root();
    CHECK_STR(s, "/legacy");
    free(s);
    setenv("HF_HUB_CACHE", "/c", 1);
    s = zx_hfcache_root();
    CHECK_STR(s, "/c");
    free(s);
    CHECK(zx_hfcache_dir() == NULL); /* does not exist */
    s = zx_hfcache_repo("/c", "org/name");
    CHECK_STR(s, "/c/models--org--name");
    free(s);
    s = zx_hfcache_repo("/c", "gpt2");
    CHECK_STR(s, "/c/models--gpt2");
    free(s);
    clear_env();
    free(home);
}

static void test_refs_and_links(void)
{
    const char *c = "0123456789abcdef0123456789abcdef01234567";
    char *repo = xasprintf("%s/models--o--n", tmp), *p, *t = NULL, *got;
    char buf[256];
    ssize_t n;
    int w = -1;
    struct zx_error err = {0};

    CHECK(zx_hfcache_is_commit(c));
    CHECK(!zx_hfcache_is_commit("0123456789ABCDEF0123456789abcdef01234567"));
    CHECK(!zx_hfcache_is_commit("main"));
    CHECK_INT(zx_hfcache_write_ref(repo, "main", c, &w, &err), ==, ZX_OK);
    CHECK_INT(w, ==, 1);
    p = xasprintf("%s/refs/main", repo);
    {
        char *data = NULL;
        size_t len = 0;

        CHECK_INT(zx_read_file(p, 100, &data, &len, NULL), ==, ZX_OK);
        CHECK_INT(len, ==, 40); /* no newline, as huggingface_hub writes */
        free(data);
    }
    CHECK_INT(zx_hfcache_write_ref(repo, "main", c, &w, &err), ==, ZX_OK);
    CHECK_INT(w, ==, 0); /* already so: not rewritten */
    put(p, "  0123456789abcdef0123456789abcdef01234567\n");
    got = zx_hfcache_read_ref(repo, "main");
    CHECK_STR(got, c);
    free(got);
    free(p);
    CHECK_INT(zx_hfcache_write_ref(repo, "refs/pr/1", c, &w, &err), ==, ZX_OK);
    got = zx_hfcache_read_ref(repo, "refs/pr/1");
    CHECK_STR(got, c);
    free(got);
    CHECK_INT(zx_hfcache_write_ref(repo, "../x", c, NULL, &err), ==, ZX_EUSAGE);
    CHECK_INT(zx_hfcache_write_ref(repo, "main", "zz", NULL, &err), ==,
              ZX_EUSAGE);
    CHECK(zx_hfcache_read_ref(repo, "../../etc") == NULL);
    /* Links are relative: one more ../ per sub-folder. */
    CHECK_INT(zx_hfcache_link(repo, c, "model.safetensors", "aa", &t, &err), ==,
              ZX_OK);
    CHECK_STR(t, "../../blobs/aa");
    free(t);
    CHECK_INT(zx_hfcache_link(repo, c, "sub/dir/x.json", "bb", &t, &err), ==,
              ZX_OK);
    CHECK_STR(t, "../../../../blobs/bb");
    free(t);
    p = xasprintf("%s/snapshots/%s/sub/dir/x.json", repo, c);
    n = readlink(p, buf, sizeof(buf) - 1);
    CHECK_INT(n, ==, 20);
    free(p);
    CHECK_INT(zx_hfcache_link(repo, c, "../x", "aa", NULL, &err), ==,
              ZX_EFORMAT);
    CHECK_INT(zx_hfcache_link(repo, c, "/x", "aa", NULL, &err), ==, ZX_EFORMAT);
    CHECK_INT(zx_hfcache_link(repo, c, "x", "a/b", NULL, &err), ==, ZX_EFORMAT);
    CHECK_INT(zx_hfcache_link(repo, "main", "x", "aa", NULL, &err), ==,
              ZX_EFORMAT);
    /* An existing file is left alone: no link made. */
    p = xasprintf("%s/blobs", repo);
    zx_mkdirs(p, NULL);
    free(p);
    p = xasprintf("%s/blobs/cc", repo);
    put(p, "x");
    free(p);
    CHECK_INT(zx_hfcache_link(repo, c, "y", "cc", &t, &err), ==, ZX_OK);
    CHECK(t != NULL);
    free(t);
    CHECK_INT(zx_hfcache_link(repo, c, "y", "cc", &t, &err), ==, ZX_OK);
    CHECK(t == NULL);
    free(repo);
}

/* prune: a link only while it has zoodex's text; a blob only while no other
 * link leads to it; a ref only with an empty snapshot. */
static void test_prune(void)
{
    const char *c = "1111111111111111111111111111111111111111";
    const char *o = "2222222222222222222222222222222222222222";
    char *repo = xasprintf("%s/hub/models--p--q", tmp), *t = NULL, *why;
    char *blob = xasprintf("%s/blobs/dd", repo), *p;
    json_t *link, *blobrec, *ref, *gone = json_array();
    struct zx_error err = {0};

    p = xasprintf("%s/blobs", repo);
    zx_mkdirs(p, NULL);
    free(p);
    put(blob, "1234");
    CHECK_INT(zx_hfcache_link(repo, c, "w", "dd", &t, &err), ==, ZX_OK);
    CHECK_INT(zx_hfcache_link(repo, o, "w", "dd", NULL, &err), ==, ZX_OK);
    CHECK_INT(zx_hfcache_write_ref(repo, "main", c, NULL, &err), ==, ZX_OK);
    p = xasprintf("%s/snapshots/%s/w", repo, c);
    link = json_pack("{s:s,s:s,s:s}", "kind", "link", "path", p, "target", t);
    blobrec =
        json_pack("{s:s,s:s,s:i}", "kind", "blob", "path", blob, "size", 4);
    free(p);
    p = xasprintf("%s/refs/main", repo);
    ref = json_pack("{s:s,s:s,s:s}", "kind", "ref", "path", p, "commit", c);
    free(p);
    /* dry run: nothing goes */
    CHECK_INT(zx_hfcache_prune(link, gone, 1, &why), ==, 1);
    free(why);
    json_array_append(gone, json_object_get(link, "path"));
    CHECK_INT(zx_hfcache_prune(blobrec, gone, 1, &why), ==, 0);
    CHECK(why && strstr(why, "still used by"));
    free(why);
    CHECK_INT(zx_hfcache_prune(ref, gone, 1, &why), ==, 1);
    free(why);
    CHECK(zx_is_file(blob));
    /* for real */
    CHECK_INT(zx_hfcache_prune(link, gone, 0, &why), ==, 1);
    free(why);
    CHECK_INT(zx_hfcache_prune(blobrec, gone, 0, &why), ==, 0);
    free(why);
    CHECK(zx_is_file(blob)); /* the other snapshot still links to it */
    CHECK_INT(zx_hfcache_prune(ref, gone, 0, &why), ==, 1);
    free(why);
    /* gone: forget it */
    CHECK_INT(zx_hfcache_prune(link, gone, 0, &why), ==, -1);
    free(why);
    p = xasprintf("%s/snapshots/%s/w", repo, o);
    unlink(p);
    free(p);
    p = xasprintf("%s/snapshots/%s", repo, o); /* as hf deletes a revision */
    rmdir(p);
    free(p);
    /* a blob of another size is not ours any more */
    put(blob, "12345");
    CHECK_INT(zx_hfcache_prune(blobrec, gone, 0, &why), ==, -1);
    CHECK(zx_is_file(blob));
    free(why);
    put(blob, "1234");
    CHECK_INT(zx_hfcache_prune(blobrec, gone, 0, &why), ==, 1);
    free(why);
    CHECK(!zx_is_dir(repo)); /* left empty: removed */
    /* outside a cache repo: never */
    json_object_set_new(blobrec, "path", json_string("/etc/passwd"));
    CHECK_INT(zx_hfcache_prune(blobrec, gone, 1, &why), ==, -1);
    free(why);
    json_decref(link);
    json_decref(blobrec);
    json_decref(ref);
    json_decref(gone);
    free(t);
    free(blob);
    free(repo);
}

static void test_token(void)
{
    char *home = xasprintf("%s/hfhome", tmp), *f, *t;

    clear_env();
    zx_mkdirs(home, NULL);
    setenv("HF_HOME", home, 1);
    CHECK(zx_hub_token() == NULL);
    f = xasprintf("%s/token", home);
    put(f, "hf_home\n");
    t = zx_hub_token();
    CHECK_STR(t, "hf_home");
    free(t);
    free(f);
    f = xasprintf("%s/other", tmp);
    put(f, " \t hf_path \r\n");
    setenv("HF_TOKEN_PATH", f, 1);
    t = zx_hub_token();
    CHECK_STR(t, "hf_path");
    free(t);
    setenv("HUGGING_FACE_HUB_TOKEN", "hf_legacy", 1);
    t = zx_hub_token();
    CHECK_STR(t, "hf_legacy");
    free(t);
    setenv("HF_TOKEN", " hf_env ", 1);
    t = zx_hub_token();
    CHECK_STR(t, "hf_env");
    free(t);
    setenv("HF_HUB_DISABLE_IMPLICIT_TOKEN", "1", 1);
    CHECK(zx_hub_token() == NULL);
    unsetenv("HF_HUB_DISABLE_IMPLICIT_TOKEN");
    setenv("HF_TOKEN", "hf_a\nX-Evil: 1", 1); /* header injection */
    t = zx_hub_token();
    CHECK(t == NULL);
    free(t);
    unsetenv("HF_TOKEN");
    unsetenv("HUGGING_FACE_HUB_TOKEN");
    put(f, "   \n");
    CHECK(zx_hub_token() == NULL); /* empty: none */
    {
        FILE *fp = fopen(f, "w");
        int i;

        for (i = 0; i < 5000; i++)
            fputc('a', fp);
        fclose(fp);
    }
    CHECK(zx_hub_token() == NULL); /* over 4 KiB: none */
    free(f);
    free(home);
    clear_env();
}

int main(void)
{
    if (!mkdtemp(tmp))
        return 1;
    RUN(test_locations);
    RUN(test_refs_and_links);
    RUN(test_prune);
    RUN(test_token);
    h_rm_rf(tmp);
    return DONE();
}
