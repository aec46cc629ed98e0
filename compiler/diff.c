/*
 * diff.c - compares two registries (SPEC 5); see diff.h.
 *
 * Scoping (SPEC 5.2, paragraph under the table): field-level constraint rules (UNIQUE_*,
 * FOREIGN_KEY_*, ENUM_*, FIELD_DEFAULT_*) apply to fields present on both sides; a new
 * field's constraints belong to its FIELD_ADDED_* hit, a removed field's to FIELD_REMOVED,
 * and an added or removed model's fields to its MODEL_* hit.  Indexes, checks and
 * multi-column unique constraints are objects of their own.
 *
 * Renames: `renamed_from` on the head side pairs a base model (or field) with a head one
 * of another name.  Names inside a renamed model (primary key, indexes, unique sets,
 * references to a renamed model) are compared after mapping base names to head names, so
 * that a rename alone is one FIELD_RENAMED / MODEL_RENAMED hit and nothing else.
 */
#include "diff.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../model/buf.h"
#include "../model/json.h"
#include "../model/types.h"

typedef struct ctx {
    mdc_arena *a;
    const mdc_registry *base, *head;
    const mdc_project *project; /* head project: rule overrides */
    mdc_diags *diags;
    /* model renames: base name -> head name */
    const char **ren_from, **ren_to;
    size_t nren;
    mdc_buf scratch;
} ctx;

/* ------------------------------------------------------------------ change records */

typedef struct doc_builder {
    mdc_doc_diff *dd;
    mdc_ptrvec changes;
} doc_builder;

static const mdc_rule_override *override_for(const ctx *c, const char *rule)
{
    if (!c->project) return NULL;
    for (size_t i = 0; i < c->project->nrules; i++)
        if (strcmp(c->project->rules[i].rule, rule) == 0) return &c->project->rules[i];
    return NULL;
}

/* Adds a hit of `rule` with the catalog defaults, adjusted by `bump_adj`/`risk_adj` when
 * they are >= 0 (the catalog's conditional cases), then by the project's overrides. */
static mdc_change *hit(ctx *c, doc_builder *b, const char *rule, const char *field, mdc_loc loc,
                       int bump_adj, int risk_adj, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));

static mdc_change *hit(ctx *c, doc_builder *b, const char *rule, const char *field, mdc_loc loc,
                       int bump_adj, int risk_adj, const char *fmt, ...)
{
    const mdc_rule_info *ri = mdc_rule_lookup(rule);
    mdc_change *ch = mdc_new(c->a, mdc_change);
    ch->rule = rule;
    ch->field = field;
    ch->loc = loc;
    ch->bump = ri ? ri->bump : MDC_BUMP_MAJOR;
    ch->risk = ri ? ri->risk : MDC_RISK_HIGH;
    ch->data_loss = ri && ri->data_loss;
    ch->data_dependent = ri && ri->data_dependent;
    if (bump_adj >= 0) ch->bump = (mdc_bump)bump_adj;
    if (risk_adj >= 0) ch->risk = (mdc_risk)risk_adj;
    const mdc_rule_override *ov = override_for(c, rule);
    if (ov && ov->bump >= 0) ch->bump = (mdc_bump)ov->bump;
    if (ov && ov->risk >= 0) ch->risk = (mdc_risk)ov->risk;
    va_list ap;
    va_start(ap, fmt);
    ch->message = mdc_vprintf(c->a, fmt, ap);
    va_end(ap);
    mdc_ptrvec_push(c->a, &b->changes, ch);
    return ch;
}

static int cmp_change(const void *pa, const void *pb)
{
    const mdc_change *a = *(const mdc_change *const *)pa;
    const mdc_change *b = *(const mdc_change *const *)pb;
    int r = strcmp(a->rule, b->rule);
    if (r) return r;
    if (!a->field || !b->field) return a->field ? 1 : b->field ? -1 : 0;
    r = strcmp(a->field, b->field);
    if (r) return r;
    return strcmp(a->message, b->message);
}

/* ------------------------------------------------------------------ small comparisons */

static bool str_eq(const char *a, const char *b)
{
    if (!a || !b) return a == b;
    return strcmp(a, b) == 0;
}

static bool value_eq(const mdc_value *a, const mdc_value *b)
{
    if (!a || !b) return a == b;
    if (a->kind != b->kind) return false;
    switch (a->kind) {
    case MDC_V_NULL:
        return true;
    case MDC_V_BOOL:
        return a->b == b->b;
    case MDC_V_INT:
        return a->i == b->i;
    case MDC_V_FLOAT:
        return a->f == b->f;
    case MDC_V_STRING:
        return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
    case MDC_V_SEQ:
    case MDC_V_MAP: {
        if (a->n != b->n) return false;
        size_t m = a->kind == MDC_V_MAP ? 2 * a->n : a->n;
        for (size_t i = 0; i < m; i++)
            if (!value_eq(a->items[i], b->items[i])) return false;
        return true;
    }
    }
    return false;
}

static bool strlist_eq(const char *const *a, size_t na, const char *const *b, size_t nb)
{
    if (na != nb) return false;
    for (size_t i = 0; i < na; i++)
        if (strcmp(a[i], b[i]) != 0) return false;
    return true;
}

static bool has_name(const char *const *list, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], name) == 0) return true;
    return false;
}

static bool has_default(const mdc_field *f)
{
    return f->default_value || f->default_expr != MDC_DX_NONE || f->identity;
}

static bool default_eq(const mdc_field *a, const mdc_field *b)
{
    return a->identity == b->identity && a->default_expr == b->default_expr &&
           str_eq(a->default_pg, b->default_pg) && str_eq(a->default_sqlite, b->default_sqlite) &&
           value_eq(a->default_value, b->default_value);
}

static const char *describe_default(ctx *c, const mdc_field *f)
{
    if (f->identity) return "identity";
    if (f->default_expr == MDC_DX_CUSTOM)
        return mdc_printf(c->a, "expression `%s`", f->default_pg ? f->default_pg : "");
    if (f->default_expr != MDC_DX_NONE)
        return mdc_printf(c->a, "`%s`", mdc_default_expr_name(f->default_expr));
    if (f->default_value) {
        mdc_buf_clear(&c->scratch);
        mdc_json_value(&c->scratch, f->default_value);
        return mdc_printf(c->a, "%s", c->scratch.ptr);
    }
    return "none";
}

static const char *type_str(ctx *c, const mdc_type *t)
{
    return mdc_type_canonical(c->a, t);
}

