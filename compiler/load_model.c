/*
 * load_model.c - the body of a `kind: model` document (SPEC 3.1) -> mdc_model.
 *
 * The order of work: the model's own keys (table, schema, ...), `reserved`, then the
 * fields in written order (each: shorthand or mapping, type, default, key, reference),
 * then what refers to fields (primary_key, unique, indexes, checks).  Every check of
 * SPEC 3.4 that needs only this document is made here; references to other models are
 * resolved by validate.c.
 *
 * Literal defaults are checked against the field's type and stored normalised: decimal
 * as exact text ("12.50" -> "12.5"), uuid in lower case, arrays element by element.
 */
#include <ctype.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../model/buf.h"
#include "../model/types.h"
#include "load.h"
#include "load_util.h"

#define COUNT(a) (sizeof(a) / sizeof *(a))

static const char *const model_keys[] = {
    "kind",        "name",   "table",   "schema", "source",       "version",
    "description", "owner",  "tags",    "meta",   "fields",       "reserved",
    "primary_key", "unique", "indexes", "checks", "renamed_from",
};

static const char *const field_keys[] = {
    "type",       "nullable",  "default",   "default_expr", "primary_key",  "identity", "unique",
    "references", "on_delete", "on_update", "description",  "renamed_from", "meta",
};

static const char *const index_keys[] = {"fields", "order", "unique", "where", "name"};
static const char *const check_keys[] = {"name", "expr"};
static const char *const custom_expr_keys[] = {"postgres", "sqlite"};
static const char *const order_names[] = {"asc", "desc"};

/* In the order of mdc_fk_action. */
static const char *const fk_action_names[] = {"no_action", "restrict", "cascade", "set_null",
                                              "set_default"};

/* default_expr words, and their mdc_default_expr. */
static const char *const dx_names[] = {"now", "current_date", "uuid"};
static const mdc_default_expr dx_values[] = {MDC_DX_NOW, MDC_DX_CURRENT_DATE, MDC_DX_UUID};

/* Room for the descriptions fmt makes; reused for every field (load_fields). */
typedef struct scratch {
    char buf[4096];
    size_t used;
} scratch;

/* The state of loading one model. */
typedef struct mload {
    const mdc_lctx *c;
    mdc_model *m;
    const char **field_names; /* m->fields[i].name, for "did you mean" */
    bool *type_ok;            /* per field: its type was understood */
    const mdc_ynode *pk_flag; /* the first `primary_key: true` of a field, or NULL */
    scratch *tmp;
} mload;

/* ------------------------------------------------------------------ small helpers */

/* f with its one "%s" replaced by arg: a description for diagnostics, made for every
 * field whether or not one is reported, so plain copies (no printf) into L->tmp (the
 * arena once that is full).  Such a description names a value in a message and is
 * never kept: load_fields empties L->tmp before each field, so ten thousand models do
 * not leave megabytes of them behind. */
static const char *fmt(const mload *L, const char *f, const char *arg)
{
    const char *pct = strstr(f, "%s");
    if (!pct) return f;
    if (!arg) arg = "(null)";
    size_t a = (size_t)(pct - f), b = strlen(arg), c = strlen(pct + 2);
    scratch *t = L->tmp;
    char *s;
    if (sizeof t->buf - t->used >= a + b + c + 1) {
        s = t->buf + t->used;
        t->used += a + b + c + 1;
    } else {
        s = mdc_alloc(L->c->a, a + b + c + 1);
    }
    memcpy(s, f, a);
    memcpy(s + a, arg, b);
    memcpy(s + a + b, pct + 2, c + 1);
    return s;
}

static mdc_field *find_field(const mload *L, const char *name)
{
    for (size_t i = 0; i < L->m->nfields; i++)
        if (strcmp(L->m->fields[i].name, name) == 0) return &L->m->fields[i];
    return NULL;
}

/* The field called name, or NULL after UNKNOWN_FIELD at n ("did you mean"). */
static mdc_field *need_field(const mload *L, const mdc_ynode *n, const char *name, const char *user)
{
    mdc_field *f = find_field(L, name);
    if (f) return f;
    mdc_diag *dg =
        mdc_lerr(L->c, "UNKNOWN_FIELD", n, "%s refers to unknown field `%s`", user, name);
    mdc_lsuggest(L->c, dg, name, L->field_names, L->m->nfields);
    return NULL;
}

/* What a node holds, for "got ..." in messages: the scalar's text or its kind. */
static const char *got(const mload *L, const mdc_ynode *n)
{
    if (n && n->kind == MDC_Y_SCALAR && n->str && !mdc_yscalar_is_null(n)) {
        if (n->len > 40) return mdc_printf(L->c->a, "`%.40s...`", n->str);
        return mdc_printf(L->c->a, "`%s`", n->str);
    }
    return n ? mdc_ynode_describe(n) : "nothing";
}

/* ------------------------------------------------------------------ types */

/*
 * type := a type of SPEC 3.2, optionally with a trailing `?` (nullable), as text:
 *         "string", "string(320)?", "decimal(12,2)", "enum(a, b)", "int[]?"
 * Reports UNKNOWN_TYPE (with the closest type name) or BAD_TYPE_ARGS at n.
 */
static bool parse_type(const mload *L, const mdc_ynode *n, const char *fname, mdc_type *t,
                       bool *nullable)
{
    const char *text = mdc_lstring(L->c, n, fmt(L, "the type of field `%s`", fname));
    if (!text) return false;
    const char *msg = NULL, *suggest = NULL;
    mdc_type_error e = mdc_type_parse(L->c->a, text, true, t, nullable, &msg, &suggest);
    if (e == MDC_TYPE_OK) return true;
    if (e == MDC_TYPE_UNKNOWN) {
        mdc_diag *dg = mdc_lerr(L->c, "UNKNOWN_TYPE", n, "field `%s`: %s", fname,
                                msg ? msg : fmt(L, "unknown type `%s`", text));
        if (suggest) mdc_diag_note(L->c->d, dg, "did you mean `%s`?", suggest);
    } else {
        mdc_lerr(L->c, "BAD_TYPE_ARGS", n, "field `%s`: %s", fname,
                 msg ? msg : fmt(L, "bad arguments in type `%s`", text));
    }
    memset(t, 0, sizeof *t);
    return false;
}

