/*
 * sql_common.c - what both SQL dialects share (see sql.h): escaping, object names, the
 * risk gate, the plan (which tables change and how their fields pair up), the header
 * comment and the recorded-state line.
 */
#include "sql.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../compiler/canon.h"
#include "../compiler/canon_read.h"
#include "../compiler/sql_guard.h"
#include "../model/json.h"
#include "../model/types.h"

const char *mdc_dialect_name(mdc_dialect d)
{
    return d == MDC_DIALECT_SQLITE ? "sqlite" : "postgres";
}

/* ------------------------------------------------------------------ escaping */

void mdc_sql_ident(mdc_buf *b, const char *s)
{
    mdc_buf_putc(b, '"');
    for (const char *p = s ? s : ""; *p; p++) {
        if (*p == '"') mdc_buf_putc(b, '"');
        mdc_buf_putc(b, *p);
    }
    mdc_buf_putc(b, '"');
}

/* s[0, len) between quotes, with every quote doubled and, when `backslashes`, every
 * backslash doubled too.  Runs between the special characters are copied whole: registry
 * states are megabytes of text. */
static void quote_run(mdc_buf *b, const char *s, size_t len, bool backslashes)
{
    mdc_buf_putc(b, '\'');
    size_t i = 0;
    while (s && i < len) {
        size_t run = 0;
        if (!backslashes) {
            const char *q = memchr(s + i, '\'', len - i);
            run = q ? (size_t)(q - (s + i)) : len - i;
        } else {
            while (i + run < len && s[i + run] != '\'' && s[i + run] != '\\')
                run++;
        }
        mdc_buf_put(b, s + i, run);
        i += run;
        if (i < len) { /* a quote or a backslash: written twice */
            mdc_buf_putc(b, s[i]);
            mdc_buf_putc(b, s[i]);
            i++;
        }
    }
    mdc_buf_putc(b, '\'');
}

void mdc_sql_str(mdc_buf *b, mdc_dialect d, const char *s, size_t len)
{
    mdc_buf_grow(b, len + 3);
    /* PostgreSQL reads a backslash in '...' as an escape when standard_conforming_strings
     * is off, and a server parses a whole request before the file's SET LOCAL runs: a
     * literal holding one is written E'...', which means the same under both settings. */
    bool escape = d == MDC_DIALECT_POSTGRES && s && memchr(s, '\\', len);
    if (escape) mdc_buf_putc(b, 'E');
    quote_run(b, s, len, escape);
}

void mdc_sql_comment(mdc_buf *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++)
        mdc_buf_putc(b, *p < 0x20 || *p == 0x7f ? ' ' : (char)*p);
}

void mdc_sql_appendf(mdc_buf *b, mdc_dialect d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    for (const char *p = fmt; *p; p++) {
        if (*p != '%') {
            const char *q = strchr(p, '%');
            size_t n = q ? (size_t)(q - p) : strlen(p);
            mdc_buf_put(b, p, n);
            p += n - 1;
            continue;
        }
        p++;
        switch (*p) {
        case 'I':
            mdc_sql_ident(b, va_arg(ap, const char *));
            break;
        case 'L': {
            const char *s = va_arg(ap, const char *);
            mdc_sql_str(b, d, s, s ? strlen(s) : 0);
            break;
        }
        case 'E':
            mdc_sql_expr_write(b, va_arg(ap, const char *),
                               d == MDC_DIALECT_SQLITE ? MDC_SQL_FOR_SQLITE : MDC_SQL_FOR_POSTGRES);
            break;
        case 's':
            mdc_buf_puts(b, va_arg(ap, const char *));
            break;
        case 'd':
            mdc_buf_printf(b, "%d", va_arg(ap, int));
            break;
        case 'u':
            mdc_buf_printf(b, "%u", va_arg(ap, unsigned));
            break;
        case 'z':
            mdc_buf_printf(b, "%zu", va_arg(ap, size_t));
            break;
        case '%':
            mdc_buf_putc(b, '%');
            break;
        default: /* a bug in a format string of ours: make it visible, never silent */
            mdc_buf_puts(b, "%?");
            if (!*p) p--;
            break;
        }
    }
    va_end(ap);
}

/* ------------------------------------------------------------------ names */

/* a, "_" and b joined in the arena (no printf: validation names every object of 10,000
 * models this way) */
static const char *join(mdc_arena *a, const char *x, const char *sep, const char *y)
{
    size_t nx = strlen(x), ns = strlen(sep), ny = strlen(y);
    char *r = mdc_alloc(a, nx + ns + ny + 1);
    memcpy(r, x, nx);
    memcpy(r + nx, sep, ns);
    memcpy(r + nx + ns, y, ny + 1);
    return r;
}

const char *mdc_sql_name(mdc_arena *a, const char *base, const char *suffix)
{
    const char *full = join(a, base, "_", suffix);
    size_t n = strlen(full);
    if (n <= 63) return full;
    char h[33];
    mdc_xxh128_hex(full, n, h);
    size_t keep = 63 - 1 - 8 - 1 - strlen(suffix); /* base' + "_" + hash8 + "_" + suffix */
    if (strlen(suffix) > 40) keep = 10;
    while (keep > 0 && ((unsigned char)base[keep] & 0xC0) == 0x80) keep--; /* UTF-8 boundary */
    const char *r = mdc_printf(a, "%.*s_%.8s_%s", (int)keep, base, h, suffix);
    if (strlen(r) > 63) r = mdc_printf(a, "mdc_%.32s", h);
    return r;
}

static const char *cols_base(mdc_arena *a, const mdc_model *m, const char *const *cols, size_t n)
{
    if (n == 1) return join(a, m->table, "_", cols[0]);
    mdc_buf b = MDC_BUF_INIT;
    mdc_buf_puts(&b, m->table);
    for (size_t i = 0; i < n; i++) {
        mdc_buf_putc(&b, '_');
        mdc_buf_puts(&b, cols[i]);
    }
    const char *s = mdc_strdup(a, b.ptr);
    mdc_buf_free(&b);
    return s;
}

