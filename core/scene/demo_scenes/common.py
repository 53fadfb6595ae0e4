"""What the demo scenes share: the returned description (``DemoScene``, ``PlotInfo``), a
grouped OBJ writer, a few convex-polygon helpers, and ``finish``, which writes the OBJ,
the element table and the truth JSON of a scene.

Geometry is written in absolute UTM 31N coordinates (EPSG:32631, metres, z up) with
millimetre precision, as real mock-ups are; every triangle belongs to an OBJ group
(``g name``) matched by exactly one element-table row. The ground covers the image extent
plus a margin, so no ray escapes through a hole. Spectra come from ``spectra.py``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path

import numpy as np

from .. import spectra as sp
from ..elements import ElementRow, write_element_table

BANDS: tuple[str, ...] = sp.S2_BANDS
EPSG_UTM31N = 32631


@dataclass
class PlotInfo:
    """One plot of the vegetation scene (the structure the accuracy tables are read by)."""

    group: str  # OBJ group of the plot's leaves (maize) or soil surface (bare)
    kind: str  # "maize" or "bare"
    stage: str  # "early" | "mid" | "late" for maize, "" for bare soil
    polygon: list[tuple[float, float]]  # outline, world coordinates, counter-clockwise
    area_m2: float  # planted area: polygon minus gaps (tramlines)
    lai: float  # requested leaf area index over the planted area
    height_m: float  # canopy top
    lad: str  # leaf angle distribution name
    leaf_triangle_area_m2: float
    n_leaves: int
    leaf_area_m2: float  # one-sided area of the leaf triangles actually written
    # stripes without plants (tramlines): points p with
    # (p . (cos angle, sin angle) - u0_m) mod period_m < width_m
    gaps: dict | None = None
    leaf_area_density: float = 0.0  # turbid plots: LAI / height (m2/m3); 0 for triangles


@dataclass
class DemoScene:
    """Paths, grid, acquisition geometry and ground truth of a demo scene."""

    name: str
    folder: Path
    obj_path: Path
    elements_csv: Path
    metadata_json: Path
    crs_epsg: int
    extent: tuple[float, float, float, float]  # image grid: xmin, ymin, xmax, ymax
    pixel_size: float
    shape: tuple[int, int]  # image grid: rows, cols
    mockup_extent: tuple[float, float, float, float]  # geometry: image extent + margin
    sun_zenith: float  # degrees
    sun_azimuth: float  # degrees clockwise from north
    view_zenith: float
    view_azimuth: float
    skyl: dict[str, float]  # diffuse fraction of downward irradiance per band
    bands: tuple[str, ...]
    element_types: dict[str, str]  # element -> "opaque" | "translucent"
    element_match: dict[str, str]  # element -> glob on group names
    truth_op: dict[str, np.ndarray]  # element -> OP per band (reflectance or r + t)
    truth_r: dict[str, np.ndarray]  # element -> reflectance per band
    truth_t: dict[str, np.ndarray]  # element -> transmittance per band (0 if opaque)
    rt_ratio: dict[str, np.ndarray]  # translucent element -> r/t per band
    group_element: dict[str, str]  # OBJ group -> element (what the table's globs give)
    group_triangles: dict[str, int]
    n_triangles: int
    seed: int
    plots: list[PlotInfo] = field(default_factory=list)
    info: dict = field(default_factory=dict)

    @property
    def geotransform(self) -> tuple[float, float, float, float, float, float]:
        """GDAL geotransform of the image grid (north up)."""
        xmin, _, _, ymax = self.extent
        return (xmin, self.pixel_size, 0.0, ymax, 0.0, -self.pixel_size)

    def element_triangles(self) -> dict[str, int]:
        """Triangle count per element."""
        out: dict[str, int] = {}
        for g, n in self.group_triangles.items():
            e = self.group_element[g]
            out[e] = out.get(e, 0) + n
        return out


class ObjWriter:
    """Collect triangle soups per group and write them in one go (fast, text, float64)."""

    def __init__(self) -> None:
        self.groups: dict[str, list[np.ndarray]] = {}

    def add(self, group: str, tris: np.ndarray) -> None:
        tris = np.asarray(tris, dtype=np.float64).reshape(-1, 3, 3)
        if len(tris):
            self.groups.setdefault(group, []).append(tris)

    def counts(self) -> dict[str, int]:
        return {g: int(sum(len(t) for t in ts)) for g, ts in self.groups.items()}

    def write(self, path: Path, header: Sequence[str]) -> int:
        chunks = [f"# {line}\n" for line in header]
        base = 1
        for g, ts in self.groups.items():
            tris = np.concatenate(ts)
            n = len(tris)
            # round to mm first so that -0.0005 and friends print consistently
            v = np.round(tris.reshape(-1, 3), 3)
            chunks.append(f"g {g}\n")
            chunks.append(("v %.3f %.3f %.3f\n" * (3 * n)) % tuple(v.ravel().tolist()))
            idx = base + np.arange(3 * n, dtype=np.int64)
            chunks.append(("f %d %d %d\n" * n) % tuple(idx.tolist()))
            base += 3 * n
        path.write_text("".join(chunks), encoding="ascii")
        return (base - 1) // 3


def rotation(angle_deg: float) -> np.ndarray:
    a = math.radians(angle_deg)
    return np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])


def polygon_area(poly: np.ndarray) -> float:
    """Signed shoelace area (positive counter-clockwise), relative to the first vertex."""
    if len(poly) < 3:
        return 0.0
    q = poly - poly[0]
    x, y = q[:, 0], q[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def clip_halfplane(poly: np.ndarray, normal: np.ndarray, d: float) -> np.ndarray:
    """Sutherland-Hodgman: keep the part of a convex polygon where normal . p <= d."""
    if len(poly) == 0:
        return poly
    out = []
    s = poly @ normal - d
    for i in range(len(poly)):
        j = (i + 1) % len(poly)
        if s[i] <= 0:
            out.append(poly[i])
        if (s[i] <= 0) != (s[j] <= 0):
            t = s[i] / (s[i] - s[j])
            out.append(poly[i] + t * (poly[j] - poly[i]))
    return np.array(out).reshape(-1, 2)


def clip_rect(poly: np.ndarray, box: Sequence[float]) -> np.ndarray:
    xmin, ymin, xmax, ymax = box
    for n, d in (((1, 0), xmax), ((-1, 0), -xmin), ((0, 1), ymax), ((0, -1), -ymin)):
        poly = clip_halfplane(poly, np.array(n, float), d)
    return poly


def fan(poly2d: np.ndarray, z: float) -> np.ndarray:
    """Triangulate a convex polygon (fan) at height z."""
    n = len(poly2d)
    if n < 3:
        return np.zeros((0, 3, 3))
    p = np.column_stack([poly2d, np.full(n, z)])
    i = np.arange(1, n - 1)
    return np.stack([np.repeat(p[:1], n - 2, 0), p[i], p[i + 1]], axis=1)


def in_convex(poly: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """Points inside a counter-clockwise convex polygon."""
    inside = np.ones(len(pts), bool)
    for i in range(len(poly)):
        a, b = poly[i], poly[(i + 1) % len(poly)]
        e = b - a
        inside &= e[0] * (pts[:, 1] - a[1]) - e[1] * (pts[:, 0] - a[0]) >= 0
    return inside


def ground_tiles(box: Sequence[float], tile: float, z: float = 0.0) -> np.ndarray:
    """Cover a box with square tiles (2 triangles each): big, but not BVH-hostile."""
    xmin, ymin, xmax, ymax = box
    xs = np.linspace(xmin, xmax, max(1, int(math.ceil((xmax - xmin) / tile))) + 1)
    ys = np.linspace(ymin, ymax, max(1, int(math.ceil((ymax - ymin) / tile))) + 1)
    x0, y0 = np.meshgrid(xs[:-1], ys[:-1])
    x1, y1 = np.meshgrid(xs[1:], ys[1:])
    x0, y0, x1, y1 = (a.ravel() for a in (x0, y0, x1, y1))
    zz = np.full_like(x0, z)
    a = np.stack([x0, y0, zz], 1)
    b = np.stack([x1, y0, zz], 1)
    c = np.stack([x1, y1, zz], 1)
    d = np.stack([x0, y1, zz], 1)
    return np.concatenate([np.stack([a, b, c], 1), np.stack([a, c, d], 1)])


#: Both demos: an image of 100 x 100 pixels of 10 m, geometry 50 m beyond it on every side.
PIXEL_M, SIDE_M, MARGIN_M = 10.0, 1000.0, 50.0


def start_scene(x0: float, y0: float) -> tuple[tuple, tuple, ObjWriter]:
    """Image extent (a ``SIDE_M`` square from ``x0, y0``), mock-up extent (the image plus
    ``MARGIN_M``) and an OBJ writer holding the ground tiles over the whole mock-up."""
    extent = (x0, y0, x0 + SIDE_M, y0 + SIDE_M)
    mockup = (extent[0] - MARGIN_M, extent[1] - MARGIN_M, extent[2] + MARGIN_M,
              extent[3] + MARGIN_M)
    writer = ObjWriter()
    writer.add("ground", ground_tiles(mockup, 50.0))
    return extent, mockup, writer


def _truth_row(
    element: str, kind: str, name: str, match: str, rule: str = "", structure: dict | None = None
) -> tuple[ElementRow, np.ndarray, np.ndarray]:
    """Element-table row and truth arrays from a spectrum name in spectra.py."""
    if kind in ("translucent", "turbid"):
        r = np.asarray(sp.LEAF_R[name])
        t = np.asarray(sp.LEAF_T[name])
        row = ElementRow(
            element, match, kind, r + t, rt_ratio=sp.leaf_rt_ratio_constant(name),
            rt_ratio_bands=r / t, rule=rule, **(structure or {}),
        )
    else:
        r = np.asarray(sp.MATERIALS[name])
        t = np.zeros_like(r)
        row = ElementRow(element, match, kind, r, rule=rule)
    return row, r, t


def finish(
    name: str, folder: Path, writer: ObjWriter, rows_spec: list[tuple], *,
    extent: tuple[float, float, float, float], mockup: tuple[float, float, float, float],
    pixel: float, geometry: tuple[float, float, float, float], seed: int,
    plots: list[PlotInfo], info: dict, header: list[str],
) -> DemoScene:
    rows, tr, tt, types, match, ratio, spectra_used = [], {}, {}, {}, {}, {}, {}
    for element, kind, spec_name, glob, rule, *structure in rows_spec:
        row, r, t = _truth_row(element, kind, spec_name, glob, rule, *structure)
        rows.append(row)
        tr[element], tt[element], types[element], match[element] = r, t, kind, glob
        spectra_used[element] = spec_name
        if kind in ("translucent", "turbid"):
            ratio[element] = r / t
    counts = writer.counts()
    group_element = {}
    for g in counts:
        hits = [e for e, m in match.items() if fnmatchcase(g, m)]
        if len(hits) != 1:  # a bug in this module, not a user error
            raise RuntimeError(f"group {g!r} matched by {hits}")
        group_element[g] = hits[0]
    folder.mkdir(parents=True, exist_ok=True)
    obj_path = folder / f"{name}.obj"
    csv_path = folder / f"{name}_elements.csv"
    meta_path = folder / f"{name}.json"
    n = writer.write(obj_path, header)
    write_element_table(csv_path, rows)
    sza, saa, vza, vaa = geometry
    cols = int(round((extent[2] - extent[0]) / pixel))
    nrows = int(round((extent[3] - extent[1]) / pixel))
    scene = DemoScene(
        name=name, folder=folder, obj_path=obj_path, elements_csv=csv_path,
        metadata_json=meta_path, crs_epsg=EPSG_UTM31N, extent=extent, pixel_size=pixel,
        shape=(nrows, cols), mockup_extent=mockup, sun_zenith=sza, sun_azimuth=saa,
        view_zenith=vza, view_azimuth=vaa, skyl=sp.skyl_clear_sky(sza), bands=BANDS,
        element_types=types, element_match=match,
        truth_op={e: tr[e] + tt[e] for e in tr}, truth_r=tr, truth_t=tt, rt_ratio=ratio,
        group_element=group_element, group_triangles=counts, n_triangles=n, seed=seed,
        plots=plots, info={**info, "spectra": spectra_used},
    )
    meta = {
        k: v for k, v in asdict(scene).items()
        if k not in ("truth_op", "truth_r", "truth_t", "rt_ratio", "plots", "group_triangles")
    }
    meta = json.loads(json.dumps(meta, default=str))
    meta["truth_op"] = {e: [round(float(x), 5) for x in v] for e, v in scene.truth_op.items()}
    meta["truth_r"] = {e: [round(float(x), 5) for x in v] for e, v in tr.items()}
    meta["truth_t"] = {e: [round(float(x), 5) for x in v] for e, v in tt.items()}
    meta["plots"] = [asdict(p) for p in plots]
    meta["n_groups"] = len(counts)
    meta["element_triangles"] = scene.element_triangles()
    meta_path.write_text(json.dumps(meta, indent=1), encoding="utf-8")
    return scene


def obj_header(name: str, extent: Sequence[float], pixel: float) -> list[str]:
    return [
        f"Unmix3D demo scene '{name}' (built-in generator, core/scene/demo_scenes/{name}.py)",
        f"CRS EPSG:{EPSG_UTM31N} (WGS 84 / UTM zone 31N), metres, z up; absolute coordinates",
        f"image grid extent {extent[0]} {extent[1]} {extent[2]} {extent[3]}, pixel {pixel} m",
        "one group per object (g name); element table: *_elements.csv beside this file",
    ]
