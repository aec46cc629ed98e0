/*
 * canon.c - canonical form and checksums (SPEC 4); see canon.h.
 *
 * Every document, and the project file, is serialised as RFC 8785 JSON: object members
 * sorted by the UTF-16 code units of their names, no whitespace, strings and numbers as
 * model/json.c writes them.  checksum = XXH3-128 of those bytes, written as the 32
 * lowercase hex digits of its canonical (big-endian) form, as `xxhsum -H2` prints it.
 * Applications and migrations store this JSON and recompute checksums from it, so the
 * layout below is a contract: add keys only with a format change, never rename them.
 * (docs/canonical-form.md holds the same text for readers outside the code.)
 *
 * Every key is always present; "str|null" means a JSON string or null.  Arrays called
 * "sorted" are sorted bytewise (strcmp) with duplicates removed.
 *
 * model:
 *   {"checks": [{"expr": str, "name": str}, ...]        sorted by name
 *    "description": str|null,
 *    "fields": {NAME: FIELD, ...},                      field order is not part of it
 *    "indexes": [INDEX, ...],                           sorted bytewise by each INDEX's
 *                                                       own canonical JSON text
 *    "kind": "model",
 *    "meta": {...},                                     {} when absent
 *    "name": str,
 *    "owner": str|null,
 *    "primary_key": [field, ...],                       in key order; [] when none
 *    "reserved": [field, ...],                          sorted
 *    "schema": str,
 *    "source": str|null,
 *    "table": str,
 *    "tags": [str, ...],                                sorted
 *    "unique": [[field, ...], ...],                     multi-column constraints, each in
 *                                                       written order; the outer list sorted
 *                                                       bytewise by each inner list's JSON
 *                                                       text, duplicates removed
 *    "version": "M.m.p" | "M.m.p-pre" | null}
 * FIELD:
 *   {"default": value|null,                             the literal as JSON (canonical)
 *    "default_expr": null | "now" | "current_date" | "uuid"
 *                    | {"postgres": str, "sqlite": str},
 *    "description": str|null,
 *    "identity": bool,
 *    "meta": {...},                                     {} when absent
 *    "nullable": bool,
 *    "references": null | {"field": str|null, "model": str,
 *                           "on_delete": ACTION, "on_update": ACTION},
 *                                                       field: the resolved target column,
 *                                                       null only when none was resolved
 *                                                       ACTION: "no_action" "restrict"
 *                                                       "cascade" "set_null" "set_default"
 *    "type": str,                                       canonical spelling (model/types.h):
 *                                                       "int32", "string(320)",
 *                                                       "decimal(12,2)", "enum(a,b)", "uuid[]"
 *    "unique": bool}
 *   Not in FIELD: primary key membership (see "primary_key"), position, renamed_from.
 * INDEX:
 *   {"fields": [{"name": field, "order": "asc"|"desc"}, ...],   in index order
 *    "name": str|null, "unique": bool, "where": str|null}
 * source:
 *   {"description": str|null, "kind": "source", "name": str, "type": str, "uri": str,
 *    "version": str|null}
 * entity:
 *   {"description": str|null, "kind": "entity", "maps_to": [str, ...] (sorted),
 *    "name": str, "version": str|null}
 * contract:
 *   {"compatibility": "backward"|"forward"|"full"|"none", "consumer": str,
 *    "description": str|null, "fields": {NAME: type|null, ...} (null: presence only),
 *    "kind": "contract", "model": str, "name": str, "version": str|null}
 *
 * structure_json is the same object without metadata: for a model without "description",
 * "owner", "tags", "meta" and "version" at the top and without "description" and "meta" in
 * each FIELD; for a source, entity or contract without "description" and "version".
 * structure_checksum = XXH3-128 of structure_json.
 *
 * project (mdc.yaml):
 *   {"dialects": [...] (sorted subset of "postgres", "sqlite"),
 *    "max_risk": "LOW"|"MEDIUM"|"HIGH"|"CRITICAL",
 *    "migrations": str,
 *    "models": [dir, ...] (sorted),
 *    "postgres": {"schema": str},
 *    "project": str,
 *    "reserved_models": [name, ...] (sorted),
 *    "rules": {RULE: {"bump": "major"|"minor"|"patch"|"none", "risk": RISK}, ...}
 *             only the keys an override sets; a rule that sets neither is left out,
 *    "snapshot": str,
 *    "sqlite": {"dataflow_registry": "table"}   only when set to table: a project that
 *             does not use it keeps the checksum it had before the setting existed,
 *    "version": str|null}
 *
 * registry checksum = XXH3-128 over the concatenation of
 *   one line "KIND/NAME CHECKSUM\n" per document (KIND: contract|entity|model|source),
 *   the lines sorted bytewise, then "mdc.yaml " + project canonical JSON + "\n"
 *   (a registry without a project, which the compiler never produces, has no such line).
 *
 * How it is built: one pass writes the full canonical JSON into a reusable buffer and notes
 * the byte ranges of the metadata members as it goes; structure_json is then that text with
 * those ranges cut out (removing members keeps an object sorted and canonical), so the two
 * forms cannot drift apart.  One call chain (one document, or a whole registry) shares one
 * context of buffers and index arrays: the work is linear in the output apart from the small
 * per-document sorts, and the hot path is memcpy into a buffer that rarely grows.
 */

