"""US-DART at its default parameters on images unmix3d did not render.

Scenes (``tests/core/independent.py``): 460 m squares of 1 m land cover, the image the
central 400 m at 10 m (40 x 40 pixels), three bands (B3, B4, B8), nadir, sun at 35 deg:

- ``berlinA``, ``berlinB``: two windows of the real Berlin land cover (``../shared/data/
  berlin``), every patch a material drawn from the Berlin urban spectral library of its
  class (a material per roof, asphalts and concretes, grasses), PROSPECT-D leaf types with
  per-band r and t, buildings 6-25 m high;
- ``town1``, ``town2``: synthetic towns (streets, houses, gardens, tree rows, a river of
  water at 0.01-0.03, bare soil).

Mitsuba 3 (``scalar_rgb``, a two-sided Lambertian leaf BSDF) renders the image; the per-pixel
truth of an element is the mean OP of its materials over its visible area in the pixel.
``unmix`` then runs exactly as ``unmix3d:unmix`` at its defaults (SAMPLES 1,024 then adaptive
sampling to a trace noise of 0.3 % within 30 s of tracing, SEED 2, WINDOW 5x5, ...),
from an element table with one element per class whose initial values are the class
means. Reported per element: pixels, OP error median and mean, image error and its
floor (the true OPs on the inversion's trace), and the calibration of the OP maps'
standard errors (RMS of error / std, and the share of |error| < 2 std).

``--budget`` adds the error budget: the former defaults (64 samples, window-only solves:
``before``), the window-only solve (``window_only``: what holding each pixel to its
nearest pure pixels brings), the windows without the per-part solve (``no_objects``: what
one OP per mock-up part brings), the inversion's trace at 256 and 1,024 samples exactly
(``samples_256``, ``samples_1024``, the defaults before adaptive sampling: its Monte Carlo
noise), the image replaced by unmix3d's own
render of the per-pixel truth (forward-model mismatch against Mitsuba; the image noise),
the difference of that render from
Mitsuba's, and the defaults with one leaf element per leaf type (``leaf_types``: what the
one table-wide leaf r/t ratio costs; also alone with ``--leaf-types``).

    .venv/bin/python benchmarks/bench_independent.py --scenes berlinA town1 --budget

``--own-understory`` adds the cost of the merge of occluded parts where its assumption
fails: the same layouts and materials but the ground under each crown a grass of its own
rather than its nearest lawn's (``own_understory``: the defaults and ``no_merge``), and
``no_merge`` on the usual images.

``--seeds`` adds the defaults at other SEEDs (the trace's random numbers): the spread of
each median over seeds is the benchmark's own noise, against which a target is judged.
With ``--seed-samples N`` they trace exactly N samples instead (``seeds_N``): whether more
trace moves a map's average over seeds.

``--floor`` adds the information floor (``information_floor``: the error no inversion of
the image can beat without prior knowledge). Cases of an earlier run of the same images that
this one does not repeat are kept in ``--output``.

Mitsuba renders are cached in ``--cache`` (they take minutes); times are wall-clock seconds
on a possibly shared machine.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import time
from pathlib import Path

import numpy as np
from scipy import ndimage, sparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "tests" / "core"))

from package_import import import_unmix3d  # noqa: E402

import_unmix3d()

import independent  # noqa: E402

from unmix3d.core.forward import fill_from_table  # noqa: E402
from unmix3d.core.simulate import evaluate_op_maps, trace  # noqa: E402
from unmix3d.core.unmix import (  # noqa: E402
    DEFAULT_SAMPLES,
    DEFAULT_TIME_BUDGET,
    DEFAULT_TRACE_NOISE,
)
from unmix3d.core.unmix.objects import part_shares  # noqa: E402
from unmix3d.core.unmix.pipeline import UnmixParameters  # noqa: E402
from unmix3d.core.unmix.run import run_unmix  # noqa: E402

LAYOUTS = {
    "berlinA": (lambda: independent.berlin_layout(3640, 3200, 460), 1),
    "berlinB": (lambda: independent.berlin_layout(1160, 3100, 460), 3),
    "town1": (lambda: independent.town_layout(1, 460), 2),
    "town2": (lambda: independent.town_layout(2, 460), 4),
}
DEFAULT_SEED = 2  # unmix3d:unmix's defaults (and DEFAULT_SAMPLES)


def scene_and_image(name: str, renders: int, samples: int, cache: Path,
                    understory: str = "nearest lawn"):
    cache.mkdir(parents=True, exist_ok=True)
    kind = "" if understory == "nearest lawn" else "_own_understory"
    path = cache / f"{name}{kind}_{renders}x{samples}.pkl"
    if path.exists():
        with open(path, "rb") as f:
            return pickle.load(f)
    layout, seed = LAYOUTS[name]
    start = time.perf_counter()
    scene = independent.build_scene(layout(), seed=seed, understory=understory)
    built = time.perf_counter() - start
    image, error = independent.render_image(scene, renders, samples, seed=100)
    rendered = time.perf_counter() - start - built
    data = dict(scene=scene, image=image, image_error=error, build_seconds=built,
                render_seconds=rendered)
    with open(path, "wb") as f:
        pickle.dump(data, f)
    return data


def summary(s, result, image, fractions, scene=None, truth=None,
            combined: dict[str, list[int]] | None = None) -> list[dict]:
    """One row per element, then one per ``combined`` group (name -> element indices)
    over all its elements' pixels."""
    names = (scene or s.scene).elements.names
    truth = s.truth if truth is None else truth
    image_error = np.abs(result.simulated - image) / image
    floor = (np.abs(result.truth_simulated - image) / image
             if result.truth_simulated is not None else None)
    groups = [(name, [i]) for i, name in enumerate(names)] + list((combined or {}).items())
    return [_summary_row(name, members, result, image_error, floor, fractions, truth)
            for name, members in groups]


