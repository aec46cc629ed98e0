#!/usr/bin/env bash
# test_install.sh - libmdc as an application sees it: install into a temporary prefix,
# build examples/app with CMake (find_package(mdc), mdc::mdc) and with make (pkg-config),
# run both on a snapshot that `mdc build` made from examples/shop, and read the same
# snapshot with the stdlib-only Python reader (examples/python).
. "$(dirname "$0")/lib.sh"
: "${MDC_BUILD:?MDC_BUILD must point at the build tree}"

PREFIX="$TMP/prefix"
if ! cmake --install "$MDC_BUILD" --prefix "$PREFIX" >"$TMP/install.log" 2>&1; then
    cat "$TMP/install.log" >&2
    fail "cmake --install"
    finish
    exit 1
fi
LIBDIR=$(dirname "$(find "$PREFIX" -name 'libmdc.so.0' | head -1)")
check "installed header" test -f "$PREFIX/include/mdc/registry.h"
check "installed shared library" test -e "$LIBDIR/libmdc.so.0.1.0"
check "installed static library" test -f "$LIBDIR/libmdc.a"
check "installed CMake package" test -f "$LIBDIR/cmake/mdc/mdcConfig.cmake"
check "installed pkg-config file" test -f "$LIBDIR/pkgconfig/mdc.pc"
check "SONAME" sh -c "objdump -p '$LIBDIR/libmdc.so.0.1.0' | grep -q 'SONAME *libmdc.so.0'"
# Only the public API is exported.
check "exported symbols are mdc_*" sh -c \
    "! nm -D --defined-only '$LIBDIR/libmdc.so.0' | awk '\$2 ~ /[TD]/ {print \$3}' | grep -v '^mdc_'"
check "no compiler internals" sh -c "! nm -D '$LIBDIR/libmdc.so.0' | grep -q -e mdcr_ -e mdc_compile -e git_"

# A snapshot of the shop example, built from a fresh repository.
REPO="$TMP/shop"
cp -r "$MDC_SRC/examples/shop" "$REPO"
new_repo "$REPO"
commit_all "$REPO" "shop models"
check "mdc build" "$MDC" -C "$REPO" build -o "$TMP/registry.db"
check "snapshot written" test -s "$TMP/registry.db"

# CMake consumer.
# A sanitizer build installs an instrumented libmdc: the apps must link the runtimes too.
SAN_FLAGS=""
[ "${MDC_SANITIZE:-0}" = 1 ] && SAN_FLAGS="-fsanitize=address,undefined"

APP="$TMP/app-cmake"
if cmake -S "$MDC_SRC/examples/app" -B "$APP" -DCMAKE_PREFIX_PATH="$PREFIX" \
       -DCMAKE_C_FLAGS="$SAN_FLAGS" -DCMAKE_EXE_LINKER_FLAGS="$SAN_FLAGS" >"$TMP/app.log" 2>&1 &&
   cmake --build "$APP" >>"$TMP/app.log" 2>&1; then
    pass
    out=$("$APP/mdc-app" "$TMP/registry.db" User 2>&1)
    check "cmake app runs" test $? -eq 0
    check "cmake app: meta" grep -q "meta project = shop" <<<"$out"
    check "cmake app: sources" grep -q "^source shop: projects tasks users" <<<"$out"
    check "cmake app: model" grep -q "^model User: table public.users" <<<"$out"
    check "cmake app: field" grep -q "field email string(320) not-null unique" <<<"$out"
    "$APP/mdc-app" "$TMP/registry.db" NoSuchModel >/dev/null 2>&1
    check "cmake app: unknown model fails" test $? -eq 1
else
    cat "$TMP/app.log" >&2
    fail "cmake app builds"
fi

# pkg-config consumer (shared library found through rpath).
APP2="$TMP/app-make"
cp -r "$MDC_SRC/examples/app" "$APP2"
if PKG_CONFIG_PATH="$LIBDIR/pkgconfig" make -C "$APP2" CC="cc $SAN_FLAGS" \
       LDFLAGS="-Wl,-rpath,$LIBDIR" >"$TMP/make.log" 2>&1; then
    pass
    out=$("$APP2/mdc-app" "$TMP/registry.db" Task 2>&1)
    check "make app runs" test $? -eq 0
    check "make app: model" grep -q "^model Task:" <<<"$out"
    check "pkg-config static flags" sh -c \
        "PKG_CONFIG_PATH='$LIBDIR/pkgconfig' pkg-config --static --libs mdc | grep -q -e -lsqlite3"
else
    cat "$TMP/make.log" >&2
    fail "make app builds"
fi

# The app refuses a file that is not a snapshot.
echo "not a database" >"$TMP/junk.db"
if [ -x "$APP/mdc-app" ]; then
    "$APP/mdc-app" "$TMP/junk.db" >/dev/null 2>"$TMP/junk.err"
    check "app rejects junk" test $? -eq 1
    check "app says why" grep -q "not an mdc snapshot" "$TMP/junk.err"
fi

# The stdlib-only Python reader.
if command -v python3 >/dev/null; then
    out=$(python3 "$MDC_SRC/examples/python/mdc_registry.py" "$TMP/registry.db" User 2>&1)
    check "python reader runs" test $? -eq 0
    check "python: sources" grep -q "^source shop (postgres): projects tasks users" <<<"$out"
    check "python: entity" grep -q "^entity Customer -> crm_postgres.contacts shop.users" <<<"$out"
    check "python: model" grep -q "^model User table public.users" <<<"$out"
    python3 "$MDC_SRC/examples/python/mdc_registry.py" "$TMP/junk.db" >/dev/null 2>&1
    check "python rejects junk" test $? -eq 1
fi

finish