#include "canon.h"

#include <assert.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "../model/buf.h"
#include "../model/json.h"
#include "../model/types.h"

/* ------------------------------------------------------------------ hashing */

static void hex128(XXH128_hash_t h, char out[33])
{
    static const char hex[] = "0123456789abcdef";
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, h);
    for (int i = 0; i < 16; i++) {
        out[2 * i] = hex[c.digest[i] >> 4];
        out[2 * i + 1] = hex[c.digest[i] & 15];
    }
    out[32] = '\0';
}

void mdc_xxh128_hex(const void *data, size_t len, char out[33])
{
    hex128(XXH3_128bits(data, len), out);
}

/* ------------------------------------------------------------------ the context */

/* A byte range of a buffer: an element of a list sorted by its JSON text (in `scratch`), or
 * a metadata member to cut out of the structural form (in `out`). */
typedef struct span {
    size_t off, len;
    const char *p; /* sorting only: set once scratch stops growing */
} span;

typedef struct span_list {
    span *v;
    size_t n, cap;
} span_list;

typedef struct canon_ctx {
    mdc_arena *arena;
    mdc_buf out;       /* the JSON being built */
    mdc_buf scratch;   /* element texts to sort (indexes, unique lists, registry lines) */
    span_list sorted;  /* ranges of scratch */
    span_list meta;    /* ranges of out that structure_json leaves out */
    const void **ptrs; /* pointers to sort (fields, checks, names) */
    size_t cap_ptrs;
} canon_ctx;

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) {
        fputs("mdc: out of memory\n", stderr);
        abort();
    }
    return p;
}

static void ctx_init(canon_ctx *c, mdc_arena *a)
{
    memset(c, 0, sizeof *c);
    c->arena = a;
}

static void ctx_free(canon_ctx *c)
{
    mdc_buf_free(&c->out);
    mdc_buf_free(&c->scratch);
    free(c->sorted.v);
    free(c->meta.v);
    free(c->ptrs);
}

/* qsort, which must not see a NULL base even for an empty array. */
/* qsort, after one pass that finds most inputs (a registry's document lines, a model's
 * fields as written) already in order. */
static void sort_n(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
    const char *p = base;
    size_t i = 1;
    while (i < n && cmp(p + (i - 1) * size, p + i * size) <= 0)
        i++;
    if (i < n) qsort(base, n, size, cmp);
}

/* The pointer array, with room for n entries. */
static const void **ctx_ptrs(canon_ctx *c, size_t n)
{
    if (n > c->cap_ptrs || !c->ptrs) {
        c->cap_ptrs = n < 64 ? 64 : 2 * n;
        c->ptrs = xrealloc(c->ptrs, c->cap_ptrs * sizeof *c->ptrs);
    }
    return c->ptrs;
}

static void span_push(span_list *l, size_t off, size_t len)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->v = xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = (span){off, len, NULL};
}

/* ------------------------------------------------------------------ small writers */

