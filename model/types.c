/*
 * types.c - the type system of SPEC 3.2.
 *
 * A written type is parsed by hand (the grammar is tiny):
 *
 *     type     := ws base ws ( "[" ws "]" ws )? ( "?" ws )?
 *     base     := name ws ( "(" args ")" )?
 *     name     := [a-z0-9_]+           (type names are lowercase; "UUID" is unknown)
 *     args     := arg ( "," arg )*     (each arg trimmed of spaces)
 *
 * Every alias resolves to one mdc_base_type, so "int" and "int32" give identical mdc_type
 * values and therefore identical canonical spellings and checksums.  The rest of the file
 * maps a parsed type to its canonical spelling, its PostgreSQL and SQLite column types, and
 * decides the widening / narrowing relations that the diff classifies changes with.
 *
 * Decisions worth knowing:
 *   - bare `varchar` is accepted as unbounded `string` (forgiving; PostgreSQL accepts it too);
 *     `text` and `str` take no length (use string(n) / varchar(n)).
 *   - bare `decimal` / `numeric` is the unconstrained NUMERIC (precision 0); decimal(p) is
 *     decimal(p,0).
 *   - enum equality is order-sensitive (it is what the canonical form and the CHECK text
 *     show), while widening and narrowing compare value sets.
 *   - arrays never widen or narrow: any change of an array type is a plain change.
 */
#include "types.h"

#include "diag.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ names */

/* How a spelling takes arguments. */
typedef enum arg_kind {
    ARGS_NONE,    /* no parentheses allowed */
    ARGS_DECIMAL, /* optional (p) or (p, s) */
    ARGS_STRING,  /* optional (n) */
    ARGS_ENUM     /* required (a, b, ...) */
} arg_kind;

typedef struct type_spelling {
    const char *name;
    mdc_base_type base;
    arg_kind args;
} type_spelling;

/* In the order of the table of SPEC 3.2; the first spelling of a base is its canonical name. */
static const type_spelling spellings[] = {
    {"bool", MDC_T_BOOL, ARGS_NONE},          {"boolean", MDC_T_BOOL, ARGS_NONE},
    {"int16", MDC_T_INT16, ARGS_NONE},        {"smallint", MDC_T_INT16, ARGS_NONE},
    {"int32", MDC_T_INT32, ARGS_NONE},        {"int", MDC_T_INT32, ARGS_NONE},
    {"integer", MDC_T_INT32, ARGS_NONE},      {"int64", MDC_T_INT64, ARGS_NONE},
    {"bigint", MDC_T_INT64, ARGS_NONE},       {"float32", MDC_T_FLOAT32, ARGS_NONE},
    {"real", MDC_T_FLOAT32, ARGS_NONE},       {"float64", MDC_T_FLOAT64, ARGS_NONE},
    {"float", MDC_T_FLOAT64, ARGS_NONE},      {"double", MDC_T_FLOAT64, ARGS_NONE},
    {"decimal", MDC_T_DECIMAL, ARGS_DECIMAL}, {"numeric", MDC_T_DECIMAL, ARGS_DECIMAL},
    {"string", MDC_T_STRING, ARGS_STRING},    {"text", MDC_T_STRING, ARGS_NONE},
    {"str", MDC_T_STRING, ARGS_NONE},         {"varchar", MDC_T_STRING, ARGS_STRING},
    {"bytes", MDC_T_BYTES, ARGS_NONE},        {"bytea", MDC_T_BYTES, ARGS_NONE},
    {"blob", MDC_T_BYTES, ARGS_NONE},         {"uuid", MDC_T_UUID, ARGS_NONE},
    {"date", MDC_T_DATE, ARGS_NONE},          {"time", MDC_T_TIME, ARGS_NONE},
    {"interval", MDC_T_INTERVAL, ARGS_NONE},  {"timestamp", MDC_T_TIMESTAMP, ARGS_NONE},
    {"datetime", MDC_T_TIMESTAMP, ARGS_NONE}, {"timestamptz", MDC_T_TIMESTAMPTZ, ARGS_NONE},
    {"json", MDC_T_JSON, ARGS_NONE},          {"jsonb", MDC_T_JSON, ARGS_NONE},
    {"dict", MDC_T_JSON, ARGS_NONE},          {"enum", MDC_T_ENUM, ARGS_ENUM},
};
#define NSPELLINGS (sizeof spellings / sizeof spellings[0])

