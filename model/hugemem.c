/*
 * hugemem.c - big blocks with transparent huge pages; see hugemem.h.
 */
#include "hugemem.h"

#include <stdint.h>
#include <sys/mman.h>

/* With MDC_ARENA_MALLOC (the sanitizer build) everything stays with malloc, where the
 * sanitizers see each block's bounds. */
#if defined(MADV_HUGEPAGE) && defined(MAP_ANONYMOUS) && !defined(MDC_ARENA_MALLOC)
#define HAVE_HUGE 1
#endif

void *mdc_huge_map(size_t *len)
{
#ifdef HAVE_HUGE
    size_t n = (*len + MDC_HUGE_PAGE - 1) & ~(MDC_HUGE_PAGE - 1);
    if (n < *len || n + MDC_HUGE_PAGE < n) return NULL;
    /* Map one huge page more and trim both ends to the alignment. */
    unsigned char *m = mmap(NULL, n + MDC_HUGE_PAGE, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return NULL;
    uintptr_t a = ((uintptr_t)m + MDC_HUGE_PAGE - 1) & ~(uintptr_t)(MDC_HUGE_PAGE - 1);
    unsigned char *start = (unsigned char *)a;
    if (start > m) munmap(m, (size_t)(start - m));
    size_t tail = (size_t)(m + n + MDC_HUGE_PAGE - (start + n));
    if (tail) munmap(start + n, tail);
    (void)madvise(start, n, MADV_HUGEPAGE); /* advice: refused is fine */
    *len = n;
    return start;
#else
    (void)len;
    return NULL;
#endif
}

void mdc_huge_unmap(void *p, size_t len)
{
#ifdef HAVE_HUGE
    if (p) munmap(p, len);
#else
    (void)p;
    (void)len;
#endif
}
