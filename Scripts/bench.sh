#!/usr/bin/env bash
# Times whole processes on one generated export, side by side with what users
# run today, and writes the table into BENCHMARKS.md.
#
#   Scripts/bench.sh [SIZE] [RUNS]             SIZE like 1G (default), RUNS 3 (default)
#   Scripts/bench.sh --commands [SIZE] [RUNS]  every typed vlx command instead, against
#                                              json_verify and the typed walk
#   Scripts/bench.sh --parallel [SIZE] [RUNS]  every command with the parallel walk (threads by
#                                              default: one per core), beside one worker
#                                              (--threads 1), the serial walk (--threads 0) and one
#                                              core (taskset -c 0); checks that the one-core and
#                                              all-core NDJSON are the same bytes
#   Scripts/bench.sh --workflows [SIZE] [RUNS] what users do next: vlx coco on the export, and
#                                              vlx merge of 20 overlapping pages of 50,000 items
#                                              (10% overlap), against json_verify -s on the pages
#   … --against DIR                            also every vlx and vlx-walk row with the binaries in
#                                              DIR (an earlier build), interleaved with this build's,
#                                              and the ratio of each pair: a change's effect on speed
#
# Each command runs RUNS times, interleaved (one of each, then again), and the
# median is kept: wall seconds, MB/s, peak RSS (/usr/bin/time's maximum
# resident set size), the ratio to json_verify -q (yajl with no work on top),
# which only means something within one run, and CPU seconds (user plus system,
# every thread): how much work a parallel walk spreads over the cores.
set -euo pipefail
cd "$(dirname "$0")/.."
source Scripts/setup.sh
source Scripts/timing.sh

