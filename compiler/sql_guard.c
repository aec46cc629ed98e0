/*
 * sql_guard.c - the raw-SQL guard and the writer of accepted expressions (see sql_guard.h).
 *
 *   text -> common rules (control characters, line starts, empty)
 *        -> lexed as PostgreSQL with standard_conforming_strings on  (when meant for it)
 *        -> lexed as SQLite                                            (when meant for it)
 *        -> both found the same quoted tokens                          (when meant for both)
 *        -> lexed as PostgreSQL with standard_conforming_strings off, same quoted tokens
 *
 * Each lexer walks the text once, token by token, as its reader would, and stops at the
 * first thing that reader would take for more than a part of one expression.  It records
 * every quoted token (string, quoted name, blob) as a span [open, end): the comparison of
 * span lists is what tells that two readers see the same literals.  The lexers recognise
 * only what decides where tokens end; anything else (operators, keywords) is one byte that
 * is neither a quote nor a problem, and the database's own parser judges it later.
 */
#include "sql_guard.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef enum lexmode {
    LEX_PG,        /* PostgreSQL and psql, standard_conforming_strings on */
    LEX_PG_ESCAPE, /* the same with standard_conforming_strings off */
    LEX_SQLITE     /* SQLite's tokenizer and the sqlite3 shell */
} lexmode;

typedef struct span {
    size_t open, end; /* the opening quote character; one past the closing one */
} span;

typedef struct lexer {
    const char *s;
    size_t n;
    lexmode mode;
    span *spans; /* room for n / 2 + 1: every quoted token takes two bytes or more */
    size_t nspans;
    const char *why; /* the first problem, or NULL */
    size_t at;
} lexer;

static bool is_alpha(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* A character of a name after its first: letters, digits, `_`, `$`, any non-ASCII byte
 * (PostgreSQL's ident_cont and SQLite's IdChar agree on these). */
static bool name_char(unsigned char c)
{
    return is_alpha(c) || is_digit(c) || c == '_' || c == '$' || c >= 0x80;
}

static bool name_start(unsigned char c)
{
    return is_alpha(c) || c == '_' || c >= 0x80;
}

/* psql's variable_char: [A-Za-z\200-\377_0-9]. */
static bool psql_var_char(unsigned char c)
{
    return is_alpha(c) || is_digit(c) || c == '_' || c >= 0x80;
}

static bool problem(lexer *L, size_t at, const char *why)
{
    L->why = why;
    L->at = at;
    return false;
}

/*
 * A quoted token opening at s[open] == q.  A doubled q stands for one; with `escapes` a
 * backslash takes the next byte whatever it is.  `stop_at_first` ends the token at the
 * first q (bit strings and blobs, which have no doubling).  On success records the span
 * and sets *next past the closing quote.
 */
static bool quoted(lexer *L, size_t open, char q, bool escapes, bool stop_at_first, const char *unclosed,
                   size_t *next)
{
    const char *s = L->s;
    size_t i = open + 1;
    for (; i < L->n; i++) {
        if (escapes && s[i] == '\\') {
            if (i + 1 >= L->n) break;
            i++;
            continue;
        }
        if (s[i] != q) continue;
        if (!stop_at_first && i + 1 < L->n && s[i + 1] == q) {
            i++;
            continue;
        }
        L->spans[L->nspans].open = open;
        L->spans[L->nspans].end = i + 1;
        L->nspans++;
        *next = i + 1;
        return true;
    }
    return problem(L, open, unclosed);
}

/* $$ or $tag$ at s[i] (PostgreSQL): the length of the opening delimiter, or 0. */
static size_t dollar_tag(const char *s, size_t n, size_t i)
{
    size_t j = i + 1;
    if (j < n && s[j] == '$') return 2;
    if (j >= n || !name_start((unsigned char)s[j])) return 0;
    while (j < n && psql_var_char((unsigned char)s[j]))
        j++;
    return j < n && s[j] == '$' ? j + 1 - i : 0;
}

/* What both dialects refuse the same way outside quoted tokens: `;`, comments, a
 * backslash.  Returns true when s[i] is one of them (then L->why is set). */
static bool common_refusal(lexer *L, size_t i)
{
    const char *s = L->s;
    char c = s[i], d = i + 1 < L->n ? s[i + 1] : 0;
    if (c == ';') return !problem(L, i, "it contains `;`");
    if (c == '-' && d == '-') return !problem(L, i, "it contains a `--` comment");
    if (c == '/' && d == '*') return !problem(L, i, "it contains a `/*` comment");
    if (c == '\\')
        return !problem(L, i, "it contains a backslash outside a quoted string (psql would run it as a "
                              "command)");
    return false;
}

/* Parentheses: returns false (with the reason) when a `)` closes more than was opened. */
static bool paren(lexer *L, size_t i, long *depth)
{
    if (L->s[i] == '(') (*depth)++;
    if (L->s[i] == ')' && --*depth < 0) return problem(L, i, "a `)` has no matching `(`");
    return true;
}

/* PostgreSQL's tokens, as its scanner (scan.l) and psql's (psqlscan.l) read them. */
static bool lex_pg(lexer *L)
{
    const char *s = L->s;
    size_t n = L->n, i = 0;
    long depth = 0;
    bool escape_std = L->mode == LEX_PG_ESCAPE;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        unsigned char d = i + 1 < n ? (unsigned char)s[i + 1] : 0;
        unsigned char e = i + 2 < n ? (unsigned char)s[i + 2] : 0;
        if (c == '\'') {
            if (!quoted(L, i, '\'', escape_std, false, "a '...' string is not closed", &i)) return false;
        } else if (c == '"') {
            if (!quoted(L, i, '"', false, false, "a \"...\" name is not closed", &i)) return false;
        } else if ((c == 'E' || c == 'e') && d == '\'') {
            if (!quoted(L, i + 1, '\'', true, false, "an E'...' string is not closed", &i)) return false;
        } else if ((c == 'U' || c == 'u') && d == '&' && (e == '\'' || e == '"')) {
            if (!quoted(L, i + 2, (char)e, false, false, "a U&'...' string is not closed", &i)) return false;
        } else if ((c == 'B' || c == 'b' || c == 'X' || c == 'x') && d == '\'') {
            if (!quoted(L, i + 1, '\'', false, true, "a bit string is not closed", &i)) return false;
        } else if (name_start(c)) {
            while (i < n && name_char((unsigned char)s[i]))
                i++;
        } else if (is_digit(c)) {
            /* a number, and any name characters stuck to it (PostgreSQL 15 calls that
             * trailing junk), but never a `$`: `1$$x$$` is a number and a dollar quote */
            while (i < n && s[i] != '$' && (name_char((unsigned char)s[i]) || s[i] == '.'))
                i++;
        } else if (c == '$') {
            if (dollar_tag(s, n, i)) return problem(L, i, "it contains a dollar-quoted string");
            return problem(L, i, "it contains `$` outside a name");
        } else if (c == ':') {
            if (d == ':') { /* a cast */
                i += 2;
                continue;
            }
            if (psql_var_char(d) || d == '\'' || d == '"' || d == '{')
                return problem(L, i, "it contains `:` before a name (psql would substitute a variable)");
            i++;
        } else if (common_refusal(L, i)) {
            return false;
        } else {
            if (!paren(L, i, &depth)) return false;
            i++;
        }
    }
    if (depth > 0) return problem(L, n, "a `(` is not closed");
    return true;
}

