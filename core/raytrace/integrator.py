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

Turbid media (``turbid.py``): free paths drawn against the next facet, leaf collisions
scattered like translucent facets (same r / t exponents), the sun seen through media with
its expected transmittance exp(-optical depth), and each segment split between the facet
behind and a leaf inside (see ``_trace_pixel``). First hits and sunlit shares are
expected values (floats), so a collision inside a medium counts as that element's share.

Weights are normalised as BRF: a sun contribution at a vertex weighs |cos(n, sun)| /
cos(sun zenith) (times (1 - SKYL) at evaluation), a sky contribution 1 (times SKYL).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from .boundary import march, unoccluded, wrap
from .directions import cosine_direction
from .rng import stream_state, uniform
from .turbid import extinction, leaf_normal, pick_medium

MAX_VARIABLES = 14  # 8-bit exponents: 8 in key0, 6 in key1 beside the source and batch
MAX_BATCHES = 256
MAX_DEPTH = 250  # hard stop, keeps every exponent below 256 (reached with probability ~0)
SUN, SKY = 0, 1
RAY_OFFSET = 1e-4  # metres: new rays start this far off the surface, on the leaving side
BOUNDARY_STEP = 1e-6  # metres: past a turbid boundary, search on from this far
MAX_CROSSINGS = 10000  # turbid boundaries one ray may cross before it is taken as lost
OPAQUE_DEPTH = 40.0  # optical depth beyond which a shadow ray counts as blocked (e^-40)
MAX_STRETCHES = 512  # stretches in media one ray segment may record before it is lost
NEE_NORMALS = 8  # leaf normals averaged in the sun estimate at a turbid collision
NEE_DEPTHS = 2  # collisions, stratified in depth, that see the sun per turbid stretch
# what went wrong on a path, counted per pixel (each path counts once per kind):
LOST = 0  # a ray (path or shadow ray) crossed MAX_CROSSINGS turbid boundaries unended
DROPPED = 1  # a ray segment met more than MAX_STRETCHES stretches in media: path ended
CLAMPED = 2  # a ray left a medium it was not in (a missed or doubled boundary crossing)
PATH_EVENTS = 3


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
def _cross_boundary(inside, medium, normals, tri, dx, dy, dz, events):
    """Update the media the ray is in on crossing a turbid boundary triangle: outward
    normals (oriented at preparation), so d . n > 0 leaves and d . n < 0 enters. Leaving a
    medium the ray is not in (a crossing missed or counted twice before) is clamped at 0 and
    counted in ``events[CLAMPED]``."""
    if normals[tri, 0] * dx + normals[tri, 1] * dy + normals[tri, 2] * dz > 0.0:
        if inside[medium] > 0:
            inside[medium] -= 1
        else:
            events[CLAMPED] += 1
    else:
        inside[medium] += 1


@numba.njit(cache=True)
def _segments(bvh, box, periodic, tri_medium, normals, density, g_table, inside, ox, oy, oz,
              dx, dy, dz, seg_start, seg_length, seg_sigma, seg_inside, events):
    """Follow a ray to its first facet through turbid boundaries, recording the stretches
    it spends in media -> (triangle, x, y, z, stretches, optical depth).

    Triangle -1: escaped; -3: more than MAX_STRETCHES stretches (dropped); -4: more than
    MAX_CROSSINGS boundaries (lost); -5: optical depth past OPAQUE_DEPTH, the ray collides
    in the stretches recorded (a grazing ray through a slab would otherwise wrap through
    hundreds of periodic tiles and be dropped). ``inside`` ends as the media at the facet;
    ``seg_inside[k]`` holds them along stretch k.
    """
    n = 0
    depth = 0.0
    tmin = 0.0
    for _ in range(MAX_CROSSINGS):
        sigma = 0.0
        if density.shape[0] > 0:
            sigma = extinction(inside, density, g_table, dz)
        tri, x, y, z, travelled = march(bvh, box, periodic, ox, oy, oz, dx, dy, dz, tmin,
                                        np.inf)
        if sigma > 0.0 and travelled > 0.0:
            if n == seg_length.shape[0]:
                return -3, x, y, z, n, depth
            seg_start[n, 0], seg_start[n, 1], seg_start[n, 2] = ox, oy, oz
            seg_length[n] = travelled
            seg_sigma[n] = sigma
            seg_inside[n, :] = inside
            n += 1
            depth += sigma * travelled
            if depth > OPAQUE_DEPTH:  # nothing gets through (e^-40): the leaves end it here
                return -5, x, y, z, n, depth
        if tri < 0 or tri_medium[tri] < 0:
            return tri, x, y, z, n, depth
        _cross_boundary(inside, tri_medium[tri], normals, tri, dx, dy, dz, events)
        ox, oy, oz = x, y, z
        tmin = BOUNDARY_STEP
    return -4, ox, oy, oz, n, depth


