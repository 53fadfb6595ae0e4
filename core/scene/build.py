"""Build a classified 3D mock-up from GIS ingredients: a DEM (or flat ground), land cover,
building footprints, tree points and water polygons, all already in one projected CRS
(metres, z up). No QGIS here: geometry arrives as shapely geometries / WKB and numpy arrays.

What is built (DESIGN.md conventions; OBJ groups are the mock-up's parts):

- ground: a triangulated height field on a regular node grid (two triangles per cell),
  each cell classified by the land cover at its centre; groups are named after the
  element (``ground``, ``grass``, ``class_3`` ...);
- buildings: footprints (holes and multipolygons allowed) extruded from the lowest ground
  point under them to a flat roof; groups ``roof_<i>`` / ``wall_<i>`` (or ``<roof class>_<i>``);
- trees: ellipsoidal crowns filled with free leaf triangles (``tree_<i>_leaves``) or a closed
  ellipsoid mesh holding a turbid medium (``tree_<i>_crown``), on closed octagonal trunks
  (``tree_<i>_trunk``);
- water: flat polygons a few centimetres above the highest ground point under them
  (``water_<i>``).

With many objects, one group per element (``roof_all`` ...) replaces one group per object.

Polygon triangulation: shapely 2.0.6 has no constrained triangulation and trimesh's needs
``mapbox_earcut`` or ``triangle`` (not installed), so: convex rings are fanned (vectorised);
other polygons take GEOS's Delaunay triangulation of their vertices when the triangles
inside the polygon tile it exactly (area check); the rest are cut into hole-free pieces
along vertical lines through their holes and ear-clipped (written here).

The OBJ is streamed to a temporary file in chunks (numpy formatting, no Python loop per
triangle) and renamed into place at the end, with the element table and the summary; a
failure or cancel leaves nothing behind. The triangle count is computed before anything is
written and checked against ``max_triangles``.
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .demo_scenes import ElementRow, sample_leaf_inclination, write_element_table

LAD_NAMES = ("spherical", "planophile", "erectophile", "plagiophile", "extremophile", "uniform")
TREE_MODES = ("triangles", "turbid")
GROUPING = ("automatic", "object", "element")
TRUNK_SIDES = 8
CROWN_LATITUDES, CROWN_LONGITUDES = 6, 12


class BuildError(ValueError):
    """A problem with the inputs, naming the layer, field or parameter concerned."""


class Canceled(Exception):
    """The user canceled; nothing was written."""


# ----------------------------------------------------------------------------------------
# Inputs
# ----------------------------------------------------------------------------------------


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


# ----------------------------------------------------------------------------------------
# Small helpers
# ----------------------------------------------------------------------------------------


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


def triangle_areas(triangles: np.ndarray) -> np.ndarray:
    t = np.asarray(triangles, dtype=np.float64)
    if t.shape[-1] == 2:
        a, b, c = t[:, 0], t[:, 1], t[:, 2]
        return 0.5 * np.abs((b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1])
                            - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0]))
    return 0.5 * np.linalg.norm(np.cross(t[:, 1] - t[:, 0], t[:, 2] - t[:, 0]), axis=1)


def _progress(progress: ProgressFn | None, fraction: float, label: str | None = None):
    if progress is not None:
        progress(min(1.0, max(0.0, fraction)), label)


def _check(is_canceled: Callable[[], bool] | None) -> None:
    if is_canceled is not None and is_canceled():
        raise Canceled()


# ----------------------------------------------------------------------------------------
# Polygons: cleaning and triangulation
# ----------------------------------------------------------------------------------------


def clean_polygons(geometries: Sequence, layer: str) -> tuple[np.ndarray, np.ndarray, dict]:
    """Geometries (shapely or WKB) -> (polygon parts, owner feature index, counts).

    Invalid geometries are repaired with make_valid (their polygonal part kept); empty,
    non-polygonal or unrepairable ones are skipped. Counts: repaired, skipped."""
    import shapely

    items = list(geometries)
    if items and isinstance(items[0], (bytes, bytearray, memoryview)):
        geoms = shapely.from_wkb([bytes(g) if g is not None else None for g in items])
    else:
        geoms = np.asarray(items, dtype=object)
    geoms = np.asarray(geoms, dtype=object)
    counts = {"input": len(geoms), "repaired": 0, "skipped_empty_or_invalid": 0}
    if not len(geoms):
        return np.empty(0, dtype=object), np.empty(0, dtype=np.int64), counts
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    geoms = np.where(missing, None, geoms)
    valid = shapely.is_valid(geoms) | missing
    bad = np.flatnonzero(~valid)
    if len(bad):
        geoms[bad] = shapely.make_valid(geoms[bad])
        counts["repaired"] = len(bad)
    geoms = np.where(missing, None, geoms)
    # keep polygonal parts only (make_valid may return collections with lines and points)
    parts, owner = shapely.get_parts(geoms, return_index=True)
    collection = shapely.get_type_id(parts) == 7
    while collection.any():
        sub, sub_owner = shapely.get_parts(parts[collection], return_index=True)
        parts = np.concatenate([parts[~collection], sub])
        owner = np.concatenate([owner[~collection], owner[collection][sub_owner]])
        collection = shapely.get_type_id(parts) == 7
    polygonal = shapely.get_type_id(parts) == 3
    parts, owner = parts[polygonal], owner[polygonal]
    keep = shapely.area(parts) > 1e-6
    parts, owner = parts[keep], owner[keep]
    # rings CCW outside, CW holes (normalize() gives the opposite: reverse it)
    parts = shapely.reverse(shapely.normalize(shapely.remove_repeated_points(parts)))
    order = np.argsort(owner, kind="stable")
    parts, owner = parts[order], owner[order]
    counts["skipped_empty_or_invalid"] = int(len(geoms) - len(np.unique(owner)))
    counts["parts"] = len(parts)
    return parts, owner.astype(np.int64), counts


def polygon_triangle_count(polygons: np.ndarray) -> np.ndarray:
    """Triangles of a triangulation of each polygon: vertices + 2 holes - 2."""
    import shapely

    rings = shapely.get_num_interior_rings(polygons)
    vertices = shapely.get_num_coordinates(polygons) - (rings + 1)  # closing points
    return np.maximum(vertices + 2 * rings - 2, 0)


def triangulate_polygons(polygons: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Triangulate shapely polygons (valid, any shape, holes allowed) ->
    (triangles (m, 3, 2) float64, index of the polygon of each triangle)."""
    import shapely

    polygons = np.asarray(polygons, dtype=object)
    n = len(polygons)
    if not n:
        return np.zeros((0, 3, 2)), np.zeros(0, dtype=np.int64)
    out_t, out_o = [], []
    holes = shapely.get_num_interior_rings(polygons) > 0
    exterior = shapely.get_exterior_ring(polygons)
    coords, ring = shapely.get_coordinates(exterior, return_index=True)
    counts = np.bincount(ring, minlength=n)  # including the closing point
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    # convexity: every turn of the (CCW) exterior ring is a left turn or straight
    position = np.arange(len(coords)) - starts[ring]
    size = counts[ring] - 1  # vertices without the closing point
    vertex = position < size
    prev = starts[ring] + (position - 1) % size
    nxt = starts[ring] + (position + 1) % size
    e1 = coords - coords[prev]
    e2 = coords[nxt] - coords
    cross = e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0]
    scale = np.abs(e1).sum(axis=1) * np.abs(e2).sum(axis=1)
    reflex = vertex & (cross < -1e-12 * scale)
    convex = (np.bincount(ring[reflex], minlength=n) == 0) & ~holes
    # 1. convex polygons: fans, vectorised
    fan = np.flatnonzero(convex & (counts >= 4))
    if len(fan):
        tri_count = counts[fan] - 3
        owner = np.repeat(fan, tri_count)
        k = np.arange(tri_count.sum()) - np.repeat(np.cumsum(tri_count) - tri_count, tri_count)
        first = starts[owner]
        tris = np.stack([coords[first], coords[first + k + 1], coords[first + k + 2]], axis=1)
        out_t.append(tris)
        out_o.append(owner)
    # 2. the others: GEOS Delaunay when the triangles inside the polygon tile it exactly
    other = np.flatnonzero(~convex)
    if len(other):
        delaunay = shapely.delaunay_triangles(polygons[other])
        parts, index = shapely.get_parts(delaunay, return_index=True)
        owner = other[index]
        inside = shapely.within(parts, polygons[owner])
        parts, owner = parts[inside], owner[inside]
        area = np.bincount(owner, weights=shapely.area(parts), minlength=n)
        expected = shapely.area(polygons)
        tiled = np.zeros(n, bool)
        tiled[other] = np.abs(area[other] - expected[other]) <= 1e-9 * np.maximum(
            expected[other], 1.0)
        keep = tiled[owner]
        if keep.any():
            tri_coords = shapely.get_coordinates(shapely.get_exterior_ring(parts[keep]))
            out_t.append(tri_coords.reshape(-1, 4, 2)[:, :3])
            out_o.append(owner[keep])
        # 3. the rest: cut along holes and ear-clip
        for i in other[~tiled[other]]:
            pieces = [ear_clip(np.asarray(p.exterior.coords)[:-1])
                      for p in _hole_free_pieces(polygons[i])]
            pieces = [p for p in pieces if len(p)]
            if pieces:
                tris = np.concatenate(pieces)
                out_t.append(tris)
                out_o.append(np.full(len(tris), i))
    if not out_t:
        return np.zeros((0, 3, 2)), np.zeros(0, dtype=np.int64)
    tris = np.concatenate(out_t)
    owner = np.concatenate(out_o).astype(np.int64)
    keep = triangle_areas(tris) > 1e-9
    order = np.argsort(owner[keep], kind="stable")
    return tris[keep][order], owner[keep][order]


