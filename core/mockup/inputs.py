"""What ``build_mockup`` is given: layers (as shapely geometries / WKB, numpy arrays and
raster paths, all in one projected CRS, metres), the options, and the errors it raises."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..canceled import Canceled
from ..raytrace.lad import LAD_HELP, parse_lad

TREE_MODES = ("triangles", "turbid")
GROUPING = ("automatic", "object", "element")


class BuildError(ValueError):
    """A problem with the inputs, naming the layer, field or parameter concerned."""


@dataclass
class RasterInput:
    """A raster file (any CRS GDAL knows) and the name to use in messages."""

    path: str
    name: str = ""
    band: int = 1

    @property
    def label(self) -> str:
        return self.name or os.path.basename(self.path)


@dataclass
class PolygonInput:
    """Polygons (shapely geometries or WKB) in the target CRS with optional attributes."""

    geometries: Sequence
    name: str = "polygons"
    classes: Sequence | None = None  # land cover class / roof class per feature (str or None)
    height: np.ndarray | None = None  # building height (m), NaN where missing
    floors: np.ndarray | None = None  # number of floors, NaN where missing
    ids: np.ndarray | None = None  # feature ids, for messages


@dataclass
class TreeInput:
    """Tree points in the target CRS; NaN in a per-tree array means: take the default."""

    x: np.ndarray
    y: np.ndarray
    crown_centre_height: np.ndarray | None = None
    crown_diameter: np.ndarray | None = None
    crown_height: np.ndarray | None = None
    trunk_height: np.ndarray | None = None
    trunk_diameter: np.ndarray | None = None
    classes: Sequence | None = None  # element of the leaves per tree (str or None)
    name: str = "trees"


@dataclass
class BuildOptions:
    extent: tuple[float, float, float, float]  # xmin, ymin, xmax, ymax in the target CRS
    crs_wkt: str = ""
    ground_resolution: float = 0.0  # 0: the DEM's (or land cover raster's) resolution, or 10 m
    ground_height: float = 0.0  # flat ground when there is no DEM
    ground_element: str = "ground"
    landcover_mapping: dict[int, str] = field(default_factory=dict)
    floor_height: float = 3.0
    default_height: float = 0.0  # 0: buildings without a height are skipped
    roof_element: str = "roof"
    wall_element: str = "wall"
    crown_centre_height: float = 8.0
    crown_diameter: float = 6.0
    crown_height: float = 6.0
    trunk_height: float = 0.0  # 0: up to the crown base
    trunk_diameter: float = 0.3
    tree_element: str = "vegetation"
    trunk_element: str = "trunk"
    tree_mode: str = "triangles"
    leaf_area_density: float = 1.0  # m2/m3
    leaf_size: float = 0.1  # one-sided area of one leaf triangle, m2
    lad: str = "spherical"
    water_element: str = "water"
    water_offset: float = 0.05
    grouping: str = "automatic"
    group_limit: int = 2000  # automatic: one group per object up to this many objects
    max_triangles: int = 20_000_000
    bands: Sequence[str] = ()
    seed: int = 0


@dataclass
class BuildResult:
    obj_path: str
    elements_path: str
    summary_path: str
    summary: dict


ProgressFn = Callable[[float, str | None], None]


def element_name(text) -> str:
    """A class value -> an element name usable in group names and globs."""
    name = re.sub(r"[^a-z0-9_]+", "_", str(text).strip().lower()).strip("_")
    if not name:
        return ""
    if name[0].isdigit():
        name = f"class_{name}"
    return name


def parse_mapping(text: str) -> dict[int, str]:
    """``"1:grass,2:asphalt"`` -> {1: "grass", 2: "asphalt"}."""
    mapping: dict[int, str] = {}
    for item in (p.strip() for p in str(text or "").replace(";", ",").split(",")):
        if not item:
            continue
        key, sep, value = item.partition(":")
        try:
            number = float(key)
        except ValueError:
            number = math.nan
        name = element_name(value)
        if not sep or not name or not math.isfinite(number) or number != int(number):
            raise BuildError(f"land cover mapping item '{item}' is not 'value:name' "
                             f"(e.g. 1:grass,2:asphalt)")
        mapping[int(number)] = name
    return mapping


def validate_options(options: BuildOptions) -> None:
    xmin, ymin, xmax, ymax = options.extent
    if not (xmax > xmin and ymax > ymin) or not all(map(math.isfinite, options.extent)):
        raise BuildError(f"the target extent {options.extent} is empty")
    if options.tree_mode not in TREE_MODES:
        raise BuildError(f"TREE_MODE must be one of {TREE_MODES}, not '{options.tree_mode}'")
    try:
        parse_lad(options.lad)
    except ValueError:
        raise BuildError(f"LAD '{options.lad}' is not one of: {LAD_HELP}") from None
    if options.grouping not in GROUPING:
        raise BuildError(f"GROUPS must be one of {GROUPING}")
    if options.leaf_size <= 0 or options.leaf_area_density < 0:
        raise BuildError("LEAF_SIZE must be > 0 and LEAF_AREA_DENSITY >= 0")
    for name in (options.ground_element, options.roof_element, options.wall_element,
                 options.tree_element, options.trunk_element, options.water_element):
        if element_name(name) != name:
            raise BuildError(f"element name '{name}' must be lowercase letters, digits and _, "
                             f"starting with a letter")


def report_progress(progress: ProgressFn | None, fraction: float, label: str | None = None):
    if progress is not None:
        progress(min(1.0, max(0.0, fraction)), label)


def check_canceled(is_canceled: Callable[[], bool] | None) -> None:
    if is_canceled is not None and is_canceled():
        raise Canceled()