/* Base model name as the head side calls it (through model renames). */
static const char *head_model_name(const ctx *c, const char *base_name)
{
    if (!base_name) return NULL;
    for (size_t i = 0; i < c->nren; i++)
        if (strcmp(c->ren_from[i], base_name) == 0) return c->ren_to[i];
    return base_name;
}

/* Field renames inside one model pair: base name -> head name. */
typedef struct field_map {
    const mdc_field **base_of; /* per head field: its base field or NULL (added) */
    const mdc_field **head_of; /* per base field: its head field or NULL (removed) */
} field_map;

/* The same for the fields of a model pair (fm as built by diff_model's pairing): the head
 * field kept its own name from the base, which also has the hint's old name, gone from the
 * head. */
static void check_field_hints(ctx *c, const mdc_model *bm, const mdc_model *hm, const mdc_field *const *base_of)
{
    for (size_t j = 0; j < hm->nfields; j++) {
        const mdc_field *nf = &hm->fields[j];
        if (!nf->renamed_from || strcmp(nf->renamed_from, nf->name) == 0 || !base_of[j] ||
            strcmp(base_of[j]->name, nf->name) != 0)
            continue;
        if (!mdc_model_field(bm, nf->renamed_from) || mdc_model_field(hm, nf->renamed_from)) continue;
        mdc_loc l = nf->renamed_from_loc.line ? nf->renamed_from_loc : nf->loc;
        mdc_diag *d = mdc_diag_add(c->diags, MDC_ERROR, "RENAME_CONFLICT", hm->doc->path, l.line, l.col,
                                   "field `%s` of %s says `renamed_from: %s`, but the base revision has both "
                                   "`%s` and `%s`: the hint cannot apply, `%s` is compared with the base's `%s` "
                                   "and `%s` is removed",
                                   nf->name, hm->doc->name, nf->renamed_from, nf->renamed_from, nf->name, nf->name,
                                   nf->name, nf->renamed_from);
        mdc_diag_note(c->diags, d, "a rename pairs an old name with a new one; remove the hint (two fields "
                                   "cannot be merged by renaming)");
    }
}

static const char *head_field_name(const mdc_model *bm, const field_map *fm, const char *base_name)
{
    for (size_t i = 0; i < bm->nfields; i++)
        if (strcmp(bm->fields[i].name, base_name) == 0)
            return fm->head_of[i] ? fm->head_of[i]->name : base_name;
    return base_name;
}

/* ------------------------------------------------------------------ fields */

static bool volatile_default(const mdc_field *f)
{
    return f->default_expr == MDC_DX_NOW || f->default_expr == MDC_DX_UUID ||
           f->default_expr == MDC_DX_CUSTOM;
}

static void field_added(ctx *c, doc_builder *b, const mdc_field *f)
{
    mdc_change *ch;
    if (f->nullable) {
        ch = hit(c, b, "FIELD_ADDED_NULLABLE", f->name, f->loc, -1, -1,
                 "field `%s` (%s, nullable) added", f->name, type_str(c, &f->type));
    } else if (has_default(f)) {
        ch = hit(c, b, "FIELD_ADDED_WITH_DEFAULT", f->name, f->loc, -1,
                 volatile_default(f) ? MDC_RISK_MEDIUM : -1,
                 "field `%s` (%s) added with default %s%s", f->name, type_str(c, &f->type),
                 describe_default(c, f), volatile_default(f) ? " (volatile: rewrites the table)" : "");
    } else {
        ch = hit(c, b, "FIELD_ADDED_REQUIRED", f->name, f->loc, -1, -1,
                 "field `%s` (%s, NOT NULL, no default) added: fails on a table with rows",
                 f->name, type_str(c, &f->type));
    }
    ch->new_field = f;
}

static void enum_changes(ctx *c, doc_builder *b, const mdc_field *of, const mdc_field *nf)
{
    mdc_buf added = MDC_BUF_INIT, removed = MDC_BUF_INIT;
    for (size_t i = 0; i < nf->type.nvalues; i++)
        if (!has_name(of->type.values, of->type.nvalues, nf->type.values[i]))
            mdc_buf_printf(&added, "%s`%s`", added.len ? ", " : "", nf->type.values[i]);
    for (size_t i = 0; i < of->type.nvalues; i++)
        if (!has_name(nf->type.values, nf->type.nvalues, of->type.values[i]))
            mdc_buf_printf(&removed, "%s`%s`", removed.len ? ", " : "", of->type.values[i]);
    if (added.len) {
        mdc_change *ch = hit(c, b, "ENUM_VALUE_ADDED", nf->name, nf->type_loc, -1, -1,
                             "enum `%s` gained %s", nf->name, added.ptr);
        ch->old_field = of, ch->new_field = nf;
    }
    if (removed.len) {
        mdc_change *ch = hit(c, b, "ENUM_VALUE_REMOVED", nf->name, nf->type_loc, -1, -1,
                             "enum `%s` lost %s; rows holding it fail the new check", nf->name,
                             removed.ptr);
        ch->old_field = of, ch->new_field = nf;
    }
    mdc_buf_free(&added);
    mdc_buf_free(&removed);
}