/* Appends n bytes, keeping the buffer NUL-terminated.  Inline: this is the hot path, and
 * with a literal (LIT) the copy compiles to a few moves. */
static inline void put(mdc_buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) mdc_buf_grow(b, n);
    memcpy(b->ptr + b->len, s, n);
    b->len += n;
    b->ptr[b->len] = '\0';
}

/* A literal piece of JSON: member names are written out in the code, in sorted order, with
 * the comma that separates them ("{\"a\":" opens an object, ",\"b\":" continues it). */
#define LIT(b, s) put((b), "" s, sizeof(s) - 1)

static void str_or_null(mdc_buf *b, const char *s)
{
    if (s)
        mdc_json_str(b, s);
    else
        LIT(b, "null");
}

static void boolean(mdc_buf *b, bool v)
{
    if (v)
        LIT(b, "true");
    else
        LIT(b, "false");
}

/* "M.m.p" or "M.m.p-pre" (build metadata is not part of a version), or null. */
static void semver(canon_ctx *c, mdc_buf *b, const mdc_semver *v)
{
    if (!v->present) {
        LIT(b, "null");
        return;
    }
    if (v->prerelease && *v->prerelease) {
        /* Rare: spell it in the arena so the whole text goes through the escaper. */
        mdc_json_str(b, mdc_printf(c->arena, "%u.%u.%u-%s", (unsigned)v->major, (unsigned)v->minor,
                                   (unsigned)v->patch, v->prerelease));
        return;
    }
    LIT(b, "\"");
    mdc_json_int(b, v->major);
    LIT(b, ".");
    mdc_json_int(b, v->minor);
    LIT(b, ".");
    mdc_json_int(b, v->patch);
    LIT(b, "\"");
}

/* An object value that is {} when absent. */
static void object_or_empty(mdc_buf *b, const mdc_value *v)
{
    if (v)
        mdc_json_value(b, v);
    else
        LIT(b, "{}");
}

static int cmp_str_ptr(const void *pa, const void *pb)
{
    const char *a = *(const char *const *)pa, *b = *(const char *const *)pb;
    return strcmp(a, b);
}

/* A set of names: sorted bytewise, duplicates once. */
static void sorted_names(canon_ctx *c, const char *const *names, size_t n)
{
    mdc_buf *b = &c->out;
    const void **p = ctx_ptrs(c, n);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (names[i]) p[m++] = names[i];
    sort_n(p, m, sizeof *p, cmp_str_ptr);
    LIT(b, "[");
    for (size_t i = 0; i < m; i++) {
        if (i && strcmp(p[i - 1], p[i]) == 0) continue;
        if (i) LIT(b, ",");
        mdc_json_str(b, p[i]);
    }
    LIT(b, "]");
}

/* A list whose order means something (primary key columns): as given. */
static void name_list(mdc_buf *b, const char *const *names, size_t n)
{
    LIT(b, "[");
    for (size_t i = 0; i < n; i++) {
        if (i) LIT(b, ",");
        str_or_null(b, names[i]);
    }
    LIT(b, "]");
}

/* ------------------------------------------------------------------ sorted lists */

static int span_cmp(const void *pa, const void *pb)
{
    const span *a = pa, *b = pb;
    int r = memcmp(a->p, b->p, a->len < b->len ? a->len : b->len);
    if (r) return r;
    return a->len < b->len ? -1 : a->len > b->len;
}

static void sorted_reset(canon_ctx *c)
{
    mdc_buf_clear(&c->scratch);
    c->sorted.n = 0;
}

/* Sorts the spans of scratch bytewise by their text. */
static void sorted_sort(canon_ctx *c)
{
    span *v = c->sorted.v;
    for (size_t i = 0; i < c->sorted.n; i++)
        v[i].p = c->scratch.ptr + v[i].off;
    sort_n(v, c->sorted.n, sizeof *v, span_cmp);
}

/* Appends the sorted spans to out as a JSON array; equal neighbours once when `unique`. */
static void sorted_emit_array(canon_ctx *c, bool unique)
{
    mdc_buf *b = &c->out;
    const span *v = c->sorted.v;
    LIT(b, "[");
    for (size_t i = 0; i < c->sorted.n; i++) {
        if (unique && i > 0 && span_cmp(&v[i - 1], &v[i]) == 0) continue;
        if (i) LIT(b, ",");
        put(b, v[i].p, v[i].len);
    }
    LIT(b, "]");
}

