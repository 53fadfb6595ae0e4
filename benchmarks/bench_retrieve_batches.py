"""What the number of batches of the retrieval's trace does to the retrieval: the virtual
forest (core.retrieve.virtual, three views at 0.5 m, 128 samples for the truth and for the
model, as tests/core/test_retrieve.py) retrieved at 0.5 / 2.5 / 10 m over several pairs of
truth and model seeds, with 4 or 16 batches per model trace, with or without the loss's
Monte Carlo debiasing term.

Prints one JSON line per (seed, batches, debias, pixel): RMSE per component, the pixels'
mean Monte Carlo standard error of the model at the true spectra (``model_sd``), the RMS of
error / standard error pooled and per component (``z_rms``, about 2 degrees of freedom per
component: its bands share their paths) and per component whitened by the reported band
covariance (``z_whitened``, 10 degrees of freedom); then a summary line per (batches,
debias, pixel): the RMS over seeds of each component's RMSE and the worst component's RMSE
per seed.

    .venv/bin/python benchmarks/bench_retrieve_batches.py --seeds 0,1,2,3,4 [--no-debias]

Seed pair s: truth traces 990 + 100 s + k, model traces 10 + 100 s + k (k: the view); s = 0
is the test's pair.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from package_import import import_unmix3d  # noqa: E402

import_unmix3d()

import numpy as np  # noqa: E402

from unmix3d.core.retrieve import virtual  # noqa: E402
from unmix3d.core.retrieve.model import retrieve  # noqa: E402
from unmix3d.core.retrieve.uncertainty import whitened_rms  # noqa: E402
from unmix3d.core.simulate import Geometry, trace  # noqa: E402

BANDS = list(virtual.BANDS)
PIXELS = (0.5, 2.5, 10.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0,1,2,3,4")
    parser.add_argument("--batches", default="4,16")
    parser.add_argument("--samples", type=int, default=128)
    parser.add_argument("--no-debias", action="store_true",
                        help="also retrieve without the debiasing term")
    args = parser.parse_args()
    scene = virtual.virtual_forest()
    truth = virtual.truth_variables(scene)
    debiases = (True, False) if args.no_debias else (True,)
    summary: dict = {}
    for seed in (int(s) for s in args.seeds.split(",")):
        images = []
        for k, angles in enumerate(virtual.GEOMETRIES):
            traced = trace(scene, virtual.grid(0.5), Geometry(*angles), samples=128,
                           seed=990 + 100 * seed + k)
            images.append(traced.reflectance(truth, virtual.skyl(angles[0]))[0])
        for batches in (int(b) for b in args.batches.split(",")):
            observed, model_variance = [], []
            for k, angles in enumerate(virtual.GEOMETRIES):
                model = trace(scene, virtual.grid(0.5), Geometry(*angles),
                              samples=args.samples, seed=10 + 100 * seed + k, batches=batches)
                observed.append((images[k], model))
                error = model.reflectance(truth, virtual.skyl(angles[0]))[1]
                model_variance.append(np.nanmean(error**2))
            for debias in debiases:
                for pixel in PIXELS:
                    result = retrieve(scene, virtual.views_at(observed, pixel), BANDS,
                                      intervals="sandwich", debias=debias)
                    error = result.variables[0] - truth
                    rmse = np.sqrt((error**2).mean(axis=0))
                    z = error / result.variables_std[0]
                    print(json.dumps({
                        "seed": seed, "batches": batches, "debias": debias, "pixel_m": pixel,
                        "components": scene.variable_names,
                        "rmse": np.round(rmse, 5).tolist(),
                        "model_sd": float(np.sqrt(np.mean(model_variance))),
                        "z_rms_pooled": float(np.sqrt(np.mean(z**2))),
                        "z_rms": np.round(np.sqrt(np.mean(z**2, axis=0)), 2).tolist(),
                        "z_whitened": np.round(whitened_rms(
                            result, scene.variable_names, BANDS, truth), 2).tolist(),
                    }), flush=True)
                    summary.setdefault((batches, debias, pixel), []).append(rmse)
    for (batches, debias, pixel), rows in summary.items():
        rows = np.array(rows)
        print(json.dumps({"summary": True, "batches": batches, "debias": debias,
                          "pixel_m": pixel, "seeds": len(rows),
                          "rmse_rms_over_seeds": np.round(np.sqrt((rows**2).mean(axis=0)),
                                                          5).tolist(),
                          "max_rmse_per_seed": np.round(rows.max(axis=1), 5).tolist()}))


if __name__ == "__main__":
    main()
