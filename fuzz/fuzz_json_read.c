/*
 * fuzz_json_read.c - libFuzzer target for the strict JSON reader and the registry-state
 * reader behind it (compiler/json_read.c, compiler/canon_read.c): untrusted bytes from a
 * migration file.  Any input must end in a value or an error, never a crash, a hang or a
 * read outside the buffer; a parsed value must re-serialise and parse again.
 *
 *   cmake -S . -B build-fuzz -DMDC_FUZZ=ON -DCMAKE_C_COMPILER=clang && cmake --build build-fuzz
 *   ./build-fuzz/fuzz_json_read -max_len=65536 fuzz/corpus/json_read
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/canon_read.h"
#include "compiler/json_read.h"
#include "model/buf.h"
#include "model/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mdc_arena *a = mdc_arena_new();
    mdc_json_read_opts o = MDC_JSON_READ_OPTS_INIT;
    o.max_depth = 64;
    mdc_json_read_error e;
    mdc_value *v = mdc_json_parse(a, (const char *)data, size, &o, &e);
    if (v) {
        mdc_buf b = MDC_BUF_INIT;
        mdc_json_value(&b, v);
        mdc_value *again = mdc_json_parse(a, b.ptr, b.len, NULL, &e);
        if (!again) abort(); /* what we write, we read */
        mdc_buf c = MDC_BUF_INIT;
        mdc_json_value(&c, again);
        if (c.len != b.len || memcmp(c.ptr, b.ptr, b.len) != 0) abort(); /* a fixed point */
        mdc_buf_free(&b);
        mdc_buf_free(&c);
    } else if (e.offset > size) {
        abort();
    }
    mdc_registry *reg = NULL;
    mdc_error err;
    (void)mdc_canon_read_state(&reg, a, (const char *)data, size, "fuzz", &err);
    mdc_arena_free(a);
    return 0;
}
