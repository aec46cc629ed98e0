/*
 * test_state_roundtrip.c - property: the recorded registry state reads back whatever the
 * loader accepts (compiler/canon.c writes it, compiler/canon_read.c reads it).
 *
 * Every migration records the registry it leads to as canonical JSON, and every later
 * `mdc migrate` reads it back.  A definition the loader accepts but the reader refuses
 * (a json field's `default: {}` did) stops the chain for good.  So, over the whole
 * language:
 *
 *   types x literals   every type spelling of model/types.c (mdc_type_names), with each
 *                      argument list it accepts, bare and as an array, crossed with a pool of
 *                      literal defaults (every YAML scalar kind, big and odd numbers, strings
 *                      with every escape and non-ASCII text, {} [] and nested json).  Each
 *                      pair the loader accepts is one registry;
 *   keys               every key of the loader's catalogs (mdc_load_*_keys: model, field,
 *                      index, check, default_expr, source, entity, contract, project) has a
 *                      case below; a key added to the loader fails this test until it has one;
 *
 * and for each registry: write the state, read it back (must succeed), write it again (the
 * same bytes), and diff the two registries both ways (no change: what was read back means
 * what was written).
 */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

#include "compiler/canon.h"
#include "compiler/canon_read.h"
#include "compiler/diff.h"
#include "compiler/load.h"
#include "compiler/load_util.h"
#include "compiler/yaml.h"
#include "model/buf.h"
#include "model/types.h"

static mdc_arena *A;

static int cmp_doc(const void *pa, const void *pb)
{
    const mdc_doc *a = *(const mdc_doc *const *)pa, *b = *(const mdc_doc *const *)pb;
    if (a->kind != b->kind) return a->kind < b->kind ? -1 : 1;
    return strcmp(a->name, b->name);
}

/* mdc.yaml text + one models file -> a canonical registry; NULL when the loader or the
 * validation reports an error (printed when `loud`). */
static mdc_registry *compile(const char *project_yaml, const char *models_yaml, bool loud)
{
    mdc_diags d;
    mdc_diags_init(&d, A);
    mdc_yfile pf, mf;
    mdc_yaml_parse(A, "mdc.yaml", project_yaml, strlen(project_yaml), &d, &pf);
    mdc_registry *reg = mdc_new(A, mdc_registry);
    reg->project = mdc_load_project(A, "mdc.yaml", pf.ndocs ? pf.docs[0].root : NULL, &d);
    mdc_yaml_parse(A, "models/m.yaml", models_yaml, strlen(models_yaml), &d, &mf);
    reg->docs = mdc_new_array(A, mdc_doc *, mf.ndocs + 1);
    for (size_t i = 0; i < mf.ndocs; i++) {
        mdc_doc *doc = mdc_load_document(A, reg->project, "models/m.yaml", &mf.docs[i], &d);
        if (doc) reg->docs[reg->ndocs++] = doc;
    }
    qsort(reg->docs, reg->ndocs, sizeof *reg->docs, cmp_doc);
    if (!d.errors) mdc_validate(A, reg, &d);
    if (d.errors) {
        if (loud)
            for (size_t i = 0; i < d.n; i++)
                fprintf(stderr, "  %s:%u: %s\n", d.v[i]->code, d.v[i]->line, d.v[i]->message);
        mdc_diags_release(&d);
        return NULL;
    }
    mdc_diags_release(&d);
    mdc_canon_registry(A, reg);
    return reg;
}

static char *state_of(const mdc_registry *r)
{
    mdc_buf b = MDC_BUF_INIT;
    mdc_canon_state_json(&b, r);
    return mdc_buf_detach(&b);
}

/* The changes a diff from a to b finds, one line each ("doc rule field: message"), then its
 * diagnostics (a version not bumped...); NULL when it gives no diff at all. */
