"""Pixel grids of two images in any CRS brought onto one: the finer grid cut to their
overlap, each image warped onto it with GDAL (nearest neighbour duplicates the coarser
image's pixels, as the US-DART paper compares Sentinel-2 with PlanetScope)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from osgeo import gdal

from ..raster_io import same_crs

gdal.UseExceptions()


@dataclass(frozen=True)
class Grid:
    """A north-up pixel grid: GDAL geotransform, size and CRS (WKT, "" when unknown)."""

    geotransform: tuple
    width: int
    height: int
    crs_wkt: str

    @property
    def pixel_area(self) -> float:
        return abs(self.geotransform[1] * self.geotransform[5])

    @property
    def extent(self) -> tuple[float, float, float, float]:
        x0, dx, _, y0, _, dy = self.geotransform
        return x0, y0 + self.height * dy, x0 + self.width * dx, y0


def open_raster(path: str, what: str):
    try:
        dataset = gdal.Open(path)
    except RuntimeError as error:
        raise ValueError(f"{what} is not a raster GDAL can read ({error})") from None
    if dataset is None or dataset.RasterCount == 0:
        raise ValueError(f"{what} is not a raster GDAL can read")
    return dataset


def band_descriptions(dataset) -> list[str]:
    return [dataset.GetRasterBand(i + 1).GetDescription() for i in range(dataset.RasterCount)]


def grid_in_crs(dataset, crs_wkt: str, what: str) -> Grid:
    """The dataset's own grid when it is in ``crs_wkt``, else GDAL's suggested warp grid."""
    own = dataset.GetProjection()
    if bool(own) != bool(crs_wkt):
        raise ValueError(f"{what} has no CRS while the other image has one; assign it first")
    if same_crs(own, crs_wkt):
        gt = dataset.GetGeoTransform()
        if gt[2] != 0 or gt[4] != 0 or gt[1] <= 0 or gt[5] >= 0:
            raise ValueError(f"{what} is rotated or not north-up; warp it north-up first")
        return Grid(tuple(gt), dataset.RasterXSize, dataset.RasterYSize, crs_wkt)
    vrt = gdal.AutoCreateWarpedVRT(dataset, own, crs_wkt, gdal.GRA_NearestNeighbour)
    return Grid(tuple(vrt.GetGeoTransform()), vrt.RasterXSize, vrt.RasterYSize, crs_wkt)


def common_grid(grid_a: Grid, grid_b: Grid) -> tuple[Grid, str] | None:
    """The finer grid (B's on a tie) cut to the overlap of both, and "A" or "B" naming it;
    None when the images do not overlap."""
    fine, which = (grid_a, "A") if grid_a.pixel_area < grid_b.pixel_area * (1 - 1e-9) else (
        grid_b, "B")
    ax0, ay0, ax1, ay1 = grid_a.extent
    bx0, by0, bx1, by1 = grid_b.extent
    xmin, ymin, xmax, ymax = max(ax0, bx0), max(ay0, by0), min(ax1, bx1), min(ay1, by1)
    x0, dx, _, y0, _, dy = fine.geotransform
    eps = 1e-6
    c0 = max(0, math.floor((xmin - x0) / dx + eps))
    c1 = min(fine.width, math.ceil((xmax - x0) / dx - eps))
    r0 = max(0, math.floor((ymax - y0) / dy + eps))
    r1 = min(fine.height, math.ceil((ymin - y0) / dy - eps))
    if c1 <= c0 or r1 <= r0:
        return None
    gt = (x0 + c0 * dx, dx, 0.0, y0 + r0 * dy, 0.0, dy)
    return Grid(gt, c1 - c0, r1 - r0, fine.crs_wkt), which


def warp_to_grid(dataset, grid: Grid, bands: list[int] | None = None, resampling="near"):
    """(bands, y, x) float64 of ``bands`` (1-based; all by default) on ``grid``, NaN where
    NoData or outside the source. Nearest neighbour on a finer grid duplicates pixels."""
    try:
        source = dataset
        if bands is not None:
            source = gdal.Translate("", dataset, format="VRT", bandList=list(bands))
        xmin, ymin, xmax, ymax = grid.extent
        out = gdal.Warp(
            "",
            source,
            format="MEM",
            dstSRS=grid.crs_wkt or None,
            outputBounds=(xmin, ymin, xmax, ymax),
            width=grid.width,
            height=grid.height,
            resampleAlg=resampling,
            outputType=gdal.GDT_Float64,
            dstNodata=float("nan"),
            errorThreshold=0,
            warpOptions=["UNIFIED_SRC_NODATA=NO"],
        )
        data = out.ReadAsArray()
    except RuntimeError as error:
        raise ValueError(f"GDAL could not bring the image onto the common grid ({error})") from None
    return data[None] if data.ndim == 2 else data
