#!/usr/bin/env bash
# Runs every vlx command with two builds on one generated corpus and checks that they write
# the same bytes: standard output, standard error, files and exit code. For a change that
# must not change what vlx does (a refactoring), against the build before it.
#
#   Scripts/compare-outputs.sh OLD_VLX NEW_VLX [ITEMS]
#
# The corpus (in .build/compare-corpus, ITEMS items each, 20000 by default): plain, odd
# values and repeated keys, info last, pretty-printed, cut short, gzip, ZIP, the shipped
# fixtures. Each command runs with the default threads, --threads 0 and --threads 1.
# Prints one line per difference and a count; exits 1 when any output differs.
set -euo pipefail
cd "$(dirname "$0")/.."
old=$(realpath "$1") new=$(realpath "$2") items=${3:-20000}
generate=$(dirname "$new")/vlx-generate
[ -x "$generate" ] || generate=$(swift build -c release --show-bin-path)/vlx-generate
corpus=.build/compare-corpus
mkdir -p "$corpus"
if [ ! -s "$corpus/zip.zip" ]; then
    "$generate" --items "$items" --seed 11 > "$corpus/plain.json"
    "$generate" --items "$items" --seed 12 --odd 0.05 --repeated-keys 0.02 > "$corpus/odd.json"
    "$generate" --items "$items" --seed 13 --info-last > "$corpus/info-last.json"
    "$generate" --items "$items" --seed 14 --pretty > "$corpus/pretty.json"
    head -c $(( $(stat -c %s "$corpus/plain.json") * 2 / 3 )) "$corpus/plain.json" > "$corpus/cut.json"
    gzip -c "$corpus/odd.json" > "$corpus/gzip.json.gz"
    python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED).write(sys.argv[2], "export.json")' "$corpus/zip.zip" "$corpus/plain.json"
fi
inputs=("$PWD/$corpus"/*.json "$PWD/$corpus"/*.gz "$PWD/$corpus"/*.zip "$PWD"/Tests/Fixtures/*.json)
commands=(
    "ndjson" "ndjson --normalize" "ndjson --strict-schema" "info" "stats" "validate"
    "filter --issue duplicates --min-confidence 0.5" "filter --label car --label person --format export"
    "filter --media-type video_frame --tag reviewed" "filter --min-uniqueness 0.2 --format export"
    "table media" "table issues" "table labels" "table objects --format csv" "table tags" "table frames"
    "coco" "coco --with-objects-only --media-type image" "split --shards 3" "split --shards 2 --gzip" "merge"
)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# Runs one build: prints the md5 of standard output, standard error and any folder written, and the exit code.
run() {
    local binary=$1 command=$2 input=$3 threads=$4 folder=$scratch/out
    rm -rf "$folder"
    local args=($command)
    local extra=()
    case $command in
        split*) extra=(-o "$folder") ;;
        merge) extra=("$PWD/$corpus/plain.json") ;;
    esac
    local status=0
    "$binary" "${args[@]}" --no-progress $threads "$input" "${extra[@]}" > "$scratch/stdout" 2> "$scratch/stderr" || status=$?
    local files=""
    [ -d "$folder" ] && files=$(cd "$folder" && find . -type f | sort | xargs -r md5sum | md5sum)
    # A binary's own path can appear in a message: the two builds' paths are made alike.
    sed -i "s#$binary#VLX#g" "$scratch/stderr"
    echo "$(md5sum < "$scratch/stdout") $(md5sum < "$scratch/stderr") $files $status"
}
compared=0 differing=0
for input in "${inputs[@]}"; do
    for command in "${commands[@]}"; do
        for threads in "" "--threads 0" "--threads 1"; do
            a=$(run "$old" "$command" "$input" "$threads")
            b=$(run "$new" "$command" "$input" "$threads")
            compared=$((compared + 1))
            if [ "$a" != "$b" ]; then
                differing=$((differing + 1))
                echo "differs: vlx $command $threads $input"
            fi
        done
    done
done
echo "compare-outputs: $compared runs, $differing differing ($old against $new)"
[ "$differing" = 0 ]
