/* fileio.c - input files, safe outputs, atomic writes (see edgelstm/fileio.h). */
#define _GNU_SOURCE /* O_NOFOLLOW, O_DIRECTORY, flock, getrandom, fdopendir */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "edgelstm/fileio.h"

#define NAME_LIMIT 255   /* NAME_MAX of the usual file systems */

/* "a folder", "a named pipe (FIFO)", ... for a mode that is not a regular file. */
static const char *kind_of(mode_t m)
{
    if (S_ISDIR(m)) return "a folder";
    if (S_ISFIFO(m)) return "a named pipe (FIFO)";
    if (S_ISCHR(m)) return "a character device";
    if (S_ISBLK(m)) return "a block device";
    if (S_ISSOCK(m)) return "a socket";
    if (S_ISLNK(m)) return "a symbolic link";
    return "not a regular file";
}

elstm_status elstm_open_input(const char *path, FILE **f, elstm_diag *diag)
{
    *f = NULL;
    if (!path || !*path)
        return elstm_diag_set(diag, ELSTM_ERR_IO, NULL, 0,
                              "the file name is empty; give the path of a file");
    /* O_NONBLOCK: opening a FIFO that has no writer must not wait */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return elstm_diag_set(diag, ELSTM_ERR_IO, path, 0, "cannot open the file: %s", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        int e = errno;
        int got = fstat(fd, &st) == 0;
        close(fd);
        if (!got) return elstm_diag_set(diag, ELSTM_ERR_IO, path, 0, "cannot read the file: %s", strerror(e));
        return elstm_diag_set(diag, ELSTM_ERR_IO, path, 0,
                              "is %s, not a regular file; give the path of a file (save piped data to a "
                              "file first)", kind_of(st.st_mode));
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0) fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    *f = fdopen(fd, "rb");
    if (!*f) {
        int e = errno;
        close(fd);
        return elstm_diag_set(diag, ELSTM_ERR_NOMEM, path, 0, "cannot open the file: %s", strerror(e));
    }
    return ELSTM_OK;
}

elstm_status elstm_read_file(const char *path, uint8_t **data, size_t *len, size_t max_len,
                             elstm_diag *diag)
{
    *data = NULL;
    *len = 0;
    FILE *f;
    elstm_status s = elstm_open_input(path, &f, diag);
    if (s != ELSTM_OK) return s;
    struct stat st;
    if (fstat(fileno(f), &st) != 0) {
        fclose(f);
        return elstm_diag_set(diag, ELSTM_ERR_IO, path, 0, "cannot read the file: %s", strerror(errno));
    }
    size_t size = (size_t)st.st_size;
    if (max_len && size > max_len) {
        fclose(f);
        return elstm_diag_set(diag, ELSTM_ERR_FORMAT, path, 0,
                              "file is %zu bytes, larger than the %zu-byte limit", size, max_len);
    }
    uint8_t *buf = malloc(size + 1);
    if (!buf) {
        fclose(f);
        return elstm_diag_set(diag, ELSTM_ERR_NOMEM, path, 0, "out of memory reading %zu bytes", size);
    }
    size_t got = fread(buf, 1, size, f);
    int err = ferror(f);
    fclose(f);
    if (err || got != size) {
        free(buf);
        return elstm_diag_set(diag, ELSTM_ERR_IO, path, 0, "read error");
    }
    buf[size] = 0;
    *data = buf;
    *len = size;
    return ELSTM_OK;
}

uint32_t elstm_crc32(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < len; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return c ^ 0xFFFFFFFFu;
}

/* ---- paths and temporary names ------------------------------------------------------ */

int elstm_split_path(const char *path, char *dir, size_t dn, char *base, size_t bn)
{
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/') len--; /* "out/" is "out" */
    const char *slash = NULL;
    for (size_t i = 0; i < len; i++)
        if (path[i] == '/') slash = path + i;
    int a, b;
    if (!slash) {
        a = snprintf(dir, dn, ".");
        b = snprintf(base, bn, "%.*s", (int)len, path);
    } else {
        a = snprintf(dir, dn, "%.*s", slash == path ? 1 : (int)(slash - path), path);
        b = snprintf(base, bn, "%.*s", (int)(len - (size_t)(slash + 1 - path)), slash + 1);
    }
    return a < 0 || (size_t)a >= dn || b < 0 || (size_t)b >= bn ? -1 : 0;
}