const char *const mdc_type_names[] = {
    "bool",     "boolean",     "int16",   "smallint", "int32",   "int",      "integer",
    "int64",    "bigint",      "float32", "real",     "float64", "float",    "double",
    "decimal",  "numeric",     "string",  "text",     "str",     "varchar",  "bytes",
    "bytea",    "blob",        "uuid",    "date",     "time",    "interval", "timestamp",
    "datetime", "timestamptz", "json",    "jsonb",    "dict",    "enum",
};
const size_t mdc_type_names_count = sizeof mdc_type_names / sizeof mdc_type_names[0];

/* Canonical names by base type (the first spelling of each). */
static const char *const canonical_names[MDC_T__COUNT] = {
    [MDC_T_BOOL] = "bool",
    [MDC_T_INT16] = "int16",
    [MDC_T_INT32] = "int32",
    [MDC_T_INT64] = "int64",
    [MDC_T_FLOAT32] = "float32",
    [MDC_T_FLOAT64] = "float64",
    [MDC_T_DECIMAL] = "decimal",
    [MDC_T_STRING] = "string",
    [MDC_T_BYTES] = "bytes",
    [MDC_T_UUID] = "uuid",
    [MDC_T_DATE] = "date",
    [MDC_T_TIME] = "time",
    [MDC_T_INTERVAL] = "interval",
    [MDC_T_TIMESTAMP] = "timestamp",
    [MDC_T_TIMESTAMPTZ] = "timestamptz",
    [MDC_T_JSON] = "json",
    [MDC_T_ENUM] = "enum",
};

#define DECIMAL_MAX_PRECISION 1000
#define STRING_MAX_LENGTH 10485760

/* ------------------------------------------------------------------ parsing helpers */

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

static bool is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* The characters an enum value may contain (SPEC: [A-Za-z0-9_ .:/+-]). */
static bool is_enum_char(char c)
{
    return is_name_char(c) || c == ' ' || c == '.' || c == ':' || c == '/' || c == '+' || c == '-';
}

static const type_spelling *find_spelling(const char *name, size_t len)
{
    for (size_t i = 0; i < NSPELLINGS; i++)
        if (strlen(spellings[i].name) == len && memcmp(spellings[i].name, name, len) == 0)
            return &spellings[i];
    return NULL;
}

/* A byte span of the input, trimmed of spaces at both ends. */
typedef struct span {
    const char *p;
    size_t n;
} span;

static span trim(const char *p, size_t n)
{
    while (n && is_space(*p))
        p++, n--;
    while (n && is_space(p[n - 1]))
        n--;
    return (span){p, n};
}

/* Parse state: the arena and the out-parameters for the error message. */
typedef struct parse_ctx {
    mdc_arena *a;
    const char **msg;
    const char **suggest;
} parse_ctx;

static mdc_type_error fail(parse_ctx *cx, mdc_type_error e, const char *message)
{
    *cx->msg = message;
    return e;
}

/*
 * number := [0-9]+ (no sign).  False when s is empty or holds anything else; large values
 * saturate at 10^12, which is out of every range we check.
 */
static bool parse_digits(span s, int64_t *out)
{
    if (s.n == 0) return false;
    int64_t v = 0;
    for (size_t i = 0; i < s.n; i++) {
        if (s.p[i] < '0' || s.p[i] > '9') return false;
        if (v < 1000000000000) v = v * 10 + (s.p[i] - '0');
    }
    *out = v;
    return true;
}

