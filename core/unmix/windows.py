"""Windowed linear systems of LSMA and GI, assembled with box sums and solved in bulk.

Around every pixel p, the M valid pixels q of its window are assumed to share each element's
OP, giving M equations ``sum_i G_i(q) x_i = y(q)`` for the I unknowns x. Their normal
equations need only window sums of G_i G_k and G_i y, which box filters give for every
pixel at once; the small I x I bounded problems are then solved in parallel (Numba).

Stability checks, on the normalised Gram matrix ``A^T A / M`` of the elements present in the
window: its determinant above ``min_determinant``; the condition number of A (square root
of the Gram matrix's) at most ``max_condition`` (50,000 in US-DART); its spectral radius (the
largest eigenvalue, i.e. the mean squared gradient norm along the dominant direction) at
most ``max_spectral_radius`` (1.1). Unstable windows are skipped and filled afterwards.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from ..canceled import Canceled

SOLVED, UNSTABLE, EMPTY = 0, 1, 2


def window_footprint(size: tuple[int, int], shape: str = "rectangle") -> np.ndarray:
    """Boolean footprint of a window ``size`` = (rows, cols) pixels, odd sizes centred."""
    rows, cols = size
    if rows < 1 or cols < 1:
        raise ValueError(f"WINDOW must be at least 1 x 1 pixels, got {rows} x {cols}")
    if shape == "rectangle":
        return np.ones((rows, cols), dtype=bool)
    if shape == "ellipse":
        y, x = np.mgrid[:rows, :cols]
        cy, cx = (rows - 1) / 2, (cols - 1) / 2
        return ((y - cy) / max(rows / 2, 0.5)) ** 2 + ((x - cx) / max(cols / 2, 0.5)) ** 2 <= 1
    raise ValueError(f"window shape '{shape}' is not 'rectangle' or 'ellipse'")


#: below this (the smallest normal float64) a value is summed as zero: products of the
#: derivatives of paths that scattered hundreds of times are subnormal numbers (13.6 % of
#: the values summed in the urban demo's unmix at 1,024 samples), on which the sums ran 4
#: times slower (benchmarks/bench_unmix_kernels.py)
SMALLEST_SUMMED = np.finfo(np.float64).tiny


def window_sum(values: np.ndarray, footprint: np.ndarray) -> np.ndarray:
    """Sum over each pixel's window (zeros beyond the image), for the last two axes.

    The window of pixel (r, c) is ``footprint`` with its element (rows // 2, cols // 2) on
    the pixel (as ``ndimage.correlate``). A rectangle sums in two passes (a row's run, then
    a column's), any other footprint offset by offset; layers in parallel."""
    lead = values.shape[:-2]
    flat = np.ascontiguousarray(values.reshape((-1,) + values.shape[-2:]), dtype=np.float64)
    rows, cols = footprint.shape
    if footprint.all():
        out = _rectangle_sums(flat, rows, cols, SMALLEST_SUMMED)
    else:
        dr, dc = np.nonzero(footprint)
        out = _footprint_sums(flat, (dr - rows // 2).astype(np.int64),
                              (dc - cols // 2).astype(np.int64), SMALLEST_SUMMED)
    return out.reshape(lead + values.shape[-2:])


@numba.njit(parallel=True, cache=True)
def _rectangle_sums(layers, rows, cols, smallest):
    """Box sums of ``rows`` x ``cols`` windows; values below ``smallest`` count as zero."""
    n, height, width = layers.shape
    out = np.zeros((n, height, width))
    for k in numba.prange(n):
        out[k] = _down_columns(_along_rows(layers[k], cols, smallest), rows)
    return out


@numba.njit(cache=True)
def _along_rows(layer, cols, smallest):
    """Sums of ``cols`` consecutive values along each row, centred (the first pass);
    values below ``smallest`` count as zero, NaN is kept."""
    height, width = layer.shape
    left = cols // 2
    across = np.empty((height, width))
    for r in range(height):
        for c in range(width):
            s = 0.0
            for q in range(max(0, c - left), min(width, c - left + cols)):
                v = layer[r, q]
                if not abs(v) < smallest:
                    s += v
            across[r, c] = s
    return across


@numba.njit(cache=True)
def _down_columns(across, rows):
    """Sums of ``rows`` consecutive values down each column, centred (the second pass)."""
    height, width = across.shape
    up = rows // 2
    out = np.empty((height, width))
    for r in range(height):
        for c in range(width):
            s = 0.0
            for q in range(max(0, r - up), min(height, r - up + rows)):
                s += across[q, c]
            out[r, c] = s
    return out


@numba.njit(parallel=True, cache=True)
def _footprint_sums(layers, offset_rows, offset_cols, smallest):
    """Sums over the footprint's offsets; values below ``smallest`` count as zero."""
    n, height, width = layers.shape
    out = np.zeros((n, height, width))
    for k in numba.prange(n):
        for r in range(height):
            for c in range(width):
                s = 0.0
                for o in range(offset_rows.size):
                    rr, cc = r + offset_rows[o], c + offset_cols[o]
                    if 0 <= rr < height and 0 <= cc < width:
                        v = layers[k, rr, cc]
                        if not abs(v) < smallest:
                            s += v
                out[k, r, c] = s
    return out


def assemble(gradients: np.ndarray, target: np.ndarray, valid: np.ndarray,
             footprint: np.ndarray):
    """Normal equations of every window.

    ``gradients`` (bands, elements, rows, cols), ``target`` y (bands, rows, cols), ``valid``
    (rows, cols). Returns Gram (bands, rows, cols, I, I) and right-hand side
    (bands, rows, cols, I), both divided by the window's valid count M, and M (rows, cols).
    """
    g = np.where(valid, gradients, 0.0)
    y = np.where(valid, target, 0.0)
    count = window_sum(valid.astype(np.float64), footprint)
    safe = np.maximum(count, 1.0)
    gram = window_gram(g, footprint) / safe[..., None, None]
    rhs = window_sum(g * y[:, None], footprint) / safe
    return gram, np.moveaxis(rhs, 1, -1), count


def window_gram(gradients: np.ndarray, footprint: np.ndarray) -> np.ndarray:
    """Window sums of every product G_i G_k of ``gradients`` (bands, I, rows, cols), as
    symmetric matrices (bands, rows, cols, I, I); products below SMALLEST_SUMMED count as
    zero. A rectangle forms one product at a time (no array of all products)."""
    bands, n, height, width = gradients.shape
    g = np.ascontiguousarray(gradients, dtype=np.float64)
    if footprint.all():
        return _rectangle_gram(g, *footprint.shape, SMALLEST_SUMMED)
    upper_i, upper_k = np.triu_indices(n)
    sums = np.moveaxis(window_sum(g[:, upper_i] * g[:, upper_k], footprint), 1, -1)
    gram = np.empty((bands, height, width, n, n))
    gram[..., upper_i, upper_k] = sums
    gram[..., upper_k, upper_i] = sums
    return gram


@numba.njit(parallel=True, cache=True)
def _rectangle_gram(g, rows, cols, smallest):
    """``window_gram`` for a ``rows`` x ``cols`` rectangle: one (band, pair) per task."""
    bands, n, height, width = g.shape
    pairs = n * (n + 1) // 2
    gram = np.empty((bands, height, width, n, n))
    for task in numba.prange(bands * pairs):
        b, rest = task // pairs, task % pairs
        i = 0
        while rest >= n - i:
            rest -= n - i
            i += 1
        k = i + rest
        sums = _down_columns(_along_rows(g[b, i] * g[b, k], cols, smallest), rows)
        gram[b, :, :, i, k] = sums
        gram[b, :, :, k, i] = sums
    return gram


#: windows solved between two looks at the cancel button (a fraction of a second each)
SOLVE_BATCH = 65536


def solve_bounded(gram, rhs, lower, upper, start, present, min_determinant, max_condition,
                  max_spectral_radius, damping=0.0, prior_weight=None, prior=None,
                  is_canceled=None):
    """Solve min ||A x - y||^2 + damping * sum_i (A^T A)_ii (x_i - start_i)^2
    + sum_i prior_weight_i (A^T A)_ii (x_i - prior_i)^2 with lower <= x <= upper for every
    window (the stability checks look at A^T A undamped).

    All arrays are flattened to (N, I[, I]); ``present`` marks the elements that appear in a
    window (others keep ``start``); ``prior_weight`` and ``prior`` (N, I), optional, hold
    each window's unknowns to a value of their own (the per-pixel start). Returns x (N, I)
    and a status per window (SOLVED, UNSTABLE, EMPTY). Solved ``SOLVE_BATCH`` windows at a
    time, ``is_canceled()`` asked before each batch (raises ``Canceled``).
    """
    if prior_weight is None or prior is None:
        prior_weight = np.zeros_like(rhs)
        prior = start
    prior_weight = np.ascontiguousarray(prior_weight, np.float64)
    prior = np.ascontiguousarray(prior, np.float64)
    results, statuses = [], []
    for first in range(0, len(rhs), SOLVE_BATCH):
        if is_canceled is not None and is_canceled():
            raise Canceled()
        part = slice(first, first + SOLVE_BATCH)
        x, status = _solve_bounded(*(np.ascontiguousarray(a[part]) for a in (
            gram, rhs, lower, upper, start, present)), min_determinant, max_condition,
            max_spectral_radius, float(damping), prior_weight[part], prior[part])
        results.append(x)
        statuses.append(status)
    if not results:
        return _solve_bounded(gram, rhs, lower, upper, start, present, min_determinant,
                              max_condition, max_spectral_radius, float(damping),
                              prior_weight, prior)
    return np.concatenate(results), np.concatenate(statuses)


@numba.njit(parallel=True, cache=True)
def _solve_bounded(gram, rhs, lower, upper, start, present, min_determinant, max_condition,
                   max_spectral_radius, damping, prior_weight, prior):
    n, n_elements = rhs.shape
    x_out = start.copy()
    status = np.zeros(n, np.int8)
    for w in numba.prange(n):
        free = np.empty(n_elements, np.int64)
        m = 0
        for i in range(n_elements):
            if present[w, i]:
                free[m] = i
                m += 1
        if m == 0:
            status[w] = EMPTY
            continue
        sub = np.empty((m, m))
        for a in range(m):
            for b in range(m):
                sub[a, b] = gram[w, free[a], free[b]]
        eigenvalues = np.linalg.eigvalsh(sub)
        smallest, largest = eigenvalues[0], eigenvalues[m - 1]
        determinant = 1.0
        for a in range(m):
            determinant *= eigenvalues[a]
        if (determinant <= min_determinant or smallest <= 0.0
                or math.sqrt(largest / smallest) > max_condition
                or largest > max_spectral_radius):
            status[w] = UNSTABLE
            continue
        system, right = gram[w], rhs[w]
        held = damping > 0.0
        for i in range(n_elements):
            held = held or prior_weight[w, i] > 0.0
        if held:
            system, right = system.copy(), right.copy()
            for i in range(n_elements):
                diagonal = gram[w, i, i]
                right[i] += diagonal * (damping * start[w, i]
                                        + prior_weight[w, i] * prior[w, i])
                system[i, i] = diagonal * (1.0 + damping + prior_weight[w, i])
        x_out[w] = _active_set(system, right, lower[w], upper[w], start[w], free[:m])
    return x_out, status


@numba.njit(cache=True)
def _active_set(gram, rhs, lower, upper, start, variables):
    """Bounded least squares on a few variables by an active-set method (finite for a
    positive definite Gram matrix): solve for the free variables, stop at the first bound
    crossed, release a bound variable whose multiplier says the objective would drop."""
    x = start.copy()
    m = variables.shape[0]
    # elements left out of this window's unknowns keep their start value: their share of
    # the signal moves to the right-hand side
    in_set = np.zeros(x.shape[0], np.bool_)
    for a in range(m):
        in_set[variables[a]] = True
    rhs = rhs.copy()
    for k in range(x.shape[0]):
        if not in_set[k]:
            for i in range(x.shape[0]):
                rhs[i] -= gram[i, k] * start[k]
    for a in range(m):
        i = variables[a]
        x[i] = min(max(x[i], lower[i]), upper[i])
    state = np.zeros(m, np.int8)  # 0 free, -1 at lower, +1 at upper
    free = np.empty(m, np.int64)
    system = np.empty((m, m))
    z = np.empty(m)
    for _ in range(4 * m + 4):
        f = 0
        for a in range(m):
            if state[a] == 0:
                free[f] = a
                f += 1
        for a in range(f):
            ia = variables[free[a]]
            z[a] = rhs[ia]
            for b in range(m):
                if state[b] != 0:
                    z[a] -= gram[ia, variables[b]] * x[variables[b]]
            for b in range(f):
                system[a, b] = gram[ia, variables[free[b]]]
        _cholesky_solve(system, z, f)
        # walk from x towards z until the first bound
        step = 1.0
        blocking = -1
        for a in range(f):
            i = variables[free[a]]
            if z[a] < lower[i] and z[a] != x[i]:
                s = (lower[i] - x[i]) / (z[a] - x[i])
                if s < step:
                    step, blocking = s, a
            elif z[a] > upper[i] and z[a] != x[i]:
                s = (upper[i] - x[i]) / (z[a] - x[i])
                if s < step:
                    step, blocking = s, a
        for a in range(f):
            i = variables[free[a]]
            x[i] = min(max(x[i] + step * (z[a] - x[i]), lower[i]), upper[i])
        if blocking >= 0:
            a = free[blocking]
            i = variables[a]
            state[a] = -1 if z[blocking] < lower[i] else 1
            x[i] = lower[i] if state[a] < 0 else upper[i]
            continue
        # optimal for the free set: release the bound variable with the worst multiplier
        worst, release = 0.0, -1
        for a in range(m):
            if state[a] == 0:
                continue
            i = variables[a]
            gradient = -rhs[i]
            for b in range(m):
                gradient += gram[i, variables[b]] * x[variables[b]]
            violation = -gradient if state[a] < 0 else gradient
            if violation > worst + 1e-15:
                worst, release = violation, a
        if release < 0:
            break
        state[release] = 0
    return x


@numba.njit(cache=True)
def _cholesky_solve(system, right, n):
    """Solve the leading n x n block of a symmetric positive definite ``system`` in place
    (``right`` becomes the solution): no allocation, no LAPACK call, which for 2-10
    unknowns solved millions of times is most of the cost."""
    for j in range(n):
        d = system[j, j]
        for k in range(j):
            d -= system[j, k] * system[j, k]
        d = math.sqrt(max(d, 1e-300))
        system[j, j] = d
        for i in range(j + 1, n):
            v = system[i, j]
            for k in range(j):
                v -= system[i, k] * system[j, k]
            system[i, j] = v / d
    for i in range(n):
        v = right[i]
        for k in range(i):
            v -= system[i, k] * right[k]
        right[i] = v / system[i, i]
    for i in range(n - 1, -1, -1):
        v = right[i]
        for k in range(i + 1, n):
            v -= system[k, i] * right[k]
        right[i] = v / system[i, i]


def median_fill(values: np.ndarray, solved: np.ndarray, footprint: np.ndarray) -> np.ndarray:
    """Replace unsolved pixels by the median of the solved ones in their window, growing the
    window (up to 4 times its size) when none is there; a pixel with no solved neighbour keeps
    its value. ``values`` (..., rows, cols), ``solved`` broadcastable to it."""
    solved = np.broadcast_to(solved, values.shape)
    flat_values = np.ascontiguousarray(values.reshape((-1,) + values.shape[-2:]), np.float64)
    flat_solved = np.ascontiguousarray(solved.reshape((-1,) + values.shape[-2:]))
    out = _median_fill(flat_values, flat_solved, footprint.shape[0] // 2,
                       footprint.shape[1] // 2)
    return out.reshape(values.shape)


@numba.njit(parallel=True, cache=True)
def _median_fill(values, solved, half_rows, half_cols):
    layers, rows, cols = values.shape
    out = values.copy()
    for k in numba.prange(layers):
        buffer = np.empty((2 * (4 * half_rows + 3) + 1) * (2 * (4 * half_cols + 3) + 1))
        for r in range(rows):
            for c in range(cols):
                if solved[k, r, c]:
                    continue
                for growth in range(1, 5):
                    hr, hc = growth * half_rows + growth - 1, growth * half_cols + growth - 1
                    n = 0
                    for rr in range(max(0, r - hr), min(rows, r + hr + 1)):
                        for cc in range(max(0, c - hc), min(cols, c + hc + 1)):
                            if solved[k, rr, cc]:
                                buffer[n] = values[k, rr, cc]
                                n += 1
                    if n > 0:
                        out[k, r, c] = np.median(buffer[:n])
                        break
    return out
