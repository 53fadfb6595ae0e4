"""GeoTIFF reading and atomic writing with GDAL (no QGIS): arrays, validity, grid, band names."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from osgeo import gdal

from .staging import file_mode

gdal.UseExceptions()

NODATA = -9999.0


@dataclass
class Raster:
    """A multi-band raster in memory: ``data`` is (bands, rows, cols) float64."""

    data: np.ndarray
    valid: np.ndarray  # bool, same shape: False where NoData or not finite
    geotransform: tuple[float, float, float, float, float, float]
    crs_wkt: str
    band_names: list[str] = field(default_factory=list)
    path: str = ""
    integer_type: bool = False  # stored as integers (reflectance then is scaled)

    @property
    def shape(self) -> tuple[int, int]:
        return self.data.shape[1], self.data.shape[2]

    @property
    def pixel_size(self) -> tuple[float, float]:
        return self.geotransform[1], -self.geotransform[5]

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """(xmin, ymin, xmax, ymax) in the raster's CRS, for north-up grids."""
        x0, dx, _, y0, _, dy = self.geotransform
        rows, cols = self.shape
        xs = (x0, x0 + cols * dx)
        ys = (y0, y0 + rows * dy)
        return min(xs), min(ys), max(xs), max(ys)


def open_raster(path: str | os.PathLike) -> gdal.Dataset:
    """The GDAL dataset of a north-up raster with at least one band, or a ValueError
    naming the file."""
    try:
        dataset = gdal.Open(str(path))
    except RuntimeError as error:
        raise ValueError(f"{path} is not a raster GDAL can read ({error})") from None
    if dataset is None or dataset.RasterCount == 0:
        raise ValueError(f"{path} is not a raster GDAL can read")
    geotransform = dataset.GetGeoTransform()
    if geotransform[2] != 0 or geotransform[4] != 0:
        raise ValueError(f"{path}: rotated rasters are not supported; warp it north-up first")
    return dataset


def read_raster(path: str | os.PathLike) -> Raster:
    """Read every band; NoData values and non-finite values become invalid."""
    dataset = open_raster(path)
    bands, names = [], []
    valid = []
    for index in range(1, dataset.RasterCount + 1):
        band = dataset.GetRasterBand(index)
        values = band.ReadAsArray().astype(np.float64)
        ok = np.isfinite(values)
        nodata = band.GetNoDataValue()
        if nodata is not None:
            ok &= values != nodata
        bands.append(values)
        valid.append(ok)
        names.append(band.GetDescription() or f"Band {index}")
    geotransform = dataset.GetGeoTransform()
    return Raster(
        data=np.stack(bands),
        valid=np.stack(valid),
        geotransform=tuple(geotransform),
        crs_wkt=dataset.GetProjection(),
        band_names=names,
        path=str(path),
        integer_type=gdal.GetDataTypeName(dataset.GetRasterBand(1).DataType)
        .startswith(("Byte", "Int", "UInt")),
    )


def write_raster(
    path: str | os.PathLike,
    data: np.ndarray,
    valid: np.ndarray | None,
    geotransform,
    crs_wkt: str,
    band_names: list[str] | None = None,
    nodata: float = NODATA,
    dtype: int = gdal.GDT_Float32,
    metadata: dict[str, str] | None = None,
    unit: str = "",
) -> str:
    """Write a GeoTIFF through a temporary file renamed into place, so that a failure or a
    cancel never leaves a half-written raster behind. ``metadata`` (dataset items, e.g.
    element and quantity) and ``unit`` (every band's unit) tell what the raster holds."""
    path = Path(path)
    data = np.asarray(data, dtype=np.float64)
    if data.ndim == 2:
        data = data[None]
    if valid is None:
        valid = np.isfinite(data)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tif")
    os.close(handle)
    try:
        driver = gdal.GetDriverByName("GTiff")
        bands, rows, cols = data.shape
        dataset = driver.Create(
            temporary, cols, rows, bands, dtype, options=["COMPRESS=DEFLATE", "TILED=YES"]
        )
        dataset.SetGeoTransform(tuple(geotransform))
        if metadata:
            dataset.SetMetadata({str(k): str(v) for k, v in metadata.items()})
        if crs_wkt:
            dataset.SetProjection(crs_wkt)
        for index in range(bands):
            band = dataset.GetRasterBand(index + 1)
            band.SetNoDataValue(nodata)
            band.WriteArray(np.where(valid[index], data[index], nodata))
            if band_names:
                band.SetDescription(band_names[index])
            if unit:
                band.SetUnitType(unit)
        dataset.FlushCache()
        dataset = None
        os.chmod(temporary, file_mode())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
    return str(path)


@dataclass
class GridInfo:
    """A raster's grid without its pixels."""

    geotransform: tuple[float, float, float, float, float, float]
    rows: int
    cols: int
    crs_wkt: str
    band_names: list[str]

    @property
    def is_geographic(self) -> bool:
        from osgeo import osr

        if not self.crs_wkt:
            return False
        srs = osr.SpatialReference()
        srs.ImportFromWkt(self.crs_wkt)
        return bool(srs.IsGeographic())


def read_grid(path: str | os.PathLike) -> GridInfo:
    try:
        dataset = gdal.Open(str(path))
    except RuntimeError as error:
        raise ValueError(f"{path} is not a raster GDAL can read ({error})") from None
    names = [dataset.GetRasterBand(i).GetDescription() or f"Band {i}"
             for i in range(1, dataset.RasterCount + 1)]
    return GridInfo(tuple(dataset.GetGeoTransform()), dataset.RasterYSize, dataset.RasterXSize,
                    dataset.GetProjection(), names)


def same_crs(wkt_a: str, wkt_b: str) -> bool:
    """Both CRSs equal, or both unknown."""
    from osgeo import osr

    if not wkt_a or not wkt_b:
        return not wkt_a and not wkt_b
    a, b = osr.SpatialReference(), osr.SpatialReference()
    a.ImportFromWkt(wkt_a)
    b.ImportFromWkt(wkt_b)
    return bool(a.IsSame(b))
