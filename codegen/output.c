/*
 * output.c - write a generated library atomically: a folder, or a zip (libzip).
 *
 * Folder: the files go to a fresh temporary folder beside PATH (".NAME.tmp-PID-XXXXXX",
 * edgelstm/fileio.h), each synced, which then takes PATH's place in one step
 * (elstm_replace_with). An existing PATH folder is replaced only when it is an earlier
 * edgelstm output (it holds the .edgelstm marker). Zip: the archive is built in memory and
 * written with elstm_write_file_atomic; its archive comment ("edgelstm VERSION deploy
 * ...") marks it as edgelstm's. On any failure the temporary output is removed and PATH is
 * left as it was. Whether a regular file that is not edgelstm's may be replaced is the
 * caller's decision (the CLI asks for --force: elstm_output_check in edgelstm/fileio.h).
 *
 * Zips are deterministic: entries in the library's order, fixed time stamps, fixed
 * permissions, deflate.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include "edgelstm/fileio.h"
#include "internal.h"

/* Every entry is dated 2000-01-01 12:00:00, set as MS-DOS time and date fields (what
 * a zip stores), so that no time zone enters the bytes. */
#define ZIP_DOS_TIME ((zip_uint16_t)(12u << 11))
#define ZIP_DOS_DATE ((zip_uint16_t)(((2000u - 1980u) << 9) | (1u << 5) | 1u))
#define ZIP_MARK "edgelstm "   /* the archive comment starts so */

/* Create the parent folders of root/rel. */
static int make_parents(const char *root, const char *rel)
{
    char p[ELSTM_PATH_MAX];
    int n = snprintf(p, sizeof p, "%s/%s", root, rel);
    if (n < 0 || (size_t)n >= sizeof p) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *s = p + strlen(root) + 1; *s; s++) {
        if (*s != '/') continue;
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) return -1;
        *s = '/';
    }
    return 0;
}

/* One file of the library into the temporary folder `root`; errors name PATH (the output)
 * and the file's place in it, never the temporary folder. */
static elstm_status write_one(const char *root, const char *path, const elstm_genfile *f, elstm_diag *diag)
{
    char p[ELSTM_PATH_MAX];
    int n = snprintf(p, sizeof p, "%s/%s", root, f->path);
    if (n < 0 || (size_t)n >= sizeof p)
        return elstm_diag_set(diag, ELSTM_ERR_IO, path, 0, "the path of %s in it is too long", f->path);
    if (make_parents(root, f->path) != 0)
        return elstm_diag_set(diag, ELSTM_ERR_IO, path, 0, "cannot create the folder of %s: %s", f->path, strerror(errno));
    int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd < 0) return elstm_diag_set(diag, ELSTM_ERR_IO, path, 0, "cannot create %s: %s", f->path, strerror(errno));
    const char *d = f->data;
    size_t left = f->len;
    int err = 0;
    while (left > 0 && !err) {
        ssize_t w = write(fd, d, left);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) err = w < 0 ? errno : ENOSPC;
        else d += w, left -= (size_t)w;
    }
    if (!err && fsync(fd) != 0 && errno != EINVAL) err = errno;
    if (close(fd) != 0 && !err) err = errno;
    if (err) return elstm_diag_set(diag, ELSTM_ERR_IO, path, 0, "cannot write %s: %s", f->path, strerror(err));
    return ELSTM_OK;
}

