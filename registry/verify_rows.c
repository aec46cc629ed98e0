/*
 * verify_rows.c - libmdc: full verification of the derived tables (step 5 of verify.c).
 *
 * Every row the writer (emit/snapshot.c) derives from a document is derived here again from
 * the document's canonical JSON (already checked against its checksum by verify.c) and
 * compared with the stored rows, column for column, as a multiset: a changed value, a
 * missing row, an extra or duplicated row, and a row of a document that does not exist
 * (an orphan) all fail.  The tables:
 *
 *   models (table_name, schema_name, source_id, description, table_key, structure_checksum),
 *   fields, indexes, unique_constraints, foreign_keys, checks          per model
 *   contracts (consumer, model, compatibility, version), contract_fields  per contract
 *   entities (description, version), ontology_mapping                   per entity
 *   sources (type, uri, version), data_sources                          per source + project
 *   documents.structure_checksum (recomputed: the canonical JSON without its metadata
 *   members, compiler/canon.c), documents.version (= a declared version)
 *   table_meta.version / updated_at, registry_meta (exactly its keys, the values that
 *   follow from project_json and each other), dataflow_migrations (every column)
 *
 * Columns the canonical JSON does not hold are checked for consistency instead: positions
 * (fields.position is the written order, indexes/checks/unique_constraints.position the
 * written order of a list the canonical form sorts) must be exactly 0..n-1 per document;
 * versions, paths and blob ids must agree between documents and the kind's table; every
 * foreign key must point at a model of the snapshot.  Not verifiable without the git
 * history: which version a document without a declared version has (only that it is the
 * same everywhere), and the model_versions rows.
 *
 * Cost: one pass over each table in primary-key order (the kind tables drive, the derived
 * tables are read through one cursor each, grouped by their document column), one parse of
 * each canonical JSON; the rows of one document are encoded as byte strings and compared
 * after sorting.  Memory is that of the largest document plus the model names.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xxhash.h>

#include "buf.h"
#include "internal.h"
#include "json.h"

/* ------------------------------------------------------------------ byte strings */

static void putf(mdcr_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(mdcr_buf *b, const char *fmt, ...)
{
    char tmp[64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0) mdcr_buf_put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* A decimal number, optionally negative (vsnprintf costs much more on 100k rows). */
static void put_num(mdcr_buf *b, bool negative, unsigned long long v)
{
    char tmp[24];
    size_t i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    if (negative) tmp[--i] = '-';
    mdcr_buf_put(b, tmp + i, sizeof tmp - i);
}

/* ------------------------------------------------------------------ rows as byte strings */

/*
 * A multiset of rows.  A row is the concatenation of its values, each self-delimiting:
 * "N|" for NULL, "I<decimal>|" for an integer, "F<%.17g>|" for a float, "T<len>:<bytes>|" for
 * text and "B<len>:<bytes>|" for a blob, so two rows encode alike exactly when every column
 * has the same type and value.
 */
typedef struct span {
    size_t off, len;
    const char *p; /* set by rows_sort, once the buffer stops growing */
} span;

typedef struct rows {
    mdcr_buf b;
    span *v;
    size_t n, cap;
    size_t start; /* of the row being written */
    bool oom;
} rows;

static void rows_clear(rows *r)
{
    r->b.len = 0;
    r->n = 0;
}

static void rows_free(rows *r)
{
    free(r->b.p);
    free(r->v);
    memset(r, 0, sizeof *r);
}

static void row_begin(rows *r)
{
    r->start = r->b.len;
}

static void row_end(rows *r)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 32;
        span *v = realloc(r->v, cap * sizeof *v);
        if (!v) {
            r->oom = true;
            return;
        }
        r->v = v;
        r->cap = cap;
    }
    r->v[r->n].off = r->start;
    r->v[r->n].len = r->b.len - r->start;
    r->n++;
}

static void v_null(rows *r)
{
    mdcr_buf_put(&r->b, "N|", 2);
}

static void v_int(rows *r, long long i)
{
    mdcr_buf_put(&r->b, "I", 1);
    put_num(&r->b, i < 0, i < 0 ? 0ULL - (unsigned long long)i : (unsigned long long)i);
    mdcr_buf_put(&r->b, "|", 1);
}

static void v_textn(rows *r, const char *s, size_t n)
{
    mdcr_buf_put(&r->b, "T", 1);
    put_num(&r->b, false, n);
    mdcr_buf_put(&r->b, ":", 1);
    mdcr_buf_put(&r->b, s, n);
    mdcr_buf_put(&r->b, "|", 1);
}

static void v_text(rows *r, const char *s)
{
    if (s)
        v_textn(r, s, strlen(s));
    else
        v_null(r);
}

/* Column i of the current row, whatever its type. */
static void v_column(rows *r, sqlite3_stmt *st, int i)
{
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_INTEGER: v_int(r, sqlite3_column_int64(st, i)); break;
    case SQLITE_FLOAT: putf(&r->b, "F%.17g|", sqlite3_column_double(st, i)); break;
    case SQLITE_TEXT: {
        const char *s = (const char *)sqlite3_column_text(st, i);
        if (!s) {
            r->oom = true;
            break;
        }
        v_textn(r, s, (size_t)sqlite3_column_bytes(st, i));
        break;
    }
    case SQLITE_BLOB: {
        const void *p = sqlite3_column_blob(st, i);
        size_t n = (size_t)sqlite3_column_bytes(st, i);
        putf(&r->b, "B%zu:", n);
        if (n) mdcr_buf_put(&r->b, p, n);
        mdcr_buf_put(&r->b, "|", 1);
        break;
    }
    default: v_null(r); break;
    }
}

static int cmp_span(const void *a, const void *b)
{
    const span *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = n ? memcmp(x->p, y->p, n) : 0;
    if (c) return c;
    return x->len < y->len ? -1 : x->len > y->len;
}

static void rows_sort(rows *r)
{
    for (size_t i = 0; i < r->n; i++)
        r->v[i].p = r->b.p + r->v[i].off;
    if (r->n > 1) qsort(r->v, r->n, sizeof *r->v, cmp_span);
}

/* A row for a message: printable ASCII kept, anything else as \xNN, at most ~160 bytes. */
static void describe_row(const rows *r, size_t i, char *out, size_t outlen)
{
    size_t o = 0;
    const unsigned char *p = (const unsigned char *)r->b.p + r->v[i].off;
    for (size_t k = 0; k < r->v[i].len && o + 8 < outlen; k++) {
        if (o > 160) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        if (p[k] >= 0x20 && p[k] < 0x7f)
            out[o++] = (char)p[k];
        else
            o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", p[k]);
    }
    out[o] = '\0';
}

/*
 * Compares the derived rows (want) with the stored ones (have), both sorted.  On a
 * difference, fails with a message naming the table, the document and the first row that
 * differs.
 */
static int rows_compare(mdc_snapshot *snap, rows *want, rows *have, const char *table,
                        const char *kind, const char *doc)
{
    if (want->oom || want->b.oom || have->oom || have->b.oom) return mdcr_fail(snap, MDC_ENOMEM, "out of memory");
    rows_sort(want);
    rows_sort(have);
    size_t i = 0, k = 0;
    for (;;) {
        int c;
        if (i == want->n && k == have->n) return 0;
        if (i == want->n)
            c = 1;
        else if (k == have->n)
            c = -1;
        else
            c = cmp_span(&want->v[i], &have->v[k]);
        if (c == 0) {
            i++;
            k++;
            continue;
        }
        char row[200];
        if (c < 0) {
            describe_row(want, i, row, sizeof row);
            return mdcr_fail(snap, MDC_ECORRUPT,
                             "verification failed: %s of %s %.100s: the row derived from its "
                             "checksummed definition (%s) is missing or differs", table, kind, doc, row);
        }
        describe_row(have, k, row, sizeof row);
        return mdcr_fail(snap, MDC_ECORRUPT,
                         "verification failed: %s of %s %.100s: row (%s) is not derived from its "
                         "checksummed definition", table, kind, doc, row);
    }
}

