/*
 * test_yaml.c - the YAML front end (compiler/yaml.c) as a specification: node positions
 * (byte columns, CRLF, BOM, flow and block), documents, every diagnostic it can produce
 * with its exact position, the YAML 1.2 core-schema typing table, and inputs that must
 * not crash or take long (deep nesting, truncated and random bytes).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dirent.h>
#include <stdio.h>
#include <sys/stat.h>

#include "compiler/yaml.h"
#include "harness.h"
#include "tests/common/yaml_same.h"

/* One parse at a time: a fresh arena, diagnostics list and file per call. */
static mdc_arena *A;
static mdc_diags D;
static mdc_yfile F;

static size_t parse_n(const char *s, size_t len)
{
    if (A) {
        mdc_diags_release(&D);
        mdc_arena_free(A);
    }
    A = mdc_arena_new();
    mdc_diags_init(&D, A);
    return mdc_yaml_parse(A, "m.yaml", s, len, &D, &F);
}

static size_t parse(const char *s)
{
    return parse_n(s, strlen(s));
}

/* The first diagnostic with the given code, or NULL. */
static const mdc_diag *find_diag(const char *code, size_t nth)
{
    for (size_t i = 0; i < D.n; i++)
        if (strcmp(D.v[i]->code, code) == 0 && nth-- == 0) return D.v[i];
    return NULL;
}

static size_t count_diags(const char *code)
{
    size_t n = 0;
    for (size_t i = 0; i < D.n; i++) n += strcmp(D.v[i]->code, code) == 0;
    return n;
}

#define CHECK_AT(node, l, c)                                                                  \
    do {                                                                                      \
        const mdc_ynode *n_ = (node);                                                         \
        CHECK(n_ != NULL);                                                                    \
        if (n_) {                                                                             \
            CHECK_INT(n_->loc.line, l);                                                       \
            CHECK_INT(n_->loc.col, c);                                                        \
        }                                                                                     \
    } while (0)

#define CHECK_DIAG(code, nth, l, c)                                                           \
    do {                                                                                      \
        const mdc_diag *d_ = find_diag(code, nth);                                            \
        CHECK(d_ != NULL);                                                                    \
        if (d_) {                                                                             \
            CHECK_INT(d_->line, l);                                                           \
            CHECK_INT(d_->col, c);                                                            \
            CHECK_STR(d_->path, "m.yaml");                                                    \
            CHECK(d_->severity == MDC_ERROR);                                                 \
        }                                                                                     \
    } while (0)

static const mdc_ynode *root(void)
{
    return F.ndocs ? F.docs[0].root : NULL;
}

static const mdc_ynode *get(const mdc_ynode *map, const char *key)
{
    return mdc_ymap_get(map, key, NULL);
}

/* ------------------------------------------------------------------ positions */

TEST(block_and_flow_positions)
{
    const char *src = "kind: model\n"
                      "name: User\n"
                      "fields:\n"
                      "  id: {type: uuid}\n"
                      "  tags: [a, 'b']\n";
    CHECK_INT(parse(src), 0);
    CHECK_INT(D.n, 0);
    CHECK_INT(F.ndocs, 1);
    CHECK_STR(F.path, "m.yaml");
    const mdc_ynode *r = root();
    CHECK(r && r->kind == MDC_Y_MAP && !r->flow);
    CHECK_AT(r, 1, 1);
    CHECK_INT(r->n, 3);
    const mdc_ynode *k;
    CHECK_STR(mdc_ymap_get(r, "kind", &k)->str, "model");
    CHECK_AT(k, 1, 1);
    CHECK_AT(get(r, "kind"), 1, 7);
    CHECK_AT(get(r, "name"), 2, 7);
    const mdc_ynode *fields = get(r, "fields");
    CHECK(fields && fields->kind == MDC_Y_MAP && !fields->flow);
    CHECK_AT(fields, 4, 3);
    const mdc_ynode *id = get(fields, "id");
    CHECK(id && id->kind == MDC_Y_MAP && id->flow);
    CHECK_AT(id, 4, 7);
    CHECK_INT(id->off, strstr(src, "{type") - src);
    CHECK_INT(id->end, strstr(src, "}") - src + 1);
    CHECK_AT(get(id, "type"), 4, 14);
    mdc_ymap_get(id, "type", &k);
    CHECK_AT(k, 4, 8);
    const mdc_ynode *tags = get(fields, "tags");
    CHECK(tags && tags->kind == MDC_Y_SEQ && tags->flow && tags->n == 2);
    CHECK_AT(tags, 5, 9);
    CHECK_AT(tags->items[0], 5, 10);
    CHECK_AT(tags->items[1], 5, 13); /* at the opening quote */
    CHECK_STR(tags->items[1]->str, "b");
    CHECK(tags->items[0]->plain && !tags->items[1]->plain);
    CHECK_INT(tags->items[1]->off, strstr(src, "'b'") - src);
    CHECK_INT(tags->items[1]->end, strstr(src, "'b'") - src + 3);
    /* A block collection ends with its last child, not at the next token. */
    CHECK_INT(r->end, strstr(src, "]") - src + 1);
    CHECK_INT(fields->end, r->end);
    CHECK(F.docs[0].loc.line == 1 && F.docs[0].loc.col == 1);
}

TEST(multibyte_columns_are_bytes)
{
    const char *src = "\"\xC3\xA9\": \xC3\xBC\n"                 /* "é": ü */
                      "x: [\xC3\xB1, \"\xE6\x97\xA5\xE6\x9C\xAC\", \xF0\x9F\x98\x80 z]\n"; /* ñ, "日本", 😀 z */
    CHECK_INT(parse(src), 0);
    const mdc_ynode *r = root(), *k;
    const mdc_ynode *v = mdc_ymap_get(r, "\xC3\xA9", &k);
    CHECK_AT(k, 1, 1);
    CHECK_AT(v, 1, 7);
    CHECK_STR(v->str, "\xC3\xBC");
    CHECK_INT(v->len, 2);
    CHECK_INT(v->off, 6);
    CHECK_INT(v->end, 8);
    const mdc_ynode *x = get(r, "x");
    CHECK(x && x->n == 3);
    CHECK_AT(x, 2, 4);
    CHECK_AT(x->items[0], 2, 5);
    CHECK_AT(x->items[1], 2, 9);
    CHECK_AT(x->items[2], 2, 19);
    CHECK_STR(x->items[2]->str, "\xF0\x9F\x98\x80 z");
}