/* A number argument within [lo, hi]; `what` names it in messages ("decimal precision"). */
static mdc_type_error parse_number(parse_ctx *cx, span s, const char *what, int32_t lo, int32_t hi,
                                   int32_t *out)
{
    int64_t v = 0;
    if (s.n == 0) return fail(cx, MDC_TYPE_BAD_ARGS, mdc_printf(cx->a, "%s is missing", what));
    if (!parse_digits(s, &v))
        return fail(
            cx, MDC_TYPE_BAD_ARGS,
            mdc_printf(cx->a, "%s must be a whole number, got `%.*s`", what, (int)s.n, s.p));
    if (v < lo || v > hi)
        return fail(cx, MDC_TYPE_BAD_ARGS,
                    mdc_printf(cx->a, "%s must be between %d and %d, got %.*s", what, (int)lo,
                               (int)hi, (int)s.n, s.p));
    *out = (int32_t)v;
    return MDC_TYPE_OK;
}

/* Splits args at commas into trimmed spans (arena array). */
static span *split_args(mdc_arena *a, span inner, size_t *count)
{
    size_t n = 1;
    for (size_t i = 0; i < inner.n; i++)
        if (inner.p[i] == ',') n++;
    span *v = mdc_new_array(a, span, n);
    size_t k = 0, start = 0;
    for (size_t i = 0; i <= inner.n; i++) {
        if (i == inner.n || inner.p[i] == ',') {
            v[k++] = trim(inner.p + start, i - start);
            start = i + 1;
        }
    }
    *count = n;
    return v;
}

/* decimal-args := p | p "," s   (bare decimal handled by the caller) */
static mdc_type_error parse_decimal_args(parse_ctx *cx, const char *name, span *args, size_t nargs,
                                         mdc_type *out)
{
    if (nargs > 2)
        return fail(cx, MDC_TYPE_BAD_ARGS,
                    mdc_printf(cx->a, "%s takes at most 2 arguments (precision, scale), got %zu",
                               name, nargs));
    const char *pw = mdc_printf(cx->a, "%s precision", name);
    mdc_type_error e = parse_number(cx, args[0], pw, 1, DECIMAL_MAX_PRECISION, &out->precision);
    if (e) return e;
    out->scale = 0;
    if (nargs == 2) {
        span sc = args[1];
        int64_t v = 0;
        if (sc.n == 0)
            return fail(cx, MDC_TYPE_BAD_ARGS, mdc_printf(cx->a, "%s scale is missing", name));
        if (!parse_digits(sc, &v))
            return fail(cx, MDC_TYPE_BAD_ARGS,
                        mdc_printf(cx->a, "%s scale must be a whole number, got `%.*s`", name,
                                   (int)sc.n, sc.p));
        if (v > out->precision)
            return fail(cx, MDC_TYPE_BAD_ARGS,
                        mdc_printf(cx->a,
                                   "%s scale must be between 0 and the precision (%d), got %.*s",
                                   name, (int)out->precision, (int)sc.n, sc.p));
        out->scale = (int32_t)v;
    }
    return MDC_TYPE_OK;
}

static int cmp_str_ptr(const void *pa, const void *pb)
{
    return strcmp(*(const char *const *)pa, *(const char *const *)pb);
}

