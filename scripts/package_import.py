"""Import this working copy as the package ``unmix3d`` (its name once installed in QGIS),
for tests, benchmarks and scripts run from a checkout whose folder has another name."""

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def import_unmix3d():
    if "unmix3d" not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            "unmix3d", ROOT / "__init__.py", submodule_search_locations=[str(ROOT)]
        )
        module = importlib.util.module_from_spec(spec)
        sys.modules["unmix3d"] = module
        spec.loader.exec_module(module)
    return sys.modules["unmix3d"]
