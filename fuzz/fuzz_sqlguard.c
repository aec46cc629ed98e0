/*
 * fuzz_sqlguard.c - libFuzzer target for the raw-SQL guard (compiler/sql_guard.c) and the
 * way migrations write what it accepts (mdc_sql_expr_write, behind %E).
 *
 * For arbitrary bytes the guard accepts for both dialects, an independent and much simpler
 * reading must prove the text harmless:
 *
 *   - only '...' and "..." quoting (a doubled quote inside), nothing else: every quoted
 *     token the real readers could see differently ($$, E'\'', [..], `..`, a backslash
 *     before a quote) was refused, so these two rules must find the same tokens;
 *   - outside them: no `;`, no `--` or slash-star, no backslash, no `[` or backquote,
 *     no `:` but in `::` or before a character that cannot start a psql variable, no `$`
 *     except after the first character of a name, parentheses that balance and never go
 *     below zero;
 *   - no control character but tab and line feed; no line that starts (after blanks) with
 *     `.` or a backslash;
 *   - written by %E for either dialect: "(" text ")" where every line feed lies inside a
 *     quoted token, so no line a client reads starts outside one.
 *
 * Texts accepted for one dialect only (a custom default) are checked by the same rules
 * minus the two-dialect ones; for every input the guard must return, never crash or hang.
 *
 *   CC=clang cmake -S . -B build-fuzz -DMDC_FUZZ=ON -DMDC_SANITIZE=ON -DMDC_TESTS=OFF
 *   cmake --build build-fuzz --target fuzz_sqlguard
 *   ./build-fuzz/fuzz_sqlguard -max_len=256 fuzz/corpus/sqlguard
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/sql_guard.h"
#include "model/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool alnum(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c >= 0x80;
}

/* The simple reading of an accepted two-dialect text (see the header); aborts on a breach.
 * in_quote, when not NULL, gets 1 for every byte inside a quoted token. */
static void simple_check(const char *s, size_t n, char *in_quote)
{
    long depth = 0;
    bool in_name = false;  /* inside a run of name characters and `$` */
    unsigned char first = 0; /* the run's first character */
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\'' || c == '"') {
            size_t j = i + 1;
            for (;;) {
                if (j >= n) abort(); /* an unclosed quote was accepted */
                if (s[j] == (char)c) {
                    if (j + 1 < n && s[j + 1] == (char)c) {
                        j += 2;
                        continue;
                    }
                    break;
                }
                j++;
            }
            if (in_quote) memset(in_quote + i, 1, j + 1 - i);
            i = j + 1;
            in_name = false;
            continue;
        }
        if (alnum(c) || c == '$') {
            if (!in_name) first = c;
            in_name = true;
        } else {
            in_name = false;
        }
        unsigned char d = i + 1 < n ? (unsigned char)s[i + 1] : 0;
        if (c == ';' || c == '\\' || c == '[' || c == '`') abort();
        if ((c == '-' && d == '-') || (c == '/' && d == '*')) abort();
        if (c == ':') {
            if (d == ':') {
                i += 2;
                continue;
            }
            if (alnum(d) || d == '\'' || d == '"' || d == '{') abort();
        }
        /* `$` only inside a name: a run that starts with a letter, `_` or a non-ASCII byte */
        if (c == '$' && (first == '$' || (first >= '0' && first <= '9'))) abort();
        if (c == '(') depth++;
        if (c == ')' && --depth < 0) abort();
        i++;
    }
    if (depth != 0) abort();
}

/* The rules every accepted text meets, whatever its readers. */
static void line_rules(const char *s, size_t n)
{
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f) abort();
        if (c != ' ' && c != '\t' && c != '\n') any = true;
        if (c == '\n') {
            size_t j = i + 1;
            while (j < n && (s[j] == ' ' || s[j] == '\t'))
                j++;
            if (j < n && (s[j] == '.' || s[j] == '\\')) abort();
        }
    }
    if (!any) abort();
}

/* %E's output for a reader: "(" text ")", the same bytes but line feeds outside quoted
 * tokens, which are spaces; with in_quote (two-dialect texts) every line feed left is
 * inside a quoted token. */
static void layout_check(const char *s, size_t n, unsigned reader, const char *in_quote)
{
    mdc_buf b = MDC_BUF_INIT;
    mdc_sql_expr_write(&b, s, reader);
    if (b.len != n + 2 || b.ptr[0] != '(' || b.ptr[n + 1] != ')') abort();
    for (size_t i = 0; i < n; i++) {
        char o = b.ptr[i + 1];
        if (s[i] != '\n' ? o != s[i] : (o != '\n' && o != ' ')) abort();
        if (in_quote && o == '\n' && !in_quote[i]) abort();
    }
    mdc_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    char *in_quote = calloc(size + 1, 1);
    if (!s || !in_quote) abort();
    memcpy(s, data, size);
    s[size] = 0;
    size_t n = strlen(s); /* the guard sees C strings: up to the first NUL */
    size_t at = 0;
    if (!mdc_sql_guard_for(s, MDC_SQL_FOR_BOTH, &at)) {
        line_rules(s, n);
        simple_check(s, n, in_quote);
        layout_check(s, n, MDC_SQL_FOR_POSTGRES, in_quote);
        layout_check(s, n, MDC_SQL_FOR_SQLITE, in_quote);
        /* accepted for both means accepted for each */
        if (mdc_sql_guard_for(s, MDC_SQL_FOR_POSTGRES, NULL) || mdc_sql_guard_for(s, MDC_SQL_FOR_SQLITE, NULL))
            abort();
    } else if (at > n) {
        abort();
    }
    static const unsigned one[] = {MDC_SQL_FOR_POSTGRES, MDC_SQL_FOR_SQLITE};
    for (size_t k = 0; k < 2; k++) {
        at = 0;
        if (!mdc_sql_guard_for(s, one[k], &at)) {
            line_rules(s, n);
            layout_check(s, n, one[k], NULL);
        } else if (at > n) {
            abort();
        }
    }
    free(s);
    free(in_quote);
    return 0;
}
