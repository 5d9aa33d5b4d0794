#!/usr/bin/env bash
# (Re)creates the seed corpora fuzz/corpus/{text,ips,convert,render,triage} from the
# project's fixtures (fixtures/**) and, when present, the real reports in
# ../shared/corpus (local seeds only: fuzz/corpus is gitignored and must not
# be committed). Files are named by their SHA-1, as libFuzzer names its own.
#
#   fuzz/seed.sh            add the seeds to the existing corpora
#   fuzz/seed.sh --clean    empty the corpora first
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
corpus="$here/corpus"
shared="${CRASHPORT_SHARED_CORPUS:-$root/../shared/corpus}"

if [[ "${1:-}" == "--clean" ]]; then
    rm -rf "$corpus/text" "$corpus/ips" "$corpus/convert" "$corpus/render" "$corpus/triage"
fi
mkdir -p "$corpus/text" "$corpus/ips" "$corpus/convert" "$corpus/render" "$corpus/triage"

add() { # add TARGET FILE: copy FILE into TARGET's corpus under its hash
    local sum
    sum=$(sha1sum "$2" | cut -d' ' -f1)
    cp "$2" "$corpus/$1/$sum"
}

sources=("$root/fixtures")
[[ -d "$shared" ]] && sources+=("$shared")

n=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
while IFS= read -r -d '' file; do
    case "$(basename "$file")" in
        README.md | SOURCES.tsv) continue ;;
    esac
    for target in text ips convert render triage; do add "$target" "$file"; done
    # The ips target puts its input under a ready-made .ips header: seed it
    # with the bodies (everything after the first line) of header + JSON files.
    if head -c1 "$file" | grep -q '{' && [[ $(head -n1 "$file") == *'}' ]]; then
        tail -n +2 "$file" > "$tmp/body"
        [[ -s "$tmp/body" ]] && add ips "$tmp/body"
    fi
    # The text target puts its input under `Incident Identifier:` and
    # `Process:` lines: seed it with the part of each text report from its
    # first exception or thread line on, so the section parsers get seeds.
    if grep -qE '^(Exception Type:|Thread [0-9]+)' "$file"; then
        sed -n '/^\(Exception Type:\|Thread [0-9]\)/,$p' "$file" > "$tmp/sections"
        [[ -s "$tmp/sections" ]] && add text "$tmp/sections"
    fi
    n=$((n + 1))
done < <(find "${sources[@]}" -type f -print0 | sort -z)

for target in text ips convert render triage; do
    echo "$target: $(find "$corpus/$target" -type f | wc -l) seeds"
done
echo "from $n files (${sources[*]})"
