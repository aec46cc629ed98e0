/*
 * compile.c - the front-end driver: one state in, one registry out (see compile.h).
 *
 * The per-file stage (read bytes, parse YAML, load documents) is independent for every
 * file, so it runs in worker threads.  Each worker owns an arena, a diagnostics list, a
 * reader and a byte buffer; results are written into a per-file slot so that merging
 * them is deterministic whatever the scheduling.  Everything after that (sorting,
 * cross-document validation, canonical form) runs on the main thread.
 */
#include "compile.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <unistd.h>

#include "../model/buf.h"
#include "canon.h"
#include "compile_priv.h"
#include "load.h"
#include "yaml.h"

#define LFS_MAGIC "version https://git-lfs.github.com/spec/"

typedef struct worker {
    pthread_t thread;
    struct job *job;
    mdc_arena *arena;   /* definitions and strings: kept */
    mdc_arena *scratch; /* one file's YAML tree: reset after each file */
    mdc_diags diags;
    mdc_error err;
    int failed;
} worker;

typedef struct job {
    mdc_state *state;
    const mdc_project *project;
    const mdc_compilation *share; /* NULL when sharing is off */
    const size_t *share_at;       /* per file: its path's entry in share->blobs, or SIZE_MAX */
    const void *owner;            /* the compilation: documents loaded here point to it */
    file_result *results;
    atomic_size_t next;
    atomic_int stop;
} job;

/* For every listed file, the index of the same path in share->blobs (SIZE_MAX: none).
 * Both lists are sorted by path, so one merge pass finds them all. */
static size_t *match_shared(const mdc_state *st, const mdc_compilation *share)
{
    size_t *at = malloc((st->nfiles ? st->nfiles : 1) * sizeof *at);
    if (!at) return NULL;
    const blob_entry *v = share->blobs;
    size_t k = 0;
    for (size_t i = 0; i < st->nfiles; i++) {
        at[i] = SIZE_MAX;
        int c = 1;
        while (k < share->nblobs && (c = strcmp(v[k].path, st->files[i].path)) < 0) k++;
        if (k < share->nblobs && c == 0) at[i] = k;
    }
    return at;
}

/* The documents `share` loaded from the same path and blob, or NULL. */
static const blob_entry *shared_blob(const job *j, size_t i)
{
    if (!j->share_at || j->share_at[i] == SIZE_MAX) return NULL;
    const blob_entry *e = &((const blob_entry *)j->share->blobs)[j->share_at[i]];
    const mdc_file *f = &j->state->files[i];
    return f->oid[0] && strcmp(f->oid, e->oid) == 0 ? e : NULL;
}

static bool take_shared(worker *w, size_t i)
{
    job *j = w->job;
    const blob_entry *e = shared_blob(j, i);
    if (!e) return false;
    j->results[i].docs = e->docs;
    j->results[i].ndocs = e->ndocs;
    j->results[i].diags = e->diags;
    j->results[i].ndiags = e->ndiags;
    for (size_t k = 0; k < e->ndiags; k++) mdc_diags_append(&w->diags, e->diags[k]);
    return true;
}

static bool has_implicit_reference(const mdc_doc *d)
{
    const mdc_model *m = d->kind == MDC_KIND_MODEL ? d->body : NULL;
    for (size_t i = 0; m && i < m->nfields; i++)
        if (m->fields[i].ref_model && m->fields[i].ref_implicit) return true;
    return false;
}

