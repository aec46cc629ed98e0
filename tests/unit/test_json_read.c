/*
 * test_json_read.c - the strict JSON reader (compiler/json_read.c).
 *
 * Accepts exactly RFC 8259: every value kind, escapes and surrogate pairs, numbers as
 * INT or FLOAT; rejects everything else with a byte offset (trailing commas, comments,
 * leading zeros, bad UTF-8, lone surrogates, duplicate keys, control characters, text
 * after the value, too deep nesting) and never reads outside the given bytes.
 */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

#include "compiler/json_read.h"
#include "model/buf.h"
#include "model/json.h"

static mdc_arena *A;

static mdc_value *parse(const char *s, mdc_json_read_error *e)
{
    /* copy into an exact-size heap block: ASan catches a read past the end */
    size_t n = strlen(s);
    char *copy = malloc(n ? n : 1);
    memcpy(copy, s, n);
    mdc_value *v = mdc_json_parse(A, copy, n, NULL, e);
    free(copy);
    return v;
}

/* The canonical re-serialisation of a parsed text, or "ERR@offset". */
static const char *rt(const char *s)
{
    static char out[4096];
    mdc_json_read_error e;
    mdc_value *v = parse(s, &e);
    if (!v) {
        snprintf(out, sizeof out, "ERR@%zu", e.offset);
        return out;
    }
    mdc_buf b = MDC_BUF_INIT;
    mdc_json_value(&b, v);
    snprintf(out, sizeof out, "%s", b.ptr);
    mdc_buf_free(&b);
    return out;
}

TEST(values_of_every_kind)
{
    CHECK_STR(rt("null"), "null");
    CHECK_STR(rt(" true "), "true");
    CHECK_STR(rt("false"), "false");
    CHECK_STR(rt("0"), "0");
    CHECK_STR(rt("-12"), "-12");
    CHECK_STR(rt("1.5e3"), "1500");
    CHECK_STR(rt("0.000001"), "0.000001");
    CHECK_STR(rt("-0.0"), "0");
    CHECK_STR(rt("9223372036854775807"), "9223372036854775807");
    CHECK_STR(rt("\"a\\\"b\\\\c\\/d\\n\\t\\u00e9\\ud83d\\ude00\""), "\"a\\\"b\\\\c/d\\n\\té😀\"");
    CHECK_STR(rt("[1, [2, []], {}]"), "[1,[2,[]],{}]");
    CHECK_STR(rt("{\"b\": 1, \"a\": {\"d\": null, \"c\": [true]}}"), "{\"a\":{\"c\":[true],\"d\":null},\"b\":1}");
}

TEST(numbers_are_int_or_float)
{
    mdc_json_read_error e;
    mdc_value *v = parse("42", &e);
    CHECK(v && v->kind == MDC_V_INT && v->i == 42);
    v = parse("42.0", &e);
    CHECK(v && v->kind == MDC_V_FLOAT && v->f == 42.0);
    v = parse("92233720368547758070", &e); /* beyond int64: a double */
    CHECK(v && v->kind == MDC_V_FLOAT);
    CHECK(parse("1e400", &e) == NULL);
}

TEST(strings_keep_nul_with_length)
{
    mdc_json_read_error e;
    mdc_value *v = parse("\"a\\u0000b\"", &e);
    CHECK(v && v->kind == MDC_V_STRING && v->len == 3 && v->s[1] == '\0' && v->s[2] == 'b');
    CHECK(parse("{\"a\\u0000\": 1}", &e) == NULL); /* keys may not hold NUL */
}

TEST(map_lookup)
{
    mdc_json_read_error e;
    mdc_value *v = parse("{\"zeta\": 1, \"alpha\": 2, \"mid\": 3}", &e);
    CHECK(v && v->kind == MDC_V_MAP && v->n == 3);
    CHECK(mdc_json_get(v, "alpha") && mdc_json_get(v, "alpha")->i == 2);
    CHECK(mdc_json_get(v, "zeta") && mdc_json_get(v, "zeta")->i == 1);
    CHECK(mdc_json_get(v, "nope") == NULL);
    CHECK(mdc_json_get(NULL, "a") == NULL);
}

