/*
 * test_report.c - the diagnostic code catalog (model/codes.h) and the report renderers
 * (emit/report.h): exact text, json and github output for diagnostics that need every kind
 * of escaping, a SARIF log checked by a strict JSON parser and read back by path, and the
 * `mdc hash` report in both formats.
 *
 * The JSON checker below is deliberately independent of model/json.c: it is the reader
 * that proves the writer right.  It accepts exactly RFC 8259 (no trailing commas, no raw
 * control characters in strings, valid escapes and UTF-8, no leading zeros) and in
 * addition rejects duplicate keys, which SARIF consumers treat as undefined behaviour.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "model/arena.h"
#include "model/buf.h"
#include "model/codes.h"
#include "model/defs.h"
#include "model/diag.h"
#include "emit/report.h"

/* ------------------------------------------------------------------ a strict JSON reader */

static const char *j_value(const char *p, int depth);

static const char *j_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* One UTF-8 sequence starting at p (first byte >= 0x80); its end, or NULL if invalid
 * (overlong forms, surrogates and code points above U+10FFFF included). */
static const char *j_utf8(const char *p)
{
    const unsigned char *s = (const unsigned char *)p;
    unsigned n;
    unsigned long cp;
    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        n = 1;
        cp = s[0] & 0x1f;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        n = 2;
        cp = s[0] & 0x0f;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        n = 3;
        cp = s[0] & 0x07;
    } else {
        return NULL;
    }
    for (unsigned i = 1; i <= n; i++) {
        if ((s[i] & 0xc0) != 0x80) return NULL;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return NULL;
    return p + n + 1;
}

static const char *j_string(const char *p)
{
    if (*p != '"') return NULL;
    p++;
    for (;;) {
        unsigned char c = (unsigned char)*p;
        if (c == '"') return p + 1;
        if (c < 0x20) return NULL; /* raw control character, or the end of the text */
        if (c == '\\') {
            p++;
            if (*p && strchr("\"\\/bfnrt", *p)) {
                p++;
            } else if (*p == 'u') {
                for (int i = 1; i <= 4; i++)
                    if (hexval(p[i]) < 0) return NULL;
                p += 5;
            } else {
                return NULL;
            }
        } else if (c >= 0x80) {
            if (!(p = j_utf8(p))) return NULL;
        } else {
            p++;
        }
    }
}

static const char *j_digits(const char *p)
{
    if (*p < '0' || *p > '9') return NULL;
    while (*p >= '0' && *p <= '9')
        p++;
    return p;
}

static const char *j_number(const char *p)
{
    if (*p == '-') p++;
    if (*p == '0')
        p++;
    else if (!(p = j_digits(p)))
        return NULL;
    if (*p == '.' && !(p = j_digits(p + 1))) return NULL;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-') p++;
        if (!(p = j_digits(p))) return NULL;
    }
    return p;
}

static const char *j_object(const char *p, int depth)
{
    const char *keys[256];
    size_t keylen[256], nkeys = 0;
    p = j_ws(p + 1);
    if (*p == '}') return p + 1;
    for (;;) {
        const char *k = p;
        if (!(p = j_string(p))) return NULL;
        size_t klen = (size_t)(p - k);
        for (size_t i = 0; i < nkeys; i++)
            if (keylen[i] == klen && memcmp(keys[i], k, klen) == 0) return NULL; /* dup */
        if (nkeys == 256) return NULL;
        keys[nkeys] = k;
        keylen[nkeys++] = klen;
        p = j_ws(p);
        if (*p != ':') return NULL;
        if (!(p = j_value(j_ws(p + 1), depth + 1))) return NULL;
        p = j_ws(p);
        if (*p == '}') return p + 1;
        if (*p != ',') return NULL;
        p = j_ws(p + 1);
    }
}

static const char *j_array(const char *p, int depth)
{
    p = j_ws(p + 1);
    if (*p == ']') return p + 1;
    for (;;) {
        if (!(p = j_value(p, depth + 1))) return NULL;
        p = j_ws(p);
        if (*p == ']') return p + 1;
        if (*p != ',') return NULL;
        p = j_ws(p + 1);
    }
}

