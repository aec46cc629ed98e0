/*
 * fuzz_snapshot.c - libFuzzer target for libmdc's snapshot reader (SPEC 8, 10: a corrupt,
 * truncated, foreign or hostile snapshot gives an error, never a crash).
 *
 * The input bytes are written to a temporary file, opened with MDC_OPEN_VERIFY (and,
 * when that fails, without it, so that the plain read paths see damaged data too), and
 * every call of the public API is exercised: meta, models and fields, documents, the
 * seed-002 calls.  Seed corpus: fuzz/corpus/snapshot/ (small valid snapshots written by
 * `mdc build`, and mutations of them).
 *
 *   cmake -B build-fuzz -DMDC_FUZZ=ON -DCMAKE_C_COMPILER=clang && cmake --build build-fuzz
 *   build-fuzz/fuzz_snapshot -max_len=262144 fuzz/corpus/snapshot
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mdc/registry.h"

static void touch_model(const mdc_model_info *m)
{
    volatile size_t sink = 0;
    const char *s[] = {mdc_model_info_name(m), mdc_model_info_table(m), mdc_model_info_schema(m),
                       mdc_model_info_source(m), mdc_model_info_version(m),
                       mdc_model_info_checksum(m), mdc_model_info_definition_json(m),
                       mdc_model_info_description(m)};
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
        if (s[i]) sink += strlen(s[i]);
    for (size_t i = 0; i < mdc_model_info_field_count(m); i++) {
        const mdc_field_info *f = mdc_model_info_field_byindex(m, i);
        const char *fs[] = {mdc_field_info_name(f), mdc_field_info_type(f), mdc_field_info_pg_type(f),
                            mdc_field_info_default_json(f), mdc_field_info_references_model(f)};
        for (size_t k = 0; k < sizeof fs / sizeof fs[0]; k++)
            if (fs[k]) sink += strlen(fs[k]);
        sink += (size_t)mdc_field_info_nullable(f) + mdc_field_info_position(f);
        /* A damaged file may hold one name twice: byname finds a field of that name. */
        const mdc_field_info *g = mdc_model_info_field_byname(m, mdc_field_info_name(f));
        if (!g || strcmp(mdc_field_info_name(g), mdc_field_info_name(f)) != 0) abort();
    }
    (void)sink;
}

static int model_cb(const mdc_model_info *m, void *payload)
{
    (void)payload;
    touch_model(m);
    return 0;
}

static void exercise(mdc_snapshot *s)
{
    const char *v = NULL, *k = NULL;
    mdc_snapshot_meta(&v, s, "registry_checksum");
    for (size_t i = 0; i < mdc_snapshot_meta_count(s); i++)
        mdc_snapshot_meta_byindex(&k, &v, s, i);
    mdc_snapshot_foreach_model(s, model_cb, NULL);

    mdc_strarray docs = {0};
    if (mdc_snapshot_list_documents(&docs, s) == 0)
        for (size_t i = 0; i < docs.count && i < 64; i++) {
            char *slash = strchr(docs.strings[i], '/');
            if (!slash) continue;
            *slash = '\0';
            char *json = NULL;
            if (mdc_snapshot_document(&json, NULL, NULL, NULL, s, docs.strings[i], slash + 1) == 0)
                mdc_free(json);
        }
    mdc_strarray_free(&docs);

    mdc_strarray src = {0};
    if (mdc_snapshot_list_sources(&src, s) == 0)
        for (size_t i = 0; i < src.count && i < 16; i++) {
            mdc_strarray t = {0};
            if (mdc_snapshot_list_tables(&t, s, src.strings[i]) == 0)
                for (size_t j = 0; j < t.count && j < 16; j++) {
                    char *json = NULL;
                    if (mdc_snapshot_table_schema(&json, s, src.strings[i], t.strings[j]) == 0) mdc_free(json);
                }
            mdc_strarray_free(&t);
        }
    mdc_strarray_free(&src);

    /* Entities: every ontology_mapping row is reachable through a document name. */
    const char *names[] = {"Customer", "User", ""};
    for (size_t i = 0; i < 3; i++) {
        mdc_strarray e = {0};
        mdc_snapshot_resolve_entity(&e, s, names[i]);
        mdc_strarray_free(&e);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[] = "/tmp/mdc-fuzz-snapshot-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return 0;
    size_t off = 0;
    while (off < size) {
        ssize_t w = write(fd, data + off, size - off);
        if (w <= 0) break;
        off += (size_t)w;
    }
    close(fd);

    mdc_snapshot *s = NULL;
    int rc = mdc_snapshot_open(&s, path, MDC_OPEN_VERIFY);
    if (mdc_snapshot_errmsg(s) == NULL) abort();
    if (rc == 0) exercise(s);
    mdc_snapshot_close(s);
    if (rc != 0) {
        s = NULL;
        if (mdc_snapshot_open(&s, path, 0) == 0) exercise(s);
        mdc_snapshot_close(s);
    }
    unlink(path);
    return 0;
}
