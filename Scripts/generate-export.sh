#!/usr/bin/env bash
# Writes a synthetic Visual Layer export to standard output, streaming.
#
#   Scripts/generate-export.sh --size 1G --seed 1 > export.json
#   Scripts/generate-export.sh --items 1000 --pretty --info-last > small.json
#   Scripts/generate-export.sh --items 1000 --odd 0.1 > drifted.json
#
# Deterministic for a given seed: items mix the documented style (metadata_type,
# string confidences, integer group ids) and the real-export style (type,
# numeric confidences, UUID group ids, duplicate tiers, uniqueness scores,
# objects with nested issues), with unicode and escapes in file names. --odd
# RATE gives that fraction of items one value of another type or shape than the
# format's, as exports in the wild have, and --repeated-keys RATE that fraction a
# key written twice in one object; the counts go to standard error.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/Scripts/setup.sh"
vlx_require_swift
vlx_install_missing libyajl-dev zlib1g-dev pkg-config

bin="$root/.build/release/vlx-generate"
if [ ! -x "$bin" ] || [ -n "$(find "$root/Sources/vlx-generate" -newer "$bin" -print -quit)" ]; then
    (cd "$root" && swift build -c release --product vlx-generate >&2)
fi
exec "$bin" "$@"
