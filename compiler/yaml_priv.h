/*
 * yaml_priv.h - what the two YAML readers share (yaml.c, yaml_fast.c); not an API.
 *
 * Both readers drive the same tree builder: yaml.c turns libyaml's events into calls of
 * the ytree_* functions below, yaml_fast.c its own scan of the common subset of YAML.
 * Whatever the fast reader accepts it must build exactly as the libyaml path would (the
 * same nodes, positions, texts and diagnostics); fuzz_yaml and test_yaml compare the two.
 */
#ifndef MDC_YAML_PRIV_H
#define MDC_YAML_PRIV_H

#include "yaml.h"

/* What the input check learns about the text, for the position fast paths. */
typedef struct text_facts {
    bool ascii; /* no byte >= 0x80: code point i is byte i */
    bool cr;    /* has a '\r': line breaks need more than memchr('\n') */
} text_facts;

/*
 * The file and the two position cursors.  Code point 0 (libyaml's mark.index 0) is the
 * byte at `base`, just after a BOM if there is one.  Line 1 also starts at `base`, so a
 * BOM does not shift the columns of the first line.
 */
typedef struct text {
    const unsigned char *p;
    size_t len;
    size_t base;
    text_facts facts;
    /* code point cursor: code point cp_at starts at byte cp_byte */
    size_t cp_at, cp_byte;
    /* line cursor: every break before byte `scan` is counted; the line holding byte
     * `scan` is number `line` and starts at byte line_start */
    size_t scan, line_start;
    uint32_t line;
} text;

/* An open collection. */
typedef struct frame {
    mdc_ynode *node;
    size_t first;      /* its first child's index on the scratch stack */
    uint32_t last_end; /* end of its last child (the end of a block collection) */
    bool skip_value;   /* MAP: the key was rejected, so drop the value too */
} frame;

typedef struct parser {
    mdc_arena *a;  /* nodes, item arrays, documents */
    mdc_arena *sa; /* scalar strings and the path: what definitions keep */
    mdc_diags *diags;
    const char *path; /* arena copy */
    text t;
    frame stack[MDC_MAX_DEPTH];
    int depth;
    /* children of the open collections, innermost last (heap, freed at the end) */
    mdc_ynode **scratch;
    size_t nscratch, capscratch;
    /* finished documents (heap; copied to the arena at the end) */
    mdc_ydoc *docs;
    size_t ndocs, capdocs;
    size_t docs_seen;
    /* the document being built */
    bool in_doc;
    mdc_ydoc cur;
    bool root_is_empty; /* its root is the empty scalar libyaml makes up for "---" */
    uint32_t prev_end;  /* byte where the previous event ended */
    bool stop;          /* an error that ends the parse was reported */
    /* nodes are carved from arena blocks of NODE_SLAB (see new_node) */
    mdc_ynode *slab;
    size_t slab_left;
    /* hash table for duplicate detection in big mappings (heap): 0 for free, else the
     * key's hash in the high 32 bits (compared before touching the key node, which is
     * likely a cache miss) and its index + 1 in the low 32 */
    uint64_t *slots;
    size_t capslots;
    uint32_t *first; /* per key: index of the first equal key (heap) */
    size_t capfirst;
    /* The fast reader checks duplicate keys only once it has read the whole file (it may
     * still give up): finished mappings wait here, in the order they ended (heap). */
    bool defer_dups;
    const mdc_ynode **maps;
    size_t nmaps, capmaps;
} parser;

/* The tree builder.  Offsets are bytes into the file. */
mdc_ynode *ytree_scalar(parser *ps, uint32_t off, uint32_t end, const char *value, size_t len,
                        bool plain);
void ytree_attach(parser *ps, mdc_ynode *n);
/* Opens a collection; false (and YAML_TOO_DEEP, ps->stop) past MDC_MAX_DEPTH. */
bool ytree_begin(parser *ps, mdc_ynode_kind kind, uint32_t off, bool flow,
                 const unsigned char *anchor, const unsigned char *tag);
/* Closes the innermost collection; flow_end is the byte after a flow collection's bracket. */
void ytree_end(parser *ps, uint32_t flow_end);
void ytree_doc_start(parser *ps, uint32_t off, uint32_t end);
void ytree_doc_end(parser *ps);
/* Where an empty scalar made up between bytes lo and hi goes (see yaml.c). */
uint32_t ytree_empty_pos(const parser *ps, uint32_t lo, uint32_t hi);
void ytree_check_duplicate_keys(parser *ps, const mdc_ynode *map);

/*
 * The fast reader: reads the whole file into ps when it is in the subset it knows (block
 * mappings and sequences, one-line flow collections, one-line scalars; see yaml_fast.c)
 * and returns true.  Otherwise returns false having reported nothing; the caller then
 * undoes the partial tree (ytree_reset) and runs libyaml.
 */
bool mdc_yaml_fast_read(parser *ps);

#endif