TEST(crlf_and_lone_cr)
{
    CHECK_INT(parse("a: 1\r\nb:\r\n  - x\r\n  - \"y\"\r\n"), 0);
    const mdc_ynode *r = root();
    CHECK_AT(get(r, "a"), 1, 4);
    const mdc_ynode *b = get(r, "b");
    CHECK(b && b->kind == MDC_Y_SEQ && b->n == 2);
    CHECK_AT(b, 3, 3);
    CHECK_AT(b->items[0], 3, 5);
    CHECK_AT(b->items[1], 4, 5);
    CHECK_INT(b->items[1]->off, 21);

    CHECK_INT(parse("a: 1\rb: 2\r"), 0);
    CHECK_AT(get(root(), "b"), 2, 4);

    /* A multi-line scalar spanning CRLFs, then a node after it. */
    CHECK_INT(parse("a: \"x\r\n  y\"\r\nb: |\r\n  l1\r\n  l2\r\nc: 3\r\n"), 0);
    CHECK_STR(get(root(), "a")->str, "x y");
    CHECK_STR(get(root(), "b")->str, "l1\nl2\n");
    CHECK_AT(get(root(), "b"), 3, 4);
    CHECK_AT(get(root(), "c"), 6, 4);
}

TEST(bom_is_skipped)
{
    const char *src = "\xEF\xBB\xBF" "a: 1\nb: 2\n";
    CHECK_INT(parse(src), 0);
    const mdc_ynode *k;
    CHECK_AT(mdc_ymap_get(root(), "a", &k), 1, 4);
    CHECK_AT(k, 1, 1);
    CHECK_INT(k->off, 3); /* offsets are in the file, BOM included */
    CHECK_AT(get(root(), "b"), 2, 4);
}

TEST(documents)
{
    CHECK_INT(parse("a: 1\n---\nb: 2\n...\n---\n---\n# only a comment\n--- x\n"), 0);
    CHECK_INT(F.ndocs, 5);
    CHECK(F.docs[0].loc.line == 1 && F.docs[0].loc.col == 1);
    CHECK(F.docs[1].loc.line == 2 && F.docs[1].loc.col == 1);
    CHECK_AT(get(F.docs[1].root, "b"), 3, 4);
    CHECK(F.docs[2].root == NULL);
    CHECK_INT(F.docs[2].loc.line, 5);
    CHECK(F.docs[3].root == NULL);
    CHECK_INT(F.docs[3].loc.line, 6);
    CHECK(F.ndocs == 5 && F.docs[4].root && F.docs[4].root->kind == MDC_Y_SCALAR);
    CHECK_INT(parse("---\n--- x\n"), 0);
    CHECK_INT(F.ndocs, 2);
    CHECK(F.docs[0].root == NULL);
    CHECK_STR(F.docs[1].root->str, "x");
    CHECK_AT(F.docs[1].root, 2, 5);

    /* Nothing at all, or only comments: no documents. */
    CHECK_INT(parse(""), 0);
    CHECK_INT(F.ndocs, 0);
    CHECK_INT(parse("# hello\n\n"), 0);
    CHECK_INT(F.ndocs, 0);
    /* An explicit null root is a node, not an empty document. */
    CHECK_INT(parse("--- ~\n"), 0);
    CHECK(root() && mdc_yscalar_is_null(root()));
}

TEST(empty_values_point_at_their_key)
{
    CHECK_INT(parse("a:\nb: 1\nc:\n"), 0);
    const mdc_ynode *r = root();
    CHECK(mdc_yscalar_is_null(get(r, "a")));
    CHECK_AT(get(r, "a"), 1, 2); /* the colon, not the next line */
    CHECK_AT(get(r, "c"), 3, 2);
    CHECK(mdc_yscalar_is_null(get(r, "c")));
    /* Empty entries point at their dash, even with comments and blank lines between. */
    CHECK_INT(parse("l:\n-\n- # c\n\n-\nm: [x]\n"), 0);
    const mdc_ynode *l = get(root(), "l");
    CHECK(l && l->kind == MDC_Y_SEQ && l->n == 3);
    CHECK_AT(l->items[0], 2, 1);
    CHECK_AT(l->items[1], 3, 1);
    CHECK_AT(l->items[2], 5, 1);
    CHECK_INT(parse("{a: , b}\n"), 0);
    CHECK_AT(get(root(), "a"), 1, 3);
    CHECK(mdc_yscalar_is_null(get(root(), "b")));
}

/* ------------------------------------------------------------------ diagnostics */