/* ------------------------------------------------------------------ grouped cursors */

/*
 * A derived table read in the order of its document column (column 0), so that the rows
 * of each document are taken in one pass while the documents are walked in name order.
 * Columns 1.. are the compared values; pos_col (>= 1, or 0 for none) is the position
 * column, collected apart and checked to be 0..n-1.
 */
typedef struct cursor {
    sqlite3_stmt *st;
    int rc; /* of the last step */
    int ncols, pos_col;
    const char *table, *kind;
    long long *pos;
    size_t npos, pcap;
} cursor;

static int cursor_open(mdc_snapshot *snap, cursor *c, const char *table, const char *kind,
                       const char *sql, int pos_col)
{
    memset(c, 0, sizeof *c);
    c->table = table;
    c->kind = kind;
    c->pos_col = pos_col;
    int rc = sqlite3_prepare_v2(snap->db, sql, -1, &c->st, NULL);
    if (rc != SQLITE_OK) return mdcr_sqlite_fail(snap, rc, table);
    c->ncols = sqlite3_column_count(c->st);
    c->rc = sqlite3_step(c->st);
    if (c->rc != SQLITE_ROW && c->rc != SQLITE_DONE) return mdcr_sqlite_fail(snap, c->rc, table);
    return 0;
}

static void cursor_close(cursor *c)
{
    sqlite3_finalize(c->st);
    free(c->pos);
    memset(c, 0, sizeof *c);
}

static int orphan(mdc_snapshot *snap, const cursor *c, const char *key)
{
    return mdcr_fail(snap, MDC_ECORRUPT,
                     "verification failed: %s has a row of %s %.100s, which is not in the snapshot",
                     c->table, c->kind, key);
}

/* Takes the rows whose document column is `key` into `have` (after rows before it, which
 * belong to no document, fail as orphans). */
static int cursor_take(mdc_snapshot *snap, cursor *c, const char *key, rows *have)
{
    rows_clear(have);
    c->npos = 0;
    while (c->rc == SQLITE_ROW) {
        const char *k;
        int rc = mdcr_col_text(snap, c->st, 0, false, &k, c->table);
        if (rc) return rc;
        int cmp = strcmp(k, key);
        if (cmp < 0) return orphan(snap, c, k);
        if (cmp > 0) break;
        row_begin(have);
        for (int i = 1; i < c->ncols; i++) {
            if (i != c->pos_col) {
                v_column(have, c->st, i);
                continue;
            }
            if (sqlite3_column_type(c->st, i) != SQLITE_INTEGER)
                return mdcr_fail(snap, MDC_ECORRUPT,
                                 "verification failed: %s of %s %.100s: a position is not an integer",
                                 c->table, c->kind, key);
            if (c->npos == c->pcap) {
                size_t cap = c->pcap ? c->pcap * 2 : 32;
                long long *p = realloc(c->pos, cap * sizeof *p);
                if (!p) return mdcr_fail(snap, MDC_ENOMEM, "out of memory");
                c->pos = p;
                c->pcap = cap;
            }
            c->pos[c->npos++] = sqlite3_column_int64(c->st, i);
        }
        row_end(have);
        c->rc = sqlite3_step(c->st);
    }
    if (c->rc != SQLITE_ROW && c->rc != SQLITE_DONE) return mdcr_sqlite_fail(snap, c->rc, c->table);
    return 0;
}

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

/* The positions taken last are exactly 0..n-1. */
static int cursor_check_positions(mdc_snapshot *snap, cursor *c, const char *key)
{
    if (c->npos > 1) qsort(c->pos, c->npos, sizeof *c->pos, cmp_ll);
    for (size_t i = 0; i < c->npos; i++)
        if (c->pos[i] != (long long)i)
            return mdcr_fail(snap, MDC_ECORRUPT,
                             "verification failed: %s of %s %.100s: positions are not 0..%zu",
                             c->table, c->kind, key, c->npos - 1);
    return 0;
}

/* After the last document: any row left belongs to none. */
static int cursor_end(mdc_snapshot *snap, cursor *c)
{
    if (c->rc != SQLITE_ROW) return 0;
    const char *k;
    int rc = mdcr_col_text(snap, c->st, 0, false, &k, c->table);
    return rc ? rc : orphan(snap, c, k);
}

/* ------------------------------------------------------------------ the walk */

typedef struct model_ref {
    char *name, *source_id, *table, *schema, *table_key; /* table_key: as stored */
} model_ref;

typedef struct ctx {
    mdc_snapshot *snap;
    mdcr_json j;
    rows want, have;
    mdcr_buf tmp;
    const char *project;      /* registry_meta.project */
    const char *doc, *kind;   /* the document being derived, for messages */
    long long updated_ms;     /* compiled_at in epoch milliseconds */
    model_ref *models;        /* sorted by name (the walk's order) */
    size_t nmodels, mcap;
    char **fk_targets;        /* every references_model, checked after the walk */
    size_t nfk, fkcap;
    rows sources;             /* the data_sources rows derived from the sources */
    mdcr_buf last;                 /* the previous document name of the current walk */
} ctx;

static int bad(ctx *c, const char *what)
{
    return mdcr_fail(c->snap, MDC_ECORRUPT, "verification failed: definition of %s %.100s: %s",
                     c->kind, c->doc, what);
}

/* Member `key` of `obj`: a string (NULL when null and nullable). */
static int get_str(ctx *c, const mdcr_jnode *obj, const char *key, bool nullable, const char **out)
{
    const mdcr_jnode *n = mdcr_json_get(&c->j, obj, key);
    *out = NULL;
    if (n && n->type == MDCR_J_STRING) {
        *out = mdcr_json_str(&c->j, n);
        return 0;
    }
    if (n && n->type == MDCR_J_NULL && nullable) return 0;
    char msg[160];
    snprintf(msg, sizeof msg, "\"%.40s\" is %s", key, n ? "not a string" : "missing");
    return bad(c, msg);
}

static int get_bool(ctx *c, const mdcr_jnode *obj, const char *key, int *out)
{
    const mdcr_jnode *n = mdcr_json_get(&c->j, obj, key);
    if (n && (n->type == MDCR_J_TRUE || n->type == MDCR_J_FALSE)) {
        *out = n->type == MDCR_J_TRUE;
        return 0;
    }
    char msg[160];
    snprintf(msg, sizeof msg, "\"%.40s\" is not a boolean", key);
    return bad(c, msg);
}

static const mdcr_jnode *get_typed(ctx *c, const mdcr_jnode *obj, const char *key, mdcr_jtype t)
{
    const mdcr_jnode *n = mdcr_json_get(&c->j, obj, key);
    if (n && n->type == t) return n;
    char msg[160];
    snprintf(msg, sizeof msg, "\"%.40s\" is not %s", key, t == MDCR_J_OBJECT ? "an object" : "an array");
    bad(c, msg);
    return NULL;
}

static void v_span(rows *r, const ctx *c, const mdcr_jnode *n)
{
    v_textn(r, c->j.text + n->start, n->end - n->start);
}

/* Parses the definition and checks its "kind" and "name", and that the walk's names
 * strictly increase (bytewise): a kind table without its primary key could hold a name
 * twice, and the grouped cursors rely on that order. */