static char *changes(const mdc_registry *a, const mdc_registry *b)
{
    mdc_diags d;
    mdc_diags_init(&d, A);
    mdc_diff *df = mdc_diff_registries(A, a, b, &d);
    mdc_buf out = MDC_BUF_INIT;
    mdc_buf_puts(&out, "");
    for (size_t i = 0; df && i < df->ndocs; i++)
        for (size_t j = 0; j < df->docs[i]->nchanges; j++) {
            const mdc_change *ch = df->docs[i]->changes[j];
            mdc_buf_printf(&out, "%s %s %s: %s\n", df->docs[i]->name, ch->rule, ch->field ? ch->field : "-",
                           ch->message ? ch->message : "");
        }
    for (size_t i = 0; i < d.n; i++) mdc_buf_printf(&out, "diagnostic %s: %s\n", d.v[i]->code, d.v[i]->message);
    mdc_diags_release(&d);
    if (!df) {
        mdc_buf_free(&out);
        return NULL;
    }
    return mdc_buf_detach(&out);
}

/* Whether the diff of x -> y finds the same changes as that of r -> y (each NULL-safe). */
static bool same_changes(const char *what, const char *label, const mdc_registry *x, const mdc_registry *r,
                         const mdc_registry *y)
{
    char *got = changes(x, y), *want = changes(r, y);
    bool ok = got && want && strcmp(got, want) == 0;
    if (!ok)
        fprintf(stderr, "  %s: %s: the state read back diffs otherwise:\n    got:  %s\n    want: %s\n", label, what,
                got ? got : "(error)", want ? want : "(error)");
    free(got);
    free(want);
    return ok;
}

/*
 * The property for one registry r; `label` names the case in failure messages.  `head`
 * (may be NULL) is r after a model change: the state read back must diff against it
 * exactly as r does (this compares field by field, which equal checksums skip).
 */
static bool round_trips(const mdc_registry *r, const mdc_registry *head, const char *label)
{
    char *s = state_of(r);
    mdc_registry *back = NULL;
    mdc_error err = {{0}};
    bool ok = true;
    if (mdc_canon_read_state(&back, A, s, strlen(s), "migrations/postgres/0001_x.sql", &err) != 0) {
        fprintf(stderr, "  %s: the state does not read back: %s\n", label, err.msg);
        ok = false;
    } else {
        char *s2 = state_of(back);
        if (strcmp(s, s2) != 0) {
            fprintf(stderr, "  %s: the state read back writes other bytes:\n    %s\n    %s\n", label, s, s2);
            ok = false;
        }
        free(s2);
        ok = ok && same_changes("no change", label, back, r, r) && same_changes("no change", label, r, back, back);
        if (ok && head) ok = same_changes("a model change", label, back, r, head);
    }
    free(s);
    return ok;
}

static const char PROJECT[] = "project: p\n";

/* ------------------------------------------------------------------ types x literals */

/* Argument lists tried on every type name; the ones the type parser accepts are used. */
static const char *const type_args[] = {
    "", "(1)", "(5,2)", "(12, 2)", "(1000,1000)", "(38,0)", "(320)", "(10485760)", "(a, b c, x.y:z/+-)", "(a)",
};