/* ------------------------------------------------------------------ literal defaults */

static bool all_digits(const char *s, int n)
{
    for (int i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return false;
    return true;
}

static int number_at(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

/* date := YYYY-MM-DD (a real calendar day).  Returns the end, or NULL. */
static const char *parse_date(const char *s)
{
    if (strlen(s) < 10 || !all_digits(s, 4) || s[4] != '-' || !all_digits(s + 5, 2) ||
        s[7] != '-' || !all_digits(s + 8, 2))
        return NULL;
    int y = number_at(s, 4), m = number_at(s + 5, 2), d = number_at(s + 8, 2);
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1) return NULL;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    int max = mdays[m - 1] + (m == 2 && leap);
    return d <= max ? s + 10 : NULL;
}

/* time := HH:MM:SS ('.' [0-9]{1,6})?  Returns the end, or NULL. */
static const char *parse_time(const char *s)
{
    if (strlen(s) < 8 || !all_digits(s, 2) || s[2] != ':' || !all_digits(s + 3, 2) || s[5] != ':' ||
        !all_digits(s + 6, 2))
        return NULL;
    if (number_at(s, 2) > 23 || number_at(s + 3, 2) > 59 || number_at(s + 6, 2) > 59) return NULL;
    const char *p = s + 8;
    if (*p == '.') {
        int k = 0;
        for (p++; *p >= '0' && *p <= '9'; p++)
            k++;
        if (k < 1 || k > 6) return NULL;
    }
    return p;
}

/* zone := 'Z' | [+-] HH (':'? MM)?   Returns the end, or NULL. */
static const char *parse_zone(const char *s)
{
    if (*s == 'Z') return s + 1;
    if (*s != '+' && *s != '-') return NULL;
    if (!all_digits(s + 1, 2) || number_at(s + 1, 2) > 23) return NULL;
    const char *p = s + 3;
    if (*p == ':') p++;
    if (all_digits(p, 2) && p[0] && p[1]) return number_at(p, 2) <= 59 ? p + 2 : NULL;
    return p == s + 3 ? p : NULL;
}

/* timestamp := date ('T' | ' ') time; timestamptz may add a zone. */
static bool timestamp_ok(const char *s, bool tz)
{
    const char *p = parse_date(s);
    if (!p || (*p != 'T' && *p != ' ')) return false;
    p = parse_time(p + 1);
    if (!p) return false;
    if (*p && tz) p = parse_zone(p);
    return p && *p == 0;
}

/* uuid := 8-4-4-4-12 hex digits */
static bool uuid_ok(const char *s)
{
    if (strlen(s) != 36) return false;
    for (int i = 0; i < 36; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i])) return false;
    }
    return true;
}

static size_t code_points(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80) n++;
    return n;
}

/*
 * decimal := [-+]? (DIGITS ('.' DIGITS?)? | '.' DIGITS) ([eE] [-+]? DIGITS)?
 * Returns the exact value as normalised text ("-0012.50" -> "-12.5", "0.0" -> "0",
 * "1e2" -> "100"), with its digit counts before and after the point; NULL when s is not
 * a decimal number.
 */
static const char *decimal_text(mdc_arena *a, const char *s, size_t *int_digits,
                                size_t *frac_digits)
{
    const char *p = s;
    bool neg = *p == '-';
    if (*p == '-' || *p == '+') p++;
    size_t len = strlen(p);
    char *digits = mdc_alloc(a, len + 1);
    size_t nd = 0;
    long point = -1;
    for (; (*p >= '0' && *p <= '9') || *p == '.'; p++) {
        if (*p == '.') {
            if (point >= 0) return NULL;
            point = (long)nd;
        } else {
            digits[nd++] = *p;
        }
    }
    if (!nd) return NULL;
    if (point < 0) point = (long)nd;
    if (*p == 'e' || *p == 'E') {
        p++;
        bool eneg = *p == '-';
        if (*p == '-' || *p == '+') p++;
        if (*p < '0' || *p > '9') return NULL;
        long e = 0;
        for (; *p >= '0' && *p <= '9'; p++)
            if ((e = e * 10 + (*p - '0')) > 1000) return NULL;
        point += eneg ? -e : e;
    }
    if (*p) return NULL;
    /* integer part = digits[0, point), fraction = digits[point, nd), zero-padded */
    mdc_buf ip = MDC_BUF_INIT, fp = MDC_BUF_INIT;
    for (long i = 0; i < point; i++)
        mdc_buf_putc(&ip, i < (long)nd ? digits[i] : '0');
    for (long i = point; i < (long)nd; i++)
        mdc_buf_putc(&fp, i < 0 ? '0' : digits[i]);
    const char *is = ip.ptr ? ip.ptr : "", *fs = fp.ptr ? fp.ptr : "";
    while (*is == '0')
        is++;
    size_t flen = strlen(fs);
    while (flen && fs[flen - 1] == '0')
        flen--;
    *int_digits = strlen(is);
    *frac_digits = flen;
    const char *out;
    if (!*is && !flen)
        out = "0";
    else
        out = mdc_printf(a, "%s%s%s%.*s", neg ? "-" : "", *is ? is : "0", flen ? "." : "",
                         (int)flen, fs);
    mdc_buf_free(&ip);
    mdc_buf_free(&fp);
    return out;
}

static mdc_value *new_value(mdc_arena *a, mdc_value_kind k)
{
    mdc_value *v = mdc_new(a, mdc_value);
    v->kind = k;
    return v;
}

static mdc_value *string_value(mdc_arena *a, const char *s)
{
    mdc_value *v = new_value(a, MDC_V_STRING);
    v->s = mdc_strdup(a, s);
    v->len = strlen(s);
    return v;
}

/* BAD_DEFAULT at n: "`default` of field `f` must be <expect> (type T), got <what>". */
static mdc_value *bad_default(const mload *L, const mdc_ynode *n, const char *fname,
                              const mdc_type *t, const char *expect)
{
    mdc_lerr(L->c, "BAD_DEFAULT", n, "`default` of field `%s` must be %s for type %s, got %s",
             fname, expect, mdc_type_canonical(L->c->a, t), got(L, n));
    return NULL;
}