static int parse_doc(ctx *c, const char *kind, const char *name, const char *json)
{
    c->kind = kind;
    c->doc = name;
    if (c->last.len && strcmp(c->last.p, name) >= 0)
        return mdcr_fail(c->snap, MDC_ECORRUPT,
                         "verification failed: %s %.100s: the %ss are not unique names in bytewise order",
                         kind, name, kind);
    c->last.len = 0;
    mdcr_buf_puts(&c->last, name);
    if (c->last.oom) return mdcr_fail(c->snap, MDC_ENOMEM, "out of memory");
    if (mdcr_json_parse(&c->j, json, strlen(json))) {
        if (c->j.error == MDCR_JSON_NOMEM) return mdcr_fail(c->snap, MDC_ENOMEM, "out of memory");
        char msg[160];
        snprintf(msg, sizeof msg, "not JSON: %s at byte %zu", c->j.error, c->j.error_at);
        return bad(c, msg);
    }
    const mdcr_jnode *root = &c->j.nodes[0];
    if (root->type != MDCR_J_OBJECT) return bad(c, "not an object");
    const char *k, *n;
    int rc;
    if ((rc = get_str(c, root, "kind", false, &k)) || (rc = get_str(c, root, "name", false, &n))) return rc;
    if (strcmp(k, kind) != 0 || strcmp(n, name) != 0) return bad(c, "its kind or name differs from its row");
    return 0;
}

static void hex128(XXH128_hash_t h, char out[33])
{
    static const char hex[] = "0123456789abcdef";
    XXH128_canonical_t cn;
    XXH128_canonicalFromHash(&cn, h);
    for (int i = 0; i < 16; i++) {
        out[2 * i] = hex[cn.digest[i] >> 4];
        out[2 * i + 1] = hex[cn.digest[i] & 15];
    }
    out[32] = '\0';
}

/* ---- structure checksum: the canonical JSON without its metadata members */

typedef struct cuts {
    span *v;
    size_t n, cap;
    bool oom;
} cuts;

static void cut_add(cuts *k, size_t off, size_t len)
{
    if (k->n == k->cap) {
        size_t cap = k->cap ? k->cap * 2 : 32;
        span *v = realloc(k->v, cap * sizeof *v);
        if (!v) {
            k->oom = true;
            return;
        }
        k->v = v;
        k->cap = cap;
    }
    k->v[k->n].off = off;
    k->v[k->n].len = len;
    k->n++;
}

/*
 * Cuts every member of `obj` named in `names`, as compiler/canon.c removes them, so that
 * the kept members stay joined by single commas; for a model (`fields_meta` set) also the
 * members named there from each FIELD.  Cuts come out in document order: a run of cut
 * members is cut with the comma before it (",a:1,b:2") when a kept member precedes it,
 * else with the comma after it ("a:1,b:2,"), else (nothing kept) alone.
 */
static void cut_members(const ctx *c, const mdcr_jnode *obj, const char *const *names,
                        const char *const *fields_meta, cuts *k)
{
    const mdcr_jnode *kept = NULL, *first = NULL, *last = NULL;
    for (const mdcr_jnode *m = mdcr_json_child(&c->j, obj); m; m = mdcr_json_next(&c->j, m)) {
        const char *key = mdcr_json_key(&c->j, m);
        bool hit = false;
        for (size_t i = 0; names[i] && !hit; i++)
            hit = strcmp(key, names[i]) == 0;
        if (hit) {
            if (!first) first = m;
            last = m;
            continue;
        }
        if (first) {
            if (kept)
                cut_add(k, kept->end, last->end - kept->end);
            else
                cut_add(k, first->key_start, m->key_start - first->key_start);
            first = NULL;
        }
        if (fields_meta && strcmp(key, "fields") == 0 && m->type == MDCR_J_OBJECT)
            for (const mdcr_jnode *f = mdcr_json_child(&c->j, m); f; f = mdcr_json_next(&c->j, f))
                if (f->type == MDCR_J_OBJECT) cut_members(c, f, fields_meta, NULL, k);
        kept = m;
    }
    if (first) {
        if (kept)
            cut_add(k, kept->end, last->end - kept->end);
        else
            cut_add(k, first->key_start, last->end - first->key_start);
    }
}

static int check_structure(ctx *c, bool model, const char *stored)
{
    static const char *const model_top[] = {"description", "meta", "owner", "tags", "version", NULL};
    static const char *const field_meta[] = {"description", "meta", NULL};
    static const char *const doc_top[] = {"description", "version", NULL};
    cuts k = {0};
    cut_members(c, &c->j.nodes[0], model ? model_top : doc_top, model ? field_meta : NULL, &k);
    XXH3_state_t *s = k.oom ? NULL : XXH3_createState();
    if (!s) {
        free(k.v);
        return mdcr_fail(c->snap, MDC_ENOMEM, "out of memory");
    }
    XXH3_128bits_reset(s);
    size_t at = 0;
    int rc = 0;
    for (size_t i = 0; i < k.n && rc == 0; i++) {
        if (k.v[i].off < at) { /* out of order: not the canonical layout */
            rc = bad(c, "its members are not in canonical form");
            break;
        }
        XXH3_128bits_update(s, c->j.text + at, k.v[i].off - at);
        at = k.v[i].off + k.v[i].len;
    }
    char hex[33];
    if (rc == 0) {
        XXH3_128bits_update(s, c->j.text + at, c->j.len - at);
        hex128(XXH3_128bits_digest(s), hex);
    }
    XXH3_freeState(s);
    free(k.v);
    if (rc == 0 && (!stored || strcmp(hex, stored) != 0))
        rc = mdcr_fail(c->snap, MDC_ECORRUPT,
                       "verification failed: %s %.100s: structure checksum %.40s, its canonical JSON "
                       "without metadata hashes to %s", c->kind, c->doc, stored ? stored : "(none)", hex);
    return rc;
}

/* A declared version ("version": str) must be the version the rows carry. */
static int check_declared_version(ctx *c, const char *stored)
{
    const char *v;
    int rc = get_str(c, &c->j.nodes[0], "version", true, &v);
    if (rc) return rc;
    if (v && (!stored || strcmp(v, stored) != 0))
        return mdcr_fail(c->snap, MDC_ECORRUPT,
                         "verification failed: %s %.100s declares version %.40s, its rows say %.40s",
                         c->kind, c->doc, v, stored ? stored : "(NULL)");
    return 0;
}

/* ---- types: the column types of a canonical type (model/types.c) */

static int type_columns(ctx *c, const char *type, mdcr_buf *pg, const char **sqlite)
{
    static const struct {
        const char *name, *pg, *sqlite;
        bool args;
    } types[] = {
        {"bool", "BOOLEAN", "INTEGER", false},   {"int16", "SMALLINT", "INTEGER", false},
        {"int32", "INTEGER", "INTEGER", false},  {"int64", "BIGINT", "INTEGER", false},
        {"float32", "REAL", "REAL", false},      {"float64", "DOUBLE PRECISION", "REAL", false},
        {"decimal", "NUMERIC", "NUMERIC", true}, {"string", "TEXT", "TEXT", true},
        {"bytes", "BYTEA", "BLOB", false},       {"uuid", "UUID", "TEXT", false},
        {"date", "DATE", "TEXT", false},         {"time", "TIME", "TEXT", false},
        {"interval", "INTERVAL", "TEXT", false}, {"timestamp", "TIMESTAMP", "TEXT", false},
        {"timestamptz", "TIMESTAMPTZ", "TEXT", false}, {"json", "JSONB", "TEXT", false},
        {"enum", "TEXT", "TEXT", true},
    };
    size_t len = strlen(type);
    bool array = len > 2 && strcmp(type + len - 2, "[]") == 0;
    if (array) len -= 2;
    const char *paren = memchr(type, '(', len);
    size_t nlen = paren ? (size_t)(paren - type) : len;
    if (paren && type[len - 1] != ')') return bad(c, "a field type is not canonical");
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        if (strlen(types[i].name) != nlen || memcmp(types[i].name, type, nlen) != 0) continue;
        if (paren && !types[i].args) break;
        pg->len = 0;
        if (paren && strcmp(types[i].name, "decimal") == 0) {
            mdcr_buf_puts(pg, "NUMERIC");
            mdcr_buf_put(pg, paren, len - nlen);
        } else if (paren && strcmp(types[i].name, "string") == 0) {
            mdcr_buf_puts(pg, "VARCHAR");
            mdcr_buf_put(pg, paren, len - nlen);
        } else {
            mdcr_buf_puts(pg, types[i].pg);
        }
        if (array) mdcr_buf_puts(pg, "[]");
        *sqlite = array ? "TEXT" : types[i].sqlite;
        return pg->oom ? mdcr_fail(c->snap, MDC_ENOMEM, "out of memory") : 0;
    }
    return bad(c, "a field type is not a known canonical type");
}

