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
 *    "version": str|null}
 *
 * registry checksum = XXH3-128 over the concatenation of
 *   one line "KIND/NAME CHECKSUM\n" per document (KIND: contract|entity|model|source),
 *   the lines sorted bytewise, then "mdc.yaml " + project canonical JSON + "\n".
 *
 * Speed: one call chain (one document, or a whole registry) shares one context of reusable
 * buffers and index arrays, so canonicalising n documents is linear in their size apart from
 * the small per-document sorts.
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

void mdc_xxh128_hex(const void *data, size_t len, char out[33])
{
    static const char hex[] = "0123456789abcdef";
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, XXH3_128bits(data, len));
    for (int i = 0; i < 16; i++) {
        out[2 * i] = hex[c.digest[i] >> 4];
        out[2 * i + 1] = hex[c.digest[i] & 15];
    }
    out[32] = '\0';
}

/* ------------------------------------------------------------------ the context */

/* A piece of `scratch` text: one element of a list that is sorted by its JSON text. */
typedef struct span {
    size_t off, len;
    const char *p; /* set once scratch stops growing */
} span;

typedef struct canon_ctx {
    mdc_arena *arena;
    mdc_buf out;     /* the JSON being built */
    mdc_buf scratch; /* element texts to sort (indexes, unique lists, registry lines) */
    span *spans;
    size_t nspans, cap_spans;
    const void **ptrs; /* pointers to sort (fields, checks, names) */
    size_t cap_ptrs;
    const char **types; /* canonical type per field, by written position */
    size_t cap_types;
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
    free(c->spans);
    free(c->ptrs);
    free(c->types);
}

/* The pointer array, with room for n entries. */
static const void **ctx_ptrs(canon_ctx *c, size_t n)
{
    if (n > c->cap_ptrs) {
        c->cap_ptrs = n < 64 ? 64 : 2 * n;
        c->ptrs = xrealloc(c->ptrs, c->cap_ptrs * sizeof *c->ptrs);
    }
    return c->ptrs;
}

static void spans_reset(canon_ctx *c)
{
    mdc_buf_clear(&c->scratch);
    c->nspans = 0;
}

/* Records scratch[from, len) as the next span. */
static void span_push(canon_ctx *c, size_t from)
{
    if (c->nspans == c->cap_spans) {
        c->cap_spans = c->cap_spans ? 2 * c->cap_spans : 64;
        c->spans = xrealloc(c->spans, c->cap_spans * sizeof *c->spans);
    }
    c->spans[c->nspans++] = (span){from, c->scratch.len - from, NULL};
}

static int span_cmp(const void *pa, const void *pb)
{
    const span *a = pa, *b = pb;
    int r = memcmp(a->p, b->p, a->len < b->len ? a->len : b->len);
    if (r) return r;
    return a->len < b->len ? -1 : a->len > b->len;
}

/* Sorts the spans bytewise by their text. */
static void spans_sort(canon_ctx *c)
{
    for (size_t i = 0; i < c->nspans; i++)
        c->spans[i].p = c->scratch.ptr + c->spans[i].off;
    qsort(c->spans, c->nspans, sizeof *c->spans, span_cmp);
}

/* Appends the sorted spans to out as a JSON array; equal neighbours once when `unique`. */
static void spans_emit_array(canon_ctx *c, bool unique)
{
    mdc_buf_putc(&c->out, '[');
    for (size_t i = 0; i < c->nspans; i++) {
        if (unique && i > 0 && span_cmp(&c->spans[i - 1], &c->spans[i]) == 0) continue;
        if (i) mdc_buf_putc(&c->out, ',');
        mdc_buf_put(&c->out, c->spans[i].p, c->spans[i].len);
    }
    mdc_buf_putc(&c->out, ']');
}

/* ------------------------------------------------------------------ small writers */

/* A member name: `"k":`, preceded by a comma unless it opens the object.  Names written
 * by this file are ASCII literals, so they need no escaping, and each object lists them
 * in sorted order in the code. */
static void key(mdc_buf *b, const char *k)
{
    if (b->len && b->ptr[b->len - 1] != '{') mdc_buf_putc(b, ',');
    mdc_buf_putc(b, '"');
    mdc_buf_puts(b, k);
    mdc_buf_puts(b, "\":");
}

static void str_or_null(mdc_buf *b, const char *s)
{
    if (s)
        mdc_json_str(b, s);
    else
        mdc_buf_puts(b, "null");
}

