#!/usr/bin/env bash
# The commands that read reports without converting them, beside `convert`
# on the same files in the same run (rounds interleaved, medians of the
# per-round ratios), with 2 jobs as a user runs them:
#
#   summary          crashport summary DIR     against  crashport convert DIR
#   convert --dsym   convert --dsym DSYMS DIR  against  convert DIR, on copies
#                    of fixtures/symbols/reports (every app frame lands in a
#                    debug file given)
#   render           crashport render DIR      against  convert DIR (when the
#                    command is there)
#
# A ratio is convert's time over the other command's: 1.0 is as fast as
# convert, 0.5 half as fast. See docs/PERFORMANCE.md.
#
# usage: benches/commands.sh [COPIES] [WORKDIR]   (defaults 120, /tmp/crashport-bulk)
set -euo pipefail

copies=${1:-120}
work=${2:-/tmp/crashport-bulk}
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/target/release/crashport"
runs=${RUNS:-5}
jobs=${JOBS:-2}

(cd "$root" && cargo build --release --quiet)
source "$root/benches/lib.sh"
dir=$(report_dir "$bin" "$copies" "$work")

# Ten times as many copies of the symbolication fixtures' reports as of the
# report set, so that both runs last long enough to measure.
symbols_dir="$work/s$copies"
if [ ! -d "$symbols_dir" ]; then
    copies_of "$root/fixtures/symbols/reports" "$((copies * 10))" "$symbols_dir"
    find "$symbols_dir" -name '*.md' -delete -o -name '*.json' -delete
fi
dsyms="$root/fixtures/symbols"

echo "reports: $dir, $(find "$dir" -type f | wc -l) files; symbolication: $symbols_dir, $(find "$symbols_dir" -type f | wc -l) files; $jobs jobs"
find "$dir" "$symbols_dir" -type f -exec cat {} + > /dev/null

has_render=false
"$bin" render --help > /dev/null 2>&1 && has_render=true

declare -a summary_r dsym_r render_r
declare -a convert_s summary_s sconvert_s dsym_s render_s
summary_kib=0 convert_kib=0
for _ in $(seq "$runs"); do
    read -r c ck < <(timed "$bin" convert --quiet --jobs "$jobs" "$dir")
    read -r s sk < <(timed "$bin" summary --quiet --jobs "$jobs" "$dir")
    convert_s+=("$c") summary_s+=("$s") summary_r+=("$(ratio "$c" "$s")")
    ((ck > convert_kib)) && convert_kib=$ck
    ((sk > summary_kib)) && summary_kib=$sk
    if $has_render; then
        read -r r _ < <(timed "$bin" render --quiet --jobs "$jobs" "$dir")
        render_s+=("$r") render_r+=("$(ratio "$c" "$r")")
    fi
    read -r p _ < <(timed "$bin" convert --quiet --jobs "$jobs" "$symbols_dir")
    read -r d _ < <(timed "$bin" convert --quiet --jobs "$jobs" --dsym "$dsyms" "$symbols_dir")
    sconvert_s+=("$p") dsym_s+=("$d") dsym_r+=("$(ratio "$p" "$d")")
done

printf '%-34s %8s %12s\n' "run (median of $runs)" "seconds" "peak RSS"
printf '%-34s %8s %9s MiB\n' "convert" "$(median "${convert_s[@]}")" $((convert_kib / 1024))
printf '%-34s %8s %9s MiB\n' "summary" "$(median "${summary_s[@]}")" $((summary_kib / 1024))
$has_render && printf '%-34s %8s\n' "render" "$(median "${render_s[@]}")"
printf '%-34s %8s\n' "convert (symbolication reports)" "$(median "${sconvert_s[@]}")"
printf '%-34s %8s\n' "convert --dsym" "$(median "${dsym_s[@]}")"
echo "summary: $(median "${summary_r[@]}")x convert's speed"
$has_render && echo "render: $(median "${render_r[@]}")x convert's speed"
echo "convert --dsym: $(median "${dsym_r[@]}")x convert's speed"
