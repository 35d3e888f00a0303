#!/usr/bin/env bash
# Streams a large generated export through standard input and checks that the
# count is right and that memory stays flat:
#
#   vlx-generate --items N | vlx ndjson | wc -l
#
#   Scripts/soak.sh [ITEMS]     default 6000000 items, about 10.7 GB
#
# Prints the line count, the expected count, vlx's resident memory sampled
# every 5 seconds, its peak, and the time.
set -euo pipefail
cd "$(dirname "$0")/.."
source Scripts/setup.sh

items=${1:-6000000}
vlx_require_swift
vlx_install_missing libyajl-dev zlib1g-dev pkg-config
swift build -c release --product vlx >&2
swift build -c release --product vlx-generate >&2
bin=$(swift build -c release --show-bin-path)

samples=$(mktemp)
count_file=$(mktemp)
start=$(date +%s)
"$bin/vlx-generate" --items "$items" --seed 10 | "$bin/vlx" ndjson --no-progress | wc -l > "$count_file" &
pipeline=$!
sleep 1
vlx_pid=$(pgrep -n -f "$bin/vlx ndjson --no-progress" || true)
while kill -0 "$pipeline" 2>/dev/null; do
    if [ -n "$vlx_pid" ] && [ -r "/proc/$vlx_pid/status" ]; then
        awk -v t=$(( $(date +%s) - start )) '/VmRSS/ { print t, $2 }' "/proc/$vlx_pid/status" >> "$samples"
    fi
    sleep 5
done
wait "$pipeline"
seconds=$(( $(date +%s) - start ))
lines=$(tr -d ' ' < "$count_file")

echo "items written: $lines (expected $items)"
echo "time: $seconds s"
echo "vlx resident memory, KiB, every 5 s:"
awk '{ printf "  t=%4ds %8d\n", $1, $2 }' "$samples"
awk 'BEGIN { max = 0 } { if ($2 > max) max = $2 } END { printf "peak sampled: %.1f MiB over %d samples\n", max / 1024, NR }' "$samples"
rm -f "$samples" "$count_file"
[ "$lines" = "$items" ]
