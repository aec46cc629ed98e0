/*
 * snapshot.c - libmdc: opening a snapshot, registry meta, models, the seed-002 calls.
 *
 * A snapshot may be anything a user points us at: a truncated copy, another program's
 * SQLite file, random bytes, a file crafted to crash readers.  So before SQLite sees it,
 * the 100-byte header is checked by hand (magic, application_id, user_version, page size,
 * size in pages against the file size); then it is opened with immutable=1 (snapshots are
 * replaced by rename, never rewritten, so no locking is needed), in defensive mode with
 * untrusted schema, and with a length limit; the required tables must be real tables
 * (a view could run arbitrary queries); and every value read is type-checked: a NULL or a
 * number where text is expected is corruption, never a crash.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

/* Bound on any single string or blob SQLite materialises for us (hostile files). */
#define MDCR_MAX_LENGTH (256 * 1024 * 1024)

/* ------------------------------------------------------------------ small things */

const char *mdc_libversion(void)
{
    return MDC_LIB_VERSION;
}

void mdc_free(void *ptr)
{
    free(ptr);
}

void mdc_strarray_free(mdc_strarray *array)
{
    if (!array) return;
    for (size_t i = 0; i < array->count; i++)
        free(array->strings[i]);
    free(array->strings);
    array->strings = NULL;
    array->count = 0;
}

int mdcr_fail(mdc_snapshot *snap, int code, const char *fmt, ...)
{
    if (snap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(snap->errmsg, sizeof snap->errmsg, fmt, ap);
        va_end(ap);
    }
    return code;
}

int mdcr_sqlite_fail(mdc_snapshot *snap, int rc, const char *what)
{
    int code;
    switch (rc & 0xff) {
    case SQLITE_NOMEM: code = MDC_ENOMEM; break;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN: code = MDC_EIO; break;
    case SQLITE_NOTADB: code = MDC_EFORMAT; break;
    case SQLITE_ERROR: code = MDC_EFORMAT; break; /* missing table/column: not our format */
    default: code = MDC_ECORRUPT; break;          /* CORRUPT, TOOBIG, RANGE, MISMATCH, ... */
    }
    /* A short read means the file is shorter than its pages say: truncated. */
    if (rc == SQLITE_IOERR_SHORT_READ) code = MDC_ECORRUPT;
    return mdcr_fail(snap, code, "%s: %s", what,
                     snap && snap->db ? sqlite3_errmsg(snap->db) : sqlite3_errstr(rc));
}

int mdcr_col_text(mdc_snapshot *snap, sqlite3_stmt *st, int i, bool nullable, const char **out,
                  const char *what)
{
    int t = sqlite3_column_type(st, i);
    *out = NULL;
    if (t == SQLITE_NULL && nullable) return 0;
    if (t != SQLITE_TEXT)
        return mdcr_fail(snap, MDC_ECORRUPT, "corrupt snapshot: %s is %s, not text", what,
                         t == SQLITE_NULL ? "NULL" : "a number or blob");
    const unsigned char *s = sqlite3_column_text(st, i);
    int n = sqlite3_column_bytes(st, i);
    if (!s) return mdcr_fail(snap, MDC_ENOMEM, "out of memory reading %s", what);
    if ((int)strlen((const char *)s) != n)
        return mdcr_fail(snap, MDC_ECORRUPT, "corrupt snapshot: %s contains a NUL byte", what);
    *out = (const char *)s;
    return 0;
}

int mdcr_col_int(mdc_snapshot *snap, sqlite3_stmt *st, int i, long long *out, const char *what)
{
    if (sqlite3_column_type(st, i) != SQLITE_INTEGER)
        return mdcr_fail(snap, MDC_ECORRUPT, "corrupt snapshot: %s is not an integer", what);
    *out = sqlite3_column_int64(st, i);
    return 0;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* Finishes a query on a cached or temporary statement. */
static void stmt_done(sqlite3_stmt *st, bool cached)
{
    if (cached) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    } else {
        sqlite3_finalize(st);
    }
}