@numba.njit(cache=True)
def _collision_point(box, periodic, dx, dy, dz, seg_start, seg_length, seg_sigma, n, depth,
                     transmitted, u):
    """A collision drawn from the free-path density restricted to the stretches (pdf
    sigma exp(-tau) / (1 - exp(-depth))) -> (stretch, x, y, z)."""
    target = -math.log(1.0 - u * (1.0 - transmitted))
    done = 0.0
    k = 0
    s = 0.0
    for k in range(n):
        step = seg_sigma[k] * seg_length[k]
        if done + step >= target or k == n - 1:
            s = min(max(target - done, 0.0) / seg_sigma[k], seg_length[k])
            break
        done += step
    x = seg_start[k, 0] + s * dx
    y = seg_start[k, 1] + s * dy
    if periodic:
        x, y = wrap(x, box[0], box[3]), wrap(y, box[1], box[4])
    return k, x, y, seg_start[k, 2] + s * dz


@numba.njit(cache=True)
def _sun_transmittance(bvh, box, periodic, tri_medium, normals, density, g_table, inside,
                       scratch, ox, oy, oz, sun, offset, nx, ny, nz, events):
    """Expected transmittance from o to the sun: exp(-optical depth) through turbid media,
    0 behind any facet. Using the expectation instead of a sampled free path is what makes
    turbid canopies much less noisy than leaf triangles.

    ``offset`` keeps the ray off the surface it leaves (normal n, sun side): moved off along
    n without media (as always), started at o with tmin = offset with media, so that the
    medium right above a soil inside a canopy is not skipped."""
    if density.shape[0] == 0:
        if unoccluded(bvh, box, periodic, ox + offset * nx, oy + offset * ny, oz + offset * nz,
                      sun[0], sun[1], sun[2], 0.0):
            return 1.0
        return 0.0
    scratch[:] = inside
    depth = 0.0
    tmin = offset
    for _ in range(MAX_CROSSINGS):
        sigma = extinction(scratch, density, g_table, sun[2])
        tri, x, y, z, travelled = march(bvh, box, periodic, ox, oy, oz, sun[0], sun[1], sun[2],
                                        tmin, np.inf)
        depth += sigma * travelled
        if tri == -1:
            return math.exp(-depth)
        if tri_medium[tri] < 0 or depth > OPAQUE_DEPTH:
            return 0.0
        _cross_boundary(scratch, tri_medium[tri], normals, tri, sun[0], sun[1], sun[2],
                        events)
        ox, oy, oz = x, y, z
        tmin = BOUNDARY_STEP
    events[LOST] += 1
    return 0.0


@numba.njit(cache=True)
def _facet_sun(keys0, keys1, values, count, exponents, element, var_r, var_t, translucent,
               nx, ny, nz, px, py, pz, offset, sun, factor, batch, bvh, box, periodic,
               tri_medium, normals, density, g_table, inside, scratch, events):
    """Next-event estimation to the sun at a Lambertian vertex with normal n facing the
    viewer -> (records..., sun visibility on the viewed side, for sunlit shares)."""
    cos_in = sun[0] * nx + sun[1] * ny + sun[2] * nz
    sun_var = -1
    side = 1.0
    if cos_in > 0.0:
        sun_var = var_r[element]
    elif translucent[element]:
        sun_var = var_t[element]
        side = -1.0
        cos_in = -cos_in
    lit = 0.0
    if sun_var >= 0 and cos_in > 0.0:
        visible = _sun_transmittance(
            bvh, box, periodic, tri_medium, normals, density, g_table, inside, scratch,
            px, py, pz, sun, offset, side * nx, side * ny, side * nz, events,
        )
        if visible > 0.0:
            key0, key1 = _pack(exponents, sun_var, SUN, batch)
            keys0, keys1, values, count = _append(keys0, keys1, values, count, key0, key1,
                                                  factor * visible * cos_in / sun[2])
            if side > 0.0:
                lit = visible
    return keys0, keys1, values, count, lit


