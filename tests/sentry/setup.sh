#!/usr/bin/env bash
# Creates (or reuses) a Python venv with sentry-relay for tests/sentry/server.py
# and prints the path of its python interpreter on stdout (nothing else goes
# to stdout, so `PY=$(tests/sentry/setup.sh)` works).
#
#   tests/sentry/setup.sh [VENV_DIR]        default VENV_DIR: target/sentry-venv
#
# Environment:
#   PYTHON                 interpreter used to create the venv (default python3, needs >= 3.9)
#   SENTRY_RELAY_VERSION   pin, e.g. 0.10.1 (default: newest available)
#   PIP_FIND_LINKS         honoured by pip: a wheel directory such as /opt/wheels is tried
#                          alongside PyPI
#
# Idempotent: when the venv already imports sentry_relay (at the pinned version,
# if one is pinned) nothing is installed.
set -euo pipefail

venv="${1:-target/sentry-venv}"
python="${PYTHON:-python3}"
pin="${SENTRY_RELAY_VERSION:-}"

say() { printf 'sentry-setup: %s\n' "$*" >&2; }

if ! command -v "$python" >/dev/null 2>&1; then
    say "no $python on PATH"; exit 2
fi

vpy="$venv/bin/python"

have_relay() {
    [ -x "$vpy" ] || return 1
    local v
    v="$("$vpy" - <<'EOF' 2>/dev/null
import importlib.metadata, sentry_relay.processing
print(importlib.metadata.version("sentry-relay"))
EOF
)" || return 1
    [ -z "$pin" ] || [ "$v" = "$pin" ] || return 1
    say "sentry-relay $v already present in $venv"
}

if ! have_relay; then
    if [ ! -x "$vpy" ]; then
        say "creating venv $venv"
        mkdir -p "$(dirname "$venv")"
        "$python" -m venv "$venv" >&2
    fi
    spec="sentry-relay"
    [ -z "$pin" ] || spec="sentry-relay==$pin"
    say "installing $spec${PIP_FIND_LINKS:+ (find-links: $PIP_FIND_LINKS)}"
    "$vpy" -m pip install --disable-pip-version-check --quiet "$spec" >&2
    have_relay || { say "sentry_relay still not importable"; exit 1; }
fi

# Absolute path, so callers can cd elsewhere.
(cd "$(dirname "$vpy")" && printf '%s/python\n' "$(pwd)")
