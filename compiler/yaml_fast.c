/*
 * yaml_fast.c - a reader for the common subset of YAML, without libyaml; see yaml_priv.h.
 *
 * Model files are almost always the same few shapes: block mappings and sequences
 * indented with spaces, one-line flow collections ({type: uuid, nullable: true}), one-line
 * plain or quoted scalars, comments.  libyaml reads them through a reader, a scanner with a
 * token queue and a parser, with a malloc for every token and event; this reader walks the
 * bytes once and calls the tree builder directly (about ten times faster on the benchmark
 * corpus).
 *
 * It is a recogniser first: anything it does not fully understand makes it give up (bail)
 * before anything is reported, and the caller reads the file again with libyaml.  It gives
 * up on: tabs, control characters, CR, four-byte UTF-8 and the Unicode characters YAML
 * treats specially (NEL, LS, PS, a BOM inside the file, U+FFFE/U+FFFF); document markers
 * and directives; anchors, aliases, tags, block scalars (| >), complex keys (?); scalars
 * that continue on the next line; flow collections that span lines, have a trailing comma,
 * a collection as a key, a key without a value or a single-pair mapping inside a sequence;
 * escapes other than \" \\ \/ \n \t \r; a root that is not a block collection; an empty
 * file; keys longer than 1000 bytes; nesting at MDC_MAX_DEPTH; and every syntax error.  So
 * all syntax errors, with libyaml's messages and positions, still come from libyaml.
 *
 * What it accepts it builds exactly as the libyaml path does: the same nodes, byte spans,
 * positions, texts and styles, the same made-up empty scalars and the same duplicate-key
 * diagnostics (checked by the caller once the whole file is read).  fuzz_yaml and
 * test_yaml compare the two readers on every input they try.
 */
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "yaml_priv.h"

typedef struct reader {
    parser *ps;
    const unsigned char *p;
    size_t len;
    size_t pos;        /* the next byte to read */
    size_t line_start; /* where the line of the current content starts */
    size_t ind;        /* after next_content: the column (0-based) of the content at pos */
    bool eof;          /* after next_content: no more content */
    char *tmp;         /* decoded escapes (heap) */
    size_t ntmp, captmp;
    jmp_buf bail;
} reader;

/* A scanned scalar, not yet in the tree. */
typedef struct scalar {
    uint32_t off, end;
    const char *val;
    size_t len;
    bool plain;
} scalar;

enum { BLOCK, FLOW };

static _Noreturn void bail(reader *r)
{
    longjmp(r->bail, 1);
}

/*
 * The width of the non-ASCII character at p[i] when it is plain printable text to libyaml
 * (no break, no BOM, no control); 0 for the characters left to libyaml.  The input check
 * has already made sure the UTF-8 is valid.
 */
static size_t wide_char(const unsigned char *p, size_t i)
{
    unsigned char c = p[i];
    if (c < 0xE0) return c == 0xC2 && p[i + 1] < 0xA0 ? 0 : 2; /* U+0080..9F: C1, NEL */
    if (c < 0xF0) {
        if (c == 0xE2 && p[i + 1] == 0x80 && (p[i + 2] == 0xA8 || p[i + 2] == 0xA9)) return 0;
        if (c == 0xEF && ((p[i + 1] == 0xBB && p[i + 2] == 0xBF) || (p[i + 1] == 0xBF && p[i + 2] >= 0xBE)))
            return 0; /* U+FEFF, U+FFFE, U+FFFF */
        return 3;
    }
    return 0;
}

/* Skips a comment from its '#' to its line break (or the end); returns that position. */
static size_t skip_comment(reader *r, size_t i)
{
    const unsigned char *p = r->p;
    for (i++; i < r->len && p[i] != '\n';) {
        unsigned char c = p[i];
        if (c >= 0x80) {
            size_t w = wide_char(p, i);
            if (!w) bail(r);
            i += w;
        } else if (c < 0x20 || c == 0x7F) {
            bail(r);
        } else {
            i++;
        }
    }
    return i;
}

/* From the start of a line: skips blank and comment lines to the next content, setting
 * pos, line_start and ind, or eof. */
static void next_content(reader *r)
{
    const unsigned char *p = r->p;
    size_t len = r->len;
    for (;;) {
        size_t i = r->pos;
        r->line_start = i;
        if (len - i >= 3 && ((p[i] == '-' && p[i + 1] == '-' && p[i + 2] == '-') ||
                             (p[i] == '.' && p[i + 1] == '.' && p[i + 2] == '.')))
            bail(r); /* a document marker (or text that starts like one) */
        while (i < len && p[i] == ' ') i++;
        if (i == len) {
            r->pos = i;
            r->eof = true;
            return;
        }
        if (p[i] == '#') i = skip_comment(r, i);
        if (i < len && p[i] == '\n') {
            r->pos = i + 1;
            continue;
        }
        if (i == len) {
            r->pos = i;
            r->eof = true;
            return;
        }
        if (p[i] == '\t') bail(r);
        r->pos = i;
        r->ind = i - r->line_start;
        r->eof = false;
        return;
    }
}

