/*
 * codes.h - the catalog of diagnostic codes (SPEC 3.4, 5.2-5.5, 10).
 *
 * Every code mdc can put on a diagnostic is listed here once, with its default severity,
 * a one-line summary and a short help text saying what it means and how to fix it.  The
 * SARIF renderer publishes the catalog as its rule list; `mdc check` and the tests use it
 * to make sure no stage invents a code that is not documented.
 *
 * The table is static and const: nothing here allocates or needs freeing.
 */
#ifndef MDC_CODES_H
#define MDC_CODES_H

#include <stddef.h>

typedef struct mdc_code_info {
    const char *code;     /* "UNKNOWN_TYPE" */
    const char *severity; /* default severity: "error" or "warning" */
    const char *summary;  /* one line, no final period */
    const char *help;     /* 2-3 sentences: what it means, how to fix it */
} mdc_code_info;

/* The entry for code (exact, case-sensitive), or NULL when code is not in the catalog.
 * Binary search: the table is sorted by code (bytewise). */
const mdc_code_info *mdc_code_lookup(const char *code);

/* The whole catalog, sorted by code (bytewise); *n receives the number of entries.
 * The returned array is static; borrowed, never freed.  n may be NULL. */
const mdc_code_info *mdc_codes(size_t *n);

/* The position of code in mdc_codes(), or -1 when absent (SARIF's ruleIndex). */
long mdc_code_index(const char *code);

#endif
