"""US-DART (PPS -> LSMA -> GI iterations -> SC) and the DART-calibration baseline, both on
one cached trace: every "simulation" of an iteration is an algebraic evaluation of the
trace's polynomials with per-pixel OPs, never a new ray trace."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..simulate import Canceled, Trace, evaluate_op_maps
from .correction import apply_rules
from .objects import (
    MIN_RELATIVE_NOISE,
    ObjectSolution,
    PartShares,
    object_variance_maps,
    solve_objects,
)
from .pps import PureSelection, select_pure_pixels
from .uncertainty import op_standard_error
from .windows import (
    SOLVED,
    assemble,
    median_fill,
    solve_bounded,
    window_footprint,
    window_sum,
)

US_DART = "us-dart"
DART_CALIBRATION = "dart-calibration"
METHODS = (US_DART, DART_CALIBRATION)
CLOSURE_STEPS = 6  # Newton steps on the per-pixel factor; linear (opaque) pixels need one
CLOSURE_TOLERANCE = 1e-7  # relative image error at which closure stops
MINOR_GIVEN_PARTS_STEPS = 2  # the minor elements' OPs enter the image almost linearly


@dataclass
class UnmixParameters:
    method: str = US_DART
    window: tuple[int, int] = (5, 5)  # rows, cols of the moving window (M >= elements)
    window_shape: str = "rectangle"
    iterations: int = 8
    pure_threshold: float = 0.9
    max_condition: float = 50_000.0
    max_spectral_radius: float = 1.1
    min_determinant: float = 1e-14
    epsilon: float = 0.5  # LSMA/GI bounds: (1 - eps) * PPS <= OP <= (1 + eps) * PPS
    min_fraction: float = 0.05  # below this visible fraction an element's OP is NoData
    # an element is an unknown of a window when its mean visible fraction there reaches this,
    # otherwise it keeps its current OP. On the urban demo 0.1 halves the vegetation error
    # but doubles that of ground and tile roofs, so all present elements are solved by default
    solve_fraction: float = 0.0
    erosion: int = 0  # erosion iterations of pure-pixel zones
    tolerance: float = 1e-5  # GI stops when the median relative image error is below
    # "model": every element's start solves the traced model at its pure pixels (Newton on
    # the cached trace, the other elements at their current starts, the purest elements
    # first); "paper": R (opaque) or sqrt(R) (translucent) of the pure pixels, as published.
    # R includes the other elements that share a "pure" pixel (10 % at the 0.9 threshold,
    # up to 90 % once it has stepped down to 0.1, as for walls seen from above) and, for
    # leaves, sqrt(R) is about 3x the albedo at red: both lie outside the (1 +- EPSILON)
    # bounds the iterations may explore
    start: str = "model"
    # each pixel's OPs are held to their own start (the nearest pure pixels' solutions,
    # re-solved at every iteration with the other elements at their current OPs) with this
    # weight, relative to the window's Gram diagonal, at an element's pure pixels, fading as
    # exp(-distance / start_reach) away from them (distance in pixels). Real element classes
    # are not uniform (several asphalts under one "pavement", a material per roof): the
    # window returns their local mean, while the nearest pure pixel most often lies on the
    # same surface. Measured on four independent renders (benchmarks/bench_independent.py,
    # medians): town pavement 3.8 -> 1.4 %, grass 7.4 -> 1.8 %, water 2.1 -> 0.3 %, roofs
    # 0.7-2.3 -> 0.4-0.5 %; Berlin pavement 0.45 -> 0.64 % on one block. 0 is the paper's
    # window-only solve; "model" start only
    start_weight: float = 30.0
    start_reach: float = 1.5
    start_refresh: bool = True  # False: hold to the first start (measured: worse)
    # elements whose pure pixels were found only below this visible fraction start at the
    # median of their pure-pixel solutions: one pixel's solution is its residual divided by
    # a small gradient, mostly noise
    median_start_below: float = 0.5
    # Levenberg-Marquardt damping of the window solves: each unknown is held to its current
    # value by damping * (its diagonal Gram term). The fixed point is the same least-squares
    # solution, but a direction a window cannot see (collinear gradients, e.g. a uniform plot
    # where every pixel has the same mix) moves slowly instead of following the noise. 0 is
    # the paper's undamped solve.
    damping: float = 0.3
    # "scene": elements never seen as at least ``median_start_below`` of a pixel (walls
    # from above) take one OP per band for the whole scene, solved jointly with the
    # windows' OPs of the other elements (each window's system with those eliminated,
    # summed). A window sees such an element in a few pixels at a fifth of their area, and
    # its solution is mostly Monte Carlo noise (urban walls: 4.4 % median error per window,
    # 0.29 % scene-wide at 1,024 spp). After the per-part solve they are re-solved with
    # every part held (_minor_given_parts). "window": per window, as published.
    minor_elements: str = "scene"
    # after the iterations, per pixel and band, every element's OP scaled by one factor
    # until the simulated image equals the image (DART calibration's Newton step): the image
    # error goes to zero, and what it held (Monte Carlo noise of trace and image, mock-up
    # error) goes into the OPs. It runs before SC, whose rules keep the last word
    closure: bool = False
    # after the iterations, elements made of several mock-up parts (OBJ groups: a lawn, a
    # roof, a tree) take one OP per part, solved from every pixel that sees the part
    # (objects.py); an element of one part keeps its window solution. US-DART only
    objects: bool = True
    # in the per-part solve, an occluded part its pixels do not fix (the ground under a
    # crown, seen through its gaps) is one OP with the part of its element it touches most
    # in the mock-up (the lawn it continues), instead of its window value
    # (objects.solve_objects, touching.py). Measured at SAMPLES 1,024 on the four
    # independent renders (bench_independent.py), leaves 3.66 / 3.95 / 4.00 / 3.90 ->
    # 3.09 / 4.12 / 3.17 / 2.98 %, berlinA grass 6.45 -> 4.35 %
    merge_occluded: bool = True


@dataclass
class UnmixResult:
    op: np.ndarray  # (bands, elements, rows, cols) OP: reflectance or albedo
    op_valid: np.ndarray  # (elements, rows, cols)
    simulated: np.ndarray  # (bands, rows, cols) final simulated image
    pure: PureSelection
    history: list[dict] = field(default_factory=list)  # per stage: errors, unsolved counts
    seconds: dict[str, float] = field(default_factory=dict)
    rule_breaks: np.ndarray | None = None
    #: the true OPs' image on the same trace, when the truth is known (image error floor)
    truth_simulated: np.ndarray | None = None
    #: (bands, elements, rows, cols) standard error of every OP map value (uncertainty.py)
    op_std: np.ndarray | None = None
    #: the per-part solve (objects.py), when an element had several parts
    objects: ObjectSolution | None = None
    shares: PartShares | None = None
    #: (bands, rows, cols) Monte Carlo standard error of ``simulated`` (the trace's batches)
    simulated_error: np.ndarray | None = None
    #: what adaptive sampling did (``run.TraceSampling``), when it was asked for
    sampling: object | None = None


def relative_error(simulated: np.ndarray, observed: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.abs(simulated - observed) / np.abs(observed)


def error_summary(errors: np.ndarray, masks: np.ndarray) -> dict[str, np.ndarray]:
    """Mean, std, median, quartiles of ``errors`` (bands, rows, cols) over each element's
    pixels ``masks`` (elements, rows, cols) -> arrays (elements, bands)."""
    n_elements, bands = masks.shape[0], errors.shape[0]
    stats = {k: np.full((n_elements, bands), np.nan) for k in ("mean", "std", "median", "q1",
                                                                  "q3")}
    for i in range(n_elements):
        for b in range(bands):
            values = errors[b][masks[i] & np.isfinite(errors[b])]
            if values.size:
                stats["mean"][i, b] = values.mean()
                stats["std"][i, b] = values.std()
                stats["q1"][i, b], stats["median"][i, b], stats["q3"][i, b] = np.percentile(
                    values, [25, 50, 75])
    return stats


def unmix(
    trace: Trace,
    image: np.ndarray,
    valid: np.ndarray,
    bands: list[str],
    skyl,
    parameters: UnmixParameters | None = None,
    truth: np.ndarray | None = None,
    progress: Callable[[float, str], None] | None = None,
    is_canceled: Callable[[], bool] | None = None,
    shares: PartShares | None = None,
) -> UnmixResult:
    """Per-element OP maps from a surface-reflectance ``image`` (bands, rows, cols).

    ``valid`` (rows, cols): pixels usable in every band. ``truth`` (bands, elements, rows,
    cols), when known (demo scenes), adds OP errors to the history. ``shares`` (see
    objects.part_shares): where each mock-up part is seen, for the per-part solve.

    BLAS runs on one thread meanwhile: the solves are small, and OpenBLAS's threads of
    every core spun on them (the urban demo's default unmix: 38.0 s, 22.4 s on one thread).
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):  # restored after
        return _unmix(trace, image, valid, bands, skyl, parameters, truth, progress,
                      is_canceled, shares)