/* The end of the value starting at p (no leading whitespace), or NULL. */
static const char *j_value(const char *p, int depth)
{
    if (depth > 200) return NULL;
    switch (*p) {
    case '{':
        return j_object(p, depth);
    case '[':
        return j_array(p, depth);
    case '"':
        return j_string(p);
    case 't':
        return strncmp(p, "true", 4) == 0 ? p + 4 : NULL;
    case 'f':
        return strncmp(p, "false", 5) == 0 ? p + 5 : NULL;
    case 'n':
        return strncmp(p, "null", 4) == 0 ? p + 4 : NULL;
    default:
        return j_number(p);
    }
}

/* Is s exactly one JSON text? */
static bool json_valid(const char *s)
{
    const char *end = s ? j_value(j_ws(s), 0) : NULL;
    return end && *j_ws(end) == '\0';
}

/* The value at path ("runs/0/results/2/ruleId": object keys and array indexes separated by
 * '/'), as its raw JSON text in a static buffer; NULL when absent or s is not JSON. */
static const char *json_at(const char *s, const char *path)
{
    static char out[4096];
    if (!json_valid(s)) return NULL;
    const char *p = j_ws(s);
    while (*path) {
        const char *seg = path;
        size_t seglen = strcspn(path, "/");
        path += seglen + (path[seglen] == '/');
        if (*p == '[') {
            long want = strtol(seg, NULL, 10);
            p = j_ws(p + 1);
            if (*p == ']') return NULL;
            for (long i = 0; i < want; i++) {
                p = j_ws(j_value(p, 0));
                if (*p != ',') return NULL;
                p = j_ws(p + 1);
            }
        } else if (*p == '{') {
            p = j_ws(p + 1);
            for (;;) {
                if (*p != '"') return NULL;
                const char *kend = j_string(p);
                bool match = (size_t)(kend - p) == seglen + 2 && memcmp(p + 1, seg, seglen) == 0;
                p = j_ws(j_ws(kend) + 1); /* past ':' */
                if (match) break;
                p = j_ws(j_value(p, 0));
                if (*p != ',') return NULL;
                p = j_ws(p + 1);
            }
        } else {
            return NULL;
        }
    }
    const char *end = j_value(p, 0);
    size_t n = (size_t)(end - p);
    if (n >= sizeof out) n = sizeof out - 1;
    memcpy(out, p, n);
    out[n] = '\0';
    return out;
}

