#!/usr/bin/env bash
# Runs one fuzz target with the settings used for the results in README.md.
#
#   fuzz/run.sh TARGET [SECONDS] [extra libFuzzer flags...]
#
# TARGET is text, ips, convert, render or triage (render and triage take
# whole files, as convert does, and use its dictionary); SECONDS defaults to
# 1200 (20 minutes); 0 runs until a crash or Ctrl-C. Needs cargo-fuzz (`cargo install
# cargo-fuzz`); RUSTC_BOOTSTRAP=1 lets a stable toolchain take the nightly
# flags cargo-fuzz passes to rustc. The build goes to $CARGO_TARGET_DIR
# (default: fuzz/target) so it does not disturb the main build in target/.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
target=${1:?usage: fuzz/run.sh TARGET [SECONDS] [libFuzzer flags...]}
seconds=${2:-1200}
shift $(( $# >= 2 ? 2 : 1 ))

cd "$here"
[[ -d "corpus/$target" ]] || ./seed.sh
dict="dict/$target.dict"
[[ -f "$dict" ]] || dict=dict/convert.dict
export RUSTC_BOOTSTRAP=1
exec cargo fuzz run -O "$target" -- \
    -max_len=262144 -timeout=10 -rss_limit_mb=2048 \
    -dict="$dict" -max_total_time="$seconds" -print_final_stats=1 \
    "$@"
