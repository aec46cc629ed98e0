/*
 * load_util.c - the helpers of load_util.h: shape checks, key checks, name rules,
 * versions, core-schema values, the raw-SQL guard and identifier scanner, and the rule
 * catalog.
 *
 * Messages follow one pattern: they name the key (in backquotes) and say what was
 * expected and what was found: "`nullable` must be a boolean (true or false), got a
 * string".  The position is always the offending node's.
 */
#include "load_util.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../model/buf.h"
#include "../model/json.h"
#include "../model/text.h"
#include "load.h"

/* ------------------------------------------------------------------ reporting */

mdc_loc mdc_lloc(const mdc_lctx *c, const mdc_ynode *n)
{
    mdc_loc loc = {c->path, 1, 1};
    if (n && n->loc.line) {
        loc.line = n->loc.line;
        loc.col = n->loc.col;
    }
    return loc;
}

static mdc_diag *vreport(const mdc_lctx *c, mdc_severity sev, const char *code, mdc_loc loc,
                         const char *fmt, va_list ap)
{
    char *msg = mdc_vprintf(c->a, fmt, ap);
    return mdc_diag_add(c->d, sev, code, c->path, loc.line, loc.col, "%s", msg);
}

mdc_diag *mdc_lerr(const mdc_lctx *c, const char *code, const mdc_ynode *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mdc_diag *dg = vreport(c, MDC_ERROR, code, mdc_lloc(c, n), fmt, ap);
    va_end(ap);
    return dg;
}

mdc_diag *mdc_lwarn(const mdc_lctx *c, const char *code, const mdc_ynode *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mdc_diag *dg = vreport(c, MDC_WARNING, code, mdc_lloc(c, n), fmt, ap);
    va_end(ap);
    return dg;
}

mdc_diag *mdc_lerr_at(const mdc_lctx *c, const char *code, mdc_loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (!loc.line) loc.line = loc.col = 1;
    mdc_diag *dg = vreport(c, MDC_ERROR, code, loc, fmt, ap);
    va_end(ap);
    return dg;
}

mdc_diag *mdc_lwarn_at(const mdc_lctx *c, const char *code, mdc_loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (!loc.line) loc.line = loc.col = 1;
    mdc_diag *dg = vreport(c, MDC_WARNING, code, loc, fmt, ap);
    va_end(ap);
    return dg;
}

void mdc_lsuggest(const mdc_lctx *c, mdc_diag *dg, const char *word, const char *const *candidates,
                  size_t n)
{
    if (!dg || !word || !n) return;
    const char *best = mdc_closest(word, candidates, n);
    if (best && strcmp(best, word) != 0) mdc_diag_note(c->d, dg, "did you mean `%s`?", best);
}

/* ------------------------------------------------------------------ shape */

static const char *describe(const mdc_ynode *n)
{
    return n ? mdc_ynode_describe(n) : "nothing";
}

bool mdc_lexpect_map(const mdc_lctx *c, const mdc_ynode *n, const char *what)
{
    if (n && n->kind == MDC_Y_MAP) return true;
    mdc_lerr(c, "BAD_VALUE", n, "%s must be a mapping, got %s", what, describe(n));
    return false;
}

bool mdc_lexpect_seq(const mdc_lctx *c, const mdc_ynode *n, const char *what)
{
    if (n && n->kind == MDC_Y_SEQ) return true;
    mdc_lerr(c, "BAD_VALUE", n, "%s must be a list, got %s", what, describe(n));
    return false;
}

/* The first control character (model/text.h) of the scalar's n->len bytes that the field
 * refuses -- in multi-line text all but newline and tab -- as its code point; -1 if none.
 * A NUL (from a "\0" escape) counts: it would cut the text short. */
