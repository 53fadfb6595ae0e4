"""Per-pixel polynomials over the (element, r|t) variables: one trace, every answer.

A pixel's reflectance factor, for optical properties x (one value per variable) and skylight
ratio SKYL, is::

    R(p) = (1 - SKYL) * sum_u S[p, u] * x^a_u  +  SKYL * sum_u K[p, u] * x^a_u

with a_u the exponent vectors of the monomials met by the paths, S and K the sun and sky
coefficients. They are stored per (pixel, batch) row as one sparse matrix whose columns are
the sun monomials then the sky monomials; the batch rows are independent estimates, whose
spread gives the Monte Carlo standard error.

Memory: 12 bytes per stored coefficient (float64 value + int32 column) plus 1 byte per
variable per distinct monomial; typically a few hundred coefficients per pixel at 64
samples (``nbytes`` tells).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numba
import numpy as np
import scipy.sparse as sp

from .integrator import SKY


@dataclass
class PixelPolynomials:
    coefficients: sp.csr_matrix  # (pixels * batches, 2 * monomials)
    exponents: np.ndarray  # uint8 (monomials, variables)
    rows: int
    cols: int
    batches: int
    #: each pixel's coefficients in monomial order, made at the first per-pixel evaluation
    #: and kept: an unmix evaluates one trace some 200 times (``_by_monomial``)
    _grouping: tuple[np.ndarray, np.ndarray] | None = field(
        default=None, init=False, repr=False, compare=False)

    @property
    def n_pixels(self) -> int:
        return self.rows * self.cols

    @property
    def n_monomials(self) -> int:
        return self.exponents.shape[0]

    @property
    def n_variables(self) -> int:
        return self.exponents.shape[1]

    @property
    def nbytes(self) -> int:
        c = self.coefficients
        return c.data.nbytes + c.indices.nbytes + c.indptr.nbytes + self.exponents.nbytes

    # ---------------------------------------------------------------------------------
    def _monomials(self, x: np.ndarray) -> np.ndarray:
        """x (bands, variables) -> monomial values (monomials, bands)."""
        values = np.ones((self.n_monomials, x.shape[0]))
        for v in range(self.n_variables):
            exponent = self.exponents[:, v].astype(np.int64)
            if exponent.any():
                values *= x[None, :, v] ** exponent[:, None]
        return values

    def _monomial_derivatives(self, x: np.ndarray) -> np.ndarray:
        """d(monomial)/d x_v -> (variables, monomials, bands), exact also where x_v = 0."""
        out = np.empty((self.n_variables, self.n_monomials, x.shape[0]))
        for v in range(self.n_variables):
            lowered = self.exponents.astype(np.int64)
            a = lowered[:, v].copy()
            lowered[:, v] = np.maximum(a - 1, 0)
            values = np.ones((self.n_monomials, x.shape[0]))
            for w in range(self.n_variables):
                if lowered[:, w].any():
                    values *= x[None, :, w] ** lowered[:, w][:, None]
            out[v] = a[:, None] * values
        return out

    def _combine(self, per_column: np.ndarray, skyl: np.ndarray) -> np.ndarray:
        """Apply the sun/sky split: (monomials, k) -> column weights (2 * monomials, k)."""
        return np.concatenate([per_column * (1.0 - skyl), per_column * skyl], axis=0)

    def _batch_rows(self, column_values: np.ndarray) -> np.ndarray:
        """(2 * monomials, k) -> per batch estimates (pixels, batches, k)."""
        rows = self.coefficients @ column_values
        return np.asarray(rows).reshape(self.n_pixels, self.batches, -1)

    def reflectance(self, x: np.ndarray, skyl) -> tuple[np.ndarray, np.ndarray]:
        """Image and its standard error for uniform optical properties per element.

        ``x``: (bands, variables) values of the variables per band; ``skyl``: scalar or
        (bands,). Returns two (bands, rows, cols) arrays.
        """
        x = np.atleast_2d(np.asarray(x, dtype=np.float64))
        skyl = np.broadcast_to(np.asarray(skyl, dtype=np.float64), (x.shape[0],))
        batches = self._batch_rows(self._combine(self._monomials(x), skyl[None, :]))
        return self._summarise(batches)

    def gradients(self, x: np.ndarray, skyl) -> np.ndarray:
        """dR/dx_v for every pixel: (bands, variables, rows, cols)."""
        x = np.atleast_2d(np.asarray(x, dtype=np.float64))
        bands = x.shape[0]
        skyl = np.broadcast_to(np.asarray(skyl, dtype=np.float64), (bands,))
        derivatives = self._monomial_derivatives(x)  # (V, U, B)
        stacked = derivatives.transpose(1, 0, 2).reshape(self.n_monomials, -1)  # (U, V*B)
        weights = np.tile(skyl, self.n_variables)[None, :]
        batches = self._batch_rows(self._combine(stacked, weights))
        mean = batches.mean(axis=1).reshape(self.n_pixels, self.n_variables, bands)
        return mean.transpose(2, 1, 0).reshape(bands, self.n_variables, self.rows, self.cols)

    def reflectance_per_pixel(self, x_maps: np.ndarray, skyl):
        """Image, gradients and standard error when every pixel has its own optical
        properties.

        ``x_maps``: (bands, variables, rows, cols). Light reaching pixel p is evaluated with
        p's values for every element it met — US-DART's window approximation (the
        properties of the elements near a pixel are those of its window); exact for
        uniform properties. Returns image (bands, rows, cols), gradients (bands, variables,
        rows, cols) and the image's standard error (bands, rows, cols).
        """
        x_maps = np.asarray(x_maps, dtype=np.float64)
        bands = x_maps.shape[0]
        skyl = np.broadcast_to(np.asarray(skyl, dtype=np.float64), (bands,))
        x_pixels = x_maps.reshape(bands, self.n_variables, self.n_pixels).transpose(2, 0, 1)
        c = self.coefficients
        if self._grouping is None:
            self._grouping = _by_monomial(c.indptr, c.indices, self.n_monomials, self.batches)
        order, batch_of = self._grouping
        image, error, gradient = _evaluate_per_pixel(
            c.indptr, c.indices, c.data, order, batch_of, self.exponents, self.n_monomials,
            self.batches, np.ascontiguousarray(x_pixels), np.ascontiguousarray(skyl),
        )
        image = image.T.reshape(bands, self.rows, self.cols)
        error = error.T.reshape(bands, self.rows, self.cols)
        gradient = gradient.transpose(2, 1, 0).reshape(bands, self.n_variables, self.rows,
                                                        self.cols)
        return image, gradient, error

    def _summarise(self, batches: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mean = batches.mean(axis=1)
        if self.batches > 1:
            error = batches.std(axis=1, ddof=1) / np.sqrt(self.batches)
        else:
            error = np.full_like(mean, np.nan)
        shape = (-1, self.rows, self.cols)
        return mean.T.reshape(shape), error.T.reshape(shape)

    def subset(self, pixels: np.ndarray) -> PixelPolynomials:
        """The polynomials of ``pixels`` (flat indices) only, as a 1-column grid: for work
        that needs a few pixels of a large image."""
        pixels = np.asarray(pixels, dtype=np.int64)
        rows = (pixels[:, None] * self.batches + np.arange(self.batches)).ravel()
        return PixelPolynomials(self.coefficients[rows], self.exponents, pixels.size, 1,
                                self.batches)

    # ---------------------------------------------------------------------------------
    def aggregate(self, factor: int) -> PixelPolynomials:
        """The same polynomials on a grid ``factor`` times coarser (block means), exact where
        grids nest (Sentinel-2's 20 m and 60 m bands from a 10 m trace)."""
        if self.rows % factor or self.cols % factor:
            raise ValueError(
                f"a {self.cols} x {self.rows} grid does not nest into blocks of {factor}"
            )
        rows, cols = self.rows // factor, self.cols // factor
        pixel = np.arange(self.n_pixels)
        coarse = (pixel // self.cols // factor) * cols + (pixel % self.cols) // factor
        source_rows = (pixel[:, None] * self.batches + np.arange(self.batches)).ravel()
        target_rows = (coarse[:, None] * self.batches + np.arange(self.batches)).ravel()
        operator = sp.csr_matrix(
            (np.full(source_rows.size, 1.0 / factor**2), (target_rows, source_rows)),
            shape=(rows * cols * self.batches, self.n_pixels * self.batches),
        )
        return PixelPolynomials(
            (operator @ self.coefficients).tocsr(), self.exponents, rows, cols, self.batches
        )


def polynomials_from_records(
    pixel: np.ndarray,
    key0: np.ndarray,
    key1: np.ndarray,
    value: np.ndarray,
    n_variables: int,
    rows: int,
    cols: int,
    batches: int,
) -> PixelPolynomials:
    """Turn per-pixel records (packed monomial keys, see integrator._pack) into polynomials."""
    source = ((key1 >> np.uint64(48)) & np.uint64(0xFF)).astype(np.int64)
    batch = (key1 >> np.uint64(56)).astype(np.int64)
    monomial1 = key1 & np.uint64((1 << 48) - 1)
    if n_variables <= 8:  # every exponent fits key0: sort 8-byte keys, not 16-byte ones
        unique0, inverse = np.unique(key0, return_inverse=True)
        unique = np.zeros((unique0.size, 2), dtype=np.uint64)
        unique[:, 0] = unique0
    else:
        both = np.empty((key0.size, 2), dtype=np.uint64)
        both[:, 0] = key0
        both[:, 1] = monomial1
        unique, inverse = np.unique(both.view(np.dtype((np.void, 16))).ravel(),
                                    return_inverse=True)
        unique = unique.view(np.uint64).reshape(-1, 2)
    n_monomials = unique.shape[0]
    exponents = np.zeros((n_monomials, n_variables), dtype=np.uint8)
    for v in range(n_variables):
        word, shift = (0, 8 * v) if v < 8 else (1, 8 * (v - 8))
        exponents[:, v] = (unique[:, word] >> np.uint64(shift)) & np.uint64(0xFF)
    row = pixel.astype(np.int64) * batches + batch
    column = inverse.ravel() + np.where(source == SKY, n_monomials, 0)
    coefficients = sp.csr_matrix(
        (value, (row, column)), shape=(rows * cols * batches, 2 * n_monomials)
    )
    coefficients.sum_duplicates()
    coefficients.indices = coefficients.indices.astype(np.int32)
    return PixelPolynomials(coefficients, exponents, rows, cols, batches)


@numba.njit(cache=True, inline="always")
def _power(x, a):
    """x ** a for a small integer exponent (most are 1 or 2) without a call to pow."""
    if a == 1:
        return x
    if a == 2:
        return x * x
    return x ** a


@numba.njit(parallel=True, cache=True, nogil=True)
def _by_monomial(indptr, indices, n_monomials, batches):
    """Each pixel's coefficients (gathered over its batch rows) ordered by monomial: their
    positions in ``data`` counted from the pixel's first (nnz,) and the batch of each, in
    that order (6 bytes per coefficient, half of what the polynomials hold)."""
    n_pixels = (indptr.size - 1) // batches
    order = np.empty(indices.size, np.int32)
    batch_of = np.empty(indices.size, np.int16)
    for p in numba.prange(n_pixels):
        first = indptr[p * batches]
        n = indptr[(p + 1) * batches] - first
        monomial = np.empty(n, np.int64)
        batch_here = np.empty(n, np.int16)
        for batch in range(batches):
            row = p * batches + batch
            for k in range(indptr[row], indptr[row + 1]):
                column = indices[k]
                monomial[k - first] = column if column < n_monomials else column - n_monomials
                batch_here[k - first] = batch
        local = np.argsort(monomial)
        for m in range(n):
            order[first + m] = local[m]
            batch_of[first + m] = batch_here[local[m]]
    return order, batch_of


@numba.njit(parallel=True, cache=True, nogil=True)
def _evaluate_per_pixel(indptr, indices, data, order, batch_of, exponents, n_monomials,
                        batches, x, skyl):
    """Image (pixels, bands), its standard error (pixels, bands) and gradients (pixels,
    variables, bands) with per-pixel x (pixels, bands, variables).

    A pixel's coefficients come grouped by monomial (``order``, ``batch_of``: see
    ``_by_monomial``), so each monomial's value and derivatives are computed once per pixel
    and band, not once per batch and light source that met it (a low-order monomial is met
    in every batch)."""
    n_pixels, bands, n_variables = x.shape
    image = np.zeros((n_pixels, bands))
    error = np.full((n_pixels, bands), np.nan)
    gradient = np.zeros((n_pixels, n_variables, bands))
    for p in numba.prange(n_pixels):
        first = indptr[p * batches]
        last = indptr[(p + 1) * batches]
        per_batch = np.zeros((batches, bands))
        value = np.empty(bands)
        coefficient = np.empty(bands)  # the monomial's summed coefficient per band
        i = first
        while i < last:
            column = indices[first + order[i]]
            u = column if column < n_monomials else column - n_monomials
            for b in range(bands):
                product = 1.0
                for v in range(n_variables):
                    a = exponents[u, v]
                    if a > 0:
                        product *= _power(x[p, b, v], a)
                value[b] = product
                coefficient[b] = 0.0
            j = i
            while j < last:
                k = first + order[j]
                sun = indices[k] < n_monomials
                if (indices[k] if sun else indices[k] - n_monomials) != u:
                    break
                batch = batch_of[j]
                for b in range(bands):
                    c = data[k] * ((1.0 - skyl[b]) if sun else skyl[b])
                    per_batch[batch, b] += c * value[b]
                    coefficient[b] += c
                j += 1
            for v in range(n_variables):
                a = exponents[u, v]
                if a == 0:
                    continue
                for b in range(bands):
                    xv = x[p, b, v]
                    if xv != 0.0:  # d(x^a)/dx = a x^a / x: one division per variable
                        partial = a * value[b] / xv
                    elif a == 1:  # at x = 0 only the linear term survives
                        partial = 1.0
                        for w in range(n_variables):
                            aw = exponents[u, w]
                            if w != v and aw > 0:
                                partial *= _power(x[p, b, w], aw)
                    else:
                        partial = 0.0
                    gradient[p, v, b] += coefficient[b] * partial / batches
            i = j
        for b in range(bands):
            mean = 0.0
            for batch in range(batches):
                mean += per_batch[batch, b]
            mean /= batches
            image[p, b] = mean
            if batches > 1:
                spread = 0.0
                for batch in range(batches):
                    spread += (per_batch[batch, b] - mean) ** 2
                error[p, b] = np.sqrt(spread / (batches - 1) / batches)
    return image, error, gradient


def pooled(parts: list[PixelPolynomials], weights: list[float]) -> PixelPolynomials:
    """Polynomials of several independent traces of one grid, pooled batch by batch:
    batch k of the result is ``sum_i weights[i] * batch k of parts[i]`` (weights: each
    trace's share of the samples, summing to 1). So every pooled batch is still an
    independent estimate and their spread still gives the standard error, now of all the
    samples together (the adaptive sampling of ``retrieve.run`` adds traces this way)."""
    first = parts[0]
    for part in parts[1:]:
        if (part.rows, part.cols, part.batches, part.n_variables) != (
                first.rows, first.cols, first.batches, first.n_variables):
            raise ValueError("only traces of one grid, with as many batches and variables, "
                             "can be pooled")
    exponents = np.concatenate([part.exponents for part in parts])
    keys = np.ascontiguousarray(exponents).view(np.dtype((np.void, exponents.shape[1])))
    unique, inverse = np.unique(keys.ravel(), return_inverse=True)
    n_monomials = unique.size
    union = unique.view(np.uint8).reshape(n_monomials, exponents.shape[1])
    total, start = None, 0
    for part, weight in zip(parts, weights, strict=True):
        where = inverse.ravel()[start:start + part.n_monomials]
        start += part.n_monomials
        columns = np.concatenate([where, where + n_monomials])  # sun, then sky monomials
        c = part.coefficients.tocoo()
        moved = sp.csr_matrix((weight * c.data, (c.row, columns[c.col])),
                              shape=(c.shape[0], 2 * n_monomials))
        total = moved if total is None else total + moved
    total.sum_duplicates()
    total.indices = total.indices.astype(np.int32)
    return PixelPolynomials(total.tocsr(), union, first.rows, first.cols, first.batches)
