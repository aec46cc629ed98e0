/*
 * json.c - libmdc's small JSON reader (json.h): RFC 8259 values into a flat node array.
 *
 * Recursive descent, one function per grammar rule, with the depth bounded by
 * MDCR_JSON_MAX_DEPTH before every descent, so hostile nesting costs a refusal, not the
 * stack.  Strict: no comments, no trailing commas, no leading zeros, no raw control
 * characters in strings, no lone surrogates, no \u0000.  Duplicate keys are not refused here
 * (the canonical form has none; verification compares what it derives, so a duplicate
 * cannot make a tampered row pass).
 */
#include "json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const char MDCR_JSON_NOMEM[] = "out of memory";

typedef struct reader {
    mdcr_json *j;
    const char *p, *end;
} reader;

static int fail(reader *r, const char *what)
{
    if (!r->j->error) {
        r->j->error = what;
        r->j->error_at = (size_t)(r->p - r->j->text);
    }
    return -1;
}

static void skip_ws(reader *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
        r->p++;
}

/* A new node; returns its index or SIZE_MAX when memory ran out. */
static size_t new_node(reader *r, mdcr_jtype type)
{
    mdcr_json *j = r->j;
    if (j->nnodes == j->cap) {
        size_t cap = j->cap ? j->cap * 2 : 64;
        mdcr_jnode *n = realloc(j->nodes, cap * sizeof *n);
        if (!n) return SIZE_MAX;
        j->nodes = n;
        j->cap = cap;
    }
    mdcr_jnode *n = &j->nodes[j->nnodes];
    memset(n, 0, sizeof *n);
    n->type = type;
    n->start = (size_t)(r->p - j->text);
    n->key = SIZE_MAX;
    n->str = SIZE_MAX;
    return j->nnodes++;
}

static bool str_reserve(mdcr_json *j, size_t more)
{
    if (j->slen + more <= j->scap) return true;
    size_t cap = j->scap ? j->scap : 256;
    while (cap < j->slen + more)
        cap *= 2;
    char *s = realloc(j->strings, cap);
    if (!s) return false;
    j->strings = s;
    j->scap = cap;
    return true;
}

static int hex4(reader *r, unsigned long *out)
{
    if (r->end - r->p < 4) return fail(r, "truncated \\u escape");
    unsigned long v = 0;
    for (int k = 0; k < 4; k++) {
        char h = *r->p++;
        v <<= 4;
        if (h >= '0' && h <= '9') v |= (unsigned long)(h - '0');
        else if (h >= 'a' && h <= 'f') v |= (unsigned long)(h - 'a' + 10);
        else if (h >= 'A' && h <= 'F') v |= (unsigned long)(h - 'A' + 10);
        else return fail(r, "bad \\u escape");
    }
    *out = v;
    return 0;
}

/* A string at r->p (its quote): decoded into j->strings; *off = its offset there. */
static int parse_string(reader *r, size_t *off)
{
    mdcr_json *j = r->j;
    r->p++;
    /* The decoded text is never longer than the raw text: reserve that much once. */
    const char *close = r->p;
    while (close < r->end && *close != '"') {
        if (*close == '\\' && close + 1 < r->end) close++;
        close++;
    }
    if (close >= r->end) return fail(r, "unterminated string");
    if (!str_reserve(j, (size_t)(close - r->p) + 1)) return fail(r, MDCR_JSON_NOMEM);
    *off = j->slen;
    char *o = j->strings + j->slen;
    while (r->p < close) {
        unsigned char c = (unsigned char)*r->p;
        if (c < 0x20) return fail(r, "control character in a string");
        if (c != '\\') {
            *o++ = (char)c;
            r->p++;
            continue;
        }
        r->p++;
        c = (unsigned char)*r->p++;
        unsigned long cp;
        switch (c) {
        case '"': *o++ = '"'; continue;
        case '\\': *o++ = '\\'; continue;
        case '/': *o++ = '/'; continue;
        case 'b': *o++ = '\b'; continue;
        case 'f': *o++ = '\f'; continue;
        case 'n': *o++ = '\n'; continue;
        case 'r': *o++ = '\r'; continue;
        case 't': *o++ = '\t'; continue;
        case 'u': break;
        default: r->p--; return fail(r, "bad escape");
        }
        if (hex4(r, &cp)) return -1;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            unsigned long lo;
            if (close - r->p < 6 || r->p[0] != '\\' || r->p[1] != 'u') return fail(r, "lone surrogate");
            r->p += 2;
            if (hex4(r, &lo)) return -1;
            if (lo < 0xDC00 || lo > 0xDFFF) return fail(r, "lone surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return fail(r, "lone surrogate");
        }
        if (cp == 0) return fail(r, "\\u0000 in a string");
        /* 6 escape bytes (12 for a pair) always cover the 1-4 bytes written. */
        if (cp < 0x80) {
            *o++ = (char)cp;
        } else if (cp < 0x800) {
            *o++ = (char)(0xC0 | (cp >> 6));
            *o++ = (char)(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            *o++ = (char)(0xE0 | (cp >> 12));
            *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
            *o++ = (char)(0x80 | (cp & 0x3F));
        } else {
            *o++ = (char)(0xF0 | (cp >> 18));
            *o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
            *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
            *o++ = (char)(0x80 | (cp & 0x3F));
        }
    }
    *o++ = '\0';
    j->slen = (size_t)(o - j->strings);
    r->p = close + 1;
    return 0;
}

static int parse_number(reader *r)
{
    const char *p = r->p;
    if (p < r->end && *p == '-') p++;
    if (p >= r->end) return fail(r, "bad number");
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        while (p < r->end && *p >= '0' && *p <= '9')
            p++;
    } else {
        return fail(r, "bad number");
    }
    if (p < r->end && *p == '.') {
        p++;
        if (p >= r->end || *p < '0' || *p > '9') return fail(r, "bad number");
        while (p < r->end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < r->end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < r->end && (*p == '+' || *p == '-')) p++;
        if (p >= r->end || *p < '0' || *p > '9') return fail(r, "bad number");
        while (p < r->end && *p >= '0' && *p <= '9')
            p++;
    }
    r->p = p;
    return 0;
}

