/* replay.c - run a libFuzzer target over saved inputs without libFuzzer.
 *
 * `make test` links each tests/fuzz/fuzz_<target>.c with this file (gcc,
 * no fuzzer runtime) and runs it on the files of tests/fuzz/seeds/<target>:
 * every seed and crash reproducer must go through LLVMFuzzerTestOneInput()
 * without a crash (sqlite's fuzzcheck.c idea).  Arguments may be files or
 * folders (their regular files, one level).  Exit status 0, or 1 when an input
 * cannot be read.
 * SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "zx_fs.h"
#include "zx_mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_REPLAY_BYTES (64u << 20)

static int run_file(const char *path)
{
    char *data = NULL, *copy;
    size_t len = 0;
    struct zx_error err = {0};
    int rc = zx_read_file(path, MAX_REPLAY_BYTES, &data, &len, &err);

    if (rc) {
        fprintf(stderr, "replay: %s: %s\n", path,
                err.msg[0] ? err.msg : zx_strerror(rc));
        return 1;
    }
    /* An exact-size copy, so that reads past the end are caught. */
    copy = xmalloc(len ? len : 1);
    memcpy(copy, data, len);
    free(data);
    LLVMFuzzerTestOneInput((const uint8_t *)copy, len);
    free(copy);
    return 0;
}

int main(int argc, char **argv)
{
    int i, bad = 0, n = 0;

    for (i = 1; i < argc; i++) {
        struct stat st;

        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            struct dirent **names;
            int k, m = scandir(argv[i], &names, NULL, alphasort);

            for (k = 0; k < m; k++) {
                char *p = zx_path_join(argv[i], names[k]->d_name);

                if (names[k]->d_name[0] != '.' && zx_is_file(p)) {
                    bad |= run_file(p);
                    n++;
                }
                free(p);
                free(names[k]);
            }
            if (m >= 0)
                free(names);
            continue;
        }
        bad |= run_file(argv[i]);
        n++;
    }
    printf("replay: %d inputs\n", n);
    return bad;
}
