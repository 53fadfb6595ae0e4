"""A built-in demo scene unmixed at ``unmix3d:unmix``'s defaults (a self-consistency check:
the image is Unmix3D's own render).

The pseudo-image is traced at ``--image-samples`` with its own seed from the scene's true
OPs; ``run_unmix`` then runs as the Processing algorithm calls it (SAMPLES 1,024 and adaptive
sampling to TRACE_NOISE 0.2 % within TIME_BUDGET 35 s, SEED 2, WINDOW 5x5, OBJECTS true,
...), once per ``--objects`` setting. Prints, per element, the median and mean relative OP
error against the truth and the RMS of error / standard error, and the stage times
(wall-clock, on a possibly shared machine). ``--seed`` and ``--image-seed`` draw other
random numbers for the inversion's trace and the image.

    .venv/bin/python benchmarks/bench_demo_defaults.py --scene urban

``--floor`` prints instead the information floor of each element's scene-wide OP (the
solve of an element never half of a pixel, such as the urban walls): the Cramer-Rao bound
with every other OP known and the model exact, from the image's own noise (its 16 batches)
and with the noise of a ``--samples`` trace added.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

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
from unmix3d.core.unmix import (  # noqa: E402
    DEFAULT_SAMPLES,
    DEFAULT_TIME_BUDGET,
    DEFAULT_TRACE_NOISE,
)
from unmix3d.core.unmix.pipeline import UnmixParameters  # noqa: E402
from unmix3d.core.unmix.run import run_unmix  # noqa: E402


def demo_case(name: str):
    """A built-in demo scene written to a temporary folder and prepared for tracing:
    (demo, scene, grid, geometry, bands, skyl)."""
    demo = getattr(demo_scenes, f"{name}_scene")(tempfile.mkdtemp())
    scene = prepare_scene(load_mockup(demo.obj_path), read_element_table(demo.elements_csv))
    grid = PixelGrid.from_geotransform(demo.geotransform, *demo.shape)
    geometry = Geometry(demo.sun_zenith, demo.sun_azimuth, demo.view_zenith,
                        demo.view_azimuth)
    bands = list(demo.bands)
    return demo, scene, grid, geometry, bands, np.array([demo.skyl[b] for b in bands])


#: median |x| of a normal variable, in standard deviations
MEDIAN_ABS_NORMAL = 0.6745


def print_scene_wide_floor(scene, grid, geometry, bands, skyl, truth, image_error,
                           trace_samples: int, seed: int = 777) -> None:
    """Per element and band, the Cramer-Rao bound of one scene-wide OP, every other OP
    known: I = sum_j g_j^2 / var_j (g the image's derivative in the OP at pixel j, var_j
    its noise variance), the bound 1 / sqrt(I) relative to the OP; reported as the median
    |error| it implies over the bands (0.6745 sigma per band, median over bands). Pixels
    whose batches all agree (zero variance: a flat surface lit the same in each) are where
    only the other elements' OPs reach: they are skipped for the walls, and make the bound
    of those elements 0."""
    inversion = trace(scene, grid, geometry, samples=trace_samples, seed=seed)
    _, gradients, trace_error = evaluate_op_maps(inversion, truth, bands, skyl)
    for noise, variance in (("image", image_error**2),
                            (f"image + {trace_samples}-sample trace",
                             image_error**2 + trace_error**2)):
        print(f"scene-wide floor, {noise} noise (median over bands, %):")
        for i, name in enumerate(scene.elements.names):
            seen = gradients[:, i] != 0  # a pixel the OP does not reach adds nothing
            information = np.sum(np.divide(gradients[:, i] ** 2, variance, where=seen,
                                           out=np.zeros_like(variance)), axis=(1, 2))
            relative = 1 / np.sqrt(information) / truth[:, i, 0, 0]
            print(f"  {name:14s} {100 * MEDIAN_ABS_NORMAL * np.median(relative):.3f}"
                  f"  (bands {', '.join(f'{100 * v:.2f}' for v in relative)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scene", choices=["vegetation", "urban"], default="urban")
    parser.add_argument("--image-samples", type=int, default=2048)
    parser.add_argument("--samples", type=int, default=DEFAULT_SAMPLES,
                        help="the inversion's SAMPLES (default: unmix3d:unmix's)")
    parser.add_argument("--trace-noise", type=float, default=DEFAULT_TRACE_NOISE,
                        help="adaptive sampling's TRACE_NOISE, within unmix3d:unmix's "
                             "TIME_BUDGET (0: SAMPLES exactly)")
    parser.add_argument("--seed", type=int, default=2, help="the inversion's SEED")
    parser.add_argument("--image-seed", type=int, default=20250101,
                        help="the pseudo-image's seed")
    parser.add_argument("--objects", nargs="+", type=int, default=[1], choices=[0, 1])
    parser.add_argument("--floor", action="store_true",
                        help="print the scene-wide information floor instead of unmixing")
    args = parser.parse_args()
    demo, scene, grid, geometry, bands, skyl = demo_case(args.scene)
    elements = scene.elements
    true_op = np.array([demo.truth_op[e] for e in elements.names]).T  # (bands, elements)
    truth = np.broadcast_to(true_op[:, :, None, None], true_op.shape + demo.shape).copy()
    image_trace = trace(scene, grid, geometry, samples=args.image_samples, seed=args.image_seed,
                        batches=16)
    image, _, image_error = evaluate_op_maps(image_trace, truth, bands, skyl)
    if args.floor:
        print_scene_wide_floor(scene, grid, geometry, bands, skyl, truth, image_error,
                               args.samples)
        return
    valid = np.ones(demo.shape, bool)
    for objects in args.objects:
        start = time.perf_counter()
        result, _ = run_unmix(scene, grid, geometry, image, valid, bands, skyl,
                              UnmixParameters(objects=bool(objects)), samples=args.samples,
                              seed=args.seed, truth=truth, trace_noise=args.trace_noise,
                              time_budget=DEFAULT_TIME_BUDGET, log=print)
        seconds = time.perf_counter() - start
        print(f"{args.scene} OBJECTS={bool(objects)}: {seconds:.1f} s",
              {k: round(v, 1) for k, v in result.seconds.items()})
        for i, name in enumerate(elements.names):
            mask = result.op_valid[i]
            if mask.any():
                error = 100 * (np.abs(result.op[:, i] - truth[:, i]) / truth[:, i])[:, mask]
                z = ((result.op[:, i] - truth[:, i]) / result.op_std[:, i])[:, mask]
                print(f"  {name:14s} median {np.median(error):.2f} %  mean {error.mean():.2f} %"
                      f"  error / std RMS {np.sqrt(np.mean(z**2)):.2f}")


if __name__ == "__main__":
    main()