static long refused_control(const mdc_ynode *n, bool multi_line)
{
    for (size_t i = 0; i < n->len;) {
        uint32_t cp = 0;
        size_t k = n->str[i] ? mdc_control_at(n->str + i, &cp) : 1;
        if (k == 0) {
            i++;
            continue;
        }
        if (!(multi_line && (cp == '\n' || cp == '\t'))) return (long)cp;
        i += k;
    }
    return -1;
}

/* A string scalar whose controls the field allows: its text, or NULL after BAD_VALUE. */
static const char *string_of(const mdc_lctx *c, const mdc_ynode *n, const char *what, bool multi_line)
{
    if (!(n && n->kind == MDC_Y_SCALAR && n->str && mdc_yscalar_is_string(n))) {
        mdc_lerr(c, "BAD_VALUE", n, "%s must be a string, got %s", what, describe(n));
        return NULL;
    }
    long cp = refused_control(n, multi_line);
    if (cp < 0) return n->str;
    if (multi_line)
        mdc_lerr(c, "BAD_VALUE", n,
                 "%s contains the control character U+%04lX; text may hold newlines and tabs, "
                 "no other control characters",
                 what, cp);
    else
        mdc_lerr(c, "BAD_VALUE", n,
                 "%s contains the control character U+%04lX; it must be one line of text "
                 "without control characters",
                 what, cp);
    return NULL;
}

const char *mdc_lstring(const mdc_lctx *c, const mdc_ynode *n, const char *what)
{
    return string_of(c, n, what, false);
}

const char *mdc_ltext(const mdc_lctx *c, const mdc_ynode *n, const char *what)
{
    return string_of(c, n, what, true);
}

bool mdc_lbool(const mdc_lctx *c, const mdc_ynode *n, const char *what, bool *out)
{
    bool b;
    if (n && n->kind == MDC_Y_SCALAR && mdc_yscalar_bool(n, &b)) {
        *out = b;
        return true;
    }
    mdc_lerr(c, "BAD_VALUE", n, "%s must be a boolean (true or false), got %s", what, describe(n));
    return false;
}

/* "a, b or c" for messages. */
static const char *join_alternatives(mdc_arena *a, const char *const *names, size_t count)
{
    mdc_buf b = MDC_BUF_INIT;
    for (size_t i = 0; i < count; i++) {
        if (i) mdc_buf_puts(&b, i + 1 == count ? " or " : ", ");
        mdc_buf_puts(&b, names[i]);
    }
    char *s = mdc_strdup(a, b.ptr ? b.ptr : "");
    mdc_buf_free(&b);
    return s;
}

int mdc_lenum(const mdc_lctx *c, const mdc_ynode *n, const char *what, const char *const *names,
              size_t count)
{
    if (n && n->kind == MDC_Y_SCALAR && n->str) {
        for (size_t i = 0; i < count; i++)
            if (strcmp(n->str, names[i]) == 0) return (int)i;
    }
    const char *alts = join_alternatives(c->a, names, count);
    mdc_diag *dg;
    if (n && n->kind == MDC_Y_SCALAR && n->str && !mdc_yscalar_is_null(n)) {
        dg = mdc_lerr(c, "BAD_VALUE", n, "%s must be one of %s, got `%s`", what, alts, n->str);
        mdc_lsuggest(c, dg, n->str, names, count);
    } else {
        mdc_lerr(c, "BAD_VALUE", n, "%s must be one of %s, got %s", what, alts, describe(n));
    }
    return -1;
}

const char **mdc_lstring_list(const mdc_lctx *c, const mdc_ynode *n, const char *what,
                              size_t *count, const mdc_ynode ***nodes)
{
    *count = 0;
    if (nodes) *nodes = NULL;
    if (!mdc_lexpect_seq(c, n, what)) return NULL;
    const char **v = mdc_new_array(c->a, const char *, n->n + 1);
    const mdc_ynode **nv = mdc_new_array(c->a, const mdc_ynode *, n->n + 1);
    const char *ewhat = mdc_printf(c->a, "each entry of %s", what);
    size_t k = 0;
    for (size_t i = 0; i < n->n; i++) {
        const char *s = mdc_lstring(c, n->items[i], ewhat);
        if (!s) continue;
        nv[k] = n->items[i];
        v[k++] = s;
    }
    *count = k;
    if (nodes) *nodes = nv;
    return v;
}

