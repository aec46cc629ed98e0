/*
 * escape.h - the escapings every renderer needs: user text on a terminal, GitHub workflow
 * commands, SARIF names and URIs.  (JSON strings: model/json.h.)
 */
#ifndef MDC_ESCAPE_H
#define MDC_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../model/buf.h"
#include "../model/text.h"

/*
 * The one escaper of user-written text in every text output (diagnostics, diff, show, log,
 * messages on stderr, GitHub annotations).  The control characters of model/text.h (C0,
 * DEL, C1, bidi embeddings/overrides/isolates) are shown visibly, as \xNN below U+0080
 * and \uNNNN above, so that a hostile file name, description or snapshot cannot drive the
 * terminal (clear the screen, set the window title) or reorder what a reader sees.
 */

/* Text for a terminal: every control but tab is escaped.  A newline continues on a new
 * line starting with `indent`; with indent NULL it is escaped too (one record per line). */
void mdc_text_put(mdc_buf *b, const char *s, const char *indent);

/* One line of text: every control, tab and newline included, is escaped. */
void mdc_text_line(mdc_buf *b, const char *s);

/* JSON text appended to b from offset `from`, made terminal-safe in place: raw DEL, C1
 * and bidi controls (which JSON allows in strings) become \uNNNN escapes, which JSON
 * readers decode to the same characters.  The input must be valid JSON text whose C0
 * controls are escaped already (mdc_json_str does that). */
void mdc_json_safe(mdc_buf *b, size_t from);

/* Workflow-command escaping: the controls as in mdc_text_put (a message keeps its
 * newlines, a property is one line), then @actions/core escapeData / escapeProperty:
 * %, LF, and in properties also ':' and ','. */
void mdc_github_put(mdc_buf *b, const char *s, bool property);

/* "YAML_DUPLICATE_KEY" -> "YamlDuplicateKey" (SARIF reportingDescriptor.name). */
void mdc_camel_case(mdc_buf *b, const char *code);

/* A relative URI reference: RFC 3986 unreserved characters and '/' stay, every other byte
 * is percent-encoded (UTF-8 bytes included, as RFC 3987 maps them). */
void mdc_uri_put(mdc_buf *b, const char *s);

#endif
