"""One call from inputs to OP maps: trace the scene on the image grid (with ``trace_noise``,
until the trace's Monte Carlo noise is that low or the time budget is spent), then unmix."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..simulate import (
    Geometry,
    PixelGrid,
    Scene,
    Trace,
    batches_for,
    check_overlap,
    evaluate_op_maps,
    pool_traces,
    trace,
)
from . import DEFAULT_TIME_BUDGET
from .pipeline import UnmixParameters, UnmixResult, _table_ops, unmix

#: the most samples per pixel adaptive sampling traces
MAX_SAMPLES = 16384
SEED_STEP = 1000  # seed of the k-th extra block of samples: seed + k * SEED_STEP


@dataclass
class TraceSampling:
    """What adaptive sampling did: its aim (median relative standard error of the simulated
    image, %, in the noisiest band), the samples and noise after each round, why it
    stopped."""

    aim: float
    time_budget: float
    rounds: list[tuple[int, float]] = field(default_factory=list)  # (samples, noise %)
    stop: str = ""


def trace_noise_of(traced: Trace, valid: np.ndarray, bands: list[str],
                   skyl: np.ndarray) -> float:
    """The median relative Monte Carlo standard error (%) of the image simulated at the
    element table's OPs, in the noisiest band: what a trace of this many samples leaves in
    every pixel's equations (it falls as 1 / sqrt(samples))."""
    table = _table_ops(traced.scene, bands)
    op = np.broadcast_to(np.nan_to_num(table, nan=0.5)[:, :, None, None],
                         table.shape + valid.shape)
    simulated, _, error = evaluate_op_maps(traced, op, bands, skyl)
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = error / np.abs(simulated)
    medians = [np.median(r[valid & np.isfinite(r)]) for r in relative
               if (valid & np.isfinite(r)).any()]
    return 100 * float(max(medians)) if medians else 0.0


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
    trace_noise: float = 0.0,
    time_budget: float = DEFAULT_TIME_BUDGET,  # unmix3d:unmix's; off unless trace_noise
    log: Callable[[str], None] | None = None,
) -> tuple[UnmixResult, Trace]:
    """``progress(fraction, label)`` sees the trace as the first ``trace_share`` of the run;
    ``reference_height`` (the surface the image's pixels lie on), ``max_memory``: see
    ``simulate.trace``. ``tile_size`` > 0 traces the grid in tiles with halos on Dask
    (``scheduler``: see ``tiling.run_tiles``), stitched into one trace that the unmixing
    then works on whole, so windows across tile edges see both tiles and pure pixels are
    selected over the whole image: the OP maps have no seams by construction.
    ``tile_margin``, ``tile_tallest``: the halo's, see ``tiling.trace_tiled``.

    ``trace_noise`` > 0 (%): adaptive sampling. ``samples`` are traced first; while the
    trace's noise (``trace_noise_of``) is above it, more samples are traced with new seeds
    and pooled with the first, up to the total of ``samples`` x 2^k its fall as
    1 / sqrt(samples) says is needed, within ``time_budget`` seconds of tracing (the largest
    such total that fits, then blocks of half, a quarter... of it while they fit) and
    MAX_SAMPLES; ``log`` gets a line per round and why it stopped, ``result.sampling``
    holds them."""
    check_overlap(scene, grid)
    scene.elements.check_rules(bands)

    def unmix_progress(fraction: float, label: str) -> None:
        if progress is not None:
            progress(trace_share + (1 - trace_share) * fraction, label)

    started = time.perf_counter()
    adaptive = trace_noise > 0
    span = [0.0, 0.5 if adaptive else 1.0]  # of the trace's share of the progress

    def trace_progress(fraction: float) -> None:
        if progress is not None:
            progress(trace_share * (span[0] + (span[1] - span[0]) * fraction), "tracing")

    def trace_round(count: int, round_seed: int) -> Trace:
        return _trace(scene, grid, geometry, count, round_seed, batches_for(samples), periodic,
                      reference_height, max_memory, tile_size, tile_margin, tile_tallest,
                      scheduler, trace_progress, is_canceled)

    traced = trace_round(samples, seed)
    sampling = None
    if adaptive:
        sampling = TraceSampling(trace_noise, time_budget)
        traced = _sample_to_noise(traced, trace_round, sampling, valid & traced.covered,
                                  bands, skyl, seed, started, span, log)
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
    result.sampling = sampling
    if shares is not None:
        result.seconds["part shares"] = shares_seconds
    return result, traced


