/*
 * validate.c - the cross-document checks of SPEC 3.4, run once over the whole registry
 * after every document has been loaded (compiler/load.h: mdc_validate).
 *
 * In order:
 *   1. duplicates: two documents of one kind with one name (DUPLICATE_MODEL for models,
 *      DUPLICATE_NAME for sources, entities and contracts).  Only the first one (by path,
 *      then line: the driver's sort order) stays in reg->docs, so later stages see unique
 *      names.
 *   2. per model: RESERVED_NAME_USED (project reserved_models), an unknown `source:`,
 *      and the references of its fields (UNKNOWN_REFERENCE, REFERENCE_NOT_UNIQUE,
 *      REFERENCE_TYPE_MISMATCH), which are resolved here: ref_field (when defaulted to the
 *      target's primary key), ref_target and ref_target_field.
 *   2b. RENAME_CONFLICT: a `renamed_from:` hint (of a model or a field) whose old name is
 *      still taken in this state, or named by a second hint.
 *   3. DUPLICATE_TABLE: two models of one database mapping to one (schema, table),
 *      compared case-insensitively; with SQLite among the dialects, one table name in two
 *      schemas collides too, since SQLite has no schemas.
 *   3b. DUPLICATE_OBJECT_NAME: every other name the migrations create (indexes,
 *      constraints, sequences, mdc's own tables) in the namespace of each dialect.
 *   4. entities (maps_to targets) and contracts (model, pinned fields, pinned types).
 *
 * Lookups go through name indexes built once (a hash table over the sorted names), so a
 * project of 10,000 models with thousands of references validates in milliseconds.  Every loop runs
 * in registry order, never in hash order, so the diagnostics are the same on every run.
 * Partially loaded documents (NULL names, missing bodies or fields) are skipped, never
 * dereferenced: their loader already reported why.
 */
#include "load.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../emit/sql.h"
#include "../model/types.h"

/* ------------------------------------------------------------------ helpers */

/* An index of one kind's documents by name (NULL names left out): the names sorted
 * bytewise (unique after deduplication; candidates for "did you mean" in a stable order)
 * and an open-addressing hash table over them for O(1) lookups.  The table is only ever
 * probed by name, never iterated, so its order cannot leak into any output. */
typedef struct name_index {
    const char **names;
    mdc_doc **docs;
    size_t n;
    uint32_t *slots; /* 1 + position in names/docs; 0 = empty */
    size_t mask;     /* slot count - 1 (a power of two >= 2n) */
    bool run;        /* no table and no names: docs is the kind's run of the registry,
                        searched by bisection (mdc_validate_step) */
} name_index;

typedef struct vctx {
    mdc_arena *a;
    mdc_registry *reg;
    mdc_diags *d;
    name_index models, sources;
} vctx;

/* The position to report at: `preferred` when it was recorded, else the document's name,
 * else the document itself; the path always filled in. */
static mdc_loc at(const mdc_doc *doc, mdc_loc preferred)
{
    mdc_loc l = preferred;
    if (l.line == 0 && doc) l = doc->name_loc.line ? doc->name_loc : doc->loc;
    if (!l.path && doc) l.path = doc->path;
    return l;
}

static const char *loc_text(mdc_arena *a, mdc_loc l)
{
    return mdc_printf(a, "%s:%u:%u", l.path ? l.path : "", (unsigned)l.line, (unsigned)l.col);
}

static mdc_diag *report(vctx *v, const char *code, mdc_loc l, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static mdc_diag *report(vctx *v, const char *code, mdc_loc l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = mdc_vprintf(v->a, fmt, ap);
    va_end(ap);
    return mdc_diag_add(v->d, MDC_ERROR, code, l.path, l.line, l.col, "%s", msg);
}

/* "did you mean" over candidates, skipping those whose length alone rules them out (the
 * edit distance is at least the length difference, and mdc_closest accepts at most 3), so
 * that a typo among 10,000 model names stays cheap. */
static void note_did_you_mean(vctx *v, mdc_diag *dg, const char *word, const char *const *cands,
                              size_t n)
{
    if (!word || !n || !cands) return;
    size_t len = strlen(word);
    const char **near = malloc(n * sizeof *near);
    if (!near) abort();
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        size_t cl = strlen(cands[i]);
        if ((cl > len ? cl - len : len - cl) <= 3) near[k++] = cands[i];
    }
    const char *best = mdc_closest(word, near, k);
    if (best && strcmp(best, word) != 0) mdc_diag_note(v->d, dg, "did you mean `%s`?", best);
    free(near);
}

static void note_field_names(vctx *v, mdc_diag *dg, const char *word, const mdc_model *m)
{
    const char **names = mdc_new_array(v->a, const char *, m->nfields ? m->nfields : 1);
    size_t k = 0;
    for (size_t i = 0; i < m->nfields; i++)
        if (m->fields[i].name) names[k++] = m->fields[i].name;
    note_did_you_mean(v, dg, word, names, k);
}

static void note_defined_here(vctx *v, mdc_diag *dg, const char *what, const mdc_doc *doc,
                              mdc_loc l)
{
    mdc_diag_note(v->d, dg, "%s is defined here: %s", what, loc_text(v->a, at(doc, l)));
}

/* FNV-1a over the bytes of s. */
static size_t hash_name(const char *s)
{
    uint64_t h = 14695981039346656037u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return (size_t)(h ^ (h >> 32));
}

/* Builds the index of kind k.  The registry is sorted by (kind, name) already; the check
 * is cheap and keeps the candidate order right even if a caller did not sort. */
static void build_index(vctx *v, mdc_kind k, name_index *ix)
{
    size_t n = 0;
    for (size_t i = 0; i < v->reg->ndocs; i++)
        if (v->reg->docs[i]->kind == k && v->reg->docs[i]->name) n++;
    ix->names = mdc_new_array(v->a, const char *, n ? n : 1);
    ix->docs = mdc_new_array(v->a, mdc_doc *, n ? n : 1);
    ix->n = 0;
    bool sorted = true;
    for (size_t i = 0; i < v->reg->ndocs; i++) {
        mdc_doc *doc = v->reg->docs[i];
        if (doc->kind != k || !doc->name) continue;
        if (ix->n && strcmp(ix->names[ix->n - 1], doc->name) >= 0) sorted = false;
        ix->names[ix->n] = doc->name;
        ix->docs[ix->n] = doc;
        ix->n++;
    }
    if (!sorted) {
        /* insertion by sorting doc pointers by name; equal names keep registry order */
        for (size_t i = 1; i < ix->n; i++) {
            mdc_doc *d = ix->docs[i];
            size_t j = i;
            while (j > 0 && strcmp(ix->docs[j - 1]->name, d->name) > 0) {
                ix->docs[j] = ix->docs[j - 1];
                j--;
            }
            ix->docs[j] = d;
        }
        for (size_t i = 0; i < ix->n; i++)
            ix->names[i] = ix->docs[i]->name;
    }
    size_t cap = 16;
    while (cap < 2 * ix->n)
        cap *= 2;
    ix->slots = mdc_new_array(v->a, uint32_t, cap);
    ix->mask = cap - 1;
    for (size_t i = 0; i < ix->n; i++) {
        size_t h = hash_name(ix->names[i]) & ix->mask;
        while (ix->slots[h])
            h = (h + 1) & ix->mask;
        ix->slots[h] = (uint32_t)(i + 1);
    }
}

