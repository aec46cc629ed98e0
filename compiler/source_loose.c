/*
 * source_loose.c - reading loose git objects without libgit2's endless loop on a damaged
 * one (see source_loose.h for why).
 *
 * The reader is an object database backend of higher priority than libgit2's two (packs
 * 2, loose objects 1), so every read asks it first.  For an object that is not loose it
 * answers "not found" (one failed open()) and libgit2 goes on to the packs and its own loose
 * backend; for a loose one it inflates the file and either returns the data (libgit2 then
 * verifies its hash) or fails with "object X is damaged", which stops the lookup before
 * libgit2's loose backend could loop on the same file.
 *
 * A loose object is zlib("<type> <size>\0<data>"): the stream must end exactly after
 * `size` bytes of data, the type must be one of commit, tree, blob, tag.
 */
#include "source_loose.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <unistd.h>

#include <git2.h>
#include <git2/sys/odb_backend.h>
#include <zlib.h>

#ifndef O_CLOEXEC
#define O_CLOEXEC 0
#endif

/* Priority over libgit2's backends (packs 2, loose objects 1): asked first. */
#define GUARD_PRIORITY 3

typedef struct guard {
    git_odb_backend parent;
    char *objects; /* the objects folder, with a trailing '/' */
} guard;

/* Fails with "object hex is damaged" (libgit2's error set) and returns -1. */
static int damaged(const guard *g, const char *hex, const char *why)
{
    char msg[PATH_MAX + 512];
    snprintf(msg, sizeof msg,
             "object %s is damaged (%s%.2s/%s: %s); `git fsck` lists the damaged objects: "
             "restore them from another clone or a backup",
             hex, g->objects, hex, hex + 2, why);
    git_error_set_str(GIT_ERROR_ODB, msg);
    return -1;
}

/* Sets libgit2's error to "what path: strerror(errno)" and returns -1. */
static int os_error(const char *what, const char *path)
{
    char msg[PATH_MAX + 128];
    snprintf(msg, sizeof msg, "%s %s: %s", what, path, strerror(errno));
    git_error_set_str(GIT_ERROR_OS, msg);
    return -1;
}

/* Reads the whole loose file of hex into *out (malloc'd) and *n: 0, GIT_ENOTFOUND when
 * there is no such file, -1 on a read error (libgit2's error set). */
static int read_file(const guard *g, const char *hex, unsigned char **out, size_t *n)
{
    char path[PATH_MAX];
    *out = NULL;
    *n = 0;
    if ((size_t)snprintf(path, sizeof path, "%s%.2s/%s", g->objects, hex, hex + 2) >= sizeof path)
        return GIT_ENOTFOUND;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR) return GIT_ENOTFOUND;
        return os_error("cannot open", path);
    }
    struct stat sb;
    size_t cap = fstat(fd, &sb) == 0 && sb.st_size > 0 ? (size_t)sb.st_size + 1 : 4096, len = 0;
    unsigned char *buf = malloc(cap);
    for (;;) {
        if (!buf) {
            close(fd);
            git_error_set_oom();
            return -1;
        }
        if (len == cap) {
            unsigned char *nb = realloc(buf, cap *= 2);
            if (!nb) free(buf);
            buf = nb;
            continue;
        }
        ssize_t r = read(fd, buf + len, cap - len);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            os_error("cannot read", path);
            free(buf);
            close(fd);
            return -1;
        }
        if (r == 0) break;
        len += (size_t)r;
    }
    close(fd);
    *out = buf;
    *n = len;
    return 0;
}

/* "blob 12" -> type and size; false when it is not a loose object header. */
static bool parse_header(const char *h, git_object_t *type, size_t *size)
{
    static const struct {
        const char *name;
        git_object_t type;
    } types[] = {{"commit", GIT_OBJECT_COMMIT}, {"tree", GIT_OBJECT_TREE},
                 {"blob", GIT_OBJECT_BLOB},     {"tag", GIT_OBJECT_TAG}};
    const char *sp = strchr(h, ' ');
    if (!sp) return false;
    *type = GIT_OBJECT_INVALID;
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if ((size_t)(sp - h) == strlen(types[i].name) && memcmp(h, types[i].name, (size_t)(sp - h)) == 0)
            *type = types[i].type;
    if (*type == GIT_OBJECT_INVALID || !sp[1]) return false;
    size_t v = 0;
    for (const char *p = sp + 1; *p; p++) {
        if (*p < '0' || *p > '9' || v > (SIZE_MAX - 9) / 10) return false;
        v = v * 10 + (size_t)(*p - '0');
    }
    *size = v;
    return true;
}