TEST(syntax_error)
{
    CHECK_INT(parse("a: 1\nkey: value: other\n"), 1);
    CHECK_DIAG("YAML_SYNTAX", 0, 2, 11);
    CHECK(strstr(D.v[0]->message, "mapping values are not allowed") != NULL);
    CHECK_INT(F.ndocs, 0); /* the broken document is dropped */

    /* Documents before the error are kept. */
    CHECK_INT(parse("a: 1\n---\nb: 2\n---\nc: [1, 2\nd: 3\n"), 1);
    CHECK_INT(F.ndocs, 2);
    CHECK(find_diag("YAML_SYNTAX", 0) != NULL);
    CHECK_INT(find_diag("YAML_SYNTAX", 0)->line, 6);

    /* Context from libyaml goes into the message and a note with its position. */
    CHECK_INT(parse("a:\n  b: 1\n c: 2\n"), 1);
    const mdc_diag *d = find_diag("YAML_SYNTAX", 0);
    CHECK(d && strstr(d->message, "while parsing a block mapping") != NULL);
    CHECK(d && d->nnotes == 1 && strstr(d->notes[0], "m.yaml:1:1") != NULL);
    CHECK_DIAG("YAML_SYNTAX", 0, 3, 2);

    /* The same with lone-CR and CRLF line ends (the note's position is found going back). */
    CHECK_INT(parse("x: 0\ra:\r  b: 1\r c: 2\r"), 1);
    CHECK_DIAG("YAML_SYNTAX", 0, 4, 2);
    d = find_diag("YAML_SYNTAX", 0);
    CHECK(d && d->nnotes == 1 && strstr(d->notes[0], "m.yaml:1:1") != NULL);
    CHECK_INT(parse("x: 0\r\n\r\na:\r\n  b: 1\r\n c: 2\r\n"), 1);
    CHECK_DIAG("YAML_SYNTAX", 0, 5, 2);

    /* Multi-byte text before the error on the same line: byte column. */
    CHECK_INT(parse("\xC3\xA9\xC3\xA9: x: y\n"), 1);
    CHECK_DIAG("YAML_SYNTAX", 0, 1, 8);

    /* A control character libyaml refuses is reported at its byte. */
    CHECK_INT(parse("a: b\nc: \xC3\xA9\x01\n"), 1);
    CHECK_DIAG("YAML_SYNTAX", 0, 2, 6);
}

TEST(anchors_and_aliases)
{
    CHECK_INT(parse("a: &x 1\nb: *x\nc: &y [1]\n"), 3);
    CHECK_INT(count_diags("YAML_ALIAS"), 3);
    CHECK_DIAG("YAML_ALIAS", 0, 1, 4);
    CHECK(strstr(find_diag("YAML_ALIAS", 0)->message, "&x") != NULL);
    CHECK_DIAG("YAML_ALIAS", 1, 2, 4);
    CHECK(strstr(find_diag("YAML_ALIAS", 1)->message, "*x") != NULL);
    CHECK_DIAG("YAML_ALIAS", 2, 3, 4);
    /* the tree keeps its shape; the alias is a null placeholder */
    CHECK_INT(F.ndocs, 1);
    CHECK_INT(root()->n, 3);
    CHECK(mdc_yscalar_is_null(get(root(), "b")));
}

TEST(tags)
{
    CHECK_INT(parse("a: !!str 1\nb: !foo x\nc: !!map {}\nd: ! x\n"), 4);
    CHECK_INT(count_diags("YAML_TAG"), 4);
    CHECK_DIAG("YAML_TAG", 0, 1, 4);
    CHECK(strstr(find_diag("YAML_TAG", 0)->message, "!!str") != NULL);
    CHECK_DIAG("YAML_TAG", 1, 2, 4);
    CHECK(strstr(find_diag("YAML_TAG", 1)->message, "!foo") != NULL);
    CHECK_DIAG("YAML_TAG", 2, 3, 4);
    CHECK_DIAG("YAML_TAG", 3, 4, 4);
    /* Quoted values and %YAML directives are not tags. */
    CHECK_INT(parse("%YAML 1.2\n---\na: \"1\"\n"), 0);
}

TEST(duplicate_keys)
{
    CHECK_INT(parse("a: 1\nb:\n  x: 1\n  'x': 2\na: 3\n"), 2);
    CHECK_INT(count_diags("YAML_DUPLICATE_KEY"), 2);
    /* order of discovery: inner mapping first */
    CHECK_DIAG("YAML_DUPLICATE_KEY", 0, 4, 3);
    CHECK_DIAG("YAML_DUPLICATE_KEY", 1, 5, 1);
    const mdc_diag *d = find_diag("YAML_DUPLICATE_KEY", 1);
    CHECK(d && strstr(d->message, "`a`") != NULL);
    CHECK(d && d->nnotes == 1);
    if (d && d->nnotes) CHECK_STR(d->notes[0], "first defined here: m.yaml:1:1");
    d = find_diag("YAML_DUPLICATE_KEY", 0);
    if (d && d->nnotes) CHECK_STR(d->notes[0], "first defined here: m.yaml:3:3");
    CHECK_INT(F.ndocs, 1); /* the document is kept for later checks */

    /* Keys compare by decoded text: "a" and a are the same key; 1 and "01" are not. */
    CHECK_INT(parse("{\"\\x61\": 1, a: 2, 1: x, \"01\": y}"), 1);
    CHECK_DIAG("YAML_DUPLICATE_KEY", 0, 1, 13);

    /* A big mapping (sorted path): three copies of one key, one of another. */
    char big[8192];
    size_t len = 0;
    for (int i = 0; i < 200; i++) len += (size_t)sprintf(big + len, "k%d: %d\n", i, i);
    len += (size_t)sprintf(big + len, "k50: again\nk7: x\nk50: third\n");
    CHECK_INT(parse_n(big, len), 3);
    CHECK_INT(count_diags("YAML_DUPLICATE_KEY"), 3);
    for (size_t i = 0; i < 3; i++) {
        d = find_diag("YAML_DUPLICATE_KEY", i);
        if (!d || !d->nnotes) continue;
        CHECK(d->line >= 201 && d->col == 1);
        if (strstr(d->message, "`k50`"))
            CHECK_STR(d->notes[0], "first defined here: m.yaml:51:1");
        else
            CHECK_STR(d->notes[0], "first defined here: m.yaml:8:1");
    }
}

/* A copy of yaml.c's key hash, to build keys that all land in one bucket. */
static uint64_t key_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return h ^ (h >> 29);
}

