/*
 * replay_main.c - replay a libFuzzer corpus without libFuzzer (gcc + ASan/UBSan build).
 * `make test` links each tests/fuzz/fuzz_NAME.c with this main and runs it over
 * tests/fuzz/corpus/fuzz_NAME/: every input must return without a crash, a leak or a
 * sanitizer report. Usage: replay_fuzz_NAME DIR_OR_FILE...
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The structure-aware targets' custom mutators call libFuzzer's byte mutator; a replay never
 * mutates, but they must link. */
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size)
{
    (void)data;
    (void)max_size;
    return size;
}

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        printf("not ok - replay: cannot open %s\n", path);
        return 1;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
    size_t got = buf ? fread(buf, 1, (size_t)n, f) : 0;
    fclose(f);
    if (!buf || got != (size_t)n) {
        free(buf);
        printf("not ok - replay: cannot read %s\n", path);
        return 1;
    }
    LLVMFuzzerTestOneInput(buf, got);
    free(buf);
    printf("ok - replay: %s\n", path);
    return 0;
}

int main(int argc, char **argv)
{
    int bad = 0, count = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            struct dirent **list;
            int n = scandir(argv[i], &list, NULL, alphasort);
            for (int k = 0; k < n; k++) {
                if (list[k]->d_name[0] != '.') {
                    char p[4096];
                    snprintf(p, sizeof p, "%s/%s", argv[i], list[k]->d_name);
                    bad += replay_file(p);
                    count++;
                }
                free(list[k]);
            }
            free(list);
        } else {
            bad += replay_file(argv[i]);
            count++;
        }
    }
    if (count == 0) {
        printf("not ok - replay: empty corpus\n");
        return 1;
    }
    return bad ? 1 : 0;
}
