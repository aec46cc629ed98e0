/*
 * fuzz_yaml.c - libFuzzer target for the YAML front end (compiler/yaml.c).
 *
 * Every input is parsed with mdc_yaml_parse into a fresh arena and diagnostics list, then
 * the tree is walked with the core-schema helpers and mdc_ymap_get so that every node and
 * every position the parser produced is read (ASan sees any dangling or short node), and
 * a few invariants of the contract are checked: positions inside the file, mapping keys
 * are scalars, diagnostics have a code and a 1-based position.  A broken invariant aborts,
 * which libFuzzer reports as a crash.  Every input is also read by both readers (libyaml
 * alone, and the fast reader of the common subset with its fallback): when the fast reader
 * keeps its result it must equal libyaml's node for node (tests/common/yaml_same.h).
 *
 * Seeds: fuzz/corpus/yaml/.  Run (copy the corpus first so new inputs stay out of git):
 *   fuzz_yaml -max_total_time=60 -max_len=65536 /tmp/corpus
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/yaml.h"
#include "tests/common/yaml_same.h"

#define FUZZ_ASSERT(c)                                                                        \
    do {                                                                                      \
        if (!(c)) abort();                                                                    \
    } while (0)

static void walk(const mdc_ynode *n, size_t len, int depth)
{
    if (!n) return;
    FUZZ_ASSERT(depth <= MDC_MAX_DEPTH + 1);
    FUZZ_ASSERT(n->off <= n->end && n->end <= len);
    FUZZ_ASSERT(n->loc.line >= 1 && n->loc.col >= 1 && n->loc.path);
    (void)mdc_ynode_describe(n);
    if (n->kind == MDC_Y_SCALAR) {
        FUZZ_ASSERT(n->str && strlen(n->str) == n->len);
        int64_t i;
        double d;
        bool b;
        (void)mdc_yscalar_int(n, &i);
        (void)mdc_yscalar_float(n, &d);
        (void)mdc_yscalar_bool(n, &b);
        (void)mdc_yscalar_is_string(n);
        return;
    }
    if (n->kind == MDC_Y_MAP) {
        for (size_t i = 0; i < n->n; i++) {
            const mdc_ynode *k = n->items[2 * i];
            FUZZ_ASSERT(k->kind == MDC_Y_SCALAR);
            const mdc_ynode *key = NULL;
            FUZZ_ASSERT(mdc_ymap_get(n, k->str, &key) != NULL && key != NULL);
            walk(k, len, depth + 1);
            walk(n->items[2 * i + 1], len, depth + 1);
        }
    } else {
        for (size_t i = 0; i < n->n; i++) walk(n->items[i], len, depth + 1);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mdc_arena *a = mdc_arena_new();
    mdc_diags diags;
    mdc_diags_init(&diags, a);
    mdc_yfile file;
    size_t errors = mdc_yaml_parse(a, "fuzz.yaml", (const char *)data, size, &diags, &file);
    FUZZ_ASSERT(errors == diags.errors);
    FUZZ_ASSERT(file.ndocs <= MDC_MAX_DOCS);
    for (size_t i = 0; i < file.ndocs; i++) walk(file.docs[i].root, size, 0);
    for (size_t i = 0; i < diags.n; i++) {
        const mdc_diag *d = diags.v[i];
        FUZZ_ASSERT(d->code && d->message && d->line >= 1 && d->col >= 1);
    }
    mdc_diags_release(&diags);
    mdc_arena_free(a);
    char why[700];
    FUZZ_ASSERT(yaml_same((const char *)data, size, why, sizeof why) >= 0);
    return 0;
}
