"""Scenes for judging unmixing on images unmix3d did not render (tests and benchmarks).

A scene starts from a 1 m land-cover raster (the real Berlin layout of
``../shared/data/berlin``, or a synthetic town) with classes 1 roof, 2 pavement, 3 low
vegetation, 4 tree, 5 soil, 6 water (0, unmapped, is taken as pavement). Every connected
patch of a class gets its own material drawn from the real spectra of its class (the Berlin
urban library: a material per roof, several asphalts and concretes, grasses, soils, water
scaled to 0.01-0.03; PROSPECT-D leaves with per-band r and t, a leaf type per tree), so one
element of the element table holds many materials, as in a real city. Buildings are the roof
patches extruded to a height per building with walls; trees are crowns of small leaf
triangles above the ground. Mitsuba 3 renders the image; the per-pixel truth of each element
is the mean OP of its materials over the element's visible area in the pixel, found by
casting the sensor's rays through the mock-up.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import ndimage

from unmix3d.core.raytrace.bvh import trace_closest
from unmix3d.core.scene.elements import Element, ElementTable
from unmix3d.core.scene.mockup import mockup_from_triangles
from unmix3d.core.scene.spectra import band_average
from unmix3d.core.simulate import Geometry, PixelGrid, Scene, prepare_scene

BERLIN = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "berlin"
BANDS = ["B3", "B4", "B8"]  # green, red, NIR: one Mitsuba RGB render
X0, Y0 = 390000.0, 5810000.0  # UTM 33N, as the Berlin data
GEOMETRY = Geometry(35.0, 150.0, 0.0, 0.0)  # sun 35 deg from the south-south-east, nadir
ROOF, PAVEMENT, LOW_VEGETATION, TREE, SOIL, WATER = 1, 2, 3, 4, 5, 6
ELEMENT_OF_CLASS = {ROOF: "roof", PAVEMENT: "pavement", LOW_VEGETATION: "grass",
                    TREE: "leaves", SOIL: "soil", WATER: "water"}
LIBRARY_CLASS = {ROOF: "roof", PAVEMENT: "pavement", LOW_VEGETATION: "low vegetation",
                 SOIL: "soil", WATER: "water"}
#: PROSPECT-D leaf types of the trees (prosail keyword names)
LEAF_TYPES = [  # broadleaf trees of one street differing mostly in pigments
    dict(n=1.7, cab=45.0, car=10.0, cbrown=0.0, cw=0.012, cm=0.0080, ant=2.0),
    dict(n=1.6, cab=55.0, car=12.0, cbrown=0.0, cw=0.013, cm=0.0070, ant=1.5),
    dict(n=1.8, cab=35.0, car=9.0, cbrown=0.05, cw=0.011, cm=0.0085, ant=2.5),
]
TRUTH_RAYS = 64  # sensor rays per pixel (an 8 x 8 lattice) of the per-pixel truth


def berlin_library(bands=BANDS) -> dict[str, list[np.ndarray]]:
    """Band-averaged spectra of the Berlin urban library per land-cover class name."""
    hdr = (BERLIN / "library_berlin.hdr").read_text()
    wl = np.array([float(x) for x in re.search(r"wavelength\s*=\s*\{([^}]*)\}", hdr)
                   .group(1).split(",")])
    rows = (BERLIN / "library_berlin.csv").read_text().splitlines()[1:]
    data = np.fromfile(BERLIN / "library_berlin.sli", dtype="<f8").reshape(len(rows), wl.size)
    library: dict[str, list[np.ndarray]] = {}
    for line, spectrum in zip(rows, data, strict=True):
        cls = line.split(",")[-1].strip()
        library.setdefault(cls, []).append(
            np.array([band_average(wl, spectrum / 10000.0, b) for b in bands]))
    return library


def leaf_spectra(bands=BANDS) -> list[tuple[np.ndarray, np.ndarray]]:
    """(r, t) per band of every leaf type, from PROSPECT-D."""
    import prosail

    wl = np.arange(400, 2501) / 1000.0
    out = []
    for params in LEAF_TYPES:
        _, r, t = prosail.run_prospect(**params, prospect_version="D")
        out.append((np.array([band_average(wl, r, b) for b in bands]),
                    np.array([band_average(wl, t, b) for b in bands])))
    return out


def berlin_layout(row: int, col: int, size: int) -> np.ndarray:
    """A ``size`` m square window of the Berlin land cover, rows from north."""
    from osgeo import gdal

    data = gdal.Open(str(BERLIN / "landcover_polygon_1m.tif")).ReadAsArray(col, row, size,
                                                                            size)
    out = data.astype(np.uint8)
    out[out == 0] = PAVEMENT
    return out


def town_layout(seed: int, size: int) -> np.ndarray:
    """A synthetic town: streets, blocks of houses, gardens, tree rows and a river."""
    rng = np.random.default_rng(seed)
    cover = np.full((size, size), LOW_VEGETATION, np.uint8)
    river = int(size * rng.uniform(0.6, 0.75))
    cover[river:river + int(rng.uniform(25, 40))] = WATER
    for start in range(0, size, 60):
        cover[start:start + 8] = np.where(cover[start:start + 8] == WATER, WATER, PAVEMENT)
        cover[:, start:start + 8] = np.where(cover[:, start:start + 8] == WATER, WATER,
                                             PAVEMENT)
    for r in range(10, size - 20, 60):
        for c in range(10, size - 20, 60):
            if cover[r:r + 50, c:c + 50].max() == WATER or (cover[r:r + 50, c:c + 50]
                                                            == WATER).any():
                continue
            for _ in range(rng.integers(1, 4)):
                h, w = rng.integers(10, 24, 2)
                y, x = r + rng.integers(0, 50 - h), c + rng.integers(0, 50 - w)
                cover[y:y + h, x:x + w] = ROOF
            if rng.random() < 0.4:
                y, x = r + rng.integers(0, 40), c + rng.integers(0, 40)
                cover[y:y + 10, x:x + 10] = np.where(cover[y:y + 10, x:x + 10] == ROOF, ROOF,
                                                     SOIL)
    yy, xx = np.mgrid[:size, :size]
    for _ in range(size * size // 900):
        y, x, radius = rng.integers(0, size), rng.integers(0, size), rng.uniform(3, 7)
        disk = (yy - y) ** 2 + (xx - x) ** 2 <= radius**2
        cover[disk & (cover != ROOF) & (cover != WATER)] = TREE
    return cover


@dataclass
class IndependentScene:
    scene: Scene  # bound to the user-level element table (one element per class)
    grid: PixelGrid
    geometry: Geometry
    skyl: np.ndarray  # (bands,)
    bands: list[str]
    #: per part name: (local float32 triangles, (r (bands,), t (bands,) or None))
    parts: dict[str, tuple[np.ndarray, tuple[np.ndarray, np.ndarray | None]]]
    part_op: np.ndarray  # (parts, bands): reflectance, or albedo r + t for leaves
    truth: np.ndarray  # (bands, elements, rows, cols) per-pixel true OP, NaN where unseen


def _runs(mask: np.ndarray):
    """Row runs of True cells: (row, first col, last col + 1)."""
    for r in range(mask.shape[0]):
        row = np.concatenate([[False], mask[r], [False]])
        edges = np.flatnonzero(np.diff(row.astype(np.int8)))
        for a, b in zip(edges[::2], edges[1::2], strict=True):
            yield r, a, b


def _rectangles(mask: np.ndarray, z: float, size: int) -> list:
    """Triangles of the cells of ``mask`` (rows from north, 1 m cells) at height z, merged
    into one rectangle per row run."""
    tris = []
    for r, a, b in _runs(mask):
        y1, y0 = size - r, size - r - 1
        p, q, s, t = (a, y0, z), (b, y0, z), (b, y1, z), (a, y1, z)
        tris += [[p, q, s], [p, s, t]]
    return tris


def _walls(mask: np.ndarray, height: float, size: int) -> list:
    """Vertical quads along the outline of ``mask`` from 0 to ``height``."""
    tris = []
    padded = np.pad(mask, 1)
    for dr, dc in ((-1, 0), (1, 0), (0, -1), (0, 1)):
        edge = mask & ~padded[1 + dr:1 + dr + mask.shape[0], 1 + dc:1 + dc + mask.shape[1]]
        for r, c in zip(*np.nonzero(edge), strict=True):
            x0, x1, y0, y1 = c, c + 1, size - r - 1, size - r
            if dr == -1:
                a, b = (x0, y1), (x1, y1)
            elif dr == 1:
                a, b = (x0, y0), (x1, y0)
            elif dc == -1:
                a, b = (x0, y0), (x0, y1)
            else:
                a, b = (x1, y0), (x1, y1)
            tris += [[(*a, 0.0), (*b, 0.0), (*b, height)], [(*a, 0.0), (*b, height),
                                                            (*a, height)]]
    return tris


def _leaves(mask: np.ndarray, base: float, top: float, size: int, rng, lai: float = 2.5,
            leaf_side: float = 0.45) -> np.ndarray:
    """Small equilateral leaf triangles with uniformly random normals (spherical LAD) in a
    crown over the cells of ``mask``, ``lai`` m2 of leaf per m2 of ground."""
    cells = np.argwhere(mask)
    area = math.sqrt(3) / 4 * leaf_side**2
    per_cell = max(1, int(round(lai / area)))
    n = len(cells) * per_cell
    cell = np.repeat(cells, per_cell, axis=0)
    centre = np.column_stack([cell[:, 1] + rng.random(n), size - cell[:, 0] - rng.random(n),
                              rng.uniform(base, top, n)])
    normal = rng.normal(size=(n, 3))
    normal /= np.linalg.norm(normal, axis=1)[:, None]
    u = np.cross(normal, rng.normal(size=(n, 3)))
    u /= np.linalg.norm(u, axis=1)[:, None]
    v = np.cross(normal, u)
    radius = leaf_side / math.sqrt(3)
    corners = [centre + radius * (math.cos(a) * u + math.sin(a) * v)
               for a in (0.0, 2 * math.pi / 3, 4 * math.pi / 3)]
    return np.stack(corners, axis=1)


def build_scene(cover: np.ndarray, seed: int, margin: int = 30, pixel: float = 10.0,
                geometry: Geometry = GEOMETRY,
                skyl=(0.18, 0.15, 0.10), bands=BANDS,
                truth_rays: int = TRUTH_RAYS,
                understory: str = "nearest lawn") -> IndependentScene:
    """Mock-up, element table, materials and per-pixel truth for a land cover ``cover``
    (square, 1 m cells, rows from north); the image is the grid inside ``margin`` metres.
    ``understory``: the ground under each crown is the material of the lawn nearest to it
    ("nearest lawn", what unmixing's merge of occluded parts assumes) or a grass of its own
    ("own", drawn from a stream of its own, so that every other material is the same)."""
    if understory not in ("nearest lawn", "own"):
        raise ValueError(f"understory must be 'nearest lawn' or 'own', got {understory!r}")
    rng = np.random.default_rng(seed)
    own_rng = np.random.default_rng(seed + 1000)
    size = cover.shape[0]
    library = berlin_library(bands)
    leaves = leaf_spectra(bands)
    parts: dict[str, tuple[list | np.ndarray, tuple]] = {}
    heights = {}
    # the understory of a tree continues the lawn nearest to it
    lawn_labels, _ = ndimage.label(cover == LOW_VEGETATION)
    nearest = ndimage.distance_transform_edt(lawn_labels == 0, return_distances=False,
                                             return_indices=True)
    nearest_lawn = lawn_labels[nearest[0], nearest[1]]
    lawn_material: dict[int, np.ndarray] = {}
    for cls in (PAVEMENT, LOW_VEGETATION, SOIL, WATER, ROOF, TREE):
        labels, count = ndimage.label(cover == cls)
        for patch in range(1, count + 1):
            mask = labels == patch
            k = f"{ELEMENT_OF_CLASS[cls]}_{patch}"
            if cls == TREE:
                r, t = leaves[rng.integers(len(leaves))]
                top = rng.uniform(7.0, 16.0)
                lawns = nearest_lawn[mask]
                lawn = int(np.bincount(lawns).argmax()) if lawns.size else 0
                grasses = library["low vegetation"]
                ground = lawn_material.get(lawn)
                if ground is None:
                    ground = grasses[rng.integers(len(grasses))]
                if understory == "own":
                    ground = grasses[own_rng.integers(len(grasses))]
                parts[f"grass_under_{patch}"] = (_rectangles(mask, 0.0, size), (ground, None))
                parts[k] = (_leaves(mask, top * rng.uniform(0.3, 0.5), top, size, rng),
                            (r, t))
                continue
            spectrum = library[LIBRARY_CLASS[cls]][rng.integers(len(library[LIBRARY_CLASS[cls]]))]
            if cls == WATER:  # a dark target: 0.01-0.03 in the visible, darker in the NIR
                spectrum = spectrum * (rng.uniform(0.01, 0.03) / spectrum[0])
            if cls == ROOF:
                heights[patch] = rng.uniform(6.0, 25.0)
                parts[k] = (_rectangles(mask, heights[patch], size), (spectrum, None))
                wall = library["pavement"][rng.integers(len(library["pavement"]))]
                parts[f"wall_{patch}"] = (_walls(mask, heights[patch], size), (wall, None))
            else:
                parts[k] = (_rectangles(mask, 0.0, size), (spectrum, None))
                if cls == LOW_VEGETATION:
                    lawn_material[patch] = spectrum
    parts = {k: v for k, v in parts.items() if len(v[0])}
    names = list(parts)
    triangles = np.concatenate([np.asarray(parts[n][0], np.float64) for n in names])
    triangles[..., 0] += X0
    triangles[..., 1] += Y0
    part_of_triangle = np.concatenate([np.full(len(parts[n][0]), i)
                                       for i, n in enumerate(names)])
    mockup = mockup_from_triangles(triangles, part_of_triangle, names)
    part_op = np.array([rt[0] + (rt[1] if rt[1] is not None else 0.0)
                        for _, rt in parts.values()])
    table = _element_table(names, parts, part_op, bands)
    scene = prepare_scene(mockup, table)
    n_px = (size - 2 * margin) / pixel
    grid = PixelGrid(X0 + margin, Y0 + size - margin, pixel, pixel, int(n_px), int(n_px))
    local = mockup.triangles
    local_parts = {n: (local[part_of_triangle == i], (parts[n][1][0], parts[n][1][1]))
                   for i, n in enumerate(names)}
    truth = true_op_maps(scene, part_of_triangle, part_op, grid, geometry, truth_rays)
    return IndependentScene(scene, grid, geometry, np.asarray(skyl, float), list(bands),
                            local_parts, part_op, truth)


def _element_table(names, parts, part_op, bands) -> ElementTable:
    """The table a user would write: one element per class, matched by prefix; initial OPs
    the mean of the class's materials; leaves with the mean r/t ratio of the leaf types."""
    rows = []
    for element in ("pavement", "grass", "soil", "water", "roof", "wall", "leaves"):
        members = [i for i, n in enumerate(names) if n.split("_")[0] == element]
        if not members:
            continue
        op = dict(zip(bands, part_op[members].mean(axis=0), strict=True))
        if element == "leaves":
            r = np.mean([parts[names[i]][1][0] for i in members], axis=0)
            t = np.mean([parts[names[i]][1][1] for i in members], axis=0)
            row = Element(element, [f"{element}_*"], "translucent", rt_ratio=1.0, op=op)
            row.rt_ratio_by_band = dict(zip(bands, r / t, strict=True))
        else:
            row = Element(element, [f"{element}_*"], "opaque", op=op)
        rows.append(row)
    return ElementTable(rows, list(bands))


def leaf_type_scene(s: IndependentScene) -> tuple[Scene, np.ndarray]:
    """The table of a user who knows each tree's species: one leaf element per leaf type
    (``leaves<k>``, listing its crowns, with that type's own r/t ratio per band), the other
    elements as in ``s``; -> (scene, per-pixel truth)."""
    types = leaf_spectra(s.bands)
    rows = []
    for element in s.scene.elements.elements:
        if element.name != "leaves":
            rows.append(element)
            continue
        for k, (r, t) in enumerate(types):
            members = [name for name, (_, (part_r, _)) in s.parts.items()
                       if name.startswith("leaves_") and np.allclose(part_r, r)]
            if not members:
                continue
            row = Element(f"leaves{k}", members, "translucent", rt_ratio=1.0,
                          op=dict(element.op))
            row.rt_ratio_by_band = dict(zip(s.bands, r / t, strict=True))
            rows.append(row)
    scene = prepare_scene(s.scene.mockup, ElementTable(rows, list(s.bands)))
    truth = true_op_maps(scene, s.scene.mockup.part_of_triangle, s.part_op, s.grid,
                         s.geometry, TRUTH_RAYS)
    return scene, truth


def true_op_maps(scene: Scene, part_of_triangle, part_op, grid: PixelGrid,
                 geometry: Geometry, rays_per_axis_cell: int) -> np.ndarray:
    """Per pixel, each element's mean OP over its visible area: sensor rays on a regular
    sub-pixel lattice, first hits, the hit part's OP averaged per element."""
    origin = scene.mockup.origin
    n = int(math.sqrt(rays_per_axis_cell))
    offsets = (np.arange(n) + 0.5) / n
    cols, rows = grid.cols, grid.rows
    u = (np.arange(cols)[:, None] + offsets[None]).ravel()  # sub-columns
    v = (np.arange(rows)[:, None] + offsets[None]).ravel()
    uu, vv = np.meshgrid(u, v)
    z_ref = scene.mockup.world_bounds()[0][2] - origin[2]
    ground = np.column_stack([grid.x_min - origin[0] + uu.ravel() * grid.pixel_width,
                              grid.y_max - origin[1] - vv.ravel() * grid.pixel_height,
                              np.full(uu.size, z_ref)])
    view = geometry.view
    top = scene.mockup.local_bounds()[1][2] + 1.0
    lift = (top - z_ref) / view[2]
    t, hit = trace_closest(scene.bvh, ground + lift * view, np.broadcast_to(-view, ground.shape),
                           0.0, 1e7)
    element_of_part = np.array([scene.triangle_element[np.flatnonzero(part_of_triangle == p)[0]]
                                for p in range(len(part_op))])
    n_elements = len(scene.elements.elements)
    bands = part_op.shape[1]
    sums = np.zeros((bands, n_elements, rows * cols))
    counts = np.zeros((n_elements, rows * cols))
    pixel = ((vv.ravel() // 1).astype(int) * cols + (uu.ravel() // 1).astype(int))
    seen = hit >= 0
    part = part_of_triangle[hit[seen]]
    element = element_of_part[part]
    np.add.at(counts, (element, pixel[seen]), 1.0)
    for b in range(bands):
        np.add.at(sums[b], (element, pixel[seen]), part_op[part, b])
    with np.errstate(invalid="ignore", divide="ignore"):
        truth = sums / counts[None]
    return truth.reshape(bands, n_elements, rows, cols)


def render_image(s: IndependentScene, renders: int, samples: int, seed: int = 0):
    """Mitsuba 3 image (bands, rows, cols) and its standard error."""
    from mitsuba_render import mitsuba_scene, render

    z_ref = s.scene.mockup.world_bounds()[0][2]
    mscene = mitsuba_scene(s.scene.mockup, s.parts, s.grid, s.geometry, s.skyl, z_ref,
                           samples)
    return render(mscene, renders, samples, seed0=seed)