/* Literal defaults, as YAML in block context after `default: `. */
static const char *const literals[] = {
    /* booleans and null-ish words */
    "true", "false", "True", "yes", "~",
    /* integers */
    "0", "-0", "1", "-1", "42", "32767", "-32768", "32768", "2147483647", "-2147483648", "2147483648",
    "9223372036854775807", "-9223372036854775808", "9223372036854775808", "-9223372036854775809",
    "123456789012345678901234567890", "0x1F", "0o17", "+7",
    /* floats */
    "1.0", "1.5", "-2.25", "12.50", "0.1", "1e-7", "1e21", "1e300", "-1e-300", "1.7976931348623157e308",
    "5e-324", "2.5e-5", "0.000001", "100000000000000000000.0", ".5", "-0.0", ".inf", "-.inf", ".nan",
    "1e400",
    /* decimals as text */
    "\"12.50\"", "\"-0.001\"", "\"99999999999999999999999999.99\"",
    /* strings: empty, every escape, controls, non-ASCII, quotes */
    "\"\"", "''", "a", "active", "b c", "x.y:z/+-", "\"a\\\"b\\\\c/d\"", "\"\\n\\t\\r\\b\\f\"",
    "\"\\u0001\\u001f\\u007f\\u0080\"", "\"\\e\\a\\v\"", "\"\\u00e9\\u6f22\\U0001F600\"",
    "\"\\uE000\\uFFFF\\U0010FFFF\"", "é漢字😀", "'it''s'", "\"$$ ; -- /* */ $mdc$\"", "\"  spaced  \"",
    "\"line1\\nline2\"", "\"\\\\\"", "\"null\"", "\"true\"", "\"{}\"",
    /* dates, times, ids */
    "2024-02-29", "2024-02-30", "0001-01-01", "9999-12-31", "12:30:00", "23:59:59.999999",
    "2024-02-29T12:30:00", "2024-02-29T12:30:00.5", "2024-02-29T12:30:00Z", "2024-02-29T12:30:00+05:30",
    "2024-02-29 12:30:00", "1 day", "550E8400-E29B-41D4-A716-446655440000",
    "550e8400-e29b-41d4-a716-446655440000",
    /* collections: empty, nested, mixed, keys that sort differently in UTF-16 */
    "{}", "[]", "[[]]", "[{}]", "{a: {}}", "{a: []}", "[a, b]", "[1, 2.5]", "[1, -1, 0]", "[true, false]",
    "[\"\", \"\\n\"]", "[2024-02-29]", "[12.5, \"1.25\"]", "[1.0]",
    "{b: {c: [1, {}, []]}, a: null, \"\\u00e9\": x, \"\\U0001F600\": 1, \"\\uE000\": 2}",
    "[1, \"x\", null, true, 1.5, {}, [[]]]", "{n: 1.0, m: -0.0, big: 1e300, i: 9223372036854775807}",
    "{\"\": 1, \"a b\": {\"\\u0001\": 2}}", "[[1, [2, [3, [4, [5]]]]]]",
};
#define NLITERALS (sizeof literals / sizeof literals[0])

/* A model with field f of the type and default; `more` adds a field (the next change). */
static char *model_with_default(const char *type_text, const char *literal, bool more)
{
    mdc_buf b = MDC_BUF_INIT;
    mdc_buf_printf(&b,
                   "kind: model\nname: M\nfields:\n  id: {type: int64, primary_key: true}\n"
                   "  f:\n    type: \"%s\"\n    nullable: true\n    default: %s\n%s",
                   type_text, literal, more ? "  g: int32?\n" : "");
    return mdc_buf_detach(&b);
}

