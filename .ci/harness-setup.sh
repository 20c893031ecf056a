#!/usr/bin/env bash
# Installs what the harness conformance tests need: a Python venv with the official AWS Lambda
# runtime interface client (awslambdaric) and boto3, both from PyPI.
#
# Usage: bash .ci/harness-setup.sh [VENV_DIR]      (default: target/harness-venv)
# Then:  export LAMSIM_TEST_PYTHON="$VENV_DIR/bin/python"
# Without LAMSIM_TEST_PYTHON the Python and boto3 tests print a skip reason and pass.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${1:-target/harness-venv}"
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
"$venv/bin/python" -m pip install -q --disable-pip-version-check 'awslambdaric>=3' 'boto3>=1.34'
"$venv/bin/python" -c 'import awslambdaric, boto3; print("harness venv ready:", boto3.__version__)'
echo "LAMSIM_TEST_PYTHON=$PWD/$venv/bin/python"