/* After a node: blanks, an optional comment and the line break, then next_content. */
static void rest_of_line(reader *r)
{
    const unsigned char *p = r->p;
    size_t i = r->pos;
    while (i < r->len && p[i] == ' ') i++;
    if (i < r->len && p[i] == '#') {
        if (i == 0 || p[i - 1] != ' ') bail(r); /* a comment starts after a blank */
        i = skip_comment(r, i);
    }
    if (i < r->len) {
        if (p[i] != '\n') bail(r);
        i++;
    }
    r->pos = i;
    next_content(r);
}

/* After an indicator (`key:`, `-`): skips the blanks; true when nothing but a comment
 * follows on the line (the value, if any, is on the next lines). */
static bool value_on_next_lines(reader *r)
{
    while (r->pos < r->len && r->p[r->pos] == ' ') r->pos++;
    return r->pos == r->len || r->p[r->pos] == '\n' || r->p[r->pos] == '#';
}

/* `- ` (or `-` at the end of a line) at pos. */
static bool at_entry(const reader *r)
{
    size_t i = r->pos;
    return i < r->len && r->p[i] == '-' && (i + 1 == r->len || r->p[i + 1] == ' ' || r->p[i + 1] == '\n');
}

/* Whether blanks and then a mapping indicator (`: ` or `:` at the end of a line) follow
 * pos; *at gets the ':' position. */
static bool colon_follows(const reader *r, size_t *at)
{
    size_t i = r->pos;
    while (i < r->len && r->p[i] == ' ') i++;
    *at = i;
    return i < r->len && r->p[i] == ':' && (i + 1 == r->len || r->p[i + 1] == ' ' || r->p[i + 1] == '\n');
}

static bool is_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* A plain scalar at pos; pos ends just after its last non-blank character. */
static void scan_plain(reader *r, int ctx, scalar *sc)
{
    const unsigned char *p = r->p;
    size_t len = r->len, i = r->pos, last;
    unsigned char c = p[i];
    if (c >= 0x80) {
        if (!wide_char(p, i)) bail(r);
    } else if (c <= 0x20 || c == 0x7F || strchr("-?:,[]{}#&*!|>'\"%@`", c)) {
        /* an indicator; only `-` before a digit, letter or '.' (-1, -x, -.5) is kept */
        if (!(c == '-' && i + 1 < len && (is_alnum(p[i + 1]) || p[i + 1] == '.'))) bail(r);
    }
    last = i;
    while (i < len) {
        c = p[i];
        if (c == '\n') break;
        if (c == ' ') {
            if (i + 1 < len && p[i + 1] == '#') break;
            i++;
            continue;
        }
        if (c == ':') {
            if (i + 1 == len || p[i + 1] == ' ' || p[i + 1] == '\n') break;
            if (ctx == FLOW) bail(r);
        } else if (ctx == FLOW && (c == ',' || c == ']' || c == '}')) {
            break;
        } else if (ctx == FLOW && (c == '[' || c == '{')) {
            bail(r);
        } else if (c >= 0x80) {
            size_t w = wide_char(p, i);
            if (!w) bail(r);
            i += w;
            last = i;
            continue;
        } else if (c < 0x20 || c == 0x7F) {
            bail(r);
        }
        i++;
        last = i;
    }
    sc->off = (uint32_t)r->pos;
    sc->end = (uint32_t)last;
    sc->val = (const char *)p + r->pos;
    sc->len = last - r->pos;
    sc->plain = true;
    r->pos = last;
}

static void tmp_put(reader *r, const void *s, size_t n)
{
    if (!n) return;
    if (r->ntmp + n > r->captmp) {
        size_t cap = r->captmp ? r->captmp : 256;
        while (cap < r->ntmp + n) cap *= 2;
        char *t = realloc(r->tmp, cap);
        if (!t) bail(r); /* libyaml will report it */
        r->tmp = t;
        r->captmp = cap;
    }
    memcpy(r->tmp + r->ntmp, s, n);
    r->ntmp += n;
}

