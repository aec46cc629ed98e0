/*
 * diff_report.c - the renderers of `mdc diff` results; see diff_report.h.
 *
 * The diagnostics part of every format is rendered by mdc_report_diags (emit/report.c), so
 * that `mdc diff` and `mdc check` print a diagnostic the same way, byte for byte.  The
 * change part has its own renderers here, with the same escaping rules as report.c:
 *
 *   text      control characters in user-written text become visible escapes (\x1b), so
 *             a hostile name cannot drive the terminal; a newline continues on an
 *             indented line
 *   json      mdc_json_str (model/json.h)
 *   github    the workflow-command escaping of @actions/core: % \r \n in the message,
 *             and also : and , in property values
 *   sarif     JSON escaping; artifact URIs percent-encoded (RFC 3986)
 *   markdown  `|` escaped in table cells; < > & as HTML entities (GitHub renders inline
 *             HTML in step summaries); newlines folded to spaces
 *
 * (report.c keeps its escaping helpers static; the small copies below follow them.)
 *
 * Version strings are formatted by mdc_semver_str into a private arena that lives for one
 * call, so a renderer never allocates from the compilation's arena.
 */
#include "diff_report.h"
#include "escape.h"

#include <string.h>

#include "../model/codes.h"
#include "../model/json.h"

#ifndef MDC_VERSION
#define MDC_VERSION "0.0.0"
#endif

#define ANSI_BOLD "\033[1m"
#define ANSI_RED "\033[1;31m"
#define ANSI_YELLOW "\033[1;33m"
#define ANSI_GREEN "\033[1;32m"
#define ANSI_DIM "\033[2m"
#define ANSI_RESET "\033[0m"

/* ------------------------------------------------------------------ shared helpers */

static const char *nz(const char *s)
{
    return s ? s : "";
}

/* "MAJOR", "MINOR", "PATCH", "NONE" */
static const char *bump_upper(mdc_bump b)
{
    static const char *const n[] = {"NONE", "PATCH", "MINOR", "MAJOR"};
    return (unsigned)b < 4 ? n[b] : "?";
}

static size_t count_changes(const mdc_diff *df)
{
    size_t n = 0;
    for (size_t i = 0; i < df->ndocs; i++) n += df->docs[i]->nchanges;
    return n;
}

static void count_severities(const mdc_diags *d, size_t *errors, size_t *warnings)
{
    *errors = *warnings = 0;
    for (size_t i = 0; d && i < d->n; i++) {
        if (d->v[i]->severity == MDC_WARNING)
            (*warnings)++;
        else
            (*errors)++;
    }
}

/* A change is worth a warning (rather than a note) when it is risky or loses data. */
static bool change_is_serious(const mdc_change *ch)
{
    return ch->risk >= MDC_RISK_HIGH || ch->data_loss;
}

/* The version verdict of a document or of the registry, as the text and markdown
 * renderers show it:
 *   "1.4.0 -> needs 2.0.0"   declared, the head side's version is not enough
 *   "1.4.0 -> 2.0.0 ok"      declared and sufficient
 *   "1.4.0 -> 1.4.0"         declared, nothing required
 *   "1.0.0"                  declared on the head side only (a new document)
 *   NULL                     no declared version (derived from history) */
static const char *version_verdict(mdc_arena *a, const mdc_semver *from, const mdc_semver *to,
                                   const mdc_semver *required)
{
    const char *f = mdc_semver_str(a, from), *t = mdc_semver_str(a, to);
    if (f && t && required->present) {
        if (mdc_semver_cmp(to, required) >= 0) return mdc_printf(a, "%s -> %s ok", f, t);
        return mdc_printf(a, "%s -> needs %s", f, mdc_semver_str(a, required));
    }
    if (f && t) return mdc_printf(a, "%s -> %s", f, t);
    if (t) return t;
    if (f) return mdc_printf(a, "%s -> (removed)", f);
    return NULL;
}

