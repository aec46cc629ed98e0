/*
 * compile_priv.h - what compile.c and compile_step.c share; not for other files.
 */
#ifndef MDC_COMPILE_PRIV_H
#define MDC_COMPILE_PRIV_H

#include <stdint.h>

#include "compile.h"

/* What the per-file stage produced for one file. */
typedef struct file_result {
    mdc_doc **docs;
    size_t ndocs;
    mdc_diag **diags; /* what loading this file reported (re-reported when shared) */
    size_t ndiags;
    bool loaded;      /* read and parsed here (not shared) */
} file_result;

/* A file another compilation may take its documents from: same path, same blob. */
typedef struct blob_entry {
    const char *path;
    char oid[41];
    mdc_doc **docs;
    size_t ndocs;
    mdc_diag **diags;
    size_t ndiags;
} blob_entry;

/*
 * A summary of one document of a compilation without errors (c->sums, in registry order),
 * enough for a step to find what its change touches without reading every document: the
 * hash of its table (source and lower-case table name; 0 = none) and the hashes of the
 * model names its fields reference (c->ref_hashes[ref_at .. ref_at + nref)).
 */
typedef struct doc_sum {
    uint64_t table;
    uint32_t ref_at, nref;
} doc_sum;

mdc_compilation *mdc_compilation_new(void);
unsigned mdc_pick_threads(unsigned asked, size_t nfiles);
/* Runs the per-file stage over every file of c->state (sharing from share when given). */
int mdc_compile_files(mdc_compilation *c, const mdc_project *p, const mdc_compilation *share,
                      unsigned nthreads, file_result *results, mdc_error *err);
int mdc_cmp_doc(const void *pa, const void *pb);
/* Reads and loads mdc.yaml of c->state (diagnostics to c->diags; *rc = -1 when it cannot
 * be read); never NULL when *rc is 0. */
mdc_project *mdc_load_project_file(mdc_compilation *c, mdc_error *err, int *rc);
/* Loading bakes these project settings into documents: sharing needs them equal. */
bool mdc_same_defaults(const mdc_project *a, const mdc_project *b);
/* A copy of shared model d owned by c, to be validated and canonicalised again (its
 * defaulted reference fields unresolved). */
mdc_doc *mdc_copy_for_recheck(mdc_compilation *c, const mdc_doc *d);
/* The hashes doc_sum holds. */
uint64_t mdc_table_hash(const mdc_doc *d);
uint32_t mdc_name_hash(const char *s);
/* The number of d's reference fields; d's summary, its reference hashes appended at
 * refs[*r] (*r advanced). */
size_t mdc_count_refs(const mdc_doc *d);
void mdc_doc_sum_of(doc_sum *sum, const mdc_doc *d, uint32_t *refs, size_t *r);
/* Fills c->sums, c->ref_hashes and c->lines from c->reg (after canonicalisation). */
void mdc_build_sums(mdc_compilation *c);
/* Frees c's index for sharing (blobs, sums, ref_hashes, lines) when a step made it on
 * the heap: a history walk drops each commit's once the next one no longer needs it as
 * its base, so that the next commit's index reuses the memory.  c can then no longer be
 * shared; its registry stays.  (A full compilation keeps its index in its arena.) */
void mdc_compilation_drop_index(mdc_compilation *c);

#endif
