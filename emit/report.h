/*
 * report.h - renderers of results.  Every renderer reads the same sorted data.
 *
 *   text:   `path:line:col: error [CODE] message` + indented `note:` lines, then a summary
 *   json:   the stable structures of SPEC 9
 *   github: workflow commands (`::error file=...,line=...,col=...,title=CODE::message`)
 *   sarif:  a SARIF 2.1.0 log whose rules are the diagnostic code catalog (model/codes.h)
 *
 * Output is appended to a buffer; the caller writes it to stdout.
 */
#ifndef MDC_REPORT_H
#define MDC_REPORT_H

#include <stdbool.h>

#include "../model/buf.h"
#include "../model/defs.h"
#include "../model/diag.h"

typedef enum mdc_format { MDC_FORMAT_TEXT, MDC_FORMAT_JSON, MDC_FORMAT_GITHUB, MDC_FORMAT_SARIF } mdc_format;

/* "text", "json", "github", "sarif" -> 0 and *out; -1 for anything else. */
int mdc_format_parse(const char *s, mdc_format *out);

typedef struct mdc_report_opts {
    bool color;              /* ANSI colour in text output (terminal and no NO_COLOR) */
    const char *path_prefix; /* project root relative to the repository ("" or "sub/"):
                                prepended to paths in github and sarif output */
    const char *tool_version;
} mdc_report_opts;

/* `mdc check`: the diagnostics in the given format (d must be sorted). */
void mdc_report_diags(mdc_buf *out, mdc_format fmt, const mdc_diags *d, const mdc_report_opts *o);

/* One SARIF reportingDescriptor for a diagnostic code (both SARIF writers list them). */
struct mdc_code_info;
void mdc_sarif_code_rule(mdc_buf *b, const struct mdc_code_info *c);

/* `mdc hash`: text ("CHECKSUM STRUCTURE kind/name path" lines, then "registry CHECKSUM")
 * or json ({"registry", "documents": [...]}, SPEC 9). */
void mdc_report_hash(mdc_buf *out, mdc_format fmt, const mdc_registry *reg);

#endif
