#!/usr/bin/env bash
# Installs what is missing, builds with warnings as errors, and runs every test.
#
#   Scripts/test.sh                      the whole suite, debug build
#   Scripts/test.sh --filter X           only the tests whose names match X (swift test's filter)
#   Scripts/test.sh --sanitize address   the whole suite under AddressSanitizer (or thread),
#                                        in a build folder of its own (.build-address, .build-thread)
set -euo pipefail
cd "$(dirname "$0")/.."
source Scripts/setup.sh

sanitizer=""
if [ "${1:-}" = "--sanitize" ]; then
    sanitizer=${2:?"--sanitize takes address or thread"}
    shift 2
fi

vlx_require_swift
# The library and tool, then the real clients the end-to-end tests feed: jq,
# zip and gzip to make inputs, Python with DuckDB, pycocotools and pyspark (on a Java
# runtime) to read the output, script(1) (bsdutils) for a terminal, /usr/bin/time (time)
# for peak memory, setpriv
# (util-linux) to test permissions as root.
vlx_install_missing libyajl-dev zlib1g-dev pkg-config jq zip gzip bsdutils util-linux time rsync
command -v java >/dev/null 2>&1 || vlx_install_missing default-jre-headless
vlx_require_python_module duckdb
vlx_require_python_module pyspark
vlx_require_python_module pycocotools

if [ -n "$sanitizer" ]; then
    echo "test.sh: building and running the tests under the $sanitizer sanitizer" >&2
    # Leaks in dependencies are listed, and only those, in lsan-suppressions.txt.
    export LSAN_OPTIONS="suppressions=$PWD/Scripts/lsan-suppressions.txt:print_suppressions=0"
    export TSAN_OPTIONS="halt_on_error=1"
    # Tests that measure resident memory leave that check out under a sanitizer.
    export VLX_SANITIZER="$sanitizer"
    exec swift test --sanitize="$sanitizer" --scratch-path ".build-$sanitizer" "$@"
fi

echo "test.sh: building (warnings are errors)" >&2
swift build --build-tests -Xswiftc -warnings-as-errors

echo "test.sh: building the benchmarks package, so that it cannot rot" >&2
# The benchmarks' package sees the library through a path dependency, whose new source files
# SwiftPM may not notice while the manifests are unchanged: plan the build afresh.
rm -f Benchmarks/.build/debug.yaml
swift build --package-path Benchmarks

echo "test.sh: building the library's documentation (DocC; warnings are errors)" >&2
swift package --disable-sandbox generate-documentation --target VLExport --warnings-as-errors >&2

echo "test.sh: running the tests" >&2
swift test --skip-build "$@"