static size_t count_substr(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

TEST(json_reader_is_strict)
{
    CHECK(json_valid("{\"a\":[1,-0.5e+3,true,false,null,\"x\\u00e9\\n\"],\"b\":{}}"));
    CHECK(json_valid(" [] \n"));
    CHECK(json_valid("\"\xc3\xbc\""));
    CHECK(!json_valid(""));
    CHECK(!json_valid("{\"a\":1,}"));
    CHECK(!json_valid("[1,]"));
    CHECK(!json_valid("{\"a\":1,\"a\":2}"));
    CHECK(!json_valid("\"a\nb\""));
    CHECK(!json_valid("\"\\x41\""));
    CHECK(!json_valid("\"\xc3\""));
    CHECK(!json_valid("\"\xed\xa0\x80\"")); /* a surrogate in UTF-8 */
    CHECK(!json_valid("01"));
    CHECK(!json_valid("[1] x"));
    CHECK(!json_valid("{\"a\" 1}"));
    const char *doc = "{\"a\":[{\"b\":1},{\"b\":\"two\",\"c\":[3]}],\"d\":null}";
    CHECK_STR(json_at(doc, "a/1/b"), "\"two\"");
    CHECK_STR(json_at(doc, "a/1/c/0"), "3");
    CHECK_STR(json_at(doc, "a/0"), "{\"b\":1}");
    CHECK(json_at(doc, "a/2") == NULL);
    CHECK(json_at(doc, "a/0/c") == NULL);
    CHECK(json_at(doc, "e") == NULL);
}

/* ------------------------------------------------------------------ the catalog */

TEST(catalog_is_sorted_complete_and_documented)
{
    static const char *const required[] = {"YAML_SYNTAX",
                                           "YAML_DUPLICATE_KEY",
                                           "YAML_ALIAS",
                                           "YAML_TAG",
                                           "YAML_TOO_DEEP",
                                           "TOO_MANY_DOCUMENTS",
                                           "UNKNOWN_KIND",
                                           "UNKNOWN_KEY",
                                           "MISSING_KEY",
                                           "BAD_VALUE",
                                           "BAD_NAME",
                                           "NAME_TOO_LONG",
                                           "DUPLICATE_MODEL",
                                           "DUPLICATE_NAME",
                                           "DUPLICATE_TABLE",
                                           "DUPLICATE_OBJECT_NAME",
                                           "DUPLICATE_FIELD",
                                           "UNKNOWN_TYPE",
                                           "BAD_TYPE_ARGS",
                                           "BAD_DEFAULT",
                                           "NO_PRIMARY_KEY",
                                           "UNKNOWN_REFERENCE",
                                           "REFERENCE_TYPE_MISMATCH",
                                           "REFERENCE_NOT_UNIQUE",
                                           "RESERVED_NAME_USED",
                                           "RENAME_CONFLICT",
                                           "UNKNOWN_FIELD",
                                           "CONTRACT_TYPE_MISMATCH",
                                           "CREDENTIALS_IN_URI",
                                           "PATH_OUTSIDE_REPO",
                                           "NOT_UTF8",
                                           "FILE_TOO_LARGE",
                                           "SKIPPED_FILE",
                                           "BAD_FILE_NAME",
                                           "LFS_POINTER",
                                           "MISSING_PROJECT_FILE",
                                           "REMOVAL_NOT_RESERVED",
                                           "CONTRACT_BROKEN",
                                           "VERSION_NOT_BUMPED",
                                           "VERSION_BUMP_TOO_SMALL",
                                           "VERSION_DECREASED",
                                           "LOOKS_LIKE_RENAME"};
    static const char *const warnings[] = {"LOOKS_LIKE_RENAME", "NO_PRIMARY_KEY", "SKIPPED_FILE"};
    size_t n = 0;
    const mdc_code_info *c = mdc_codes(&n);
    CHECK(mdc_codes(NULL) == c);
    CHECK_INT(n, sizeof required / sizeof required[0]);
    size_t nwarn = 0;
    for (size_t i = 0; i < n; i++) {
        if (i) CHECK(strcmp(c[i - 1].code, c[i].code) < 0);
        CHECK(mdc_code_lookup(c[i].code) == &c[i]);
        CHECK_INT(mdc_code_index(c[i].code), i);
        CHECK(strcmp(c[i].severity, "error") == 0 || strcmp(c[i].severity, "warning") == 0);
        if (strcmp(c[i].severity, "warning") == 0) nwarn++;
        for (const char *p = c[i].code; *p; p++)
            CHECK((*p >= 'A' && *p <= 'Z') || *p == '_' || (*p >= '0' && *p <= '9'));
        size_t slen = strlen(c[i].summary), hlen = strlen(c[i].help);
        CHECK(slen > 10 && c[i].summary[slen - 1] != '.' && !strchr(c[i].summary, '\n'));
        CHECK(hlen > 60 && c[i].help[hlen - 1] == '.' && strstr(c[i].help, ". "));
    }
    CHECK_INT(nwarn, 3);
    for (size_t i = 0; i < sizeof warnings / sizeof warnings[0]; i++)
        CHECK_STR(mdc_code_lookup(warnings[i])->severity, "warning");
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        const mdc_code_info *info = mdc_code_lookup(required[i]);
        CHECK(info != NULL);
        if (info) CHECK_STR(info->code, required[i]);
    }
    CHECK(mdc_code_lookup("NOPE") == NULL);
    CHECK(mdc_code_lookup("") == NULL);
    CHECK(mdc_code_lookup(NULL) == NULL);
    CHECK(mdc_code_lookup("yaml_syntax") == NULL);
    CHECK_INT(mdc_code_index("ZZZ"), -1);
}

TEST(format_names)
{
    mdc_format f = MDC_FORMAT_TEXT;
    CHECK_INT(mdc_format_parse("json", &f), 0);
    CHECK_INT(f, MDC_FORMAT_JSON);
    CHECK_INT(mdc_format_parse("github", &f), 0);
    CHECK_INT(f, MDC_FORMAT_GITHUB);
    CHECK_INT(mdc_format_parse("sarif", &f), 0);
    CHECK_INT(f, MDC_FORMAT_SARIF);
    CHECK_INT(mdc_format_parse("text", &f), 0);
    CHECK_INT(f, MDC_FORMAT_TEXT);
    CHECK_INT(mdc_format_parse("JSON", &f), -1);
    CHECK_INT(mdc_format_parse("", &f), -1);
    CHECK_INT(mdc_format_parse("sarif2", &f), -1);
    CHECK_INT(mdc_format_parse(NULL, &f), -1);
    CHECK_INT(f, MDC_FORMAT_TEXT);
}