/* ------------------------------------------------------------------ the header */

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Checks the SQLite header of the file before SQLite reads it. */
static int check_header(mdc_snapshot *snap, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        return mdcr_fail(snap, e == ENOENT || e == ENOTDIR ? MDC_ENOTFOUND : MDC_EIO,
                         "cannot open %s: %s", path, strerror(e));
    }
    struct stat sb;
    unsigned char h[100];
    ssize_t got = -1;
    int rc = 0;
    if (fstat(fd, &sb) < 0) {
        rc = mdcr_fail(snap, MDC_EIO, "cannot stat %s: %s", path, strerror(errno));
        goto done;
    }
    if (!S_ISREG(sb.st_mode)) {
        rc = mdcr_fail(snap, MDC_EFORMAT, "%s is not a regular file", path);
        goto done;
    }
    got = pread(fd, h, sizeof h, 0);
    if (got < 0) {
        rc = mdcr_fail(snap, MDC_EIO, "cannot read %s: %s", path, strerror(errno));
        goto done;
    }
    if (got < 16 || memcmp(h, "SQLite format 3", 16) != 0) {
        rc = mdcr_fail(snap, MDC_EFORMAT, "%s is not an mdc snapshot (not a SQLite database)", path);
        goto done;
    }
    if (got < 100) {
        rc = mdcr_fail(snap, MDC_ECORRUPT, "%s is truncated (%zd bytes)", path, got);
        goto done;
    }
    uint32_t app = be32(h + 68), fmt = be32(h + 60);
    if (app != MDCR_APPLICATION_ID) {
        rc = mdcr_fail(snap, MDC_EFORMAT,
                       "%s is not an mdc snapshot (application_id 0x%08X, expected 0x%08X 'MDCR')",
                       path, (unsigned)app, (unsigned)MDCR_APPLICATION_ID);
        goto done;
    }
    if (fmt < MDC_SNAPSHOT_FORMAT_MIN || fmt > MDC_SNAPSHOT_FORMAT_MAX) {
        rc = mdcr_fail(snap, MDC_EFORMAT,
                       "%s has snapshot format version %u; this libmdc %s reads %d to %d",
                       path, (unsigned)fmt, MDC_LIB_VERSION, MDC_SNAPSHOT_FORMAT_MIN,
                       MDC_SNAPSHOT_FORMAT_MAX);
        goto done;
    }
    uint32_t page = (uint32_t)h[16] << 8 | h[17];
    if (page == 1) page = 65536;
    if (page < 512 || (page & (page - 1)) != 0) {
        rc = mdcr_fail(snap, MDC_ECORRUPT, "%s: corrupt header (page size %u)", path, (unsigned)page);
        goto done;
    }
    /* The in-header size is valid when "version-valid-for" equals the change counter. */
    uint32_t pages = be32(h + 28);
    if (pages && be32(h + 92) == be32(h + 24) && (uint64_t)pages * page > (uint64_t)sb.st_size) {
        rc = mdcr_fail(snap, MDC_ECORRUPT, "%s is truncated: %lld bytes, the header says %llu",
                       path, (long long)sb.st_size, (unsigned long long)pages * page);
        goto done;
    }
    if ((uint64_t)sb.st_size % page != 0) {
        rc = mdcr_fail(snap, MDC_ECORRUPT, "%s is truncated: %lld bytes is not a whole number of %u-byte pages",
                       path, (long long)sb.st_size, (unsigned)page);
        goto done;
    }
done:
    close(fd);
    return rc;
}

/* "file:" + percent-encoded path + "?immutable=1" (sqlite3_free). */
static char *immutable_uri(const char *path)
{
    sqlite3_str *s = sqlite3_str_new(NULL);
    sqlite3_str_appendall(s, "file:");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        unsigned char c = *p;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '/' || c == '.' || c == '-' || c == '_' || c == '~')
            sqlite3_str_appendchar(s, 1, (char)c);
        else
            sqlite3_str_appendf(s, "%%%02X", c);
    }
    sqlite3_str_appendall(s, "?immutable=1");
    return sqlite3_str_finish(s);
}

/* ------------------------------------------------------------------ open */

/* Tables every reader relies on; each must be a real table (not a view). */
static const char *const required_tables[] = {
    "data_sources", "documents",     "fields",  "models",
    "ontology_mapping", "registry_meta", "table_meta",
};

static int check_tables(mdc_snapshot *snap)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(snap->db, "SELECT type FROM sqlite_schema WHERE name = ?", -1, &st, NULL);
    if (rc != SQLITE_OK) return mdcr_sqlite_fail(snap, rc, "reading the schema");
    int out = 0;
    for (size_t i = 0; out == 0 && i < sizeof required_tables / sizeof required_tables[0]; i++) {
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, required_tables[i], -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) {
            out = mdcr_fail(snap, MDC_EFORMAT, "%s is not an mdc snapshot (no table %s)",
                            snap->path, required_tables[i]);
        } else if (rc != SQLITE_ROW) {
            out = mdcr_sqlite_fail(snap, rc, "reading the schema");
        } else {
            const unsigned char *type = sqlite3_column_text(st, 0);
            if (!type || strcmp((const char *)type, "table") != 0)
                out = mdcr_fail(snap, MDC_EFORMAT, "%s is not an mdc snapshot (%s is not a table)",
                                snap->path, required_tables[i]);
        }
    }
    sqlite3_finalize(st);
    return out;
}

static int cmp_meta(const void *a, const void *b)
{
    return strcmp(((const mdcr_meta *)a)->key, ((const mdcr_meta *)b)->key);
}