static elstm_status write_folder(const elstm_genlib *lib, const char *path, elstm_diag *diag)
{
    struct stat st;
    if (lstat(path, &st) == 0) {
        char marker[ELSTM_PATH_MAX + 16];
        snprintf(marker, sizeof marker, "%s/.edgelstm", path);
        if (S_ISDIR(st.st_mode) && access(marker, F_OK) != 0)
            return elstm_diag_set(diag, ELSTM_ERR_IO, path, 0,
                                  "exists and is not a library edgelstm generated (no .edgelstm file in it); "
                                  "remove it or choose another -o");
        if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
            return elstm_diag_set(diag, ELSTM_ERR_IO, path, 0, "is not a folder or a file; choose another -o");
    }
    elstm_temp tmp;
    elstm_status s = elstm_temp_create(path, 1, &tmp, diag);
    if (s != ELSTM_OK) return s;
    for (int i = 0; i < lib->n && s == ELSTM_OK; i++) s = write_one(tmp.path, path, &lib->files[i], diag);
    if (s == ELSTM_OK && fsync(tmp.fd) != 0 && errno != EINVAL)
        s = elstm_diag_set(diag, ELSTM_ERR_IO, path, 0, "cannot write the library: %s", strerror(errno));
    if (s != ELSTM_OK) {
        elstm_remove_tree(tmp.path);
        elstm_temp_release(&tmp);
        return s;
    }
    s = elstm_replace_with(tmp.path, path, diag);
    elstm_temp_release(&tmp);
    return s;
}

static elstm_status zip_fail(zip_t *za, zip_source_t *src, const char *path, const char *what, elstm_diag *diag)
{
    const char *why = za ? zip_strerror(za) : "out of memory";
    elstm_status s = elstm_diag_set(diag, ELSTM_ERR_IO, path, 0, "cannot build the zip archive (%s: %s)", what, why);
    if (za) zip_discard(za);
    if (src) zip_source_free(src);
    return s;
}

/* Add the folders of `rel` that are not in the archive yet. */
static int zip_add_dirs(zip_t *za, const char *rel)
{
    char d[1024];
    for (const char *s = strchr(rel, '/'); s; s = strchr(s + 1, '/')) {
        snprintf(d, sizeof d, "%.*s/", (int)(s - rel), rel);
        if (zip_name_locate(za, d, 0) >= 0) continue;
        zip_int64_t i = zip_dir_add(za, d, ZIP_FL_ENC_UTF_8);
        if (i < 0) return -1;
        if (zip_file_set_dostime(za, (zip_uint64_t)i, ZIP_DOS_TIME, ZIP_DOS_DATE, 0) != 0 ||
            zip_file_set_external_attributes(za, (zip_uint64_t)i, 0, ZIP_OPSYS_UNIX, (zip_uint32_t)(040755u << 16)) != 0)
            return -1;
    }
    return 0;
}

static elstm_status write_zip(const elstm_genlib *lib, const char *path, elstm_diag *diag)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return elstm_diag_set(diag, ELSTM_ERR_IO, path, 0, "is a folder; the arduino target writes a zip file (e.g. -o %s.zip)",
                              path);
    /* the archive comment marks it as edgelstm's: "edgelstm VERSION deploy --target arduino --name NAME" */
    char comment[160];
    const char *root = lib->n ? lib->files[0].path : "";
    snprintf(comment, sizeof comment, ZIP_MARK "%s deploy --target arduino --name %.*s", ELSTM_VERSION,
             (int)strcspn(root, "/"), root);
    /* built in memory (libzip would otherwise make its own temporary file beside PATH) */
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &ze);
    zip_t *za = src ? zip_open_from_source(src, ZIP_TRUNCATE, &ze) : NULL;
    zip_error_fini(&ze);
    if (!za) return zip_fail(NULL, src, path, "opening", diag);
    zip_source_keep(src);
    for (int i = 0; i < lib->n; i++) {
        const elstm_genfile *f = &lib->files[i];
        if (zip_add_dirs(za, f->path) != 0) return zip_fail(za, src, path, f->path, diag);
        zip_source_t *fs = zip_source_buffer(za, f->data, f->len, 0);
        if (!fs) return zip_fail(za, src, path, f->path, diag);
        zip_int64_t idx = zip_file_add(za, f->path, fs, ZIP_FL_ENC_UTF_8);
        if (idx < 0) {
            zip_source_free(fs);
            return zip_fail(za, src, path, f->path, diag);
        }
        if (zip_file_set_dostime(za, (zip_uint64_t)idx, ZIP_DOS_TIME, ZIP_DOS_DATE, 0) != 0 ||
            zip_file_set_external_attributes(za, (zip_uint64_t)idx, 0, ZIP_OPSYS_UNIX, (zip_uint32_t)(0100644u << 16)) != 0 ||
            zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_DEFLATE, 9) != 0)
            return zip_fail(za, src, path, f->path, diag);
    }
    if (zip_set_archive_comment(za, comment, (zip_uint16_t)strlen(comment)) != 0)
        return zip_fail(za, src, path, "comment", diag);
    if (zip_close(za) != 0) return zip_fail(za, src, path, "closing", diag);
    zip_stat_t zs;
    void *bytes = NULL;
    zip_int64_t got = -1;
    zip_stat_init(&zs);
    if (zip_source_stat(src, &zs) == 0 && (zs.valid & ZIP_STAT_SIZE) && zip_source_open(src) == 0) {
        bytes = malloc(zs.size ? zs.size : 1);
        if (bytes) got = zip_source_read(src, bytes, zs.size);
        zip_source_close(src);
    }
    zip_source_free(src);
    elstm_status s = got == (zip_int64_t)zs.size
                         ? elstm_write_file_atomic(path, bytes, zs.size, diag)
                         : elstm_diag_set(diag, ELSTM_ERR_NOMEM, path, 0, "out of memory building the zip archive");
    free(bytes);
    return s;
}

