/*
 * profile.c - a model's generated library on an emulated core (`edgelstm profile`).
 *
 * In a temporary folder: the model's `c` library (exactly what `deploy --target c`
 * writes), the harness of tools/mcu/ (start-up code, linker scripts, instruction counters,
 * the Xtensa core's C library subset and profile_main.c, all embedded in the executable)
 * and the window as window.inc. Then, for the Cortex-M4F (the default):
 *   arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard ...
 *   arm-none-eabi-size -A NAME.o           code size: .text sections, reference kernel excluded
 *   qemu-system-arm -M mps2-an386 -icount shift=0,align=off,sleep=off ...   counts
 * and for the ESP32's Xtensa ISA (docs/deploy.md says why each step is as it is):
 *   clang-22 --target=xtensa <the esp32 features> -S, then llvm-mc-22 -filetype=obj
 *   xtensa-lx106-elf-size -A NAME.o         code size: .text and .literal sections
 *   xtensa-lx106-elf-ld --no-relax -T xtensa/xtensa.ld
 *   qemu-system-xtensa -M sim -cpu de233_fpu -icount shift=7,align=off,sleep=off ...
 * and the program's "key value" lines are read back. A tool that is not installed is not
 * an error: the result says what could be measured.
 */
#define _XOPEN_SOURCE 700 /* nftw, mkdtemp */
#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

extern char **environ;

#define MCU_NAME    "mcu_model"
#define MCU_NAME_UC "MCU_MODEL"
#define MCU_FLAGS   "-mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard"

/* tools/mcu/xtensa/features.txt: the ESP32's Xtensa features (what Espressif's clang uses for
 * -mcpu=esp32, which clang-22 does not accept) minus mul32high (QEMU's de233_fpu lacks
 * MULSH/MULUH; clang then divides by constants with QUOU) and dfpaccel (never used). */
#define XT_FEATURES_FILE "tools/mcu/xtensa/features.txt"
#define XT_ICOUNT_SHIFT "7" /* -icount shift: 128 ns of virtual time per instruction */

static int on_path(const char *prog)
{
    const char *path = getenv("PATH");
    char buf[4096];
    if (!path) path = "/usr/bin:/bin";
    for (const char *p = path; *p;) {
        const char *e = strchr(p, ':');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        snprintf(buf, sizeof buf, "%.*s/%s", (int)n, n ? p : ".", prog);
        if (access(buf, X_OK) == 0) return 1;
        if (!e) break;
        p = e + 1;
    }
    return 0;
}

/* Run argv with stdout+stderr into `out_path`; kill it after timeout_s seconds.
 * Returns the exit status, 128+signal, or -1 if it could not start or timed out. */
static int run_cmd(char *const argv[], const char *out_path, int timeout_s)
{
    posix_spawn_file_actions_t fa;
    pid_t pid;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    int err = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (err != 0) return -1;
    struct timespec nap = {0, 20 * 1000 * 1000};
    for (long waited = 0;; waited += 20) {
        int status;
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        if (r < 0 && errno != EINTR) return -1;
        if (waited >= (long)timeout_s * 1000) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return -1;
        }
        nanosleep(&nap, NULL);
    }
}

/* Split a space-separated command line into argv (no quoting needed for our flags). */
static int split_args(char *line, char **argv, int max)
{
    int n = 0;
    for (char *t = strtok(line, " "); t && n < max - 1; t = strtok(NULL, " ")) argv[n++] = t;
    argv[n] = NULL;
    return n;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *s = NULL;
    size_t len = 0, cap = 0;
    int c;
    while ((c = fgetc(f)) != EOF) {
        if (len + 2 > cap) {
            cap = cap ? 2 * cap : 4096;
            char *t = realloc(s, cap);
            if (!t) break;
            s = t;
        }
        s[len++] = (char)c;
    }
    fclose(f);
    if (s) s[len] = '\0';
    return s;
}

