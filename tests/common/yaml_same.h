/*
 * yaml_same.h - compares the two YAML readers on one input (test_yaml, fuzz_yaml, the
 * yaml_same tool).  Header-only: each user includes it once.
 *
 * yaml_same() parses the input with libyaml and with the default reader (the fast reader
 * of the common subset, falling back to libyaml).  When the fast reader kept its result,
 * every document, node (kind, position, byte span, text, style, children) and diagnostic
 * (severity, code, position, message, notes) must be equal; the first difference is
 * written to `why`.  Returns 1 when equal and the fast reader was used, 0 when equal
 * because it declined, -1 on a difference.
 */
#ifndef MDC_TESTS_YAML_SAME_H
#define MDC_TESTS_YAML_SAME_H

#include <stdio.h>
#include <string.h>

#include "compiler/yaml.h"

static int ys_node(const mdc_ynode *a, const mdc_ynode *b, char *why, size_t n)
{
    if (!a || !b) {
        if (a == b) return 0;
        snprintf(why, n, "one node is missing");
        return -1;
    }
    if (a->kind != b->kind || a->loc.line != b->loc.line || a->loc.col != b->loc.col ||
        a->off != b->off || a->end != b->end || a->flow != b->flow || a->n != b->n ||
        (a->kind == MDC_Y_SCALAR &&
         (a->plain != b->plain || a->len != b->len || memcmp(a->str, b->str, a->len) != 0))) {
        snprintf(why, n,
                 "node at byte %u (libyaml: kind %d %u:%u [%u,%u) n=%zu flow=%d plain=%d '%.40s'; "
                 "fast: kind %d %u:%u [%u,%u) n=%zu flow=%d plain=%d '%.40s')",
                 (unsigned)a->off, a->kind, (unsigned)a->loc.line, (unsigned)a->loc.col,
                 (unsigned)a->off, (unsigned)a->end, a->n, a->flow, a->plain,
                 a->kind == MDC_Y_SCALAR ? a->str : "", b->kind, (unsigned)b->loc.line,
                 (unsigned)b->loc.col, (unsigned)b->off, (unsigned)b->end, b->n, b->flow, b->plain,
                 b->kind == MDC_Y_SCALAR ? b->str : "");
        return -1;
    }
    size_t items = a->kind == MDC_Y_MAP ? 2 * a->n : a->kind == MDC_Y_SEQ ? a->n : 0;
    for (size_t i = 0; i < items; i++)
        if (ys_node(a->items[i], b->items[i], why, n) < 0) return -1;
    return 0;
}

static int ys_diags(const mdc_diags *a, const mdc_diags *b, char *why, size_t n)
{
    if (a->n != b->n || a->errors != b->errors) {
        snprintf(why, n, "diagnostics: libyaml %zu, fast %zu (first: %s)", a->n, b->n,
                 a->n ? a->v[0]->message : b->n ? b->v[0]->message : "");
        return -1;
    }
    for (size_t i = 0; i < a->n; i++) {
        const mdc_diag *x = a->v[i], *y = b->v[i];
        bool same = x->severity == y->severity && strcmp(x->code, y->code) == 0 &&
                    x->line == y->line && x->col == y->col && strcmp(x->message, y->message) == 0 &&
                    x->nnotes == y->nnotes;
        for (size_t k = 0; same && k < x->nnotes; k++) same = strcmp(x->notes[k], y->notes[k]) == 0;
        if (!same) {
            snprintf(why, n, "diagnostic %zu: libyaml %u:%u %s, fast %u:%u %s", i, (unsigned)x->line,
                     (unsigned)x->col, x->message, (unsigned)y->line, (unsigned)y->col, y->message);
            return -1;
        }
    }
    return 0;
}

static int yaml_same(const char *data, size_t len, char *why, size_t n)
{
    mdc_arena *a = mdc_arena_new(), *b = mdc_arena_new();
    mdc_diags da, db;
    mdc_diags_init(&da, a);
    mdc_diags_init(&db, b);
    mdc_yfile fa, fb;
    bool fast = false;
    size_t ea = mdc_yaml_parse_with(a, a, "m.yaml", data, len, &da, &fa, MDC_YAML_LIBYAML, NULL);
    size_t eb = mdc_yaml_parse_with(b, b, "m.yaml", data, len, &db, &fb, MDC_YAML_AUTO, &fast);
    int rc = 0;
    why[0] = '\0';
    if (ea != eb || fa.ndocs != fb.ndocs) {
        snprintf(why, n, "errors %zu vs %zu, documents %zu vs %zu", ea, eb, fa.ndocs, fb.ndocs);
        rc = -1;
    }
    for (size_t i = 0; rc == 0 && i < fa.ndocs; i++) {
        if (fa.docs[i].loc.line != fb.docs[i].loc.line || fa.docs[i].loc.col != fb.docs[i].loc.col) {
            snprintf(why, n, "document %zu at %u:%u vs %u:%u", i, (unsigned)fa.docs[i].loc.line,
                     (unsigned)fa.docs[i].loc.col, (unsigned)fb.docs[i].loc.line,
                     (unsigned)fb.docs[i].loc.col);
            rc = -1;
        } else {
            rc = ys_node(fa.docs[i].root, fb.docs[i].root, why, n);
        }
    }
    if (rc == 0) rc = ys_diags(&da, &db, why, n);
    mdc_diags_release(&da);
    mdc_diags_release(&db);
    mdc_arena_free(a);
    mdc_arena_free(b);
    return rc < 0 ? -1 : fast ? 1 : 0;
}

#endif