/* ---- models */

static int fk_target(ctx *c, const char *model)
{
    if (c->nfk == c->fkcap) {
        size_t cap = c->fkcap ? c->fkcap * 2 : 64;
        char **v = realloc(c->fk_targets, cap * sizeof *v);
        if (!v) return mdcr_fail(c->snap, MDC_ENOMEM, "out of memory");
        c->fk_targets = v;
        c->fkcap = cap;
    }
    if (!(c->fk_targets[c->nfk] = strdup(model))) return mdcr_fail(c->snap, MDC_ENOMEM, "out of memory");
    c->nfk++;
    return 0;
}

typedef struct model_cursors {
    cursor fields, indexes, uniques, fks, checks;
} model_cursors;

/* The rows of one field (fields table, without model and position) and its foreign key. */
static int derive_field(ctx *c, const mdcr_jnode *f, const mdcr_jnode *pk, rows *fields, rows *fks)
{
    const char *name = mdcr_json_key(&c->j, f);
    if (f->type != MDCR_J_OBJECT) return bad(c, "a field is not an object");
    const char *type, *desc, *sqlite_type = NULL;
    int nullable = 0, unique = 0, identity = 0, rc;
    if ((rc = get_str(c, f, "type", false, &type)) || (rc = get_str(c, f, "description", true, &desc)) ||
        (rc = get_bool(c, f, "nullable", &nullable)) || (rc = get_bool(c, f, "unique", &unique)) ||
        (rc = get_bool(c, f, "identity", &identity)) || (rc = type_columns(c, type, &c->tmp, &sqlite_type)))
        return rc;
    const mdcr_jnode *dflt = mdcr_json_get(&c->j, f, "default");
    const mdcr_jnode *dx = mdcr_json_get(&c->j, f, "default_expr");
    const mdcr_jnode *ref = mdcr_json_get(&c->j, f, "references");
    if (!dflt || !dx || !ref) return bad(c, "a field lacks \"default\", \"default_expr\" or \"references\"");
    int is_pk = 0;
    for (const mdcr_jnode *k = mdcr_json_child(&c->j, pk); k && !is_pk; k = mdcr_json_next(&c->j, k))
        is_pk = k->type == MDCR_J_STRING && strcmp(mdcr_json_str(&c->j, k), name) == 0;
    const char *rmodel = NULL, *rfield = NULL, *on_delete = NULL, *on_update = NULL;
    if (ref->type == MDCR_J_OBJECT) {
        if ((rc = get_str(c, ref, "model", false, &rmodel)) || (rc = get_str(c, ref, "field", true, &rfield)) ||
            (rc = get_str(c, ref, "on_delete", false, &on_delete)) ||
            (rc = get_str(c, ref, "on_update", false, &on_update)) || (rc = fk_target(c, rmodel)))
            return rc;
    } else if (ref->type != MDCR_J_NULL) {
        return bad(c, "\"references\" is neither an object nor null");
    }

    row_begin(fields);
    v_text(fields, name);
    v_text(fields, type);
    v_text(fields, c->tmp.p);
    v_text(fields, sqlite_type);
    v_int(fields, nullable);
    if (dflt->type == MDCR_J_NULL)
        v_null(fields);
    else
        v_span(fields, c, dflt);
    if (dx->type == MDCR_J_NULL)
        v_null(fields);
    else if (dx->type == MDCR_J_STRING)
        v_text(fields, mdcr_json_str(&c->j, dx));
    else if (dx->type == MDCR_J_OBJECT)
        v_span(fields, c, dx);
    else
        return bad(c, "\"default_expr\" is not null, a string or an object");
    v_int(fields, is_pk);
    v_int(fields, unique);
    v_text(fields, rmodel);
    v_text(fields, rfield);
    v_text(fields, on_delete);
    v_text(fields, on_update);
    v_text(fields, desc);
    v_int(fields, identity);
    row_end(fields);

    if (rmodel) {
        row_begin(fks);
        v_text(fks, name);
        v_text(fks, rmodel);
        v_text(fks, rfield);
        v_text(fks, on_delete);
        v_text(fks, on_update);
        row_end(fks);
    }
    return 0;
}

/* Compares one derived table of the current model. */
static int compare_group(ctx *c, cursor *cur, const char *model, rows *want)
{
    int rc = cursor_take(c->snap, cur, model, &c->have);
    if (rc == 0) rc = rows_compare(c->snap, want, &c->have, cur->table, "model", model);
    if (rc == 0 && cur->pos_col) rc = cursor_check_positions(c->snap, cur, model);
    return rc;
}

