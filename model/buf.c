/*
 * buf.c - growable byte buffer; see buf.h.
 */
#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mdc_buf_grow(mdc_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap) return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1) cap *= 2;
    char *p = realloc(b->ptr, cap);
    if (!p) {
        fputs("mdc: out of memory\n", stderr);
        abort();
    }
    b->ptr = p;
    b->cap = cap;
}

void mdc_buf_put(mdc_buf *b, const void *data, size_t len)
{
    mdc_buf_grow(b, len);
    if (len) memcpy(b->ptr + b->len, data, len);
    b->len += len;
    b->ptr[b->len] = '\0';
}

void mdc_buf_puts(mdc_buf *b, const char *s)
{
    mdc_buf_put(b, s, strlen(s));
}

void mdc_buf_putc(mdc_buf *b, char c)
{
    mdc_buf_grow(b, 1);
    b->ptr[b->len++] = c;
    b->ptr[b->len] = '\0';
}

void mdc_buf_vprintf(mdc_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n <= 0) {
        mdc_buf_grow(b, 0);
        return;
    }
    mdc_buf_grow(b, (size_t)n);
    vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void mdc_buf_printf(mdc_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mdc_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void mdc_buf_clear(mdc_buf *b)
{
    b->len = 0;
    if (b->ptr) b->ptr[0] = '\0';
}

void mdc_buf_free(mdc_buf *b)
{
    free(b->ptr);
    b->ptr = NULL;
    b->len = b->cap = 0;
}

char *mdc_buf_detach(mdc_buf *b)
{
    mdc_buf_grow(b, 0);
    char *p = b->ptr;
    b->ptr = NULL;
    b->len = b->cap = 0;
    return p;
}