def _summary_row(name, members, result, image_error, floor, fractions, truth) -> dict:
    parts = {k: [] for k in ("error", "z", "pure_error", "image", "floor")}
    pixels = 0
    for i in members:
        mask = result.op_valid[i]
        pixels += int(mask.sum())
        if not mask.any():
            continue
        relative = np.abs(result.op[:, i] - truth[:, i]) / truth[:, i]
        parts["error"].append(relative[:, mask])
        parts["z"].append(((result.op[:, i] - truth[:, i]) / result.op_std[:, i])[:, mask])
        parts["pure_error"].append(relative[:, mask & (fractions[i] >= 0.9)])
        parts["image"].append(image_error[:, mask])
        if floor is not None:
            parts["floor"].append(floor[:, mask])
    if not pixels:
        return dict(element=name, pixels=0)
    joined = {k: np.concatenate([v.ravel() for v in values]) if values else np.empty(0)
              for k, values in parts.items()}
    error = joined["error"][np.isfinite(joined["error"])]
    z = joined["z"][np.isfinite(joined["z"])]
    pure = joined["pure_error"][np.isfinite(joined["pure_error"])]
    return dict(
        element=name, pixels=pixels,
        op_error_median=100 * float(np.median(error)),
        op_error_mean=100 * float(np.mean(error)),
        op_error_median_pure=100 * float(np.median(pure)) if pure.size else None,
        image_error_median=100 * float(np.median(joined["image"])),
        image_floor_median=(100 * float(np.median(joined["floor"]))
                            if joined["floor"].size else None),
        z_rms=float(np.sqrt(np.mean(z**2))),
        within_2_std=float(np.mean(np.abs(z) < 2)),
    )


def unmix_case(s, image, samples, seed, parameters=None, scene=None, truth=None,
               combined=None, trace_noise: float = DEFAULT_TRACE_NOISE):
    """``scene``, ``truth``: another element table's (default: ``s``'s); ``combined``: see
    ``summary``; ``trace_noise``: adaptive sampling's aim (0: ``samples`` exactly), within
    unmix3d:unmix's TIME_BUDGET."""
    scene, truth = scene or s.scene, s.truth if truth is None else truth
    valid = np.isfinite(image).all(axis=0)
    start = time.perf_counter()
    result, traced = run_unmix(scene, s.grid, s.geometry, image, valid, s.bands, s.skyl,
                               parameters or UnmixParameters(), samples=samples, seed=seed,
                               truth=truth, trace_noise=trace_noise,
                               time_budget=DEFAULT_TIME_BUDGET)
    seconds = time.perf_counter() - start
    return dict(seconds=seconds, stages=result.seconds, samples=traced.samples,
                elements=summary(s, result, image, traced.fractions, scene, truth,
                                 combined))


