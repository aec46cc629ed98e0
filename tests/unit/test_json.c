/*
 * test_json.c - canonical JSON output (model/json.c) against RFC 8785 and ECMAScript.
 *
 * Number vectors are those of RFC 8785 Appendix B (IEEE 754 bit patterns and the text
 * ECMAScript's Number.prototype.toString gives them) plus the cases the layout rules
 * turn on; the key order vectors are the RFC's sorting example (3.2.3).
 */
#include "harness.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/json.h"

static mdc_buf out = MDC_BUF_INIT;

static const char *dbl(double v)
{
    mdc_buf_clear(&out);
    mdc_json_double(&out, v);
    return out.ptr;
}

static double from_bits(uint64_t u)
{
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

static const char *str_n(const char *s, size_t n)
{
    mdc_buf_clear(&out);
    mdc_json_strn(&out, s, n);
    return out.ptr;
}

static const char *str(const char *s)
{
    return str_n(s, strlen(s));
}

static const char *ival(int64_t v)
{
    mdc_buf_clear(&out);
    mdc_json_int(&out, v);
    return out.ptr;
}

/* ------------------------------------------------------------------ strings */

TEST(string_plain_text_is_verbatim)
{
    CHECK_STR(str(""), "\"\"");
    CHECK_STR(str("hello world"), "\"hello world\"");
    /* '/', DEL and non-ASCII are never escaped. */
    CHECK_STR(str("a/b"), "\"a/b\"");
    CHECK_STR(str("\x7f"), "\"\x7f\"");
    CHECK_STR(str("\xe2\x82\xac \xf0\x9f\x98\x80 \xc3\xb6"),
              "\"\xe2\x82\xac \xf0\x9f\x98\x80 \xc3\xb6\"");
    CHECK_STR(str("'single'"), "\"'single'\"");
}

TEST(string_two_character_escapes)
{
    CHECK_STR(str("\""), "\"\\\"\"");
    CHECK_STR(str("\\"), "\"\\\\\"");
    CHECK_STR(str("\b\t\n\f\r"), "\"\\b\\t\\n\\f\\r\"");
    CHECK_STR(str("say \"hi\"\\n"), "\"say \\\"hi\\\"\\\\n\"");
}

TEST(string_other_controls_are_lowercase_u00xx)
{
    CHECK_STR(str("\x01"), "\"\\u0001\"");
    CHECK_STR(str("\x0b"), "\"\\u000b\"");
    CHECK_STR(str("\x1f"), "\"\\u001f\"");
    CHECK_STR(str("a\x1b[0mb"), "\"a\\u001b[0mb\"");
    /* An embedded NUL is data when the length is given. */
    CHECK_STR(str_n("a\0b", 3), "\"a\\u0000b\"");
    /* RFC 8785 3.2.2.2 example: "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/" */
    CHECK_STR(str("\xe2\x82\xac$\x0f\nA'B\"\\\\\"/"),
              "\"\xe2\x82\xac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"");
}

TEST(string_appends_to_existing_text)
{
    mdc_buf b = MDC_BUF_INIT;
    mdc_buf_puts(&b, "[");
    mdc_json_str(&b, "x\ny");
    mdc_buf_puts(&b, "]");
    CHECK_STR(b.ptr, "[\"x\\ny\"]");
    CHECK_INT(b.len, strlen("[\"x\\ny\"]"));
    mdc_buf_free(&b);
}

/* ------------------------------------------------------------------ integers */

TEST(integers)
{
    CHECK_STR(ival(0), "0");
    CHECK_STR(ival(7), "7");
    CHECK_STR(ival(-42), "-42");
    CHECK_STR(ival(1234567890123), "1234567890123");
    CHECK_STR(ival(INT64_MAX), "9223372036854775807");
    CHECK_STR(ival(INT64_MIN), "-9223372036854775808");
}

/* ------------------------------------------------------------------ doubles */

TEST(doubles_rfc8785_appendix_b)
{
    static const struct {
        uint64_t bits;
        const char *want;
    } v[] = {
        {0x0000000000000000, "0"},
        {0x8000000000000000, "0"},
        {0x0000000000000001, "5e-324"},
        {0x8000000000000001, "-5e-324"},
        {0x7fefffffffffffff, "1.7976931348623157e+308"},
        {0xffefffffffffffff, "-1.7976931348623157e+308"},
        {0x4340000000000000, "9007199254740992"},
        {0xc340000000000000, "-9007199254740992"},
        {0x4430000000000000, "295147905179352830000"},
        {0x44b52d02c7e14af5, "9.999999999999997e+22"},
        {0x44b52d02c7e14af6, "1e+23"},
        {0x44b52d02c7e14af7, "1.0000000000000001e+23"},
        {0x444b1ae4d6e2ef4e, "999999999999999700000"},
        {0x444b1ae4d6e2ef4f, "999999999999999900000"},
        {0x444b1ae4d6e2ef50, "1e+21"},
        {0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"},
        {0x3eb0c6f7a0b5ed8d, "0.000001"},
        {0x41b3de4355555553, "333333333.3333332"},
        {0x41b3de4355555554, "333333333.33333325"},
        {0x41b3de4355555555, "333333333.3333333"},
        {0x41b3de4355555556, "333333333.3333334"},
        {0x41b3de4355555557, "333333333.33333343"},
        {0xbecbf647612f3696, "-0.0000033333333333333333"},
        {0x43143ff3c1cb0959, "1424953923781206.2"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        CHECK_STR(dbl(from_bits(v[i].bits)), v[i].want);
}

TEST(doubles_layout_rules)
{
    CHECK_STR(dbl(0.0), "0");
    CHECK_STR(dbl(-0.0), "0");
    CHECK_STR(dbl(1), "1");
    CHECK_STR(dbl(-1), "-1");
    CHECK_STR(dbl(1.5), "1.5");
    CHECK_STR(dbl(-1.5), "-1.5");
    CHECK_STR(dbl(100), "100");
    CHECK_STR(dbl(0.5), "0.5");
    CHECK_STR(dbl(4.35), "4.35");
    CHECK_STR(dbl(0.1 + 0.2), "0.30000000000000004");
    CHECK_STR(dbl(333333333.3333333), "333333333.3333333");
    /* Integers up to 10^21 are written out, 10^21 itself is not. */
    CHECK_STR(dbl(1e20), "100000000000000000000");
    CHECK_STR(dbl(1.2345678901234568e20), "123456789012345680000");
    CHECK_STR(dbl(1e21), "1e+21");
    CHECK_STR(dbl(-1e21), "-1e+21");
    CHECK_STR(dbl(1.5e300), "1.5e+300");
    /* Fixed notation down to 10^-6, exponent below. */
    CHECK_STR(dbl(0.000001), "0.000001");
    CHECK_STR(dbl(0.0000015), "0.0000015");
    CHECK_STR(dbl(1e-7), "1e-7");
    CHECK_STR(dbl(1.23e-18), "1.23e-18");
    CHECK_STR(dbl(5e-324), "5e-324");
    CHECK_STR(dbl(1.7976931348623157e308), "1.7976931348623157e+308");
    CHECK_STR(dbl(9007199254740992.0), "9007199254740992"); /* 2^53 */
    CHECK_STR(dbl(9007199254740994.0), "9007199254740994"); /* 2^53 + 2 */
    CHECK_STR(dbl(123456.789), "123456.789");
}

TEST(doubles_lopsided_rounding_interval_at_power_of_two)
{
    /* Just above a power of two the gap below is half the gap above: the closest
     * 16-digit decimal does not read back, the next one up does (V8 agrees). */
    CHECK_STR(dbl(ldexp(1.0, -1007)), "7.291122019556398e-304");
    CHECK_STR(dbl(ldexp(1.0, -140)), "7.174648137343064e-43");
}

TEST(doubles_read_back_exactly)
{
    /* Property: the text reads back as the same double, for a spread of values. */
    uint64_t s = 0x9E3779B97F4A7C15u;
    for (int i = 0; i < 20000; i++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        double d = from_bits(s);
        if (!isfinite(d)) continue;
        const char *t = dbl(d);
        char *end;
        double back = strtod(t, &end);
        CHECK(*end == '\0');
        CHECK(back == d || (d == 0 && back == 0));
        if (back != d) {
            fprintf(stderr, "  %.17g printed as %s\n", d, t);
            break;
        }
    }
}

/* ------------------------------------------------------------------ key order */

TEST(keycmp_rfc8785_sort_example)
{
    /* RFC 8785 3.2.3: the properties sort as \r, 1, U+0080, U+00F6, U+20AC, U+1F600,
     * U+FB33 - the emoji's surrogates (D83D DE00) come before FB33. */
    const char *order[] = {
        "\r", "1", "\xc2\x80", "\xc3\xb6", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xef\xac\xb3"};
    size_t n = sizeof order / sizeof order[0];
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++) {
            int c = mdc_json_keycmp(order[i], order[j]);
            if (i < j) CHECK(c < 0);
            if (i == j) CHECK(c == 0);
            if (i > j) CHECK(c > 0);
        }
    }
}

TEST(keycmp_prefixes_and_ascii)
{
    CHECK(mdc_json_keycmp("", "") == 0);
    CHECK(mdc_json_keycmp("", "a") < 0);
    CHECK(mdc_json_keycmp("a", "") > 0);
    CHECK(mdc_json_keycmp("default", "default_expr") < 0);
    CHECK(mdc_json_keycmp("default_expr", "description") < 0);
    CHECK(mdc_json_keycmp("B", "a") < 0);
    CHECK(mdc_json_keycmp("id", "id") == 0);
    /* Same leading bytes, difference in a later byte of one code point. */
    CHECK(mdc_json_keycmp("x\xe2\x82\xac", "x\xe2\x82\xad") < 0);
    /* U+FFFF sorts after U+10FFFF in UTF-16 order but before it in UTF-8 order. */
    CHECK(mdc_json_keycmp("\xef\xbf\xbf", "\xf4\x8f\xbf\xbf") > 0);
    CHECK(mdc_json_keycmp("\xee\x80\x80", "\xf0\x90\x80\x80") > 0); /* U+E000 vs U+10000 */
    CHECK(mdc_json_keycmp("\xed\x9f\xbf", "\xf0\x90\x80\x80") < 0); /* U+D7FF vs U+10000 */
    CHECK(mdc_json_keycmp("a\xf0\x9f\x98\x80", "a\xf0\x9f\x98\x81") < 0);
}

/* ------------------------------------------------------------------ values */

static mdc_value *mk(mdc_value_kind k)
{
    mdc_value *v = calloc(1, sizeof *v);
    v->kind = k;
    return v;
}

static mdc_value *mk_str(const char *s)
{
    mdc_value *v = mk(MDC_V_STRING);
    v->s = s;
    v->len = strlen(s);
    return v;
}

static void free_value(mdc_value *v)
{
    if (!v) return;
    size_t n = v->kind == MDC_V_MAP ? 2 * v->n : v->kind == MDC_V_SEQ ? v->n : 0;
    for (size_t i = 0; i < n; i++)
        free_value(v->items[i]);
    free(v->items);
    free(v);
}

static const char *val(const mdc_value *v)
{
    mdc_buf_clear(&out);
    mdc_json_value(&out, v);
    return out.ptr;
}

TEST(value_scalars)
{
    mdc_value *v = mk(MDC_V_NULL);
    CHECK_STR(val(v), "null");
    CHECK_STR(val(NULL), "null");
    v->kind = MDC_V_BOOL;
    v->b = true;
    CHECK_STR(val(v), "true");
    v->b = false;
    CHECK_STR(val(v), "false");
    v->kind = MDC_V_INT;
    v->i = -12;
    CHECK_STR(val(v), "-12");
    v->kind = MDC_V_FLOAT;
    v->f = 2.5e-8;
    CHECK_STR(val(v), "2.5e-8");
    v->f = 12.0;
    CHECK_STR(val(v), "12");
    free_value(v);
    v = mk_str("12.5\t");
    CHECK_STR(val(v), "\"12.5\\t\"");
    free_value(v);
}

TEST(value_map_is_sorted_by_utf16_whatever_the_input_order)
{
    /* {"b": [1, "x", null], "\ufb33": true, "a": {"z": 1, "y": {}}, "\U0001F600": 0.5} */
    mdc_value *m = mk(MDC_V_MAP);
    m->n = 4;
    m->items = calloc(8, sizeof *m->items);
    mdc_value *seq = mk(MDC_V_SEQ);
    seq->n = 3;
    seq->items = calloc(3, sizeof *seq->items);
    seq->items[0] = mk(MDC_V_INT);
    seq->items[0]->i = 1;
    seq->items[1] = mk_str("x");
    seq->items[2] = mk(MDC_V_NULL);
    m->items[0] = mk_str("b");
    m->items[1] = seq;
    m->items[2] = mk_str("\xef\xac\xb3");
    m->items[3] = mk(MDC_V_BOOL);
    m->items[3]->b = true;
    mdc_value *inner = mk(MDC_V_MAP);
    inner->n = 2;
    inner->items = calloc(4, sizeof *inner->items);
    inner->items[0] = mk_str("z");
    inner->items[1] = mk(MDC_V_INT);
    inner->items[1]->i = 1;
    inner->items[2] = mk_str("y");
    inner->items[3] = mk(MDC_V_MAP);
    m->items[4] = mk_str("a");
    m->items[5] = inner;
    m->items[6] = mk_str("\xf0\x9f\x98\x80");
    m->items[7] = mk(MDC_V_FLOAT);
    m->items[7]->f = 0.5;
    CHECK_STR(val(m), "{\"a\":{\"y\":{},\"z\":1},\"b\":[1,\"x\",null],"
                      "\"\xf0\x9f\x98\x80\":0.5,\"\xef\xac\xb3\":true}");
    /* The input itself is left as it was. */
    CHECK_STR(m->items[0]->s, "b");
    free_value(m);
}

TEST(value_large_map_uses_heap_index)
{
    /* More members than the on-stack index holds, in reverse order. */
    enum { N = 40 };
    static char names[N][4];
    mdc_value *m = mk(MDC_V_MAP);
    m->n = N;
    m->items = calloc(2 * N, sizeof *m->items);
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "k%02d", N - 1 - i);
        m->items[2 * i] = mk_str(names[i]);
        m->items[2 * i + 1] = mk(MDC_V_INT);
        m->items[2 * i + 1]->i = N - 1 - i;
    }
    mdc_buf want = MDC_BUF_INIT;
    mdc_buf_putc(&want, '{');
    for (int i = 0; i < N; i++)
        mdc_buf_printf(&want, "%s\"k%02d\":%d", i ? "," : "", i, i);
    mdc_buf_putc(&want, '}');
    CHECK_STR(val(m), want.ptr);
    mdc_buf_free(&want);
    free_value(m);
}

int main(void)
{
    RUN(string_plain_text_is_verbatim);
    RUN(string_two_character_escapes);
    RUN(string_other_controls_are_lowercase_u00xx);
    RUN(string_appends_to_existing_text);
    RUN(integers);
    RUN(doubles_rfc8785_appendix_b);
    RUN(doubles_layout_rules);
    RUN(doubles_lopsided_rounding_interval_at_power_of_two);
    RUN(doubles_read_back_exactly);
    RUN(keycmp_rfc8785_sort_example);
    RUN(keycmp_prefixes_and_ascii);
    RUN(value_scalars);
    RUN(value_map_is_sorted_by_utf16_whatever_the_input_order);
    RUN(value_large_map_uses_heap_index);
    mdc_buf_free(&out);
    DONE();
}
