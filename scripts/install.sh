#!/usr/bin/env bash
# Make this working copy the Unmix3D plugin of the user's QGIS (desktop and qgis_process):
# link it into the default profile's plugin folder, enable it, and let QGIS's Python see the
# virtual environment's packages through a .pth file in the user's site-packages.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PROFILE="${HOME}/.local/share/QGIS/QGIS3/profiles/default"
mkdir -p "$PROFILE/python/plugins"
ln -sfn "$ROOT" "$PROFILE/python/plugins/unmix3d"
SITE=$("$ROOT/.venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
USER_SITE=$(/usr/bin/python3 -c 'import site; print(site.getusersitepackages())')
mkdir -p "$USER_SITE"
echo "$SITE" > "$USER_SITE/unmix3d-packages.pth"
QT_QPA_PLATFORM=offscreen /usr/bin/qgis_process.bin plugins enable unmix3d >/dev/null 2>&1 || true
if QT_QPA_PLATFORM=offscreen /usr/bin/qgis_process.bin list 2>/dev/null | grep -q "unmix3d:"; then
  echo "install: Unmix3D is linked into $PROFILE/python/plugins and enabled;"
  echo "install: qgis_process lists its algorithms (restart QGIS desktop to see them)."
else
  echo "install: the plugin is linked but qgis_process does not list it" >&2
  exit 1
fi