#: median |x| of a normal variable, in standard deviations
MEDIAN_ABS_NORMAL = 0.6745


def information_floor(s, image: np.ndarray, image_error: np.ndarray,
                      trace_samples: int = DEFAULT_SAMPLES, seed: int = 777) -> list[dict]:
    """The OP error no inversion of this image can beat without prior knowledge: per
    element, the median over its pixels (and bands) of the Cramer-Rao bound of its OP map
    value, every other OP known, the model exact and each mock-up part's OP unknown, one
    per part, fixed by every pixel that sees it: a part p of element e in pixels j has the
    Fisher information I_p = sum_j (g_ej a_pj)^2 / var_j (g the image's gradient in e's
    OP, a_pj p's share of e's visible area, var_j the image's noise variance), and the map
    value sum_p a_pj x_p the variance sum_p a_pj^2 / I_p; times 0.6745, the median
    absolute error of an unbiased estimator at that bound. ``image``: the image's noise
    only (what more samples in the trace cannot remove); ``with_trace``: plus the noise of
    a trace of ``trace_samples``. The image's noise variance is its relative variance
    averaged over the pixels of the same kind within 5 x 5 (the same element over half of
    the pixel, or mixed): each pixel's own, from four renders (3 degrees of freedom),
    would over-state the information threefold on average (E[1/s^2] = 3 / sigma^2), and a
    plain 5 x 5 mean would give a flat roof the noise of the crowns beside it."""
    traced = trace(s.scene, s.grid, s.geometry, samples=trace_samples, seed=seed)
    dominant = np.where(traced.fractions.max(axis=0) > 0.5, traced.fractions.argmax(axis=0),
                        -1)
    relative_variance = np.zeros_like(image)
    for kind in np.unique(dominant):
        mine = (dominant == kind).astype(float)
        count = ndimage.uniform_filter(mine, 5, mode="nearest")
        for b in range(len(image)):
            pooled = ndimage.uniform_filter(mine * (image_error[b] / image[b]) ** 2, 5,
                                            mode="nearest")
            relative_variance[b] = np.where(mine > 0, pooled / np.maximum(count, 1e-12),
                                            relative_variance[b])
    image_variance = relative_variance * image**2
    truth_maps = fill_from_table(s.truth, s.scene, s.bands)
    _, gradients, trace_error = evaluate_op_maps(traced, truth_maps, s.bands, s.skyl)
    shares = part_shares(s.scene, s.grid, s.geometry)
    visible = shares.visible.tocoo()
    n_elements = len(s.scene.elements.names)
    # blocks of an element of one part go back to their part: one OP for all its pixels
    owner = np.array([shares.part_names.index(name.split(" block ")[0])
                      for name in shares.part_names])
    part = owner[visible.col]
    element = shares.part_element[part]
    keep = element >= 0
    pixel, part, element, seen = (visible.row[keep], part[keep], element[keep],
                                  visible.data[keep])
    totals = np.zeros((n_elements, s.grid.rows * s.grid.cols))
    np.add.at(totals, (element, pixel), seen)
    share = seen / totals[element, pixel]
    rows = []
    n_parts = len(owner)
    for name, variance in (("image", image_variance),
                           ("with_trace", image_variance + trace_error**2)):
        for e, element_name in enumerate(s.scene.elements.names):
            mine = element == e
            relative = []
            for b in range(len(s.bands)):
                g = gradients[b, e].ravel()[pixel[mine]]
                information = np.bincount(part[mine], (g * share[mine]) ** 2
                                          / variance[b].ravel()[pixel[mine]],
                                          minlength=len(owner))
                with np.errstate(divide="ignore"):
                    map_variance = np.bincount(pixel[mine], share[mine] ** 2
                                               / information[part[mine]],
                                               minlength=totals.shape[1])
                truth = s.truth[b, e].ravel()
                present = (totals[e] > 0) & np.isfinite(truth) & (truth > 0)
                relative.append(np.sqrt(map_variance[present]) / truth[present])
            values = np.concatenate(relative)
            rows.append(dict(noise=name, element=element_name, unknowns="this part",
                             op_error_median_floor=100 * MEDIAN_ABS_NORMAL
                             * float(np.median(values)) if values.size else None))
        rows += _joint_floor(s, gradients, variance, pixel, part, element, share, totals,
                             n_parts, name)
    return rows