static void boolean(mdc_buf *b, bool v)
{
    mdc_buf_puts(b, v ? "true" : "false");
}

/* "M.m.p" or "M.m.p-pre" (build metadata is not part of a version), or null. */
static void semver(canon_ctx *c, mdc_buf *b, const mdc_semver *v)
{
    if (!v->present) {
        mdc_buf_puts(b, "null");
        return;
    }
    if (v->prerelease && *v->prerelease) {
        /* Rare: spell it in the arena so the whole text goes through the escaper. */
        mdc_json_str(b, mdc_printf(c->arena, "%u.%u.%u-%s", (unsigned)v->major, (unsigned)v->minor,
                                   (unsigned)v->patch, v->prerelease));
        return;
    }
    mdc_buf_printf(b, "\"%u.%u.%u\"", (unsigned)v->major, (unsigned)v->minor, (unsigned)v->patch);
}

/* An object value that is {} when absent. */
static void object_or_empty(mdc_buf *b, const mdc_value *v)
{
    if (v)
        mdc_json_value(b, v);
    else
        mdc_buf_puts(b, "{}");
}

static int cmp_str_ptr(const void *pa, const void *pb)
{
    const char *a = *(const char *const *)pa, *b = *(const char *const *)pb;
    return strcmp(a, b);
}

/* A set of names: sorted bytewise, duplicates once. */
static void sorted_names(canon_ctx *c, const char *const *names, size_t n)
{
    const void **p = ctx_ptrs(c, n);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (names[i]) p[m++] = names[i];
    qsort(p, m, sizeof *p, cmp_str_ptr);
    mdc_buf_putc(&c->out, '[');
    for (size_t i = 0; i < m; i++) {
        if (i && strcmp(p[i - 1], p[i]) == 0) continue;
        if (i) mdc_buf_putc(&c->out, ',');
        mdc_json_str(&c->out, p[i]);
    }
    mdc_buf_putc(&c->out, ']');
}

/* A list whose order means something (primary key columns): as given. */
static void name_list(mdc_buf *b, const char *const *names, size_t n)
{
    mdc_buf_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i) mdc_buf_putc(b, ',');
        str_or_null(b, names[i]);
    }
    mdc_buf_putc(b, ']');
}

/* ------------------------------------------------------------------ models */

static void field_json(canon_ctx *c, const mdc_field *f, const char *type, bool full)
{
    mdc_buf *b = &c->out;
    mdc_buf_putc(b, '{');
    key(b, "default");
    mdc_json_value(b, f->default_value); /* NULL -> null */
    key(b, "default_expr");
    switch (f->default_expr) {
    case MDC_DX_NONE:
        mdc_buf_puts(b, "null");
        break;
    case MDC_DX_CUSTOM:
        mdc_buf_putc(b, '{');
        key(b, "postgres");
        str_or_null(b, f->default_pg);
        key(b, "sqlite");
        str_or_null(b, f->default_sqlite);
        mdc_buf_putc(b, '}');
        break;
    default:
        mdc_json_str(b, mdc_default_expr_name(f->default_expr));
        break;
    }
    if (full) {
        key(b, "description");
        str_or_null(b, f->description);
    }
    key(b, "identity");
    boolean(b, f->identity);
    if (full) {
        key(b, "meta");
        object_or_empty(b, f->meta);
    }
    key(b, "nullable");
    boolean(b, f->nullable);
    key(b, "references");
    if (f->ref_model) {
        mdc_buf_putc(b, '{');
        key(b, "field");
        str_or_null(b, f->ref_field);
        key(b, "model");
        mdc_json_str(b, f->ref_model);
        key(b, "on_delete");
        mdc_json_str(b, mdc_fk_action_name(f->on_delete));
        key(b, "on_update");
        mdc_json_str(b, mdc_fk_action_name(f->on_update));
        mdc_buf_putc(b, '}');
    } else {
        mdc_buf_puts(b, "null");
    }
    key(b, "type");
    mdc_json_str(b, type);
    key(b, "unique");
    boolean(b, f->unique);
    mdc_buf_putc(b, '}');
}

static int cmp_field_name(const void *pa, const void *pb)
{
    const mdc_field *a = *(const mdc_field *const *)pa, *b = *(const mdc_field *const *)pb;
    return mdc_json_keycmp(a->name, b->name);
}

