"""Small analytic test scenes built in memory (world coordinates at realistic UTM values)."""

from __future__ import annotations

import numpy as np

from unmix3d.core.scene.elements import Element, ElementTable
from unmix3d.core.scene.mockup import mockup_from_triangles
from unmix3d.core.simulate import PixelGrid, prepare_scene

X0, Y0 = 500000.0, 4800000.0


def rectangle(x0, y0, x1, y1, z):
    """Two triangles covering an axis-aligned horizontal rectangle at height z."""
    a, b, c, d = (x0, y0, z), (x1, y0, z), (x1, y1, z), (x0, y1, z)
    return [[a, b, c], [a, c, d]]


def box_faces(x0, y0, x1, y1, z0, z1):
    """Roof and four walls of a box as (roof triangles, wall triangles)."""
    roof = rectangle(x0, y0, x1, y1, z1)
    walls = []
    for (ax, ay), (bx, by) in (((x0, y0), (x1, y0)), ((x1, y0), (x1, y1)),
                               ((x1, y1), (x0, y1)), ((x0, y1), (x0, y0))):
        walls += [[(ax, ay, z0), (bx, by, z0), (bx, by, z1)],
                  [(ax, ay, z0), (bx, by, z1), (ax, ay, z1)]]
    return roof, walls


def table(*elements: tuple[str, str, dict, float | None]) -> ElementTable:
    """Elements as (name, type, {band: OP}, rt_ratio); each matches the part of its name."""
    rows = [Element(name, [name], kind, rt_ratio=ratio, op=op)
            for name, kind, op, ratio in elements]
    bands = sorted({band for _, _, op, _ in elements for band in op})
    return ElementTable(rows, bands)


def build(parts: dict[str, list], elements: ElementTable):
    names = list(parts)
    triangles = np.concatenate([np.asarray(parts[n], dtype=np.float64) for n in names])
    part = np.concatenate([np.full(len(parts[n]), i) for i, n in enumerate(names)])
    return prepare_scene(mockup_from_triangles(triangles, part, names), elements)


def plane_scene(rho: float, size: float = 100.0):
    parts = {"ground": rectangle(X0, Y0, X0 + size, Y0 + size, 35.0)}
    return build(parts, table(("ground", "opaque", {"B1": rho}, None)))


def sheet_scene(size: float = 40.0, height: float = 5.0):
    """A horizontal translucent sheet above the ground: BRF = r + t^2 g / (1 - r g)."""
    parts = {
        "ground": rectangle(X0, Y0, X0 + size, Y0 + size, 0.0),
        "leaf": rectangle(X0, Y0, X0 + size, Y0 + size, height),
    }
    elements = table(("ground", "opaque", {"B1": 0.3}, None),
                     ("leaf", "translucent", {"B1": 0.9}, 1.0))
    return build(parts, elements)


def grid_over(size: float, pixel: float) -> PixelGrid:
    n = int(round(size / pixel))
    return PixelGrid(X0, Y0 + size, pixel, pixel, n, n)


def leaf_cloud_scene(n_leaves: int = 400, size: float = 20.0, seed: int = 0):
    """Random small translucent leaves above a ground, for energy and gradient tests."""
    rng = np.random.default_rng(seed)
    centres = np.column_stack([X0 + rng.uniform(1, size - 1, n_leaves),
                               Y0 + rng.uniform(1, size - 1, n_leaves),
                               rng.uniform(1, 6, n_leaves)])
    leaves = centres[:, None, :] + rng.uniform(-0.7, 0.7, (n_leaves, 3, 3))
    parts = {"ground": rectangle(X0, Y0, X0 + size, Y0 + size, 0.0), "leaf": leaves.tolist()}
    elements = table(("ground", "opaque", {"B1": 0.25, "B2": 0.4}, None),
                     ("leaf", "translucent", {"B1": 0.2, "B2": 0.9}, 1.2))
    return build(parts, elements)
