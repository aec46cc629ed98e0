/*
 * json_read.c - a strict RFC 8259 reader; see json_read.h.
 *
 * Recursive descent over a byte range, one function per grammar rule, with the depth
 * checked before every descent so that hostile nesting ends in an error, not a stack
 * overflow.  Positions are byte offsets; the caller turns them into whatever it prints.
 */
#include "json_read.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../model/buf.h"
#include "../model/json.h"

typedef struct reader {
    mdc_arena *a;
    const unsigned char *p; /* the text */
    size_t len, at;
    size_t depth, max_depth;
    size_t nvalues, max_values;
    mdc_json_read_error *err;
    bool failed;
    mdc_buf str; /* scratch for decoded strings */
} reader;

static void fail(reader *r, size_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void fail(reader *r, size_t at, const char *fmt, ...)
{
    if (r->failed) return;
    r->failed = true;
    if (!r->err) return;
    r->err->offset = at;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err->msg, sizeof r->err->msg, fmt, ap);
    va_end(ap);
}

static void skip_ws(reader *r)
{
    while (r->at < r->len) {
        unsigned char c = r->p[r->at];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
        r->at++;
    }
}

static mdc_value *new_value(reader *r, mdc_value_kind k)
{
    if (++r->nvalues > r->max_values) {
        fail(r, r->at, "more than %zu values", r->max_values);
        return NULL;
    }
    mdc_value *v = mdc_new(r->a, mdc_value);
    v->kind = k;
    return v;
}

static mdc_value *parse_value(reader *r);

/* literal := "true" | "false" | "null" */
static mdc_value *parse_literal(reader *r, const char *word, mdc_value_kind k, bool b)
{
    size_t n = strlen(word);
    if (r->len - r->at < n || memcmp(r->p + r->at, word, n) != 0) {
        fail(r, r->at, "unexpected character");
        return NULL;
    }
    r->at += n;
    mdc_value *v = new_value(r, k);
    if (v) v->b = b;
    return v;
}

/* number := '-'? ('0' | [1-9][0-9]*) ('.' [0-9]+)? ([eE] [+-]? [0-9]+)? */
static mdc_value *parse_number(reader *r)
{
    size_t start = r->at, i = r->at;
    bool integral = true;
    if (i < r->len && r->p[i] == '-') i++;
    if (i >= r->len || r->p[i] < '0' || r->p[i] > '9') {
        fail(r, i, "a digit expected");
        return NULL;
    }
    if (r->p[i] == '0') {
        i++;
        if (i < r->len && r->p[i] >= '0' && r->p[i] <= '9') {
            fail(r, i, "leading zeros are not allowed");
            return NULL;
        }
    } else {
        while (i < r->len && r->p[i] >= '0' && r->p[i] <= '9') i++;
    }
    if (i < r->len && r->p[i] == '.') {
        integral = false;
        i++;
        if (i >= r->len || r->p[i] < '0' || r->p[i] > '9') {
            fail(r, i, "a digit expected after '.'");
            return NULL;
        }
        while (i < r->len && r->p[i] >= '0' && r->p[i] <= '9') i++;
    }
    if (i < r->len && (r->p[i] == 'e' || r->p[i] == 'E')) {
        integral = false;
        i++;
        if (i < r->len && (r->p[i] == '+' || r->p[i] == '-')) i++;
        if (i >= r->len || r->p[i] < '0' || r->p[i] > '9') {
            fail(r, i, "a digit expected in the exponent");
            return NULL;
        }
        while (i < r->len && r->p[i] >= '0' && r->p[i] <= '9') i++;
    }
    r->at = i;
    /* strtoll/strtod need a terminated copy (the input is not NUL-terminated). */
    size_t n = i - start;
    char small[64];
    char *copy = n < sizeof small ? small : mdc_alloc(r->a, n + 1);
    memcpy(copy, r->p + start, n);
    copy[n] = '\0';
    if (integral) {
        errno = 0;
        char *end;
        long long ll = strtoll(copy, &end, 10);
        if (errno == 0 && *end == '\0') {
            mdc_value *v = new_value(r, MDC_V_INT);
            if (v) v->i = (int64_t)ll;
            return v;
        }
    }
    errno = 0;
    char *end;
    double d = strtod(copy, &end);
    if (*end != '\0' || !isfinite(d)) {
        fail(r, start, "number out of range");
        return NULL;
    }
    mdc_value *v = new_value(r, MDC_V_FLOAT);
    if (v) v->f = d == 0 ? 0.0 : d; /* -0 reads as 0, as RFC 8785 writes it */
    return v;
}

static int hex4(const unsigned char *s)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= c - '0';
        else if (c >= 'a' && c <= 'f')
            v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v |= c - 'A' + 10;
        else
            return -1;
    }
    return v;
}

static void put_utf8(mdc_buf *b, uint32_t cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    mdc_buf_put(b, u, n);
}

