/*
 * libmeta.c - a generated library's package metadata (`deploy --author --maintainer --url
 * --version`): the rules the values must follow, the defaults, and the refusal of a NAME
 * that differs only in case from a library beside the output.
 *
 * The rules are those of the strictest consumer: the Arduino Library Manager
 * (library.properties: one line per value, `version` semantic, `maintainer` not starting
 * with "Arduino", `url` an absolute URL), PlatformIO (library.json: `version` semantic)
 * and the ESP Component Registry (idf_component.yml: `version` semantic).
 */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <zip.h>

#include "edgelstm/fileio.h"
#include "internal.h"

#define META_MAX 200   /* longest author / maintainer / url / version accepted */

const char *elstm_codegen_lib_version(const elstm_codegen_opts *o)
{
    return o->lib_version ? o->lib_version : "1.0.0";
}

const char *elstm_codegen_author(const elstm_codegen_opts *o)
{
    return o->author ? o->author : "edgelstm " ELSTM_VERSION " (generated)";
}

const char *elstm_codegen_maintainer(const elstm_codegen_opts *o)
{
    return o->maintainer ? o->maintainer : elstm_codegen_author(o);
}

const char *elstm_codegen_url(const elstm_codegen_opts *o)
{
    return o->url ? o->url : ELSTM_CODEGEN_DEFAULT_URL;
}

/* One dot-separated identifier of a semantic version's pre-release (numeric ones
 * without leading zeros) or build part (any). Returns its length, 0 if invalid. */
static size_t semver_ident(const char *s, int prerelease)
{
    size_t n = 0;
    int digits = 1;
    while (isalnum((unsigned char)s[n]) || s[n] == '-') {
        digits &= isdigit((unsigned char)s[n]) != 0;
        n++;
    }
    if (n == 0 || (prerelease && digits && n > 1 && s[0] == '0')) return 0;
    return n;
}

/* MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD] (semver.org 2.0.0). */
static int is_semver(const char *s)
{
    for (int part = 0; part < 3; part++) {
        size_t n = 0;
        while (isdigit((unsigned char)s[n])) n++;
        if (n == 0 || (n > 1 && s[0] == '0')) return 0;
        s += n;
        if (part < 2 && *s++ != '.') return 0;
    }
    for (int k = 0; k < 2; k++) {
        char lead = k == 0 ? '-' : '+';
        if (*s != lead) continue;
        do {
            size_t n = semver_ident(s + 1, k == 0);
            if (!n) return 0;
            s += 1 + n;
        } while (*s == '.');
    }
    return *s == '\0';
}

/* http:// or https://, a host, then anything but blanks, quotes and angle brackets. */
static int is_web_url(const char *s)
{
    size_t skip = strncmp(s, "https://", 8) == 0 ? 8 : strncmp(s, "http://", 7) == 0 ? 7 : 0;
    if (!skip) return 0;
    const char *host = s + skip;
    if (!*host || *host == '/' || *host == '?' || *host == '#' || *host == ':') return 0;
    for (const char *p = host; *p; p++)
        if (strchr(" \"'<>\\`{}|^", *p)) return 0;
    return 1;
}

static elstm_status check_text(const char *opt, const char *v, elstm_diag *diag)
{
    size_t n = strlen(v);
    if (n == 0) return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "%s is empty", opt);
    if (n > META_MAX)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "%s is %zu characters long (at most %d)", opt, n, META_MAX);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
            return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0,
                                  "%s holds a control character (byte %zu): each value is one line of "
                                  "library.properties", opt, i + 1);
    if (isspace((unsigned char)v[0]) || isspace((unsigned char)v[n - 1]))
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "%s '%s' begins or ends with a blank", opt, v);
    return ELSTM_OK;
}

elstm_status elstm_codegen_check_meta(const elstm_codegen_opts *o, elstm_diag *diag)
{
    const char *opt[4] = {"--version", "--author", "--maintainer", "--url"};
    const char *val[4] = {o->lib_version, o->author, o->maintainer, o->url};
    for (int i = 0; i < 4; i++) {
        elstm_status st = val[i] ? check_text(opt[i], val[i], diag) : ELSTM_OK;
        if (st != ELSTM_OK) return st;
    }
    if (o->lib_version && !is_semver(o->lib_version))
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0,
                              "--version '%s' is not a semantic version (expected MAJOR.MINOR.PATCH such as 1.2.0, "
                              "optionally with -PRERELEASE or +BUILD, no leading zeros)",
                              o->lib_version);
    if (o->maintainer && strncasecmp(o->maintainer, "arduino", 7) == 0)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0,
                              "--maintainer '%s' starts with \"Arduino\", which the Arduino Library Manager "
                              "keeps for official Arduino libraries",
                              o->maintainer);
    if (o->url && !is_web_url(o->url))
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0,
                              "--url '%s' is not a web address (expected http:// or https://, a host, no blanks "
                              "or quotes, e.g. https://github.com/you/project)",
                              o->url);
    return ELSTM_OK;
}

