"""What made SAMPLES 1,024 affordable in ``unmix``: three kernels against a reference
measured in the same run, on the urban demo's trace (100 x 100 pixels, 12 bands).

- window sums and Gram matrices (``windows.window_sum``, ``windows.window_gram``), every
  call of a default unmix of the scene, against ``ndimage.correlate`` on the same arrays
  as they are, the Gram's products formed first (the reference: what the sums did before,
  on the subnormal numbers the iterations' Gram products hold);
- per-pixel polynomials with gradients (``PixelPolynomials.reflectance_per_pixel``),
  against the record-by-record evaluation below (the previous kernel, kept here as the
  reference: each record's monomial recomputed per batch);
- the diagonal of the inverse of a parts' normal matrix (``objects._inverse_diagonal``),
  against ``np.diag(np.linalg.inv(...))``.

    .venv/bin/python benchmarks/bench_unmix_kernels.py --samples 256 1024
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numba
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from package_import import import_unmix3d  # noqa: E402

import_unmix3d()

from bench_demo_defaults import demo_case  # noqa: E402
from scipy import ndimage, sparse  # noqa: E402

from unmix3d.core.simulate import trace  # noqa: E402
from unmix3d.core.unmix.objects import _inverse_diagonal  # noqa: E402
from unmix3d.core.unmix.windows import window_gram, window_sum  # noqa: E402


@numba.njit(parallel=True, cache=True)
def reference_per_pixel(indptr, indices, data, exponents, n_monomials, batches, x, skyl):
    """Image and gradients record by record (the value of a record's monomial computed
    for every batch and light source that met it)."""
    n_pixels, bands, n_variables = x.shape
    image = np.zeros((n_pixels, bands))
    gradient = np.zeros((n_pixels, n_variables, bands))
    for p in numba.prange(n_pixels):
        for b in range(bands):
            total = 0.0
            for batch in range(batches):
                row = p * batches + batch
                for k in range(indptr[row], indptr[row + 1]):
                    column = indices[k]
                    u = column if column < n_monomials else column - n_monomials
                    c = data[k] * ((1.0 - skyl[b]) if column < n_monomials else skyl[b])
                    value = 1.0
                    for v in range(n_variables):
                        if exponents[u, v] > 0:
                            value *= x[p, b, v] ** exponents[u, v]
                    total += c * value
                    for v in range(n_variables):
                        a = exponents[u, v]
                        if a > 0 and x[p, b, v] != 0.0:
                            gradient[p, v, b] += c * a * value / x[p, b, v] / batches
            image[p, b] = total / batches
    return image, gradient


def best(function, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def window_sums_in_unmix(scene, grid, geometry, bands, skyl, shape, samples: int):
    """Seconds of every window sum of a default unmix of the table's image, and of the
    reference on the same arrays; the share of their nonzero values that are subnormal."""
    from unmix3d.core.unmix import pipeline, uncertainty, windows
    from unmix3d.core.unmix.pipeline import UnmixParameters
    from unmix3d.core.unmix.run import run_unmix

    spent = {"sums": 0.0, "reference": 0.0, "values": 0, "subnormal": 0}

    def timed_window_sum(values, footprint):
        start = time.perf_counter()
        out = window_sum(values, footprint)
        spent["sums"] += time.perf_counter() - start
        flat = np.asarray(values, np.float64).reshape((-1,) + values.shape[-2:])
        kernel = footprint.astype(np.float64)
        start = time.perf_counter()
        for layer in flat:
            ndimage.correlate(layer, kernel, mode="constant", cval=0.0)
        spent["reference"] += time.perf_counter() - start
        spent["values"] += int(np.count_nonzero(flat))
        spent["subnormal"] += int(np.count_nonzero(
            (flat != 0) & (np.abs(flat) < np.finfo(np.float64).tiny)))
        return out

    def timed_window_gram(gradients, footprint):
        start = time.perf_counter()
        out = window_gram(gradients, footprint)
        spent["sums"] += time.perf_counter() - start
        start = time.perf_counter()  # the reference: products, then one correlation each
        upper_i, upper_k = np.triu_indices(gradients.shape[1])
        products = gradients[:, upper_i] * gradients[:, upper_k]
        kernel = footprint.astype(np.float64)
        sums = np.empty_like(products)
        for b in range(products.shape[0]):
            for q in range(products.shape[1]):
                sums[b, q] = ndimage.correlate(products[b, q], kernel, mode="constant",
                                               cval=0.0)
        gram = np.empty(out.shape)
        gram[..., upper_i, upper_k] = np.moveaxis(sums, 1, -1)
        gram[..., upper_k, upper_i] = np.moveaxis(sums, 1, -1)
        spent["reference"] += time.perf_counter() - start
        spent["values"] += int(np.count_nonzero(products))
        spent["subnormal"] += int(np.count_nonzero(
            (products != 0) & (np.abs(products) < np.finfo(np.float64).tiny)))
        return out

    image_trace = trace(scene, grid, geometry, samples=256, seed=20250101, batches=16)
    image = image_trace.reflectance_from_table(bands, skyl)[0]
    modules = (pipeline, uncertainty, windows)
    saved = [module.window_sum for module in modules]
    saved_gram = [module.window_gram for module in (uncertainty, windows)]
    for module in modules:
        module.window_sum = timed_window_sum
    for module in (uncertainty, windows):
        module.window_gram = timed_window_gram
    try:
        run_unmix(scene, grid, geometry, image, np.ones(shape, bool), bands, skyl,
                  UnmixParameters(), samples=samples)
    finally:
        for module, original in zip(modules, saved, strict=True):
            module.window_sum = original
        for module, original in zip((uncertainty, windows), saved_gram, strict=True):
            module.window_gram = original
    return spent["sums"], spent["reference"], spent["subnormal"] / max(1, spent["values"])


def measure(scene, grid, geometry, bands, skyl, shape, samples: int) -> dict:
    """The three kernels and their references on one trace of ``samples``."""
    x = scene.variables_from_table(bands)
    traced = trace(scene, grid, geometry, samples=samples, seed=2, batches=16)
    polynomials = traced.polynomials
    sums_s, reference_sums_s, subnormal = window_sums_in_unmix(scene, grid, geometry, bands,
                                                              skyl, shape, samples)
    # per-pixel evaluation with gradients
    x_pixels = np.ascontiguousarray(np.broadcast_to(
        x[None], (polynomials.n_pixels,) + x.shape))
    x_maps = x_pixels.transpose(1, 2, 0).reshape(x.shape + shape)
    c = polynomials.coefficients
    arguments = (c.indptr, c.indices, c.data, polynomials.exponents,
                 polynomials.n_monomials, polynomials.batches, x_pixels, skyl)
    reference_per_pixel(*arguments)  # compile
    polynomials.reflectance_per_pixel(x_maps, skyl)
    evaluate_s = best(lambda: polynomials.reflectance_per_pixel(x_maps, skyl))
    reference_evaluate_s = best(lambda: reference_per_pixel(*arguments))
    image, _, _ = polynomials.reflectance_per_pixel(x_maps, skyl)
    reference_image, _ = reference_per_pixel(*arguments)
    agreement = float(np.max(np.abs(image.reshape(len(bands), -1).T - reference_image)
                             / np.abs(reference_image).clip(1e-12)))
    # a sparse symmetric positive-definite normal matrix of 1,500 parts
    design = sparse.random(4000, 1500, density=0.004, random_state=samples)
    normal = (design.T @ design + sparse.eye(1500) * 1e-3).tocsc()
    inverse_s = best(lambda: _inverse_diagonal(normal), 2)
    reference_inverse_s = best(lambda: np.diag(np.linalg.inv(normal.toarray())), 2)
    run = {
        "samples": samples,
        "coefficients_per_pixel": round(c.nnz / polynomials.n_pixels, 1),
        "subnormal_share_of_summed_values": subnormal,
        "window_sums_s": round(sums_s, 3),
        "window_sums_reference_s": round(reference_sums_s, 3),
        "window_sums_speedup": round(reference_sums_s / sums_s, 2),
        "per_pixel_s": round(evaluate_s, 3),
        "per_pixel_reference_s": round(reference_evaluate_s, 3),
        "per_pixel_speedup": round(reference_evaluate_s / evaluate_s, 2),
        "per_pixel_max_relative_difference": agreement,
        "inverse_diagonal_s": round(inverse_s, 3),
        "inverse_diagonal_reference_s": round(reference_inverse_s, 3),
        "inverse_diagonal_speedup": round(reference_inverse_s / inverse_s, 2),
    }
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, nargs="+", default=[256, 1024])
    parser.add_argument("--output", type=Path,
                        default=ROOT / "benchmarks" / "results" / "unmix_kernels.json")
    args = parser.parse_args()
    demo, scene, grid, geometry, bands, skyl = demo_case("urban")
    results = {"scene": "urban demo, 100 x 100 pixels, 12 bands", "runs": []}
    for samples in args.samples:
        run = measure(scene, grid, geometry, bands, skyl, demo.shape, samples)
        results["runs"].append(run)
        print(json.dumps(run), flush=True)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