/* ".BASE.KIND-": the start of every temporary name of BASE, BASE shortened so that
 * ".BASE.KIND-PID-XXXXXX" fits NAME_LIMIT with a 10-digit PID. */
static void temp_prefix(const char *base, const char *kind, char *out, size_t n)
{
    size_t keep = NAME_LIMIT - 1 - strlen(kind) - 2 - 10 - 1 - 6;
    snprintf(out, n, ".%.*s.%s-", (int)(strlen(base) < keep ? strlen(base) : keep), base, kind);
}

/* Join dir and name; "." + name is just name (messages stay short). */
static int join(char *out, size_t n, const char *dir, const char *name)
{
    int k = strcmp(dir, ".") == 0 ? snprintf(out, n, "%s", name)
                                  : snprintf(out, n, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", name);
    return k < 0 || (size_t)k >= n ? -1 : 0;
}

static uint64_t random64(void)
{
    uint64_t r;
    if (getrandom(&r, sizeof r, GRND_NONBLOCK) == (ssize_t)sizeof r) return r;
    static uint64_t counter;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t z = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^ ((uint64_t)getpid() << 16) ^ ++counter;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL; /* splitmix64 finalizer */
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int remove_tree_at(int at, const char *name)
{
    if (unlinkat(at, name, 0) == 0 || errno == ENOENT) return 0;
    if (errno != EISDIR && errno != EPERM) return -1;
    int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return -1;
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return -1;
    }
    struct dirent *e;
    int bad = 0;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        bad |= remove_tree_at(dirfd(d), e->d_name);
    }
    closedir(d);
    return bad || unlinkat(at, name, AT_REMOVEDIR) != 0 ? -1 : 0;
}

int elstm_remove_tree(const char *path)
{
    return remove_tree_at(AT_FDCWD, path);
}

int elstm_sync_parent(const char *path)
{
    char dir[ELSTM_PATH_MAX], base[ELSTM_PATH_MAX];
    if (elstm_split_path(path, dir, sizeof dir, base, sizeof base) != 0) return -1;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    int r = fsync(fd);
    int e = errno;
    close(fd);
    errno = e;
    /* some file systems cannot sync a folder; the rename itself is done */
    return r != 0 && e != EINVAL && e != EROFS && e != EBADF ? -1 : 0;
}

/* PID-XXXXXX after a temporary name's prefix: the writer's PID, or -1 if `rest` is not
 * that. */
static long temp_owner(const char *rest)
{
    char *end;
    errno = 0;
    long pid = strtol(rest, &end, 10);
    if (errno || end == rest || pid <= 0 || *end != '-') return -1;
    end++;
    for (int i = 0; i < 6; i++)
        if (!((end[i] >= '0' && end[i] <= '9') || (end[i] >= 'a' && end[i] <= 'z') ||
              (end[i] >= 'A' && end[i] <= 'Z')))
            return -1;
    return end[6] == '\0' ? pid : -1;
}

/* A temporary file or folder is stale when its writer is gone: its process does not exist
 * and nothing holds its lock (the lock also covers a PID seen from another PID namespace). */
static int stale(int dirfd, const char *name, long pid)
{
    if (pid == (long)getpid()) return 0;
    if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) return 0;
    int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) return 0;
    struct stat st;
    int ok = fstat(fd, &st) == 0 && (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) &&
             flock(fd, LOCK_EX | LOCK_NB) == 0;
    close(fd);
    return ok;
}

/* Remove the temporary files of `base` in `dir` whose writers died (".BASE.tmp-PID-X"), and
 * deal with a folder a killed deploy had moved aside (".BASE.old-PID-X"): back in place if
 * nothing replaced it, else removed. */
