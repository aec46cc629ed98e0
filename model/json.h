/*
 * json.h - JSON text output.
 *
 * Two uses: canonical JSON (RFC 8785: sorted keys by UTF-16 code units, no whitespace,
 * ES6 number formatting, minimal string escaping) for checksums and stored definitions,
 * and the stable machine-readable reports (same escaping, keys in documented order).
 */
#ifndef MDC_JSON_H
#define MDC_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "defs.h"

/* A JSON string literal with RFC 8785 escaping (\" \\ \b \f \n \r \t, other controls \u00XX). */
void mdc_json_str(mdc_buf *b, const char *s);
void mdc_json_strn(mdc_buf *b, const char *s, size_t len);

/* A number as ECMAScript's Number.prototype.toString would print it (RFC 8785 3.2.2.3). */
void mdc_json_double(mdc_buf *b, double v);
void mdc_json_int(mdc_buf *b, int64_t v);

/* A value in canonical form (maps sorted by UTF-16 code units of their keys). */
void mdc_json_value(mdc_buf *b, const mdc_value *v);

/* Bytewise comparison of two UTF-8 strings in UTF-16 code-unit order (RFC 8785 3.2.3). */
int mdc_json_keycmp(const char *a, const char *b);

#endif