static const char *string_of(const mdc_ynode *n)
{
    return n && n->kind == MDC_Y_SCALAR && mdc_yscalar_is_string(n) ? n->str : NULL;
}

static mdc_value *int_default(const mload *L, const mdc_ynode *n, const char *fname,
                              const mdc_type *t)
{
    int64_t lo = t->base == MDC_T_INT16   ? INT16_MIN
                 : t->base == MDC_T_INT32 ? INT32_MIN
                                          : INT64_MIN;
    int64_t hi = t->base == MDC_T_INT16   ? INT16_MAX
                 : t->base == MDC_T_INT32 ? INT32_MAX
                                          : INT64_MAX;
    int64_t i;
    if (n->kind == MDC_Y_SCALAR && mdc_yscalar_int(n, &i) && i >= lo && i <= hi) {
        mdc_value *v = new_value(L->c->a, MDC_V_INT);
        v->i = i;
        return v;
    }
    return bad_default(
        L, n, fname, t,
        mdc_printf(L->c->a, "an integer from %lld to %lld", (long long)lo, (long long)hi));
}

static mdc_value *float_default(const mload *L, const mdc_ynode *n, const char *fname,
                                const mdc_type *t)
{
    double f;
    if (n->kind == MDC_Y_SCALAR && mdc_yscalar_float(n, &f) &&
        (t->base == MDC_T_FLOAT64 || fabs(f) <= FLT_MAX)) {
        mdc_value *v = new_value(L->c->a, MDC_V_FLOAT);
        v->f = f;
        return v;
    }
    return bad_default(L, n, fname, t, "a finite number");
}

static mdc_value *decimal_default(const mload *L, const mdc_ynode *n, const char *fname,
                                  const mdc_type *t)
{
    const char *text = NULL;
    size_t id = 0, fd = 0;
    if (n->kind == MDC_Y_SCALAR && n->str && (mdc_yscalar_is_number(n) || mdc_yscalar_is_string(n)))
        text = decimal_text(L->c->a, n->str, &id, &fd);
    if (!text) return bad_default(L, n, fname, t, "a decimal number");
    if (t->precision > 0 && (id > (size_t)(t->precision - t->scale) || fd > (size_t)t->scale))
        return bad_default(L, n, fname, t,
                           mdc_printf(L->c->a,
                                      "a number with at most %d digits before the point and "
                                      "%d after",
                                      (int)(t->precision - t->scale), (int)t->scale));
    return string_value(L->c->a, text);
}

static mdc_value *string_default(const mload *L, const mdc_ynode *n, const char *fname,
                                 const mdc_type *t)
{
    const char *s = string_of(n);
    if (!s) return bad_default(L, n, fname, t, "a string");
    if (t->length > 0 && code_points(s) > (size_t)t->length)
        return bad_default(
            L, n, fname, t,
            mdc_printf(L->c->a, "a string of at most %d characters", (int)t->length));
    return string_value(L->c->a, s);
}

/* The text forms: uuid, date, time, timestamp(tz), interval. */
static mdc_value *text_default(const mload *L, const mdc_ynode *n, const char *fname,
                               const mdc_type *t)
{
    const char *s = string_of(n);
    bool ok = false;
    const char *expect = "a string";
    const char *p;
    switch (t->base) {
    case MDC_T_UUID:
        ok = s && uuid_ok(s);
        expect = "a UUID (8-4-4-4-12 hex digits)";
        break;
    case MDC_T_DATE:
        ok = s && (p = parse_date(s)) && !*p;
        expect = "a date YYYY-MM-DD";
        break;
    case MDC_T_TIME:
        ok = s && (p = parse_time(s)) && !*p;
        expect = "a time HH:MM:SS[.ffffff]";
        break;
    case MDC_T_TIMESTAMP:
        ok = s && timestamp_ok(s, false);
        expect = "an ISO 8601 timestamp YYYY-MM-DDTHH:MM:SS[.ffffff] without a zone";
        break;
    case MDC_T_TIMESTAMPTZ:
        ok = s && timestamp_ok(s, true);
        expect = "an ISO 8601 timestamp YYYY-MM-DDTHH:MM:SS[.ffffff][Z|+HH:MM]";
        break;
    default:
        ok = s && *s;
        expect = "a non-empty string";
        break;
    }
    if (!ok) return bad_default(L, n, fname, t, expect);
    mdc_value *v = string_value(L->c->a, s);
    if (t->base == MDC_T_UUID)
        for (char *q = (char *)v->s; *q; q++)
            *q = (char)tolower((unsigned char)*q);
    return v;
}

static mdc_value *enum_default(const mload *L, const mdc_ynode *n, const char *fname,
                               const mdc_type *t)
{
    if (n->kind == MDC_Y_SCALAR && n->str)
        for (size_t i = 0; i < t->nvalues; i++)
            if (strcmp(n->str, t->values[i]) == 0) return string_value(L->c->a, n->str);
    mdc_diag *dg = mdc_lerr(L->c, "BAD_DEFAULT", n,
                            "`default` of field `%s` must be one of the values of %s, got %s",
                            fname, mdc_type_canonical(L->c->a, t), got(L, n));
    if (n->kind == MDC_Y_SCALAR && n->str)
        mdc_lsuggest(L->c, dg, n->str, (const char *const *)t->values, t->nvalues);
    return NULL;
}

static mdc_value *literal(const mload *L, const mdc_ynode *n, const char *fname, const mdc_type *t);

/* array-literal := [element-literal, ...] */
static mdc_value *array_default(const mload *L, const mdc_ynode *n, const char *fname,
                                const mdc_type *t)
{
    if (n->kind != MDC_Y_SEQ) return bad_default(L, n, fname, t, "a list");
    mdc_type elem = *t;
    elem.array = false;
    mdc_value *v = new_value(L->c->a, MDC_V_SEQ);
    v->items = mdc_new_array(L->c->a, mdc_value *, n->n + 1);
    bool ok = true;
    for (size_t i = 0; i < n->n; i++) {
        mdc_value *e = literal(L, n->items[i], fname, &elem);
        if (!e) ok = false;
        v->items[v->n++] = e;
    }
    return ok ? v : NULL;
}

