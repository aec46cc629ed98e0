/*
 * diag.h - diagnostics are data.
 *
 * A diagnostic has a severity, a code (SPEC 3.4 / 5.2, e.g. "UNKNOWN_TYPE"), a position
 * (path relative to the project root, 1-based line and byte column; line 0 = the whole file or
 * no file), a message and notes ("did you mean `timestamptz`?").  Stages append to an
 * mdc_diags list and go on; the driver sorts the list (path, line, col, code, message)
 * and hands it to one of the renderers in emit/report.h.
 *
 * The message and notes are formatted into the list's arena; `code` and `path` are kept as
 * given, so they must outlive the list (codes are literals, paths arena copies).
 */
#ifndef MDC_DIAG_H
#define MDC_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"

typedef enum mdc_severity { MDC_ERROR = 0, MDC_WARNING = 1 } mdc_severity;

typedef struct mdc_diag {
    mdc_severity severity;
    const char *code;
    const char *path; /* "" when the diagnostic is not about a file */
    uint32_t line, col;
    const char *message;
    const char **notes;
    size_t nnotes;
} mdc_diag;

typedef struct mdc_diags {
    mdc_arena *arena; /* borrowed */
    mdc_diag **v;
    size_t n, cap;
    size_t errors, warnings;
} mdc_diags;

void mdc_diags_init(mdc_diags *d, mdc_arena *a);
void mdc_diags_release(mdc_diags *d); /* frees the pointer array; strings live in the arena */

mdc_diag *mdc_diag_add(mdc_diags *d, mdc_severity sev, const char *code, const char *path,
                       uint32_t line, uint32_t col, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
void mdc_diag_note(mdc_diags *d, mdc_diag *dg, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Appends an existing diagnostic (its arena must outlive d's use). */
void mdc_diags_append(mdc_diags *d, mdc_diag *dg);

/* Drops every diagnostic after the first n (n <= d->n), keeping the counts right. */
void mdc_diags_truncate(mdc_diags *d, size_t n);

/* Moves every diagnostic of src to dst (src's arena must outlive dst's use). */
void mdc_diags_merge(mdc_diags *dst, mdc_diags *src);

/* Sorts by path, line, col, severity, code, message (bytewise; a total order). */
void mdc_diags_sort(mdc_diags *d);

/* "did you mean" support: the candidate closest to word by edit distance (case-folded),
 * or NULL when none is close enough to be a plausible typo. */
const char *mdc_closest(const char *word, const char *const *candidates, size_t n);

#endif