/* ------------------------------------------------------------------ metadata */

/* Marks out[from, now) as a metadata member, left out of structure_json.  `from` is where
 * its leading comma (or, for an object's first member, its name) starts. */
static void meta_member(canon_ctx *c, size_t from)
{
    span_push(&c->meta, from, c->out.len - from);
}

/*
 * The structural form: out without the metadata members, copied into the arena.  A cut
 * member that opened its object ("{\"description\":null,\"kind\"...") takes the comma after
 * it along, so the result is again canonical JSON.
 */
static const char *structure_text(canon_ctx *c, size_t *len_out)
{
    const char *s = c->out.ptr;
    size_t n = c->out.len, removed = 0;
    span *v = c->meta.v;
    for (size_t i = 0; i < c->meta.n; i++) {
        size_t end = v[i].off + v[i].len;
        if (s[v[i].off] != ',' && end < n && s[end] == ',') v[i].len++;
        removed += v[i].len;
    }
    char *dst = mdc_alloc(c->arena, n - removed + 1), *p = dst;
    size_t at = 0;
    for (size_t i = 0; i < c->meta.n; i++) {
        memcpy(p, s + at, v[i].off - at);
        p += v[i].off - at;
        at = v[i].off + v[i].len;
    }
    memcpy(p, s + at, n - at);
    p += n - at;
    *p = '\0';
    *len_out = (size_t)(p - dst);
    return dst;
}

/* ------------------------------------------------------------------ models */

static void field_json(canon_ctx *c, const mdc_field *f)
{
    mdc_buf *b = &c->out;
    LIT(b, "{\"default\":");
    mdc_json_value(b, f->default_value); /* NULL -> null */
    LIT(b, ",\"default_expr\":");
    switch (f->default_expr) {
    case MDC_DX_NONE:
        LIT(b, "null");
        break;
    case MDC_DX_CUSTOM:
        LIT(b, "{\"postgres\":");
        str_or_null(b, f->default_pg);
        LIT(b, ",\"sqlite\":");
        str_or_null(b, f->default_sqlite);
        LIT(b, "}");
        break;
    default:
        mdc_json_str(b, mdc_default_expr_name(f->default_expr));
        break;
    }
    size_t at = b->len;
    LIT(b, ",\"description\":");
    str_or_null(b, f->description);
    meta_member(c, at);
    LIT(b, ",\"identity\":");
    boolean(b, f->identity);
    at = b->len;
    LIT(b, ",\"meta\":");
    object_or_empty(b, f->meta);
    meta_member(c, at);
    LIT(b, ",\"nullable\":");
    boolean(b, f->nullable);
    LIT(b, ",\"references\":");
    if (f->ref_model) {
        LIT(b, "{\"field\":");
        str_or_null(b, f->ref_field);
        LIT(b, ",\"model\":");
        mdc_json_str(b, f->ref_model);
        LIT(b, ",\"on_delete\":");
        mdc_json_str(b, mdc_fk_action_name(f->on_delete));
        LIT(b, ",\"on_update\":");
        mdc_json_str(b, mdc_fk_action_name(f->on_update));
        LIT(b, "}");
    } else {
        LIT(b, "null");
    }
    LIT(b, ",\"type\":");
    mdc_json_str(b, mdc_type_canonical(c->arena, &f->type));
    LIT(b, ",\"unique\":");
    boolean(b, f->unique);
    LIT(b, "}");
}

static int cmp_field_name(const void *pa, const void *pb)
{
    const mdc_field *a = *(const mdc_field *const *)pa, *b = *(const mdc_field *const *)pb;
    return mdc_json_keycmp(a->name, b->name);
}

