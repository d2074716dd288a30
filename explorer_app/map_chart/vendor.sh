#!/usr/bin/env bash
# Refresh the vendored Plotly bundle from npm (run from anywhere; needs npm).
#
#   bash explorer_app/map_chart/vendor.sh [VERSION]     # default: the version in VERSION below
#
# plotly.js-gl2d-dist-min is Plotly's own partial bundle with the WebGL scatter (1.6 MB, against
# the 4.7 MB of every trace type): the map needs scattergl, scatter and layout images only.
set -euo pipefail
VERSION="${1:-3.7.0}"
HERE="$(cd "$(dirname "$0")" && pwd)"
DEST="$HERE/frontend/vendor/plotly.js"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
(cd "$WORK" && npm pack --silent "plotly.js-gl2d-dist-min@$VERSION" >/dev/null && tar xzf "plotly.js-gl2d-dist-min-$VERSION.tgz")
PKG="$WORK/package"
mkdir -p "$DEST"
cp "$PKG/plotly-gl2d.min.js" "$DEST/"
LICENSE="$(node -e "console.log(require('$PKG/package.json').license)")"
cat > "$DEST/NOTICE.md" <<NOTE
# plotly.js-gl2d-dist-min $VERSION (vendored)

From the npm package \`plotly.js-gl2d-dist-min@$VERSION\` (https://www.npmjs.com/package/plotly.js-gl2d-dist-min):
\`plotly-gl2d.min.js\`, as published. Refreshed by \`bash explorer_app/map_chart/vendor.sh [VERSION]\`.

Licence: $LICENSE. Copyright (c) Plotly, Inc. Source: https://github.com/plotly/plotly.js

sha256 of the original file:

\`\`\`
$(cd "$PKG" && sha256sum plotly-gl2d.min.js)
\`\`\`
NOTE
echo "plotly.js-gl2d-dist-min $VERSION vendored in $DEST"
ls -l "$DEST"
