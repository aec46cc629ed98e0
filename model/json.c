/*
 * json.c - JSON text output in the canonical form of RFC 8785 (JCS); see json.h.
 *
 * Three pieces make JSON canonical, and each has its function here:
 *
 *   strings  (RFC 8785 3.2.2.2)  mdc_json_str / mdc_json_strn: only '"', '\\' and the C0
 *            controls are escaped; everything else, '/', U+007F and non-ASCII included, is
 *            copied as UTF-8.
 *   numbers  (RFC 8785 3.2.2.3)  mdc_json_double: ECMAScript Number.prototype.toString, i.e.
 *            the shortest digit string that reads back as the same double, laid out in
 *            fixed or exponential notation by the ES rules.
 *   keys     (RFC 8785 3.2.3)    mdc_json_keycmp: object members sorted by the UTF-16 code
 *            units of their names (which differs from UTF-8 byte order only when a
 *            supplementary character meets one of U+E000..U+FFFF).
 *
 * Nothing here depends on the C locale: the only libc number routines used are snprintf
 * "%.*e" (whose digits and exponent are read back around whatever radix character the
 * locale prints) and strtod on text without a radix character.
 */
#include "json.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ strings */

static inline bool needs_escape(unsigned char c)
{
    return c < 0x20 || c == '"' || c == '\\';
}

/* Escape sequence for a byte, or NULL when it is copied as is. */
static const char *escape_of(unsigned char c, char tmp[8])
{
    static const char hex[] = "0123456789abcdef";
    switch (c) {
    case '"':
        return "\\\"";
    case '\\':
        return "\\\\";
    case '\b':
        return "\\b";
    case '\t':
        return "\\t";
    case '\n':
        return "\\n";
    case '\f':
        return "\\f";
    case '\r':
        return "\\r";
    default:
        break;
    }
    if (c >= 0x20) return NULL;
    memcpy(tmp, "\\u00", 4);
    tmp[4] = hex[c >> 4];
    tmp[5] = hex[c & 15];
    tmp[6] = '\0';
    return tmp;
}

void mdc_json_strn(mdc_buf *b, const char *s, size_t len)
{
    /* Most strings need no escape at all: find the first byte that does, and copy every
     * run of plain bytes with one memcpy. */
    size_t i = 0;
    while (i < len && !needs_escape((unsigned char)s[i]))
        i++;
    mdc_buf_grow(b, len + 2);
    char *p = b->ptr + b->len;
    *p++ = '"';
    memcpy(p, s, i);
    b->len += i + 1;
    if (i == len) { /* the common case: nothing to escape, room already made */
        b->ptr[b->len++] = '"';
        b->ptr[b->len] = '\0';
        return;
    }
    size_t run = i;
    for (; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!needs_escape(c)) continue;
        char tmp[8];
        mdc_buf_put(b, s + run, i - run);
        mdc_buf_puts(b, escape_of(c, tmp));
        run = i + 1;
    }
    mdc_buf_put(b, s + run, len - run);
    mdc_buf_putc(b, '"');
}

void mdc_json_str(mdc_buf *b, const char *s)
{
    mdc_json_strn(b, s, strlen(s));
}

/* ------------------------------------------------------------------ numbers */

void mdc_json_int(mdc_buf *b, int64_t v)
{
    char tmp[24];
    size_t n = sizeof tmp;
    /* Work on the magnitude as unsigned so INT64_MIN needs no special case. */
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[--n] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) tmp[--n] = '-';
    mdc_buf_put(b, tmp + n, sizeof tmp - n);
}

/*
 * The decimal digits and exponent of v (> 0, finite) printed by "%.*e" with `prec`
 * significant digits: digits[0..prec) and *exp10 such that v ~ 0.d1d2... x 10^(exp10+1),
 * i.e. d1.d2d3... x 10^exp10.  The radix character is skipped, whatever it is.
 */
static void e_digits(double v, int prec, char digits[20], int *exp10)
{
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%.*e", prec - 1, v);
    const char *p = tmp;
    int n = 0;
    while (*p && *p != 'e' && *p != 'E') {
        if (*p >= '0' && *p <= '9' && n < prec) digits[n++] = *p;
        p++;
    }
    digits[n] = '\0';
    *exp10 = *p ? atoi(p + 1) : 0;
}