static int load_meta(mdc_snapshot *snap)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(snap->db, "SELECT key, value FROM registry_meta ORDER BY key", -1, &st, NULL);
    if (rc != SQLITE_OK) return mdcr_sqlite_fail(snap, rc, "reading registry_meta");
    size_t cap = 0;
    int out = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *k, *v;
        if ((out = mdcr_col_text(snap, st, 0, false, &k, "registry_meta.key")) ||
            (out = mdcr_col_text(snap, st, 1, false, &v, "registry_meta.value")))
            break;
        if (snap->nmeta == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            mdcr_meta *nm = realloc(snap->meta, ncap * sizeof *nm);
            if (!nm) {
                out = mdcr_fail(snap, MDC_ENOMEM, "out of memory");
                break;
            }
            snap->meta = nm;
            cap = ncap;
        }
        mdcr_meta *m = &snap->meta[snap->nmeta];
        m->key = strdup(k);
        m->value = strdup(v);
        snap->nmeta++;
        if (!m->key || !m->value) {
            out = mdcr_fail(snap, MDC_ENOMEM, "out of memory");
            break;
        }
    }
    if (out == 0 && rc != SQLITE_DONE) out = mdcr_sqlite_fail(snap, rc, "reading registry_meta");
    sqlite3_finalize(st);
    if (out) return out;
    /* ORDER BY used the column's collation; sort bytewise ourselves for bsearch. */
    if (snap->nmeta > 1) qsort(snap->meta, snap->nmeta, sizeof *snap->meta, cmp_meta);
    for (size_t i = 1; i < snap->nmeta; i++)
        if (strcmp(snap->meta[i - 1].key, snap->meta[i].key) == 0)
            return mdcr_fail(snap, MDC_ECORRUPT, "corrupt snapshot: registry_meta key %s twice",
                             snap->meta[i].key);
    static const char *const needed[] = {"format_version", "project", "registry_checksum",
                                         "registry_version"};
    for (size_t i = 0; i < sizeof needed / sizeof needed[0]; i++)
        if (!mdcr_meta_get(snap, needed[i]))
            return mdcr_fail(snap, MDC_EFORMAT, "%s is not an mdc snapshot (registry_meta has no %s)",
                             snap->path, needed[i]);
    char want[16];
    snprintf(want, sizeof want, "%u", (unsigned)MDC_SNAPSHOT_FORMAT_MAX);
    const char *fv = mdcr_meta_get(snap, "format_version");
    long v = strtol(fv, NULL, 10);
    if (v < MDC_SNAPSHOT_FORMAT_MIN || v > MDC_SNAPSHOT_FORMAT_MAX)
        return mdcr_fail(snap, MDC_EFORMAT, "%s: unsupported format_version %s (this libmdc reads %s)",
                         snap->path, fv, want);
    return 0;
}