/* One model: its own columns, structure checksum, and its rows of the five tables. */
static int verify_model(ctx *c, sqlite3_stmt *st, model_cursors *mc)
{
    const char *name, *json, *table_name, *schema_name, *source_id, *desc, *table_key, *sc, *version;
    int rc;
    if ((rc = mdcr_col_text(c->snap, st, 0, false, &name, "models.name")) ||
        (rc = mdcr_col_text(c->snap, st, 1, false, &json, "models.definition_json")) ||
        (rc = mdcr_col_text(c->snap, st, 2, false, &table_name, "models.table_name")) ||
        (rc = mdcr_col_text(c->snap, st, 3, false, &schema_name, "models.schema_name")) ||
        (rc = mdcr_col_text(c->snap, st, 4, false, &source_id, "models.source_id")) ||
        (rc = mdcr_col_text(c->snap, st, 5, true, &desc, "models.description")) ||
        (rc = mdcr_col_text(c->snap, st, 6, false, &table_key, "models.table_key")) ||
        (rc = mdcr_col_text(c->snap, st, 7, false, &sc, "models.structure_checksum")) ||
        (rc = mdcr_col_text(c->snap, st, 8, false, &version, "models.version")))
        return rc;
    if ((rc = parse_doc(c, "model", name, json)) || (rc = check_structure(c, true, sc)) ||
        (rc = check_declared_version(c, version)))
        return rc;
    const mdcr_jnode *root = &c->j.nodes[0];
    const char *jtable, *jschema, *jsource, *jdesc;
    const mdcr_jnode *fields, *indexes, *uniques, *checks, *pk;
    if ((rc = get_str(c, root, "table", false, &jtable)) || (rc = get_str(c, root, "schema", true, &jschema)) ||
        (rc = get_str(c, root, "source", true, &jsource)) || (rc = get_str(c, root, "description", true, &jdesc)))
        return rc;
    if (!(fields = get_typed(c, root, "fields", MDCR_J_OBJECT)) ||
        !(indexes = get_typed(c, root, "indexes", MDCR_J_ARRAY)) ||
        !(uniques = get_typed(c, root, "unique", MDCR_J_ARRAY)) ||
        !(checks = get_typed(c, root, "checks", MDCR_J_ARRAY)) ||
        !(pk = get_typed(c, root, "primary_key", MDCR_J_ARRAY)))
        return MDC_ECORRUPT;
    if (!jschema) jschema = "";
    if (!jsource) jsource = c->project;

    /* The model's own columns. */
    rows_clear(&c->want);
    row_begin(&c->want);
    v_text(&c->want, jtable);
    v_text(&c->want, jschema);
    v_text(&c->want, jsource);
    v_text(&c->want, jdesc);
    row_end(&c->want);
    rows_clear(&c->have);
    row_begin(&c->have);
    v_text(&c->have, table_name);
    v_text(&c->have, schema_name);
    v_text(&c->have, source_id);
    v_text(&c->have, desc);
    row_end(&c->have);
    if ((rc = rows_compare(c->snap, &c->want, &c->have, "models", "model", name))) return rc;

    /* Remember it for table_key, the foreign keys and the ontology. */
    if (c->nmodels == c->mcap) {
        size_t cap = c->mcap ? c->mcap * 2 : 64;
        model_ref *v = realloc(c->models, cap * sizeof *v);
        if (!v) return mdcr_fail(c->snap, MDC_ENOMEM, "out of memory");
        c->models = v;
        c->mcap = cap;
    }
    model_ref *m = &c->models[c->nmodels];
    m->name = strdup(name);
    m->source_id = strdup(jsource);
    m->table = strdup(jtable);
    m->schema = strdup(jschema);
    m->table_key = strdup(table_key);
    c->nmodels++;
    if (!m->name || !m->source_id || !m->table || !m->schema || !m->table_key)
        return mdcr_fail(c->snap, MDC_ENOMEM, "out of memory");

    /* fields and foreign_keys */
    rows fk = {0};
    rows_clear(&c->want);
    for (const mdcr_jnode *f = mdcr_json_child(&c->j, fields); f && rc == 0; f = mdcr_json_next(&c->j, f))
        rc = derive_field(c, f, pk, &c->want, &fk);
    if (rc == 0) rc = compare_group(c, &mc->fields, name, &c->want);
    if (rc == 0) rc = compare_group(c, &mc->fks, name, &fk);
    rows_free(&fk);
    if (rc) return rc;

    /* indexes */
    rows_clear(&c->want);
    for (const mdcr_jnode *x = mdcr_json_child(&c->j, indexes); x; x = mdcr_json_next(&c->j, x)) {
        const char *xname, *where;
        int unique = 0;
        const mdcr_jnode *cols;
        if (x->type != MDCR_J_OBJECT) return bad(c, "an index is not an object");
        if ((rc = get_str(c, x, "name", true, &xname)) || (rc = get_str(c, x, "where", true, &where)) ||
            (rc = get_bool(c, x, "unique", &unique)))
            return rc;
        if (!(cols = get_typed(c, x, "fields", MDCR_J_ARRAY))) return MDC_ECORRUPT;
        row_begin(&c->want);
        v_text(&c->want, xname);
        v_span(&c->want, c, cols);
        v_int(&c->want, unique);
        v_text(&c->want, where);
        row_end(&c->want);
    }
    if ((rc = compare_group(c, &mc->indexes, name, &c->want))) return rc;

    /* unique_constraints */
    rows_clear(&c->want);
    for (const mdcr_jnode *u = mdcr_json_child(&c->j, uniques); u; u = mdcr_json_next(&c->j, u)) {
        if (u->type != MDCR_J_ARRAY) return bad(c, "a unique entry is not an array");
        row_begin(&c->want);
        v_span(&c->want, c, u);
        row_end(&c->want);
    }
    if ((rc = compare_group(c, &mc->uniques, name, &c->want))) return rc;

    /* checks */
    rows_clear(&c->want);
    for (const mdcr_jnode *k = mdcr_json_child(&c->j, checks); k; k = mdcr_json_next(&c->j, k)) {
        const char *cname, *expr;
        if (k->type != MDCR_J_OBJECT) return bad(c, "a check is not an object");
        if ((rc = get_str(c, k, "name", true, &cname)) || (rc = get_str(c, k, "expr", false, &expr))) return rc;
        row_begin(&c->want);
        v_text(&c->want, cname);
        v_text(&c->want, expr);
        row_end(&c->want);
    }
    return compare_group(c, &mc->checks, name, &c->want);
}

static int cmp_model_table(const void *a, const void *b)
{
    const model_ref *x = *(const model_ref *const *)a, *y = *(const model_ref *const *)b;
    int r = strcmp(x->source_id, y->source_id);
    if (r == 0) r = strcmp(x->table, y->table);
    if (r == 0) r = strcmp(x->schema, y->schema);
    return r ? r : strcmp(x->name, y->name);
}

/* models.table_key: the table, or "schema.table" when two models of one source share it. */
static int check_table_keys(ctx *c)
{
    model_ref **v = malloc((c->nmodels + 1) * sizeof *v);
    if (!v) return mdcr_fail(c->snap, MDC_ENOMEM, "out of memory");
    for (size_t i = 0; i < c->nmodels; i++)
        v[i] = &c->models[i];
    qsort(v, c->nmodels, sizeof *v, cmp_model_table);
    int rc = 0;
    for (size_t i = 0; i < c->nmodels && rc == 0;) {
        size_t j = i + 1;
        while (j < c->nmodels && strcmp(v[j]->source_id, v[i]->source_id) == 0 &&
               strcmp(v[j]->table, v[i]->table) == 0)
            j++;
        for (size_t k = i; k < j && rc == 0; k++) {
            bool qualified = j - i > 1;
            size_t sl = strlen(v[k]->schema), tl = strlen(v[k]->table);
            const char *key = v[k]->table_key;
            bool ok = qualified ? strlen(key) == sl + 1 + tl && memcmp(key, v[k]->schema, sl) == 0 &&
                                      key[sl] == '.' && strcmp(key + sl + 1, v[k]->table) == 0
                                : strcmp(key, v[k]->table) == 0;
            if (!ok)
                rc = mdcr_fail(c->snap, MDC_ECORRUPT,
                               "verification failed: models.table_key of model %.100s is %.100s, not "
                               "derived from its definition", v[k]->name, key);
        }
        i = j;
    }
    free(v);
    return rc;
}