static void clean_stale(const char *dir, const char *base)
{
    char tmp_prefix[NAME_LIMIT + 1], old_prefix[NAME_LIMIT + 1];
    temp_prefix(base, "tmp", tmp_prefix, sizeof tmp_prefix);
    temp_prefix(base, "old", old_prefix, sizeof old_prefix);
    size_t tl = strlen(tmp_prefix), ol = strlen(old_prefix);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return;
    DIR *d = fdopendir(dfd);
    if (!d) {
        close(dfd);
        return;
    }
    char legacy[NAME_LIMIT + 16];   /* the name edgelstm 0.1.0 used: ".BASE.tmp.PID", no lock */
    snprintf(legacy, sizeof legacy, ".%.*s.tmp.", NAME_LIMIT, base);
    size_t ll = strlen(legacy);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, legacy, ll) == 0) {
            char *end;
            long old = strtol(e->d_name + ll, &end, 10);
            struct stat st;
            if (old > 0 && *end == '\0' && kill((pid_t)old, 0) != 0 && errno == ESRCH &&
                fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
                unlinkat(dfd, e->d_name, 0);
            continue;
        }
        int is_tmp = strncmp(e->d_name, tmp_prefix, tl) == 0, is_old = strncmp(e->d_name, old_prefix, ol) == 0;
        if (!is_tmp && !is_old) continue;
        long pid = temp_owner(e->d_name + (is_tmp ? tl : ol));
        if (pid < 0 || !stale(dfd, e->d_name, pid)) continue;
        struct stat st;
        if (is_old && fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) != 0 && errno == ENOENT &&
            renameat(dfd, e->d_name, dfd, base) == 0)
            continue;
        remove_tree_at(dfd, e->d_name);
    }
    closedir(d);
}

static elstm_status temp_create(const char *target, const char *kind, int folder, elstm_temp *t, elstm_diag *diag)
{
    char dir[ELSTM_PATH_MAX], base[ELSTM_PATH_MAX], prefix[NAME_LIMIT + 1];
    t->fd = -1;
    t->path[0] = '\0';
    if (elstm_split_path(target, dir, sizeof dir, base, sizeof base) != 0)
        return elstm_diag_set(diag, ELSTM_ERR_IO, target, 0, "the path is too long (at most %d bytes)",
                              ELSTM_PATH_MAX - 1);
    if (!base[0] || strcmp(base, ".") == 0 || strcmp(base, "..") == 0 || strcmp(base, "/") == 0)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, target, 0, "names a folder, not a file or library to write");
    clean_stale(dir, base);
    temp_prefix(base, kind, prefix, sizeof prefix);
    int e = EEXIST;
    for (int tries = 0; tries < 100 && e == EEXIST; tries++) {
        static const char chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        uint64_t r = random64();
        char name[NAME_LIMIT + 32], rnd[7];
        for (int i = 0; i < 6; i++, r /= 62) rnd[i] = chars[r % 62];
        rnd[6] = '\0';
        snprintf(name, sizeof name, "%s%ld-%s", prefix, (long)getpid(), rnd);
        if (join(t->path, sizeof t->path, dir, name) != 0)
            return elstm_diag_set(diag, ELSTM_ERR_IO, target, 0, "the path is too long (at most %d bytes)",
                                  ELSTM_PATH_MAX - 1);
        if (folder) {
            if (mkdir(t->path, 0777) == 0) {
                t->fd = open(t->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (t->fd < 0) {
                    e = errno;
                    rmdir(t->path);
                    break;
                }
            }
        } else {
            t->fd = open(t->path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0666);
        }
        e = t->fd >= 0 ? 0 : errno;
    }
    if (t->fd < 0) {
        t->path[0] = '\0';
        return elstm_diag_set(diag, ELSTM_ERR_IO, target, 0, "cannot create a %s in the folder %s: %s",
                              folder ? "temporary folder" : "temporary file", dir, strerror(e));
    }
    flock(t->fd, LOCK_EX | LOCK_NB); /* held until closed: the mark of a live writer */
    return ELSTM_OK;
}

elstm_status elstm_temp_create(const char *target, int folder, elstm_temp *t, elstm_diag *diag)
{
    return temp_create(target, "tmp", folder, t, diag);
}

void elstm_temp_release(elstm_temp *t)
{
    if (t->fd >= 0) close(t->fd);
    t->fd = -1;
}