const char *mdcr_meta_get(const mdc_snapshot *snap, const char *key)
{
    size_t lo = 0, hi = snap->nmeta;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(key, snap->meta[mid].key);
        if (c == 0) return snap->meta[mid].value;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

static const char model_sql[] =
    "SELECT name, table_name, schema_name, source_id, version, checksum, structure_checksum, "
    "definition_json, path, description FROM models WHERE name = ?";
static const char fields_sql[] =
    "SELECT name, position, type, pg_type, sqlite_type, nullable, default_json, default_expr, "
    "primary_key, is_unique, identity, references_model, references_field, on_delete, "
    "on_update, description FROM fields WHERE model = ? ORDER BY position, name";

static int open_db(mdc_snapshot *snap, unsigned int flags)
{
    int rc = check_header(snap, snap->path);
    if (rc) return rc;
    char *uri = immutable_uri(snap->path);
    if (!uri) return mdcr_fail(snap, MDC_ENOMEM, "out of memory");
    rc = sqlite3_open_v2(uri, &snap->db,
                         SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX |
                             SQLITE_OPEN_PRIVATECACHE,
                         NULL);
    sqlite3_free(uri);
    if (rc != SQLITE_OK) return mdcr_sqlite_fail(snap, rc, "opening the snapshot");
    /* Hostile-file hardening (see the file comment). */
    sqlite3_db_config(snap->db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
    sqlite3_db_config(snap->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)NULL);
    sqlite3_db_config(snap->db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, (int *)NULL);
    sqlite3_db_config(snap->db, SQLITE_DBCONFIG_ENABLE_VIEW, 0, (int *)NULL);
    sqlite3_limit(snap->db, SQLITE_LIMIT_LENGTH, MDCR_MAX_LENGTH);
    sqlite3_extended_result_codes(snap->db, 1);

    if ((rc = check_tables(snap)) || (rc = load_meta(snap))) return rc;
    if ((rc = sqlite3_prepare_v2(snap->db, model_sql, -1, &snap->st_model, NULL)) != SQLITE_OK)
        return mdcr_sqlite_fail(snap, rc, "reading models");
    if ((rc = sqlite3_prepare_v2(snap->db, fields_sql, -1, &snap->st_fields, NULL)) != SQLITE_OK)
        return mdcr_sqlite_fail(snap, rc, "reading fields");
    if (flags & MDC_OPEN_VERIFY) return mdcr_verify_locked(snap);
    return 0;
}

int mdc_snapshot_open(mdc_snapshot **out, const char *path, unsigned int flags)
{
    if (!out) return MDC_EINVALID;
    mdc_snapshot *snap = calloc(1, sizeof *snap);
    *out = snap;
    if (!snap) return MDC_ENOMEM;
    if (pthread_mutex_init(&snap->lock, NULL) != 0)
        return mdcr_fail(snap, MDC_ENOMEM, "cannot create a mutex");
    snap->lock_ok = true;
    if (!path) return mdcr_fail(snap, MDC_EINVALID, "no path given");
    if (flags & ~MDC_OPEN_VERIFY) return mdcr_fail(snap, MDC_EINVALID, "unknown open flags 0x%x", flags);
    if (!(snap->path = strdup(path))) return mdcr_fail(snap, MDC_ENOMEM, "out of memory");
    int rc = open_db(snap, flags);
    if (rc) {
        /* A failed handle: keep the message, drop the database. */
        sqlite3_finalize(snap->st_model);
        sqlite3_finalize(snap->st_fields);
        snap->st_model = snap->st_fields = NULL;
        sqlite3_close(snap->db);
        snap->db = NULL;
    }
    return rc;
}

void mdc_snapshot_close(mdc_snapshot *snap)
{
    if (!snap) return;
    sqlite3_finalize(snap->st_model);
    sqlite3_finalize(snap->st_fields);
    sqlite3_close(snap->db);
    for (size_t i = 0; i < snap->nmeta; i++) {
        free(snap->meta[i].key);
        free(snap->meta[i].value);
    }
    free(snap->meta);
    free(snap->path);
    if (snap->lock_ok) pthread_mutex_destroy(&snap->lock);
    free(snap);
}

const char *mdc_snapshot_errmsg(const mdc_snapshot *snap)
{
    return snap ? snap->errmsg : "out of memory";
}

/* Locks a usable handle; returns 0 or MDC_EINVALID (nothing locked). */
static int enter(mdc_snapshot *snap)
{
    if (!snap) return MDC_EINVALID;
    if (!snap->db) return MDC_EINVALID; /* a failed handle keeps its message */
    pthread_mutex_lock(&snap->lock);
    snap->errmsg[0] = '\0';
    return 0;
}

static int leave(mdc_snapshot *snap, int rc)
{
    pthread_mutex_unlock(&snap->lock);
    return rc;
}

int mdc_snapshot_verify(mdc_snapshot *snap)
{
    int rc = enter(snap);
    if (rc) return rc;
    return leave(snap, mdcr_verify_locked(snap));
}

int mdc_snapshot_meta(const char **value, mdc_snapshot *snap, const char *key)
{
    if (!value) return MDC_EINVALID;
    *value = NULL;
    if (!snap || !snap->db) return MDC_EINVALID;
    if (!key) return MDC_EINVALID;
    *value = mdcr_meta_get(snap, key);
    if (*value) return 0;
    pthread_mutex_lock(&snap->lock);
    mdcr_fail(snap, MDC_ENOTFOUND, "no registry_meta key %s", key);
    return leave(snap, MDC_ENOTFOUND);
}

size_t mdc_snapshot_meta_count(const mdc_snapshot *snap)
{
    return snap && snap->db ? snap->nmeta : 0;
}

int mdc_snapshot_meta_byindex(const char **key, const char **value, const mdc_snapshot *snap, size_t i)
{
    if (key) *key = NULL;
    if (value) *value = NULL;
    if (!snap || !snap->db) return MDC_EINVALID;
    if (i >= snap->nmeta) return MDC_ENOTFOUND;
    if (key) *key = snap->meta[i].key;
    if (value) *value = snap->meta[i].value;
    return 0;
}

/* ------------------------------------------------------------------ models */

struct mdc_field_info {
    char *name, *type, *pg_type, *sqlite_type, *default_json, *default_expr;
    char *references_model, *references_field, *on_delete, *on_update, *description;
    size_t position;
    int nullable, primary_key, unique, identity;
};

struct mdc_model_info {
    char *name, *table, *schema, *source, *version, *checksum, *structure_checksum;
    char *definition_json, *path, *description;
    mdc_field_info *fields;
    size_t nfields;
};

static void field_clear(mdc_field_info *f)
{
    free(f->name);
    free(f->type);
    free(f->pg_type);
    free(f->sqlite_type);
    free(f->default_json);
    free(f->default_expr);
    free(f->references_model);
    free(f->references_field);
    free(f->on_delete);
    free(f->on_update);
    free(f->description);
}

void mdc_model_info_free(mdc_model_info *m)
{
    if (!m) return;
    free(m->name);
    free(m->table);
    free(m->schema);
    free(m->source);
    free(m->version);
    free(m->checksum);
    free(m->structure_checksum);
    free(m->definition_json);
    free(m->path);
    free(m->description);
    for (size_t i = 0; i < m->nfields; i++)
        field_clear(&m->fields[i]);
    free(m->fields);
    free(m);
}

/* Copies column i into *dst (NULL allowed when nullable). */
static int take_text(mdc_snapshot *snap, sqlite3_stmt *st, int i, bool nullable, char **dst,
                     const char *what, bool *oom)
{
    const char *s;
    int rc = mdcr_col_text(snap, st, i, nullable, &s, what);
    if (rc) return rc;
    *dst = dup_or_null(s);
    if (s && !*dst) *oom = true;
    return 0;
}

static int take_bool(mdc_snapshot *snap, sqlite3_stmt *st, int i, int *dst, const char *what)
{
    long long v = 0;
    int rc = mdcr_col_int(snap, st, i, &v, what);
    if (rc) return rc;
    if (v != 0 && v != 1) return mdcr_fail(snap, MDC_ECORRUPT, "corrupt snapshot: %s is %lld, not 0 or 1", what, v);
    *dst = (int)v;
    return 0;
}

static int load_fields(mdc_snapshot *snap, mdc_model_info *m)
{
    sqlite3_stmt *st = snap->st_fields;
    int rc = sqlite3_bind_text(st, 1, m->name, -1, SQLITE_STATIC);
    if (rc != SQLITE_OK) return mdcr_sqlite_fail(snap, rc, "reading fields");
    size_t cap = 0;
    bool oom = false;
    int out = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (m->nfields == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            mdc_field_info *nf = realloc(m->fields, ncap * sizeof *nf);
            if (!nf) {
                oom = true;
                break;
            }
            m->fields = nf;
            cap = ncap;
        }
        mdc_field_info *f = &m->fields[m->nfields++];
        memset(f, 0, sizeof *f);
        long long pos = 0;
        if ((out = take_text(snap, st, 0, false, &f->name, "fields.name", &oom)) ||
            (out = mdcr_col_int(snap, st, 1, &pos, "fields.position")) ||
            (out = take_text(snap, st, 2, false, &f->type, "fields.type", &oom)) ||
            (out = take_text(snap, st, 3, false, &f->pg_type, "fields.pg_type", &oom)) ||
            (out = take_text(snap, st, 4, false, &f->sqlite_type, "fields.sqlite_type", &oom)) ||
            (out = take_bool(snap, st, 5, &f->nullable, "fields.nullable")) ||
            (out = take_text(snap, st, 6, true, &f->default_json, "fields.default_json", &oom)) ||
            (out = take_text(snap, st, 7, true, &f->default_expr, "fields.default_expr", &oom)) ||
            (out = take_bool(snap, st, 8, &f->primary_key, "fields.primary_key")) ||
            (out = take_bool(snap, st, 9, &f->unique, "fields.is_unique")) ||
            (out = take_bool(snap, st, 10, &f->identity, "fields.identity")) ||
            (out = take_text(snap, st, 11, true, &f->references_model, "fields.references_model", &oom)) ||
            (out = take_text(snap, st, 12, true, &f->references_field, "fields.references_field", &oom)) ||
            (out = take_text(snap, st, 13, true, &f->on_delete, "fields.on_delete", &oom)) ||
            (out = take_text(snap, st, 14, true, &f->on_update, "fields.on_update", &oom)) ||
            (out = take_text(snap, st, 15, true, &f->description, "fields.description", &oom)))
            break;
        if (pos < 0) {
            out = mdcr_fail(snap, MDC_ECORRUPT, "corrupt snapshot: negative field position");
            break;
        }
        f->position = (size_t)pos;
        if (oom) break;
    }
    if (out == 0 && oom) out = mdcr_fail(snap, MDC_ENOMEM, "out of memory");
    if (out == 0 && rc != SQLITE_DONE) out = mdcr_sqlite_fail(snap, rc, "reading fields");
    stmt_done(st, true);
    return out;
}