static void fields_json(canon_ctx *c, const mdc_model *m)
{
    mdc_buf *b = &c->out;
    const void **p = ctx_ptrs(c, m->nfields);
    for (size_t i = 0; i < m->nfields; i++)
        p[i] = &m->fields[i];
    sort_n(p, m->nfields, sizeof *p, cmp_field_name);
    LIT(b, "{");
    for (size_t i = 0; i < m->nfields; i++) {
        const mdc_field *f = p[i];
        if (i) LIT(b, ",");
        mdc_json_str(b, f->name);
        LIT(b, ":");
        field_json(c, f);
    }
    LIT(b, "}");
}

static int cmp_check(const void *pa, const void *pb)
{
    const mdc_check *a = *(const mdc_check *const *)pa, *b = *(const mdc_check *const *)pb;
    int r = strcmp(a->name ? a->name : "", b->name ? b->name : "");
    if (r) return r;
    if (!a->name != !b->name) return a->name ? 1 : -1; /* null before "" */
    return strcmp(a->expr ? a->expr : "", b->expr ? b->expr : "");
}

static void checks_json(canon_ctx *c, const mdc_model *m)
{
    mdc_buf *b = &c->out;
    const void **p = ctx_ptrs(c, m->nchecks);
    for (size_t i = 0; i < m->nchecks; i++)
        p[i] = &m->checks[i];
    sort_n(p, m->nchecks, sizeof *p, cmp_check);
    LIT(b, "[");
    for (size_t i = 0; i < m->nchecks; i++) {
        const mdc_check *k = p[i];
        if (i) LIT(b, ",");
        LIT(b, "{\"expr\":");
        str_or_null(b, k->expr);
        LIT(b, ",\"name\":");
        str_or_null(b, k->name);
        LIT(b, "}");
    }
    LIT(b, "]");
}

static void index_json(mdc_buf *b, const mdc_index *ix)
{
    LIT(b, "{\"fields\":[");
    for (size_t i = 0; i < ix->ncols; i++) {
        if (i) LIT(b, ",");
        LIT(b, "{\"name\":");
        str_or_null(b, ix->cols[i].field);
        if (ix->cols[i].desc)
            LIT(b, ",\"order\":\"desc\"}");
        else
            LIT(b, ",\"order\":\"asc\"}");
    }
    LIT(b, "],\"name\":");
    str_or_null(b, ix->name);
    LIT(b, ",\"unique\":");
    boolean(b, ix->unique);
    LIT(b, ",\"where\":");
    str_or_null(b, ix->where);
    LIT(b, "}");
}

static void indexes_json(canon_ctx *c, const mdc_model *m)
{
    sorted_reset(c);
    for (size_t i = 0; i < m->nindexes; i++) {
        size_t from = c->scratch.len;
        index_json(&c->scratch, &m->indexes[i]);
        span_push(&c->sorted, from, c->scratch.len - from);
    }
    sorted_sort(c);
    sorted_emit_array(c, false);
}

static void uniques_json(canon_ctx *c, const mdc_model *m)
{
    sorted_reset(c);
    for (size_t i = 0; i < m->nuniques; i++) {
        size_t from = c->scratch.len;
        name_list(&c->scratch, m->uniques[i].fields, m->uniques[i].nfields);
        span_push(&c->sorted, from, c->scratch.len - from);
    }
    sorted_sort(c);
    sorted_emit_array(c, true);
}

static void model_json(canon_ctx *c, const mdc_doc *d, const mdc_model *m)
{
    mdc_buf *b = &c->out;
    LIT(b, "{\"checks\":");
    checks_json(c, m);
    size_t at = b->len;
    LIT(b, ",\"description\":");
    str_or_null(b, d->description);
    meta_member(c, at);
    LIT(b, ",\"fields\":");
    fields_json(c, m);
    LIT(b, ",\"indexes\":");
    indexes_json(c, m);
    LIT(b, ",\"kind\":\"model\"");
    at = b->len;
    LIT(b, ",\"meta\":");
    object_or_empty(b, m->meta);
    meta_member(c, at);
    LIT(b, ",\"name\":");
    str_or_null(b, d->name);
    at = b->len;
    LIT(b, ",\"owner\":");
    str_or_null(b, m->owner);
    meta_member(c, at);
    LIT(b, ",\"primary_key\":");
    name_list(b, m->primary_key, m->npk);
    LIT(b, ",\"reserved\":");
    sorted_names(c, m->reserved, m->nreserved);
    LIT(b, ",\"schema\":");
    str_or_null(b, m->schema);
    LIT(b, ",\"source\":");
    str_or_null(b, m->source);
    LIT(b, ",\"table\":");
    str_or_null(b, m->table);
    at = b->len;
    LIT(b, ",\"tags\":");
    sorted_names(c, m->tags, m->ntags);
    meta_member(c, at);
    LIT(b, ",\"unique\":");
    uniques_json(c, m);
    at = b->len;
    LIT(b, ",\"version\":");
    semver(c, b, &d->version);
    meta_member(c, at);
    LIT(b, "}");
}