elstm_status elstm_replace_with(const char *tmp, const char *path, elstm_diag *diag)
{
    struct stat st;
    int exists = lstat(path, &st) == 0;
#ifdef RENAME_EXCHANGE
    /* one step: the new folder takes PATH's place and the old one takes the temporary name */
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, exists ? RENAME_EXCHANGE : RENAME_NOREPLACE) == 0) {
        if (exists) remove_tree_at(AT_FDCWD, tmp);
        return elstm_sync_parent(path) == 0 ? ELSTM_OK
                                            : elstm_diag_set(diag, ELSTM_ERR_IO, path, 0,
                                                             "written, but its folder cannot be synced: %s",
                                                             strerror(errno));
    }
    if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP) {
        int e = errno;
        remove_tree_at(AT_FDCWD, tmp);
        return elstm_diag_set(diag, ELSTM_ERR_IO, path, 0, "cannot move the new output into place: %s", strerror(e));
    }
#endif
    /* without an exchange: the old one aside (".BASE.old-PID-X"; a later run puts it back
     * if this process dies before the new one is in place), the new one in, the old one out */
    elstm_temp old = {-1, ""};
    if (exists) {
        elstm_status s = temp_create(path, "old", 1, &old, diag);
        if (s != ELSTM_OK) {
            remove_tree_at(AT_FDCWD, tmp);
            return s;
        }
        if (rename(path, old.path) != 0) { /* over the empty placeholder */
            int e = errno;
            rmdir(old.path);
            elstm_temp_release(&old);
            remove_tree_at(AT_FDCWD, tmp);
            return elstm_diag_set(diag, ELSTM_ERR_IO, path, 0, "cannot move the previous output aside: %s", strerror(e));
        }
    }
    if (rename(tmp, path) != 0) {
        int e = errno;
        if (exists) rename(old.path, path);
        elstm_temp_release(&old);
        remove_tree_at(AT_FDCWD, tmp);
        return elstm_diag_set(diag, ELSTM_ERR_IO, path, 0, "cannot move the new output into place: %s", strerror(e));
    }
    if (exists) remove_tree_at(AT_FDCWD, old.path);
    elstm_temp_release(&old);
    return elstm_sync_parent(path) == 0 ? ELSTM_OK
                                        : elstm_diag_set(diag, ELSTM_ERR_IO, path, 0,
                                                         "written, but its folder cannot be synced: %s",
                                                         strerror(errno));
}

/* ---- atomic writes ------------------------------------------------------------------- */

/* A symbolic link to an existing file is written through (its target is replaced, the link
 * stays); a link to nothing is refused. */
static elstm_status resolve_link(const char *path, char *out, size_t n, elstm_diag *diag)
{
    struct stat st;
    if (lstat(path, &st) != 0 || !S_ISLNK(st.st_mode)) {
        snprintf(out, n, "%s", path);
        return ELSTM_OK;
    }
    char real[PATH_MAX];
    if (!realpath(path, real)) {
        char to[256];
        ssize_t k = readlink(path, to, sizeof to - 1);
        to[k > 0 ? k : 0] = '\0';
        return elstm_diag_set(diag, ELSTM_ERR_IO, path, 0,
                              "is a symbolic link to '%s', which does not exist; give the path of the file "
                              "itself", to);
    }
    if (strlen(real) >= n)
        return elstm_diag_set(diag, ELSTM_ERR_IO, path, 0, "the path is too long (at most %zu bytes)", n - 1);
    snprintf(out, n, "%s", real);
    return ELSTM_OK;
}

elstm_status elstm_atomic_open(elstm_atomic_file *af, const char *path, elstm_diag *diag)
{
    af->f = NULL;
    af->in_place = 0;
    af->path[0] = af->tmp[0] = '\0';
    if (!path || !*path) return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "the output file name is empty");
    if (strlen(path) >= sizeof af->path)
        return elstm_diag_set(diag, ELSTM_ERR_IO, path, 0, "the path is too long (at most %zu bytes)",
                              sizeof af->path - 1);
    elstm_status s = resolve_link(path, af->path, sizeof af->path, diag);
    if (s != ELSTM_OK) return s;
    struct stat st;
    if (lstat(af->path, &st) == 0 && !S_ISREG(st.st_mode)) {
        if (!S_ISFIFO(st.st_mode) && !S_ISCHR(st.st_mode))
            return elstm_diag_set(diag, ELSTM_ERR_IO, path, 0,
                                  "is %s; give the name of a file to write", kind_of(st.st_mode));
        /* written in place: a FIFO or device is never replaced by a regular file */
        int fd = open(af->path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
            return elstm_diag_set(diag, ELSTM_ERR_IO, path, 0, "cannot write to %s: %s", kind_of(st.st_mode),
                                  errno == ENXIO ? "nothing is reading from it" : strerror(errno));
        int fl = fcntl(fd, F_GETFL);
        if (fl >= 0) fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
        if (!(af->f = fdopen(fd, "wb"))) {
            close(fd);
            return elstm_diag_set(diag, ELSTM_ERR_NOMEM, path, 0, "out of memory");
        }
        af->in_place = 1;
        return ELSTM_OK;
    }
    elstm_temp t;
    if ((s = elstm_temp_create(af->path, 0, &t, diag)) != ELSTM_OK) return s;
    snprintf(af->tmp, sizeof af->tmp, "%s", t.path);
    if (!(af->f = fdopen(t.fd, "wb"))) {
        unlink(af->tmp);
        elstm_temp_release(&t);
        return elstm_diag_set(diag, ELSTM_ERR_NOMEM, path, 0, "out of memory");
    }
    return ELSTM_OK;
}