const char *mdc_sql_pkey_name(mdc_arena *a, const mdc_model *m)
{
    return mdc_sql_name(a, m->table, "pkey");
}

const char *mdc_sql_unique_name(mdc_arena *a, const mdc_model *m, const char *const *cols, size_t n)
{
    return mdc_sql_name(a, cols_base(a, m, cols, n), "key");
}

const char *mdc_sql_fkey_name(mdc_arena *a, const mdc_model *m, const mdc_field *f)
{
    return mdc_sql_name(a, cols_base(a, m, &f->name, 1), "fkey");
}

const char *mdc_sql_enum_check_name(mdc_arena *a, const mdc_model *m, const mdc_field *f)
{
    return mdc_sql_name(a, cols_base(a, m, &f->name, 1), "check");
}

const char *mdc_sql_check_name(mdc_arena *a, const mdc_model *m, const mdc_check *k)
{
    /* A named check keeps the name the definition gives it (unique within its table). */
    if (k->name) return strlen(k->name) <= 63 ? k->name : mdc_sql_name(a, k->name, "check");
    char h[33];
    mdc_xxh128_hex(k->expr, strlen(k->expr), h);
    return mdc_sql_name(a, m->table, mdc_printf(a, "%.8s_check", h));
}

const char *mdc_sql_index_name(mdc_arena *a, const mdc_model *m, const mdc_index *ix)
{
    if (ix->name) return ix->name;
    const char **cols = mdc_new_array(a, const char *, ix->ncols + 1);
    bool plain = !ix->unique && !ix->where;
    for (size_t i = 0; i < ix->ncols; i++) {
        cols[i] = ix->cols[i].field;
        if (ix->cols[i].desc) plain = false;
    }
    const char *base = cols_base(a, m, cols, ix->ncols);
    if (plain) return mdc_sql_name(a, base, "idx");
    /* Anything beyond plain columns: a hash of the definition tells variants apart. */
    mdc_buf b = MDC_BUF_INIT;
    for (size_t i = 0; i < ix->ncols; i++)
        mdc_buf_printf(&b, "%s%s\n", ix->cols[i].field, ix->cols[i].desc ? " desc" : "");
    mdc_buf_printf(&b, "unique=%d\nwhere=%s", ix->unique, ix->where ? ix->where : "");
    char h[33];
    mdc_xxh128_hex(b.ptr, b.len, h);
    mdc_buf_free(&b);
    return mdc_sql_name(a, base, mdc_printf(a, "%.6s_idx", h));
}

const char *mdc_sql_identity_seq_name(mdc_arena *a, const mdc_model *m, const mdc_field *f)
{
    /* PostgreSQL's makeObjectName(table, column, "seq"): shorten the longer part by one byte
     * at a time until "<t>_<c>_seq" fits NAMEDATALEN - 1.  Names are ASCII (the loader's
     * name rules), so no multibyte clipping is needed. */
    size_t t = strlen(m->table), c = strlen(f->name);
    const size_t avail = 63 - (1 + 1 + 3);
    while (t + c > avail) {
        if (t > c)
            t--;
        else
            c--;
    }
    return mdc_printf(a, "%.*s_%.*s_seq", (int)t, m->table, (int)c, f->name);
}

const char *mdc_sql_rebuild_name(mdc_arena *a, const mdc_model *m)
{
    return join(a, "mdc_new", "_", m->table);
}

bool mdc_sql_field_unique_constraint(const mdc_model *m, const mdc_field *f)
{
    return f->unique && !(m->npk == 1 && f->primary_key);
}

/* Appends one object; relation/constraint/lite say which namespaces it is in. */
static mdc_sql_object *add_object(mdc_sql_object *v, size_t *n, mdc_sql_obj_kind kind, const char *name,
                                  bool relation, bool constraint, bool lite)
{
    mdc_sql_object *o = &v[(*n)++];
    memset(o, 0, sizeof *o);
    o->kind = kind;
    o->name = name;
    o->relation = relation;
    o->constraint = constraint;
    o->lite = lite;
    return o;
}

size_t mdc_sql_model_objects(mdc_arena *a, const mdc_model *m, unsigned what, mdc_sql_object *v, size_t cap)
{
    /* the objects in the order the writers make them (sql_pg.c create_table, create_index;
     * sql_sqlite.c create_table_as, create_index, rebuild) */
    bool all = what != MDC_SQL_OBJS_KEYS;
    /* room for the most there can be: one pass over the fields (10,000 models have many) */
    size_t need = 3 + m->nuniques + m->nchecks + m->nindexes + 4 * m->nfields, n = 0;
    if (need > cap) return need;
    add_object(v, &n, MDC_SQL_OBJ_TABLE, m->table, true, false, true);
    if (m->npk) add_object(v, &n, MDC_SQL_OBJ_PKEY, mdc_sql_pkey_name(a, m), true, true, false);
    for (size_t i = 0; i < m->nfields; i++) {
        const mdc_field *f = &m->fields[i];
        if (!f->name) continue; /* not loaded: the loader said why */
        if (f->identity)
            add_object(v, &n, MDC_SQL_OBJ_SEQUENCE, mdc_sql_identity_seq_name(a, m, f), true, false, false)->field = f;
        if (mdc_sql_field_unique_constraint(m, f))
            add_object(v, &n, MDC_SQL_OBJ_UNIQUE, mdc_sql_unique_name(a, m, &f->name, 1), true, true, false)->field = f;
    }
    for (size_t i = 0; i < m->nuniques; i++)
        add_object(v, &n, MDC_SQL_OBJ_UNIQUE, mdc_sql_unique_name(a, m, m->uniques[i].fields, m->uniques[i].nfields),
                   true, true, false)->unique = &m->uniques[i];
    for (size_t i = 0; all && i < m->nfields; i++)
        if (m->fields[i].name && m->fields[i].type.base == MDC_T_ENUM)
            add_object(v, &n, MDC_SQL_OBJ_ENUM_CHECK, mdc_sql_enum_check_name(a, m, &m->fields[i]), false, true, false)
                ->field = &m->fields[i];
    for (size_t i = 0; all && i < m->nchecks; i++)
        add_object(v, &n, MDC_SQL_OBJ_CHECK, mdc_sql_check_name(a, m, &m->checks[i]), false, true, false)->check =
            &m->checks[i];
    for (size_t i = 0; all && i < m->nfields; i++)
        if (m->fields[i].name && m->fields[i].ref_model)
            add_object(v, &n, MDC_SQL_OBJ_FKEY, mdc_sql_fkey_name(a, m, &m->fields[i]), false, true, false)->field =
                &m->fields[i];
    for (size_t i = 0; i < m->nindexes; i++)
        add_object(v, &n, MDC_SQL_OBJ_INDEX, mdc_sql_index_name(a, m, &m->indexes[i]), true, false, true)->index =
            &m->indexes[i];
    add_object(v, &n, MDC_SQL_OBJ_REBUILD, mdc_sql_rebuild_name(a, m), false, false, true);
    return n;
}

