/*
 * fuzz_front.c - libFuzzer target for the whole per-file front end: the input bytes are
 * one YAML file under models/, taken through every stage `mdc check` runs on it:
 *
 *   mdc_yaml_parse2  -> mdc_load_document (each non-empty document)
 *   -> registry sorted by (kind, name, path, line) as compile.c does
 *   -> mdc_validate -> mdc_canon_registry (only when there is no error, as compile.c)
 *
 * The project is a minimal mdc.yaml ("project: fuzz"), loaded afresh for every input (the
 * canonicaliser writes into it).  As in compile.c, the YAML tree lives in its own arena,
 * which is freed as soon as the documents are loaded: a loader that kept a pointer into
 * the tree is then a use-after-free ASan reports during validation or canonicalisation.
 *
 * Invariants checked (a failure aborts, which libFuzzer reports as a crash):
 *   - every diagnostic has a code from the catalog (model/codes.h), a message, a path,
 *     and a position that is 1-based or line 0 (whole file); severity counts add up;
 *   - after canonicalisation every document has canonical JSON and 32-hex checksums, and
 *     the registry has a checksum.
 *
 * Seeds: fuzz/corpus/front/ (the YAML files of examples/ and tests/cases/).  Run on a copy
 * so that new inputs stay out of git:
 *   cp -r fuzz/corpus/front /tmp/front && fuzz_front -max_total_time=120 -max_len=65536 /tmp/front
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/canon.h"
#include "compiler/load.h"
#include "compiler/yaml.h"
#include "model/codes.h"

#define FUZZ_ASSERT(c)                                                                        \
    do {                                                                                      \
        if (!(c)) abort();                                                                    \
    } while (0)

static const char PROJECT_YAML[] = "project: fuzz\n";
static const char PATH[] = "models/fuzz.yaml";

/* The same order as compile.c's cmp_doc: kind, name, path, line. */
static int cmp_doc(const void *pa, const void *pb)
{
    const mdc_doc *a = *(const mdc_doc *const *)pa;
    const mdc_doc *b = *(const mdc_doc *const *)pb;
    if (a->kind != b->kind) return a->kind < b->kind ? -1 : 1;
    int c = strcmp(a->name ? a->name : "", b->name ? b->name : "");
    if (c) return c;
    c = strcmp(a->path ? a->path : "", b->path ? b->path : "");
    if (c) return c;
    if (a->loc.line != b->loc.line) return a->loc.line < b->loc.line ? -1 : 1;
    return 0;
}

static bool is_hex32(const char *s)
{
    for (int i = 0; i < 32; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return false;
    return s[32] == '\0';
}

static void check_diags(const mdc_diags *d)
{
    size_t errors = 0, warnings = 0;
    for (size_t i = 0; i < d->n; i++) {
        const mdc_diag *g = d->v[i];
        FUZZ_ASSERT(g && g->code && g->message && g->path);
        FUZZ_ASSERT(mdc_code_lookup(g->code) != NULL);
        FUZZ_ASSERT(g->line == 0 ? g->col == 0 : g->col >= 1);
        for (size_t k = 0; k < g->nnotes; k++) FUZZ_ASSERT(g->notes[k]);
        if (g->severity == MDC_ERROR)
            errors++;
        else
            warnings++;
    }
    FUZZ_ASSERT(errors == d->errors && warnings == d->warnings);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mdc_arena *a = mdc_arena_new();
    mdc_arena *tree = mdc_arena_new();
    mdc_diags diags;
    mdc_diags_init(&diags, a);

    /* the project: must load without a problem */
    mdc_diags pdiags;
    mdc_diags_init(&pdiags, a);
    mdc_yfile pf;
    mdc_yaml_parse(a, "mdc.yaml", PROJECT_YAML, sizeof PROJECT_YAML - 1, &pdiags, &pf);
    FUZZ_ASSERT(pf.ndocs == 1);
    mdc_project *project = mdc_load_project(a, "mdc.yaml", pf.docs[0].root, &pdiags);
    FUZZ_ASSERT(project && pdiags.n == 0);
    mdc_diags_release(&pdiags);

    /* parse and load, as compile.c's per-file job */
    mdc_yfile yf;
    size_t errors = mdc_yaml_parse2(a, tree, PATH, (const char *)data, size, &diags, &yf);
    FUZZ_ASSERT(errors == diags.errors);
    FUZZ_ASSERT(yf.ndocs <= MDC_MAX_DOCS);
    mdc_doc **docs = malloc((yf.ndocs ? yf.ndocs : 1) * sizeof *docs);
    FUZZ_ASSERT(docs);
    size_t ndocs = 0;
    for (size_t k = 0; k < yf.ndocs; k++) {
        if (!yf.docs[k].root) continue;
        mdc_doc *d = mdc_load_document(a, project, PATH, &yf.docs[k], &diags);
        if (!d) continue;
        d->blob_oid = "";
        docs[ndocs++] = d;
    }
    mdc_arena_free(tree); /* nothing may point into the tree any more */
    check_diags(&diags);

    /* the registry: validate across documents, canonicalise when clean */
    qsort(docs, ndocs, sizeof *docs, cmp_doc);
    mdc_registry reg;
    memset(&reg, 0, sizeof reg);
    reg.project = project;
    reg.docs = docs;
    reg.ndocs = ndocs;
    mdc_validate(a, &reg, &diags);
    FUZZ_ASSERT(reg.ndocs <= ndocs);
    check_diags(&diags);
    if (diags.errors == 0) {
        mdc_canon_registry(a, &reg);
        for (size_t i = 0; i < reg.ndocs; i++) {
            const mdc_doc *d = reg.docs[i];
            FUZZ_ASSERT(d->canonical_json && d->structure_json);
            FUZZ_ASSERT(is_hex32(d->checksum) && is_hex32(d->structure_checksum));
        }
        FUZZ_ASSERT(is_hex32(reg.checksum));
    }
    mdc_diags_sort(&diags);
    check_diags(&diags);

    free(docs);
    mdc_diags_release(&diags);
    mdc_arena_free(a);
    return 0;
}