/* SQLite's tokens, as sqlite3GetToken (tokenize.c) and sqlite3_complete read them. */
static bool lex_sqlite(lexer *L)
{
    const char *s = L->s;
    size_t n = L->n, i = 0;
    long depth = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        unsigned char d = i + 1 < n ? (unsigned char)s[i + 1] : 0;
        if (c == '\'') {
            if (!quoted(L, i, '\'', false, false, "a '...' string is not closed", &i)) return false;
        } else if (c == '"') {
            if (!quoted(L, i, '"', false, false, "a \"...\" name is not closed", &i)) return false;
        } else if (c == '`') {
            if (!quoted(L, i, '`', false, false, "a `...` name is not closed", &i)) return false;
        } else if (c == '[') {
            if (!quoted(L, i, ']', false, true, "a [...] name is not closed", &i)) return false;
        } else if ((c == 'X' || c == 'x') && d == '\'') {
            if (!quoted(L, i + 1, '\'', false, true, "a blob is not closed", &i)) return false;
        } else if (name_start(c)) {
            while (i < n && name_char((unsigned char)s[i]))
                i++;
        } else if (is_digit(c)) {
            while (i < n && (name_char((unsigned char)s[i]) || s[i] == '.'))
                i++;
        } else if (c == '$' || c == '@' || c == ':' || c == '#') {
            /* a parameter: the character and a name (`::` allowed inside, as in Tcl); with
             * Tcl's name(...) form the token runs to the next `)` or blank */
            size_t j = i + 1, len = 0;
            for (; j < n; j++) {
                if (name_char((unsigned char)s[j])) {
                    len++;
                } else if (s[j] == '(' && len > 0) {
                    return problem(L, i, "it contains a Tcl-style parameter `name(...)`");
                } else if (s[j] == ':' && j + 1 < n && s[j + 1] == ':') {
                    j++;
                } else {
                    break;
                }
            }
            i = len ? j : i + 1;
        } else if (common_refusal(L, i)) {
            return false;
        } else {
            if (!paren(L, i, &depth)) return false;
            i++;
        }
    }
    if (depth > 0) return problem(L, n, "a `(` is not closed");
    return true;
}

