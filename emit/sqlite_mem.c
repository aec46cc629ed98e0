/*
 * sqlite_mem.c - SQLite's allocator for the mdc command; see sqlite_mem.h.
 *
 * Every block has a 16-byte header in front: its size and, for a mapped one, the length
 * of its mapping (xSize needs the size, xFree the kind).
 */
#include "sqlite_mem.h"

#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../model/hugemem.h"

typedef struct head {
    size_t size;
    size_t mapped; /* 0: from malloc */
} head;
_Static_assert(sizeof(head) == 16, "the header keeps 16-byte alignment");

static void *mem_malloc(int n)
{
    if (n < 0) return NULL;
    size_t len = sizeof(head) + (size_t)n;
    head *h = len >= MDC_HUGE_PAGE ? mdc_huge_map(&len) : NULL;
    if (h) {
        h->mapped = len;
    } else {
        if (!(h = malloc(sizeof(head) + (size_t)n))) return NULL;
        h->mapped = 0;
    }
    h->size = (size_t)n;
    return h + 1;
}

static void mem_free(void *p)
{
    if (!p) return;
    head *h = (head *)p - 1;
    if (h->mapped)
        mdc_huge_unmap(h, h->mapped);
    else
        free(h);
}

static int mem_size(void *p)
{
    return p ? (int)((head *)p - 1)->size : 0;
}

static void *mem_realloc(void *p, int n)
{
    if (n < 0) return NULL;
    head *h = (head *)p - 1;
    if (!h->mapped && sizeof(head) + (size_t)n < MDC_HUGE_PAGE) {
        head *nh = realloc(h, sizeof(head) + (size_t)n);
        if (!nh) return NULL;
        nh->size = (size_t)n;
        return nh + 1;
    }
    if (h->mapped && sizeof(head) + (size_t)n <= h->mapped) { /* still fits */
        h->size = (size_t)n;
        return p;
    }
    void *q = mem_malloc(n);
    if (!q) return NULL;
    memcpy(q, p, h->size < (size_t)n ? h->size : (size_t)n);
    mem_free(p);
    return q;
}

static int mem_roundup(int n)
{
    return n > INT32_MAX - 15 ? n : (n + 15) & ~15;
}

static int mem_init(void *app)
{
    (void)app;
    return SQLITE_OK;
}

static void mem_shutdown(void *app)
{
    (void)app;
}

int mdc_sqlite_use_huge_pages(void)
{
    static const sqlite3_mem_methods methods = {
        mem_malloc, mem_free, mem_realloc, mem_size, mem_roundup, mem_init, mem_shutdown, NULL,
    };
    int rc = sqlite3_config(SQLITE_CONFIG_MALLOC, &methods);
    return rc == SQLITE_OK ? 0 : rc;
}