/* ------------------------------------------------------------------ text */


static void text_count(mdc_buf *b, size_t n, const char *word)
{
    mdc_buf_printf(b, "%zu %s%s", n, word, n == 1 ? "" : "s");
}

static const char *bump_color(mdc_bump bump)
{
    switch (bump) {
    case MDC_BUMP_MAJOR:
        return ANSI_RED;
    case MDC_BUMP_MINOR:
        return ANSI_YELLOW;
    case MDC_BUMP_PATCH:
        return ANSI_GREEN;
    case MDC_BUMP_NONE:
    default:
        return "";
    }
}

/* `word` padded to `width`, coloured when color is set (padding stays outside the colour). */
static void text_padded(mdc_buf *b, const char *word, int width, const char *color, bool use_color)
{
    if (use_color && *color) mdc_buf_puts(b, color);
    mdc_buf_puts(b, word);
    if (use_color && *color) mdc_buf_puts(b, ANSI_RESET);
    for (int n = (int)strlen(word); n < width; n++) mdc_buf_putc(b, ' ');
}

/* mdc diff BASE..HEAD: registry needs a MAJOR bump (1.3.0 -> 2.0.0) */
static void text_header(mdc_buf *b, mdc_arena *a, const mdc_diff *df, const char *base_label,
                        const char *head_label, bool color)
{
    if (color) mdc_buf_puts(b, ANSI_BOLD);
    mdc_buf_puts(b, "mdc diff ");
    mdc_text_put(b, base_label, NULL);
    mdc_buf_puts(b, "..");
    mdc_text_put(b, head_label, NULL);
    mdc_buf_putc(b, ':');
    if (color) mdc_buf_puts(b, ANSI_RESET);
    if (df->ndocs == 0) {
        mdc_buf_puts(b, " no changes\n");
        return;
    }
    if (df->bump == MDC_BUMP_NONE) {
        mdc_buf_puts(b, " registry needs no version bump");
    } else {
        mdc_buf_puts(b, " registry needs a ");
        text_padded(b, bump_upper(df->bump), 0, bump_color(df->bump), color);
        mdc_buf_puts(b, " bump");
    }
    const char *v = version_verdict(a, &df->registry_from, &df->registry_to, &df->registry_required);
    if (v) mdc_buf_printf(b, " (%s)", v);
    mdc_buf_putc(b, '\n');
}

/* model User  1.4.0 -> needs 2.0.0 (major) */
static void text_doc_line(mdc_buf *b, mdc_arena *a, const mdc_doc_diff *dd, bool color)
{
    if (color) mdc_buf_puts(b, ANSI_BOLD);
    mdc_buf_printf(b, "%s ", mdc_kind_name(dd->kind));
    mdc_text_put(b, dd->name, NULL);
    if (color) mdc_buf_puts(b, ANSI_RESET);
    const char *v = version_verdict(a, &dd->from, &dd->to, &dd->required);
    mdc_buf_puts(b, "  ");
    mdc_buf_puts(b, v ? v : "(derived)");
    mdc_buf_puts(b, " (");
    text_padded(b, mdc_bump_name(dd->bump), 0, bump_color(dd->bump), color);
    mdc_buf_puts(b, ")\n");
}

/*   MAJOR HIGH     FIELD_MADE_REQUIRED  nickname: message  (path:line:col) [data-dependent]
 *         consumers: billing-service */