def _hole_free_pieces(polygon) -> list:
    """Cut a polygon with holes into hole-free polygons along vertical lines through holes."""
    from shapely.geometry import Polygon, box

    done, stack = [], [polygon]
    while stack:
        piece = stack.pop()
        if piece.is_empty:
            continue
        if piece.geom_type != "Polygon":
            stack.extend(g for g in getattr(piece, "geoms", []) if g.area > 0)
            continue
        if not piece.interiors:
            done.append(piece)
            continue
        x = Polygon(piece.interiors[0]).representative_point().x
        xmin, ymin, xmax, ymax = piece.bounds
        for half in (box(xmin - 1, ymin - 1, x, ymax + 1), box(x, ymin - 1, xmax + 1, ymax + 1)):
            stack.append(piece.intersection(half))
    from shapely.geometry.polygon import orient

    return [orient(p, 1.0) for p in done if p.area > 0]


def ear_clip(ring: np.ndarray) -> np.ndarray:
    """Triangulate a simple polygon (vertices (n, 2), counter-clockwise, not closed) by ear
    clipping -> (n - 2, 3, 2) at most (zero-area ears of collinear vertices are dropped)."""
    pts = np.asarray(ring, dtype=np.float64)
    keep = np.ones(len(pts), bool)
    keep[1:] = np.any(np.abs(np.diff(pts, axis=0)) > 0, axis=1)
    pts = pts[keep]
    if len(pts) > 3 and np.all(pts[0] == pts[-1]):
        pts = pts[:-1]
    origin = pts.min(axis=0)
    local = pts - origin
    idx = list(range(len(pts)))
    out = []

    def cross(a, b, c):
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])

    guard = 0
    while len(idx) > 3 and guard < 10 * len(pts) ** 2 + 100:
        guard += 1
        m = len(idx)
        clipped = False
        v = local[idx]
        for k in range(m):
            a, b, c = v[k - 1], v[k], v[(k + 1) % m]
            area2 = cross(a, b, c)
            if area2 <= 0:
                if area2 == 0:  # collinear: drop the middle vertex, no triangle
                    del idx[k]
                    clipped = True
                    break
                continue
            others = np.delete(v, [(k - 1) % m, k, (k + 1) % m], axis=0)
            if len(others):
                d1 = (b[0] - a[0]) * (others[:, 1] - a[1]) - (b[1] - a[1]) * (others[:, 0] - a[0])
                d2 = (c[0] - b[0]) * (others[:, 1] - b[1]) - (c[1] - b[1]) * (others[:, 0] - b[0])
                d3 = (a[0] - c[0]) * (others[:, 1] - c[1]) - (a[1] - c[1]) * (others[:, 0] - c[0])
                if np.any((d1 >= 0) & (d2 >= 0) & (d3 >= 0)):
                    continue
            out.append((idx[k - 1], idx[k], idx[(k + 1) % m]))
            del idx[k]
            clipped = True
            break
        if not clipped:  # numerically degenerate: clip the flattest convex-ish corner
            turns = [cross(v[k - 1], v[k], v[(k + 1) % m]) for k in range(m)]
            k = int(np.argmax(turns))
            if turns[k] > 0:
                out.append((idx[k - 1], idx[k], idx[(k + 1) % m]))
            del idx[k]
    if len(idx) == 3 and cross(*local[idx]) > 0:
        out.append(tuple(idx))
    if not out:
        return np.zeros((0, 3, 2))
    return pts[np.asarray(out)]


# ----------------------------------------------------------------------------------------
# Ground
# ----------------------------------------------------------------------------------------


@dataclass
class Ground:
    """Heights on a node grid: node (row j, col i) at (x0 + i res, y0 + j res), y up."""

    x0: float
    y0: float
    res: float
    heights: np.ndarray  # (ny + 1, nx + 1)
    covered: np.ndarray  # bool, same shape: the DEM had a value there (True for flat ground)
    cell_element: np.ndarray  # (ny, nx) int: index into elements
    elements: list[str]

    @property
    def shape(self) -> tuple[int, int]:
        return self.heights.shape[0] - 1, self.heights.shape[1] - 1

    def locate(self, x, y):
        fx = (np.asarray(x, dtype=np.float64) - self.x0) / self.res
        fy = (np.asarray(y, dtype=np.float64) - self.y0) / self.res
        ny, nx = self.shape
        inside = (fx >= -1e-9) & (fx <= nx + 1e-9) & (fy >= -1e-9) & (fy <= ny + 1e-9)
        i = np.clip(np.floor(fx), 0, nx - 1).astype(np.int64)
        j = np.clip(np.floor(fy), 0, ny - 1).astype(np.int64)
        return i, j, np.clip(fx - i, 0, 1), np.clip(fy - j, 0, 1), inside

    def height_at(self, x, y) -> np.ndarray:
        """Height of the triangulated surface (the one written) at points; clamped outside."""
        i, j, u, v, _ = self.locate(x, y)
        h = self.heights
        za, zb, zc, zd = h[j, i], h[j, i + 1], h[j + 1, i + 1], h[j + 1, i]
        lower = u >= v  # triangle (a, b, c) else (a, c, d)
        return np.where(lower, za + u * (zb - za) + v * (zc - zb),
                        za + v * (zd - za) + u * (zc - zd))

    def covered_at(self, x, y) -> np.ndarray:
        """Inside the grid and within a cell whose four nodes the DEM covered."""
        i, j, _, _, inside = self.locate(x, y)
        c = self.covered
        return inside & c[j, i] & c[j, i + 1] & c[j + 1, i] & c[j + 1, i + 1]

    def triangle_count(self) -> int:
        ny, nx = self.shape
        return 2 * nx * ny


def _warp(raster: RasterInput, crs_wkt: str, bounds, res: float, resample: str):
    """Warp one band onto a north-up grid: array with row 0 at the south, NaN where empty."""
    from osgeo import gdal

    gdal.UseExceptions()
    try:
        source = gdal.Open(raster.path)
    except RuntimeError as error:
        raise BuildError(f"{raster.label}: GDAL cannot open the raster ({error})") from None
    if source is None or raster.band > source.RasterCount:
        raise BuildError(f"{raster.label}: GDAL cannot open band {raster.band} of the raster")
    if not source.GetProjection():
        raise BuildError(f"{raster.label}: the raster has no CRS")
    try:
        if source.RasterCount > 1:
            source = gdal.Translate("", source, format="VRT", bandList=[raster.band])
        warped = gdal.Warp("", source, format="MEM", dstSRS=crs_wkt or None,
                           outputBounds=tuple(bounds), xRes=res, yRes=res,
                           resampleAlg=resample, outputType=gdal.GDT_Float64,
                           dstNodata=float("nan"))
    except RuntimeError as error:
        raise BuildError(f"{raster.label}: cannot reproject the raster ({error})") from None
    data = warped.GetRasterBand(1).ReadAsArray().astype(np.float64)
    nodata = source.GetRasterBand(1).GetNoDataValue()
    if nodata is not None and math.isfinite(nodata):
        data[data == nodata] = np.nan
    return data[::-1].copy()


def raster_resolution(raster: RasterInput, crs_wkt: str) -> float:
    """The raster's pixel size once reprojected to the target CRS (GDAL's suggestion)."""
    from osgeo import gdal

    gdal.UseExceptions()
    try:
        vrt = gdal.Warp("", raster.path, format="VRT", dstSRS=crs_wkt or None)
    except RuntimeError as error:
        raise BuildError(f"{raster.label}: cannot reproject the raster ({error})") from None
    transform = vrt.GetGeoTransform()
    return float(min(abs(transform[1]), abs(transform[5])))