TEST(every_type_with_every_literal_default)
{
    bool *literal_used = calloc(NLITERALS, sizeof *literal_used);
    size_t ntypes = 0, pairs = 0;
    for (size_t i = 0; i < mdc_type_names_count; i++) {
        for (size_t j = 0; j < sizeof type_args / sizeof type_args[0]; j++) {
            for (int array = 0; array < 2; array++) {
                const char *text = mdc_printf(A, "%s%s%s", mdc_type_names[i], type_args[j], array ? "[]" : "");
                mdc_type t;
                if (mdc_type_parse(A, text, false, &t, NULL, NULL, NULL) != MDC_TYPE_OK) continue;
                ntypes++;
                size_t accepted = 0;
                /* the type without a default */
                char *plain = model_with_default(text, "null", false);
                mdc_registry *r = compile(PROJECT, plain, true);
                CHECK(r != NULL);
                if (r && !round_trips(r, NULL, text)) CHECK(!"no default");
                free(plain);
                for (size_t k = 0; k < NLITERALS; k++) {
                    char *m = model_with_default(text, literals[k], false);
                    r = compile(PROJECT, m, false);
                    free(m);
                    if (!r) continue; /* the loader refuses: nothing to record */
                    m = model_with_default(text, literals[k], true);
                    mdc_registry *head = compile(PROJECT, m, true);
                    free(m);
                    CHECK(head != NULL);
                    accepted++;
                    pairs++;
                    literal_used[k] = true;
                    const char *label = mdc_printf(A, "type %s, default %s", text, literals[k]);
                    if (!round_trips(r, head, label)) CHECK(!"round trip");
                }
                /* every type but bytes takes some literal (json takes them all) */
                if (t.base != MDC_T_BYTES || t.array) {
                    if (!accepted) fprintf(stderr, "  type %s: no literal default accepted\n", text);
                    CHECK(accepted > 0);
                }
            }
        }
    }
    /* not vacuous: every literal of the pool is accepted by some type, and the catalog
     * gives many types */
    for (size_t k = 0; k < NLITERALS; k++) {
        if (!literal_used[k]) fprintf(stderr, "  literal %s: no type accepts it\n", literals[k]);
    }
    CHECK(ntypes >= 80);
    CHECK(pairs >= 1000);
    printf("  %zu types, %zu accepted (type, default) pairs\n", ntypes, pairs);
    free(literal_used);
}

/* ------------------------------------------------------------------ every key */

/* One case per key of a loader catalog: the object (as mdc_load_*_keys names it), the key,
 * and a models file (or, for "project", an mdc.yaml) that uses the key. */
typedef struct key_case {
    const char *object, *key, *yaml;
} key_case;

#define SRC "kind: source\nname: db1\ntype: postgres\nuri: postgresql://h/db\n---\n"
#define MODEL(body) "kind: model\nname: M\n" body
#define FIELDS "fields:\n  id: {type: int64, primary_key: true}\n  k: {type: int32, nullable: true}\n"
#define FIELD(spec) MODEL("fields:\n  id: {type: int64, primary_key: true}\n  f: " spec "\n")
#define INDEX(spec) MODEL(FIELDS "indexes:\n  - " spec "\n")
#define CHECKX(spec) MODEL(FIELDS "checks:\n  - " spec "\n")

