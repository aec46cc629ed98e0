/*
 * yaml.c - the YAML front end: bytes -> a tree of mdc_ynode with exact positions.
 *
 * The work happens in three layers, each in its own section below:
 *
 *   1. Input checks that libyaml does not do (or does differently): the file size limit,
 *      strict UTF-8 (no overlongs, surrogates or code points past U+10FFFF) and no NUL
 *      bytes.  These run before libyaml sees a byte, so libyaml only ever reads valid
 *      UTF-8 and every mark it gives us can be mapped back to a byte offset.
 *
 *   2. Positions.  libyaml marks count code points (a CRLF counts two); we want byte
 *      offsets and 1-based byte columns.  Two cursors turn a mark into a position: one
 *      walks code points to bytes, one walks bytes to lines.  Events arrive with (almost
 *      always) non-decreasing marks, so both cursors only move a little per event and
 *      the whole file is walked about once: O(file) in total, no line table needed.
 *      Both cursors can also step backwards, for the rare mark that goes back (an
 *      error's context mark, an empty scalar).
 *
 *   3. The event loop.  It builds the tree in the arena, enforces SPEC 10 (no anchors,
 *      aliases or tags; nesting at most MDC_MAX_DEPTH; at most MDC_MAX_DOCS documents;
 *      scalar keys; no duplicate keys) and turns libyaml's errors into YAML_SYNTAX.
 *      Children of open collections wait on one shared scratch stack and are copied to
 *      an exact-size arena array when their collection ends, so building a node costs
 *      one arena allocation for the node, one for its text or child array, and no
 *      malloc.  libyaml has no nesting limit and its scanner does quadratic work on deep
 *      flow nesting, so after YAML_TOO_DEEP (or any error that ends the parse) we stop
 *      pulling events at once.  The tree builder (the ytree_* functions) is shared with
 *      the fast reader (yaml_fast.c), which mdc_yaml_parse_with tries first: when it
 *      gives up, its partial tree is dropped and libyaml reads the file.
 *
 * Finally the YAML 1.2 core-schema helpers type a scalar from its text and style.
 *
 * Nothing here is global: every call has its own libyaml parser and state, so parsing
 * is thread-safe as long as each thread uses its own arena and diagnostics list.
 */
#include "yaml_priv.h"

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* ================================================================== 1. input checks */

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* Nonzero when one of the eight bytes in v is zero (the classic bit trick). */
static uint64_t has_zero_byte(uint64_t v)
{
    return (v - ONES) & ~v & HIGHS;
}

/*
 * Returns the offset of the first byte that is not part of strict UTF-8, or of the first
 * NUL byte; len when the whole input is valid.  For a malformed multi-byte sequence the
 * offset is that of its lead byte (where the bad character starts).
 */
static size_t find_bad_utf8(const unsigned char *p, size_t len, text_facts *facts)
{
    size_t i = 0;
    facts->ascii = true;
    facts->cr = false;
    while (i < len) {
        /* Fast path: eight ASCII bytes, none of them NUL or CR. */
        if (len - i >= 8) {
            uint64_t v;
            memcpy(&v, p + i, 8);
            if (!(v & HIGHS) && !has_zero_byte(v)) {
                if (!facts->cr && has_zero_byte(v ^ (ONES * '\r'))) facts->cr = true;
                i += 8;
                continue;
            }
        }
        unsigned char c = p[i];
        if (c < 0x80) {
            if (c == 0) return i;
            if (c == '\r') facts->cr = true;
            i++;
            continue;
        }
        facts->ascii = false;
        /* Lead byte: its length and the allowed range of the second byte, which is where
         * overlongs (E0, F0), surrogates (ED) and code points > U+10FFFF (F4) are caught. */
        size_t n;
        unsigned char lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            n = 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 3;
            if (c == 0xE0) lo = 0xA0;
            if (c == 0xED) hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 4;
            if (c == 0xF0) lo = 0x90;
            if (c == 0xF4) hi = 0x8F;
        } else {
            return i; /* continuation byte, C0/C1 overlong lead, or F5..FF */
        }
        if (len - i < n) return i;
        if (p[i + 1] < lo || p[i + 1] > hi) return i;
        for (size_t k = 2; k < n; k++)
            if ((p[i + k] & 0xC0) != 0x80) return i;
        i += n;
    }
    return len;
}

/* ================================================================== 2. positions */

static void text_init(text *t, const unsigned char *p, size_t len, size_t base)
{
    memset(t, 0, sizeof *t);
    t->p = p;
    t->len = len;
    t->base = base;
    t->cp_byte = t->scan = t->line_start = base;
    t->line = 1;
}