def build_ground(options: BuildOptions, dem: RasterInput | None,
                 landcover_raster: RasterInput | None,
                 landcover_polygons: PolygonInput | None, notes: list[str]) -> Ground:
    xmin, ymin, xmax, ymax = options.extent
    res = options.ground_resolution
    if res <= 0:
        res = raster_resolution(dem, options.crs_wkt) if dem else (
            raster_resolution(landcover_raster, options.crs_wkt) if landcover_raster else 10.0)
    nx = max(1, math.ceil((xmax - xmin) / res - 1e-9))
    ny = max(1, math.ceil((ymax - ymin) / res - 1e-9))
    if (nx + 1) * (ny + 1) > 200_000_000:
        raise BuildError(f"GROUND_RESOLUTION {res:g} m makes a {nx} x {ny} ground grid: "
                         f"choose a coarser resolution")
    if dem is not None:
        bounds = (xmin - res / 2, ymin - res / 2, xmin + (nx + 0.5) * res,
                  ymin + (ny + 0.5) * res)
        heights = _warp(dem, options.crs_wkt, bounds, res, "bilinear")
        covered = np.isfinite(heights)
        if not covered.any():
            raise BuildError(f"DEM {dem.label} does not overlap the target extent")
        if not covered.all():
            missing = int((~covered).sum())
            notes.append(f"DEM {dem.label}: {missing} of {covered.size} ground nodes had no "
                         f"value (outside the DEM or NoData) and were filled from the nearest "
                         f"values")
            heights = _fill_nearest(heights, covered)
    else:
        heights = np.full((ny + 1, nx + 1), float(options.ground_height))
        covered = np.ones_like(heights, dtype=bool)
    elements = [options.ground_element]
    cell = np.zeros((ny, nx), dtype=np.int32)
    cell_bounds = (xmin, ymin, xmin + nx * res, ymin + ny * res)
    if landcover_raster is not None:
        values = _warp(landcover_raster, options.crs_wkt, cell_bounds, res, "near")
        if not np.isfinite(values).any():
            raise BuildError(f"LANDCOVER {landcover_raster.label} does not overlap the target "
                             f"extent")
        finite = np.isfinite(values)
        codes = np.unique(values[finite]).astype(np.int64)
        for code in codes:
            name = options.landcover_mapping.get(int(code), f"class_{int(code)}")
            if name not in elements:
                elements.append(name)
            cell[finite & (values == code)] = elements.index(name)
    if landcover_polygons is not None:
        cell = _rasterize_classes(landcover_polygons, cell, cell_bounds, res, elements,
                                  options.crs_wkt)
    return Ground(xmin, ymin, res, heights, covered, cell, elements)


def _srs(crs_wkt: str):
    from osgeo import osr

    if not crs_wkt:
        return None
    srs = osr.SpatialReference()
    srs.ImportFromWkt(crs_wkt)
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return srs


def _fill_nearest(heights: np.ndarray, covered: np.ndarray) -> np.ndarray:
    from scipy import ndimage

    _, (rows, cols) = ndimage.distance_transform_edt(~covered, return_indices=True)
    return heights[rows, cols]


def _rasterize_classes(polygons: PolygonInput, cell, bounds, res, elements, crs_wkt):
    """Burn land-cover polygons (class = element) onto the cell grid, at cell centres."""
    import shapely
    from osgeo import gdal, ogr

    parts, owner, _ = clean_polygons(polygons.geometries, polygons.name)
    classes = polygons.classes if polygons.classes is not None else [None] * len(owner)
    ny, nx = cell.shape
    if not len(parts) or not shapely.intersects(
            shapely.box(*bounds), shapely.union_all(shapely.envelope(parts))):
        raise BuildError(f"LANDCOVER {polygons.name} does not overlap the target extent")
    driver = gdal.GetDriverByName("MEM")
    target = driver.Create("", nx, ny, 1, gdal.GDT_Int32)
    target.SetGeoTransform((bounds[0], res, 0, bounds[3], 0, -res))
    target.GetRasterBand(1).Fill(-1)
    source = ogr.GetDriverByName("Memory").CreateDataSource("landcover")
    layer = source.CreateLayer("landcover", srs=_srs(crs_wkt), geom_type=ogr.wkbPolygon)
    if crs_wkt:
        target.SetProjection(crs_wkt)
    layer.CreateField(ogr.FieldDefn("code", ogr.OFTInteger))
    definition = layer.GetLayerDefn()
    for part, index in zip(parts, owner, strict=True):
        name = element_name(classes[index]) if classes[index] not in (None, "") else ""
        if not name:
            continue
        if name not in elements:
            elements.append(name)
        feature = ogr.Feature(definition)
        feature.SetField("code", elements.index(name))
        feature.SetGeometry(ogr.CreateGeometryFromWkb(shapely.to_wkb(part)))
        layer.CreateFeature(feature)
    gdal.RasterizeLayer(target, [1], layer, options=["ATTRIBUTE=code"])
    burnt = target.GetRasterBand(1).ReadAsArray()[::-1]
    return np.where(burnt >= 0, burnt, cell).astype(np.int32)


# ----------------------------------------------------------------------------------------
# Buildings
# ----------------------------------------------------------------------------------------


@dataclass
class PreparedBuildings:
    parts: np.ndarray  # shapely polygons
    owner: np.ndarray  # building index per part (0..n-1, after skipping)
    base: np.ndarray  # wall bottom (m) per building
    top: np.ndarray  # roof height (m) per building
    roof: list[str]  # roof element per building
    source_index: np.ndarray  # input feature index per building
    counts: dict


def prepare_buildings(buildings: PolygonInput, ground: Ground, options: BuildOptions,
                      dsm: RasterInput | None, notes: list[str]) -> PreparedBuildings:
    import shapely

    parts, owner, counts = clean_polygons(buildings.geometries, buildings.name)
    n_in = counts["input"]
    xmin, ymin, xmax, ymax = options.extent
    centroid = shapely.centroid(parts)
    cx, cy = shapely.get_x(centroid), shapely.get_y(centroid)
    part_inside = (cx >= xmin) & (cx <= xmax) & (cy >= ymin) & (cy <= ymax)
    feature_inside = np.zeros(n_in, bool)
    feature_inside[owner[part_inside]] = True
    has_parts = np.zeros(n_in, bool)
    has_parts[owner] = True
    counts["outside_extent"] = int((has_parts & ~feature_inside).sum())
    if n_in and has_parts.any() and not feature_inside.any():
        raise BuildError(f"BUILDINGS {buildings.name}: no footprint lies within the target "
                         f"extent (do the layer and the extent overlap?)")
    keep = feature_inside[owner]
    parts, owner = parts[keep], owner[keep]
    # ground under each footprint: lowest and coverage over all its vertices
    coords, index = shapely.get_coordinates(parts, return_index=True)
    vertex_owner = owner[index]
    z = ground.height_at(coords[:, 0], coords[:, 1])
    base = np.full(n_in, np.inf)
    np.minimum.at(base, vertex_owner, z)
    uncovered = np.zeros(n_in, bool)
    uncovered[vertex_owner[~ground.covered_at(coords[:, 0], coords[:, 1])]] = True
    # height: field, then floors x floor height, then DSM, then the default
    height = np.full(n_in, np.nan)
    source = np.full(n_in, "", dtype=object)
    if buildings.height is not None:
        h = np.asarray(buildings.height, dtype=np.float64)
        ok = np.isfinite(h) & (h > 0)
        height[ok], source[ok] = h[ok], "field"
    if buildings.floors is not None:
        f = np.asarray(buildings.floors, dtype=np.float64) * options.floor_height
        ok = ~np.isfinite(height) & np.isfinite(f) & (f > 0)
        height[ok], source[ok] = f[ok], "floors"
    if dsm is not None:
        need = np.flatnonzero(~np.isfinite(height) & feature_inside)
        if len(need):
            roof = _dsm_median(dsm, parts, owner, need, options)
            h = roof - base[need]
            ok = np.isfinite(h) & (h > 0)
            height[need[ok]], source[need[ok]] = h[ok], "dsm"
    missing = ~np.isfinite(height) & feature_inside
    counts["missing_height"] = int(missing.sum())
    if options.default_height > 0:
        height[missing], source[missing] = options.default_height, "default"
        counts["default_height"] = counts["missing_height"]
        counts["skipped_missing_height"] = 0
    else:
        counts["skipped_missing_height"] = counts["missing_height"]
    counts["outside_dem"] = int((uncovered & feature_inside & np.isfinite(height)).sum())
    built = feature_inside & np.isfinite(height) & ~uncovered
    roof_names = [options.roof_element] * n_in
    if buildings.classes is not None:
        for i in np.flatnonzero(built):
            value = buildings.classes[i]
            if value not in (None, ""):
                name = element_name(value)
                if name and not name.startswith(options.roof_element):
                    name = f"{options.roof_element}_{name}"  # "tile" -> "roof_tile"
                roof_names[i] = name or options.roof_element
    new_index = np.full(n_in, -1, dtype=np.int64)
    source_index = np.flatnonzero(built)
    new_index[source_index] = np.arange(len(source_index))
    keep = built[owner]
    counts["built"] = len(source_index)
    for key, text in (("repaired", "invalid footprints repaired with make_valid"),
                      ("skipped_empty_or_invalid", "empty or unusable footprints skipped"),
                      ("skipped_missing_height", "footprints without a height skipped (no "
                                                 "height field value, floors or DSM value)"),
                      ("default_height", "footprints without a height given the default"),
                      ("outside_dem", "footprints outside the DEM skipped"),
                      ("outside_extent", "footprints outside the target extent left out")):
        if counts.get(key):
            notes.append(f"BUILDINGS {buildings.name}: {counts[key]} {text}")
    counts["height_sources"] = {k: int((source[built] == k).sum())
                                for k in ("field", "floors", "dsm", "default")}
    return PreparedBuildings(
        parts=parts[keep], owner=new_index[owner[keep]], base=base[source_index],
        top=base[source_index] + height[source_index],
        roof=[roof_names[i] for i in source_index], source_index=source_index, counts=counts)