static const key_case key_cases[] = {
    {"model", "kind", MODEL(FIELDS)},
    {"model", "name", "kind: model\nname: \"Zz9\"\n" FIELDS},
    {"model", "table", MODEL("table: tbl_x\n" FIELDS)},
    {"model", "schema", MODEL("schema: s1\n" FIELDS)},
    {"model", "source", SRC MODEL("source: db1\n" FIELDS)},
    {"model", "version", MODEL("version: 1.2.3-rc.1\n" FIELDS)},
    {"model", "description", MODEL("description: \"d \\\"q\\\" \\\\ \\n\\t \\u00e9\\U0001F600\"\n" FIELDS)},
    {"model", "owner", MODEL("owner: \"team \\u00e9\"\n" FIELDS)},
    {"model", "tags", MODEL("tags: [b, a, a, \"\\u00e9\"]\n" FIELDS)},
    {"model", "meta", MODEL("meta: {x: {}, y: [1.0, 1, -0.0, 1e300, {}], z: \"\\t\", e: {}, \"\\uE000\": 1, \"\\U0001F600\": 2}\n" FIELDS)},
    {"model", "fields", MODEL(FIELDS)},
    {"model", "reserved", MODEL("reserved: [old_col, a_col]\n" FIELDS)},
    {"model", "primary_key", MODEL("primary_key: [k2, id]\nfields:\n  id: int64\n  k2: int32\n")},
    {"model", "unique", MODEL(FIELDS "unique: [[k, id], [id, k]]\n")},
    {"model", "indexes", INDEX("{fields: [k desc, id], name: ix1, unique: true, where: \"k > 0\"}")},
    {"model", "checks", MODEL(FIELDS "checks:\n  - {name: c1, expr: \"k <> 0\"}\n  - {name: c2, expr: \"k < 5\"}\n")},
    {"model", "renamed_from", MODEL("renamed_from: Old\n" FIELDS)},

    {"field", "type", FIELD("{type: \"decimal(12, 2)[]\"}")},
    {"field", "nullable", FIELD("{type: int32, nullable: true}")},
    {"field", "default", FIELD("{type: json, default: {a: [{}, [], 1.0, \"\\u0001\"]}}")},
    {"field", "default_expr", FIELD("{type: timestamptz, default_expr: now}")},
    {"field", "primary_key", MODEL("fields:\n  id: {type: uuid, primary_key: true, default_expr: uuid}\n")},
    {"field", "identity", FIELD("{type: int64, identity: true}")},
    {"field", "unique", FIELD("{type: string(20), unique: true}")},
    {"field", "references", FIELD("{type: int64, references: M.id}")},
    {"field", "on_delete", FIELD("{type: int64, nullable: true, references: M, on_delete: set_null}")},
    {"field", "on_update", FIELD("{type: int64, references: M, on_update: cascade}")},
    {"field", "description", FIELD("{type: int64, description: \"x\\ny \\u00e9\"}")},
    {"field", "renamed_from", FIELD("{type: int64, renamed_from: g}")},
    {"field", "meta", FIELD("{type: int64, meta: {a: 1.0, b: {}, c: []}}")},

    {"index", "fields", INDEX("{fields: [k, id desc]}")},
    {"index", "order", INDEX("{fields: [k], order: desc}")},
    {"index", "unique", INDEX("{fields: [k], unique: true}")},
    {"index", "where", INDEX("{fields: [k], where: \"k IS NOT NULL AND k <> 'a''b'\"}")},
    {"index", "name", INDEX("{fields: [k], name: my_ix}")},

    {"check", "name", CHECKX("{name: positive, expr: \"k > 0\"}")},
    {"check", "expr", CHECKX("{name: c, expr: \"k IN (1, 2, 3) OR k IS NULL\"}")},

    {"default_expr", "postgres", FIELD("{type: int64, default_expr: {postgres: \"nextval('s')\", sqlite: \"(1)\"}}")},
    {"default_expr", "sqlite", FIELD("{type: int64, default_expr: {postgres: \"random()\", sqlite: \"(random())\"}}")},

    {"source", "kind", SRC MODEL(FIELDS)},
    {"source", "name", SRC MODEL(FIELDS)},
    {"source", "version", "kind: source\nname: s\ntype: sqlite\nuri: \"file:x.db\"\nversion: 2.0.0\n"},
    {"source", "description", "kind: source\nname: s\ntype: kafka\nuri: \"kafka://b/t\"\ndescription: \"\\u00e9\"\n"},
    {"source", "type", "kind: source\nname: s\ntype: other\nuri: x\n"},
    {"source", "uri", "kind: source\nname: s\ntype: s3\nuri: \"s3://bucket/a b?x=1&y=\\u00e9\"\n"},

    {"entity", "kind", SRC MODEL(FIELDS) "---\nkind: entity\nname: E\nmaps_to: [M, db1.t]\n"},
    {"entity", "name", MODEL(FIELDS) "---\nkind: entity\nname: E2\nmaps_to: [M]\n"},
    {"entity", "version", MODEL(FIELDS) "---\nkind: entity\nname: E\nversion: 0.1.0\nmaps_to: [M]\n"},
    {"entity", "description", MODEL(FIELDS) "---\nkind: entity\nname: E\ndescription: d\nmaps_to: [M]\n"},
    {"entity", "maps_to", SRC MODEL(FIELDS) "---\nkind: entity\nname: E\nmaps_to: [db1.z, M, M]\n"},

    {"contract", "kind", MODEL(FIELDS) "---\nkind: contract\nname: c\nconsumer: x\nmodel: M\nfields: [id]\n"},
    {"contract", "name", MODEL(FIELDS) "---\nkind: contract\nname: c-1\nconsumer: x\nmodel: M\nfields: [id]\n"},
    {"contract", "version",
     MODEL(FIELDS) "---\nkind: contract\nname: c\nversion: 3.0.0\nconsumer: x\nmodel: M\nfields: [id]\n"},
    {"contract", "description",
     MODEL(FIELDS) "---\nkind: contract\nname: c\ndescription: d\nconsumer: x\nmodel: M\nfields: [id]\n"},
    {"contract", "consumer", MODEL(FIELDS) "---\nkind: contract\nname: c\nconsumer: billing\nmodel: M\nfields: [k]\n"},
    {"contract", "model", MODEL(FIELDS) "---\nkind: contract\nname: c\nconsumer: x\nmodel: M\nfields: [id, k]\n"},
    {"contract", "compatibility",
     MODEL(FIELDS) "---\nkind: contract\nname: c\nconsumer: x\nmodel: M\ncompatibility: forward\nfields: [id]\n"},
    {"contract", "fields",
     MODEL(FIELDS) "---\nkind: contract\nname: c\nconsumer: x\nmodel: M\nfields: {id: int64, k: int32}\n"},

    {"project", "project", "project: \"p\"\n"},
    {"project", "version", "project: p\nversion: 2.3.4-beta.1\n"},
    {"project", "models", "project: p\nmodels: [models, ./more/, models]\n"},
    {"project", "dialects", "project: p\ndialects: [sqlite]\n"},
    {"project", "migrations", "project: p\nmigrations: db/migrations\n"},
    {"project", "snapshot", "project: p\nsnapshot: out/registry.db\n"},
    {"project", "postgres", "project: p\npostgres: {schema: app}\n"},
    {"project", "sqlite", "project: p\nsqlite: {dataflow_registry: table}\n"},
    {"project", "max_risk", "project: p\nmax_risk: CRITICAL\n"},
    {"project", "reserved_models", "project: p\nreserved_models: [Zed, Old, Old]\n"},
    {"project", "rules", "project: p\nrules:\n  INDEX_ADDED: {bump: major}\n  DOC_CHANGED: {risk: HIGH}\n"
                         "  FIELD_RENAMED: {bump: patch, risk: LOW}\n"},
};
#define NKEY_CASES (sizeof key_cases / sizeof key_cases[0])