const char *const *mdc_sql_own_names(mdc_dialect d)
{
    /* PostgreSQL: the recording table, the index of its primary key, DataFlow's registry
     * view (or table).  SQLite: the same two, and the temporary table "mdc_check", which
     * would hide a table of that name from the file's unqualified statements. */
    static const char *const pg[] = {"dataflow_migrations", "dataflow_migrations_pkey", "dataflow_model_registry",
                                     NULL};
    static const char *const lite[] = {"dataflow_migrations", "dataflow_model_registry", "mdc_check", NULL};
    return d == MDC_DIALECT_SQLITE ? lite : pg;
}

const mdc_model *mdc_sql_ref_model(const mdc_registry *r, const mdc_field *f)
{
    if (!f->ref_model) return NULL;
    return mdc_registry_model(r, f->ref_model);
}

const char *mdc_sql_ref_column(const mdc_registry *r, const mdc_field *f)
{
    if (f->ref_field) return f->ref_field;
    const mdc_model *t = mdc_sql_ref_model(r, f);
    return t && t->npk == 1 ? t->primary_key[0] : NULL;
}

/* ------------------------------------------------------------------ risk gate */

static bool has_name(const char *const *list, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], name) == 0) return true;
    return false;
}

static bool reserved_removal(const mdc_doc_diff *dd, const mdc_change *ch, const mdc_registry *head)
{
    if (strcmp(ch->rule, "MODEL_REMOVED") == 0) {
        const mdc_project *p = head->project;
        return p && has_name(p->reserved_models, p->nreserved_models, dd->name);
    }
    if (strcmp(ch->rule, "FIELD_REMOVED") == 0 && dd->head && dd->kind == MDC_KIND_MODEL && ch->field) {
        const mdc_model *m = dd->head->body;
        return has_name(m->reserved, m->nreserved, ch->field);
    }
    return false;
}

size_t mdc_sql_gate(mdc_arena *a, const mdc_diff *df, const mdc_registry *head, mdc_risk max,
                    mdc_sql_refusal **out)
{
    size_t n = 0;
    for (size_t i = 0; i < df->ndocs; i++) n += df->docs[i]->nchanges;
    mdc_sql_refusal *v = mdc_new_array(a, mdc_sql_refusal, n + 1);
    size_t k = 0;
    bool both = head->project && head->project->dialect_postgres && head->project->dialect_sqlite;
    for (size_t i = 0; i < df->ndocs; i++) {
        const mdc_doc_diff *dd = df->docs[i];
        for (size_t j = 0; j < dd->nchanges; j++) {
            const mdc_change *ch = dd->changes[j];
            const char *why = NULL;
            if (both && ch->old_field && ch->new_field && strncmp(ch->rule, "FIELD_TYPE_", 11) == 0)
                why = mdc_sql_type_change_refusal(&ch->old_field->type, &ch->new_field->type);
            if (!why && (ch->risk <= max || reserved_removal(dd, ch, head))) continue;
            v[k].doc = dd;
            v[k].why = why;
            v[k++].change = ch;
        }
    }
    *out = v;
    return k;
}

mdc_risk mdc_sql_highest_risk(const mdc_diff *df)
{
    mdc_risk r = MDC_RISK_LOW;
    for (size_t i = 0; i < df->ndocs; i++)
        for (size_t j = 0; j < df->docs[i]->nchanges; j++)
            if (df->docs[i]->changes[j]->risk > r) r = df->docs[i]->changes[j]->risk;
    return r;
}

/* ------------------------------------------------------------------ the plan */

bool mdc_sql_field_equal_shape(const mdc_field *a, const mdc_field *b)
{
    return a && b && mdc_type_equal(&a->type, &b->type) && a->nullable == b->nullable;
}

/* Pairs fields of a base and a head model the way the diff does: by name, then through
 * renamed_from onto a base name the head no longer has. */
