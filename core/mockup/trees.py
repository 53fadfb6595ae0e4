"""Trees: ellipsoidal crowns filled with free leaf triangles (normals from the LAD) or a
closed ellipsoid mesh holding a turbid medium, on closed octagonal trunks. Groups
``tree_<i>_leaves`` / ``tree_<i>_crown`` / ``tree_<i>_trunk`` (or ``<class>_<i>_...``), or
one per element."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..raytrace.lad import sample_leaf_inclination
from ..scene.leaves import leaf_triangles
from .ground import Ground
from .inputs import (
    BuildError,
    BuildOptions,
    TreeInput,
    check_canceled,
    element_name,
    report_progress,
)
from .table import group_pattern

TRUNK_SIDES = 8
CROWN_LATITUDES, CROWN_LONGITUDES = 6, 12


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


def unit_sphere() -> tuple[np.ndarray, np.ndarray]:
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


def triangle_count(t: PreparedTrees, tree_mode: str) -> int:
    """Leaf triangles (or crown meshes) plus trunks, before anything is written."""
    if tree_mode == "turbid":
        count = len(t.x) * len(unit_sphere()[1])
    else:
        count = int(t.leaves.sum())
    return int(count + (t.trunk_top > 0).sum() * TRUNK_TRIANGLES)


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


def write_trees(stream, t: PreparedTrees, options, elements, per_object, progress,
                is_canceled) -> dict:
    rng = np.random.default_rng(options.seed)
    n = len(t.x)
    leaf_area: dict[str, float] = {}
    crown_volume: dict[str, float] = {}
    turbid = options.tree_mode == "turbid"
    sphere_v, sphere_f = unit_sphere()
    # scale the polyhedron so that its volume is the ellipsoid's
    sphere_v = sphere_v * (4.0 / 3.0 * math.pi / _mesh_volume(sphere_v, sphere_f)) ** (1 / 3)
    max_leaves = 500_000
    start = 0
    while start < n:
        check_canceled(is_canceled)
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
                elements.add(element, "turbid", group_pattern(prefix, "_crown", per_object))
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
                                     group_pattern(prefix, "_leaves", per_object))
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
                         group_pattern("tree", "_trunk", per_object))
        if pieces:
            offsets = np.cumsum([0] + [len(v) for v, _ in pieces[:-1]])
            stream.add(np.concatenate([v for v, _ in pieces]),
                       np.concatenate([f + o for (_, f), o in zip(pieces, offsets, strict=True)]),
                       groups, np.concatenate(piece_group), group_element)
        start = stop
        report_progress(progress, 0.6 + 0.3 * stop / max(n, 1), "trees")
    return {"counts": t.counts, "built": n, "mode": options.tree_mode,
            "leaf_area_m2": {k: round(v, 4) for k, v in leaf_area.items()},
            "crown_volume_m3": {k: round(v, 4) for k, v in crown_volume.items()},
            "leaf_area_density_m2_m3": options.leaf_area_density,
            "leaf_size_m2": options.leaf_size, "lad": options.lad}