/* Reads, parses and loads st->files[i] into its result slot. */
static int compile_file(worker *w, mdc_reader *rd, mdc_buf *buf, size_t i)
{
    job *j = w->job;
    mdc_file *f = &j->state->files[i];
    const char *path = f->path;

    switch (f->kind) {
    case MDC_FILE_YAML:
        break;
    case MDC_FILE_OTHER:
        mdc_diag_add(&w->diags, MDC_WARNING, "SKIPPED_FILE", path, 0, 0,
                     "not a YAML file (.yaml or .yml); skipped");
        return 0;
    case MDC_FILE_SYMLINK:
        mdc_diag_add(&w->diags, MDC_WARNING, "SKIPPED_FILE", path, 0, 0,
                     "symbolic link; skipped (links are never followed)");
        return 0;
    case MDC_FILE_SUBMODULE:
        mdc_diag_add(&w->diags, MDC_WARNING, "SKIPPED_FILE", path, 0, 0,
                     "git submodule; skipped");
        return 0;
    case MDC_FILE_BAD_NAME:
        mdc_diag_add(&w->diags, MDC_ERROR, "BAD_FILE_NAME", path, 0, 0,
                     "the file name is not UTF-8 (shown escaped); the file was not read");
        return 0;
    }

    if (take_shared(w, i)) return 0;
    if (mdc_reader_read(rd, f, buf, &w->err) < 0) return -1;
    if (take_shared(w, i)) return 0; /* working tree: the blob id is known only now */
    size_t ndiags = w->diags.n;
    file_result *r = &j->results[i];
    r->loaded = true;
    if (buf->len >= sizeof LFS_MAGIC - 1 && memcmp(buf->ptr, LFS_MAGIC, sizeof LFS_MAGIC - 1) == 0) {
        mdc_diag *d = mdc_diag_add(&w->diags, MDC_ERROR, "LFS_POINTER", path, 1, 1,
                                   "this file is a Git LFS pointer, not the definition itself");
        mdc_diag_note(&w->diags, d, "definitions must be stored in git directly; run "
                                    "`git lfs untrack` for the model folders");
        r->loaded = false; /* never shared */
        return 0;
    }

    const char *fpath = mdc_strdup(w->arena, path);
    const char *oid = mdc_strdup(w->arena, f->oid);
    size_t errors = w->diags.errors;
    mdc_yfile yf;
    mdc_yaml_parse2(w->arena, w->scratch, fpath, buf->ptr ? buf->ptr : "", buf->len, &w->diags, &yf);

    r->docs = mdc_new_array(w->arena, mdc_doc *, yf.ndocs ? yf.ndocs : 1);
    for (size_t k = 0; k < yf.ndocs; k++) {
        if (!yf.docs[k].root) continue; /* an empty document (e.g. a trailing ---) */
        mdc_doc *d = mdc_load_document(w->arena, j->project, fpath, &yf.docs[k], &w->diags);
        if (!d) continue;
        d->blob_oid = oid;
        d->owner = j->owner;
        r->docs[r->ndocs++] = d;
    }
    /* The canonical form of a document depends on itself alone, unless a reference takes
     * its field from the target (validation resolves those): compute it here, in
     * parallel, for the documents of a file that loaded without errors. */
    for (size_t k = 0; w->diags.errors == errors && k < r->ndocs; k++)
        if (!has_implicit_reference(r->docs[k])) mdc_canon_doc(w->arena, r->docs[k]);
    mdc_arena_reset(w->scratch); /* nothing points into the tree any more */
    r->ndiags = w->diags.n - ndiags;
    r->diags = mdc_new_array(w->arena, mdc_diag *, r->ndiags + 1);
    if (r->ndiags) memcpy(r->diags, w->diags.v + ndiags, r->ndiags * sizeof *r->diags);
    return 0;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    job *j = w->job;
    mdc_reader *rd = NULL;
    mdc_buf buf = MDC_BUF_INIT;

    if (mdc_reader_open(&rd, j->state, &w->err) < 0) {
        w->failed = 1;
        atomic_store(&j->stop, 1);
        goto done;
    }
    for (;;) {
        if (atomic_load(&j->stop)) break;
        size_t i = atomic_fetch_add(&j->next, 1);
        if (i >= j->state->nfiles) break;
        if (compile_file(w, rd, &buf, i) < 0) {
            w->failed = 1;
            atomic_store(&j->stop, 1);
            break;
        }
    }
done:
    mdc_reader_free(rd);
    mdc_buf_free(&buf);
    return NULL;
}

unsigned mdc_pick_threads(unsigned asked, size_t nfiles)
{
    const char *env = getenv("MDC_THREADS");
    if (env && *env) asked = (unsigned)atoi(env);
    if (asked == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        asked = n > 0 ? (unsigned)n : 1;
        if (asked > 8) asked = 8;
        if (nfiles < 64) asked = 1; /* a pre-commit hook on a few files: no thread start-up */
    }
    if (asked < 1) asked = 1;
    if (asked > 64) asked = 64;
    return asked;
}