static const key_case *find_case(const char *object, const char *key)
{
    for (size_t i = 0; i < NKEY_CASES; i++)
        if (strcmp(key_cases[i].object, object) == 0 && strcmp(key_cases[i].key, key) == 0) return &key_cases[i];
    return NULL;
}

static void cover_catalog(const char *object, const char *const *keys, size_t n)
{
    CHECK(keys != NULL && n > 0);
    for (size_t i = 0; i < n; i++) {
        const key_case *kc = find_case(object, keys[i]);
        if (!kc) fprintf(stderr, "  %s key `%s` has no case in key_cases\n", object, keys[i]);
        CHECK(kc != NULL);
        if (!kc) continue;
        /* the case really uses the key */
        const char *needle = mdc_printf(A, "%s:", keys[i]);
        CHECK(strstr(kc->yaml, needle) != NULL);
        bool project = strcmp(object, "project") == 0;
        mdc_registry *r = project ? compile(kc->yaml, MODEL(FIELDS), true) : compile(PROJECT, kc->yaml, true);
        const char *label = mdc_printf(A, "%s key `%s`", object, keys[i]);
        if (!r) fprintf(stderr, "  %s: the case does not compile\n", label);
        CHECK(r != NULL);
        if (r && !round_trips(r, NULL, label)) CHECK(!"round trip");
    }
}

