#!/usr/bin/env bash
# The whole program on a directory of a few thousand reports: crashport
# convert with 1 and 2 jobs, side by side with `cat`-ing the same files, and
# the peak memory of each run. See docs/PERFORMANCE.md.
#
# usage: benches/bulk.sh [COPIES] [WORKDIR]
#   COPIES   how many copies of the report set to lay out (default 120:
#            about 6,000 files and 110 MB with ../shared/corpus present)
#   WORKDIR  where to build the directory (default /tmp/crashport-bulk)
#
# The report set is every file of fixtures/reports and, when present,
# ../shared/corpus that crashport converts or skips (the few corpus
# fragments it refuses are left out, so every run exits 0). The copies live
# in WORKDIR only; nothing is written into the project.
set -euo pipefail

copies=${1:-120}
work=${2:-/tmp/crashport-bulk}
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/target/release/crashport"
runs=${RUNS:-5}

(cd "$root" && cargo build --release --quiet)

dir="$work/d$copies"
if [ ! -d "$dir" ]; then
    set_dir="$work/set"
    rm -rf "$set_dir" && mkdir -p "$set_dir"
    n=0
    while IFS= read -r -d '' file; do
        if "$bin" convert --quiet --no-attachment "$file" > /dev/null 2>&1; then
            n=$((n + 1))
            cp "$file" "$set_dir/$n-$(basename "$file")"
        fi
    done < <(find "$root/fixtures/reports" "$root/../shared/corpus" -type f ! -name '*.tsv' ! -name '*.md' -print0 2> /dev/null)
    mkdir -p "$dir.tmp"
    for i in $(seq -w 1 "$copies"); do
        cp -r "$set_dir" "$dir.tmp/dev$i"
    done
    mv "$dir.tmp" "$dir"
fi

files=$(find "$dir" -type f | wc -l)
bytes=$(du -sb "$dir" | cut -f1)
echo "directory: $dir, $files files, $((bytes / 1000000)) MB"

# Warm the page cache so every contender reads from memory.
find "$dir" -type f -exec cat {} + > /dev/null

# Median wall time (seconds) and the largest peak RSS (KiB) of $runs runs.
measure() {
    local times=() peak=0 out stats
    stats=$(mktemp)
    for _ in $(seq "$runs"); do
        local start=$EPOCHREALTIME
        /usr/bin/time -o "$stats" -f "%M" "$@" > /dev/null 2>&1
        times+=("$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }')")
        out="x $(tail -1 "$stats")"
        if [ "${out#* }" -gt "$peak" ]; then peak=${out#* }; fi
    done
    rm -f "$stats"
    local median
    median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p")
    echo "$median $peak"
}

read -r cat_s cat_kib < <(measure bash -c "find '$dir' -type f -exec cat {} + > /dev/null")
read -r one_s one_kib < <(measure "$bin" convert --quiet --jobs 1 "$dir")
read -r two_s two_kib < <(measure "$bin" convert --quiet --jobs 2 "$dir")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "inf" }'; }
printf '%-22s %8s %12s\n' "run (median of $runs)" "seconds" "peak RSS"
printf '%-22s %8s %9s MiB\n' "cat" "$cat_s" $((cat_kib / 1024))
printf '%-22s %8s %9s MiB\n' "crashport --jobs 1" "$one_s" $((one_kib / 1024))
printf '%-22s %8s %9s MiB\n' "crashport --jobs 2" "$two_s" $((two_kib / 1024))
echo "jobs 1 / jobs 2: $(ratio "$one_s" "$two_s")x   jobs 2 / cat: $(ratio "$two_s" "$cat_s")x"