/* enum-args := value ("," value)*, value := [A-Za-z0-9_ .:/+-]+ (trimmed), all distinct */
static mdc_type_error parse_enum_args(parse_ctx *cx, span *args, size_t nargs, mdc_type *out)
{
    const char **values = mdc_new_array(cx->a, const char *, nargs);
    for (size_t i = 0; i < nargs; i++) {
        span v = args[i];
        if (v.n == 0)
            return fail(cx, MDC_TYPE_BAD_ARGS,
                        nargs == 1 ? mdc_printf(cx->a, "enum needs at least one value: "
                                                       "enum(a, b)")
                                   : mdc_printf(cx->a, "enum value %zu is empty", i + 1));
        for (size_t j = 0; j < v.n; j++) {
            if (!is_enum_char(v.p[j])) {
                unsigned char c = (unsigned char)v.p[j];
                const char *shown = c >= 0x20 && c < 0x7f ? mdc_printf(cx->a, "`%c`", c)
                                                          : mdc_printf(cx->a, "byte 0x%02x", c);
                return fail(cx, MDC_TYPE_BAD_ARGS,
                            mdc_printf(cx->a,
                                       "enum value `%.*s` contains %s; values may only use "
                                       "letters, digits, space and _ . : / + -",
                                       (int)v.n, v.p, shown));
            }
        }
        values[i] = mdc_strndup(cx->a, v.p, v.n);
    }
    /* duplicates: sort a copy so that many values stay O(n log n) */
    if (nargs > 1) {
        const char **sorted = malloc(nargs * sizeof *sorted);
        if (!sorted) abort();
        memcpy(sorted, values, nargs * sizeof *sorted);
        qsort(sorted, nargs, sizeof *sorted, cmp_str_ptr);
        const char *dup = NULL;
        for (size_t i = 1; i < nargs && !dup; i++)
            if (strcmp(sorted[i - 1], sorted[i]) == 0) dup = sorted[i];
        free(sorted);
        if (dup)
            return fail(cx, MDC_TYPE_BAD_ARGS,
                        mdc_printf(cx->a, "enum value `%s` is listed more than once", dup));
    }
    out->values = values;
    out->nvalues = nargs;
    return MDC_TYPE_OK;
}

/*
 * base := name ws ( "(" args ")" )? ws      -- the text after '?' and '[]' are removed
 */
