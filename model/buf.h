/*
 * buf.h - a growable byte buffer (heap-owned, not arena) used to build output text:
 * JSON, SQL, reports.  Always NUL-terminated after any append.
 */
#ifndef MDC_BUF_H
#define MDC_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct mdc_buf {
    char *ptr;
    size_t len, cap;
} mdc_buf;

#define MDC_BUF_INIT {NULL, 0, 0}

void mdc_buf_grow(mdc_buf *b, size_t extra);
void mdc_buf_put(mdc_buf *b, const void *data, size_t len);
void mdc_buf_puts(mdc_buf *b, const char *s);
void mdc_buf_putc(mdc_buf *b, char c);
void mdc_buf_printf(mdc_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mdc_buf_vprintf(mdc_buf *b, const char *fmt, va_list ap);
void mdc_buf_clear(mdc_buf *b); /* len = 0, keeps memory */
void mdc_buf_free(mdc_buf *b);
char *mdc_buf_detach(mdc_buf *b); /* caller frees; buffer is reset */

#endif