static void text_change(mdc_buf *b, const mdc_change *ch, int rule_width, bool color)
{
    mdc_buf_puts(b, "  ");
    text_padded(b, bump_upper(ch->bump), 6, bump_color(ch->bump), color);
    text_padded(b, mdc_risk_name(ch->risk), 9, ch->risk >= MDC_RISK_HIGH ? ANSI_RED : "", color);
    text_padded(b, ch->rule, rule_width + 2, "", color);
    if (ch->field) {
        mdc_text_put(b, ch->field, NULL);
        mdc_buf_puts(b, ": ");
    }
    mdc_text_put(b, ch->message, "        ");
    if (*nz(ch->loc.path)) {
        if (color) mdc_buf_puts(b, ANSI_DIM);
        mdc_buf_puts(b, "  (");
        mdc_text_put(b, ch->loc.path, NULL);
        if (ch->loc.line) {
            mdc_buf_printf(b, ":%u", (unsigned)ch->loc.line);
            if (ch->loc.col) mdc_buf_printf(b, ":%u", (unsigned)ch->loc.col);
        }
        mdc_buf_putc(b, ')');
        if (color) mdc_buf_puts(b, ANSI_RESET);
    }
    if (ch->data_loss) text_padded(b, " [data loss]", 0, ANSI_RED, color);
    if (ch->data_dependent) mdc_buf_puts(b, " [data-dependent]");
    mdc_buf_putc(b, '\n');
    if (ch->nconsumers) {
        mdc_buf_puts(b, "        consumers: ");
        for (size_t i = 0; i < ch->nconsumers; i++) {
            if (i) mdc_buf_puts(b, ", ");
            mdc_text_put(b, ch->consumers[i], NULL);
        }
        mdc_buf_putc(b, '\n');
    }
}

static void report_text(mdc_buf *b, mdc_arena *a, const mdc_diff *df, const mdc_diags *diags,
                        const char *base_label, const char *head_label, const mdc_report_opts *o)
{
    int rule_width = 0;
    for (size_t i = 0; i < df->ndocs; i++)
        for (size_t k = 0; k < df->docs[i]->nchanges; k++) {
            int w = (int)strlen(df->docs[i]->changes[k]->rule);
            if (w > rule_width) rule_width = w;
        }

    text_header(b, a, df, base_label, head_label, o->color);
    for (size_t i = 0; i < df->ndocs; i++) {
        const mdc_doc_diff *dd = df->docs[i];
        mdc_buf_putc(b, '\n');
        text_doc_line(b, a, dd, o->color);
        for (size_t k = 0; k < dd->nchanges; k++) text_change(b, dd->changes[k], rule_width, o->color);
    }
    if (diags && diags->n) {
        mdc_buf_putc(b, '\n');
        mdc_report_diags(b, MDC_FORMAT_TEXT, diags, o);
    }

    size_t errors, warnings;
    count_severities(diags, &errors, &warnings);
    if (df->ndocs == 0 && errors + warnings == 0) return; /* the header said "no changes" */
    mdc_buf_putc(b, '\n');
    text_count(b, count_changes(df), "change");
    mdc_buf_puts(b, " in ");
    text_count(b, df->ndocs, "document");
    mdc_buf_printf(b, ", registry bump %s, ", mdc_bump_name(df->bump));
    text_count(b, errors, "error");
    mdc_buf_puts(b, ", ");
    text_count(b, warnings, "warning");
    mdc_buf_putc(b, '\n');
}

/* ------------------------------------------------------------------ json (SPEC 9) */

static void json_version(mdc_buf *b, mdc_arena *a, const mdc_semver *v)
{
    const char *s = mdc_semver_str(a, v);
    if (s)
        mdc_json_str(b, s);
    else
        mdc_buf_puts(b, "null");
}

/* {"from":V|null,"to":V|null,"required":V|null} */
static void json_versions(mdc_buf *b, mdc_arena *a, const mdc_semver *from, const mdc_semver *to,
                          const mdc_semver *required)
{
    mdc_buf_puts(b, "{\"from\":");
    json_version(b, a, from);
    mdc_buf_puts(b, ",\"to\":");
    json_version(b, a, to);
    mdc_buf_puts(b, ",\"required\":");
    json_version(b, a, required);
    mdc_buf_putc(b, '}');
}

