/*
 * test_types.c - the type system of SPEC 3.2 (model/types.c): every type and alias parses
 * to the same canonical, PostgreSQL and SQLite spelling; argument errors say what is wrong;
 * unknown names get a suggestion; widening and narrowing follow the table.
 */
#include "harness.h"

#include "model/types.h"

static mdc_arena *A;

/* Parses text (nullable suffix allowed) and returns its canonical spelling, or
 * "ERR:<code>:<message>" on failure. */
static const char *canon(const char *text)
{
    mdc_type t;
    bool nullable;
    const char *msg = NULL, *sug = NULL;
    mdc_type_error e = mdc_type_parse(A, text, true, &t, &nullable, &msg, &sug);
    if (e) return mdc_printf(A, "ERR:%d:%s", (int)e, msg ? msg : "(null)");
    return mdc_type_canonical(A, &t);
}

static mdc_type parse_ok(const char *text)
{
    mdc_type t;
    bool nullable;
    const char *msg = NULL, *sug = NULL;
    mdc_type_error e = mdc_type_parse(A, text, true, &t, &nullable, &msg, &sug);
    if (e) fprintf(stderr, "unexpected error for `%s`: %s\n", text, msg);
    CHECK(e == MDC_TYPE_OK);
    return t;
}

/* The row of a type: canonical | pg | sqlite */
static const char *row(const char *text)
{
    mdc_type t = parse_ok(text);
    return mdc_printf(A, "%s | %s | %s", mdc_type_canonical(A, &t), mdc_type_pg(A, &t),
                      mdc_type_sqlite(&t));
}

TEST(every_type_and_alias)
{
    CHECK_STR(row("bool"), "bool | BOOLEAN | INTEGER");
    CHECK_STR(row("boolean"), "bool | BOOLEAN | INTEGER");
    CHECK_STR(row("int16"), "int16 | SMALLINT | INTEGER");
    CHECK_STR(row("smallint"), "int16 | SMALLINT | INTEGER");
    CHECK_STR(row("int32"), "int32 | INTEGER | INTEGER");
    CHECK_STR(row("int"), "int32 | INTEGER | INTEGER");
    CHECK_STR(row("integer"), "int32 | INTEGER | INTEGER");
    CHECK_STR(row("int64"), "int64 | BIGINT | INTEGER");
    CHECK_STR(row("bigint"), "int64 | BIGINT | INTEGER");
    CHECK_STR(row("float32"), "float32 | REAL | REAL");
    CHECK_STR(row("real"), "float32 | REAL | REAL");
    CHECK_STR(row("float64"), "float64 | DOUBLE PRECISION | REAL");
    CHECK_STR(row("float"), "float64 | DOUBLE PRECISION | REAL");
    CHECK_STR(row("double"), "float64 | DOUBLE PRECISION | REAL");
    CHECK_STR(row("decimal(12,2)"), "decimal(12,2) | NUMERIC(12,2) | NUMERIC");
    CHECK_STR(row("numeric(12,2)"), "decimal(12,2) | NUMERIC(12,2) | NUMERIC");
    CHECK_STR(row("decimal"), "decimal | NUMERIC | NUMERIC");
    CHECK_STR(row("numeric"), "decimal | NUMERIC | NUMERIC");
    CHECK_STR(row("decimal(10)"), "decimal(10,0) | NUMERIC(10,0) | NUMERIC");
    CHECK_STR(row("string"), "string | TEXT | TEXT");
    CHECK_STR(row("text"), "string | TEXT | TEXT");
    CHECK_STR(row("str"), "string | TEXT | TEXT");
    CHECK_STR(row("string(320)"), "string(320) | VARCHAR(320) | TEXT");
    CHECK_STR(row("varchar(320)"), "string(320) | VARCHAR(320) | TEXT");
    CHECK_STR(row("varchar"), "string | TEXT | TEXT"); /* forgiving: bare varchar */
    CHECK_STR(row("bytes"), "bytes | BYTEA | BLOB");
    CHECK_STR(row("bytea"), "bytes | BYTEA | BLOB");
    CHECK_STR(row("blob"), "bytes | BYTEA | BLOB");
    CHECK_STR(row("uuid"), "uuid | UUID | TEXT");
    CHECK_STR(row("date"), "date | DATE | TEXT");
    CHECK_STR(row("time"), "time | TIME | TEXT");
    CHECK_STR(row("interval"), "interval | INTERVAL | TEXT");
    CHECK_STR(row("timestamp"), "timestamp | TIMESTAMP | TEXT");
    CHECK_STR(row("datetime"), "timestamp | TIMESTAMP | TEXT");
    CHECK_STR(row("timestamptz"), "timestamptz | TIMESTAMPTZ | TEXT");
    CHECK_STR(row("json"), "json | JSONB | TEXT");
    CHECK_STR(row("jsonb"), "json | JSONB | TEXT");
    CHECK_STR(row("dict"), "json | JSONB | TEXT");
    CHECK_STR(row("enum(active, archived)"), "enum(active,archived) | TEXT | TEXT");
}