/* Inflates in[0..n) as the loose object hex: 0 with *data (allocated for libgit2, NUL
 * after the data), *len and *type; -1 (libgit2's error set) when it is damaged. */
static int inflate_object(guard *g, const char *hex, const unsigned char *in, size_t n,
                          void **data, size_t *len, git_object_t *type)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (n > UINT_MAX) return damaged(g, hex, "too large for a loose object");
    if (inflateInit(&zs) != Z_OK) {
        git_error_set_oom();
        return -1;
    }
    unsigned char hdr[64], extra;
    unsigned char *out = NULL;
    const char *why = NULL;
    size_t size = 0;
    int zr = Z_OK;
    zs.next_in = (Bytef *)in;
    zs.avail_in = (uInt)n;
    zs.next_out = hdr;
    zs.avail_out = sizeof hdr;

    /* The header: until its NUL is out, the buffer is full or the stream ends. */
    while (!memchr(hdr, 0, sizeof hdr - zs.avail_out) && zs.avail_out > 0 && zr == Z_OK) {
        uLong before_in = zs.total_in, before_out = zs.total_out;
        zr = inflate(&zs, Z_NO_FLUSH);
        if (zr == Z_OK && zs.total_in == before_in && zs.total_out == before_out) zr = Z_BUF_ERROR;
    }
    size_t got = sizeof hdr - zs.avail_out;
    const unsigned char *nul = memchr(hdr, 0, got);
    if (zr != Z_OK && zr != Z_STREAM_END) {
        why = zr == Z_BUF_ERROR ? "the compressed data is cut short" : zs.msg ? zs.msg : "bad zlib data";
        goto done;
    }
    if (!nul || !parse_header((const char *)hdr, type, &size)) {
        why = "no valid object header";
        goto done;
    }
    size_t have = got - (size_t)(nul + 1 - hdr);
    if (have > size || size > SIZE_MAX - 1) {
        why = "longer than its header says";
        goto done;
    }
    out = git_odb_backend_data_alloc(&g->parent, size + 1);
    if (!out) {
        git_error_set_oom();
        inflateEnd(&zs);
        return -1;
    }
    memcpy(out, nul + 1, have);

    /* The data: exactly size bytes, then the end of the stream. */
    bool spare = false; /* writing into `extra`: any byte there is one too many */
    zs.next_out = out + have;
    zs.avail_out = (uInt)(size - have);
    if (size - have > UINT_MAX) {
        why = "too large for a loose object";
        goto done;
    }
    while (zr != Z_STREAM_END) {
        if (zs.avail_out == 0) {
            if (spare) break;
            spare = true;
            zs.next_out = &extra;
            zs.avail_out = 1;
        }
        uLong before_in = zs.total_in, before_out = zs.total_out;
        zr = inflate(&zs, Z_NO_FLUSH);
        if (zr == Z_OK && zs.total_in == before_in && zs.total_out == before_out) zr = Z_BUF_ERROR;
        if (zr != Z_OK && zr != Z_STREAM_END) {
            why = zr == Z_BUF_ERROR ? "the compressed data is cut short"
                                    : zs.msg ? zs.msg : "bad zlib data";
            goto done;
        }
    }
    if (zr != Z_STREAM_END || (spare && zs.avail_out == 0)) why = "longer than its header says";
    else if (!spare && zs.avail_out > 0) why = "shorter than its header says";
done:
    inflateEnd(&zs);
    if (why) {
        if (out) git_odb_backend_data_free(&g->parent, out);
        return damaged(g, hex, why);
    }
    out[size] = '\0';
    *data = out;
    *len = size;
    return 0;
}

/* Reads and checks the loose object hex: 0 with the object, GIT_ENOTFOUND, or -1. */
static int read_loose(guard *g, const char *hex, void **data, size_t *len, git_object_t *type)
{
    unsigned char *raw = NULL;
    size_t n = 0;
    int e = read_file(g, hex, &raw, &n);
    if (e == 0) e = inflate_object(g, hex, raw, n, data, len, type);
    free(raw);
    return e;
}