static void field_changed(ctx *c, doc_builder *b, const mdc_field *of, const mdc_field *nf)
{
    const char *n = nf->name;
    mdc_change *ch;
#define PAIR(ch) ((ch)->old_field = of, (ch)->new_field = nf)

    if (strcmp(of->name, nf->name) != 0) {
        ch = hit(c, b, "FIELD_RENAMED", n, nf->loc, -1, -1, "field `%s` renamed to `%s`", of->name, n);
        PAIR(ch);
    }
    if (!mdc_type_equal(&of->type, &nf->type)) {
        if (of->type.base == MDC_T_ENUM && nf->type.base == MDC_T_ENUM && !of->type.array &&
            !nf->type.array) {
            enum_changes(c, b, of, nf);
        } else {
            const char *rule = mdc_type_widens(&of->type, &nf->type)    ? "FIELD_TYPE_WIDENED"
                               : mdc_type_narrows(&of->type, &nf->type) ? "FIELD_TYPE_NARROWED"
                                                                        : "FIELD_TYPE_CHANGED";
            ch = hit(c, b, rule, n, nf->type_loc, -1, -1, "type of `%s` %s from %s to %s", n,
                     rule[11] == 'W' ? "widened" : rule[11] == 'N' ? "narrowed" : "changed",
                     type_str(c, &of->type), type_str(c, &nf->type));
            PAIR(ch);
        }
    }
    if (of->nullable != nf->nullable) {
        ch = nf->nullable ? hit(c, b, "FIELD_MADE_NULLABLE", n, nf->loc, -1, -1,
                                "field `%s` became nullable", n)
                          : hit(c, b, "FIELD_MADE_REQUIRED", n, nf->loc, -1, -1,
                                "field `%s` became NOT NULL; existing NULLs make the migration fail", n);
        PAIR(ch);
    }
    if (!default_eq(of, nf)) {
        bool had = has_default(of), has = has_default(nf);
        if (!had)
            ch = hit(c, b, "FIELD_DEFAULT_ADDED", n, nf->loc, -1, -1, "field `%s` got default %s", n,
                     describe_default(c, nf));
        else if (!has)
            ch = hit(c, b, "FIELD_DEFAULT_REMOVED", n, nf->loc,
                     nf->nullable ? -1 : MDC_BUMP_MAJOR, -1,
                     "field `%s` lost its default %s%s", n, describe_default(c, of),
                     nf->nullable ? "" : " (NOT NULL: writers must now set it)");
        else
            ch = hit(c, b, "FIELD_DEFAULT_CHANGED", n, nf->loc, -1, -1,
                     "default of `%s` changed from %s to %s", n, describe_default(c, of),
                     describe_default(c, nf));
        PAIR(ch);
    }
    if (of->unique != nf->unique) {
        ch = nf->unique ? hit(c, b, "UNIQUE_ADDED", n, nf->loc, -1, -1,
                              "field `%s` became unique; existing duplicates make the migration fail", n)
                        : hit(c, b, "UNIQUE_REMOVED", n, nf->loc, -1, -1,
                              "field `%s` is no longer unique", n);
        PAIR(ch);
    }
    /* Foreign keys: compare the target as the head side names it. */
    const char *old_target = head_model_name(c, of->ref_model);
    bool same_target = str_eq(old_target, nf->ref_model) &&
                       (str_eq(of->ref_field, nf->ref_field) || !of->ref_field || !nf->ref_field ||
                        /* a renamed target field keeps the key */
                        (of->ref_target_field && nf->ref_target_field &&
                         nf->ref_target_field->renamed_from &&
                         strcmp(nf->ref_target_field->renamed_from, of->ref_field) == 0));
    if (of->ref_model && (!nf->ref_model || !same_target)) {
        ch = hit(c, b, "FOREIGN_KEY_REMOVED", n, nf->loc, -1, -1,
                 "foreign key `%s` -> %s.%s removed", n, of->ref_model,
                 of->ref_field ? of->ref_field : "?");
        PAIR(ch);
    }
    if (nf->ref_model && (!of->ref_model || !same_target)) {
        ch = hit(c, b, "FOREIGN_KEY_ADDED", n, nf->ref_loc, -1, -1,
                 "foreign key `%s` -> %s.%s added; existing rows must match", n, nf->ref_model,
                 nf->ref_field ? nf->ref_field : "?");
        PAIR(ch);
    }
    if (of->ref_model && nf->ref_model && same_target &&
        (of->on_delete != nf->on_delete || of->on_update != nf->on_update)) {
        bool to_cascade = (nf->on_delete == MDC_FK_CASCADE && of->on_delete != MDC_FK_CASCADE) ||
                          (nf->on_update == MDC_FK_CASCADE && of->on_update != MDC_FK_CASCADE);
        ch = hit(c, b, "FOREIGN_KEY_ACTION_CHANGED", n, nf->ref_loc, -1,
                 to_cascade ? MDC_RISK_HIGH : -1,
                 "actions of foreign key `%s` changed: on_delete %s -> %s, on_update %s -> %s", n,
                 mdc_fk_action_name(of->on_delete), mdc_fk_action_name(nf->on_delete),
                 mdc_fk_action_name(of->on_update), mdc_fk_action_name(nf->on_update));
        PAIR(ch);
    }
    if (!str_eq(of->description, nf->description) || !value_eq(of->meta, nf->meta)) {
        ch = hit(c, b, "DOC_CHANGED", n, nf->loc, -1, -1, "documentation of field `%s` changed", n);
        PAIR(ch);
    }
#undef PAIR
}

/* Same type and constraints: what makes a remove+add pair look like a rename. */
static bool looks_same(const mdc_field *a, const mdc_field *b)
{
    return mdc_type_equal(&a->type, &b->type) && a->nullable == b->nullable &&
           a->unique == b->unique && a->primary_key == b->primary_key && default_eq(a, b) &&
           str_eq(a->ref_model, b->ref_model) && str_eq(a->ref_field, b->ref_field);
}

/* ------------------------------------------------------------------ model-level objects */

static const char *index_key(ctx *c, const mdc_index *ix, const mdc_model *bm, const field_map *fm)
{
    if (ix->name) return mdc_printf(c->a, "name:%s", ix->name);
    mdc_buf_clear(&c->scratch);
    mdc_buf_puts(&c->scratch, "cols:");
    for (size_t i = 0; i < ix->ncols; i++) {
        const char *f = bm ? head_field_name(bm, fm, ix->cols[i].field) : ix->cols[i].field;
        mdc_buf_printf(&c->scratch, "%s%s", i ? "," : "", f);
    }
    return mdc_strdup(c->a, c->scratch.ptr);
}

static bool index_eq(const mdc_index *a, const mdc_index *b)
{
    if (a->unique != b->unique || !str_eq(a->where, b->where) || a->ncols != b->ncols) return false;
    for (size_t i = 0; i < a->ncols; i++)
        if (a->cols[i].desc != b->cols[i].desc) return false;
    return true;
}

static const char *index_desc(ctx *c, const mdc_index *ix)
{
    mdc_buf_clear(&c->scratch);
    if (ix->name) mdc_buf_printf(&c->scratch, "`%s` ", ix->name);
    mdc_buf_puts(&c->scratch, "on (");
    for (size_t i = 0; i < ix->ncols; i++)
        mdc_buf_printf(&c->scratch, "%s%s%s", i ? ", " : "", ix->cols[i].field,
                       ix->cols[i].desc ? " desc" : "");
    mdc_buf_putc(&c->scratch, ')');
    if (ix->unique) mdc_buf_puts(&c->scratch, " unique");
    if (ix->where) mdc_buf_printf(&c->scratch, " where %s", ix->where);
    return mdc_strdup(c->a, c->scratch.ptr);
}

