#!/usr/bin/env bash
# Compares this build's CPU work with an earlier build's, per unit of yajl's work, in a way
# that a noisy machine does not blur.
#
#   Scripts/profile-against.sh DIR [SIZE] [RUNS]   DIR holds the earlier vlx and vlx-walk;
#                                                 SIZE like 1G (default), RUNS 3 (default)
#
# Wall and CPU seconds on a shared VM drift by 10-20% from one minute to the next, more than
# most changes worth measuring. Each row here runs under `perf record` (cpu-clock samples, every
# thread), and its cost is the samples of the whole process over the samples in libyajl: yajl
# is the same code doing the same work in both builds, so it measures how fast the machine was
# during that very run. The ratio of the two builds' costs is what the change did, within a
# percent or two. (It assumes both builds hand yajl the same bytes, as every vlx walk does.)
# Rows run in turns, the earlier build first in every other round; the median is kept.
set -euo pipefail
cd "$(dirname "$0")/.."
source Scripts/setup.sh
source Scripts/timing.sh

[ $# -ge 1 ] && [ -x "${1:-}/vlx" ] && [ -x "$1/vlx-walk" ] || { echo "profile-against: needs a folder holding the earlier vlx and vlx-walk" >&2; exit 2; }
before=$(realpath "$1")
size=${2:-1G}
runs=${3:-3}
vlx_require_swift
vlx_install_missing libyajl-dev zlib1g-dev pkg-config linux-perf
swift build -c release --product vlx >&2
swift build -c release --product vlx-walk >&2
swift build -c release --product vlx-generate >&2
this=$(swift build -c release --show-bin-path)
export_file=$(vlx_generated_export "$size" "$this")
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

rows=(
    "vlx ndjson"
    "vlx ndjson --threads 1"
    "vlx ndjson --threads 0"
    "taskset -c 0 vlx ndjson"
    "vlx-walk typed"
    "vlx ndjson --normalize"
    "vlx stats"
    "vlx filter --issue duplicates --min-confidence 0.9"
    "vlx table issues"
    "vlx table objects"
    "vlx validate"
)

# Prints the process's samples over its samples in libyajl.
cost() {
    local bin=$1 row=$2 command=()
    read -r -a command <<< "$row"
    local prefix=()
    if [ "${command[0]}" = taskset ]; then prefix=("${command[@]:0:3}"); command=("${command[@]:3}"); fi
    local program=$bin/${command[0]}
    local arguments=("${command[@]:1}")
    [ "${command[0]}" = vlx ] && arguments+=(--no-progress)
    "${prefix[@]}" perf record -q -F 2000 -o "$scratch/perf.data" "$program" "${arguments[@]}" "$export_file" > /dev/null 2> "$scratch/stderr" || true
    perf report -i "$scratch/perf.data" --no-children --sort dso -g none -F sample,dso 2> /dev/null \
        | awk '!/^#/ && NF >= 2 { total += $1; if ($2 ~ /libyajl/) yajl += $1 } END { if (yajl == 0) print "failed"; else printf "%.4f\n", total / yajl }'
}

declare -A costs
for run in $(seq "$runs"); do
    for row in "${rows[@]}"; do
        order=("$before" "$this")
        [ $((run % 2)) = 0 ] && order=("$this" "$before")
        for bin in "${order[@]}"; do
            value=$(cost "$bin" "$row")
            echo "profile-against: run $run, $row, $([ "$bin" = "$this" ] && echo this || echo before): $value" >&2
            costs["$bin|$row"]+="$value "
        done
    done
done

echo "Samples per libyajl sample, median of $runs, on $export_file ($(stat -L -c %s "$export_file") bytes); before: $before"
echo
echo "| command | before | this build | this / before |"
echo "|---|---|---|---|"
for row in "${rows[@]}"; do
    old=$(echo "${costs["$before|$row"]}" | vlx_median)
    new=$(echo "${costs["$this|$row"]}" | vlx_median)
    awk -v row="$row" -v old="$old" -v new="$new" 'BEGIN { printf "| `%s` | %.3f | %.3f | %.3f (%+.1f%%) |\n", row, old, new, new / old, (new / old - 1) * 100 }'
done
