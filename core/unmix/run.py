"""One call from inputs to OP maps: trace the scene on the image grid, then unmix."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from ..simulate import Geometry, PixelGrid, Scene, Trace, batches_for, check_overlap, trace
from .pipeline import UnmixParameters, UnmixResult, unmix


def run_unmix(
    scene: Scene,
    grid: PixelGrid,
    geometry: Geometry,
    image: np.ndarray,
    valid: np.ndarray,
    bands: list[str],
    skyl: np.ndarray,
    parameters: UnmixParameters,
    samples: int = 64,
    seed: int = 2,  # not simulate's 1: never invert the paths that made the image
    periodic: bool = True,
    reference_height: float | np.ndarray | None = None,
    max_memory: float | None = None,
    truth: np.ndarray | None = None,
    progress: Callable[[float, str], None] | None = None,
    is_canceled: Callable[[], bool] | None = None,
    trace_share: float = 0.6,
    tile_size: int = 0,
    scheduler: str | None = None,
    tile_margin: float | None = None,
    tile_tallest: float | None = None,
) -> tuple[UnmixResult, Trace]:
    """``progress(fraction, label)`` sees the trace as the first ``trace_share`` of the run;
    ``reference_height`` (the surface the image's pixels lie on), ``max_memory``: see
    ``simulate.trace``. ``tile_size`` > 0 traces the grid in tiles with halos on Dask
    (``scheduler``: see ``tiling.run_tiles``), stitched into one trace that the unmixing
    then works on whole, so windows across tile edges see both tiles and pure pixels are
    selected over the whole image: the OP maps have no seams by construction.
    ``tile_margin``, ``tile_tallest``: the halo's, see ``tiling.trace_tiled``."""
    check_overlap(scene, grid)
    scene.elements.check_rules(bands)

    def trace_progress(fraction: float) -> None:
        if progress is not None:
            progress(trace_share * fraction, "tracing")

    def unmix_progress(fraction: float, label: str) -> None:
        if progress is not None:
            progress(trace_share + (1 - trace_share) * fraction, label)

    if tile_size > 0:
        from ..tiling import trace_tiled

        traced = trace_tiled(scene.mockup, scene.elements, grid, geometry, tile_size,
                             samples=samples, seed=seed, periodic=periodic,
                             batches=batches_for(samples), reference_height=reference_height,
                             max_memory=max_memory, margin=tile_margin,
                             tallest=tile_tallest, scheduler=scheduler,
                             progress=trace_progress, is_canceled=is_canceled)
    else:
        traced = trace(scene, grid, geometry, samples=samples, seed=seed, periodic=periodic,
                       reference_height=reference_height, max_memory=max_memory,
                       batches=batches_for(samples), progress=trace_progress,
                       is_canceled=is_canceled)
    valid = valid & traced.covered  # pixels beyond the mock-up are NoData in every OP map
    shares, shares_seconds = None, 0.0
    if parameters.objects and tile_size == 0:  # tiled runs never hold the whole BVH
        from .objects import part_shares

        start = time.perf_counter()
        shares = part_shares(scene, grid, geometry, reference_height)
        shares_seconds = time.perf_counter() - start
    result = unmix(traced, image, valid, bands, skyl, parameters, truth=truth,
                   progress=unmix_progress, is_canceled=is_canceled, shares=shares)
    result.seconds = {"trace": traced.seconds, **result.seconds}
    if shares is not None:
        result.seconds["part shares"] = shares_seconds
    return result, traced