/* Byte length of the UTF-8 character whose (valid) lead byte is c. */
static size_t utf8_width(unsigned char c)
{
    return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

/* The byte offset of code point idx (clamped to the end of the file). */
static size_t text_byte_of_cp(text *t, size_t idx)
{
    if (t->facts.ascii) return idx < t->len - t->base ? t->base + idx : t->len;
    while (t->cp_at > idx) {
        do {
            t->cp_byte--;
        } while (t->cp_byte > t->base && (t->p[t->cp_byte] & 0xC0) == 0x80);
        t->cp_at--;
    }
    while (t->cp_at < idx && t->cp_byte < t->len) {
        if (idx - t->cp_at >= 8 && t->len - t->cp_byte >= 8) { /* eight ASCII at once */
            uint64_t v;
            memcpy(&v, t->p + t->cp_byte, 8);
            if (!(v & HIGHS)) {
                t->cp_byte += 8;
                t->cp_at += 8;
                continue;
            }
        }
        t->cp_byte += utf8_width(t->p[t->cp_byte]);
        t->cp_at++;
    }
    return t->cp_byte;
}

/* True when a line starts at byte b (base < b <= len): the byte before ends a break.
 * "\r\n" is one break; a lone '\r' is a break too (as libyaml counts it). */
static bool text_line_starts_at(const text *t, size_t b)
{
    unsigned char c = t->p[b - 1];
    return c == '\n' || (c == '\r' && (b == t->len || t->p[b] != '\n'));
}

/* Line and 1-based byte column of byte b. */
static void text_line_col(text *t, size_t b, uint32_t *line, uint32_t *col)
{
    if (b > t->len) b = t->len;
    if (b < t->base) b = t->base;
    if (b >= t->scan && !t->facts.cr) {
        const unsigned char *p = t->p, *nl;
        for (size_t i = t->scan; (nl = memchr(p + i, '\n', b - i)) != NULL; i = t->line_start) {
            t->line++;
            t->line_start = (size_t)(nl - p) + 1;
        }
    } else if (b >= t->scan) {
        const unsigned char *p = t->p;
        for (size_t i = t->scan; i < b; i++) {
            if (p[i] == '\n' || (p[i] == '\r' && (i + 1 == t->len || p[i + 1] != '\n'))) {
                t->line++;
                t->line_start = i + 1;
            }
        }
    } else {
        /* Going back: step over whole lines until the line holding b. */
        while (b < t->line_start) {
            size_t s = t->line_start - 1;
            while (s > t->base && !text_line_starts_at(t, s)) s--;
            t->line_start = s;
            t->line--;
        }
    }
    t->scan = b;
    *line = t->line;
    *col = (uint32_t)(b - t->line_start + 1);
}

/* ================================================================== 3. the event loop */

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fputs("mdc: out of memory\n", stderr);
        abort();
    }
    return q;
}

static uint32_t byte_of_mark(parser *ps, yaml_mark_t m)
{
    return (uint32_t)text_byte_of_cp(&ps->t, m.index);
}

/*
 * A node of the given kind starting at byte off, with its loc filled in.  Nodes come from
 * arena blocks of NODE_SLAB nodes: the arena rounds every allocation up to 16 bytes, and
 * a file can have millions of nodes.  The debug arena (MDC_ARENA_MALLOC) gets one
 * allocation per node instead, so ASan sees each node's bounds.
 */
#define NODE_SLAB 256

static mdc_ynode *new_node(parser *ps, mdc_ynode_kind kind, uint32_t off)
{
#ifdef MDC_ARENA_MALLOC
    mdc_ynode *n = mdc_new(ps->a, mdc_ynode);
#else
    if (!ps->slab_left) {
        ps->slab = mdc_new_array(ps->a, mdc_ynode, NODE_SLAB);
        ps->slab_left = NODE_SLAB;
    }
    mdc_ynode *n = ps->slab++;
    ps->slab_left--;
#endif
    n->kind = kind;
    n->off = n->end = off;
    n->loc.path = ps->path;
    text_line_col(&ps->t, off, &n->loc.line, &n->loc.col);
    return n;
}

/* YAML_ALIAS for an anchor, YAML_TAG for an explicit tag on the node. */
static void check_anchor_and_tag(parser *ps, const mdc_ynode *n, const yaml_char_t *anchor,
                                 const yaml_char_t *tag)
{
    if (anchor) {
        mdc_diag_add(ps->diags, MDC_ERROR, "YAML_ALIAS", ps->path, n->loc.line, n->loc.col,
                     "anchors and aliases are not allowed (anchor `&%.100s`)",
                     (const char *)anchor);
    }
    if (tag) {
        /* libyaml hands us the resolved tag; show the common ones as they were written. */
        const char *s = (const char *)tag;
        const char *prefix = "tag:yaml.org,2002:";
        size_t np = strlen(prefix);
        bool core = strncmp(s, prefix, np) == 0;
        mdc_diag_add(ps->diags, MDC_ERROR, "YAML_TAG", ps->path, n->loc.line, n->loc.col,
                     "tags are not allowed (`%s%.100s`); write the plain value instead",
                     core ? "!!" : "", core ? s + np : s);
    }
}