/* Loads one model; called with the lock held. */
static int load_model(mdc_model_info **out, mdc_snapshot *snap, const char *name)
{
    *out = NULL;
    mdc_model_info *m = calloc(1, sizeof *m);
    if (!m) return mdcr_fail(snap, MDC_ENOMEM, "out of memory");
    sqlite3_stmt *st = snap->st_model;
    bool oom = false;
    int rc = sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if (rc != SQLITE_OK) {
        rc = mdcr_sqlite_fail(snap, rc, "reading models");
        goto fail;
    }
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        rc = mdcr_fail(snap, MDC_ENOTFOUND, "no model %s", name);
        goto fail;
    }
    if (rc != SQLITE_ROW) {
        rc = mdcr_sqlite_fail(snap, rc, "reading models");
        goto fail;
    }
    if ((rc = take_text(snap, st, 0, false, &m->name, "models.name", &oom)) ||
        (rc = take_text(snap, st, 1, false, &m->table, "models.table_name", &oom)) ||
        (rc = take_text(snap, st, 2, false, &m->schema, "models.schema_name", &oom)) ||
        (rc = take_text(snap, st, 3, false, &m->source, "models.source_id", &oom)) ||
        (rc = take_text(snap, st, 4, false, &m->version, "models.version", &oom)) ||
        (rc = take_text(snap, st, 5, false, &m->checksum, "models.checksum", &oom)) ||
        (rc = take_text(snap, st, 6, false, &m->structure_checksum, "models.structure_checksum", &oom)) ||
        (rc = take_text(snap, st, 7, false, &m->definition_json, "models.definition_json", &oom)) ||
        (rc = take_text(snap, st, 8, false, &m->path, "models.path", &oom)) ||
        (rc = take_text(snap, st, 9, true, &m->description, "models.description", &oom)))
        goto fail;
    if (oom) {
        rc = mdcr_fail(snap, MDC_ENOMEM, "out of memory");
        goto fail;
    }
    stmt_done(st, true);
    if ((rc = load_fields(snap, m)) != 0) goto fail_nostmt;
    *out = m;
    return 0;
fail:
    stmt_done(st, true);
fail_nostmt:
    mdc_model_info_free(m);
    return rc;
}

int mdc_model_info_lookup(mdc_model_info **out, mdc_snapshot *snap, const char *name)
{
    if (!out) return MDC_EINVALID;
    *out = NULL;
    if (!name) return snap ? mdcr_fail(snap, MDC_EINVALID, "no model name given") : MDC_EINVALID;
    int rc = enter(snap);
    if (rc) return rc;
    return leave(snap, load_model(out, snap, name));
}

/* Runs a one-column text query (optionally with one text parameter) into a strarray. */
static int query_strings(mdc_strarray *out, mdc_snapshot *snap, const char *sql, const char *p1,
                         const char *p2, const char *what)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(snap->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK) return mdcr_sqlite_fail(snap, rc, what);
    if (p1) sqlite3_bind_text(st, 1, p1, -1, SQLITE_STATIC);
    if (p2) sqlite3_bind_text(st, 2, p2, -1, SQLITE_STATIC);
    size_t cap = 0;
    int res = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *s;
        if ((res = mdcr_col_text(snap, st, 0, false, &s, what))) break;
        if (out->count == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            char **nv = realloc(out->strings, ncap * sizeof *nv);
            if (!nv) {
                res = mdcr_fail(snap, MDC_ENOMEM, "out of memory");
                break;
            }
            out->strings = nv;
            cap = ncap;
        }
        if (!(out->strings[out->count] = strdup(s))) {
            res = mdcr_fail(snap, MDC_ENOMEM, "out of memory");
            break;
        }
        out->count++;
    }
    if (res == 0 && rc != SQLITE_DONE) res = mdcr_sqlite_fail(snap, rc, what);
    sqlite3_finalize(st);
    if (res) mdc_strarray_free(out);
    return res;
}

