# Sourced by the benchmark scripts: the directory of reports they run on.
#
# report_dir BIN COPIES WORK: prints the path of WORK/dCOPIES, COPIES copies
# of every file of fixtures/reports and (when present) ../shared/corpus
# that crashport converts or skips, each copy with incident ids of its own
# (copies of one crash are converted once, so that every file is a crash
# to convert, as in a real folder of reports). Built once, then reused.

bench_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

distinct_copy() { # SET_DIR OUT_DIR NUMBER
    mkdir -p "$2"
    for file in "$1"/*; do
        N=$((10#$3)) perl -0pe 'BEGIN { $n = sprintf("%08X", $ENV{N}) }
            if (/(?:Incident Identifier:\s*|"incident(?:_id)?"\s*:\s*")([0-9A-Fa-f]{8})(-[0-9A-Fa-f-]{27})/) {
                my ($head, $tail) = ($1, $2); s/\Q$head$tail\E/$n$tail/gi;
            }' "$file" > "$2/$(basename "$file")"
    done
}

copies_of() { # SET_DIR COPIES DIR: DIR/devNNN, one per copy
    local i
    mkdir -p "$3.tmp"
    for i in $(seq -w 1 "$2"); do
        distinct_copy "$1" "$3.tmp/dev$i" "$i"
    done
    mv "$3.tmp" "$3"
}

report_dir() { # BIN COPIES WORK
    local bin=$1 copies=$2 work=$3 dir="$3/d$2" set_dir="$3/set" n=0 file
    if [ ! -d "$dir" ]; then
        rm -rf "$set_dir" && mkdir -p "$set_dir"
        while IFS= read -r -d '' file; do
            if "$bin" convert --quiet --no-attachment "$file" > /dev/null 2>&1; then
                n=$((n + 1))
                cp "$file" "$set_dir/$n-$(basename "$file")"
            fi
        done < <(find "$bench_root/fixtures/reports" "$bench_root/../shared/corpus" -type f ! -name '*.tsv' ! -name '*.md' -print0 2> /dev/null)
        copies_of "$set_dir" "$copies" "$dir"
    fi
    echo "$dir"
}

# Times a command: prints "seconds peak_kib".
bench_stats=$(mktemp)
trap 'rm -f "$bench_stats"' EXIT
timed() {
    local start=$EPOCHREALTIME
    /usr/bin/time -o "$bench_stats" -f "%M" "$@" > /dev/null 2>&1
    echo "$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }') $(tail -1 "$bench_stats")"
}

median() { printf '%s\n' "$@" | sort -n | sed -n "$((($# + 1) / 2))p"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
