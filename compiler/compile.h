/*
 * compile.h - the driver of the front end: one state in, one registry out.
 *
 *   state (worktree | index | rev)
 *     -> mdc.yaml -> project               (load.h)
 *     -> list model files                  (source.h)
 *     -> per file: read, parse, load docs  (yaml.h, load.h; in worker threads)
 *     -> sort docs, validate across docs   (load.h)
 *     -> canonical form + checksums        (canon.h)
 *
 * Diagnostics of every stage are collected (never stop at the first) and sorted at the
 * end.  Canonicalisation runs only when there are no errors (an invalid definition has
 * no meaningful checksum).
 */
#ifndef MDC_COMPILE_H
#define MDC_COMPILE_H

#include "../model/defs.h"
#include "../model/diag.h"
#include "../model/error.h"
#include "source.h"

typedef struct mdc_compilation mdc_compilation;

typedef struct mdc_compile_opts {
    mdc_state_kind kind;
    const char *rev; /* MDC_STATE_REV */
    unsigned threads; /* 0 = one per core (at most 8) */
    /* Optional: another compilation of the same repository.  Files whose blob it already
     * loaded without any diagnostic, and with the same project defaults, are not parsed
     * again: their documents are shared (share must outlive this compilation). */
    const mdc_compilation *share;
} mdc_compile_opts;

struct mdc_compilation {
    mdc_arena *arena;
    mdc_state *state;
    mdc_diags diags;     /* sorted */
    mdc_registry *reg;   /* never NULL after a successful mdc_compile */
    bool canonical;      /* checksums were computed (no errors) */
    bool has_project;    /* mdc.yaml exists at this state */
    size_t nparsed;      /* files parsed (not shared) */
    mdc_doc **own;       /* the documents of reg it loaded or copied itself (owner == it),
                            in registry order; the rest are shared */
    size_t nown;
    /* private: arenas of the worker threads (an mdc_ptrvec of mdc_arena*), and the
     * shareable files sorted by blob id (struct blob_entry[]) */
    void *extra_arenas;
    void *blobs;
    size_t nblobs;
    /* private: document summaries when canonical (struct doc_sum[reg->ndocs], see
     * compile_priv.h), and mdc.yaml's blob id at a revision ("" elsewhere) */
    void *sums;
    uint32_t *ref_hashes;
    void *lines; /* mdc_reg_line[reg->ndocs] (canon.h) */
    bool index_heap; /* blobs, sums, ref_hashes and lines are malloc'd (a step's) */
    char project_oid[41];
};

/* Returns 0, or -1 when the state cannot be read at all (exit status 2; message in err).
 * Problems in the definitions are diagnostics, not failures. */
int mdc_compile(mdc_compilation **out, mdc_repo *repo, const mdc_compile_opts *o,
                mdc_error *err);
void mdc_compilation_free(mdc_compilation *c);

/*
 * Compiles revision rev of repo as a step from base, an earlier (or later) compilation of
 * a revision of the same repository: the same compilation as mdc_compile sharing base
 * (o->share), at a cost that follows what changed between the two trees rather than the
 * size of the registry.  When base has errors or is not of a revision, or mdc.yaml
 * differs, it is mdc_compile sharing base.  A history walk compiles each commit so.
 */
int mdc_compile_step(mdc_compilation **out, mdc_repo *repo, const char *rev,
                     const mdc_compilation *base, unsigned threads, mdc_error *err);

/* MDC_TIMING=1: mdc_phase prints the milliseconds since *t0 under NAME (stderr) and resets
 * *t0 to now; mdc_now_ms is the monotonic clock it uses. */
double mdc_now_ms(void);
void mdc_phase(const char *name, double *t0);

#endif