static void scratch_push(parser *ps, mdc_ynode *n)
{
    if (ps->nscratch == ps->capscratch) {
        ps->capscratch = ps->capscratch ? ps->capscratch * 2 : 256;
        ps->scratch = xrealloc(ps->scratch, ps->capscratch * sizeof *ps->scratch);
    }
    ps->scratch[ps->nscratch++] = n;
}

/*
 * Hands a finished node to its parent: the document root, or the next child of the
 * innermost open collection.  A mapping key that is not a scalar is reported and the
 * pair is dropped, so every key later stages see is a scalar.
 */
void ytree_attach(parser *ps, mdc_ynode *n)
{
    ps->prev_end = n->end;
    if (ps->depth == 0) {
        ps->cur.root = n;
        return;
    }
    frame *f = &ps->stack[ps->depth - 1];
    if (n->end > f->last_end) f->last_end = n->end;
    if (f->node->kind == MDC_Y_MAP) {
        if (f->skip_value) {
            f->skip_value = false;
            return;
        }
        bool is_key = (ps->nscratch - f->first) % 2 == 0;
        if (is_key && n->kind != MDC_Y_SCALAR) {
            mdc_diag_add(ps->diags, MDC_ERROR, "YAML_SYNTAX", ps->path, n->loc.line,
                         n->loc.col, "mapping keys must be plain scalars, not %s",
                         n->kind == MDC_Y_MAP ? "a mapping" : "a sequence");
            f->skip_value = true;
            return;
        }
    }
    scratch_push(ps, n);
}

static bool same_key(const mdc_ynode *x, const mdc_ynode *y)
{
    return x->len == y->len && memcmp(x->str, y->str, x->len) == 0;
}

/* FNV-1a: keys are short, and the table only needs a decent spread. */
static uint64_t hash_key(const mdc_ynode *k)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < k->len; i++) h = (h ^ (unsigned char)k->str[i]) * 0x100000001b3ull;
    return h ^ (h >> 29);
}

static void report_duplicate(parser *ps, const mdc_ynode *dup, const mdc_ynode *first)
{
    int shown = dup->len > 100 ? 100 : (int)dup->len;
    mdc_diag *d = mdc_diag_add(ps->diags, MDC_ERROR, "YAML_DUPLICATE_KEY", ps->path,
                               dup->loc.line, dup->loc.col, "duplicate key `%.*s%s`", shown,
                               dup->str, dup->len > 100 ? "..." : "");
    mdc_diag_note(ps->diags, d, "first defined here: %s:%u:%u", ps->path,
                  (unsigned)first->loc.line, (unsigned)first->loc.col);
}

/*
 * Fills first[i] with the index of the first key equal to key i (i itself when it is the
 * first) using a hash table of first occurrences: O(n) expected.  Gives up and returns
 * false when the keys collide far more than chance allows (crafted input), so that such a
 * file cannot make us quadratic.
 */
static bool first_keys_by_hash(parser *ps, const mdc_ynode *map, uint32_t *first)
{
    size_t n = map->n, cap = 64, budget = 8 * n + 64, probes = 0;
    while (cap < 2 * n) cap *= 2; /* load factor <= 1/2 */
    if (cap > ps->capslots) {
        ps->capslots = cap;
        ps->slots = xrealloc(ps->slots, cap * sizeof *ps->slots);
    }
    memset(ps->slots, 0, cap * sizeof *ps->slots);
    for (size_t i = 0; i < n; i++) {
        const mdc_ynode *k = map->items[2 * i];
        uint64_t h = hash_key(k), tag = h >> 32 << 32;
        for (size_t s = (size_t)h & (cap - 1);; s = (s + 1) & (cap - 1)) {
            if (++probes > budget) return false;
            uint64_t slot = ps->slots[s];
            if (!slot) {
                ps->slots[s] = tag | ((uint64_t)i + 1);
                first[i] = (uint32_t)i;
                break;
            }
            uint32_t j = (uint32_t)slot - 1;
            if ((slot & ~(uint64_t)UINT32_MAX) == tag && same_key(k, map->items[2 * j])) {
                first[i] = j;
                break;
            }
        }
    }
    return true;
}

typedef struct keyref {
    const mdc_ynode *key;
    uint32_t index;
} keyref;