@numba.njit(cache=True)
def jitter_columns(n):
    """Columns of the most nearly square grid of exactly ``n`` cells (the largest divisor of
    ``n`` not above its square root): 512 samples give 16 x 32 strata, not 512 random
    points; a prime count gives n strips across the pixel."""
    columns = int(math.sqrt(n))
    while columns * columns > n:  # rounding of the square root
        columns -= 1
    while n % columns:
        columns -= 1
    return columns


@numba.njit(cache=True)
def _trace_pixel(
    pixel, bvh, normals, tri_element, var_r, var_t, translucent, box, periodic, sun, view,
    grid, samples, batches, seed, rr_depth, rr_survival, n_variables, tri_medium,
    medium_element, density, g_table, theta_table, spherical, z_ref, first_hits, sunlit_hits,
    path_counts,
):
    """All samples of one pixel -> its reduced records; adds up first hits per element and
    the sun's (expected) visibility of those first hits.

    Each ray segment is followed to its first facet; when it crosses turbid media of
    optical depth tau, both outcomes are scored: the sun (or sky) seen from the facet
    behind, weighted exp(-tau), and the sun seen from NEE_DEPTHS collisions drawn inside the
    media, stratified in free-path depth (the sunlit share falls fast with depth), weighted
    (1 - exp(-tau)) / NEE_DEPTHS, each leaf normal averaged over NEE_NORMALS draws. The path
    then continues from the facet or from one of those collisions, chosen with those
    probabilities (unbiased splitting: the single-scattered sun loses the noise of "leaf or
    soil" and most of "how deep", the paths stay one each).

    The pixel's footprint lies on a horizontal plane at height ``z_ref`` (local metres, the
    reference surface under this pixel: the terrain for orthorectified images). Paths that
    met a LOST, DROPPED or CLAMPED event are counted, once per kind, in ``path_counts``.
    """
    x0, y0, dx, dy, cols = grid[0], grid[1], grid[2], grid[3], int(grid[4])
    row = pixel // cols
    col = pixel - row * cols
    state = stream_state(seed, pixel)
    z_start = box[5] + 1e-3
    lift = (z_start - z_ref) / view[2]
    n_elements = var_r.shape[0]
    n_media = max(1, density.shape[0])
    capacity = 16 * samples
    keys0 = np.empty(capacity, np.uint64)
    keys1 = np.empty(capacity, np.uint64)
    values = np.empty(capacity, np.float64)
    count = 0
    exponents = np.zeros(n_variables, np.int64)
    inside = np.zeros(n_media, np.int64)  # boundary crossings count per medium
    scratch = np.zeros_like(inside)
    seg_start = np.zeros((MAX_STRETCHES, 3))
    seg_length = np.zeros(MAX_STRETCHES)
    seg_sigma = np.zeros(MAX_STRETCHES)
    seg_inside = np.zeros((MAX_STRETCHES, n_media), np.int64)
    events = np.zeros(PATH_EVENTS, np.int64)
    per_batch = np.zeros(batches, np.int64)
    for s in range(samples):
        per_batch[s % batches] += 1
    strata_x = np.empty(batches, np.int64)  # jittered grid strata_x x (n / strata_x)
    for batch in range(batches):
        strata_x[batch] = jitter_columns(per_batch[batch])
    for s in range(samples):
        # each batch is an independent estimate of the pixel, stratified on a jittered grid,
        # so batch means give an honest standard error
        batch = s % batches
        index = s // batches
        columns = strata_x[batch]
        rows = per_batch[batch] // columns
        sx = ((index % columns) + uniform(state)) / columns
        sy = ((index // columns) + uniform(state)) / rows
        # point of the reference plane, moved back along the view direction above the scene
        ox = x0 + (col + sx) * dx + view[0] * lift
        oy = y0 - (row + sy) * dy + view[1] * lift
        oz = z_start
        if periodic:
            ox = wrap(ox, box[0], box[3])
            oy = wrap(oy, box[1], box[4])
        ddx, ddy, ddz = -view[0], -view[1], -view[2]
        inside[:] = 0  # the camera ray starts above the box, outside every medium
        for v in range(n_variables):
            exponents[v] = 0
        weight = 1.0 / per_batch[batch]
        depth = 0
        while True:
            tri, px, py, pz, n_seg, tau = _segments(
                bvh, box, periodic, tri_medium, normals, density, g_table, inside, ox, oy, oz,
                ddx, ddy, ddz, seg_start, seg_length, seg_sigma, seg_inside, events,
            )
            if tri == -3:
                events[DROPPED] += 1
                break
            if tri == -4:
                events[LOST] += 1
                break
            through = math.exp(-tau)
            # the facet (or sky) behind the media, seen with probability exp(-tau); none
            # (tri -5) when the media are opaque (exp(-tau) < e^-40)
            if tri == -1:
                if depth == 0:
                    first_hits[n_elements] += through
                elif ddz > 0.0:  # escaped to the sky
                    key0, key1 = _pack(exponents, -1, SKY, batch)
                    keys0, keys1, values, count = _append(keys0, keys1, values, count, key0,
                                                          key1, weight * through)
            elif tri >= 0:
                element = tri_element[tri]
                nx, ny, nz = normals[tri, 0], normals[tri, 1], normals[tri, 2]
                if nx * ddx + ny * ddy + nz * ddz > 0.0:  # face the side the ray came from
                    nx, ny, nz = -nx, -ny, -nz
                keys0, keys1, values, count, lit = _facet_sun(
                    keys0, keys1, values, count, exponents, element, var_r, var_t,
                    translucent, nx, ny, nz, px, py, pz, RAY_OFFSET, sun, weight * through,
                    batch, bvh, box, periodic, tri_medium, normals, density, g_table, inside,
                    scratch, events,
                )
                if depth == 0:
                    first_hits[element] += through
                    sunlit_hits[element] += through * lit
            # a leaf inside the media, met with probability 1 - exp(-tau)
            collided = False
            if tau > 0.0:
                # the sun seen from NEE_DEPTHS collisions stratified along the free path
                # (the sunlit share changes fast with depth); the path goes on from one
                lit_side = 0.0
                go_on = int(uniform(state) * NEE_DEPTHS)
                cx = cy = cz = 0.0
                medium = 0
                k_go = 0
                for stratum in range(NEE_DEPTHS):
                    k, qx, qy, qz = _collision_point(
                        box, periodic, ddx, ddy, ddz, seg_start, seg_length, seg_sigma, n_seg,
                        tau, through, (stratum + uniform(state)) / NEE_DEPTHS)
                    q_medium = pick_medium(seg_inside[k], density, g_table, ddz, seg_sigma[k],
                                           uniform(state))
                    if stratum == go_on:
                        cx, cy, cz, medium, k_go = qx, qy, qz, q_medium, k
                    leaf_element = medium_element[q_medium]
                    visible = _sun_transmittance(bvh, box, periodic, tri_medium, normals,
                                                 density, g_table, seg_inside[k], scratch,
                                                 qx, qy, qz, sun, 0.0, 0.0, 0.0, 1.0, events)
                    if visible > 0.0:
                        w_r = 0.0
                        w_t = 0.0
                        for _ in range(NEE_NORMALS):
                            lx, ly, lz = leaf_normal(theta_table, spherical, q_medium, ddx,
                                                     ddy, ddz, state)
                            c = sun[0] * lx + sun[1] * ly + sun[2] * lz
                            if c > 0.0:
                                w_r += c
                                lit_side += visible
                            else:
                                w_t -= c
                        scale = (weight * (1.0 - through) * visible
                                 / (NEE_NORMALS * NEE_DEPTHS * sun[2]))
                        if w_r > 0.0:
                            key0, key1 = _pack(exponents, var_r[leaf_element], SUN, batch)
                            keys0, keys1, values, count = _append(keys0, keys1, values, count,
                                                                  key0, key1, scale * w_r)
                        if w_t > 0.0:
                            key0, key1 = _pack(exponents, var_t[leaf_element], SUN, batch)
                            keys0, keys1, values, count = _append(keys0, keys1, values, count,
                                                                  key0, key1, scale * w_t)
                    if depth == 0:
                        first_hits[leaf_element] += (1.0 - through) / NEE_DEPTHS
                        sunlit_hits[leaf_element] += ((1.0 - through) * lit_side
                                                      / (NEE_NORMALS * NEE_DEPTHS))
                    lit_side = 0.0
                if uniform(state) >= through:  # the path goes on from the leaf
                    collided = True
                    inside[:] = seg_inside[k_go]
                    element = medium_element[medium]
                    px, py, pz = cx, cy, cz
                    nx, ny, nz = leaf_normal(theta_table, spherical, medium, ddx, ddy, ddz,
                                             state)
            if not collided and tri < 0:
                break
            offset = 0.0 if collided else RAY_OFFSET
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
            ox = px + side * offset * nx
            oy = py + side * offset * ny
            oz = pz + side * offset * nz
            depth += 1
        for kind in range(PATH_EVENTS):
            if events[kind] > 0:
                path_counts[kind] += 1
                events[kind] = 0
    return _reduce(keys0, keys1, values, count)


@numba.njit(parallel=True, cache=True, nogil=True)
def trace_chunk(
    first_pixel, pixel_count, capacity, bvh, normals, tri_element, var_r, var_t, translucent,
    box, periodic, sun, view, grid, samples, batches, seed, rr_depth, rr_survival, n_variables,
    tri_medium, medium_element, density, g_table, theta_table, spherical, covered, z_ref,
):
    """Trace ``pixel_count`` pixels from ``first_pixel`` in parallel.

    Returns per-pixel reduced records in slots of ``capacity`` (a pixel needing more gets
    count = -needed and is re-traced by the caller with more room; the per-pixel random
    streams make that exact), per-pixel first-hit counts per element (the last column
    counts rays that met nothing), the summed sun visibility of those first hits and the
    per-pixel counts of paths that met a LOST, DROPPED or CLAMPED event.
    ``tri_medium`` gives the turbid medium a triangle bounds (-1 for facets); the media's
    tables come from ``turbid.TurbidMedia``. Pixels whose ``covered`` flag (per pixel of the
    whole grid) is 0 lie beyond the mock-up: they are not traced and count as empty.
    ``z_ref`` (per pixel of the whole grid, local metres) is the height of the reference
    surface each pixel's footprint lies on.
    """
    n_elements = var_r.shape[0]
    out0 = np.zeros((pixel_count, capacity), np.uint64)
    out1 = np.zeros((pixel_count, capacity), np.uint64)
    out_v = np.zeros((pixel_count, capacity), np.float64)
    counts = np.zeros(pixel_count, np.int64)
    first_hits = np.zeros((pixel_count, n_elements + 1), np.float64)
    sunlit_hits = np.zeros((pixel_count, n_elements), np.float64)
    path_counts = np.zeros((pixel_count, PATH_EVENTS), np.int64)
    for j in numba.prange(pixel_count):
        if covered[first_pixel + j] == 0:
            first_hits[j, n_elements] = samples
            continue
        k0, k1, kv, n = _trace_pixel(
            first_pixel + j, bvh, normals, tri_element, var_r, var_t, translucent, box,
            periodic, sun, view, grid, samples, batches, seed, rr_depth, rr_survival,
            n_variables, tri_medium, medium_element, density, g_table, theta_table, spherical,
            z_ref[first_pixel + j], first_hits[j], sunlit_hits[j], path_counts[j],
        )
        if n > capacity:
            counts[j] = -n
        else:
            counts[j] = n
            out0[j, :n] = k0[:n]
            out1[j, :n] = k1[:n]
            out_v[j, :n] = kv[:n]
    return out0, out1, out_v, counts, first_hits, sunlit_hits, path_counts