TEST(duplicate_keys_crafted_collisions)
{
    /* 1500 keys whose hashes agree in the low 12 bits (the table has 4096 slots): the
     * hash table would probe ~n^2/2 times; the parser must switch to sorting and still
     * report exactly the duplicates. */
    size_t nkeys = 1500, len = 0;
    char *src = malloc(nkeys * 32 + 64), key[32];
    uint64_t want = key_hash("c0") & 4095;
    for (unsigned i = 0, found = 0; found < nkeys; i++) {
        snprintf(key, sizeof key, "c%u", i);
        if ((key_hash(key) & 4095) != want) continue;
        len += (size_t)sprintf(src + len, "%s: %u\n", key, found++);
    }
    len += (size_t)sprintf(src + len, "c0: dup\n");
    clock_t t0 = clock();
    CHECK_INT(parse_n(src, len), 1);
    CHECK((double)(clock() - t0) / CLOCKS_PER_SEC < 0.5);
    CHECK_DIAG("YAML_DUPLICATE_KEY", 0, (unsigned)nkeys + 1, 1);
    const mdc_diag *d = find_diag("YAML_DUPLICATE_KEY", 0);
    if (d && d->nnotes) CHECK_STR(d->notes[0], "first defined here: m.yaml:1:1");
    free(src);
}

TEST(non_scalar_keys)
{
    CHECK_INT(parse("? [a]\n: 1\nb: 2\n"), 1);
    CHECK_DIAG("YAML_SYNTAX", 0, 1, 3);
    CHECK(strstr(D.v[0]->message, "mapping keys must be plain scalars") != NULL);
    CHECK_INT(root()->n, 1); /* the pair is dropped: every key left is a scalar */
    CHECK_STR(root()->items[0]->str, "b");

    CHECK_INT(parse("{[a]: 1, {b: c}: {d: e}, f: g}"), 2);
    CHECK_DIAG("YAML_SYNTAX", 0, 1, 2);
    CHECK_DIAG("YAML_SYNTAX", 1, 1, 10);
    CHECK_INT(root()->n, 1);
    CHECK_STR(get(root(), "f")->str, "g");
}

TEST(file_too_large)
{
    size_t len = MDC_MAX_FILE + 1;
    char *s = malloc(len);
    memset(s, ' ', len);
    CHECK_INT(parse_n(s, len), 1);
    CHECK_DIAG("FILE_TOO_LARGE", 0, 1, 1);
    CHECK_INT(F.ndocs, 0);
    CHECK_STR(F.path, "m.yaml");
    free(s);
}

TEST(not_utf8)
{
    static const struct {
        const char *s;
        size_t len;
        unsigned line, col, off;
    } cases[] = {
        {"a: b\nc: \xC3\x28\n", 12, 2, 4, 8},          /* bad continuation */
        {"a: \xC0\xAF\n", 6, 1, 4, 3},                /* overlong 2-byte */
        {"a: \xE0\x80\xAF\n", 7, 1, 4, 3},            /* overlong 3-byte */
        {"a: \xF0\x80\x80\xAF\n", 8, 1, 4, 3},        /* overlong 4-byte */
        {"a: \xED\xA0\x80\n", 7, 1, 4, 3},            /* surrogate U+D800 */
        {"a: \xF4\x90\x80\x80\n", 8, 1, 4, 3},        /* U+110000 */
        {"a: \xF5\x80\x80\x80\n", 8, 1, 4, 3},        /* F5 lead */
        {"a: \x80\n", 5, 1, 4, 3},                    /* lone continuation */
        {"a: x\xE2\x82", 6, 1, 5, 4},                 /* truncated at the end */
        {"a: b\0c", 6, 1, 5, 4},                      /* NUL */
        {"a: 1\r\n\xC3\xA9\xC3\xA9 \xFF", 12, 2, 6, 11}, /* after CRLF and multi-byte */
        {"\xEF\xBB\xBFx: \xFF", 7, 1, 4, 6},          /* after a BOM */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK_INT(parse_n(cases[i].s, cases[i].len), 1);
        CHECK_INT(D.n, 1);
        CHECK_DIAG("NOT_UTF8", 0, cases[i].line, cases[i].col);
        char want[64];
        snprintf(want, sizeof want, "byte offset %u", cases[i].off);
        const mdc_diag *d = find_diag("NOT_UTF8", 0);
        if (d && !strstr(d->message, want)) {
            fprintf(stderr, "case %zu: message `%s` lacks `%s`\n", i, d->message, want);
            CHECK(0);
        }
        CHECK_INT(F.ndocs, 0);
    }
    /* A NUL made by an escape is rejected too, at the scalar; the value stops before it. */
    CHECK_INT(parse("a: \"x\\0y\"\nb: [\"\\x00\", \"\\u0000\"]\n"), 3);
    CHECK_INT(count_diags("NOT_UTF8"), 3);
    CHECK_DIAG("NOT_UTF8", 0, 1, 4);
    CHECK_STR(get(root(), "a")->str, "x");
    CHECK_INT(get(root(), "a")->len, 1);
    CHECK_INT(get(root(), "b")->items[1]->len, 0);
    /* Valid edges: U+07FF, U+FFFD, U+10FFFF, U+E000. */
    CHECK_INT(parse("a: \"\xDF\xBF \xEF\xBF\xBD \xF4\x8F\xBF\xBF \xEE\x80\x80\"\n"), 0);
    CHECK_INT(get(root(), "a")->len, 2 + 1 + 3 + 1 + 4 + 1 + 3);
}

static size_t nested(char *buf, int depth, const char *open, const char *close)
{
    size_t n = 0;
    for (int i = 0; i < depth; i++) n += (size_t)sprintf(buf + n, "%s", open);
    n += (size_t)sprintf(buf + n, "x");
    for (int i = 0; i < depth; i++) n += (size_t)sprintf(buf + n, "%s", close);
    return n;
}

