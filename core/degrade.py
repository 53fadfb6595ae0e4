"""Spatial resolution degradation: block means of reflectance on a coarser, aligned grid.

A block mean of reflectance factors is exact for the radiance a coarser sensor would record
(BRF is linear in radiance over a footprint), which is why the method may unmix at a coarser
working resolution to soften co-registration error.
"""

from __future__ import annotations

import numpy as np


def block_mean(
    image: np.ndarray, valid: np.ndarray, factor: int, min_valid: float = 0.5
) -> tuple[np.ndarray, np.ndarray]:
    """Aggregate ``image`` (bands, rows, cols) by ``factor`` x ``factor`` blocks.

    The coarse grid starts at the input's top-left corner. Edge blocks that the input covers
    only partly are kept: the share of valid pixels is counted over the whole block
    (``factor**2`` pixels, those beyond the raster's edge counting as missing), so a coarse
    pixel is NoData when fewer than ``min_valid`` of its footprint is valid, and otherwise the
    mean of its valid pixels.

    Returns the block means (float64, bands x ceil(rows/f) x ceil(cols/f)) and their validity.
    """
    if image.ndim != 3:
        raise ValueError(f"image must be (bands, rows, cols), got shape {image.shape}")
    if valid.shape != image.shape:
        raise ValueError("valid mask must have the image's shape")
    if not isinstance(factor, (int, np.integer)) or factor < 1:
        raise ValueError(f"FACTOR must be a whole number >= 1, got {factor}")
    if not 0.0 <= min_valid <= 1.0:
        raise ValueError(f"MIN_VALID must be a fraction in [0, 1], got {min_valid}")
    bands, rows, cols = image.shape
    if rows < factor or cols < factor:
        raise ValueError(
            f"the raster ({cols} x {rows} pixels) is smaller than one {factor} x {factor} block"
        )
    out_rows = -(-rows // factor)
    out_cols = -(-cols // factor)
    padded = np.zeros((bands, out_rows * factor, out_cols * factor))
    counted = np.zeros(padded.shape, dtype=bool)
    counted[:, :rows, :cols] = valid
    padded[:, :rows, :cols] = np.where(valid, image, 0.0)
    shape = (bands, out_rows, factor, out_cols, factor)
    sums = padded.reshape(shape).sum(axis=(2, 4))
    counts = counted.reshape(shape).sum(axis=(2, 4))
    out_valid = (counts > 0) & (counts >= min_valid * factor * factor - 1e-9)
    means = np.divide(sums, counts, out=np.zeros_like(sums), where=counts > 0)
    return means, out_valid


def degraded_geotransform(geotransform: tuple[float, ...], factor: int) -> tuple[float, ...]:
    """GDAL geotransform of the coarse grid: same origin, pixel size times ``factor``."""
    x0, dx, rx, y0, ry, dy = geotransform
    return (x0, dx * factor, rx * factor, y0, ry * factor, dy * factor)
