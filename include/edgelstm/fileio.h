/*
 * edgelstm/fileio.h - input files and safe, atomic outputs (host only).
 *
 * Inputs must be regular files: a FIFO, a device or a folder is refused at once (never
 * waited on). Every output is written atomically: the bytes go to a temporary file created
 * exclusively (O_CREAT|O_EXCL|O_NOFOLLOW, mode 0666 less the umask) beside the target,
 * named ".BASE.tmp-PID-XXXXXX" (BASE shortened so that the name fits NAME_MAX), locked
 * while its writer lives; it is flushed, fsync'ed, renamed over the target, and the folder
 * is fsync'ed, so a failure, a kill or a power loss never leaves a half-written target.
 * Temporary files (and folders) left by processes that died are removed by the next write
 * to the same target. A FIFO or character device target (`-o /dev/stdout`) is written in
 * place, never replaced; a symbolic link to an existing file is followed (the link stays).
 *
 * elstm_output_check() is the policy a command applies to its outputs before any work:
 * never one of its inputs, never a folder, a foreign file only with --force (see below).
 */
#ifndef EDGELSTM_FILEIO_H
#define EDGELSTM_FILEIO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "edgelstm/diag.h"

#define ELSTM_PATH_MAX 4096

/* Open `path` for reading. It must be a regular file: anything else is refused at once
 * with a sentence saying what it is (ELSTM_ERR_IO). */
elstm_status elstm_open_input(const char *path, FILE **f, elstm_diag *diag);

/* Read a whole regular file into a malloc'd buffer (NUL-terminated for convenience; *len
 * excludes the NUL). Fails with ELSTM_ERR_IO, or ELSTM_ERR_FORMAT if it is larger than
 * max_len bytes (0 = no limit). */
elstm_status elstm_read_file(const char *path, uint8_t **data, size_t *len, size_t max_len,
                             elstm_diag *diag);

/* CRC-32 (IEEE 802.3, as zlib and `crc32` compute it): the banner of deployed libraries,
 * the checksum of training checkpoints. */
uint32_t elstm_crc32(const void *data, size_t len);

/* Write `len` bytes to `path` atomically. */
elstm_status elstm_write_file_atomic(const char *path, const void *data, size_t len,
                                     elstm_diag *diag);

/* Streamed atomic write: open, fprintf/fwrite to af.f, then commit or abort. */
typedef struct elstm_atomic_file {
    FILE *f;
    int in_place;                  /* a FIFO or character device, written directly */
    char path[ELSTM_PATH_MAX];     /* the file replaced (a symbolic link's target) */
    char tmp[ELSTM_PATH_MAX];      /* the temporary file beside it ("" when in place) */
} elstm_atomic_file;

elstm_status elstm_atomic_open(elstm_atomic_file *af, const char *path, elstm_diag *diag);
elstm_status elstm_atomic_commit(elstm_atomic_file *af, elstm_diag *diag);  /* closes; renames */
void elstm_atomic_abort(elstm_atomic_file *af);                              /* closes; removes tmp */

/* What a command may do to an existing output (elstm_output_check). */
typedef struct elstm_output_rules {
    const char *option;               /* the option that named it ("-o"), for messages */
    const char *const *inputs;        /* the command's input files, NULL-terminated, or NULL */
    int force;                        /* --force: a regular file the command did not make may go */
    int folder;                       /* the output is a folder (a deploy library) */
    int stream_ok;                    /* a FIFO or character device is written in place */
    int (*is_ours)(const char *path); /* 1: this existing regular file is one the command made */
    const char *ours;                 /* what is_ours recognizes, for messages ("an edgelstm model") */
} elstm_output_rules;

/*
 * Check, before any work, that `path` may be written under `r`, and that its folder takes
 * a new file (a temporary file is created and removed). Refused (ELSTM_ERR_IO, one
 * sentence naming the path and what to do):
 *   - a path that is (the same inode as) one of r->inputs, or for a folder output one
 *     that holds an input; --force does not change this;
 *   - a folder, unless r->folder and it holds the ".edgelstm" marker of a deploy;
 *   - an existing regular file that r->is_ours does not recognize, unless r->force;
 *   - a FIFO or character device unless r->stream_ok, and every other kind of file;
 *   - a symbolic link to nothing, a name longer than the file system takes, a missing or
 *     read-only folder.
 */
elstm_status elstm_output_check(const char *path, const elstm_output_rules *r, elstm_diag *diag);

/* The temporary file or folder beside `target` (see the top of this file), created with
 * mode 0666 / 0777 less the umask and locked until elstm_temp_release. Stale temporary
 * files of the same target whose writer died are removed first. */
typedef struct elstm_temp {
    int fd;                        /* the file, or the folder opened for its lock */
    char path[ELSTM_PATH_MAX];
} elstm_temp;

elstm_status elstm_temp_create(const char *target, int folder, elstm_temp *t, elstm_diag *diag);
void elstm_temp_release(elstm_temp *t);   /* closes fd (drops the lock); leaves the path */

/* Put the finished temporary `tmp` (a folder, or a file) in the place of `path`, replacing
 * what is there in one step where the system can (renameat2 RENAME_EXCHANGE), and sync the
 * folder. On failure `tmp` is removed and `path` is as it was. */
elstm_status elstm_replace_with(const char *tmp, const char *path, elstm_diag *diag);

/* Remove a file or a folder and everything in it; symbolic links are removed, never
 * followed. 0 or -1. */
int elstm_remove_tree(const char *path);

/* fsync the folder that holds `path` (after a rename into it). 0 or -1 (errno). */
int elstm_sync_parent(const char *path);

/* `path`'s folder ("." if none) and base name; trailing slashes are ignored. 0, or -1 if
 * the path does not fit. */
int elstm_split_path(const char *path, char *dir, size_t dn, char *base, size_t bn);

#endif /* EDGELSTM_FILEIO_H */