/* ------------------------------------------------------------------ keys */

const mdc_ynode *mdc_lget(const mdc_ynode *map, const char *key, const mdc_ynode **key_out)
{
    if (key_out) *key_out = NULL;
    if (!map || map->kind != MDC_Y_MAP || !map->items) return NULL;
    for (size_t i = 0; i < map->n; i++) {
        const mdc_ynode *k = map->items[2 * i];
        /* the first byte first: most keys of a map differ there, and this runs for
         * every key the loader asks about */
        if (k && k->kind == MDC_Y_SCALAR && k->str && k->str[0] == key[0] && strcmp(k->str, key) == 0) {
            if (key_out) *key_out = k;
            return map->items[2 * i + 1];
        }
    }
    return NULL;
}

static bool in_list(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, list[i]) == 0) return true;
    return false;
}

void mdc_lcheck_keys(const mdc_lctx *c, const mdc_ynode *map, const char *where,
                     const char *const *allowed, size_t n)
{
    if (!map || map->kind != MDC_Y_MAP || !map->items) return;
    for (size_t i = 0; i < map->n; i++) {
        const mdc_ynode *k = map->items[2 * i];
        const char *ks = k && k->str ? k->str : "";
        if (in_list(ks, allowed, n)) continue;
        mdc_diag *dg = mdc_lerr(c, "UNKNOWN_KEY", k, "unknown key `%s` in %s", ks, where);
        mdc_lsuggest(c, dg, ks, allowed, n);
    }
}

const mdc_ynode *mdc_lrequire(const mdc_lctx *c, const mdc_ynode *map, const char *key,
                              const char *where)
{
    const mdc_ynode *v = mdc_lget(map, key, NULL);
    if (v) return v;
    if (map && map->kind == MDC_Y_MAP)
        mdc_lerr(c, "MISSING_KEY", map, "%s is missing the required key `%s`", where, key);
    return NULL;
}

/* ------------------------------------------------------------------ names */

static bool is_upper(int ch)
{
    return ch >= 'A' && ch <= 'Z';
}

static bool is_lower(int ch)
{
    return ch >= 'a' && ch <= 'z';
}

static bool is_digit(int ch)
{
    return ch >= '0' && ch <= '9';
}

static bool first_ok(mdc_name_rule r, int ch)
{
    switch (r) {
    case MDC_NAME_MODEL:
        return is_upper(ch);
    case MDC_NAME_PROJECT:
    case MDC_NAME_SOURCE:
        return is_lower(ch);
    case MDC_NAME_FIELD:
    case MDC_NAME_IDENT:
        return is_upper(ch) || is_lower(ch) || ch == '_';
    case MDC_NAME_CHECK:
        return is_lower(ch) || ch == '_';
    }
    return false;
}

static bool rest_ok(mdc_name_rule r, int ch)
{
    switch (r) {
    case MDC_NAME_MODEL:
        return is_upper(ch) || is_lower(ch) || is_digit(ch);
    case MDC_NAME_PROJECT:
        return is_lower(ch) || is_digit(ch) || ch == '_' || ch == '-';
    case MDC_NAME_SOURCE:
    case MDC_NAME_CHECK:
        return is_lower(ch) || is_digit(ch) || ch == '_';
    case MDC_NAME_FIELD:
    case MDC_NAME_IDENT:
        return is_upper(ch) || is_lower(ch) || is_digit(ch) || ch == '_';
    }
    return false;
}

