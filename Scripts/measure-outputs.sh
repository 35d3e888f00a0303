#!/usr/bin/env bash
# Prints what committing an output costs: `vlx ndjson -o FILE` (written under a temporary
# name, renamed into place at the end) beside `vlx ndjson > FILE` (standard output into the
# same file) and json_verify -q (yajl with no work on top), on one generated export,
# interleaved, median of RUNS, each with its ratio to json_verify.
#
#   Scripts/measure-outputs.sh [SIZE] [RUNS]     SIZE like 1G (default), RUNS 3 (default)
#   VLX_BEFORE=path/to/vlx Scripts/measure-outputs.sh   adds another build's vlx -o, for before and after
set -euo pipefail
cd "$(dirname "$0")/.."
source Scripts/setup.sh
source Scripts/timing.sh

size=${1:-1G}
runs=${2:-3}
vlx_require_swift
vlx_install_missing libyajl-dev pkg-config yajl-tools time

swift build -c release --product vlx >&2
swift build -c release --product vlx-generate >&2
bin=$(swift build -c release --show-bin-path)
export_file=$(vlx_generated_export "$size" "$bin")
out=.build/exports/measure-outputs.ndjson

names=(json_verify vlx_ndjson_stdout_file vlx_ndjson_output)
[ -n "${VLX_BEFORE:-}" ] && names+=(before_ndjson_output)
declare -A seconds peaks
for run in $(seq "$runs"); do
    for name in "${names[@]}"; do
        rm -f "$out" "$out.partial"
        case $name in
            json_verify) result=$(vlx_measure sh -c "json_verify -q < '$export_file'") ;;
            vlx_ndjson_stdout_file) result=$(vlx_measure sh -c "'$bin/vlx' ndjson --no-progress '$export_file' > '$out'") ;;
            vlx_ndjson_output) result=$(vlx_measure "$bin/vlx" ndjson --no-progress "$export_file" -o "$out") ;;
            before_ndjson_output) result=$(vlx_measure "$VLX_BEFORE" ndjson --no-progress "$export_file" -o "$out") ;;
        esac
        read -r wall peak _ <<< "$result"
        seconds[$name]+="$wall "
        peaks[$name]+="$peak "
    done
done
rm -f "$out"

reference=$(echo "${seconds[json_verify]}" | vlx_median)
printf '%-24s %8s %8s %10s\n' command seconds ratio "peak MiB"
for name in "${names[@]}"; do
    median=$(echo "${seconds[$name]}" | vlx_median)
    peak=$(echo "${peaks[$name]}" | vlx_median)
    awk -v name="$name" -v s="$median" -v r="$reference" -v p="$peak" 'BEGIN { printf "%-24s %8s %8.2f %10.1f\n", name, s, s / r, p / 1024 }'
done
echo "($(stat -L -c %s "$export_file") bytes, $runs runs interleaved, medians)"