/* A `default:` literal that fits type t, or NULL after BAD_DEFAULT. */
static mdc_value *literal(const mload *L, const mdc_ynode *n, const char *fname, const mdc_type *t)
{
    if (!n) return NULL;
    if (t->array) return array_default(L, n, fname, t);
    bool b;
    switch (t->base) {
    case MDC_T_BOOL:
        if (n->kind == MDC_Y_SCALAR && mdc_yscalar_bool(n, &b)) {
            mdc_value *v = new_value(L->c->a, MDC_V_BOOL);
            v->b = b;
            return v;
        }
        return bad_default(L, n, fname, t, "true or false");
    case MDC_T_INT16:
    case MDC_T_INT32:
    case MDC_T_INT64:
        return int_default(L, n, fname, t);
    case MDC_T_FLOAT32:
    case MDC_T_FLOAT64:
        return float_default(L, n, fname, t);
    case MDC_T_DECIMAL:
        return decimal_default(L, n, fname, t);
    case MDC_T_STRING:
        return string_default(L, n, fname, t);
    case MDC_T_BYTES:
        mdc_lerr(L->c, "BAD_DEFAULT", n,
                 "field `%s` has type bytes, which has no literal defaults "
                 "(use default_expr with SQL)",
                 fname);
        return NULL;
    case MDC_T_JSON:
        return mdc_lvalue(L->c->a, n);
    case MDC_T_ENUM:
        return enum_default(L, n, fname, t);
    default:
        return text_default(L, n, fname, t);
    }
}

/* ------------------------------------------------------------------ default_expr */

/* Whether a default_expr word fits a type: now -> timestamp(tz); current_date -> date,
 * timestamp(tz); uuid -> uuid. */
static bool dx_fits(mdc_default_expr e, const mdc_type *t)
{
    if (t->array) return false;
    switch (e) {
    case MDC_DX_NOW:
        return t->base == MDC_T_TIMESTAMP || t->base == MDC_T_TIMESTAMPTZ;
    case MDC_DX_CURRENT_DATE:
        return t->base == MDC_T_DATE || t->base == MDC_T_TIMESTAMP || t->base == MDC_T_TIMESTAMPTZ;
    case MDC_DX_UUID:
        return t->base == MDC_T_UUID;
    default:
        return true;
    }
}

/*
 * default_expr := now | current_date | uuid
 *               | { postgres: SQL, sqlite: SQL }       (both required)
 */
static void load_default_expr(const mload *L, mdc_field *f, const mdc_ynode *n, bool type_ok)
{
    const mdc_lctx *c = L->c;
    const char *where = fmt(L, "`default_expr` of field `%s`", f->name);
    if (n->kind == MDC_Y_MAP) {
        mdc_lcheck_keys(c, n, where, custom_expr_keys, 2);
        const mdc_ynode *pg = mdc_lrequire(c, n, "postgres", where);
        const mdc_ynode *lite = mdc_lrequire(c, n, "sqlite", where);
        /* each text goes to its own dialect's files only */
        const char *pgs = pg ? mdc_lsql_for(c, pg, fmt(L, "`postgres` of %s", where), MDC_SQL_FOR_POSTGRES) : NULL;
        const char *ls = lite ? mdc_lsql_for(c, lite, fmt(L, "`sqlite` of %s", where), MDC_SQL_FOR_SQLITE) : NULL;
        if (!pgs || !ls) return;
        f->default_expr = MDC_DX_CUSTOM;
        f->default_pg = pgs;
        f->default_sqlite = ls;
        return;
    }
    int i = mdc_lenum(c, n, where, dx_names, COUNT(dx_names));
    if (i < 0) return;
    if (type_ok && !dx_fits(dx_values[i], &f->type)) {
        mdc_lerr(c, "BAD_DEFAULT", n, "`default_expr: %s` does not fit field `%s` of type %s (%s)",
                 dx_names[i], f->name, mdc_type_canonical(c->a, &f->type),
                 dx_values[i] == MDC_DX_NOW            ? "now needs timestamp or timestamptz"
                 : dx_values[i] == MDC_DX_CURRENT_DATE ? "current_date needs date, timestamp "
                                                         "or timestamptz"
                                                       : "uuid needs type uuid");
        return;
    }
    f->default_expr = dx_values[i];
}

/* ------------------------------------------------------------------ fields */

/* references := MODEL_NAME | MODEL_NAME '.' FIELD_NAME */
static void load_references(const mload *L, mdc_field *f, const mdc_ynode *n)
{
    const char *s = mdc_lstring(L->c, n, fmt(L, "`references` of field `%s`", f->name));
    if (!s) return;
    f->ref_loc = mdc_lloc(L->c, n);
    const char *dot = strchr(s, '.');
    const char *model = dot ? mdc_strndup(L->c->a, s, (size_t)(dot - s)) : s;
    const char *field = dot ? dot + 1 : NULL;
    if (!mdc_name_ok(MDC_NAME_MODEL, model) || (field && !mdc_name_ok(MDC_NAME_FIELD, field))) {
        mdc_lerr(L->c, "BAD_VALUE", n,
                 "`references` of field `%s` must be `Model` or `Model.field`, got `%s`", f->name,
                 s);
        return;
    }
    f->ref_model = model;
    f->ref_field = field;
    f->ref_implicit = field == NULL;
}

/* The keys read straight into the field: flags, documentation, rename hint. */
static void load_field_simple_keys(const mload *L, mdc_field *f, const mdc_ynode *map)
{
    const mdc_lctx *c = L->c;
    const mdc_ynode *n;
    bool b;
    if ((n = mdc_lget(map, "unique", NULL)) &&
        mdc_lbool(c, n, fmt(L, "`unique` of field `%s`", f->name), &b))
        f->unique = b;
    if ((n = mdc_lget(map, "description", NULL)) && !mdc_yscalar_is_null(n))
        f->description = mdc_ltext(c, n, fmt(L, "`description` of field `%s`", f->name));
    if ((n = mdc_lget(map, "renamed_from", NULL))) {
        f->renamed_from =
            mdc_lname(c, n, MDC_NAME_FIELD, fmt(L, "`renamed_from` of field `%s`", f->name));
        f->renamed_from_loc = mdc_lloc(c, n);
    }
    /* `meta: {}` is no meta (both are written {}, and read back as absent) */
    if ((n = mdc_lget(map, "meta", NULL)) &&
        mdc_lexpect_map(c, n, fmt(L, "`meta` of field `%s`", f->name)) && n->n)
        f->meta = mdc_lvalue(c->a, n);
    if ((n = mdc_lget(map, "references", NULL))) load_references(L, f, n);
}

