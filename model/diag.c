/*
 * diag.c - the diagnostics list, its order, and the "did you mean" helper.
 */
#include "diag.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mdc_diags_init(mdc_diags *d, mdc_arena *a)
{
    memset(d, 0, sizeof *d);
    d->arena = a;
}

void mdc_diags_release(mdc_diags *d)
{
    free(d->v);
    d->v = NULL;
    d->n = d->cap = 0;
}

static void push(mdc_diags *d, mdc_diag *dg)
{
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        mdc_diag **v = realloc(d->v, cap * sizeof *v);
        if (!v) abort();
        d->v = v;
        d->cap = cap;
    }
    d->v[d->n++] = dg;
    if (dg->severity == MDC_ERROR)
        d->errors++;
    else
        d->warnings++;
}

mdc_diag *mdc_diag_add(mdc_diags *d, mdc_severity sev, const char *code, const char *path,
                       uint32_t line, uint32_t col, const char *fmt, ...)
{
    mdc_diag *dg = mdc_new(d->arena, mdc_diag);
    dg->severity = sev;
    dg->code = code;
    dg->path = path ? path : "";
    dg->line = line;
    dg->col = col;
    va_list ap;
    va_start(ap, fmt);
    dg->message = mdc_vprintf(d->arena, fmt, ap);
    va_end(ap);
    push(d, dg);
    return dg;
}

void mdc_diag_note(mdc_diags *d, mdc_diag *dg, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *note = mdc_vprintf(d->arena, fmt, ap);
    va_end(ap);
    const char **notes = mdc_new_array(d->arena, const char *, dg->nnotes + 1);
    if (dg->nnotes) memcpy(notes, dg->notes, dg->nnotes * sizeof *notes);
    notes[dg->nnotes++] = note;
    dg->notes = notes;
}

void mdc_diags_append(mdc_diags *d, mdc_diag *dg)
{
    push(d, dg);
}

void mdc_diags_truncate(mdc_diags *d, size_t n)
{
    while (d->n > n) {
        if (d->v[--d->n]->severity == MDC_ERROR)
            d->errors--;
        else
            d->warnings--;
    }
}

void mdc_diags_merge(mdc_diags *dst, mdc_diags *src)
{
    for (size_t i = 0; i < src->n; i++) push(dst, src->v[i]);
    src->n = src->errors = src->warnings = 0;
}

static int cmp_diag(const void *pa, const void *pb)
{
    const mdc_diag *a = *(const mdc_diag *const *)pa;
    const mdc_diag *b = *(const mdc_diag *const *)pb;
    int c = strcmp(a->path, b->path);
    if (c) return c;
    if (a->line != b->line) return a->line < b->line ? -1 : 1;
    if (a->col != b->col) return a->col < b->col ? -1 : 1;
    if (a->severity != b->severity) return a->severity < b->severity ? -1 : 1;
    c = strcmp(a->code, b->code);
    if (c) return c;
    return strcmp(a->message, b->message);
}

void mdc_diags_sort(mdc_diags *d)
{
    if (d->n > 1) qsort(d->v, d->n, sizeof *d->v, cmp_diag);
}

/* Levenshtein distance on lower-cased bytes, capped at 64-byte words. */
static size_t distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64) return (size_t)-1;
    size_t row[65];
    for (size_t j = 0; j <= lb; j++) row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t prev = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cur = row[j];
            int same = tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 1]);
            size_t best = prev + (same ? 0 : 1);
            if (row[j] + 1 < best) best = row[j] + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            prev = cur;
        }
    }
    return row[lb];
}

const char *mdc_closest(const char *word, const char *const *candidates, size_t n)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    size_t len = strlen(word);
    size_t limit = len <= 3 ? 1 : len <= 6 ? 2 : 3;
    for (size_t i = 0; i < n; i++) {
        size_t d = distance(word, candidates[i]);
        if (d < best_d) {
            best_d = d;
            best = candidates[i];
        }
    }
    return best_d <= limit ? best : NULL;
}
