#!/usr/bin/env bash
# test_checksums.sh - checksum invariance (SPEC 4): the same models written in different
# YAML styles give identical checksums; every change of meaning gives a different one;
# metadata changes move `checksum` but not `structure_checksum`.
source "$(dirname "$0")/lib.sh"

# project DIR: a repository with mdc.yaml; models are added by the caller.
project() {
    rm -rf "$1"; new_repo "$1"; mkdir -p "$1/models"
    printf 'project: shop\nversion: 1.0.0\n' >"$1/mdc.yaml"
}
registry() { "$MDC" -C "$1" hash --format json | sed -E 's/^\{"registry":"([0-9a-f]{32})".*/\1/'; }
doc_sums() { "$MDC" -C "$1" hash --format json | sed -E 's/^\{"registry":"[0-9a-f]{32}",//; s/"path":"[^"]*",//g'; }
structure_of() { # DIR NAME -> structure checksum of model NAME
    "$MDC" -C "$1" hash --format json | tr '{' '\n' | grep "\"name\":\"$2\"" |
        sed -E 's/.*"structure_checksum":"([0-9a-f]{32})".*/\1/'
}

# ---- A: the reference spelling, one file, block style
A="$TMP/a"; project "$A"
cat >"$A/models/all.yaml" <<'Y'
kind: model
name: User
description: People who can sign in.
tags: [pii, core]
fields:
  id: {type: uuid, primary_key: true, default_expr: uuid}
  email: {type: string(320), unique: true}
  nickname: string?
  age: {type: int, nullable: true}
  active: {type: bool, default: true}
  score: {type: "decimal(10,2)", default: 0}
indexes:
  - {fields: [email], unique: true, where: "active"}
  - {fields: [age desc, nickname]}
---
kind: model
name: Post
fields:
  id: {type: uuid, primary_key: true}
  author_id: {type: uuid, references: User.id, on_delete: cascade}
  title: string
  body: text
Y
# ---- B: the same meaning in other styles: flow maps, quoting, comments, key order,
# aliases, field order, primary key spelled at model level, default reference target,
# two files, CRLF line endings.
B="$TMP/b"; project "$B"
cat >"$B/models/post.yaml" <<'Y'
# posts written by users
{kind: "model", name: 'Post', primary_key: [id],
 fields: {title: {type: "text"}, id: uuid,
          author_id: {on_delete: cascade, references: User, type: uuid},
          body: str}}
Y
printf '%s\r\n' \
  "name: User   # the people" \
  "kind: model" \
  "tags:" "  - core" "  - pii" \
  "indexes:" \
  "  - fields: [age desc, nickname]" \
  "  - where: active" "    unique: true" "    fields:" "      - email" \
  "fields:" \
  "  active:" "    default: true" "    type: boolean" \
  "  age: integer?" \
  "  email: {unique: true, type: \"varchar(320)\"}" \
  "  id:" "    default_expr: uuid" "    primary_key: true" "    type: uuid" \
  "  nickname: {type: string, nullable: true}" \
  "  score: {type: 'numeric(10, 2)', default: 0.00}" \
  "description: \"People who can sign in.\"" >"$B/models/user.yaml"
git -C "$B" config core.autocrlf false

ra=$(registry "$A"); rb=$(registry "$B")
check "A hashes" test -n "$ra"
if [ -n "$ra" ] && [ "$ra" = "$rb" ]; then pass; else
    fail "restyled registry checksum differs: $ra vs $rb"
    "$MDC" -C "$B" check >&2
fi
check "per-document checksums identical" test "$(doc_sums "$A")" = "$(doc_sums "$B")"

# ---- committed state hashes the same as the working tree
commit_all "$A" "models"
check "rev HEAD = worktree" test "$("$MDC" -C "$A" hash --rev HEAD --format json)" = "$("$MDC" -C "$A" hash --format json)"

# ---- each change of meaning gives a different checksum
variant() { # NAME SED-EXPRESSION
    local d="$TMP/v-$1"; project "$d"
    sed -E "$2" "$A/models/all.yaml" >"$d/models/all.yaml"
    local r; r=$(registry "$d")
    if [ -z "$r" ]; then fail "variant $1 did not compile"; "$MDC" -C "$d" check >&2; return; fi
    if [ "$r" = "$ra" ]; then fail "variant $1 did not change the checksum"; else pass; fi
    echo "$d"
}
variant nullable 's/nickname: string\?/nickname: string/' >/dev/null
variant type 's/type: int,/type: int64,/' >/dev/null
variant length 's/string\(320\)/string(321)/' >/dev/null
variant default 's/default: true/default: false/' >/dev/null
variant decimal-default 's/default: 0\}/default: 1.5}/' >/dev/null
variant on-delete 's/on_delete: cascade/on_delete: restrict/' >/dev/null
variant index-order 's/age desc, nickname/age, nickname/' >/dev/null
variant index-where 's/where: "active"/where: "not active"/' >/dev/null
variant unique 's/unique: true\}$/unique: false}/' >/dev/null
variant table 's/^name: Post$/name: Post\ntable: articles/' >/dev/null
variant new-field 's/^  title: string$/  title: string\n  subtitle: string?/' >/dev/null
variant enum-type 's/title: string$/title: "enum(a, b)"/' >/dev/null

# ---- metadata: checksum moves, structure_checksum does not
d=$(variant description 's/People who can sign in./People who log in./')
check "description keeps structure_checksum" test "$(structure_of "$d" User)" = "$(structure_of "$A" User)"
d=$(variant tags 's/tags: \[pii, core\]/tags: [pii]/')
check "tags keep structure_checksum" test "$(structure_of "$d" User)" = "$(structure_of "$A" User)"
d=$(variant type2 's/type: int,/type: int64,/')
check "type moves structure_checksum" test "$(structure_of "$d" User)" != "$(structure_of "$A" User)"

# ---- a rename hint never changes a checksum
R="$TMP/hint"; project "$R"
sed -E 's/^  title: string$/  title: {type: string, renamed_from: headline}/' "$A/models/all.yaml" >"$R/models/all.yaml"
check "renamed_from does not change the checksum" test "$(registry "$R")" = "$ra"

finish
