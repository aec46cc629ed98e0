/*
 * buf.h - the growable byte string libmdc's verification builds its texts in (canonical JSON
 * re-derived from rows, row encodings).  Out of memory is sticky: every later put is a no-op
 * and the caller checks `oom` once at the end.
 */
#ifndef MDCR_BUF_H
#define MDCR_BUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct mdcr_buf {
    char *p;     /* NUL-terminated after every put; NULL until the first */
    size_t len, cap;
    bool oom;
} mdcr_buf;

/* Appends n bytes of s. */
void mdcr_buf_put(mdcr_buf *b, const void *s, size_t n);

/* Appends the NUL-terminated s. */
void mdcr_buf_puts(mdcr_buf *b, const char *s);

/* Appends s as a JSON string with RFC 8785 escaping, as the compiler's model/json.c writes it:
 * `"` and `\` escaped, \b \f \n \r \t by name, other bytes below 0x20 as \u00xx, the rest
 * (UTF-8 included) as they are. */
void mdcr_buf_json_str(mdcr_buf *b, const char *s);

#endif
