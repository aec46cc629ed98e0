/*
 * diff_report.h - renderers of `mdc diff` results (SPEC 5, SPEC 9).
 *
 *   text:     a header with the registry's required bump, then per document its version
 *             verdict and one line per change (bump, risk, rule, field, message, position,
 *             data-loss / data-dependent flags, affected consumers), then the diagnostics
 *             exactly as `mdc check` prints them, then a summary line
 *   json:     the stable structure of SPEC 9 (keys in documented order, no whitespace)
 *   github:   one workflow command per change at its YAML position (::warning for HIGH or
 *             CRITICAL risk or data loss, ::notice otherwise), then the diagnostics as
 *             `mdc check --format github` prints them
 *   sarif:    a SARIF 2.1.0 log whose rules are the diff rule catalog followed by the
 *             diagnostic code catalog; results are the changes, then the diagnostics
 *   markdown: a summary for GITHUB_STEP_SUMMARY (registry bump, one table row per
 *             document, the changes, the errors and warnings)
 *
 * Every renderer is a pure function of its inputs: it appends to `out` (the caller writes
 * it to stdout or a file) and reads the diff, which the engine has already sorted
 * (documents by kind then name, changes by rule then field).  diags must be sorted too.
 * Nothing is borrowed beyond the call.
 */
#ifndef MDC_DIFF_REPORT_H
#define MDC_DIFF_REPORT_H

#include "../compiler/diff.h"
#include "../model/buf.h"
#include "../model/diag.h"
#include "report.h"

/*
 * Renders a diff in the given format.  base_label and head_label name the two states as
 * the user gave them ("origin/main", "HEAD", "working tree", "index"); NULL reads as "".
 * o may be NULL (no colour, no path prefix).
 */
void mdc_report_diff(mdc_buf *out, mdc_format fmt, const mdc_diff *df, const mdc_diags *diags,
                     const char *base_label, const char *head_label, const mdc_report_opts *o);

/* A GitHub-flavoured Markdown summary of the same diff (for $GITHUB_STEP_SUMMARY). */
void mdc_report_diff_markdown(mdc_buf *out, const mdc_diff *df, const mdc_diags *diags,
                              const char *base_label, const char *head_label);

#endif
