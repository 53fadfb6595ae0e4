"""PPS, pure pixel selection: the first guess of every element's OP in every pixel.

Pure pixels of an element are those where its visible fraction reaches the threshold (0.9,
lowered by 0.1 down to 0.1 until some exist). There the OP is read off the image: the
reflectance for opaque elements, its square root for translucent ones (a rough start that
the iterations refine). Every other pixel takes the value of the nearest pure pixel, the
median of them when several are equally near. An element with no pure pixel at all keeps
the user's initial OP from the element table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage
from scipy.spatial import cKDTree

TIE_NEIGHBOURS = 12  # equidistant pure pixels considered for the median (8 can tie on a grid)


@dataclass
class PureSelection:
    op: np.ndarray  # (bands, elements, rows, cols): first-guess OPs everywhere
    threshold: np.ndarray  # (elements,): fraction threshold used, NaN when none was found
    pure_count: np.ndarray  # (elements,): number of pure pixels used
    masks: list  # per element: (rows, cols) bool pure pixels, or None


def pure_mask(fraction: np.ndarray, valid: np.ndarray, threshold: float, erosion: int):
    mask = (fraction >= threshold - 1e-12) & valid
    if erosion > 0 and mask.any():
        mask = ndimage.binary_erosion(mask, iterations=erosion, border_value=1)
    return mask


def select_pure_pixels(
    fractions: np.ndarray,
    image: np.ndarray,
    valid: np.ndarray,
    translucent: np.ndarray,
    initial_op: np.ndarray,
    threshold: float = 0.9,
    erosion: int = 0,
    step: float = 0.1,
    lowest: float = 0.1,
) -> PureSelection:
    """``fractions`` (elements, rows, cols); ``image`` (bands, rows, cols) surface
    reflectance; ``valid`` (rows, cols) pixels usable in every band; ``initial_op``
    (bands, elements) the table's OPs."""
    bands = image.shape[0]
    n_elements, rows, cols = fractions.shape
    op = np.empty((bands, n_elements, rows, cols))
    used = np.full(n_elements, np.nan)
    counts = np.zeros(n_elements, dtype=np.int64)
    masks = [None] * n_elements
    thresholds = np.arange(threshold, lowest - 1e-9, -step)
    for i in range(n_elements):
        mask = None
        for level in thresholds:
            candidate = pure_mask(fractions[i], valid, level, erosion)
            if candidate.any():
                mask, used[i] = candidate, level
                break
        if mask is None:
            op[:, i] = initial_op[:, i, None, None]
            continue
        counts[i] = mask.sum()
        masks[i] = mask
        values = image[:, mask]  # (bands, pure)
        if translucent[i]:
            values = np.sqrt(np.clip(values, 0.0, None))
        op[:, i] = nearest_fill(mask, values)
    return PureSelection(np.where(np.isnan(op), np.nan, np.clip(op, 0.0, 1.0)), used, counts,
                         masks)


def nearest_fill(mask: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Values (bands, n_pure) at ``mask`` spread to every pixel from its nearest pure pixel,
    the median over equally near ones -> (bands, rows, cols)."""
    rows, cols = mask.shape
    pure = np.argwhere(mask)
    tree = cKDTree(pure)
    everywhere = np.indices((rows, cols)).reshape(2, -1).T
    k = min(TIE_NEIGHBOURS, len(pure))
    distance, index = tree.query(everywhere, k=k)
    if k == 1:
        distance, index = distance[:, None], index[:, None]
    ties = distance <= distance[:, :1] + 1e-9
    out = np.empty((values.shape[0], rows * cols))
    single = ties.sum(axis=1) == 1
    out[:, single] = values[:, index[single, 0]]
    if not single.all():
        tied = values[:, index[~single]]  # (bands, pixels, k)
        out[:, ~single] = np.nanmedian(np.where(ties[~single][None], tied, np.nan), axis=2)
    return out.reshape(values.shape[0], rows, cols)