/* The first document of the index named name, or NULL. */
static mdc_doc *index_find(const name_index *ix, const char *name)
{
    if (ix->run) {
        size_t lo = 0, hi = ix->n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            int c = strcmp(name, ix->docs[mid]->name);
            if (c == 0) return ix->docs[mid];
            if (c < 0) hi = mid;
            else lo = mid + 1;
        }
        return NULL;
    }
    if (!ix->slots) return NULL;
    size_t h = hash_name(name) & ix->mask;
    for (uint32_t k; (k = ix->slots[h]) != 0; h = (h + 1) & ix->mask)
        if (strcmp(ix->names[k - 1], name) == 0) return ix->docs[k - 1];
    return NULL;
}

/* The field called name, or NULL (fields with no name are skipped). */
static mdc_field *find_field(const mdc_model *m, const char *name)
{
    for (size_t i = 0; i < m->nfields; i++)
        if (m->fields[i].name && strcmp(m->fields[i].name, name) == 0) return &m->fields[i];
    return NULL;
}

/* ------------------------------------------------------------------ 1. duplicates */

/* Docs of one (kind, name) are adjacent, the first by path/line first: keep it, report
 * and drop the others. */
static void check_duplicates(vctx *v)
{
    mdc_registry *reg = v->reg;
    size_t w = 0;
    for (size_t i = 0; i < reg->ndocs; i++) {
        mdc_doc *doc = reg->docs[i];
        if (!doc) continue;
        mdc_doc *first = w ? reg->docs[w - 1] : NULL;
        if (first && doc->name && first->name && first->kind == doc->kind &&
            strcmp(first->name, doc->name) == 0) {
            bool model = doc->kind == MDC_KIND_MODEL;
            mdc_diag *dg =
                report(v, model ? "DUPLICATE_MODEL" : "DUPLICATE_NAME", at(doc, doc->name_loc),
                       "duplicate %s `%s`", mdc_kind_name(doc->kind), doc->name);
            mdc_diag_note(v->d, dg, "first defined here: %s",
                          loc_text(v->a, at(first, first->name_loc)));
            continue;
        }
        reg->docs[w++] = doc;
    }
    reg->ndocs = w;
}

/* ------------------------------------------------------------------ 2. models */

static void check_reserved_name(vctx *v, const mdc_doc *doc)
{
    const mdc_project *p = v->reg->project;
    if (!p || !p->nreserved_models || !p->reserved_models) return;
    size_t lo = 0, hi = p->nreserved_models;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *r = p->reserved_models[mid] ? p->reserved_models[mid] : "";
        int c = strcmp(doc->name, r);
        if (c == 0) {
            mdc_diag *dg = report(v, "RESERVED_NAME_USED", at(doc, doc->name_loc),
                                  "model name `%s` is reserved: it is listed in "
                                  "reserved_models of %s",
                                  doc->name, p->path ? p->path : "mdc.yaml");
            mdc_diag_note(v->d, dg,
                          "the name of a removed model may not be reused; pick another name");
            return;
        }
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
}

static void check_model_source(vctx *v, const mdc_doc *doc, const mdc_model *m)
{
    if (!m->source || index_find(&v->sources, m->source)) return;
    mdc_diag *dg = report(v, "UNKNOWN_REFERENCE", at(doc, m->source_loc),
                          "model `%s` names unknown source `%s` (no kind: source has this name)",
                          doc->name, m->source);
    note_did_you_mean(v, dg, m->source, v->sources.names, v->sources.n);
}

/* True when a reference may target f: the single-column primary key, a unique field, or
 * the only column of a unique index without a WHERE. */
static bool is_single_column_key(const mdc_model *m, const mdc_field *f)
{
    if (f->unique) return true;
    if (m->npk == 1) {
        if (f->primary_key) return true;
        if (m->primary_key && m->primary_key[0] && strcmp(m->primary_key[0], f->name) == 0)
            return true;
    }
    for (size_t i = 0; i < m->nindexes; i++) {
        const mdc_index *ix = &m->indexes[i];
        if (ix->unique && !ix->where && ix->ncols == 1 && ix->cols && ix->cols[0].field &&
            strcmp(ix->cols[0].field, f->name) == 0)
            return true;
    }
    for (size_t i = 0; i < m->nuniques; i++) {
        const mdc_unique *u = &m->uniques[i];
        if (u->nfields == 1 && u->fields && u->fields[0] && strcmp(u->fields[0], f->name) == 0)
            return true;
    }
    return false;
}

/* The field of the target's single-column primary key, or NULL. */
static mdc_field *primary_key_field(const mdc_model *m)
{
    if (m->npk != 1) return NULL;
    if (m->primary_key && m->primary_key[0]) return find_field(m, m->primary_key[0]);
    for (size_t i = 0; i < m->nfields; i++)
        if (m->fields[i].primary_key && m->fields[i].name) return &m->fields[i];
    return NULL;
}

/*
 * references: Model | Model.field
 *   Model must exist; a missing field defaults to the target's single-column primary key;
 *   the target field must be a key (primary or unique); the types must be equal and not
 *   arrays.
 */