TEST(arrays)
{
    CHECK_STR(row("uuid[]"), "uuid[] | UUID[] | TEXT");
    CHECK_STR(row("int[]"), "int32[] | INTEGER[] | TEXT");
    CHECK_STR(row("string(20)[]"), "string(20)[] | VARCHAR(20)[] | TEXT");
    CHECK_STR(row("decimal(5, 1)[]"), "decimal(5,1)[] | NUMERIC(5,1)[] | TEXT");
    CHECK_STR(row("json[]"), "json[] | JSONB[] | TEXT");
    CHECK_STR(row("enum(a,b)[]"), "enum(a,b)[] | TEXT[] | TEXT");
    CHECK_STR(row("text [ ]"), "string[] | TEXT[] | TEXT");
    mdc_type t = parse_ok("int[]");
    CHECK(t.array);
    CHECK(!mdc_type_is_integer(&t));
    CHECK(canon("int[][]")[0] == 'E');
    CHECK(strstr(canon("int[][]"), "arrays of arrays") != NULL);
    CHECK(strstr(canon("int?[]"), "cannot be nullable") != NULL);
}

TEST(aliases_are_the_same_type)
{
    mdc_type a = parse_ok("int"), b = parse_ok("int32"), c = parse_ok("integer");
    CHECK(mdc_type_equal(&a, &b));
    CHECK(mdc_type_equal(&b, &c));
    mdc_type d = parse_ok("numeric (10,2)"), e = parse_ok("decimal(10, 2)");
    CHECK(mdc_type_equal(&d, &e));
    mdc_type f = parse_ok("varchar(5)"), g = parse_ok("string(5)"), h = parse_ok("string(6)");
    CHECK(mdc_type_equal(&f, &g));
    CHECK(!mdc_type_equal(&g, &h));
    mdc_type i = parse_ok("enum(a,b)"), j = parse_ok("enum( a , b )"), k = parse_ok("enum(b,a)");
    CHECK(mdc_type_equal(&i, &j));
    CHECK(!mdc_type_equal(&i, &k)); /* declared order is part of the type */
    mdc_type l = parse_ok("int[]");
    CHECK(!mdc_type_equal(&a, &l));
}

TEST(whitespace_and_nullable)
{
    CHECK_STR(canon("decimal(12, 2)"), "decimal(12,2)");
    CHECK_STR(canon("numeric (10,2)"), "decimal(10,2)");
    CHECK_STR(canon("  decimal ( 12 , 2 )  "), "decimal(12,2)");
    CHECK_STR(canon("varchar( 320 )"), "string(320)");

    mdc_type t;
    bool nullable = false;
    const char *msg = NULL, *sug = NULL;
    CHECK(mdc_type_parse(A, "string?", true, &t, &nullable, &msg, &sug) == MDC_TYPE_OK);
    CHECK(nullable);
    CHECK_STR(mdc_type_canonical(A, &t), "string");
    CHECK(mdc_type_parse(A, "string[]?", true, &t, &nullable, &msg, &sug) == MDC_TYPE_OK);
    CHECK(nullable && t.array);
    CHECK(mdc_type_parse(A, "string", true, &t, &nullable, &msg, &sug) == MDC_TYPE_OK);
    CHECK(!nullable);

    /* '?' only where allowed */
    CHECK(mdc_type_parse(A, "string?", false, &t, &nullable, &msg, &sug) != MDC_TYPE_OK);
    CHECK(msg && strstr(msg, "nullable: true"));
    CHECK(mdc_type_parse(A, "string??", true, &t, &nullable, &msg, &sug) == MDC_TYPE_BAD_ARGS);
    CHECK(!nullable);
}