def _unmix(
    trace: Trace,
    image: np.ndarray,
    valid: np.ndarray,
    bands: list[str],
    skyl,
    parameters: UnmixParameters | None = None,
    truth: np.ndarray | None = None,
    progress: Callable[[float, str], None] | None = None,
    is_canceled: Callable[[], bool] | None = None,
    shares: PartShares | None = None,
) -> UnmixResult:
    p = parameters or UnmixParameters()
    if p.method not in METHODS:
        raise ValueError(f"METHOD '{p.method}' is not one of {', '.join(METHODS)}")
    if p.start not in ("model", "paper"):
        raise ValueError(f"start '{p.start}' is not 'model' or 'paper'")
    if p.minor_elements not in ("scene", "window"):
        raise ValueError(f"minor_elements '{p.minor_elements}' is not 'scene' or 'window'")
    if p.damping < 0:
        raise ValueError(f"DAMPING {p.damping} must be >= 0 (0: the paper's undamped solve)")
    scene = trace.scene
    n_elements = len(scene.elements.elements)
    footprint = window_footprint(p.window, p.window_shape)
    if footprint.sum() < n_elements:
        raise ValueError(
            f"the {p.window[0]} x {p.window[1]} window holds {int(footprint.sum())} pixels, "
            f"fewer than the {n_elements} elements: each window needs M >= I equations"
        )
    if image.shape[1:] != trace.fractions.shape[1:]:
        raise ValueError(f"image grid {image.shape[1:]} differs from the traced grid "
                         f"{trace.fractions.shape[1:]}")
    skyl = np.broadcast_to(np.asarray(skyl, dtype=np.float64), (len(bands),)).copy()
    seconds: dict[str, float] = {}
    history: list[dict] = []
    closure = p.closure and p.method == US_DART
    by_object = p.objects and p.method == US_DART and shares is not None
    total_steps = 2 + p.iterations + 1 + closure + by_object

    def step(done: int, label: str):
        if is_canceled is not None and is_canceled():
            raise Canceled()
        if progress is not None:
            progress(done / total_steps, label)

    masks = (trace.fractions >= p.min_fraction) & valid[None]

    def record(stage: str, op: np.ndarray, simulated: np.ndarray, unsolved: int = 0):
        entry = {"stage": stage, "unsolved": unsolved,
                 "image_error": error_summary(relative_error(simulated, image), masks)}
        if truth is not None:
            op_errors = relative_error(op, truth)
            entry["op_error"] = {k: v for k, v in _op_error_summary(op_errors, masks).items()}
        history.append(entry)

    # PPS --------------------------------------------------------------------------------
    step(0, "pure pixel selection")
    start = time.perf_counter()
    initial_op = _table_ops(scene, bands)
    pure = select_pure_pixels(trace.fractions, image, valid, scene.translucent,
                              initial_op, p.pure_threshold, p.erosion)
    for i, element in enumerate(scene.elements.elements):
        missing = [b for k, b in enumerate(bands) if np.isnan(pure.op[k, i]).any()]
        if missing:
            raise ValueError(
                f"element '{element.name}' has no pure pixel (visible fraction >= 0.1) and the "
                f"element table gives no initial OP for band(s) {', '.join(missing)}"
            )
    op_pps = pure.op
    simulated, gradients, _ = evaluate_op_maps(trace, op_pps, bands, skyl)
    pure_values = _at_pure_pixels(op_pps, pure)
    if p.start == "model" and p.method == US_DART:
        purest_first = np.argsort(-np.nan_to_num(pure.threshold, nan=-1.0), kind="stable")
        op_pps, pure_values = _model_start(trace, image, op_pps, pure, purest_first, bands,
                                           skyl, p.median_start_below)
        simulated, gradients, _ = evaluate_op_maps(trace, op_pps, bands, skyl)
    seconds["pps"] = time.perf_counter() - start
    record("PPS", op_pps, simulated)

    # LSMA -------------------------------------------------------------------------------
    step(1, "linear spectral mixture analysis")
    start = time.perf_counter()
    minor = np.zeros(n_elements, bool)
    if p.method == US_DART and p.minor_elements == "scene":
        peak = np.where(valid, trace.fractions, 0.0).max(axis=(1, 2))
        minor = (peak > 0) & (peak < p.median_start_below)
    lower = np.clip((1 - p.epsilon) * op_pps, 0.0, 1.0)
    upper = np.clip((1 + p.epsilon) * op_pps, 0.0, 1.0)
    start_weight = None
    if p.start == "model" and p.method == US_DART and p.start_weight > 0:
        start_weight = _start_weight(pure, valid.shape, p.start_weight, p.start_reach)
    op, unsolved = _window_step(image, gradients, valid, op_pps, op_pps, lower, upper,
                                masks, trace.fractions, footprint, p, minor, start_weight,
                                is_canceled)
    simulated, gradients, _ = evaluate_op_maps(trace, op, bands, skyl)
    seconds["lsma"] = time.perf_counter() - start
    record("LSMA", op, simulated, unsolved)

    # GI or the calibration baseline -----------------------------------------------------
    start = time.perf_counter()
    for iteration in range(1, p.iterations + 1):
        step(1 + iteration, f"iteration {iteration}")
        if p.method == US_DART:
            target = image - simulated + np.einsum("beij,beij->bij", gradients, op)
            anchor = op_pps
            if start_weight is not None and p.start_refresh:
                # the pure pixels re-solved with the other elements at their current OPs
                anchor = _model_start(trace, image, op, pure, purest_first, bands, skyl,
                                      p.median_start_below, steps=2)[0]
            op, unsolved = _window_step(target, gradients, valid, op, anchor, lower, upper,
                                        masks, trace.fractions, footprint, p, minor,
                                        start_weight, is_canceled)
        else:
            op = _calibration_step(op, image, simulated, gradients, valid)
            unsolved = 0
        if is_canceled is not None and is_canceled():  # the solve and the evaluation of
            raise Canceled()  # an iteration each take seconds on a city
        simulated, gradients, _ = evaluate_op_maps(trace, op, bands, skyl)
        record(f"iteration {iteration}", op, simulated, unsolved)
        medians = history[-1]["image_error"]["median"]  # (elements, bands)
        if np.all(np.nan_to_num(medians, nan=0.0) < p.tolerance):
            break
    seconds["iterations"] = time.perf_counter() - start

    objects = None
    if by_object:
        step(2 + p.iterations, "one OP per mock-up part")
        start = time.perf_counter()
        window_std = _window_std(trace, op, image, valid, bands, skyl, masks, footprint,
                                 pure, pure_values, minor, start_weight)
        touching = shares.touching if p.merge_occluded else None
        objects = solve_objects(lambda o: evaluate_op_maps(trace, o, bands, skyl),
                                image, op, valid, shares, masks, exclude=minor,
                                is_canceled=is_canceled, start_std=window_std,
                                touching=touching)
        if objects is not None:
            op = objects.op
            simulated, gradients, _ = evaluate_op_maps(trace, op, bands, skyl)
            if minor.any():
                op, simulated, gradients = _minor_given_parts(
                    lambda o: evaluate_op_maps(trace, o, bands, skyl), image, op, valid,
                    minor, simulated, gradients)
            record("objects", op, simulated)
        seconds["objects"] = time.perf_counter() - start

    if closure:  # before SC: the rules keep the last word where closure breaks them
        step(total_steps - 2, "closure")
        start = time.perf_counter()
        for _ in range(CLOSURE_STEPS):
            op = _calibration_step(op, image, simulated, gradients, valid)
            simulated, gradients, _ = evaluate_op_maps(trace, op, bands, skyl)
            error = relative_error(simulated, image)[:, valid]
            if np.nanmax(error, initial=0.0) < CLOSURE_TOLERANCE:
                break
        record("closure", op, simulated)
        seconds["closure"] = time.perf_counter() - start

    # SC ---------------------------------------------------------------------------------
    step(total_steps - 1, "spectral correction")
    start = time.perf_counter()
    op, breaks = apply_rules(op, masks, scene.elements, bands, footprint)
    simulated, gradients, simulated_error = evaluate_op_maps(trace, op, bands, skyl)
    if breaks.any():
        record("SC", op, simulated)
    seconds["sc"] = time.perf_counter() - start
    start = time.perf_counter()
    evaluated = simulated, gradients, simulated_error  # at the final OPs
    op_std = _window_std(trace, op, image, valid, bands, skyl, masks, footprint, pure,
                         pure_values, minor, start_weight, evaluated)
    if minor.any():  # one OP for the scene: its error is the scene solve's, not a window's
        if objects is not None:  # re-solved with the parts held (_minor_given_parts)
            scene_std = _minor_given_parts_std(image, op, valid, minor, simulated,
                                               gradients, max(p.window))
        else:
            scene_std = _minor_std(trace, op, image, valid, masks, footprint, p, minor,
                                   evaluated)
        op_std[:, minor] = np.where(np.isfinite(scene_std)[:, :, None, None],
                                    scene_std[:, :, None, None], op_std[:, minor])
    if objects is not None:
        part_std = np.sqrt(object_variance_maps(objects, shares, valid.shape, op_std))
        op_std[:, objects.solved] = np.where(np.isfinite(part_std[:, objects.solved]),
                                             part_std[:, objects.solved],
                                             op_std[:, objects.solved])
    seconds["uncertainty"] = time.perf_counter() - start
    truth_simulated = None
    if truth is not None:
        from ..forward import fill_from_table

        try:  # NoData in the true maps: the table's values, as the simulation used
            truth_simulated = evaluate_op_maps(trace, fill_from_table(truth, scene, bands),
                                               bands, skyl)[0]
        except ValueError:  # holes the table cannot fill: no floor
            pass
    step(total_steps, "done")
    return UnmixResult(op=op, op_valid=masks, simulated=simulated, pure=pure, history=history,
                       seconds=seconds, rule_breaks=breaks, truth_simulated=truth_simulated,
                       op_std=op_std, objects=objects, shares=shares,
                       simulated_error=simulated_error)