static int guard_read(void **data, size_t *len, git_object_t *type, git_odb_backend *be,
                      const git_oid *id)
{
    char hex[GIT_OID_HEXSZ + 1];
    git_oid_tostr(hex, sizeof hex, id);
    return read_loose((guard *)be, hex, data, len, type);
}

static int guard_read_header(size_t *len, git_object_t *type, git_odb_backend *be,
                             const git_oid *id)
{
    void *data = NULL;
    int e = guard_read(&data, len, type, be, id);
    if (e == 0) git_odb_backend_data_free(be, data);
    return e;
}

/* An abbreviated id: the loose files whose names start with it.  None: not found (packs may
 * have it); one: read and checked; several: ambiguous, as libgit2 would say. */
static int guard_read_prefix(git_oid *full, void **data, size_t *len, git_object_t *type,
                             git_odb_backend *be, const git_oid *short_id, size_t n)
{
    guard *g = (guard *)be;
    char want[GIT_OID_HEXSZ + 1], hex[GIT_OID_HEXSZ + 1] = "";
    if (n < 2 || n > GIT_OID_HEXSZ) return GIT_ENOTFOUND;
    git_oid_nfmt(want, n, short_id);
    want[n] = '\0';
    if (n == GIT_OID_HEXSZ) {
        git_oid_cpy(full, short_id);
        return read_loose(g, want, data, len, type);
    }
    char dir[PATH_MAX];
    if ((size_t)snprintf(dir, sizeof dir, "%s%.2s", g->objects, want) >= sizeof dir) return GIT_ENOTFOUND;
    DIR *d = opendir(dir);
    if (!d) return GIT_ENOTFOUND;
    int found = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strlen(de->d_name) != GIT_OID_HEXSZ - 2 || strncmp(de->d_name, want + 2, n - 2) != 0)
            continue;
        if (found++ == 0) {
            memcpy(hex, want, 2);
            memcpy(hex + 2, de->d_name, GIT_OID_HEXSZ - 2); /* its length was checked */
            hex[GIT_OID_HEXSZ] = '\0';
        }
    }
    closedir(d);
    if (found == 0) return GIT_ENOTFOUND;
    if (found > 1) {
        char msg[128];
        snprintf(msg, sizeof msg, "ambiguous object id prefix %s", want);
        git_error_set_str(GIT_ERROR_ODB, msg);
        return GIT_EAMBIGUOUS;
    }
    if (git_oid_fromstr(full, hex) < 0) return GIT_ENOTFOUND;
    return read_loose(g, hex, data, len, type);
}

static void guard_free(git_odb_backend *be)
{
    guard *g = (guard *)be;
    free(g->objects);
    free(g);
}

int mdc_loose_guard_install(git_repository *repo)
{
    git_odb *odb = NULL;
    git_buf dir = {0};
    guard *g = NULL;
    int rc = -1;
    if (git_repository_odb(&odb, repo) < 0 ||
        git_repository_item_path(&dir, repo, GIT_REPOSITORY_ITEM_OBJECTS) < 0)
        goto done;
    g = calloc(1, sizeof *g);
    size_t n = dir.ptr ? strlen(dir.ptr) : 0;
    char *objects = g ? malloc(n + 2) : NULL;
    if (!objects) {
        git_error_set_oom();
        goto done;
    }
    memcpy(objects, dir.ptr, n);
    if (n == 0 || objects[n - 1] != '/') objects[n++] = '/';
    objects[n] = '\0';
    g->objects = objects;
    if (git_odb_init_backend(&g->parent, GIT_ODB_BACKEND_VERSION) < 0) goto done;
    g->parent.read = guard_read;
    g->parent.read_header = guard_read_header;
    g->parent.read_prefix = guard_read_prefix;
    g->parent.free = guard_free;
    if (git_odb_add_backend(odb, &g->parent, GUARD_PRIORITY) < 0) goto done;
    g = NULL; /* the odb owns it now */
    rc = 0;
done:
    if (g) guard_free(&g->parent);
    git_buf_dispose(&dir);
    git_odb_free(odb);
    return rc;
}