TEST(errors_with_offsets)
{
    CHECK_STR(rt(""), "ERR@0");
    CHECK_STR(rt("   "), "ERR@3");
    CHECK_STR(rt("[1,]"), "ERR@3");
    CHECK_STR(rt("{\"a\":1,}"), "ERR@7");
    CHECK_STR(rt("01"), "ERR@1");
    CHECK_STR(rt("1."), "ERR@2");
    CHECK_STR(rt("-"), "ERR@1");
    CHECK_STR(rt("+1"), "ERR@0");
    CHECK_STR(rt("NaN"), "ERR@0");
    CHECK_STR(rt("tru"), "ERR@0");
    CHECK_STR(rt("[1] 2"), "ERR@4");
    CHECK_STR(rt("/* c */ 1"), "ERR@0");
    CHECK_STR(rt("\"abc"), "ERR@0");
    CHECK_STR(rt("\"a\nb\""), "ERR@2");
    CHECK_STR(rt("\"\\x\""), "ERR@1");
    CHECK_STR(rt("\"\\u12\""), "ERR@1");
    CHECK_STR(rt("\"\\ud800\""), "ERR@1");
    CHECK_STR(rt("\"\\udc00\""), "ERR@1");
    CHECK_STR(rt("\"\\ud800\\u0041\""), "ERR@1");
    CHECK_STR(rt("{\"a\":1,\"a\":2}"), "ERR@7");
    CHECK_STR(rt("{1:2}"), "ERR@1");
    CHECK_STR(rt("{\"a\" 1}"), "ERR@5");
    CHECK_STR(rt("\"\xc3\x28\""), "ERR@1");         /* bad continuation */
    CHECK_STR(rt("\"\xc0\xaf\""), "ERR@1");         /* overlong */
    CHECK_STR(rt("\"\xed\xa0\x80\""), "ERR@1");     /* UTF-8 surrogate */
    CHECK_STR(rt("\"\xf4\x90\x80\x80\""), "ERR@1"); /* above U+10FFFF */
    CHECK_STR(rt("\"\xe2\x82\""), "ERR@1");         /* truncated */
}

TEST(depth_and_size_limits)
{
    char deep[300];
    memset(deep, '[', 200);
    deep[200] = '\0';
    mdc_json_read_error e;
    CHECK(parse(deep, &e) == NULL);
    CHECK(strstr(e.msg, "nesting") != NULL);
    mdc_json_read_opts o = MDC_JSON_READ_OPTS_INIT;
    o.max_depth = 3;
    CHECK(mdc_json_parse(A, "[[[1]]]", 7, &o, &e) != NULL);
    CHECK(mdc_json_parse(A, "[[[[1]]]]", 9, &o, &e) == NULL);
    o.max_depth = 0;
    o.max_bytes = 4;
    CHECK(mdc_json_parse(A, "12345", 5, &o, &e) == NULL);
    o.max_bytes = 0;
    o.max_values = 3;
    CHECK(mdc_json_parse(A, "[1,2]", 5, &o, &e) != NULL);
    CHECK(mdc_json_parse(A, "[1,2,3]", 7, &o, &e) == NULL);
}

TEST(never_reads_past_the_length)
{
    /* the same bytes, cut at every length: each prefix parses or fails, never crashes */
    const char *s = "{\"a\":[1,2.5e-3,\"x\\u00e9\\ud83d\\ude00\",true,null,{\"b\":false}]}";
    size_t n = strlen(s);
    int ok = 0;
    for (size_t k = 0; k <= n; k++) {
        char *copy = malloc(k ? k : 1);
        memcpy(copy, s, k);
        mdc_json_read_error e;
        if (mdc_json_parse(A, copy, k, NULL, &e)) ok++;
        free(copy);
    }
    CHECK_INT(ok, 1); /* only the whole text */
}

int main(void)
{
    A = mdc_arena_new();
    RUN(values_of_every_kind);
    RUN(numbers_are_int_or_float);
    RUN(strings_keep_nul_with_length);
    RUN(map_lookup);
    RUN(errors_with_offsets);
    RUN(depth_and_size_limits);
    RUN(never_reads_past_the_length);
    mdc_arena_free(A);
    DONE();
}