static const model_ref *find_model(const ctx *c, const char *name)
{
    size_t lo = 0, hi = c->nmodels;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int r = strcmp(name, c->models[mid].name);
        if (r == 0) return &c->models[mid];
        if (r < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk_models(ctx *c)
{
    c->last.len = 0;
    model_cursors mc;
    memset(&mc, 0, sizeof mc);
    sqlite3_stmt *st = NULL;
    int rc;
    if ((rc = cursor_open(c->snap, &mc.fields, "fields", "model",
                          "SELECT model, name, type, pg_type, sqlite_type, nullable, default_json, "
                          "default_expr, primary_key, is_unique, references_model, references_field, "
                          "on_delete, on_update, description, identity, position FROM fields ORDER BY model",
                          16)) ||
        (rc = cursor_open(c->snap, &mc.indexes, "indexes", "model",
                          "SELECT model, name, fields_json, is_unique, where_sql, position FROM indexes "
                          "ORDER BY model", 5)) ||
        (rc = cursor_open(c->snap, &mc.uniques, "unique_constraints", "model",
                          "SELECT model, fields_json, position FROM unique_constraints ORDER BY model", 2)) ||
        (rc = cursor_open(c->snap, &mc.fks, "foreign_keys", "model",
                          "SELECT model, field, references_model, references_field, on_delete, on_update "
                          "FROM foreign_keys ORDER BY model", 0)) ||
        (rc = cursor_open(c->snap, &mc.checks, "checks", "model",
                          "SELECT model, name, expr, position FROM checks ORDER BY model", 3)))
        goto done;
    rc = sqlite3_prepare_v2(c->snap->db,
                            "SELECT m.name, m.definition_json, m.table_name, m.schema_name, m.source_id, "
                            "m.description, m.table_key, m.structure_checksum, m.version FROM models m "
                            "ORDER BY m.name", -1, &st, NULL);
    if (rc != SQLITE_OK) {
        rc = mdcr_sqlite_fail(c->snap, rc, "reading models");
        goto done;
    }
    int step;
    rc = 0;
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW)
        rc = verify_model(c, st, &mc);
    if (rc == 0 && step != SQLITE_DONE) rc = mdcr_sqlite_fail(c->snap, step, "reading models");
    cursor *all[] = {&mc.fields, &mc.indexes, &mc.uniques, &mc.fks, &mc.checks};
    for (size_t i = 0; rc == 0 && i < sizeof all / sizeof all[0]; i++)
        rc = cursor_end(c->snap, all[i]);
    if (rc == 0) rc = check_table_keys(c);
    if (rc == 0) {
        if (c->nfk > 1) qsort(c->fk_targets, c->nfk, sizeof *c->fk_targets, cmp_cstr);
        for (size_t i = 0; rc == 0 && i < c->nfk; i++)
            if ((i == 0 || strcmp(c->fk_targets[i], c->fk_targets[i - 1]) != 0) && !find_model(c, c->fk_targets[i]))
                rc = mdcr_fail(c->snap, MDC_ECORRUPT,
                               "verification failed: a foreign key points at model %.100s, which is not in "
                               "the snapshot", c->fk_targets[i]);
    }
done:
    sqlite3_finalize(st);
    cursor_close(&mc.fields);
    cursor_close(&mc.indexes);
    cursor_close(&mc.uniques);
    cursor_close(&mc.fks);
    cursor_close(&mc.checks);
    return rc;
}

/* ---- contracts, entities, sources */

static int walk_contracts(ctx *c)
{
    c->last.len = 0;
    cursor cf;
    sqlite3_stmt *st = NULL;
    int rc = cursor_open(c->snap, &cf, "contract_fields", "contract",
                         "SELECT contract, field, type FROM contract_fields ORDER BY contract", 0);
    if (rc) goto done;
    rc = sqlite3_prepare_v2(c->snap->db,
                            "SELECT c.name, c.definition_json, c.consumer, c.model, c.compatibility, c.version, "
                            "d.structure_checksum FROM contracts c LEFT JOIN documents d ON d.kind = 'contract' "
                            "AND d.name = c.name ORDER BY c.name", -1, &st, NULL);
    if (rc != SQLITE_OK) {
        rc = mdcr_sqlite_fail(c->snap, rc, "reading contracts");
        goto done;
    }
    int step;
    rc = 0;
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name, *json, *version, *sc, *consumer, *model, *compat;
        if ((rc = mdcr_col_text(c->snap, st, 0, false, &name, "contracts.name")) ||
            (rc = mdcr_col_text(c->snap, st, 1, false, &json, "contracts.definition_json")) ||
            (rc = mdcr_col_text(c->snap, st, 5, false, &version, "contracts.version")) ||
            (rc = mdcr_col_text(c->snap, st, 6, true, &sc, "documents.structure_checksum")))
            break;
        if ((rc = parse_doc(c, "contract", name, json)) || (rc = check_structure(c, false, sc)) ||
            (rc = check_declared_version(c, version)))
            break;
        const mdcr_jnode *root = &c->j.nodes[0], *fields;
        if ((rc = get_str(c, root, "consumer", false, &consumer)) || (rc = get_str(c, root, "model", false, &model)) ||
            (rc = get_str(c, root, "compatibility", false, &compat)))
            break;
        if (!(fields = get_typed(c, root, "fields", MDCR_J_OBJECT))) {
            rc = MDC_ECORRUPT;
            break;
        }
        rows_clear(&c->want);
        row_begin(&c->want);
        v_text(&c->want, consumer);
        v_text(&c->want, model);
        v_text(&c->want, compat);
        row_end(&c->want);
        rows_clear(&c->have);
        row_begin(&c->have);
        for (int i = 2; i <= 4; i++)
            v_column(&c->have, st, i);
        row_end(&c->have);
        if ((rc = rows_compare(c->snap, &c->want, &c->have, "contracts", "contract", name))) break;
        rows_clear(&c->want);
        for (const mdcr_jnode *f = mdcr_json_child(&c->j, fields); f; f = mdcr_json_next(&c->j, f)) {
            if (f->type != MDCR_J_STRING && f->type != MDCR_J_NULL) {
                rc = bad(c, "a contract field is neither a type nor null");
                break;
            }
            row_begin(&c->want);
            v_text(&c->want, mdcr_json_key(&c->j, f));
            v_text(&c->want, mdcr_json_str(&c->j, f));
            row_end(&c->want);
        }
        if (rc == 0) rc = cursor_take(c->snap, &cf, name, &c->have);
        if (rc == 0) rc = rows_compare(c->snap, &c->want, &c->have, "contract_fields", "contract", name);
    }
    if (rc == 0 && step != SQLITE_DONE) rc = mdcr_sqlite_fail(c->snap, step, "reading contracts");
    if (rc == 0) rc = cursor_end(c->snap, &cf);
done:
    sqlite3_finalize(st);
    cursor_close(&cf);
    return rc;
}

static int walk_entities(ctx *c)
{
    c->last.len = 0;
    cursor om;
    sqlite3_stmt *st = NULL;
    char **targets = NULL;
    int rc = cursor_open(c->snap, &om, "ontology_mapping", "entity",
                         "SELECT entity_name, source_tables FROM ontology_mapping ORDER BY entity_name", 0);
    if (rc) goto done;
    rc = sqlite3_prepare_v2(c->snap->db,
                            "SELECT e.name, e.definition_json, e.description, e.version, d.structure_checksum "
                            "FROM entities e LEFT JOIN documents d ON d.kind = 'entity' AND d.name = e.name "
                            "ORDER BY e.name", -1, &st, NULL);
    if (rc != SQLITE_OK) {
        rc = mdcr_sqlite_fail(c->snap, rc, "reading entities");
        goto done;
    }
    int step;
    rc = 0;
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name, *json, *version, *sc, *desc;
        if ((rc = mdcr_col_text(c->snap, st, 0, false, &name, "entities.name")) ||
            (rc = mdcr_col_text(c->snap, st, 1, false, &json, "entities.definition_json")) ||
            (rc = mdcr_col_text(c->snap, st, 3, false, &version, "entities.version")) ||
            (rc = mdcr_col_text(c->snap, st, 4, true, &sc, "documents.structure_checksum")))
            break;
        if ((rc = parse_doc(c, "entity", name, json)) || (rc = check_structure(c, false, sc)) ||
            (rc = check_declared_version(c, version)))
            break;
        const mdcr_jnode *root = &c->j.nodes[0], *maps;
        if ((rc = get_str(c, root, "description", true, &desc))) break;
        if (!(maps = get_typed(c, root, "maps_to", MDCR_J_ARRAY))) {
            rc = MDC_ECORRUPT;
            break;
        }
        rows_clear(&c->want);
        row_begin(&c->want);
        v_text(&c->want, desc);
        row_end(&c->want);
        rows_clear(&c->have);
        row_begin(&c->have);
        v_column(&c->have, st, 2);
        row_end(&c->have);
        if ((rc = rows_compare(c->snap, &c->want, &c->have, "entities", "entity", name))) break;

        /* ontology_mapping: the targets through table_meta's naming, sorted, unique. */
        size_t n = 0;
        free(targets);
        targets = calloc(maps->nchildren + 1, sizeof *targets);
        if (!targets) {
            rc = mdcr_fail(c->snap, MDC_ENOMEM, "out of memory");
            break;
        }
        for (const mdcr_jnode *t = mdcr_json_child(&c->j, maps); t && rc == 0; t = mdcr_json_next(&c->j, t)) {
            const char *s = mdcr_json_str(&c->j, t);
            if (!s) {
                rc = bad(c, "a maps_to target is not a string");
                break;
            }
            const model_ref *m = strchr(s, '.') ? NULL : find_model(c, s);
            size_t len = m ? strlen(m->source_id) + 1 + strlen(m->table_key) : strlen(s);
            if (!(targets[n] = malloc(len + 1))) {
                rc = mdcr_fail(c->snap, MDC_ENOMEM, "out of memory");
                break;
            }
            if (m)
                snprintf(targets[n], len + 1, "%s.%s", m->source_id, m->table_key);
            else
                memcpy(targets[n], s, len + 1);
            n++;
        }
        if (rc == 0) {
            if (n > 1) qsort(targets, n, sizeof *targets, cmp_cstr);
            c->tmp.len = 0;
            mdcr_buf_puts(&c->tmp, "[");
            for (size_t k = 0, out = 0; k < n; k++) {
                if (k && strcmp(targets[k], targets[k - 1]) == 0) continue;
                if (out++) mdcr_buf_puts(&c->tmp, ",");
                mdcr_buf_json_str(&c->tmp, targets[k]);
            }
            mdcr_buf_puts(&c->tmp, "]");
            rows_clear(&c->want);
            row_begin(&c->want);
            v_text(&c->want, c->tmp.p);
            row_end(&c->want);
            rc = cursor_take(c->snap, &om, name, &c->have);
            if (rc == 0) rc = rows_compare(c->snap, &c->want, &c->have, "ontology_mapping", "entity", name);
        }
        for (size_t k = 0; k < n; k++)
            free(targets[k]);
    }
    if (rc == 0 && step != SQLITE_DONE) rc = mdcr_sqlite_fail(c->snap, step, "reading entities");
    if (rc == 0) rc = cursor_end(c->snap, &om);
