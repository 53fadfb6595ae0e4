"""What the number of sample batches costs and buys: for 4, 8 and 16 batches of 64 samples
over random leaves (tests/core/scenes.leaf_cloud_scene) at 4 m and 1 m pixels, the true
per-pixel spread over independent seeds, the reported standard error's calibration and
spread (degrees of freedom) and the polynomials' size (a ratio against 4 batches). Trace
time is left out: the kernel does the same work per sample whatever the batches, and the
25-pixel runs here are too short to time on a shared machine.

    .venv/bin/python benchmarks/bench_batches.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "tests" / "core"))

from package_import import import_unmix3d  # noqa: E402

import_unmix3d()

from scenes import grid_over, leaf_cloud_scene  # noqa: E402

from unmix3d.core.simulate import Geometry, trace  # noqa: E402


def main(seeds: int = 30) -> None:
    scene = leaf_cloud_scene()
    geometry = Geometry(30, 150, 10, 0)
    x = scene.variables(np.array([[0.25, 0.2]]), np.array([[0, 0.15]]))
    trace(scene, grid_over(20, 4), geometry, samples=16)  # compile
    for pixel in (4.0, 1.0):
        reference_bytes = None
        for batches in (4, 8, 16):
            values, variances, nbytes = [], [], 0
            for seed in range(seeds):
                result = trace(scene, grid_over(20, pixel), geometry, samples=64,
                               seed=100 + seed, batches=batches)
                nbytes = result.polynomials.nbytes
                image, error = result.reflectance(x, 0.2)
                values.append(image[0].ravel())
                variances.append(error[0].ravel() ** 2)
            values, variances = np.array(values), np.array(variances)
            observed = values.var(axis=0, ddof=1)
            spread = (variances.var(axis=0, ddof=1) / variances.mean(axis=0) ** 2).mean()
            reference_bytes = reference_bytes or nbytes
            print(json.dumps({
                "pixel_m": pixel, "batches": batches, "samples": 64,
                "true_sd": float(np.sqrt(observed.mean())),
                "reported_over_true_variance": float(variances.mean(axis=0).sum()
                                                     / observed.sum()),
                "stderr_dof_from_spread": float(2 / spread + 1),
                "polynomial_bytes": int(nbytes),
                "bytes_ratio_to_4_batches": nbytes / reference_bytes,
            }))


if __name__ == "__main__":
    main()