/* ------------------------------------------------------------------ other kinds */

/* "description" opens these objects: its cut takes the following comma along. */
static void doc_description(canon_ctx *c, const mdc_doc *d)
{
    size_t at = c->out.len;
    LIT(&c->out, "{\"description\":");
    str_or_null(&c->out, d->description);
    meta_member(c, at + 1);
}

static void doc_version(canon_ctx *c, const mdc_doc *d)
{
    size_t at = c->out.len;
    LIT(&c->out, ",\"version\":");
    semver(c, &c->out, &d->version);
    meta_member(c, at);
}

static void source_json(canon_ctx *c, const mdc_doc *d, const mdc_source *s)
{
    mdc_buf *b = &c->out;
    doc_description(c, d);
    LIT(b, ",\"kind\":\"source\",\"name\":");
    str_or_null(b, d->name);
    LIT(b, ",\"type\":");
    str_or_null(b, s->type);
    LIT(b, ",\"uri\":");
    str_or_null(b, s->uri);
    doc_version(c, d);
    LIT(b, "}");
}

static void entity_json(canon_ctx *c, const mdc_doc *d, const mdc_entity *e)
{
    mdc_buf *b = &c->out;
    doc_description(c, d);
    LIT(b, ",\"kind\":\"entity\",\"maps_to\":");
    sorted_names(c, e->maps_to, e->nmaps);
    LIT(b, ",\"name\":");
    str_or_null(b, d->name);
    doc_version(c, d);
    LIT(b, "}");
}

static int cmp_contract_field(const void *pa, const void *pb)
{
    const mdc_contract_field *a = *(const mdc_contract_field *const *)pa;
    const mdc_contract_field *b = *(const mdc_contract_field *const *)pb;
    return mdc_json_keycmp(a->name, b->name);
}

static void contract_json(canon_ctx *c, const mdc_doc *d, const mdc_contract *k)
{
    mdc_buf *b = &c->out;
    LIT(b, "{\"compatibility\":");
    mdc_json_str(b, mdc_compat_name(k->compatibility));
    LIT(b, ",\"consumer\":");
    str_or_null(b, k->consumer);
    size_t at = b->len;
    LIT(b, ",\"description\":");
    str_or_null(b, d->description);
    meta_member(c, at);
    LIT(b, ",\"fields\":{");
    const void **p = ctx_ptrs(c, k->nfields);
    for (size_t i = 0; i < k->nfields; i++)
        p[i] = &k->fields[i];
    sort_n(p, k->nfields, sizeof *p, cmp_contract_field);
    for (size_t i = 0; i < k->nfields; i++) {
        const mdc_contract_field *f = p[i];
        if (i) LIT(b, ",");
        mdc_json_str(b, f->name);
        LIT(b, ":");
        if (f->type)
            mdc_json_str(b, mdc_type_canonical(c->arena, f->type));
        else
            LIT(b, "null");
    }
    LIT(b, "},\"kind\":\"contract\",\"model\":");
    str_or_null(b, k->model);
    LIT(b, ",\"name\":");
    str_or_null(b, d->name);
    doc_version(c, d);
    LIT(b, "}");
}

/* ------------------------------------------------------------------ documents */