static void pair_fields(mdc_arena *a, mdc_sql_table *t, const mdc_model *bm, const mdc_model *hm)
{
    size_t nb = bm ? bm->nfields : 0, nh = hm ? hm->nfields : 0;
    const mdc_field **base_of = mdc_new_array(a, const mdc_field *, nh + 1);
    bool *used = mdc_new_array(a, bool, nb + 1);
    for (size_t j = 0; j < nh; j++)
        for (size_t i = 0; i < nb; i++)
            if (!used[i] && strcmp(bm->fields[i].name, hm->fields[j].name) == 0) {
                used[i] = true;
                base_of[j] = &bm->fields[i];
                break;
            }
    for (size_t j = 0; j < nh; j++) {
        if (base_of[j] || !hm->fields[j].renamed_from) continue;
        for (size_t i = 0; i < nb; i++)
            if (!used[i] && strcmp(bm->fields[i].name, hm->fields[j].renamed_from) == 0) {
                used[i] = true;
                base_of[j] = &bm->fields[i];
                break;
            }
    }
    t->fields = mdc_new_array(a, mdc_sql_fpair, nb + nh + 1);
    for (size_t j = 0; j < nh; j++) t->fields[t->nfields++] = (mdc_sql_fpair){base_of[j], &hm->fields[j]};
    for (size_t i = 0; i < nb; i++)
        if (!used[i]) t->fields[t->nfields++] = (mdc_sql_fpair){&bm->fields[i], NULL};
}

/* For --down: the same pairs, the other way round (added fields become removed ones). */
static void swap_table(mdc_arena *a, mdc_sql_table *t)
{
    const mdc_model *m = t->old;
    t->old = t->new_;
    t->new_ = m;
    t->reserved_drop = false;
    mdc_sql_fpair *v = mdc_new_array(a, mdc_sql_fpair, t->nfields + 1);
    size_t n = 0;
    /* fields of the new side (old base) in their order first, then the dropped ones */
    if (t->new_)
        for (size_t i = 0; i < t->new_->nfields; i++)
            for (size_t k = 0; k < t->nfields; k++)
                if (t->fields[k].old == &t->new_->fields[i])
                    v[n++] = (mdc_sql_fpair){t->fields[k].new_, t->fields[k].old};
    for (size_t k = 0; k < t->nfields; k++)
        if (!t->fields[k].old) v[n++] = (mdc_sql_fpair){t->fields[k].new_, NULL};
    t->fields = v;
    t->nfields = n;
}

/* Depth-first order of created tables: referenced tables first. */
static void topo_visit(mdc_sql_table **in, size_t n, size_t i, int *state, mdc_sql_table **out,
                       size_t *nout, const mdc_registry *to)
{
    if (state[i]) return;
    state[i] = 1;
    const mdc_model *m = in[i]->new_;
    for (size_t f = 0; f < m->nfields; f++) {
        const mdc_model *t = mdc_sql_ref_model(to, &m->fields[f]);
        if (!t || t == m) continue;
        for (size_t j = 0; j < n; j++)
            if (in[j]->new_ == t) topo_visit(in, n, j, state, out, nout, to);
    }
    state[i] = 2;
    out[(*nout)++] = in[i];
}

static int cmp_table_name(const void *pa, const void *pb)
{
    const mdc_sql_table *a = pa, *b = pb;
    const mdc_model *x = a->new_ ? a->new_ : a->old, *y = b->new_ ? b->new_ : b->old;
    return strcmp(x->doc->name, y->doc->name);
}

static void operations_json(mdc_buf *b, const mdc_diff *df)
{
    mdc_buf_putc(b, '[');
    bool first = true;
    for (size_t i = 0; i < df->ndocs; i++) {
        const mdc_doc_diff *dd = df->docs[i];
        for (size_t j = 0; j < dd->nchanges; j++) {
            const mdc_change *ch = dd->changes[j];
            if (!first) mdc_buf_putc(b, ',');
            first = false;
            mdc_buf_puts(b, "{\"bump\":");
            mdc_json_str(b, mdc_bump_name(ch->bump));
            mdc_buf_puts(b, ",\"document\":");
            mdc_json_str(b, dd->name);
            mdc_buf_puts(b, ",\"field\":");
            if (ch->field)
                mdc_json_str(b, ch->field);
            else
                mdc_buf_puts(b, "null");
            mdc_buf_puts(b, ",\"kind\":");
            mdc_json_str(b, mdc_kind_name(dd->kind));
            mdc_buf_puts(b, ",\"message\":");
            mdc_json_str(b, ch->message);
            mdc_buf_puts(b, ",\"risk\":");
            mdc_json_str(b, mdc_risk_name(ch->risk));
            mdc_buf_puts(b, ",\"rule\":");
            mdc_json_str(b, ch->rule);
            mdc_buf_putc(b, '}');
        }
    }
    mdc_buf_putc(b, ']');
}