static void diff_indexes(ctx *c, doc_builder *b, const mdc_model *bm, const mdc_model *hm,
                         const field_map *fm)
{
    const char **bkeys = mdc_new_array(c->a, const char *, bm->nindexes + 1);
    bool *matched = mdc_new_array(c->a, bool, bm->nindexes + 1);
    for (size_t i = 0; i < bm->nindexes; i++) bkeys[i] = index_key(c, &bm->indexes[i], bm, fm);
    for (size_t j = 0; j < hm->nindexes; j++) {
        const mdc_index *nx = &hm->indexes[j];
        const char *key = index_key(c, nx, NULL, NULL);
        size_t i = 0;
        while (i < bm->nindexes && (matched[i] || strcmp(bkeys[i], key) != 0)) i++;
        mdc_change *ch;
        if (i == bm->nindexes) {
            ch = hit(c, b, "INDEX_ADDED", NULL, nx->loc, -1, -1, "index %s added", index_desc(c, nx));
        } else {
            matched[i] = true;
            if (index_eq(&bm->indexes[i], nx)) continue;
            ch = hit(c, b, "INDEX_CHANGED", NULL, nx->loc, -1, -1, "index changed from %s to %s",
                     index_desc(c, &bm->indexes[i]), index_desc(c, nx));
            ch->old_index = &bm->indexes[i];
        }
        ch->new_index = nx;
    }
    for (size_t i = 0; i < bm->nindexes; i++) {
        if (matched[i]) continue;
        mdc_change *ch = hit(c, b, "INDEX_REMOVED", NULL, hm->doc->name_loc, -1, -1,
                             "index %s removed", index_desc(c, &bm->indexes[i]));
        ch->old_index = &bm->indexes[i];
    }
}

static void diff_checks(ctx *c, doc_builder *b, const mdc_model *bm, const mdc_model *hm)
{
    for (size_t j = 0; j < hm->nchecks; j++) {
        const mdc_check *nk = &hm->checks[j];
        const mdc_check *ok = NULL;
        for (size_t i = 0; i < bm->nchecks && !ok; i++)
            if (str_eq(bm->checks[i].name, nk->name)) ok = &bm->checks[i];
        mdc_change *ch;
        if (!ok)
            ch = hit(c, b, "CHECK_ADDED", NULL, nk->loc, -1, -1, "check `%s` (%s) added", nk->name, nk->expr);
        else if (!str_eq(ok->expr, nk->expr))
            ch = hit(c, b, "CHECK_CHANGED", NULL, nk->loc, -1, -1, "check `%s` changed from (%s) to (%s)",
                     nk->name, ok->expr, nk->expr);
        else
            continue;
        ch->old_check = ok;
        ch->new_check = nk;
    }
    for (size_t i = 0; i < bm->nchecks; i++) {
        bool kept = false;
        for (size_t j = 0; j < hm->nchecks && !kept; j++) kept = str_eq(bm->checks[i].name, hm->checks[j].name);
        if (kept) continue;
        mdc_change *ch = hit(c, b, "CHECK_REMOVED", NULL, hm->doc->name_loc, -1, -1,
                             "check `%s` removed", bm->checks[i].name);
        ch->old_check = &bm->checks[i];
    }
}

static bool unique_eq_mapped(const mdc_unique *ou, const mdc_model *bm, const field_map *fm,
                             const mdc_unique *nu)
{
    if (ou->nfields != nu->nfields) return false;
    for (size_t i = 0; i < ou->nfields; i++)
        if (strcmp(head_field_name(bm, fm, ou->fields[i]), nu->fields[i]) != 0) return false;
    return true;
}

static const char *unique_desc(ctx *c, const mdc_unique *u)
{
    mdc_buf_clear(&c->scratch);
    for (size_t i = 0; i < u->nfields; i++) mdc_buf_printf(&c->scratch, "%s%s", i ? ", " : "", u->fields[i]);
    return mdc_strdup(c->a, c->scratch.ptr);
}

static void diff_uniques(ctx *c, doc_builder *b, const mdc_model *bm, const mdc_model *hm,
                         const field_map *fm)
{
    for (size_t j = 0; j < hm->nuniques; j++) {
        bool found = false;
        for (size_t i = 0; i < bm->nuniques && !found; i++)
            found = unique_eq_mapped(&bm->uniques[i], bm, fm, &hm->uniques[j]);
        if (found) continue;
        mdc_change *ch = hit(c, b, "UNIQUE_ADDED", NULL, hm->uniques[j].loc, -1, -1,
                             "unique constraint on (%s) added; existing duplicates make the migration fail",
                             unique_desc(c, &hm->uniques[j]));
        ch->new_unique = &hm->uniques[j];
    }
    for (size_t i = 0; i < bm->nuniques; i++) {
        bool found = false;
        for (size_t j = 0; j < hm->nuniques && !found; j++)
            found = unique_eq_mapped(&bm->uniques[i], bm, fm, &hm->uniques[j]);
        if (found) continue;
        mdc_change *ch = hit(c, b, "UNIQUE_REMOVED", NULL, hm->doc->name_loc, -1, -1,
                             "unique constraint on (%s) removed", unique_desc(c, &bm->uniques[i]));
        ch->old_unique = &bm->uniques[i];
    }
}

static bool tags_meta_eq(const mdc_model *a, const mdc_model *b)
{
    return strlist_eq(a->tags, a->ntags, b->tags, b->ntags) && value_eq(a->meta, b->meta) &&
           str_eq(a->owner, b->owner) && str_eq(a->doc->description, b->doc->description);
}

/* ------------------------------------------------------------------ models */