static int cmp_keyref(const void *pa, const void *pb)
{
    const keyref *x = pa, *y = pb;
    size_t n = x->key->len < y->key->len ? x->key->len : y->key->len;
    int c = memcmp(x->key->str, y->key->str, n);
    if (c) return c;
    if (x->key->len != y->key->len) return x->key->len < y->key->len ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* The same result as first_keys_by_hash by sorting (key, index) pairs: O(n log n) for any
 * keys. */
static void first_keys_by_sort(const mdc_ynode *map, uint32_t *first)
{
    size_t n = map->n;
    keyref *refs = xrealloc(NULL, n * sizeof *refs);
    for (size_t i = 0; i < n; i++) {
        refs[i].key = map->items[2 * i];
        refs[i].index = (uint32_t)i;
    }
    qsort(refs, n, sizeof *refs, cmp_keyref);
    for (size_t i = 0, run = 0; i < n; i++) {
        if (i > 0 && !same_key(refs[i].key, refs[run].key)) run = i;
        first[refs[i].index] = refs[run].index;
    }
    free(refs);
}

/*
 * Reports every key of the mapping that repeats an earlier one (by decoded text), each
 * with a note pointing at the first, in key order.  Small mappings compare pairwise;
 * bigger ones find first occurrences by hashing (or, for crafted keys, by sorting), so
 * the cost never grows like n^2.  How the first occurrences are found never changes the
 * output.
 */
void ytree_check_duplicate_keys(parser *ps, const mdc_ynode *map)
{
    size_t n = map->n;
    if (n <= 16) {
        for (size_t i = 1; i < n; i++) {
            const mdc_ynode *k = map->items[2 * i];
            for (size_t j = 0; j < i; j++) {
                if (same_key(k, map->items[2 * j])) {
                    report_duplicate(ps, k, map->items[2 * j]);
                    break;
                }
            }
        }
        return;
    }
    if (n > ps->capfirst) {
        ps->capfirst = n;
        ps->first = xrealloc(ps->first, n * sizeof *ps->first);
    }
    if (!first_keys_by_hash(ps, map, ps->first)) first_keys_by_sort(map, ps->first);
    for (size_t i = 0; i < n; i++)
        if (ps->first[i] != i) report_duplicate(ps, map->items[2 * i], map->items[2 * ps->first[i]]);
}

/*
 * Where to put an empty scalar that libyaml made up for a missing value.  libyaml puts it
 * at the next token, often lines later (`a:\n\nb: 1` would point at `b`).  Between the
 * previous event's end (lo) and that token (hi) there are only blanks, comments and
 * indicators, so we pick the last indicator there: the `:` of `a:`, the `-` of an empty
 * entry.  O(hi - lo), and these spans do not overlap, so O(file) in total.
 */
uint32_t ytree_empty_pos(const parser *ps, uint32_t lo, uint32_t hi)
{
    if (hi <= lo) return hi;
    const unsigned char *p = ps->t.p;
    uint32_t pos = lo;
    bool comment = false;
    for (uint32_t i = lo; i < hi; i++) {
        unsigned char c = p[i];
        if (c == '\n' || c == '\r') {
            comment = false;
        } else if (comment || c == ' ' || c == '\t') {
            continue;
        } else if (c == '#' && (i == ps->t.base || p[i - 1] == ' ' || p[i - 1] == '\t' ||
                                p[i - 1] == '\n' || p[i - 1] == '\r')) {
            comment = true;
        } else {
            pos = i;
        }
    }
    return pos;
}

mdc_ynode *ytree_scalar(parser *ps, uint32_t off, uint32_t end, const char *value, size_t len,
                        bool plain)
{
    mdc_ynode *n = new_node(ps, MDC_Y_SCALAR, off);
    n->end = end;
    n->plain = plain;
    n->len = len;
    n->str = len ? mdc_strndup(ps->sa, value, len) : "";
    return n;
}

static void on_scalar(parser *ps, const yaml_event_t *ev)
{
    const yaml_char_t *anchor = ev->data.scalar.anchor, *tag = ev->data.scalar.tag;
    bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    /* libyaml makes up an empty plain scalar for a missing value (`key:`, `- `, `---`);
     * it has no text of its own. */
    bool empty = plain && ev->data.scalar.length == 0 && !anchor && !tag &&
                 ev->start_mark.index == ev->end_mark.index;
    uint32_t off = byte_of_mark(ps, ev->start_mark);
    if (empty) off = ytree_empty_pos(ps, ps->prev_end, off);
    uint32_t end = empty ? off : byte_of_mark(ps, ev->end_mark);
    /* The file has no NUL byte, but a double-quoted escape ("\0", "\x00", "\u0000") can
     * still make one; we promise NUL-free text, so report it and cut the value there. */
    const char *value = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    const char *nul = len ? memchr(value, 0, len) : NULL;
    mdc_ynode *n = ytree_scalar(ps, off, end, value, nul ? (size_t)(nul - value) : len, plain);
    if (nul)
        mdc_diag_add(ps->diags, MDC_ERROR, "NOT_UTF8", ps->path, n->loc.line, n->loc.col,
                     "an escape in this string makes a NUL character, which is not allowed");
    check_anchor_and_tag(ps, n, anchor, tag);
    if (ps->depth == 0) ps->root_is_empty = empty;
    ytree_attach(ps, n);
}

static void on_alias(parser *ps, const yaml_event_t *ev)
{
    /* Reported, then stood in for by an empty (null) scalar so the tree keeps its shape. */
    mdc_ynode *n = ytree_scalar(ps, byte_of_mark(ps, ev->start_mark), byte_of_mark(ps, ev->end_mark),
                                "", 0, true);
    mdc_diag_add(ps->diags, MDC_ERROR, "YAML_ALIAS", ps->path, n->loc.line, n->loc.col,
                 "anchors and aliases are not allowed (alias `*%.100s`)",
                 (const char *)ev->data.alias.anchor);
    if (ps->depth == 0) ps->root_is_empty = false;
    ytree_attach(ps, n);
}

bool ytree_begin(parser *ps, mdc_ynode_kind kind, uint32_t off, bool flow,
                 const unsigned char *anchor, const unsigned char *tag)
{
    mdc_ynode *n = new_node(ps, kind, off);
    if (ps->depth == MDC_MAX_DEPTH) {
        mdc_diag_add(ps->diags, MDC_ERROR, "YAML_TOO_DEEP", ps->path, n->loc.line, n->loc.col,
                     "nesting is deeper than %d levels", MDC_MAX_DEPTH);
        ps->stop = true;
        return false;
    }
    n->flow = flow;
    check_anchor_and_tag(ps, n, anchor, tag);
    frame *f = &ps->stack[ps->depth++];
    f->node = n;
    f->first = ps->nscratch;
    f->last_end = n->off;
    f->skip_value = false;
    ps->prev_end = n->off; /* so that an empty first entry can find its `-` */
    return true;
}

static void on_collection_start(parser *ps, const yaml_event_t *ev, mdc_ynode_kind kind)
{
    if (kind == MDC_Y_SEQ)
        ytree_begin(ps, kind, byte_of_mark(ps, ev->start_mark),
                    ev->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE,
                    ev->data.sequence_start.anchor, ev->data.sequence_start.tag);
    else
        ytree_begin(ps, kind, byte_of_mark(ps, ev->start_mark),
                    ev->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE,
                    ev->data.mapping_start.anchor, ev->data.mapping_start.tag);
}

void ytree_end(parser *ps, uint32_t flow_end)
{
    if (ps->depth == 0) return; /* libyaml pairs start and end events; defensive only */
    frame *f = &ps->stack[--ps->depth];
    mdc_ynode *n = f->node;
    size_t count = ps->nscratch - f->first;
    if (n->kind == MDC_Y_MAP) count &= ~(size_t)1; /* pairs only (always even) */
    if (count) {
        n->items = mdc_new_array(ps->a, mdc_ynode *, count);
        memcpy(n->items, ps->scratch + f->first, count * sizeof *n->items);
    }
    n->n = n->kind == MDC_Y_MAP ? count / 2 : count;
    ps->nscratch = f->first;
    /* A flow collection ends after its bracket; a block one ends with its last child
     * (libyaml's end mark is the next token, past trailing comments and blank lines). */
    n->end = n->flow ? flow_end : f->last_end;
    if (n->kind == MDC_Y_MAP) {
        if (!ps->defer_dups) {
            ytree_check_duplicate_keys(ps, n);
        } else {
            if (ps->nmaps == ps->capmaps) {
                ps->capmaps = ps->capmaps ? 2 * ps->capmaps : 64;
                ps->maps = xrealloc(ps->maps, ps->capmaps * sizeof *ps->maps);
            }
            ps->maps[ps->nmaps++] = n;
        }
    }
    if (ps->depth == 0) ps->root_is_empty = false;
    ytree_attach(ps, n);
}

static void on_collection_end(parser *ps, const yaml_event_t *ev)
{
    ytree_end(ps, byte_of_mark(ps, ev->end_mark));
}

void ytree_doc_start(parser *ps, uint32_t off, uint32_t end)
{
    ps->cur.root = NULL;
    ps->cur.loc.path = ps->path;
    text_line_col(&ps->t, off, &ps->cur.loc.line, &ps->cur.loc.col);
    if (++ps->docs_seen > MDC_MAX_DOCS) {
        mdc_diag_add(ps->diags, MDC_ERROR, "TOO_MANY_DOCUMENTS", ps->path, ps->cur.loc.line,
                     ps->cur.loc.col, "more than %d documents in one file", MDC_MAX_DOCS);
        ps->stop = true;
        return;
    }
    ps->in_doc = true;
    ps->root_is_empty = false;
    ps->prev_end = end;
}

static void on_document_start(parser *ps, const yaml_event_t *ev)
{
    uint32_t off = byte_of_mark(ps, ev->start_mark);
    ytree_doc_start(ps, off, byte_of_mark(ps, ev->end_mark));
}

void ytree_doc_end(parser *ps)
{
    if (!ps->in_doc) return;
    if (ps->root_is_empty) ps->cur.root = NULL;
    if (ps->ndocs == ps->capdocs) {
        ps->capdocs = ps->capdocs ? ps->capdocs * 2 : 8;
        ps->docs = xrealloc(ps->docs, ps->capdocs * sizeof *ps->docs);
    }
    ps->docs[ps->ndocs++] = ps->cur;
    ps->in_doc = false;
}

/* YAML_SYNTAX for libyaml's error, at its problem position. */
static void report_libyaml_error(parser *ps, const yaml_parser_t *yp)
{
    uint32_t line, col;
    size_t b;
    if (yp->error == YAML_READER_ERROR) {
        b = ps->t.base + yp->problem_offset; /* the reader counts bytes, not code points */
    } else {
        b = text_byte_of_cp(&ps->t, yp->problem_mark.index);
    }
    text_line_col(&ps->t, b, &line, &col);
    const char *problem = yp->problem ? yp->problem : "invalid YAML";
    if (yp->error == YAML_MEMORY_ERROR) problem = "out of memory while parsing";
    mdc_diag *d;
    if (yp->error == YAML_READER_ERROR && yp->problem_value != -1) {
        d = mdc_diag_add(ps->diags, MDC_ERROR, "YAML_SYNTAX", ps->path, line, col,
                         "%s (U+%04X)", problem, (unsigned)yp->problem_value);
    } else if (yp->context) {
        d = mdc_diag_add(ps->diags, MDC_ERROR, "YAML_SYNTAX", ps->path, line, col, "%s %s",
                         problem, yp->context);
    } else {
        d = mdc_diag_add(ps->diags, MDC_ERROR, "YAML_SYNTAX", ps->path, line, col, "%s",
                         problem);
    }
    if (yp->context && yp->error != YAML_READER_ERROR) {
        uint32_t cl, cc;
        text_line_col(&ps->t, text_byte_of_cp(&ps->t, yp->context_mark.index), &cl, &cc);
        mdc_diag_note(ps->diags, d, "%s that started here: %s:%u:%u", yp->context, ps->path,
                      (unsigned)cl, (unsigned)cc);
    }
}

size_t mdc_yaml_parse(mdc_arena *a, const char *path, const char *data, size_t len,
                      mdc_diags *diags, mdc_yfile *out)
{
    return mdc_yaml_parse2(a, a, path, data, len, diags, out);
}

size_t mdc_yaml_parse2(mdc_arena *strings, mdc_arena *a, const char *path, const char *data,
                       size_t len, mdc_diags *diags, mdc_yfile *out)
{
    return mdc_yaml_parse_with(strings, a, path, data, len, diags, out, MDC_YAML_AUTO, NULL);
}

/* Undoes what a declined fast read built (its nodes stay in the arenas, unused). */
static void reset_for_libyaml(parser *ps, const text *t0)
{
    ps->t = *t0;
    ps->depth = 0;
    ps->nscratch = 0;
    ps->ndocs = 0;
    ps->docs_seen = 0;
    ps->in_doc = false;
    ps->root_is_empty = false;
    ps->prev_end = 0;
    ps->stop = false;
    ps->nmaps = 0;
    ps->defer_dups = false;
    memset(&ps->cur, 0, sizeof ps->cur);
}

size_t mdc_yaml_parse_with(mdc_arena *strings, mdc_arena *a, const char *path, const char *data,
                           size_t len, mdc_diags *diags, mdc_yfile *out, mdc_yaml_reader reader,
                           bool *used_fast)
{
    if (used_fast) *used_fast = false;
    size_t errors_before = diags->errors;
    const unsigned char *p = (const unsigned char *)data;
    yaml_parser_t yp;
    bool have_parser = false;
    parser ps;
    memset(&ps, 0, sizeof ps);
    ps.a = a;
    ps.sa = strings;
    ps.diags = diags;
    ps.path = mdc_strdup(strings, path ? path : "");
    memset(out, 0, sizeof *out);
    out->path = ps.path;

    if (len > MDC_MAX_FILE) {
        mdc_diag_add(diags, MDC_ERROR, "FILE_TOO_LARGE", ps.path, 1, 1,
                     "file is %zu bytes; the limit is %u bytes (16 MiB)", len,
                     (unsigned)MDC_MAX_FILE);
        goto done;
    }
    size_t base = len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF ? 3 : 0;
    text_init(&ps.t, p, len, base);

    size_t bad = find_bad_utf8(p, len, &ps.t.facts);
    if (bad < len) {
        uint32_t line, col;
        text_line_col(&ps.t, bad, &line, &col);
        if (p[bad] == 0)
            mdc_diag_add(diags, MDC_ERROR, "NOT_UTF8", ps.path, line, col,
                         "NUL byte at byte offset %zu: the file must be UTF-8 text", bad);
        else
            mdc_diag_add(diags, MDC_ERROR, "NOT_UTF8", ps.path, line, col,
                         "invalid UTF-8 at byte offset %zu (byte 0x%02X)", bad,
                         (unsigned)p[bad]);
        goto done;
    }

    if (reader == MDC_YAML_AUTO && !ps.t.facts.cr) {
        text t0 = ps.t;
        size_t nd = diags->n;
        ps.defer_dups = true;
        if (mdc_yaml_fast_read(&ps)) {
            ps.defer_dups = false;
            for (size_t i = 0; i < ps.nmaps; i++) ytree_check_duplicate_keys(&ps, ps.maps[i]);
            if (used_fast) *used_fast = true;
            goto finish;
        }
        reset_for_libyaml(&ps, &t0);
        /* it reports nothing; should it ever, libyaml's reading replaces it */
        mdc_diags_truncate(diags, nd);
    }

    if (!yaml_parser_initialize(&yp)) {
        mdc_diag_add(diags, MDC_ERROR, "YAML_SYNTAX", ps.path, 1, 1,
                     "out of memory while starting the YAML parser");
        goto done;
    }
    have_parser = true;
    yaml_parser_set_encoding(&yp, YAML_UTF8_ENCODING);
    yaml_parser_set_input_string(&yp, p + base, len - base);

    for (bool finished = false; !finished && !ps.stop;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&yp, &ev)) {
            report_libyaml_error(&ps, &yp);
            break; /* the document in progress is dropped */
        }
        switch (ev.type) {
        case YAML_STREAM_END_EVENT: finished = true; break;
        case YAML_DOCUMENT_START_EVENT: on_document_start(&ps, &ev); break;
        case YAML_DOCUMENT_END_EVENT: ytree_doc_end(&ps); break;
        case YAML_SCALAR_EVENT: on_scalar(&ps, &ev); break;
        case YAML_ALIAS_EVENT: on_alias(&ps, &ev); break;
        case YAML_SEQUENCE_START_EVENT: on_collection_start(&ps, &ev, MDC_Y_SEQ); break;
        case YAML_MAPPING_START_EVENT: on_collection_start(&ps, &ev, MDC_Y_MAP); break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT: on_collection_end(&ps, &ev); break;
        default: break; /* STREAM_START, NO_EVENT */
        }
        yaml_event_delete(&ev);
    }

