/*
 * fuzz_registry_json.c - libFuzzer target for libmdc's JSON reader (registry/json.c), which
 * full verification runs on the canonical JSON of a possibly hostile snapshot.
 *
 * The input bytes are parsed twice with one reused reader (as verification reuses it across
 * documents).  Invariants (a failure aborts, which libFuzzer reports as a crash): a failure
 * has a static message and a position inside the input; on success every node's byte range
 * lies inside the input and inside its parent's, children are counted right, strings and
 * keys are NUL-terminated inside the string buffer, a string's range starts and ends with a
 * quote, a container's with its bracket, and the nesting never exceeds MDCR_JSON_MAX_DEPTH.
 *
 * Seeds: fuzz/corpus/registry_json/ (canonical JSON of examples/shop, escapes).
 *   build-fuzz/fuzz_registry_json -max_len=65536 /tmp/registry-json-copy
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry/json.h"

#define FUZZ_ASSERT(c)                                                                        \
    do {                                                                                      \
        if (!(c)) abort();                                                                    \
    } while (0)

static void check_node(const mdcr_json *j, const mdcr_jnode *n, size_t lo, size_t hi, size_t depth)
{
    FUZZ_ASSERT(depth <= MDCR_JSON_MAX_DEPTH + 1);
    FUZZ_ASSERT(n->start >= lo && n->end <= hi && n->start < n->end);
    const char *t = j->text;
    switch (n->type) {
    case MDCR_J_STRING: {
        FUZZ_ASSERT(t[n->start] == '"' && t[n->end - 1] == '"');
        const char *s = mdcr_json_str(j, n);
        FUZZ_ASSERT(s && n->str < j->slen && n->str + strlen(s) < j->slen);
        break;
    }
    case MDCR_J_ARRAY:
    case MDCR_J_OBJECT: {
        FUZZ_ASSERT(t[n->start] == (n->type == MDCR_J_ARRAY ? '[' : '{'));
        FUZZ_ASSERT(t[n->end - 1] == (n->type == MDCR_J_ARRAY ? ']' : '}'));
        size_t count = 0;
        for (const mdcr_jnode *c = mdcr_json_child(j, n); c; c = mdcr_json_next(j, c)) {
            count++;
            if (n->type == MDCR_J_OBJECT) {
                const char *k = mdcr_json_key(j, c);
                FUZZ_ASSERT(k && c->key < j->slen && t[c->key_start] == '"');
                FUZZ_ASSERT(c->key_start > n->start && c->key_start < c->start);
                FUZZ_ASSERT(mdcr_json_get(j, n, k) != NULL);
            } else {
                FUZZ_ASSERT(mdcr_json_key(j, c) == NULL);
            }
            check_node(j, c, n->start + 1, n->end - 1, depth + 1);
        }
        FUZZ_ASSERT(count == n->nchildren);
        break;
    }
    default:
        FUZZ_ASSERT(mdcr_json_str(j, n) == NULL);
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mdcr_json j;
    memset(&j, 0, sizeof j);
    for (int round = 0; round < 2; round++) {
        int rc = mdcr_json_parse(&j, (const char *)data, size);
        if (rc) {
            FUZZ_ASSERT(j.error && j.error_at <= size);
            continue;
        }
        FUZZ_ASSERT(j.nnodes >= 1);
        check_node(&j, &j.nodes[0], 0, size, 1);
    }
    mdcr_json_free(&j);
    return 0;
}