/* The first line of `text` that holds an error, or its first line. */
static void first_error(const char *text, char *out, size_t n)
{
    const char *line = text ? strstr(text, "error") : NULL;
    if (!text) {
        snprintf(out, n, "no output");
        return;
    }
    if (line)
        while (line > text && line[-1] != '\n') line--;
    else
        line = text;
    const char *e = strchr(line, '\n');
    snprintf(out, n, "%.*s", (int)(e ? e - line : (long)strlen(line)), line);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* One build or run step in `dir`: cmd (printf-style) -> run; on failure a diag naming the
 * tool and its first error line. */
static elstm_status step(const char *dir, int timeout_s, char **out_text, elstm_diag *diag, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;
static elstm_status step(const char *dir, int timeout_s, char **out_text, elstm_diag *diag, const char *fmt, ...)
{
    char line[16384], *argv[256], out_path[4200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    char tool[64];
    snprintf(tool, sizeof tool, "%.*s", (int)strcspn(line, " "), line);
    snprintf(out_path, sizeof out_path, "%s/out.txt", dir);
    split_args(line, argv, 256);
    int rc = run_cmd(argv, out_path, timeout_s);
    char *text = slurp(out_path);
    if (rc != 0) {
        char why[512];
        first_error(text, why, sizeof why);
        free(text);
        if (rc < 0)
            return elstm_diag_set(diag, ELSTM_ERR_IO, NULL, 0, "%s could not run or took longer than %d s", tool, timeout_s);
        return elstm_diag_set(diag, ELSTM_ERR_IO, NULL, 0, "%s failed (status %d) on the generated library: %s", tool, rc, why);
    }
    if (out_text) *out_text = text;
    else free(text);
    return ELSTM_OK;
}

static elstm_status write_text(const char *dir, const char *rel, const void *data, size_t len, elstm_diag *diag)
{
    char p[4200];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    for (char *slash = strchr(p + strlen(dir) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0'; /* the harness's sub-folders (xtensa/include) */
        int bad = mkdir(p, 0755) != 0 && errno != EEXIST;
        *slash = '/';
        if (bad) return elstm_diag_set(diag, ELSTM_ERR_IO, p, 0, "cannot create folder: %s", strerror(errno));
    }
    FILE *fp = fopen(p, "wb");
    if (!fp) return elstm_diag_set(diag, ELSTM_ERR_IO, p, 0, "cannot create file: %s", strerror(errno));
    int bad = len && fwrite(data, 1, len, fp) != len;
    bad |= fclose(fp) != 0;
    if (bad) return elstm_diag_set(diag, ELSTM_ERR_IO, p, 0, "cannot write file");
    return ELSTM_OK;
}

/* "key value" from the program's output. */
static int read_key(const char *text, const char *key, double *v)
{
    size_t n = strlen(key);
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (strncmp(p, key, n) == 0 && p[n] == ' ') return sscanf(p + n + 1, "%lf", v) == 1;
    return 0;
}

/* Sum of the sizes of the sections of `kind` (".text" or ".rodata") in `size -A` output,
 * leaving out the reference kernel (its functions, and the API call that uses it). */
static uint64_t section_bytes(const char *size_out, const char *kind)
{
    uint64_t sum = 0;
    size_t kn = strlen(kind);
    for (const char *p = size_out; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        char name[256];
        unsigned long long bytes;
        if (sscanf(p, "%255s %llu", name, &bytes) != 2) continue;
        if (strncmp(name, kind, kn) != 0 || (name[kn] != '\0' && name[kn] != '.')) continue;
        if (strstr(name, "_ref") || strstr(name, "_reference")) continue;
        sum += bytes;
    }
    return sum;
}

/* The Cortex-M4F: arm-none-eabi-gcc with newlib's semihosting flavour. */
static elstm_status build_cortexm(const char *dir, const char *libdir, const char *opt, const elstm_mcu_opts *opts,
                                  int stateful, int timeout, elstm_mcu_result *r, elstm_diag *diag)
{
    char cflags[5000], *text = NULL;
    elstm_status st;
    snprintf(r->flags, sizeof r->flags, "%s %s -std=gnu11%s", MCU_FLAGS, opt, opts->c_kernel ? " -DELSTM_CORTEXM_NO_ASM" : "");
    /* --reference: an int8 library keeps its row-major weights for the reference kernel */
    snprintf(cflags, sizeof cflags, " " MCU_FLAGS " %s -std=gnu11 -ffunction-sections -fdata-sections%s%s -I%s", opt,
             opts->c_kernel ? " -DELSTM_CORTEXM_NO_ASM" : "", opts->reference ? " -D" MCU_NAME_UC "_WITH_REFERENCE" : "",
             libdir);
    if (step(dir, 60, &text, diag, "arm-none-eabi-gcc --version") == ELSTM_OK && text)
        snprintf(r->cc_version, sizeof r->cc_version, "%.*s", (int)strcspn(text, "\n"), text);
    free(text);
    text = NULL;
    if ((st = step(dir, timeout, NULL, diag, "arm-none-eabi-gcc%s -c -o %s/lib.o %s/" MCU_NAME ".c", cflags, dir, libdir)) != ELSTM_OK)
        return st;
    if ((st = step(dir, 60, &text, diag, "arm-none-eabi-size -A %s/lib.o", dir)) != ELSTM_OK) return st;
    r->code_bytes = section_bytes(text, ".text");
    r->rodata_bytes = section_bytes(text, ".rodata");
    free(text);
    if ((st = step(dir, timeout, NULL, diag,
                   "arm-none-eabi-gcc%s -I%s -DELSTM_MCU_NAME=" MCU_NAME " -DELSTM_MCU_NAME_UC=" MCU_NAME_UC
                   " -DELSTM_MCU_HEADER=\"" MCU_NAME ".h\"%s%s -c -o %s/main.o %s/profile_main.c",
                   cflags, dir, opts->reference ? " -DELSTM_MCU_REFERENCE" : "", stateful ? " -DELSTM_MCU_STATEFUL" : "",
                   dir, dir)) != ELSTM_OK)
        return st;
    if ((st = step(dir, timeout, NULL, diag, "arm-none-eabi-gcc%s -c -o %s/startup.o %s/startup.c", cflags, dir, dir)) !=
        ELSTM_OK)
        return st;
    return step(dir, timeout, NULL, diag,
                "arm-none-eabi-gcc " MCU_FLAGS " --specs=rdimon.specs -nostartfiles -T%s/mps2-an386.ld "
                "-Wl,--gc-sections -o %s/profile.elf %s/main.o %s/lib.o %s/startup.o -lm",
                dir, dir, dir, dir, dir);
}

/* One C file for the Xtensa core: clang-22 -S, then llvm-mc-22 (clang's integrated assembler
 * misplaces the L32R literal pools on this target). */
static elstm_status xt_compile(const char *dir, const char *cflags, const char *features, int timeout, const char *src,
                               const char *obj, elstm_diag *diag)
{
    elstm_status st = step(dir, timeout, NULL, diag, "clang-22%s -S -o %s/%s.s %s", cflags, dir, obj, src);
    if (st != ELSTM_OK) return st;
    return step(dir, timeout, NULL, diag, "llvm-mc-22 -triple=xtensa -mattr=%s -filetype=obj -o %s/%s.o %s/%s.s", features,
                dir, obj, dir, obj);
}

/* The ESP32's Xtensa ISA: clang-22 + llvm-mc-22, the GNU linker of binutils-xtensa-lx106,
 * and the harness's own start-up code and C library subset (tools/mcu/xtensa/). */
static elstm_status build_xtensa(const char *dir, const char *libdir, const char *opt, const elstm_mcu_opts *opts,
                                 int stateful, int timeout, elstm_mcu_result *r, elstm_diag *diag)
{
    char cflags[5000], *text = NULL, src[4300], features[1024] = "";
    size_t n = 0;
    elstm_status st;
    const elstm_embedded_file *ff = cg_embedded(XT_FEATURES_FILE);
    if (ff) snprintf(features, sizeof features, "%.*s", (int)strcspn((const char *)ff->data, " \r\n"), (const char *)ff->data);
    if (!features[0]) return elstm_diag_set(diag, ELSTM_ERR_IO, XT_FEATURES_FILE, 0, "not embedded in this executable");
    /* -fno-jump-tables: clang-22 leaves a jump table's literals in .rodata; -fomit-frame-pointer:
     * with a frame pointer it adjusts the stack with MOVSP, which needs an alloca handler */
    const char *common = "-std=gnu11 -ffreestanding -fno-jump-tables -fomit-frame-pointer";
    n += (size_t)snprintf(cflags + n, sizeof cflags - n, " --target=xtensa");
    for (const char *f = features; *f;) {
        size_t len = strcspn(f, ",");
        n += (size_t)snprintf(cflags + n, sizeof cflags - n, " -Xclang -target-feature -Xclang %.*s", (int)len, f);
        f += len + (f[len] == ',');
    }
    /* --reference: an int8 library keeps its row-major weights for the reference kernel */
    snprintf(cflags + n, sizeof cflags - n, " %s %s -ffunction-sections -fdata-sections -DELSTM_XT_ICOUNT_SHIFT=" XT_ICOUNT_SHIFT
             "%s%s -isystem %s/xtensa/include -I%s -I%s", opt, common, opts->c_kernel ? " -DELSTM_XTENSA_NO_ASM" : "",
             opts->reference ? " -D" MCU_NAME_UC "_WITH_REFERENCE" : "", dir, dir, libdir);
    snprintf(r->flags, sizeof r->flags, "--target=xtensa (esp32 features but mul32high) %s %s%s", opt, common,
             opts->c_kernel ? " -DELSTM_XTENSA_NO_ASM" : "");
    if (step(dir, 60, &text, diag, "clang-22 --version") == ELSTM_OK && text)
        snprintf(r->cc_version, sizeof r->cc_version, "%.*s", (int)strcspn(text, "\n"), text);
    free(text);
    text = NULL;
    snprintf(src, sizeof src, "%s/" MCU_NAME ".c", libdir);
    if ((st = xt_compile(dir, cflags, features, timeout, src, "lib", diag)) != ELSTM_OK) return st;
    if ((st = step(dir, 60, &text, diag, "xtensa-lx106-elf-size -A %s/lib.o", dir)) != ELSTM_OK) return st;
    r->code_bytes = section_bytes(text, ".text") + section_bytes(text, ".literal");
    r->rodata_bytes = section_bytes(text, ".rodata");
    free(text);
    {
        char mflags[5300];
        snprintf(mflags, sizeof mflags, "%s -DELSTM_MCU_NAME=" MCU_NAME " -DELSTM_MCU_NAME_UC=" MCU_NAME_UC
                 " -DELSTM_MCU_HEADER=\"" MCU_NAME ".h\"%s%s", cflags, opts->reference ? " -DELSTM_MCU_REFERENCE" : "",
                 stateful ? " -DELSTM_MCU_STATEFUL" : "");
        snprintf(src, sizeof src, "%s/profile_main.c", dir);
        if ((st = xt_compile(dir, mflags, features, timeout, src, "main", diag)) != ELSTM_OK) return st;
    }
    snprintf(src, sizeof src, "%s/xtensa/rt.c", dir);
    if ((st = xt_compile(dir, cflags, features, timeout, src, "rt", diag)) != ELSTM_OK) return st;
    if ((st = step(dir, timeout, NULL, diag, "llvm-mc-22 -triple=xtensa -mattr=%s -filetype=obj -o %s/crt0.o %s/xtensa/crt0.s",
                   features, dir, dir)) != ELSTM_OK)
        return st;
    return step(dir, timeout, NULL, diag,
                "xtensa-lx106-elf-ld --no-relax --no-warn-rwx-segments --gc-sections -T %s/xtensa/xtensa.ld -o %s/profile.elf "
                "%s/crt0.o %s/main.o %s/lib.o %s/rt.o",
                dir, dir, dir, dir, dir, dir);
}

elstm_status elstm_mcu_profile(const elstm_codegen_model *m, const float *window, const elstm_mcu_opts *opts,
                               elstm_mcu_result *r, elstm_diag *diag)
{
    elstm_mcu_opts none = {0};
    if (!opts) opts = &none;
    memset(r, 0, sizeof *r);
    const int xt = opts->core == ELSTM_MCU_ESP32;
    if (xt) {
        static const char *const need[][2] = {{"clang-22", "clang-22"},
                                                {"llvm-mc-22", "llvm-22"},
                                                {"xtensa-lx106-elf-ld", "binutils-xtensa-lx106"},
                                                {"xtensa-lx106-elf-size", "binutils-xtensa-lx106"},
                                                {"qemu-system-xtensa", "qemu-system-misc"}};
        r->have_cc = 1;
        for (int i = 0; i < 5; i++)
            if (!on_path(need[i][0])) {
                if (!r->missing) r->missing = need[i][0], r->missing_pkg = need[i][1];
                if (i < 4) r->have_cc = 0;
            }
        r->have_qemu = on_path("qemu-system-xtensa");
    } else {
        r->have_cc = on_path("arm-none-eabi-gcc") && on_path("arm-none-eabi-size");
        r->have_qemu = on_path("qemu-system-arm");
        r->missing = !r->have_cc ? "arm-none-eabi-gcc" : !r->have_qemu ? "qemu-system-arm" : NULL;
        r->missing_pkg = !r->have_cc ? "gcc-arm-none-eabi" : "qemu-system-arm";
    }
    if (!r->have_cc) return ELSTM_OK;
    const int timeout = opts->timeout_s > 0 ? opts->timeout_s : 600;
    const char *opt = opts->opt_level ? opts->opt_level : "-O2";

    /* the folder */
    char dir[4096];
    int keep = opts->keep_dir != NULL;
    if (keep) {
        snprintf(dir, sizeof dir, "%s", opts->keep_dir);
        if (mkdir(dir, 0755) != 0 && errno != EEXIST)
            return elstm_diag_set(diag, ELSTM_ERR_IO, dir, 0, "cannot create folder: %s", strerror(errno));
    } else {
        const char *tmp = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/edgelstm-profile-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(dir)) return elstm_diag_set(diag, ELSTM_ERR_IO, dir, 0, "cannot create a temporary folder: %s", strerror(errno));
    }

    elstm_genlib lib = {0};
    char *text = NULL, libdir[4200];
    float *synthetic = NULL;
    elstm_status st;
    const int32_t I = m->lstm->n_input;
    elstm_codegen_opts co = {.target = ELSTM_TARGET_C, .name = MCU_NAME, .sample = window,
                             .sample_note = window ? "the window edgelstm profile measured" : NULL};
    snprintf(libdir, sizeof libdir, "%s/lib", dir);
    if ((st = elstm_codegen_generate(m, &co, &lib, diag)) != ELSTM_OK) goto done;
    if ((st = elstm_genlib_write(&lib, libdir, 0, diag)) != ELSTM_OK) goto done;
    if (keep && (st = write_text(dir, ".edgelstm", "edgelstm " ELSTM_VERSION " profile --keep\n",
                                 strlen("edgelstm " ELSTM_VERSION " profile --keep\n"), diag)) != ELSTM_OK)
        goto done;   /* marks the folder as profile's: a later --keep may build in it again */
    for (int i = 0; i < elstm_deploy_files_count; i++) {
        const elstm_embedded_file *f = &elstm_deploy_files[i];
        if (strncmp(f->name, "tools/mcu/", 10) != 0) continue;
        if ((st = write_text(dir, f->name + 10, f->data, f->size, diag)) != ELSTM_OK) goto done;
    }
    if (!window) {
        synthetic = malloc((size_t)m->steps * (size_t)I * sizeof(float));
        if (!synthetic) {
            st = elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory");
            goto done;
        }
        elstm_codegen_synthetic_window(m->steps, I, synthetic);
        window = synthetic;
    }
    {
        cg_buf w = {0};
        for (int32_t k = 0; k < m->steps * I; k++) cg_printf(&w, "%.9gf,%s", (double)window[k], (k + 1) % I ? " " : "\n");
        st = w.oom ? elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory")
                   : write_text(dir, "window.inc", w.p, w.len, diag);
        cg_buf_free(&w);
        if (st != ELSTM_OK) goto done;
    }

    /* build */
    const int stateful = m->meta && m->meta->stateful;
    st = xt ? build_xtensa(dir, libdir, opt, opts, stateful, timeout, r, diag)
            : build_cortexm(dir, libdir, opt, opts, stateful, timeout, r, diag);
    if (st != ELSTM_OK || !r->have_qemu) goto done;

    /* run */
    if (xt)
        st = step(dir, timeout, &text, diag,
                  "qemu-system-xtensa -M sim -cpu de233_fpu -display none -monitor none -serial none -semihosting "
                  "-icount shift=" XT_ICOUNT_SHIFT ",align=off,sleep=off -device loader,file=%s/profile.elf,cpu-num=0",
                  dir);
    else
        st = step(dir, timeout, &text, diag,
                  "qemu-system-arm -M mps2-an386 -nographic -monitor none -serial none "
                  "-semihosting-config enable=on,target=native -icount shift=0,align=off,sleep=off -kernel %s/profile.elf",
                  dir);
    if (st != ELSTM_OK) goto done;
    double v;
    int ok = read_key(text, "instructions", &v);
    r->instructions = ok ? (uint64_t)v : 0;
    ok = ok && read_key(text, "forecast", &r->forecast_norm);
    if (opts->reference) {
        ok = ok && read_key(text, "instructions_ref", &v);
        r->instructions_ref = (uint64_t)v;
        ok = ok && read_key(text, "forecast_ref", &r->forecast_ref_norm);
    }
    double ring;
    if (!ok || !read_key(text, "ring", &ring)) {
        st = elstm_diag_set(diag, ELSTM_ERR_FORMAT, NULL, 0, "the emulated board's output is not what the harness prints: %.200s",
                            text ? text : "");
        goto done;
    }
    if (ring != r->forecast_norm) {
        st = elstm_diag_set(diag, ELSTM_ERR_NUMERIC, NULL, 0,
                            "on the emulated board the ring buffer gave %.9g but the whole window %.9g", ring, r->forecast_norm);
        goto done;
    }
    r->instructions_per_sample = r->instructions;
    if (stateful) { /* the window pushed sample by sample must give the window's forecast */
        double stream;
        if (!read_key(text, "instructions_per_sample", &v) || !read_key(text, "stream", &stream)) {
            st = elstm_diag_set(diag, ELSTM_ERR_FORMAT, NULL, 0, "the emulated board printed no streaming figures: %.200s",
                                text ? text : "");
            goto done;
        }
        r->instructions_per_sample = (uint64_t)v;
        if (!(fabs(stream - r->forecast_norm) <= 1e-5)) {
            st = elstm_diag_set(diag, ELSTM_ERR_NUMERIC, NULL, 0,
                                "on the emulated board the window pushed sample by sample gave %.9g but the whole "
                                "window %.9g", stream, r->forecast_norm);
            goto done;
        }
    }
    r->measured = 1;
done:
    free(text);
    free(synthetic);
    elstm_genlib_free(&lib);
    if (!keep) nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return st;
}