static void check_reference(vctx *v, const mdc_doc *doc, mdc_field *f)
{
    mdc_loc l = at(doc, f->ref_loc.line ? f->ref_loc : f->loc);
    mdc_doc *tdoc = index_find(&v->models, f->ref_model);
    if (!tdoc) {
        mdc_diag *dg = report(v, "UNKNOWN_REFERENCE", l,
                              "field `%s` of model `%s` references unknown model `%s`", f->name,
                              doc->name, f->ref_model);
        note_did_you_mean(v, dg, f->ref_model, v->models.names, v->models.n);
        return;
    }
    const mdc_model *t = tdoc->body;
    if (!t) return; /* the target did not load; its own diagnostics say why */
    f->ref_target = t;

    mdc_field *tf;
    if (!f->ref_field || f->ref_implicit) {
        tf = primary_key_field(t);
        if (!tf) {
            if (f->ref_implicit) f->ref_field = NULL; /* no stale key from another state */
            if (t->npk == 1) return; /* key names a missing field: the loader reported it */
            mdc_diag *dg = report(v, "REFERENCE_NOT_UNIQUE", l,
                                  "field `%s` references model `%s`, which has no "
                                  "single-column primary key; name the field: %s.field",
                                  f->name, tdoc->name, tdoc->name);
            if (t->npk > 1)
                note_defined_here(v, dg, mdc_printf(v->a, "the composite key of `%s`", tdoc->name),
                                  tdoc, t->pk_loc);
            return;
        }
        f->ref_field = tf->name;
    } else {
        tf = find_field(t, f->ref_field);
        if (!tf) {
            mdc_diag *dg = report(v, "UNKNOWN_REFERENCE", l,
                                  "field `%s` references `%s.%s`, but model `%s` has no field "
                                  "`%s`",
                                  f->name, tdoc->name, f->ref_field, tdoc->name, f->ref_field);
            note_field_names(v, dg, f->ref_field, t);
            return;
        }
    }
    f->ref_target_field = tf;

    if (!is_single_column_key(t, tf)) {
        mdc_diag *dg = report(v, "REFERENCE_NOT_UNIQUE", l,
                              "field `%s` references `%s.%s`, which is neither the primary key "
                              "nor unique",
                              f->name, tdoc->name, tf->name);
        mdc_diag_note(v->d, dg,
                      "a reference must target a single-column primary key or a unique field; "
                      "add `unique: true` to `%s.%s`",
                      tdoc->name, tf->name);
        return;
    }

    if (!f->type.array && !tf->type.array && mdc_type_equal(&f->type, &tf->type)) return;
    const char *ft = mdc_type_canonical(v->a, &f->type);
    const char *tt = mdc_type_canonical(v->a, &tf->type);
    mdc_diag *dg;
    if (f->type.array)
        dg = report(v, "REFERENCE_TYPE_MISMATCH", l,
                    "field `%s` is an array (%s); a reference holds one value of the type of "
                    "`%s.%s` (%s)",
                    f->name, ft, tdoc->name, tf->name, tt);
    else if (tf->type.array)
        dg = report(v, "REFERENCE_TYPE_MISMATCH", l,
                    "field `%s` references `%s.%s`, which is an array (%s); arrays cannot be "
                    "referenced",
                    f->name, tdoc->name, tf->name, tt);
    else
        dg = report(v, "REFERENCE_TYPE_MISMATCH", l,
                    "field `%s` is %s but references `%s.%s`, which is %s; a reference must "
                    "have the type of its target",
                    f->name, ft, tdoc->name, tf->name, tt);
    note_defined_here(v, dg, mdc_printf(v->a, "`%s.%s`", tdoc->name, tf->name), tdoc, tf->loc);
}

/*
 * A model shared with an earlier compilation (its owner is not this registry's), all of
 * whose reference targets are the very documents it resolved to there, resolves exactly as
 * it did there.  The driver shares only from compilations without errors, so there it was
 * valid: nothing to check again.  (In a first compilation every document is new.)
 */
static bool unchanged_references(vctx *v, const mdc_doc *doc, const mdc_model *m)
{
    if (!v->reg->owner || doc->owner == v->reg->owner || !m->ref_fields) return false;
    for (size_t k = 0; k < m->nref_fields; k++) {
        const mdc_field *f = &m->fields[m->ref_fields[k]];
        const mdc_doc *t = f->ref_model ? index_find(&v->models, f->ref_model) : NULL;
        if (!t || t->owner == v->reg->owner || !f->ref_target || t != f->ref_target->doc)
            return false;
    }
    return true;
}

static void check_models(vctx *v)
{
    for (size_t i = 0; i < v->models.n; i++) {
        mdc_doc *doc = v->models.docs[i];
        check_reserved_name(v, doc);
        mdc_model *m = doc->body;
        if (!m) continue;
        check_model_source(v, doc, m);
        if (!m->fields || unchanged_references(v, doc, m)) continue;
        /* The loader indexes the reference fields; a model built otherwise has every
         * field looked at. */
        size_t n = m->ref_fields ? m->nref_fields : m->nfields;
        for (size_t k = 0; k < n; k++) {
            mdc_field *f = &m->fields[m->ref_fields ? m->ref_fields[k] : k];
            if (f->name && f->ref_model) check_reference(v, doc, f);
        }
    }
}

/* ------------------------------------------------------------------ 2b. rename hints */

/*
 * RENAME_CONFLICT: a `renamed_from:` hint pairs a name of the previous state with a new one,
 * so its old name must be free in this state.  When another document (or field) still has
 * that name, the diff pairs the old object with it by name and the hint can never apply:
 * the renamed object would be compared as new, the old one's data dropped or refused.  The
 * same when two hints name one old name: only one can take it.  (A hint naming its own
 * object is a no-op and left alone; one whose old name no longer exists is the usual state
 * after the rename went through.)
 */
static void check_model_hint(vctx *v, const mdc_doc *doc, const mdc_model *m)
{
    if (!m->renamed_from || strcmp(m->renamed_from, doc->name) == 0) return;
    const mdc_doc *other = index_find(&v->models, m->renamed_from);
    if (!other) return;
    mdc_diag *dg = report(v, "RENAME_CONFLICT", at(doc, m->renamed_from_loc),
                          "model `%s` says `renamed_from: %s`, but model `%s` exists too: the hint cannot "
                          "apply (the old `%s` would be paired with the model of that name, and `%s` "
                          "treated as a new model, without the old one's data)",
                          doc->name, m->renamed_from, m->renamed_from, m->renamed_from, doc->name);
    note_defined_here(v, dg, mdc_printf(v->a, "model `%s`", other->name), other, other->name_loc);
    mdc_diag_note(v->d, dg,
                  "a new model may take the old name only in a later change, after the rename is "
                  "migrated; if the rename already was, remove the hint");
}

