"""A surface-reflectance GeoTIFF checked and read in blocks, so that a tile-by-tile run holds
one block of the image at a time, never the whole image (a city's 12-band Sentinel-2 scene
is 130 MB at Brussels' size as float32, and grows with the area).

The checks are ``sentinel2.surface_reflectance``'s, made strip by strip: NoData, NaN,
negative and saturated pixels set aside (counted per band), and scaled integers refused from
the data type or the median. The median comes from a systematic sample of each band's valid
values (every k-th, at most ``SAMPLE_VALUES``): all of them for images up to that size, so
small images are checked exactly as when read whole.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np
from osgeo import gdal

from .raster_io import open_raster
from .sentinel2 import check_not_scaled, out_of_range_note

gdal.UseExceptions()

#: valid values per band kept for the median of the scaled-integer check
SAMPLE_VALUES = 1_000_000
#: image rows read at a time by the checks
STRIP_ROWS = 256


@dataclass(frozen=True)
class ReflectanceBlocks:
    """A reflectance image on disk: ``reflectance = value * scale + offset`` per block."""

    path: str
    band_names: tuple[str, ...]
    rows: int
    cols: int
    scale: float = 1.0
    offset: float = 0.0

    def read(self, rows: slice, cols: slice) -> tuple[np.ndarray, np.ndarray]:
        """(float64 reflectance (bands, rows, cols), per-pixel valid in every band) of the
        window: NoData, non-finite, negative or saturated values in any band are invalid."""
        reflectance, usable = self._read(rows, cols)
        usable &= (reflectance >= 0) & (reflectance <= 1)
        return reflectance, usable.all(axis=0)

    def _read(self, rows: slice, cols: slice) -> tuple[np.ndarray, np.ndarray]:
        """(reflectance, valid per band before the range check) of the window."""
        dataset = gdal.Open(self.path)
        r0, r1 = rows.start or 0, self.rows if rows.stop is None else rows.stop
        c0, c1 = cols.start or 0, self.cols if cols.stop is None else cols.stop
        values = np.empty((dataset.RasterCount, r1 - r0, c1 - c0))
        usable = np.empty(values.shape, bool)
        for b in range(dataset.RasterCount):
            band = dataset.GetRasterBand(b + 1)
            values[b] = band.ReadAsArray(c0, r0, c1 - c0, r1 - r0)
            usable[b] = np.isfinite(values[b])
            nodata = band.GetNoDataValue()
            if nodata is not None:
                usable[b] &= values[b] != nodata
        reflectance = values * self.scale + self.offset
        usable &= np.isfinite(reflectance)
        return reflectance, usable


@dataclass
class CheckedImage:
    """What the checks found: the reader, the grid's geotransform and CRS, the notes to log
    and how many pixels are valid in every band."""

    blocks: ReflectanceBlocks
    geotransform: tuple[float, float, float, float, float, float]
    crs_wkt: str
    notes: list[str]
    valid_pixels: int


def open_reflectance_blocks(path: str | os.PathLike, scale: float = 1.0, offset: float = 0.0,
                            name: str = "IMAGE") -> CheckedImage:
    """Check a reflectance GeoTIFF strip by strip (see the module's docstring) and return
    its block reader; raises ValueError naming the image and band at the first problem."""
    dataset = open_raster(path)
    geotransform = tuple(dataset.GetGeoTransform())
    names = tuple(dataset.GetRasterBand(b + 1).GetDescription() or f"Band {b + 1}"
                  for b in range(dataset.RasterCount))
    integer_type = gdal.GetDataTypeName(dataset.GetRasterBand(1).DataType) \
        .startswith(("Byte", "Int", "UInt"))
    blocks = ReflectanceBlocks(str(path), names, dataset.RasterYSize, dataset.RasterXSize,
                               scale, offset)
    every = max(1, math.ceil(blocks.rows * blocks.cols / SAMPLE_VALUES))
    samples = [[] for _ in names]
    largest = np.full(len(names), -np.inf)
    out_of_range = np.zeros(len(names), np.int64)
    valid_pixels, seen = 0, 0
    for r0 in range(0, blocks.rows, STRIP_ROWS):
        rows = slice(r0, min(blocks.rows, r0 + STRIP_ROWS))
        reflectance, usable = blocks._read(rows, slice(None))
        flat = reflectance.reshape(len(names), -1)
        kept = usable.reshape(len(names), -1)
        picked = (seen + np.arange(flat.shape[1])) % every == 0
        seen += flat.shape[1]
        for b in range(len(names)):
            values = flat[b][kept[b]]
            if values.size:
                largest[b] = max(largest[b], float(values.max()))
                sample = flat[b][kept[b] & picked]
                samples[b].append(sample if sample.size else values[:1])
        outside = usable & ((reflectance < 0) | (reflectance > 1))
        out_of_range += outside.reshape(len(names), -1).sum(axis=1)
        valid_pixels += int((usable & ~outside).all(axis=0).sum())
    for b, band in enumerate(names):
        check_not_scaled(name, band, np.concatenate(samples[b] or [np.zeros(0)]),
                         float(largest[b]), integer_type)
    notes = [out_of_range_note(name, band, int(count))
             for band, count in zip(names, out_of_range, strict=True) if count]
    return CheckedImage(blocks, geotransform, dataset.GetProjection(), notes, valid_pixels)
