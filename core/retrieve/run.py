"""One call from images to retrieved spectra: trace each image geometry, then optimise
algebraically on those traces; with ``precision``, trace more (adaptive sampling) until the
retrieved spectra are as precise as asked or the time budget is spent."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..simulate import (
    Geometry,
    MemoryLimitError,
    PixelGrid,
    Scene,
    Trace,
    batches_for,
    check_overlap,
    pool_traces,
    trace,
)
from .loss import FREE, View
from .optimise import RetrievalResult, retrieve
from .uncertainty import CHI2_95

#: the 95 % half-width (reflectance units) aimed at by default for every opaque element's
#: reflectance and every leaf albedo r + t: the accuracy issue 15 asks of one nadir view
DEFAULT_PRECISION = 0.01
#: seconds of tracing and retrieval the adaptive sampling may spend by default
DEFAULT_TIME_BUDGET = 120.0
#: the most samples per pixel adaptive sampling traces, and its largest step (x the samples
#: traced so far) per round: the standard error is a noisy guide far from its aim
MAX_SAMPLES = 16384
MAX_GROWTH = 8.0
#: a round adding fewer than this share of the samples traced so far is not worth its
#: retrieval (the standard error would fall by less than about 10 %)
MIN_GROWTH = 0.25
#: growth of the round that checks a fit saying the image's own noise limits the precision
PROBE_GROWTH = 2.0


@dataclass
class Acquisition:
    """One image of the scene with its grid, geometry and skylight ratio."""

    grid: PixelGrid
    geometry: Geometry
    image: np.ndarray  # (bands, rows, cols)
    valid: np.ndarray  # (rows, cols)
    skyl: np.ndarray  # (bands,)
    zones: np.ndarray | None = None
    name: str = "image"


@dataclass
class SamplingRound:
    """One round of adaptive sampling: the samples per pixel traced so far and the largest
    standard error of the targeted quantities on them."""

    samples: int
    largest_std: float
    worst: str  # the quantity with that standard error
    seconds: float  # since the start of the run


@dataclass
class Sampling:
    """What adaptive sampling did: its aim, its rounds and why it stopped."""

    precision: float  # 95 % half-width aimed at (reflectance units); 0: no adaptive sampling
    time_budget: float
    rounds: list[SamplingRound]
    stop: str  # why no more samples were traced

    @property
    def samples(self) -> int:
        return self.rounds[-1].samples if self.rounds else 0

    @property
    def reached(self) -> bool:
        return bool(self.rounds) and self.rounds[-1].largest_std <= std_aim(self.precision)


def std_aim(precision: float) -> float:
    """The standard error whose 95 % interval is +- ``precision``."""
    return precision / np.sqrt(CHI2_95)


def targeted(scene: Scene, result: RetrievalResult) -> list[tuple[str, float]]:
    """(label, standard error) of the quantities adaptive sampling aims at: the reflectance
    of every free opaque element and the albedo r + t of every free leaf, per band and zone.
    A leaf's r and t alone are not aimed at: from one view no number of samples may split
    them (their intervals and status say how well they are known)."""
    out = []
    for row in result.quantities:
        if row["mode"] != FREE or not np.isfinite(row["std"]):
            continue
        element = scene.elements.elements[scene.elements.index(row["element"])]
        if row["quantity"] == "albedo" or (row["quantity"] == "r" and not element.translucent):
            zone = f" ({row['zone']})" if len(result.zone_names) > 1 else ""
            out.append((f"{row['element']}{zone} {row['quantity']} {row['band']}",
                        float(row["std"])))
    return out


def run_retrieve(
    scene: Scene,
    acquisitions: list[Acquisition],
    bands: list[str],
    samples: int = 64,
    seed: int = 1,
    periodic: bool = True,
    progress: Callable[[float, str], None] | None = None,
    is_canceled: Callable[[], bool] | None = None,
    trace_share: float = 0.5,
    precision: float = 0.0,
    time_budget: float = DEFAULT_TIME_BUDGET,
    log: Callable[[str], None] | None = None,
    tile_size: int | None = 0,
    scheduler: str | None = None,
    max_memory: float | None = None,
    tile_margin: float | None = None,
    tile_tallest: float | None = None,
    **options,
) -> tuple[RetrievalResult, list]:
    """Trace every acquisition (seed + k for the k-th) at ``samples`` per pixel, then
    ``model.retrieve(**options)``. Raises ``simulate.Canceled`` when canceled.

    ``precision`` > 0 (reflectance units): adaptive sampling. While the largest standard
    error of the targeted quantities (``targeted``) is above ``std_aim(precision)``, trace
    more samples (new seeds, pooled with the earlier traces) and retrieve again, as many as
    the squared standard error falling as ``a + b / samples`` (image noise a, trace noise
    b / N, fitted on the last two rounds) says are needed, within ``time_budget`` seconds
    for the whole run and MAX_SAMPLES; where the fit puts the image noise a above the aim,
    one round of PROBE_GROWTH x the samples checks it before stopping, and where it says
    more than MAX_GROWTH x the samples are needed, it stops (the aim is just above a).
    Intermediate rounds use one start, sandwich intervals and no loss landscape; the last
    retrieval uses ``options``.
    ``result.sampling`` says what was done; ``log`` gets a line per round.

    Each trace has ``simulate.batches_for(samples)`` batches (16), as simulate and unmix
    (every round the same, so rounds pool batch by batch): the loss subtracts each pixel's
    Monte Carlo variance estimated from the batch spread, and the gradient of that estimate
    is noise in the retrieval; with 4 batches (3 degrees of freedom) it made the 0.5 m
    virtual forest's errors about 1.3 x larger (RMS over six draws against five), and
    WEIGHTING=stderr weighs pixels by the same estimate.

    ``tile_size`` > 0: every trace (each view, each round) runs in tiles with halos on Dask
    (``scheduler``: see ``tiling.run_tiles``; ``tile_margin``, ``tile_tallest``: the halo's),
    stitched into one trace of the view's grid, so pooling and the retrieval see the
    untiled trace's statistics; None: each trace is tiled or not by the automatic rule
    (``tiling.choose_tile_size``, held polynomials counted), its choice in ``log``.
    ``max_memory``: bytes per trace, see ``simulate.trace``."""
    for acquisition in acquisitions:
        check_overlap(scene, acquisition.grid, acquisition.name)
    started = time.perf_counter()
    n = len(acquisitions)
    adaptive = precision > 0
    aim = std_aim(precision) if adaptive else np.inf
    parts: list[list[Trace]] = [[] for _ in acquisitions]
    rounds: list[SamplingRound] = []
    span = (0.0, 1.0 if not adaptive else 0.5)

    def report(fraction, label):
        if progress is not None:
            progress(span[0] + (span[1] - span[0]) * fraction, label)

    batches = batches_for(samples)  # every round the same, so rounds pool batch by batch
    source = []  # the tiles' source, built once for every tiled trace

    def trace_view(acquisition: Acquisition, count: int, view_seed: int, round_index: int,
                   step: Callable[[float], None]) -> Trace:
        size = tile_size
        if size is None:
            from ..tiling import choose_tile_size

            # held: every trace kept so far and its pooled copy
            held = 2.0 * sum(t.polynomials.nbytes for p in parts for t in p)
            choice = choose_tile_size(scene, acquisition.grid, acquisition.geometry, count,
                                      view_seed, periodic, batches, max_memory=max_memory,
                                      stitched=True, held_bytes=held, scheduler=scheduler)
            size = choice.tile_size
            if log is not None and (round_index == 0 or size > 0):
                log(choice.describe(f"tracing {acquisition.name} at {count} samples"))
        if size > 0:
            from ..tiling import tile_source, trace_tiled

            if not source:
                source.append(tile_source(scene.mockup, scene.elements))
            return trace_tiled(source[0], scene.elements, acquisition.grid,
                               acquisition.geometry, size, samples=count, seed=view_seed,
                               periodic=periodic, batches=batches, max_memory=max_memory,
                               margin=tile_margin, tallest=tile_tallest, scheduler=scheduler,
                               progress=step, is_canceled=is_canceled)
        return trace(scene, acquisition.grid, acquisition.geometry, samples=count,
                     seed=view_seed, periodic=periodic, batches=batches,
                     max_memory=max_memory, progress=step, is_canceled=is_canceled)

    def trace_round(count: int, round_index: int) -> None:
        for k, acquisition in enumerate(acquisitions):
            def step(fraction, k=k):
                report(trace_share * (k + fraction) / n, f"tracing {acquisitions[k].name}")

            parts[k].append(trace_view(acquisition, count, seed + k + round_index * n,
                                       round_index, step))

    def solve(final: bool) -> tuple[RetrievalResult, list[Trace]]:
        traces = [pool_traces(p) for p in parts]
        views = [View(t.polynomials, a.image, a.valid, a.skyl, a.zones, a.name)
                 for t, a in zip(traces, acquisitions, strict=True)]
        # a round that only measures the standard errors: one start, sandwich intervals
        quick = {} if final else {"intervals": "sandwich", "landscape": False, "starts": 1}

        def optimise_progress(fraction, label):
            report(trace_share + (1 - trace_share) * fraction, label)

        result = retrieve(scene, views, bands, progress=optimise_progress,
                          is_canceled=is_canceled, **{**options, **quick})
        result.trace_seconds = sum(t.seconds for t in traces)
        return result, traces

    trace_round(samples, 0)
    traced = samples
    stop = "adaptive sampling off (PRECISION 0)"
    result, traces = solve(final=not adaptive)
    probed = False
    while adaptive:
        quantities = targeted(scene, result)
        worst, largest = max(quantities, key=lambda q: q[1]) if quantities else ("", 0.0)
        elapsed = time.perf_counter() - started
        rounds.append(SamplingRound(traced, largest, worst, elapsed))
        if log is not None:
            log(f"{traced} samples per pixel: largest standard error {largest:.4f} ({worst}), "
                f"aim {aim:.4f}")
        if largest <= aim:
            stop = f"precision reached at {traced} samples per pixel"
            break
        needed = _samples_needed(rounds, aim)
        if needed is None and probed:
            stop = (f"the standard error no longer falls with more samples: the image's own "
                    f"noise limits it (about {_image_floor(rounds):.4f})")
            break
        # a standard error estimated from a few batches is noisy: one fit saying the image
        # limits it is checked with twice the samples before stopping
        probed = needed is None
        needed = PROBE_GROWTH * traced if needed is None else needed
        if len(rounds) >= 2 and needed > MAX_GROWTH * traced:
            # fitted on two rounds, so the image's noise is in it: the aim lies just above
            # that floor, where each halving of the gap costs twice the samples
            stop = (f"the image's own noise nearly limits the standard error (about "
                    f"{_image_floor(rounds):.4f}): {needed:,.0f} samples per pixel would be "
                    f"needed")
            break
        target = int(min(needed, MAX_GROWTH * traced, MAX_SAMPLES))
        trace_rate = result.trace_seconds / traced  # seconds per sample per pixel
        left = time_budget - elapsed - 2.0 * result.seconds  # this round's and the final fit
        affordable = int(max(left, 0.0) / max(trace_rate, 1e-9))
        extra = min(target - traced, affordable)
        if traced >= MAX_SAMPLES:
            stop = f"MAX_SAMPLES ({MAX_SAMPLES}) reached"
            break
        if target - traced < MIN_GROWTH * traced:
            stop = (f"within {largest / aim - 1:.0%} of the aim: the {needed:,.0f} samples per "
                    f"pixel it needs would lower the standard error by under 10 %")
            break
        if extra < MIN_GROWTH * traced:
            stop = (f"time budget: {needed:,.0f} samples per pixel needed, "
                    f"{traced + max(extra, 0):,} affordable within {time_budget:g} s")
            break
        span = (1.0 - 0.5 ** len(rounds), 1.0 - 0.5 ** (len(rounds) + 1))
        try:
            trace_round(extra, len(rounds))
        except MemoryLimitError as error:
            stop = f"memory: {error}"
            break
        traced += extra
        result, traces = solve(final=False)
    if adaptive:
        span = (1.0 - 0.5 ** len(rounds), 1.0)
        if options.get("intervals", "profile") != "sandwich" or options.get("landscape"):
            result, traces = solve(final=True)
        if log is not None:
            log(f"adaptive sampling: {stop}")
    result.sampling = Sampling(precision, time_budget, rounds, stop)
    result.samples = traced
    return result, traces


def _samples_needed(rounds: list[SamplingRound], aim: float) -> float | None:
    """Samples per pixel at which the largest standard error reaches ``aim``, from
    std^2 = a + b / N fitted on the last two rounds (one round: a = 0). None when a, the
    image's own noise, is at or above the aim."""
    last = rounds[-1]
    a = _image_floor(rounds) ** 2
    if a >= aim**2:
        return None
    b = (last.largest_std**2 - a) * last.samples
    return b / (aim**2 - a)


def _image_floor(rounds: list[SamplingRound]) -> float:
    """The standard error left with infinitely many samples, from the last two rounds
    (0 with one round, or where the fit says the error falls faster than 1 / sqrt(N))."""
    if len(rounds) < 2:
        return 0.0
    (n0, s0), (n1, s1) = [(r.samples, r.largest_std) for r in rounds[-2:]]
    b = (s0**2 - s1**2) / (1.0 / n0 - 1.0 / n1)
    return float(np.sqrt(max(s1**2 - b / n1, 0.0)))
