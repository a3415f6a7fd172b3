#!/usr/bin/env bash
# Rebuild Waymark's committed front-end assets in crates/web/assets/.
# Needs Node >= 20.19 and npm; `cargo build` never runs this.
set -euo pipefail

src_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out_dir="$(cd "$src_dir/.." && pwd)/crates/web/assets"
govuk="$src_dir/node_modules/govuk-frontend"

cd "$src_dir"

# Exact versions from package-lock.json; no install scripts are needed.
npm ci --no-audit --no-fund --ignore-scripts

mkdir -p "$out_dir"

# --quiet-deps / --silence-deprecation=import only hide the deprecation
# warnings GOV.UK Frontend 5 (which is written with @import) causes in Dart Sass.
npx sass --pkg-importer=node --style=compressed --no-source-map \
  --quiet-deps --silence-deprecation=import \
  waymark.scss "$out_dir/waymark.css"

cp "$govuk/dist/govuk/govuk-frontend.min.js" "$out_dir/govuk-frontend.min.js"

# The npm package ships no LICENSE file (only "license": "MIT" in package.json),
# so the MIT text from the govuk-frontend repository is kept in assets-src/.
if [[ "$(node -p "require('$govuk/package.json').license")" != "MIT" ]]; then
  echo "build.sh: govuk-frontend's licence is no longer MIT; review $src_dir/LICENSE-govuk-frontend.txt" >&2
  exit 1
fi
cp "$src_dir/LICENSE-govuk-frontend.txt" "$out_dir/LICENSE-govuk-frontend.txt"

# The GOV.UK brand must not reach the output: no GDS Transport, no crown/crest.
if grep -Eiq 'font-face|gds[ -]?transport|crest|/fonts/' "$out_dir/waymark.css"; then
  echo "build.sh: waymark.css references GOV.UK brand assets:" >&2
  grep -Eio '.{0,60}(font-face|gds[ -]?transport|crest|/fonts/).{0,60}' "$out_dir/waymark.css" >&2
  exit 1
fi

echo "govuk-frontend $(node -p "require('$govuk/package.json').version") -> $out_dir"
ls -l "$out_dir"