static void check_model_hints(vctx *v)
{
    /* two hints naming one old name: the models with hints, sorted by (old name, position) */
    size_t n = 0;
    for (size_t i = 0; i < v->models.n; i++) {
        const mdc_model *m = v->models.docs[i]->body;
        if (m && m->renamed_from) n++;
    }
    if (!n) return;
    const mdc_doc **h = malloc(n * sizeof *h);
    if (!h) abort();
    n = 0;
    for (size_t i = 0; i < v->models.n; i++) {
        const mdc_doc *doc = v->models.docs[i];
        const mdc_model *m = doc->body;
        if (!m || !m->renamed_from) continue;
        check_model_hint(v, doc, m);
        h[n++] = doc;
    }
    /* insertion sort: hints are few */
    for (size_t i = 1; i < n; i++) {
        const mdc_doc *d = h[i];
        const mdc_model *m = d->body;
        size_t j = i;
        for (; j > 0; j--) {
            const mdc_doc *e = h[j - 1];
            const mdc_model *em = e->body;
            int c = strcmp(em->renamed_from, m->renamed_from);
            if (!c) c = strcmp(e->path ? e->path : "", d->path ? d->path : "");
            if (!c) c = e->loc.line > d->loc.line ? 1 : e->loc.line < d->loc.line ? -1 : 0;
            if (c <= 0) break;
            h[j] = h[j - 1];
        }
        h[j] = d;
    }
    for (size_t i = 1; i < n; i++) {
        const mdc_model *a = h[i - 1]->body, *b = h[i]->body;
        if (strcmp(a->renamed_from, b->renamed_from) != 0) continue;
        size_t first = i - 1;
        while (first > 0 && strcmp(((const mdc_model *)h[first - 1]->body)->renamed_from, b->renamed_from) == 0) first--;
        const mdc_model *fm = h[first]->body;
        mdc_diag *dg = report(v, "RENAME_CONFLICT", at(h[i], b->renamed_from_loc),
                              "models `%s` and `%s` both say `renamed_from: %s`: only one model can be the old "
                              "one's new name",
                              h[first]->name, h[i]->name, b->renamed_from);
        note_defined_here(v, dg, mdc_printf(v->a, "the hint of model `%s`", h[first]->name), h[first],
                          fm->renamed_from_loc);
    }
    free(h);
}

/* The same for the fields of one model. */
static void check_field_hints(vctx *v, const mdc_doc *doc, const mdc_model *m)
{
    if (!m->fields) return;
    for (size_t i = 0; i < m->nfields; i++) {
        const mdc_field *f = &m->fields[i];
        if (!f->name || !f->renamed_from || strcmp(f->renamed_from, f->name) == 0) continue;
        const mdc_field *other = find_field(m, f->renamed_from);
        if (other) {
            mdc_diag *dg = report(v, "RENAME_CONFLICT", at(doc, f->renamed_from_loc),
                                  "field `%s` of model `%s` says `renamed_from: %s`, but field `%s` exists too: "
                                  "the hint cannot apply (the old column `%s` would be paired with the field of "
                                  "that name, and `%s` added as a new, empty column)",
                                  f->name, doc->name, f->renamed_from, f->renamed_from, f->renamed_from, f->name);
            note_defined_here(v, dg, mdc_printf(v->a, "field `%s`", other->name), doc, other->loc);
            mdc_diag_note(v->d, dg,
                          "a new field may take the old name only in a later change, after the rename is "
                          "migrated; if the rename already was, remove the hint");
            continue;
        }
        for (size_t k = 0; k < i; k++) {
            const mdc_field *g = &m->fields[k];
            if (!g->name || !g->renamed_from || strcmp(g->renamed_from, f->renamed_from) != 0) continue;
            mdc_diag *dg = report(v, "RENAME_CONFLICT", at(doc, f->renamed_from_loc),
                                  "fields `%s` and `%s` of model `%s` both say `renamed_from: %s`: only one "
                                  "field can be the old one's new name",
                                  g->name, f->name, doc->name, f->renamed_from);
            note_defined_here(v, dg, mdc_printf(v->a, "the hint of field `%s`", g->name), doc, g->renamed_from_loc);
            break;
        }
    }
}

/* ------------------------------------------------------------------ 3. tables */

typedef struct table_key {
    const char *source; /* "" = the project's own database */
    const char *table;  /* lowercased */
    const char *schema; /* lowercased */
    size_t order;       /* registry order of the model */
    const mdc_doc *doc;
    const mdc_model *m;
} table_key;

/* s in ASCII lower case; s itself when it has no upper-case letter (the common case). */
static const char *ascii_lower(mdc_arena *a, const char *s)
{
    const char *p = s;
    while (*p && !(*p >= 'A' && *p <= 'Z'))
        p++;
    if (!*p) return s;
    char *r = mdc_strdup(a, s);
    for (char *q = r; *q; q++)
        *q = (char)tolower((unsigned char)*q);
    return r;
}

static int cmp_table_key(const void *pa, const void *pb)
{
    const table_key *a = pa, *b = pb;
    int c = strcmp(a->source, b->source);
    if (c) return c;
    c = strcmp(a->table, b->table);
    if (c) return c;
    c = strcmp(a->schema, b->schema);
    if (c) return c;
    /* The model defined first (by path, then position) keeps the table; later ones are
     * the duplicates, as for every other DUPLICATE_* code. */
    c = strcmp(a->doc->path ? a->doc->path : "", b->doc->path ? b->doc->path : "");
    if (c) return c;
    if (a->doc->loc.line != b->doc->loc.line) return a->doc->loc.line < b->doc->loc.line ? -1 : 1;
    return a->order < b->order ? -1 : a->order > b->order;
}

static const char *qualified(vctx *v, const mdc_model *m)
{
    return m->schema && *m->schema ? mdc_printf(v->a, "%s.%s", m->schema, m->table) : m->table;
}

/*
 * Sorted by (source, table, schema, definition order): a run of one table holds runs of one
 * schema.  In each schema run, every model after the first is a duplicate of the first.
 * With SQLite, every schema run after the first in a table run also collides with the
 * table run's first model (models of other sources are other databases: no SQLite check).
 */
static void check_tables(vctx *v, bool *dup)
{
    size_t n = 0;
    for (size_t i = 0; i < v->models.n; i++) {
        const mdc_model *m = v->models.docs[i]->body;
        if (m && m->table) n++;
    }
    if (n < 2) return;
    table_key *keys = malloc(n * sizeof *keys);
    if (!keys) abort();
    const mdc_project *p = v->reg->project;
    const char *default_schema = p && p->pg_schema ? p->pg_schema : "public";
    size_t k = 0;
    for (size_t i = 0; i < v->models.n; i++) {
        const mdc_doc *doc = v->models.docs[i];
        const mdc_model *m = doc->body;
        if (!m || !m->table) continue;
        keys[k++] = (table_key){m->source ? m->source : "",
                                ascii_lower(v->a, m->table),
                                ascii_lower(v->a, m->schema ? m->schema : default_schema),
                                i,
                                doc,
                                m};
    }
    qsort(keys, n, sizeof *keys, cmp_table_key);

    bool sqlite = p && p->dialect_sqlite;
    size_t table_start = 0, schema_start = 0;
    for (size_t i = 1; i < n; i++) {
        const table_key *cur = &keys[i];
        bool same_table = strcmp(cur->source, keys[table_start].source) == 0 &&
                          strcmp(cur->table, keys[table_start].table) == 0;
        if (!same_table) {
            table_start = schema_start = i;
            continue;
        }
        if (strcmp(cur->schema, keys[schema_start].schema) == 0) {
            const table_key *first = &keys[schema_start];
            mdc_diag *dg = report(v, "DUPLICATE_TABLE", at(cur->doc, cur->doc->name_loc),
                                  "model `%s` maps to table `%s`, which model `%s` already uses",
                                  cur->doc->name, qualified(v, cur->m), first->doc->name);
            note_defined_here(v, dg, mdc_printf(v->a, "model `%s`", first->doc->name), first->doc,
                              first->doc->name_loc);
            dup[cur->order] = true;
            continue;
        }
        schema_start = i;
        if (sqlite && !*cur->source) {
            const table_key *first = &keys[table_start];
            mdc_diag *dg = report(v, "DUPLICATE_TABLE", at(cur->doc, cur->doc->name_loc),
                                  "model `%s` maps to table `%s`, which in SQLite is the same "
                                  "table as `%s` of model `%s` (SQLite has no schemas)",
                                  cur->doc->name, qualified(v, cur->m), qualified(v, first->m),
                                  first->doc->name);
            note_defined_here(v, dg, mdc_printf(v->a, "model `%s`", first->doc->name), first->doc,
                              first->doc->name_loc);
            dup[cur->order] = true;
        }
    }
    free(keys);
}