/* Length of the valid UTF-8 sequence at s[0, n), or 0 (RFC 3629 table 3-7). */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80) return 1;
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F; /* no surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else
        return 0;
    if (n < len) return 0;
    if (s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xBF) return 0;
    return len;
}

/* string := '"' (char | escape)* '"'; decoded into r->str.  Returns false on error. */
static bool parse_string_raw(reader *r)
{
    mdc_buf_clear(&r->str);
    mdc_buf_put(&r->str, "", 0);
    size_t start = r->at;
    r->at++; /* the opening quote */
    for (;;) {
        if (r->at >= r->len) {
            fail(r, start, "string is not closed");
            return false;
        }
        unsigned char c = r->p[r->at];
        if (c == '"') {
            r->at++;
            return true;
        }
        if (c < 0x20) {
            fail(r, r->at, "control character in a string (escape it)");
            return false;
        }
        if (c != '\\') {
            /* a run of plain bytes */
            size_t i = r->at;
            while (i < r->len && r->p[i] != '"' && r->p[i] != '\\' && r->p[i] >= 0x20) {
                size_t k = utf8_seq(r->p + i, r->len - i);
                if (!k) {
                    fail(r, i, "invalid UTF-8");
                    return false;
                }
                i += k;
            }
            mdc_buf_put(&r->str, r->p + r->at, i - r->at);
            r->at = i;
            continue;
        }
        if (r->at + 1 >= r->len) {
            fail(r, r->at, "string is not closed");
            return false;
        }
        unsigned char e = r->p[r->at + 1];
        const char *simple = NULL;
        switch (e) {
        case '"': simple = "\""; break;
        case '\\': simple = "\\"; break;
        case '/': simple = "/"; break;
        case 'b': simple = "\b"; break;
        case 'f': simple = "\f"; break;
        case 'n': simple = "\n"; break;
        case 'r': simple = "\r"; break;
        case 't': simple = "\t"; break;
        case 'u': break;
        default:
            fail(r, r->at, "invalid escape");
            return false;
        }
        if (simple) {
            mdc_buf_putc(&r->str, simple[0]);
            r->at += 2;
            continue;
        }
        size_t esc = r->at;
        int u = r->len - r->at >= 6 ? hex4(r->p + r->at + 2) : -1;
        if (u < 0) {
            fail(r, esc, "\\u needs four hex digits");
            return false;
        }
        r->at += 6;
        uint32_t cp = (uint32_t)u;
        if (cp >= 0xDC00 && cp <= 0xDFFF) {
            fail(r, esc, "lone low surrogate escape");
            return false;
        }
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            int lo = r->len - r->at >= 6 && r->p[r->at] == '\\' && r->p[r->at + 1] == 'u'
                         ? hex4(r->p + r->at + 2)
                         : -1;
            if (lo < 0xDC00 || lo > 0xDFFF) {
                fail(r, esc, "lone high surrogate escape");
                return false;
            }
            r->at += 6;
            cp = 0x10000 + ((cp - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
        }
        put_utf8(&r->str, cp);
    }
}

static mdc_value *parse_string(reader *r)
{
    if (!parse_string_raw(r)) return NULL;
    mdc_value *v = new_value(r, MDC_V_STRING);
    if (!v) return NULL;
    v->s = mdc_strndup(r->a, r->str.ptr, r->str.len);
    v->len = r->str.len;
    return v;
}

/* array := '[' (value (',' value)*)? ']' */
static mdc_value *parse_array(reader *r)
{
    mdc_value *v = new_value(r, MDC_V_SEQ);
    if (!v) return NULL;
    r->at++;
    mdc_ptrvec items = {0};
    skip_ws(r);
    if (r->at < r->len && r->p[r->at] == ']') {
        r->at++;
        return v;
    }
    for (;;) {
        mdc_value *item = parse_value(r);
        if (!item) return NULL;
        mdc_ptrvec_push(r->a, &items, item);
        skip_ws(r);
        if (r->at >= r->len) {
            fail(r, r->at, "array is not closed");
            return NULL;
        }
        if (r->p[r->at] == ',') {
            r->at++;
            continue;
        }
        if (r->p[r->at] == ']') {
            r->at++;
            break;
        }
        fail(r, r->at, "',' or ']' expected");
        return NULL;
    }
    v->items = (mdc_value **)items.v;
    v->n = items.n;
    return v;
}

typedef struct member {
    mdc_value *k, *v;
    size_t at; /* offset of the key, for the duplicate error */
} member;

static int cmp_member(const void *pa, const void *pb)
{
    const member *a = pa, *b = pb;
    int c = mdc_json_keycmp(a->k->s, b->k->s);
    if (c) return c;
    return a->at < b->at ? -1 : a->at > b->at;
}

/* object := '{' (string ':' value (',' string ':' value)*)? '}' */
static mdc_value *parse_object(reader *r)
{
    mdc_value *v = new_value(r, MDC_V_MAP);
    if (!v) return NULL;
    r->at++;
    member *m = NULL;
    size_t n = 0, cap = 0;
    skip_ws(r);
    if (r->at < r->len && r->p[r->at] == '}') {
        r->at++;
        return v;
    }
    for (;;) {
        skip_ws(r);
        if (r->at >= r->len || r->p[r->at] != '"') {
            fail(r, r->at, "a string key expected");
            goto fail;
        }
        size_t key_at = r->at;
        mdc_value *k = parse_string(r);
        if (!k) goto fail;
        if (memchr(k->s, '\0', k->len)) {
            fail(r, key_at, "object key holds U+0000");
            goto fail;
        }
        skip_ws(r);
        if (r->at >= r->len || r->p[r->at] != ':') {
            fail(r, r->at, "':' expected");
            goto fail;
        }
        r->at++;
        mdc_value *val = parse_value(r);
        if (!val) goto fail;
        if (n == cap) {
            cap = cap ? 2 * cap : 8;
            member *nm = realloc(m, cap * sizeof *m);
            if (!nm) {
                fail(r, r->at, "out of memory");
                goto fail;
            }
            m = nm;
        }
        m[n++] = (member){k, val, key_at};
        skip_ws(r);
        if (r->at >= r->len) {
            fail(r, r->at, "object is not closed");
            goto fail;
        }
        if (r->p[r->at] == ',') {
            r->at++;
            continue;
        }
        if (r->p[r->at] == '}') {
            r->at++;
            break;
        }
        fail(r, r->at, "',' or '}' expected");
        goto fail;
    }
    if (n > 1) qsort(m, n, sizeof *m, cmp_member);
    for (size_t i = 1; i < n; i++)
        if (strcmp(m[i - 1].k->s, m[i].k->s) == 0) {
            fail(r, m[i].at, "duplicate key \"%.60s\"", m[i].k->s);
            goto fail;
        }
    v->items = mdc_new_array(r->a, mdc_value *, 2 * n);
    for (size_t i = 0; i < n; i++) {
        v->items[2 * i] = m[i].k;
        v->items[2 * i + 1] = m[i].v;
    }
    v->n = n;
    free(m);
    return v;
fail:
    free(m);
    return NULL;
}

/* value := object | array | string | number | true | false | null (with whitespace) */
static mdc_value *parse_value(reader *r)
{
    skip_ws(r);
    if (r->at >= r->len) {
        fail(r, r->at, "a value expected");
        return NULL;
    }
    unsigned char c = r->p[r->at];
    mdc_value *v;
    switch (c) {
    case '{':
    case '[':
        if (++r->depth > r->max_depth) {
            fail(r, r->at, "nesting deeper than %zu", r->max_depth);
            return NULL;
        }
        v = c == '{' ? parse_object(r) : parse_array(r);
        r->depth--;
        return v;
    case '"':
        return parse_string(r);
    case 't':
        return parse_literal(r, "true", MDC_V_BOOL, true);
    case 'f':
        return parse_literal(r, "false", MDC_V_BOOL, false);
    case 'n':
        return parse_literal(r, "null", MDC_V_NULL, false);
    default:
        if (c == '-' || (c >= '0' && c <= '9')) return parse_number(r);
        fail(r, r->at, "unexpected character");
        return NULL;
    }
}

mdc_value *mdc_json_parse(mdc_arena *a, const char *text, size_t len,
                          const mdc_json_read_opts *opts, mdc_json_read_error *err)
{
    reader r;
    memset(&r, 0, sizeof r);
    r.a = a;
    r.p = (const unsigned char *)(text ? text : "");
    r.len = text ? len : 0;
    r.err = err;
    r.max_depth = opts && opts->max_depth ? opts->max_depth : 128;
    r.max_values = opts && opts->max_values ? opts->max_values : (size_t)16 << 20;
    size_t max_bytes = opts && opts->max_bytes ? opts->max_bytes : (size_t)256 << 20;
    if (err) {
        err->offset = 0;
        err->msg[0] = '\0';
    }
    if (r.len > max_bytes) {
        fail(&r, 0, "text larger than %zu bytes", max_bytes);
        return NULL;
    }
    mdc_value *v = parse_value(&r);
    if (v) {
        skip_ws(&r);
        if (r.at != r.len) {
            fail(&r, r.at, "unexpected text after the value");
            v = NULL;
        }
    }
    mdc_buf_free(&r.str);
    return r.failed ? NULL : v;
}

const mdc_value *mdc_json_get(const mdc_value *map, const char *key)
{
    if (!map || map->kind != MDC_V_MAP || !key) return NULL;
    size_t lo = 0, hi = map->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = mdc_json_keycmp(key, map->items[2 * mid]->s);
        if (c == 0) return map->items[2 * mid + 1];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}
