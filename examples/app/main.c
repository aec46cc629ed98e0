/*
 * main.c - an application reading its data models from an mdc registry snapshot.
 *
 *   usage: mdc-app SNAPSHOT [MODEL]
 *
 * Prints the registry meta (project, version, checksum, commit), the data sources and
 * their tables (the seed-002 calls), and one model with its fields.  Built two ways, to
 * show both: CMake (find_package(mdc) + mdc::mdc) and make (pkg-config mdc).
 */
#include <mdc/registry.h>
#include <stdio.h>

static int fail(mdc_snapshot *snap, const char *what)
{
    fprintf(stderr, "mdc-app: %s: %s\n", what, mdc_snapshot_errmsg(snap));
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s SNAPSHOT [MODEL]\n", argv[0]);
        return 2;
    }
    mdc_snapshot *snap = NULL;
    if (mdc_snapshot_open(&snap, argv[1], MDC_OPEN_VERIFY) != MDC_OK) {
        int rc = fail(snap, argv[1]);
        mdc_snapshot_close(snap);
        return rc;
    }
    int rc = 0;
    printf("libmdc %s\n", mdc_libversion());
    for (size_t i = 0; i < mdc_snapshot_meta_count(snap); i++) {
        const char *key, *value;
        if (mdc_snapshot_meta_byindex(&key, &value, snap, i) == MDC_OK && key[0] != 'p')
            printf("meta %s = %s\n", key, value); /* project_json is long: skipped */
    }
    const char *project = NULL;
    mdc_snapshot_meta(&project, snap, "project");
    printf("meta project = %s\n", project);

    mdc_strarray sources = {0};
    if (mdc_snapshot_list_sources(&sources, snap) == MDC_OK) {
        for (size_t i = 0; i < sources.count; i++) {
            mdc_strarray tables = {0};
            printf("source %s:", sources.strings[i]);
            if (mdc_snapshot_list_tables(&tables, snap, sources.strings[i]) == MDC_OK)
                for (size_t k = 0; k < tables.count; k++) printf(" %s", tables.strings[k]);
            printf("\n");
            mdc_strarray_free(&tables);
        }
    }
    mdc_strarray_free(&sources);

    if (argc > 2) {
        mdc_model_info *m = NULL;
        if (mdc_model_info_lookup(&m, snap, argv[2]) != MDC_OK) {
            rc = fail(snap, argv[2]);
        } else {
            printf("model %s: table %s.%s, version %s, checksum %s\n", mdc_model_info_name(m),
                   mdc_model_info_schema(m), mdc_model_info_table(m), mdc_model_info_version(m),
                   mdc_model_info_checksum(m));
            for (size_t i = 0; i < mdc_model_info_field_count(m); i++) {
                const mdc_field_info *f = mdc_model_info_field_byindex(m, i);
                const char *ref = mdc_field_info_references_model(f);
                printf("  field %s %s%s%s%s%s%s\n", mdc_field_info_name(f), mdc_field_info_type(f),
                       mdc_field_info_nullable(f) ? " null" : " not-null",
                       mdc_field_info_primary_key(f) ? " primary-key" : "",
                       mdc_field_info_unique(f) ? " unique" : "", ref ? " -> " : "", ref ? ref : "");
            }
            mdc_model_info_free(m);
        }
    }
    mdc_snapshot_close(snap);
    return rc;
}