static int parse_value(reader *r, size_t *out);

/* An array or object at r->p; `obj` selects which. */
static int parse_container(reader *r, size_t self, bool obj)
{
    mdcr_json *j = r->j;
    if (++j->depth > MDCR_JSON_MAX_DEPTH) return fail(r, "nesting too deep");
    r->p++;
    skip_ws(r);
    size_t prev = 0;
    if (r->p < r->end && *r->p == (obj ? '}' : ']')) {
        r->p++;
        j->depth--;
        return 0;
    }
    for (;;) {
        size_t key = SIZE_MAX, key_start = 0, child;
        if (obj) {
            if (r->p >= r->end || *r->p != '"') return fail(r, "expected a key");
            key_start = (size_t)(r->p - j->text);
            if (parse_string(r, &key)) return -1;
            skip_ws(r);
            if (r->p >= r->end || *r->p != ':') return fail(r, "expected ':'");
            r->p++;
            skip_ws(r);
        }
        if (parse_value(r, &child)) return -1;
        j->nodes[child].key = key;
        j->nodes[child].key_start = obj ? key_start : j->nodes[child].start;
        if (prev)
            j->nodes[prev].next = child;
        else
            j->nodes[self].child = child;
        j->nodes[self].nchildren++;
        prev = child;
        skip_ws(r);
        if (r->p < r->end && *r->p == ',') {
            r->p++;
            skip_ws(r);
            continue;
        }
        if (r->p < r->end && *r->p == (obj ? '}' : ']')) {
            r->p++;
            j->depth--;
            return 0;
        }
        return fail(r, obj ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static bool word(reader *r, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, w, n) != 0) return false;
    r->p += n;
    return true;
}

static int parse_value(reader *r, size_t *out)
{
    if (r->p >= r->end) return fail(r, "expected a value");
    mdcr_jtype t;
    switch (*r->p) {
    case '{': t = MDCR_J_OBJECT; break;
    case '[': t = MDCR_J_ARRAY; break;
    case '"': t = MDCR_J_STRING; break;
    case 'n': t = MDCR_J_NULL; break;
    case 't': t = MDCR_J_TRUE; break;
    case 'f': t = MDCR_J_FALSE; break;
    default: t = MDCR_J_NUMBER; break;
    }
    size_t self = new_node(r, t);
    if (self == SIZE_MAX) return fail(r, MDCR_JSON_NOMEM);
    int rc = 0;
    switch (t) {
    case MDCR_J_OBJECT:
    case MDCR_J_ARRAY: rc = parse_container(r, self, t == MDCR_J_OBJECT); break;
    case MDCR_J_STRING: {
        size_t off;
        rc = parse_string(r, &off);
        if (rc == 0) r->j->nodes[self].str = off;
        break;
    }
    case MDCR_J_NULL: rc = word(r, "null") ? 0 : fail(r, "bad literal"); break;
    case MDCR_J_TRUE: rc = word(r, "true") ? 0 : fail(r, "bad literal"); break;
    case MDCR_J_FALSE: rc = word(r, "false") ? 0 : fail(r, "bad literal"); break;
    case MDCR_J_NUMBER: rc = parse_number(r); break;
    }
    if (rc) return rc;
    r->j->nodes[self].end = (size_t)(r->p - r->j->text);
    *out = self;
    return 0;
}

int mdcr_json_parse(mdcr_json *j, const char *text, size_t len)
{
    j->text = text;
    j->len = len;
    j->nnodes = 0;
    j->slen = 0;
    j->depth = 0;
    j->error = NULL;
    j->error_at = 0;
    reader r = {j, text, text + len};
    if (len > MDCR_JSON_MAX_BYTES) return fail(&r, "too large");
    skip_ws(&r);
    size_t root;
    if (parse_value(&r, &root)) return -1;
    skip_ws(&r);
    if (r.p != r.end) return fail(&r, "text after the value");
    return 0;
}

void mdcr_json_free(mdcr_json *j)
{
    free(j->nodes);
    free(j->strings);
    memset(j, 0, sizeof *j);
}

const mdcr_jnode *mdcr_json_child(const mdcr_json *j, const mdcr_jnode *n)
{
    return n && n->child ? &j->nodes[n->child] : NULL;
}

const mdcr_jnode *mdcr_json_next(const mdcr_json *j, const mdcr_jnode *n)
{
    return n && n->next ? &j->nodes[n->next] : NULL;
}

const char *mdcr_json_str(const mdcr_json *j, const mdcr_jnode *n)
{
    return n && n->type == MDCR_J_STRING ? j->strings + n->str : NULL;
}

const char *mdcr_json_key(const mdcr_json *j, const mdcr_jnode *n)
{
    return n && n->key != SIZE_MAX ? j->strings + n->key : NULL;
}

const mdcr_jnode *mdcr_json_get(const mdcr_json *j, const mdcr_jnode *obj, const char *key)
{
    if (!obj || obj->type != MDCR_J_OBJECT) return NULL;
    for (const mdcr_jnode *c = mdcr_json_child(j, obj); c; c = mdcr_json_next(j, c))
        if (strcmp(j->strings + c->key, key) == 0) return c;
    return NULL;
}