/* ------------------------------------------------------------------ diagnostics */

/* A diagnostics list exercising every position form and every escaping rule.  After
 * sorting: the file-less error, the whole-file warning, a positioned error with a note,
 * and an error in a path with ',' ':' ' ' and 'ü' whose message and notes hold '"' '\'
 * '%' newline, tab, CR and ESC. */
static void fixture(mdc_diags *d)
{
    mdc_diag *dg = mdc_diag_add(d, MDC_ERROR, "BAD_VALUE", "models/dir, x:y/\xc3\xbc.yaml", 10, 2,
                                "%s", "value \"a\\b\" is 50% off\nsecond\tline\x1b[31m");
    mdc_diag_note(d, dg, "first: here,\rthere");
    mdc_diag_note(d, dg, "caf\xc3\xa9 100%%");
    dg = mdc_diag_add(d, MDC_ERROR, "UNKNOWN_TYPE", "models/a.yaml", 3, 7, "unknown type `%s`",
                      "strng");
    mdc_diag_note(d, dg, "did you mean `string`?");
    mdc_diag_add(d, MDC_WARNING, "NO_PRIMARY_KEY", "models/a.yaml", 0, 0,
                 "model `User` has no primary key");
    mdc_diag_add(d, MDC_ERROR, "MISSING_PROJECT_FILE", "", 0, 0, "no mdc.yaml found");
    mdc_diags_sort(d);
}

static char *render(mdc_format fmt, const mdc_diags *d, const mdc_report_opts *o)
{
    mdc_buf b = MDC_BUF_INIT;
    mdc_report_diags(&b, fmt, d, o);
    if (!b.ptr) mdc_buf_puts(&b, "");
    return mdc_buf_detach(&b);
}

/* Truncating keeps the first n in order and recounts errors and warnings from what is
 * dropped; truncating to the current length changes nothing; the list takes adds again. */
TEST(diags_truncate)
{
    mdc_arena *a = mdc_arena_new();
    mdc_diags d;
    mdc_diags_init(&d, a);
    fixture(&d); /* sorted: error, warning, error, error */
    CHECK(d.n == 4 && d.errors == 3 && d.warnings == 1);
    mdc_diags_truncate(&d, 4);
    CHECK(d.n == 4 && d.errors == 3 && d.warnings == 1);
    mdc_diags_truncate(&d, 2);
    CHECK(d.n == 2 && d.errors == 1 && d.warnings == 1);
    CHECK_STR(d.v[0]->code, "MISSING_PROJECT_FILE");
    CHECK_STR(d.v[1]->code, "NO_PRIMARY_KEY");
    mdc_diags_truncate(&d, 1);
    CHECK(d.n == 1 && d.errors == 1 && d.warnings == 0);
    mdc_diag_add(&d, MDC_WARNING, "W", "", 0, 0, "again");
    CHECK(d.n == 2 && d.errors == 1 && d.warnings == 1 && !strcmp(d.v[1]->code, "W"));
    mdc_diags_truncate(&d, 0);
    CHECK(d.n == 0 && d.errors == 0 && d.warnings == 0);
    mdc_diags_release(&d);
    mdc_arena_free(a);
}

