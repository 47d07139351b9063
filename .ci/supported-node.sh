#!/usr/bin/env bash
# Prints a directory holding a supported `node` (package.json "engines":
# ^22.13.0 || >=24) for CI to put first on PATH: the machine's own when it is
# supported, otherwise the release the Docker image uses (ARG NODE_VERSION),
# fetched once from the npm registry (node-linux-<arch>, checked by npm
# against the registry's integrity hash) into the user's cache.
set -euo pipefail
cd "$(dirname "$0")/.."

supported='const [major, minor] = process.versions.node.split(".").map(Number); process.exit(major >= 24 || (major === 22 && minor >= 13) ? 0 : 1)'
if node -e "$supported" 2>/dev/null; then
  dirname "$(command -v node)"
  exit 0
fi

version=$(sed -n 's/^ARG NODE_VERSION=//p' Dockerfile)
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "no Node $version package for $(uname -m); install Node 22.13+ or 24+" >&2; exit 1 ;;
esac
dir="${XDG_CACHE_HOME:-$HOME/.cache}/pulseboard-ci/node-linux-$arch-$version"
if ! "$dir/package/bin/node" -e "$supported" 2>/dev/null; then
  rm -rf "$dir" && mkdir -p "$dir"
  tarball=$(cd "$dir" && npm pack --silent "node-linux-$arch@$version" | tail -n 1)
  tar -xzf "$dir/$tarball" -C "$dir" && rm "$dir/$tarball"
fi
echo "$dir/package/bin"
