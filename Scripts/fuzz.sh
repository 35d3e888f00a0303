#!/usr/bin/env bash
# Fuzzes the reader with libFuzzer and AddressSanitizer for SECONDS (default 60).
#
#   Scripts/fuzz.sh [SECONDS] [extra libFuzzer flags…]
#   Scripts/fuzz.sh --replay     runs every input of the corpus once and stops (what CI runs)
#
# The corpus lives in .build/fuzz/corpus and grows from run to run; it is
# seeded from Tests/Fixtures, each fixture once per dialect, walk and chunk size
# (the first byte of an input chooses them; see Fuzz/Sources/ReaderFuzzer), and
# from Fuzz/Corpus, inputs earlier runs found, kept in git (a run's corpus merged
# into it with `-merge=1`). A crash, sanitizer report or broken invariant stops the
# run and leaves the input in .build/fuzz/artifacts; turn it into a regression test.
set -euo pipefail
cd "$(dirname "$0")/.."
source Scripts/setup.sh

replay=false
if [ "${1:-}" = "--replay" ]; then
    replay=true
    shift
fi
seconds=${1:-60}
shift || true
vlx_require_swift
vlx_install_missing libyajl-dev pkg-config

echo "fuzz.sh: building the fuzzer (release, -sanitize=fuzzer,address)" >&2
# The fuzzer's package sees the library through a path dependency, whose new source files
# SwiftPM may not notice while the manifests are unchanged: plan the build afresh.
rm -f Fuzz/.build/release.yaml
swift build --package-path Fuzz -c release \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -enable-testing >&2
fuzzer=$(swift build --package-path Fuzz -c release --show-bin-path)/ReaderFuzzer

corpus=.build/fuzz/corpus
artifacts=.build/fuzz/artifacts
mkdir -p "$corpus" "$artifacts"
if [ -z "$(ls -A "$corpus")" ]; then
    for control in 0 1 2 3 6 7 8 9; do
        for fixture in edge-cases.json seed-example.json; do
            { printf "\\x0$control"; cat "Tests/Fixtures/$fixture"; } > "$corpus/seed-$control-$fixture"
        done
        { printf "\\x0$control"; head -c 4000 Tests/Fixtures/real-export-extreme.json; } > "$corpus/seed-$control-real-head.json"
        # A UTF-8 byte order mark before the document, which the reader passes over.
        { printf "\\x0$control\\xef\\xbb\\xbf"; head -c 4000 Tests/Fixtures/real-export-extreme.json; } > "$corpus/seed-$control-bom-real-head.json"
    done
    for case in Tests/Fixtures/JSONTestSuite/test_parsing/*.json; do
        { printf '\x00'; cat "$case"; } > "$corpus/jsontestsuite-$(basename "$case")"
    done
fi
find Fuzz/Corpus -type f ! -name README.md -exec cp -n {} "$corpus/" \;

if $replay; then
    echo "fuzz.sh: running each of the $(ls "$corpus" | wc -l) inputs of the corpus once" >&2
    exec "$fuzzer" -runs=0 -max_len=8192 -timeout=10 -rss_limit_mb=4096 -artifact_prefix="$artifacts/" "$corpus"
fi

echo "fuzz.sh: fuzzing for $seconds s" >&2
exec "$fuzzer" -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=4096 \
    -artifact_prefix="$artifacts/" -print_final_stats=1 "$@" "$corpus"
