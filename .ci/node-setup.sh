#!/usr/bin/env bash
# Installs what the Node.js harness tests and the Node example need: the official AWS Lambda
# runtime interface client for Node (`aws-lambda-ric`, from npm) in NODE_DIR, and the system
# packages its native addon (libcurl + the AWS Lambda C++ runtime, built from source) needs.
#
# Usage: bash .ci/node-setup.sh [NODE_DIR]      (default: target/node-ric)
# Then:  export LAMSIM_TEST_NODE_RIC="$NODE_DIR/node_modules/aws-lambda-ric/bin/index.mjs"
#
# Version: aws-lambda-ric 4.x requires Node >= 22; 3.3.0 is the last one for Node 18 and 20.
# npm would silently fall back to 3.3.0 on Node 20, so the version is pinned from `node -v`.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-target/node-ric}"
major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$major" -ge 22 ]; then ric=4.0.2; else ric=3.3.0; fi
# The addon's build runs cmake and autotools (libcurl's ./configure) and a C++ compiler.
missing=""
for tool in cmake autoconf automake libtool g++ make; do
    command -v "$tool" >/dev/null || missing="$missing $tool"
done
if [ -n "$missing" ] && command -v apt-get >/dev/null; then
    apt-get update -qq && apt-get install -y -qq cmake autoconf automake libtool g++ make >/dev/null
fi
mkdir -p "$dir"
if [ ! -f "$dir/node_modules/aws-lambda-ric/package.json" ] ||
    [ "$(node -p "require('./$dir/node_modules/aws-lambda-ric/package.json').version")" != "$ric" ]; then
    # About 80 s on two cores: the addon compiles libcurl and aws-lambda-cpp.
    [ -f "$dir/package.json" ] || echo '{"private": true}' >"$dir/package.json"
    (cd "$dir" && npm install --no-audit --no-fund --loglevel=error "aws-lambda-ric@$ric")
fi
entry="$PWD/$dir/node_modules/aws-lambda-ric/bin/index.mjs"
test -f "$entry"
echo "aws-lambda-ric $ric ready for node $(node -v)"
echo "LAMSIM_TEST_NODE_RIC=$entry"
# The Node example runs `node node_modules/aws-lambda-ric/bin/index.mjs` from its own folder,
# as a Node project does after `npm install`: point its node_modules at this install.
example=workloads/examples/node-app/node_modules
if [ ! -e "$example" ] && [ "$dir" = target/node-ric ]; then
    ln -s ../../../target/node-ric/node_modules "$example"
fi
