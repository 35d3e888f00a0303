#!/usr/bin/env bash
# Installs what is missing, builds with warnings as errors, and runs every test.
#
#   Scripts/test.sh            the whole suite, debug build
#   Scripts/test.sh --filter X only the tests whose names match X (swift test's filter)
set -euo pipefail
cd "$(dirname "$0")/.."
source Scripts/setup.sh

vlx_require_swift
vlx_install_missing libyajl-dev pkg-config

echo "test.sh: building (warnings are errors)" >&2
swift build --build-tests -Xswiftc -warnings-as-errors

echo "test.sh: running the tests" >&2
swift test --skip-build "$@"