/* ------------------------------------------------------------------ 3b. object names */

/*
 * DUPLICATE_OBJECT_NAME: every name the migrations will create, computed by the SQL
 * writers' own functions (emit/sql.h: mdc_sql_model_objects), must be free in its
 * namespace:
 *   PostgreSQL (when a dialect), per database and schema: tables, indexes, the sequences of
 *     identity fields and the indexes of primary keys and unique constraints are relations,
 *     compared exactly (mdc quotes every identifier); the names mdc itself uses
 *     (dataflow_migrations, ...) in every schema, since the files name them unqualified.
 *   PostgreSQL, per table: constraint names (primary key, unique, foreign key, enum and
 *     other checks).
 *   SQLite (when a dialect), per database: tables and indexes (and the table a rebuild goes
 *     through), compared without ASCII case and without schemas; mdc's own names; and
 *     SQLite's reserved prefix `sqlite_`.
 * Names are at most 63 bytes (the loader's NAME_TOO_LONG; derived names are fitted by
 * mdc_sql_name), so PostgreSQL never truncates one into another.
 *
 * The names of the per-database namespaces go into one hash table that chains the objects
 * of one name; constraint names are compared within their model.  Of the objects of one
 * name, the first by definition position keeps it (mdc's own names come first), every later
 * one is reported there with a note at the first.  Two identity sequences are no clash
 * (PostgreSQL picks "..._seq1" for the second).  A model that lost its table to
 * DUPLICATE_TABLE is left out: its objects would only repeat that error.  Each object is
 * reported at most once, however many namespaces it clashes in.  Memory is what this costs
 * on 10,000 models (page faults), so an entry is small and an object's details are
 * computed again only when it clashes.
 */

typedef enum name_ns { NS_PG_RELATION, NS_PG_CONSTRAINT, NS_SQLITE } name_ns;

#define OWN_NAME 0xffffu

typedef struct name_obj {
    const char *key;    /* the name as the database compares it (lower case in SQLite) */
    const mdc_doc *doc; /* NULL: a name of mdc's own (key) */
    uint32_t hash;      /* of (space, key) */
    uint32_t space;     /* PostgreSQL: the (database, schema) pair; SQLite: 0 */
    uint32_t id;        /* the object (the same in every namespace): reported at most once */
    uint32_t next;      /* 1 + index of the next object of the same name, 0 = none */
    uint32_t last;      /* in the first object of a name: 1 + index of the last one */
    uint16_t obj;       /* index in mdc_sql_model_objects of doc's model, or OWN_NAME */
    uint8_t ns;         /* name_ns */
    bool later;         /* not the first object of its name */
} name_obj;

/* An object of a clash, with its details. */
typedef struct clash_obj {
    name_ns ns;
    const mdc_doc *doc; /* NULL: mdc's own name */
    mdc_sql_object o;   /* o.name is the name as written */
    uint32_t id;
    mdc_loc loc;
    const char *scope; /* PostgreSQL relations: the schema */
} clash_obj;

/* Order of the objects of one name: mdc's own names first, then by definition position. */
static int cmp_clash_obj(const void *pa, const void *pb)
{
    const clash_obj *a = pa, *b = pb;
    if (!a->doc != !b->doc) return a->doc ? 1 : -1;
    int c = strcmp(a->loc.path ? a->loc.path : "", b->loc.path ? b->loc.path : "");
    if (c) return c;
    if (a->loc.line != b->loc.line) return a->loc.line < b->loc.line ? -1 : 1;
    if (a->loc.col != b->loc.col) return a->loc.col < b->loc.col ? -1 : 1;
    return a->id < b->id ? -1 : a->id > b->id;
}

/* True when every part the object names are computed from was loaded (fields without a
 * name make no object: mdc_sql_model_objects). */
static bool model_complete(const mdc_model *m)
{
    if (!m->table || (m->nfields && !m->fields) || (m->npk && !m->primary_key)) return false;
    if ((m->nuniques && !m->uniques) || (m->nindexes && !m->indexes) || (m->nchecks && !m->checks)) return false;
    for (size_t i = 0; i < m->nuniques; i++) {
        if (!m->uniques[i].fields) return false;
        for (size_t k = 0; k < m->uniques[i].nfields; k++)
            if (!m->uniques[i].fields[k]) return false;
    }
    for (size_t i = 0; i < m->nindexes; i++) {
        if (m->indexes[i].ncols && !m->indexes[i].cols) return false;
        for (size_t k = 0; k < m->indexes[i].ncols; k++)
            if (!m->indexes[i].cols[k].field) return false;
    }
    for (size_t i = 0; i < m->nchecks; i++)
        if (!m->checks[i].name && !m->checks[i].expr) return false;
    return true;
}

/* Where an object was written. */
static mdc_loc object_loc(const mdc_doc *doc, const mdc_model *m, const mdc_sql_object *o)
{
    mdc_loc l = {0};
    switch (o->kind) {
    case MDC_SQL_OBJ_TABLE:
    case MDC_SQL_OBJ_REBUILD:
        break;
    case MDC_SQL_OBJ_PKEY:
        l = m->pk_loc;
        for (size_t i = 0; !l.line && i < m->nfields; i++)
            if (m->fields[i].primary_key) l = m->fields[i].loc;
        break;
    case MDC_SQL_OBJ_UNIQUE:
        l = o->field ? o->field->loc : o->unique->loc;
        break;
    case MDC_SQL_OBJ_INDEX:
        l = o->index->loc;
        break;
    case MDC_SQL_OBJ_SEQUENCE:
        l = o->field->loc;
        break;
    case MDC_SQL_OBJ_FKEY:
        l = o->field->ref_loc.line ? o->field->ref_loc : o->field->loc;
        break;
    case MDC_SQL_OBJ_ENUM_CHECK:
        l = o->field->type_loc.line ? o->field->type_loc : o->field->loc;
        break;
    case MDC_SQL_OBJ_CHECK:
        l = o->check->loc;
        break;
    }
    return at(doc, l);
}

