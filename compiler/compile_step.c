/*
 * compile_step.c - a revision compiled as a step from another compilation of the same
 * repository (mdc_compile_step, compile.h).
 *
 * mdc_compile sharing a base still lists every file, sorts every document, and checks
 * tables and references across the whole registry; in a history walk that is most of the
 * cost of a commit that changed five files out of 10,000.  A step instead starts from the
 * base's registry, which compiled without errors:
 *
 *   1. the tree diff names the files that changed (source.h: mdc_state_list_changes);
 *      only those are parsed;
 *   2. the base's documents from changed files are taken out, the new ones merged in
 *      (both sorted), and so are the base's shareable files and its warnings;
 *   3. models that reference a model that changed, appeared or went away are copied, to
 *      be resolved, checked and canonicalised again (the base's document summaries,
 *      compile_priv.h, find them without reading every document);
 *   4. only the new and copied models, and every entity and contract, are checked
 *      (validate.c: mdc_validate_step).  A duplicate name, a changed source, a table that
 *      may collide, or an error found, and the whole registry is validated as mdc_compile
 *      would: the diagnostics are then exactly its.
 *
 * Everything else was valid in the base and resolves to the very same documents, so the
 * result is the compilation mdc_compile would produce.  test_build.sh compares the two
 * on histories that exercise each case.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../model/buf.h"
#include "canon.h"
#include "compile_priv.h"
#include "load.h"

/* The index for sharing is on the heap (see mdc_compilation_drop_index). */
static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p) {
        fputs("mdc: out of memory\n", stderr);
        abort();
    }
    return p;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp_str_ptr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static size_t blob_lower_bound(const blob_entry *v, size_t n, const char *path)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(v[mid].path, path) < 0) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static const blob_entry *find_blob(const blob_entry *v, size_t n, const char *path)
{
    size_t k = blob_lower_bound(v, n, path);
    return k < n && strcmp(v[k].path, path) == 0 ? &v[k] : NULL;
}

static bool same_name(const mdc_doc *a, const mdc_doc *b)
{
    return a && b && a->kind == b->kind && a->name && b->name && strcmp(a->name, b->name) == 0;
}

/* What a step works with. */
typedef struct step {
    mdc_compilation *c;
    const mdc_compilation *base;
    const char **changed; /* every changed path, sorted: loaded files and gone ones */
    size_t nchanged;
    file_result *results; /* per file of c->state (the changed files present at c) */
    const mdc_doc **removed; /* the base's documents of changed files */
    size_t nremoved;
    mdc_doc **fresh;      /* documents loaded here, sorted like the registry */
    size_t nfresh;
    const char **touched; /* names of models removed or loaded here */
    uint32_t *touched_hash;
    size_t ntouched;
    uint64_t touched_mask; /* bit (hash & 63) of every touched hash */
    mdc_doc **copies;     /* shared models copied to be checked again */
    size_t ncopies;
    size_t *own_at;       /* positions in the registry of fresh documents and copies */
    size_t nown;
    bool full;            /* validate the whole registry */
} step;

static bool is_changed(const step *s, const char *path)
{
    return s->nchanged && bsearch(&path, s->changed, s->nchanged, sizeof *s->changed, cmp_str_ptr);
}

