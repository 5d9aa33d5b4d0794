#!/usr/bin/env bash
# The reader of this checkout against the reader of another commit, built
# beside it: `examples/phases --only read` of both, run one after the other
# in each round (so that the machine's load falls on both alike), over the
# fixtures and, when present, ../shared/corpus. Prints the median of the
# per-round ratios (other / this: above 1 means this checkout reads faster).
# See docs/PERFORMANCE.md.
#
# usage: benches/against.sh COMMIT [ROUNDS]
#   COMMIT  what to compare with (a commit of this repository)
#   ROUNDS  how many rounds (default 30)
set -euo pipefail

commit=${1:?usage: benches/against.sh COMMIT [ROUNDS]}
rounds=${2:-30}
root=$(cd "$(dirname "$0")/.." && pwd)
other=${AGAINST_DIR:-/tmp/crashport-against}

if [ ! -d "$other/.git" ]; then
    git clone --quiet "$root" "$other"
fi
git -C "$other" fetch --quiet "$root" "$commit" 2> /dev/null || true
git -C "$other" checkout --quiet --detach "$commit"
(cd "$other" && cargo build --release --quiet --example phases)
(cd "$root" && cargo build --release --quiet --example phases)

inputs=("$root/fixtures/reports")
[ -d "$root/../shared/corpus" ] && inputs+=("$root/../shared/corpus")
read_ms() { "$1" --only read "${inputs[@]}" | awk '/read \(decode/ { print $5 }'; }

declare -a ratios mine theirs
for _ in $(seq "$rounds"); do
    t=$(read_ms "$other/target/release/examples/phases")
    m=$(read_ms "$root/target/release/examples/phases")
    theirs+=("$t") mine+=("$m")
    ratios+=("$(awk -v a="$t" -v b="$m" 'BEGIN { printf "%.3f", a / b }')")
done
median() { printf '%s\n' "$@" | sort -n | sed -n "$((($# + 1) / 2))p"; }
quartile() { printf '%s\n' "$@" | sort -n | sed -n "$(($# * $1 / 4 + 1))p"; }
echo "read, ms per pass (median of $rounds rounds): $commit $(median "${theirs[@]}"), this checkout $(median "${mine[@]}")"
echo "ratio $commit / this checkout: $(median "${ratios[@]}") [$(quartile 1 "${ratios[@]}") .. $(quartile 3 "${ratios[@]}")]"