done:
    free(targets);
    sqlite3_finalize(st);
    cursor_close(&om);
    return rc;
}

/* sources, and the data_sources rows they and the project give. */
static int walk_sources(ctx *c)
{
    c->last.len = 0;
    sqlite3_stmt *st = NULL;
    bool project_is_source = false;
    int rc = sqlite3_prepare_v2(c->snap->db,
                                "SELECT s.name, s.definition_json, s.type, s.uri, s.version, d.structure_checksum "
                                "FROM sources s LEFT JOIN documents d ON d.kind = 'source' AND d.name = s.name "
                                "ORDER BY s.name", -1, &st, NULL);
    if (rc != SQLITE_OK) return mdcr_sqlite_fail(c->snap, rc, "reading sources");
    rows_clear(&c->sources);
    int step;
    rc = 0;
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name, *json, *version, *sc, *type, *uri;
        if ((rc = mdcr_col_text(c->snap, st, 0, false, &name, "sources.name")) ||
            (rc = mdcr_col_text(c->snap, st, 1, false, &json, "sources.definition_json")) ||
            (rc = mdcr_col_text(c->snap, st, 4, false, &version, "sources.version")) ||
            (rc = mdcr_col_text(c->snap, st, 5, true, &sc, "documents.structure_checksum")))
            break;
        if ((rc = parse_doc(c, "source", name, json)) || (rc = check_structure(c, false, sc)) ||
            (rc = check_declared_version(c, version)))
            break;
        const mdcr_jnode *root = &c->j.nodes[0];
        if ((rc = get_str(c, root, "type", true, &type)) || (rc = get_str(c, root, "uri", true, &uri))) break;
        if (!type) type = "other";
        if (!uri) uri = "";
        rows_clear(&c->want);
        row_begin(&c->want);
        v_text(&c->want, type);
        v_text(&c->want, uri);
        row_end(&c->want);
        rows_clear(&c->have);
        row_begin(&c->have);
        v_column(&c->have, st, 2);
        v_column(&c->have, st, 3);
        row_end(&c->have);
        if ((rc = rows_compare(c->snap, &c->want, &c->have, "sources", "source", name))) break;
        if (strcmp(name, c->project) == 0) project_is_source = true;
        row_begin(&c->sources);
        v_text(&c->sources, name);
        v_text(&c->sources, uri);
        v_text(&c->sources, type);
        v_text(&c->sources, version);
        v_int(&c->sources, c->updated_ms);
        row_end(&c->sources);
    }
    if (rc == 0 && step != SQLITE_DONE) rc = mdcr_sqlite_fail(c->snap, step, "reading sources");
    sqlite3_finalize(st);
    st = NULL;
    if (rc) return rc;

    if (!project_is_source) { /* the project's own database */
        const char *pj = mdcr_meta_get(c->snap, "project_json");
        const char *rv = mdcr_meta_get(c->snap, "registry_version");
        c->kind = "project";
        c->doc = c->project;
        if (!pj || !rv) return mdcr_fail(c->snap, MDC_ECORRUPT, "verification failed: registry_meta lacks a key");
        if (mdcr_json_parse(&c->j, pj, strlen(pj)) || c->j.nodes[0].type != MDCR_J_OBJECT)
            return bad(c, "project_json is not a JSON object");
        const mdcr_jnode *d = get_typed(c, &c->j.nodes[0], "dialects", MDCR_J_ARRAY);
        if (!d) return MDC_ECORRUPT;
        bool pg = false, lite = false;
        for (const mdcr_jnode *k = mdcr_json_child(&c->j, d); k; k = mdcr_json_next(&c->j, k)) {
            const char *s = mdcr_json_str(&c->j, k);
            pg |= s && strcmp(s, "postgres") == 0;
            lite |= s && strcmp(s, "sqlite") == 0;
        }
        c->tmp.len = 0;
        mdcr_buf_puts(&c->tmp, "project:");
        mdcr_buf_puts(&c->tmp, c->project);
        row_begin(&c->sources);
        v_text(&c->sources, c->project);
        v_text(&c->sources, c->tmp.p);
        v_text(&c->sources, pg || !lite ? "postgres" : "sqlite");
        v_text(&c->sources, rv);
        v_int(&c->sources, c->updated_ms);
        row_end(&c->sources);
    }
    rc = sqlite3_prepare_v2(c->snap->db, "SELECT id, uri, type, version, updated_at FROM data_sources", -1,
                            &st, NULL);
    if (rc != SQLITE_OK) return mdcr_sqlite_fail(c->snap, rc, "reading data_sources");
    rows_clear(&c->have);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        row_begin(&c->have);
        for (int i = 0; i < 5; i++)
            v_column(&c->have, st, i);
        row_end(&c->have);
    }
    sqlite3_finalize(st);
    if (step != SQLITE_DONE) return mdcr_sqlite_fail(c->snap, step, "reading data_sources");
    return rows_compare(c->snap, &c->sources, &c->have, "data_sources", "registry", c->project);
}

/* ---- registry level */

/* "YYYY-MM-DDTHH:MM:SSZ" -> epoch seconds; -1 when it is not that form. */
static long long parse_iso8601(const char *s)
{
    int y, mo, d, h, mi, se;
    char z;
    if (strlen(s) != 20 || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &se, &z) != 7 || z != 'Z')
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return -1;
    /* Days from civil (H. Hinnant), no time zone or locale involved. */
    long long yy = y - (mo <= 2);
    long long era = (yy >= 0 ? yy : yy - 399) / 400;
    long long yoe = yy - era * 400;
    long long doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    long long days = era * 146097 + doe - 719468;
    return days * 86400 + h * 3600 + mi * 60 + se;
}