static int cmp_strp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorts bytewise (SQLite's ORDER BY uses the column collation, which a hostile file sets). */
static void sort_strings(mdc_strarray *a)
{
    if (a->count > 1) qsort(a->strings, a->count, sizeof *a->strings, cmp_strp);
}

static int list_strings(mdc_strarray *out, mdc_snapshot *snap, const char *sql, const char *p1,
                        const char *what)
{
    if (!out) return MDC_EINVALID;
    out->strings = NULL;
    out->count = 0;
    int rc = enter(snap);
    if (rc) return rc;
    rc = query_strings(out, snap, sql, p1, NULL, what);
    if (rc == 0) sort_strings(out);
    return leave(snap, rc);
}

int mdc_snapshot_list_models(mdc_strarray *out, mdc_snapshot *snap)
{
    return list_strings(out, snap, "SELECT name FROM models", NULL, "models.name");
}

int mdc_snapshot_foreach_model(mdc_snapshot *snap, mdc_model_cb cb, void *payload)
{
    if (!cb) return MDC_EINVALID;
    mdc_strarray names = {NULL, 0};
    int rc = mdc_snapshot_list_models(&names, snap);
    for (size_t i = 0; rc == 0 && i < names.count; i++) {
        mdc_model_info *m = NULL;
        rc = mdc_model_info_lookup(&m, snap, names.strings[i]);
        if (rc == 0) {
            rc = cb(m, payload);
            mdc_model_info_free(m);
        }
    }
    mdc_strarray_free(&names);
    return rc;
}

const char *mdc_model_info_name(const mdc_model_info *m) { return m ? m->name : NULL; }
const char *mdc_model_info_table(const mdc_model_info *m) { return m ? m->table : NULL; }
const char *mdc_model_info_schema(const mdc_model_info *m) { return m ? m->schema : NULL; }
const char *mdc_model_info_source(const mdc_model_info *m) { return m ? m->source : NULL; }
const char *mdc_model_info_version(const mdc_model_info *m) { return m ? m->version : NULL; }
const char *mdc_model_info_checksum(const mdc_model_info *m) { return m ? m->checksum : NULL; }
const char *mdc_model_info_structure_checksum(const mdc_model_info *m)
{
    return m ? m->structure_checksum : NULL;
}
const char *mdc_model_info_definition_json(const mdc_model_info *m)
{
    return m ? m->definition_json : NULL;
}
const char *mdc_model_info_path(const mdc_model_info *m) { return m ? m->path : NULL; }
const char *mdc_model_info_description(const mdc_model_info *m) { return m ? m->description : NULL; }
size_t mdc_model_info_field_count(const mdc_model_info *m) { return m ? m->nfields : 0; }

const mdc_field_info *mdc_model_info_field_byindex(const mdc_model_info *m, size_t i)
{
    return m && i < m->nfields ? &m->fields[i] : NULL;
}

const mdc_field_info *mdc_model_info_field_byname(const mdc_model_info *m, const char *name)
{
    if (!m || !name) return NULL;
    for (size_t i = 0; i < m->nfields; i++) /* a model has few fields */
        if (strcmp(m->fields[i].name, name) == 0) return &m->fields[i];
    return NULL;
}

const char *mdc_field_info_name(const mdc_field_info *f) { return f ? f->name : NULL; }
size_t mdc_field_info_position(const mdc_field_info *f) { return f ? f->position : 0; }
const char *mdc_field_info_type(const mdc_field_info *f) { return f ? f->type : NULL; }
const char *mdc_field_info_pg_type(const mdc_field_info *f) { return f ? f->pg_type : NULL; }
const char *mdc_field_info_sqlite_type(const mdc_field_info *f) { return f ? f->sqlite_type : NULL; }
int mdc_field_info_nullable(const mdc_field_info *f) { return f ? f->nullable : 0; }
int mdc_field_info_primary_key(const mdc_field_info *f) { return f ? f->primary_key : 0; }
int mdc_field_info_unique(const mdc_field_info *f) { return f ? f->unique : 0; }
int mdc_field_info_identity(const mdc_field_info *f) { return f ? f->identity : 0; }
const char *mdc_field_info_default_json(const mdc_field_info *f) { return f ? f->default_json : NULL; }
const char *mdc_field_info_default_expr(const mdc_field_info *f) { return f ? f->default_expr : NULL; }
const char *mdc_field_info_references_model(const mdc_field_info *f)
{
    return f ? f->references_model : NULL;
}
const char *mdc_field_info_references_field(const mdc_field_info *f)
{
    return f ? f->references_field : NULL;
}
const char *mdc_field_info_on_delete(const mdc_field_info *f) { return f ? f->on_delete : NULL; }
const char *mdc_field_info_on_update(const mdc_field_info *f) { return f ? f->on_update : NULL; }
const char *mdc_field_info_description(const mdc_field_info *f) { return f ? f->description : NULL; }

/* ------------------------------------------------------------------ documents */

int mdc_snapshot_list_documents(mdc_strarray *out, mdc_snapshot *snap)
{
    return list_strings(out, snap, "SELECT kind || '/' || name FROM documents", NULL,
                        "documents.kind/name");
}

int mdc_snapshot_document(char **canonical_json, char **checksum, char **version, char **path,
                          mdc_snapshot *snap, const char *kind, const char *name)
{
    char **outs[4] = {canonical_json, checksum, version, path};
    for (int i = 0; i < 4; i++)
        if (outs[i]) *outs[i] = NULL;
    if (!kind || !name)
        return snap ? mdcr_fail(snap, MDC_EINVALID, "no document kind or name given") : MDC_EINVALID;
    int rc = enter(snap);
    if (rc) return rc;
    sqlite3_stmt *st = NULL;
    rc = sqlite3_prepare_v2(snap->db,
                            "SELECT x.json, d.checksum, d.version, d.path FROM documents d "
                            "JOIN " MDCR_DEFINITIONS " x ON x.kind = d.kind AND x.name = d.name "
                            "WHERE d.kind = ? AND d.name = ?",
                            -1, &st, NULL);
    if (rc != SQLITE_OK) return leave(snap, mdcr_sqlite_fail(snap, rc, "reading documents"));
    sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    int res = 0;
    if (rc == SQLITE_DONE) {
        res = mdcr_fail(snap, MDC_ENOTFOUND, "no document %s/%s", kind, name);
    } else if (rc != SQLITE_ROW) {
        res = mdcr_sqlite_fail(snap, rc, "reading documents");
    } else {
        static const char *const what[4] = {"definition_json", "documents.checksum",
                                            "documents.version", "documents.path"};
        bool oom = false;
        char *vals[4] = {NULL, NULL, NULL, NULL};
        for (int i = 0; res == 0 && i < 4; i++)
            res = take_text(snap, st, i, false, &vals[i], what[i], &oom);
        if (res == 0 && oom) res = mdcr_fail(snap, MDC_ENOMEM, "out of memory");
        for (int i = 0; i < 4; i++) {
            if (res == 0 && outs[i])
                *outs[i] = vals[i];
            else
                free(vals[i]);
        }
    }
    sqlite3_finalize(st);
    return leave(snap, res);
}

/* ------------------------------------------------------------------ seed 002 */

int mdc_snapshot_list_sources(mdc_strarray *out, mdc_snapshot *snap)
{
    return list_strings(out, snap, "SELECT id FROM data_sources", NULL, "data_sources.id");
}

/* 1 when the query with one or two parameters returns a row, 0 when not, <0 on error. */
static int exists(mdc_snapshot *snap, const char *sql, const char *p1, const char *what)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(snap->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK) return mdcr_sqlite_fail(snap, rc, what);
    sqlite3_bind_text(st, 1, p1, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    int res = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : mdcr_sqlite_fail(snap, rc, what);
    sqlite3_finalize(st);
    return res;
}

int mdc_snapshot_list_tables(mdc_strarray *out, mdc_snapshot *snap, const char *source_id)
{
    if (!out) return MDC_EINVALID;
    out->strings = NULL;
    out->count = 0;
    if (!source_id) return snap ? mdcr_fail(snap, MDC_EINVALID, "no source id given") : MDC_EINVALID;
    int rc = enter(snap);
    if (rc) return rc;
    rc = exists(snap, "SELECT 1 FROM data_sources WHERE id = ?", source_id, "data_sources");
    if (rc == 0) return leave(snap, mdcr_fail(snap, MDC_ENOTFOUND, "no data source %s", source_id));
    if (rc < 0) return leave(snap, rc);
    rc = query_strings(out, snap, "SELECT table_name FROM table_meta WHERE source_id = ?", source_id,
                       NULL, "table_meta.table_name");
    if (rc == 0) sort_strings(out);
    return leave(snap, rc);
}

int mdc_snapshot_table_schema(char **json, mdc_snapshot *snap, const char *source_id,
                              const char *table_name)
{
    if (!json) return MDC_EINVALID;
    *json = NULL;
    if (!source_id || !table_name)
        return snap ? mdcr_fail(snap, MDC_EINVALID, "no source id or table name given") : MDC_EINVALID;
    int rc = enter(snap);
    if (rc) return rc;
    mdc_strarray a = {NULL, 0};
    rc = query_strings(&a, snap, "SELECT schema_json FROM table_meta WHERE source_id = ? AND table_name = ?",
                       source_id, table_name, "table_meta.schema_json");
    if (rc == 0 && a.count == 0)
        rc = mdcr_fail(snap, MDC_ENOTFOUND, "no table %s in data source %s", table_name, source_id);
    if (rc == 0) {
        *json = a.strings[0];
        a.strings[0] = strdup(""); /* keep mdc_strarray_free's contract simple */
    }
    mdc_strarray_free(&a);
    return leave(snap, rc);
}

/*
 * Parses a JSON array of strings (ontology_mapping.source_tables).  Strict: whitespace,
 * '[', strings separated by ',', ']', whitespace, end.  Escapes are decoded to UTF-8;
 * a raw control character, a bad escape or \u0000 is corruption.
 */
static int parse_string(const char **pp, const char *end, char **out)
{
    const char *p = *pp;
    size_t cap = 16, n = 0;
    char *s = malloc(cap);
    if (!s) return MDC_ENOMEM;
    p++; /* the opening quote */
    for (;;) {
        if (p >= end) goto bad;
        unsigned char c = (unsigned char)*p++;
        unsigned long cp;
        if (c == '"') break;
        if (c < 0x20) goto bad;
        if (n + 5 > cap) {
            char *ns = realloc(s, cap *= 2);
            if (!ns) {
                free(s);
                return MDC_ENOMEM;
            }
            s = ns;
        }
        if (c != '\\') {
            s[n++] = (char)c;
            continue;
        }
        if (p >= end) goto bad;
        c = (unsigned char)*p++;
        switch (c) {
        case '"': s[n++] = '"'; continue;
        case '\\': s[n++] = '\\'; continue;
        case '/': s[n++] = '/'; continue;
        case 'b': s[n++] = '\b'; continue;
        case 'f': s[n++] = '\f'; continue;
        case 'n': s[n++] = '\n'; continue;
        case 'r': s[n++] = '\r'; continue;
        case 't': s[n++] = '\t'; continue;
        case 'u': break;
        default: goto bad;
        }
        cp = 0;
        for (int k = 0; k < 4; k++) {
            if (p >= end) goto bad;
            char h = *p++;
            cp <<= 4;
            if (h >= '0' && h <= '9') cp |= (unsigned long)(h - '0');
            else if (h >= 'a' && h <= 'f') cp |= (unsigned long)(h - 'a' + 10);
            else if (h >= 'A' && h <= 'F') cp |= (unsigned long)(h - 'A' + 10);
            else goto bad;
        }
        if (cp >= 0xD800 && cp <= 0xDBFF) { /* a high surrogate needs its low half */
            unsigned long lo = 0;
            if (end - p < 6 || p[0] != '\\' || p[1] != 'u') goto bad;
            p += 2;
            for (int k = 0; k < 4; k++) {
                char h = *p++;
                lo <<= 4;
                if (h >= '0' && h <= '9') lo |= (unsigned long)(h - '0');
                else if (h >= 'a' && h <= 'f') lo |= (unsigned long)(h - 'a' + 10);
                else if (h >= 'A' && h <= 'F') lo |= (unsigned long)(h - 'A' + 10);
                else goto bad;
            }
            if (lo < 0xDC00 || lo > 0xDFFF) goto bad;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            goto bad;
        }
        if (cp == 0) goto bad;
        if (cp < 0x80) {
            s[n++] = (char)cp;
        } else if (cp < 0x800) {
            s[n++] = (char)(0xC0 | cp >> 6);
            s[n++] = (char)(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            s[n++] = (char)(0xE0 | cp >> 12);
            s[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
            s[n++] = (char)(0x80 | (cp & 0x3F));
        } else {
            s[n++] = (char)(0xF0 | cp >> 18);
            s[n++] = (char)(0x80 | ((cp >> 12) & 0x3F));
            s[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
            s[n++] = (char)(0x80 | (cp & 0x3F));
        }
    }
    s[n] = '\0';
    *pp = p;
    *out = s;
    return 0;
bad:
    free(s);
    return MDC_ECORRUPT;
}

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

static int parse_string_array(mdc_strarray *out, const char *text)
{
    const char *p = text, *end = text + strlen(text);
    size_t cap = 0;
    p = skip_ws(p, end);
    if (p >= end || *p != '[') return MDC_ECORRUPT;
    p = skip_ws(p + 1, end);
    if (p < end && *p == ']') {
        p++;
        goto tail;
    }
    for (;;) {
        if (p >= end || *p != '"') return MDC_ECORRUPT;
        char *s = NULL;
        int rc = parse_string(&p, end, &s);
        if (rc) return rc;
        if (out->count == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            char **nv = realloc(out->strings, ncap * sizeof *nv);
            if (!nv) {
                free(s);
                return MDC_ENOMEM;
            }
            out->strings = nv;
            cap = ncap;
        }
        out->strings[out->count++] = s;
        p = skip_ws(p, end);
        if (p < end && *p == ',') {
            p = skip_ws(p + 1, end);
            continue;
        }
        if (p < end && *p == ']') {
            p++;
            break;
        }
        return MDC_ECORRUPT;
    }
tail:
    p = skip_ws(p, end);
    return p == end ? 0 : MDC_ECORRUPT;
}

int mdc_snapshot_resolve_entity(mdc_strarray *out, mdc_snapshot *snap, const char *entity)
{
    if (!out) return MDC_EINVALID;
    out->strings = NULL;
    out->count = 0;
    if (!entity) return snap ? mdcr_fail(snap, MDC_EINVALID, "no entity name given") : MDC_EINVALID;
    int rc = enter(snap);
    if (rc) return rc;
    mdc_strarray raw = {NULL, 0};
    rc = query_strings(&raw, snap, "SELECT source_tables FROM ontology_mapping WHERE entity_name = ?",
                       entity, NULL, "ontology_mapping.source_tables");
    if (rc == 0 && raw.count == 0) rc = mdcr_fail(snap, MDC_ENOTFOUND, "no entity %s", entity);
    if (rc == 0) {
        rc = parse_string_array(out, raw.strings[0]);
        if (rc == MDC_ENOMEM)
            mdcr_fail(snap, rc, "out of memory");
        else if (rc)
            mdcr_fail(snap, rc, "corrupt snapshot: source_tables of entity %s is not a JSON array of strings",
                      entity);
        if (rc)
            mdc_strarray_free(out);
        else
            sort_strings(out);
    }
    mdc_strarray_free(&raw);
    return leave(snap, rc);
}
