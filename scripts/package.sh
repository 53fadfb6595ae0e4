#!/usr/bin/env bash
# Build the zip for the QGIS plugin repository: top folder unmix3d/, the plugin's own files
# only (no tests, benchmarks, build or CI files), compiled translations included.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
version=$(sed -n 's/^version=//p' metadata.txt)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
OUT_DIR="${1:-$ROOT/dist}"
mkdir -p "$stage/unmix3d" "$OUT_DIR"
git ls-files -z | grep -zvE '^(tests|benchmarks|scripts|\.ci|\.github)/|^(Makefile|pyproject\.toml|requirements-dev\.txt|\.gitignore)$' \
  | xargs -0 -I{} cp --parents {} "$stage/unmix3d/"
for ts in i18n/*.ts; do
  lrelease -silent "$ts" -qm "$stage/unmix3d/${ts%.ts}.qm"
done
rm -f "$OUT_DIR/unmix3d-$version.zip"
(cd "$stage" && zip -qr "$OUT_DIR/unmix3d-$version.zip" unmix3d)
echo "package: $OUT_DIR/unmix3d-$version.zip"