TEST(text_report)
{
    mdc_arena *a = mdc_arena_new();
    mdc_diags d;
    mdc_diags_init(&d, a);
    fixture(&d);
    mdc_report_opts o = {false, "sub/", "1.2.3"};
    char *s = render(MDC_FORMAT_TEXT, &d, &o);
    CHECK_STR(s, "mdc: error [MISSING_PROJECT_FILE] no mdc.yaml found\n"
                 "models/a.yaml: warning [NO_PRIMARY_KEY] model `User` has no primary key\n"
                 "models/a.yaml:3:7: error [UNKNOWN_TYPE] unknown type `strng`\n"
                 "    note: did you mean `string`?\n"
                 "models/dir, x:y/\xc3\xbc.yaml:10:2: error [BAD_VALUE] value \"a\\b\" is 50% off\n"
                 "    second\tline\\x1b[31m\n"
                 "    note: first: here,\\x0dthere\n"
                 "    note: caf\xc3\xa9 100%\n"
                 "3 errors, 1 warning\n");
    free(s);

    /* colour: bold location, red error / magenta warning, bold code */
    mdc_diags one;
    mdc_diags_init(&one, a);
    mdc_diag_add(&one, MDC_ERROR, "UNKNOWN_TYPE", "m.yaml", 1, 2, "bad");
    mdc_diag_add(&one, MDC_WARNING, "NO_PRIMARY_KEY", "m.yaml", 0, 0, "none");
    o.color = true;
    s = render(MDC_FORMAT_TEXT, &one, &o);
    CHECK_STR(s,
              "\033[1mm.yaml:1:2:\033[0m \033[1;31merror\033[0m \033[1m[UNKNOWN_TYPE]\033[0m bad\n"
              "\033[1mm.yaml:\033[0m \033[1;35mwarning\033[0m \033[1m[NO_PRIMARY_KEY]\033[0m none\n"
              "1 error, 1 warning\n");
    free(s);

    /* a line without a column; C1 controls; counts in the singular and zero */
    mdc_diags two;
    mdc_diags_init(&two, a);
    mdc_diag_add(&two, MDC_WARNING, "SKIPPED_FILE", "m\nx.bin", 4, 0,
                 "skip \xc2\x9b"
                 "2J\x7f~");
    s = render(MDC_FORMAT_TEXT, &two, NULL);
    CHECK_STR(s,
              "m\\x0ax.bin:4: warning [SKIPPED_FILE] skip \\u009b2J\\x7f~\n0 errors, 1 warning\n");
    free(s);

    mdc_diags_release(&two);
    mdc_diags_release(&one);
    mdc_diags_release(&d);
    mdc_arena_free(a);
}

TEST(empty_reports)
{
    mdc_arena *a = mdc_arena_new();
    mdc_diags d;
    mdc_diags_init(&d, a);
    char *s = render(MDC_FORMAT_TEXT, &d, NULL);
    CHECK_STR(s, "");
    free(s);
    s = render(MDC_FORMAT_JSON, &d, NULL);
    CHECK_STR(s, "{\"diagnostics\":[],\"errors\":0,\"warnings\":0}\n");
    free(s);
    s = render(MDC_FORMAT_GITHUB, &d, NULL);
    CHECK_STR(s, "");
    free(s);
    s = render(MDC_FORMAT_SARIF, &d, NULL);
    CHECK(json_valid(s));
    CHECK_STR(json_at(s, "runs/0/results"), "[]");
    CHECK_STR(json_at(s, "runs/0/tool/driver/version"), "\"" MDC_VERSION "\"");
    free(s);
    mdc_diags_release(&d);
    mdc_arena_free(a);
}

TEST(json_report)
{
    mdc_arena *a = mdc_arena_new();
    mdc_diags d;
    mdc_diags_init(&d, a);
    fixture(&d);
    mdc_report_opts o = {true, "sub/", "1.2.3"}; /* neither colour nor prefix reach JSON */
    char *s = render(MDC_FORMAT_JSON, &d, &o);
    CHECK_STR(s,
              "{\"diagnostics\":["
              "{\"path\":\"\",\"line\":0,\"col\":0,\"severity\":\"error\","
              "\"code\":\"MISSING_PROJECT_FILE\",\"message\":\"no mdc.yaml found\",\"notes\":[]},"
              "{\"path\":\"models/a.yaml\",\"line\":0,\"col\":0,\"severity\":\"warning\","
              "\"code\":\"NO_PRIMARY_KEY\",\"message\":\"model `User` has no primary key\","
              "\"notes\":[]},"
              "{\"path\":\"models/a.yaml\",\"line\":3,\"col\":7,\"severity\":\"error\","
              "\"code\":\"UNKNOWN_TYPE\",\"message\":\"unknown type `strng`\","
              "\"notes\":[\"did you mean `string`?\"]},"
              "{\"path\":\"models/dir, x:y/\xc3\xbc.yaml\",\"line\":10,\"col\":2,"
              "\"severity\":\"error\",\"code\":\"BAD_VALUE\","
              "\"message\":\"value \\\"a\\\\b\\\" is 50% off\\nsecond\\tline\\u001b[31m\","
              "\"notes\":[\"first: here,\\rthere\",\"caf\xc3\xa9 100%\"]}"
              "],\"errors\":3,\"warnings\":1}\n");
    CHECK(json_valid(s));
    CHECK_STR(json_at(s, "diagnostics/3/notes/1"), "\"caf\xc3\xa9 100%\"");
    free(s);
    mdc_diags_release(&d);
    mdc_arena_free(a);
}

