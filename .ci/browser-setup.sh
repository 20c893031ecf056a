#!/usr/bin/env bash
# Installs what the browser check of report.html needs: Debian's headless-capable Chromium
# and a basic font set (the report's text is drawn with the system's sans-serif).
#
# Usage: bash .ci/browser-setup.sh
# Then:  export LAMSIM_TEST_CHROMIUM="$(command -v chromium)"
# Without LAMSIM_TEST_CHROMIUM the browser test prints a SKIP line and passes (fails under CI=true).
# Idempotent: does nothing when chromium is already installed.
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi
chromium --version
echo "LAMSIM_TEST_CHROMIUM=$(command -v chromium)"
