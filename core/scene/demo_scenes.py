"""Built-in demo scenes: a classified OBJ mock-up, an element table and the ground truth.

The plugin needs scenes that build in seconds, without downloads, on which the whole chain
(simulate -> unmix -> compare with the truth) can be run and judged. Two are provided:

- ``vegetation_scene``: after the US-DART paper's schematic scene (METHOD.md, scene a):
  three maize plots at three growth stages (LAI, leaf angle distribution, height differ)
  and three bare-soil plots on flat soil. Elements: ``ground`` and ``vegetation``.
- ``urban_scene``: a rotated street grid with buildings (three roof materials, walls),
  streets, lawns, trees with leaf-triangle crowns on octagonal trunks, and a river.

Geometry is written in absolute UTM 31N coordinates (EPSG:32631, metres, z up) with
millimetre precision, as real mock-ups are; every triangle belongs to an OBJ group
(``g name``) matched by exactly one element-table row. Leaves are free equilateral
triangles (two-sided, translucent in the table); all other surfaces are opaque.
The ground covers the image extent plus a margin, so no ray escapes through a hole.
Spectra come from ``spectra.py`` (numbers carried from PROSPECT-D and the Berlin library).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path

import numpy as np

from ..raytrace.lad import NAMED_LADS, sample_leaf_inclination
from . import spectra as sp
from .elements import ElementRow, write_element_table
from .leaves import leaf_triangles

BANDS: tuple[str, ...] = sp.S2_BANDS
EPSG_UTM31N = 32631

LEAF_ANGLE_DISTRIBUTIONS: tuple[str, ...] = NAMED_LADS


# ----------------------------------------------------------------------------------------
# Returned descriptions
# ----------------------------------------------------------------------------------------


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


# ----------------------------------------------------------------------------------------
# Geometry helpers (vectorised; triangles are (n, 3, 3) float64 arrays)
# ----------------------------------------------------------------------------------------


class _ObjWriter:
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


def _rot(angle_deg: float) -> np.ndarray:
    a = math.radians(angle_deg)
    return np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])


def _polygon_area(poly: np.ndarray) -> float:
    """Signed shoelace area (positive counter-clockwise), relative to the first vertex."""
    if len(poly) < 3:
        return 0.0
    q = poly - poly[0]
    x, y = q[:, 0], q[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def _clip_halfplane(poly: np.ndarray, normal: np.ndarray, d: float) -> np.ndarray:
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


def _clip_rect(poly: np.ndarray, box: Sequence[float]) -> np.ndarray:
    xmin, ymin, xmax, ymax = box
    for n, d in (((1, 0), xmax), ((-1, 0), -xmin), ((0, 1), ymax), ((0, -1), -ymin)):
        poly = _clip_halfplane(poly, np.array(n, float), d)
    return poly


def _fan(poly2d: np.ndarray, z: float) -> np.ndarray:
    """Triangulate a convex polygon (fan) at height z."""
    n = len(poly2d)
    if n < 3:
        return np.zeros((0, 3, 3))
    p = np.column_stack([poly2d, np.full(n, z)])
    i = np.arange(1, n - 1)
    return np.stack([np.repeat(p[:1], n - 2, 0), p[i], p[i + 1]], axis=1)


def _in_convex(poly: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """Points inside a counter-clockwise convex polygon."""
    inside = np.ones(len(pts), bool)
    for i in range(len(poly)):
        a, b = poly[i], poly[(i + 1) % len(poly)]
        e = b - a
        inside &= e[0] * (pts[:, 1] - a[1]) - e[1] * (pts[:, 0] - a[0]) >= 0
    return inside


def _ground_tiles(box: Sequence[float], tile: float, z: float = 0.0) -> np.ndarray:
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


# ----------------------------------------------------------------------------------------
# Common scene bookkeeping
# ----------------------------------------------------------------------------------------


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


def _finish(
    name: str, folder: Path, writer: _ObjWriter, rows_spec: list[tuple], *,
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


def _obj_header(name: str, extent: Sequence[float], pixel: float) -> list[str]:
    return [
        f"Unmix3D demo scene '{name}' (built-in generator, core/scene/demo_scenes.py)",
        f"CRS EPSG:{EPSG_UTM31N} (WGS 84 / UTM zone 31N), metres, z up; absolute coordinates",
        f"image grid extent {extent[0]} {extent[1]} {extent[2]} {extent[3]}, pixel {pixel} m",
        "one group per object (g name); element table: *_elements.csv beside this file",
    ]


# ----------------------------------------------------------------------------------------
# 1. Vegetation scene (US-DART schematic scene)
# ----------------------------------------------------------------------------------------

#: Maize growth stages: LAI, canopy height (m), leaf angle distribution, leaf triangle area
#: (m2). Structure differs between stages, as in the paper; the leaf optics do not.
MAIZE_STAGES: dict[str, dict] = {
    "early": dict(lai=1.0, height=1.0, lad="erectophile", leaf_area=0.20),
    "mid": dict(lai=2.5, height=1.9, lad="spherical", leaf_area=0.35),
    "late": dict(lai=4.0, height=2.6, lad="plagiophile", leaf_area=0.50),
}


def _plot_polygon(
    centre: Sequence[float], size: Sequence[float], angle: float, rng: np.random.Generator,
    jitter: float, cut_corner: float = 0.0,
) -> np.ndarray:
    """A rotated rectangle with jittered corners (and optionally one corner cut): convex."""
    hx, hy = size[0] / 2, size[1] / 2
    local = np.array([[-hx, -hy], [hx, -hy], [hx, hy], [-hx, hy]], float)
    local += rng.uniform(-jitter, jitter, local.shape)
    if cut_corner > 0:  # replace the north-east corner by two points
        c = local[2]
        local = np.array(
            [local[0], local[1], c + [0, -cut_corner], c + [-cut_corner, 0], local[3]]
        )
    poly = local @ _rot(angle).T + np.asarray(centre, float)
    if _polygon_area(poly) < 0:
        poly = poly[::-1]
    e = np.roll(poly, -1, axis=0) - poly
    if np.any(e[:, 0] * np.roll(e[:, 1], -1) - e[:, 1] * np.roll(e[:, 0], -1) <= 0):
        raise RuntimeError("plot polygon is not convex")  # layout bug, not user input
    return poly


def _in_gap(pts: np.ndarray, gaps: dict | None) -> np.ndarray:
    """Points in a gap stripe: ``(p . dir - u0_m) mod period_m < width_m``."""
    if not gaps:
        return np.zeros(len(pts), bool)
    a = math.radians(gaps["angle_deg"])
    u = pts @ np.array([math.cos(a), math.sin(a)]) - gaps["u0_m"]
    return np.mod(u, gaps["period_m"]) < gaps["width_m"]


def _planted_area(poly: np.ndarray, gaps: dict | None) -> float:
    """Polygon area minus the gap stripes inside it (exact, by convex clipping)."""
    area = _polygon_area(poly)
    if not gaps:
        return area
    a = math.radians(gaps["angle_deg"])
    u_dir = np.array([math.cos(a), math.sin(a)])
    u = poly @ u_dir - gaps["u0_m"]
    per, w = gaps["period_m"], gaps["width_m"]
    for k in range(int(math.floor(u.min() / per)) - 1, int(math.ceil(u.max() / per)) + 1):
        lo = gaps["u0_m"] + k * per
        strip = _clip_halfplane(poly, u_dir, lo + w)
        strip = _clip_halfplane(strip, -u_dir, -lo)
        if len(strip) >= 3:
            area -= _polygon_area(strip)
    return area


def _sample_in_plot(
    poly: np.ndarray, gaps: dict | None, n: int, rng: np.random.Generator
) -> np.ndarray:
    lo, hi = poly.min(0), poly.max(0)
    out, have = [], 0
    while have < n:
        m = int((n - have) * 1.6) + 64
        p = lo + (hi - lo) * rng.random((m, 2))
        p = p[_in_convex(poly, p) & ~_in_gap(p, gaps)]
        out.append(p)
        have += len(p)
    return np.concatenate(out)[:n]


def _canopy(
    poly: np.ndarray, gaps: dict | None, lai: float, height: float,
    lad: str, leaf_area: float, rng: np.random.Generator,
) -> tuple[np.ndarray, float]:
    area = _planted_area(poly, gaps)
    n = int(round(lai * area / leaf_area))
    xy = _sample_in_plot(poly, gaps, n, rng)
    z = rng.uniform(0.0, height, n)
    theta = sample_leaf_inclination(lad, n, rng)
    phi = rng.uniform(0.0, 2 * math.pi, n)
    spin = rng.uniform(0.0, 2 * math.pi, n)
    tris = leaf_triangles(np.column_stack([xy, z]), theta, phi, spin, leaf_area)
    # keep every leaf between 2 cm above the soil and the canopy top
    zmin, zmax = tris[..., 2].min(1), tris[..., 2].max(1)
    dz = np.maximum(0.0, 0.02 - zmin) - np.maximum(0.0, zmax - height)
    tris[..., 2] += dz[:, None]
    return tris, area


def _planted_pieces(poly: np.ndarray, gaps: dict | None) -> list[np.ndarray]:
    """The planted part of a convex plot as convex polygons (the strips between gaps)."""
    if not gaps:
        return [poly]
    a = math.radians(gaps["angle_deg"])
    u_dir = np.array([math.cos(a), math.sin(a)])
    u = poly @ u_dir - gaps["u0_m"]
    per, w = gaps["period_m"], gaps["width_m"]
    pieces = []
    for k in range(int(math.floor(u.min() / per)) - 1, int(math.ceil(u.max() / per)) + 1):
        lo = gaps["u0_m"] + k * per + w  # planted from the end of one gap to the next gap
        strip = _clip_halfplane(poly, u_dir, lo + per - w)
        strip = _clip_halfplane(strip, -u_dir, -lo)
        if len(strip) >= 3 and _polygon_area(strip) > 1e-6:
            pieces.append(strip)
    return pieces


def _prism(poly2d: np.ndarray, z0: float, z1: float) -> np.ndarray:
    """Closed surface of a vertical prism over a convex CCW polygon, outward winding."""
    top = _fan(poly2d, z1)
    bottom = _fan(poly2d[::-1], z0)
    n = len(poly2d)
    j = np.roll(np.arange(n), -1)
    lo = np.column_stack([poly2d, np.full(n, z0)])
    hi = np.column_stack([poly2d, np.full(n, z1)])
    sides = np.concatenate([np.stack([lo, lo[j], hi[j]], 1), np.stack([lo, hi[j], hi], 1)])
    return np.concatenate([top, bottom, sides])


#: Turbid plots reach this far below the soil, so the soil under a plot lies inside the
#: medium and no medium face coincides with the soil (coplanar faces confuse ray tracing).
TURBID_BASE_M = -0.05


def vegetation_scene(
    folder: str | Path, seed: int = 0, vegetation_as: str = "turbid"
) -> DemoScene:
    """Write the US-DART-like crop scene (3 maize stages, 3 bare plots); return its truth.

    Image grid: 100 x 100 pixels of 10 m, EPSG:32631, x 500000-501000, y 4799000-4800000.
    Plots are rotated, corner-jittered quadrilaterals (one pentagon) whose edges cut across
    pixels; the mid-stage plot has 8 m tramline gaps every 40 m, so many pixels are mixed.

    ``vegetation_as="turbid"`` (the paper's scene): each maize plot is a closed prism over
    its planted area (one per strip between tramlines) filled with a turbid medium of leaf
    area density LAI / height and the stage's LAD; element ``vegetation`` is ``turbid``,
    its per-plot structure given by ``glob=value`` pairs in the table. A few thousand
    triangles. ``"triangles"``: the plots are filled with free leaf triangles (element
    ``translucent``), leaf area LAI x planted area, about 1.0 M triangles. Same layout,
    optics and layout either way (the corner jitter differs: the leaves draw from the same
    random stream, and the triangle variant is kept as it always was).
    """
    if vegetation_as not in ("turbid", "triangles"):
        raise ValueError(f"vegetation_as must be 'turbid' or 'triangles', not {vegetation_as!r}")
    turbid = vegetation_as == "turbid"
    folder = Path(folder)
    rng = np.random.default_rng(seed)
    pixel = 10.0
    x0, y0 = 500000.0, 4799000.0
    extent = (x0, y0, x0 + 1000.0, y0 + 1000.0)
    margin = 50.0
    mockup = (extent[0] - margin, extent[1] - margin, extent[2] + margin, extent[3] + margin)
    writer = _ObjWriter()
    writer.add("ground", _ground_tiles(mockup, 50.0))
    # (group, kind, stage, centre (local m), size (m), angle (deg), cut corner, gaps)
    layout = [
        ("maize_plot_1", "maize", "early", (176.0, 723.0), (235.0, 215.0), 8.0, 0.0, None),
        ("maize_plot_2", "maize", "mid", (497.0, 731.0), (225.0, 225.0), -6.0, 0.0,
         dict(angle_deg=-6.0, period_m=40.0, width_m=8.0, offset_m=13.0)),
        ("maize_plot_3", "maize", "late", (823.0, 726.0), (220.0, 230.0), 15.0, 55.0, None),
        ("ground_bare_1", "bare", "", (176.0, 262.0), (240.0, 215.0), -10.0, 0.0, None),
        ("ground_bare_2", "bare", "", (503.0, 271.0), (245.0, 210.0), 4.0, 60.0, None),
        ("ground_bare_3", "bare", "", (816.0, 258.0), (215.0, 225.0), 21.0, 0.0, None),
    ]
    plots: list[PlotInfo] = []
    for group, kind, stage, c, size, angle, cut, gaps in layout:
        centre = np.array([x0 + c[0], y0 + c[1]])
        poly = _plot_polygon(centre, size, angle, rng, jitter=12.0, cut_corner=cut)
        if gaps:  # stripe origin: offset_m from the plot centre along the stripe normal
            a = math.radians(gaps["angle_deg"])
            u0 = float(centre @ [math.cos(a), math.sin(a)]) + gaps["offset_m"]
            gaps = {k: v for k, v in gaps.items() if k != "offset_m"} | {"u0_m": u0}
        if kind == "maize" and turbid:
            s = MAIZE_STAGES[stage]
            area = _planted_area(poly, gaps)
            for piece in _planted_pieces(poly, gaps):
                writer.add(group, _prism(piece, TURBID_BASE_M, s["height"]))
            density = s["lai"] / s["height"]
            plots.append(PlotInfo(
                group, kind, stage, [tuple(map(float, p)) for p in poly], float(area), s["lai"],
                s["height"], s["lad"], 0.0, 0, s["lai"] * float(area), gaps, density,
            ))
        elif kind == "maize":
            s = MAIZE_STAGES[stage]
            tris, area = _canopy(
                poly, gaps, s["lai"], s["height"], s["lad"], s["leaf_area"], rng
            )
            writer.add(group, tris)
            plots.append(PlotInfo(
                group, kind, stage, [tuple(map(float, p)) for p in poly], float(area), s["lai"],
                s["height"], s["lad"], s["leaf_area"], len(tris), len(tris) * s["leaf_area"],
                gaps,
            ))
        else:
            # bare soil plot: a tilled surface 2 cm above the surrounding soil (no coplanar
            # overlap with the ground tiles); same element and soil as the ground.
            writer.add(group, _fan(poly, 0.02))
            plots.append(PlotInfo(
                group, kind, "", [tuple(map(float, p)) for p in poly], _polygon_area(poly),
                0.0, 0.02, "", 0.0, 0, 0.0, None,
            ))
    rows_spec = [("ground", "opaque", "soil_dry", "ground*", "")]
    if turbid:
        maize = [p for p in plots if p.kind == "maize"]
        structure = {
            "leaf_area_density": ";".join(f"{p.group}={p.leaf_area_density:.6g}" for p in maize),
            "lad": ";".join(f"{p.group}={p.lad}" for p in maize),
        }
        rows_spec.append(("vegetation", "turbid", "maize_mid", "maize_plot_*", "B8 > B4",
                          structure))
    else:
        rows_spec.append(("vegetation", "translucent", "maize_mid", "maize_plot_*", "B8 > B4"))
    return _finish(
        "vegetation", folder, writer, rows_spec, extent=extent, mockup=mockup, pixel=pixel,
        geometry=(32.0, 152.0, 4.0, 105.0), seed=seed, plots=plots,
        info={"layout": "3 maize plots (early, mid, late) and 3 bare plots on dry soil",
              "vegetation_as": vegetation_as},
        header=_obj_header("vegetation", extent, pixel),
    )



# ----------------------------------------------------------------------------------------
# 2. Urban scene
# ----------------------------------------------------------------------------------------

#: Roof kinds: element/group prefix -> (spectrum in spectra.MATERIALS, roof shape).
ROOF_KINDS: dict[str, tuple[str, str]] = {
    "roof_tile": ("roof_tile", "gable"),
    "roof_concrete": ("roof_concrete", "flat"),
    "roof_bitumen": ("roof_bitumen", "flat"),
}
#: Leaf area density inside tree crowns (m2/m3) and the leaf-triangle budget of the scene.
TREE_LAD_M2_M3 = 0.7
URBAN_LEAF_BUDGET = 900_000


def _building(
    corners: np.ndarray, height: float, roof: str, pitch_deg: float
) -> tuple[np.ndarray, np.ndarray]:
    """Walls and roof of a box building on a rectangle (corners CCW, world xy)."""
    c0 = np.column_stack([corners, np.zeros(4)])
    c1 = np.column_stack([corners, np.full(4, height)])
    walls = []
    for i in range(4):
        j = (i + 1) % 4
        walls += [(c0[i], c0[j], c1[j]), (c0[i], c1[j], c1[i])]
    if roof == "flat":
        return np.array(walls), np.array([(c1[0], c1[1], c1[2]), (c1[0], c1[2], c1[3])])
    # gable: ridge along the long side; gable triangles belong to the walls
    e01 = np.linalg.norm(corners[1] - corners[0])
    e12 = np.linalg.norm(corners[2] - corners[1])
    k = c1 if e01 >= e12 else np.roll(c1, -1, axis=0)  # k0->k1 is a long side
    half = 0.5 * min(e01, e12)
    rise = half * math.tan(math.radians(pitch_deg))
    r0 = 0.5 * (k[0] + k[3]) + [0, 0, rise]
    r1 = 0.5 * (k[1] + k[2]) + [0, 0, rise]
    roof_t = [(k[0], k[1], r1), (k[0], r1, r0), (k[2], k[3], r0), (k[2], r0, r1)]
    walls += [(k[3], k[0], r0), (k[1], k[2], r1)]
    return np.array(walls), np.array(roof_t)


def _trunk(x: float, y: float, radius: float, top: float) -> np.ndarray:
    """Octagonal prism (16 triangles, no caps) from the ground to ``top``."""
    a = np.arange(8) * (2 * math.pi / 8)
    p = np.column_stack([x + radius * np.cos(a), y + radius * np.sin(a)])
    lo = np.column_stack([p, np.zeros(8)])
    hi = np.column_stack([p, np.full(8, top)])
    j = np.roll(np.arange(8), -1)
    return np.concatenate(
        [np.stack([lo, lo[j], hi[j]], 1), np.stack([lo, hi[j], hi], 1)]
    )


def _rect_distance(pt: np.ndarray, rects: list[tuple[float, float, float, float]]) -> float:
    """Distance (local frame) from a point to the nearest axis-aligned rectangle."""
    if not rects:
        return math.inf
    r = np.asarray(rects)
    dx = np.maximum(np.maximum(r[:, 0] - pt[0], 0.0), pt[0] - r[:, 2])
    dy = np.maximum(np.maximum(r[:, 1] - pt[1], 0.0), pt[1] - r[:, 3])
    return float(np.min(np.hypot(dx, dy)))


def _place_trees(
    rng: np.random.Generator, area: tuple[float, float, float, float], count: int,
    rmin: float, rmax: float, buildings: list, trees: list, attempts: int = 30,
) -> None:
    """Add up to ``count`` trees (u, v, crown radius) in a local rectangle, clear of
    buildings and not too close to other trees (crowns may touch, as in real streets)."""
    u0, v0, u1, v1 = area
    for _ in range(count):
        for _ in range(attempts):
            r = rng.uniform(rmin, rmax)
            if u1 - u0 < 2 or v1 - v0 < 2:
                return
            p = np.array([rng.uniform(u0, u1), rng.uniform(v0, v1)])
            if _rect_distance(p, buildings) < r + 0.5:
                continue
            if any(math.hypot(p[0] - t[0], p[1] - t[1]) < 0.8 * (r + t[2]) for t in trees):
                continue
            trees.append((float(p[0]), float(p[1]), float(r)))
            break


def _block_layout(
    rng: np.random.Generator, bu: float, bv: float
) -> tuple[str, list[tuple], list[tuple]]:
    """Buildings (u0, v0, u1, v1, height, roof kind, pitch) and trees (u, v, r) of one block
    in block coordinates [0, bu] x [0, bv]."""
    kind = rng.choice(["perimeter", "houses", "park", "industrial"], p=[0.4, 0.27, 0.13, 0.2])
    b: list[tuple] = []
    t: list[tuple] = []
    if kind == "perimeter":
        s, d = rng.uniform(3.0, 7.0), rng.uniform(11.0, 14.0)
        bars = [
            (s, s, bu - s, s + d), (s, bv - s - d, bu - s, bv - s),
            (s, s + d, s + d, bv - s - d), (bu - s - d, s + d, bu - s, bv - s - d),
        ]
        for u0, v0, u1, v1 in bars:
            roof = str(rng.choice(list(ROOF_KINDS), p=[0.4, 0.3, 0.3]))
            b.append((u0, v0, u1, v1, rng.uniform(12.0, 22.0), roof, rng.uniform(30, 40)))
        rects = [x[:4] for x in b]
        _place_trees(rng, (s + d, s + d, bu - s - d, bv - s - d), int(rng.integers(2, 6)),
                     2.5, 4.5, rects, t)
        for along in np.arange(6.0, bu - 5.0, rng.uniform(10.0, 14.0)):  # street trees
            for v in (1.8, bv - 1.8):
                r = rng.uniform(2.2, 3.5)
                p = np.array([along, v])
                if _rect_distance(p, rects) >= r + 0.5:
                    t.append((float(along), float(v), float(r)))
    elif kind == "houses":
        nu, nv = int(rng.integers(3, 5)), 2
        lu, lv = bu / nu, bv / nv
        for i in range(nu):
            for j in range(nv):
                w, h = min(rng.uniform(9.0, 12.0), lu - 4), min(rng.uniform(10.0, 13.0), lv - 6)
                cu = (i + 0.5) * lu + rng.uniform(-1.0, 1.0)
                cv = j * lv + (4.0 + h / 2 if j == 0 else lv - 4.0 - h / 2)
                b.append((cu - w / 2, cv - h / 2, cu + w / 2, cv + h / 2,
                          rng.uniform(5.5, 7.5), "roof_tile", rng.uniform(35, 45)))
        rects = [x[:4] for x in b]
        _place_trees(rng, (1.0, 1.0, bu - 1.0, bv - 1.0), nu * 2, 2.0, 3.5, rects, t)
    elif kind == "park":
        _place_trees(rng, (2.0, 2.0, bu - 2.0, bv - 2.0), int(rng.integers(12, 30)),
                     3.0, 6.0, [], t)
    else:  # industrial hall
        iu, iv = rng.uniform(5.0, 10.0), rng.uniform(5.0, 10.0)
        roof = str(rng.choice(["roof_bitumen", "roof_concrete"]))
        b.append((iu, iv, bu - iu, bv - iv, rng.uniform(8.0, 12.0), roof, 0.0))
        _place_trees(rng, (1.0, 1.0, bu - 1.0, bv - 1.0), int(rng.integers(0, 4)),
                     2.5, 4.0, [x[:4] for x in b], t)
    return str(kind), b, t


def urban_scene(folder: str | Path, seed: int = 0) -> DemoScene:
    """Write the urban demo (buildings, streets, lawns, trees, river); return its truth.

    Image grid: 100 x 100 pixels of 10 m, EPSG:32631, x 530000-531000, y 4795000-4796000.
    A street grid rotated by about 17 degrees (so edges cut pixels), blocks of perimeter
    housing, detached houses, parks or an industrial hall; a meandering river crossed by
    bridges. Elements: ground (lawn), asphalt, water, roof_tile, roof_concrete,
    roof_bitumen, wall, vegetation (translucent leaves), trunk (bark; its own element
    because wood is opaque and unlike walls). About 0.9 M triangles.
    """
    folder = Path(folder)
    rng = np.random.default_rng(seed)
    pixel = 10.0
    x0, y0 = 530000.0, 4795000.0
    extent = (x0, y0, x0 + 1000.0, y0 + 1000.0)
    margin = 50.0
    mockup = (extent[0] - margin, extent[1] - margin, extent[2] + margin, extent[3] + margin)
    writer = _ObjWriter()
    writer.add("ground", _ground_tiles(mockup, 50.0))

    # street grid in a rotated local frame centred on the image
    angle = 17.0 + rng.uniform(-3.0, 3.0)
    rot = _rot(angle)
    centre = np.array([x0 + 500.0, y0 + 500.0])
    to_world = lambda uv: np.asarray(uv, float) @ rot.T + centre  # noqa: E731
    width = 14.0
    pu, pv = 96.0 + rng.uniform(-4, 4), 112.0 + rng.uniform(-4, 4)
    ou, ov = rng.uniform(0, pu), rng.uniform(0, pv)
    half = 820.0  # covers the mock-up box's half diagonal in any rotation
    us = np.arange(-half + ou, half, pu)
    vs = np.arange(-half + ov, half, pv)
    k = 0
    for lines, z, vertical in ((us, 0.05, True), (vs, 0.06, False)):
        for c in lines:
            a, b = c - width / 2, c + width / 2
            loc = [(a, -half), (b, -half), (b, half), (a, half)] if vertical else \
                [(-half, a), (half, a), (half, b), (-half, b)]
            poly = _clip_rect(to_world(loc), mockup)
            if len(poly) >= 3 and abs(_polygon_area(poly)) > 1.0:
                k += 1
                writer.add(f"street_{k}", _fan(poly, z))

    # river: band of vertical half-width hw around a sine centre line, water 3 cm up
    xs = np.arange(mockup[0], mockup[2] + 5.0, 5.0)
    xs[-1] = mockup[2]
    yc = y0 + 380.0 + rng.uniform(-30, 30) + 45.0 * np.sin(
        2 * math.pi * (xs - x0) / 650.0 + rng.uniform(0, 2 * math.pi))
    hw = 22.0
    lo = np.column_stack([xs, yc - hw, np.full_like(xs, 0.03)])
    hi = np.column_stack([xs, yc + hw, np.full_like(xs, 0.03)])
    water = np.concatenate([np.stack([lo[:-1], lo[1:], hi[1:]], 1),
                            np.stack([lo[:-1], hi[1:], hi[:-1]], 1)])
    writer.add("river", water)

    def clear(pts: np.ndarray, buffer: float, inset: float) -> bool:
        pts = np.atleast_2d(pts)
        inside = np.all((pts[:, 0] >= mockup[0] + inset) & (pts[:, 0] <= mockup[2] - inset)
                        & (pts[:, 1] >= mockup[1] + inset) & (pts[:, 1] <= mockup[3] - inset))
        dist = np.abs(pts[:, 1] - np.interp(pts[:, 0], xs, yc))
        return bool(inside and np.all(dist > hw + buffer))

    buildings, trees, kinds = [], [], {}
    for i in range(len(us) - 1):
        for j in range(len(vs) - 1):
            bu0, bv0 = us[i] + width / 2, vs[j] + width / 2
            bu, bv = us[i + 1] - width / 2 - bu0, vs[j + 1] - width / 2 - bv0
            cw = to_world([bu0 + bu / 2, bv0 + bv / 2])
            if not clear(cw, -1e9, -80.0):  # block centre far outside the mock-up
                continue
            kind, blds, trs = _block_layout(rng, bu, bv)
            kinds[kind] = kinds.get(kind, 0) + 1
            for u0_, v0_, u1_, v1_, h, roof, pitch in blds:
                gu = np.linspace(u0_, u1_, 5) + bu0
                gv = np.linspace(v0_, v1_, 5) + bv0
                grid = to_world(np.stack(np.meshgrid(gu, gv), -1).reshape(-1, 2))
                if clear(grid, 3.0, 1.0):
                    corners = to_world([(u0_ + bu0, v0_ + bv0), (u1_ + bu0, v0_ + bv0),
                                        (u1_ + bu0, v1_ + bv0), (u0_ + bu0, v1_ + bv0)])
                    buildings.append((corners, h, roof, pitch))
            for u, v, r in trs:
                p = to_world([u + bu0, v + bv0])
                ring = p + r * np.array([[1, 0], [-1, 0], [0, 1], [0, -1], [0, 0]])
                if clear(ring, 1.0, 1.0):
                    trees.append((p[0], p[1], r))

    for n, (corners, h, roof, pitch) in enumerate(buildings, start=1):
        walls, roof_tris = _building(corners, h, ROOF_KINDS[roof][1], pitch)
        writer.add(f"wall_{n:03d}", walls)
        writer.add(f"{roof}_{n:03d}", roof_tris)

    # trees: ellipsoidal crowns filled with leaves (spherical LAD) on octagonal trunks
    nt = len(trees)
    tx = np.array([t[0] for t in trees])
    ty = np.array([t[1] for t in trees])
    tr = np.array([t[2] for t in trees])
    trz = tr * rng.uniform(1.0, 1.4, nt)  # crown vertical semi-axis
    tbole = rng.uniform(2.5, 5.0, nt)  # clear bole height
    leaf_area_total = TREE_LAD_M2_M3 * (4.0 / 3.0) * math.pi * float(np.sum(tr * tr * trz))
    leaf_area = max(0.08, leaf_area_total / URBAN_LEAF_BUDGET)
    nleaf = np.round(TREE_LAD_M2_M3 * (4.0 / 3.0) * math.pi * tr * tr * trz / leaf_area)
    nleaf = nleaf.astype(np.int64)
    owner = np.repeat(np.arange(nt), nleaf)
    m = len(owner)
    d = rng.normal(size=(m, 3))
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    d *= rng.random(m)[:, None] ** (1.0 / 3.0)  # uniform in the unit ball
    ctr = np.column_stack([tx[owner] + tr[owner] * d[:, 0], ty[owner] + tr[owner] * d[:, 1],
                           tbole[owner] + trz[owner] * (1.0 + d[:, 2])])
    leaves = leaf_triangles(ctr, sample_leaf_inclination("spherical", m, rng),
                             rng.uniform(0, 2 * math.pi, m), rng.uniform(0, 2 * math.pi, m),
                             leaf_area)
    starts = np.concatenate([[0], np.cumsum(nleaf)])
    for n in range(nt):
        name = f"tree_{n + 1:03d}"
        writer.add(f"{name}_leaves", leaves[starts[n]:starts[n + 1]])
        top = tbole[n] + trz[n]  # trunk reaches the crown centre
        writer.add(f"{name}_trunk", _trunk(tx[n], ty[n], 0.12 + 0.04 * tr[n], top))

    rows_spec = [
        ("ground", "opaque", "grass", "ground", "B8 > B4"),
        ("asphalt", "opaque", "asphalt", "street_*", ""),
        ("water", "opaque", "water", "river", "B3 > B8"),
        ("roof_tile", "opaque", "roof_tile", "roof_tile_*", ""),
        ("roof_concrete", "opaque", "roof_concrete", "roof_concrete_*", ""),
        ("roof_bitumen", "opaque", "roof_bitumen", "roof_bitumen_*", ""),
        ("wall", "opaque", "wall_plaster", "wall_*", ""),
        ("vegetation", "translucent", "tree_leaf", "tree_*_leaves", "B8 > B4"),
        ("trunk", "opaque", "bark", "tree_*_trunk", ""),
    ]
    info = {
        "street_angle_deg": angle, "n_buildings": len(buildings), "n_trees": nt,
        "n_streets": k, "block_kinds": kinds, "leaf_triangle_area_m2": leaf_area,
        "tree_leaf_area_m2": float(np.sum(nleaf) * leaf_area),
        "river_half_width_m": hw,
    }
    return _finish(
        "urban", folder, writer, rows_spec, extent=extent, mockup=mockup, pixel=pixel,
        geometry=(38.0, 160.0, 6.0, 285.0), seed=seed, plots=[], info=info,
        header=_obj_header("urban", extent, pixel),
    )
