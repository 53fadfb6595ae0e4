"""Forward-model benchmark: one trace serving every band, gradient and iteration, against
re-tracing.

Usage::

    .venv/bin/python benchmarks/bench_forward.py [--size 500] [--samples 64]
        [--compare-size 100] [--bands 12] [--retraces 2] [--iterations 10]
        [--scene vegetation|urban] [--folder DIR]

Prints one JSON object:

- ``large``: a trace of a ``size`` x ``size`` image (default 500 x 500 pixels of 2 m over
  the built-in vegetation demo's 1 km extent, about a million triangles) at ``samples``
  samples per pixel: wall time, peak memory and the size of the polynomial cache. It runs
  in its own process, so the peak is that process's peak resident set (Linux VmHWM): the
  whole process (``peak_rss_mib``) and the trace alone (``trace_peak_increase_mib``: VmHWM
  reset via /proc/self/clear_refs just before the trace, minus the resident set then).
- ``bands``: on a ``compare_size`` x ``compare_size`` grid (the demo's own 10 m grid by
  default), evaluating all bands, all gradients and per-pixel maps from the cached trace
  against re-tracing the scene once per band. ``retraces`` re-traces are measured and the
  per-band cost extrapolated to ``bands`` (the JSON says so).
- ``us_dart_loop``: ``iterations`` US-DART iterations (image + gradients of every band with
  per-pixel OP maps, ``core.simulate.evaluate_op_maps``) from one trace, against the same
  iterations re-tracing once per band (extrapolated from the measured trace time).
  Re-tracing gradients would cost (variables + 1) traces per band by finite differences;
  the ratios below count only one trace per band (the re-tracer's best case).

Times are wall-clock seconds on a possibly shared machine; ratios are measured in the same
process, interleaved where it matters. Numba compilation (or cache loading) is done on a
tiny grid first and reported separately.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from memory import reset_peak, status_kib

ROOT = Path(__file__).resolve().parents[1]


def _import_package():
    """Import the repository as package ``unmix3d`` (as the tests do)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from package_import import import_unmix3d

    import_unmix3d()


def _mib(kib: int) -> float:
    return round(kib / 1024.0, 1)


def _load(obj: str, csv: str):
    from unmix3d.core.scene.elements import read_element_table
    from unmix3d.core.scene.mockup import load_mockup
    from unmix3d.core.simulate import prepare_scene

    t0 = time.perf_counter()
    mockup = load_mockup(obj)
    t1 = time.perf_counter()
    scene = prepare_scene(mockup, read_element_table(csv))
    t2 = time.perf_counter()
    return scene, round(t1 - t0, 2), round(t2 - t1, 2)


def _geometry(meta: dict):
    from unmix3d.core.simulate import Geometry

    return Geometry(meta["sun_zenith"], meta["sun_azimuth"], meta["view_zenith"],
                    meta["view_azimuth"])


def _grid(meta: dict, size: int):
    from unmix3d.core.simulate import PixelGrid

    x0, y0, x1, y1 = meta["extent"]
    return PixelGrid(x0, y1, (x1 - x0) / size, (y1 - y0) / size, size, size)


def _warm_up(scene, meta) -> float:
    """Compile (or load from cache) the tracer and the evaluators on a tiny grid."""
    from unmix3d.core.simulate import evaluate_op_maps, trace

    t0 = time.perf_counter()
    small = trace(scene, _grid(meta, 2), _geometry(meta), samples=4, seed=0)
    bands = list(meta["bands"])[:1]
    x = scene.variables_from_table(bands)
    small.reflectance(x, 0.1)
    small.polynomials.gradients(x, 0.1)
    op = np.ones((1, len(scene.elements.elements), 2, 2)) * 0.3
    evaluate_op_maps(small, op, bands, np.array([0.1]))
    return round(time.perf_counter() - t0, 2)


# ---------------------------------------------------------------------------------------
# children (each in its own process)


def child_large(args, meta) -> dict:
    import numba

    from unmix3d.core.simulate import trace

    scene, load_s, prepare_s = _load(meta["obj_path"], meta["elements_csv"])
    compile_s = _warm_up(scene, meta)
    grid = _grid(meta, args.size)
    rss_before = status_kib("VmRSS")
    reset = reset_peak()
    t0 = time.perf_counter()
    result = trace(scene, grid, _geometry(meta), samples=args.samples, seed=1)
    seconds = time.perf_counter() - t0
    trace_peak = status_kib("VmHWM")
    polynomials = result.polynomials
    pixels = grid.rows * grid.cols
    return {
        "grid": f"{grid.cols} x {grid.rows} pixels of {grid.pixel_width:g} m",
        "samples_per_pixel": args.samples,
        "triangles": int(scene.mockup.triangle_count),
        "variables": scene.n_variables,
        "load_mockup_s": load_s,
        "prepare_scene_bvh_s": prepare_s,
        "numba_warm_up_s": compile_s,
        "trace_s": round(seconds, 2),
        "camera_paths_per_s": round(pixels * args.samples / seconds),
        "rss_before_trace_mib": _mib(rss_before),
        "trace_peak_increase_mib": _mib(trace_peak - rss_before) if reset else None,
        "peak_rss_mib": _mib(max(trace_peak, status_kib("VmHWM"))) if reset else _mib(
            status_kib("VmHWM")),
        "peak_reset_supported": reset,
        "polynomial_cache": {
            "nbytes": int(polynomials.nbytes),
            "mib": round(polynomials.nbytes / 2**20, 1),
            "nnz": int(polynomials.coefficients.nnz),
            "monomials": int(polynomials.n_monomials),
            "batches": int(polynomials.batches),
            "bytes_per_pixel": round(polynomials.nbytes / pixels, 1),
            "coefficients_per_pixel": round(polynomials.coefficients.nnz / pixels, 1),
        },
        "numba_threads": numba.get_num_threads(),
    }