elstm_status elstm_atomic_commit(elstm_atomic_file *af, elstm_diag *diag)
{
    if (!af->f) return elstm_diag_set(diag, ELSTM_ERR_IO, af->path, 0, "output file is not open");
    int bad = ferror(af->f), e = bad ? EIO : 0;
    if (fflush(af->f) != 0) bad = 1, e = errno;
    if (!bad && !af->in_place && fsync(fileno(af->f)) != 0 && errno != EINVAL) bad = 1, e = errno;
    if (fclose(af->f) != 0 && !bad) bad = 1, e = errno;
    af->f = NULL;
    if (bad) {
        if (!af->in_place) unlink(af->tmp);
        return elstm_diag_set(diag, ELSTM_ERR_IO, af->path, 0, "cannot write the file: %s", strerror(e));
    }
    if (af->in_place) return ELSTM_OK;
    if (rename(af->tmp, af->path) != 0) {
        e = errno;
        unlink(af->tmp);
        return elstm_diag_set(diag, ELSTM_ERR_IO, af->path, 0, "cannot replace the file: %s", strerror(e));
    }
    if (elstm_sync_parent(af->path) != 0)
        return elstm_diag_set(diag, ELSTM_ERR_IO, af->path, 0, "written, but its folder cannot be synced: %s",
                              strerror(errno));
    return ELSTM_OK;
}

void elstm_atomic_abort(elstm_atomic_file *af)
{
    if (af->f) {
        fclose(af->f);
        af->f = NULL;
    }
    if (!af->in_place && af->tmp[0]) unlink(af->tmp);
}

elstm_status elstm_write_file_atomic(const char *path, const void *data, size_t len,
                                     elstm_diag *diag)
{
    elstm_atomic_file af;
    elstm_status s = elstm_atomic_open(&af, path, diag);
    if (s) return s;
    if (len && fwrite(data, 1, len, af.f) != len) {
        int e = errno;
        elstm_atomic_abort(&af);
        return elstm_diag_set(diag, ELSTM_ERR_IO, af.path, 0, "cannot write the file: %s", strerror(e));
    }
    return elstm_atomic_commit(&af, diag);
}

/* ---- the output policy ---------------------------------------------------------------- */