static void json_consumers(mdc_buf *b, const mdc_change *ch)
{
    mdc_buf_putc(b, '[');
    for (size_t i = 0; i < ch->nconsumers; i++) {
        if (i) mdc_buf_putc(b, ',');
        mdc_json_str(b, nz(ch->consumers[i]));
    }
    mdc_buf_putc(b, ']');
}

/* {"rule","field"?,"bump","risk","data_loss","data_dependent","message","path","line","col",
 *  "consumers"} */
static void json_change(mdc_buf *b, const mdc_change *ch)
{
    mdc_buf_puts(b, "{\"rule\":");
    mdc_json_str(b, nz(ch->rule));
    if (ch->field) {
        mdc_buf_puts(b, ",\"field\":");
        mdc_json_str(b, ch->field);
    }
    mdc_buf_printf(b, ",\"bump\":\"%s\",\"risk\":\"%s\",\"data_loss\":%s,\"data_dependent\":%s",
                   mdc_bump_name(ch->bump), mdc_risk_name(ch->risk), ch->data_loss ? "true" : "false",
                   ch->data_dependent ? "true" : "false");
    mdc_buf_puts(b, ",\"message\":");
    mdc_json_str(b, nz(ch->message));
    mdc_buf_puts(b, ",\"path\":");
    mdc_json_str(b, nz(ch->loc.path));
    mdc_buf_printf(b, ",\"line\":%u,\"col\":%u,\"consumers\":", (unsigned)ch->loc.line,
                   (unsigned)ch->loc.col);
    json_consumers(b, ch);
    mdc_buf_putc(b, '}');
}

static void report_json(mdc_buf *b, mdc_arena *a, const mdc_diff *df, const mdc_diags *diags,
                        const char *base_label, const char *head_label)
{
    mdc_buf_puts(b, "{\"base\":");
    mdc_json_str(b, nz(base_label));
    mdc_buf_puts(b, ",\"head\":");
    mdc_json_str(b, nz(head_label));
    mdc_buf_printf(b, ",\"bump\":\"%s\",\"registry_version\":", mdc_bump_name(df->bump));
    json_versions(b, a, &df->registry_from, &df->registry_to, &df->registry_required);
    mdc_buf_puts(b, ",\"documents\":[");
    for (size_t i = 0; i < df->ndocs; i++) {
        const mdc_doc_diff *dd = df->docs[i];
        if (i) mdc_buf_putc(b, ',');
        mdc_buf_puts(b, "{\"kind\":");
        mdc_json_str(b, mdc_kind_name(dd->kind));
        mdc_buf_puts(b, ",\"name\":");
        mdc_json_str(b, nz(dd->name));
        mdc_buf_printf(b, ",\"bump\":\"%s\",\"version\":", mdc_bump_name(dd->bump));
        json_versions(b, a, &dd->from, &dd->to, &dd->required);
        mdc_buf_puts(b, ",\"changes\":[");
        for (size_t k = 0; k < dd->nchanges; k++) {
            if (k) mdc_buf_putc(b, ',');
            json_change(b, dd->changes[k]);
        }
        mdc_buf_puts(b, "]}");
    }
    mdc_buf_puts(b, "],");

    /* The diagnostics, errors and warnings exactly as `mdc check --format json` writes
     * them: its object {"diagnostics":[...],"errors":N,"warnings":N}\n without the
     * opening brace continues ours. */
    mdc_buf tail = MDC_BUF_INIT;
    mdc_diags none = {0};
    mdc_report_diags(&tail, MDC_FORMAT_JSON, diags ? diags : &none, NULL);
    if (tail.len && tail.ptr[0] == '{')
        mdc_buf_put(b, tail.ptr + 1, tail.len - 1);
    else /* cannot happen with report.c's renderer; stay valid JSON anyway */
        mdc_buf_puts(b, "\"diagnostics\":[],\"errors\":0,\"warnings\":0}\n");
    mdc_buf_free(&tail);
}