static void fields_json(canon_ctx *c, const mdc_model *m, bool full)
{
    const void **p = ctx_ptrs(c, m->nfields);
    for (size_t i = 0; i < m->nfields; i++)
        p[i] = &m->fields[i];
    qsort(p, m->nfields, sizeof *p, cmp_field_name);
    mdc_buf_putc(&c->out, '{');
    for (size_t i = 0; i < m->nfields; i++) {
        const mdc_field *f = p[i];
        if (i) mdc_buf_putc(&c->out, ',');
        mdc_json_str(&c->out, f->name);
        mdc_buf_putc(&c->out, ':');
        field_json(c, f, c->types[f - m->fields], full);
    }
    mdc_buf_putc(&c->out, '}');
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
    qsort(p, m->nchecks, sizeof *p, cmp_check);
    mdc_buf_putc(b, '[');
    for (size_t i = 0; i < m->nchecks; i++) {
        const mdc_check *k = p[i];
        if (i) mdc_buf_putc(b, ',');
        mdc_buf_putc(b, '{');
        key(b, "expr");
        str_or_null(b, k->expr);
        key(b, "name");
        str_or_null(b, k->name);
        mdc_buf_putc(b, '}');
    }
    mdc_buf_putc(b, ']');
}

static void index_json(mdc_buf *b, const mdc_index *ix)
{
    mdc_buf_putc(b, '{');
    key(b, "fields");
    mdc_buf_putc(b, '[');
    for (size_t i = 0; i < ix->ncols; i++) {
        if (i) mdc_buf_putc(b, ',');
        mdc_buf_putc(b, '{');
        key(b, "name");
        str_or_null(b, ix->cols[i].field);
        key(b, "order");
        mdc_buf_puts(b, ix->cols[i].desc ? "\"desc\"" : "\"asc\"");
        mdc_buf_putc(b, '}');
    }
    mdc_buf_putc(b, ']');
    key(b, "name");
    str_or_null(b, ix->name);
    key(b, "unique");
    boolean(b, ix->unique);
    key(b, "where");
    str_or_null(b, ix->where);
    mdc_buf_putc(b, '}');
}

static void indexes_json(canon_ctx *c, const mdc_model *m)
{
    spans_reset(c);
    for (size_t i = 0; i < m->nindexes; i++) {
        size_t from = c->scratch.len;
        index_json(&c->scratch, &m->indexes[i]);
        span_push(c, from);
    }
    spans_sort(c);
    spans_emit_array(c, false);
}

static void uniques_json(canon_ctx *c, const mdc_model *m)
{
    spans_reset(c);
    for (size_t i = 0; i < m->nuniques; i++) {
        size_t from = c->scratch.len;
        name_list(&c->scratch, m->uniques[i].fields, m->uniques[i].nfields);
        span_push(c, from);
    }
    spans_sort(c);
    spans_emit_array(c, true);
}

static void model_json(canon_ctx *c, const mdc_doc *d, const mdc_model *m, bool full)
{
    mdc_buf *b = &c->out;
    mdc_buf_putc(b, '{');
    key(b, "checks");
    checks_json(c, m);
    if (full) {
        key(b, "description");
        str_or_null(b, d->description);
    }
    key(b, "fields");
    fields_json(c, m, full);
    key(b, "indexes");
    indexes_json(c, m);
    key(b, "kind");
    mdc_buf_puts(b, "\"model\"");
    if (full) {
        key(b, "meta");
        object_or_empty(b, m->meta);
    }
    key(b, "name");
    str_or_null(b, d->name);
    if (full) {
        key(b, "owner");
        str_or_null(b, m->owner);
    }
    key(b, "primary_key");
    name_list(b, m->primary_key, m->npk);
    key(b, "reserved");
    sorted_names(c, m->reserved, m->nreserved);
    key(b, "schema");
    str_or_null(b, m->schema);
    key(b, "source");
    str_or_null(b, m->source);
    key(b, "table");
    str_or_null(b, m->table);
    if (full) {
        key(b, "tags");
        sorted_names(c, m->tags, m->ntags);
    }
    key(b, "unique");
    uniques_json(c, m);
    if (full) {
        key(b, "version");
        semver(c, b, &d->version);
    }
    mdc_buf_putc(b, '}');
}