def _joint_floor(s, gradients, variance, pixel, part, element, share, totals, n_parts,
                 noise: str) -> list[dict]:
    """The Cramer-Rao bound with every part of every element unknown at once (per band):
    the inverse of the Fisher matrix D^T W D (D the image's derivatives in the parts' OPs,
    W the inverse noise variances); a map value a^T x then has the variance a^T C a. What
    the image cannot tell apart (a crown and the lawn under it, seen in the same pixels)
    shows here and not in the one-part bound."""
    n_pixels = totals.shape[1]
    relative = {e: [] for e in range(len(s.scene.elements.names))}
    part_element = np.full(n_parts, -1)
    part_element[part] = element
    area = sparse.csr_matrix((share, (pixel, part)), (n_pixels, n_parts))
    for b in range(len(s.bands)):
        g = gradients[b][element, pixel // s.grid.cols, pixel % s.grid.cols]
        design = sparse.csr_matrix((g * share, (pixel, part)), (n_pixels, n_parts))
        weight = 1.0 / variance[b].ravel()
        fisher = (design.T @ sparse.diags(weight) @ design).toarray()
        seen = np.diag(fisher) > 0
        fisher = fisher[np.ix_(seen, seen)]
        fisher += 1e-12 * np.diag(fisher).max() * np.eye(seen.sum())
        covariance = np.full((n_parts, n_parts), 0.0)
        covariance[np.ix_(seen, seen)] = np.linalg.inv(fisher)
        for e in relative:
            columns = np.flatnonzero(part_element == e)
            if not columns.size:
                continue
            a = area[:, columns]
            map_variance = np.asarray(a.multiply(a @ covariance[np.ix_(columns, columns)])
                                      .sum(axis=1)).ravel()
            truth = s.truth[b, e].ravel()
            present = (totals[e] > 0) & np.isfinite(truth) & (truth > 0)
            relative[e].append(np.sqrt(np.maximum(map_variance[present], 0)) / truth[present])
    rows = []
    for e, values in relative.items():
        values = np.concatenate(values) if values else np.empty(0)
        rows.append(dict(noise=noise, element=s.scene.elements.names[e], unknowns="all parts",
                         op_error_median_floor=100 * MEDIAN_ABS_NORMAL
                         * float(np.median(values)) if values.size else None))
    return rows


def leaf_types_case(s, image) -> dict:
    """The defaults with one leaf element per leaf type (a user with a species map): what
    the one table-wide leaf r/t ratio costs. At nadir with the sun behind the sensor the
    image fixes mostly r in the red (leaves seen lit on their tops); the albedo r + t then
    follows from the ratio, which differs 2.3-fold in the red between these types."""
    scene, truth = independent.leaf_type_scene(s)
    leaves = [i for i, name in enumerate(scene.elements.names) if name.startswith("leaves")]
    return unmix_case(s, image, DEFAULT_SAMPLES, DEFAULT_SEED, scene=scene, truth=truth,
                      combined={"leaves (all types)": leaves})


def _seed_row(case: dict) -> dict:
    """What ``--seeds`` keeps of a default case: samples, seconds, each map's median."""
    return {"samples": case["samples"], "seconds": case["seconds"],
            "op_error_median": {row["element"]: row["op_error_median"]
                                for row in case["elements"] if row["pixels"]}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scenes", nargs="+", default=list(LAYOUTS), choices=list(LAYOUTS))
    parser.add_argument("--renders", type=int, default=4)
    parser.add_argument("--render-samples", type=int, default=1024)
    parser.add_argument("--budget", action="store_true")
    parser.add_argument("--floor", action="store_true",
                        help="add the information floor (in --budget)")
    parser.add_argument("--floor-only", action="store_true",
                        help="the information floor alone (the other cases kept)")
    parser.add_argument("--leaf-types", action="store_true",
                        help="add the case of one leaf element per leaf type (in --budget)")
    parser.add_argument("--own-understory", action="store_true",
                        help="add the defaults with and without the merge of occluded parts "
                             "on images whose understories are grasses of their own (not "
                             "their nearest lawn's), and without it on the usual images")
    parser.add_argument("--seeds", type=int, nargs="+", default=[],
                        help="add the defaults with these other SEEDs (the trace's): how "
                             "much a map's median moves with the trace's noise alone")
    parser.add_argument("--seed-samples", type=int, default=0,
                        help="with --seeds: trace exactly this many samples (adaptive "
                             "sampling off) instead of the defaults' adaptive sampling")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/unmix3d-independent"))
    parser.add_argument("--output", type=Path,
                        default=ROOT / "benchmarks" / "results" / "independent.json")
    args = parser.parse_args()
    results = {"renderer": "Mitsuba 3.9.1 scalar_rgb, stratified sampler, two-sided "
                           "Lambertian leaf BSDF",
               "image_samples": args.renders * args.render_samples, "scenes": {}}
    # the cases an earlier run of the same images measured and this one does not repeat
    earlier = {}
    if args.output.exists():
        previous = json.loads(args.output.read_text())
        if previous.get("image_samples") == results["image_samples"]:
            earlier = previous.get("scenes", {})
            results["scenes"] = dict(earlier)
    for name in args.scenes:
        data = scene_and_image(name, args.renders, args.render_samples, args.cache)
        s, image = data["scene"], data["image"]
        entry = {"triangles": int(len(s.scene.mockup.triangles)), "parts": len(s.parts),
                 "image_relative_stderr_median": float(np.median(data["image_error"] / image)),
                 "render_seconds": data["render_seconds"]}
        if not args.floor_only:
            entry["default"] = unmix_case(s, image, DEFAULT_SAMPLES, DEFAULT_SEED)
        if args.floor or args.floor_only or args.budget:
            entry["information_floor"] = information_floor(s, image, data["image_error"])
        if args.budget:
            entry["before"] = unmix_case(s, image, 64, DEFAULT_SEED,
                                         UnmixParameters(start_weight=0.0, objects=False),
                                         trace_noise=0.0)
            entry["no_objects"] = unmix_case(s, image, DEFAULT_SAMPLES, DEFAULT_SEED,
                                             UnmixParameters(objects=False))
            entry["window_only"] = unmix_case(s, image, DEFAULT_SAMPLES, DEFAULT_SEED,
                                              UnmixParameters(start_weight=0.0,
                                                              objects=False))
            entry["samples_256"] = unmix_case(s, image, 256, DEFAULT_SEED, trace_noise=0.0)
            entry["samples_1024"] = unmix_case(s, image, DEFAULT_SAMPLES, DEFAULT_SEED,
                                               trace_noise=0.0)
            own_trace = trace(s.scene, s.grid, s.geometry, samples=1024, seed=777)
            own, _, own_error = evaluate_op_maps(
                own_trace, fill_from_table(s.truth, s.scene, s.bands), s.bands, s.skyl)
            entry["own_vs_mitsuba"] = {
                "relative_difference_median": float(np.median(np.abs(own - image) / image)),
                "relative_bias_per_band": ((own - image) / image).mean(axis=(1, 2)).tolist(),
                "z_median": float(np.median(np.abs(own - image)
                                            / np.hypot(own_error, data["image_error"]))),
            }
            entry["own_image_1024"] = unmix_case(s, own, DEFAULT_SAMPLES, DEFAULT_SEED,
                                                 trace_noise=0.0)
        if args.seeds:
            key, fixed = ((f"seeds_{args.seed_samples}",
                           dict(samples=args.seed_samples, trace_noise=0.0))
                          if args.seed_samples else ("seeds", dict(samples=DEFAULT_SAMPLES)))
            entry[key] = {str(seed): _seed_row(unmix_case(s, image, seed=seed, **fixed))
                          for seed in args.seeds}
        if args.budget or args.leaf_types:
            entry["leaf_types"] = leaf_types_case(s, image)
        if args.own_understory:
            no_merge = UnmixParameters(merge_occluded=False)
            entry["no_merge"] = unmix_case(s, image, DEFAULT_SAMPLES, DEFAULT_SEED, no_merge)
            own = scene_and_image(name, args.renders, args.render_samples, args.cache, "own")
            entry["own_understory"] = {
                "default": unmix_case(own["scene"], own["image"], DEFAULT_SAMPLES,
                                      DEFAULT_SEED),
                "no_merge": unmix_case(own["scene"], own["image"], DEFAULT_SAMPLES,
                                       DEFAULT_SEED, no_merge),
            }
        results["scenes"][name] = {**earlier.get(name, {}), **entry}
        print(json.dumps({name: entry}, indent=1, default=float), flush=True)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=1, default=float))


if __name__ == "__main__":
    main()