/* ------------------------------------------------------------------ github */


/* ::warning file=PREFIX+path,line=L,col=C,title=RULE (bump, risk)::message%0Aconsumers: a, b */
static void github_change(mdc_buf *b, const mdc_change *ch, const mdc_report_opts *o)
{
    mdc_buf_printf(b, "::%s ", change_is_serious(ch) ? "warning" : "notice");
    if (*nz(ch->loc.path)) {
        mdc_buf_puts(b, "file=");
        mdc_github_put(b, o->path_prefix, true);
        mdc_github_put(b, ch->loc.path, true);
        mdc_buf_putc(b, ',');
        if (ch->loc.line) {
            mdc_buf_printf(b, "line=%u,", (unsigned)ch->loc.line);
            if (ch->loc.col) mdc_buf_printf(b, "col=%u,", (unsigned)ch->loc.col);
        }
    }
    mdc_buf_puts(b, "title=");
    mdc_buf title = MDC_BUF_INIT;
    mdc_buf_printf(&title, "%s (%s, %s)", nz(ch->rule), mdc_bump_name(ch->bump), mdc_risk_name(ch->risk));
    mdc_github_put(b, title.ptr, true);
    mdc_buf_free(&title);
    mdc_buf_puts(b, "::");
    mdc_github_put(b, ch->message, false);
    if (ch->nconsumers) {
        mdc_buf_puts(b, "%0Aconsumers: ");
        for (size_t i = 0; i < ch->nconsumers; i++) {
            if (i) mdc_buf_puts(b, ", ");
            mdc_github_put(b, ch->consumers[i], false);
        }
    }
    mdc_buf_putc(b, '\n');
}

static void report_github(mdc_buf *b, const mdc_diff *df, const mdc_diags *diags,
                          const mdc_report_opts *o)
{
    for (size_t i = 0; i < df->ndocs; i++)
        for (size_t k = 0; k < df->docs[i]->nchanges; k++) github_change(b, df->docs[i]->changes[k], o);
    if (diags) mdc_report_diags(b, MDC_FORMAT_GITHUB, diags, o);
}

/* ------------------------------------------------------------------ sarif 2.1.0 */



/* ,"locations":[{"physicalLocation":{...}}] when there is a path */
static void sarif_location(mdc_buf *b, const char *path, uint32_t line, uint32_t col,
                           const mdc_report_opts *o)
{
    if (!*nz(path)) return;
    mdc_buf uri = MDC_BUF_INIT;
    mdc_uri_put(&uri, o->path_prefix);
    mdc_uri_put(&uri, path);
    mdc_buf_puts(b, ",\"locations\":[{\"physicalLocation\":{\"artifactLocation\":{\"uri\":");
    mdc_json_strn(b, uri.ptr ? uri.ptr : "", uri.len);
    mdc_buf_free(&uri);
    mdc_buf_puts(b, ",\"uriBaseId\":\"%SRCROOT%\"}");
    if (line) {
        mdc_buf_printf(b, ",\"region\":{\"startLine\":%u", (unsigned)line);
        if (col) mdc_buf_printf(b, ",\"startColumn\":%u", (unsigned)col);
        mdc_buf_putc(b, '}');
    }
    mdc_buf_puts(b, "}}]");
}

