/*
 * load_doc.c - one `kind: ...` document -> mdc_doc: the dispatch on `kind`, the parts
 * every kind shares (name, version, description), and two helpers of load.h that the
 * loaders and later stages share: the default table name of a model (SPEC 3.1, the
 * DataFlow convention) and semantic-version parsing.
 *
 * The body of each kind is read by load_model.c (model) and load_meta.c (source,
 * entity, contract).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "load.h"
#include "load_util.h"

/* ------------------------------------------------------------------ the document */

static const char *const kind_names[] = {"contract", "entity", "model", "source"};

/* The name rule of each kind, indexed by mdc_kind. */
static const mdc_name_rule kind_name_rule[] = {
    [MDC_KIND_CONTRACT] = MDC_NAME_PROJECT, /* ^[a-z][a-z0-9_-]{0,62}$ */
    [MDC_KIND_ENTITY] = MDC_NAME_MODEL,
    [MDC_KIND_MODEL] = MDC_NAME_MODEL,
    [MDC_KIND_SOURCE] = MDC_NAME_SOURCE,
};

/* kind := model | source | entity | contract     (a string, required) */
static int read_kind(const mdc_lctx *c, const mdc_ynode *root)
{
    const mdc_ynode *n = mdc_lrequire(c, root, "kind", "the document");
    if (!n) return -1;
    const char *s = mdc_lstring(c, n, "`kind`");
    if (!s) return -1;
    for (int i = 0; i < 4; i++)
        if (strcmp(s, kind_names[i]) == 0) return i;
    mdc_diag *dg = mdc_lerr(c, "UNKNOWN_KIND", n,
                            "unknown kind `%s`; expected model, source, entity or contract", s);
    mdc_lsuggest(c, dg, s, kind_names, 4);
    return -1;
}

/* The keys every kind has: name (required), version, description. */
static bool read_common(const mdc_lctx *c, mdc_doc *doc, const mdc_ynode *root)
{
    const char *kind = mdc_kind_name(doc->kind);
    const mdc_ynode *n = mdc_lrequire(c, root, "name", mdc_printf(c->a, "%s document", kind));
    const char *name = NULL;
    if (n) {
        doc->name_loc = mdc_lloc(c, n);
        name = mdc_lname(c, n, kind_name_rule[doc->kind], mdc_printf(c->a, "%s name", kind));
    }
    doc->name = name ? name : "";
    if (!doc->name_loc.line) doc->name_loc = doc->loc;

    const mdc_ynode *v = mdc_lget(root, "version", NULL);
    if (v)
        mdc_lversion(c, v, &doc->version, &doc->version_loc, &doc->version_off, &doc->version_len);

    const mdc_ynode *desc = mdc_lget(root, "description", NULL);
    if (desc && !mdc_yscalar_is_null(desc))
        doc->description = mdc_ltext(c, desc, "`description`");
    return name != NULL;
}

/*
 * document := { kind: KIND, name: NAME, version: SEMVER, description: STRING, ... }
 *
 * The root must be a mapping.  A document without a usable kind or name yields NULL
 * (after its problems are reported); any other problem still yields the document.
 */
mdc_doc *mdc_load_document(mdc_arena *a, const mdc_project *p, const char *path, const mdc_ydoc *yd,
                           mdc_diags *d)
{
    mdc_lctx c = {a, d, path, p};
    const mdc_ynode *root = yd ? yd->root : NULL;
    if (!root) return NULL; /* an empty document (only comments, or a stray ---) */
    if (!mdc_lexpect_map(&c, root, "a definition document")) return NULL;

    int kind = read_kind(&c, root);
    if (kind < 0) return NULL;

    mdc_doc *doc = mdc_new(a, mdc_doc);
    doc->kind = (mdc_kind)kind;
    doc->path = path;
    doc->loc = mdc_lloc(&c, root);
    doc->blob_oid = "";
    bool named = read_common(&c, doc, root);

    switch (doc->kind) {
    case MDC_KIND_MODEL:
        mdc_load_model_body(&c, doc, root);
        break;
    case MDC_KIND_SOURCE:
        mdc_load_source_body(&c, doc, root);
        break;
    case MDC_KIND_ENTITY:
        mdc_load_entity_body(&c, doc, root);
        break;
    case MDC_KIND_CONTRACT:
        mdc_load_contract_body(&c, doc, root);
        break;
    }
    return named ? doc : NULL;
}

/* ------------------------------------------------------------------ default table names */

static bool upper(char ch)
{
    return ch >= 'A' && ch <= 'Z';
}

static bool lower(char ch)
{
    return ch >= 'a' && ch <= 'z';
}

/*
 * snake_case as DataFlow (and the benchmark generator) computes it, with Python's re:
 *   s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
 *   s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)
 *   return s.lower()
 * (bytewise here; identical for the ASCII names models may have).
 */
static char *snake(mdc_arena *a, const char *name)
{
    size_t n = strlen(name);
    char *s1 = mdc_alloc(a, 2 * n + 1), *s2 = mdc_alloc(a, 4 * n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        if (i + 2 < n && upper(name[i + 1]) && lower(name[i + 2])) {
            s1[k++] = name[i];
            s1[k++] = '_';
            s1[k++] = name[i + 1];
            for (i += 2; i < n && lower(name[i]); i++)
                s1[k++] = name[i];
        } else {
            s1[k++] = name[i++];
        }
    }
    s1[k] = 0;
    size_t m = 0;
    for (size_t i = 0; i < k; i++) {
        char ch = s1[i];
        bool lead = lower(ch) || (ch >= '0' && ch <= '9');
        s2[m++] = ch;
        if (lead && i + 1 < k && upper(s1[i + 1])) {
            s2[m++] = '_';
            s2[m++] = s1[++i];
        }
    }
    s2[m] = 0;
    for (size_t i = 0; i < m; i++)
        if (upper(s2[i])) s2[i] = (char)(s2[i] - 'A' + 'a');
    return s2;
}