finish:
    if (ps.ndocs) {
        out->docs = mdc_new_array(a, mdc_ydoc, ps.ndocs);
        memcpy(out->docs, ps.docs, ps.ndocs * sizeof *out->docs);
        out->ndocs = ps.ndocs;
    }

done:
    if (have_parser) yaml_parser_delete(&yp);
    free(ps.scratch);
    free(ps.docs);
    free(ps.slots);
    free(ps.first);
    free(ps.maps);
    return diags->errors - errors_before;
}

/* ================================================================== lookups */

const mdc_ynode *mdc_ymap_get(const mdc_ynode *map, const char *key, const mdc_ynode **key_out)
{
    if (key_out) *key_out = NULL;
    if (!map || map->kind != MDC_Y_MAP || !key) return NULL;
    size_t klen = strlen(key);
    for (size_t i = 0; i < map->n; i++) {
        const mdc_ynode *k = map->items[2 * i];
        if (k->kind == MDC_Y_SCALAR && k->len == klen && memcmp(k->str, key, klen) == 0) {
            if (key_out) *key_out = k;
            return map->items[2 * i + 1];
        }
    }
    return NULL;
}

/* ================================================================== core schema */

/* Only plain scalars get a type from their text; quoted and block scalars are strings. */
static bool is_plain_scalar(const mdc_ynode *n)
{
    return n && n->kind == MDC_Y_SCALAR && n->plain;
}

