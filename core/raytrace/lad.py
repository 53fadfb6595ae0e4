"""Leaf angle distributions (LAD): the one registry of the names Unmix3D accepts.

A LAD is the density f(theta_L) of leaf-normal inclinations on [0, pi/2] (zenith angle of
the normal, radians), the azimuth being uniform. Named ones are de Wit's (1965) plus
``uniform``; ``ellipsoidal:<chi>`` is Campbell's (1990) ellipsoidal distribution (chi > 0,
1 = spherical) and ``beta:<a>,<b>`` a beta distribution of 2 theta_L / pi (a, b > 0).
Turbid media (``turbid.py``: G function, leaf-normal sampling at collisions), leaf
triangles of the mock-up builder and of the demo scenes all read these densities.
Pure numpy: no Numba here, so the scene layer imports it cheaply.
"""

from __future__ import annotations

import math

import numpy as np

#: de Wit (1965) inclination densities on [0, pi/2] (unnormalised), plus ``uniform``.
NAMED = {
    "spherical": lambda t: np.sin(t),
    "planophile": lambda t: 1.0 + np.cos(2 * t),
    "erectophile": lambda t: 1.0 - np.cos(2 * t),
    "plagiophile": lambda t: 1.0 - np.cos(4 * t),
    "extremophile": lambda t: 1.0 + np.cos(4 * t),
    "uniform": lambda t: np.ones_like(t),
}
NAMED_LADS: tuple[str, ...] = tuple(NAMED)
LAD_HELP = (
    "spherical, planophile, erectophile, plagiophile, extremophile, uniform, "
    "ellipsoidal:<chi> (Campbell; chi > 0, 1 = spherical) or beta:<a>,<b> (a, b > 0)"
)


def parse_lad(text: str):
    """A LAD name -> function theta -> unnormalised inclination density; ValueError naming
    the accepted forms otherwise."""
    name = text.strip().lower()
    if name in NAMED:
        return NAMED[name]
    kind, _, arguments = name.partition(":")
    try:
        values = [float(v) for v in arguments.split(",")] if arguments else []
    except ValueError:
        values = []
    if kind == "ellipsoidal" and len(values) == 1 and values[0] > 0:
        chi = values[0]
        return lambda t: np.sin(t) / (np.cos(t) ** 2 + chi**2 * np.sin(t) ** 2) ** 2
    if kind == "beta" and len(values) == 2 and min(values) > 0:
        a, b = values
        return lambda t: _beta_density(2.0 * t / math.pi, a, b)
    raise ValueError(f"leaf angle distribution '{text}' is not one of: {LAD_HELP}")


def _beta_density(x, a, b):
    x = np.clip(x, 1e-12, 1.0 - 1e-12)
    return x ** (a - 1.0) * (1.0 - x) ** (b - 1.0)


def sample_leaf_inclination(lad: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """Leaf normal zenith angles (radians) drawn from a LAD (inverse CDF, trapezoids on a
    2001-point grid)."""
    t = np.linspace(0.0, math.pi / 2, 2001)
    g = parse_lad(lad)(t)
    cdf = np.concatenate([[0.0], np.cumsum(0.5 * (g[1:] + g[:-1]) * np.diff(t))])
    return np.interp(rng.random(n), cdf / cdf[-1], t)


def leaf_inclination_mean_deg(lad: str) -> float:
    """Mean leaf inclination of a LAD (degrees), for checks."""
    t = np.linspace(0.0, math.pi / 2, 20001)
    g = parse_lad(lad)(t)
    return math.degrees(float(np.trapz(g * t, t) / np.trapz(g, t)))