TEST(depth_limit)
{
    char buf[4096];
    size_t n = nested(buf, MDC_MAX_DEPTH, "[", "]");
    CHECK_INT(parse_n(buf, n), 0);
    CHECK_INT(F.ndocs, 1);
    n = nested(buf, MDC_MAX_DEPTH + 1, "[", "]");
    CHECK_INT(parse_n(buf, n), 1);
    CHECK_DIAG("YAML_TOO_DEEP", 0, 1, 65);
    CHECK_INT(F.ndocs, 0);

    /* Block style, and documents before the deep one are kept. */
    n = (size_t)sprintf(buf, "a: 1\n---\n");
    for (int i = 0; i < MDC_MAX_DEPTH + 1; i++) n += (size_t)sprintf(buf + n, "- ");
    n += (size_t)sprintf(buf + n, "x\n");
    CHECK_INT(parse_n(buf, n), 1);
    CHECK_DIAG("YAML_TOO_DEEP", 0, 3, 129);
    CHECK_INT(F.ndocs, 1);
    CHECK_INT(count_diags("YAML_TOO_DEEP"), 1);

    n = nested(buf, MDC_MAX_DEPTH, "{a: ", "}");
    CHECK_INT(parse_n(buf, n), 0);
}

TEST(million_deep_is_fast)
{
    size_t depth = 1000000;
    char *s = malloc(2 * depth + 1);
    memset(s, '[', depth);
    memset(s + depth, ']', depth);
    clock_t t0 = clock();
    CHECK_INT(parse_n(s, 2 * depth), 1);
    CHECK_INT(count_diags("YAML_TOO_DEEP"), 1);
    /* block nesting, one line per level */
    size_t len = 0;
    char *b = malloc(depth * 4);
    for (size_t i = 0; i < 100000; i++) {
        memcpy(b + len, "- ", 2);
        len += 2;
    }
    CHECK_INT(parse_n(b, len), 1);
    CHECK_INT(count_diags("YAML_TOO_DEEP"), 1);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    CHECK(secs < 1.0);
    free(s);
    free(b);
}

TEST(too_many_documents)
{
    size_t ndocs = MDC_MAX_DOCS + 5;
    char *s = malloc(ndocs * 6 + 1);
    size_t len = 0;
    for (size_t i = 0; i < ndocs; i++) {
        memcpy(s + len, "--- 1\n", 6);
        len += 6;
    }
    CHECK_INT(parse_n(s, len), 1);
    CHECK_DIAG("TOO_MANY_DOCUMENTS", 0, MDC_MAX_DOCS + 1, 1);
    CHECK_INT(F.ndocs, MDC_MAX_DOCS);
    free(s);
    /* exactly the limit is fine */
    s = malloc(MDC_MAX_DOCS * 4);
    for (size_t i = 0; i < MDC_MAX_DOCS; i++) memcpy(s + 4 * i, "---\n", 4);
    CHECK_INT(parse_n(s, MDC_MAX_DOCS * 4), 0);
    CHECK_INT(F.ndocs, MDC_MAX_DOCS);
    free(s);
}

TEST(all_problems_in_one_run)
{
    CHECK_INT(parse("a: &x 1\nb: !!int 2\nc:\n  d: 1\n  d: 2\ne: 1\ne: 2\n"), 4);
    CHECK_INT(count_diags("YAML_ALIAS"), 1);
    CHECK_INT(count_diags("YAML_TAG"), 1);
    CHECK_INT(count_diags("YAML_DUPLICATE_KEY"), 2);
}

/* Every plain one-line scalar's span must hold its text, and its line:col must be what a
 * naive count over the bytes gives (breaks: \n, \r\n, lone \r). */