int mdc_sql_plan_build(mdc_sql_plan *p, mdc_arena *a, const mdc_registry *base,
                       const mdc_registry *head, const mdc_diff *df, const mdc_sql_opts *o,
                       mdc_error *err)
{
    memset(p, 0, sizeof *p);
    if (!head->project) return mdc_error_set(err, "migration: the target state has no project");
    p->a = a;
    p->df = df;
    p->o = o;
    p->from = o->down ? head : base;
    p->to = o->down ? base : head;
    p->project = head->project->name;
    p->from_checksum = p->from->project ? p->from->checksum : "";
    p->to_checksum = p->to->project ? p->to->checksum : "";

    size_t n = 0;
    for (size_t i = 0; i < df->ndocs; i++)
        if (df->docs[i]->kind == MDC_KIND_MODEL) n++;
    mdc_sql_table *all = mdc_new_array(a, mdc_sql_table, n + 1);
    size_t k = 0;
    for (size_t i = 0; i < df->ndocs; i++) {
        const mdc_doc_diff *dd = df->docs[i];
        if (dd->kind != MDC_KIND_MODEL) continue;
        mdc_sql_table *t = &all[k++];
        t->old = dd->base ? dd->base->body : NULL;
        t->new_ = dd->head ? dd->head->body : NULL;
        pair_fields(a, t, t->old, t->new_);
        if (!t->new_) {
            const mdc_project *pr = head->project;
            t->reserved_drop = has_name(pr->reserved_models, pr->nreserved_models, dd->name);
        }
        if (o->down) swap_table(a, t);
    }
    if (k > 1) qsort(all, k, sizeof *all, cmp_table_name);

    /* paired tables by name, created ones referenced-first, dropped ones referencing-first */
    mdc_sql_table **created = mdc_new_array(a, mdc_sql_table *, k + 1);
    mdc_sql_table **dropped = mdc_new_array(a, mdc_sql_table *, k + 1);
    size_t nc = 0, nd = 0;
    p->tables = mdc_new_array(a, mdc_sql_table, k + 1);
    for (size_t i = 0; i < k; i++) {
        if (all[i].old && all[i].new_)
            p->tables[p->ntables++] = all[i];
        else if (all[i].new_)
            created[nc++] = &all[i];
        else
            dropped[nd++] = &all[i];
    }
    int *state = mdc_new_array(a, int, k + 1);
    mdc_sql_table **order = mdc_new_array(a, mdc_sql_table *, k + 1);
    size_t no = 0;
    for (size_t i = 0; i < nc; i++) topo_visit(created, nc, i, state, order, &no, p->to);
    for (size_t i = 0; i < no; i++) p->tables[p->ntables++] = *order[i];
    /* drops: a table is dropped after every dropped table referencing it */
    memset(state, 0, sizeof(int) * (k + 1));
    no = 0;
    for (size_t i = 0; i < nd; i++) { /* reuse topo on the old side by swapping temporarily */
        dropped[i]->new_ = dropped[i]->old;
    }
    for (size_t i = 0; i < nd; i++) topo_visit(dropped, nd, i, state, order, &no, p->from);
    for (size_t i = 0; i < nd; i++) dropped[i]->new_ = NULL;
    for (size_t i = no; i-- > 0;) p->tables[p->ntables++] = *order[i];

    mdc_buf b = MDC_BUF_INIT;
    if (p->to->project) {
        mdc_canon_state_json(&b, p->to);
        p->state_json = mdc_strdup(a, b.ptr);
    }
    mdc_buf_clear(&b);
    operations_json(&b, df);
    p->operations_json = mdc_strdup(a, b.ptr);
    mdc_buf_free(&b);
    (void)err;
    return 0;
}

/* ------------------------------------------------------------------ header */

void mdc_sql_header(mdc_buf *b, const mdc_sql_plan *p)
{
    const mdc_sql_opts *o = p->o;
    mdc_buf_puts(b, "-- mdc migration ");
    mdc_sql_comment(b, o->name);
    mdc_buf_printf(b, " (%s)%s\n", mdc_dialect_name(o->dialect), o->down ? ", DOWN: reverts " : "");
    if (o->down) {
        b->len -= 1;
        mdc_sql_comment(b, o->forward_name ? o->forward_name : "?");
        mdc_buf_putc(b, '\n');
    }
    mdc_buf_printf(b, "-- project:      ");
    mdc_sql_comment(b, p->project);
    mdc_buf_printf(b, "\n-- from:         %s\n", *p->from_checksum ? p->from_checksum : "(empty registry)");
    mdc_buf_printf(b, "-- to:           %s", *p->to_checksum ? p->to_checksum : "(empty registry)");
    if (o->to_version && !o->down) {
        mdc_buf_puts(b, " (registry version ");
        mdc_sql_comment(b, o->to_version);
        mdc_buf_putc(b, ')');
    }
    mdc_buf_printf(b, "\n-- bump:         %s\n", mdc_bump_name(p->df->bump));
    mdc_buf_printf(b, "-- highest risk: %s\n", mdc_risk_name(mdc_sql_highest_risk(p->df)));
    mdc_buf_puts(b, "-- changes:\n");
    size_t nch = 0;
    for (size_t i = 0; i < p->df->ndocs; i++) {
        const mdc_doc_diff *dd = p->df->docs[i];
        for (size_t j = 0; j < dd->nchanges; j++) {
            const mdc_change *ch = dd->changes[j];
            mdc_buf_printf(b, "--   %s ", mdc_kind_name(dd->kind));
            mdc_sql_comment(b, dd->name);
            mdc_buf_printf(b, ": %s %s/%s: ", ch->rule, mdc_bump_name(ch->bump), mdc_risk_name(ch->risk));
            mdc_sql_comment(b, ch->message);
            mdc_buf_putc(b, '\n');
            nch++;
        }
    }
    if (!nch) mdc_buf_puts(b, "--   (none)\n");
    mdc_buf_printf(b, "-- Generated by mdc %s. Do not edit: migrations/%s/mdc.sum chains the hash of "
                      "every file.\n",
                   o->tool_version ? o->tool_version : MDC_VERSION, mdc_dialect_name(o->dialect));
}

/* ------------------------------------------------------------------ the recorded state */

/* Decodes the literal text[open, stop) written by mdc_sql_str: '...' with '' for a quote,
 * or (escape) E'...' with '' or \' for a quote and \\ for a backslash.  True when it is
 * exactly one closed literal of that form. */
static bool decode_literal(const char *text, size_t open, size_t stop, bool escape, mdc_buf *out)
{
    mdc_buf_grow(out, stop - open);
    size_t k = open + 1;
    while (k < stop) {
        size_t run = 0;
        if (!escape) {
            const char *q = memchr(text + k, '\'', stop - k);
            run = q ? (size_t)(q - (text + k)) : stop - k;
        } else {
            while (k + run < stop && text[k + run] != '\'' && text[k + run] != '\\')
                run++;
        }
        mdc_buf_put(out, text + k, run);
        k += run;
        if (k >= stop) return false; /* never closed */
        if (text[k] == '\\') {     /* escape only: \\ or \' */
            if (k + 1 >= stop || (text[k + 1] != '\\' && text[k + 1] != '\'')) return false;
            mdc_buf_putc(out, text[k + 1]);
            k += 2;
        } else if (k + 1 < stop && text[k + 1] == '\'') {
            mdc_buf_putc(out, '\'');
            k += 2;
        } else {
            return k + 1 == stop; /* the closing quote ends the line's literal */
        }
    }
    return false;
}