def _table_ops(scene, bands: list[str]) -> np.ndarray:
    """(bands, elements) initial OPs from the element table, NaN where it gives none."""
    return np.array([[e.op.get(band, np.nan) for e in scene.elements.elements]
                     for band in bands])


def _op_error_summary(op_errors: np.ndarray, masks: np.ndarray) -> dict[str, np.ndarray]:
    """Per element and band statistics of OP relative errors (bands, elements, rows, cols)."""
    n_elements, bands = masks.shape[0], op_errors.shape[0]
    stats = {k: np.full((n_elements, bands), np.nan) for k in ("mean", "std", "median", "q1",
                                                                  "q3")}
    for i in range(n_elements):
        summary = error_summary(op_errors[:, i], masks[i:i + 1])
        for key in stats:
            stats[key][i] = summary[key][0]
    return stats


def _start_weight(pure: PureSelection, shape, weight: float, reach: float) -> np.ndarray:
    """How strongly each element's OP in each pixel is held to its start (elements, rows,
    cols): ``weight`` at the element's pure pixels, times the threshold they were found at,
    fading as exp(-distance / reach) with the distance in pixels to the nearest of them."""
    from scipy import ndimage

    out = np.zeros((len(pure.masks),) + tuple(shape))
    for i, mask in enumerate(pure.masks):
        if mask is None or not mask.any():
            continue
        distance = ndimage.distance_transform_edt(~mask)
        out[i] = weight * pure.threshold[i] * np.exp(-distance / reach)
    return out