def _dsm_median(dsm: RasterInput, parts, owner, need, options: BuildOptions) -> np.ndarray:
    """Median DSM value inside each needed footprint (pixel centres; the value at the
    centroid for footprints smaller than a pixel)."""
    import shapely
    from osgeo import gdal, ogr

    res = raster_resolution(dsm, options.crs_wkt)
    sel = np.isin(owner, need)
    bounds = shapely.total_bounds(parts[sel])
    bounds = (bounds[0] - res, bounds[1] - res, bounds[2] + res, bounds[3] + res)
    nx = max(1, math.ceil((bounds[2] - bounds[0]) / res))
    ny = max(1, math.ceil((bounds[3] - bounds[1]) / res))
    bounds = (bounds[0], bounds[1], bounds[0] + nx * res, bounds[1] + ny * res)
    values = _warp(dsm, options.crs_wkt, bounds, res, "bilinear")[::-1]  # row 0 north
    if not np.isfinite(values).any():
        raise BuildError(f"DSM {dsm.label} does not overlap the buildings")
    target = gdal.GetDriverByName("MEM").Create("", nx, ny, 1, gdal.GDT_Int32)
    target.SetGeoTransform((bounds[0], res, 0, bounds[3], 0, -res))
    target.GetRasterBand(1).Fill(-1)
    source = ogr.GetDriverByName("Memory").CreateDataSource("dsm")
    layer = source.CreateLayer("footprints", srs=_srs(options.crs_wkt), geom_type=ogr.wkbPolygon)
    if options.crs_wkt:
        target.SetProjection(options.crs_wkt)
    layer.CreateField(ogr.FieldDefn("id", ogr.OFTInteger))
    definition = layer.GetLayerDefn()
    for part, index in zip(parts[sel], owner[sel], strict=True):
        feature = ogr.Feature(definition)
        feature.SetField("id", int(index))
        feature.SetGeometry(ogr.CreateGeometryFromWkb(shapely.to_wkb(part)))
        layer.CreateFeature(feature)
    gdal.RasterizeLayer(target, [1], layer, options=["ATTRIBUTE=id"])
    ids = target.GetRasterBand(1).ReadAsArray().ravel()
    flat = values.ravel()
    ok = (ids >= 0) & np.isfinite(flat)
    ids, flat = ids[ok], flat[ok]
    order = np.lexsort((flat, ids))
    ids, flat = ids[order], flat[order]
    n_all = int(owner.max()) + 1 if len(owner) else 0
    count = np.bincount(ids, minlength=n_all)
    start = np.concatenate([[0], np.cumsum(count)[:-1]])
    median = np.full(n_all, np.nan)
    has = count > 0
    lo = start[has] + (count[has] - 1) // 2
    hi = start[has] + count[has] // 2
    median[has] = 0.5 * (flat[lo] + flat[hi])
    small = np.flatnonzero(~has)
    small = small[np.isin(small, need)]
    if len(small):  # smaller than a pixel: the value under the representative point
        points = shapely.point_on_surface(
            np.array([parts[np.flatnonzero(owner == k)[0]] for k in small], dtype=object))
        col = np.clip(((shapely.get_x(points) - bounds[0]) / res).astype(int), 0, nx - 1)
        row = np.clip(((bounds[3] - shapely.get_y(points)) / res).astype(int), 0, ny - 1)
        median[small] = values[row, col]
    return median[need]


# ----------------------------------------------------------------------------------------
# Trees
# ----------------------------------------------------------------------------------------


@dataclass
class PreparedTrees:
    x: np.ndarray
    y: np.ndarray
    ground: np.ndarray
    centre: np.ndarray  # crown centre height above ground
    radius: np.ndarray  # crown horizontal semi-axis
    half_height: np.ndarray  # crown vertical semi-axis
    trunk_top: np.ndarray  # above ground; 0 = no trunk
    trunk_radius: np.ndarray
    element: list[str]
    leaves: np.ndarray  # leaf triangles per tree (triangle mode)
    counts: dict


def prepare_trees(trees: TreeInput, ground: Ground, options: BuildOptions,
                  notes: list[str]) -> PreparedTrees:
    n = len(trees.x)
    x = np.asarray(trees.x, dtype=np.float64)
    y = np.asarray(trees.y, dtype=np.float64)

    def values(array, default):
        if array is None:
            return np.full(n, float(default)), 0
        a = np.asarray(array, dtype=np.float64).copy()
        bad = ~np.isfinite(a) | (a < 0)
        a[bad] = default
        return a, int(bad.sum())

    centre, m1 = values(trees.crown_centre_height, options.crown_centre_height)
    diameter, m2 = values(trees.crown_diameter, options.crown_diameter)
    height, m3 = values(trees.crown_height, options.crown_height)
    trunk, m4 = values(trees.trunk_height, options.trunk_height)
    trunk_d, m5 = values(trees.trunk_diameter, options.trunk_diameter)
    counts = {"input": n, "default_values": {"crown_centre_height": m1, "crown_diameter": m2,
                                             "crown_height": m3, "trunk_height": m4,
                                             "trunk_diameter": m5}}
    xmin, ymin, xmax, ymax = options.extent
    finite = np.isfinite(x) & np.isfinite(y)
    inside = finite & (x >= xmin) & (x <= xmax) & (y >= ymin) & (y <= ymax)
    counts["outside_extent"] = int((finite & ~inside).sum())
    counts["skipped_no_geometry"] = int((~finite).sum())
    if n and finite.any() and not inside.any():
        raise BuildError(f"TREES {trees.name}: no tree lies within the target extent (do the "
                         f"layer and the extent overlap?)")
    covered = ground.covered_at(x, y) & inside
    counts["outside_dem"] = int((inside & ~covered).sum())
    degenerate = (diameter <= 0) | (height <= 0)
    counts["skipped_empty_crown"] = int((covered & degenerate).sum())
    keep = covered & ~degenerate
    elements = [options.tree_element] * n
    if trees.classes is not None:
        for i in np.flatnonzero(keep):
            value = trees.classes[i]
            if value not in (None, ""):
                elements[i] = element_name(value) or options.tree_element
    radius = diameter / 2
    half = height / 2
    crown_base = centre - half
    trunk_top = np.where(trunk > 0, trunk, np.maximum(crown_base, 0.0))
    volume = 4.0 / 3.0 * math.pi * radius ** 2 * half
    leaves = np.rint(options.leaf_area_density * volume / options.leaf_size).astype(np.int64)
    counts["built"] = int(keep.sum())
    for key, text in (("outside_extent", "trees outside the target extent left out"),
                      ("outside_dem", "trees outside the DEM skipped"),
                      ("skipped_no_geometry", "trees without a point geometry skipped"),
                      ("skipped_empty_crown", "trees with a zero crown diameter or height "
                                              "skipped")):
        if counts[key]:
            notes.append(f"TREES {trees.name}: {counts[key]} {text}")
    for key, missing in counts["default_values"].items():
        if missing:
            notes.append(f"TREES {trees.name}: {missing} trees without a valid {key} took "
                         f"the default")
    return PreparedTrees(
        x=x[keep], y=y[keep], ground=ground.height_at(x[keep], y[keep]), centre=centre[keep],
        radius=radius[keep], half_height=half[keep], trunk_top=trunk_top[keep],
        trunk_radius=trunk_d[keep] / 2, element=[elements[i] for i in np.flatnonzero(keep)],
        leaves=leaves[keep], counts=counts)