static void canon_doc(canon_ctx *c, mdc_doc *d)
{
    mdc_buf_clear(&c->out);
    c->meta.n = 0;
    assert(d->body);
    switch (d->kind) {
    case MDC_KIND_MODEL:
        model_json(c, d, d->body);
        break;
    case MDC_KIND_SOURCE:
        source_json(c, d, d->body);
        break;
    case MDC_KIND_ENTITY:
        entity_json(c, d, d->body);
        break;
    case MDC_KIND_CONTRACT:
        contract_json(c, d, d->body);
        break;
    }
    d->canonical_json = mdc_strndup(c->arena, c->out.ptr, c->out.len);
    mdc_xxh128_hex(c->out.ptr, c->out.len, d->checksum);

    size_t slen;
    d->structure_json = structure_text(c, &slen);
    mdc_xxh128_hex(d->structure_json, slen, d->structure_checksum);
}

void mdc_canon_doc(mdc_arena *a, mdc_doc *d)
{
    canon_ctx c;
    ctx_init(&c, a);
    canon_doc(&c, d);
    ctx_free(&c);
}

/* ------------------------------------------------------------------ project */

typedef struct rule_ref {
    const mdc_rule_override *r;
    size_t order; /* written position: the first of duplicate names wins */
} rule_ref;

static int cmp_rule(const void *pa, const void *pb)
{
    const rule_ref *a = pa, *b = pb;
    int r = mdc_json_keycmp(a->r->rule, b->r->rule);
    if (r) return r;
    return a->order < b->order ? -1 : a->order > b->order;
}

static void rules_json(mdc_buf *b, const mdc_project *p)
{
    rule_ref small[32];
    rule_ref *v = p->nrules <= 32 ? small : xrealloc(NULL, p->nrules * sizeof *v);
    size_t n = 0;
    for (size_t i = 0; i < p->nrules; i++) {
        const mdc_rule_override *r = &p->rules[i];
        /* An override that sets nothing means the same as no override. */
        if (r->rule && (r->bump >= 0 || r->risk >= 0)) v[n++] = (rule_ref){r, i};
    }
    sort_n(v, n, sizeof *v, cmp_rule);
    LIT(b, "{");
    for (size_t i = 0; i < n; i++) {
        const mdc_rule_override *r = v[i].r;
        if (i && strcmp(v[i - 1].r->rule, r->rule) == 0) continue;
        if (i) LIT(b, ",");
        mdc_json_str(b, r->rule);
        LIT(b, ":{");
        if (r->bump >= 0) {
            LIT(b, "\"bump\":");
            mdc_json_str(b, mdc_bump_name((mdc_bump)r->bump));
        }
        if (r->risk >= 0) {
            if (r->bump >= 0) LIT(b, ",");
            LIT(b, "\"risk\":");
            mdc_json_str(b, mdc_risk_name((mdc_risk)r->risk));
        }
        LIT(b, "}");
    }
    LIT(b, "}");
    if (v != small) free(v);
}

static void project_json(canon_ctx *c, const mdc_project *p)
{
    mdc_buf *b = &c->out;
    mdc_buf_clear(b);
    LIT(b, "{\"dialects\":[");
    if (p->dialect_postgres) LIT(b, "\"postgres\"");
    if (p->dialect_postgres && p->dialect_sqlite) LIT(b, ",");
    if (p->dialect_sqlite) LIT(b, "\"sqlite\"");
    LIT(b, "],\"max_risk\":");
    mdc_json_str(b, mdc_risk_name(p->max_risk));
    LIT(b, ",\"migrations\":");
    str_or_null(b, p->migrations);
    LIT(b, ",\"models\":");
    sorted_names(c, p->model_dirs, p->nmodel_dirs);
    LIT(b, ",\"postgres\":{\"schema\":");
    str_or_null(b, p->pg_schema);
    LIT(b, "},\"project\":");
    str_or_null(b, p->name);
    LIT(b, ",\"reserved_models\":");
    sorted_names(c, p->reserved_models, p->nreserved_models);
    LIT(b, ",\"rules\":");
    rules_json(b, p);
    LIT(b, ",\"snapshot\":");
    str_or_null(b, p->snapshot);
    if (p->sqlite_registry_table) LIT(b, ",\"sqlite\":{\"dataflow_registry\":\"table\"}");
    LIT(b, ",\"version\":");
    semver(c, b, &p->version);
    LIT(b, "}");
}