def _window_std(trace, op, image, valid, bands, skyl, masks, footprint, pure, pure_values,
                minor, start_weight, evaluated=None) -> np.ndarray:
    """Standard error of the window solution ``op`` (uncertainty.op_standard_error);
    ``evaluated``: ``evaluate_op_maps`` at ``op``, when already known."""
    simulated, gradients, simulated_error = (evaluate_op_maps(trace, op, bands, skyl)
                                             if evaluated is None else evaluated)
    present = np.stack([_window_any(mask, footprint) for mask in masks])
    held = None
    if start_weight is not None:
        held = (np.where(minor[:, None, None], 0.0, start_weight),
                _start_variance(pure, gradients, simulated_error, image - simulated, valid))
    return op_standard_error(image - simulated, gradients, valid, present, footprint,
                             pure_values, trace.fractions, held)


def _start_variance(pure: PureSelection, gradients, simulated_error, residual,
                    valid) -> np.ndarray:
    """Noise variance of the held starts (bands, elements, rows, cols): at a pure pixel
    (s^2 + n^2) / G_i^2, with s the model's Monte Carlo standard error there and n^2 the
    image's noise, estimated per band as the median squared residual over the scene (a
    pure pixel's start fits its own pixel exactly, so its residual cannot show it), carried
    to every pixel from its nearest pure pixel as the start itself is."""
    from scipy import ndimage

    image_noise = np.median(np.where(valid, residual, 0.0)[:, valid] ** 2, axis=1)
    noise = simulated_error**2 + image_noise[:, None, None]
    variance = np.zeros_like(gradients)
    for i, mask in enumerate(pure.masks):
        if mask is None or not mask.any():
            continue
        with np.errstate(divide="ignore", invalid="ignore"):
            own = noise / gradients[:, i] ** 2
        own = np.where(np.isfinite(own), own, 0.0)
        rows, cols = ndimage.distance_transform_edt(~mask, return_distances=False,
                                                    return_indices=True)
        variance[:, i] = own[:, rows, cols]
    return variance