/* Runs the per-file stage over every listed file.  The extra arenas are attached to c. */
int mdc_compile_files(mdc_compilation *c, const mdc_project *p, const mdc_compilation *share,
                         unsigned nthreads, file_result *results, mdc_error *err)
{
    job j;
    memset(&j, 0, sizeof j);
    j.state = c->state;
    j.project = p;
    j.share = share;
    j.owner = c;
    size_t *share_at = share ? match_shared(c->state, share) : NULL;
    j.share_at = share_at;
    j.results = results;
    atomic_init(&j.next, 0);
    atomic_init(&j.stop, 0);

    worker *ws = calloc(nthreads, sizeof *ws);
    if (!ws) {
        free(share_at);
        return mdc_error_set(err, "out of memory");
    }
    int rc = 0;
    for (unsigned t = 0; t < nthreads; t++) {
        ws[t].job = &j;
        ws[t].arena = t == 0 ? c->arena : mdc_arena_new();
        ws[t].scratch = mdc_arena_new();
        mdc_diags_init(&ws[t].diags, ws[t].arena);
    }
    /* Worker 0 runs on the calling thread. */
    unsigned started = 1;
    for (unsigned t = 1; t < nthreads; t++) {
        if (pthread_create(&ws[t].thread, NULL, worker_main, &ws[t]) != 0) break;
        started++;
    }
    worker_main(&ws[0]);
    for (unsigned t = 1; t < started; t++) pthread_join(ws[t].thread, NULL);

    for (unsigned t = 0; t < nthreads; t++) {
        if (ws[t].failed && rc == 0) {
            memcpy(err->msg, ws[t].err.msg, sizeof err->msg);
            rc = -1;
        }
        mdc_diags_merge(&c->diags, &ws[t].diags);
        mdc_diags_release(&ws[t].diags);
        if (t > 0) mdc_ptrvec_push(c->arena, (mdc_ptrvec *)c->extra_arenas, ws[t].arena);
        mdc_arena_free(ws[t].scratch);
    }
    free(ws);
    free(share_at);
    return rc;
}

int mdc_cmp_doc(const void *pa, const void *pb)
{
    const mdc_doc *a = *(const mdc_doc *const *)pa;
    const mdc_doc *b = *(const mdc_doc *const *)pb;
    if (a->kind != b->kind) return a->kind < b->kind ? -1 : 1;
    int c = strcmp(a->name ? a->name : "", b->name ? b->name : "");
    if (c) return c;
    c = strcmp(a->path ? a->path : "", b->path ? b->path : "");
    if (c) return c;
    if (a->loc.line != b->loc.line) return a->loc.line < b->loc.line ? -1 : 1;
    return 0;
}

/* Reads and loads mdc.yaml.  A missing file is a diagnostic; the project then has
 * defaults so that the models can still be checked. */
mdc_project *mdc_load_project_file(mdc_compilation *c, mdc_error *err, int *rc)
{
    mdc_buf buf = MDC_BUF_INIT;
    const mdc_ynode *root = NULL;
    *rc = 0;
    int found = mdc_state_read_path(c->state, "mdc.yaml", &buf, err);
    if (found < 0) {
        *rc = -1;
        mdc_buf_free(&buf);
        return NULL;
    }
    if (found == 0) {
        mdc_diag_add(&c->diags, MDC_ERROR, "MISSING_PROJECT_FILE", "mdc.yaml", 0, 0,
                     "no mdc.yaml at %s", c->state->label);
    } else {
        mdc_yfile yf;
        size_t errors = c->diags.errors;
        mdc_yaml_parse(c->arena, "mdc.yaml", buf.ptr ? buf.ptr : "", buf.len, &c->diags, &yf);
        if (c->diags.errors == errors && (yf.ndocs == 0 || !yf.docs[0].root))
            mdc_diag_add(&c->diags, MDC_ERROR, "MISSING_KEY", "mdc.yaml", 1, 1,
                         "mdc.yaml is empty; it needs at least `project: NAME`");
        if (yf.ndocs > 1)
            mdc_diag_add(&c->diags, MDC_ERROR, "BAD_VALUE", "mdc.yaml", yf.docs[1].loc.line,
                         yf.docs[1].loc.col, "mdc.yaml must hold exactly one YAML document");
        if (yf.ndocs > 0) root = yf.docs[0].root;
    }
    mdc_buf_free(&buf);
    c->has_project = found == 1;
    return mdc_load_project(c->arena, "mdc.yaml", root, &c->diags);
}

