"""SC, spectral correlation: per-element rules over bands (e.g. vegetation ``B8 > B4``); an
OP that breaks its element's rule is replaced by the median of its neighbours that keep it."""

from __future__ import annotations

import numpy as np

from ..scene.elements import ElementTable
from .windows import median_fill


def apply_rules(
    op: np.ndarray, op_valid: np.ndarray, elements: ElementTable, bands: list[str],
    footprint: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """``op`` (bands, elements, rows, cols); returns the corrected OPs and, per element, the
    number of pixels that broke its rule."""
    corrected = op.copy()
    broken_counts = np.zeros(len(elements.elements), dtype=np.int64)
    for i, element in enumerate(elements.elements):
        if element.rule is None:
            continue
        element.rule.check_bands(bands, element.name)
        values = {band: op[b, i] for b, band in enumerate(bands)}
        broken = ~element.rule.holds(values) & op_valid[i]
        broken_counts[i] = int(broken.sum())
        if broken.any():
            keeps = op_valid[i] & ~broken
            filled = median_fill(op[:, i], keeps[None], footprint)
            corrected[:, i][:, broken] = filled[:, broken]
    return corrected, broken_counts