static bool text_is(const mdc_ynode *n, const char *s)
{
    size_t l = strlen(s);
    return n->len == l && memcmp(n->str, s, l) == 0;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool mdc_yscalar_is_null(const mdc_ynode *n)
{
    if (!is_plain_scalar(n)) return false;
    return n->len == 0 || text_is(n, "~") || text_is(n, "null") || text_is(n, "Null") ||
           text_is(n, "NULL");
}

bool mdc_yscalar_bool(const mdc_ynode *n, bool *out)
{
    if (!is_plain_scalar(n)) return false;
    bool v;
    if (text_is(n, "true") || text_is(n, "True") || text_is(n, "TRUE"))
        v = true;
    else if (text_is(n, "false") || text_is(n, "False") || text_is(n, "FALSE"))
        v = false;
    else
        return false;
    if (out) *out = v;
    return true;
}

/*
 * Core-schema integer forms: [-+]?[0-9]+ (decimal, leading zeros allowed), 0o[0-7]+ and
 * 0x[0-9a-fA-F]+.  Returns whether s has one of these forms; *fits says whether the value
 * is in int64 range, and then *val holds it.  *approx gets the value as a double either
 * way (rounded), for the float reading of an integer.
 */
static bool int_form(const char *s, size_t len, bool *fits, int64_t *val, double *approx)
{
    uint64_t v = 0, limit = (uint64_t)INT64_MAX;
    double d = 0;
    bool neg = false, over = false;
    size_t i = 0;
    unsigned radix = 10;
    if (len > 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'x')) {
        radix = s[1] == 'o' ? 8 : 16;
        i = 2;
    } else if (len > 0 && (s[0] == '-' || s[0] == '+')) {
        neg = s[0] == '-';
        if (neg) limit = (uint64_t)INT64_MAX + 1;
        i = 1;
    }
    if (i == len) return false;
    for (; i < len; i++) {
        int digit = hex_value(s[i]);
        if (digit < 0 || (unsigned)digit >= radix) return false;
        if (v > (limit - (unsigned)digit) / radix)
            over = true;
        else
            v = v * radix + (unsigned)digit;
        d = d * radix + digit;
    }
    *fits = !over;
    if (!over) *val = neg ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v) : (int64_t)v;
    *approx = neg ? -d : d;
    return true;
}