bool mdc_name_chars_ok(mdc_name_rule r, const char *s)
{
    if (!s || !first_ok(r, (unsigned char)s[0])) return false;
    for (const char *p = s + 1; *p; p++)
        if (!rest_ok(r, (unsigned char)*p)) return false;
    return true;
}

bool mdc_name_ok(mdc_name_rule r, const char *s)
{
    return mdc_name_chars_ok(r, s) && strlen(s) <= MDC_NAME_MAX;
}

const char *mdc_name_regex(mdc_name_rule r)
{
    switch (r) {
    case MDC_NAME_MODEL:
        return "^[A-Z][A-Za-z0-9]{0,62}$";
    case MDC_NAME_PROJECT:
        return "^[a-z][a-z0-9_-]{0,62}$";
    case MDC_NAME_SOURCE:
        return "^[a-z][a-z0-9_]{0,62}$";
    case MDC_NAME_FIELD:
        return "^[A-Za-z_][A-Za-z0-9_]{0,62}$";
    case MDC_NAME_IDENT:
        return "^[A-Za-z_][A-Za-z0-9_]*$";
    case MDC_NAME_CHECK:
        return "^[a-z_][a-z0-9_]*$";
    }
    return "?";
}

bool mdc_lcheck_name(const mdc_lctx *c, const mdc_ynode *n, const char *s, mdc_name_rule r,
                     const char *what)
{
    bool ok = true;
    if (!mdc_name_chars_ok(r, s)) {
        mdc_lerr(c, "BAD_NAME", n, "%s `%s` does not match %s", what, s ? s : "",
                 mdc_name_regex(r));
        ok = false;
    }
    size_t len = s ? strlen(s) : 0;
    if (len > MDC_NAME_MAX) {
        mdc_lerr(c, "NAME_TOO_LONG", n,
                 "%s `%.20s...` is %zu bytes long; names may have at most %d bytes", what, s, len,
                 MDC_NAME_MAX);
        ok = false;
    }
    return ok;
}

const char *mdc_lname(const mdc_lctx *c, const mdc_ynode *n, mdc_name_rule r, const char *what)
{
    const char *s = mdc_lstring(c, n, what);
    if (s) mdc_lcheck_name(c, n, s, r, what);
    return s;
}

/* ------------------------------------------------------------------ version */

void mdc_lversion(const mdc_lctx *c, const mdc_ynode *n, mdc_semver *v, mdc_loc *loc, uint32_t *off,
                  uint32_t *len)
{
    memset(v, 0, sizeof *v);
    *loc = mdc_lloc(c, n);
    *off = *len = 0;
    if (!n) return;
    if (n->kind == MDC_Y_SCALAR && n->str && !mdc_yscalar_is_null(n) &&
        mdc_semver_parse(c->a, n->str, v)) {
        v->present = true;
        bool quoted = !n->plain && n->end >= n->off && n->end - n->off == n->len + 2;
        *off = quoted ? n->off + 1 : n->off;
        *len = quoted ? (uint32_t)n->len : n->end - n->off;
        return;
    }
    memset(v, 0, sizeof *v);
    if (n->kind == MDC_Y_SCALAR && n->str && !mdc_yscalar_is_null(n))
        mdc_lerr(c, "BAD_VALUE", n,
                 "`version` must be a semantic version MAJOR.MINOR.PATCH (e.g. 1.4.0), got `%s`",
                 n->str);
    else
        mdc_lerr(c, "BAD_VALUE", n,
                 "`version` must be a semantic version MAJOR.MINOR.PATCH (e.g. 1.4.0), got %s",
                 describe(n));
}

/* ------------------------------------------------------------------ values */

typedef struct kv {
    mdc_value *k, *v;
} kv;

static int cmp_kv(const void *pa, const void *pb)
{
    const kv *a = pa, *b = pb;
    return mdc_json_keycmp(a->k->s, b->k->s);
}