/* The double nearest to d1.d2...dk x 10^exp10, read as "DIGITSeEXP": no radix
 * character, so the locale plays no part. */
static double read_digits(const char *digits, int ndigits, int exp10)
{
    char tmp[64];
    /* digits d1..dk with d1.d2... x 10^exp10  ==  d1d2...dk x 10^(exp10 - k + 1) */
    snprintf(tmp, sizeof tmp, "%.*se%d", ndigits, digits, exp10 - ndigits + 1);
    return strtod(tmp, NULL);
}

/* Adds one unit in the last place of the digit string; returns false on a carry out of
 * the first digit (then the caller drops the candidate: the exponent would change). */
static bool digits_increment(char *digits, int ndigits)
{
    for (int i = ndigits - 1; i >= 0; i--) {
        if (digits[i] != '9') {
            digits[i]++;
            return true;
        }
        digits[i] = '0';
    }
    return false;
}

/*
 * The shortest digit string s (k digits) and exponent n of ES Number::toString: v =
 * s x 10^(n-k), k as small as possible.  For each precision, the correctly rounded
 * candidate of printf is the closest k-digit decimal; when it lies below v and does not
 * read back, the next k-digit decimal above may still do so (just above a power of two the
 * rounding interval is lopsided), so it is tried too.
 */
static int shortest_digits(double v, char digits[20], int *n_out)
{
    for (int prec = 1; prec <= 17; prec++) {
        int exp10;
        e_digits(v, prec, digits, &exp10);
        double r = read_digits(digits, prec, exp10);
        if (r == v) {
            *n_out = exp10 + 1;
            return prec;
        }
        if (r < v) {
            char up[20];
            memcpy(up, digits, (size_t)prec + 1);
            if (digits_increment(up, prec) && read_digits(up, prec, exp10) == v) {
                memcpy(digits, up, (size_t)prec + 1);
                *n_out = exp10 + 1;
                return prec;
            }
        }
    }
    /* 17 significant digits always identify a double. */
    assert(!"17 digits did not round-trip");
    int exp10;
    e_digits(v, 17, digits, &exp10);
    *n_out = exp10 + 1;
    return 17;
}

void mdc_json_double(mdc_buf *b, double v)
{
    assert(isfinite(v));
    if (!isfinite(v)) { /* never passed; keep the output valid JSON in release builds */
        mdc_buf_puts(b, "null");
        return;
    }
    if (v == 0) { /* +0 and -0 */
        mdc_buf_putc(b, '0');
        return;
    }
    if (v < 0) {
        mdc_buf_putc(b, '-');
        v = -v;
    }
    char d[20];
    int n;
    int k = shortest_digits(v, d, &n);
    while (k > 1 && d[k - 1] == '0')
        k--; /* never happens for the shortest form; cheap */

    if (k <= n && n <= 21) { /* integer: digits then n-k zeros */
        mdc_buf_put(b, d, (size_t)k);
        for (int i = k; i < n; i++)
            mdc_buf_putc(b, '0');
    } else if (0 < n && n <= 21) { /* fixed with the point inside the digits */
        mdc_buf_put(b, d, (size_t)n);
        mdc_buf_putc(b, '.');
        mdc_buf_put(b, d + n, (size_t)(k - n));
    } else if (-6 < n && n <= 0) { /* 0.000ddd */
        mdc_buf_puts(b, "0.");
        for (int i = 0; i < -n; i++)
            mdc_buf_putc(b, '0');
        mdc_buf_put(b, d, (size_t)k);
    } else { /* d.ddde+XX */
        mdc_buf_putc(b, d[0]);
        if (k > 1) {
            mdc_buf_putc(b, '.');
            mdc_buf_put(b, d + 1, (size_t)(k - 1));
        }
        int e = n - 1;
        mdc_buf_putc(b, 'e');
        mdc_buf_putc(b, e < 0 ? '-' : '+');
        mdc_json_int(b, e < 0 ? -(int64_t)e : (int64_t)e);
    }
}

/* ------------------------------------------------------------------ key order */

/* The code point whose encoding starts at s (at most n bytes); U+FFFD stand-in for
 * malformed input, which validation has already rejected. */