def leaf_triangles(centres: np.ndarray, theta: np.ndarray, phi: np.ndarray, spin: np.ndarray,
                   area: float) -> np.ndarray:
    """Equilateral triangles of one-sided ``area`` centred on ``centres`` with normals at
    zenith ``theta`` and azimuth ``phi`` (radians) -> (n, 3, 3)."""
    st, ct, sp_, cp = np.sin(theta), np.cos(theta), np.sin(phi), np.cos(phi)
    e1 = np.stack([ct * cp, ct * sp_, -st], 1)
    e2 = np.stack([-sp_, cp, np.zeros_like(phi)], 1)
    radius = math.sqrt(4.0 * area / math.sqrt(3.0)) / math.sqrt(3.0)
    angle = spin[:, None] + np.array([0.0, 2 * math.pi / 3, 4 * math.pi / 3])[None, :]
    offset = radius * (np.cos(angle)[..., None] * e1[:, None, :]
                       + np.sin(angle)[..., None] * e2[:, None, :])
    return centres[:, None, :] + offset


def _unit_sphere() -> tuple[np.ndarray, np.ndarray]:
    """Closed UV sphere (outward winding): vertices (v, 3), faces (f, 3)."""
    lat = np.linspace(0, math.pi, CROWN_LATITUDES + 1)[1:-1]
    lon = np.linspace(0, 2 * math.pi, CROWN_LONGITUDES, endpoint=False)
    ring = np.stack([np.outer(np.sin(lat), np.cos(lon)), np.outer(np.sin(lat), np.sin(lon)),
                     np.repeat(np.cos(lat)[:, None], len(lon), 1)], -1).reshape(-1, 3)
    vertices = np.vstack([[0, 0, 1], ring, [0, 0, -1]])
    m = len(lon)
    j = np.arange(m)
    k = (j + 1) % m
    faces = [np.stack([np.zeros(m, int), 1 + j, 1 + k], 1)]
    for r in range(len(lat) - 1):
        a, b = 1 + r * m + j, 1 + r * m + k
        c, d = a + m, b + m
        faces += [np.stack([a, c, d], 1), np.stack([a, d, b], 1)]
    bottom = len(vertices) - 1
    last = 1 + (len(lat) - 1) * m
    faces.append(np.stack([np.full(m, bottom), last + k, last + j], 1))
    return vertices, np.concatenate(faces)


def _mesh_volume(vertices: np.ndarray, faces: np.ndarray) -> float:
    t = vertices[faces]
    return float(np.einsum("ij,ij->i", t[:, 0], np.cross(t[:, 1], t[:, 2])).sum() / 6.0)


def _prisms(x, y, radius, z0, z1) -> tuple[np.ndarray, np.ndarray]:
    """Closed octagonal prisms (trunks), outward winding -> vertices (16 n, 3) and faces
    (28 n, 3) into them."""
    sides = TRUNK_SIDES
    a = np.arange(sides) * (2 * math.pi / sides)
    px = x[:, None] + radius[:, None] * np.cos(a)
    py = y[:, None] + radius[:, None] * np.sin(a)
    lo = np.stack([px, py, np.repeat(z0[:, None], sides, 1)], -1)
    hi = np.stack([px, py, np.repeat(z1[:, None], sides, 1)], -1)
    vertices = np.concatenate([lo, hi], axis=1)  # (n, 16, 3): lo 0..7, hi 8..15
    i = np.arange(sides)
    j = np.roll(i, -1)
    k = np.arange(1, sides - 1)
    zero = np.zeros_like(k)
    template = np.concatenate([
        np.stack([i, j, j + sides], 1), np.stack([i, j + sides, i + sides], 1),
        np.stack([zero + sides, k + sides, k + 1 + sides], 1), np.stack([zero, k + 1, k], 1)])
    faces = template[None] + 2 * sides * np.arange(len(x))[:, None, None]
    return vertices.reshape(-1, 3), faces.reshape(-1, 3)


TRUNK_TRIANGLES = 2 * TRUNK_SIDES + 2 * (TRUNK_SIDES - 2)


# ----------------------------------------------------------------------------------------
# Writing
# ----------------------------------------------------------------------------------------


class ObjStream:
    """Writes vertices and grouped faces to a temporary OBJ next to ``path``; ``commit()``
    renames it into place, ``discard()`` removes it. Tracks triangles and area per group
    element."""

    CHUNK = 200_000

    def __init__(self, path: str, header: Sequence[str]):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, self.temporary = tempfile.mkstemp(dir=self.path.parent,
                                                  prefix=f".{self.path.stem}.", suffix=".obj")
        self.file = os.fdopen(handle, "w", encoding="ascii", newline="\n")
        self.file.write("".join(f"# {line}\n" for line in header))
        self.vertices = 0
        self.triangles = 0
        self.element_triangles: dict[str, int] = {}
        self.element_area: dict[str, float] = {}
        self.groups: set[str] = set()

    def add(self, vertices: np.ndarray, faces: np.ndarray, groups: Sequence[str],
            face_group: np.ndarray, group_element: Sequence[str]) -> None:
        """vertices (m, 3) world; faces (k, 3) into them; face_group (k,) into ``groups``;
        group_element: the element of each group (for the accounting)."""
        vertices = np.asarray(vertices, dtype=np.float64).reshape(-1, 3)
        faces = np.asarray(faces, dtype=np.int64).reshape(-1, 3)
        if not len(faces):
            return
        area = triangle_areas(vertices[faces])
        face_group = np.asarray(face_group, dtype=np.int64)
        element_index = {e: i for i, e in enumerate(dict.fromkeys(group_element))}
        per_group_element = np.array([element_index[e] for e in group_element])
        fe = per_group_element[face_group]
        tri_count = np.bincount(fe, minlength=len(element_index))
        area_sum = np.bincount(fe, weights=area, minlength=len(element_index))
        for name, i in element_index.items():
            if tri_count[i]:
                self.element_triangles[name] = self.element_triangles.get(name, 0) + int(
                    tri_count[i])
                self.element_area[name] = self.element_area.get(name, 0.0) + float(area_sum[i])
        for start in range(0, len(vertices), self.CHUNK):
            block = np.round(vertices[start:start + self.CHUNK], 3)
            self.file.write(("v %.3f %.3f %.3f\n" * len(block)) % tuple(block.ravel().tolist()))
        order = np.argsort(face_group, kind="stable")
        faces = faces[order] + (self.vertices + 1)
        sorted_groups = face_group[order]
        cuts = np.flatnonzero(np.diff(sorted_groups)) + 1
        starts = np.concatenate([[0], cuts])
        stops = np.concatenate([cuts, [len(faces)]])
        pieces = []
        size = 0
        for a, b in zip(starts, stops, strict=True):
            name = groups[sorted_groups[a]]
            self.groups.add(name)
            pieces.append(f"g {name}\n")
            for c in range(a, b, self.CHUNK):
                d = min(b, c + self.CHUNK)
                pieces.append(("f %d %d %d\n" * (d - c)) % tuple(faces[c:d].ravel().tolist()))
                size += d - c
                if size >= self.CHUNK:
                    self.file.write("".join(pieces))
                    pieces, size = [], 0
        self.file.write("".join(pieces))
        self.vertices += len(vertices)
        self.triangles += len(faces)

    def add_soup(self, triangles: np.ndarray, groups: Sequence[str], face_group: np.ndarray,
                 group_element: Sequence[str]) -> None:
        triangles = np.asarray(triangles, dtype=np.float64).reshape(-1, 3, 3)
        faces = np.arange(3 * len(triangles)).reshape(-1, 3)
        self.add(triangles.reshape(-1, 3), faces, groups, face_group, group_element)

    def close(self) -> None:
        if not self.file.closed:
            self.file.close()

    def commit(self) -> None:
        self.close()
        os.replace(self.temporary, self.path)

    def discard(self) -> None:
        self.close()
        if os.path.exists(self.temporary):
            os.remove(self.temporary)


