#!/usr/bin/env bash
# The whole program on a directory of a few thousand reports: crashport
# convert with 1 and 2 jobs, side by side with `cat`-ing the same files, and
# the peak memory of each run; then, on the text reports alone, crashport
# convert --jobs 1 --no-attachment beside Sentry's apple-crash-report-parser
# doing the same job as a program (examples/acrp_json.rs). See
# docs/PERFORMANCE.md.
#
# usage: benches/bulk.sh [COPIES] [WORKDIR]
#   COPIES   how many copies of the report set to lay out (default 120:
#            about 6,000 files and 110 MB with ../shared/corpus present)
#   WORKDIR  where to build the directory (default /tmp/crashport-bulk)
#
# OTHER=PATH adds another crashport binary (a build of an earlier commit)
# to the text-report rounds, run the same way beside the two others, so
# that the reference's ratio to it is measured on the same files and in
# the same rounds.
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

(cd "$root" && cargo build --release --quiet && cargo build --release --quiet --example acrp_json)
acrp="$root/target/release/examples/acrp_json"

source "$root/benches/lib.sh"
dir=$(report_dir "$bin" "$copies" "$work")

# The text reports both programs read, for the comparison with
# apple-crash-report-parser (which reads no .ips).
text_dir="$work/t$copies"
if [ ! -d "$text_dir" ]; then
    text_set="$work/text-set"
    rm -rf "$text_set" && mkdir -p "$text_set"
    for file in "$work"/set/*; do
        if [ "$(head -c 1 "$file")" != "{" ] \
            && "$bin" inspect --json "$file" 2> /dev/null | grep -q '"format":"text"' \
            && "$acrp" "$file" > /dev/null 2>&1; then
            cp "$file" "$text_set/"
        fi
    done
    copies_of "$text_set" "$copies" "$text_dir"
fi

files=$(find "$dir" -type f | wc -l)
bytes=$(du -sb "$dir" | cut -f1)
echo "directory: $dir, $files files, $((bytes / 1000000)) MB"

# Warm the page cache so every contender reads from memory.
find "$dir" -type f -exec cat {} + > /dev/null

# Each round times every contender once, one after the other, so that a
# change in the machine's load (these machines are shared) falls on all of
# them alike; the figures are medians over the rounds, and each ratio is the
# median of the per-round ratios. Peak RSS is the largest seen.
declare -a cat_s one_s two_s one_over_two two_over_cat ceiling
cat_kib=0 one_kib=0 two_kib=0
for _ in $(seq "$runs"); do
    read -r c ck < <(timed bash -c "find '$dir' -type f -exec cat {} + > /dev/null")
    read -r o ok < <(timed "$bin" convert --quiet --jobs 1 "$dir")
    read -r t tk < <(timed "$bin" convert --quiet --jobs 2 "$dir")
    # What the machine allows: two single-threaded runs at once, each on
    # its own core, do twice the work in this time.
    start=$EPOCHREALTIME
    "$bin" convert --quiet --jobs 1 "$dir" > /dev/null &
    "$bin" convert --quiet --jobs 1 "$dir" > /dev/null
    wait
    pair=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }')
    ceiling+=("$(awk -v a="$o" -v b="$pair" 'BEGIN { printf "%.3f", 2 * a / b }')")
    cat_s+=("$c") one_s+=("$o") two_s+=("$t")
    one_over_two+=("$(awk -v a="$o" -v b="$t" 'BEGIN { printf "%.3f", a / b }')")
    two_over_cat+=("$(awk -v a="$t" -v b="$c" 'BEGIN { printf "%.3f", a / b }')")
    ((ck > cat_kib)) && cat_kib=$ck
    ((ok > one_kib)) && one_kib=$ok
    ((tk > two_kib)) && two_kib=$tk
done

printf '%-22s %8s %12s\n' "run (median of $runs)" "seconds" "peak RSS"
printf '%-22s %8s %9s MiB\n' "cat" "$(median "${cat_s[@]}")" $((cat_kib / 1024))
printf '%-22s %8s %9s MiB\n' "crashport --jobs 1" "$(median "${one_s[@]}")" $((one_kib / 1024))
printf '%-22s %8s %9s MiB\n' "crashport --jobs 2" "$(median "${two_s[@]}")" $((two_kib / 1024))
echo "jobs 1 / jobs 2: $(median "${one_over_two[@]}")x   jobs 2 / cat: $(median "${two_over_cat[@]}")x"
echo "two single-job runs at once did $(median "${ceiling[@]}")x the work of one in the same time (the machine's ceiling for 2 jobs)"

text_files=$(find "$text_dir" -type f | wc -l)
text_bytes=$(du -sb "$text_dir" | cut -f1)
echo
echo "text reports: $text_dir, $text_files files, $((text_bytes / 1000000)) MB"
find "$text_dir" -type f -exec cat {} + > /dev/null
other=${OTHER:-}
declare -a ours theirs speedup others other_speedup
for _ in $(seq "$runs"); do
    read -r o _ < <(timed "$bin" convert --quiet --jobs 1 --no-attachment "$text_dir")
    read -r a _ < <(timed "$acrp" "$text_dir")
    ours+=("$o") theirs+=("$a")
    speedup+=("$(awk -v a="$a" -v b="$o" 'BEGIN { printf "%.3f", a / b }')")
    if [ -n "$other" ]; then
        read -r x _ < <(timed "$other" convert --quiet --jobs 1 --no-attachment "$text_dir")
        others+=("$x")
        other_speedup+=("$(awk -v a="$a" -v b="$x" 'BEGIN { printf "%.3f", a / b }')")
    fi
done
printf '%-40s %8s\n' "run (median of $runs)" "seconds"
printf '%-40s %8s\n' "crashport convert --jobs 1 --no-attachment" "$(median "${ours[@]}")"
printf '%-40s %8s\n' "apple-crash-report-parser to JSON" "$(median "${theirs[@]}")"
[ -n "$other" ] && printf '%-40s %8s\n' "OTHER ($other)" "$(median "${others[@]}")"
echo "crashport is $(median "${speedup[@]}")x apple-crash-report-parser (median of the per-round ratios)"
if [ -n "$other" ]; then
    echo "OTHER is $(median "${other_speedup[@]}")x apple-crash-report-parser (median of the per-round ratios)"
fi