/* The error code and message of text. */
static mdc_type_error err(const char *text, const char **msg)
{
    mdc_type t;
    bool nullable;
    const char *sug = NULL;
    return mdc_type_parse(A, text, true, &t, &nullable, msg, &sug);
}

#define CHECK_BAD_ARGS(text, want)                                                                 \
    do {                                                                                           \
        const char *m_ = NULL;                                                                     \
        CHECK_INT(err(text, &m_), MDC_TYPE_BAD_ARGS);                                              \
        CHECK_STR(m_, want);                                                                       \
    } while (0)

TEST(argument_errors)
{
    CHECK_BAD_ARGS("int(4)", "`int` takes no arguments, got `(4)`");
    CHECK_BAD_ARGS("uuid()", "`uuid` takes no arguments, got `()`");
    CHECK_BAD_ARGS("text(10)",
                   "`text` takes no length; write string(n) or varchar(n) for a bounded string");
    CHECK_BAD_ARGS("decimal(0,0)", "decimal precision must be between 1 and 1000, got 0");
    CHECK_BAD_ARGS("decimal(1001)", "decimal precision must be between 1 and 1000, got 1001");
    CHECK_BAD_ARGS("numeric(99999999999999999999)",
                   "numeric precision must be between 1 and 1000, got 99999999999999999999");
    CHECK_BAD_ARGS("decimal(5,6)", "decimal scale must be between 0 and the precision (5), got 6");
    CHECK_BAD_ARGS("decimal(5,-1)", "decimal scale must be a whole number, got `-1`");
    CHECK_BAD_ARGS("decimal(x,1)", "decimal precision must be a whole number, got `x`");
    CHECK_BAD_ARGS("decimal(5,)", "decimal scale is missing");
    CHECK_BAD_ARGS("decimal(,2)", "decimal precision is missing");
    CHECK_BAD_ARGS("decimal(1,2,3)", "decimal takes at most 2 arguments (precision, scale), got 3");
    CHECK_BAD_ARGS("decimal()", "empty `()` after decimal: write decimal(p, s), decimal(p) or "
                                "just decimal");
    CHECK_BAD_ARGS("string(0)", "string length must be between 1 and 10485760, got 0");
    CHECK_BAD_ARGS("varchar(10485761)",
                   "varchar length must be between 1 and 10485760, got 10485761");
    CHECK_BAD_ARGS("string(1,2)", "string takes one argument (the length), got 2");
    CHECK_BAD_ARGS("varchar()", "empty `()` after varchar: write varchar(n) or just string");
    CHECK_BAD_ARGS("string(10", "missing `)` after `(10`");
    CHECK_BAD_ARGS("string(10) x", "unexpected `x` after `string(10) ` in type `string(10) x`");
    CHECK_BAD_ARGS("enum", "enum needs its values: enum(a, b)");
    CHECK_BAD_ARGS("enum()", "enum needs at least one value: enum(a, b)");
    CHECK_BAD_ARGS("enum(a,,b)", "enum value 2 is empty");
    CHECK_BAD_ARGS("enum(a, a)", "enum value `a` is listed more than once");
    CHECK_BAD_ARGS("enum(a, 'b')", "enum value `'b'` contains `'`; values may only use "
                                   "letters, digits, space and _ . : / + -");
    CHECK_STR(canon("enum(in progress, v1.2, a/b:c+d-e_f)"), "enum(in progress,v1.2,a/b:c+d-e_f)");
    CHECK_STR(canon("string(10485760)"), "string(10485760)");
    CHECK_STR(canon("decimal(1000,1000)"), "decimal(1000,1000)");
    CHECK_STR(canon("decimal(007, 2)"), "decimal(7,2)");

    /* many values: duplicate found without quadratic work */
    char big[8000];
    size_t n = 0;
    n += (size_t)snprintf(big + n, sizeof big - n, "enum(");
    for (int i = 0; i < 1000; i++)
        n += (size_t)snprintf(big + n, sizeof big - n, "v%d,", i);
    n += (size_t)snprintf(big + n, sizeof big - n, "v7)");
    CHECK_BAD_ARGS(big, "enum value `v7` is listed more than once");
}