/* "the primary key of model `User`", "an index of model `Order`", ... (a model's object). */
static const char *object_what(vctx *v, const clash_obj *x)
{
    const char *mn = x->doc->name;
    const mdc_model *m = x->doc->body;
    const mdc_sql_object *o = &x->o;
    switch (o->kind) {
    case MDC_SQL_OBJ_TABLE:
        return mdc_printf(v->a, "the table of model `%s`", mn);
    case MDC_SQL_OBJ_REBUILD:
        return mdc_printf(v->a, "the table SQLite migrations rebuild `%s` (model `%s`) through", m->table, mn);
    case MDC_SQL_OBJ_PKEY:
        return mdc_printf(v->a, "the primary key of model `%s`", mn);
    case MDC_SQL_OBJ_UNIQUE:
        if (o->field) return mdc_printf(v->a, "the unique constraint of `%s.%s`", mn, o->field->name);
        return mdc_printf(v->a, "a unique constraint of model `%s`", mn);
    case MDC_SQL_OBJ_INDEX:
        return mdc_printf(v->a, "an index of model `%s`", mn);
    case MDC_SQL_OBJ_SEQUENCE:
        return mdc_printf(v->a, "the sequence PostgreSQL makes for identity field `%s.%s`", mn, o->field->name);
    case MDC_SQL_OBJ_FKEY:
        return mdc_printf(v->a, "the foreign key of `%s.%s`", mn, o->field->name);
    case MDC_SQL_OBJ_ENUM_CHECK:
        return mdc_printf(v->a, "the enum check of `%s.%s`", mn, o->field->name);
    case MDC_SQL_OBJ_CHECK:
        return mdc_printf(v->a, "a check of model `%s`", mn);
    }
    return "?";
}

static const char *why_clash(vctx *v, const clash_obj *x)
{
    switch (x->ns) {
    case NS_PG_RELATION:
        return mdc_printf(v->a, "PostgreSQL keeps the tables, indexes and sequences of schema `%s` (the indexes "
                                "of primary keys and unique constraints included) in one namespace",
                          x->scope);
    case NS_PG_CONSTRAINT:
        return mdc_printf(v->a, "PostgreSQL needs the constraint names of table `%s` to differ",
                          ((const mdc_model *)x->doc->body)->table);
    case NS_SQLITE:
        break;
    }
    return "SQLite keeps the tables and indexes of a database in one namespace, without schemas and "
           "ignoring case";
}

/* Reports the objects of one name after the first (g is sorted). */
static void report_clash(vctx *v, const clash_obj *g, size_t n, bool *reported)
{
    const clash_obj *f = &g[0];
    for (size_t i = 1; i < n; i++) {
        const clash_obj *x = &g[i];
        if (!x->doc || reported[x->id] || x->id == f->id) continue;
        if (x->o.kind == MDC_SQL_OBJ_SEQUENCE && f->doc && f->o.kind == MDC_SQL_OBJ_SEQUENCE) continue;
        reported[x->id] = true;
        if (!f->doc) {
            mdc_diag *dg = report(v, "DUPLICATE_OBJECT_NAME", x->loc,
                                  "name `%s` of %s is reserved: every migration mdc writes for %s creates or "
                                  "uses an object of that name",
                                  x->o.name, object_what(v, x),
                                  x->ns == NS_SQLITE ? "SQLite" : "PostgreSQL (in whatever schema is first on the "
                                                                  "search path, so it is kept free in every schema)");
            mdc_diag_note(v->d, dg, "names mdc keeps for itself: dataflow_migrations, dataflow_migrations_pkey "
                                    "and dataflow_model_registry (PostgreSQL); dataflow_migrations, "
                                    "dataflow_model_registry, mdc_check and mdc_new_<table> (SQLite)");
            continue;
        }
        mdc_diag *dg = report(v, "DUPLICATE_OBJECT_NAME", x->loc, "name `%s` of %s is already taken by %s: %s",
                              x->o.name, object_what(v, x), object_what(v, f), why_clash(v, x));
        mdc_diag_note(v->d, dg, "%s is defined here: %s", object_what(v, f), loc_text(v->a, f->loc));
    }
}

/* Growable scratch arrays of the check (plain malloc: nothing of them outlives it). */
typedef struct names_ctx {
    name_obj *v;
    size_t n, cap;
    mdc_sql_object *objs; /* one model's objects */
    size_t capobjs;
    const char **space_db, **space_schema; /* PostgreSQL (database, schema) pairs by space */
    size_t nspace, capspace;
} names_ctx;

static void *grow(void *p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap) return p;
    size_t c = *cap ? *cap : 64;
    while (c < need) c *= 2;
    p = realloc(p, c * size);
    if (!p) abort();
    *cap = c;
    return p;
}

/* flags grown to at least need, the new ones false */
static bool *grow_flags(bool *p, size_t *cap, size_t need)
{
    size_t old = *cap;
    p = grow(p, cap, need, sizeof *p);
    memset(p + old, 0, (*cap - old) * sizeof *p);
    return p;
}

/* The objects of model m in nc->objs; returns their number.  Without checks, the names
 * only the checks could clash with are not computed (sql.h: MDC_SQL_OBJS_KEYS). */
static size_t model_objects(vctx *v, names_ctx *nc, const mdc_model *m)
{
    unsigned what = m->nchecks ? MDC_SQL_OBJS_ALL : MDC_SQL_OBJS_KEYS;
    size_t n = mdc_sql_model_objects(v->a, m, what, nc->objs, nc->capobjs);
    if (n > nc->capobjs) {
        nc->objs = grow(nc->objs, &nc->capobjs, n, sizeof *nc->objs);
        n = mdc_sql_model_objects(v->a, m, what, nc->objs, nc->capobjs);
    }
    return n;
}