TEST(github_report)
{
    mdc_arena *a = mdc_arena_new();
    mdc_diags d;
    mdc_diags_init(&d, a);
    fixture(&d);
    mdc_report_opts o = {true, "sub/", "1.2.3"};
    char *s = render(MDC_FORMAT_GITHUB, &d, &o);
    CHECK_STR(s,
              "::error title=MISSING_PROJECT_FILE::no mdc.yaml found\n"
              "::warning file=sub/models/a.yaml,title=NO_PRIMARY_KEY::"
              "model `User` has no primary key\n"
              "::error file=sub/models/a.yaml,line=3,col=7,title=UNKNOWN_TYPE::"
              "unknown type `strng`%0Adid you mean `string`?\n"
              "::error file=sub/models/dir%2C x%3Ay/\xc3\xbc.yaml,line=10,col=2,title=BAD_VALUE::"
              "value \"a\\b\" is 50%25 off%0Asecond\tline\\x1b[31m"
              "%0Afirst: here,\\x0dthere%0Acaf\xc3\xa9 100%25\n");
    free(s);

    /* controls in file= and title= are one line, escaped visibly (then %-escaped) */
    mdc_diags ctl;
    mdc_diags_init(&ctl, a);
    mdc_diag_add(&ctl, MDC_ERROR, "T\x1b]0;x\x07", "a\x1b[2J\n\xe2\x80\xae.yaml", 1, 1, "m\xc2\x9b");
    s = render(MDC_FORMAT_GITHUB, &ctl, NULL);
    CHECK_STR(s, "::error file=a\\x1b[2J\\x0a\\u202e.yaml,line=1,col=1,title=T\\x1b]0;x\\x07::m\\u009b\n");
    free(s);
    mdc_diags_release(&ctl);

    /* no prefix; a column-less line; escaping in the prefix and the title too */
    mdc_diags two;
    mdc_diags_init(&two, a);
    mdc_diag_add(&two, MDC_WARNING, "X:Y,Z", "a.yaml", 5, 0, "m");
    s = render(MDC_FORMAT_GITHUB, &two, NULL);
    CHECK_STR(s, "::warning file=a.yaml,line=5,title=X%3AY%2CZ::m\n");
    free(s);
    o.path_prefix = "a:b,c%/";
    s = render(MDC_FORMAT_GITHUB, &two, &o);
    CHECK_STR(s, "::warning file=a%3Ab%2Cc%25/a.yaml,line=5,title=X%3AY%2CZ::m\n");
    free(s);
    mdc_diags_release(&two);
    mdc_diags_release(&d);
    mdc_arena_free(a);
}