/* The diff rule catalog, then the diagnostic code catalog (ruleIndex: the rules first). */
static void sarif_rules(mdc_buf *b)
{
    size_t nrules, ncodes;
    const mdc_rule_info *rules = mdc_rules(&nrules);
    const mdc_code_info *codes = mdc_codes(&ncodes);
    mdc_buf_puts(b, "\"rules\":[");
    for (size_t i = 0; i < nrules; i++) {
        const mdc_rule_info *r = &rules[i];
        if (i) mdc_buf_putc(b, ',');
        mdc_buf_puts(b, "{\"id\":");
        mdc_json_str(b, r->rule);
        mdc_buf_puts(b, ",\"name\":\"");
        mdc_camel_case(b, r->rule);
        mdc_buf_puts(b, "\",\"shortDescription\":{\"text\":");
        mdc_json_str(b, nz(r->summary));
        mdc_buf_printf(b,
                       "},\"defaultConfiguration\":{\"level\":\"%s\"},\"properties\":{\"bump\":\"%s\","
                       "\"risk\":\"%s\",\"data_loss\":%s,\"data_dependent\":%s}}",
                       (r->risk >= MDC_RISK_HIGH || r->data_loss) ? "warning" : "note",
                       mdc_bump_name(r->bump), mdc_risk_name(r->risk), r->data_loss ? "true" : "false",
                       r->data_dependent ? "true" : "false");
    }
    for (size_t i = 0; i < ncodes; i++) {
        if (nrules || i) mdc_buf_putc(b, ',');
        mdc_sarif_code_rule(b, &codes[i]);
    }
    mdc_buf_putc(b, ']');
}

static void sarif_change(mdc_buf *b, const mdc_change *ch, const mdc_report_opts *o)
{
    size_t nrules;
    const mdc_rule_info *rules = mdc_rules(&nrules);
    const mdc_rule_info *ri = mdc_rule_lookup(nz(ch->rule));
    mdc_buf_puts(b, "{\"ruleId\":");
    mdc_json_str(b, nz(ch->rule));
    if (ri) mdc_buf_printf(b, ",\"ruleIndex\":%ld", (long)(ri - rules));
    mdc_buf_printf(b, ",\"level\":\"%s\",\"message\":{\"text\":",
                   change_is_serious(ch) ? "warning" : "note");
    mdc_json_str(b, nz(ch->message));
    mdc_buf_putc(b, '}');
    sarif_location(b, ch->loc.path, ch->loc.line, ch->loc.col, o);
    mdc_buf_printf(b, ",\"properties\":{\"bump\":\"%s\",\"risk\":\"%s\",\"consumers\":",
                   mdc_bump_name(ch->bump), mdc_risk_name(ch->risk));
    json_consumers(b, ch);
    mdc_buf_puts(b, "}}");
}

static void sarif_diag(mdc_buf *b, const mdc_diag *dg, const mdc_report_opts *o)
{
    size_t nrules;
    (void)mdc_rules(&nrules);
    mdc_buf_puts(b, "{\"ruleId\":");
    mdc_json_str(b, nz(dg->code));
    long index = mdc_code_index(nz(dg->code));
    if (index >= 0) mdc_buf_printf(b, ",\"ruleIndex\":%ld", (long)nrules + index);
    mdc_buf_printf(b, ",\"level\":\"%s\",\"message\":{\"text\":",
                   dg->severity == MDC_WARNING ? "warning" : "error");
    mdc_buf text = MDC_BUF_INIT;
    mdc_buf_puts(&text, nz(dg->message));
    for (size_t k = 0; k < dg->nnotes; k++) {
        mdc_buf_putc(&text, '\n');
        mdc_buf_puts(&text, nz(dg->notes[k]));
    }
    mdc_json_strn(b, text.ptr ? text.ptr : "", text.len);
    mdc_buf_free(&text);
    mdc_buf_putc(b, '}');
    sarif_location(b, dg->path, dg->line, dg->col, o);
    mdc_buf_putc(b, '}');
}