static mdc_value *string_value(mdc_arena *a, const char *s, size_t len)
{
    mdc_value *v = mdc_new(a, mdc_value);
    v->kind = MDC_V_STRING;
    v->s = mdc_strndup(a, s ? s : "", len);
    v->len = len;
    return v;
}

static mdc_value *scalar_value(mdc_arena *a, const mdc_ynode *n)
{
    mdc_value *v = mdc_new(a, mdc_value);
    if (mdc_yscalar_is_null(n)) {
        v->kind = MDC_V_NULL;
    } else if (mdc_yscalar_bool(n, &v->b)) {
        v->kind = MDC_V_BOOL;
    } else if (mdc_yscalar_int(n, &v->i)) {
        v->kind = MDC_V_INT;
    } else if (mdc_yscalar_float(n, &v->f)) {
        v->kind = MDC_V_FLOAT;
        /* 1.0 and -0.0 are written 1 and 0 (RFC 8785), and read back as integers from a
         * recorded state: store them as those integers, so that both compare equal. */
        if (v->f >= -9223372036854775808.0 && v->f < 9223372036854775808.0 && v->f == (double)(int64_t)v->f) {
            v->i = (int64_t)v->f;
            v->f = 0;
            v->kind = MDC_V_INT;
        }
    } else {
        return string_value(a, n->str, n->str ? n->len : 0);
    }
    return v;
}

mdc_value *mdc_lvalue(mdc_arena *a, const mdc_ynode *n)
{
    if (!n) return mdc_new(a, mdc_value); /* MDC_V_NULL */
    if (n->kind == MDC_Y_SCALAR) return scalar_value(a, n);
    mdc_value *v = mdc_new(a, mdc_value);
    size_t count = n->items ? n->n : 0;
    if (n->kind == MDC_Y_SEQ) {
        v->kind = MDC_V_SEQ;
        v->items = mdc_new_array(a, mdc_value *, count + 1);
        for (size_t i = 0; i < count; i++)
            v->items[i] = mdc_lvalue(a, n->items[i]);
        v->n = count;
        return v;
    }
    v->kind = MDC_V_MAP;
    kv *pairs = calloc(count + 1, sizeof *pairs);
    if (!pairs) abort();
    for (size_t i = 0; i < count; i++) {
        const mdc_ynode *k = n->items[2 * i];
        const char *ks = k && k->str ? k->str : "";
        pairs[i].k = string_value(a, ks, strlen(ks));
        pairs[i].v = mdc_lvalue(a, n->items[2 * i + 1]);
    }
    qsort(pairs, count, sizeof *pairs, cmp_kv);
    v->items = mdc_new_array(a, mdc_value *, 2 * count + 1);
    for (size_t i = 0; i < count; i++) {
        v->items[2 * i] = pairs[i].k;
        v->items[2 * i + 1] = pairs[i].v;
    }
    v->n = count;
    free(pairs);
    return v;
}

/* ------------------------------------------------------------------ raw SQL */

/* Skips a quoted run starting at s[i] == q (doubled quotes escape); returns the index
 * after the closing quote, or (size_t)-1 when it is not closed. */
static size_t skip_quoted(const char *s, size_t i, char q)
{
    for (i++; s[i]; i++) {
        if (s[i] != q) continue;
        if (s[i + 1] == q) {
            i++;
            continue;
        }
        return i + 1;
    }
    return (size_t)-1;
}

const char *mdc_lsql_for(const mdc_lctx *c, const mdc_ynode *n, const char *what, unsigned readers)
{
    const char *s = mdc_ltext(c, n, what);
    if (!s) return NULL;
    const char *why = mdc_sql_guard_for(s, readers, NULL);
    if (!why) return s;
    mdc_lerr(c, "BAD_VALUE", n, "%s must be a single SQL expression: %s", what, why);
    return NULL;
}

const char *mdc_lsql(const mdc_lctx *c, const mdc_ynode *n, const char *what)
{
    return mdc_lsql_for(c, n, what, MDC_SQL_FOR_BOTH);
}