def _best(function, repeat: int) -> float:
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - t0)
    return best


def child_loop(args, meta) -> dict:
    from unmix3d.core.simulate import evaluate_op_maps, trace

    scene, _, _ = _load(meta["obj_path"], meta["elements_csv"])
    compile_s = _warm_up(scene, meta)
    geometry = _geometry(meta)
    grid = _grid(meta, args.compare_size)
    all_bands = list(meta["bands"])
    bands = [all_bands[i % len(all_bands)] for i in range(args.bands)]
    skyl = np.array([meta["skyl"][b] for b in bands])
    x = scene.variables_from_table(bands)  # (bands, variables)
    n_elements = len(scene.elements.elements)
    rng = np.random.default_rng(0)
    op_table = np.array([[scene.elements.elements[e].op[b] for e in range(n_elements)]
                         for b in bands])
    op_maps = op_table[:, :, None, None] * rng.uniform(
        0.9, 1.1, (len(bands), n_elements, grid.rows, grid.cols))
    x_maps = np.broadcast_to(x[:, :, None, None], x.shape + (grid.rows, grid.cols)) * \
        rng.uniform(0.9, 1.1, x.shape + (grid.rows, grid.cols))

    # the one trace
    t0 = time.perf_counter()
    cached = trace(scene, grid, geometry, samples=args.samples, seed=1)
    trace_s = time.perf_counter() - t0
    p = cached.polynomials
    repeat = 3
    image_s = _best(lambda: p.reflectance(x, skyl), repeat)
    gradients_s = _best(lambda: p.gradients(x, skyl), repeat)
    per_pixel_s = _best(lambda: p.reflectance_per_pixel(x_maps, skyl), repeat)
    iteration_s = _best(lambda: evaluate_op_maps(cached, op_maps, bands, skyl), repeat)
    cached_all_s = image_s + gradients_s

    # re-tracing: one trace per band (each followed by that band's image), measured on
    # ``retraces`` bands and extrapolated
    per_band = []
    for k in range(args.retraces):
        b = k % len(bands)
        t0 = time.perf_counter()
        fresh = trace(scene, grid, geometry, samples=args.samples, seed=100 + k)
        fresh.reflectance(x[b:b + 1], skyl[b])
        per_band.append(time.perf_counter() - t0)
    retrace_band_s = float(np.mean(per_band))
    retrace_all_s = retrace_band_s * len(bands)

    # US-DART-style loop: N iterations of per-pixel image + gradients for every band
    t0 = time.perf_counter()
    for _ in range(args.iterations):
        evaluate_op_maps(cached, op_maps, bands, skyl)
    loop_cached_s = time.perf_counter() - t0
    loop_retrace_s = args.iterations * retrace_all_s
    pixels = grid.rows * grid.cols
    return {
        "bands": {
            "grid": f"{grid.cols} x {grid.rows} pixels of {grid.pixel_width:g} m",
            "samples_per_pixel": args.samples,
            "bands": len(bands),
            "variables": scene.n_variables,
            "numba_warm_up_s": compile_s,
            "trace_s": round(trace_s, 3),
            "polynomial_cache_mib": round(p.nbytes / 2**20, 2),
            "eval_reflectance_all_bands_s": round(image_s, 4),
            "eval_gradients_all_bands_s": round(gradients_s, 4),
            "eval_reflectance_per_pixel_maps_with_gradients_s": round(per_pixel_s, 4),
            "cached_bands_and_gradients_s": round(cached_all_s, 4),
            "retrace_measured": len(per_band),
            "retrace_per_band_s": [round(s, 3) for s in per_band],
            "retrace_all_bands_s": round(retrace_all_s, 2),
            "retrace_all_bands_note": (f"{len(per_band)} re-traces measured, mean "
                                       f"extrapolated to {len(bands)} bands"),
            "ratio_retrace_vs_cached_eval": round(retrace_all_s / cached_all_s, 1),
            "ratio_retrace_vs_cached_eval_per_pixel_maps": round(retrace_all_s / per_pixel_s,
                                                                 1),
            "ratio_retrace_vs_trace_plus_cached_eval": round(
                retrace_all_s / (trace_s + cached_all_s), 1),
            "target_ratio": 10,
        },
        "us_dart_loop": {
            "iterations": args.iterations,
            "per_iteration": (f"evaluate_op_maps: image + gradients of {len(bands)} bands "
                              f"with per-pixel OP maps ({pixels} pixels)"),
            "cached_s": round(loop_cached_s, 3),
            "cached_per_iteration_s": round(loop_cached_s / args.iterations, 4),
            "cached_per_iteration_best_s": round(iteration_s, 4),
            "cached_including_the_one_trace_s": round(loop_cached_s + trace_s, 3),
            "retrace_s_extrapolated": round(loop_retrace_s, 1),
            "retrace_note": (f"{args.iterations} iterations x {len(bands)} bands x "
                             f"{retrace_band_s:.3f} s per measured re-trace (images only; "
                             f"finite-difference gradients would multiply it by "
                             f"{scene.n_variables + 1})"),
            "ratio": round(loop_retrace_s / (loop_cached_s + trace_s), 1),
        },
    }