def _window_step(target, gradients, valid, current, op_pps, lower, upper, masks, fractions,
                 footprint, p: UnmixParameters, minor, start_weight=None, is_canceled=None):
    """One LSMA / GI solve over all windows and bands; unsolved windows filled by medians.
    ``minor`` elements, if any, take one scene-wide OP per band, solved jointly first.
    ``start_weight`` (elements, rows, cols), if given, holds each pixel's OPs to its own
    start ``op_pps`` (the nearest pure pixels' solutions) with that weight."""
    bands, n_elements = current.shape[:2]
    gram, rhs, count = assemble(gradients, target, valid, footprint)
    present = _window_unknowns(valid, fractions, masks, footprint, count, p.solve_fraction,
                               bands)
    flat = (-1, n_elements)
    if minor.any():
        per_band = (bands, -1, n_elements)
        scene_values = _minor_scene_solve(
            gram.reshape(bands, -1, n_elements, n_elements), rhs.reshape(per_band),
            present.reshape(per_band), np.moveaxis(current, 1, -1).reshape(per_band), minor,
            valid.reshape(-1))
        current = current.copy()
        current[:, minor] = scene_values[:, :, None, None]
        present = present & ~minor
    x, status = solve_bounded(
        np.ascontiguousarray(gram.reshape(-1, n_elements, n_elements)),
        np.ascontiguousarray(rhs.reshape(flat)),
        np.ascontiguousarray(np.moveaxis(lower, 1, -1).reshape(flat)),
        np.ascontiguousarray(np.moveaxis(upper, 1, -1).reshape(flat)),
        np.ascontiguousarray(np.moveaxis(current, 1, -1).reshape(flat)),
        np.ascontiguousarray(present.reshape(flat)),
        p.min_determinant, p.max_condition, p.max_spectral_radius, p.damping,
        *_prior_arguments(start_weight, op_pps, minor, bands), is_canceled=is_canceled,
    )
    op = np.moveaxis(x.reshape(bands, *valid.shape, n_elements), -1, 1)
    solved = (status.reshape(bands, *valid.shape) == SOLVED) & valid
    unsolved = int((~solved & valid).sum())
    if unsolved:
        op = median_fill(op, solved[:, None], footprint)
    return op, unsolved


def _window_unknowns(valid, fractions, masks, footprint, count, solve_fraction: float,
                     bands: int) -> np.ndarray:
    """(bands, rows, cols, elements) bool: the elements each window solves for."""
    mean_fraction = window_sum(np.where(valid, fractions, 0.0), footprint) / np.maximum(count,
                                                                                        1.0)
    present = np.stack([_window_any(mask, footprint) & (mean_fraction[i] >= solve_fraction)
                        for i, mask in enumerate(masks)])
    return np.broadcast_to(np.moveaxis(present, 0, -1)[None],
                           (bands,) + valid.shape + (len(masks),))


def _minor_std(trace, op, image, valid, masks, footprint, p: UnmixParameters, minor,
               evaluated) -> np.ndarray:
    """(bands, minor) standard error of the minor elements' scene-wide OPs in ``op``
    (minor_scene_variance, blocks a window's side wide), never below MIN_RELATIVE_NOISE
    of the OP (radiometric calibration); NaN where not estimated. ``evaluated``:
    ``evaluate_op_maps`` at ``op``."""
    simulated, gradients, _ = evaluated
    target = image - simulated + np.einsum("beij,beij->bij", gradients, op)
    count = window_sum(valid.astype(np.float64), footprint)
    present = _window_unknowns(valid, trace.fractions, masks, footprint, count,
                               p.solve_fraction, op.shape[0])
    variance = minor_scene_variance(gradients, target, valid, footprint, present,
                                    np.moveaxis(op, 1, -1), minor, max(p.window))
    value = np.median(op[:, minor][:, :, valid], axis=-1)
    return np.sqrt(np.maximum(variance, (MIN_RELATIVE_NOISE * value) ** 2))


