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


def mockup_from_parts(parts: dict[str, list]):
    """A mock-up with one part per name of ``parts`` (name -> triangles)."""
    names = list(parts)
    triangles = np.concatenate([np.asarray(parts[n], dtype=np.float64) for n in names])
    part = np.concatenate([np.full(len(parts[n]), i) for i, n in enumerate(names)])
    return mockup_from_triangles(triangles, part, names)


def build(parts: dict[str, list], elements: ElementTable):
    return prepare_scene(mockup_from_parts(parts), elements)


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


def closed_box(x0, y0, x1, y1, z0, z1, flip_some=False):
    """The 12 triangles of a box's surface, outward winding (``flip_some``: every third
    triangle wound the other way, as careless exporters do)."""
    c = [(x, y, z) for z in (z0, z1) for y in (y0, y1) for x in (x0, x1)]
    quads = [(0, 2, 3, 1), (4, 5, 7, 6), (0, 1, 5, 4), (2, 6, 7, 3), (0, 4, 6, 2),
             (1, 3, 7, 5)]
    tris = []
    for a, b, cc, d in quads:
        tris += [[c[a], c[b], c[cc]], [c[a], c[cc], c[d]]]
    if flip_some:
        tris = [t[::-1] if i % 3 == 0 else t for i, t in enumerate(tris)]
    return tris


SLAB_INSET = 1e-5  # metres between a slab's sides and the periodic box's (see boundary notes)


def turbid_slab_scene(lai: float, lad: str = "spherical", size: float = 20.0,
                      height: float = 2.0, base: float = 0.05, flip_some: bool = False,
                      soil: float = 0.2, albedo: float = 0.9):
    """A homogeneous turbid slab (LAI over the whole plane, inset 10 um from the periodic
    box's sides) above a Lambertian ground: the 1-D canopy of SAIL."""
    inset = SLAB_INSET
    parts = {
        "ground": rectangle(X0, Y0, X0 + size, Y0 + size, 0.0),
        "canopy": closed_box(X0 + inset, Y0 + inset, X0 + size - inset, Y0 + size - inset,
                             base, base + height, flip_some),
    }
    elements = table(("ground", "opaque", {"B1": soil}, None),
                     ("canopy", "turbid", {"B1": albedo}, 1.0))
    elements.elements[1].leaf_area_density = [("*", lai / height)]
    elements.elements[1].lad = [("*", lad)]
    return build(parts, elements)
