"""A small virtual experiment in the spirit of 3D-Diff's (METHOD.md section 2): crowns of two
leaf types (translucent leaf triangles) over an opaque understory layer and soil, in a
periodic 40 m x 40 m scene. Used by the tests, the benchmark and anyone who wants to try the
retrieval without data.

Truth spectra: the two leaf types are PROSPECT-D leaves (``prospect.LeafModel``), the soil
and the understory are band-averaged library spectra from ``scene.spectra``.
"""

from __future__ import annotations

import numpy as np

from ..scene.elements import Element, ElementTable
from ..scene.mockup import mockup_from_triangles
from ..scene.spectra import MATERIALS, S2_BANDS
from ..simulate import PixelGrid, Scene, prepare_scene

X0, Y0 = 500000.0, 4800000.0
SIZE = 40.0
#: Sentinel-2 bands of the experiment (B1 and B9 are atmospheric bands, left out).
BANDS = ("B2", "B3", "B4", "B5", "B6", "B7", "B8", "B8A", "B11", "B12")
#: PROSPECT-D parameters of the two leaf types (prosail keyword names).
LEAF_PARAMETERS = {
    "leaf_a": dict(n=1.6, cab=45.0, car=10.0, ant=2.0, cbrown=0.0, cw=0.012, cm=0.006),
    "leaf_b": dict(n=1.9, cab=25.0, car=6.0, ant=1.0, cbrown=0.0, cw=0.008, cm=0.009),
}


def _rectangle(x0, y0, x1, y1, z):
    a, b, c, d = (x0, y0, z), (x1, y0, z), (x1, y1, z), (x0, y1, z)
    return [[a, b, c], [a, c, d]]


def _crown(rng, centre, radius, depth, leaves, leaf_size):
    """Random leaf triangles filling an ellipsoid (horizontal radius, vertical half-depth)."""
    points = []
    while len(points) < leaves:
        p = rng.uniform(-1, 1, 3)
        if p @ p <= 1:
            points.append(p)
    points = np.asarray(points) * [radius, radius, depth] + centre
    return points[:, None, :] + rng.uniform(-leaf_size, leaf_size, (leaves, 3, 3))


def crown_layout():
    """(leaf type, centre x, centre y, crown base height) of the six crowns, local metres."""
    return [("leaf_a", 9, 10, 4.0), ("leaf_a", 30, 14, 5.0), ("leaf_a", 18, 31, 4.5),
            ("leaf_b", 28, 31, 3.5), ("leaf_b", 8, 25, 3.0), ("leaf_b", 20, 18, 3.8)]


def virtual_forest_parts(leaves_per_crown: int = 1000, seed: int = 0) -> dict[str, np.ndarray]:
    """Mock-up parts (world coordinates): soil, understory patches, two crown groups."""
    rng = np.random.default_rng(seed)
    parts = {"soil": _rectangle(X0, Y0, X0 + SIZE, Y0 + SIZE, 0.0)}
    understory = []
    for x0, y0, x1, y1 in ((2, 2, 16, 14), (24, 6, 38, 20), (4, 22, 14, 36), (20, 26, 34, 38)):
        understory += _rectangle(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1, 0.4)
    parts["understory"] = understory
    crowns: dict[str, list] = {"leaf_a": [], "leaf_b": []}
    for kind, cx, cy, base in crown_layout():
        radius, depth = (5.0, 2.5) if kind == "leaf_a" else (4.0, 2.0)
        centre = np.array([X0 + cx, Y0 + cy, base + depth])
        crowns[kind].append(_crown(rng, centre, radius, depth, leaves_per_crown, 0.35))
    for kind, pieces in crowns.items():
        parts[f"crown_{kind}"] = np.concatenate(pieces)
    return {name: np.asarray(value, dtype=np.float64) for name, value in parts.items()}


def virtual_forest_elements() -> ElementTable:
    """Element table: soil and understory opaque, two translucent leaf types (OPs are the
    truth albedos; the retrieval starts from its own prior)."""
    from .prospect import LeafModel

    model = LeafModel(BANDS)
    rows = [Element("soil", ["soil"], "opaque", op=dict(zip(BANDS, truth_opaque("soil"),
                                                            strict=True))),
            Element("understory", ["understory"], "opaque",
                    op=dict(zip(BANDS, truth_opaque("understory"), strict=True)))]
    for name, params in LEAF_PARAMETERS.items():
        r, t = model.spectra(params)
        rows.append(Element(name, [f"crown_{name}"], "translucent",
                            rt_ratio=float(r.sum() / t.sum()),
                            op=dict(zip(BANDS, (r + t).tolist(), strict=True))))
    return ElementTable(rows, list(BANDS))


