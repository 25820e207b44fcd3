/* test_batch.c - index/batch.h: sorting the inputs, the events the CLI
 * draws and prints, the counts, and the errors found before any index is
 * opened. */
#include <sys/stat.h>
#include <unistd.h>

#include "batch.h"
#include "harness.h"
#include "zx_fs.h"
#include "zx_mem.h"

/* What the event callback saw. */
struct seen {
    int begin, end, models, ok, failed;
    uint64_t total;
    char last_failed[1200];
};

static void on_event(void *arg, const struct zx_batch_event *ev)
{
    struct seen *s = arg;

    switch (ev->type) {
    case ZX_BATCH_RUN_BEGIN:
        s->begin++;
        s->total = ev->n;
        break;
    case ZX_BATCH_MODEL:
        s->models++;
        break;
    case ZX_BATCH_RESULT:
        if (ev->rc) {
            s->failed++;
            snprintf(s->last_failed, sizeof(s->last_failed), "%s: %s", ev->name,
                     ev->err->msg);
        } else {
            s->ok++;
        }
        break;
    case ZX_BATCH_RUN_END:
        s->end++;
        break;
    default:
        break;
    }
}

static void folder_twice(void)
{
    char *dir = h_mkdtemp("/tmp/zx-test-batch-XXXXXX");
    char *db = zx_path_join(dir, "db");
    char demo[] = "fixtures/zoo/zoodex-demo", *args[] = {demo};
    struct zx_batch_opts o;
    struct zx_batch *b = NULL;
    struct zx_batch_report rep;
    struct zx_error err = {0};
    struct seen s = {0};

    zx_batch_default_opts(&o);
    o.event = on_event;
    o.arg = &s;
    CHECK_INT(zx_batch_new(args, 1, &o, &b, &err), ==, ZX_OK);
    CHECK_INT(zx_batch_total(b), ==, 3);
    CHECK_INT(s.begin, ==, 0); /* no index yet */
    CHECK_INT(zx_batch_run(b, db, &rep, &err), ==, ZX_OK);
    CHECK_INT(rep.found, ==, 3);
    CHECK_INT(rep.done, ==, 3);
    CHECK_INT(rep.n_new, ==, 3);
    CHECK_INT(rep.n_failed, ==, 0);
    CHECK_INT(rep.interrupted, ==, 0);
    CHECK_INT(s.begin, ==, 1);
    CHECK_INT(s.end, ==, 1);
    CHECK_INT(s.total, ==, 3);
    CHECK_INT(s.models, ==, 3);
    CHECK_INT(s.ok, ==, 3);
    zx_batch_free(b);
    /* Again: unchanged, and forced: updated. */
    CHECK_INT(zx_batch_new(args, 1, &o, &b, &err), ==, ZX_OK);
    CHECK_INT(zx_batch_run(b, db, &rep, &err), ==, ZX_OK);
    CHECK_INT(rep.n_unchanged, ==, 3);
    CHECK_INT(rep.n_new, ==, 0);
    zx_batch_free(b);
    o.force = 1;
    CHECK_INT(zx_batch_new(args, 1, &o, &b, &err), ==, ZX_OK);
    CHECK_INT(zx_batch_run(b, db, &rep, &err), ==, ZX_OK);
    CHECK_INT(rep.n_updated + rep.n_unchanged, ==, 3);
    zx_batch_free(b);
    h_rm_rf(dir);
    free(db);
    free(dir);
}

/* A bad model is reported through the callback and skipped. */
static void bad_model_skipped(void)
{
    char *dir = h_mkdtemp("/tmp/zx-test-batch-XXXXXX");
    char *db = zx_path_join(dir, "db"), *m = zx_path_join(dir, "org/bad");
    char *w = zx_path_join(m, "model.safetensors");
    char base[] = "fixtures/zoo/zoodex-demo/tinybert-base";
    char *args[] = {m, base};
    struct zx_batch_opts o;
    struct zx_batch *b = NULL;
    struct zx_batch_report rep;
    struct zx_error err = {0};
    struct seen s = {0};

    CHECK_INT(zx_mkdirs(m, &err), ==, ZX_OK);
    CHECK_INT(zx_write_atomic(w, "not a checkpoint", 16, &err), ==, ZX_OK);
    zx_batch_default_opts(&o);
    o.event = on_event;
    o.arg = &s;
    CHECK_INT(zx_batch_new(args, 2, &o, &b, &err), ==, ZX_OK);
    CHECK_INT(zx_batch_run(b, db, &rep, &err), ==, ZX_OK);
    CHECK_INT(rep.n_failed, ==, 1);
    CHECK_INT(rep.n_new, ==, 1);
    CHECK_INT(s.failed, ==, 1);
    CHECK(strstr(s.last_failed, "org/bad") != NULL);
    zx_batch_free(b);
    h_rm_rf(dir);
    free(w);
    free(m);
    free(db);
    free(dir);
}

/* Errors found before any index is opened. */
static void refused_early(void)
{
    char a[] = "/nonexistent/zoodex-batch", *missing[] = {a};
    char c[] = "fixtures/zoo/zoodex-demo", *two[] = {c};
    char h[] = "some-org/some-model", *hub[] = {h};
    struct zx_batch_opts o;
    struct zx_batch *b = NULL;
    struct zx_error err = {0};

    zx_batch_default_opts(&o);
    CHECK_INT(zx_batch_new(missing, 1, &o, &b, &err), ==, ZX_EIO);
    CHECK(b == NULL);
    o.id = "org/one";
    memset(&err, 0, sizeof(err));
    CHECK_INT(zx_batch_new(two, 1, &o, &b, &err), ==, ZX_EUSAGE);
    CHECK_MSG(err, "--id needs exactly one model, found 3");
    memset(&err, 0, sizeof(err));
    CHECK_INT(zx_batch_new(hub, 1, &o, &b, &err), ==, ZX_EUSAGE);
    CHECK_MSG(err, "cannot rename a Hub model");
    CHECK(b == NULL);
}

int main(void)
{
    RUN(folder_twice);
    RUN(bad_model_skipped);
    RUN(refused_early);
    return DONE();
}