TEST(sarif_report)
{
    mdc_arena *a = mdc_arena_new();
    mdc_diags d;
    mdc_diags_init(&d, a);
    fixture(&d);
    mdc_diag_add(&d, MDC_WARNING, "NOT_IN_CATALOG", "z.yaml", 1, 1, "x");
    mdc_report_opts o = {true, "sub/", "1.2.3"};
    char *s = render(MDC_FORMAT_SARIF, &d, &o);
    CHECK(json_valid(s));
    CHECK(s[strlen(s) - 1] == '\n');
    CHECK(!strchr(s, '\033'));

    CHECK_STR(json_at(s, "$schema"), "\"https://json.schemastore.org/sarif-2.1.0.json\"");
    CHECK_STR(json_at(s, "version"), "\"2.1.0\"");
    CHECK_STR(json_at(s, "runs/0/tool/driver/name"), "\"mdc\"");
    CHECK_STR(json_at(s, "runs/0/tool/driver/version"), "\"1.2.3\"");
    CHECK_STR(json_at(s, "runs/0/tool/driver/informationUri"), "\"https://github.com/mdc/mdc\"");

    /* rules: the whole catalog, in catalog order */
    size_t n = 0;
    const mdc_code_info *codes = mdc_codes(&n);
    char path[128], want[1024];
    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof path, "runs/0/tool/driver/rules/%zu/id", i);
        snprintf(want, sizeof want, "\"%s\"", codes[i].code);
        CHECK_STR(json_at(s, path), want);
        snprintf(path, sizeof path, "runs/0/tool/driver/rules/%zu/defaultConfiguration/level", i);
        snprintf(want, sizeof want, "\"%s\"", codes[i].severity);
        CHECK_STR(json_at(s, path), want);
        snprintf(path, sizeof path, "runs/0/tool/driver/rules/%zu/shortDescription/text", i);
        snprintf(want, sizeof want, "\"%s\"", codes[i].summary);
        CHECK_STR(json_at(s, path), want);
    }
    snprintf(path, sizeof path, "runs/0/tool/driver/rules/%zu", n);
    CHECK(json_at(s, path) == NULL);
    long yd = mdc_code_index("YAML_DUPLICATE_KEY"), nu = mdc_code_index("NOT_UTF8");
    snprintf(path, sizeof path, "runs/0/tool/driver/rules/%ld/name", yd);
    CHECK_STR(json_at(s, path), "\"YamlDuplicateKey\"");
    snprintf(path, sizeof path, "runs/0/tool/driver/rules/%ld/name", nu);
    CHECK_STR(json_at(s, path), "\"NotUtf8\"");
    snprintf(path, sizeof path, "runs/0/tool/driver/rules/%ld/help/text", nu);
    CHECK(json_at(s, path) && strstr(json_at(s, path), "UTF-8"));

    /* 0: no file -> no locations */
    CHECK_STR(json_at(s, "runs/0/results/0/ruleId"), "\"MISSING_PROJECT_FILE\"");
    CHECK_STR(json_at(s, "runs/0/results/0/level"), "\"error\"");
    CHECK_STR(json_at(s, "runs/0/results/0/message/text"), "\"no mdc.yaml found\"");
    CHECK(json_at(s, "runs/0/results/0/locations") == NULL);
    /* 1: whole file -> a location without a region */
    CHECK_STR(json_at(s, "runs/0/results/1/level"), "\"warning\"");
    CHECK_STR(json_at(s, "runs/0/results/1/locations/0/physicalLocation"),
              "{\"artifactLocation\":{\"uri\":\"sub/models/a.yaml\",\"uriBaseId\":\"%SRCROOT%\"}}");
    /* 2: a region; the note joins the message on its own line */
    CHECK_STR(json_at(s, "runs/0/results/2/ruleId"), "\"UNKNOWN_TYPE\"");
    snprintf(want, sizeof want, "%ld", mdc_code_index("UNKNOWN_TYPE"));
    CHECK_STR(json_at(s, "runs/0/results/2/ruleIndex"), want);
    CHECK_STR(json_at(s, "runs/0/results/2/message/text"),
              "\"unknown type `strng`\\ndid you mean `string`?\"");
    CHECK_STR(json_at(s, "runs/0/results/2/locations/0/physicalLocation/region"),
              "{\"startLine\":3,\"startColumn\":7}");
    /* 3: the URI is percent-encoded; the message is JSON-escaped */
    CHECK_STR(json_at(s, "runs/0/results/3/locations/0/physicalLocation/artifactLocation/uri"),
              "\"sub/models/dir%2C%20x%3Ay/%C3%BC.yaml\"");
    CHECK_STR(json_at(s, "runs/0/results/3/message/text"),
              "\"value \\\"a\\\\b\\\" is 50% off\\nsecond\\tline\\u001b[31m"
              "\\nfirst: here,\\rthere\\ncaf\xc3\xa9 100%\"");
    CHECK_STR(json_at(s, "runs/0/results/3/locations/0/physicalLocation/region/startLine"), "10");
    /* 4: a code outside the catalog keeps its ruleId but has no ruleIndex */
    CHECK_STR(json_at(s, "runs/0/results/4/ruleId"), "\"NOT_IN_CATALOG\"");
    CHECK(json_at(s, "runs/0/results/4/ruleIndex") == NULL);
    CHECK(json_at(s, "runs/0/results/5") == NULL);

    /* every ruleIndex points at the rule with the same id */
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "runs/0/results/%zu/ruleIndex", i);
        const char *ri = json_at(s, path);
        CHECK(ri != NULL);
        if (!ri) continue;
        long idx = strtol(ri, NULL, 10);
        snprintf(path, sizeof path, "runs/0/results/%zu/ruleId", i);
        snprintf(want, sizeof want, "%s", json_at(s, path));
        snprintf(path, sizeof path, "runs/0/tool/driver/rules/%ld/id", idx);
        CHECK_STR(json_at(s, path), want);
    }
    CHECK_INT(count_substr(s, "\"defaultConfiguration\""), n);

    /* deterministic */
    char *again = render(MDC_FORMAT_SARIF, &d, &o);
    CHECK_STR(again, s);
    free(again);
    free(s);
    mdc_diags_release(&d);
    mdc_arena_free(a);
}

