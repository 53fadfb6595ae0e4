#!/usr/bin/env bash
# Set up everything Unmix3D needs on Debian 12, from nothing. Idempotent: a second run only
# checks. Installs Debian's QGIS 3.22 stack, a virtual environment from the system Python
# (which is the one QGIS embeds) with numpy/scipy pinned to Debian's builds, the Python
# packages in requirements*.txt, compiles the translations and the numba kernels.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV="$ROOT/.venv"
STAMP="$VENV/.unmix3d-setup"

debian_packages=(qgis python3-qgis qgis-providers python3-gdal gdal-bin python3-venv python3-pip
  python3-numpy python3-scipy python3-matplotlib qttools5-dev-tools xauth zip libgfortran5
  libllvm19)  # libllvm19: Mitsuba's llvm_ad_rgb (the benchmarks' differentiable peer)

missing=()
for pkg in "${debian_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Requirements and the Debian pins decide whether the venv is up to date.
wanted=$(cat requirements.txt requirements-dev.txt; /usr/bin/python3 -c \
  "import numpy, scipy, matplotlib; print(numpy.__version__, scipy.__version__, matplotlib.__version__)")
if [ ! -x "$VENV/bin/python" ] || [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$wanted" ]; then
  echo "setup: building the virtual environment in $VENV"
  /usr/bin/python3 -m venv --system-site-packages "$VENV"
  constraints="$VENV/constraints.txt"
  /usr/bin/python3 -c "import numpy, scipy, matplotlib
print(f'numpy=={numpy.__version__}\nscipy=={scipy.__version__}\nmatplotlib=={matplotlib.__version__}')" > "$constraints"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -c "$constraints" \
    -r requirements.txt -r requirements-dev.txt
  echo "$wanted" > "$STAMP"
fi

# Translations: .ts sources -> .qm, loaded by QGIS at start-up for the user's locale.
for ts in i18n/*.ts; do
  qm="${ts%.ts}.qm"
  if [ ! -f "$qm" ] || [ "$ts" -nt "$qm" ]; then
    lrelease -silent "$ts" -qm "$qm"
  fi
done
# The numba kernels compiled into their cache now, not in the user's first run (where
# they took about 35 s of a one-minute unmix); again only when core's sources changed.
KERNELS="$VENV/.unmix3d-kernels"
if [ ! -f "$KERNELS" ] || [ -n "$(find core -name '*.py' -newer "$KERNELS" -print -quit)" ]; then
  "$VENV/bin/python" scripts/compile_kernels.py
  touch "$KERNELS"
fi
echo "setup: ready ($("$VENV/bin/python" -c 'import numba, numpy; print("numba", numba.__version__, "numpy", numpy.__version__)'))"