/* Words of SQL expressions that are never column names (lower case). */
static const char *const sql_keywords[] = {
    "all",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "at",
    "between",
    "binary",
    "both",
    "by",
    "case",
    "cast",
    "collate",
    "current_date",
    "current_role",
    "current_time",
    "current_timestamp",
    "current_user",
    "date",
    "day",
    "desc",
    "distinct",
    "else",
    "end",
    "escape",
    "exists",
    "false",
    "first",
    "for",
    "from",
    "glob",
    "hour",
    "ilike",
    "in",
    "interval",
    "is",
    "isnull",
    "last",
    "leading",
    "like",
    "localtime",
    "localtimestamp",
    "match",
    "minute",
    "month",
    "not",
    "notnull",
    "null",
    "nulls",
    "or",
    "overlaps",
    "precision",
    "regexp",
    "second",
    "select",
    "session_user",
    "similar",
    "some",
    "symmetric",
    "then",
    "time",
    "timestamp",
    "to",
    "trailing",
    "true",
    "unknown",
    "user",
    "varying",
    "when",
    "where",
    "with",
    "without",
    "year",
    "zone",
};

static bool is_keyword(const char *w, size_t len)
{
    char buf[32];
    if (len >= sizeof buf) return false;
    for (size_t i = 0; i < len; i++)
        buf[i] = (char)tolower((unsigned char)w[i]);
    buf[len] = 0;
    for (size_t i = 0; i < sizeof sql_keywords / sizeof *sql_keywords; i++)
        if (strcmp(buf, sql_keywords[i]) == 0) return true;
    return false;
}

static bool ident_start(int ch)
{
    return is_upper(ch) || is_lower(ch) || ch == '_' || ch >= 0x80;
}

static bool ident_char(int ch)
{
    return ident_start(ch) || is_digit(ch) || ch == '$';
}

static size_t skip_space(const char *s, size_t i)
{
    while (s[i] && isspace((unsigned char)s[i]))
        i++;
    return i;
}

/* The scanner's memory of the previous token, which decides what an identifier is. */
typedef enum prev_tok { PREV_OTHER, PREV_DOT, PREV_TYPE_CONTEXT, PREV_COLLATE } prev_tok;

static bool word_is(const char *w, size_t len, const char *kw)
{
    return strlen(kw) == len && strncasecmp(w, kw, len) == 0;
}

/* Decides whether the word s[start, end) is a column reference, and what it makes the
 * next word.  */
static bool classify_word(const char *s, size_t start, size_t end, prev_tok *prev)
{
    const char *w = s + start;
    size_t len = end - start;
    size_t next = skip_space(s, end);
    prev_tok was = *prev;
    *prev = PREV_OTHER;
    if (word_is(w, len, "as")) *prev = PREV_TYPE_CONTEXT;
    if (word_is(w, len, "collate")) *prev = PREV_COLLATE;
    if (was == PREV_DOT || was == PREV_TYPE_CONTEXT || was == PREV_COLLATE) return false;
    if (s[next] == '(' || s[next] == '.' || s[end] == '\'') return false;
    return !is_keyword(w, len);
}

static void add_ident(mdc_arena *a, mdc_ptrvec *v, const char *w, size_t len)
{
    for (size_t i = 0; i < v->n; i++) {
        const char *e = v->v[i];
        if (strlen(e) == len && memcmp(e, w, len) == 0) return;
    }
    mdc_ptrvec_push(a, v, mdc_strndup(a, w, len));
}