static void check_spans(const mdc_ynode *n, const char *src, size_t base, int *bad)
{
    if (!n) return;
    if (n->kind == MDC_Y_SCALAR) {
        uint32_t line = 1, col = 1;
        for (size_t i = base; i < n->off; i++) {
            if (src[i] == '\n' || (src[i] == '\r' && src[i + 1] != '\n')) {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        if (n->loc.line != line || n->loc.col != col) (*bad)++;
        if (n->plain && n->len && (n->end - n->off != n->len || memcmp(src + n->off, n->str, n->len)))
            (*bad)++;
        return;
    }
    size_t count = n->kind == MDC_Y_MAP ? 2 * n->n : n->n;
    for (size_t i = 0; i < count; i++) check_spans(n->items[i], src, base, bad);
}

TEST(positions_match_a_naive_count)
{
    /* Mixed ASCII and multi-byte text, LF, CRLF and lone CR, long ASCII runs (the 8-byte
     * fast paths), block and flow. */
    static const char *words[] = {"a", "\xC3\xA9t\xC3\xA9", "longasciiwordnumberone", "\xE6\x97\xA5",
                                  "\xF0\x9F\x98\x80x", "k_12345678901234567890", "z"};
    static const char *breaks[] = {"\n", "\r\n", "\r"};
    for (int variant = 0; variant < 4; variant++) {
        size_t cap = 1 << 16, len = 0;
        char *src = malloc(cap);
        size_t base = 0;
        if (variant == 3) {
            memcpy(src, "\xEF\xBB\xBF", 3);
            len = base = 3;
        }
        uint32_t seed = 7u + (uint32_t)variant;
        for (int i = 0; i < 600; i++) {
            seed = seed * 1103515245u + 12345u;
            const char *w1 = words[(seed >> 8) % 7], *w2 = words[(seed >> 12) % 7];
            const char *br = variant == 0 ? "\n" : breaks[(seed >> 16) % 3];
            if (i % 5 == 4)
                len += (size_t)snprintf(src + len, cap - len, "%s%d: [%s, %s, {%s: %s}]%s", w1, i,
                                        w2, w1, w2, w1, br);
            else if (i % 5 == 3)
                len += (size_t)snprintf(src + len, cap - len, "%s%d:%s  - %s # c %s%s  - %s%s",
                                        w1, i, br, w2, w1, br, w1, br);
            else
                len += (size_t)snprintf(src + len, cap - len, "%s%d: %s %s%s", w2, i, w1, w2, br);
        }
        CHECK_INT(parse_n(src, len), 0);
        CHECK_INT(F.ndocs, 1);
        int bad = 0;
        check_spans(root(), src, base, &bad);
        CHECK_INT(bad, 0);
        CHECK(root() && root()->n == 600);
        free(src);
    }
}

/* ------------------------------------------------------------------ bad bytes */

TEST(truncated_and_garbage_do_not_crash)
{
    const char *src = "kind: model\nname: \"Us\\u00e9r\"\nfields:\n  id: {type: uuid, "
                      "primary_key: true}\n  tags: [a, [b, {c: d}]]\n  t: |\n    text\n"
                      "---\n- &a x\n- *a\n- !!str y\n? [k]\n: v\n";
    size_t len = strlen(src);
    for (size_t i = 0; i <= len; i++) {
        parse_n(src, i);
        for (size_t d = 0; d < F.ndocs; d++) (void)mdc_ynode_describe(F.docs[d].root);
    }
    /* Random bytes from a fixed seed, biased towards YAML punctuation. */
    static const char alphabet[] = "[]{}:,-?&*!|>'\"#% \n\r\tab\xC3\xA9\xEF\xBB\xBF\\0.~";
    uint32_t seed = 12345;
    char buf[256];
    for (int round = 0; round < 3000; round++) {
        size_t n = (size_t)(round % 200);
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            buf[i] = round % 3 == 0 ? (char)(seed >> 16)
                                    : alphabet[(seed >> 16) % (sizeof alphabet - 1)];
        }
        parse_n(buf, n);
        CHECK(D.errors == 0 || F.ndocs <= D.n + 200);
    }
    CHECK(1);
}

/* ------------------------------------------------------------------ core schema */

/* Type a plain scalar given as text. */
static mdc_ynode scalar(const char *s, bool plain)
{
    mdc_ynode n;
    memset(&n, 0, sizeof n);
    n.kind = MDC_Y_SCALAR;
    n.str = s;
    n.len = strlen(s);
    n.plain = plain;
    return n;
}

TEST(core_schema_table)
{
    static const struct {
        const char *text;
        const char *describe;
    } table[] = {
        {"", "null"},           {"~", "null"},          {"null", "null"},
        {"Null", "null"},       {"NULL", "null"},       {"nULL", "a string"},
        {"true", "a boolean"},  {"True", "a boolean"},  {"TRUE", "a boolean"},
        {"false", "a boolean"}, {"False", "a boolean"}, {"FALSE", "a boolean"},
        {"tRUE", "a string"},   {"yes", "a string"},    {"no", "a string"},
        {"on", "a string"},     {"off", "a string"},    {"y", "a string"},
        {"0", "a number"},      {"-12", "a number"},    {"+7", "a number"},
        {"010", "a number"},    {"0o17", "a number"},   {"0x1F", "a number"},
        {"0xG", "a string"},    {"0o8", "a string"},    {"1e3", "a number"},
        {"1.5", "a number"},    {".5", "a number"},     {"1.", "a number"},
        {"-1.5e-3", "a number"}, {"1E+3", "a number"},  {".", "a string"},
        {"1e", "a string"},     {"e3", "a string"},     {".inf", "a number"},
        {"-.Inf", "a number"},  {"+.INF", "a number"},  {".nan", "a number"},
        {".NaN", "a number"},   {"-.nan", "a string"},  {"1_000", "a string"},
        {"0b101", "a string"},  {"12:30", "a string"},  {"- 1", "a string"},
        {"1.2.3", "a string"},  {"0x", "a string"},     {"+", "a string"},
        {"99999999999999999999", "a number"},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        mdc_ynode n = scalar(table[i].text, true);
        const char *got = mdc_ynode_describe(&n);
        if (strcmp(got, table[i].describe) != 0) {
            fprintf(stderr, "core schema: `%s` is %s, want %s\n", table[i].text, got,
                    table[i].describe);
            CHECK(0);
        }
        CHECK(mdc_yscalar_is_string(&n) == (strcmp(table[i].describe, "a string") == 0));
        /* Quoted, everything is a string. */
        n.plain = false;
        CHECK_STR(mdc_ynode_describe(&n), "a string");
        CHECK(mdc_yscalar_is_string(&n));
        CHECK(!mdc_yscalar_is_null(&n) && !mdc_yscalar_is_number(&n));
    }
}

TEST(core_schema_values)
{
    int64_t i;
    double d;
    bool b;
    mdc_ynode n = scalar("0x1F", true);
    CHECK(mdc_yscalar_int(&n, &i) && i == 31);
    CHECK(mdc_yscalar_float(&n, &d) && d == 31.0);
    n = scalar("010", true);
    CHECK(mdc_yscalar_int(&n, &i) && i == 10);
    n = scalar("0o17", true);
    CHECK(mdc_yscalar_int(&n, &i) && i == 15);
    n = scalar("-9223372036854775808", true);
    CHECK(mdc_yscalar_int(&n, &i) && i == INT64_MIN);
    n = scalar("9223372036854775807", true);
    CHECK(mdc_yscalar_int(&n, &i) && i == INT64_MAX);
    n = scalar("9223372036854775808", true);
    CHECK(!mdc_yscalar_int(&n, &i));
    CHECK(mdc_yscalar_is_number(&n));
    CHECK(mdc_yscalar_float(&n, &d) && d == 9223372036854775808.0);
    n = scalar("-9223372036854775809", true);
    CHECK(!mdc_yscalar_int(&n, &i));
    n = scalar("0xFFFFFFFFFFFFFFFF", true);
    CHECK(!mdc_yscalar_int(&n, &i));
    n = scalar("0x7FFFFFFFFFFFFFFF", true);
    CHECK(mdc_yscalar_int(&n, &i) && i == INT64_MAX);
    n = scalar("1e3", true);
    CHECK(!mdc_yscalar_int(&n, &i));
    CHECK(mdc_yscalar_float(&n, &d) && d == 1000.0);
    n = scalar("-.5", true);
    CHECK(mdc_yscalar_float(&n, &d) && d == -0.5);
    n = scalar("2.", true);
    CHECK(mdc_yscalar_float(&n, &d) && d == 2.0);
    n = scalar(".inf", true);
    CHECK(!mdc_yscalar_float(&n, &d));
    n = scalar(".nan", true);
    CHECK(!mdc_yscalar_float(&n, &d));
    n = scalar("1e999", true);
    CHECK(mdc_yscalar_is_number(&n));
    CHECK(!mdc_yscalar_float(&n, &d));
    n = scalar("1.5", false);
    CHECK(!mdc_yscalar_float(&n, &d) && !mdc_yscalar_int(&n, &i));
    n = scalar("true", true);
    CHECK(mdc_yscalar_bool(&n, &b) && b);
    n = scalar("FALSE", true);
    CHECK(mdc_yscalar_bool(&n, &b) && !b);
    n = scalar("true", false);
    CHECK(!mdc_yscalar_bool(&n, &b));
    n = scalar("yes", true);
    CHECK(!mdc_yscalar_bool(&n, &b));

    /* From a real parse: quoted "true" is a string, on is a string. */
    CHECK_INT(parse("a: \"true\"\nb: on\nc: true\nd: 'null'\ne: |\n  1\n"), 0);
    CHECK_STR(mdc_ynode_describe(get(root(), "a")), "a string");
    CHECK_STR(mdc_ynode_describe(get(root(), "b")), "a string");
    CHECK_STR(mdc_ynode_describe(get(root(), "c")), "a boolean");
    CHECK_STR(mdc_ynode_describe(get(root(), "d")), "a string");
    CHECK_STR(mdc_ynode_describe(get(root(), "e")), "a string");
    CHECK_STR(mdc_ynode_describe(root()), "a mapping");
    CHECK_INT(parse("[1]"), 0);
    CHECK_STR(mdc_ynode_describe(root()), "a sequence");
    CHECK(!mdc_yscalar_is_string(root()));
}

TEST(map_get)
{
    CHECK_INT(parse("a: 1\nb: [x]\n"), 0);
    const mdc_ynode *k = (const mdc_ynode *)1;
    CHECK(mdc_ymap_get(root(), "zz", &k) == NULL && k == NULL);
    CHECK(mdc_ymap_get(get(root(), "b"), "x", NULL) == NULL); /* not a mapping */
    CHECK(mdc_ymap_get(NULL, "a", NULL) == NULL);
    CHECK(get(root(), "b")->kind == MDC_Y_SEQ);
}

TEST(separate_string_arena)
{
    /* mdc_yaml_parse2: strings and the path outlive the tree's arena. */
    mdc_arena *strings = mdc_arena_new(), *tree = mdc_arena_new();
    mdc_diags d;
    mdc_diags_init(&d, strings);
    mdc_yfile f;
    const char *src = "name: User\nlist: [a, \"b c\"]\nx: 1\nx: 2\n";
    CHECK_INT(mdc_yaml_parse2(strings, tree, "p.yaml", src, strlen(src), &d, &f), 1);
    const mdc_ynode *k;
    const char *name = mdc_ymap_get(f.docs[0].root, "name", &k)->str;
    const char *bc = mdc_ymap_get(f.docs[0].root, "list", NULL)->items[1]->str;
    const char *path = k->loc.path;
    mdc_arena_reset(tree);
    CHECK_STR(name, "User");
    CHECK_STR(bc, "b c");
    CHECK_STR(path, "p.yaml");
    CHECK(d.n == 1 && strcmp(d.v[0]->path, "p.yaml") == 0);
    /* the same tree arena can take the next file */
    CHECK_INT(mdc_yaml_parse2(strings, tree, "q.yaml", "a: 1\n", 5, &d, &f), 0);
    CHECK_STR(mdc_ymap_get(f.docs[0].root, "a", NULL)->str, "1");
    mdc_arena_free(tree);
    CHECK_STR(name, "User");
    mdc_diags_release(&d);
    mdc_arena_free(strings);
}

/* ---- the fast reader against libyaml (yaml_fast.c) ---- */

/* rc of yaml_same: 1 = the fast reader was used and built what libyaml builds. */
static int same(const char *s, size_t len)
{
    char why[700];
    int rc = yaml_same(s, len, why, sizeof why);
    if (rc < 0) fprintf(stderr, "  readers differ on [%.60s]: %s\n", s, why);
    return rc;
}

TEST(fast_reader_builds_what_libyaml_builds)
{
    static const char *const in[] = {
        "a: 1\n", "a: 1", "a:\n  b: 2\n  c: [1, 2]\n", "a:\n- x\n- y\nb: 1\n",
        "- a\n- b: 1\n  c: 2\n- {x: 1}\n", "a: 'it''s'\n", "a: \"q\\\"x\\n\\t\\\\\\/\\r\"\n",
        "a: b # c\n", "# top\na: 1 # x\n\n    # indented comment\nb:\n", "a:\n", "a:\nb:\n",
        "a:   # only a comment\nb: 2\n", "-\n- x\n-\n", "- \n", "a: {}\nb: []\nc: [ ]\n",
        "\xEF\xBB\xBF" "a: 1\n", "a: h\xC3\xA9llo w\xE4\xB8\xAD\n", "k: http://x.y/z?q=1#frag\n",
        "a: -1\nb: -x\nc: -.5\n", "a: b:c\n", "dup: 1\ndup: 2\n", "a:\n  - b:\n    - c\n",
        "  a: 1\n  b: 2\n", "a: [x, 'y', \"z\", {k: v, \"q\": [1]}]\n", "a: x  \n", "a : 1\n",
        "a: b#c\n", "a: x, y [z] {w}\n", "'q k': 1\n\"d k\": 2\n", "a:\n    - 1\n    - 2\n",
        "- a: 1\n  b:\n  - 2\n- c\n", "a: {b: {c: {d: [e, [f]]}}}\n", "x: ~\ny: null\nz: true\n",
        "a: \"\"\nb: ''\n", "a: 1\n\n\n", "a: 1\n# end", "-   a: 1\n    b: 2\n",
        "fields:\n  id: {type: uuid, primary_key: true}\n  name:\n    type: string\n",
    };
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
        int rc = same(in[i], strlen(in[i]));
        if (rc != 1) fprintf(stderr, "  case %zu: rc %d\n", i, rc);
        CHECK(rc == 1);
    }
    /* duplicates in a big mapping (the hashed check) */
    char big[2048] = "";
    for (int i = 0; i < 40; i++) snprintf(big + strlen(big), sizeof big - strlen(big), "k%d: %d\n", i % 30, i);
    CHECK(same(big, strlen(big)) == 1);
}

