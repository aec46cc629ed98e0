/*
 * buf.c - the growable byte string of libmdc's verification (buf.h).
 */
#include "buf.h"

#include <stdlib.h>
#include <string.h>

void mdcr_buf_put(mdcr_buf *b, const void *s, size_t n)
{
    if (b->oom) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *np = realloc(b->p, cap);
        if (!np) {
            b->oom = true;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void mdcr_buf_puts(mdcr_buf *b, const char *s)
{
    mdcr_buf_put(b, s, strlen(s));
}

void mdcr_buf_json_str(mdcr_buf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    mdcr_buf_put(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': mdcr_buf_put(b, "\\\"", 2); break;
        case '\\': mdcr_buf_put(b, "\\\\", 2); break;
        case '\b': mdcr_buf_put(b, "\\b", 2); break;
        case '\f': mdcr_buf_put(b, "\\f", 2); break;
        case '\n': mdcr_buf_put(b, "\\n", 2); break;
        case '\r': mdcr_buf_put(b, "\\r", 2); break;
        case '\t': mdcr_buf_put(b, "\\t", 2); break;
        default:
            if (*p < 0x20) {
                char esc[6] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15]};
                mdcr_buf_put(b, esc, sizeof esc);
            } else {
                mdcr_buf_put(b, p, 1);
            }
        }
    }
    mdcr_buf_put(b, "\"", 1);
}