/* The suggestion for an unknown name (or "(none)"), after checking the code. */
static const char *suggestion(const char *text, const char **msg)
{
    mdc_type t;
    bool nullable;
    const char *sug = NULL;
    mdc_type_error e = mdc_type_parse(A, text, true, &t, &nullable, msg, &sug);
    CHECK_INT(e, MDC_TYPE_UNKNOWN);
    return sug ? sug : "(none)";
}

TEST(unknown_types_and_suggestions)
{
    const char *msg = NULL;
    CHECK_STR(suggestion("timestamtz", &msg), "timestamptz");
    CHECK_STR(msg, "unknown type `timestamtz`");
    CHECK_STR(suggestion("integr", &msg), "integer");
    CHECK_STR(suggestion("UUID", &msg), "uuid");
    CHECK_STR(msg, "unknown type `UUID`: type names are lowercase");
    CHECK_STR(suggestion("Int32", &msg), "int32");
    CHECK_STR(suggestion("varchr(20)", &msg), "varchar");
    CHECK_STR(suggestion("strng?", &msg), "string");
    CHECK_STR(suggestion("xyzzyplugh", &msg), "(none)");
    CHECK_STR(suggestion("", &msg), "(none)");
    CHECK_STR(msg, "the type is empty");
    CHECK_STR(suggestion("(3)", &msg), "(none)");
    CHECK_STR(msg, "`(3)` is not a type");
    CHECK_STR(suggestion("double precision", &msg), "(none)");
    CHECK_STR(msg, "unexpected `precision` after `double ` in type `double precision`");
    /* NULL out-parameters are allowed */
    CHECK(mdc_type_parse(A, "nope", false, NULL, NULL, NULL, NULL) == MDC_TYPE_UNKNOWN);
    CHECK(mdc_type_parse(A, NULL, false, NULL, NULL, NULL, NULL) == MDC_TYPE_UNKNOWN);
}

TEST(type_names_list)
{
    const char *want[] = {"bool",    "boolean", "int16",    "smallint",  "int32",    "int",
                          "integer", "int64",   "bigint",   "float32",   "real",     "float64",
                          "float",   "double",  "decimal",  "numeric",   "string",   "text",
                          "str",     "varchar", "bytes",    "bytea",     "blob",     "uuid",
                          "date",    "time",    "interval", "timestamp", "datetime", "timestamptz",
                          "json",    "jsonb",   "dict",     "enum"};
    CHECK_INT(mdc_type_names_count, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < mdc_type_names_count; i++) {
        bool found = false;
        for (size_t j = 0; j < sizeof want / sizeof want[0]; j++)
            if (strcmp(mdc_type_names[i], want[j]) == 0) found = true;
        CHECK(found);
        /* every listed name parses (enum needs values) */
        const char *text = strcmp(mdc_type_names[i], "enum") == 0 ? "enum(a)" : mdc_type_names[i];
        mdc_type t;
        CHECK(mdc_type_parse(A, text, false, &t, NULL, NULL, NULL) == MDC_TYPE_OK);
    }
}

/* 'W' widens, 'N' narrows, '=' equal, 'C' any other change */
static char rel(const char *from, const char *to)
{
    mdc_type f = parse_ok(from), t = parse_ok(to);
    bool w = mdc_type_widens(&f, &t), n = mdc_type_narrows(&f, &t), eq = mdc_type_equal(&f, &t);
    CHECK(w + n + eq <= 1);
    return eq ? '=' : w ? 'W' : n ? 'N' : 'C';
}