/* on_delete / on_update := cascade | set_null | set_default | restrict | no_action */
static void load_fk_action(const mload *L, mdc_field *f, const mdc_ynode *map, const char *key,
                           mdc_fk_action *out)
{
    const mdc_ynode *n = mdc_lget(map, key, NULL);
    if (!n) return;
    const char *where = mdc_printf(L->c->a, "`%s` of field `%s`", key, f->name);
    int i = mdc_lenum(L->c, n, where, fk_action_names, COUNT(fk_action_names));
    if (i < 0) return;
    *out = (mdc_fk_action)i;
    if (!mdc_lget(map, "references", NULL))
        mdc_lerr(L->c, "BAD_VALUE", n, "%s needs `references` on the same field", where);
    else if (*out == MDC_FK_SET_NULL && !f->nullable)
        mdc_lerr(L->c, "BAD_VALUE", n,
                 "%s is set_null, but field `%s` is not nullable (add `nullable: true`)", where,
                 f->name);
}

/* identity: only on integer types; implies NOT NULL; excludes defaults. */
static void check_identity(const mload *L, const mdc_field *f, const mdc_ynode *n, bool type_ok)
{
    if (type_ok && !mdc_type_is_integer(&f->type))
        mdc_lerr(L->c, "BAD_VALUE", n,
                 "`identity` needs an integer type (int16, int32, int64); field `%s` is %s",
                 f->name, mdc_type_canonical(L->c->a, &f->type));
    if (f->nullable)
        mdc_lerr(L->c, "BAD_VALUE", n, "identity field `%s` cannot be nullable", f->name);
    if (f->default_value || f->default_expr)
        mdc_lerr(L->c, "BAD_VALUE", n,
                 "identity field `%s` cannot also have `default` or `default_expr`", f->name);
}

/*
 * field-mapping := { type: TYPE, nullable: BOOL, default: LITERAL,
 *                    default_expr: default_expr, primary_key: BOOL, identity: BOOL,
 *                    unique: BOOL, references: references, on_delete: ACTION,
 *                    on_update: ACTION, description: STRING, renamed_from: FIELD_NAME,
 *                    meta: MAPPING }
 */
static bool load_field_map(mload *L, mdc_field *f, const mdc_ynode *map)
{
    const mdc_lctx *c = L->c;
    const char *where = fmt(L, "field `%s`", f->name);
    mdc_lcheck_keys(c, map, where, field_keys, COUNT(field_keys));
    const mdc_ynode *type = mdc_lrequire(c, map, "type", where);
    bool suffix = false, type_ok = false, b;
    if (type) type_ok = parse_type(L, type, f->name, &f->type, &suffix);
    f->type_loc = mdc_lloc(c, type ? type : map);
    f->nullable = suffix;

    const mdc_ynode *n = mdc_lget(map, "nullable", NULL);
    if (n && mdc_lbool(c, n, fmt(L, "`nullable` of field `%s`", f->name), &b)) {
        if (suffix && !b)
            mdc_lerr(c, "BAD_VALUE", n,
                     "`nullable: false` contradicts the `?` in the type of field `%s`", f->name);
        f->nullable = b || suffix;
    }
    load_field_simple_keys(L, f, map);

    const mdc_ynode *dflt = mdc_lget(map, "default", NULL);
    if (dflt && !mdc_yscalar_is_null(dflt) && type_ok)
        f->default_value = literal(L, dflt, f->name, &f->type);
    const mdc_ynode *dx = mdc_lget(map, "default_expr", NULL);
    if (dx) {
        if (dflt && !mdc_yscalar_is_null(dflt))
            mdc_lerr(c, "BAD_VALUE", dx,
                     "field `%s` has both `default` and `default_expr`; use one", f->name);
        else
            load_default_expr(L, f, dx, type_ok);
    }

    const mdc_ynode *pk = mdc_lget(map, "primary_key", NULL);
    if (pk && mdc_lbool(c, pk, fmt(L, "`primary_key` of field `%s`", f->name), &b) && b) {
        f->primary_key = true;
        if (!L->pk_flag) L->pk_flag = pk;
        if (f->nullable)
            mdc_lerr(c, "BAD_VALUE", pk, "primary key field `%s` cannot be nullable", f->name);
    }
    const mdc_ynode *id = mdc_lget(map, "identity", NULL);
    if (id && mdc_lbool(c, id, fmt(L, "`identity` of field `%s`", f->name), &b) && b) {
        f->identity = true;
        check_identity(L, f, id, type_ok);
    }
    load_fk_action(L, f, map, "on_delete", &f->on_delete);
    load_fk_action(L, f, map, "on_update", &f->on_update);
    return type_ok;
}

/* field := TYPE (shorthand: NOT NULL unless TYPE ends in `?`, no default) | field-mapping */
static bool load_field(mload *L, mdc_field *f, const mdc_ynode *val)
{
    if (val && val->kind == MDC_Y_MAP) return load_field_map(L, f, val);
    f->type_loc = mdc_lloc(L->c, val);
    if (val && val->kind == MDC_Y_SCALAR && mdc_yscalar_is_string(val))
        return parse_type(L, val, f->name, &f->type, &f->nullable);
    mdc_lerr(L->c, "BAD_VALUE", val,
             "field `%s` must be a type (e.g. `string` or `int32?`) or a mapping with `type:`, "
             "got %s",
             f->name, got(L, val));
    return false;
}

/* The name of a field: syntax, duplicates (case-insensitive) and reserved names.
 * Returns false for a duplicate (which is then left out of the model). */