/* Core-schema float forms: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?,
 * [-+]?(\.inf|\.Inf|\.INF) and \.nan|\.NaN|\.NAN.  *special is set for inf and nan. */
static bool float_form(const char *s, size_t len, bool *special)
{
    size_t i = 0;
    *special = false;
    if (len == 4 && (!memcmp(s, ".nan", 4) || !memcmp(s, ".NaN", 4) || !memcmp(s, ".NAN", 4))) {
        *special = true;
        return true;
    }
    if (i < len && (s[i] == '-' || s[i] == '+')) i++;
    if (len - i == 4 &&
        (!memcmp(s + i, ".inf", 4) || !memcmp(s + i, ".Inf", 4) || !memcmp(s + i, ".INF", 4))) {
        *special = true;
        return true;
    }
    size_t whole = 0, frac = 0;
    while (i < len && is_digit(s[i])) i++, whole++;
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && is_digit(s[i])) i++, frac++;
    }
    if (whole == 0 && frac == 0) return false;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '-' || s[i] == '+')) i++;
        size_t exp = 0;
        while (i < len && is_digit(s[i])) i++, exp++;
        if (exp == 0) return false;
    }
    return i == len;
}

bool mdc_yscalar_int(const mdc_ynode *n, int64_t *out)
{
    if (!is_plain_scalar(n)) return false;
    bool fits;
    int64_t v;
    double d;
    if (!int_form(n->str, n->len, &fits, &v, &d) || !fits) return false;
    if (out) *out = v;
    return true;
}

