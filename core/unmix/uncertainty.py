"""Per-pixel standard errors of the OP maps.

Two parts, added as variances:

- **The window estimate.** A pixel's OPs are the least-squares solution of its window's M
  equations. Their covariance is ``s^2 (A^T A)^-1`` with ``s^2`` the window's residual
  variance ``|y - A x|^2 / (M - m)`` (m unknowns): whatever the image does not follow, the
  Monte Carlo noise of the trace and of the image, mock-up error, is in ``s^2``. At
  convergence of the gradient iterations the residual is the image residual
  ``R - R_sim``, so window sums of it and of the gradients give every window's covariance
  at once.
- **The window's shared-OP assumption.** An element's OP differs from pixel to pixel inside a
  window (several asphalts under one "pavement"), and in a mixed pixel that difference does
  not show in the residual: the other elements take it up. Its size is read off the data:
  the spread of the element's pure-pixel solutions, around the pixel (within twice the
  window) where the element fills most of it, over the scene where it is a sliver,
  added in proportion to the share of the pixel the element does not fill.
"""

from __future__ import annotations

import warnings

import numpy as np

from .windows import window_gram, window_sum


def window_covariance_variance(residual: np.ndarray, gradients: np.ndarray,
                               valid: np.ndarray, present: np.ndarray,
                               footprint: np.ndarray) -> np.ndarray:
    """Diagonal of every window's least-squares covariance, (bands, elements, rows, cols);
    NaN for elements absent from a window or windows without enough equations.

    ``residual`` (bands, rows, cols) at the final OPs, ``gradients`` (bands, elements, rows,
    cols), ``valid`` (rows, cols), ``present`` (elements, rows, cols) the unknowns of each
    window."""
    n_elements = gradients.shape[1]
    g = np.where(valid, gradients, 0.0)
    count = window_sum(valid.astype(np.float64), footprint)
    gram = window_gram(g, footprint)  # (bands, rows, cols, I, I)
    squared = window_sum(np.where(valid, residual, 0.0) ** 2, footprint)  # (bands, r, c)
    unknowns = present.sum(axis=0)
    dof = count - unknowns
    with np.errstate(divide="ignore", invalid="ignore"):
        s2 = np.where(dof > 0, squared / np.maximum(dof, 1), np.nan)
    free = np.moveaxis(present, 0, -1)  # (rows, cols, I)
    pair = free[..., :, None] & free[..., None, :]
    eye = np.eye(n_elements, dtype=bool)
    scale = np.trace(gram, axis1=-2, axis2=-1)[..., None, None] + 1e-300
    system = np.where(pair[None], gram, 0.0) + np.where(eye & ~pair[None], scale, 0.0)
    diagonal = pseudo_inverse_diagonal(system)  # (bands, rows, cols, I)
    variance = np.moveaxis(diagonal, -1, 1) * s2[:, None]
    return np.where(present[None] & np.isfinite(variance), np.maximum(variance, 0.0), np.nan)


def pseudo_inverse_diagonal(symmetric: np.ndarray) -> np.ndarray:
    """Diagonal of the pseudo-inverse of symmetric matrices (..., I, I), as
    ``np.linalg.pinv(..., hermitian=True)`` (eigenvalues below 1e-15 of the largest are
    dropped) without forming the inverse: sum_j V_ij^2 / lambda_j."""
    values, vectors = np.linalg.eigh(symmetric)
    size = np.abs(values)
    kept = size > 1e-15 * size.max(axis=-1, keepdims=True)
    inverse = np.where(kept, 1.0 / np.where(kept, values, 1.0), 0.0)
    return np.einsum("...ij,...j,...ij->...i", vectors, inverse, vectors)


def heterogeneity_variance(pure_values: np.ndarray, footprint: np.ndarray):
    """How much each element's OP varies: (local, overall) variances of its pure-pixel OPs
    (``pure_values`` (bands, elements, rows, cols), NaN where not pure). Local: within twice
    the window around every pixel, (bands, elements, rows, cols), the overall value where
    fewer than two pure pixels are near. Overall: over the scene, (bands, elements, 1, 1),
    0 for an element with fewer than two pure pixels."""
    rows, cols = footprint.shape
    wide = np.ones((2 * rows + 1, 2 * cols + 1), bool)
    known = np.isfinite(pure_values)
    values = np.where(known, pure_values, 0.0)
    n = window_sum(known.astype(np.float64), wide)
    mean = window_sum(values, wide) / np.maximum(n, 1.0)
    mean_square = window_sum(values**2, wide) / np.maximum(n, 1.0)
    local = np.maximum(mean_square - mean**2, 0.0) * n / np.maximum(n - 1.0, 1.0)
    with warnings.catch_warnings():  # elements with fewer than two pure pixels: NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        overall = np.nan_to_num(np.nanvar(pure_values, axis=(-2, -1), ddof=1), nan=0.0)
    overall = overall[..., None, None]
    return np.where(n >= 2, local, overall), overall


def op_standard_error(residual: np.ndarray, gradients: np.ndarray, valid: np.ndarray,
                      present: np.ndarray, footprint: np.ndarray, pure_values: np.ndarray,
                      fractions: np.ndarray, held=None) -> np.ndarray:
    """Standard error of every OP map value (bands, elements, rows, cols), NaN where the
    window could not estimate it.

    The heterogeneity term is weighed by the share ``1 - f`` of the pixel the element does
    not fill, and moves from the local spread (where the element fills most of the pixel,
    its own surface is the one its pure neighbours show) to the scene-wide spread of the
    element (where it is a sliver of the pixel, it may be a material never seen pure: a
    concrete courtyard among asphalt streets).

    ``held``: (weight (elements, rows, cols), start variance (bands, elements, rows, cols))
    when the window solves held each pixel's OPs to its start (``start_weight``): the OP is
    then a blend of the window estimate and the start, and so is its variance."""
    variance = window_covariance_variance(residual, gradients, valid, present, footprint)
    if held is not None:  # OPs held to their starts with weight w: a blend of both
        weight, start_variance = held
        share = weight / (1.0 + weight)
        variance = (1.0 - share) ** 2 * variance + share**2 * start_variance
    f = np.clip(fractions, 0.0, 1.0)[None]
    local, overall = heterogeneity_variance(pure_values, footprint)
    variance = variance + (1.0 - f) * (f * local + (1.0 - f) * overall)
    return np.sqrt(variance)


def noise_reached(simulated: np.ndarray, simulated_error: np.ndarray, image: np.ndarray,
                  valid: np.ndarray) -> list[tuple[float, float]]:
    """Per band, over the valid pixels: the median relative Monte Carlo standard error of
    the final simulated image (what the trace's SAMPLES reached; it falls as 1 / sqrt of
    them), and the median relative residual against the image (the trace's noise, the
    image's and what the model misses together). Both in %; NaN where nothing is valid."""
    rows = []
    for b in range(simulated.shape[0]):
        with np.errstate(divide="ignore", invalid="ignore"):
            trace_share = (simulated_error[b] / np.abs(simulated[b]))[valid]
            residual = (np.abs(simulated[b] - image[b]) / np.abs(image[b]))[valid]
        trace_share = trace_share[np.isfinite(trace_share)]
        residual = residual[np.isfinite(residual)]
        rows.append((100 * float(np.median(trace_share)) if trace_share.size else np.nan,
                     100 * float(np.median(residual)) if residual.size else np.nan))
    return rows