static bool check_field_name(const mload *L, const mdc_ynode *key, const char *name)
{
    const mdc_lctx *c = L->c;
    mdc_lcheck_name(c, key, name, MDC_NAME_FIELD, "field name");
    for (size_t i = 0; i < L->m->nfields; i++) {
        const mdc_field *prev = &L->m->fields[i];
        if (!mdc_lsame_ci(prev->name, name)) continue;
        mdc_diag *dg = mdc_lerr(c, "DUPLICATE_FIELD", key,
                                "field `%s` is defined twice (field names are compared "
                                "case-insensitively)",
                                name);
        mdc_diag_note(c->d, dg, "first defined here: %s:%u:%u", prev->loc.path,
                      (unsigned)prev->loc.line, (unsigned)prev->loc.col);
        return false;
    }
    for (size_t i = 0; i < L->m->nreserved; i++)
        if (mdc_lsame_ci(L->m->reserved[i], name))
            mdc_lerr(c, "RESERVED_NAME_USED", key,
                     "field name `%s` is reserved in this model (listed in `reserved`) and may "
                     "not be used again",
                     name);
    return true;
}

/* fields := { FIELD_NAME: field, ... }      (at least one, in column order) */
static void load_fields(mload *L, const mdc_ynode *n)
{
    mdc_model *m = L->m;
    if (!mdc_lexpect_map(L->c, n, "`fields`")) return;
    if (n->n == 0) {
        mdc_lerr(L->c, "BAD_VALUE", n, "`fields` must define at least one field");
        return;
    }
    m->fields = mdc_new_array(L->c->a, mdc_field, n->n);
    L->field_names = mdc_new_array(L->c->a, const char *, n->n);
    L->type_ok = mdc_new_array(L->c->a, bool, n->n);
    for (size_t i = 0; i < n->n; i++) {
        const mdc_ynode *key = n->items[2 * i];
        const char *name = key && key->str ? key->str : "";
        mdc_field tmp = {0};
        L->tmp->used = 0; /* the previous field's descriptions are done with */
        tmp.name = name;
        tmp.loc = mdc_lloc(L->c, key);
        bool keep = check_field_name(L, key, name);
        bool ok = load_field(L, &tmp, n->items[2 * i + 1]);
        if (!keep) continue;
        tmp.position = (uint32_t)m->nfields;
        L->type_ok[m->nfields] = ok;
        L->field_names[m->nfields] = name;
        m->fields[m->nfields++] = tmp;
    }
}

/* ------------------------------------------------------------------ keys and constraints */

/* A list of field names (a single name is accepted for a one-column list); unknown
 * fields are reported; duplicates within the list are BAD_VALUE.  Returns the count. */
static size_t field_list(const mload *L, const mdc_ynode *n, const char *what, const char **out,
                         mdc_loc *locs, const mdc_ynode **nodes)
{
    const mdc_ynode *single[1] = {n};
    const mdc_ynode *const *items = single;
    size_t count = 1, k = 0;
    if (n && n->kind == MDC_Y_SEQ) {
        items = (const mdc_ynode *const *)n->items;
        count = n->n;
    } else if (!n || n->kind != MDC_Y_SCALAR) {
        mdc_lexpect_seq(L->c, n, what);
        return 0;
    }
    for (size_t i = 0; i < count; i++) {
        const char *s = mdc_lstring(L->c, items[i], fmt(L, "each entry of %s", what));
        if (!s || !need_field(L, items[i], s, what)) continue;
        bool dup = false;
        for (size_t j = 0; j < k; j++)
            dup = dup || strcmp(out[j], s) == 0;
        if (dup) {
            mdc_lerr(L->c, "BAD_VALUE", items[i], "%s names field `%s` twice", what, s);
            continue;
        }
        if (locs) locs[k] = mdc_lloc(L->c, items[i]);
        if (nodes) nodes[k] = items[i];
        out[k++] = s;
    }
    return k;
}

/* primary_key := [FIELD_NAME, ...]     (model level; not together with field flags) */
static void load_model_pk(mload *L, const mdc_ynode *n)
{
    mdc_model *m = L->m;
    if (L->pk_flag) {
        mdc_lerr(L->c, "BAD_VALUE", n,
                 "the primary key is given both by `primary_key: true` on fields and by the "
                 "model's `primary_key` list; use one");
        return;
    }
    size_t cap = n && n->kind == MDC_Y_SEQ ? n->n : 1;
    const char **names = mdc_new_array(L->c->a, const char *, cap + 1);
    const mdc_ynode **nodes = mdc_new_array(L->c->a, const mdc_ynode *, cap + 1);
    size_t k = field_list(L, n, "`primary_key`", names, NULL, nodes);
    if (n && n->kind == MDC_Y_SEQ && n->n == 0)
        mdc_lerr(L->c, "BAD_VALUE", n, "`primary_key` must name at least one field");
    for (size_t i = 0; i < k; i++) {
        mdc_field *f = find_field(L, names[i]);
        f->primary_key = true;
        if (f->nullable)
            mdc_lerr(L->c, "BAD_VALUE", nodes[i], "primary key field `%s` cannot be nullable",
                     f->name);
    }
    m->primary_key = names;
    m->npk = k;
    m->pk_loc = mdc_lloc(L->c, n);
}

/* The key from `primary_key: true` flags, in field order. */
static void collect_pk_flags(mload *L)
{
    mdc_model *m = L->m;
    m->primary_key = mdc_new_array(L->c->a, const char *, m->nfields + 1);
    for (size_t i = 0; i < m->nfields; i++) {
        if (!m->fields[i].primary_key) continue;
        if (!m->npk) m->pk_loc = m->fields[i].loc;
        m->primary_key[m->npk++] = m->fields[i].name;
    }
}

static bool same_unique(const mdc_unique *u, const char **fields, size_t n)
{
    if (u->nfields != n) return false;
    for (size_t i = 0; i < n; i++)
        if (strcmp(u->fields[i], fields[i]) != 0) return false;
    return true;
}

