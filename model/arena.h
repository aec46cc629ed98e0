/*
 * arena.h - one compilation, one arena.
 *
 * Everything a compilation allocates (YAML trees, definitions, interned strings,
 * diagnostics) comes from an arena and is released at once by mdc_arena_free().
 * Configuring with -DMDC_ARENA_MALLOC=ON turns every allocation into its own
 * malloc() so that ASan and valgrind see each block (the sanitizer build does).
 *
 * An arena is not thread-safe; a worker thread uses its own.
 */
#ifndef MDC_ARENA_H
#define MDC_ARENA_H

#include <stdarg.h>
#include <stddef.h>

typedef struct mdc_arena mdc_arena;

mdc_arena *mdc_arena_new(void);
void mdc_arena_free(mdc_arena *a); /* NULL is a no-op */

/* Zeroed memory, aligned for any type.  Aborts on out-of-memory. */
void *mdc_alloc(mdc_arena *a, size_t size);
#define mdc_new(a, T) ((T *)mdc_alloc((a), sizeof(T)))
#define mdc_new_array(a, T, n) ((T *)mdc_alloc((a), sizeof(T) * (n)))

char *mdc_strndup(mdc_arena *a, const char *s, size_t n); /* always NUL-terminated */
char *mdc_strdup(mdc_arena *a, const char *s);            /* NULL stays NULL */
char *mdc_printf(mdc_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *mdc_vprintf(mdc_arena *a, const char *fmt, va_list ap);

/* Releases everything allocated so far but keeps the largest block for reuse: for scratch
 * memory that is rebuilt many times (e.g. the YAML tree of one file). */
void mdc_arena_reset(mdc_arena *a);

/* Bytes handed out so far (for benchmarks and tests). */
size_t mdc_arena_used(const mdc_arena *a);

/* A growable array of pointers allocated in an arena (old blocks are left behind). */
typedef struct mdc_ptrvec {
    void **v;
    size_t n, cap;
} mdc_ptrvec;
void mdc_ptrvec_push(mdc_arena *a, mdc_ptrvec *pv, void *p);

#endif
