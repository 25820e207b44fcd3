/* bench_gen.c - write a large synthetic safetensors checkpoint shaped like
 * a transformer (square attention matrices, rectangular MLP matrices,
 * biases, embeddings and a head), filled with pseudo-random weights.
 * usage: bench_gen OUT.safetensors MEGABYTES */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zx_buf.h"

struct t {
    char name[96];
    uint64_t r, c; /* c == 0: 1-D */
};

int main(int argc, char **argv)
{
    long mb = argc > 2 ? atol(argv[2]) : 1024;
    const uint64_t h = 1024, ff = 4096, vocab = 32000;
    struct t *ts = calloc(4096, sizeof(*ts));
    struct zx_buf hdr = {0};
    uint64_t off = 0, total = 0, i, rng = 88172645463325252ull;
    unsigned char lenb[8];
    float *row;
    size_t n = 0, k, j;
    int layer;
    FILE *f;

    if (argc < 2)
        return 2;
    snprintf(ts[n].name, 96, "model.embed_tokens.weight");
    ts[n].r = vocab, ts[n++].c = h;
    total = vocab * h * 4;
    for (layer = 0; total < (uint64_t)mb << 20; layer++) {
        static const char *const sq[] = {"q_proj", "k_proj", "v_proj",
                                         "o_proj"};
        for (k = 0; k < 4; k++) {
            snprintf(ts[n].name, 96, "model.layers.%d.self_attn.%s.weight",
                     layer, sq[k]);
            ts[n].r = h, ts[n++].c = h;
            snprintf(ts[n].name, 96, "model.layers.%d.self_attn.%s.bias", layer,
                     sq[k]);
            ts[n++].r = h;
        }
        snprintf(ts[n].name, 96, "model.layers.%d.mlp.up_proj.weight", layer);
        ts[n].r = ff, ts[n++].c = h;
        snprintf(ts[n].name, 96, "model.layers.%d.mlp.down_proj.weight", layer);
        ts[n].r = h, ts[n++].c = ff;
        snprintf(ts[n].name, 96, "model.layers.%d.input_layernorm.weight",
                 layer);
        ts[n++].r = h;
        total += (4 * h * h + 4 * h + 2 * ff * h + h) * 4;
    }
    snprintf(ts[n].name, 96, "lm_head.weight");
    ts[n].r = 10, ts[n++].c = h;
    zx_buf_addc(&hdr, '{');
    for (k = 0; k < n; k++) {
        uint64_t e = ts[k].r * (ts[k].c ? ts[k].c : 1);

        if (ts[k].c)
            zx_buf_printf(&hdr,
                          "%s\"%s\":{\"dtype\":\"F32\",\"shape\":[%llu,%llu],"
                          "\"data_offsets\":[%llu,%llu]}",
                          k ? "," : "", ts[k].name, (unsigned long long)ts[k].r,
                          (unsigned long long)ts[k].c, (unsigned long long)off,
                          (unsigned long long)(off + e * 4));
        else
            zx_buf_printf(&hdr,
                          "%s\"%s\":{\"dtype\":\"F32\",\"shape\":[%llu],"
                          "\"data_offsets\":[%llu,%llu]}",
                          k ? "," : "", ts[k].name, (unsigned long long)ts[k].r,
                          (unsigned long long)off,
                          (unsigned long long)(off + e * 4));
        off += e * 4;
    }
    zx_buf_addc(&hdr, '}');
    while (hdr.len % 8)
        zx_buf_addc(&hdr, ' ');
    for (k = 0; k < 8; k++)
        lenb[k] = (unsigned char)((uint64_t)hdr.len >> (8 * k));
    f = fopen(argv[1], "wb");
    if (!f)
        return 1;
    fwrite(lenb, 1, 8, f);
    fwrite(hdr.data, 1, hdr.len, f);
    row = malloc(ff * sizeof(float));
    for (k = 0; k < n; k++) {
        uint64_t c = ts[k].c ? ts[k].c : ts[k].r, r = ts[k].c ? ts[k].r : 1;

        for (i = 0; i < r; i++) {
            for (j = 0; j < c; j++) {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                row[j] =
                    (float)((double)(rng >> 11) / 9007199254740992.0 - 0.5) *
                    0.05f;
            }
            fwrite(row, sizeof(float), c, f);
        }
    }
    fclose(f);
    printf("%s: %zu tensors, %llu bytes of data\n", argv[1], n,
           (unsigned long long)off);
    free(row);
    free(ts);
    zx_buf_release(&hdr);
    return 0;
}