size_t mdc_sql_idents(mdc_arena *a, const char *sql, const char ***out)
{
    mdc_ptrvec v = {0};
    prev_tok prev = PREV_OTHER;
    for (size_t i = 0; sql && sql[i];) {
        unsigned char ch = (unsigned char)sql[i];
        if (isspace(ch)) {
            i++;
        } else if (ch == '\'' || ch == '"') {
            size_t j = skip_quoted(sql, i, (char)ch);
            i = j == (size_t)-1 ? strlen(sql) : j;
            prev = PREV_OTHER;
        } else if (is_digit(ch)) {
            while (ident_char((unsigned char)sql[i]) || sql[i] == '.')
                i++;
            prev = PREV_OTHER;
        } else if (ident_start(ch)) {
            size_t start = i;
            while (ident_char((unsigned char)sql[i]))
                i++;
            if (classify_word(sql, start, i, &prev)) add_ident(a, &v, sql + start, i - start);
        } else if (ch == ':' && sql[i + 1] == ':') {
            i += 2;
            prev = PREV_TYPE_CONTEXT;
        } else {
            prev = ch == '.' ? PREV_DOT : PREV_OTHER;
            i++;
        }
    }
    *out = (const char **)v.v;
    return v.n;
}

/* ------------------------------------------------------------------ misc */

static const char *const rule_names[] = {
    "MODEL_ADDED",
    "MODEL_REMOVED",
    "MODEL_RENAMED",
    "TABLE_RENAMED",
    "SCHEMA_CHANGED",
    "FIELD_ADDED_NULLABLE",
    "FIELD_ADDED_WITH_DEFAULT",
    "FIELD_ADDED_REQUIRED",
    "FIELD_REMOVED",
    "FIELD_RENAMED",
    "FIELD_TYPE_WIDENED",
    "FIELD_TYPE_NARROWED",
    "FIELD_TYPE_CHANGED",
    "FIELD_MADE_NULLABLE",
    "FIELD_MADE_REQUIRED",
    "FIELD_DEFAULT_ADDED",
    "FIELD_DEFAULT_CHANGED",
    "FIELD_DEFAULT_REMOVED",
    "ENUM_VALUE_ADDED",
    "ENUM_VALUE_REMOVED",
    "PRIMARY_KEY_CHANGED",
    "UNIQUE_ADDED",
    "UNIQUE_REMOVED",
    "CHECK_ADDED",
    "CHECK_CHANGED",
    "CHECK_REMOVED",
    "FOREIGN_KEY_ADDED",
    "FOREIGN_KEY_REMOVED",
    "FOREIGN_KEY_ACTION_CHANGED",
    "INDEX_ADDED",
    "INDEX_CHANGED",
    "INDEX_REMOVED",
    "DOC_CHANGED",
    "SOURCE_ADDED",
    "SOURCE_CHANGED",
    "SOURCE_REMOVED",
    "ENTITY_ADDED",
    "ENTITY_MAPPING_CHANGED",
    "ENTITY_REMOVED",
    "CONTRACT_ADDED",
    "CONTRACT_CHANGED",
    "CONTRACT_REMOVED",
};

const char *const *mdc_rule_names(size_t *n)
{
    *n = sizeof rule_names / sizeof *rule_names;
    return rule_names;
}

size_t mdc_sort_unique(const char **v, mdc_loc *locs, size_t n)
{
    /* Insertion sort: lists here are short (tags, reserved names) and it keeps the first
     * of equal strings first, so the kept location is the first written. */
    for (size_t i = 1; i < n; i++) {
        const char *s = v[i];
        mdc_loc l = locs ? locs[i] : (mdc_loc){0};
        size_t j = i;
        while (j > 0 && strcmp(v[j - 1], s) > 0) {
            v[j] = v[j - 1];
            if (locs) locs[j] = locs[j - 1];
            j--;
        }
        v[j] = s;
        if (locs) locs[j] = l;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (k && strcmp(v[k - 1], v[i]) == 0) continue;
        v[k] = v[i];
        if (locs) locs[k] = locs[i];
        k++;
    }
    return k;
}

bool mdc_lsame_ci(const char *a, const char *b)
{
    return a && b && strcasecmp(a, b) == 0;
}
