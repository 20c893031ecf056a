#!/usr/bin/env bash
# Creates the Python virtual environment VENV_DIR (if it does not exist yet) for the test
# set-up scripts, installing Debian's python3-venv first when the system Python lacks it.
#
# Usage: bash .ci/venv.sh VENV_DIR        (relative to the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."
venv="$1"
py="${PYTHON:-python3}"
if ! "$py" -c 'import venv, ensurepip' 2>/dev/null; then
    # Debian's python3 ships venv/ensurepip separately.
    if command -v apt-get >/dev/null; then
        apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
    fi
fi
if [ ! -x "$venv/bin/python" ]; then
    "$py" -m venv "$venv"
fi