int mdc_sql_find_state(const char *text, size_t len, char **json, size_t *json_len)
{
    /* The last line of the form '...' -- mdc:state (E'...' when the state holds a
     * backslash, in PostgreSQL files) whose literal is well formed.  Lines of other
     * multi-line literals (a description may hold newlines) can look similar, but mdc
     * writes the state line after every other literal but the canonical model texts, which
     * never hold a raw newline. */
    static const char tag[] = " -- mdc:state";
    const size_t tlen = sizeof tag - 1;
    *json = NULL;
    *json_len = 0;
    int found = 0;
    size_t i = 0;
    while (i < len) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - text) : len;
        bool escape = end - i > 1 && text[i] == 'E' && text[i + 1] == '\'';
        size_t open = escape ? i + 1 : i;
        if (end - open > tlen + 1 && text[open] == '\'' && memcmp(text + end - tlen, tag, tlen) == 0) {
            mdc_buf b = MDC_BUF_INIT;
            if (decode_literal(text, open, end - tlen, escape, &b)) {
                free(*json);
                *json_len = b.len;
                *json = b.ptr ? b.ptr : calloc(1, 1);
                found = *json ? 1 : -1;
            } else {
                mdc_buf_free(&b);
                if (!found) found = -1;
            }
        }
        i = end + 1;
    }
    return found;
}

int mdc_sql_migration(mdc_buf *out, mdc_arena *a, const mdc_registry *base,
                      const mdc_registry *head, const mdc_diff *df, const mdc_sql_opts *o,
                      mdc_error *err)
{
    mdc_sql_plan p;
    if (mdc_sql_plan_build(&p, a, base, head, df, o, err) < 0) return -1;
    return o->dialect == MDC_DIALECT_SQLITE ? mdc_sql_emit_sqlite(out, &p, err) : mdc_sql_emit_pg(out, &p, err);
}

/* ------------------------------------------------------------------ defaults */

static bool decimal_text(const char *s)
{
    const char *p = s;
    if (*p == '-') p++;
    size_t digits = 0, dots = 0;
    for (; *p; p++) {
        if (*p >= '0' && *p <= '9')
            digits++;
        else if (*p == '.' && !dots)
            dots++;
        else
            return false;
    }
    return digits > 0;
}

/* A literal of type t: numbers as numbers, everything else as a quoted string. */
static void literal(mdc_buf *b, mdc_arena *a, const mdc_value *v, const mdc_type *t, mdc_dialect d)
{
    mdc_buf tmp = MDC_BUF_INIT;
    if (t->array || t->base == MDC_T_JSON) {
        if (t->array && d == MDC_DIALECT_POSTGRES && v->kind == MDC_V_SEQ) {
            mdc_type elem = *t;
            elem.array = false;
            mdc_buf_puts(b, "CAST(ARRAY[");
            for (size_t i = 0; i < v->n; i++) {
                if (i) mdc_buf_puts(b, ", ");
                literal(b, a, v->items[i], &elem, d);
            }
            mdc_buf_printf(b, "]%s AS %s)", v->n ? "" : "::TEXT[]", mdc_type_pg(a, t));
            return;
        }
        mdc_json_value(&tmp, v); /* JSON text (SQLite arrays and json columns) */
        mdc_sql_str(b, d, tmp.ptr, tmp.len);
        mdc_buf_free(&tmp);
        return;
    }
    switch (v->kind) {
    case MDC_V_BOOL:
        mdc_buf_puts(b, d == MDC_DIALECT_POSTGRES ? (v->b ? "TRUE" : "FALSE") : (v->b ? "1" : "0"));
        break;
    case MDC_V_INT:
        mdc_buf_printf(b, "%lld", (long long)v->i);
        break;
    case MDC_V_FLOAT:
        mdc_json_double(&tmp, v->f);
        mdc_buf_put(b, tmp.ptr, tmp.len);
        break;
    case MDC_V_STRING:
        if (t->base == MDC_T_DECIMAL && decimal_text(v->s))
            mdc_buf_put(b, v->s, v->len);
        else
            mdc_sql_str(b, d, v->s, v->len);
        break;
    case MDC_V_NULL:
        mdc_buf_puts(b, "NULL");
        break;
    default:
        mdc_json_value(&tmp, v);
        mdc_sql_str(b, d, tmp.ptr, tmp.len);
        break;
    }
    mdc_buf_free(&tmp);
}

/* A version 4 UUID from randomblob(): xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx. */
static const char sqlite_uuid_v4[] =
    "(lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || "
    "substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || "
    "substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))))";

bool mdc_sql_default(mdc_buf *b, mdc_arena *a, const mdc_field *f, mdc_dialect d)
{
    bool pg = d == MDC_DIALECT_POSTGRES;
    if (f->identity) return false;
    switch (f->default_expr) {
    case MDC_DX_NOW:
        mdc_buf_puts(b, pg ? "now()" : "CURRENT_TIMESTAMP");
        return true;
    case MDC_DX_CURRENT_DATE:
        mdc_buf_puts(b, "CURRENT_DATE");
        return true;
    case MDC_DX_UUID:
        mdc_buf_puts(b, pg ? "gen_random_uuid()" : sqlite_uuid_v4);
        return true;
    case MDC_DX_CUSTOM: {
        const char *e = pg ? f->default_pg : f->default_sqlite;
        if (!e) return false;
        mdc_sql_appendf(b, d, "%E", e);
        return true;
    }
    case MDC_DX_NONE:
        break;
    }
    if (!f->default_value || f->default_value->kind == MDC_V_NULL) return false;
    literal(b, a, f->default_value, &f->type, d);
    return true;
}

/* ------------------------------------------------------------------ pairing lookups */