static void diff_model_pair(ctx *c, doc_builder *b, const mdc_model *bm, const mdc_model *hm)
{
    field_map fm;
    fm.base_of = mdc_new_array(c->a, const mdc_field *, hm->nfields + 1);
    fm.head_of = mdc_new_array(c->a, const mdc_field *, bm->nfields + 1);

    if (strcmp(bm->doc->name, hm->doc->name) != 0)
        hit(c, b, "MODEL_RENAMED", NULL, hm->doc->name_loc, -1, -1, "model `%s` renamed to `%s`%s",
            bm->doc->name, hm->doc->name,
            strcmp(bm->table, hm->table) == 0 ? "" : mdc_printf(c->a, " (table %s -> %s)", bm->table, hm->table));
    else if (strcmp(bm->table, hm->table) != 0)
        hit(c, b, "TABLE_RENAMED", NULL, hm->doc->name_loc, -1, -1, "table renamed from %s to %s",
            bm->table, hm->table);
    if (!str_eq(bm->schema, hm->schema))
        hit(c, b, "SCHEMA_CHANGED", NULL, hm->doc->name_loc, -1, -1, "schema changed from %s to %s",
            bm->schema, hm->schema);
    if (!str_eq(bm->source, hm->source))
        hit(c, b, "SCHEMA_CHANGED", NULL, hm->source_loc.line ? hm->source_loc : hm->doc->name_loc, -1, -1,
            "source changed from %s to %s", bm->source ? bm->source : "the project database",
            hm->source ? hm->source : "the project database");

    /* Pair fields: by name, then by renamed_from onto a base name the head no longer has. */
    for (size_t j = 0; j < hm->nfields; j++) {
        const mdc_field *nf = &hm->fields[j];
        for (size_t i = 0; i < bm->nfields; i++)
            if (!fm.head_of[i] && strcmp(bm->fields[i].name, nf->name) == 0) {
                fm.head_of[i] = nf;
                fm.base_of[j] = &bm->fields[i];
                break;
            }
    }
    for (size_t j = 0; j < hm->nfields; j++) {
        const mdc_field *nf = &hm->fields[j];
        if (fm.base_of[j] || !nf->renamed_from) continue;
        for (size_t i = 0; i < bm->nfields; i++)
            if (!fm.head_of[i] && strcmp(bm->fields[i].name, nf->renamed_from) == 0) {
                fm.head_of[i] = nf;
                fm.base_of[j] = &bm->fields[i];
                break;
            }
    }

    check_field_hints(c, bm, hm, fm.base_of);

    for (size_t j = 0; j < hm->nfields; j++) {
        if (fm.base_of[j])
            field_changed(c, b, fm.base_of[j], &hm->fields[j]);
        else
            field_added(c, b, &hm->fields[j]);
    }
    for (size_t i = 0; i < bm->nfields; i++) {
        if (fm.head_of[i]) continue;
        const mdc_field *of = &bm->fields[i];
        mdc_change *ch = hit(c, b, "FIELD_REMOVED", of->name, hm->doc->name_loc, -1, -1,
                             "field `%s` removed: its data is lost", of->name);
        ch->old_field = of;
        if (!has_name(hm->reserved, hm->nreserved, of->name)) {
            mdc_diag *d = mdc_diag_add(c->diags, MDC_ERROR, "REMOVAL_NOT_RESERVED", hm->doc->path,
                                       hm->doc->name_loc.line, hm->doc->name_loc.col,
                                       "field `%s` of %s was removed without being reserved",
                                       of->name, hm->doc->name);
            mdc_diag_note(c->diags, d, "add `%s` to `reserved:` of %s to confirm the removal (its "
                                       "data is dropped) and keep the name from coming back",
                          of->name, hm->doc->name);
            mdc_diag_note(c->diags, d, "if it was renamed, add `renamed_from: %s` to the new field",
                          of->name);
        }
        /* A removed field next to an added one of the same shape looks like a rename. */
        for (size_t j = 0; j < hm->nfields; j++) {
            const mdc_field *nf = &hm->fields[j];
            if (fm.base_of[j] || !looks_same(of, nf)) continue;
            mdc_diag *d = mdc_diag_add(c->diags, MDC_WARNING, "LOOKS_LIKE_RENAME", hm->doc->path,
                                       nf->loc.line, nf->loc.col,
                                       "`%s` looks like a rename of removed field `%s`", nf->name,
                                       of->name);
            mdc_diag_note(c->diags, d, "add `renamed_from: %s` to keep its data", of->name);
            break;
        }
    }

    /* Primary key, compared with base names mapped through field renames. */
    bool pk_same = bm->npk == hm->npk;
    for (size_t i = 0; pk_same && i < bm->npk; i++)
        pk_same = strcmp(head_field_name(bm, &fm, bm->primary_key[i]), hm->primary_key[i]) == 0;
    if (!pk_same) {
        mdc_buf ob = MDC_BUF_INIT, nb = MDC_BUF_INIT;
        for (size_t i = 0; i < bm->npk; i++) mdc_buf_printf(&ob, "%s%s", i ? ", " : "", bm->primary_key[i]);
        for (size_t i = 0; i < hm->npk; i++) mdc_buf_printf(&nb, "%s%s", i ? ", " : "", hm->primary_key[i]);
        hit(c, b, "PRIMARY_KEY_CHANGED", NULL, hm->pk_loc.line ? hm->pk_loc : hm->doc->name_loc, -1, -1,
            "primary key changed from (%s) to (%s)", ob.ptr ? ob.ptr : "", nb.ptr ? nb.ptr : "");
        mdc_buf_free(&ob);
        mdc_buf_free(&nb);
    }
    diff_uniques(c, b, bm, hm, &fm);
    diff_indexes(c, b, bm, hm, &fm);
    diff_checks(c, b, bm, hm);
    if (!tags_meta_eq(bm, hm))
        hit(c, b, "DOC_CHANGED", NULL, hm->doc->name_loc, -1, -1,
            "documentation of %s changed (description, owner, tags or meta)", hm->doc->name);
}

/* ------------------------------------------------------------------ other kinds */

static void diff_source(ctx *c, doc_builder *b, const mdc_doc *bd, const mdc_doc *hd)
{
    const mdc_source *bs = bd->body, *hs = hd->body;
    if (!str_eq(bs->type, hs->type) || !str_eq(bs->uri, hs->uri) ||
        !str_eq(bd->description, hd->description))
        hit(c, b, "SOURCE_CHANGED", NULL, hd->name_loc, -1, -1, "source `%s` changed", hd->name);
}

static void diff_entity(ctx *c, doc_builder *b, const mdc_doc *bd, const mdc_doc *hd)
{
    const mdc_entity *be = bd->body, *he = hd->body;
    bool dropped = false, added = false;
    for (size_t i = 0; i < be->nmaps; i++)
        if (!has_name(he->maps_to, he->nmaps, be->maps_to[i])) dropped = true;
    for (size_t i = 0; i < he->nmaps; i++)
        if (!has_name(be->maps_to, be->nmaps, he->maps_to[i])) added = true;
    if (dropped || added)
        hit(c, b, "ENTITY_MAPPING_CHANGED", NULL, hd->name_loc, dropped ? MDC_BUMP_MAJOR : -1, -1,
            "entity `%s` maps to other tables%s", hd->name, dropped ? " (a target was dropped)" : "");
    if (!str_eq(bd->description, hd->description))
        hit(c, b, "DOC_CHANGED", NULL, hd->name_loc, -1, -1, "description of entity `%s` changed", hd->name);
}

static void diff_contract(ctx *c, doc_builder *b, const mdc_doc *bd, const mdc_doc *hd)
{
    if (strcmp(bd->structure_checksum, hd->structure_checksum) != 0 ||
        !str_eq(bd->description, hd->description))
        hit(c, b, "CONTRACT_CHANGED", NULL, hd->name_loc, -1, -1, "contract `%s` changed", hd->name);
}

