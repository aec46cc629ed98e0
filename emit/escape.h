/*
 * escape.h - the escapings every renderer needs: user text on a terminal, GitHub workflow
 * commands, SARIF names and URIs.  (JSON strings: model/json.h.)
 */
#ifndef MDC_ESCAPE_H
#define MDC_ESCAPE_H

#include <stdbool.h>

#include "../model/buf.h"

/* User-written text for a terminal: C0 controls (but tab), DEL and the C1 controls
 * U+0080..U+009F become \xNN / \u00NN.  A newline continues on a new line starting with
 * `indent`; with indent NULL it is escaped like the other controls (one record per line). */
void mdc_text_put(mdc_buf *b, const char *s, const char *indent);

/* Workflow-command escaping (@actions/core escapeData / escapeProperty): %, CR, LF, and
 * in properties also ':' and ','. */
void mdc_github_put(mdc_buf *b, const char *s, bool property);

/* "YAML_DUPLICATE_KEY" -> "YamlDuplicateKey" (SARIF reportingDescriptor.name). */
void mdc_camel_case(mdc_buf *b, const char *code);

/* A relative URI reference: RFC 3986 unreserved characters and '/' stay, every other byte
 * is percent-encoded (UTF-8 bytes included, as RFC 3987 maps them). */
void mdc_uri_put(mdc_buf *b, const char *s);

#endif