static mdc_type_error parse_base(parse_ctx *cx, span s, mdc_type *out)
{
    size_t i = 0;
    while (i < s.n && is_name_char(s.p[i]))
        i++;
    span name = {s.p, i};
    if (name.n == 0)
        return fail(cx, MDC_TYPE_UNKNOWN,
                    s.n ? mdc_printf(cx->a, "`%.*s` is not a type", (int)s.n, s.p)
                        : mdc_printf(cx->a, "the type is empty"));

    const type_spelling *sp = find_spelling(name.p, name.n);
    if (!sp) {
        char *word = mdc_strndup(cx->a, name.p, name.n);
        bool upper = false;
        char *lower = mdc_strdup(cx->a, word);
        for (char *c = lower; *c; c++)
            if (*c >= 'A' && *c <= 'Z') *c = (char)(*c - 'A' + 'a'), upper = true;
        if (upper && find_spelling(lower, name.n))
            *cx->msg = mdc_printf(cx->a, "unknown type `%s`: type names are lowercase", word);
        else
            *cx->msg = mdc_printf(cx->a, "unknown type `%s`", word);
        *cx->suggest = mdc_closest(word, mdc_type_names, mdc_type_names_count);
        return MDC_TYPE_UNKNOWN;
    }

    while (i < s.n && is_space(s.p[i]))
        i++;
    bool has_parens = i < s.n && s.p[i] == '(';
    span inner = {NULL, 0};
    if (has_parens) {
        size_t open = i++;
        while (i < s.n && s.p[i] != ')')
            i++;
        if (i == s.n)
            return fail(
                cx, MDC_TYPE_BAD_ARGS,
                mdc_printf(cx->a, "missing `)` after `%.*s`", (int)(s.n - open), s.p + open));
        inner = (span){s.p + open + 1, i - open - 1};
        i++;
        while (i < s.n && is_space(s.p[i]))
            i++;
    }
    if (i < s.n)
        return fail(cx, has_parens ? MDC_TYPE_BAD_ARGS : MDC_TYPE_UNKNOWN,
                    mdc_printf(cx->a, "unexpected `%.*s` after `%.*s` in type `%.*s`",
                               (int)(s.n - i), s.p + i, (int)i, s.p, (int)s.n, s.p));
    /* keep the written name (without arguments) for messages */
    const char *nm = sp->name;

    memset(out, 0, sizeof *out);
    out->base = sp->base;

    if (!has_parens) {
        if (sp->args == ARGS_ENUM)
            return fail(cx, MDC_TYPE_BAD_ARGS,
                        mdc_printf(cx->a, "enum needs its values: enum(a, b)"));
        return MDC_TYPE_OK; /* bare decimal = unconstrained, bare string/varchar = TEXT */
    }

    span in = trim(inner.p, inner.n);
    if (sp->args == ARGS_NONE) {
        if (sp->base == MDC_T_STRING)
            return fail(cx, MDC_TYPE_BAD_ARGS,
                        mdc_printf(cx->a,
                                   "`%s` takes no length; write string(n) or varchar(n) for "
                                   "a bounded string",
                                   nm));
        return fail(
            cx, MDC_TYPE_BAD_ARGS,
            mdc_printf(cx->a, "`%s` takes no arguments, got `(%.*s)`", nm, (int)inner.n, inner.p));
    }
    if (in.n == 0) {
        switch (sp->args) {
        case ARGS_DECIMAL:
            return fail(cx, MDC_TYPE_BAD_ARGS,
                        mdc_printf(cx->a, "empty `()` after %s: write %s(p, s), %s(p) or just %s",
                                   nm, nm, nm, nm));
        case ARGS_STRING:
            return fail(
                cx, MDC_TYPE_BAD_ARGS,
                mdc_printf(cx->a, "empty `()` after %s: write %s(n) or just string", nm, nm));
        default:
            return fail(cx, MDC_TYPE_BAD_ARGS,
                        mdc_printf(cx->a, "enum needs at least one value: enum(a, b)"));
        }
    }

    size_t nargs = 0;
    span *args = split_args(cx->a, in, &nargs);
    switch (sp->args) {
    case ARGS_DECIMAL:
        return parse_decimal_args(cx, nm, args, nargs, out);
    case ARGS_STRING:
        if (nargs != 1)
            return fail(
                cx, MDC_TYPE_BAD_ARGS,
                mdc_printf(cx->a, "%s takes one argument (the length), got %zu", nm, nargs));
        return parse_number(cx, args[0], mdc_printf(cx->a, "%s length", nm), 1, STRING_MAX_LENGTH,
                            &out->length);
    case ARGS_ENUM:
        return parse_enum_args(cx, args, nargs, out);
    case ARGS_NONE:
        break;
    }
    return MDC_TYPE_OK;
}

mdc_type_error mdc_type_parse(mdc_arena *a, const char *text, bool allow_nullable_suffix,
                              mdc_type *out, bool *nullable, const char **msg, const char **suggest)
{
    const char *msg_sink = NULL, *suggest_sink = NULL;
    bool nullable_sink = false;
    if (!msg) msg = &msg_sink;
    if (!suggest) suggest = &suggest_sink;
    if (!nullable) nullable = &nullable_sink;
    *msg = NULL;
    *suggest = NULL;
    *nullable = false;
    mdc_type scratch;
    if (!out) out = &scratch;
    memset(out, 0, sizeof *out);

    parse_ctx cx = {a, msg, suggest};
    if (!text) text = "";
    span s = trim(text, strlen(text));

    /* trailing '?' */
    if (s.n && s.p[s.n - 1] == '?') {
        if (!allow_nullable_suffix)
            return fail(&cx, MDC_TYPE_UNKNOWN,
                        mdc_printf(a,
                                   "`%.*s` is not a type: the `?` suffix is only for the "
                                   "shorthand form; write `nullable: true`",
                                   (int)s.n, s.p));
        s = trim(s.p, s.n - 1);
        if (s.n && s.p[s.n - 1] == '?')
            return fail(&cx, MDC_TYPE_BAD_ARGS, mdc_printf(a, "`%s` has more than one `?`", text));
        *nullable = true;
    }

    /* trailing "[]" (spaces allowed inside) */
    bool array = false;
    if (s.n && s.p[s.n - 1] == ']') {
        span before = trim(s.p, s.n - 1);
        if (before.n && before.p[before.n - 1] == '[') {
            array = true;
            span elem = trim(before.p, before.n - 1);
            if (elem.n && elem.p[elem.n - 1] == ']')
                return fail(&cx, MDC_TYPE_BAD_ARGS,
                            mdc_printf(a, "`%.*s`: arrays of arrays are not supported; use json",
                                       (int)s.n, s.p));
            if (elem.n && elem.p[elem.n - 1] == '?')
                return fail(&cx, MDC_TYPE_BAD_ARGS,
                            mdc_printf(a,
                                       "`%.*s`: array elements cannot be nullable; put `?` "
                                       "after `[]` to make the field nullable",
                                       (int)s.n, s.p));
            s = elem;
        }
    }

    mdc_type_error e = parse_base(&cx, s, out);
    if (e) {
        *nullable = false;
        return e;
    }
    out->array = array;
    return MDC_TYPE_OK;
}

