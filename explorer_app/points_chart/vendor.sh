#!/usr/bin/env bash
# Refresh the vendored regl-scatterplot bundle from npm (run from anywhere; needs npm and node).
#
#   bash explorer_app/points_chart/vendor.sh [VERSION]     # default: the version in VERSION below
#
# regl-scatterplot publishes an ES module that imports regl and pub-sub-es by their bare names, which
# a page cannot resolve without a bundler; esbuild (from npm, only while this script runs) bundles
# the three into one minified ES module, as published otherwise. Nothing else is changed.
set -euo pipefail
VERSION="${1:-1.16.0}"
ESBUILD="0.28.2"
HERE="$(cd "$(dirname "$0")" && pwd)"
DEST="$HERE/frontend/vendor/regl-scatterplot"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
npm init -y >/dev/null
npm install --silent --no-audit --no-fund "regl-scatterplot@$VERSION" "esbuild@$ESBUILD"
echo 'export { default as createScatterplot } from "regl-scatterplot";' > entry.js
npx esbuild entry.js --bundle --minify --format=esm --legal-comments=inline --outfile="$WORK/regl-scatterplot.js"
mkdir -p "$DEST"
cp "$WORK/regl-scatterplot.js" "$DEST/"
versions="$(node -e "for (const p of ['regl-scatterplot','regl','pub-sub-es','dom-2d-camera','gl-matrix','earcut','regl-line','@flekschas/utils']) { const j = require('./node_modules/' + p + '/package.json'); console.log('- ' + p + ' ' + j.version + ' (' + j.license + ')'); }")"
cat > "$DEST/NOTICE.md" <<NOTE
# regl-scatterplot $VERSION (vendored, bundled)

From the npm package \`regl-scatterplot@$VERSION\` (https://www.npmjs.com/package/regl-scatterplot) by Fritz
Lekschas, bundled with its dependencies into one ES module by esbuild $ESBUILD
(\`export { default as createScatterplot } from "regl-scatterplot"\`, \`--bundle --minify --format=esm\`).
Refreshed by \`bash explorer_app/points_chart/vendor.sh [VERSION]\`.

What the bundle holds, with each package's licence:

$versions

Source: https://github.com/flekschas/regl-scatterplot

sha256 of the bundle:

\`\`\`
$(cd "$DEST" && sha256sum regl-scatterplot.js)
\`\`\`
NOTE
echo "regl-scatterplot $VERSION bundled in $DEST"
ls -l "$DEST"
