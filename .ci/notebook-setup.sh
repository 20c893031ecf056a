#!/usr/bin/env bash
# Installs what notebooks/capacity-review.ipynb needs to run headless: a Python venv with
# polars, matplotlib and nbclient (with ipykernel for its kernel), pinned, from PyPI.
#
# Usage: bash .ci/notebook-setup.sh [VENV_DIR]     (default: target/notebook-venv)
# Then:  export LAMSIM_TEST_NOTEBOOK_PYTHON="$VENV_DIR/bin/python"
# Without LAMSIM_TEST_NOTEBOOK_PYTHON the notebook test prints a SKIP line and passes (fails under CI=true).
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${1:-target/notebook-venv}"
bash .ci/venv.sh "$venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check \
    'polars==2.1.0' 'matplotlib==3.11.2' 'numpy==2.4.6' \
    'nbclient==0.11.0' 'nbformat==5.11.1' 'ipykernel==7.4.0'
# The kernel nbclient starts ("python3") must be this venv's interpreter.
"$venv/bin/python" -m ipykernel install --sys-prefix --name python3 >/dev/null
"$venv/bin/python" -c 'import polars, matplotlib, nbclient; print("notebook venv ready: polars", polars.__version__)'
echo "LAMSIM_TEST_NOTEBOOK_PYTHON=$PWD/$venv/bin/python"