/* ------------------------------------------------------------------ contracts (5.5) */

static bool pinned(const mdc_contract *k, const char *field)
{
    for (size_t i = 0; i < k->nfields; i++)
        if (strcmp(k->fields[i].name, field) == 0) return true;
    return false;
}

/* Does this change break a consumer holding contract k (same contract on both sides)? */
static bool breaks(const mdc_contract *k, const mdc_change *ch)
{
    const char *r = ch->rule;
    const char *base_name = ch->old_field ? ch->old_field->name : ch->field;
    bool on_pinned = base_name && pinned(k, base_name);
    bool presence = strcmp(r, "FIELD_REMOVED") == 0 || strcmp(r, "FIELD_RENAMED") == 0 ||
                    strcmp(r, "MODEL_REMOVED") == 0 || strcmp(r, "MODEL_RENAMED") == 0;
    if (k->compatibility == MDC_COMPAT_NONE) return presence && (on_pinned || !ch->field);
    /* Moving the model's table moves every pinned column: a consumer's query fails. */
    if (strcmp(r, "MODEL_REMOVED") == 0 || strcmp(r, "MODEL_RENAMED") == 0 ||
        strcmp(r, "TABLE_RENAMED") == 0 || strcmp(r, "SCHEMA_CHANGED") == 0)
        return true;
    if (on_pinned && ch->bump == MDC_BUMP_MAJOR) return true;
    bool backward = k->compatibility == MDC_COMPAT_BACKWARD || k->compatibility == MDC_COMPAT_FULL;
    bool forward = k->compatibility == MDC_COMPAT_FORWARD || k->compatibility == MDC_COMPAT_FULL;
    if (backward && (strcmp(r, "FIELD_MADE_REQUIRED") == 0 || strcmp(r, "FIELD_ADDED_REQUIRED") == 0))
        return true; /* writers that do not set the field now fail */
    if (forward && on_pinned &&
        (strcmp(r, "FIELD_MADE_NULLABLE") == 0 || strcmp(r, "ENUM_VALUE_ADDED") == 0))
        return true; /* readers may not handle NULL or the new value */
    return false;
}

/* Does this change concern consumers of contract k (for the `consumers` list)? */
static bool affects(const mdc_contract *k, const mdc_change *ch)
{
    if (strcmp(ch->rule, "DOC_CHANGED") == 0) return false;
    if (!ch->field) return true;
    const char *base_name = ch->old_field ? ch->old_field->name : ch->field;
    return pinned(k, base_name) || pinned(k, ch->field) || breaks(k, ch);
}

static void add_consumer(ctx *c, mdc_change *ch, const char *consumer)
{
    for (size_t i = 0; i < ch->nconsumers; i++)
        if (strcmp(ch->consumers[i], consumer) == 0) return;
    const char **v = mdc_new_array(c->a, const char *, ch->nconsumers + 1);
    size_t i = 0, k = 0;
    while (i < ch->nconsumers && strcmp(ch->consumers[i], consumer) < 0) v[k++] = ch->consumers[i++];
    v[k++] = consumer;
    while (i < ch->nconsumers) v[k++] = ch->consumers[i++];
    ch->consumers = v;
    ch->nconsumers = k;
}

static void check_contracts(ctx *c, mdc_diff *df)
{
    /* Contracts on the base side; each is checked against its model's changes. */
    for (size_t i = 0; i < c->base->ndocs; i++) {
        const mdc_doc *bd = c->base->docs[i];
        if (bd->kind != MDC_KIND_CONTRACT) continue;
        const mdc_contract *k = bd->body;
        const mdc_doc *hd = mdc_registry_find(c->head, MDC_KIND_CONTRACT, bd->name);
        bool kept = hd && strcmp(hd->checksum, bd->checksum) == 0;
        for (size_t j = 0; j < df->ndocs; j++) {
            mdc_doc_diff *dd = df->docs[j];
            if (dd->kind != MDC_KIND_MODEL) continue;
            const char *base_model = dd->base ? dd->base->name : NULL;
            if (!base_model || strcmp(base_model, k->model) != 0) continue;
            for (size_t n = 0; n < dd->nchanges; n++) {
                mdc_change *ch = dd->changes[n];
                if (affects(k, ch)) add_consumer(c, ch, k->consumer);
                if (!kept || !breaks(k, ch)) continue;
                mdc_loc at = ch->loc;
                const char *path = dd->head ? dd->head->path : hd->path;
                if (!dd->head) at = ((const mdc_contract *)hd->body)->model_loc;
                mdc_diag *d = mdc_diag_add(c->diags, MDC_ERROR, "CONTRACT_BROKEN", path, at.line, at.col,
                                           "%s breaks contract `%s` of consumer `%s` (%s)", ch->rule,
                                           bd->name, k->consumer, mdc_compat_name(k->compatibility));
                mdc_diag_note(c->diags, d, "%s", ch->message);
                mdc_diag_note(c->diags, d, "contract defined here: %s:%u:%u; update or remove it in "
                                           "the same change if the consumer is ready",
                              hd->path, hd->name_loc.line, hd->name_loc.col);
            }
        }
    }
    /* Contracts only on the head side still name their consumers on changes. */
    for (size_t i = 0; i < c->head->ndocs; i++) {
        const mdc_doc *hd = c->head->docs[i];
        if (hd->kind != MDC_KIND_CONTRACT) continue;
        if (mdc_registry_find(c->base, MDC_KIND_CONTRACT, hd->name)) continue;
        const mdc_contract *k = hd->body;
        for (size_t j = 0; j < df->ndocs; j++) {
            mdc_doc_diff *dd = df->docs[j];
            if (dd->kind != MDC_KIND_MODEL || !dd->head || strcmp(dd->head->name, k->model) != 0) continue;
            for (size_t n = 0; n < dd->nchanges; n++)
                if (affects(k, dd->changes[n])) add_consumer(c, dd->changes[n], k->consumer);
        }
    }
}

/* ------------------------------------------------------------------ versions (5.3) */

