#!/usr/bin/env bash
# Helpers shared by bench.sh and measure-reader.sh; source it, after setup.sh.

# Makes (or reuses) the generated export of SIZE with seed 1 in .build/exports
# and prints its path; BIN is the release bin folder holding vlx-generate.
vlx_generated_export() {
    local size=$1 bin=$2
    local file=.build/exports/export-$size-seed1.json
    mkdir -p .build/exports
    if [ ! -s "$file" ]; then
        echo "timing: generating $file" >&2
        "$bin/vlx-generate" --size "$size" --seed 1 > "$file.tmp"
        mv "$file.tmp" "$file"
    fi
    echo "$file"
}

# Runs a command with its output discarded, printing "seconds peak_kib"
# (/usr/bin/time's wall time and maximum resident set), or "failed …".
vlx_measure() {
    local log
    log=$(mktemp)
    if /usr/bin/time -f "%e %M" -o "$log" "$@" > /dev/null 2>/dev/null; then
        cat "$log"
    else
        echo "failed $(tail -1 "$log")"
    fi
    rm -f "$log"
}

# The median of the numbers on standard input, separated by spaces or lines.
vlx_median() {
    tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}