static void report_sarif(mdc_buf *b, const mdc_diff *df, const mdc_diags *diags,
                         const mdc_report_opts *o)
{
    mdc_buf_puts(b, "{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\","
                    "\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{\"name\":\"mdc\","
                    "\"version\":");
    mdc_json_str(b, o->tool_version ? o->tool_version : MDC_VERSION);
    mdc_buf_puts(b, ",\"informationUri\":\"https://github.com/mdc/mdc\",");
    sarif_rules(b);
    mdc_buf_puts(b, "}},\"results\":[");
    bool first = true;
    for (size_t i = 0; i < df->ndocs; i++)
        for (size_t k = 0; k < df->docs[i]->nchanges; k++) {
            if (!first) mdc_buf_putc(b, ',');
            first = false;
            sarif_change(b, df->docs[i]->changes[k], o);
        }
    for (size_t i = 0; diags && i < diags->n; i++) {
        if (!first) mdc_buf_putc(b, ',');
        first = false;
        sarif_diag(b, diags->v[i], o);
    }
    mdc_buf_puts(b, "]}]}\n");
}

/* ------------------------------------------------------------------ markdown */

/* Text for GitHub-flavoured Markdown: newlines fold to spaces, < > & become entities,
 * "->" becomes U+2192, and in a table cell '|' is escaped so it does not split the cell. */
static void md_put(mdc_buf *b, const char *s, bool cell)
{
    for (const char *p = nz(s); *p; p++) {
        switch (*p) {
        case '\n':
        case '\r':
            mdc_buf_putc(b, ' ');
            break;
        case '<':
            mdc_buf_puts(b, "&lt;");
            break;
        case '>':
            mdc_buf_puts(b, "&gt;");
            break;
        case '-':
            if (p[1] == '>') { /* "1.4.0 -> 2.0.0" reads better as an arrow */
                mdc_buf_puts(b, "\xe2\x86\x92"); /* U+2192 in UTF-8 */
                p++;
            } else {
                mdc_buf_putc(b, '-');
            }
            break;
        case '&':
            mdc_buf_puts(b, "&amp;");
            break;
        case '|':
            mdc_buf_puts(b, cell ? "\\|" : "|");
            break;
        default:
            mdc_buf_putc(b, *p);
        }
    }
}

static void md_diag_list(mdc_buf *b, const mdc_diags *diags, mdc_severity sev, const char *title)
{
    bool any = false;
    for (size_t i = 0; diags && i < diags->n; i++) {
        const mdc_diag *dg = diags->v[i];
        if (dg->severity != sev) continue;
        if (!any) mdc_buf_printf(b, "\n### %s\n\n", title);
        any = true;
        mdc_buf_puts(b, "- **");
        md_put(b, dg->code, false);
        mdc_buf_puts(b, "** ");
        if (*nz(dg->path)) {
            md_put(b, dg->path, false);
            if (dg->line) {
                mdc_buf_printf(b, ":%u", (unsigned)dg->line);
                if (dg->col) mdc_buf_printf(b, ":%u", (unsigned)dg->col);
            }
            mdc_buf_puts(b, ": ");
        }
        md_put(b, dg->message, false);
        for (size_t k = 0; k < dg->nnotes; k++) {
            mdc_buf_puts(b, "\n  - ");
            md_put(b, dg->notes[k], false);
        }
        mdc_buf_putc(b, '\n');
    }
}