static bool lex(lexer *L)
{
    return L->mode == LEX_SQLITE ? lex_sqlite(L) : lex_pg(L);
}

/* The first place where two span lists differ: the smaller opening offset there. */
static bool same_spans(const lexer *a, const lexer *b, size_t *at)
{
    size_t k = 0;
    while (k < a->nspans && k < b->nspans && a->spans[k].open == b->spans[k].open &&
           a->spans[k].end == b->spans[k].end)
        k++;
    if (k == a->nspans && k == b->nspans) return true;
    size_t x = k < a->nspans ? a->spans[k].open : SIZE_MAX, y = k < b->nspans ? b->spans[k].open : SIZE_MAX;
    *at = x < y ? x : y;
    return false;
}

/* The rules that do not depend on a reader. */
static const char *common_rules(const char *s, size_t n, size_t *at)
{
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f) {
            *at = i;
            return "it contains a control character (only tab and line feed may appear)";
        }
        if (c != ' ' && c != '\t' && c != '\n') any = true;
        if (c != '\n') continue;
        size_t j = i + 1;
        while (j < n && (s[j] == ' ' || s[j] == '\t'))
            j++;
        if (j < n && (s[j] == '.' || s[j] == '\\')) {
            *at = j;
            return s[j] == '.' ? "a line of it starts with `.` (the sqlite3 shell would run it as a command)"
                               : "a line of it starts with `\\` (psql would run it as a command)";
        }
    }
    if (!any) {
        *at = 0;
        return "it is empty";
    }
    return NULL;
}

/* The reason for two readers' different quoted tokens, by what the text holds there. */
static const char *disagreement(const char *s, size_t n, size_t at)
{
    char c = at < n ? s[at] : 0;
    if (c == '[') return "it contains a [...] name, which only SQLite reads as a name";
    if (c == '`') return "it contains a `...` name, which only SQLite reads as a name";
    return "PostgreSQL and SQLite would end a quoted string in it at different places (a backslash "
           "before a quote, or an E'...' string)";
}

const char *mdc_sql_guard_for(const char *sql, unsigned readers, size_t *at)
{
    size_t where = 0;
    const char *why = NULL;
    span *buf = NULL;
    if (!sql) {
        why = "it is empty";
        goto done;
    }
    size_t n = strlen(sql);
    if ((why = common_rules(sql, n, &where))) goto done;
    size_t room = n / 2 + 1;
    buf = malloc(3 * room * sizeof *buf);
    if (!buf) abort();
    lexer pg = {sql, n, LEX_PG, buf, 0, NULL, 0};
    lexer lite = {sql, n, LEX_SQLITE, buf + room, 0, NULL, 0};
    lexer pge = {sql, n, LEX_PG_ESCAPE, buf + 2 * room, 0, NULL, 0};
    bool for_pg = readers & MDC_SQL_FOR_POSTGRES, for_lite = readers & MDC_SQL_FOR_SQLITE;
    if (for_pg && !lex(&pg)) {
        why = pg.why;
        where = pg.at;
        goto done;
    }
    if (for_lite && !lex(&lite)) {
        why = lite.why;
        where = lite.at;
        goto done;
    }
    if (for_pg && for_lite && !same_spans(&pg, &lite, &where)) {
        why = disagreement(sql, n, where);
        goto done;
    }
    if (for_pg) {
        bool lexed = lex(&pge);
        if (same_spans(&pg, &pge, &where)) { /* the same tokens up to where it stopped */
            if (lexed) goto done;
            where = pge.at;
        }
        why = "a '...' string holds a backslash before a quote (PostgreSQL reads it differently when "
              "standard_conforming_strings is off)";
        goto done;
    }
done:
    free(buf);
    if (at) *at = why ? where : 0;
    return why;
}

const char *mdc_sql_guard(const char *sql)
{
    return mdc_sql_guard_for(sql, MDC_SQL_FOR_BOTH, NULL);
}

void mdc_sql_expr_write(mdc_buf *b, const char *sql, unsigned reader)
{
    const char *s = sql ? sql : "";
    size_t n = strlen(s);
    span *buf = malloc((n / 2 + 1) * sizeof *buf);
    if (!buf) abort();
    lexer L = {s, n, reader == MDC_SQL_FOR_SQLITE ? LEX_SQLITE : LEX_PG, buf, 0, NULL, 0};
    lex(&L); /* on a problem, the spans read so far: line breaks after them become spaces */
    mdc_buf_putc(b, '(');
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        while (k < L.nspans && L.spans[k].end <= i)
            k++;
        bool inside = k < L.nspans && L.spans[k].open <= i;
        mdc_buf_putc(b, s[i] == '\n' && !inside ? ' ' : s[i]);
    }
    mdc_buf_putc(b, ')');
    free(buf);
}