/* ------------------------------------------------------------------ spellings */

static const char *with_array(mdc_arena *a, const mdc_type *t, const char *s)
{
    return t->array ? mdc_printf(a, "%s[]", s) : s;
}

const char *mdc_type_canonical(mdc_arena *a, const mdc_type *t)
{
    if ((unsigned)t->base >= MDC_T__COUNT) return "?";
    const char *s = canonical_names[t->base];
    switch (t->base) {
    case MDC_T_DECIMAL:
        if (t->precision > 0) s = mdc_printf(a, "decimal(%d,%d)", (int)t->precision, (int)t->scale);
        break;
    case MDC_T_STRING:
        if (t->length > 0) s = mdc_printf(a, "string(%d)", (int)t->length);
        break;
    case MDC_T_ENUM: {
        size_t len = 6; /* "enum(" + ")" */
        for (size_t i = 0; i < t->nvalues; i++)
            len += strlen(t->values[i]) + 1;
        char *b = mdc_alloc(a, len + 1), *p = b;
        memcpy(p, "enum(", 5);
        p += 5;
        for (size_t i = 0; i < t->nvalues; i++) {
            if (i) *p++ = ',';
            size_t n = strlen(t->values[i]);
            memcpy(p, t->values[i], n);
            p += n;
        }
        *p++ = ')';
        *p = '\0';
        s = b;
        break;
    }
    default:
        break;
    }
    return with_array(a, t, s);
}

const char *mdc_type_pg(mdc_arena *a, const mdc_type *t)
{
    static const char *const pg[MDC_T__COUNT] = {
        [MDC_T_BOOL] = "BOOLEAN",
        [MDC_T_INT16] = "SMALLINT",
        [MDC_T_INT32] = "INTEGER",
        [MDC_T_INT64] = "BIGINT",
        [MDC_T_FLOAT32] = "REAL",
        [MDC_T_FLOAT64] = "DOUBLE PRECISION",
        [MDC_T_DECIMAL] = "NUMERIC",
        [MDC_T_STRING] = "TEXT",
        [MDC_T_BYTES] = "BYTEA",
        [MDC_T_UUID] = "UUID",
        [MDC_T_DATE] = "DATE",
        [MDC_T_TIME] = "TIME",
        [MDC_T_INTERVAL] = "INTERVAL",
        [MDC_T_TIMESTAMP] = "TIMESTAMP",
        [MDC_T_TIMESTAMPTZ] = "TIMESTAMPTZ",
        [MDC_T_JSON] = "JSONB",
        [MDC_T_ENUM] = "TEXT", /* the CHECK (col IN (...)) is the SQL emitter's */
    };
    if ((unsigned)t->base >= MDC_T__COUNT) return "?";
    const char *s = pg[t->base];
    if (t->base == MDC_T_DECIMAL && t->precision > 0)
        s = mdc_printf(a, "NUMERIC(%d,%d)", (int)t->precision, (int)t->scale);
    else if (t->base == MDC_T_STRING && t->length > 0)
        s = mdc_printf(a, "VARCHAR(%d)", (int)t->length);
    return with_array(a, t, s);
}