# ---------------------------------------------------------------------------------------


def _machine() -> dict:
    import numba

    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {
        "nproc": os.cpu_count(),
        "affinity_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
        else None,
        "numba_threads": numba.get_num_threads(),
        "numba_threading_layer_config": numba.config.THREADING_LAYER,
        "numba": numba.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "processor": _cpu_model(),
        "load_average": [round(v, 2) for v in load] if load else None,
    }


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def _make_scene(name: str, folder: Path) -> dict:
    from unmix3d.core.scene import demo_scenes

    t0 = time.perf_counter()
    demo = (demo_scenes.vegetation_scene if name == "vegetation"
            else demo_scenes.urban_scene)(folder)
    return {
        "scene": name,
        "obj_path": str(demo.obj_path),
        "elements_csv": str(demo.elements_csv),
        "extent": list(demo.extent),
        "native_shape": list(demo.shape),
        "sun_zenith": demo.sun_zenith,
        "sun_azimuth": demo.sun_azimuth,
        "view_zenith": demo.view_zenith,
        "view_azimuth": demo.view_azimuth,
        "skyl": {b: float(v) for b, v in demo.skyl.items()},
        "bands": list(demo.bands),
        "triangles": int(demo.n_triangles),
        "build_s": round(time.perf_counter() - t0, 1),
    }


def _run_child(kind: str, args, meta_path: Path) -> dict:
    command = [sys.executable, __file__, "--child", kind, "--meta", str(meta_path),
               "--size", str(args.size), "--samples", str(args.samples),
               "--compare-size", str(args.compare_size), "--bands", str(args.bands),
               "--retraces", str(args.retraces), "--iterations", str(args.iterations)]
    t0 = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True)
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-5:]}
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["process_wall_s"] = round(time.perf_counter() - t0, 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=500, help="large image side (pixels)")
    parser.add_argument("--samples", type=int, default=64, help="samples per pixel")
    parser.add_argument("--compare-size", type=int, default=100,
                        help="image side (pixels) of the band and loop comparisons")
    parser.add_argument("--bands", type=int, default=12)
    parser.add_argument("--retraces", type=int, default=2,
                        help="re-traces measured (extrapolated to --bands)")
    parser.add_argument("--iterations", type=int, default=10, help="US-DART iterations")
    parser.add_argument("--scene", choices=("vegetation", "urban"), default="vegetation")
    parser.add_argument("--folder", help="where to write the demo scene (default: temporary)")
    parser.add_argument("--skip-large", action="store_true")
    parser.add_argument("--child", choices=("large", "loop"), help=argparse.SUPPRESS)
    parser.add_argument("--meta", help=argparse.SUPPRESS)
    args = parser.parse_args()

    _import_package()
    if args.child:
        meta = json.loads(Path(args.meta).read_text())
        run = child_large if args.child == "large" else child_loop
        print(json.dumps(run(args, meta)))
        return

    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(args.folder or temporary)
        meta = _make_scene(args.scene, folder)
        meta_path = folder / "bench_forward_meta.json"
        meta_path.write_text(json.dumps(meta))
        report = {"benchmark": "forward model: cached polynomials vs re-tracing",
                  "machine": _machine(),
                  "scene": {k: meta[k] for k in ("scene", "triangles", "extent", "build_s")}}
        if not args.skip_large:
            report["large"] = _run_child("large", args, meta_path)
        loop = _run_child("loop", args, meta_path)
        if "error" in loop:
            report["bands"] = loop
        else:
            process_s = loop.pop("process_wall_s")
            report.update(loop)
            report["bands"]["process_wall_s"] = process_s
    report["machine"]["load_average_end"] = [round(v, 2) for v in os.getloadavg()]
    report["total_wall_s"] = round(time.perf_counter() - start, 1)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
