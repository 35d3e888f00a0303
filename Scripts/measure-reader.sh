#!/usr/bin/env bash
# Prints the reader's and vlx's figures on one generated export: wall time and
# peak memory of the raw and typed walks, `vlx ndjson > /dev/null` and
# `vlx stats`, next to json_verify (yajl with no work on top), interleaved,
# median of RUNS, and each one's ratio to json_verify.
#
#   Scripts/measure-reader.sh [SIZE] [RUNS]     SIZE like 1G (default), RUNS 3 (default)
#
# The export is generated once into .build/exports/ with seed 1 and reused.
set -euo pipefail
cd "$(dirname "$0")/.."
source Scripts/setup.sh
source Scripts/timing.sh

size=${1:-1G}
runs=${2:-3}
vlx_require_swift
vlx_install_missing libyajl-dev pkg-config yajl-tools time

swift build -c release --product vlx-walk >&2
swift build -c release --product vlx >&2
swift build -c release --product vlx-generate >&2
bin=$(swift build -c release --show-bin-path)

export_file=$(vlx_generated_export "$size" "$bin")
bytes=$(stat -L -c %s "$export_file")

declare -A seconds peaks
names=(json_verify raw typed vlx_ndjson vlx_stats)
for run in $(seq "$runs"); do
    for name in "${names[@]}"; do
        case $name in
            json_verify) result=$(vlx_measure sh -c "json_verify -q < '$export_file'") ;;
            raw) result=$(vlx_measure "$bin/vlx-walk" raw "$export_file") ;;
            typed) result=$(vlx_measure "$bin/vlx-walk" typed "$export_file") ;;
            vlx_ndjson) result=$(vlx_measure "$bin/vlx" ndjson --no-progress "$export_file") ;;
            vlx_stats) result=$(vlx_measure "$bin/vlx" stats --no-progress "$export_file") ;;
        esac
        read -r wall peak _ <<< "$result"
        seconds[$name]+="$wall "
        peaks[$name]+="$peak "
        echo "measure: run $run $name $wall s $peak KiB" >&2
    done
done


echo "export: $export_file ($bytes bytes), $runs runs each, interleaved, median"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -m)"
base=$(echo "${seconds[json_verify]}" | vlx_median)
printf '%-12s %9s %9s %12s %10s\n' walk seconds MB/s "peak RSS" "vs yajl"
for name in "${names[@]}"; do
    s=$(echo "${seconds[$name]}" | vlx_median)
    p=$(echo "${peaks[$name]}" | vlx_median)
    awk -v n="$name" -v s="$s" -v p="$p" -v b="$base" -v bytes="$bytes" \
        'BEGIN { printf "%-12s %9.2f %9.0f %9.1f MiB %9.2fx\n", n, s, bytes / s / 1e6, p / 1024, s / b }'
done
