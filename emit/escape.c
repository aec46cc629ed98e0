/*
 * escape.c - see escape.h.
 */
#include "escape.h"

static const char *nz(const char *s)
{
    return s ? s : "";
}

void mdc_text_put(mdc_buf *b, const char *s, const char *indent)
{
    const unsigned char *p = (const unsigned char *)nz(s);
    for (; *p; p++) {
        if (*p == '\n' && indent) {
            mdc_buf_putc(b, '\n');
            mdc_buf_puts(b, indent);
        } else if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
            mdc_buf_printf(b, "\\x%02x", *p);
        else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
            mdc_buf_printf(b, "\\u%04x", *++p);
        else
            mdc_buf_putc(b, (char)*p);
    }
}

/* Workflow-command escaping (@actions/core toCommandValue/escapeData/escapeProperty). */
void mdc_github_put(mdc_buf *b, const char *s, bool property)
{
    for (const char *p = nz(s); *p; p++) {
        if (*p == '%' || *p == '\r' || *p == '\n' || (property && (*p == ':' || *p == ',')))
            mdc_buf_printf(b, "%%%02X", (unsigned)(unsigned char)*p); /* %25 %0D %0A %3A %2C */
        else
            mdc_buf_putc(b, *p);
    }
}

/* "YAML_DUPLICATE_KEY" -> "YamlDuplicateKey" (SARIF's reportingDescriptor.name). */
void mdc_camel_case(mdc_buf *b, const char *code)
{
    bool start = true;
    for (const char *p = code; *p; p++) {
        if (*p == '_') {
            start = true;
            continue;
        }
        char c = *p;
        if (start && c >= 'a' && c <= 'z') c = (char)(c - 'a' + 'A');
        if (!start && c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        mdc_buf_putc(b, c);
        start = false;
    }
}

/* A relative URI reference for PREFIX+path: RFC 3986 unreserved characters and '/' stay,
 * every other byte is percent-encoded (UTF-8 bytes included, as RFC 3987 maps them).
 * The result goes through JSON escaping afterwards, which then has nothing to do. */
void mdc_uri_put(mdc_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)nz(s); *p; p++) {
        unsigned char c = *p;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
            mdc_buf_putc(b, (char)c);
        } else {
            mdc_buf_putc(b, '%');
            mdc_buf_putc(b, hex[c >> 4]);
            mdc_buf_putc(b, hex[c & 15]);
        }
    }
}
