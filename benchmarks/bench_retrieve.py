"""3D-Diff-style retrieval benchmark: the virtual two-leaf-type forest (core.retrieve.virtual).

Usage::

    .venv/bin/python benchmarks/bench_retrieve.py [--truth-samples 1024] [--samples 512]
        [--dates 2] [--seeds 2] [--retrace-steps 2]

Prints one JSON object:

- ``rmse``: per resolution (0.5, 2.5, 10 m), the RMSE over bands and the relative RMSE
  (RMSE / mean true value) of every component's r (and t), free spectra, on the views of
  ``--dates`` dates (1: sun at 30 degrees, three view angles; 2: also the sun at 55
  degrees, two view angles); ``z_rms`` is the RMS of error / standard error per component.
  Repeated for ``--seeds`` independent pairs of truth and model traces (``rmse_by_seed``,
  ``max_rmse_over_seeds``): one draw can be lucky.
- ``prospect``: relative errors of the PROSPECT-D parameters of both leaf types retrieved
  on the 0.5 m views, with their standard errors.
- ``timing``: the 0.5 m optimisation's wall time and evaluation count on the cached
  traces, against re-tracing at each step: ``retrace_steps`` steps are run for real (trace
  the three geometries again with a new seed, then evaluate loss and gradient) and the
  per-step cost is multiplied by the optimiser's evaluation count. Re-tracing gradients by
  finite differences would cost (parameters + 1) traces per step; this counts one (the
  re-tracer's best case, with the exact gradient of our polynomials for free).

The truth images are traced with ``truth_samples`` per pixel and other seeds than the
retrieval's traces. Wall-clock seconds on a possibly shared machine; the ratio is measured
in the same process.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from package_import import import_unmix3d  # noqa: E402

import_unmix3d()

import numpy as np  # noqa: E402

from unmix3d.core.retrieve import prospect, virtual  # noqa: E402
from unmix3d.core.retrieve.model import PROSPECT, View, prepare, retrieve  # noqa: E402
from unmix3d.core.simulate import Geometry, trace  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--truth-samples", type=int, default=1024)
    parser.add_argument("--samples", type=int, default=512)
    parser.add_argument("--dates", type=int, choices=(1, 2), default=2)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--retrace-steps", type=int, default=2)
    args = parser.parse_args()
    bands = list(virtual.BANDS)
    geometries = virtual.GEOMETRIES + (virtual.SECOND_DATE if args.dates == 2 else ())
    scene = virtual.virtual_forest()
    truth = virtual.truth_variables(scene)
    out = {"scene": {"size_m": virtual.SIZE, "triangles": int(scene.mockup.triangle_count),
                     "bands": bands, "views": [list(g) for g in geometries],
                     "truth_samples": args.truth_samples, "samples": args.samples,
                     "variables": scene.variable_names},
           "rmse_by_seed": []}
    timing = first_seed = None
    for seed in range(args.seeds):
        start = time.perf_counter()
        observed, model_seconds = virtual.observations(
            scene, args.truth_samples, args.samples, geometries=geometries,
            truth_seed=990 + 100 * seed, model_seed=10 + 100 * seed)
        first_seed = first_seed or (observed, model_seconds)
        table = {"tracing_s": round(time.perf_counter() - start, 2)}
        for pixel in (0.5, 2.5, 10.0):
            result = retrieve(scene, virtual.views_at(observed, pixel), bands,
                              intervals="sandwich")
            error = result.variables[0] - truth
            rmse = np.sqrt((error**2).mean(axis=0))
            z = np.sqrt(np.mean((error / result.variables_std[0]) ** 2, axis=0))
            row = {name: {"rmse": round(float(a), 5), "relative_rmse_pct":
                          round(float(100 * a / truth[:, v].mean()), 3),
                          "z_rms": round(float(z[v]), 2)}
                   for v, (name, a) in enumerate(zip(scene.variable_names, rmse, strict=True))}
            row["max_rmse"] = round(float(rmse.max()), 5)
            table[f"{pixel:g} m"] = row
            if pixel == 0.5 and seed == 0:
                timing = result
        out["rmse_by_seed"].append(table)
    out["max_rmse_over_seeds"] = {
        f"{pixel:g} m": max(t[f"{pixel:g} m"]["max_rmse"] for t in out["rmse_by_seed"])
        for pixel in (0.5, 2.5, 10.0)}
    observed, model_seconds = first_seed  # PROSPECT and timing: the first seed's traces
    result = retrieve(scene, virtual.views_at(observed, 0.5), bands,
                      modes={"leaf_a": PROSPECT, "leaf_b": PROSPECT}, intervals="sandwich")
    out["prospect"] = {}
    for k, p in enumerate(result.parameters):
        if not p.band:
            true = virtual.LEAF_PARAMETERS[p.element][prospect.PARAMETERS[p.quantity][0]]
            out["prospect"][f"{p.element}:{p.quantity}"] = {
                "true": true, "retrieved": round(float(result.values[k]), 5),
                "std": round(float(result.std[k]), 5),
                "relative_error_pct": round(float(100 * (result.values[k] / true - 1)), 2)}
    out["prospect_seconds"] = round(result.seconds, 2)

    # re-tracing at each step, for real, a few steps
    problem = prepare(scene, virtual.views_at(observed, 0.5), bands)
    steps = []
    for step in range(args.retrace_steps):
        t0 = time.perf_counter()
        views = []
        for k, angles in enumerate(geometries):
            fresh = trace(scene, virtual.grid(virtual.FINE_PIXEL), Geometry(*angles),
                          samples=args.samples, seed=5000 + 10 * step + k)
            views.append(View(fresh.polynomials, observed[k][0],
                              np.ones(observed[k][0].shape[1:], bool),
                              virtual.skyl(angles[0])))
        prepare(scene, views, bands).objective(problem.p0)
        steps.append(time.perf_counter() - t0)
    cached = []
    for _ in range(3):
        t0 = time.perf_counter()
        problem.objective(problem.p0)
        cached.append(time.perf_counter() - t0)
    per_retrace = float(np.mean(steps))
    out["timing"] = {
        "optimisation_wall_s": round(timing.seconds, 3),
        "evaluations": timing.evaluations, "iterations": timing.iterations,
        "cached_step_s": round(float(np.median(cached)), 4),
        "retrace_step_s": round(per_retrace, 3),
        "trace_once_s": round(model_seconds, 3),
        "retracing_total_s_extrapolated": round(per_retrace * timing.evaluations, 1),
        "speedup": round(per_retrace * timing.evaluations / timing.seconds, 1),
        "per_step_ratio": round(per_retrace / float(np.median(cached)), 1),
    }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