static void report_markdown(mdc_buf *b, mdc_arena *a, const mdc_diff *df, const mdc_diags *diags,
                            const char *base_label, const char *head_label)
{
    size_t errors, warnings;
    count_severities(diags, &errors, &warnings);

    mdc_buf_puts(b, "## mdc diff ");
    md_put(b, base_label, false);
    mdc_buf_puts(b, "..");
    md_put(b, head_label, false);
    mdc_buf_puts(b, "\n\n");

    if (df->ndocs == 0) {
        mdc_buf_puts(b, "No changes to the models.\n");
    } else {
        mdc_buf_printf(b, "The registry needs a **%s** bump", mdc_bump_name(df->bump));
        const char *v = version_verdict(a, &df->registry_from, &df->registry_to, &df->registry_required);
        if (v) {
            mdc_buf_puts(b, " (");
            md_put(b, v, false);
            mdc_buf_putc(b, ')');
        }
        mdc_buf_printf(b, ": %zu change%s in %zu document%s", count_changes(df),
                       count_changes(df) == 1 ? "" : "s", df->ndocs, df->ndocs == 1 ? "" : "s");
        mdc_buf_printf(b, ", %zu error%s, %zu warning%s.\n\n", errors, errors == 1 ? "" : "s",
                       warnings, warnings == 1 ? "" : "s");

        mdc_buf_puts(b, "| document | version | bump | changes |\n|---|---|---|---|\n");
        for (size_t i = 0; i < df->ndocs; i++) {
            const mdc_doc_diff *dd = df->docs[i];
            const char *v2 = version_verdict(a, &dd->from, &dd->to, &dd->required);
            mdc_buf_printf(b, "| %s ", mdc_kind_name(dd->kind));
            md_put(b, dd->name, true);
            mdc_buf_puts(b, " | ");
            md_put(b, v2 ? v2 : "(derived)", true);
            mdc_buf_printf(b, " | %s | %zu |\n", mdc_bump_name(dd->bump), dd->nchanges);
        }

        for (size_t i = 0; i < df->ndocs; i++) {
            const mdc_doc_diff *dd = df->docs[i];
            mdc_buf_printf(b, "\n#### %s ", mdc_kind_name(dd->kind));
            md_put(b, dd->name, false);
            mdc_buf_puts(b, "\n\n");
            for (size_t k = 0; k < dd->nchanges; k++) {
                const mdc_change *ch = dd->changes[k];
                mdc_buf_puts(b, "- **");
                md_put(b, ch->rule, false);
                mdc_buf_printf(b, "** (%s, %s", mdc_bump_name(ch->bump), mdc_risk_name(ch->risk));
                if (ch->data_loss) mdc_buf_puts(b, ", data loss");
                if (ch->data_dependent) mdc_buf_puts(b, ", data-dependent");
                mdc_buf_puts(b, "): ");
                md_put(b, ch->message, false);
                if (ch->nconsumers) {
                    mdc_buf_puts(b, " — consumers: ");
                    for (size_t n = 0; n < ch->nconsumers; n++) {
                        if (n) mdc_buf_puts(b, ", ");
                        md_put(b, ch->consumers[n], false);
                    }
                }
                mdc_buf_putc(b, '\n');
            }
        }
    }
    md_diag_list(b, diags, MDC_ERROR, "Errors");
    md_diag_list(b, diags, MDC_WARNING, "Warnings");
}

/* ------------------------------------------------------------------ entry points */

void mdc_report_diff(mdc_buf *out, mdc_format fmt, const mdc_diff *df, const mdc_diags *diags,
                     const char *base_label, const char *head_label, const mdc_report_opts *o)
{
    static const mdc_report_opts defaults = {false, "", NULL};
    static const mdc_diff empty = {0};
    if (!o) o = &defaults;
    if (!df) df = &empty;
    mdc_arena *a = mdc_arena_new();
    size_t start = out->len;
    switch (fmt) {
    case MDC_FORMAT_JSON:
        report_json(out, a, df, diags, base_label, head_label);
        mdc_json_safe(out, start);
        break;
    case MDC_FORMAT_GITHUB:
        report_github(out, df, diags, o);
        break;
    case MDC_FORMAT_SARIF:
        report_sarif(out, df, diags, o);
        mdc_json_safe(out, start);
        break;
    case MDC_FORMAT_TEXT:
    default:
        report_text(out, a, df, diags, base_label, head_label, o);
        break;
    }
    mdc_arena_free(a);
}

void mdc_report_diff_markdown(mdc_buf *out, const mdc_diff *df, const mdc_diags *diags,
                              const char *base_label, const char *head_label)
{
    static const mdc_diff empty = {0};
    if (!df) df = &empty;
    mdc_arena *a = mdc_arena_new();
    report_markdown(out, a, df, diags, base_label, head_label);
    mdc_arena_free(a);
}