/* MDC_TIMING=1 prints how long each phase took (stderr), for benchmarks. */
double mdc_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

void mdc_phase(const char *name, double *t0)
{
    static _Atomic int on = -1; /* history stretches compile from several threads */
    if (atomic_load(&on) < 0) {
        const char *e = getenv("MDC_TIMING");
        atomic_store(&on, e && *e && *e != '0');
    }
    double t = mdc_now_ms();
    if (on) fprintf(stderr, "mdc: %-10s %8.1f ms\n", name, t - *t0);
    *t0 = t;
}

mdc_doc *mdc_copy_for_recheck(mdc_compilation *c, const mdc_doc *d)
{
    const mdc_model *m = d->body;
    mdc_doc *nd = mdc_new(c->arena, mdc_doc);
    *nd = *d;
    mdc_model *nm = mdc_new(c->arena, mdc_model);
    *nm = *m;
    nm->fields = mdc_new_array(c->arena, mdc_field, m->nfields + 1);
    memcpy(nm->fields, m->fields, m->nfields * sizeof *nm->fields);
    for (size_t i = 0; i < nm->nfields; i++)
        if (nm->fields[i].ref_implicit) nm->fields[i].ref_field = NULL;
    nm->doc = nd;
    nd->body = nm;
    nd->owner = c;
    nd->canonical_json = nd->structure_json = NULL;
    nd->checksum[0] = nd->structure_checksum[0] = '\0';
    return nd;
}

/* A shared model with a `references: Model` field (no field named) was resolved against
 * the target as it was in the compilation that loaded it.  When the target was loaded
 * afresh here, the model is copied so that validation resolves it again and the canonical
 * form is recomputed; the shared original stays as it was. */
static mdc_doc *reresolve_copy(mdc_compilation *c, const mdc_doc *d)
{
    const mdc_model *m = d->body;
    bool stale = false;
    for (size_t i = 0; m && i < m->nfields && !stale; i++) {
        const mdc_field *f = &m->fields[i];
        if (!f->ref_implicit) continue;
        const mdc_doc *t = mdc_registry_find(c->reg, MDC_KIND_MODEL, f->ref_model);
        stale = !t || t->owner == c;
    }
    return stale ? mdc_copy_for_recheck(c, d) : NULL;
}

static void collect_docs(mdc_compilation *c, const file_result *results, size_t nfiles)
{
    c->reg->ndocs = 0;
    for (size_t i = 0; i < nfiles; i++)
        for (size_t k = 0; k < results[i].ndocs; k++) c->reg->docs[c->reg->ndocs++] = results[i].docs[k];
    qsort(c->reg->docs, c->reg->ndocs, sizeof *c->reg->docs, mdc_cmp_doc);
}

static void reresolve_shared(mdc_compilation *c, file_result *results, size_t nfiles)
{
    bool any = false;
    for (size_t i = 0; i < nfiles; i++) {
        if (results[i].loaded) continue;
        mdc_doc **copy = NULL;
        for (size_t k = 0; k < results[i].ndocs; k++) {
            const mdc_doc *d = results[i].docs[k];
            if (d->kind != MDC_KIND_MODEL) continue;
            mdc_doc *nd = reresolve_copy(c, d);
            if (!nd) continue;
            if (!copy) {
                copy = mdc_new_array(c->arena, mdc_doc *, results[i].ndocs);
                memcpy(copy, results[i].docs, results[i].ndocs * sizeof *copy);
            }
            copy[k] = nd;
        }
        if (copy) {
            results[i].docs = copy;
            any = true;
        }
    }
    if (any) collect_docs(c, results, nfiles);
}

/* Loading bakes these project settings into documents: sharing needs them equal. */
bool mdc_same_defaults(const mdc_project *a, const mdc_project *b)
{
    if (!a || !b) return false;
    return strcmp(a->pg_schema ? a->pg_schema : "", b->pg_schema ? b->pg_schema : "") == 0;
}

