/*
 * report.c - the renderers of `mdc check` diagnostics and `mdc hash` results; see report.h.
 *
 * Every renderer walks the same (already sorted) list and appends to a buffer; none of
 * them sorts, filters or allocates from the compilation's arena, so the output is a pure
 * function of the input.  Each format has its own escaping, and each is done here in one
 * place:
 *
 *   text    control characters in user-written text become visible escapes (\x1b), so a
 *           hostile file name or YAML key cannot drive the terminal; an embedded newline
 *           continues on an indented line.
 *   json    mdc_json_str (model/json.h), the same escaping as canonical JSON, then DEL, C1
 *           and bidi controls as \uNNNN (mdc_json_safe), so the text is terminal-safe too.
 *   github  the text escaping of controls, then the workflow-command escaping of
 *           @actions/core: % and \n in the message, and also : and , in property values.
 *   sarif   JSON escaping, and the artifact URI percent-encoded (RFC 3986), since a path
 *           may hold spaces, '%', '#', or a ':' that would read as a URI scheme.
 */
#include "escape.h"
#include "report.h"

#include <stdio.h>
#include <string.h>

#include "../model/codes.h"
#include "../model/json.h"

#ifndef MDC_VERSION
#define MDC_VERSION "0.0.0"
#endif

#define ANSI_BOLD "\033[1m"
#define ANSI_RED "\033[1;31m"
#define ANSI_MAGENTA "\033[1;35m"
#define ANSI_RESET "\033[0m"

int mdc_format_parse(const char *s, mdc_format *out)
{
    static const struct {
        const char *name;
        mdc_format fmt;
    } names[] = {{"text", MDC_FORMAT_TEXT},
                 {"json", MDC_FORMAT_JSON},
                 {"github", MDC_FORMAT_GITHUB},
                 {"sarif", MDC_FORMAT_SARIF}};
    if (!s) return -1;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(s, names[i].name) == 0) {
            if (out) *out = names[i].fmt;
            return 0;
        }
    }
    return -1;
}

/* ------------------------------------------------------------------ shared helpers */

static const char *nz(const char *s)
{
    return s ? s : "";
}

static const char *severity_name(mdc_severity s)
{
    return s == MDC_WARNING ? "warning" : "error";
}

static void count_severities(const mdc_diags *d, size_t *errors, size_t *warnings)
{
    *errors = *warnings = 0;
    for (size_t i = 0; i < d->n; i++) {
        if (d->v[i]->severity == MDC_WARNING)
            (*warnings)++;
        else
            (*errors)++;
    }
}

/* ------------------------------------------------------------------ text */


/* "path:line:col:", "path:line:", "path:" or "mdc:". */
static void text_location(mdc_buf *b, const mdc_diag *dg)
{
    const char *path = nz(dg->path);
    if (!*path) {
        mdc_buf_puts(b, "mdc:");
        return;
    }
    mdc_text_put(b, path, NULL);
    if (dg->line) {
        mdc_buf_printf(b, ":%u", (unsigned)dg->line);
        if (dg->col) mdc_buf_printf(b, ":%u", (unsigned)dg->col);
    }
    mdc_buf_putc(b, ':');
}

static void text_count(mdc_buf *b, size_t n, const char *word)
{
    mdc_buf_printf(b, "%zu %s%s", n, word, n == 1 ? "" : "s");
}

/* path:line:col: error [CODE] message
 *     note: ...
 * ...
 * N errors, M warnings */
static void report_text(mdc_buf *b, const mdc_diags *d, const mdc_report_opts *o)
{
    for (size_t i = 0; i < d->n; i++) {
        const mdc_diag *dg = d->v[i];
        const char *sev = severity_name(dg->severity);
        if (o->color) mdc_buf_puts(b, ANSI_BOLD);
        text_location(b, dg);
        if (o->color)
            mdc_buf_printf(b, ANSI_RESET " %s%s" ANSI_RESET " " ANSI_BOLD,
                           dg->severity == MDC_WARNING ? ANSI_MAGENTA : ANSI_RED, sev);
        else
            mdc_buf_printf(b, " %s ", sev);
        mdc_buf_putc(b, '[');
        mdc_text_put(b, dg->code, NULL);
        mdc_buf_putc(b, ']');
        if (o->color) mdc_buf_puts(b, ANSI_RESET);
        mdc_buf_putc(b, ' ');
        mdc_text_put(b, dg->message, "    ");
        mdc_buf_putc(b, '\n');
        for (size_t k = 0; k < dg->nnotes; k++) {
            mdc_buf_puts(b, "    note: ");
            mdc_text_put(b, dg->notes[k], "    ");
            mdc_buf_putc(b, '\n');
        }
    }
    if (d->n) {
        size_t errors, warnings;
        count_severities(d, &errors, &warnings);
        text_count(b, errors, "error");
        mdc_buf_puts(b, ", ");
        text_count(b, warnings, "warning");
        mdc_buf_putc(b, '\n');
    }
}

