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
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from osgeo import gdal

from .canceled import Canceled
from .raster_io import open_raster
from .sentinel2 import check_not_scaled, out_of_range_note

gdal.UseExceptions()

#: valid values per band kept for the median of the scaled-integer check
SAMPLE_VALUES = 1_000_000
#: bytes of float64 values a strip of the checks holds (rows chosen from the image's width)
STRIP_BYTES = 64 * 2 ** 20


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


def describe_image(path: str | os.PathLike, scale: float = 1.0,
                   offset: float = 0.0) -> tuple[ReflectanceBlocks, tuple, str]:
    """(reader, geotransform, CRS WKT) of a GeoTIFF, from its header alone: the cheap checks
    of a run (CRS, grid, bands, overlap) can come before the strip-by-strip scan."""
    dataset = open_raster(path)
    names = tuple(dataset.GetRasterBand(b + 1).GetDescription() or f"Band {b + 1}"
                  for b in range(dataset.RasterCount))
    blocks = ReflectanceBlocks(str(path), names, dataset.RasterYSize, dataset.RasterXSize,
                               scale, offset)
    return blocks, tuple(dataset.GetGeoTransform()), dataset.GetProjection()


def sample_step(rows: int, cols: int) -> int:
    """Every k-th pixel (in row-major order) for at most ``SAMPLE_VALUES`` per band, k
    coprime with the width so that the picks walk across the columns instead of keeping
    the same few columns in every row."""
    every = max(1, math.ceil(rows * cols / SAMPLE_VALUES))
    while every > 1 and math.gcd(every, cols) > 1:
        every += 1
    return every


def check_reflectance(blocks: ReflectanceBlocks, name: str = "IMAGE",
                      progress: Callable[[float], None] | None = None,
                      is_canceled: Callable[[], bool] | None = None) -> tuple[list[str], int]:
    """(notes to log, pixels valid in every band) of the image, read strip by strip (see
    the module's docstring); raises ValueError naming the image and band at the first
    problem, Canceled when ``is_canceled`` says so between strips."""
    dataset = open_raster(blocks.path)
    integer_type = gdal.GetDataTypeName(dataset.GetRasterBand(1).DataType) \
        .startswith(("Byte", "Int", "UInt"))
    names = blocks.band_names
    strip_rows = max(1, STRIP_BYTES // (8 * len(names) * blocks.cols))
    every = sample_step(blocks.rows, blocks.cols)
    samples = [[] for _ in names]
    largest = np.full(len(names), -np.inf)
    out_of_range = np.zeros(len(names), np.int64)
    valid_pixels, seen = 0, 0
    for r0 in range(0, blocks.rows, strip_rows):
        if is_canceled is not None and is_canceled():
            raise Canceled
        rows = slice(r0, min(blocks.rows, r0 + strip_rows))
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
        if progress is not None:
            progress(rows.stop / blocks.rows)
    for b, band in enumerate(names):
        check_not_scaled(name, band, np.concatenate(samples[b] or [np.zeros(0)]),
                         float(largest[b]), integer_type)
    notes = [out_of_range_note(name, band, int(count))
             for band, count in zip(names, out_of_range, strict=True) if count]
    return notes, valid_pixels


def open_reflectance_blocks(path: str | os.PathLike, scale: float = 1.0, offset: float = 0.0,
                            name: str = "IMAGE") -> CheckedImage:
    """``describe_image`` and ``check_reflectance`` at once."""
    blocks, geotransform, crs_wkt = describe_image(path, scale, offset)
    notes, valid_pixels = check_reflectance(blocks, name)
    return CheckedImage(blocks, geotransform, crs_wkt, notes, valid_pixels)