def truth_opaque(name: str) -> np.ndarray:
    source = {"soil": "soil_dry", "understory": "grass"}[name]
    values = dict(zip(S2_BANDS, MATERIALS[source], strict=True))
    return np.array([values[b] for b in BANDS])


def truth_variables(scene: Scene) -> np.ndarray:
    """(bands, variables): the true r and t of every element."""
    from .prospect import LeafModel

    model = LeafModel(BANDS)
    names = scene.elements.names
    r = np.zeros((len(BANDS), len(names)))
    t = np.zeros_like(r)
    for i, name in enumerate(names):
        if name in LEAF_PARAMETERS:
            r[:, i], t[:, i] = model.spectra(LEAF_PARAMETERS[name])
        else:
            r[:, i] = truth_opaque(name)
    return scene.variables(r, t)


def virtual_forest(leaves_per_crown: int = 1000, seed: int = 0) -> Scene:
    parts = virtual_forest_parts(leaves_per_crown, seed)
    names = list(parts)
    triangles = np.concatenate([parts[n] for n in names])
    part = np.concatenate([np.full(len(parts[n]), i) for i, n in enumerate(names)])
    return prepare_scene(mockup_from_triangles(triangles, part, names),
                         virtual_forest_elements())


def grid(pixel: float) -> PixelGrid:
    n = int(round(SIZE / pixel))
    return PixelGrid(X0, Y0 + SIZE, pixel, pixel, n, n)


#: (sun zenith, sun azimuth, view zenith, view azimuth), degrees. One date: the sun at 30
#: degrees, three views (nadir, 40 degrees forward and backward along the sun's plane).
GEOMETRIES = ((30.0, 150.0, 0.0, 0.0), (30.0, 150.0, 40.0, 150.0), (30.0, 150.0, 40.0, 330.0))
#: A second date, sun at 55 degrees: nadir, and 40 degrees towards the sun, where the
#: crowns are seen lit from behind and leaf transmittance weighs most.
SECOND_DATE = ((55.0, 150.0, 0.0, 0.0), (55.0, 150.0, 40.0, 150.0))
FINE_PIXEL = 0.5


def skyl(sun_zenith: float = 30.0) -> np.ndarray:
    """Per-band skylight ratio of a clear sky with the sun at ``sun_zenith`` degrees."""
    from ..scene.spectra import skyl_clear_sky

    values = skyl_clear_sky(sun_zenith)
    return np.array([values[b] for b in BANDS])


def observations(scene: Scene, truth_samples: int = 128, model_samples: int = 128,
                 geometries=GEOMETRIES, truth_seed: int = 990, model_seed: int = 10):
    """Per geometry: the truth image at 0.5 m (its own trace, another seed, evaluated at the
    true spectra) and the retrieval's trace (with ``batches_for`` batches, as
    ``run.run_retrieve``). Returns [(truth image, model trace)] and the seconds spent tracing
    the models."""
    import time

    from ..simulate import Geometry, batches_for, trace

    x = truth_variables(scene)
    out, seconds = [], 0.0
    for k, angles in enumerate(geometries):
        geometry = Geometry(*angles)
        truth = trace(scene, grid(FINE_PIXEL), geometry, samples=truth_samples,
                      seed=truth_seed + k)
        image, _ = truth.reflectance(x, skyl(angles[0]))
        start = time.perf_counter()
        model = trace(scene, grid(FINE_PIXEL), geometry, samples=model_samples,
                      seed=model_seed + k, batches=batches_for(model_samples))
        seconds += time.perf_counter() - start
        out.append((image, model))
    return out, seconds


