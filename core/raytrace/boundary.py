"""Scene boundaries for rays: open (rays leaving the mock-up's box escape) or periodic (the
mock-up tiles the plane, as DART's repetitive scenes: a ray leaving through a side re-enters
through the opposite side)."""

import numba
import numpy as np

from .bvh import any_hit, closest_hit

MAX_WRAPS = 256  # a ray still wrapping after this many tiles is taken as escaped


@numba.njit(cache=True, inline="always")
def _exit_distances(box, ox, oy, oz, dx, dy, dz):
    """Distances along the ray to the box's x, y and z exit planes (inf when parallel)."""
    tx = np.inf
    ty = np.inf
    tz = np.inf
    if dx > 0.0:
        tx = (box[3] - ox) / dx
    elif dx < 0.0:
        tx = (box[0] - ox) / dx
    if dy > 0.0:
        ty = (box[4] - oy) / dy
    elif dy < 0.0:
        ty = (box[1] - oy) / dy
    if dz > 0.0:
        tz = (box[5] - oz) / dz
    elif dz < 0.0:
        tz = (box[2] - oz) / dz
    return max(tx, 0.0), max(ty, 0.0), max(tz, 0.0)


@numba.njit(cache=True, inline="always")
def wrap(value, low, high):
    """``value`` brought into [low, high) by whole periods."""
    period = high - low
    shifted = (value - low) % period
    return low + shifted


@numba.njit(cache=True)
def scene_hit(bvh, box, periodic, ox, oy, oz, dx, dy, dz, tmin):
    """First surface hit -> (triangle, x, y, z); triangle -1 when the ray escapes.

    ``box`` is (xmin, ymin, zmin, xmax, ymax, zmax) of the mock-up; with ``periodic`` the
    returned point is brought back into the box's x/y range.
    """
    if not periodic:
        t, tri = closest_hit(bvh, ox, oy, oz, dx, dy, dz, tmin, np.inf)
        return tri, ox + t * dx, oy + t * dy, oz + t * dz
    for _ in range(MAX_WRAPS):
        tx, ty, tz = _exit_distances(box, ox, oy, oz, dx, dy, dz)
        t_exit = min(tx, ty, tz)
        t, tri = closest_hit(bvh, ox, oy, oz, dx, dy, dz, tmin, t_exit * (1.0 + 1e-9) + 1e-7)
        if tri >= 0:
            return (tri, wrap(ox + t * dx, box[0], box[3]), wrap(oy + t * dy, box[1], box[4]),
                    oz + t * dz)
        if tz <= tx and tz <= ty:
            return -1, ox, oy, oz  # out through the top or the bottom
        ox += t_exit * dx
        oy += t_exit * dy
        oz += t_exit * dz
        if tx <= ty:
            ox = box[0] if dx > 0.0 else box[3]
        else:
            oy = box[1] if dy > 0.0 else box[4]
        tmin = 0.0
    return -1, ox, oy, oz


@numba.njit(cache=True)
def unoccluded(bvh, box, periodic, ox, oy, oz, dx, dy, dz, tmin):
    """True when the ray reaches the sky (leaves through the top) without hitting anything."""
    if not periodic:
        return not any_hit(bvh, ox, oy, oz, dx, dy, dz, tmin, np.inf)
    for _ in range(MAX_WRAPS):
        tx, ty, tz = _exit_distances(box, ox, oy, oz, dx, dy, dz)
        t_exit = min(tx, ty, tz)
        if any_hit(bvh, ox, oy, oz, dx, dy, dz, tmin, t_exit * (1.0 + 1e-9) + 1e-7):
            return False
        if tz <= tx and tz <= ty:
            return dz > 0.0
        ox += t_exit * dx
        oy += t_exit * dy
        oz += t_exit * dz
        if tx <= ty:
            ox = box[0] if dx > 0.0 else box[3]
        else:
            oy = box[1] if dy > 0.0 else box[4]
        tmin = 0.0
    return True


@numba.njit(cache=True)
def march(bvh, box, periodic, ox, oy, oz, dx, dy, dz, tmin, t_limit):
    """First surface hit within path length ``t_limit`` (metres along a unit direction)
    -> (triangle, x, y, z, length travelled).

    Triangle -1: the ray escapes (length travelled to the box's exit); -2: it travels
    ``t_limit`` without hitting anything (the returned point is there). Turbid media need
    the length, and a sampled free path ends at a point that periodic wrapping must place.
    """
    travelled = 0.0
    for _ in range(MAX_WRAPS):
        tx, ty, tz = _exit_distances(box, ox, oy, oz, dx, dy, dz)
        t_exit = min(tx, ty, tz)
        left = t_limit - travelled
        if periodic:
            t_end = min(t_exit * (1.0 + 1e-9) + 1e-7, left)
        else:
            t_end = left
        t, tri = closest_hit(bvh, ox, oy, oz, dx, dy, dz, tmin, t_end)
        if tri >= 0:
            x, y = ox + t * dx, oy + t * dy
            if periodic:
                x, y = wrap(x, box[0], box[3]), wrap(y, box[1], box[4])
            return tri, x, y, oz + t * dz, travelled + t
        if left <= t_exit or (not periodic and left < np.inf):
            x, y = ox + left * dx, oy + left * dy
            if periodic:
                x, y = wrap(x, box[0], box[3]), wrap(y, box[1], box[4])
            return -2, x, y, oz + left * dz, t_limit
        if not periodic or (tz <= tx and tz <= ty):
            return -1, ox, oy, oz, travelled + t_exit
        ox += t_exit * dx
        oy += t_exit * dy
        oz += t_exit * dz
        travelled += t_exit
        if tx <= ty:
            ox = box[0] if dx > 0.0 else box[3]
        else:
            oy = box[1] if dy > 0.0 else box[4]
        tmin = 0.0
    return -1, ox, oy, oz, travelled


@numba.njit(cache=True)
def count_crossings(bvh, part_of_triangle, part, ox, oy, oz, dx, dy, dz):
    """How many triangles of ``part`` the ray from o along d crosses (no wrapping): odd
    means o is inside that part's closed surface."""
    count = 0
    tmin = 0.0
    for _ in range(100000):
        t, tri = closest_hit(bvh, ox, oy, oz, dx, dy, dz, tmin, np.inf)
        if tri < 0:
            break
        if part_of_triangle[tri] == part:
            count += 1
        tmin = t + 1e-7 * max(1.0, t)
    return count


@numba.njit(cache=True)
def first_hit_among(bvh, wanted, ox, oy, oz, dx, dy, dz):
    """Distance along the ray (no wrapping) to its first triangle whose ``wanted`` flag is
    set, passing through the others; inf when there is none."""
    tmin = 0.0
    for _ in range(100000):
        t, tri = closest_hit(bvh, ox, oy, oz, dx, dy, dz, tmin, np.inf)
        if tri < 0:
            return np.inf
        if wanted[tri]:
            return t
        tmin = t + 1e-7 * max(1.0, t)
    return np.inf


@numba.njit(parallel=True, cache=True)
def depths_below(bvh, wanted, xs, ys, top):
    """For every (y, x) of the grid ``ys`` x ``xs``: depth below height ``top`` of the first
    ``wanted`` triangle met straight down (inf: none) -> (len(ys), len(xs))."""
    out = np.empty((ys.shape[0], xs.shape[0]))
    for i in numba.prange(ys.shape[0]):
        for j in range(xs.shape[0]):
            out[i, j] = first_hit_among(bvh, wanted, xs[j], ys[i], top, 0.0, 0.0, -1.0)
    return out