def _trace(scene, grid, geometry, samples, seed, batches, periodic, reference_height,
           max_memory, tile_size, tile_margin, tile_tallest, scheduler, progress,
           is_canceled) -> Trace:
    """One trace of the grid, whole or in tiles with halos on Dask (``tile_size`` > 0)."""
    if tile_size > 0:
        from ..tiling import trace_tiled

        return trace_tiled(scene.mockup, scene.elements, grid, geometry, tile_size,
                           samples=samples, seed=seed, periodic=periodic, batches=batches,
                           reference_height=reference_height, max_memory=max_memory,
                           margin=tile_margin, tallest=tile_tallest, scheduler=scheduler,
                           progress=progress, is_canceled=is_canceled)
    return trace(scene, grid, geometry, samples=samples, seed=seed, periodic=periodic,
                 reference_height=reference_height, max_memory=max_memory, batches=batches,
                 progress=progress, is_canceled=is_canceled)


def _doubling(first: int, samples: int) -> int:
    """The smallest total of ``first`` x 2^k samples not below ``samples``."""
    k = math.log2(max(samples, 1) / first)
    return int(first * 2 ** max(0, math.ceil(k - 1e-9)))


def _sample_to_noise(traced: Trace, trace_round, sampling: TraceSampling, valid, bands,
                     skyl, seed: int, started: float, span: list[float],
                     log: Callable[[str], None] | None) -> Trace:
    """More samples, pooled with ``traced``, until ``sampling.aim`` or the budget."""
    parts = [traced]
    first = traced.samples
    filled = False  # the budget's rest went to blocks smaller than a doubling: no more rounds
    while True:
        noise = trace_noise_of(traced, valid, bands, skyl)
        sampling.rounds.append((traced.samples, noise))
        if log is not None:
            log(f"{traced.samples} samples per pixel: trace noise {noise:.3g} % (median "
                f"relative standard error, noisiest band), aim {sampling.aim:g} %")
        if noise <= sampling.aim:
            sampling.stop = f"trace noise aim reached at {traced.samples} samples per pixel"
            break
        needed = int(np.ceil(traced.samples * (noise / sampling.aim) ** 2))
        if filled:
            sampling.stop = (f"time budget: {needed:,} samples per pixel needed, "
                             f"{traced.samples:,} traced within {sampling.time_budget:g} s "
                             "of tracing (its last blocks the largest that fitted)")
            break
        if traced.samples >= MAX_SAMPLES:
            sampling.stop = f"MAX_SAMPLES ({MAX_SAMPLES}) reached"
            break
        # totals of SAMPLES x 2^k: a run that is timed a little differently most often
        # traces the same samples (the same OP maps)
        wanted = _doubling(first, min(needed, MAX_SAMPLES))
        span[0], span[1] = span[1], span[1] + (1.0 - span[1]) / 2
        # in doubling blocks, the k-th with its own seed: a total is the same samples
        # whether it was reached in one round or several; each block must fit what is
        # left of the budget at the rate of those traced so far (the machine may slow down)
        while (block := sum(t.samples for t in parts)) < wanted:
            if not _fits(block, parts, sampling, started):
                break
            parts.append(trace_round(block, seed + SEED_STEP * len(parts)))
        if block < wanted:
            # the next doubling does not fit: what is left of the budget goes to blocks of
            # half, a quarter... of it, so a total is still one set of blocks (its binary
            # digits) and a budget that just misses a doubling is not left half unspent
            size = block // 2
            while size >= first:
                if _fits(size, parts, sampling, started):
                    parts.append(trace_round(size, seed + SEED_STEP * len(parts)))
                    filled = True
                size //= 2
        if sum(t.samples for t in parts) == traced.samples:
            sampling.stop = (f"time budget: {needed:,} samples per pixel needed, "
                             f"{traced.samples:,} traced, {first:,} more not "
                             f"affordable within {sampling.time_budget:g} s of tracing")
            break
        traced = pool_traces(parts)
    span[0], span[1] = span[1], 1.0
    if log is not None:
        log(f"adaptive sampling: {sampling.stop}")
    return traced


def _fits(samples: int, parts: list[Trace], sampling: TraceSampling, started: float) -> bool:
    """Whether a block of ``samples`` ends within the budget at the rate of ``parts``."""
    traced = sum(t.samples for t in parts)
    rate = sum(t.seconds for t in parts) / traced  # seconds per sample
    return samples * rate <= sampling.time_budget - (time.perf_counter() - started)