/* strtod in the "C" locale, whatever the process locale is (libmdc runs inside apps). */
static double strtod_c(const char *s)
{
    locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (!c) return strtod(s, NULL);
    locale_t old = uselocale(c);
    double d = strtod(s, NULL);
    uselocale(old);
    freelocale(c);
    return d;
}

bool mdc_yscalar_float(const mdc_ynode *n, double *out)
{
    if (!is_plain_scalar(n)) return false;
    bool fits, special;
    int64_t iv;
    double d;
    if (n->len > 2 && n->str[0] == '0' && (n->str[1] == 'o' || n->str[1] == 'x')) {
        if (!int_form(n->str, n->len, &fits, &iv, &d)) return false;
    } else if (float_form(n->str, n->len, &special) && !special) {
        d = strtod_c(n->str); /* str is NUL-terminated and all of it is the number */
    } else {
        return false;
    }
    if (!isfinite(d)) return false;
    if (out) *out = d;
    return true;
}

bool mdc_yscalar_is_number(const mdc_ynode *n)
{
    if (!is_plain_scalar(n)) return false;
    bool fits, special;
    int64_t iv;
    double d;
    return int_form(n->str, n->len, &fits, &iv, &d) || float_form(n->str, n->len, &special);
}

bool mdc_yscalar_is_string(const mdc_ynode *n)
{
    if (!n || n->kind != MDC_Y_SCALAR) return false;
    if (!n->plain) return true;
    return !mdc_yscalar_is_null(n) && !mdc_yscalar_bool(n, NULL) && !mdc_yscalar_is_number(n);
}

const char *mdc_ynode_describe(const mdc_ynode *n)
{
    if (!n) return "null";
    switch (n->kind) {
    case MDC_Y_MAP: return "a mapping";
    case MDC_Y_SEQ: return "a sequence";
    case MDC_Y_SCALAR: break;
    }
    if (mdc_yscalar_is_null(n)) return "null";
    if (mdc_yscalar_bool(n, NULL)) return "a boolean";
    if (mdc_yscalar_is_number(n)) return "a number";
    return "a string";
}