/* The canonical spelling of every field's type, computed once for both forms. */
static void model_types(canon_ctx *c, const mdc_model *m)
{
    if (m->nfields > c->cap_types) {
        c->cap_types = m->nfields < 64 ? 64 : 2 * m->nfields;
        c->types = xrealloc(c->types, c->cap_types * sizeof *c->types);
    }
    for (size_t i = 0; i < m->nfields; i++)
        c->types[i] = mdc_type_canonical(c->arena, &m->fields[i].type);
}

/* ------------------------------------------------------------------ other kinds */

static void source_json(canon_ctx *c, const mdc_doc *d, const mdc_source *s, bool full)
{
    mdc_buf *b = &c->out;
    mdc_buf_putc(b, '{');
    if (full) {
        key(b, "description");
        str_or_null(b, d->description);
    }
    key(b, "kind");
    mdc_buf_puts(b, "\"source\"");
    key(b, "name");
    str_or_null(b, d->name);
    key(b, "type");
    str_or_null(b, s->type);
    key(b, "uri");
    str_or_null(b, s->uri);
    if (full) {
        key(b, "version");
        semver(c, b, &d->version);
    }
    mdc_buf_putc(b, '}');
}

static void entity_json(canon_ctx *c, const mdc_doc *d, const mdc_entity *e, bool full)
{
    mdc_buf *b = &c->out;
    mdc_buf_putc(b, '{');
    if (full) {
        key(b, "description");
        str_or_null(b, d->description);
    }
    key(b, "kind");
    mdc_buf_puts(b, "\"entity\"");
    key(b, "maps_to");
    sorted_names(c, e->maps_to, e->nmaps);
    key(b, "name");
    str_or_null(b, d->name);
    if (full) {
        key(b, "version");
        semver(c, b, &d->version);
    }
    mdc_buf_putc(b, '}');
}

static int cmp_contract_field(const void *pa, const void *pb)
{
    const mdc_contract_field *a = *(const mdc_contract_field *const *)pa;
    const mdc_contract_field *b = *(const mdc_contract_field *const *)pb;
    return mdc_json_keycmp(a->name, b->name);
}

static void contract_json(canon_ctx *c, const mdc_doc *d, const mdc_contract *k, bool full)
{
    mdc_buf *b = &c->out;
    mdc_buf_putc(b, '{');
    key(b, "compatibility");
    mdc_json_str(b, mdc_compat_name(k->compatibility));
    key(b, "consumer");
    str_or_null(b, k->consumer);
    if (full) {
        key(b, "description");
        str_or_null(b, d->description);
    }
    key(b, "fields");
    const void **p = ctx_ptrs(c, k->nfields);
    for (size_t i = 0; i < k->nfields; i++)
        p[i] = &k->fields[i];
    qsort(p, k->nfields, sizeof *p, cmp_contract_field);
    mdc_buf_putc(b, '{');
    for (size_t i = 0; i < k->nfields; i++) {
        const mdc_contract_field *f = p[i];
        if (i) mdc_buf_putc(b, ',');
        mdc_json_str(b, f->name);
        mdc_buf_putc(b, ':');
        if (f->type)
            mdc_json_str(b, mdc_type_canonical(c->arena, f->type));
        else
            mdc_buf_puts(b, "null");
    }
    mdc_buf_putc(b, '}');
    key(b, "kind");
    mdc_buf_puts(b, "\"contract\"");
    key(b, "model");
    str_or_null(b, k->model);
    key(b, "name");
    str_or_null(b, d->name);
    if (full) {
        key(b, "version");
        semver(c, b, &d->version);
    }
    mdc_buf_putc(b, '}');
}

/* ------------------------------------------------------------------ documents */

/* Writes the full (full = true) or structural form of d into c->out, replacing it. */
static void doc_json(canon_ctx *c, const mdc_doc *d, bool full)
{
    mdc_buf_clear(&c->out);
    assert(d->body);
    switch (d->kind) {
    case MDC_KIND_MODEL:
        model_json(c, d, d->body, full);
        break;
    case MDC_KIND_SOURCE:
        source_json(c, d, d->body, full);
        break;
    case MDC_KIND_ENTITY:
        entity_json(c, d, d->body, full);
        break;
    case MDC_KIND_CONTRACT:
        contract_json(c, d, d->body, full);
        break;
    }
}