const mdc_model *mdc_sql_paired(const mdc_sql_plan *p, const mdc_model *m)
{
    if (!m) return NULL;
    for (size_t i = 0; i < p->ntables; i++)
        if (p->tables[i].old == m) return p->tables[i].new_;
    return mdc_registry_model(p->to, m->doc->name); /* unchanged */
}

const char *mdc_sql_paired_column(const mdc_sql_plan *p, const mdc_model *m, const char *col)
{
    if (!m || !col) return NULL;
    for (size_t i = 0; i < p->ntables; i++) {
        if (p->tables[i].old != m) continue;
        for (size_t k = 0; k < p->tables[i].nfields; k++)
            if (p->tables[i].fields[k].old && strcmp(p->tables[i].fields[k].old->name, col) == 0)
                return p->tables[i].fields[k].new_ ? p->tables[i].fields[k].new_->name : NULL;
        return NULL;
    }
    return col;
}

const char *mdc_sql_record_version(mdc_buf *buf, const char *version, const char *project)
{
    mdc_buf_clear(buf);
    mdc_buf_puts(buf, version ? version : "");
    if (project && *project) {
        mdc_buf_putc(buf, '+');
        for (const char *p = project; *p; p++) {
            char ch = *p;
            bool ok = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                      ch == '-';
            mdc_buf_putc(buf, ok ? ch : '-');
        }
    }
    return buf->ptr ? buf->ptr : "";
}

static bool is_int_base(mdc_base_type t)
{
    return t == MDC_T_INT16 || t == MDC_T_INT32 || t == MDC_T_INT64;
}

bool mdc_sql_misfit(mdc_buf *b, const char *col, const mdc_field *of, const mdc_field *nf, mdc_dialect d)
{
    const mdc_type *ot = &of->type, *nt = &nf->type;
    if (mdc_type_equal(ot, nt) || mdc_type_widens(ot, nt) || nt->array || ot->array) return false;
    bool pg = d == MDC_DIALECT_POSTGRES;
    switch (nt->base) {
    case MDC_T_STRING:
        if (nt->length <= 0) return false;
        mdc_sql_appendf(b, d, "length(CAST(%I AS %s)) > %d", col, pg ? "text" : "TEXT", (int)nt->length);
        return true;
    case MDC_T_DECIMAL:
        if (nt->precision <= 0) return false;
        if (pg) {
            /* a bool has no cast to numeric; its 1 that does not fit fails by itself */
            if (ot->base == MDC_T_BOOL) return false;
            /* text that is not a number fails the cast by itself */
            mdc_sql_appendf(b, d, "(CAST(%I AS numeric) <> round(CAST(%I AS numeric), %d) OR "
                               "abs(CAST(%I AS numeric)) >= 1e%d)",
                            col, col, (int)nt->scale, col, (int)(nt->precision - nt->scale));
        } else {
            /* compared through CAST: a TEXT column would make the comparisons textual */
            mdc_sql_appendf(b, d,
                            "(CAST(%I AS NUMERIC) IS NOT %I OR round(CAST(%I AS NUMERIC), %d) <> CAST(%I AS NUMERIC) OR "
                            "abs(CAST(%I AS NUMERIC)) >= 1e%d)",
                            col, col, col, (int)nt->scale, col, col, (int)(nt->precision - nt->scale));
        }
        return true;
    case MDC_T_INT16:
    case MDC_T_INT32:
    case MDC_T_INT64: {
        const char *range = nt->base == MDC_T_INT16   ? "-32768 AND 32767"
                            : nt->base == MDC_T_INT32 ? "-2147483648 AND 2147483647"
                                                      : NULL;
        if (pg) {
            /* text: only what SQLite's check below lets through, an integer in its plain
             * form (PostgreSQL also reads ' 7', '+7' and '007') */
            if (ot->base == MDC_T_STRING || ot->base == MDC_T_ENUM) {
                mdc_sql_appendf(b, d, "CAST(%I AS text) !~ '^(0|-?[1-9][0-9]*)$'", col);
                return true;
            }
            /* PostgreSQL rounds fractions when casting to an integer; overflow and
             * non-numbers fail by themselves */
            if (is_int_base(ot->base) || ot->base == MDC_T_BOOL) return false;
            if (ot->base != MDC_T_DECIMAL && ot->base != MDC_T_FLOAT32 && ot->base != MDC_T_FLOAT64) return false;
            mdc_sql_appendf(b, d, "CAST(%I AS numeric) <> trunc(CAST(%I AS numeric))", col, col);
            return true;
        }
        /* the range on the CAST: against a TEXT column the bounds would compare as text.
         * From text, only an integer in its plain form, as PostgreSQL's check above: the
         * comparison as text (an INTEGER CAST would read ' 7', '+7', '7.0' as 7) */
        if (ot->base == MDC_T_STRING || ot->base == MDC_T_ENUM)
            mdc_sql_appendf(b, d, "(CAST(CAST(%I AS INTEGER) AS TEXT) IS NOT %I", col, col);
        else
            mdc_sql_appendf(b, d, "(CAST(%I AS INTEGER) IS NOT %I", col, col);
        if (range) mdc_sql_appendf(b, d, " OR CAST(%I AS INTEGER) NOT BETWEEN %s", col, range);
        mdc_sql_appendf(b, d, ")");
        return true;
    }
    case MDC_T_FLOAT32:
    case MDC_T_FLOAT64:
        if (pg) {
            /* PostgreSQL rounds an int64 beyond 2^53 silently; SQLite's check refuses it */
            if (ot->base != MDC_T_INT64) return false;
            mdc_sql_appendf(b, d, "CAST(CAST(%I AS double precision) AS numeric) <> CAST(%I AS numeric)", col, col);
            return true;
        }
        mdc_sql_appendf(b, d, "CAST(%I AS REAL) IS NOT %I", col, col);
        return true;
    case MDC_T_BOOL:
        if (pg) return false;
        mdc_sql_appendf(b, d, "%I NOT IN (0, 1)", col);
        return true;
    default:
        return false;
    }
}