/* ------------------------------------------------------------------ json (SPEC 9) */

/* {"diagnostics":[{"path","line","col","severity","code","message","notes":[]}],
 *  "errors":N,"warnings":N} */
static void report_json(mdc_buf *b, const mdc_diags *d)
{
    mdc_buf_puts(b, "{\"diagnostics\":[");
    for (size_t i = 0; i < d->n; i++) {
        const mdc_diag *dg = d->v[i];
        if (i) mdc_buf_putc(b, ',');
        mdc_buf_puts(b, "{\"path\":");
        mdc_json_str(b, nz(dg->path));
        mdc_buf_printf(b,
                       ",\"line\":%u,\"col\":%u,\"severity\":\"%s\",\"code\":", (unsigned)dg->line,
                       (unsigned)dg->col, severity_name(dg->severity));
        mdc_json_str(b, nz(dg->code));
        mdc_buf_puts(b, ",\"message\":");
        mdc_json_str(b, nz(dg->message));
        mdc_buf_puts(b, ",\"notes\":[");
        for (size_t k = 0; k < dg->nnotes; k++) {
            if (k) mdc_buf_putc(b, ',');
            mdc_json_str(b, nz(dg->notes[k]));
        }
        mdc_buf_puts(b, "]}");
    }
    size_t errors, warnings;
    count_severities(d, &errors, &warnings);
    mdc_buf_printf(b, "],\"errors\":%zu,\"warnings\":%zu}\n", errors, warnings);
}

/* ------------------------------------------------------------------ github */


/* ::error file=PREFIX+path,line=L,col=C,title=CODE::message%0Anote%0Anote */
static void report_github(mdc_buf *b, const mdc_diags *d, const mdc_report_opts *o)
{
    for (size_t i = 0; i < d->n; i++) {
        const mdc_diag *dg = d->v[i];
        mdc_buf_printf(b, "::%s ", severity_name(dg->severity));
        if (*nz(dg->path)) {
            mdc_buf_puts(b, "file=");
            mdc_github_put(b, o->path_prefix, true);
            mdc_github_put(b, dg->path, true);
            mdc_buf_putc(b, ',');
            if (dg->line) {
                mdc_buf_printf(b, "line=%u,", (unsigned)dg->line);
                if (dg->col) mdc_buf_printf(b, "col=%u,", (unsigned)dg->col);
            }
        }
        mdc_buf_puts(b, "title=");
        mdc_github_put(b, dg->code, true);
        mdc_buf_puts(b, "::");
        mdc_github_put(b, dg->message, false);
        for (size_t k = 0; k < dg->nnotes; k++) {
            mdc_buf_puts(b, "%0A");
            mdc_github_put(b, dg->notes[k], false);
        }
        mdc_buf_putc(b, '\n');
    }
}

/* ------------------------------------------------------------------ sarif 2.1.0 */



void mdc_sarif_code_rule(mdc_buf *b, const mdc_code_info *c)
{
    mdc_buf_puts(b, "{\"id\":");
    mdc_json_str(b, c->code);
    mdc_buf_puts(b, ",\"name\":\"");
    mdc_camel_case(b, c->code);
    mdc_buf_puts(b, "\",\"shortDescription\":{\"text\":");
    mdc_json_str(b, nz(c->summary));
    mdc_buf_puts(b, "},\"fullDescription\":{\"text\":");
    mdc_json_str(b, nz(c->help));
    mdc_buf_puts(b, "},\"help\":{\"text\":");
    mdc_json_str(b, nz(c->help));
    mdc_buf_puts(b, "},\"defaultConfiguration\":{\"level\":");
    mdc_json_str(b, nz(c->severity));
    mdc_buf_puts(b, "}}");
}

static void sarif_rules(mdc_buf *b)
{
    size_t n;
    const mdc_code_info *codes = mdc_codes(&n);
    mdc_buf_puts(b, "\"rules\":[");
    for (size_t i = 0; i < n; i++) {
        if (i) mdc_buf_putc(b, ',');
        mdc_sarif_code_rule(b, &codes[i]);
    }
    mdc_buf_putc(b, ']');
}