/* ---- a NAME that differs only in case from a library beside the output ------------------ */

/* The library name of an output edgelstm wrote: a folder's .edgelstm marker
 * ("edgelstm V deploy --target T --name NAME"), or an Arduino zip's NAME/library.properties
 * "name=" line (any Arduino library zip: their names collide the same way). */
static int folder_lib_name(const char *dir, char *name, size_t len)
{
    char p[4300], line[256];
    int w = snprintf(p, sizeof p, "%s/.edgelstm", dir);
    if (w < 0 || (size_t)w >= sizeof p) return 0;
    FILE *f = fopen(p, "r");
    if (!f) return 0;
    int ok = fgets(line, sizeof line, f) != NULL;
    fclose(f);
    const char *k = ok ? strstr(line, " --name ") : NULL;
    if (!k) return 0;
    snprintf(name, len, "%s", k + 8);
    name[strcspn(name, " \r\n")] = '\0';
    return name[0] != '\0';
}

static int zip_lib_name(const char *path, char *name, size_t len)
{
    int err = 0, found = 0;
    zip_t *za = zip_open(path, ZIP_RDONLY, &err);
    if (!za) return 0;
    zip_int64_t n = zip_get_num_entries(za, 0);
    for (zip_int64_t i = 0; i < n && !found; i++) {
        const char *e = zip_get_name(za, (zip_uint64_t)i, 0);
        const char *slash = e ? strchr(e, '/') : NULL;
        if (!slash || strcmp(slash, "/library.properties") != 0) continue;
        zip_file_t *zf = zip_fopen_index(za, (zip_uint64_t)i, 0);
        char buf[4096];
        zip_int64_t got = zf ? zip_fread(zf, buf, sizeof buf - 1) : -1;
        if (zf) zip_fclose(zf);
        if (got <= 0) break;
        buf[got] = '\0';
        for (char *line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
            if (strncmp(line, "name=", 5) != 0) continue;
            snprintf(name, len, "%s", line + 5);
            name[strcspn(name, "\r\n")] = '\0';
            found = name[0] != '\0';
            break;
        }
        break;
    }
    zip_discard(za);
    return found;
}

elstm_status elstm_codegen_check_neighbours(const char *path, const char *name, elstm_diag *diag)
{
    char dir[2048], base[1024];
    /* a path too long or a missing folder is reported when writing */
    if (elstm_split_path(path, dir, sizeof dir, base, sizeof base) != 0) return ELSTM_OK;
    DIR *d = opendir(dir);
    if (!d) return ELSTM_OK;
    elstm_status st = ELSTM_OK;
    struct dirent *e;
    while (st == ELSTM_OK && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || strcmp(e->d_name, base) == 0) continue;
        char p[4200], other[256];
        struct stat sb;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (stat(p, &sb) != 0) continue;
        size_t n = strlen(e->d_name);
        int named = S_ISDIR(sb.st_mode) ? folder_lib_name(p, other, sizeof other)
                    : S_ISREG(sb.st_mode) && n > 4 && strcasecmp(e->d_name + n - 4, ".zip") == 0
                        ? zip_lib_name(p, other, sizeof other)
                        : 0;
        if (named && strcmp(other, name) != 0 && strcasecmp(other, name) == 0) {
            char uc[ELSTM_CODEGEN_NAME_MAX + 1];
            cg_upper(name, uc);
            st = elstm_diag_set(diag, ELSTM_ERR_ARG, path, 0,
                                "the library name '%s' differs only in case from the library '%s' beside it (%s): "
                                "both would define the macros %s_* and the header guard %s_H, and their files "
                                "collide on case-insensitive file systems; choose a name that differs in more "
                                "than case",
                                name, other, p, uc, uc);
        }
    }
    closedir(d);
    return st;
}
