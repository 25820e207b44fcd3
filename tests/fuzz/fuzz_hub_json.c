/* fuzz_hub_json.c - libFuzzer target for the Hub's JSON answers.
 *
 * One input is read as each answer zoodex parses from the Hub:
 *   1. a model listing page (/api/models, an array) or a model info
 *      (/api/models/<id>/revision/<rev>, an object), taken entry by entry
 *      as crawl and `ingest org/name` take them: the id is checked, the
 *      weights file is picked from the siblings, the declared parents are
 *      read from tags and baseModels;
 *   2. a model.safetensors.index.json fetched from a repo, reduced to its
 *      list of shards.
 * No crash, no leak, and what is accepted is safe to use: a weights file
 * is a top-level *.safetensors name or the sharded index, parents are
 * valid model ids other than the model, each once, with a known relation,
 * and shard names are unique, relative and free of "..".
 * SPDX-License-Identifier: MIT */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "remote.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_LISTING (256u << 20) /* crawl's page cap */

static int known_relation(const char *r)
{
    return r && (!strcmp(r, "finetune") || !strcmp(r, "adapter") ||
                 !strcmp(r, "quantized") || !strcmp(r, "merge"));
}

static void check_model(const char *id, json_t *info)
{
    struct zx_remote *m;
    json_t *parents, *p, *q;
    size_t i, k;
    int sharded;
    char *w;

    if (!id || !zx_valid_model_id(id))
        return; /* crawl skips these entries */
    m = zx_remote_new(id, json_incref(info));
    if (strcmp(m->id, id) || !m->rev || !m->src.path)
        abort();
    w = zx_remote_weights_file(info, &sharded);
    if (w) {
        size_t l = strlen(w);

        if (sharded ? strcmp(w, "model.safetensors.index.json")
                    : (strchr(w, '/') || l <= 12 ||
                       strcmp(w + l - 12, ".safetensors")))
            abort();
        free(w);
    }
    parents = zx_remote_hub_parents(m->id, info);
    json_array_foreach(parents, i, p)
    {
        const char *par = zx_json_str(p, "parent");

        if (!par || !zx_valid_model_id(par) || !strcmp(par, id) ||
            !known_relation(zx_json_str(p, "relation")) ||
            !zx_json_str(p, "source") ||
            strcmp(zx_json_str(p, "source"), "hub"))
            abort();
        for (k = 0; k < i; k++) {
            q = json_array_get(parents, k);
            if (!strcmp(zx_json_str(q, "parent"), par))
                abort(); /* each parent once */
        }
    }
    json_decref(parents);
    zx_remote_free(m);
}

static void check_shards(const uint8_t *data, size_t size)
{
    struct zx_error err = {0};
    char **files = NULL;
    size_t n = 0, i, k;
    int rc = zx_remote_shard_files((const char *)data, size, "fuzz", &files, &n,
                                   &err);

    if (rc != ZX_OK) {
        if (files || n || !err.msg[0])
            abort();
        return;
    }
    if (n == 0 || n > ZX_CKPT_MAX_SHARDS)
        abort();
    for (i = 0; i < n; i++) {
        if (!files[i][0] || files[i][0] == '/' || strstr(files[i], ".."))
            abort();
        for (k = 0; k < i; k++)
            if (!strcmp(files[k], files[i]))
                abort();
    }
    for (i = 0; i < n; i++)
        free(files[i]);
    free(files);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct zx_error err = {0};
    json_t *v = NULL, *e;
    size_t i;

    if (zx_json_parse((const char *)data, size, MAX_LISTING, "model listing",
                      &v, &err) == ZX_OK) {
        if (json_is_array(v)) {
            json_array_foreach(v, i, e)
            {
                check_model(zx_json_str(e, "id"), e);
            }
        } else if (json_is_object(v)) {
            const char *id = zx_json_str(v, "id");

            check_model(id ? id : "fuzz/model", v);
        }
        json_decref(v);
    } else if (v || !err.msg[0]) {
        abort();
    }
    check_shards(data, size);
    return 0;
}