/* A one-line single- or double-quoted scalar at pos; pos ends after the closing quote. */
static void scan_quoted(reader *r, scalar *sc)
{
    const unsigned char *p = r->p;
    size_t len = r->len, start = r->pos, i = start + 1, seg = i;
    unsigned char q = p[start];
    bool decoded = false;
    r->ntmp = 0;
    for (;;) {
        if (i == len) bail(r);
        unsigned char c = p[i];
        if (c == q) {
            if (q == '\'' && i + 1 < len && p[i + 1] == '\'') { /* '' is one quote */
                tmp_put(r, p + seg, i + 1 - seg);
                i += 2;
                seg = i;
                decoded = true;
                continue;
            }
            break;
        }
        if (c == '\\' && q == '"') {
            char d;
            switch (i + 1 < len ? p[i + 1] : 0) {
            case '"': d = '"'; break;
            case '\\': d = '\\'; break;
            case '/': d = '/'; break;
            case 'n': d = '\n'; break;
            case 't': d = '\t'; break;
            case 'r': d = '\r'; break;
            default: bail(r);
            }
            tmp_put(r, p + seg, i - seg);
            tmp_put(r, &d, 1);
            i += 2;
            seg = i;
            decoded = true;
            continue;
        }
        if (c >= 0x80) {
            size_t w = wide_char(p, i);
            if (!w) bail(r);
            i += w;
        } else if (c < 0x20 || c == 0x7F) {
            bail(r); /* a line break (a scalar over lines), a tab, a control */
        } else {
            i++;
        }
    }
    sc->off = (uint32_t)start;
    sc->end = (uint32_t)(i + 1);
    sc->plain = false;
    if (decoded) {
        tmp_put(r, p + seg, i - seg);
        sc->val = r->tmp;
        sc->len = r->ntmp;
    } else {
        sc->val = (const char *)p + start + 1;
        sc->len = i - start - 1;
    }
    r->pos = i + 1;
}

static void add_scalar(reader *r, const scalar *sc)
{
    ytree_attach(r->ps, ytree_scalar(r->ps, sc->off, sc->end, sc->val, sc->len, sc->plain));
}

/* The empty plain scalar libyaml makes up for `key:` or `-` with nothing after it. */
static void add_empty(reader *r)
{
    parser *ps = r->ps;
    uint32_t off = ytree_empty_pos(ps, ps->prev_end, (uint32_t)(r->eof ? r->len : r->pos));
    ytree_attach(ps, ytree_scalar(ps, off, off, "", 0, true));
}

static void begin(reader *r, mdc_ynode_kind kind, size_t off, bool flow)
{
    if (r->ps->depth == MDC_MAX_DEPTH) bail(r); /* libyaml reports YAML_TOO_DEEP */
    ytree_begin(r->ps, kind, (uint32_t)off, flow, NULL, NULL);
}

static void flow(reader *r);

/* Whether a flow collection ('[' or '{') starts at pos. */
static bool at_flow(const reader *r)
{
    return r->p[r->pos] == '[' || r->p[r->pos] == '{';
}

/* Blanks inside a flow collection, which must go on on this line. */
static void flow_space(reader *r)
{
    while (r->pos < r->len && r->p[r->pos] == ' ') r->pos++;
    if (r->pos == r->len) bail(r);
    unsigned char c = r->p[r->pos];
    if (c == '\n' || c == '#' || c == '\t') bail(r);
}

/* One node inside a flow collection, put in the tree. */
static void flow_item(reader *r, bool key)
{
    unsigned char c = r->p[r->pos];
    scalar sc;
    if (at_flow(r)) {
        if (key) bail(r);
        flow(r);
        return;
    }
    size_t start = r->pos;
    if (c == '"' || c == '\'')
        scan_quoted(r, &sc);
    else
        scan_plain(r, FLOW, &sc);
    if (key && r->pos - start > 1000) bail(r); /* libyaml's simple keys: 1024 characters */
    add_scalar(r, &sc);
}

/* A one-line flow collection at pos ('[' or '{'). */
static void flow(reader *r)
{
    bool map = r->p[r->pos] == '{';
    unsigned char close = map ? '}' : ']';
    begin(r, map ? MDC_Y_MAP : MDC_Y_SEQ, r->pos, true);
    r->pos++;
    flow_space(r);
    if (r->p[r->pos] != close) {
        for (;;) {
            flow_item(r, map);
            if (map) {
                flow_space(r);
                size_t i = r->pos;
                if (!(r->p[i] == ':' && i + 1 < r->len && r->p[i + 1] == ' ')) bail(r);
                r->pos++;
                flow_space(r);
                flow_item(r, false);
            }
            flow_space(r);
            if (r->p[r->pos] == ',') {
                r->pos++;
                flow_space(r);
                if (r->p[r->pos] == close) bail(r); /* a trailing comma */
                continue;
            }
            if (r->p[r->pos] != close) bail(r);
            break;
        }
    }
    r->pos++;
    ytree_end(r->ps, (uint32_t)r->pos);
}