static uint32_t decode_utf8(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    int len;
    uint32_t cp;
    if (c < 0x80) return c;
    if (c >= 0xF0) {
        len = 4;
        cp = c & 0x07;
    } else if (c >= 0xE0) {
        len = 3;
        cp = c & 0x0F;
    } else if (c >= 0xC0) {
        len = 2;
        cp = c & 0x1F;
    } else {
        return 0xFFFD;
    }
    if ((size_t)len > n) return 0xFFFD;
    for (int i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0xFFFD;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    return cp;
}

/*
 * A key that orders code points as their UTF-16 code units order: BMP characters below
 * the surrogate range stay, supplementary characters sit where their high surrogates
 * (0xD800..0xDBFF) would, and U+E000..U+FFFF move above all of them.
 */
static uint32_t utf16_order(uint32_t cp)
{
    if (cp < 0xD800) return cp;
    if (cp >= 0x10000) return 0xD800 + (cp - 0x10000);
    return cp + 0x100000;
}

int mdc_json_keycmp(const char *a, const char *b)
{
    const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
    size_t i = 0;
    while (x[i] && x[i] == y[i])
        i++;
    if (x[i] == y[i]) return 0;
    if (!x[i]) return -1; /* a is a prefix of b */
    if (!y[i]) return 1;
    if (x[i] < 0x80 && y[i] < 0x80) return x[i] < y[i] ? -1 : 1;
    /* Back up to the start of the code point holding the first difference; the prefix
     * before it is shared, so it starts at the same offset in both strings. */
    size_t start = i;
    while (start > 0 && (x[start] & 0xC0) == 0x80)
        start--;
    /* A NUL is not a continuation byte, so decoding stops at the end of the string. */
    uint32_t ca = utf16_order(decode_utf8(x + start, 4));
    uint32_t cb = utf16_order(decode_utf8(y + start, 4));
    if (ca != cb) return ca < cb ? -1 : 1;
    return x[i] < y[i] ? -1 : 1; /* malformed input: fall back to bytes */
}

/* ------------------------------------------------------------------ values */

typedef struct member {
    const mdc_value *key, *val;
} member;

static int member_cmp(const void *pa, const void *pb)
{
    const member *a = pa, *b = pb;
    return mdc_json_keycmp(a->key->s, b->key->s);
}

static void json_map(mdc_buf *b, const mdc_value *v)
{
    member small[16];
    member *m = v->n <= 16 ? small : malloc(v->n * sizeof *m);
    if (!m) abort();
    for (size_t i = 0; i < v->n; i++) {
        m[i].key = v->items[2 * i];
        m[i].val = v->items[2 * i + 1];
        assert(m[i].key && m[i].key->kind == MDC_V_STRING && m[i].key->s);
    }
    /* The loader hands maps over sorted, but canonical output must not depend on it. */
    qsort(m, v->n, sizeof *m, member_cmp);
    mdc_buf_putc(b, '{');
    for (size_t i = 0; i < v->n; i++) {
        if (i) mdc_buf_putc(b, ',');
        mdc_json_strn(b, m[i].key->s, m[i].key->len);
        mdc_buf_putc(b, ':');
        mdc_json_value(b, m[i].val);
    }
    mdc_buf_putc(b, '}');
    if (m != small) free(m);
}

void mdc_json_value(mdc_buf *b, const mdc_value *v)
{
    if (!v) {
        mdc_buf_puts(b, "null");
        return;
    }
    switch (v->kind) {
    case MDC_V_NULL:
        mdc_buf_puts(b, "null");
        break;
    case MDC_V_BOOL:
        mdc_buf_puts(b, v->b ? "true" : "false");
        break;
    case MDC_V_INT:
        mdc_json_int(b, v->i);
        break;
    case MDC_V_FLOAT:
        mdc_json_double(b, v->f);
        break;
    case MDC_V_STRING:
        mdc_json_strn(b, v->s ? v->s : "", v->s ? v->len : 0);
        break;
    case MDC_V_SEQ:
        mdc_buf_putc(b, '[');
        for (size_t i = 0; i < v->n; i++) {
            if (i) mdc_buf_putc(b, ',');
            mdc_json_value(b, v->items[i]);
        }
        mdc_buf_putc(b, ']');
        break;
    case MDC_V_MAP:
        json_map(b, v);
        break;
    }
}