/* Changed paths, removed documents, fresh documents and touched names. */
static void gather(step *s, const char *const *gone, size_t ngone)
{
    mdc_compilation *c = s->c;
    const mdc_state *st = c->state;
    const blob_entry *bb = s->base->blobs;
    s->nchanged = st->nfiles + ngone;
    s->changed = mdc_new_array(c->arena, const char *, s->nchanged + 1);
    for (size_t i = 0; i < st->nfiles; i++) s->changed[i] = st->files[i].path;
    for (size_t i = 0; i < ngone; i++) s->changed[st->nfiles + i] = gone[i];
    qsort(s->changed, s->nchanged, sizeof *s->changed, cmp_str_ptr);

    mdc_ptrvec removed = {0};
    for (size_t i = 0; i < s->nchanged; i++) {
        const blob_entry *e = find_blob(bb, s->base->nblobs, s->changed[i]);
        for (size_t k = 0; e && k < e->ndocs; k++) mdc_ptrvec_push(c->arena, &removed, e->docs[k]);
    }
    s->removed = (const mdc_doc **)removed.v;
    s->nremoved = removed.n;
    size_t nfresh = 0;
    for (size_t i = 0; i < st->nfiles; i++) nfresh += s->results[i].ndocs;
    s->fresh = mdc_new_array(c->arena, mdc_doc *, nfresh + 1);
    s->touched = mdc_new_array(c->arena, const char *, s->nremoved + nfresh + 1);
    s->touched_hash = mdc_new_array(c->arena, uint32_t, s->nremoved + nfresh + 1);
    for (size_t i = 0; i < st->nfiles; i++)
        for (size_t k = 0; k < s->results[i].ndocs; k++) s->fresh[s->nfresh++] = s->results[i].docs[k];
    qsort(s->fresh, s->nfresh, sizeof *s->fresh, mdc_cmp_doc);

    for (size_t i = 0; i < s->nremoved + s->nfresh; i++) {
        const mdc_doc *d = i < s->nremoved ? s->removed[i] : s->fresh[i - s->nremoved];
        if (d->kind == MDC_KIND_SOURCE) s->full = true; /* sources: checked everywhere */
        if (d->kind != MDC_KIND_MODEL || !d->name) continue;
        s->touched[s->ntouched] = d->name;
        s->touched_hash[s->ntouched] = mdc_name_hash(d->name);
        s->touched_mask |= (uint64_t)1 << (s->touched_hash[s->ntouched++] & 63);
    }
}

/* The number of the base's documents that sort before d (bisection: only log n of them
 * are read). */
