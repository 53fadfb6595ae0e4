"""Chi-square tests of the direction samplers, as Mitsuba 3 tests its BSDFs: histogram many
draws over (theta, phi) bins, integrate the pdf over each bin, pool the bins expected to hold
fewer than 5 draws and reject at a p-value below 1e-4 (Sidak-corrected 1 % over the cases)."""

import math

import numba
import numpy as np
import pytest
from scipy.stats import chi2

from unmix3d.core.raytrace.directions import cosine_direction
from unmix3d.core.raytrace.rng import stream_state
from unmix3d.core.raytrace.turbid import TurbidMedia, g_function, inclination_density, leaf_normal

DRAWS = 100_000
THETA_BINS, PHI_BINS = 10, 12
P_MIN = 1e-4


def chi_square_p(counts: np.ndarray, expected: np.ndarray) -> float:
    """p-value of observed bin counts against expected ones (same total)."""
    counts, expected = counts.ravel().astype(float), expected.ravel()
    order = np.argsort(expected)
    counts, expected = counts[order], expected[order]
    pooled_c, pooled_e, c, e = [], [], 0.0, 0.0
    for ci, ei in zip(counts, expected, strict=True):  # pool the smallest bins
        c, e = c + ci, e + ei
        if e >= 5:
            pooled_c.append(c)
            pooled_e.append(e)
            c = e = 0.0
    if e > 0:
        pooled_c[-1] += c
        pooled_e[-1] += e
    pooled_c, pooled_e = np.array(pooled_c), np.array(pooled_e)
    statistic = ((pooled_c - pooled_e) ** 2 / pooled_e).sum()
    return float(chi2.sf(statistic, len(pooled_c) - 1))


def frame(n):
    """An orthonormal basis (t, b, n) built independently of the samplers' own."""
    n = np.asarray(n, float) / np.linalg.norm(n)
    helper = np.array([1.0, 0.0, 0.0]) if abs(n[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
    t = np.cross(helper, n)
    t /= np.linalg.norm(t)
    return t, np.cross(n, t), n


def histogram(directions, n):
    t, b, n = frame(n)
    cos_theta = np.clip(directions @ n, -1.0, 1.0)
    theta = np.arccos(cos_theta)
    phi = np.arctan2(directions @ b, directions @ t) % (2 * math.pi)
    counts, _, _ = np.histogram2d(theta, phi, [THETA_BINS, PHI_BINS],
                                  [[0, math.pi / 2], [0, 2 * math.pi]])
    return counts


@numba.njit(cache=True)
def _cosine_draws(nx, ny, nz, u):
    out = np.empty((u.shape[0], 3))
    for i in range(u.shape[0]):
        out[i, 0], out[i, 1], out[i, 2] = cosine_direction(nx, ny, nz, u[i, 0], u[i, 1])
    return out


NORMALS = [(0, 0, 1), (0, 0, -1), (1e-7, 0, -1), (0.3, -0.5, 0.81), (-0.7, 0.7, 0.05),
           (1, 0, 0)]


@pytest.mark.parametrize("normal", NORMALS)
def test_cosine_hemisphere_sampler(normal):
    n = np.asarray(normal, float) / np.linalg.norm(normal)
    u = np.random.default_rng(7).random((DRAWS, 2))
    d = _cosine_draws(n[0], n[1], n[2], u)
    np.testing.assert_allclose(np.linalg.norm(d, axis=1), 1.0, atol=1e-12)
    assert (d @ n >= -1e-12).all()
    edges = np.linspace(0, math.pi / 2, THETA_BINS + 1)
    # pdf cos / pi: P(theta1 < theta < theta2) = sin^2 theta2 - sin^2 theta1, phi uniform
    expected = np.diff(np.sin(edges) ** 2)[:, None] * np.full(PHI_BINS, DRAWS / PHI_BINS)
    counts = histogram(d, n)
    assert chi_square_p(counts, expected) > P_MIN
    # the test has power: the same draws judged against a uniform hemisphere fail it
    uniform = np.diff(-np.cos(edges))[:, None] * np.full(PHI_BINS, DRAWS / PHI_BINS)
    assert chi_square_p(counts, uniform) < 1e-12


@numba.njit(cache=True)
def _leaf_draws(theta_table, spherical, dx, dy, dz, count, seed):
    state = stream_state(seed, 0)
    out = np.empty((count, 3))
    for i in range(count):
        out[i, 0], out[i, 1], out[i, 2] = leaf_normal(theta_table, spherical, 0, dx, dy, dz,
                                                      state)
    return out


def leaf_expected(lad, direction, draws):
    """Expected counts of the leaf normal (turned into the upper hemisphere) per (theta_L,
    phi_L) bin: f(theta_L) |d . n| / (2 pi G(d)) in d theta d phi, by a fine midpoint rule."""
    sub = 16
    theta = (np.arange(THETA_BINS * sub) + 0.5) * (math.pi / 2) / (THETA_BINS * sub)
    phi = (np.arange(PHI_BINS * sub) + 0.5) * (2 * math.pi) / (PHI_BINS * sub)
    t, p = np.meshgrid(theta, phi, indexing="ij")
    normals = np.stack([np.sin(t) * np.cos(p), np.sin(t) * np.sin(p), np.cos(t)], axis=-1)
    density = inclination_density(lad, t) * np.abs(normals @ direction)
    cell = (math.pi / 2) / (THETA_BINS * sub) * (2 * math.pi) / (PHI_BINS * sub)
    g = float(g_function(lad, direction[2]))
    probability = density * cell / (2 * math.pi * g)
    binned = probability.reshape(THETA_BINS, sub, PHI_BINS, sub).sum(axis=(1, 3))
    return binned * draws, binned.sum()


LADS = ("spherical", "planophile", "erectophile", "plagiophile", "extremophile", "uniform",
        "ellipsoidal:2.5", "beta:2,3")


@pytest.mark.parametrize("lad", LADS)
def test_leaf_normal_sampler_for_every_lad(lad):
    media = TurbidMedia.build([(0, 1.0, lad)], ["leaf"])
    for k, zenith in enumerate((0.0, 55.0, 88.0)):
        direction = np.array([math.sin(math.radians(zenith)) * math.cos(0.4),
                              math.sin(math.radians(zenith)) * math.sin(0.4),
                              -math.cos(math.radians(zenith))])  # a ray going down
        draws = _leaf_draws(media.theta_table, media.spherical, *direction, DRAWS // 2, k + 3)
        assert (draws @ direction <= 1e-12).all()  # turned to face where the ray came from
        upper = np.where(draws[:, 2:3] < 0, -draws, draws)
        counts, _, _ = np.histogram2d(
            np.arccos(np.clip(upper[:, 2], -1, 1)),
            np.arctan2(upper[:, 1], upper[:, 0]) % (2 * math.pi),
            [THETA_BINS, PHI_BINS], [[0, math.pi / 2], [0, 2 * math.pi]])
        expected, total = leaf_expected(lad, direction, DRAWS // 2)
        assert total == pytest.approx(1.0, abs=2e-3)  # G normalises the pdf
        p = chi_square_p(counts, expected * counts.sum() / expected.sum())
        assert p > P_MIN, (lad, zenith, p)
        if lad == "planophile":  # the test has power: judged as erectophile leaves, it fails
            wrong, _ = leaf_expected("erectophile", direction, DRAWS // 2)
            assert chi_square_p(counts, wrong * counts.sum() / wrong.sum()) < 1e-12
