"""A built-in demo scene unmixed at ``unmix3d:unmix``'s defaults (a self-consistency check:
the image is Unmix3D's own render).

The pseudo-image is traced at ``--image-samples`` with its own seed from the scene's true
OPs; ``run_unmix`` then runs as the Processing algorithm calls it (SAMPLES 1,024 and adaptive
sampling to TRACE_NOISE 0.3 % within TIME_BUDGET 30 s, SEED 2, WINDOW 5x5, OBJECTS true,
...), once per ``--objects`` setting. Prints, per element, the median and mean relative OP
error against the truth, and the stage times (wall-clock, on a possibly shared machine).

    .venv/bin/python benchmarks/bench_demo_defaults.py --scene urban
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scene", choices=["vegetation", "urban"], default="urban")
    parser.add_argument("--image-samples", type=int, default=2048)
    parser.add_argument("--samples", type=int, default=DEFAULT_SAMPLES,
                        help="the inversion's SAMPLES (default: unmix3d:unmix's)")
    parser.add_argument("--trace-noise", type=float, default=DEFAULT_TRACE_NOISE,
                        help="adaptive sampling's TRACE_NOISE, within unmix3d:unmix's "
                             "TIME_BUDGET (0: SAMPLES exactly)")
    parser.add_argument("--objects", nargs="+", type=int, default=[1], choices=[0, 1])
    args = parser.parse_args()
    demo, scene, grid, geometry, bands, skyl = demo_case(args.scene)
    elements = scene.elements
    true_op = np.array([demo.truth_op[e] for e in elements.names]).T  # (bands, elements)
    truth = np.broadcast_to(true_op[:, :, None, None], true_op.shape + demo.shape).copy()
    image_trace = trace(scene, grid, geometry, samples=args.image_samples, seed=20250101,
                        batches=16)
    image = evaluate_op_maps(image_trace, truth, bands, skyl)[0]
    valid = np.ones(demo.shape, bool)
    for objects in args.objects:
        start = time.perf_counter()
        result, _ = run_unmix(scene, grid, geometry, image, valid, bands, skyl,
                              UnmixParameters(objects=bool(objects)), samples=args.samples,
                              truth=truth, trace_noise=args.trace_noise,
                              time_budget=DEFAULT_TIME_BUDGET, log=print)
        seconds = time.perf_counter() - start
        print(f"{args.scene} OBJECTS={bool(objects)}: {seconds:.1f} s",
              {k: round(v, 1) for k, v in result.seconds.items()})
        for i, name in enumerate(elements.names):
            mask = result.op_valid[i]
            if mask.any():
                error = 100 * (np.abs(result.op[:, i] - truth[:, i]) / truth[:, i])[:, mask]
                print(f"  {name:14s} median {np.median(error):.2f} %  mean {error.mean():.2f} %")


if __name__ == "__main__":
    main()
