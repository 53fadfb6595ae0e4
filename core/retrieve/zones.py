"""Zones: which pixels share one set of element spectra. From a raster (zone values, NoData
outside every zone) or from polygons with a zone label, onto any image grid."""

from __future__ import annotations

import numpy as np

from ..simulate import PixelGrid


def _centres(grid: PixelGrid):
    cols = grid.x_min + (np.arange(grid.cols) + 0.5) * grid.pixel_width
    rows = grid.y_max - (np.arange(grid.rows) + 0.5) * grid.pixel_height
    return np.meshgrid(cols, rows)


def zones_from_raster(values: np.ndarray, valid: np.ndarray, geotransform, grids):
    """Zone raster (rows, cols) -> (zone names, [index map (rows, cols) per grid]).

    Each grid's pixel takes the zone at its centre (nearest neighbour); NoData and centres
    outside the raster give -1 (the pixel is not used). Zone names are the distinct values.
    """
    x0, dx, _, y0, _, dy = geotransform
    labels = np.unique(values[valid])
    names = [f"{v:g}" for v in labels]
    maps = []
    for grid in grids:
        x, y = _centres(grid)
        col = np.floor((x - x0) / dx).astype(np.int64)
        row = np.floor((y - y0) / dy).astype(np.int64)
        inside = (row >= 0) & (row < values.shape[0]) & (col >= 0) & (col < values.shape[1])
        out = np.full((grid.rows, grid.cols), -1, np.int64)
        r, c = row[inside], col[inside]
        ok = valid[r, c]
        index = np.searchsorted(labels, values[r, c])
        target = np.flatnonzero(inside.ravel())
        out.ravel()[target[ok]] = index[ok]
        maps.append(out)
    return names, maps


def zones_from_polygons(shapes, grids, crs_wkt: str = ""):
    """``shapes``: [(label, WKB polygon)] in the grids' CRS -> (zone names, index maps).

    A pixel belongs to the polygon containing its centre (the last one where polygons
    overlap); pixels in no polygon get -1.
    """
    from osgeo import gdal, ogr, osr

    names = sorted({str(label) for label, _ in shapes})
    maps = []
    for grid in grids:
        source = ogr.GetDriverByName("Memory").CreateDataSource("zones")
        srs = osr.SpatialReference()
        if crs_wkt:
            srs.ImportFromWkt(crs_wkt)
        layer = source.CreateLayer("zones", srs if crs_wkt else None, ogr.wkbUnknown)
        layer.CreateField(ogr.FieldDefn("zone", ogr.OFTInteger))
        for label, wkb in shapes:
            feature = ogr.Feature(layer.GetLayerDefn())
            feature.SetField("zone", names.index(str(label)))
            feature.SetGeometry(ogr.CreateGeometryFromWkb(bytes(wkb)))
            layer.CreateFeature(feature)
        target = gdal.GetDriverByName("MEM").Create("", grid.cols, grid.rows, 1, gdal.GDT_Int32)
        target.SetGeoTransform(grid.geotransform)
        if crs_wkt:
            target.SetProjection(crs_wkt)
        band = target.GetRasterBand(1)
        band.Fill(-1)
        gdal.RasterizeLayer(target, [1], layer, options=["ATTRIBUTE=zone"])
        maps.append(band.ReadAsArray().astype(np.int64))
    return names, maps
