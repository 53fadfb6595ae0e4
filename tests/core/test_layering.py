"""Import layering: every import arrow points down the stack of README's "Layout" map.

Each module's imports (module level and inside functions) are read with ``ast``, resolved
to a unit (``core.scene``, ``core.simulate``, ``processing_provider`` ...) and checked
against ``LAYERS``: a unit may import its own package and units of lower layers only, never
a sibling of its own layer nor anything above it. ``qgis`` only from the QGIS side.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: Lowest first. A new top-level unit must be placed here (the test says so).
LAYERS: list[tuple[str, ...]] = [
    # foundation: core/__init__.py and modules of one concept each, importing nothing else
    ("core.staging",),  # outputs staged in hidden folders, then moved in together
    ("core", "core.about", "core.canceled", "core.html_report", "core.layer_style",
     "core.raster_io", "core.rules", "core.sentinel2", "core.worker_import"),
    ("core.image_blocks",),  # an image checked in strips, then read block by block
    ("core.raytrace",),  # the Numba engine: BVH, integrator, turbid media, LADs
    ("core.scene",),  # mock-ups, element tables, spectra, demo scenes
    ("core.mockup",),  # mock-ups built from GIS layers
    ("core.simulate",),  # scene + geometry + grid -> one trace
    ("core.forward", "core.tiling"),  # images and fractions from a trace; tiled on Dask
    ("core.unmix", "core.retrieve", "core.compare", "core.degrade"),  # the methods
    ("core.atmosphere",),  # 6S coupled to traced images (reads sensors' response tables)
    ("core.compile_kernels",),  # the setup's warm-up: both demo scenes unmixed
    ("processing_provider",),  # QGIS Processing algorithms, thin
    ("plugin",),  # QGIS plugin glue
    ("unmix3d",),  # the package's own __init__.py (classFactory)
]
QGIS_SIDE = {"processing_provider", "plugin", "unmix3d"}
LAYER_OF = {unit: rank for rank, units in enumerate(LAYERS) for unit in units}


def unit_of(module: list[str]) -> str:
    """``['core', 'scene', 'build', 'trees']`` -> ``core.scene``; ``['plugin', 'x']`` ->
    ``plugin``; ``[]`` (the root package) -> ``unmix3d``."""
    if not module:
        return "unmix3d"
    if module[0] == "core" and len(module) > 1:
        return f"core.{module[1]}"
    return module[0]


def _exists(module: list[str]) -> bool:
    path = ROOT.joinpath(*module)
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imported_modules(source: str, module: list[str], is_package: bool) -> list[list[str]]:
    """Plugin-internal modules (as path parts below the root) and ``['qgis']`` that
    ``source`` imports; other third-party imports are left out."""
    package = module if is_package else module[:-1]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name.split(".") for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [(node.module or "").split(".")]
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] + (
                node.module.split(".") if node.module else [])
            names = [base + [a.name] if _exists(base + [a.name]) else base for a in node.names]
            found.extend(names)
            continue
        else:
            continue
        for name in names:
            if name[0] == "qgis":
                found.append(["qgis"])
            elif name[0] == "unmix3d":
                found.append(name[1:])
    return found


def wrong_arrows(path: Path, source: str | None = None) -> list[str]:
    """The imports of one file that break the layering, as readable sentences."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    module = parts[:-1] if is_package else parts
    here = unit_of(module)
    if here not in LAYER_OF:
        return [f"{path.relative_to(ROOT)}: unit {here} is not in LAYERS (place it)"]
    text = path.read_text(encoding="utf-8") if source is None else source
    problems = []
    for target in imported_modules(text, module, is_package):
        if target == ["qgis"]:
            if here not in QGIS_SIDE:
                problems.append(f"{path.relative_to(ROOT)}: {here} imports qgis")
            continue
        there = unit_of(target)
        if there == here:
            continue
        if there not in LAYER_OF:
            problems.append(f"{path.relative_to(ROOT)}: imports {there}, not in LAYERS")
        elif LAYER_OF[there] >= LAYER_OF[here]:
            relation = "a sibling" if LAYER_OF[there] == LAYER_OF[here] else "a higher layer"
            problems.append(f"{path.relative_to(ROOT)}: {here} imports {there} ({relation})")
    return problems


def plugin_files() -> list[Path]:
    files = [ROOT / "__init__.py"]
    for folder in ("core", "processing_provider", "plugin"):
        files += sorted((ROOT / folder).rglob("*.py"))
    return files


def test_every_import_arrow_points_down():
    problems = [p for path in plugin_files() for p in wrong_arrows(path)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("path", "source", "expected"), [
    ("core/scene/elements.py", "from ..unmix.rules import parse_rule\n",
     "core.scene imports core.unmix (a higher layer)"),
    ("core/raytrace/bvh.py", "def f():\n    from ..simulate import trace\n",
     "core.raytrace imports core.simulate (a higher layer)"),
    ("core/unmix/run.py", "from ..retrieve import model\n",
     "core.unmix imports core.retrieve (a sibling)"),
    ("core/simulate.py", "from unmix3d.processing_provider import base\n",
     "core.simulate imports processing_provider (a higher layer)"),
    ("core/compare/grid.py", "from qgis.core import QgsRasterLayer\n",
     "core.compare imports qgis"),
    ("core/scene/mockup.py", "from .. import mockup\n",
     "core.scene imports core.mockup (a higher layer)"),
])
def test_a_wrong_way_arrow_is_caught(path, source, expected):
    assert any(expected in p for p in wrong_arrows(ROOT / path, source))


def test_downward_arrows_pass():
    assert not wrong_arrows(ROOT / "core/mockup/trees.py",
                            "from ..scene.leaves import leaf_triangles\n"
                            "from ..raytrace.lad import parse_lad\nfrom . import ground\n")