static void sarif_result(mdc_buf *b, const mdc_diag *dg, const mdc_report_opts *o)
{
    mdc_buf_puts(b, "{\"ruleId\":");
    mdc_json_str(b, nz(dg->code));
    long index = mdc_code_index(nz(dg->code));
    if (index >= 0) mdc_buf_printf(b, ",\"ruleIndex\":%ld", index);
    mdc_buf_printf(b, ",\"level\":\"%s\",\"message\":{\"text\":", severity_name(dg->severity));

    /* message and notes, one per line */
    mdc_buf text = MDC_BUF_INIT;
    mdc_buf_puts(&text, nz(dg->message));
    for (size_t k = 0; k < dg->nnotes; k++) {
        mdc_buf_putc(&text, '\n');
        mdc_buf_puts(&text, nz(dg->notes[k]));
    }
    mdc_json_strn(b, text.ptr, text.len);
    mdc_buf_free(&text);
    mdc_buf_putc(b, '}');

    if (*nz(dg->path)) {
        mdc_buf uri = MDC_BUF_INIT;
        mdc_uri_put(&uri, o->path_prefix);
        mdc_uri_put(&uri, dg->path);
        mdc_buf_puts(b, ",\"locations\":[{\"physicalLocation\":{\"artifactLocation\":{\"uri\":");
        mdc_json_strn(b, uri.ptr, uri.len);
        mdc_buf_free(&uri);
        mdc_buf_puts(b, ",\"uriBaseId\":\"%SRCROOT%\"}");
        if (dg->line) {
            mdc_buf_printf(b, ",\"region\":{\"startLine\":%u", (unsigned)dg->line);
            if (dg->col) mdc_buf_printf(b, ",\"startColumn\":%u", (unsigned)dg->col);
            mdc_buf_putc(b, '}');
        }
        mdc_buf_puts(b, "}}]");
    }
    mdc_buf_putc(b, '}');
}

static void report_sarif(mdc_buf *b, const mdc_diags *d, const mdc_report_opts *o)
{
    mdc_buf_puts(b, "{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\","
                    "\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{\"name\":\"mdc\","
                    "\"version\":");
    mdc_json_str(b, o->tool_version ? o->tool_version : MDC_VERSION);
    mdc_buf_puts(b, ",\"informationUri\":\"https://github.com/mdc/mdc\",");
    sarif_rules(b);
    mdc_buf_puts(b, "}},\"results\":[");
    for (size_t i = 0; i < d->n; i++) {
        if (i) mdc_buf_putc(b, ',');
        sarif_result(b, d->v[i], o);
    }
    mdc_buf_puts(b, "]}]}\n");
}

/* ------------------------------------------------------------------ entry points */

void mdc_report_diags(mdc_buf *out, mdc_format fmt, const mdc_diags *d, const mdc_report_opts *o)
{
    static const mdc_report_opts defaults = {false, "", NULL};
    if (!o) o = &defaults;
    size_t start = out->len;
    switch (fmt) {
    case MDC_FORMAT_JSON:
        report_json(out, d);
        mdc_json_safe(out, start);
        break;
    case MDC_FORMAT_GITHUB:
        report_github(out, d, o);
        break;
    case MDC_FORMAT_SARIF:
        report_sarif(out, d, o);
        mdc_json_safe(out, start);
        break;
    case MDC_FORMAT_TEXT:
    default:
        report_text(out, d, o);
        break;
    }
}

/* text: "CHECKSUM STRUCTURE_CHECKSUM kind/name path" per document, then "registry CHECKSUM";
 * json: {"registry":HEX,"documents":[{"kind","name","path","checksum","structure_checksum"}]}.
 * github and sarif have no hash form; they get text. */
void mdc_report_hash(mdc_buf *out, mdc_format fmt, const mdc_registry *reg)
{
    if (fmt == MDC_FORMAT_JSON) {
        size_t start = out->len;
        mdc_buf_puts(out, "{\"registry\":");
        mdc_json_str(out, reg->checksum);
        mdc_buf_puts(out, ",\"documents\":[");
        for (size_t i = 0; i < reg->ndocs; i++) {
            const mdc_doc *doc = reg->docs[i];
            if (i) mdc_buf_putc(out, ',');
            mdc_buf_puts(out, "{\"kind\":");
            mdc_json_str(out, mdc_kind_name(doc->kind));
            mdc_buf_puts(out, ",\"name\":");
            mdc_json_str(out, nz(doc->name));
            mdc_buf_puts(out, ",\"path\":");
            mdc_json_str(out, nz(doc->path));
            mdc_buf_puts(out, ",\"checksum\":");
            mdc_json_str(out, doc->checksum);
            mdc_buf_puts(out, ",\"structure_checksum\":");
            mdc_json_str(out, doc->structure_checksum);
            mdc_buf_putc(out, '}');
        }
        mdc_buf_puts(out, "]}\n");
        mdc_json_safe(out, start);
        return;
    }
    for (size_t i = 0; i < reg->ndocs; i++) {
        const mdc_doc *doc = reg->docs[i];
        mdc_buf_printf(out, "%s %s %s/", doc->checksum, doc->structure_checksum,
                       mdc_kind_name(doc->kind));
        mdc_text_put(out, doc->name, NULL);
        mdc_buf_putc(out, ' ');
        mdc_text_put(out, doc->path, NULL);
        mdc_buf_putc(out, '\n');
    }
    mdc_buf_printf(out, "registry %s\n", reg->checksum);
}