int elstm_codegen_zip_is_ours(const char *path)
{
    int err = 0;
    zip_t *za = zip_open(path, ZIP_RDONLY, &err);
    if (!za) return 0;
    int len = 0;
    const char *c = zip_get_archive_comment(za, &len, ZIP_FL_ENC_RAW);
    int ours = c && len >= (int)strlen(ZIP_MARK) && memcmp(c, ZIP_MARK, strlen(ZIP_MARK)) == 0;
    zip_discard(za);
    return ours;
}

/* ---- the library in memory ---------------------------------------------------------- */

elstm_status cg_add_bytes(elstm_genlib *lib, const char *path, const void *data, size_t len,
                          elstm_diag *diag)
{
    if (lib->n == lib->cap) {
        int cap = lib->cap ? 2 * lib->cap : 32;
        elstm_genfile *f = realloc(lib->files, (size_t)cap * sizeof *f);
        if (!f) return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory generating %s", path);
        lib->files = f;
        lib->cap = cap;
    }
    elstm_genfile *f = &lib->files[lib->n];
    f->path = strdup(path);
    f->data = malloc(len + 1);
    if (!f->path || !f->data) {
        free(f->path);
        free(f->data);
        return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory generating %s", path);
    }
    if (len) memcpy(f->data, data, len);
    f->data[len] = '\0';
    f->len = len;
    lib->n++;
    return ELSTM_OK;
}

elstm_status cg_add(elstm_genlib *lib, const char *path, cg_buf *b, elstm_diag *diag)
{
    if (b->oom) {
        cg_buf_free(b);
        return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory generating %s", path);
    }
    elstm_status st = cg_add_bytes(lib, path, b->p ? b->p : "", b->len, diag);
    cg_buf_free(b);
    return st;
}

void elstm_genlib_free(elstm_genlib *lib)
{
    if (!lib) return;
    for (int i = 0; i < lib->n; i++) {
        free(lib->files[i].path);
        free(lib->files[i].data);
    }
    free(lib->files);
    memset(lib, 0, sizeof *lib);
}

elstm_status elstm_genlib_write(const elstm_genlib *lib, const char *path, int zip, elstm_diag *diag)
{
    if (!path || !*path) return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "no output path given");
    return zip ? write_zip(lib, path, diag) : write_folder(lib, path, diag);
}

elstm_status elstm_codegen_write(const elstm_codegen_model *m, const elstm_codegen_opts *o, const char *path,
                                 elstm_diag *diag)
{
    elstm_genlib lib;
    elstm_status st = path ? elstm_codegen_check_neighbours(path, o->name, diag) : ELSTM_OK;
    if (st != ELSTM_OK) return st;
    st = elstm_codegen_generate(m, o, &lib, diag);
    if (st != ELSTM_OK) return st;
    st = elstm_genlib_write(&lib, path, elstm_target_get(o->target)->zip, diag);
    elstm_genlib_free(&lib);
    return st;
}
