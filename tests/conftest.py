"""Make the repository root importable as the package ``unmix3d`` (its name once installed)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from package_import import import_unmix3d  # noqa: E402

import_unmix3d()
