"""The urban demo: a rotated street grid with buildings (three roof materials, walls),
streets, lawns, trees with leaf-triangle crowns on octagonal trunks, and a river."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ...raytrace.lad import sample_leaf_inclination
from ..leaves import leaf_triangles
from .common import (
    PIXEL_M,
    DemoScene,
    clip_rect,
    fan,
    finish,
    obj_header,
    polygon_area,
    rotation,
    start_scene,
)

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
    pixel = PIXEL_M
    x0, y0 = 530000.0, 4795000.0
    extent, mockup, writer = start_scene(x0, y0)

    # street grid in a rotated local frame centred on the image
    angle = 17.0 + rng.uniform(-3.0, 3.0)
    rot = rotation(angle)
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
            poly = clip_rect(to_world(loc), mockup)
            if len(poly) >= 3 and abs(polygon_area(poly)) > 1.0:
                k += 1
                writer.add(f"street_{k}", fan(poly, z))

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
    return finish(
        "urban", folder, writer, rows_spec, extent=extent, mockup=mockup, pixel=pixel,
        geometry=(38.0, 160.0, 6.0, 285.0), seed=seed, plots=[], info=info,
        header=obj_header("urban", extent, pixel),
    )
