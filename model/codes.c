/*
 * codes.c - the diagnostic code catalog; see codes.h.
 *
 * Keep the table sorted by code (bytewise, as strcmp orders it: '_' sorts after the
 * letters, so NOT_UTF8 comes before NO_PRIMARY_KEY).  tests/unit/test_report.c checks the
 * order, so a misplaced entry fails the build's tests rather than a lookup at run time.
 */
#include "codes.h"

#include <string.h>

#define E "error"
#define W "warning"

static const mdc_code_info codes[] = {
    {"BAD_DEFAULT", E, "A default value does not fit the field's type",
     "The `default:` literal cannot be stored in the field's type (for example text for an "
     "int32, a number out of range, or a value that is not one of the enum's values). "
     "Change the literal, or use `default_expr:` for computed defaults such as `now`."},
    {"BAD_FILE_NAME", E, "A file name under the model folders is not UTF-8",
     "mdc stores and prints paths as UTF-8 text, so a file whose name is not valid UTF-8 is "
     "not read (its name is shown with \\xNN for each byte that is not UTF-8). Rename the "
     "file with a UTF-8 name."},
    {"BAD_NAME", E, "A name does not match the pattern its kind requires",
     "Models are PascalCase (`User`), fields and sources lower snake_case, contracts lower "
     "case with `_` or `-`; every name starts with a letter. Rename it, and add "
     "`renamed_from:` if the object already exists in a database."},
    {"BAD_TYPE_ARGS", E, "A type has missing or invalid arguments",
     "The type's arguments are wrong: for example `string(0)`, `decimal(5,7)` (scale larger "
     "than precision) or an enum without values. Fix the arguments as described in the type "
     "table of the specification."},
    {"BAD_VALUE", E, "A key has a value of the wrong shape or an unknown option",
     "The value of a known key is not what that key accepts (for example a list where a "
     "string is expected, or an `on_delete:` action that does not exist). The message names "
     "the expected form; correct the value."},
    {"CONTRACT_BROKEN", E, "A change breaks a consumer's contract",
     "A field pinned by a contract changed in a way its compatibility mode does not allow "
     "(any major change, and more in backward, forward or full mode). Revert the change, or "
     "update or remove the contract in the same change after agreeing it with the consumer."},
    {"CONTRACT_TYPE_MISMATCH", E, "A contract pins a field with a different type",
     "The contract states a type for a field that differs from the type the model declares. "
     "Make the contract's type match the model, or change the model if the contract is right."},
    {"CREDENTIALS_IN_URI", E, "A source URI contains a password or token",
     "The `uri:` of a source has credentials in it (user:password@ or a secret query "
     "parameter), which would be committed to the repository. Remove them and supply "
     "credentials through the environment or a secret store."},
    {"DUPLICATE_FIELD", E, "Two fields of a model have the same name",
     "Field names must be unique within a model, compared after normalisation, because they "
     "become columns of one table. Rename or remove one of them; the note points at the first "
     "definition."},
    {"DUPLICATE_MODEL", E, "Two models have the same name",
     "Every model name must be unique across all files of the project. Rename or remove one "
     "of them; the note points at the first definition."},
    {"DUPLICATE_NAME", E, "Two documents of the same kind have the same name",
     "Sources, entities and contracts must have names that are unique within their kind. "
     "Rename or remove one of them; the note points at the first definition."},
    {"DUPLICATE_OBJECT_NAME", E, "Two database objects would get the same name",
     "A table, index, constraint or sequence the migrations create has a name that another "
     "object already has in the same namespace (PostgreSQL: relations per schema, constraints "
     "per table; SQLite: tables and indexes per database, ignoring case), possibly a name mdc "
     "derives (`users_pkey`, `users_email_key`, `users_email_idx`) or uses itself "
     "(`dataflow_migrations`). The database would refuse the migration. Give one of them "
     "another `name:` or `table:`; the note points at the other object."},
    {"DUPLICATE_TABLE", E, "Two models map to the same table",
     "Two models resolve to the same schema and table name, explicitly or through the derived "
     "plural name. Give one of them a different `table:` or `schema:`."},
    {"FILE_TOO_LARGE", E, "A file exceeds the 16 MiB size limit",
     "Definition files larger than 16 MiB are rejected to keep runs fast and bounded. Split "
     "the definitions into several files."},
    {"LFS_POINTER", E, "A model file is a Git LFS pointer",
     "The file holds a Git LFS pointer instead of its content, so the definitions cannot be "
     "read. Store model files as ordinary git blobs (remove them from .gitattributes LFS "
     "patterns), or run `git lfs pull` before mdc."},
    {"LOOKS_LIKE_RENAME", W, "A removed and an added object look like a rename",
     "An object was removed and another with the same type and constraints was added, without "
     "a `renamed_from:` hint, so it is treated as a drop and an add (data loss). If it is a "
     "rename, add `renamed_from: OLD_NAME` to the new one."},
    {"MISSING_KEY", E, "A required key is missing",
     "The document lacks a key its kind requires (for example `name:` or `fields:` of a model, "
     "or `type:` of a field). Add the key."},
    {"MISSING_PROJECT_FILE", E, "No mdc.yaml project file was found",
     "mdc looks for `mdc.yaml` in the current directory and its parents up to the repository "
     "root. Run mdc inside a project, pass `-C DIR`, or create one with `mdc init`."},
    {"NAME_TOO_LONG", E, "A name is longer than 63 bytes",
     "Names become database identifiers, and PostgreSQL truncates identifiers longer than 63 "
     "bytes. Choose a shorter name, or set a shorter `table:` for the model."},
    {"NOT_UTF8", E, "A file is not valid UTF-8 or contains a NUL byte",
     "Definition files must be UTF-8 text without NUL bytes. Re-encode the file as UTF-8 and "
     "remove the invalid bytes at the reported position."},
    {"NO_PRIMARY_KEY", W, "A model has no primary key",
     "Without a primary key, rows cannot be referenced or updated reliably and migrations "
     "cannot match them. Mark a field `primary_key: true` or list the key's fields in the "
     "model's `primary_key:`."},
    {"PATH_OUTSIDE_REPO", E, "A path in mdc.yaml points outside the repository",
     "Paths in the project file (model folders, migrations, snapshot) must stay inside the "
     "repository; absolute paths and `..` components that escape it are rejected. Use a path "
     "relative to the project root."},
    {"REFERENCE_NOT_UNIQUE", E, "A reference targets a field that is not a key",
     "A foreign key must point at the target's primary key or a unique field, or the database "
     "refuses it. Reference a key field, or make the target field `unique: true`."},
    {"REFERENCE_TYPE_MISMATCH", E, "A reference and its target have different types",
     "The referencing field's type differs from the type of the field it references, which "
     "databases reject or handle with implicit casts. Give both fields the same type."},
    {"REMOVAL_NOT_RESERVED", E, "A field or model was removed without reserving its name",
     "Removing a field or model drops data, so it must be explicit: add the removed name to "
     "the model's `reserved:` list (fields) or to `reserved_models:` in mdc.yaml (models) in "
     "the same change. A reserved name can never be reused with another meaning."},
    {"RENAME_CONFLICT", E, "A `renamed_from:` hint cannot apply",
     "The hint's old name is still used in the same state (by another model, or another field "
     "of the model), or a second hint names it too. The old object would be paired with the "
     "one that has its name, and the renamed one treated as new, so its data would be dropped. "
     "Take the old name for a new object only in a later change, after the rename is migrated, "
     "or remove a hint that is no longer needed."},
    {"RESERVED_NAME_USED", E, "A reserved name is used again",
     "The name is listed in `reserved:` or `reserved_models:` because an earlier object with "
     "that name was removed; reusing it would give old data and queries a new meaning. Choose "
     "another name."},
    {"SKIPPED_FILE", W, "A file under the model folders was skipped",
     "Only regular YAML files are read under the model folders; non-YAML files, binary files, "
     "symlinks and submodules are skipped and never followed. Move the file elsewhere, or "
     "replace a symlink with the file itself if it holds definitions."},
    {"TOO_MANY_DOCUMENTS", E, "More than 100,000 documents",
     "mdc reads at most 100,000 YAML documents so that runs stay bounded. Split the "
     "definitions into several projects, each with its own mdc.yaml."},
    {"UNKNOWN_FIELD", E, "A field named in an index, constraint or contract does not exist",
     "An index, unique constraint, check, primary key list or contract names a field the model "
     "does not have. Fix the spelling (see the suggestion, if any) or add the field."},
    {"UNKNOWN_KEY", E, "A key is not part of the definition language",
     "The document contains a key its kind does not define, often a typo. Fix the spelling "
     "(see the suggestion, if any), or move free-form data under `meta:`."},
    {"UNKNOWN_KIND", E, "A document has an unknown kind",
     "`kind:` must be one of model, source, entity or contract. Fix the value, or move "
     "unrelated YAML files out of the model folders."},
    {"UNKNOWN_REFERENCE", E, "A reference names a model or field that does not exist",
     "The `references:` target (or a source, entity or contract target) is not defined in the "
     "project. Fix the spelling (see the suggestion, if any) or define the target."},
    {"UNKNOWN_TYPE", E, "A type name is not known",
     "The field's type is neither a built-in type nor a type alias. Fix the spelling (see the "
     "suggestion, if any) or use one of the types of the specification."},
    {"VERSION_BUMP_TOO_SMALL", E, "A document's version was bumped less than its changes require",
     "The changes need a larger semantic version bump than the one made (for example a breaking "
     "change needs a new major version, or a new minor version below 1.0.0). Set the version "
     "the message names, or run `mdc bump`."},
    {"VERSION_DECREASED", E, "A document's version went down",
     "The declared `version:` is lower than in the base revision; versions must never go "
     "backwards. Restore the version and bump it from there, or run `mdc bump`."},
    {"VERSION_NOT_BUMPED", E, "A document changed but its version did not",
     "The document declares `version:`, and its changes require a bump, but the version is the "
     "same as in the base revision. Bump it as the message says, or run `mdc bump`."},
    {"YAML_ALIAS", E, "YAML anchors and aliases are not allowed",
     "Anchors (&a) and aliases (*a) hide structure and allow exponential expansion, so mdc "
     "rejects them. Write the repeated content out, or use a type alias for repeated types."},
    {"YAML_DUPLICATE_KEY", E, "A YAML mapping has the same key twice",
     "YAML parsers disagree on which duplicate wins, so mdc rejects them. Remove or rename one "
     "of the keys; the note points at the first one."},
    {"YAML_SYNTAX", E, "The file is not valid YAML",
     "The YAML parser could not read the file at the reported position (for example bad "
     "indentation, an unclosed quote or a tab used for indentation). Fix the syntax there."},
    {"YAML_TAG", E, "YAML tags are not allowed",
     "Explicit tags (such as !!str or !custom) change how values are read and are rejected. "
     "Remove the tag; quote the value if it must be a string."},
    {"YAML_TOO_DEEP", E, "YAML nesting is deeper than 64 levels",
     "mdc limits nesting to 64 levels so that hostile files cannot exhaust time or memory. "
     "Flatten the structure; no valid definition needs that depth."},
};

#undef E
#undef W

const mdc_code_info *mdc_codes(size_t *n)
{
    if (n) *n = sizeof codes / sizeof codes[0];
    return codes;
}

long mdc_code_index(const char *code)
{
    if (!code) return -1;
    size_t lo = 0, hi = sizeof codes / sizeof codes[0];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(code, codes[mid].code);
        if (c == 0) return (long)mid;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return -1;
}

const mdc_code_info *mdc_code_lookup(const char *code)
{
    long i = mdc_code_index(code);
    return i < 0 ? NULL : &codes[i];
}
