"""Leaf triangles: free equilateral facets standing for leaves (two-sided, translucent in
the element table), as the demo scenes and the mock-up builder's crowns write them."""

from __future__ import annotations

import math

import numpy as np


def leaf_triangles(centres: np.ndarray, theta: np.ndarray, phi: np.ndarray, spin: np.ndarray,
                   area: float) -> np.ndarray:
    """Equilateral triangles of one-sided ``area`` (m2) centred on ``centres`` (n, 3) with
    normals at zenith ``theta`` and azimuth ``phi`` and turned by ``spin`` about them
    (radians) -> (n, 3, 3)."""
    st, ct, sp_, cp = np.sin(theta), np.cos(theta), np.sin(phi), np.cos(phi)
    e1 = np.stack([ct * cp, ct * sp_, -st], 1)  # in the leaf plane
    e2 = np.stack([-sp_, cp, np.zeros_like(phi)], 1)  # in the leaf plane, horizontal
    radius = math.sqrt(4.0 * area / math.sqrt(3.0)) / math.sqrt(3.0)
    angle = spin[:, None] + np.array([0.0, 2 * math.pi / 3, 4 * math.pi / 3])[None, :]
    offset = radius * (np.cos(angle)[..., None] * e1[:, None, :]
                       + np.sin(angle)[..., None] * e2[:, None, :])
    return centres[:, None, :] + offset