def _atomic_text(path: str, text: str) -> str:
    """Write text to a temporary file beside ``path``; return the temporary name."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.",
                                         suffix=path.suffix)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)
    return temporary


# ----------------------------------------------------------------------------------------
# Element table
# ----------------------------------------------------------------------------------------

#: Default spectra (names in spectra.py) for the element names this module produces.
DEFAULT_SPECTRUM = {
    "ground": "soil_dry", "soil": "soil_dry", "grass": "grass", "asphalt": "asphalt",
    "water": "water", "roof": "roof_concrete", "roof_tile": "roof_tile",
    "roof_concrete": "roof_concrete", "roof_bitumen": "roof_bitumen", "roof_zinc": "roof_zinc",
    "wall": "wall_plaster", "trunk": "bark",
}
LEAF_SPECTRUM = "tree_leaf"
GREY = 0.2


def default_op(element: str, kind: str, bands: Sequence[str]) -> tuple[list[float], float | None]:
    """A starting spectrum for an element (reflectance, or leaf albedo r + t with r/t) from
    spectra.py where the band names are Sentinel-2's; a flat grey (0.2) or, for leaves, a
    flat albedo of 0.5 otherwise."""
    from . import spectra as sp

    bands = list(bands)
    known = [b in sp.S2_BANDS for b in bands]
    if kind in ("translucent", "turbid"):
        r = np.asarray(sp.LEAF_R[LEAF_SPECTRUM])
        t = np.asarray(sp.LEAF_T[LEAF_SPECTRUM])
        ratio = float(sp.leaf_rt_ratio_constant(LEAF_SPECTRUM))
        values = [float(r[sp.S2_BANDS.index(b)] + t[sp.S2_BANDS.index(b)]) if k else 0.5
                  for b, k in zip(bands, known, strict=True)]
        return values, ratio
    name = DEFAULT_SPECTRUM.get(element)
    if name is None:
        for prefix, spectrum in (("roof", "roof_concrete"), ("wall", "wall_plaster"),
                                 ("water", "water"), ("grass", "grass")):
            if element.startswith(prefix):
                name = spectrum
    if name is None or name not in sp.MATERIALS:
        return [GREY] * len(bands), None
    spectrum = np.asarray(sp.MATERIALS[name])
    return [float(spectrum[sp.S2_BANDS.index(b)]) if k else GREY
            for b, k in zip(bands, known, strict=True)], None


class Elements:
    """Element name -> (type, match globs), in order of appearance; one name, one type."""

    def __init__(self):
        self.kind: dict[str, str] = {}
        self.patterns: dict[str, list[str]] = {}

    def add(self, element: str, kind: str, pattern: str) -> None:
        if element in self.kind and self.kind[element] != kind:
            raise BuildError(f"element '{element}' would be both {self.kind[element]} and "
                             f"{kind}: rename a class (land cover, roof or tree class)")
        self.kind.setdefault(element, kind)
        patterns = self.patterns.setdefault(element, [])
        if pattern not in patterns:
            patterns.append(pattern)

    def rows(self, options: BuildOptions) -> list[ElementRow]:
        rows = []
        for element, kind in self.kind.items():
            op, ratio = default_op(element, kind, options.bands)
            extra = {}
            if kind == "turbid":
                extra = {"leaf_area_density": f"{options.leaf_area_density:g}",
                         "lad": options.lad}
            rows.append(ElementRow(element, ";".join(self.patterns[element]), kind, op,
                                   rt_ratio=ratio if kind != "opaque" else None, **extra))
        return rows

    def check(self, group_names: Sequence[str]) -> None:
        """Each group matched by exactly one element (as the element table will check)."""
        from fnmatch import fnmatchcase

        for group in group_names:
            hits = [e for e, ps in self.patterns.items()
                    if any(fnmatchcase(group.lower(), p.lower()) for p in ps)]
            if len(hits) != 1:
                raise BuildError(f"group '{group}' is matched by {len(hits)} elements "
                                 f"({', '.join(hits)}): rename a class so that element names "
                                 f"do not start like another element's groups")


# ----------------------------------------------------------------------------------------
# The driver
# ----------------------------------------------------------------------------------------


def build_mockup(
    output: str,
    elements_path: str,
    summary_path: str | None,
    options: BuildOptions,
    *,
    dem: RasterInput | None = None,
    dsm: RasterInput | None = None,
    landcover_raster: RasterInput | None = None,
    landcover_polygons: PolygonInput | None = None,
    buildings: PolygonInput | None = None,
    trees: TreeInput | None = None,
    water: PolygonInput | None = None,
    progress: ProgressFn | None = None,
    is_canceled: Callable[[], bool] | None = None,
    log: Callable[[str], None] | None = None,
) -> BuildResult:
    """Build the mock-up, write OBJ + element table (+ summary JSON or HTML) atomically."""
    started = time.perf_counter()
    say = log or (lambda text: None)
    _validate(options)
    notes: list[str] = []
    _progress(progress, 0.0, "ground")
    ground = build_ground(options, dem, landcover_raster, landcover_polygons, notes)
    _check(is_canceled)
    _progress(progress, 0.1, "buildings")
    prepared_b = prepare_buildings(buildings, ground, options, dsm, notes) if buildings else None
    _check(is_canceled)
    _progress(progress, 0.2, "trees")
    prepared_t = prepare_trees(trees, ground, options, notes) if trees else None
    water_parts = water_owner = None
    water_counts = {}
    if water is not None:
        water_parts, water_owner, water_counts = clean_polygons(water.geometries, water.name)
        water_parts, water_owner = _within_extent(water_parts, water_owner, options.extent,
                                                  f"WATER {water.name}", water_counts, notes)
        for key, text in (("repaired", "invalid polygons repaired with make_valid"),
                          ("skipped_empty_or_invalid", "empty or unusable polygons skipped")):
            if water_counts.get(key):
                notes.append(f"WATER {water.name}: {water_counts[key]} {text}")
    for note in notes:
        say(note)

    # budget, before anything is written -----------------------------------------------
    import shapely

    budget = {"ground": ground.triangle_count()}
    if prepared_b is not None:
        roof_tris = polygon_triangle_count(prepared_b.parts)
        walls = 2 * (shapely.get_num_coordinates(prepared_b.parts)
                     - (shapely.get_num_interior_rings(prepared_b.parts) + 1))
        budget["buildings"] = int(roof_tris.sum() + walls.sum())
    if prepared_t is not None:
        if options.tree_mode == "turbid":
            per_crown = len(_unit_sphere()[1])
            budget["trees"] = int(len(prepared_t.x) * per_crown)
        else:
            budget["trees"] = int(prepared_t.leaves.sum())
        budget["trees"] += int((prepared_t.trunk_top > 0).sum() * TRUNK_TRIANGLES)
    if water_parts is not None:
        budget["water"] = int(polygon_triangle_count(water_parts).sum())
    total_budget = int(sum(budget.values()))
    say("Triangle budget: " + f"{total_budget:,}" + " (" + ", ".join(
        f"{k} {v:,}" for k, v in budget.items()) + ")")
    if total_budget > options.max_triangles:
        raise BuildError(
            f"the mock-up would have {total_budget:,} triangles ("
            + ", ".join(f"{k} {v:,}" for k, v in budget.items())
            + f"), more than MAX_TRIANGLES = {options.max_triangles:,}: raise MAX_TRIANGLES, "
            f"use larger leaves (LEAF_SIZE), TREE_MODE turbid, a coarser GROUND_RESOLUTION "
            f"or a smaller extent. Nothing was written.")

    n_objects = ((len(prepared_b.top) if prepared_b is not None else 0)
                 + (len(prepared_t.x) if prepared_t is not None else 0)
                 + (len(np.unique(water_owner)) if water_owner is not None else 0))
    per_object = options.grouping == "object" or (
        options.grouping == "automatic" and n_objects <= options.group_limit)
    elements = Elements()
    xmin, ymin, xmax, ymax = options.extent
    header = [
        "Unmix3D mock-up built from GIS layers (unmix3d:build_mockup)",
        "target CRS (projected, metres, z up); absolute coordinates",
        f"extent {xmin:.3f} {ymin:.3f} {xmax:.3f} {ymax:.3f}",
        "one group per object" if per_object else "one group per element",
    ]
    summary: dict = {"extent": list(options.extent), "ground_resolution_m": ground.res,
                     "ground_grid": list(ground.shape), "budget": budget,
                     "triangle_budget": total_budget, "grouping":
                         "object" if per_object else "element", "notes": notes}
    glb = Path(output).suffix.lower() in (".glb", ".gltf")
    stream = _GlbCollector(output) if glb else ObjStream(output, header)
    temporaries: list[str] = []
    try:
        _write_ground(stream, ground, elements)
        _progress(progress, 0.3, "buildings")
        if prepared_b is not None:
            _write_buildings(stream, prepared_b, options, elements, per_object, progress,
                             is_canceled)
            summary["buildings"] = _building_summary(prepared_b)
        _progress(progress, 0.6, "trees")
        if prepared_t is not None:
            summary["trees"] = _write_trees(stream, prepared_t, options, elements, per_object,
                                            progress, is_canceled)
        _check(is_canceled)
        _progress(progress, 0.9, "water")
        if water_parts is not None:
            summary["water"] = _write_water(stream, water_parts, water_owner, ground, options,
                                            elements, per_object)
            summary["water"]["counts"] = water_counts
        _check(is_canceled)
        elements.check(sorted(stream.groups))
        stream.close()
        rows = elements.rows(options)
        table_tmp = Path(_atomic_text(elements_path, ""))
        temporaries.append(str(table_tmp))
        write_element_table(table_tmp, rows, tuple(options.bands))
        summary.update({
            "triangles": stream.triangles, "groups": len(stream.groups),
            "elements": {e: {"type": elements.kind[e], "match": ";".join(elements.patterns[e]),
                             "triangles": stream.element_triangles.get(e, 0),
                             "area_m2": round(stream.element_area.get(e, 0.0), 4)}
                         for e in elements.kind},
            "seconds": round(time.perf_counter() - started, 3),
        })
        if summary_path:
            text = (summary_html(summary) if str(summary_path).lower().endswith((".html",
                                                                                 ".htm"))
                    else json.dumps(summary, indent=1, default=_json_default))
            temporaries.append(_atomic_text(summary_path, text))
        _check(is_canceled)
        stream.commit()
        os.replace(temporaries[0], elements_path)
        if summary_path:
            os.replace(temporaries[1], summary_path)
    except BaseException:
        stream.discard()
        for temporary in temporaries:
            if os.path.exists(temporary):
                os.remove(temporary)
        raise
    _progress(progress, 1.0, None)
    return BuildResult(str(output), str(elements_path), str(summary_path or ""), summary)


class _GlbCollector:
    """Same interface as ObjStream; collects meshes per group and exports a GLB (trimesh)
    at commit. Holds the whole mock-up in memory: for moderate scenes."""

    def __init__(self, path: str):
        self.path = Path(path)
        self.meshes: dict[str, list[np.ndarray]] = {}
        self.triangles = 0
        self.element_triangles: dict[str, int] = {}
        self.element_area: dict[str, float] = {}
        self.groups: set[str] = set()
        self.temporary = ""

    def add(self, vertices, faces, groups, face_group, group_element):
        vertices = np.asarray(vertices, dtype=np.float64).reshape(-1, 3)
        faces = np.asarray(faces, dtype=np.int64).reshape(-1, 3)
        tris = vertices[faces]
        area = triangle_areas(tris)
        face_group = np.asarray(face_group)
        for g in np.unique(face_group):
            sel = face_group == g
            name, element = groups[g], group_element[g]
            self.meshes.setdefault(name, []).append(tris[sel])
            self.groups.add(name)
            self.element_triangles[element] = self.element_triangles.get(element, 0) + int(
                sel.sum())
            self.element_area[element] = self.element_area.get(element, 0.0) + float(
                area[sel].sum())
        self.triangles += len(faces)

    def add_soup(self, triangles, groups, face_group, group_element):
        triangles = np.asarray(triangles, dtype=np.float64).reshape(-1, 3, 3)
        self.add(triangles.reshape(-1, 3), np.arange(3 * len(triangles)).reshape(-1, 3),
                 groups, face_group, group_element)

    def close(self):
        pass

    def commit(self):
        import trimesh

        scene = trimesh.Scene()
        for name, pieces in self.meshes.items():
            tris = np.concatenate(pieces)
            mesh = trimesh.Trimesh(vertices=tris.reshape(-1, 3),
                                   faces=np.arange(3 * len(tris)).reshape(-1, 3), process=False)
            scene.add_geometry(mesh, geom_name=name, node_name=name)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, self.temporary = tempfile.mkstemp(dir=self.path.parent,
                                                  prefix=f".{self.path.stem}.", suffix=".glb")
        os.close(handle)
        scene.export(self.temporary, file_type="glb")
        os.replace(self.temporary, self.path)

    def discard(self):
        if self.temporary and os.path.exists(self.temporary):
            os.remove(self.temporary)


def _json_default(value):
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return str(value)


def _validate(options: BuildOptions) -> None:
    xmin, ymin, xmax, ymax = options.extent
    if not (xmax > xmin and ymax > ymin) or not all(map(math.isfinite, options.extent)):
        raise BuildError(f"the target extent {options.extent} is empty")
    if options.tree_mode not in TREE_MODES:
        raise BuildError(f"TREE_MODE must be one of {TREE_MODES}, not '{options.tree_mode}'")
    if options.lad not in LAD_NAMES:
        raise BuildError(f"LAD must be one of {LAD_NAMES}, not '{options.lad}'")
    if options.grouping not in GROUPING:
        raise BuildError(f"GROUPS must be one of {GROUPING}")
    if options.leaf_size <= 0 or options.leaf_area_density < 0:
        raise BuildError("LEAF_SIZE must be > 0 and LEAF_AREA_DENSITY >= 0")
    for name in (options.ground_element, options.roof_element, options.wall_element,
                 options.tree_element, options.trunk_element, options.water_element):
        if element_name(name) != name:
            raise BuildError(f"element name '{name}' must be lowercase letters, digits and _, "
                             f"starting with a letter")


def _within_extent(parts, owner, extent, label, counts, notes):
    import shapely

    if not len(parts):
        return parts, owner
    keep = shapely.intersects(parts, shapely.box(*extent))
    dropped = len(np.unique(owner)) - len(np.unique(owner[keep]))
    counts["outside_extent"] = int(dropped)
    if not keep.any():
        raise BuildError(f"{label}: no polygon lies within the target extent (do the layer "
                         f"and the extent overlap?)")
    if dropped:
        notes.append(f"{label}: {dropped} polygons outside the target extent left out")
    return parts[keep], owner[keep]


def _write_ground(stream, ground: Ground, elements: Elements) -> None:
    ny, nx = ground.shape
    xs = ground.x0 + ground.res * np.arange(nx + 1)
    ys = ground.y0 + ground.res * np.arange(ny + 1)
    xx, yy = np.meshgrid(xs, ys)
    vertices = np.column_stack([xx.ravel(), yy.ravel(), ground.heights.ravel()])
    node = np.arange((ny + 1) * (nx + 1)).reshape(ny + 1, nx + 1)
    a, b = node[:-1, :-1].ravel(), node[:-1, 1:].ravel()
    c, d = node[1:, 1:].ravel(), node[1:, :-1].ravel()
    faces = np.concatenate([np.stack([a, b, c], 1), np.stack([a, c, d], 1)])
    cell = ground.cell_element.ravel()
    face_group = np.concatenate([cell, cell])
    used = np.unique(face_group)
    for i in used:
        elements.add(ground.elements[i], "opaque", ground.elements[i])
    stream.add(vertices, faces, ground.elements, face_group, ground.elements)


def _pattern(prefix: str, suffix: str, per_object: bool) -> str:
    return f"{prefix}_[0-9]*{suffix}" if per_object else f"{prefix}_all{suffix}"


def _write_buildings(stream, b: PreparedBuildings, options, elements, per_object, progress,
                     is_canceled) -> None:
    import shapely

    n_parts = len(b.parts)
    chunk = 20_000
    wall_name = options.wall_element
    for start in range(0, n_parts, chunk):
        _check(is_canceled)
        parts = b.parts[start:start + chunk]
        owner = b.owner[start:start + chunk]
        # roofs
        tris2, part_index = triangulate_polygons(parts)
        building = owner[part_index]
        z = b.top[building]
        roofs = np.concatenate([tris2, np.repeat(z[:, None, None], 3, 1)], axis=2)
        # walls: every ring edge, from the base to the roof
        rings, ring_part = shapely.get_rings(parts, return_index=True)
        coords, ring_index = shapely.get_coordinates(rings, return_index=True)
        edge = np.flatnonzero(ring_index[:-1] == ring_index[1:])
        wall_owner = owner[ring_part[ring_index[edge]]]
        p, q = coords[edge], coords[edge + 1]
        lo, hi = b.base[wall_owner], b.top[wall_owner]
        pl = np.column_stack([p, lo])
        ql = np.column_stack([q, lo])
        qh = np.column_stack([q, hi])
        ph = np.column_stack([p, hi])
        walls = np.concatenate([np.stack([pl, ql, qh], 1), np.stack([pl, qh, ph], 1)])
        walls_owner = np.concatenate([wall_owner, wall_owner])
        # groups: one per building and surface, or one per element
        tris = np.concatenate([roofs, walls])
        kind = np.concatenate([np.zeros(len(roofs), int), np.ones(len(walls), int)])
        who = np.concatenate([building, walls_owner])
        if per_object:
            key = who * 2 + kind
        else:
            roof_ids = {name: i for i, name in enumerate(dict.fromkeys(b.roof))}
            roof_code = np.array([roof_ids[name] for name in b.roof])
            key = np.where(kind == 0, roof_code[who] * 2, 1)
        unique, inverse = np.unique(key, return_inverse=True)
        groups, group_element = [], []
        for k in unique:
            if per_object:
                index, surface = int(k) // 2, int(k) % 2
                element = b.roof[index] if surface == 0 else wall_name
                groups.append(f"{element}_{index + 1}")
            else:
                if k == 1:
                    element = wall_name
                else:
                    element = list(dict.fromkeys(b.roof))[int(k) // 2]
                groups.append(f"{element}_all")
            group_element.append(element)
            elements.add(element, "opaque", _pattern(element, "", per_object))
        stream.add_soup(tris, groups, inverse, group_element)
        _progress(progress, 0.3 + 0.3 * min(1.0, (start + chunk) / max(n_parts, 1)),
                  "buildings")


def _building_summary(b: PreparedBuildings) -> dict:
    return {"counts": b.counts, "built": len(b.top),
            "mean_height_m": round(float(np.mean(b.top - b.base)), 3) if len(b.top) else 0.0}


class _GroupRegistry:
    """Group names in order of first use, with their element."""

    def __init__(self):
        self.names: list[str] = []
        self.elements: list[str] = []
        self.index: dict[str, int] = {}

    def add(self, name: str, element: str) -> int:
        if name not in self.index:
            self.index[name] = len(self.names)
            self.names.append(name)
            self.elements.append(element)
        return self.index[name]


def _write_trees(stream, t: PreparedTrees, options, elements, per_object, progress,
                 is_canceled) -> dict:
    rng = np.random.default_rng(options.seed)
    n = len(t.x)
    leaf_area: dict[str, float] = {}
    crown_volume: dict[str, float] = {}
    turbid = options.tree_mode == "turbid"
    sphere_v, sphere_f = _unit_sphere()
    # scale the polyhedron so that its volume is the ellipsoid's
    sphere_v = sphere_v * (4.0 / 3.0 * math.pi / _mesh_volume(sphere_v, sphere_f)) ** (1 / 3)
    max_leaves = 500_000
    start = 0
    while start < n:
        _check(is_canceled)
        stop = start + 1
        if not turbid:
            cumulative = np.cumsum(t.leaves[start:])
            stop = start + max(1, int(np.searchsorted(cumulative, max_leaves, side="right")))
        else:
            stop = min(n, start + 5_000)
        idx = np.arange(start, stop)
        ground = t.ground[idx]
        cz = ground + t.centre[idx]
        pieces, piece_group = [], []
        registry = _GroupRegistry()
        groups, group_element, add_group = registry.names, registry.elements, registry.add

        def group_of(i, suffix, element):
            prefix = "tree" if element == options.tree_element or suffix == "_trunk" \
                else element
            return f"{prefix}_{i + 1}{suffix}" if per_object else f"{prefix}_all{suffix}"

        if turbid:
            radii = np.stack([t.radius[idx], t.radius[idx], t.half_height[idx]], 1)
            centres = np.stack([t.x[idx], t.y[idx], cz], 1)
            crowns_v = sphere_v[None] * radii[:, None, :] + centres[:, None, :]
            nv = len(sphere_v)
            pieces.append((crowns_v.reshape(-1, 3), (sphere_f[None] + nv * np.arange(
                len(idx))[:, None, None]).reshape(-1, 3)))
            crown_group = np.empty(len(idx), dtype=np.int64)
            volume = 4.0 / 3.0 * math.pi * t.radius[idx] ** 2 * t.half_height[idx]
            for k, i in enumerate(idx):
                element = t.element[i]
                crown_group[k] = add_group(group_of(i, "_crown", element), element)
                leaf_area[element] = leaf_area.get(element, 0.0) + (
                    options.leaf_area_density * volume[k])
                crown_volume[element] = crown_volume.get(element, 0.0) + volume[k]
                prefix = "tree" if element == options.tree_element else element
                elements.add(element, "turbid", _pattern(prefix, "_crown", per_object))
            piece_group.append(np.repeat(crown_group, len(sphere_f)))
        else:
            count = t.leaves[idx]
            owner = np.repeat(np.arange(len(idx)), count)
            m = len(owner)
            if m:
                d = rng.normal(size=(m, 3))
                d /= np.linalg.norm(d, axis=1, keepdims=True)
                d *= rng.random(m)[:, None] ** (1.0 / 3.0)
                centres = np.column_stack([
                    t.x[idx][owner] + t.radius[idx][owner] * d[:, 0],
                    t.y[idx][owner] + t.radius[idx][owner] * d[:, 1],
                    cz[owner] + t.half_height[idx][owner] * d[:, 2]])
                leaves = leaf_triangles(centres, sample_leaf_inclination(options.lad, m, rng),
                                        rng.uniform(0, 2 * math.pi, m),
                                        rng.uniform(0, 2 * math.pi, m), options.leaf_size)
                pieces.append((leaves.reshape(-1, 3), np.arange(3 * m).reshape(-1, 3)))
                tree_group = np.zeros(len(idx), dtype=np.int64)
                for k, i in enumerate(idx):
                    element = t.element[i]
                    if count[k]:
                        tree_group[k] = add_group(group_of(i, "_leaves", element), element)
                        leaf_area[element] = leaf_area.get(element, 0.0) + (
                            count[k] * options.leaf_size)
                        crown_volume[element] = crown_volume.get(element, 0.0) + (
                            4.0 / 3.0 * math.pi * t.radius[i] ** 2 * t.half_height[i])
                        prefix = "tree" if element == options.tree_element else element
                        elements.add(element, "translucent",
                                     _pattern(prefix, "_leaves", per_object))
                piece_group.append(tree_group[owner])
        # trunks
        has = t.trunk_top[idx] > 0
        if has.any():
            j = idx[has]
            vertices, faces = _prisms(t.x[j], t.y[j], np.maximum(t.trunk_radius[j], 0.01),
                                      t.ground[j], t.ground[j] + t.trunk_top[j])
            pieces.append((vertices, faces))
            trunk_group = np.array([add_group(group_of(i, "_trunk", options.trunk_element),
                                              options.trunk_element) for i in j])
            piece_group.append(np.repeat(trunk_group, TRUNK_TRIANGLES))
            elements.add(options.trunk_element, "opaque",
                         _pattern("tree", "_trunk", per_object))
        if pieces:
            offsets = np.cumsum([0] + [len(v) for v, _ in pieces[:-1]])
            stream.add(np.concatenate([v for v, _ in pieces]),
                       np.concatenate([f + o for (_, f), o in zip(pieces, offsets, strict=True)]),
                       groups, np.concatenate(piece_group), group_element)
        start = stop
        _progress(progress, 0.6 + 0.3 * stop / max(n, 1), "trees")
    return {"counts": t.counts, "built": n, "mode": options.tree_mode,
            "leaf_area_m2": {k: round(v, 4) for k, v in leaf_area.items()},
            "crown_volume_m3": {k: round(v, 4) for k, v in crown_volume.items()},
            "leaf_area_density_m2_m3": options.leaf_area_density,
            "leaf_size_m2": options.leaf_size, "lad": options.lad}


def _write_water(stream, parts, owner, ground: Ground, options, elements, per_object) -> dict:
    import shapely

    tris2, part_index = triangulate_polygons(parts)
    feature = owner[part_index]
    coords, index = shapely.get_coordinates(parts, return_index=True)
    level = np.full(int(owner.max()) + 1, -np.inf)
    np.maximum.at(level, owner[index], ground.height_at(coords[:, 0], coords[:, 1]))
    z = level[feature] + options.water_offset
    tris = np.concatenate([tris2, np.repeat(z[:, None, None], 3, 1)], axis=2)
    name = options.water_element
    unique, inverse = np.unique(feature if per_object else np.zeros_like(feature),
                                return_inverse=True)
    groups = [f"{name}_{int(k) + 1}" if per_object else f"{name}_all" for k in unique]
    elements.add(name, "opaque", _pattern(name, "", per_object))
    stream.add_soup(tris, groups, inverse, [name] * len(groups))
    return {"polygons": int(len(np.unique(owner))),
            "area_m2": round(float(shapely.area(parts).sum()), 4)}


def summary_html(summary: dict) -> str:
    """A small HTML page of the summary (tables of elements, counts and notes)."""
    from html import escape

    rows = "".join(
        f"<tr><td>{escape(e)}</td><td>{escape(v['type'])}</td><td><code>{escape(v['match'])}"
        f"</code></td><td>{v['triangles']:,}</td><td>{v['area_m2']:,.1f}</td></tr>"
        for e, v in summary.get("elements", {}).items())
    notes = "".join(f"<li>{escape(n)}</li>" for n in summary.get("notes", []))
    leaf = summary.get("trees", {}).get("leaf_area_m2", {})
    leaf_rows = "".join(f"<tr><td>{escape(k)}</td><td>{v:,.1f}</td></tr>"
                        for k, v in leaf.items())
    body = json.dumps({k: v for k, v in summary.items() if k not in ("elements", "notes")},
                      indent=1, default=_json_default)
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Unmix3D mock-up</title>"
        "<style>body{font-family:sans-serif}td,th{padding:2px 8px;border-bottom:1px solid #ddd}"
        "</style></head><body><h1>Mock-up summary</h1>"
        f"<p>{summary.get('triangles', 0):,} triangles in {summary.get('groups', 0):,} groups "
        f"(budget {summary.get('triangle_budget', 0):,}).</p>"
        "<h2>Elements</h2><table><tr><th>element</th><th>type</th><th>match</th>"
        f"<th>triangles</th><th>area (m²)</th></tr>{rows}</table>"
        + (f"<h2>Leaf area per tree class</h2><table><tr><th>element</th><th>leaf area (m²)"
           f"</th></tr>{leaf_rows}</table>" if leaf_rows else "")
        + (f"<h2>Notes</h2><ul>{notes}</ul>" if notes else "")
        + f"<h2>Details</h2><pre>{escape(body)}</pre></body></html>"
    )
