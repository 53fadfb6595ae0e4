"""The vegetation demo, after the US-DART paper's schematic scene (METHOD.md, scene a):
three maize plots at three growth stages (LAI, leaf angle distribution, height differ) and
three bare-soil plots on flat soil. Elements: ``ground`` and ``vegetation`` (turbid plots,
or free leaf triangles)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ...raytrace.lad import sample_leaf_inclination
from ..leaves import leaf_triangles
from .common import (
    PIXEL_M,
    DemoScene,
    PlotInfo,
    clip_halfplane,
    fan,
    finish,
    in_convex,
    obj_header,
    polygon_area,
    rotation,
    start_scene,
)

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
    poly = local @ rotation(angle).T + np.asarray(centre, float)
    if polygon_area(poly) < 0:
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
    area = polygon_area(poly)
    if not gaps:
        return area
    a = math.radians(gaps["angle_deg"])
    u_dir = np.array([math.cos(a), math.sin(a)])
    u = poly @ u_dir - gaps["u0_m"]
    per, w = gaps["period_m"], gaps["width_m"]
    for k in range(int(math.floor(u.min() / per)) - 1, int(math.ceil(u.max() / per)) + 1):
        lo = gaps["u0_m"] + k * per
        strip = clip_halfplane(poly, u_dir, lo + w)
        strip = clip_halfplane(strip, -u_dir, -lo)
        if len(strip) >= 3:
            area -= polygon_area(strip)
    return area


def _sample_in_plot(
    poly: np.ndarray, gaps: dict | None, n: int, rng: np.random.Generator
) -> np.ndarray:
    lo, hi = poly.min(0), poly.max(0)
    out, have = [], 0
    while have < n:
        m = int((n - have) * 1.6) + 64
        p = lo + (hi - lo) * rng.random((m, 2))
        p = p[in_convex(poly, p) & ~_in_gap(p, gaps)]
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
        strip = clip_halfplane(poly, u_dir, lo + per - w)
        strip = clip_halfplane(strip, -u_dir, -lo)
        if len(strip) >= 3 and polygon_area(strip) > 1e-6:
            pieces.append(strip)
    return pieces


def _prism(poly2d: np.ndarray, z0: float, z1: float) -> np.ndarray:
    """Closed surface of a vertical prism over a convex CCW polygon, outward winding."""
    top = fan(poly2d, z1)
    bottom = fan(poly2d[::-1], z0)
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
    pixel = PIXEL_M
    x0, y0 = 500000.0, 4799000.0
    extent, mockup, writer = start_scene(x0, y0)
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
            writer.add(group, fan(poly, 0.02))
            plots.append(PlotInfo(
                group, kind, "", [tuple(map(float, p)) for p in poly], polygon_area(poly),
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
    return finish(
        "vegetation", folder, writer, rows_spec, extent=extent, mockup=mockup, pixel=pixel,
        geometry=(32.0, 152.0, 4.0, 105.0), seed=seed, plots=plots,
        info={"layout": "3 maize plots (early, mid, late) and 3 bare plots on dry soil",
              "vegetation_as": vegetation_as},
        header=obj_header("vegetation", extent, pixel),
    )