static void canon_doc(canon_ctx *c, mdc_doc *d)
{
    if (d->kind == MDC_KIND_MODEL) model_types(c, d->body);

    doc_json(c, d, true);
    d->canonical_json = mdc_strndup(c->arena, c->out.ptr, c->out.len);
    mdc_xxh128_hex(c->out.ptr, c->out.len, d->checksum);

    doc_json(c, d, false);
    d->structure_json = mdc_strndup(c->arena, c->out.ptr, c->out.len);
    mdc_xxh128_hex(c->out.ptr, c->out.len, d->structure_checksum);
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
    qsort(v, n, sizeof *v, cmp_rule);
    mdc_buf_putc(b, '{');
    for (size_t i = 0; i < n; i++) {
        const mdc_rule_override *r = v[i].r;
        if (i && strcmp(v[i - 1].r->rule, r->rule) == 0) continue;
        if (i) mdc_buf_putc(b, ',');
        mdc_json_str(b, r->rule);
        mdc_buf_puts(b, ":{");
        if (r->bump >= 0) {
            key(b, "bump");
            mdc_json_str(b, mdc_bump_name((mdc_bump)r->bump));
        }
        if (r->risk >= 0) {
            key(b, "risk");
            mdc_json_str(b, mdc_risk_name((mdc_risk)r->risk));
        }
        mdc_buf_putc(b, '}');
    }
    mdc_buf_putc(b, '}');
    if (v != small) free(v);
}

static void project_json(canon_ctx *c, const mdc_project *p)
{
    mdc_buf *b = &c->out;
    mdc_buf_clear(b);
    mdc_buf_putc(b, '{');
    key(b, "dialects");
    mdc_buf_putc(b, '[');
    if (p->dialect_postgres) mdc_buf_puts(b, "\"postgres\"");
    if (p->dialect_postgres && p->dialect_sqlite) mdc_buf_putc(b, ',');
    if (p->dialect_sqlite) mdc_buf_puts(b, "\"sqlite\"");
    mdc_buf_putc(b, ']');
    key(b, "max_risk");
    mdc_json_str(b, mdc_risk_name(p->max_risk));
    key(b, "migrations");
    str_or_null(b, p->migrations);
    key(b, "models");
    sorted_names(c, p->model_dirs, p->nmodel_dirs);
    key(b, "postgres");
    mdc_buf_putc(b, '{');
    key(b, "schema");
    str_or_null(b, p->pg_schema);
    mdc_buf_putc(b, '}');
    key(b, "project");
    str_or_null(b, p->name);
    key(b, "reserved_models");
    sorted_names(c, p->reserved_models, p->nreserved_models);
    key(b, "rules");
    rules_json(b, p);
    key(b, "snapshot");
    str_or_null(b, p->snapshot);
    key(b, "version");
    semver(c, b, &p->version);
    mdc_buf_putc(b, '}');
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

void mdc_canon_registry(mdc_arena *a, mdc_registry *reg)
{
    canon_ctx c;
    ctx_init(&c, a);
    for (size_t i = 0; i < reg->ndocs; i++)
        canon_doc(&c, reg->docs[i]);
    if (reg->project) {
        project_json(&c, reg->project);
        reg->project->canonical_json = mdc_strndup(a, c.out.ptr, c.out.len);
    }

    /* "KIND/NAME CHECKSUM\n" per document, sorted bytewise. */
    spans_reset(&c);
    for (size_t i = 0; i < reg->ndocs; i++) {
        const mdc_doc *d = reg->docs[i];
        size_t from = c.scratch.len;
        mdc_buf_puts(&c.scratch, mdc_kind_name(d->kind));
        mdc_buf_putc(&c.scratch, '/');
        mdc_buf_puts(&c.scratch, d->name ? d->name : "");
        mdc_buf_putc(&c.scratch, ' ');
        mdc_buf_put(&c.scratch, d->checksum, 32);
        mdc_buf_putc(&c.scratch, '\n');
        span_push(&c, from);
    }
    spans_sort(&c);

    /* Hash the lines, then "mdc.yaml JSON\n", as one byte stream. */
    mdc_buf_clear(&c.out);
    for (size_t i = 0; i < c.nspans; i++)
        mdc_buf_put(&c.out, c.spans[i].p, c.spans[i].len);
    if (reg->project) {
        mdc_buf_puts(&c.out, "mdc.yaml ");
        mdc_buf_puts(&c.out, reg->project->canonical_json);
        mdc_buf_putc(&c.out, '\n');
    }
    mdc_xxh128_hex(c.out.ptr ? c.out.ptr : "", c.out.len, reg->checksum);
    ctx_free(&c);
}