/* unique := [[FIELD_NAME, ...], ...]   (a one-column entry sets the field's unique flag) */
static void load_uniques(mload *L, const mdc_ynode *n)
{
    mdc_model *m = L->m;
    if (!mdc_lexpect_seq(L->c, n, "`unique`")) return;
    m->uniques = mdc_new_array(L->c->a, mdc_unique, n->n + 1);
    for (size_t i = 0; i < n->n; i++) {
        const mdc_ynode *e = n->items[i];
        size_t cap = e && e->kind == MDC_Y_SEQ ? e->n : 1;
        const char **names = mdc_new_array(L->c->a, const char *, cap + 1);
        mdc_loc *locs = mdc_new_array(L->c->a, mdc_loc, cap + 1);
        size_t k = field_list(L, e, "a `unique` entry", names, locs, NULL);
        if (e && e->kind == MDC_Y_SEQ && e->n == 0)
            mdc_lerr(L->c, "BAD_VALUE", e, "a `unique` entry must name at least one field");
        if (k == 1) {
            find_field(L, names[0])->unique = true;
            continue;
        }
        if (k == 0) continue;
        bool dup = false;
        for (size_t j = 0; j < m->nuniques; j++)
            dup = dup || same_unique(&m->uniques[j], names, k);
        if (dup) {
            mdc_lerr(L->c, "BAD_VALUE", e, "this `unique` entry repeats an earlier one");
            continue;
        }
        mdc_unique *u = &m->uniques[m->nuniques++];
        u->fields = names;
        u->locs = locs;
        u->nfields = k;
        u->loc = mdc_lloc(L->c, e);
    }
}

/* Every identifier of a raw SQL expression must be a field of the model. */
static void check_expr_fields(const mload *L, const mdc_ynode *n, const char *sql, const char *user)
{
    const char **ids;
    size_t k = mdc_sql_idents(L->c->a, sql, &ids);
    for (size_t i = 0; i < k; i++)
        need_field(L, n, ids[i], user);
}

/* column := FIELD_NAME (' ' (asc | desc))? */
static bool load_index_col(const mload *L, const mdc_ynode *n, mdc_index_col *col, int order)
{
    const char *s = mdc_lstring(L->c, n, "each entry of index `fields`");
    if (!s) return false;
    const char *sp = strchr(s, ' ');
    const char *name = sp ? mdc_strndup(L->c->a, s, (size_t)(sp - s)) : s;
    col->desc = order == 1;
    if (sp) {
        while (*sp == ' ')
            sp++;
        if (strcasecmp(sp, "desc") == 0)
            col->desc = true;
        else if (strcasecmp(sp, "asc") == 0)
            col->desc = false;
        else {
            mdc_lerr(L->c, "BAD_VALUE", n,
                     "index column `%s` must be `field`, `field asc` or `field desc`", s);
            return false;
        }
    }
    col->field = name;
    col->loc = mdc_lloc(L->c, n);
    return need_field(L, n, name, "index") != NULL;
}

/* index := { fields: [column, ...], order: asc | desc, unique: BOOL, where: SQL,
 *            name: IDENT } */
static void load_index(mload *L, const mdc_ynode *n)
{
    const mdc_lctx *c = L->c;
    if (!mdc_lexpect_map(c, n, "each entry of `indexes`")) return;
    mdc_lcheck_keys(c, n, "index", index_keys, COUNT(index_keys));
    mdc_index ix = {0};
    ix.loc = mdc_lloc(c, n);
    int order = 0;
    const mdc_ynode *v;
    if ((v = mdc_lget(n, "order", NULL))) order = mdc_lenum(c, v, "index `order`", order_names, 2);
    bool b;
    if ((v = mdc_lget(n, "unique", NULL)) && mdc_lbool(c, v, "index `unique`", &b)) ix.unique = b;
    if ((v = mdc_lget(n, "name", NULL))) ix.name = mdc_lname(c, v, MDC_NAME_IDENT, "index name");
    if ((v = mdc_lget(n, "where", NULL)) && (ix.where = mdc_lsql(c, v, "index `where`")))
        check_expr_fields(L, v, ix.where, "index `where`");
    const mdc_ynode *fl = mdc_lrequire(c, n, "fields", "index");
    if (!fl || !mdc_lexpect_seq(c, fl, "index `fields`")) return;
    if (fl->n == 0) {
        mdc_lerr(c, "BAD_VALUE", fl, "index `fields` must name at least one field");
        return;
    }
    ix.cols = mdc_new_array(c->a, mdc_index_col, fl->n);
    bool ok = true;
    for (size_t i = 0; i < fl->n; i++) {
        mdc_index_col col = {0};
        if (!load_index_col(L, fl->items[i], &col, order)) {
            ok = false;
            continue;
        }
        for (size_t j = 0; j < ix.ncols; j++)
            if (strcmp(ix.cols[j].field, col.field) == 0) {
                mdc_lerr(c, "BAD_VALUE", fl->items[i], "index names field `%s` twice", col.field);
                ok = false;
            }
        ix.cols[ix.ncols++] = col;
    }
    if (ok) L->m->indexes[L->m->nindexes++] = ix;
}

/* check := { name: CHECK_NAME, expr: SQL } */
static void load_check(mload *L, const mdc_ynode *n)
{
    const mdc_lctx *c = L->c;
    mdc_model *m = L->m;
    if (!mdc_lexpect_map(c, n, "each entry of `checks`")) return;
    mdc_lcheck_keys(c, n, "check", check_keys, COUNT(check_keys));
    const mdc_ynode *nn = mdc_lrequire(c, n, "name", "check");
    const mdc_ynode *en = mdc_lrequire(c, n, "expr", "check");
    const char *name = nn ? mdc_lname(c, nn, MDC_NAME_CHECK, "check name") : NULL;
    const char *user = name ? fmt(L, "check `%s`", name) : "check";
    const char *expr = en ? mdc_lsql(c, en, fmt(L, "`expr` of %s", user)) : NULL;
    if (expr) check_expr_fields(L, en, expr, user);
    if (!name || !expr) return;
    for (size_t i = 0; i < m->nchecks; i++)
        if (strcmp(m->checks[i].name, name) == 0) {
            mdc_lerr(c, "BAD_VALUE", nn, "check `%s` is defined twice", name);
            return;
        }
    mdc_check *ck = &m->checks[m->nchecks++];
    ck->name = name;
    ck->expr = expr;
    ck->loc = mdc_lloc(c, n);
}