/* ------------------------------------------------------------------ type conversions */

/*
 * What a type change does to the stored values, per dialect (the SQLite side holds bool as
 * INTEGER 0/1, decimals in a NUMERIC column, dates, times and timestamps as the text
 * PostgreSQL prints for them, json and arrays as JSON text).  tests/sh/test_type_conversions.sh
 * applies every pair to the same rows on both databases and compares.
 *
 *   from -> to                          PostgreSQL              SQLite
 *   int -> wider int, int16 -> float32  v::T                    copied
 *   int -> float64, int -> decimal      v::T (+ misfit check)   CAST (+ misfit check)
 *   int/float/decimal -> int, decimal   v::T, fractions and     CAST, the same values
 *     (narrowing, float32 excepted)     out-of-range refused    refused
 *   float32 -> float64                  v::TEXT::T (the value   copied
 *                                       as printed, 0.1 stays
 *                                       0.1)
 *   bool -> int, float, decimal         v::INTEGER::T (1/0)     copied / CAST (1/0)
 *   bool -> string, enum                v::T ('true'/'false')   CASE ... 'true'/'false'
 *   int -> string, enum                 v::T                    CAST
 *   string/enum/uuid/date/time/         v::T                    copied (the same text)
 *     timestamp -> string, enum         (length/value checks)   (the same checks)
 *   string, enum -> int                 v::T, text other than   CAST, the same text
 *                                       0, 12, -12 refused      refused
 *
 * Everything else is refused when a project writes both dialects, for the reason given
 * below: the two databases would hold different values (or only one would accept them).
 */
static bool is_float_base(mdc_base_type t)
{
    return t == MDC_T_FLOAT32 || t == MDC_T_FLOAT64;
}

static bool is_text_base(mdc_base_type t)
{
    return t == MDC_T_STRING || t == MDC_T_ENUM;
}

const char *mdc_sql_type_change_refusal(const mdc_type *from, const mdc_type *to)
{
    if (mdc_type_equal(from, to)) return NULL;
    mdc_base_type f = from->base, t = to->base;
    if (from->array || to->array)
        return "arrays are JSON text in SQLite and arrays in PostgreSQL: no conversion gives the same values";
    if (f == MDC_T_BYTES || t == MDC_T_BYTES)
        return "bytes do not convert to or from other types alike (PostgreSQL escapes them, SQLite copies the bytes)";
    if (f == MDC_T_JSON || t == MDC_T_JSON)
        return "PostgreSQL parses json and prints it with its own spacing, SQLite keeps the text as it is";
    if (t == MDC_T_UUID || t == MDC_T_DATE || t == MDC_T_TIME || t == MDC_T_TIMESTAMP || t == MDC_T_TIMESTAMPTZ ||
        t == MDC_T_INTERVAL)
        return "PostgreSQL parses the value and prints it in its own form, SQLite keeps the text or number as it is";
    if (f == MDC_T_TIMESTAMPTZ || f == MDC_T_INTERVAL)
        return "PostgreSQL prints this type as the session's TimeZone/IntervalStyle say, SQLite keeps the stored text";
    if (t == MDC_T_BOOL)
        return "PostgreSQL converts only int32 and text to bool, by other rules than SQLite (which keeps the number "
               "or text)";
    if (is_text_base(t) && is_float_base(f))
        return "PostgreSQL and SQLite print floating-point numbers differently (1 and 1.0, 1e+30 and 1.0e+30)";
    if (is_text_base(t) && f == MDC_T_DECIMAL)
        return "SQLite keeps a decimal as an INTEGER or REAL and prints it without its scale (12.50 becomes 12.5)";
    if (!is_text_base(t) && !(is_text_base(f) && mdc_type_is_integer(to)) &&
        (is_text_base(f) || f == MDC_T_UUID || f == MDC_T_DATE || f == MDC_T_TIME || f == MDC_T_TIMESTAMP))
        return "PostgreSQL and SQLite read text as a number by different rules (' 7 ', '1e3', '0x1F'): the same "
               "rows would not convert alike";
    if (t == MDC_T_FLOAT32 && f != MDC_T_INT16 && f != MDC_T_BOOL)
        return "PostgreSQL rounds to single precision, SQLite keeps a double";
    return NULL;
}

void mdc_sql_convert(mdc_buf *b, mdc_arena *a, const char *col, const mdc_field *of, const mdc_field *nf,
                     mdc_dialect d)
{
    const mdc_type *ot = &of->type, *nt = &nf->type;
    bool scalar = !ot->array && !nt->array;
    if (d == MDC_DIALECT_POSTGRES) {
        const char *pt = mdc_type_pg(a, nt);
        if (scalar && ot->base == MDC_T_BOOL && nt->base != MDC_T_BOOL && !is_text_base(nt->base))
            mdc_sql_appendf(b, d, "%I::INTEGER::%s", col, pt); /* no cast from boolean but to int4 */
        else if (scalar && ot->base == MDC_T_FLOAT32 && nt->base == MDC_T_FLOAT64)
            mdc_sql_appendf(b, d, "%I::TEXT::%s", col, pt); /* 0.1 as printed, not 0.100000001490116 */
        else
            mdc_sql_appendf(b, d, "%I::%s", col, pt);
        return;
    }
    const char *lo = mdc_type_sqlite(ot), *ln = mdc_type_sqlite(nt);
    if (scalar && ot->base == MDC_T_BOOL && is_text_base(nt->base))
        mdc_sql_appendf(b, d, "CASE WHEN %I IS NULL THEN NULL WHEN %I THEN 'true' ELSE 'false' END", col, col);
    else if (strcmp(lo, ln) != 0)
        mdc_sql_appendf(b, d, "CAST(%I AS %s)", col, ln);
    else
        mdc_sql_appendf(b, d, "%I", col);
}