static size_t lower_bound(const mdc_registry *reg, const mdc_doc *d)
{
    size_t lo = 0, hi = reg->ndocs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (mdc_cmp_doc(&reg->docs[mid], &d) < 0) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* reg->docs = the base's documents not removed, merged with the fresh ones; c->sums
 * follow.  Only the fresh documents and their neighbours are read: a fresh document with
 * the name of a neighbour is a duplicate. */
static void merge_docs(step *s)
{
    mdc_compilation *c = s->c;
    const mdc_registry *breg = s->base->reg;
    const doc_sum *bsum = s->base->sums;
    size_t cap = breg->ndocs + s->nfresh + 1;
    mdc_registry *reg = c->reg;
    reg->docs = mdc_new_array(c->arena, mdc_doc *, cap);
    doc_sum *sums = xcalloc(cap, sizeof *sums);
    mdc_reg_line *lines = xcalloc(cap, sizeof *lines);
    const mdc_reg_line *blines = s->base->lines;
    s->own_at = mdc_new_array(c->arena, size_t, cap);
    size_t *at = mdc_new_array(c->arena, size_t, s->nfresh + 1);
    /* positions of the removed documents in the base, ascending */
    size_t *gone_at = mdc_new_array(c->arena, size_t, s->nremoved + 1), ngone = 0, g = 0;
    for (size_t i = 0; i < s->nremoved; i++) {
        size_t k = lower_bound(breg, s->removed[i]);
        if (k < breg->ndocs && breg->docs[k] == s->removed[i]) gone_at[ngone++] = k;
    }
    qsort(gone_at, ngone, sizeof *gone_at, cmp_size);
    size_t nrefs = 0;
    for (size_t i = 0; i < breg->ndocs; i++) nrefs += bsum[i].nref;
    for (size_t i = 0; i < s->nfresh; i++) {
        nrefs += mdc_count_refs(s->fresh[i]);
        at[i] = lower_bound(breg, s->fresh[i]);
    }
    uint32_t *refs = xcalloc(nrefs + 1, sizeof *refs);
    size_t n = 0, r = 0, f = 0;
    bool after_fresh = false; /* the last document placed is a fresh one */
    for (size_t i = 0; i <= breg->ndocs; i++) {
        for (; f < s->nfresh && at[f] == i; f++) {
            mdc_doc *d = s->fresh[f];
            mdc_doc_sum_of(&sums[n], d, refs, &r);
            if (same_name(n ? reg->docs[n - 1] : NULL, d)) s->full = true;
            s->own_at[s->nown++] = n;
            reg->docs[n++] = d;
            after_fresh = true;
        }
        if (i == breg->ndocs) break;
        mdc_doc *bd = breg->docs[i];
        if (g < ngone && gone_at[g] == i) {
            g++;
            continue;
        }
        if (after_fresh && same_name(reg->docs[n - 1], bd)) s->full = true;
        after_fresh = false;
        lines[n] = blines[i];
        sums[n] = bsum[i];
        sums[n].ref_at = (uint32_t)r;
        memcpy(refs + r, s->base->ref_hashes + bsum[i].ref_at, bsum[i].nref * sizeof *refs);
        r += bsum[i].nref;
        reg->docs[n++] = bd;
    }
    reg->ndocs = n;
    c->sums = sums;
    c->ref_hashes = refs;
    c->lines = lines;
    c->index_heap = true;
}

/* Does model d reference one of the touched names? */
static bool refers_to_touched(const step *s, size_t at)
{
    const doc_sum *sum = &((const doc_sum *)s->c->sums)[at];
    for (uint32_t k = 0; k < sum->nref; k++) {
        uint32_t h = s->c->ref_hashes[sum->ref_at + k];
        if (!(s->touched_mask >> (h & 63) & 1)) continue;
        for (size_t t = 0; t < s->ntouched; t++) {
            if (s->touched_hash[t] != h) continue;
            const mdc_model *m = s->c->reg->docs[at]->body;
            for (size_t i = 0; i < m->nfields; i++)
                if (m->fields[i].ref_model && strcmp(m->fields[i].ref_model, s->touched[t]) == 0)
                    return true;
        }
    }
    return false;
}

/* Copies the models that reference a touched name, so that they are resolved, checked and
 * canonicalised again; returns the documents to check (fresh models, then copies). */
static mdc_doc **recheck(step *s, size_t *ncheck)
{
    mdc_compilation *c = s->c;
    mdc_registry *reg = c->reg;
    mdc_ptrvec v = {0};
    for (size_t i = 0; i < s->nfresh; i++)
        if (s->fresh[i]->kind == MDC_KIND_MODEL) mdc_ptrvec_push(c->arena, &v, s->fresh[i]);
    size_t nfresh = v.n;
    for (size_t i = 0; s->ntouched && i < reg->ndocs; i++) {
        if (!refers_to_touched(s, i) || reg->docs[i]->owner == c) continue;
        reg->docs[i] = mdc_copy_for_recheck(c, reg->docs[i]);
        mdc_ptrvec_push(c->arena, &v, reg->docs[i]);
        s->own_at[s->nown++] = i;
    }
    s->copies = (mdc_doc **)v.v + nfresh;
    s->ncopies = v.n - nfresh;
    *ncheck = v.n;
    return (mdc_doc **)v.v;
}

/* A fresh model whose table hash another document has may collide: check all tables.
 * (A copy has the table of the original it replaces, which collided with nothing new.) */
static bool table_may_collide(const step *s)
{
    const doc_sum *sums = s->c->sums;
    size_t n = s->c->reg->ndocs;
    for (size_t i = 0; i < s->nfresh; i++) {
        uint64_t h = mdc_table_hash(s->fresh[i]);
        size_t same = 0;
        for (size_t k = 0; h && k < n; k++) same += sums[k].table == h;
        if (same > 1) return true;
    }
    return false;
}

/* The base's shareable files not changed, merged with the ones loaded here (both sorted by
 * path); the entries of copied models point to the copies. */
static void merge_blobs(step *s)
{
    mdc_compilation *c = s->c;
    const blob_entry *bb = s->base->blobs;
    size_t nb = s->base->nblobs;
    blob_entry *v = xcalloc(nb + c->state->nfiles + 1, sizeof *v);
    size_t n = 0, from = 0, f = 0;
    /* runs of unchanged entries between the changed paths */
    for (size_t i = 0; i <= s->nchanged; i++) {
        size_t to = i < s->nchanged ? blob_lower_bound(bb, nb, s->changed[i]) : nb;
        if (to > from) {
            memcpy(v + n, bb + from, (to - from) * sizeof *v);
            n += to - from;
            from = to;
        }
        if (i == s->nchanged) break;
        if (from < nb && strcmp(bb[from].path, s->changed[i]) == 0) from++; /* replaced */
        /* the files present are among the changed paths, in the same order */
        if (f == c->state->nfiles || c->state->files[f].path != s->changed[i]) continue; /* gone */
        const mdc_file *fl = &c->state->files[f];
        const file_result *r = &s->results[f++];
        if (r->loaded) c->nparsed++;
        if (!r->docs || !fl->oid[0]) continue;
        v[n].path = fl->path;
        memcpy(v[n].oid, fl->oid, sizeof v[n].oid);
        v[n].docs = r->docs;
        v[n].ndocs = r->ndocs;
        v[n].diags = r->diags;
        v[n].ndiags = r->ndiags;
        n++;
    }
    for (size_t i = 0; i < s->ncopies; i++) {
        const mdc_doc *d = s->copies[i];
        blob_entry *e = (blob_entry *)find_blob(v, n, d->path);
        if (!e) continue;
        mdc_doc **docs = mdc_new_array(c->arena, mdc_doc *, e->ndocs + 1);
        for (size_t k = 0; k < e->ndocs; k++) {
            docs[k] = e->docs[k];
            if (same_name(docs[k], d) && docs[k]->loc.line == d->loc.line) docs[k] = (mdc_doc *)d;
        }
        e->docs = docs;
    }
    c->blobs = v;
    c->nblobs = n;
}

static bool same_strings(const char *const *a, size_t na, const char *const *b, size_t nb)
{
    if (na != nb) return false;
    for (size_t i = 0; i < na; i++)
        if (strcmp(a[i] ? a[i] : "", b[i] ? b[i] : "") != 0) return false;
    return true;
}

/* What the files listed and the documents loaded depend on. */
static bool same_listing(const mdc_project *a, const mdc_project *b)
{
    return mdc_same_defaults(a, b) && same_strings(a->model_dirs, a->nmodel_dirs, b->model_dirs, b->nmodel_dirs);
}

/* What the checks across documents depend on (validate.c). */
static bool same_checks(const mdc_project *a, const mdc_project *b)
{
    return a->dialect_sqlite == b->dialect_sqlite &&
           same_strings(a->reserved_models, a->nreserved_models, b->reserved_models, b->nreserved_models);
}

int mdc_compile_step(mdc_compilation **out, mdc_repo *repo, const char *rev,
                     const mdc_compilation *base, unsigned threads, mdc_error *err)
{
    mdc_compile_opts full = {MDC_STATE_REV, rev, threads, base};
    *out = NULL;
    if (!base || !base->canonical || !base->has_project || !base->sums)
        return mdc_compile(out, repo, &full, err);

    mdc_compilation *c = mdc_compilation_new();
    if (!c) return mdc_error_set(err, "out of memory");
    double t0 = mdc_now_ms();
    if (mdc_state_open(&c->state, repo, MDC_STATE_REV, rev, err) < 0) goto fail;
    mdc_state_path_oid(c->state, "mdc.yaml", c->project_oid);
    const mdc_project *bp = base->reg->project;
    mdc_project *p = NULL;
    bool project_changed = !base->project_oid[0] || strcmp(c->project_oid, base->project_oid) != 0;
    if (project_changed) {
        int prc;
        p = mdc_load_project_file(c, err, &prc);
        if (prc < 0) goto fail;
        if (c->diags.errors || !c->has_project || !same_listing(p, bp)) goto full;
    } else {
        /* the base's project (a copy: canonicalising writes into it), and its warnings */
        p = mdc_new(c->arena, mdc_project);
        *p = *bp;
        c->has_project = true;
    }
    c->reg->project = p;
    const char **gone = NULL;
    size_t ngone = 0;
    int lc = mdc_state_list_changes(c->state, base->state, bp->model_dirs, bp->nmodel_dirs, &gone,
                                    &ngone, err);
    if (lc < 0) goto fail;
    if (lc == 0 || base->reg->ndocs + c->state->nfiles > MDC_MAX_DOCS) goto full;
    mdc_phase("list", &t0);

    step s;
    memset(&s, 0, sizeof s);
    s.c = c;
    s.base = base;
    s.results = calloc(c->state->nfiles + 1, sizeof *s.results);
    if (!s.results) {
        mdc_error_set(err, "out of memory");
        goto fail;
    }
    if (mdc_compile_files(c, p, NULL, mdc_pick_threads(threads, c->state->nfiles), s.results, err) < 0) {
        free(s.results);
        goto fail;
    }
    mdc_phase("parse", &t0);
    gather(&s, gone, ngone);
    /* Another project file: its reserved names and dialects may make any model invalid. */
    if (project_changed && !same_checks(p, bp)) s.full = true;
    /* The base's warnings about files that did not change (and mdc.yaml) still hold. */
    for (size_t i = 0; i < base->diags.n; i++) {
        const char *path = base->diags.v[i]->path;
        if (!is_changed(&s, path) && !(project_changed && strcmp(path, "mdc.yaml") == 0))
            mdc_diags_append(&c->diags, base->diags.v[i]);
    }

    merge_docs(&s);
    size_t ncheck = 0;
    mdc_doc **check = recheck(&s, &ncheck);
    merge_blobs(&s);
    if (c->diags.errors || s.full || table_may_collide(&s) ||
        !mdc_validate_step(c->arena, c->reg, check, ncheck))
        mdc_validate(c->arena, c->reg, &c->diags);
    mdc_phase("validate", &t0);
    if (c->diags.errors == 0) {
        /* only the fresh documents and the copies need a canonical form, and a line */
        mdc_canon_project(c->arena, p);
        mdc_reg_line *lines = c->lines;
        for (size_t i = 0; i < s.nown; i++) {
            mdc_doc *d = c->reg->docs[s.own_at[i]];
            if (!d->canonical_json) mdc_canon_doc(c->arena, d);
            lines[s.own_at[i]] = mdc_registry_line(c->arena, d);
        }
        if (!mdc_registry_checksum_lines(c->reg, lines)) mdc_canon_registry(c->arena, c->reg);
        /* own documents in registry order: own_at holds the fresh ones, then the copies */
        qsort(s.own_at, s.nown, sizeof *s.own_at, cmp_size);
        c->own = mdc_new_array(c->arena, mdc_doc *, s.nown + 1);
        for (size_t i = 0; i < s.nown; i++) c->own[c->nown++] = c->reg->docs[s.own_at[i]];
        c->canonical = true;
        c->reg->unique_sorted = true; /* sorted, and validation dropped duplicates */
    } else {
        mdc_compilation_drop_index(c); /* full validation may have dropped duplicates */
    }
    mdc_phase("canon", &t0);
    mdc_diags_sort(&c->diags);
    free(s.results);
    *out = c;
    return 0;
full:
    mdc_compilation_free(c); /* folders a tree diff cannot follow, or another listing */
    return mdc_compile(out, repo, &full, err);
fail:
    mdc_compilation_free(c);
    return -1;
}
