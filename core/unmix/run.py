"""One call from inputs to OP maps: trace the scene on the image grid, then unmix."""

from __future__ import annotations

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
) -> tuple[UnmixResult, Trace]:
    """``progress(fraction, label)`` sees the trace as the first ``trace_share`` of the run;
    ``reference_height`` (the surface the image's pixels lie on), ``max_memory``: see
    ``simulate.trace``."""
    check_overlap(scene, grid)
    scene.elements.check_rules(bands)

    def trace_progress(fraction: float) -> None:
        if progress is not None:
            progress(trace_share * fraction, "tracing")

    def unmix_progress(fraction: float, label: str) -> None:
        if progress is not None:
            progress(trace_share + (1 - trace_share) * fraction, label)

    traced = trace(scene, grid, geometry, samples=samples, seed=seed, periodic=periodic,
                   reference_height=reference_height, max_memory=max_memory,
                   batches=batches_for(samples), progress=trace_progress,
                   is_canceled=is_canceled)
    valid = valid & traced.covered  # pixels beyond the mock-up are NoData in every OP map
    shares, shares_seconds = None, 0.0
    if parameters.objects:
        import time

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
