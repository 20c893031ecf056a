#!/usr/bin/env bash
# Installs what the harness conformance tests need: a Python venv with the official AWS Lambda
# runtime interface client (awslambdaric) and boto3, both from PyPI.
#
# Usage: bash .ci/harness-setup.sh [VENV_DIR]      (default: target/harness-venv)
# Then:  export LAMSIM_TEST_PYTHON="$VENV_DIR/bin/python"
# Without LAMSIM_TEST_PYTHON the Python and boto3 tests print a SKIP line and pass (fail under CI=true).
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${1:-target/harness-venv}"
bash .ci/venv.sh "$venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check 'awslambdaric>=3' 'boto3>=1.34'
"$venv/bin/python" -c 'import awslambdaric, boto3; print("harness venv ready:", boto3.__version__)'
echo "LAMSIM_TEST_PYTHON=$PWD/$venv/bin/python"