/* Checks a declared version against the required bump; fills dd->required. */
static void check_version(ctx *c, const mdc_semver *from, const mdc_semver *to, mdc_bump bump,
                          const char *path, mdc_loc at, const char *what, mdc_semver *required)
{
    if (!from->present || !to->present) return;
    if (bump != MDC_BUMP_NONE) *required = mdc_semver_next(*from, bump);
    int moved = mdc_semver_cmp(to, from);
    if (moved < 0) {
        mdc_diag_add(c->diags, MDC_ERROR, "VERSION_DECREASED", path, at.line, at.col,
                     "version of %s went down from %s to %s", what, mdc_semver_str(c->a, from),
                     mdc_semver_str(c->a, to));
        return;
    }
    if (bump == MDC_BUMP_NONE) return;
    const char *need = mdc_semver_str(c->a, required);
    if (moved == 0) {
        mdc_diag *d = mdc_diag_add(c->diags, MDC_ERROR, "VERSION_NOT_BUMPED", path, at.line, at.col,
                                   "%s has %s changes but its version stays %s; needs %s", what,
                                   mdc_bump_name(bump), mdc_semver_str(c->a, from), need);
        mdc_diag_note(c->diags, d, "`mdc bump` rewrites the version to %s", need);
    } else if (mdc_semver_cmp(to, required) < 0) {
        mdc_diag *d = mdc_diag_add(c->diags, MDC_ERROR, "VERSION_BUMP_TOO_SMALL", path, at.line, at.col,
                                   "%s has %s changes: %s -> %s is not enough; needs %s", what,
                                   mdc_bump_name(bump), mdc_semver_str(c->a, from),
                                   mdc_semver_str(c->a, to), need);
        mdc_diag_note(c->diags, d, "`mdc bump` rewrites the version to %s", need);
    }
}

/* ------------------------------------------------------------------ documents */

static mdc_doc_diff *finish_doc(ctx *c, doc_builder *b)
{
    mdc_doc_diff *dd = b->dd;
    dd->changes = (mdc_change **)b->changes.v;
    dd->nchanges = b->changes.n;
    if (dd->nchanges > 1) qsort(dd->changes, dd->nchanges, sizeof *dd->changes, cmp_change);
    for (size_t i = 0; i < dd->nchanges; i++)
        if (dd->changes[i]->bump > dd->bump) dd->bump = dd->changes[i]->bump;
    if (dd->base) dd->from = dd->base->version;
    if (dd->head) dd->to = dd->head->version;
    (void)c;
    return dd;
}

static doc_builder start_doc(ctx *c, mdc_kind kind, const mdc_doc *bd, const mdc_doc *hd)
{
    doc_builder b;
    memset(&b, 0, sizeof b);
    b.dd = mdc_new(c->a, mdc_doc_diff);
    b.dd->kind = kind;
    b.dd->base = bd;
    b.dd->head = hd;
    b.dd->name = hd ? hd->name : bd->name;
    return b;
}

static const char *kind_rule(mdc_kind k, const char *what)
{
    static const char *const added[] = {"CONTRACT_ADDED", "ENTITY_ADDED", "MODEL_ADDED", "SOURCE_ADDED"};
    static const char *const removed[] = {"CONTRACT_REMOVED", "ENTITY_REMOVED", "MODEL_REMOVED",
                                          "SOURCE_REMOVED"};
    return what[0] == 'a' ? added[k] : removed[k];
}

static void diff_pair(ctx *c, doc_builder *b, const mdc_doc *bd, const mdc_doc *hd)
{
    switch (hd->kind) {
    case MDC_KIND_MODEL:
        diff_model_pair(c, b, bd->body, hd->body);
        break;
    case MDC_KIND_SOURCE:
        diff_source(c, b, bd, hd);
        break;
    case MDC_KIND_ENTITY:
        diff_entity(c, b, bd, hd);
        break;
    case MDC_KIND_CONTRACT:
        diff_contract(c, b, bd, hd);
        break;
    }
}

/* Where a model removal is confirmed: the `reserved_models:` key, else mdc.yaml's start. */
static const mdc_loc *reserved_models_loc(const mdc_project *p)
{
    static const mdc_loc none = {"mdc.yaml", 1, 1};
    return p && p->reserved_models_loc.line ? &p->reserved_models_loc : &none;
}

/* Index of (kind, name) in a sorted registry, or -1. */
static long find_index(const mdc_registry *r, mdc_kind kind, const char *name)
{
    size_t lo = 0, hi = r->ndocs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const mdc_doc *d = r->docs[mid];
        int c = kind != d->kind ? (kind < d->kind ? -1 : 1) : strcmp(name, d->name);
        if (c == 0) return (long)mid;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return -1;
}

static int cmp_kind_name(const mdc_doc *a, const mdc_doc *b)
{
    if (a == b) return 0;
    if (a->kind != b->kind) return a->kind < b->kind ? -1 : 1;
    return strcmp(a->name, b->name);
}

/* Strictly increasing by (kind, name): what a compiled registry is after validation
 * dropped the duplicates. */
static bool strictly_sorted(const mdc_registry *r)
{
    if (r->unique_sorted) return true;
    for (size_t i = 1; i < r->ndocs; i++)
        if (cmp_kind_name(r->docs[i - 1], r->docs[i]) >= 0) return false;
    return true;
}

/* head_pair[j] = the base document with head document j's (kind, name).  Sorted
 * registries pair in one merge walk; others by a binary search per document. */
static void pair_by_name(const mdc_registry *base, const mdc_registry *head,
                         const mdc_doc **head_pair, bool *base_used)
{
    if (strictly_sorted(base) && strictly_sorted(head)) {
        for (size_t i = 0, j = 0; i < base->ndocs && j < head->ndocs;) {
            int c = cmp_kind_name(base->docs[i], head->docs[j]);
            if (c == 0) {
                head_pair[j++] = base->docs[i];
                base_used[i++] = true;
            } else if (c < 0) {
                i++;
            } else {
                j++;
            }
        }
        return;
    }
    for (size_t j = 0; j < head->ndocs; j++) {
        const mdc_doc *hd = head->docs[j];
        long i = find_index(base, hd->kind, hd->name);
        if (i < 0) continue;
        head_pair[j] = base->docs[i];
        base_used[i] = true;
    }
}

static int cmp_doc_diff(const void *pa, const void *pb)
{
    const mdc_doc_diff *a = *(const mdc_doc_diff *const *)pa;
    const mdc_doc_diff *b = *(const mdc_doc_diff *const *)pb;
    if (a->kind != b->kind) return a->kind < b->kind ? -1 : 1;
    return strcmp(a->name, b->name);
}

/*
 * A model hint that could not apply (RENAME_CONFLICT), never a silent fallback: the head
 * model `renamed_from: X` was not paired through it although the base has a model X.
 * Either X is taken in the head (validation reports that from the head alone, so it is not
 * repeated here), or the head model kept its own name from the base: both existed there,
 * and the hint would let X be dropped while the model it names goes on as before.
 */
