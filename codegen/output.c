/*
 * output.c - write a generated library atomically: a folder, or a zip (libzip).
 *
 * Folder: the files go to a fresh temporary folder beside PATH (".NAME.tmp-XXXXXX"),
 * which is renamed to PATH when complete. An existing PATH is replaced only when it is an
 * earlier edgelstm output (it holds the .edgelstm marker): it is first renamed aside,
 * then removed once the new folder is in place. Zip: the archive is written to a
 * temporary file beside PATH and renamed over it. On any failure the temporary output is
 * removed and PATH is left as it was.
 *
 * Zips are deterministic: entries in the library's order, fixed time stamps, fixed
 * permissions, deflate.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
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

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void rm_tree(const char *path)
{
    nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Create the parent folders of root/rel. */
static int make_parents(const char *root, const char *rel)
{
    char p[4096];
    int n = snprintf(p, sizeof p, "%s/%s", root, rel);
    if (n < 0 || (size_t)n >= sizeof p) return -1;
    for (char *s = p + strlen(root) + 1; *s; s++) {
        if (*s != '/') continue;
        *s = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST) return -1;
        *s = '/';
    }
    return 0;
}

static elstm_status write_one(const char *root, const elstm_genfile *f, elstm_diag *diag)
{
    char p[4096];
    int n = snprintf(p, sizeof p, "%s/%s", root, f->path);
    if (n < 0 || (size_t)n >= sizeof p)
        return elstm_diag_set(diag, ELSTM_ERR_IO, root, 0, "the output path is too long");
    if (make_parents(root, f->path) != 0)
        return elstm_diag_set(diag, ELSTM_ERR_IO, p, 0, "cannot create the folder for this file: %s", strerror(errno));
    FILE *fp = fopen(p, "wb");
    if (!fp) return elstm_diag_set(diag, ELSTM_ERR_IO, p, 0, "cannot create file: %s", strerror(errno));
    int bad = f->len && fwrite(f->data, 1, f->len, fp) != f->len;
    bad |= fflush(fp) != 0;
    int err = errno;
    bad |= fclose(fp) != 0;
    if (bad) return elstm_diag_set(diag, ELSTM_ERR_IO, p, 0, "cannot write file: %s", strerror(err ? err : errno));
    return ELSTM_OK;
}

/* PATH's folder and base name into dir/base. */
void cg_split_path(const char *path, char *dir, size_t dn, char *base, size_t bn)
{
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/') len--; /* "out/" is "out" */
    const char *slash = NULL;
    for (size_t i = 0; i < len; i++)
        if (path[i] == '/') slash = path + i;
    if (!slash) {
        snprintf(dir, dn, ".");
        snprintf(base, bn, "%.*s", (int)len, path);
    } else {
        snprintf(dir, dn, "%.*s", slash == path ? 1 : (int)(slash - path), path);
        snprintf(base, bn, "%.*s", (int)(len - (size_t)(slash + 1 - path)), slash + 1);
    }
}