static uint32_t key_hash(uint32_t space, name_ns ns, const char *key)
{
    uint32_t h = 2166136261u ^ space ^ ((uint32_t)ns << 24);
    for (const char *s = key; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static void name_add(names_ctx *nc, name_ns ns, uint32_t space, const char *key, const mdc_doc *doc, size_t obj,
                     size_t id)
{
    nc->v = grow(nc->v, &nc->cap, nc->n + 1, sizeof *nc->v);
    nc->v[nc->n++] = (name_obj){key, doc, key_hash(space, ns, key), space, (uint32_t)id, 0, 0, (uint16_t)obj,
                                (uint8_t)ns, false};
}

/* The space of PostgreSQL's (db, schema); new spaces get mdc's own names. */
static uint32_t pg_space(names_ctx *nc, const char *db, const char *schema, size_t *id)
{
    for (size_t k = nc->nspace; k-- > 0;)
        if (strcmp(nc->space_schema[k], schema) == 0 && strcmp(nc->space_db[k], db) == 0) return (uint32_t)k;
    size_t c = nc->capspace;
    nc->space_db = grow(nc->space_db, &c, nc->nspace + 1, sizeof *nc->space_db);
    nc->space_schema = grow(nc->space_schema, &nc->capspace, nc->nspace + 1, sizeof *nc->space_schema);
    nc->space_db[nc->nspace] = db;
    nc->space_schema[nc->nspace] = schema;
    const char *const *own = mdc_sql_own_names(MDC_DIALECT_POSTGRES);
    for (size_t k = 0; own[k]; k++) name_add(nc, NS_PG_RELATION, (uint32_t)nc->nspace, own[k], NULL, OWN_NAME, (*id)++);
    return (uint32_t)nc->nspace++;
}

/* The details of entry x for a report. */
static clash_obj clash_of(vctx *v, names_ctx *nc, const name_obj *x)
{
    clash_obj c;
    memset(&c, 0, sizeof c);
    c.ns = (name_ns)x->ns;
    c.doc = x->doc;
    c.id = x->id;
    c.o.name = x->key;
    if (x->ns == NS_PG_RELATION) c.scope = nc->space_schema[x->space];
    if (!x->doc) return c;
    const mdc_model *m = x->doc->body;
    model_objects(v, nc, m); /* the same objects, in the same order, as when collected */
    c.o = nc->objs[x->obj];
    c.loc = object_loc(x->doc, m, &c.o);
    return c;
}

/* PostgreSQL constraint names of one model (a handful: compared pairwise). */
static void check_constraints(vctx *v, const mdc_doc *doc, const mdc_sql_object *objs, size_t n, size_t id0,
                              bool *reported)
{
    for (size_t i = 0; i < n; i++) {
        if (!objs[i].constraint || reported[id0 + i]) continue;
        for (size_t k = 0; k < i; k++) {
            if (!objs[k].constraint || strcmp(objs[k].name, objs[i].name) != 0) continue;
            clash_obj g[2];
            for (int j = 0; j < 2; j++) {
                size_t at_ = j ? i : k;
                memset(&g[j], 0, sizeof g[j]);
                g[j] = (clash_obj){NS_PG_CONSTRAINT, doc, objs[at_], (uint32_t)(id0 + at_),
                                   object_loc(doc, doc->body, &objs[at_]), NULL};
            }
            qsort(g, 2, sizeof *g, cmp_clash_obj);
            report_clash(v, g, 2, reported);
            break;
        }
    }
}

static void check_object_names(vctx *v, const bool *dup)
{
    const mdc_project *p = v->reg->project;
    bool pg = !p || p->dialect_postgres, lite = !p || p->dialect_sqlite;
    const char *default_schema = p && p->pg_schema ? p->pg_schema : "public";
    names_ctx nc;
    memset(&nc, 0, sizeof nc);
    size_t id = 0, capreported = 0;
    bool *reported = NULL;
    bool lite_own = false;
    for (size_t i = 0; i < v->models.n; i++) {
        const mdc_doc *doc = v->models.docs[i];
        const mdc_model *m = doc->body;
        if (!m || dup[i] || !model_complete(m)) continue;
        const char *db = m->source ? m->source : "";
        uint32_t space = pg ? pg_space(&nc, db, m->schema ? m->schema : default_schema, &id) : 0;
        if (lite && !m->source && !lite_own) {
            lite_own = true;
            const char *const *own = mdc_sql_own_names(MDC_DIALECT_SQLITE);
            for (size_t k = 0; own[k]; k++) name_add(&nc, NS_SQLITE, 0, own[k], NULL, OWN_NAME, id++);
        }
        size_t n = model_objects(v, &nc, m);
        reported = grow_flags(reported, &capreported, id + n + 1);
        if (pg) check_constraints(v, doc, nc.objs, n, id, reported);
        for (size_t k = 0; k < n; k++, id++) {
            const mdc_sql_object *o = &nc.objs[k];
            if (pg && o->relation) name_add(&nc, NS_PG_RELATION, space, o->name, doc, k, id);
            if (!lite || !o->lite || m->source) continue;
            const char *key = ascii_lower(v->a, o->name);
            name_add(&nc, NS_SQLITE, 0, key, doc, k, id);
            if ((o->kind == MDC_SQL_OBJ_TABLE || o->kind == MDC_SQL_OBJ_INDEX) && strncmp(key, "sqlite_", 7) == 0) {
                clash_obj c = {NS_SQLITE, doc, *o, (uint32_t)id, object_loc(doc, m, o), NULL};
                reported[id] = true;
                report(v, "DUPLICATE_OBJECT_NAME", c.loc,
                       "name `%s` of %s is reserved: SQLite keeps names starting with `sqlite_` for its own use",
                       o->name, object_what(v, &c));
            }
        }
    }
    reported = grow_flags(reported, &capreported, id + 1);

    /* chain the objects of one name (a table probed by name, never iterated) */
    size_t cap = 16;
    while (cap < 2 * nc.n) cap *= 2;
    uint32_t *slots = calloc(cap, sizeof *slots);
    if (!slots) abort();
    for (size_t i = 0; i < nc.n; i++) {
        name_obj *x = &nc.v[i];
        for (size_t h = x->hash & (cap - 1);; h = (h + 1) & (cap - 1)) {
            uint32_t k = slots[h];
            if (!k) {
                slots[h] = (uint32_t)(i + 1);
                break;
            }
            name_obj *first = &nc.v[k - 1];
            if (first->hash != x->hash || first->ns != x->ns || first->space != x->space ||
                strcmp(first->key, x->key) != 0)
                continue;
            nc.v[(first->last ? first->last : k) - 1].next = (uint32_t)(i + 1);
            first->last = (uint32_t)(i + 1);
            x->later = true;
            break;
        }
    }
    free(slots);

    clash_obj *g = NULL;
    size_t capg = 0;
    for (size_t i = 0; i < nc.n; i++) {
        if (nc.v[i].later || !nc.v[i].next) continue;
        size_t n = 0;
        for (uint32_t k = (uint32_t)(i + 1); k; k = nc.v[k - 1].next) {
            g = grow(g, &capg, n + 1, sizeof *g);
            g[n++] = clash_of(v, &nc, &nc.v[k - 1]);
        }
        qsort(g, n, sizeof *g, cmp_clash_obj);
        report_clash(v, g, n, reported);
    }
    free(g);
    free(reported);
    free(nc.v);
    free(nc.objs);
    free(nc.space_db);
    free(nc.space_schema);
}

/* ------------------------------------------------------------------ 4. entities, contracts */

/* maps_to item := Model | source.table */
static void check_entity(vctx *v, const mdc_doc *doc, const mdc_entity *e)
{
    if (!e->maps_to) return;
    for (size_t i = 0; i < e->nmaps; i++) {
        const char *item = e->maps_to[i];
        if (!item || !*item) continue;
        mdc_loc l = at(doc, e->maps_to_locs ? e->maps_to_locs[i] : doc->loc);
        const char *dot = strchr(item, '.');
        if (!dot) {
            if (index_find(&v->models, item)) continue;
            mdc_diag *dg = report(v, "UNKNOWN_REFERENCE", l,
                                  "entity `%s` maps to unknown model `%s`", doc->name, item);
            note_did_you_mean(v, dg, item, v->models.names, v->models.n);
            mdc_diag_note(v->d, dg, "maps_to items are `Model` or `source.table`");
            continue;
        }
        const char *src = mdc_strndup(v->a, item, (size_t)(dot - item));
        if (index_find(&v->sources, src)) continue;
        mdc_diag *dg =
            report(v, "UNKNOWN_REFERENCE", l,
                   "entity `%s` maps to `%s`, but there is no source `%s`", doc->name, item, src);
        note_did_you_mean(v, dg, src, v->sources.names, v->sources.n);
    }
}

static void check_contract(vctx *v, const mdc_doc *doc, const mdc_contract *c)
{
    if (!c->model) return;
    mdc_doc *mdoc = index_find(&v->models, c->model);
    if (!mdoc) {
        mdc_diag *dg = report(v, "UNKNOWN_REFERENCE", at(doc, c->model_loc),
                              "contract `%s` names unknown model `%s`", doc->name, c->model);
        note_did_you_mean(v, dg, c->model, v->models.names, v->models.n);
        return;
    }
    const mdc_model *m = mdoc->body;
    if (!m || !c->fields) return;
    for (size_t i = 0; i < c->nfields; i++) {
        const mdc_contract_field *cf = &c->fields[i];
        if (!cf->name) continue;
        mdc_loc l = at(doc, cf->loc);
        const mdc_field *f = find_field(m, cf->name);
        if (!f) {
            mdc_diag *dg = report(v, "UNKNOWN_FIELD", l,
                                  "contract `%s` pins field `%s`, which model `%s` does not "
                                  "have",
                                  doc->name, cf->name, mdoc->name);
            note_field_names(v, dg, cf->name, m);
            continue;
        }
        if (cf->type && !mdc_type_equal(cf->type, &f->type)) {
            mdc_diag *dg = report(v, "CONTRACT_TYPE_MISMATCH", l,
                                  "contract `%s` expects `%s` to be %s, model %s has %s", doc->name,
                                  cf->name, mdc_type_canonical(v->a, cf->type), mdoc->name,
                                  mdc_type_canonical(v->a, &f->type));
            note_defined_here(v, dg, mdc_printf(v->a, "`%s.%s`", mdoc->name, f->name), mdoc,
                              f->loc);
        }
    }
}

static void check_entities_and_contracts(vctx *v, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++) {
        const mdc_doc *doc = v->reg->docs[i];
        if (!doc->name || !doc->body) continue;
        if (doc->kind == MDC_KIND_ENTITY) check_entity(v, doc, doc->body);
        if (doc->kind == MDC_KIND_CONTRACT) check_contract(v, doc, doc->body);
    }
}

/* ------------------------------------------------------------------ entry point */

void mdc_validate(mdc_arena *a, mdc_registry *reg, mdc_diags *d)
{
    if (!reg || !reg->docs) return;
    vctx v = {a, reg, d, {0}, {0}};
    check_duplicates(&v);
    build_index(&v, MDC_KIND_MODEL, &v.models);
    build_index(&v, MDC_KIND_SOURCE, &v.sources);
    check_models(&v);
    check_model_hints(&v);
    for (size_t i = 0; i < v.models.n; i++)
        if (v.models.docs[i]->body) check_field_hints(&v, v.models.docs[i], v.models.docs[i]->body);
    bool *dup = calloc(v.models.n + 1, sizeof *dup);
    if (!dup) abort();
    check_tables(&v, dup);
    check_object_names(&v, dup);
    free(dup);
    check_entities_and_contracts(&v, 0, reg->ndocs);
}

/* [*from, *to) of the documents of kind k in reg->docs, which is sorted by kind first. */
static void kind_run(const mdc_registry *reg, mdc_kind k, size_t *from, size_t *to)
{
    size_t lo = 0, hi = reg->ndocs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (reg->docs[mid]->kind < k) lo = mid + 1;
        else hi = mid;
    }
    *from = lo;
    hi = reg->ndocs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (reg->docs[mid]->kind <= k) lo = mid + 1;
        else hi = mid;
    }
    *to = lo;
}