TEST(fast_reader_declines_the_rest)
{
    /* each is left to libyaml (rc 0), and the result is libyaml's */
    static const char *const in[] = {
        "a: |\n  x\n", "a: >\n x\n", "---\na: 1\n", "a: 1\n---\nb: 2\n", "a: 1\n...\n",
        "a: &x 1\nb: *x\n", "a: !!str 1\n", "a: b\n  c\n", "a:\tb\n", "a: [1,\n 2]\n",
        "a: [1, 2,]\n", "? a\n: b\n", "[1, 2]\n", "{a: 1}\n", "x\n", "", "# only\n", "\n\n",
        "a: \"\\x41\"\n", "a: \"\\u00e9\"\n", "a: \"\\0\"\n", "a: 'x\n  y'\n", "a: b: c\n",
        "a:\n  b: 1\n c: 2\n", "- - x\n", "a: \xF0\x9F\x98\x80\n", "a: \xE2\x80\xA8\n",
        "a: \xC2\x85\n", "a: x\xEF\xBB\xBFy\n", "%YAML 1.2\n---\na: 1\n", "a: {b}\n", "a: [b: c]\n",
        "{a: 1}: 2\n", "a: 1\n- b\n", "a: \x01\n", "a: @x\n", "a: `x\n", "a: 1\r\nb: 2\r\n",
        "a:\n  x\n", "a:\n  [1]\n", "a: \"x\" y\n", "a: \"x\"#c\n", "a: {b: 1,}\n", "a: {b:1}\n",
        "a: [x:y]\n", "- a\nb: 1\n", "a: 1\n  b: 2\n", "a: {b: 1 # c\n}\n", "-x: 1\n- y\n",
        "\ta: 1\n", "a: x\x7F\n", "\"a\":b\n", "a: 1\n{x: 1, x: 2}: 3\n", "a: 1\n[x]: 2\n",
    };
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
        int rc = same(in[i], strlen(in[i]));
        if (rc != 0) fprintf(stderr, "  case %zu: rc %d\n", i, rc);
        CHECK(rc == 0);
    }
    char key[1200];
    memset(key, 'k', 1100);
    memcpy(key + 1100, ": 1\n", 5);
    CHECK(same(key, strlen(key)) == 0);
    char deep[4096] = "";
    for (int i = 0; i < MDC_MAX_DEPTH + 2; i++) strcat(deep, "[");
    CHECK(same(deep, strlen(deep)) == 0);
}