void mdc_canon_project(mdc_arena *a, mdc_project *p)
{
    canon_ctx c;
    ctx_init(&c, a);
    project_json(&c, p);
    p->canonical_json = mdc_strndup(a, c.out.ptr, c.out.len);
    ctx_free(&c);
}

/* ------------------------------------------------------------------ registry */

static void canon_docs(mdc_arena *a, mdc_registry *reg)
{
    canon_ctx c;
    ctx_init(&c, a);
    /* Documents shared with another compilation are canonical already. */
    for (size_t i = 0; i < reg->ndocs; i++)
        if (!reg->docs[i]->canonical_json) canon_doc(&c, reg->docs[i]);
    if (reg->project) {
        project_json(&c, reg->project);
        reg->project->canonical_json = mdc_strndup(a, c.out.ptr, c.out.len);
    }
    ctx_free(&c);
}

mdc_reg_line mdc_registry_line(mdc_arena *a, const mdc_doc *d)
{
    const char *k = mdc_kind_name(d->kind), *name = d->name ? d->name : "";
    size_t nk = strlen(k), nn = strlen(name), n = nk + 1 + nn + 1 + 32 + 1;
    char *s = mdc_alloc(a, n + 1);
    memcpy(s, k, nk);
    s[nk] = '/';
    memcpy(s + nk + 1, name, nn);
    s[nk + 1 + nn] = ' ';
    memcpy(s + nk + nn + 2, d->checksum, 32);
    s[n - 1] = '\n';
    s[n] = '\0';
    return (mdc_reg_line){s, (uint32_t)n};
}

static void hash_project(XXH3_state_t *st, const mdc_project *p)
{
    if (!p) return;
    XXH3_128bits_update(st, "mdc.yaml ", 9);
    XXH3_128bits_update(st, p->canonical_json, strlen(p->canonical_json));
    XXH3_128bits_update(st, "\n", 1);
}

bool mdc_registry_checksum_lines(mdc_registry *reg, const mdc_reg_line *lines)
{
    for (size_t i = 1; i < reg->ndocs; i++) {
        const mdc_reg_line *x = &lines[i - 1], *y = &lines[i];
        int c = memcmp(x->text, y->text, x->len < y->len ? x->len : y->len);
        if (c > 0 || (c == 0 && x->len > y->len)) return false;
    }
    XXH3_state_t *st = XXH3_createState();
    if (!st) abort();
    XXH3_128bits_reset(st);
    for (size_t i = 0; i < reg->ndocs; i++) XXH3_128bits_update(st, lines[i].text, lines[i].len);
    hash_project(st, reg->project);
    hex128(XXH3_128bits_digest(st), reg->checksum);
    XXH3_freeState(st);
    return true;
}

void mdc_canon_registry(mdc_arena *a, mdc_registry *reg)
{
    canon_docs(a, reg);
    canon_ctx c;
    ctx_init(&c, a);
    /* "KIND/NAME CHECKSUM\n" per document, sorted bytewise. */
    sorted_reset(&c);
    for (size_t i = 0; i < reg->ndocs; i++) {
        const mdc_doc *d = reg->docs[i];
        size_t from = c.scratch.len;
        mdc_buf_puts(&c.scratch, mdc_kind_name(d->kind));
        LIT(&c.scratch, "/");
        mdc_buf_puts(&c.scratch, d->name ? d->name : "");
        LIT(&c.scratch, " ");
        put(&c.scratch, d->checksum, 32);
        LIT(&c.scratch, "\n");
        span_push(&c.sorted, from, c.scratch.len - from);
    }
    sorted_sort(&c);

    /* The lines, then "mdc.yaml JSON\n", hashed as one byte string. */
    mdc_buf_clear(&c.out);
    for (size_t i = 0; i < c.sorted.n; i++)
        put(&c.out, c.sorted.v[i].p, c.sorted.v[i].len);
    if (reg->project) {
        LIT(&c.out, "mdc.yaml ");
        mdc_buf_puts(&c.out, reg->project->canonical_json);
        LIT(&c.out, "\n");
    }
    mdc_xxh128_hex(c.out.ptr ? c.out.ptr : "", c.out.len, reg->checksum);
    ctx_free(&c);
}
