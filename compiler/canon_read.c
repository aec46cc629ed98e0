/*
 * canon_read.c - canonical JSON back into definitions; see canon_read.h.
 *
 * One reader per object of docs/canonical-form.md, each checking first that the object has
 * exactly the documented keys ("keys()"), then reading them.  Errors stop at the first
 * problem and name the JSON path ("documents[3].fields.email.type").  Nothing read here is
 * trusted more than YAML would be: names must be non-empty and free of U+0000, raw SQL must
 * pass mdc_sql_guard, types must parse.
 */
#include "canon_read.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../model/json.h"
#include "../model/types.h"
#include "canon.h"
#include "json_read.h"
#include "sql_guard.h"
#include "load_util.h"

typedef struct rd {
    mdc_arena *a;
    mdc_error *err;
    const char *path; /* source of the text */
    char where[256];  /* JSON path of the object being read */
} rd;

static int bad(rd *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int bad(rd *r, const char *fmt, ...)
{
    char msg[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return mdc_error_set(r->err, "%s: recorded registry state: %s%s%s", r->path ? r->path : "?",
                         r->where, r->where[0] ? ": " : "", msg);
}

static void at(rd *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void at(rd *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->where, sizeof r->where, fmt, ap);
    va_end(ap);
}

/* The object has exactly these keys (sorted list, NULL-terminated). */
/* The object v has every key of want, and no others but those of optional (may be NULL). */
static int keys_opt(rd *r, const mdc_value *v, const char *const *want, const char *const *optional)
{
    if (!v || v->kind != MDC_V_MAP) return bad(r, "an object expected");
    size_t n = 0;
    while (want[n]) n++;
    for (size_t i = 0; i < v->n; i++) {
        const char *k = v->items[2 * i]->s;
        bool known = false;
        for (size_t j = 0; j < n && !known; j++) known = strcmp(k, want[j]) == 0;
        for (size_t j = 0; optional && optional[j] && !known; j++) known = strcmp(k, optional[j]) == 0;
        if (!known) return bad(r, "unknown key \"%.80s\"", k);
    }
    for (size_t j = 0; j < n; j++)
        if (!mdc_json_get(v, want[j])) return bad(r, "missing key \"%s\"", want[j]);
    return 0;
}

static int keys(rd *r, const mdc_value *v, const char *const *want)
{
    return keys_opt(r, v, want, NULL);
}

/* A string without U+0000 (names, SQL, URIs) or NULL when null_ok and the value is null. */
static int str(rd *r, const mdc_value *v, const char *key, bool null_ok, const char **out)
{
    *out = NULL;
    if (v && v->kind == MDC_V_NULL && null_ok) return 0;
    if (!v || v->kind != MDC_V_STRING) return bad(r, "\"%s\" must be a string%s", key, null_ok ? " or null" : "");
    if (memchr(v->s, '\0', v->len)) return bad(r, "\"%s\" holds U+0000", key);
    *out = v->s;
    return 0;
}

static int name(rd *r, const mdc_value *v, const char *key, const char **out)
{
    if (str(r, v, key, false, out)) return -1;
    if (!**out) return bad(r, "\"%s\" is empty", key);
    return 0;
}

static int boolean(rd *r, const mdc_value *v, const char *key, bool *out)
{
    if (!v || v->kind != MDC_V_BOOL) return bad(r, "\"%s\" must be true or false", key);
    *out = v->b;
    return 0;
}

/* Raw SQL for the given readers (sql_guard.h), as the loader checks it. */
static int sql(rd *r, const mdc_value *v, const char *key, bool null_ok, unsigned readers, const char **out)
{
    if (str(r, v, key, null_ok, out)) return -1;
    if (!*out) return 0;
    const char *why = mdc_sql_guard_for(*out, readers, NULL);
    if (why) return bad(r, "\"%s\" is not a single SQL expression: %s", key, why);
    return 0;
}

/* A list of names: [str, ...]. */
static int names(rd *r, const mdc_value *v, const char *key, const char ***out, size_t *n)
{
    if (!v || v->kind != MDC_V_SEQ) return bad(r, "\"%s\" must be a list of names", key);
    const char **list = mdc_new_array(r->a, const char *, v->n + 1);
    for (size_t i = 0; i < v->n; i++)
        if (name(r, v->items[i], key, &list[i])) return -1;
    *out = list;
    *n = v->n;
    return 0;
}

/* One of the given words; *out = its index. */
static int word(rd *r, const mdc_value *v, const char *key, const char *const *words, size_t n, int *out)
{
    if (v && v->kind == MDC_V_STRING)
        for (size_t i = 0; i < n; i++)
            if (strcmp(v->s, words[i]) == 0) {
                *out = (int)i;
                return 0;
            }
    return bad(r, "\"%s\" has an unknown value", key);
}

/* version := "M.m.p" | "M.m.p-pre" | null */
static int semver(rd *r, const mdc_value *v, mdc_semver *out)
{
    memset(out, 0, sizeof *out);
    if (v && v->kind == MDC_V_NULL) return 0;
    const char *s;
    if (str(r, v, "version", false, &s)) return -1;
    unsigned long part[3];
    const char *p = s;
    for (int i = 0; i < 3; i++) {
        if (*p < '0' || *p > '9' || (*p == '0' && p[1] >= '0' && p[1] <= '9'))
            return bad(r, "\"version\" is not a semantic version");
        char *end;
        part[i] = strtoul(p, &end, 10);
        if (part[i] > UINT32_MAX) return bad(r, "\"version\" is out of range");
        p = end;
        if (i < 2 && *p++ != '.') return bad(r, "\"version\" is not a semantic version");
    }
    if (*p == '-') {
        if (!p[1]) return bad(r, "\"version\" has an empty pre-release");
        for (const char *q = p + 1; *q; q++)
            if (!(*q == '.' || *q == '-' || (*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'z') ||
                  (*q >= 'A' && *q <= 'Z')))
                return bad(r, "\"version\" has a bad pre-release");
        out->prerelease = mdc_strdup(r->a, p + 1);
    } else if (*p) {
        return bad(r, "\"version\" is not a semantic version");
    }
    out->present = true;
    out->major = (uint32_t)part[0];
    out->minor = (uint32_t)part[1];
    out->patch = (uint32_t)part[2];
    return 0;
}

static int type(rd *r, const mdc_value *v, const char *key, mdc_type *out)
{
    const char *s;
    if (str(r, v, key, false, &s)) return -1;
    const char *msg = NULL;
    if (mdc_type_parse(r->a, s, false, out, NULL, &msg, NULL) != MDC_TYPE_OK)
        return bad(r, "\"%s\": %s", key, msg ? msg : "not a type");
    return 0;
}

/* A meta object: {} reads as absent (which is how the loader represents no meta:). */
static int meta(rd *r, const mdc_value *v, const mdc_value **out)
{
    if (!v || v->kind != MDC_V_MAP) return bad(r, "\"meta\" must be an object");
    *out = v->n ? v : NULL;
    return 0;
}

/* ------------------------------------------------------------------ models */

static const char *const action_words[] = {"no_action", "restrict", "cascade", "set_null", "set_default"};

/*
 * default := null | LITERAL of the field's type, as the loader stores it:
 *   json          any JSON value ({} [] and nesting included: the loader takes any YAML)
 *   T[]           a list of literals of T
 *   other types   a scalar (bool, number or string; decimals are strings)
 * Integer literals of float fields were written as plain digits: they are read as floats,
 * as the loader stores them (the diff compares value kinds).
 */
static int check_default(rd *r, mdc_value *v, const mdc_type *t)
{
    if (t->array) {
        if (v->kind != MDC_V_SEQ) return bad(r, "\"default\" of a %s field must be a list", mdc_type_canonical(r->a, t));
        mdc_type elem = *t;
        elem.array = false;
        for (size_t i = 0; i < v->n; i++)
            if (check_default(r, v->items[i], &elem)) return -1;
        return 0;
    }
    if (t->base == MDC_T_JSON) return 0;
    if (v->kind == MDC_V_SEQ || v->kind == MDC_V_MAP || v->kind == MDC_V_NULL)
        return bad(r, "\"default\" of a %s field must be a literal", mdc_type_canonical(r->a, t));
    if ((t->base == MDC_T_FLOAT32 || t->base == MDC_T_FLOAT64) && v->kind == MDC_V_INT) {
        v->kind = MDC_V_FLOAT;
        v->f = (double)v->i;
        v->i = 0;
    }
    return 0;
}

static int read_field(rd *r, const mdc_value *v, mdc_field *f)
{
    static const char *const fkeys[] = {"default", "default_expr", "description", "identity", "meta",
                                        "nullable", "references", "type", "unique", NULL};
    if (keys(r, v, fkeys)) return -1;
    if (type(r, mdc_json_get(v, "type"), "type", &f->type)) return -1;
    if (boolean(r, mdc_json_get(v, "nullable"), "nullable", &f->nullable)) return -1;
    if (boolean(r, mdc_json_get(v, "identity"), "identity", &f->identity)) return -1;
    if (boolean(r, mdc_json_get(v, "unique"), "unique", &f->unique)) return -1;
    if (str(r, mdc_json_get(v, "description"), "description", true, &f->description)) return -1;
    if (meta(r, mdc_json_get(v, "meta"), &f->meta)) return -1;

    const mdc_value *d = mdc_json_get(v, "default");
    if (d->kind != MDC_V_NULL) {
        if (check_default(r, (mdc_value *)d, &f->type)) return -1;
        f->default_value = d;
    }
    const mdc_value *dx = mdc_json_get(v, "default_expr");
    if (dx->kind == MDC_V_STRING) {
        static const char *const dx_words[] = {"now", "current_date", "uuid"};
        int i = 0;
        if (word(r, dx, "default_expr", dx_words, 3, &i)) return -1;
        f->default_expr = i == 0 ? MDC_DX_NOW : i == 1 ? MDC_DX_CURRENT_DATE : MDC_DX_UUID;
    } else if (dx->kind == MDC_V_MAP) {
        static const char *const ckeys[] = {"postgres", "sqlite", NULL};
        if (keys(r, dx, ckeys)) return -1;
        f->default_expr = MDC_DX_CUSTOM;
        if (sql(r, mdc_json_get(dx, "postgres"), "default_expr.postgres", true, MDC_SQL_FOR_POSTGRES, &f->default_pg)) return -1;
        if (sql(r, mdc_json_get(dx, "sqlite"), "default_expr.sqlite", true, MDC_SQL_FOR_SQLITE, &f->default_sqlite)) return -1;
    } else if (dx->kind != MDC_V_NULL) {
        return bad(r, "\"default_expr\" must be null, a word or an object");
    }
    if (f->default_value && f->default_expr) return bad(r, "\"default\" and \"default_expr\" are exclusive");

    const mdc_value *ref = mdc_json_get(v, "references");
    if (ref->kind != MDC_V_NULL) {
        static const char *const rkeys[] = {"field", "model", "on_delete", "on_update", NULL};
        if (keys(r, ref, rkeys)) return -1;
        if (name(r, mdc_json_get(ref, "model"), "model", &f->ref_model)) return -1;
        if (str(r, mdc_json_get(ref, "field"), "field", true, &f->ref_field)) return -1;
        int od = 0, ou = 0;
        if (word(r, mdc_json_get(ref, "on_delete"), "on_delete", action_words, 5, &od)) return -1;
        if (word(r, mdc_json_get(ref, "on_update"), "on_update", action_words, 5, &ou)) return -1;
        f->on_delete = (mdc_fk_action)od;
        f->on_update = (mdc_fk_action)ou;
    }
    return 0;
}

static int read_index(rd *r, const mdc_value *v, mdc_index *ix)
{
    static const char *const ikeys[] = {"fields", "name", "unique", "where", NULL};
    if (keys(r, v, ikeys)) return -1;
    if (str(r, mdc_json_get(v, "name"), "name", true, &ix->name)) return -1;
    if (ix->name && !*ix->name) return bad(r, "\"name\" is empty");
    if (boolean(r, mdc_json_get(v, "unique"), "unique", &ix->unique)) return -1;
    if (sql(r, mdc_json_get(v, "where"), "where", true, MDC_SQL_FOR_BOTH, &ix->where)) return -1;
    const mdc_value *fs = mdc_json_get(v, "fields");
    if (fs->kind != MDC_V_SEQ || fs->n == 0) return bad(r, "\"fields\" must be a non-empty list");
    ix->cols = mdc_new_array(r->a, mdc_index_col, fs->n);
    ix->ncols = fs->n;
    for (size_t i = 0; i < fs->n; i++) {
        static const char *const ckeys[] = {"name", "order", NULL};
        static const char *const orders[] = {"asc", "desc"};
        if (keys(r, fs->items[i], ckeys)) return -1;
        if (name(r, mdc_json_get(fs->items[i], "name"), "name", &ix->cols[i].field)) return -1;
        int o = 0;
        if (word(r, mdc_json_get(fs->items[i], "order"), "order", orders, 2, &o)) return -1;
        ix->cols[i].desc = o == 1;
    }
    return 0;
}

static int read_model(rd *r, const mdc_value *v, mdc_doc *d)
{
    static const char *const mkeys[] = {"checks", "description", "fields", "indexes", "kind",
                                        "meta", "name", "owner", "primary_key", "reserved",
                                        "schema", "source", "table", "tags", "unique",
                                        "version", NULL};
    if (keys(r, v, mkeys)) return -1;
    mdc_model *m = mdc_new(r->a, mdc_model);
    m->doc = d;
    d->body = m;
    char base[sizeof r->where];
    snprintf(base, sizeof base, "%s", r->where);
    if (name(r, mdc_json_get(v, "table"), "table", &m->table)) return -1;
    m->table_explicit = true;
    if (name(r, mdc_json_get(v, "schema"), "schema", &m->schema)) return -1;
    if (str(r, mdc_json_get(v, "source"), "source", true, &m->source)) return -1;
    if (str(r, mdc_json_get(v, "owner"), "owner", true, &m->owner)) return -1;
    if (meta(r, mdc_json_get(v, "meta"), &m->meta)) return -1;
    if (names(r, mdc_json_get(v, "tags"), "tags", &m->tags, &m->ntags)) return -1;
    if (names(r, mdc_json_get(v, "reserved"), "reserved", &m->reserved, &m->nreserved)) return -1;
    if (names(r, mdc_json_get(v, "primary_key"), "primary_key", &m->primary_key, &m->npk)) return -1;

    const mdc_value *fs = mdc_json_get(v, "fields");
    if (fs->kind != MDC_V_MAP) return bad(r, "\"fields\" must be an object");
    m->fields = mdc_new_array(r->a, mdc_field, fs->n + 1);
    m->nfields = fs->n;
    for (size_t i = 0; i < fs->n; i++) {
        mdc_field *f = &m->fields[i];
        f->name = fs->items[2 * i]->s;
        if (!*f->name) return bad(r, "a field has an empty name");
        f->position = (uint32_t)i;
        at(r, "%.100s.fields.%.100s", base, f->name);
        if (read_field(r, fs->items[2 * i + 1], f)) return -1;
    }
    at(r, "%s", base);
    for (size_t k = 0; k < m->npk; k++) {
        mdc_field *f = (mdc_field *)mdc_model_field(m, m->primary_key[k]);
        if (!f) return bad(r, "primary key field \"%.80s\" is not a field", m->primary_key[k]);
        f->primary_key = true;
    }

    const mdc_value *us = mdc_json_get(v, "unique");
    if (us->kind != MDC_V_SEQ) return bad(r, "\"unique\" must be a list");
    m->uniques = mdc_new_array(r->a, mdc_unique, us->n + 1);
    m->nuniques = us->n;
    for (size_t i = 0; i < us->n; i++) {
        mdc_unique *u = &m->uniques[i];
        if (names(r, us->items[i], "unique", &u->fields, &u->nfields)) return -1;
        if (u->nfields == 0) return bad(r, "an empty unique constraint");
        u->locs = mdc_new_array(r->a, mdc_loc, u->nfields);
    }

    const mdc_value *xs = mdc_json_get(v, "indexes");
    if (xs->kind != MDC_V_SEQ) return bad(r, "\"indexes\" must be a list");
    m->indexes = mdc_new_array(r->a, mdc_index, xs->n + 1);
    m->nindexes = xs->n;
    for (size_t i = 0; i < xs->n; i++) {
        at(r, "%.100s.indexes[%zu]", base, i);
        if (read_index(r, xs->items[i], &m->indexes[i])) return -1;
    }

    const mdc_value *cs = mdc_json_get(v, "checks");
    if (cs->kind != MDC_V_SEQ) return bad(r, "\"checks\" must be a list");
    m->checks = mdc_new_array(r->a, mdc_check, cs->n + 1);
    m->nchecks = cs->n;
    for (size_t i = 0; i < cs->n; i++) {
        static const char *const ckeys[] = {"expr", "name", NULL};
        at(r, "%.100s.checks[%zu]", base, i);
        if (keys(r, cs->items[i], ckeys)) return -1;
        if (str(r, mdc_json_get(cs->items[i], "name"), "name", true, &m->checks[i].name)) return -1;
        if (sql(r, mdc_json_get(cs->items[i], "expr"), "expr", false, MDC_SQL_FOR_BOTH, &m->checks[i].expr)) return -1;
    }
    at(r, "%s", base);
    return 0;
}

/* ------------------------------------------------------------------ other kinds */

static int read_source(rd *r, const mdc_value *v, mdc_doc *d)
{
    static const char *const skeys[] = {"description", "kind", "name", "type", "uri", "version", NULL};
    if (keys(r, v, skeys)) return -1;
    mdc_source *s = mdc_new(r->a, mdc_source);
    s->doc = d;
    d->body = s;
    if (name(r, mdc_json_get(v, "type"), "type", &s->type)) return -1;
    if (str(r, mdc_json_get(v, "uri"), "uri", false, &s->uri)) return -1;
    return 0;
}

static int read_entity(rd *r, const mdc_value *v, mdc_doc *d)
{
    static const char *const ekeys[] = {"description", "kind", "maps_to", "name", "version", NULL};
    if (keys(r, v, ekeys)) return -1;
    mdc_entity *e = mdc_new(r->a, mdc_entity);
    e->doc = d;
    d->body = e;
    if (names(r, mdc_json_get(v, "maps_to"), "maps_to", &e->maps_to, &e->nmaps)) return -1;
    e->maps_to_locs = mdc_new_array(r->a, mdc_loc, e->nmaps + 1);
    return 0;
}

static int read_contract(rd *r, const mdc_value *v, mdc_doc *d)
{
    static const char *const ckeys[] = {"compatibility", "consumer", "description", "fields", "kind",
                                        "model", "name", "version", NULL};
    static const char *const compat[] = {"backward", "forward", "full", "none"};
    if (keys(r, v, ckeys)) return -1;
    mdc_contract *k = mdc_new(r->a, mdc_contract);
    k->doc = d;
    d->body = k;
    int c = 0;
    if (word(r, mdc_json_get(v, "compatibility"), "compatibility", compat, 4, &c)) return -1;
    k->compatibility = (mdc_compat)c;
    if (name(r, mdc_json_get(v, "consumer"), "consumer", &k->consumer)) return -1;
    if (name(r, mdc_json_get(v, "model"), "model", &k->model)) return -1;
    const mdc_value *fs = mdc_json_get(v, "fields");
    if (fs->kind != MDC_V_MAP) return bad(r, "\"fields\" must be an object");
    k->fields = mdc_new_array(r->a, mdc_contract_field, fs->n + 1);
    k->nfields = fs->n;
    for (size_t i = 0; i < fs->n; i++) {
        mdc_contract_field *f = &k->fields[i];
        f->name = fs->items[2 * i]->s;
        const mdc_value *t = fs->items[2 * i + 1];
        if (t->kind == MDC_V_NULL) continue;
        mdc_type *ty = mdc_new(r->a, mdc_type);
        if (type(r, t, f->name, ty)) return -1;
        f->type = ty;
    }
    /* The canonical order is RFC 8785 key order; the loader sorts by name (strcmp).  They
     * agree for every name the loader accepts (ASCII), so nothing to re-sort here. */
    return 0;
}

/* A document of any kind: the members common to all, then the kind's own. */
static int read_doc(rd *r, const mdc_value *v, mdc_doc **out)
{
    *out = NULL;
    if (!v || v->kind != MDC_V_MAP) return bad(r, "a document must be an object");
    static const char *const kinds[] = {"contract", "entity", "model", "source"};
    int k = 0;
    if (word(r, mdc_json_get(v, "kind"), "kind", kinds, 4, &k)) return -1;
    mdc_doc *d = mdc_new(r->a, mdc_doc);
    d->kind = (mdc_kind)k;
    d->path = r->path ? r->path : "";
    d->blob_oid = "";
    d->loc.path = d->name_loc.path = d->version_loc.path = d->path;
    if (name(r, mdc_json_get(v, "name"), "name", &d->name)) return -1;
    if (str(r, mdc_json_get(v, "description"), "description", true, &d->description)) return -1;
    if (semver(r, mdc_json_get(v, "version"), &d->version)) return -1;
    int rc = 0;
    switch (d->kind) {
    case MDC_KIND_MODEL:
        rc = read_model(r, v, d);
        break;
    case MDC_KIND_SOURCE:
        rc = read_source(r, v, d);
        break;
    case MDC_KIND_ENTITY:
        rc = read_entity(r, v, d);
        break;
    case MDC_KIND_CONTRACT:
        rc = read_contract(r, v, d);
        break;
    }
    if (rc) return -1;
    *out = d;
    return 0;
}

int mdc_canon_read_doc(mdc_doc **out, mdc_arena *a, const mdc_value *v, const char *path,
                       mdc_error *err)
{
    rd r = {a, err, path, ""};
    return read_doc(&r, v, out);
}

/* ------------------------------------------------------------------ project */

static int read_project(rd *r, const mdc_value *v, mdc_project **out)
{
    static const char *const pkeys[] = {"dialects", "max_risk", "migrations", "models", "postgres",
                                        "project", "reserved_models", "rules", "snapshot",
                                        "version", NULL};
    static const char *const popt[] = {"sqlite", NULL};
    static const char *const risks[] = {"LOW", "MEDIUM", "HIGH", "CRITICAL"};
    static const char *const bumps[] = {"none", "patch", "minor", "major"};
    *out = NULL;
    if (keys_opt(r, v, pkeys, popt)) return -1;
    mdc_project *p = mdc_new(r->a, mdc_project);
    p->path = "mdc.yaml";
    p->version_loc.path = "mdc.yaml";
    if (name(r, mdc_json_get(v, "project"), "project", &p->name)) return -1;
    if (semver(r, mdc_json_get(v, "version"), &p->version)) return -1;
    if (names(r, mdc_json_get(v, "models"), "models", &p->model_dirs, &p->nmodel_dirs)) return -1;
    const char **dialects;
    size_t nd;
    if (names(r, mdc_json_get(v, "dialects"), "dialects", &dialects, &nd)) return -1;
    for (size_t i = 0; i < nd; i++) {
        if (strcmp(dialects[i], "postgres") == 0)
            p->dialect_postgres = true;
        else if (strcmp(dialects[i], "sqlite") == 0)
            p->dialect_sqlite = true;
        else
            return bad(r, "unknown dialect \"%.40s\"", dialects[i]);
    }
    if (name(r, mdc_json_get(v, "migrations"), "migrations", &p->migrations)) return -1;
    if (name(r, mdc_json_get(v, "snapshot"), "snapshot", &p->snapshot)) return -1;
    int risk = 0;
    if (word(r, mdc_json_get(v, "max_risk"), "max_risk", risks, 4, &risk)) return -1;
    p->max_risk = (mdc_risk)risk;
    const mdc_value *pg = mdc_json_get(v, "postgres");
    static const char *const pgkeys[] = {"schema", NULL};
    if (keys(r, pg, pgkeys)) return -1;
    if (name(r, mdc_json_get(pg, "schema"), "schema", &p->pg_schema)) return -1;
    const mdc_value *lite = mdc_json_get(v, "sqlite");
    if (lite) {
        /* written only when set to table (see canon.c) */
        static const char *const litekeys[] = {"dataflow_registry", NULL};
        static const char *const kinds[] = {"table"};
        int k = 0;
        if (keys(r, lite, litekeys)) return -1;
        if (word(r, mdc_json_get(lite, "dataflow_registry"), "dataflow_registry", kinds, 1, &k)) return -1;
        p->sqlite_registry_table = true;
    }
    if (names(r, mdc_json_get(v, "reserved_models"), "reserved_models", &p->reserved_models,
              &p->nreserved_models))
        return -1;
    const mdc_value *rules = mdc_json_get(v, "rules");
    if (rules->kind != MDC_V_MAP) return bad(r, "\"rules\" must be an object");
    p->rules = mdc_new_array(r->a, mdc_rule_override, rules->n + 1);
    p->nrules = rules->n;
    for (size_t i = 0; i < rules->n; i++) {
        mdc_rule_override *o = &p->rules[i];
        const mdc_value *ov = rules->items[2 * i + 1];
        o->rule = rules->items[2 * i]->s;
        o->bump = o->risk = -1;
        o->loc.path = "mdc.yaml";
        if (!ov || ov->kind != MDC_V_MAP || ov->n == 0)
            return bad(r, "rule override \"%.60s\" must be a non-empty object", o->rule);
        for (size_t j = 0; j < ov->n; j++) {
            const char *k = ov->items[2 * j]->s;
            int w = 0;
            if (strcmp(k, "bump") == 0) {
                if (word(r, ov->items[2 * j + 1], "bump", bumps, 4, &w)) return -1;
                o->bump = w;
            } else if (strcmp(k, "risk") == 0) {
                if (word(r, ov->items[2 * j + 1], "risk", risks, 4, &w)) return -1;
                o->risk = w;
            } else {
                return bad(r, "rule override \"%.60s\" has unknown key \"%.40s\"", o->rule, k);
            }
        }
    }
    *out = p;
    return 0;
}

int mdc_canon_read_project(mdc_project **out, mdc_arena *a, const mdc_value *v, mdc_error *err)
{
    rd r = {a, err, NULL, "project"};
    return read_project(&r, v, out);
}

/* ------------------------------------------------------------------ the registry state */

static int cmp_doc(const void *pa, const void *pb)
{
    const mdc_doc *a = *(const mdc_doc *const *)pa, *b = *(const mdc_doc *const *)pb;
    if (a->kind != b->kind) return a->kind < b->kind ? -1 : 1;
    return strcmp(a->name, b->name);
}

/* References point at definitions of the same registry (what validation fills in). */
static void resolve_references(mdc_registry *reg)
{
    for (size_t i = 0; i < reg->ndocs; i++) {
        if (reg->docs[i]->kind != MDC_KIND_MODEL) continue;
        mdc_model *m = reg->docs[i]->body;
        for (size_t j = 0; j < m->nfields; j++) {
            mdc_field *f = &m->fields[j];
            if (!f->ref_model) continue;
            f->ref_target = mdc_registry_model(reg, f->ref_model);
            if (f->ref_target && f->ref_field) f->ref_target_field = mdc_model_field(f->ref_target, f->ref_field);
        }
    }
}

void mdc_canon_state_json(mdc_buf *out, const mdc_registry *reg)
{
    mdc_buf_puts(out, "{\"checksum\":");
    mdc_json_str(out, reg->checksum);
    mdc_buf_puts(out, ",\"documents\":[");
    for (size_t i = 0; i < reg->ndocs; i++) {
        if (i) mdc_buf_putc(out, ',');
        mdc_buf_puts(out, reg->docs[i]->canonical_json ? reg->docs[i]->canonical_json : "null");
    }
    mdc_buf_printf(out, "],\"format\":%d,\"project\":", MDC_STATE_FORMAT);
    mdc_buf_puts(out, reg->project && reg->project->canonical_json ? reg->project->canonical_json : "null");
    mdc_buf_putc(out, '}');
}

int mdc_canon_read_state(mdc_registry **out, mdc_arena *a, const char *text, size_t len,
                         const char *path, mdc_error *err)
{
    rd r = {a, err, path, ""};
    *out = NULL;
    mdc_json_read_error jerr;
    mdc_value *v = mdc_json_parse(a, text, len, NULL, &jerr);
    if (!v) return bad(&r, "invalid JSON at byte %zu: %s", jerr.offset, jerr.msg);
    static const char *const skeys[] = {"checksum", "documents", "format", "project", NULL};
    if (keys(&r, v, skeys)) return -1;
    const mdc_value *fmt = mdc_json_get(v, "format");
    if (fmt->kind != MDC_V_INT || fmt->i != MDC_STATE_FORMAT)
        return bad(&r, "unsupported \"format\" (this mdc reads format %d)", MDC_STATE_FORMAT);
    const char *want;
    if (str(&r, mdc_json_get(v, "checksum"), "checksum", false, &want)) return -1;
    if (strlen(want) != 32 || strspn(want, "0123456789abcdef") != 32)
        return bad(&r, "\"checksum\" must be 32 lowercase hex digits");

    mdc_registry *reg = mdc_new(a, mdc_registry);
    at(&r, "project");
    if (read_project(&r, mdc_json_get(v, "project"), &reg->project)) return -1;

    const mdc_value *docs = mdc_json_get(v, "documents");
    if (docs->kind != MDC_V_SEQ) return bad(&r, "\"documents\" must be a list");
    reg->docs = mdc_new_array(a, mdc_doc *, docs->n + 1);
    reg->ndocs = docs->n;
    for (size_t i = 0; i < docs->n; i++) {
        at(&r, "documents[%zu]", i);
        if (read_doc(&r, docs->items[i], &reg->docs[i])) return -1;
    }
    at(&r, "documents");
    if (reg->ndocs > 1) qsort(reg->docs, reg->ndocs, sizeof *reg->docs, cmp_doc);
    for (size_t i = 1; i < reg->ndocs; i++)
        if (cmp_doc(&reg->docs[i - 1], &reg->docs[i]) == 0)
            return bad(&r, "%s `%.80s` appears twice", mdc_kind_name(reg->docs[i]->kind), reg->docs[i]->name);
    resolve_references(reg);

    mdc_canon_registry(a, reg);
    at(&r, "%s", "");
    if (strcmp(reg->checksum, want) != 0) {
        /* Name the first document that does not read back to the text it was read from. */
        mdc_buf tmp = MDC_BUF_INIT;
        for (size_t i = 0; i < docs->n; i++) {
            mdc_buf_clear(&tmp);
            mdc_json_value(&tmp, docs->items[i]);
            const mdc_value *nm = mdc_json_get(docs->items[i], "name");
            const mdc_value *kd = mdc_json_get(docs->items[i], "kind");
            const mdc_doc *d = NULL;
            for (size_t j = 0; j < reg->ndocs; j++)
                if (strcmp(reg->docs[j]->name, nm->s) == 0 && strcmp(mdc_kind_name(reg->docs[j]->kind), kd->s) == 0)
                    d = reg->docs[j];
            if (d && strcmp(tmp.ptr, d->canonical_json) != 0) {
                mdc_buf_free(&tmp);
                return bad(&r, "%s `%.80s` is not in canonical form (the text was edited by hand "
                               "or written by another mdc version)",
                           kd->s, nm->s);
            }
        }
        mdc_buf_free(&tmp);
        return bad(&r, "checksum mismatch: recorded %s, the recorded definitions give %s (the "
                       "migration file was edited)",
                   want, reg->checksum);
    }
    *out = reg;
    return 0;
}