static const char *const META_KEYS[] = {
    "checksum_algorithm", "compiled_at", "compiler_version", "format_version", "git_commit", "git_tree",
    "history", "project", "project_json", "registry_checksum", "registry_version",
};

static int expect_none(mdc_snapshot *snap, const char *sql, long long bind, const char *what)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(snap->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK) return mdcr_sqlite_fail(snap, rc, what);
    sqlite3_bind_int64(st, 1, bind);
    rc = sqlite3_step(st);
    int out = 0;
    if (rc == SQLITE_ROW) {
        const unsigned char *s = sqlite3_column_text(st, 0);
        out = mdcr_fail(snap, MDC_ECORRUPT, "verification failed: %s: %.100s", what, s ? (const char *)s : "(NULL)");
    } else if (rc != SQLITE_DONE) {
        out = mdcr_sqlite_fail(snap, rc, what);
    }
    sqlite3_finalize(st);
    return out;
}

static int verify_registry(ctx *c)
{
    mdc_snapshot *snap = c->snap;
    size_t nkeys = sizeof META_KEYS / sizeof META_KEYS[0];
    if (snap->nmeta != nkeys)
        return mdcr_fail(snap, MDC_ECORRUPT, "verification failed: registry_meta has %zu keys, not %zu",
                         snap->nmeta, nkeys);
    for (size_t i = 0; i < nkeys; i++)
        if (strcmp(snap->meta[i].key, META_KEYS[i]) != 0)
            return mdcr_fail(snap, MDC_ECORRUPT, "verification failed: registry_meta has key %.100s",
                             snap->meta[i].key);
    const char *algo = mdcr_meta_get(snap, "checksum_algorithm"), *hist = mdcr_meta_get(snap, "history");
    const char *at = mdcr_meta_get(snap, "compiled_at"), *pj = mdcr_meta_get(snap, "project_json");
    const char *rv = mdcr_meta_get(snap, "registry_version");
    if (strcmp(algo, "xxh3-128") != 0)
        return mdcr_fail(snap, MDC_ECORRUPT, "verification failed: checksum_algorithm is %.40s", algo);
    long long t = parse_iso8601(at);
    if (t < 0) return mdcr_fail(snap, MDC_ECORRUPT, "verification failed: compiled_at %.40s is not ISO 8601", at);
    c->updated_ms = t * 1000;
    if (strcmp(hist, "on") != 0 && strcmp(hist, "off") != 0)
        return mdcr_fail(snap, MDC_ECORRUPT, "verification failed: history is %.40s", hist);
    int rc;
    if (strcmp(hist, "off") == 0 &&
        (rc = expect_none(snap, "SELECT name FROM model_versions WHERE ?1 = ?1 LIMIT 1", 0,
                          "history is off, but model_versions has a row for")))
        return rc;

    /* project_json: the project's name and declared version. */
    c->kind = "project";
    c->doc = c->project;
    if (mdcr_json_parse(&c->j, pj, strlen(pj)) || c->j.nodes[0].type != MDCR_J_OBJECT)
        return bad(c, "project_json is not a JSON object");
    const char *name, *version;
    if ((rc = get_str(c, &c->j.nodes[0], "project", false, &name)) ||
        (rc = get_str(c, &c->j.nodes[0], "version", true, &version)))
        return rc;
    if (strcmp(name, c->project) != 0)
        return mdcr_fail(snap, MDC_ECORRUPT, "verification failed: registry_meta.project is not project_json's");
    if (version && strcmp(version, rv) != 0)
        return mdcr_fail(snap, MDC_ECORRUPT,
                         "verification failed: registry_version %.40s, but mdc.yaml declares %.40s", rv, version);

    /* dataflow_migrations: every column but model_definitions (verify.c). */
    sqlite3_stmt *st = NULL;
    rc = sqlite3_prepare_v2(snap->db,
                            "SELECT version, name, checksum, applied_at, status, operations, created_at, "
                            "application_id, model_registry_sync FROM dataflow_migrations", -1, &st, NULL);
    if (rc != SQLITE_OK) return mdcr_sqlite_fail(snap, rc, "reading dataflow_migrations");
    rows_clear(&c->have);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        row_begin(&c->have);
        for (int i = 0; i < 9; i++)
            v_column(&c->have, st, i);
        row_end(&c->have);
    }
    sqlite3_finalize(st);
    if (step != SQLITE_DONE) return mdcr_sqlite_fail(snap, step, "reading dataflow_migrations");
    rows_clear(&c->want);
    row_begin(&c->want);
    v_text(&c->want, rv);
    v_text(&c->want, "snapshot");
    v_text(&c->want, mdcr_meta_get(snap, "registry_checksum"));
    v_text(&c->want, at);
    v_text(&c->want, "applied");
    v_text(&c->want, "[]");
    v_text(&c->want, at);
    v_text(&c->want, c->project);
    v_int(&c->want, 1);
    row_end(&c->want);
    if ((rc = rows_compare(snap, &c->want, &c->have, "dataflow_migrations", "registry", c->project))) return rc;

    /* table_meta: version and updated_at (schema_json and the key: verify.c). */
    if ((rc = expect_none(snap,
                          "SELECT t.source_id || '.' || t.table_name FROM table_meta t LEFT JOIN models m "
                          "ON m.source_id = t.source_id AND m.table_key = t.table_name "
                          "WHERE m.version IS NOT t.version OR t.updated_at IS NOT ?1 LIMIT 1",
                          c->updated_ms, "table_meta differs from its model (version or updated_at)")))
        return rc;
    /* documents against the kind tables: versions, paths, blob ids, structure checksums. */
    return expect_none(snap,
                       "SELECT d.kind || '/' || d.name FROM documents d "
                       "LEFT JOIN models m ON d.kind = 'model' AND m.name = d.name "
                       "LEFT JOIN contracts c ON d.kind = 'contract' AND c.name = d.name "
                       "LEFT JOIN entities e ON d.kind = 'entity' AND e.name = d.name "
                       "LEFT JOIN sources s ON d.kind = 'source' AND s.name = d.name "
                       "WHERE d.version IS NOT coalesce(m.version, c.version, e.version, s.version) "
                       "OR (d.kind = 'model' AND (d.path IS NOT m.path OR d.blob_oid IS NOT m.blob_oid "
                       "OR d.structure_checksum IS NOT m.structure_checksum)) "
                       "OR d.kind NOT IN ('model', 'contract', 'entity', 'source') OR ?1 <> ?1 LIMIT 1",
                       0, "documents row differs from its kind's table");
}

int mdcr_verify_rows(mdc_snapshot *snap)
{
    ctx c;
    memset(&c, 0, sizeof c);
    c.snap = snap;
    c.project = mdcr_meta_get(snap, "project");
    int rc = c.project ? 0 : mdcr_fail(snap, MDC_ECORRUPT, "verification failed: registry_meta has no project");
    if (rc == 0) rc = verify_registry(&c);
    if (rc == 0) rc = walk_models(&c);
    if (rc == 0) rc = walk_contracts(&c);
    if (rc == 0) rc = walk_entities(&c);
    if (rc == 0) rc = walk_sources(&c);
    mdcr_json_free(&c.j);
    rows_free(&c.want);
    rows_free(&c.have);
    rows_free(&c.sources);
    free(c.tmp.p);
    free(c.last.p);
    for (size_t i = 0; i < c.nmodels; i++) {
        free(c.models[i].name);
        free(c.models[i].source_id);
        free(c.models[i].table);
        free(c.models[i].schema);
        free(c.models[i].table_key);
    }
    free(c.models);
    for (size_t i = 0; i < c.nfk; i++)
        free(c.fk_targets[i]);
    free(c.fk_targets);
    return rc;
}
