"""Run (``exec`` of this file's text) in a Dask worker process so that it imports this
plugin as the package ``unmix3d``, as tasks pickled in the QGIS or test process name it,
when the plugin's folder is not on the worker's path under that name."""

import importlib.util
import sys
from pathlib import Path

if "unmix3d" not in sys.modules and importlib.util.find_spec("unmix3d") is None:
    ROOT = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location(
        "unmix3d", ROOT / "__init__.py", submodule_search_locations=[str(ROOT)])
    module = importlib.util.module_from_spec(spec)
    sys.modules["unmix3d"] = module
    spec.loader.exec_module(module)
