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

# Runs a command with its output discarded, printing "seconds peak_kib cpu_seconds"
# (/usr/bin/time's wall time, maximum resident set, and user plus system time:
# the work of every thread), or "failed …".
vlx_measure() {
    local log
    log=$(mktemp)
    if /usr/bin/time -f "%e %M %U %S" -o "$log" "$@" > /dev/null 2>/dev/null; then
        awk '{ printf "%s %s %.2f\n", $1, $2, $3 + $4 }' "$log"
    else
        echo "failed $(tail -1 "$log")"
    fi
    rm -f "$log"
}

# The median of the numbers on standard input, separated by spaces or lines.
vlx_median() {
    tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

# Makes (or reuses) COUNT pages of PAGE items each, cut from one generated export (seed 2)
# so that each page repeats the last OVERLAP items of the page before, as exports paged by
# the platform and exported again do; prints their folder. BIN holds vlx-generate and vlx.
vlx_overlapping_pages() {
    local count=$1 page=$2 overlap=$3 bin=$4
    local folder=.build/exports/pages-${count}x${page}-overlap${overlap}
    if [ ! -s "$folder/page-$(printf %02d $((count - 1))).json" ]; then
        echo "timing: making $count pages of $page items in $folder" >&2
        rm -rf "$folder"
        mkdir -p "$folder"
        local step=$((page - overlap))
        "$bin/vlx-generate" --items $((step * (count - 1) + page)) --seed 2 \
            | "$bin/vlx" ndjson --no-progress \
            | awk -v folder="$folder" -v count="$count" -v page="$page" -v step="$step" '
                function add(number, line) {
                    file = sprintf("%s/page-%02d.json", folder, number)
                    printf "%s%s", (written[number]++ ? "," : "{\"info\":{\"schema_version\":\"1.1\",\"dataset\":\"pages\",\"description\":\"page " number "\"},\"media_items\":["), line > file
                }
                {
                    index_ = NR - 1
                    number = int(index_ / step)
                    if (number >= count) number = count - 1
                    add(number, $0)
                    # The first OVERLAP items of a page end the page before too.
                    if (number > 0 && index_ - number * step < page - step) add(number - 1, $0)
                }
                END { for (number = 0; number < count; number++) { file = sprintf("%s/page-%02d.json", folder, number); printf "]}\n" > file; close(file) } }'
    fi
    echo "$folder"
}
