"""Backward Monte Carlo path tracing that records *what the paths met* instead of radiance.

For fixed geometry, every path's contribution to a pixel is a product of the reflectances r
and transmittances t of the facets it scattered on, times a geometric weight that does not
depend on them. So each contribution is recorded as a monomial: the exponent of every
(element, r|t) variable, the light source (direct sun or isotropic sky), the sample batch
(for the standard error) and its weight. Summed per pixel, these are the coefficients of
polynomials that give the image for any optical properties, in every band, with exact
gradients (see ``polynomials.py``).

Physics (DESIGN.md): two-sided Lambertian facets; orthographic sensor; direct sun by next
event estimation with a shadow ray; isotropic sky picked up by paths that escape upwards;
scattered directions sampled with pdf cos/pi so a reflection weighs r and a transmission t;
translucent facets reflect or transmit with probability 1/2 each (weight 2). Russian
roulette after ``rr_depth`` events with a survival probability independent of r and t keeps
the polynomials unbiased for every optical property.

Weights are normalised as BRF: a sun contribution at a vertex weighs |cos(n, sun)| /
cos(sun zenith) (times (1 - SKYL) at evaluation), a sky contribution 1 (times SKYL).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from .boundary import scene_hit, unoccluded, wrap
from .directions import cosine_direction
from .rng import stream_state, uniform

MAX_VARIABLES = 14  # 8-bit exponents: 8 in key0, 6 in key1 beside the source and batch
MAX_BATCHES = 256
MAX_DEPTH = 250  # hard stop, keeps every exponent below 256 (reached with probability ~0)
SUN, SKY = 0, 1
RAY_OFFSET = 1e-4  # metres: new rays start this far off the surface, on the leaving side


@numba.njit(cache=True, inline="always")
def _pack(exponents, extra_var, source, batch):
    """Monomial key: exponents of variables 0-7 in key0, 8-13 in key1's low 48 bits, then the
    source (bits 48-55) and the batch (56-63). ``extra_var`` >= 0 adds one to that exponent."""
    key0 = np.uint64(0)
    key1 = np.uint64(0)
    for v in range(exponents.shape[0]):
        e = np.uint64(exponents[v] + (1 if v == extra_var else 0))
        if v < 8:
            key0 |= e << np.uint64(8 * v)
        else:
            key1 |= e << np.uint64(8 * (v - 8))
    key1 |= np.uint64(source) << np.uint64(48)
    key1 |= np.uint64(batch) << np.uint64(56)
    return key0, key1


@numba.njit(cache=True)
def _append(keys0, keys1, values, count, key0, key1, value):
    if count == keys0.shape[0]:
        grown0 = np.empty(2 * count, np.uint64)
        grown1 = np.empty(2 * count, np.uint64)
        grown_v = np.empty(2 * count, np.float64)
        grown0[:count] = keys0
        grown1[:count] = keys1
        grown_v[:count] = values
        keys0, keys1, values = grown0, grown1, grown_v
    keys0[count] = key0
    keys1[count] = key1
    values[count] = value
    return keys0, keys1, values, count + 1


@numba.njit(cache=True)
def _reduce(keys0, keys1, values, count):
    """Sum the values of equal keys -> (keys0, keys1, values, distinct count)."""
    if count == 0:
        return keys0[:0], keys1[:0], values[:0], 0
    order = np.argsort(keys1[:count], kind="mergesort")
    order = order[np.argsort(keys0[:count][order], kind="mergesort")]
    out0 = np.empty(count, np.uint64)
    out1 = np.empty(count, np.uint64)
    out_v = np.empty(count, np.float64)
    n = 0
    for i in range(count):
        j = order[i]
        if n > 0 and keys0[j] == out0[n - 1] and keys1[j] == out1[n - 1]:
            out_v[n - 1] += values[j]
        else:
            out0[n] = keys0[j]
            out1[n] = keys1[j]
            out_v[n] = values[j]
            n += 1
    return out0, out1, out_v, n


@numba.njit(cache=True)
def _trace_pixel(
    pixel, bvh, normals, tri_element, var_r, var_t, translucent, box, periodic, sun, view,
    grid, samples, batches, seed, rr_depth, rr_survival, n_variables, first_hits, sunlit_hits,
):
    """All samples of one pixel -> its reduced records; counts first hits per element."""
    x0, y0, dx, dy, cols, z_ref = grid[0], grid[1], grid[2], grid[3], int(grid[4]), grid[5]
    row = pixel // cols
    col = pixel - row * cols
    state = stream_state(seed, pixel)
    cos_sun = sun[2]
    z_start = box[5] + 1e-3
    lift = (z_start - z_ref) / view[2]
    n_elements = var_r.shape[0]
    capacity = 16 * samples
    keys0 = np.empty(capacity, np.uint64)
    keys1 = np.empty(capacity, np.uint64)
    values = np.empty(capacity, np.float64)
    count = 0
    exponents = np.zeros(n_variables, np.int64)
    per_batch = np.zeros(batches, np.int64)
    for s in range(samples):
        per_batch[s % batches] += 1
    for s in range(samples):
        # each batch is an independent, stratified estimate of the pixel (jittered grid when
        # its sample count is a square), so batch means give an honest standard error
        batch = s % batches
        index = s // batches
        strata = int(math.sqrt(per_batch[batch]))
        if strata * strata == per_batch[batch]:
            sx = ((index % strata) + uniform(state)) / strata
            sy = ((index // strata) + uniform(state)) / strata
        else:
            sx = uniform(state)
            sy = uniform(state)
        # point of the reference plane, moved back along the view direction above the scene
        ox = x0 + (col + sx) * dx + view[0] * lift
        oy = y0 - (row + sy) * dy + view[1] * lift
        oz = z_start
        if periodic:
            ox = wrap(ox, box[0], box[3])
            oy = wrap(oy, box[1], box[4])
        ddx, ddy, ddz = -view[0], -view[1], -view[2]
        tri, px, py, pz = scene_hit(bvh, box, periodic, ox, oy, oz, ddx, ddy, ddz, 0.0)
        if tri < 0:
            first_hits[n_elements] += 1
            continue
        for v in range(n_variables):
            exponents[v] = 0
        weight = 1.0 / per_batch[batch]
        depth = 0
        while True:
            element = tri_element[tri]
            nx, ny, nz = normals[tri, 0], normals[tri, 1], normals[tri, 2]
            if nx * ddx + ny * ddy + nz * ddz > 0.0:  # face the side the ray came from
                nx, ny, nz = -nx, -ny, -nz
            if depth == 0:
                first_hits[element] += 1
            # direct sun, next event estimation
            cos_in = sun[0] * nx + sun[1] * ny + sun[2] * nz
            sun_var = -1
            side = 1.0
            if cos_in > 0.0:
                sun_var = var_r[element]
            elif translucent[element]:
                sun_var = var_t[element]
                side = -1.0
                cos_in = -cos_in
            if sun_var >= 0 and cos_in > 0.0:
                sx0 = px + side * RAY_OFFSET * nx
                sy0 = py + side * RAY_OFFSET * ny
                sz0 = pz + side * RAY_OFFSET * nz
                if unoccluded(bvh, box, periodic, sx0, sy0, sz0, sun[0], sun[1], sun[2], 0.0):
                    key0, key1 = _pack(exponents, sun_var, SUN, batch)
                    keys0, keys1, values, count = _append(
                        keys0, keys1, values, count, key0, key1, weight * cos_in / cos_sun
                    )
                    if depth == 0 and side > 0.0:
                        sunlit_hits[element] += 1
            # continue the path
            if depth >= MAX_DEPTH:
                break
            if depth >= rr_depth:
                if uniform(state) >= rr_survival:
                    break
                weight /= rr_survival
            side = 1.0
            scatter_var = var_r[element]
            if translucent[element]:
                weight *= 2.0
                if uniform(state) >= 0.5:
                    scatter_var = var_t[element]
                    side = -1.0
            exponents[scatter_var] += 1
            ddx, ddy, ddz = cosine_direction(
                side * nx, side * ny, side * nz, uniform(state), uniform(state)
            )
            ox = px + side * RAY_OFFSET * nx
            oy = py + side * RAY_OFFSET * ny
            oz = pz + side * RAY_OFFSET * nz
            tri, px, py, pz = scene_hit(bvh, box, periodic, ox, oy, oz, ddx, ddy, ddz, 0.0)
            if tri < 0:
                if ddz > 0.0:  # escaped to the sky
                    key0, key1 = _pack(exponents, -1, SKY, batch)
                    keys0, keys1, values, count = _append(
                        keys0, keys1, values, count, key0, key1, weight
                    )
                break
            depth += 1
    return _reduce(keys0, keys1, values, count)


@numba.njit(parallel=True, cache=True)
def trace_chunk(
    first_pixel, pixel_count, capacity, bvh, normals, tri_element, var_r, var_t, translucent,
    box, periodic, sun, view, grid, samples, batches, seed, rr_depth, rr_survival, n_variables,
):
    """Trace ``pixel_count`` pixels from ``first_pixel`` in parallel.

    Returns per-pixel reduced records in slots of ``capacity`` (a pixel needing more gets
    count = -needed and is re-traced by the caller with more room; the per-pixel random
    streams make that exact), and per-pixel first-hit and sunlit counts per element (the
    last first-hit column counts rays that met nothing).
    """
    n_elements = var_r.shape[0]
    out0 = np.zeros((pixel_count, capacity), np.uint64)
    out1 = np.zeros((pixel_count, capacity), np.uint64)
    out_v = np.zeros((pixel_count, capacity), np.float64)
    counts = np.zeros(pixel_count, np.int64)
    first_hits = np.zeros((pixel_count, n_elements + 1), np.int64)
    sunlit_hits = np.zeros((pixel_count, n_elements), np.int64)
    for j in numba.prange(pixel_count):
        k0, k1, kv, n = _trace_pixel(
            first_pixel + j, bvh, normals, tri_element, var_r, var_t, translucent, box,
            periodic, sun, view, grid, samples, batches, seed, rr_depth, rr_survival,
            n_variables, first_hits[j], sunlit_hits[j],
        )
        if n > capacity:
            counts[j] = -n
        else:
            counts[j] = n
            out0[j, :n] = k0[:n]
            out1[j, :n] = k1[:n]
            out_v[j, :n] = kv[:n]
    return out0, out1, out_v, counts, first_hits, sunlit_hits
