#!/usr/bin/env bash
# qgis_process with this working copy's plugin and the virtual environment's packages
# visible, headless. Debian 12's /usr/bin/qgis_process wrapper is broken
# ("Command --noversioncheck not known!"), so the real binary is called.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SITE=$("$ROOT/.venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
PLUGINS="$ROOT/.venv/qgis-plugins"
mkdir -p "$PLUGINS"
ln -sfn "$ROOT" "$PLUGINS/unmix3d"
export QGIS_PLUGINPATH="$PLUGINS${QGIS_PLUGINPATH:+:$QGIS_PLUGINPATH}"
export PYTHONPATH="$SITE${PYTHONPATH:+:$PYTHONPATH}"
export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
profile_ini="${HOME}/.local/share/QGIS/QGIS3/profiles/default/QGIS/QGIS3.ini"
if ! grep -qs '^unmix3d=true' "$profile_ini"; then
  /usr/bin/qgis_process.bin plugins enable unmix3d >/dev/null 2>&1 || true
fi
exec /usr/bin/qgis_process.bin "$@"
