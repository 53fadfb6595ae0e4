"""The forward model as users run it: a scene, a grid and OPs (table or OP maps) in, the
reflectance image, its standard error, element fractions and gradients out."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .raster_io import read_raster
from .simulate import (
    Geometry,
    PixelGrid,
    Scene,
    Trace,
    albedo_gradients,
    batches_for,
    check_overlap,
    evaluate_op_maps,
    trace,
)


@dataclass
class SimulationProducts:
    reflectance: np.ndarray  # (bands, rows, cols) BRF
    stderr: np.ndarray  # (bands, rows, cols) Monte Carlo standard error
    fractions: np.ndarray  # (elements, rows, cols) visible fraction of each element
    sunlit_fractions: np.ndarray  # (elements, rows, cols)
    op_gradients: np.ndarray | None  # (bands, elements, rows, cols) dR/dOP
    variable_gradients: np.ndarray | None  # (bands, variables, rows, cols) dR/dr, dR/dt
    trace: Trace


def table_op_maps(scene: Scene, bands: list[str], shape: tuple[int, int]) -> np.ndarray:
    """The element table's OPs as uniform maps (bands, elements, rows, cols)."""
    scene.elements.require_bands(bands)
    ops = np.array([[e.op[band] for e in scene.elements.elements] for band in bands])
    return np.broadcast_to(ops[:, :, None, None], ops.shape + shape).copy()


def read_op_maps(folder: str, scene: Scene, bands: list[str], grid: PixelGrid) -> np.ndarray:
    """OP maps ``<element>.tif`` from ``folder`` -> (bands, elements, rows, cols), NaN where a
    map is NoData or absent. Bands are matched by name; maps must lie on ``grid``."""
    names = scene.elements.names
    op = np.full((len(bands), len(names), grid.rows, grid.cols), np.nan)
    found = 0
    for i, name in enumerate(names):
        path = os.path.join(folder, f"{name}.tif")
        if not os.path.exists(path):
            continue
        raster = read_raster(path)
        if raster.shape != (grid.rows, grid.cols) or not np.allclose(
            raster.geotransform, grid.geotransform, atol=1e-6
        ):
            raise ValueError(f"OP map {path} is not on the simulation grid "
                             f"({grid.cols} x {grid.rows} pixels at {grid.geotransform})")
        for b, band in enumerate(bands):
            if band not in raster.band_names:
                raise ValueError(f"OP map {path} has no band named {band} "
                                 f"(its bands: {', '.join(raster.band_names)})")
            k = raster.band_names.index(band)
            op[b, i] = np.where(raster.valid[k], raster.data[k], np.nan)
        found += 1
    if found == 0:
        raise ValueError(f"{folder} holds no OP map named after an element "
                         f"({', '.join(n + '.tif' for n in names)})")
    return op


def fill_from_table(op: np.ndarray, scene: Scene, bands: list[str]) -> np.ndarray:
    """Replace NaN OPs by the table's value for that element and band."""
    filled = op.copy()
    for i, element in enumerate(scene.elements.elements):
        for b, band in enumerate(bands):
            hole = np.isnan(filled[b, i])
            if hole.any():
                if band not in element.op:
                    raise ValueError(
                        f"element '{element.name}' has pixels without OP map values in band "
                        f"{band} and the element table gives no value to fill them"
                    )
                filled[b, i][hole] = element.op[band]
    if ((filled < 0) | (filled > 1)).any():
        raise ValueError("OP maps hold values outside [0, 1]")
    return filled


def simulate_products(
    scene: Scene,
    grid: PixelGrid,
    geometry: Geometry,
    bands: list[str],
    skyl: np.ndarray,
    samples: int = 64,
    seed: int = 1,
    periodic: bool = True,
    op_maps: np.ndarray | None = None,
    want_gradients: bool = False,
    reference_height: float | np.ndarray | None = None,
    max_memory: float | None = None,
    batches: int | None = None,
    progress: Callable[[float], None] | None = None,
    is_canceled: Callable[[], bool] | None = None,
) -> SimulationProducts:
    """Trace once, then evaluate the image (and gradients) for the table's OPs or for
    per-pixel OP maps (bands, elements, rows, cols; NaN filled from the table). Pixels beyond
    the mock-up are NaN (NoData) in every product. ``reference_height``, ``max_memory``: see
    ``trace``; ``batches``: by default ``simulate.batches_for(samples)`` (16), so that the
    standard error has 15 degrees of freedom."""
    check_overlap(scene, grid)
    result = trace(scene, grid, geometry, samples=samples, seed=seed, periodic=periodic,
                   reference_height=reference_height, max_memory=max_memory,
                   batches=batches_for(samples) if batches is None else batches,
                   progress=progress, is_canceled=is_canceled)
    variable_gradients = None
    if op_maps is None:
        x = scene.variables_from_table(bands)
        image, error = result.reflectance(x, skyl)
        op_gradients = albedo_gradients(result, x, bands, skyl) if want_gradients else None
        if want_gradients:
            variable_gradients = result.polynomials.gradients(x, skyl)
    else:
        op = fill_from_table(op_maps, scene, bands)
        image, op_gradients, error = evaluate_op_maps(result, op, bands, skyl)
        if not want_gradients:
            op_gradients = None
    fractions, sunlit = result.fractions.copy(), result.sunlit_fractions.copy()
    beyond = ~result.covered  # pixels beyond the mock-up: NoData in every product
    for array in (image, error, fractions, sunlit, op_gradients, variable_gradients):
        if array is not None:
            array[..., beyond] = np.nan
    return SimulationProducts(image, error, fractions, sunlit, op_gradients,
                              variable_gradients, result)