static int same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* Does the folder `out` (stat'ed) hold the file `in`, at any depth? */
static int folder_holds(const struct stat *out, const char *in)
{
    char p[PATH_MAX];
    if (!realpath(in, p)) return 0;
    for (char *slash; (slash = strrchr(p, '/')) != NULL;) {
        *slash = '\0';
        struct stat st;
        if (stat(p[0] ? p : "/", &st) == 0 && same_file(&st, out)) return 1;
        if (!p[0]) break;
    }
    return 0;
}

elstm_status elstm_output_check(const char *path, const elstm_output_rules *r, elstm_diag *diag)
{
    const char *opt = r->option ? r->option : "-o";
    if (!path || !*path)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "the name given to %s is empty; name the %s to write",
                              opt, r->folder ? "folder" : "file");
    if (strlen(path) >= ELSTM_PATH_MAX)
        return elstm_diag_set(diag, ELSTM_ERR_IO, NULL, 0, "the path given to %s is %zu bytes long; at most %d",
                              opt, strlen(path), ELSTM_PATH_MAX - 1);
    char dir[ELSTM_PATH_MAX], base[ELSTM_PATH_MAX];
    elstm_split_path(path, dir, sizeof dir, base, sizeof base);
    long name_max = pathconf(dir, _PC_NAME_MAX);
    if (name_max <= 0 || name_max > NAME_LIMIT) name_max = NAME_LIMIT;
    if (strlen(base) > (size_t)name_max)
        return elstm_diag_set(diag, ELSTM_ERR_IO, NULL, 0,
                              "the name given to %s, '%.40s...', is %zu bytes long; file names take at most "
                              "%ld (choose a shorter one)", opt, base, strlen(base), name_max);
    struct stat lst, st;
    int exists = lstat(path, &lst) == 0;
    if (exists && S_ISLNK(lst.st_mode) && r->folder)
        return elstm_diag_set(diag, ELSTM_ERR_IO, path, 0,
                              "is a symbolic link; give %s the folder itself (a library folder is replaced "
                              "as a whole)", opt);
    if (exists && S_ISLNK(lst.st_mode) && stat(path, &st) != 0) {
        char real[8];
        return resolve_link(path, real, sizeof real, diag);   /* the message for a link to nothing */
    }
    if (exists && stat(path, &st) != 0)
        return elstm_diag_set(diag, ELSTM_ERR_IO, path, 0, "cannot examine it: %s", strerror(errno));
    for (const char *const *in = r->inputs; exists && in && *in; in++) {
        struct stat is;
        if (stat(*in, &is) != 0) continue;
        if (same_file(&is, &st))
            return elstm_diag_set(diag, ELSTM_ERR_IO, path, 0,
                                  "is also an input of this command%s%s%s; writing %s there would destroy it, "
                                  "choose another %s",
                                  strcmp(*in, path) ? " (the same file as " : "", strcmp(*in, path) ? *in : "",
                                  strcmp(*in, path) ? ")" : "", opt, opt);
        if (r->folder && S_ISDIR(st.st_mode) && folder_holds(&st, *in))
            return elstm_diag_set(diag, ELSTM_ERR_IO, path, 0,
                                  "holds %s, an input of this command; replacing the folder would destroy it, "
                                  "choose another %s", *in, opt);
    }
    if (exists && S_ISDIR(st.st_mode)) {
        if (!r->folder)
            return elstm_diag_set(diag, ELSTM_ERR_IO, path, 0, "is a folder; %s names the file to write (e.g. %s/%s)",
                                  opt, path, "NAME");
        char marker[ELSTM_PATH_MAX + 16];
        snprintf(marker, sizeof marker, "%s/.edgelstm", path);
        if (lstat(marker, &lst) != 0 || !S_ISREG(lst.st_mode))
            return elstm_diag_set(diag, ELSTM_ERR_IO, path, 0,
                                  "exists and is not %s (no .edgelstm file in it); remove it or choose another %s",
                                  r->ours ? r->ours : "a folder edgelstm wrote", opt);
    } else if (exists && S_ISREG(st.st_mode)) {
        if (!r->force && !(r->is_ours && r->is_ours(path)))
            return elstm_diag_set(diag, ELSTM_ERR_IO, path, 0,
                                  "exists and is not %s; give --force to replace it, or choose another %s",
                                  r->ours ? r->ours : "a file this command wrote", opt);
    } else if (exists && (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)) && r->stream_ok && !r->folder) {
        return ELSTM_OK;   /* written in place */
    } else if (exists) {
        return elstm_diag_set(diag, ELSTM_ERR_IO, path, 0, "is %s; %s names %s to write", kind_of(st.st_mode), opt,
                              r->folder ? "a folder" : "a regular file");
    }
    /* the folder must take a new file: create one and remove it */
    char target[ELSTM_PATH_MAX];
    elstm_status s = resolve_link(path, target, sizeof target, diag);
    if (s != ELSTM_OK) return s;
    elstm_split_path(target, dir, sizeof dir, base, sizeof base);
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return elstm_diag_set(diag, ELSTM_ERR_IO, path, 0, "cannot be written: the folder %s %s", dir,
                              stat(dir, &st) != 0 ? "does not exist" : "is not a folder");
    elstm_temp t;
    if ((s = elstm_temp_create(target, 0, &t, diag)) != ELSTM_OK) return s;
    unlink(t.path);
    elstm_temp_release(&t);
    return ELSTM_OK;
}