/* Every YAML file under dir (recursively) must read the same both ways; counts them. */
static void same_under(const char *dir, int *fast, int *declined)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path, &st) != 0) continue;
        if (S_ISDIR(st.st_mode)) {
            same_under(path, fast, declined);
            continue;
        }
        size_t n = strlen(e->d_name);
        if (n < 5 || (strcmp(e->d_name + n - 5, ".yaml") != 0 && strcmp(e->d_name + n - 4, ".yml") != 0))
            continue;
        FILE *f = fopen(path, "rb");
        if (!f) continue;
        char *buf = malloc((size_t)st.st_size + 1);
        size_t len = fread(buf, 1, (size_t)st.st_size, f);
        fclose(f);
        char why[700];
        int rc = yaml_same(buf, len, why, sizeof why);
        if (rc < 0) fprintf(stderr, "  %s: %s\n", path, why);
        CHECK(rc >= 0);
        if (rc == 1) ++*fast;
        if (rc == 0) ++*declined;
        free(buf);
    }
    closedir(d);
}

TEST(fast_reader_on_every_yaml_file_of_the_repository)
{
    int fast = 0, declined = 0;
    same_under("cases", &fast, &declined);
    same_under("diff-cases", &fast, &declined);
    same_under("migrate", &fast, &declined);
    same_under("../examples", &fast, &declined);
    same_under("../fuzz/corpus", &fast, &declined);
    fprintf(stderr, "  %d files read by the fast reader, %d left to libyaml\n", fast, declined);
    CHECK(fast > 50);
}

int main(void)
{
    RUN(fast_reader_builds_what_libyaml_builds);
    RUN(fast_reader_declines_the_rest);
    RUN(fast_reader_on_every_yaml_file_of_the_repository);
    RUN(block_and_flow_positions);
    RUN(multibyte_columns_are_bytes);
    RUN(crlf_and_lone_cr);
    RUN(bom_is_skipped);
    RUN(documents);
    RUN(empty_values_point_at_their_key);
    RUN(syntax_error);
    RUN(anchors_and_aliases);
    RUN(tags);
    RUN(duplicate_keys);
    RUN(duplicate_keys_crafted_collisions);
    RUN(non_scalar_keys);
    RUN(file_too_large);
    RUN(not_utf8);
    RUN(depth_limit);
    RUN(million_deep_is_fast);
    RUN(too_many_documents);
    RUN(all_problems_in_one_run);
    RUN(positions_match_a_naive_count);
    RUN(truncated_and_garbage_do_not_crash);
    RUN(core_schema_table);
    RUN(core_schema_values);
    RUN(map_get);
    RUN(separate_string_arena);
    if (A) {
        mdc_diags_release(&D);
        mdc_arena_free(A);
    }
    DONE();
}