/* Records the shareable files (in path order, as listed) for later compilations. */
static void index_blobs(mdc_compilation *c, const file_result *results)
{
    blob_entry *v = mdc_new_array(c->arena, blob_entry, c->state->nfiles + 1);
    size_t n = 0;
    for (size_t i = 0; i < c->state->nfiles; i++) {
        const mdc_file *f = &c->state->files[i];
        if (results[i].loaded) c->nparsed++;
        if (!results[i].docs || !f->oid[0]) continue; /* skipped or LFS: never shared */
        v[n].path = mdc_strdup(c->arena, f->path);
        memcpy(v[n].oid, f->oid, sizeof v[n].oid);
        v[n].docs = results[i].docs;
        v[n].ndocs = results[i].ndocs;
        v[n].diags = results[i].diags;
        v[n].ndiags = results[i].ndiags;
        n++;
    }
    c->blobs = v;
    c->nblobs = n;
}

mdc_compilation *mdc_compilation_new(void)
{
    mdc_compilation *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->arena = mdc_arena_new();
    c->extra_arenas = mdc_new(c->arena, mdc_ptrvec);
    mdc_diags_init(&c->diags, c->arena);
    c->reg = mdc_new(c->arena, mdc_registry);
    c->reg->owner = c;
    return c;
}

/* ------------------------------------------------------------------ summaries */

static uint64_t fnv(uint64_t h, const char *s)
{
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

uint32_t mdc_name_hash(const char *s)
{
    uint64_t h = fnv(14695981039346656037u, s);
    return (uint32_t)(h ^ (h >> 32));
}

/* Source, then the table in ASCII lower case (validation compares tables so). */
uint64_t mdc_table_hash(const mdc_doc *d)
{
    const mdc_model *m = d->kind == MDC_KIND_MODEL ? d->body : NULL;
    if (!m || !m->table) return 0;
    uint64_t h = fnv(14695981039346656037u, m->source ? m->source : "");
    h = (h ^ 0xff) * 1099511628211u;
    for (const char *s = m->table; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch >= 'A' && ch <= 'Z') ch = (unsigned char)(ch - 'A' + 'a');
        h = (h ^ ch) * 1099511628211u;
    }
    return h ? h : 1;
}

size_t mdc_count_refs(const mdc_doc *d)
{
    const mdc_model *m = d->kind == MDC_KIND_MODEL ? d->body : NULL;
    size_t n = 0;
    for (size_t k = 0; m && k < m->nfields; k++) n += m->fields[k].ref_model != NULL;
    return n;
}

void mdc_doc_sum_of(doc_sum *sum, const mdc_doc *d, uint32_t *refs, size_t *r)
{
    const mdc_model *m = d->kind == MDC_KIND_MODEL ? d->body : NULL;
    sum->table = mdc_table_hash(d);
    sum->ref_at = (uint32_t)*r;
    for (size_t k = 0; m && k < m->nfields; k++)
        if (m->fields[k].ref_model) refs[(*r)++] = mdc_name_hash(m->fields[k].ref_model);
    sum->nref = (uint32_t)(*r - sum->ref_at);
}

void mdc_build_sums(mdc_compilation *c)
{
    const mdc_registry *reg = c->reg;
    size_t nrefs = 0;
    for (size_t i = 0; i < reg->ndocs; i++) nrefs += mdc_count_refs(reg->docs[i]);
    doc_sum *sums = mdc_new_array(c->arena, doc_sum, reg->ndocs + 1);
    uint32_t *refs = mdc_new_array(c->arena, uint32_t, nrefs + 1);
    mdc_reg_line *lines = mdc_new_array(c->arena, mdc_reg_line, reg->ndocs + 1);
    size_t r = 0;
    for (size_t i = 0; i < reg->ndocs; i++) {
        mdc_doc_sum_of(&sums[i], reg->docs[i], refs, &r);
        lines[i] = mdc_registry_line(c->arena, reg->docs[i]);
    }
    c->sums = sums;
    c->ref_hashes = refs;
    c->lines = lines;
}

static void collect_own(mdc_compilation *c)
{
    c->own = mdc_new_array(c->arena, mdc_doc *, c->reg->ndocs + 1);
    c->nown = 0;
    for (size_t i = 0; i < c->reg->ndocs; i++)
        if (c->reg->docs[i]->owner == c) c->own[c->nown++] = c->reg->docs[i];
}

