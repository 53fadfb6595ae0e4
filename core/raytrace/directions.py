"""Directions: sun and view angles to vectors, and cosine-weighted (Lambertian) sampling."""

from __future__ import annotations

import math

import numba
import numpy as np


def direction_from_angles(zenith_deg: float, azimuth_deg: float) -> np.ndarray:
    """Unit vector pointing from the surface towards the sun or sensor.

    Zenith from vertical, azimuth clockwise from north (Sentinel-2 metadata convention);
    x east, y north, z up.
    """
    zenith, azimuth = math.radians(zenith_deg), math.radians(azimuth_deg)
    return np.array(
        [
            math.sin(zenith) * math.sin(azimuth),
            math.sin(zenith) * math.cos(azimuth),
            math.cos(zenith),
        ]
    )


@numba.njit(cache=True, inline="always")
def cosine_direction(nx, ny, nz, u1, u2):
    """A direction in the hemisphere around unit normal n with pdf cos(theta)/pi.

    With this pdf a Lambertian reflection or transmission weight reduces to r or t alone.
    The tangent frame is the branchless orthonormal basis of Duff et al. (2017).
    """
    radius = math.sqrt(u1)
    phi = 2.0 * math.pi * u2
    a = radius * math.cos(phi)
    b = radius * math.sin(phi)
    c = math.sqrt(max(0.0, 1.0 - u1))
    sign = 1.0 if nz >= 0.0 else -1.0
    k = -1.0 / (sign + nz)
    m = nx * ny * k
    tx, ty, tz = 1.0 + sign * nx * nx * k, sign * m, -sign * nx
    bx, by, bz = m, sign + ny * ny * k, -ny
    return (
        a * tx + b * bx + c * nx,
        a * ty + b * by + c * ny,
        a * tz + b * bz + c * nz,
    )
