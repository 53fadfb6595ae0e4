"""US-DART (with and without CLOSURE) and DART calibration on the built-in demo scenes: the
accuracy table in the paper's layout with the published figures beside ours, wall time per
stage, and the cost of the cached gradient-iteration loop against a loop that re-traces the
scene every iteration, measured in the same run.

Run: .venv/bin/python benchmarks/bench_unmix.py [--scenes vegetation urban]
     [--truth-samples 4096] [--samples 256] [--window 7] [--iterations 8]
     [--retrace-iterations 2]
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from package_import import import_unmix3d  # noqa: E402

import_unmix3d()
from unmix3d.core.scene import demo_scenes  # noqa: E402
from unmix3d.core.scene.elements import read_element_table  # noqa: E402
from unmix3d.core.scene.mockup import load_mockup  # noqa: E402
from unmix3d.core.simulate import (  # noqa: E402
    Geometry,
    PixelGrid,
    evaluate_op_maps,
    prepare_scene,
    trace,
)
from unmix3d.core.unmix.accuracy import PUBLISHED, accuracy_markdown, accuracy_rows  # noqa: E402
from unmix3d.core.unmix.pipeline import UnmixParameters, unmix  # noqa: E402


def run_scene(name: str, args) -> dict:
    folder = tempfile.mkdtemp(prefix=f"unmix3d-bench-{name}-")
    timings = {}
    start = time.perf_counter()
    demo = getattr(demo_scenes, f"{name}_scene")(folder)
    timings["build_scene_s"] = time.perf_counter() - start
    start = time.perf_counter()
    elements = read_element_table(demo.elements_csv)
    scene = prepare_scene(load_mockup(demo.obj_path), elements)
    timings["load_and_bvh_s"] = time.perf_counter() - start
    grid = PixelGrid.from_geotransform(demo.geotransform, *demo.shape)
    geometry = Geometry(demo.sun_zenith, demo.sun_azimuth, demo.view_zenith, demo.view_azimuth)
    bands = list(demo.bands)
    skyl = np.array([demo.skyl[band] for band in bands])
    truth_values = np.array([demo.truth_op[e] for e in elements.names]).T  # bands x elements
    truth = np.broadcast_to(truth_values[:, :, None, None], truth_values.shape + demo.shape)
    truth = truth.copy()

    start = time.perf_counter()
    truth_trace = trace(scene, grid, geometry, samples=args.truth_samples, seed=20250101)
    image, _, _ = evaluate_op_maps(truth_trace, truth, bands, skyl)
    timings["pseudo_image_s"] = time.perf_counter() - start
    valid = np.ones(demo.shape, dtype=bool)

    rows, stages = [], {}
    cases = (("us-dart", False, "US-DART"), ("us-dart", True, "US-DART + closure"),
             ("dart-calibration", False, "DART calibration"))
    for method, closure, label in cases:
        if not closure:  # each method traces for itself; closure reuses US-DART's trace
            start = time.perf_counter()
            inversion = trace(scene, grid, geometry, samples=args.samples, seed=7)
            trace_seconds = time.perf_counter() - start
        result = unmix(inversion, image, valid, bands, skyl,
                       UnmixParameters(method=method, iterations=args.iterations,
                                       window=(args.window, args.window), closure=closure),
                       truth=truth)
        seconds = {f"{k}_s": v for k, v in result.seconds.items()}
        stages[method + (" + closure" if closure else "")] = {
            "trace_s": trace_seconds, **seconds,
            "total_s": trace_seconds + sum(result.seconds.values()),
            "iterations_run": sum(h["stage"].startswith("iteration")
                                  for h in result.history)}
        rows += accuracy_rows(f"{name} scene, {label}", elements.names, image,
                              result.simulated, result.op, result.op_valid, truth,
                              result.truth_simulated)

    # cached GI iterations vs re-tracing at every iteration (same evaluation otherwise)
    op = np.broadcast_to(truth_values[:, :, None, None] * 1.05, truth.shape).copy()
    start = time.perf_counter()
    for _ in range(args.retrace_iterations):
        evaluate_op_maps(inversion, op, bands, skyl)
    cached = (time.perf_counter() - start) / args.retrace_iterations
    start = time.perf_counter()
    for k in range(args.retrace_iterations):
        fresh = trace(scene, grid, geometry, samples=args.samples, seed=100 + k)
        evaluate_op_maps(fresh, op, bands, skyl)
    retraced = (time.perf_counter() - start) / args.retrace_iterations
    return {
        "scene": name, "pixels": int(np.prod(demo.shape)), "bands": len(bands),
        "elements": elements.names, "triangles": scene.mockup.triangle_count,
        "truth_samples": args.truth_samples, "samples": args.samples, **timings,
        "stages": stages,
        "gi_iteration_cached_s": cached, "gi_iteration_retraced_s": retraced,
        "retrace_over_cached": retraced / cached,
        "accuracy": [row.__dict__ for row in rows],
        "accuracy_markdown": accuracy_markdown(rows, PUBLISHED),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenes", nargs="+", default=["vegetation", "urban"])
    parser.add_argument("--truth-samples", type=int, default=4096)
    parser.add_argument("--samples", type=int, default=256)
    parser.add_argument("--iterations", type=int, default=8)
    parser.add_argument("--window", type=int, default=7)
    parser.add_argument("--retrace-iterations", type=int, default=2)
    args = parser.parse_args()
    import numba

    results = [run_scene(name, args) for name in args.scenes]
    print(json.dumps({"machine": {"cpus": os.cpu_count(), "numba_threads": numba.get_num_threads()},
                      "results": results}, indent=1, default=float))


if __name__ == "__main__":
    main()