int mdc_compile(mdc_compilation **out, mdc_repo *repo, const mdc_compile_opts *o, mdc_error *err)
{
    *out = NULL;
    mdc_compilation *c = mdc_compilation_new();
    if (!c) return mdc_error_set(err, "out of memory");

    int rc = -1;
    file_result *results = NULL;
    double t0 = mdc_now_ms();
    if (mdc_state_open(&c->state, repo, o->kind, o->rev, err) < 0) goto done;
    if (o->kind == MDC_STATE_REV) mdc_state_path_oid(c->state, "mdc.yaml", c->project_oid);

    int prc;
    mdc_project *p = mdc_load_project_file(c, err, &prc);
    if (prc < 0) goto done;
    c->reg->project = p;

    if (mdc_state_list(c->state, p->model_dirs, p->nmodel_dirs, err) < 0) goto done;
    mdc_phase("list", &t0);
    size_t nfiles = c->state->nfiles;
    results = calloc(nfiles ? nfiles : 1, sizeof *results);
    if (!results) {
        mdc_error_set(err, "out of memory");
        goto done;
    }
    /* Share only from a compilation without errors: validation relies on it (a shared
     * document was valid there), and so does the canonical form. */
    const mdc_compilation *share = o->share;
    if (share && (!share->canonical || !mdc_same_defaults(share->reg->project, p))) share = NULL;
    if (mdc_compile_files(c, p, share, mdc_pick_threads(o->threads, nfiles), results, err) < 0) goto done;
    mdc_phase("parse", &t0);

    size_t ndocs = 0;
    for (size_t i = 0; i < nfiles; i++) ndocs += results[i].ndocs;
    if (ndocs > MDC_MAX_DOCS) {
        mdc_diag_add(&c->diags, MDC_ERROR, "TOO_MANY_DOCUMENTS", "mdc.yaml", 0, 0,
                     "%zu documents; at most %u are allowed in one project", ndocs,
                     (unsigned)MDC_MAX_DOCS);
    }
    c->reg->docs = mdc_new_array(c->arena, mdc_doc *, ndocs ? ndocs : 1);
    collect_docs(c, results, nfiles);
    if (share) reresolve_shared(c, results, nfiles);
    index_blobs(c, results);

    mdc_validate(c->arena, c->reg, &c->diags);
    mdc_phase("validate", &t0);
    if (c->diags.errors == 0) {
        /* documents still without a canonical form (references resolved by validation),
         * the project, then the registry checksum from the summaries' lines */
        for (size_t i = 0; i < c->reg->ndocs; i++)
            if (!c->reg->docs[i]->canonical_json) mdc_canon_doc(c->arena, c->reg->docs[i]);
        if (c->reg->project) mdc_canon_project(c->arena, c->reg->project);
        mdc_build_sums(c);
        if (!mdc_registry_checksum_lines(c->reg, c->lines)) mdc_canon_registry(c->arena, c->reg);
        c->canonical = true;
        c->reg->unique_sorted = true; /* sorted, and validation dropped duplicates */
        collect_own(c);
    }
    mdc_phase("canon", &t0);
    mdc_diags_sort(&c->diags);
    rc = 0;
done:
    free(results);
    if (rc < 0) {
        mdc_compilation_free(c);
        return -1;
    }
    *out = c;
    return 0;
}

void mdc_compilation_drop_index(mdc_compilation *c)
{
    if (!c || !c->index_heap) return;
    free(c->blobs);
    free(c->sums);
    free(c->ref_hashes);
    free(c->lines);
    c->blobs = c->sums = c->lines = NULL;
    c->ref_hashes = NULL;
    c->nblobs = 0;
    c->canonical = false; /* no longer shareable */
    c->index_heap = false;
}

void mdc_compilation_free(mdc_compilation *c)
{
    if (!c) return;
    mdc_compilation_drop_index(c);
    mdc_state_free(c->state);
    mdc_diags_release(&c->diags);
    mdc_ptrvec *extra = c->extra_arenas;
    if (extra)
        for (size_t i = 0; i < extra->n; i++) mdc_arena_free(extra->v[i]);
    mdc_arena_free(c->arena);
    free(c);
}