TEST(widening_and_narrowing)
{
    CHECK_INT(rel("int16", "int32"), 'W');
    CHECK_INT(rel("int16", "int64"), 'W');
    CHECK_INT(rel("int32", "int64"), 'W');
    CHECK_INT(rel("int", "int32"), '=');
    CHECK_INT(rel("int64", "int32"), 'N');
    CHECK_INT(rel("int64", "int16"), 'N');
    CHECK_INT(rel("int32", "int16"), 'N');
    CHECK_INT(rel("float32", "float64"), 'W');
    CHECK_INT(rel("float64", "float32"), 'N');
    CHECK_INT(rel("int32", "float64"), 'C');
    CHECK_INT(rel("int32", "decimal"), 'C');
    CHECK_INT(rel("int32", "string"), 'C');
    CHECK_INT(rel("bool", "int16"), 'C');

    CHECK_INT(rel("decimal(10,2)", "decimal(12,2)"), 'W');
    CHECK_INT(rel("decimal(10,2)", "decimal(11,3)"), 'W');
    CHECK_INT(rel("decimal(10,2)", "decimal(10,3)"), 'C'); /* loses an integer digit */
    CHECK_INT(rel("decimal(10,2)", "decimal(12,1)"), 'C'); /* loses a fraction digit */
    CHECK_INT(rel("decimal(12,2)", "decimal(10,2)"), 'N');
    CHECK_INT(rel("decimal(11,3)", "decimal(10,2)"), 'N');
    CHECK_INT(rel("decimal(10,2)", "decimal"), 'W');
    CHECK_INT(rel("decimal", "decimal(10,2)"), 'N');
    CHECK_INT(rel("numeric(10, 2)", "decimal(10,2)"), '=');
    CHECK_INT(rel("decimal", "numeric"), '=');

    CHECK_INT(rel("string(10)", "string(20)"), 'W');
    CHECK_INT(rel("string(10)", "string"), 'W');
    CHECK_INT(rel("varchar(10)", "text"), 'W');
    CHECK_INT(rel("string", "string(10)"), 'N');
    CHECK_INT(rel("string(20)", "string(10)"), 'N');
    CHECK_INT(rel("string", "text"), '=');
    CHECK_INT(rel("string", "bytes"), 'C');

    CHECK_INT(rel("enum(a,b)", "enum(a,b,c)"), 'W');
    CHECK_INT(rel("enum(a,b)", "enum(c,b,a)"), 'W'); /* order may differ */
    CHECK_INT(rel("enum(a,b,c)", "enum(a,b)"), 'N');
    CHECK_INT(rel("enum(a,b)", "enum(a,c)"), 'C');
    CHECK_INT(rel("enum(a,b)", "enum(b,a)"), 'C'); /* reorder: not equal, no subset */
    CHECK_INT(rel("enum(a,b)", "enum(a,c,d)"), 'C');
    CHECK_INT(rel("enum(a,b)", "string"), 'C');

    /* arrays never widen or narrow */
    CHECK_INT(rel("int16[]", "int32[]"), 'C');
    CHECK_INT(rel("int32[]", "int16[]"), 'C');
    CHECK_INT(rel("string(5)[]", "string[]"), 'C');
    CHECK_INT(rel("int16", "int16[]"), 'C');
    CHECK_INT(rel("uuid[]", "uuid[]"), '=');

    CHECK_INT(rel("bool", "bool"), '=');
    CHECK_INT(rel("timestamp", "timestamptz"), 'C');
    CHECK_INT(rel("json", "jsonb"), '=');
}

TEST(is_integer)
{
    mdc_type a = parse_ok("smallint"), b = parse_ok("int"), c = parse_ok("bigint"),
             d = parse_ok("decimal(5)"), e = parse_ok("bool"), f = parse_ok("real");
    CHECK(mdc_type_is_integer(&a) && mdc_type_is_integer(&b) && mdc_type_is_integer(&c));
    CHECK(!mdc_type_is_integer(&d) && !mdc_type_is_integer(&e) && !mdc_type_is_integer(&f));
}

int main(void)
{
    A = mdc_arena_new();
    RUN(every_type_and_alias);
    RUN(arrays);
    RUN(aliases_are_the_same_type);
    RUN(whitespace_and_nullable);
    RUN(argument_errors);
    RUN(unknown_types_and_suggestions);
    RUN(type_names_list);
    RUN(widening_and_narrowing);
    RUN(is_integer);
    mdc_arena_free(A);
    DONE();
}