/* ------------------------------------------------------------------ mdc hash */

TEST(hash_report)
{
    mdc_doc user = {0}, crm = {0};
    user.kind = MDC_KIND_MODEL;
    user.name = "User";
    user.path = "models/user.yaml";
    strcpy(user.checksum, "0123456789abcdef0123456789abcdef");
    strcpy(user.structure_checksum, "fedcba9876543210fedcba9876543210");
    crm.kind = MDC_KIND_SOURCE;
    crm.name = "crm_postgres";
    crm.path = "models/sources/crm \"db\".yaml";
    strcpy(crm.checksum, "99aa06d3014798d86001c324468d497f");
    strcpy(crm.structure_checksum, "00000000000000000000000000000001");
    mdc_doc *docs[] = {&user, &crm};
    mdc_registry reg = {0};
    reg.docs = docs;
    reg.ndocs = 2;
    strcpy(reg.checksum, "aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbb");

    mdc_buf b = MDC_BUF_INIT;
    mdc_report_hash(&b, MDC_FORMAT_TEXT, &reg);
    CHECK_STR(b.ptr, "0123456789abcdef0123456789abcdef fedcba9876543210fedcba9876543210 "
                     "model/User models/user.yaml\n"
                     "99aa06d3014798d86001c324468d497f 00000000000000000000000000000001 "
                     "source/crm_postgres models/sources/crm \"db\".yaml\n"
                     "registry aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbb\n");
    mdc_buf_clear(&b);
    mdc_report_hash(&b, MDC_FORMAT_JSON, &reg);
    CHECK_STR(b.ptr, "{\"registry\":\"aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbb\",\"documents\":["
                     "{\"kind\":\"model\",\"name\":\"User\",\"path\":\"models/user.yaml\","
                     "\"checksum\":\"0123456789abcdef0123456789abcdef\","
                     "\"structure_checksum\":\"fedcba9876543210fedcba9876543210\"},"
                     "{\"kind\":\"source\",\"name\":\"crm_postgres\","
                     "\"path\":\"models/sources/crm \\\"db\\\".yaml\","
                     "\"checksum\":\"99aa06d3014798d86001c324468d497f\","
                     "\"structure_checksum\":\"00000000000000000000000000000001\"}]}\n");
    CHECK(json_valid(b.ptr));

    /* an empty registry */
    reg.ndocs = 0;
    mdc_buf_clear(&b);
    mdc_report_hash(&b, MDC_FORMAT_TEXT, &reg);
    CHECK_STR(b.ptr, "registry aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbb\n");
    mdc_buf_clear(&b);
    mdc_report_hash(&b, MDC_FORMAT_JSON, &reg);
    CHECK_STR(b.ptr, "{\"registry\":\"aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbb\",\"documents\":[]}\n");
    mdc_buf_free(&b);
}

int main(void)
{
    RUN(json_reader_is_strict);
    RUN(catalog_is_sorted_complete_and_documented);
    RUN(format_names);
    RUN(diags_truncate);
    RUN(text_report);
    RUN(empty_reports);
    RUN(json_report);
    RUN(github_report);
    RUN(sarif_report);
    RUN(hash_report);
    DONE();
}