TEST(every_key_of_every_object)
{
    static const char *const model_objects[] = {"model", "field", "index", "check", "default_expr"};
    static const char *const meta_objects[] = {"source", "entity", "contract"};
    size_t n;
    for (size_t i = 0; i < 5; i++) {
        const char *const *keys = mdc_load_model_keys(model_objects[i], &n);
        cover_catalog(model_objects[i], keys, n);
    }
    for (size_t i = 0; i < 3; i++) {
        const char *const *keys = mdc_load_meta_keys(meta_objects[i], &n);
        cover_catalog(meta_objects[i], keys, n);
    }
    const char *const *keys = mdc_load_project_keys(&n);
    cover_catalog("project", keys, n);
}

/* Every case at once: one registry with a document of each kind using every key, then the
 * same registry after a model change (which makes the diff compare field by field: meta,
 * defaults and descriptions read back must compare equal to what was loaded). */
static const char BIG_MODEL[] =
    "kind: model\nname: Big\ntable: big_t\nschema: s1\nsource: db1\nversion: 1.0.0-a\n"
    "description: \"\\u00e9\\n\"\nowner: o\ntags: [t2, t1]\nmeta: {m: {}, n: [1.0], o: -0.0, p: 2.0}\n"
    "renamed_from: Small\nreserved: [gone]\nprimary_key: [id]\n"
    "fields:\n"
    "  id: {type: int64, identity: true}\n"
    "  j: {type: json, nullable: true, default: {}}\n"
    "  ja: {type: \"json[]\", nullable: true, default: [{}, [], {a: {}}, 1.0]}\n"
    "  s: {type: string(320), unique: true, default: \"\\\"\\\\\\u00e9\", description: d, meta: {}}\n"
    "  d: {type: \"decimal(12,2)\", default: 12.50, meta: {x: 1.0}}\n"
    "  e: {type: \"enum(a, b c)\", default: b c}\n"
    "  t: {type: timestamptz, default_expr: now}\n"
    "  u: {type: uuid, nullable: true, default: 550E8400-E29B-41D4-A716-446655440000}\n"
    "  x: {type: int64, default_expr: {postgres: \"1 + 1\", sqlite: \"(1 + 1)\"}}\n"
    "  fl: {type: float32, default: 1}\n"
    "  r: {type: int64, nullable: true, references: Big.id, on_delete: set_null, on_update: cascade,"
    " renamed_from: q}\n"
    "%s"
    "unique: [[s, d]]\n"
    "indexes:\n  - {fields: [s desc, d], name: big_ix, unique: true, where: \"d > 0\"}\n"
    "  - {fields: [t], order: desc}\n"
    "checks:\n  - {name: d_pos, expr: \"d >= 0\"}\n  - {name: e_set, expr: \"e <> ''\"}\n"
    "---\nkind: entity\nname: E\ndescription: x\nversion: 1.0.0\nmaps_to: [Big, db1.t]\n"
    "---\nkind: contract\nname: c\ndescription: d\nversion: 1.0.0\nconsumer: x\nmodel: Big\n"
    "compatibility: none\nfields: {id: int64, s: string(320)}\n";

static const char BIG_PROJECT[] = "project: p\nversion: 1.0.0\nmax_risk: HIGH\nreserved_models: [Old]\n"
                                  "postgres: {schema: app}\nsqlite: {dataflow_registry: table}\n"
                                  "rules: {INDEX_ADDED: {bump: major}}\n";

TEST(all_keys_in_one_registry)
{
    const char *base = mdc_printf(A, SRC "%s", mdc_printf(A, BIG_MODEL, ""));
    const char *next = mdc_printf(A, SRC "%s", mdc_printf(A, BIG_MODEL, "  zz: int32?\n"));
    mdc_registry *r = compile(BIG_PROJECT, base, true);
    mdc_registry *head = compile(BIG_PROJECT, next, true);
    CHECK(r != NULL && head != NULL);
    if (r && head) CHECK(round_trips(r, head, "all keys"));
}

int main(void)
{
    A = mdc_arena_new();
    RUN(every_type_with_every_literal_default);
    RUN(every_key_of_every_object);
    RUN(all_keys_in_one_registry);
    mdc_arena_free(A);
    DONE();
}
