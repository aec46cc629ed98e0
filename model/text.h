/*
 * text.h - what counts as a control character in user-written text.  One definition for
 * both ends: the loader refuses controls in single-line fields (compiler/load_util.c) and
 * every text output escapes them (emit/escape.h).
 *
 * A control character is one of: the C0 controls U+0000..U+001F, DEL (U+007F), the C1
 * controls U+0080..U+009F, and the bidi embeddings, overrides and isolates
 * U+202A..U+202E and U+2066..U+2069 (which make text display in another order than it is
 * stored).  Tab and newline are controls too; callers that allow them say so.
 */
#ifndef MDC_TEXT_H
#define MDC_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* The length (1..3 bytes, UTF-8) of the control character at s, with its code point in
 * *cp; 0 when s does not start with one (and at the terminating NUL). */
size_t mdc_control_at(const char *s, uint32_t *cp);

#endif