def block_mean(image: np.ndarray, factor: int) -> np.ndarray:
    bands, rows, cols = image.shape
    return image.reshape(bands, rows // factor, factor, cols // factor, factor).mean(axis=(2, 4))


def views_at(observed, pixel: float, count: int | None = None):
    """Views at ``pixel`` metres from 0.5 m observations: images and polynomials block
    averaged (a pixel's value is the mean over its footprint, so this is exact)."""
    from .loss import View

    factor = int(round(pixel / FINE_PIXEL))
    views = []
    for k, (image, model) in enumerate(observed[:count]):
        poly = model.polynomials if factor == 1 else model.polynomials.aggregate(factor)
        coarse = image if factor == 1 else block_mean(image, factor)
        views.append(View(poly, coarse, np.ones(coarse.shape[1:], bool),
                          skyl(model.geometry.sun_zenith),
                          name=f"view {k + 1} at {pixel:g} m"))
    return views


# --- crowns over buildings (issue 15): ground, roofs, walls and leaf-triangle crowns -------
#: Bands of the urban experiment: red, NIR and SWIR (the NIR is where leaves scatter most).
URBAN_BANDS = ("B4", "B8", "B11")
URBAN_SIZE = 30.0
#: The crowns' leaves (PROSPECT-D, a broadleaf tree in summer).
URBAN_LEAF = dict(n=1.7, cab=45.0, car=10.0, ant=2.0, cbrown=0.0, cw=0.012, cm=0.008)
#: Opaque truths per band (B4, B8, B11): a lawn-and-soil ground, tiled roofs, bright walls.
URBAN_OPAQUE = {"ground": (0.10, 0.28, 0.30), "roof": (0.09, 0.21, 0.35),
                "wall": (0.22, 0.35, 0.40)}


def _box_faces(x0, y0, x1, y1, height):
    roof = _rectangle(x0, y0, x1, y1, height)
    walls = []
    for (ax, ay), (bx, by) in (((x0, y0), (x1, y0)), ((x1, y0), (x1, y1)),
                               ((x1, y1), (x0, y1)), ((x0, y1), (x0, y0))):
        walls += [[(ax, ay, 0.0), (bx, by, 0.0), (bx, by, height)],
                  [(ax, ay, 0.0), (bx, by, height), (ax, ay, height)]]
    return roof, walls


def crowns_over_buildings_parts(leaves_per_crown: int = 900, seed: int = 0):
    """Two buildings (8 m and 6 m tall) and three crowns, one overhanging a roof and one
    beside a wall, in a periodic 30 m x 30 m block (world coordinates)."""
    rng = np.random.default_rng(seed)
    roofs, walls = [], []
    for x0, y0, x1, y1, height in ((3, 4, 13, 14, 8.0), (17, 16, 27, 24, 6.0)):
        roof, wall = _box_faces(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1, height)
        roofs += roof
        walls += wall
    crowns = [_crown(rng, np.array([X0 + cx, Y0 + cy, cz]), radius, depth,
                     leaves_per_crown, 0.35)
              for cx, cy, cz, radius, depth in ((21, 7, 6.0, 4.5, 3.0),
                                                (12, 22, 7.0, 4.5, 3.0),
                                                (24, 26, 9.0, 3.5, 2.5))]
    parts = {"ground": _rectangle(X0, Y0, X0 + URBAN_SIZE, Y0 + URBAN_SIZE, 0.0),
             "roof": roofs, "wall": walls, "leaf": np.concatenate(crowns)}
    return {name: np.asarray(value, dtype=np.float64) for name, value in parts.items()}


def urban_truth_spectra() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Element -> (r, t) per URBAN_BANDS (t = 0 for opaque elements)."""
    from .prospect import LeafModel

    r, t = LeafModel(URBAN_BANDS).spectra(URBAN_LEAF)
    out = {name: (np.array(v), np.zeros(len(v))) for name, v in URBAN_OPAQUE.items()}
    out["leaf"] = (np.asarray(r), np.asarray(t))
    return out


def urban_elements(factors=(1.3, 0.75, 1.2)) -> ElementTable:
    """Element table with the truth times ``factors`` per band as start values (leaf
    albedo times the factor, split at r/t = 1: the start knows nothing of the ratio)."""
    rows = []
    for name, (r, t) in urban_truth_spectra().items():
        op = {b: float(min((r[k] + t[k]) * factors[k], 0.98))
              for k, b in enumerate(URBAN_BANDS)}
        kind = "translucent" if name == "leaf" else "opaque"
        rows.append(Element(name, [name], kind, rt_ratio=1.0 if kind == "translucent"
                            else None, op=op))
    return ElementTable(rows, list(URBAN_BANDS))


def crowns_over_buildings(leaves_per_crown: int = 900, seed: int = 0,
                          factors=(1.3, 0.75, 1.2)) -> Scene:
    parts = crowns_over_buildings_parts(leaves_per_crown, seed)
    names = list(parts)
    triangles = np.concatenate([parts[n] for n in names])
    part = np.concatenate([np.full(len(parts[n]), i) for i, n in enumerate(names)])
    return prepare_scene(mockup_from_triangles(triangles, part, names),
                         urban_elements(factors))


def urban_truth_variables(scene: Scene) -> np.ndarray:
    """(bands, variables): the true r and t of every element of the urban scene."""
    spectra = urban_truth_spectra()
    names = scene.elements.names
    r = np.array([spectra[n][0] for n in names]).T
    t = np.array([spectra[n][1] for n in names]).T
    return scene.variables(r, t)


def urban_grid(pixel: float = 1.0) -> PixelGrid:
    n = int(round(URBAN_SIZE / pixel))
    return PixelGrid(X0, Y0 + URBAN_SIZE, pixel, pixel, n, n)


def urban_skyl(sun_zenith: float = 30.0) -> np.ndarray:
    from ..scene.spectra import skyl_clear_sky

    values = skyl_clear_sky(sun_zenith)
    return np.array([values[b] for b in URBAN_BANDS])