def _prior_arguments(start_weight, op_pps, minor, bands: int):
    """``solve_bounded``'s prior_weight and prior (N, I), or None for no prior; minor
    elements (solved scene-wide) are not held."""
    if start_weight is None:
        return None, None
    weight = np.where(minor[:, None, None], 0.0, start_weight)
    weight = np.broadcast_to(np.moveaxis(weight, 0, -1)[None],
                             (bands,) + weight.shape[1:] + (weight.shape[0],))
    n_elements = op_pps.shape[1]
    return (weight.reshape(-1, n_elements),
            np.moveaxis(op_pps, 1, -1).reshape(-1, n_elements))


def _at_pure_pixels(op: np.ndarray, pure) -> np.ndarray:
    """``op`` (bands, elements, rows, cols) where each element is pure, NaN elsewhere."""
    values = np.full_like(op, np.nan)
    for i, mask in enumerate(pure.masks):
        if mask is not None:
            values[:, i, mask] = op[:, i, mask]
    return values


def _model_start(trace, image, op, pure, elements, bands, skyl, median_below: float,
                 steps: int = 8):
    """Starts of ``elements``, in that order: at each one's pure pixels, the OP for which
    the traced model gives the observed reflectance (Newton steps on the cached trace, the
    other elements at their current starts), then spread from the pure pixels as PPS does,
    or their median when the pure pixels were found below ``median_below``. Also returns
    the pure-pixel solutions (NaN elsewhere), whose local spread measures how much an
    element's OP varies inside a window."""
    from dataclasses import replace

    from .pps import nearest_fill

    op = op.copy()
    pure_values = np.full_like(op, np.nan)
    for i in elements:
        mask = pure.masks[i]
        if mask is None:
            continue
        # only the pure pixels are evaluated (a 1-column grid of them)
        pure_trace = replace(trace, polynomials=trace.polynomials.subset(np.flatnonzero(mask)))
        pure_op = op[:, :, mask][..., None]
        pure_image = image[:, mask][..., None]
        for _ in range(steps):
            simulated, gradients, _ = evaluate_op_maps(pure_trace, pure_op, bands, skyl)
            with np.errstate(divide="ignore", invalid="ignore"):
                step = (pure_image - simulated) / gradients[:, i]
            step = np.where(np.isfinite(step), step, 0.0)
            pure_op[:, i] = np.clip(pure_op[:, i] + step, 1e-4, 1.0)
            if np.abs(step).max() < 1e-9:  # converged (linear in a pure opaque OP)
                break
        values = pure_op[:, i, :, 0]  # (bands, pure pixels)
        pure_values[:, i, mask] = values
        if pure.threshold[i] < median_below - 1e-9:
            op[:, i] = np.median(values, axis=1)[:, None, None]
        else:
            op[:, i] = nearest_fill(mask, values)
    return op, pure_values


def _minor_scene_solve(gram, rhs, present, current, minor, windows):
    """Scene-wide OPs (one per band) of the ``minor`` elements, jointly with every window's
    own OPs of the others: each window's Gram system with its other unknowns eliminated
    (Schur complement, ``_minor_window_systems``), summed over the ``windows`` (centred on
    valid pixels) and solved. A minor element whose gradients the others explain
    everywhere (Schur diagonal < 1e-8 of its own) keeps its current OP. The values are
    bounded to [0, 1] only: one OP per band from all the scene's pixels needs no bounds
    around a start, and a minor element's start (from a few pixels where it is seen best)
    can be far off (the urban demo's walls 40 % low in the near infrared, held 10-15 % low
    by EPSILON's bounds). Arrays as in ``solve_bounded``, with a leading band axis: gram
    (bands, N, I, I), rhs/present/current (bands, N, I); windows (N,)."""
    minor_index = np.flatnonzero(minor)
    kept = np.median(current[:, windows][..., minor_index], axis=1)  # (bands, minor)
    values = kept.copy()
    for b in range(gram.shape[0]):
        schur, right, own, _ = _minor_window_systems(gram[b], rhs[b], present[b],
                                                     current[b], minor, windows)
        schur, right = schur.sum(axis=0), right.sum(axis=0)
        seen = np.diagonal(schur) > 1e-8 * np.maximum(own, 1e-300)
        if seen.any():
            solve = np.ix_(seen, seen)
            right = right[seen] - schur[np.ix_(seen, ~seen)] @ kept[b, ~seen]
            values[b, seen] = np.linalg.lstsq(schur[solve], right, rcond=1e-12)[0]
    return np.clip(values, 0.0, 1.0)  # (bands, minor)


def _minor_given_parts(evaluate, image, op, valid, minor, simulated, gradients,
                       steps: int = MINOR_GIVEN_PARTS_STEPS):
    """The ``minor`` elements' scene-wide OPs re-solved with every other element held at
    its per-part solution: Gauss-Newton steps of the least squares of all valid pixels,
    one system of the minor elements per band. The windows' solve (``_minor_scene_solve``)
    had to leave the other elements free in every window, which costs the walls most of
    their information; once the parts are solved from all their pixels the others are
    known better than a window can know them. Measured on the urban demo (image at 2,048
    samples, six runs of seeds and images, SAMPLES 1,024): walls 0.81 -> 0.43 % median
    (mean over the runs), the other maps unchanged. Unweighted, as the windows' solve: by
    each pixel's noise the crowns' near-infrared misfit weighs more (0.74-0.84 %). Bounded
    to [0, 1]; a minor element no pixel sees keeps its OP. ``evaluate(op)``:
    ``evaluate_op_maps`` on the trace."""
    minor_index = np.flatnonzero(minor)
    for _ in range(steps):
        g = gradients[:, minor_index][..., valid]  # (bands, m, pixels)
        residual = (image - simulated)[:, valid]  # (bands, pixels)
        gram = np.einsum("bip,bjp->bij", g, g)
        rhs = np.einsum("bip,bp->bi", g, residual)
        step = np.zeros((op.shape[0], minor_index.size))
        for b in range(op.shape[0]):
            seen = np.diagonal(gram[b]) > 0
            if seen.any():
                step[b, seen] = np.linalg.lstsq(gram[b][np.ix_(seen, seen)], rhs[b, seen],
                                                rcond=1e-12)[0]
        op = op.copy()
        op[:, minor_index] = np.clip(op[:, minor_index] + step[:, :, None, None], 0.0, 1.0)
        simulated, gradients, _ = evaluate(op)
    return op, simulated, gradients


