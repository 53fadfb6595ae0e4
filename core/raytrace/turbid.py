"""Turbid media: volumes of infinitely small bi-Lambertian leaves (DART, LESS).

A medium is a leaf area density u_L (m2 of one-sided leaf area per m3) and a leaf angle
distribution (LAD, the names in ``lad.py``): the density f(theta_L) of leaf-normal
inclinations on [0, pi/2], the azimuth being uniform. Light travelling in direction Omega
meets leaves at the rate ``u_L * G(Omega)`` per metre, ``G`` being the mean projection of
the leaf normals, G(mu) = int f(theta_L) psi(mu, theta_L) d theta_L, psi the azimuth mean
of |Omega . Omega_L|. It depends on |cos zenith| only, so each medium carries G tabulated
in |mu|.

At a collision the leaf met has its normal distributed as f(theta_L) |Omega . Omega_L| /
(2 pi G); the leaf then reflects (weight r) or transmits (weight t) exactly like a
translucent facet, so a path stays one monomial in the element's r and t. Ross's area
scattering phase function follows from this on average; nothing here depends on r or t.

No hot spot: leaves are points, so sun and view gaps are uncorrelated (as in DART's
turbid cells without the hot-spot option); use leaf triangles where the hot spot matters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np

from .boundary import count_crossings
from .lad import parse_lad
from .rng import uniform

N_MU = 257  # G tabulated on |mu| in [0, 1]
N_THETA = 1025  # inverse CDF of the inclination, tabulated on [0, 1]
_QUADRATURE = 4000  # midpoint rule on theta_L


def _theta_grid():
    step = 0.5 * math.pi / _QUADRATURE
    return (np.arange(_QUADRATURE) + 0.5) * step, step


def inclination_density(lad: str, theta: np.ndarray) -> np.ndarray:
    """Normalised f(theta_L): int_0^{pi/2} f = 1."""
    density = parse_lad(lad)
    grid, step = _theta_grid()
    return density(np.asarray(theta, float)) / (density(grid).sum() * step)


def mean_projection(mu, cos_leaf):
    """psi: azimuth mean of |Omega . Omega_L| for |cos| of the direction ``mu`` and of the
    leaf normal ``cos_leaf`` (Ross 1981)."""
    mu, cos_leaf = np.broadcast_arrays(np.abs(np.asarray(mu, float)), np.asarray(cos_leaf, float))
    a = mu * cos_leaf
    b = np.sqrt(np.maximum(0.0, 1.0 - mu**2)) * np.sqrt(np.maximum(0.0, 1.0 - cos_leaf**2))
    with np.errstate(divide="ignore", invalid="ignore"):
        phi = np.arccos(np.clip(-a / np.where(b > 0, b, 1.0), -1.0, 1.0))
    crossing = a * (2.0 * phi / math.pi - 1.0) + 2.0 / math.pi * b * np.sin(phi)
    return np.where(b > a, crossing, a)


def g_function(lad: str, mu) -> np.ndarray:
    """G(mu): projected leaf area per unit leaf area in a direction of cos zenith ``mu``."""
    if lad.strip().lower() == "spherical":
        return np.full(np.shape(mu), 0.5)
    grid, step = _theta_grid()
    f = inclination_density(lad, grid)
    psi = mean_projection(np.asarray(mu, float)[..., None], np.cos(grid))
    return (psi * f).sum(axis=-1) * step


def inclination_quantiles(lad: str) -> np.ndarray:
    """theta_L at CDF levels k / (N_THETA - 1), for sampling by table lookup."""
    grid, step = _theta_grid()
    f = inclination_density(lad, grid)
    edges = np.concatenate([[0.0], grid + 0.5 * step])
    cdf = np.concatenate([[0.0], np.cumsum(f) * step])
    cdf /= cdf[-1]
    return np.interp(np.linspace(0.0, 1.0, N_THETA), cdf, edges)


@dataclass
class TurbidMedia:
    """Per medium (distinct element, u_L, LAD): tables the kernels read."""

    element: np.ndarray  # int64 (M,)
    density: np.ndarray  # float64 (M,): u_L, m2/m3
    g_table: np.ndarray  # float64 (M, N_MU): G at |mu| = k / (N_MU - 1)
    theta_table: np.ndarray  # float64 (M, N_THETA): inclination quantiles
    spherical: np.ndarray  # bool (M,): exact sampling (cos theta_L uniform), G = 1/2
    labels: list  # (element name, u_L, lad) per medium, for messages

    @classmethod
    def empty(cls) -> TurbidMedia:
        return cls(np.zeros(0, np.int64), np.zeros(0), np.zeros((0, N_MU)),
                   np.zeros((0, N_THETA)), np.zeros(0, bool), [])

    @classmethod
    def build(cls, media: list[tuple[int, float, str]], names: list[str]) -> TurbidMedia:
        if not media:
            return cls.empty()
        mu = np.linspace(0.0, 1.0, N_MU)
        return cls(
            element=np.array([m[0] for m in media], np.int64),
            density=np.array([m[1] for m in media], np.float64),
            g_table=np.array([g_function(m[2], mu) for m in media]),
            theta_table=np.array([inclination_quantiles(m[2]) for m in media]),
            spherical=np.array([m[2].strip().lower() == "spherical" for m in media]),
            labels=[(names[m[0]], m[1], m[2]) for m in media],
        )

    def __len__(self) -> int:
        return len(self.element)


# ------------------------------------------------------------------------------------------
# Kernels
# ------------------------------------------------------------------------------------------


@numba.njit(cache=True, inline="always")
def g_lookup(g_table, medium, mu):
    """G of ``medium`` at |mu| (linear interpolation)."""
    x = min(abs(mu), 1.0) * (g_table.shape[1] - 1)
    k = min(int(x), g_table.shape[1] - 2)
    f = x - k
    return (1.0 - f) * g_table[medium, k] + f * g_table[medium, k + 1]


@numba.njit(cache=True)
def extinction(inside, density, g_table, mu):
    """Total extinction coefficient (1/m) of the media the point is inside, along a
    direction of cos zenith ``mu``: superposed media add."""
    sigma = 0.0
    for m in range(inside.shape[0]):
        if inside[m] > 0:
            sigma += density[m] * g_lookup(g_table, m, mu)
    return sigma


@numba.njit(cache=True)
def pick_medium(inside, density, g_table, mu, sigma, u):
    """The medium a collision happened in, drawn in proportion to its extinction."""
    target = u * sigma
    last = -1
    for m in range(inside.shape[0]):
        if inside[m] > 0:
            last = m
            target -= density[m] * g_lookup(g_table, m, mu)
            if target < 0.0:
                return m
    return last


@numba.njit(cache=True)
def leaf_normal(theta_table, spherical, medium, dx, dy, dz, state):
    """A leaf normal met by a ray of direction d: pdf f(theta_L) |d . n| / (2 pi G), by
    rejection from f(theta_L) (acceptance G on average). Oriented against d (towards
    where the ray came from)."""
    n_theta = theta_table.shape[1]
    for _ in range(100000):
        u = uniform(state)
        if spherical[medium]:
            cos_t = u
        else:
            x = u * (n_theta - 1)
            k = min(int(x), n_theta - 2)
            f = x - k
            cos_t = math.cos((1.0 - f) * theta_table[medium, k] + f * theta_table[medium, k + 1])
        sin_t = math.sqrt(max(0.0, 1.0 - cos_t * cos_t))
        phi = 2.0 * math.pi * uniform(state)
        nx = sin_t * math.cos(phi)
        ny = sin_t * math.sin(phi)
        nz = cos_t
        c = nx * dx + ny * dy + nz * dz
        if uniform(state) < abs(c):
            if c > 0.0:
                return -nx, -ny, -nz
            return nx, ny, nz
    return -dx, -dy, -dz  # unreachable in practice (G > 0 for every LAD)


@numba.njit(cache=True)
def orient_outward(bvh, triangles, part_of_triangle, normals, turbid_triangles):
    """Flip the normals of turbid boundary triangles that point into their volume.

    Winding in real files is often inconsistent, so each normal is judged by counting how
    often a ray from the triangle's centre, leaving along it, crosses its own part's
    surface: an odd count means it went in. Three tilted rays vote, so a ray through an
    edge (counted twice or not at all) cannot decide alone.
    """
    for i in turbid_triangles:
        cx = (triangles[i, 0, 0] + triangles[i, 1, 0] + triangles[i, 2, 0]) / 3.0
        cy = (triangles[i, 0, 1] + triangles[i, 1, 1] + triangles[i, 2, 1]) / 3.0
        cz = (triangles[i, 0, 2] + triangles[i, 1, 2] + triangles[i, 2, 2]) / 3.0
        nx, ny, nz = normals[i, 0], normals[i, 1], normals[i, 2]
        ex = triangles[i, 1, 0] - triangles[i, 0, 0]
        ey = triangles[i, 1, 1] - triangles[i, 0, 1]
        ez = triangles[i, 1, 2] - triangles[i, 0, 2]
        length = math.sqrt(ex * ex + ey * ey + ez * ez)
        ex, ey, ez = ex / length, ey / length, ez / length
        fx, fy, fz = ny * ez - nz * ey, nz * ex - nx * ez, nx * ey - ny * ex
        inward = 0
        for k in range(3):
            a = 0.31 * math.cos(2.1 * k + 0.4)
            b = 0.29 * math.sin(2.1 * k + 0.4)
            dx, dy, dz = nx + a * ex + b * fx, ny + a * ey + b * fy, nz + a * ez + b * fz
            norm = math.sqrt(dx * dx + dy * dy + dz * dz)
            crossings = count_crossings(bvh, part_of_triangle, part_of_triangle[i],
                                        cx + 1e-6 * nx, cy + 1e-6 * ny, cz + 1e-6 * nz,
                                        dx / norm, dy / norm, dz / norm)
            inward += crossings % 2
        if inward >= 2:
            normals[i, 0], normals[i, 1], normals[i, 2] = -nx, -ny, -nz


def open_edges(triangles: np.ndarray, resolution: float = 1e-4) -> int:
    """Edges bounding an odd number of the triangles (0 for a closed surface); vertices
    closer than ``resolution`` metres count as one."""
    if len(triangles) == 0:
        return 0
    keys = np.round(np.asarray(triangles, np.float64) / resolution).astype(np.int64)
    a = keys[:, [0, 1, 2]].reshape(-1, 3)
    b = keys[:, [1, 2, 0]].reshape(-1, 3)
    a_first = _lexless(a, b)[:, None]  # undirected edges: smaller vertex first
    lo = np.where(a_first, a, b)
    hi = np.where(a_first, b, a)
    edges = np.concatenate([lo, hi], axis=1)
    _, counts = np.unique(edges, axis=0, return_counts=True)
    return int((counts % 2 == 1).sum())


def _lexless(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise lexicographic a < b."""
    out = np.zeros(len(a), bool)
    decided = np.zeros(len(a), bool)
    for k in range(a.shape[1]):
        less = (a[:, k] < b[:, k]) & ~decided
        more = (a[:, k] > b[:, k]) & ~decided
        out |= less
        decided |= less | more
    return out