const char *mdc_type_sqlite(const mdc_type *t)
{
    if (t->array) return "TEXT"; /* a JSON array */
    switch (t->base) {
    case MDC_T_BOOL:
    case MDC_T_INT16:
    case MDC_T_INT32:
    case MDC_T_INT64:
        return "INTEGER";
    case MDC_T_FLOAT32:
    case MDC_T_FLOAT64:
        return "REAL";
    case MDC_T_DECIMAL:
        return "NUMERIC";
    case MDC_T_BYTES:
        return "BLOB";
    case MDC_T_STRING:
    case MDC_T_UUID:
    case MDC_T_DATE:
    case MDC_T_TIME:
    case MDC_T_INTERVAL:
    case MDC_T_TIMESTAMP:
    case MDC_T_TIMESTAMPTZ:
    case MDC_T_JSON:
    case MDC_T_ENUM:
        return "TEXT";
    case MDC_T__COUNT:
        break;
    }
    return "?";
}

/* ------------------------------------------------------------------ relations */

bool mdc_type_equal(const mdc_type *a, const mdc_type *b)
{
    if (a->base != b->base || a->array != b->array) return false;
    switch (a->base) {
    case MDC_T_DECIMAL:
        return a->precision == b->precision && (a->precision == 0 || a->scale == b->scale);
    case MDC_T_STRING:
        return a->length == b->length;
    case MDC_T_ENUM:
        if (a->nvalues != b->nvalues) return false;
        for (size_t i = 0; i < a->nvalues; i++)
            if (strcmp(a->values[i], b->values[i]) != 0) return false;
        return true;
    default:
        return true;
    }
}

bool mdc_type_is_integer(const mdc_type *t)
{
    return !t->array &&
           (t->base == MDC_T_INT16 || t->base == MDC_T_INT32 || t->base == MDC_T_INT64);
}

static bool enum_has(const mdc_type *t, const char *v)
{
    for (size_t i = 0; i < t->nvalues; i++)
        if (strcmp(t->values[i], v) == 0) return true;
    return false;
}

/* True when the value set of `small` is a strict subset of that of `big` (same family,
 * not arrays).  Widening is subset(from, to); narrowing is subset(to, from). */
static bool strict_subset(const mdc_type *small, const mdc_type *big)
{
    if (small->array || big->array) return false;
    if (mdc_type_equal(small, big)) return false;
    switch (small->base) {
    case MDC_T_INT16:
        return big->base == MDC_T_INT32 || big->base == MDC_T_INT64;
    case MDC_T_INT32:
        return big->base == MDC_T_INT64;
    case MDC_T_FLOAT32:
        return big->base == MDC_T_FLOAT64;
    case MDC_T_DECIMAL:
        if (big->base != MDC_T_DECIMAL || small->precision == 0) return false;
        if (big->precision == 0) return true; /* unconstrained holds every decimal */
        return big->scale >= small->scale &&
               big->precision - big->scale >= small->precision - small->scale;
    case MDC_T_STRING:
        if (big->base != MDC_T_STRING || small->length == 0) return false;
        return big->length == 0 || big->length > small->length;
    case MDC_T_ENUM:
        if (big->base != MDC_T_ENUM || big->nvalues <= small->nvalues) return false;
        for (size_t i = 0; i < small->nvalues; i++)
            if (!enum_has(big, small->values[i])) return false;
        return true;
    default:
        return false;
    }
}

bool mdc_type_widens(const mdc_type *from, const mdc_type *to)
{
    return strict_subset(from, to);
}

bool mdc_type_narrows(const mdc_type *from, const mdc_type *to)
{
    return strict_subset(to, from);
}