/* A node after `key: ` or `- ` on the same line: a flow collection (put in the tree;
 * returns false) or a scalar (scanned into sc; returns true). */
static bool scan_inline(reader *r, scalar *sc)
{
    unsigned char c = r->p[r->pos];
    if (at_flow(r)) {
        flow(r);
        return false;
    }
    if (c == '"' || c == '\'')
        scan_quoted(r, sc);
    else
        scan_plain(r, BLOCK, sc);
    return true;
}

static void block_node(reader *r);
static void block_seq(reader *r, size_t col);

/* A block mapping at column col whose first key, already scanned, is `key`; pos is at the
 * ':' after it.  Ends at the next content less indented than col (or the end). */
static void block_map(reader *r, size_t col, scalar key)
{
    begin(r, MDC_Y_MAP, key.off, false);
    for (;;) {
        if (r->pos - key.off > 1000) bail(r); /* libyaml's simple keys: 1024 characters */
        add_scalar(r, &key);
        r->pos++; /* the ':' */
        if (value_on_next_lines(r)) {
            rest_of_line(r);
            if (!r->eof && r->ind > col)
                block_node(r);
            else if (!r->eof && r->ind == col && at_entry(r))
                block_seq(r, col); /* a sequence as indented as the key */
            else
                add_empty(r);
        } else {
            scalar v;
            if (scan_inline(r, &v)) add_scalar(r, &v);
            rest_of_line(r);
            if (!r->eof && r->ind > col) bail(r); /* a scalar over lines, or an error */
        }
        if (r->eof || r->ind < col) break;
        if (r->ind > col || at_entry(r)) bail(r);
        size_t at;
        if (at_flow(r)) bail(r); /* a collection as a key */
        if (!scan_inline(r, &key) || !colon_follows(r, &at)) bail(r);
        r->pos = at;
    }
    ytree_end(r->ps, 0);
}

/* A block sequence whose first `-` is at pos, column col. */
static void block_seq(reader *r, size_t col)
{
    begin(r, MDC_Y_SEQ, r->pos, false);
    for (;;) {
        r->pos++; /* the '-' */
        if (value_on_next_lines(r)) {
            rest_of_line(r);
            if (!r->eof && r->ind > col)
                block_node(r);
            else
                add_empty(r);
        } else if (at_entry(r)) {
            bail(r); /* - - x */
        } else {
            size_t kcol = r->pos - r->line_start, at;
            scalar v;
            bool is_scalar = scan_inline(r, &v);
            if (is_scalar && colon_follows(r, &at)) {
                r->pos = at;
                block_map(r, kcol, v); /* - key: value */
            } else {
                if (is_scalar) add_scalar(r, &v);
                rest_of_line(r);
                if (!r->eof && r->ind > col) bail(r);
            }
        }
        if (r->eof || r->ind < col) break;
        if (r->ind > col) bail(r);
        if (!at_entry(r)) break;
    }
    ytree_end(r->ps, 0);
}

/* A block collection starting at pos (column r->ind) at the start of a line's content. */
static void block_node(reader *r)
{
    size_t col = r->ind, at;
    if (at_entry(r)) {
        block_seq(r, col);
        return;
    }
    if (at_flow(r)) bail(r); /* a flow collection on a line of its own */
    scalar key;
    scan_inline(r, &key);
    if (!colon_follows(r, &at)) bail(r); /* a scalar on a line of its own */
    r->pos = at;
    block_map(r, col, key);
}

/* The whole file; false when it bailed.  setjmp is here, and everything it changes lives
 * in *r, which belongs to the caller: nothing of this function's own is read after a bail. */
static bool read_file(reader *r)
{
    if (setjmp(r->bail)) return false;
    next_content(r);
    if (r->eof) bail(r);
    if (at_flow(r)) bail(r);
    ytree_doc_start(r->ps, (uint32_t)r->pos, (uint32_t)r->pos);
    block_node(r);
    if (!r->eof) bail(r);
    ytree_doc_end(r->ps);
    return true;
}

bool mdc_yaml_fast_read(parser *ps)
{
    reader r;
    memset(&r, 0, sizeof r);
    r.ps = ps;
    r.p = ps->t.p;
    r.len = ps->t.len;
    r.pos = ps->t.base;
    bool ok = read_file(&r);
    free(r.tmp);
    return ok;
}