static elstm_status write_folder(const elstm_genlib *lib, const char *path, elstm_diag *diag)
{
    char dir[2048], base[1024], tmp[4096], old[4096];
    struct stat st;
    cg_split_path(path, dir, sizeof dir, base, sizeof base);
    if (!base[0] || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, path, 0, "not a usable output folder name (give -o a new folder, e.g. -o lib/mymodel)");
    int exists = lstat(path, &st) == 0;
    if (exists) {
        char marker[4200];
        snprintf(marker, sizeof marker, "%s/.edgelstm", path);
        if (!S_ISDIR(st.st_mode))
            return elstm_diag_set(diag, ELSTM_ERR_IO, path, 0,
                                  "exists and is not a folder; remove it or choose another -o for a folder library");
        if (access(marker, F_OK) != 0)
            return elstm_diag_set(diag, ELSTM_ERR_IO, path, 0,
                                  "exists and is not a library edgelstm generated (no .edgelstm file in it); "
                                  "remove it or choose another -o");
    }
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp-XXXXXX", dir, base);
    if (!mkdtemp(tmp))
        return elstm_diag_set(diag, ELSTM_ERR_IO, dir, 0, "cannot create a temporary folder here: %s", strerror(errno));
    chmod(tmp, 0755);
    for (int i = 0; i < lib->n; i++) {
        elstm_status s = write_one(tmp, &lib->files[i], diag);
        if (s != ELSTM_OK) {
            rm_tree(tmp);
            return s;
        }
    }
    if (exists) {
        snprintf(old, sizeof old, "%s/.%s.old-XXXXXX", dir, base);
        if (!mkdtemp(old) || rename(path, old) != 0) { /* rename over the empty placeholder */
            int err = errno;
            rmdir(old);
            rm_tree(tmp);
            return elstm_diag_set(diag, ELSTM_ERR_IO, path, 0, "cannot move the previous library aside: %s", strerror(err));
        }
    }
    if (rename(tmp, path) != 0) {
        int err = errno;
        if (exists) rename(old, path);
        rm_tree(tmp);
        return elstm_diag_set(diag, ELSTM_ERR_IO, path, 0, "cannot move the new library into place: %s", strerror(err));
    }
    if (exists) rm_tree(old);
    return ELSTM_OK;
}

static elstm_status zip_fail(zip_t *za, const char *tmp, const char *path, const char *what, elstm_diag *diag)
{
    const char *why = za ? zip_strerror(za) : "?";
    elstm_status s = elstm_diag_set(diag, ELSTM_ERR_IO, path, 0, "cannot write the zip archive (%s: %s)", what, why);
    if (za) zip_discard(za);
    unlink(tmp);
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
    char dir[2048], base[1024], tmp[4096];
    struct stat st;
    cg_split_path(path, dir, sizeof dir, base, sizeof base);
    if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return elstm_diag_set(diag, ELSTM_ERR_IO, path, 0, "is a folder; the arduino target writes a zip file (e.g. -o %s.zip)",
                              base);
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp-XXXXXX", dir, base);
    int fd = mkstemp(tmp);
    if (fd < 0) return elstm_diag_set(diag, ELSTM_ERR_IO, dir, 0, "cannot create a temporary file here: %s", strerror(errno));
    close(fd);
    int err = 0;
    zip_t *za = zip_open(tmp, ZIP_TRUNCATE, &err);
    if (!za) {
        unlink(tmp);
        return elstm_diag_set(diag, ELSTM_ERR_IO, path, 0, "cannot write the zip archive (libzip error %d)", err);
    }
    for (int i = 0; i < lib->n; i++) {
        const elstm_genfile *f = &lib->files[i];
        if (zip_add_dirs(za, f->path) != 0) return zip_fail(za, tmp, path, f->path, diag);
        zip_source_t *src = zip_source_buffer(za, f->data, f->len, 0);
        if (!src) return zip_fail(za, tmp, path, f->path, diag);
        zip_int64_t idx = zip_file_add(za, f->path, src, ZIP_FL_ENC_UTF_8);
        if (idx < 0) {
            zip_source_free(src);
            return zip_fail(za, tmp, path, f->path, diag);
        }
        if (zip_file_set_dostime(za, (zip_uint64_t)idx, ZIP_DOS_TIME, ZIP_DOS_DATE, 0) != 0 ||
            zip_file_set_external_attributes(za, (zip_uint64_t)idx, 0, ZIP_OPSYS_UNIX, (zip_uint32_t)(0100644u << 16)) != 0 ||
            zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_DEFLATE, 9) != 0)
            return zip_fail(za, tmp, path, f->path, diag);
    }
    if (zip_close(za) != 0) return zip_fail(za, tmp, path, "closing", diag);
    chmod(tmp, 0644);
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return elstm_diag_set(diag, ELSTM_ERR_IO, path, 0, "cannot move the zip archive into place: %s", strerror(e));
    }
    return ELSTM_OK;
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
    st = elstm_genlib_write(&lib, path, o->target == ELSTM_TARGET_ARDUINO, diag);
    elstm_genlib_free(&lib);
    return st;
}