static void run_index(vctx *v, mdc_kind k, name_index *ix)
{
    size_t from, to;
    kind_run(v->reg, k, &from, &to);
    memset(ix, 0, sizeof *ix);
    ix->docs = v->reg->docs + from;
    ix->n = to - from;
    ix->run = true;
}

bool mdc_validate_step(mdc_arena *a, mdc_registry *reg, mdc_doc *const *check, size_t ncheck)
{
    if (!reg || !reg->docs) return false;
    mdc_diags scratch;
    mdc_diags_init(&scratch, a);
    vctx v = {a, reg, &scratch, {0}, {0}};
    run_index(&v, MDC_KIND_MODEL, &v.models);
    run_index(&v, MDC_KIND_SOURCE, &v.sources);
    bool hint = false;
    for (size_t i = 0; i < ncheck; i++) {
        mdc_doc *doc = check[i];
        mdc_model *m = doc->body;
        if (doc->kind != MDC_KIND_MODEL || !doc->name || !m) continue;
        /* a model's hint may clash with any model: left to the full validation */
        if (m->renamed_from) hint = true;
        check_reserved_name(&v, doc);
        check_model_source(&v, doc, m);
        check_field_hints(&v, doc, m);
        for (size_t k = 0; m->fields && k < m->nfields; k++) {
            mdc_field *f = &m->fields[k];
            if (f->name && f->ref_model) check_reference(&v, doc, f);
        }
    }
    /* entities and contracts: their runs (kinds sort contract, entity, model, source) */
    size_t from, to, efrom, eto;
    kind_run(reg, MDC_KIND_CONTRACT, &from, &to);
    check_entities_and_contracts(&v, from, to);
    kind_run(reg, MDC_KIND_ENTITY, &efrom, &eto);
    check_entities_and_contracts(&v, efrom, eto);
    bool ok = scratch.errors == 0 && !hint;
    mdc_diags_release(&scratch);
    return ok;
}