static void check_model_hints(ctx *c, const mdc_registry *base, const mdc_registry *head,
                              const mdc_doc *const *head_pair)
{
    for (size_t j = 0; j < head->ndocs; j++) {
        const mdc_doc *hd = head->docs[j];
        const mdc_doc *bd = head_pair[j];
        if (hd->kind != MDC_KIND_MODEL || !bd || strcmp(bd->name, hd->name) != 0) continue;
        const mdc_model *hm = hd->body;
        if (!hm->renamed_from || strcmp(hm->renamed_from, hd->name) == 0) continue;
        if (!mdc_registry_find(base, MDC_KIND_MODEL, hm->renamed_from) ||
            mdc_registry_find(head, MDC_KIND_MODEL, hm->renamed_from))
            continue;
        mdc_loc l = hm->renamed_from_loc.line ? hm->renamed_from_loc : hd->name_loc;
        mdc_diag *d = mdc_diag_add(c->diags, MDC_ERROR, "RENAME_CONFLICT", hd->path, l.line, l.col,
                                   "model `%s` says `renamed_from: %s`, but the base revision has both `%s` and "
                                   "`%s`: the hint cannot apply, `%s` is compared with the base's `%s` and "
                                   "`%s` is removed",
                                   hd->name, hm->renamed_from, hm->renamed_from, hd->name, hd->name, hd->name,
                                   hm->renamed_from);
        mdc_diag_note(c->diags, d, "a rename pairs an old name with a new one; remove the hint (two models "
                                   "cannot be merged by renaming)");
    }
}

mdc_diff *mdc_diff_registries(mdc_arena *a, const mdc_registry *base, const mdc_registry *head,
                              mdc_diags *diags)
{
    ctx c;
    memset(&c, 0, sizeof c);
    c.a = a;
    c.base = base;
    c.head = head;
    c.project = head->project;
    c.diags = diags;

    mdc_diff *df = mdc_new(a, mdc_diff);
    mdc_ptrvec out = {0};
    bool *base_used = mdc_new_array(a, bool, base->ndocs + 1);
    const mdc_doc **head_pair = mdc_new_array(a, const mdc_doc *, head->ndocs + 1);

    /* 1. pair by (kind, name); 2. models by renamed_from onto an unpaired base model. */
    pair_by_name(base, head, head_pair, base_used);
    c.ren_from = mdc_new_array(a, const char *, head->ndocs + 1);
    c.ren_to = mdc_new_array(a, const char *, head->ndocs + 1);
    for (size_t j = 0; j < head->ndocs; j++) {
        const mdc_doc *hd = head->docs[j];
        if (head_pair[j] || hd->kind != MDC_KIND_MODEL) continue;
        const mdc_model *hm = hd->body;
        if (!hm->renamed_from) continue;
        for (size_t i = 0; i < base->ndocs; i++) {
            const mdc_doc *bd = base->docs[i];
            if (base_used[i] || bd->kind != MDC_KIND_MODEL || strcmp(bd->name, hm->renamed_from) != 0)
                continue;
            head_pair[j] = bd;
            base_used[i] = true;
            c.ren_from[c.nren] = bd->name;
            c.ren_to[c.nren++] = hd->name;
            break;
        }
    }

    check_model_hints(&c, base, head, head_pair);

    for (size_t j = 0; j < head->ndocs; j++) {
        const mdc_doc *hd = head->docs[j];
        const mdc_doc *bd = head_pair[j];
        /* The very same document on both sides (shared between the compilations, which
         * happens to most documents of a history walk): nothing can have changed. */
        if (bd == hd) continue; /* (a declared version cannot have moved either) */
        doc_builder b = start_doc(&c, hd->kind, bd, hd);
        if (!bd) {
            hit(&c, &b, kind_rule(hd->kind, "added"), NULL, hd->name_loc, -1, -1, "%s `%s` added",
                mdc_kind_name(hd->kind), hd->name);
        } else if (strcmp(bd->checksum, hd->checksum) != 0 || strcmp(bd->name, hd->name) != 0) {
            diff_pair(&c, &b, bd, hd);
        }
        mdc_doc_diff *dd = finish_doc(&c, &b);
        if (bd && hd->version.present)
            check_version(&c, &dd->from, &dd->to, dd->bump, hd->path, hd->version_loc,
                          mdc_printf(a, "%s %s", mdc_kind_name(hd->kind), hd->name), &dd->required);
        if (dd->nchanges) mdc_ptrvec_push(a, &out, dd);
    }
    for (size_t i = 0; i < base->ndocs; i++) {
        if (base_used[i]) continue;
        const mdc_doc *bd = base->docs[i];
        doc_builder b = start_doc(&c, bd->kind, bd, NULL);
        hit(&c, &b, kind_rule(bd->kind, "removed"), NULL, bd->name_loc, -1, -1, "%s `%s` removed%s",
            mdc_kind_name(bd->kind), bd->name, bd->kind == MDC_KIND_MODEL ? ": its table and data are dropped" : "");
        if (bd->kind == MDC_KIND_MODEL) {
            const mdc_project *p = head->project;
            bool reserved = p && has_name(p->reserved_models, p->nreserved_models, bd->name);
            if (!reserved) {
                const mdc_loc *at = reserved_models_loc(p);
                mdc_diag *d = mdc_diag_add(diags, MDC_ERROR, "REMOVAL_NOT_RESERVED", at->path, at->line,
                                           at->col, "model `%s` (%s) was removed without being reserved",
                                           bd->name, bd->path);
                mdc_diag_note(diags, d, "add `%s` to `reserved_models:` in mdc.yaml to confirm the "
                                        "removal (its table and data are dropped)", bd->name);
                mdc_diag_note(diags, d, "if it was renamed, add `renamed_from: %s` to the new model",
                              bd->name);
            }
        }
        mdc_ptrvec_push(a, &out, finish_doc(&c, &b));
    }

    df->docs = (mdc_doc_diff **)out.v;
    df->ndocs = out.n;
    if (df->ndocs > 1) qsort(df->docs, df->ndocs, sizeof *df->docs, cmp_doc_diff);
    for (size_t i = 0; i < df->ndocs; i++)
        if (df->docs[i]->bump > df->bump) df->bump = df->docs[i]->bump;

    check_contracts(&c, df);

    if (base->project) df->registry_from = base->project->version;
    if (head->project) df->registry_to = head->project->version;
    if (head->project && head->project->version.present)
        check_version(&c, &df->registry_from, &df->registry_to, df->bump, "mdc.yaml",
                      head->project->version_loc, "the registry (mdc.yaml)", &df->registry_required);
    mdc_buf_free(&c.scratch);
    return df;
}