def _minor_given_parts_std(image, op, valid, minor, simulated, gradients,
                           block_side: int) -> np.ndarray:
    """(bands, minor) standard error of ``_minor_given_parts``' OPs: the sandwich S^-1 M
    S^-1 of its least squares, S the minor elements' summed Gram matrix, M the spread of
    the scores (each pixel's gradient times its residual) summed over blocks of
    ``block_side`` pixels, taken as independent between them (G / (G - 1) for G blocks),
    so that what neighbouring pixels share (a path's trace noise, a crown's misfit) counts
    once per block. Never below MIN_RELATIVE_NOISE of the OP; NaN where not seen."""
    minor_index = np.flatnonzero(minor)
    rows, cols = valid.shape
    block = ((np.arange(rows)[:, None] // block_side) * (cols // block_side + 1)
             + np.arange(cols)[None, :] // block_side)[valid]
    blocks, block_of = np.unique(block, return_inverse=True)
    out = np.full((op.shape[0], minor_index.size), np.nan)
    if blocks.size < 2:
        return out
    g = gradients[:, minor_index][..., valid]  # (bands, m, pixels)
    residual = (image - simulated)[:, valid]
    for b in range(op.shape[0]):
        gram = g[b] @ g[b].T
        seen = np.diagonal(gram) > 0
        if not seen.any():
            continue
        scores = np.zeros((blocks.size, seen.sum()))
        np.add.at(scores, block_of, (g[b][seen] * residual[b]).T)
        spread = scores.T @ scores * blocks.size / (blocks.size - 1.0)
        inverse = np.linalg.pinv(gram[np.ix_(seen, seen)], rcond=1e-12)
        out[b, seen] = np.diagonal(inverse @ spread @ inverse)
    value = op[:, minor_index][..., valid].mean(axis=-1)  # scene-wide: the same everywhere
    return np.sqrt(np.maximum(out, (MIN_RELATIVE_NOISE * value) ** 2))


def _minor_window_systems(gram, rhs, present, current, minor, windows):
    """One band's window systems for the ``minor`` elements, the others eliminated: each
    window's Schur complement (N, m, m) and right-hand side (N, m), the minor elements'
    own Gram diagonal summed over the windows (m,), and how the others were eliminated:
    (G_aa^-1 G_ab (N, a, m), G_aa^-1 r_a (N, a), fixed others' OPs (N, a), 0 where free),
    the others being ``~minor`` in order. Others absent from a window
    keep their ``current`` OP there; the others' bounds and damping are left out (the
    window solves that follow apply them). gram (N, I, I), rhs/present/current (N, I)."""
    minor_index = np.flatnonzero(minor)
    other_index = np.flatnonzero(~minor)
    g = gram[windows]
    free = present[windows][:, other_index]  # (N, a)
    g_aa = g[:, other_index][:, :, other_index]
    g_ab = g[:, other_index][:, :, minor_index]
    g_bb = g[:, minor_index][:, :, minor_index]
    # others absent from a window: fixed, their share moved to the right-hand side
    fixed_share = np.where(~free, current[windows][:, other_index], 0.0)
    r_a = rhs[windows][:, other_index] - np.einsum("nij,nj->ni", g_aa, fixed_share)
    r_b = rhs[windows][:, minor_index] - np.einsum("nji,nj->ni", g_ab, fixed_share)
    pair = free[:, :, None] & free[:, None, :]
    g_aa = np.where(pair, g_aa, 0.0)
    scale = np.einsum("nii->n", g_aa)[:, None] + 1e-300
    g_aa = g_aa + np.eye(other_index.size)[None] * np.where(free, 1e-10 * scale, 1.0)[
        :, :, None]
    g_ab = np.where(free[:, :, None], g_ab, 0.0)
    r_a = np.where(free, r_a, 0.0)
    solved = np.linalg.solve(g_aa, np.concatenate([g_ab, r_a[:, :, None]], axis=2))
    schur = g_bb - np.einsum("nai,nak->nik", g_ab, solved[:, :, :-1])
    right = r_b - np.einsum("nai,na->ni", g_ab, solved[:, :, -1])
    return (schur, right, np.diagonal(g_bb.sum(axis=0)),
            (solved[:, :, :-1], solved[:, :, -1], fixed_share))


def minor_scene_variance(gradients, target, valid, footprint, present, current, minor,
                         block_side: int) -> np.ndarray:
    """(bands, minor) variance of the minor elements' scene-wide OPs at ``current``
    (``_minor_scene_solve``'s estimate): a sandwich S^-1 M S^-1, S the summed Schur
    systems, M the spread of the scores (what each pixel adds to the solve's right-hand
    side less S times the OPs, from every window that holds it: its gradient with the
    window's other elements projected out, times its residual at the window's solution),
    summed over blocks of ``block_side`` pixels and taken as independent between them, G /
    (G - 1) for G blocks. Each window's squared residuals are scaled by M / (M - its own
    unknowns), what its fit of the other elements takes up of the noise.

    Overlapping windows share their pixels: the windows' covariances summed as if
    independent would count each pixel's noise once per window that holds it, one
    window's alone is that of a per-window solution (urban demo walls: 4.4 % for an error
    of 0.3-0.7 %), and window scores summed over blocks miss what neighbouring blocks'
    windows share (half the variance for blocks a window wide). The scores hold what the
    scene-wide OP does not follow: the trace's and the image's noise, a wall unlike the
    others. gradients (bands, I, rows, cols), target (bands, rows, cols) the linearised
    image, present/current (bands, rows, cols, I); NaN where an element is not seen (its
    OP kept) or fewer than two blocks hold pixels."""
    minor_index = np.flatnonzero(minor)
    other_index = np.flatnonzero(~minor)
    bands, rows, cols = target.shape
    out = np.full((bands, minor_index.size), np.nan)
    gram, rhs, count = assemble(gradients, target, valid, footprint)
    windows = valid.reshape(-1)
    centre = np.flatnonzero(windows)
    pixel_rows, pixel_cols = np.divmod(np.arange(rows * cols), cols)
    block = (pixel_rows // block_side) * (cols // block_side + 1) + pixel_cols // block_side
    blocks, block_of = np.unique(block[windows], return_inverse=True)
    if blocks.size < 2:
        return out
    correction = blocks.size / (blocks.size - 1.0)
    half_rows, half_cols = footprint.shape[0] // 2, footprint.shape[1] // 2
    offsets = [(dy - half_rows, dx - half_cols) for dy, dx in np.argwhere(footprint)]
    g = np.where(valid, gradients, 0.0)
    y = np.where(valid, target, 0.0)
    for b in range(bands):
        flat_present = present[b].reshape(rows * cols, -1)
        flat_current = current[b].reshape(rows * cols, -1)
        schur, right, own, (project, theta_rhs, fixed) = _minor_window_systems(
            gram[b].reshape(rows * cols, *gram.shape[-2:]), rhs[b].reshape(rows * cols, -1),
            flat_present, flat_current, minor, windows)
        total = schur.sum(axis=0)
        seen = np.diagonal(total) > 1e-8 * np.maximum(own, 1e-300)
        if not seen.any():
            continue
        x = np.median(flat_current[windows][:, minor_index], axis=0)  # (m,)
        # each window's others: their solution at x, or their fixed OP
        others = theta_rhs - np.einsum("nam,m->na", project, x) + fixed  # (N, a)
        m_count = count.reshape(-1)[windows]
        unknowns = flat_present[windows][:, other_index].sum(axis=1)  # its own fit's
        inflate = np.sqrt(m_count / np.maximum(m_count - unknowns, 1.0))
        g_others = g[b][other_index]  # (a, rows, cols)
        g_minor = g[b][minor_index]  # (m, rows, cols)
        scores = np.zeros((rows * cols, minor_index.size))  # per pixel
        for dy, dx in offsets:
            # pixel p = window centre c + (dy, dx)
            p_rows, p_cols = pixel_rows[centre] + dy, pixel_cols[centre] + dx
            inside = (p_rows >= 0) & (p_rows < rows) & (p_cols >= 0) & (p_cols < cols)
            c = np.flatnonzero(inside)
            p = p_rows[c] * cols + p_cols[c]
            ga = g_others[:, p_rows[c], p_cols[c]].T  # (k, a)
            gm = g_minor[:, p_rows[c], p_cols[c]].T  # (k, m)
            residual = (y[b].reshape(-1)[p] - np.einsum("ka,ka->k", ga, others[c])
                        - gm @ x) * inflate[c]
            projected = gm - np.einsum("ka,kam->km", ga, project[c])
            np.add.at(scores, p, projected * (residual / np.maximum(m_count[c], 1.0))[:, None])
        summed = np.zeros((blocks.size, minor_index.size))
        np.add.at(summed, block_of, scores[windows])
        inverse = np.linalg.pinv(total[np.ix_(seen, seen)], hermitian=True)
        middle = correction * summed[:, seen].T @ summed[:, seen]
        out[b, np.flatnonzero(seen)] = np.maximum(np.diagonal(inverse @ middle @ inverse), 0.0)
    return out


def _window_any(mask: np.ndarray, footprint: np.ndarray) -> np.ndarray:
    return window_sum(mask.astype(np.float64), footprint) > 0


def _calibration_step(op, image, simulated, gradients, valid):
    """DART calibration (Landier et al. 2018): per pixel, scale every element's OP by one
    factor, up when the simulation is darker than the image, down when brighter, by a
    Newton step on that factor (bisection-safe: the factor stays within [0.5, 2])."""
    slope = np.einsum("beij,beij->bij", gradients, op)  # dR/dk at k = 1
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = 1.0 + (image - simulated) / slope
    factor = np.where(np.isfinite(factor) & valid, np.clip(factor, 0.5, 2.0), 1.0)
    return np.clip(op * factor[:, None], 0.0, 1.0)
