/*
 * hugemem.h - big blocks mapped on their own with transparent huge pages.
 *
 * A block of 2 MiB or more is mapped aligned to 2 MiB and advised MADV_HUGEPAGE, so that
 * Linux (THP in "madvise" mode, Debian's default) backs it with 2 MiB pages: filling it
 * takes one page fault per 2 MiB instead of one per 4 KiB.  The 10k-model `mdc build`
 * fills a few hundred MB of such blocks (arena chunks, the 24 MB snapshot row), and a page
 * fault is not cheap, in a VM least of all.  Where the advice is refused the mapping works
 * with ordinary pages; where there is no madvise, or in the
 * sanitizer build (MDC_ARENA_MALLOC), there is no mapping (NULL).
 */
#ifndef MDC_HUGEMEM_H
#define MDC_HUGEMEM_H

#include <stddef.h>

#define MDC_HUGE_PAGE ((size_t)2 << 20)

/* Zeroed memory for *len bytes (*len >= MDC_HUGE_PAGE), 2 MiB-aligned; *len becomes the
 * mapped length (a multiple of 2 MiB).  NULL when it cannot be had: use malloc. */
void *mdc_huge_map(size_t *len);
void mdc_huge_unmap(void *p, size_t len);

#endif