against=""
arguments=()
while [ $# -gt 0 ]; do
    if [ "$1" = "--against" ]; then
        [ $# -ge 2 ] && [ -x "$2/vlx" ] || { echo "bench: --against needs a folder holding vlx and vlx-walk" >&2; exit 2; }
        against=$(realpath "$2")
        shift 2
    else
        arguments+=("$1")
        shift
    fi
done
set -- "${arguments[@]+"${arguments[@]}"}"

set_name=tools
if [ "${1:-}" = "--commands" ]; then
    set_name=commands
    shift
elif [ "${1:-}" = "--parallel" ]; then
    set_name=parallel
    shift
elif [ "${1:-}" = "--workflows" ]; then
    set_name=workflows
    shift
fi
size=${1:-1G}
runs=${2:-3}
vlx_require_swift
vlx_install_missing libyajl-dev zlib1g-dev pkg-config yajl-tools jq time
vlx_require_python_module ijson

swift build -c release --product vlx >&2
swift build -c release --product vlx-walk >&2
swift build -c release --product vlx-generate >&2
swift build -c release --package-path Benchmarks --product jsondecoder-baseline >&2
bin=$(swift build -c release --show-bin-path)
this_bin=$bin
baseline=$(swift build -c release --package-path Benchmarks --show-bin-path)/jsondecoder-baseline

export_file=$(vlx_generated_export "$size" "$bin")
bytes=$(stat -L -c %s "$export_file")

ijson_ndjson='
import ijson, json, sys
with open(sys.argv[1], "rb") as source:
    for item in ijson.items(source, "media_items.item", use_float=True):
        sys.stdout.write(json.dumps(item, ensure_ascii=False, separators=(",", ":")) + "\n")
'

if [ "$set_name" = commands ]; then
    names=(json_verify typed_walk vlx_ndjson vlx_normalize vlx_stats vlx_filter vlx_clean vlx_table_issues vlx_table_objects vlx_validate)
elif [ "$set_name" = parallel ]; then
    names=(json_verify vlx_ndjson vlx_ndjson_one_worker vlx_ndjson_serial vlx_ndjson_one_core typed_walk vlx_normalize vlx_stats vlx_filter vlx_table_issues vlx_table_objects vlx_validate)
    # The same bytes with every core and with one.
    all_cores=$("$bin/vlx" ndjson --no-progress "$export_file" | md5sum)
    one_core=$(taskset -c 0 "$bin/vlx" ndjson --no-progress "$export_file" | md5sum)
    if [ "$all_cores" = "$one_core" ]; then identical="yes (md5 ${all_cores%% *})"; else identical="NO: ${all_cores%% *} and ${one_core%% *}"; fi
    echo "bench: NDJSON with every core and with one core identical: $identical" >&2
elif [ "$set_name" = workflows ]; then
    names=(json_verify vlx_coco json_verify_pages vlx_merge vlx_merge_ndjson)
    pages=$(vlx_overlapping_pages 20 50000 5000 "$bin")
    page_bytes=$(cat "$pages"/page-*.json | wc -c)
else
    names=(json_verify vlx_ndjson vlx_stats typed_walk jsondecoder jq ijson)
fi
# With --against, each row of vlx or vlx-walk has a twin NAME__before that runs the earlier build.
if [ -n "$against" ]; then
    paired=()
    for name in "${names[@]}"; do
        paired+=("$name")
        case $name in vlx_*|typed_walk) paired+=("${name}__before") ;; esac
    done
    names=("${paired[@]}")
fi
declare -A labels=(
    [vlx_normalize]="vlx ndjson --normalize FILE > /dev/null"
    [vlx_filter]="vlx filter --issue duplicates --min-confidence 0.9 FILE > /dev/null"
    [vlx_clean]="vlx clean --drop-issue blur --drop-issue dark --min-confidence 0.8 --dedupe --format ndjson FILE > /dev/null"
    [vlx_table_issues]="vlx table issues FILE > /dev/null"
    [vlx_table_objects]="vlx table objects FILE > /dev/null"
    [vlx_validate]="vlx validate FILE"
    [vlx_coco]="vlx coco FILE > /dev/null"
    [json_verify_pages]="json_verify -s -q over the 20 PAGES, concatenated"
    [vlx_merge]="vlx merge PAGES > /dev/null"
    [vlx_merge_ndjson]="vlx merge --format ndjson PAGES > /dev/null"
    [json_verify]="json_verify -q < FILE"
    [vlx_ndjson]="vlx ndjson FILE > /dev/null"
    [vlx_ndjson_one_worker]="vlx ndjson --threads 1 FILE > /dev/null (one worker)"
    [vlx_ndjson_serial]="vlx ndjson --threads 0 FILE > /dev/null (the serial walk)"
    [vlx_ndjson_one_core]="taskset -c 0 vlx ndjson FILE > /dev/null (one core)"
    [vlx_stats]="vlx stats FILE"
    [typed_walk]="vlx-walk typed FILE (ExportReader.mediaItems)"
    [jsondecoder]="jsondecoder-baseline FILE (JSONDecoder, Codable)"
    [jq]="jq -c '.media_items[]' FILE > /dev/null"
    [ijson]="python3 ijson (yajl2_c) to NDJSON > /dev/null"
)

declare -A seconds peaks cpus
for run in $(seq "$runs"); do
    # A row and its "before" twin run in turns, the twin first in every other round, so
    # neither gains from its place in the round.
    order=("${names[@]}")
    if [ -n "$against" ] && [ $((run % 2)) = 0 ]; then
        order=()
        for name in "${names[@]}"; do
            if [[ $name == *__before ]]; then
                last=$((${#order[@]} - 1))
                order=("${order[@]:0:$last}" "$name" "${order[$last]}")
            else
                order+=("$name")
            fi
        done
    fi
    for name in "${order[@]}"; do
        bin=$this_bin
        [[ $name == *__before ]] && bin=$against
        case ${name%__before} in
            json_verify) result=$(vlx_measure sh -c "json_verify -q < '$export_file'") ;;
            vlx_ndjson) result=$(vlx_measure "$bin/vlx" ndjson --no-progress "$export_file") ;;
            vlx_ndjson_one_worker) result=$(vlx_measure "$bin/vlx" ndjson --threads 1 --no-progress "$export_file") ;;
            vlx_ndjson_serial) result=$(vlx_measure "$bin/vlx" ndjson --threads 0 --no-progress "$export_file") ;;
            vlx_ndjson_one_core) result=$(vlx_measure taskset -c 0 "$bin/vlx" ndjson --no-progress "$export_file") ;;
            vlx_stats) result=$(vlx_measure "$bin/vlx" stats --no-progress "$export_file") ;;
            typed_walk) result=$(vlx_measure "$bin/vlx-walk" typed "$export_file") ;;
            vlx_normalize) result=$(vlx_measure "$bin/vlx" ndjson --normalize --no-progress "$export_file") ;;
            vlx_filter) result=$(vlx_measure "$bin/vlx" filter --issue duplicates --min-confidence 0.9 --no-progress "$export_file") ;;
            vlx_clean) result=$(vlx_measure "$bin/vlx" clean --drop-issue blur --drop-issue dark --min-confidence 0.8 --dedupe --format ndjson --quiet --no-progress "$export_file") ;;
            vlx_table_issues) result=$(vlx_measure "$bin/vlx" table issues --no-progress "$export_file") ;;
            vlx_table_objects) result=$(vlx_measure "$bin/vlx" table objects --no-progress "$export_file") ;;
            vlx_validate) result=$(vlx_measure "$bin/vlx" validate --no-progress "$export_file") ;;
            vlx_coco) result=$(vlx_measure "$bin/vlx" coco --no-progress --quiet "$export_file") ;;
            json_verify_pages) result=$(vlx_measure sh -c "cat '$pages'/page-*.json | json_verify -s -q") ;;
            vlx_merge) result=$(vlx_measure "$bin/vlx" merge --no-progress --quiet "$pages"/page-*.json) ;;
            vlx_merge_ndjson) result=$(vlx_measure "$bin/vlx" merge --format ndjson --no-progress --quiet "$pages"/page-*.json) ;;
            jsondecoder) result=$(vlx_measure "$baseline" "$export_file") ;;
            jq) result=$(vlx_measure jq -c '.media_items[]' "$export_file") ;;
            ijson) result=$(vlx_measure python3 -c "$ijson_ndjson" "$export_file") ;;
        esac
        echo "bench: run $run $name: $result" >&2
        read -r wall peak cpu <<< "$result"
        seconds[$name]+="$wall "
        peaks[$name]+="$peak "
        cpus[$name]+="$cpu "
    done