static bool ends_with(const char *w, size_t len, const char *suffix)
{
    size_t sl = strlen(suffix);
    return len >= sl && memcmp(w + len - sl, suffix, sl) == 0;
}

static bool vowel(char ch)
{
    return ch == 'a' || ch == 'e' || ch == 'i' || ch == 'o' || ch == 'u';
}

/* English nouns whose plural is not regular (whole last word only). */
static const char *const irregular[][2] = {
    {"person", "people"}, {"child", "children"}, {"man", "men"},
    {"woman", "women"},   {"mouse", "mice"},     {"goose", "geese"},
    {"tooth", "teeth"},   {"foot", "feet"},      {"datum", "data"},
};

/*
 * plural(word), the last '_'-separated word pluralised:
 *   irregular nouns (person -> people, ...); -s -x -z -ch -sh -> +es (address ->
 *   addresses, index -> indexes); consonant + y -> ies (category -> categories, but
 *   day -> days); -fe -> ves (knife -> knives); anything else -> +s (-f stays: leafs).
 */
static char *plural(mdc_arena *a, const char *word)
{
    const char *last = strrchr(word, '_');
    size_t head = last ? (size_t)(last + 1 - word) : 0;
    const char *w = word + head;
    size_t len = strlen(w);
    for (size_t i = 0; i < sizeof irregular / sizeof *irregular; i++)
        if (strcmp(w, irregular[i][0]) == 0)
            return mdc_printf(a, "%.*s%s", (int)head, word, irregular[i][1]);
    if (ends_with(w, len, "s") || ends_with(w, len, "x") || ends_with(w, len, "z") ||
        ends_with(w, len, "ch") || ends_with(w, len, "sh"))
        return mdc_printf(a, "%ses", word);
    if (len >= 2 && w[len - 1] == 'y' && !vowel(w[len - 2]))
        return mdc_printf(a, "%.*sies", (int)(head + len - 1), word);
    if (ends_with(w, len, "fe")) return mdc_printf(a, "%.*sves", (int)(head + len - 2), word);
    return mdc_printf(a, "%ss", word);
}

/*
 * fit(ident): PostgreSQL identifiers have at most 63 bytes.  A longer name becomes its
 * first 54 bytes, trailing '_' stripped, + '_' + 8 hex digits of a hash of the whole name.
 * Deviation from DataFlow (which uses the first 8 hex digits of SHA-256): mdc has no
 * SHA-256 in its dependencies, so the hash is XXH3-64 (lower-case hex of the 64-bit value,
 * big-endian, first 8 digits).
 */
static const char *fit(mdc_arena *a, const char *ident)
{
    size_t len = strlen(ident);
    if (len <= MDC_NAME_MAX) return ident;
    size_t keep = 54;
    while (keep > 0 && ident[keep - 1] == '_')
        keep--;
    char hex[17];
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)XXH3_64bits(ident, len));
    return mdc_printf(a, "%.*s_%.8s", (int)keep, ident, hex);
}

const char *mdc_default_table(mdc_arena *a, const char *model_name)
{
    if (!model_name) model_name = "";
    return fit(a, plural(a, snake(a, model_name)));
}

/* ------------------------------------------------------------------ semantic versions */

/* numeric := "0" | [1-9][0-9]*   (fits uint32) */
static bool parse_number(const char **pp, uint32_t *out)
{
    const char *p = *pp;
    if (*p < '0' || *p > '9') return false;
    if (*p == '0' && p[1] >= '0' && p[1] <= '9') return false;
    uint64_t v = 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        v = v * 10 + (uint64_t)(*p - '0');
        if (v > UINT32_MAX) return false;
    }
    *out = (uint32_t)v;
    *pp = p;
    return true;
}

static bool ident_char(char ch)
{
    return (ch >= '0' && ch <= '9') || upper(ch) || lower(ch) || ch == '-';
}

/* identifiers := ident ('.' ident)*; ident := [0-9A-Za-z-]+; numeric ones without leading
 * zeros when no_leading_zeros (pre-release).  Returns the end, or NULL. */
static const char *parse_idents(const char *p, bool no_leading_zeros)
{
    for (;;) {
        const char *start = p;
        bool numeric = true;
        for (; ident_char(*p); p++)
            if (*p < '0' || *p > '9') numeric = false;
        if (p == start) return NULL;
        if (no_leading_zeros && numeric && *start == '0' && p - start > 1) return NULL;
        if (*p != '.') return p;
        p++;
    }
}

/* semver := numeric '.' numeric '.' numeric ('-' identifiers)? ('+' identifiers)? */
bool mdc_semver_parse(mdc_arena *a, const char *s, mdc_semver *out)
{
    mdc_semver v = {0};
    const char *p = s;
    if (!s || !parse_number(&p, &v.major) || *p++ != '.' || !parse_number(&p, &v.minor) ||
        *p++ != '.' || !parse_number(&p, &v.patch))
        return false;
    if (*p == '-') {
        const char *start = ++p;
        p = parse_idents(p, true);
        if (!p) return false;
        v.prerelease = mdc_strndup(a, start, (size_t)(p - start));
    }
    if (*p == '+') {
        p = parse_idents(p + 1, false);
        if (!p) return false;
    }
    if (*p) return false;
    v.present = true;
    *out = v;
    return true;
}
