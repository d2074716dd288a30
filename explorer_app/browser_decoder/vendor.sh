#!/usr/bin/env bash
# Refresh the vendored onnxruntime-web files from the npm package (run from anywhere; needs npm).
#
#   bash explorer_app/browser_decoder/vendor.sh [VERSION]     # default: the version in VERSION below
#
# Only what the WebAssembly backend needs is kept: the ES-module API (ort.wasm.min.mjs), the
# Emscripten glue it imports (ort-wasm-simd-threaded.mjs) and the WebAssembly binary, stored
# gzipped (3.5 MB instead of 14 MB): the browser unpacks it with DecompressionStream, so the
# server sends it as it is, never compressing it again per request. zopfli (Debian's `zopfli`)
# writes a gzip file 4 % smaller than `gzip -9`; without it, gzip -9 is used.
set -euo pipefail
VERSION="${1:-1.30.0}"
HERE="$(cd "$(dirname "$0")" && pwd)"
DEST="$HERE/frontend/vendor/onnxruntime-web"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
(cd "$WORK" && npm pack --silent "onnxruntime-web@$VERSION" >/dev/null && tar xzf "onnxruntime-web-$VERSION.tgz")
PKG="$WORK/package"
mkdir -p "$DEST"
cp "$PKG/dist/ort.wasm.min.mjs" "$PKG/dist/ort-wasm-simd-threaded.mjs" "$DEST/"
if command -v zopfli >/dev/null; then
  PACKER="zopfli --i5"
  zopfli --i5 -c "$PKG/dist/ort-wasm-simd-threaded.wasm" > "$DEST/ort-wasm-simd-threaded.wasm.gz"
else
  PACKER="gzip -9 -n"
  gzip -9 -n -c "$PKG/dist/ort-wasm-simd-threaded.wasm" > "$DEST/ort-wasm-simd-threaded.wasm.gz"
fi
LICENSE="$(node -e "console.log(require('$PKG/package.json').license)")"
cat > "$DEST/NOTICE.md" <<NOTE
# onnxruntime-web $VERSION (vendored)

From the npm package \`onnxruntime-web@$VERSION\` (https://www.npmjs.com/package/onnxruntime-web),
\`dist/\`: \`ort.wasm.min.mjs\`, \`ort-wasm-simd-threaded.mjs\`, and \`ort-wasm-simd-threaded.wasm\`
stored here gzipped (\`$PACKER\`). Refreshed by \`bash explorer_app/browser_decoder/vendor.sh [VERSION]\`.

Licence: $LICENSE. Copyright (c) Microsoft Corporation. Source: https://github.com/microsoft/onnxruntime

sha256 of the original files:

\`\`\`
$(cd "$PKG/dist" && sha256sum ort.wasm.min.mjs ort-wasm-simd-threaded.mjs ort-wasm-simd-threaded.wasm)
\`\`\`
NOTE
echo "onnxruntime-web $VERSION vendored in $DEST"
ls -l "$DEST"