done
bin=$this_bin


machine="$(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -m), $(swift --version 2>/dev/null | head -1)"
base=$(echo "${seconds[json_verify]}" | vlx_median)
table=$(
    echo "| command | seconds | MB/s | peak RSS | vs json_verify | CPU seconds |"
    echo "|---|---|---|---|---|---|"
    for name in "${names[@]}"; do
        if [[ "${seconds[$name]}" == *failed* ]]; then
            echo "| \`${labels[${name%__before}]}\` | failed | | | | |"
            continue
        fi
        s=$(echo "${seconds[$name]}" | vlx_median)
        p=$(echo "${peaks[$name]}" | vlx_median)
        c=$(echo "${cpus[$name]}" | vlx_median)
        label=${labels[${name%__before}]}
        [[ $name == *__before ]] && label="$label, before"
        # Merge rows read the pages: their yardstick is json_verify over the same bytes.
        row_base=$base row_bytes=$bytes
        if [[ $name == *pages* || $name == vlx_merge* ]]; then
            row_base=$(echo "${seconds[json_verify_pages]}" | vlx_median)
            row_bytes=$page_bytes
        fi
        awk -v label="$label" -v s="$s" -v p="$p" -v c="$c" -v b="$row_base" -v bytes="$row_bytes" \
            'BEGIN { printf "| `%s` | %.2f | %.0f | %.1f MiB | %.2fx | %.2f |\n", label, s, bytes / s / 1e6, p / 1024, s / b, c }'
    done
)

# Each row's median wall time over its "before" twin's.
comparison() {
    for name in "${names[@]}"; do
        [[ $name == *__before ]] || [ -z "${seconds[${name}__before]:-}" ] && continue
        awk -v label="${labels[$name]}" -v new="$(echo "${seconds[$name]}" | vlx_median)" -v old="$(echo "${seconds[${name}__before]}" | vlx_median)" \
            'BEGIN { printf "- `%s`: %.3f (%+.1f%%)\n", label, new / old, (new / old - 1) * 100 }'
    done
}

section=$(cat <<SECTION
<!-- bench.sh $set_name: begin -->
## $(case $set_name in commands) echo "Every typed command" ;; parallel) echo "The parallel walk" ;; workflows) echo "COCO and merge" ;; *) echo "Side by side" ;; esac): $size export, whole processes ($(date -u +%Y-%m-%d))

Command: \`Scripts/bench.sh $(case $set_name in commands) echo "--commands " ;; parallel) echo "--parallel " ;; workflows) echo "--workflows " ;; esac)$size $runs\` on \`$export_file\` ($bytes bytes,
\`vlx-generate --size $size --seed 1\`), $runs runs of each, interleaved, median.
Machine: $machine.
$( [ "$set_name" = parallel ] && printf '\nNDJSON with every core and with one core (taskset -c 0) the same bytes: %s.\n' "$identical" )
$( [ "$set_name" = workflows ] && printf '\nPAGES: 20 exports of 50,000 items, each repeating the last 5,000 of the one before (905,000 distinct items, %s bytes), made by vlx_overlapping_pages in Scripts/timing.sh.\n' "$page_bytes" )

$table
$( [ -n "$against" ] && printf '\nEach row marked "before" runs the binaries in %s, in the same rounds. This build against it (wall seconds, medians):\n\n%s\n' "$against" "$(comparison)" )
<!-- bench.sh $set_name: end -->
SECTION
)

touch BENCHMARKS.md
python3 - "$section" "$set_name" <<'PY'
import re, sys
section, set_name = sys.argv[1], sys.argv[2]
text = open("BENCHMARKS.md").read()
# The first table was written before there were two sets, under markers without a name.
text = text.replace("<!-- bench.sh: begin -->", "<!-- bench.sh tools: begin -->").replace("<!-- bench.sh: end -->", "<!-- bench.sh tools: end -->")
pattern = re.compile(r"<!-- bench.sh %s: begin -->.*?<!-- bench.sh %s: end -->" % (set_name, set_name), re.S)
text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section + "\n"
open("BENCHMARKS.md", "w").write(text)
PY
echo "$section"
