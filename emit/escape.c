/*
 * escape.c - see escape.h.
 */
#include "escape.h"

#include "../model/text.h"

static const char *nz(const char *s)
{
    return s ? s : "";
}

/* A control's visible form: \xNN for bytes below 0x80, \uNNNN above. */
static void put_control(mdc_buf *b, uint32_t cp)
{
    mdc_buf_printf(b, cp < 0x80 ? "\\x%02x" : "\\u%04x", (unsigned)cp);
}

void mdc_text_put(mdc_buf *b, const char *s, const char *indent)
{
    const char *p = nz(s);
    while (*p) {
        uint32_t cp;
        size_t n = mdc_control_at(p, &cp);
        if (n == 0 || cp == '\t') {
            mdc_buf_putc(b, *p++);
            continue;
        }
        if (cp == '\n' && indent) {
            mdc_buf_putc(b, '\n');
            mdc_buf_puts(b, indent);
        } else {
            put_control(b, cp);
        }
        p += n;
    }
}

void mdc_text_line(mdc_buf *b, const char *s)
{
    const char *p = nz(s);
    while (*p) {
        uint32_t cp;
        size_t n = mdc_control_at(p, &cp);
        if (n == 0) {
            mdc_buf_putc(b, *p++);
            continue;
        }
        put_control(b, cp);
        p += n;
    }
}

void mdc_json_safe(mdc_buf *b, size_t from)
{
    /* In valid JSON text these sequences can only be inside strings, where \uNNNN is the
     * same character; C0 controls are escaped already by mdc_json_str. */
    size_t i = from;
    while (i < b->len) {
        uint32_t cp;
        if ((unsigned char)b->ptr[i] < 0x20 || !mdc_control_at(b->ptr + i, &cp)) {
            i++;
            continue;
        }
        mdc_buf t = MDC_BUF_INIT;
        mdc_buf_put(&t, b->ptr + from, i - from);
        while (i < b->len) {
            size_t n = (unsigned char)b->ptr[i] < 0x20 ? 0 : mdc_control_at(b->ptr + i, &cp);
            if (n) {
                mdc_buf_printf(&t, "\\u%04x", (unsigned)cp);
                i += n;
            } else {
                mdc_buf_putc(&t, b->ptr[i++]);
            }
        }
        b->len = from;
        mdc_buf_put(b, t.ptr, t.len);
        mdc_buf_free(&t);
        return;
    }
}

/* Workflow-command escaping (@actions/core toCommandValue/escapeData/escapeProperty), after
 * the terminal escaping of mdc_text_put: a message keeps its newlines (%0A), a property is
 * one line (a newline in it shows as \x0a, like every other control). */
void mdc_github_put(mdc_buf *b, const char *s, bool property)
{
    mdc_buf t = MDC_BUF_INIT;
    if (property)
        mdc_text_line(&t, s);
    else
        mdc_text_put(&t, s, "");
    for (size_t i = 0; i < t.len; i++) {
        char c = t.ptr[i];
        if (c == '%' || c == '\n' || (property && (c == ':' || c == ',')))
            mdc_buf_printf(b, "%%%02X", (unsigned)(unsigned char)c); /* %25 %0A %3A %2C */
        else
            mdc_buf_putc(b, c);
    }
    mdc_buf_free(&t);
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