static void load_indexes(mload *L, const mdc_ynode *n)
{
    if (!mdc_lexpect_seq(L->c, n, "`indexes`")) return;
    L->m->indexes = mdc_new_array(L->c->a, mdc_index, n->n + 1);
    for (size_t i = 0; i < n->n; i++)
        load_index(L, n->items[i]);
}

static void load_checks(mload *L, const mdc_ynode *n)
{
    if (!mdc_lexpect_seq(L->c, n, "`checks`")) return;
    L->m->checks = mdc_new_array(L->c->a, mdc_check, n->n + 1);
    for (size_t i = 0; i < n->n; i++)
        load_check(L, n->items[i]);
}

/* ------------------------------------------------------------------ the model */

/* reserved := [FIELD_NAME, ...]   (sorted, unique) */
static void load_reserved(mload *L, const mdc_ynode *n)
{
    const mdc_ynode **nodes;
    size_t k;
    const char **names = mdc_lstring_list(L->c, n, "`reserved`", &k, &nodes);
    for (size_t i = 0; i < k; i++)
        mdc_lcheck_name(L->c, nodes[i], names[i], MDC_NAME_FIELD, "reserved field name");
    L->m->reserved = names;
    L->m->nreserved = mdc_sort_unique(names, NULL, k);
}

/* table, schema, source, owner, tags, meta, renamed_from */
static void load_model_attrs(mload *L, mdc_doc *doc, const mdc_ynode *root)
{
    const mdc_lctx *c = L->c;
    mdc_model *m = L->m;
    const mdc_ynode *n;
    if ((n = mdc_lget(root, "table", NULL)) &&
        (m->table = mdc_lname(c, n, MDC_NAME_IDENT, "`table`")))
        m->table_explicit = true;
    if (!m->table) m->table = mdc_default_table(c->a, doc->name);
    if ((n = mdc_lget(root, "schema", NULL)))
        m->schema = mdc_lname(c, n, MDC_NAME_IDENT, "`schema`");
    if (!m->schema)
        m->schema = c->project && c->project->pg_schema ? c->project->pg_schema : "public";
    if ((n = mdc_lget(root, "source", NULL))) {
        m->source = mdc_lname(c, n, MDC_NAME_SOURCE, "`source`");
        m->source_loc = mdc_lloc(c, n);
    }
    if ((n = mdc_lget(root, "owner", NULL)) && !mdc_yscalar_is_null(n))
        m->owner = mdc_lstring(c, n, "`owner`");
    if ((n = mdc_lget(root, "tags", NULL))) {
        m->tags = mdc_lstring_list(c, n, "`tags`", &m->ntags, NULL);
        m->ntags = mdc_sort_unique(m->tags, NULL, m->ntags);
    }
    if ((n = mdc_lget(root, "meta", NULL)) && mdc_lexpect_map(c, n, "`meta`") && n->n)
        m->meta = mdc_lvalue(c->a, n); /* `meta: {}` is no meta, as for fields */
    if ((n = mdc_lget(root, "renamed_from", NULL))) {
        m->renamed_from = mdc_lname(c, n, MDC_NAME_MODEL, "`renamed_from`");
        m->renamed_from_loc = mdc_lloc(c, n);
    }
}

/*
 * model := { kind: model, name: MODEL_NAME, table: IDENT, schema: IDENT,
 *            source: SOURCE_NAME, version: SEMVER, description: STRING, owner: STRING,
 *            tags: [STRING, ...], meta: MAPPING, fields: fields, reserved: reserved,
 *            primary_key: primary_key, unique: unique, indexes: [index, ...],
 *            checks: [check, ...], renamed_from: MODEL_NAME }
 */
void mdc_load_model_body(const mdc_lctx *c, mdc_doc *doc, const mdc_ynode *root)
{
    mdc_model *m = mdc_new(c->a, mdc_model);
    m->doc = doc;
    doc->body = m;
    scratch tmp;
    tmp.used = 0;
    mload L = {c, m, NULL, NULL, NULL, &tmp};
    mdc_lcheck_keys(c, root, fmt(&L, "model `%s`", doc->name), model_keys, COUNT(model_keys));
    load_model_attrs(&L, doc, root);

    const mdc_ynode *n;
    if ((n = mdc_lget(root, "reserved", NULL))) load_reserved(&L, n);
    if ((n = mdc_lrequire(c, root, "fields", fmt(&L, "model `%s`", doc->name)))) load_fields(&L, n);
    const mdc_ynode *pk = mdc_lget(root, "primary_key", NULL);
    if (pk)
        load_model_pk(&L, pk);
    else
        collect_pk_flags(&L);
    if ((n = mdc_lget(root, "unique", NULL))) load_uniques(&L, n);
    if ((n = mdc_lget(root, "indexes", NULL))) load_indexes(&L, n);
    if ((n = mdc_lget(root, "checks", NULL))) load_checks(&L, n);

    m->ref_fields = mdc_new_array(c->a, uint32_t, m->nfields + 1);
    for (size_t i = 0; i < m->nfields; i++)
        if (m->fields[i].ref_model) m->ref_fields[m->nref_fields++] = (uint32_t)i;

    if (m->npk == 0 && !pk && m->nfields > 0)
        mdc_lwarn_at(c, "NO_PRIMARY_KEY", doc->name_loc,
                     "model `%s` has no primary key; mark a field `primary_key: true` or list "
                     "the key columns in `primary_key: [...]`",
                     doc->name);
}

const char *const *mdc_load_model_keys(const char *object, size_t *n)
{
    static const struct {
        const char *object;
        const char *const *keys;
        size_t n;
    } catalog[] = {
        {"model", model_keys, COUNT(model_keys)},   {"field", field_keys, COUNT(field_keys)},
        {"index", index_keys, COUNT(index_keys)},   {"check", check_keys, COUNT(check_keys)},
        {"default_expr", custom_expr_keys, COUNT(custom_expr_keys)},
    };
    for (size_t i = 0; i < COUNT(catalog); i++)
        if (strcmp(object, catalog[i].object) == 0) {
            *n = catalog[i].n;
            return catalog[i].keys;
        }
    *n = 0;
    return NULL;
}
