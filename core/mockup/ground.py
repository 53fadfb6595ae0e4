"""The ground: a triangulated height field on a regular node grid (two triangles per
cell) from a DEM (bilinear, gaps filled from the nearest values) or flat, each cell
classified by the land cover (raster or polygons) at its centre; also the GDAL raster
helpers the buildings' DSM heights use."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .geometry import clean_polygons
from .inputs import BuildError, BuildOptions, PolygonInput, RasterInput, element_name
from .table import Elements


@dataclass
class Ground:
    """Heights on a node grid: node (row j, col i) at (x0 + i res, y0 + j res), y up."""

    x0: float
    y0: float
    res: float
    heights: np.ndarray  # (ny + 1, nx + 1)
    covered: np.ndarray  # bool, same shape: the DEM had a value there (True for flat ground)
    cell_element: np.ndarray  # (ny, nx) int: index into elements
    elements: list[str]

    @property
    def shape(self) -> tuple[int, int]:
        return self.heights.shape[0] - 1, self.heights.shape[1] - 1

    def locate(self, x, y):
        fx = (np.asarray(x, dtype=np.float64) - self.x0) / self.res
        fy = (np.asarray(y, dtype=np.float64) - self.y0) / self.res
        ny, nx = self.shape
        inside = (fx >= -1e-9) & (fx <= nx + 1e-9) & (fy >= -1e-9) & (fy <= ny + 1e-9)
        i = np.clip(np.floor(fx), 0, nx - 1).astype(np.int64)
        j = np.clip(np.floor(fy), 0, ny - 1).astype(np.int64)
        return i, j, np.clip(fx - i, 0, 1), np.clip(fy - j, 0, 1), inside

    def height_at(self, x, y) -> np.ndarray:
        """Height of the triangulated surface (the one written) at points; clamped outside."""
        i, j, u, v, _ = self.locate(x, y)
        h = self.heights
        za, zb, zc, zd = h[j, i], h[j, i + 1], h[j + 1, i + 1], h[j + 1, i]
        lower = u >= v  # triangle (a, b, c) else (a, c, d)
        return np.where(lower, za + u * (zb - za) + v * (zc - zb),
                        za + v * (zd - za) + u * (zc - zd))

    def covered_at(self, x, y) -> np.ndarray:
        """Inside the grid and within a cell whose four nodes the DEM covered."""
        i, j, _, _, inside = self.locate(x, y)
        c = self.covered
        return inside & c[j, i] & c[j, i + 1] & c[j + 1, i] & c[j + 1, i + 1]

    def triangle_count(self) -> int:
        ny, nx = self.shape
        return 2 * nx * ny


def warp_band(raster: RasterInput, crs_wkt: str, bounds, res: float, resample: str):
    """Warp one band onto a north-up grid: array with row 0 at the south, NaN where empty."""
    from osgeo import gdal

    gdal.UseExceptions()
    try:
        source = gdal.Open(raster.path)
    except RuntimeError as error:
        raise BuildError(f"{raster.label}: GDAL cannot open the raster ({error})") from None
    if source is None or raster.band > source.RasterCount:
        raise BuildError(f"{raster.label}: GDAL cannot open band {raster.band} of the raster")
    if not source.GetProjection():
        raise BuildError(f"{raster.label}: the raster has no CRS")
    try:
        if source.RasterCount > 1:
            source = gdal.Translate("", source, format="VRT", bandList=[raster.band])
        warped = gdal.Warp("", source, format="MEM", dstSRS=crs_wkt or None,
                           outputBounds=tuple(bounds), xRes=res, yRes=res,
                           resampleAlg=resample, outputType=gdal.GDT_Float64,
                           dstNodata=float("nan"))
    except RuntimeError as error:
        raise BuildError(f"{raster.label}: cannot reproject the raster ({error})") from None
    data = warped.GetRasterBand(1).ReadAsArray().astype(np.float64)
    nodata = source.GetRasterBand(1).GetNoDataValue()
    if nodata is not None and math.isfinite(nodata):
        data[data == nodata] = np.nan
    return data[::-1].copy()


def raster_resolution(raster: RasterInput, crs_wkt: str) -> float:
    """The raster's pixel size once reprojected to the target CRS (GDAL's suggestion)."""
    from osgeo import gdal

    gdal.UseExceptions()
    try:
        vrt = gdal.Warp("", raster.path, format="VRT", dstSRS=crs_wkt or None)
    except RuntimeError as error:
        raise BuildError(f"{raster.label}: cannot reproject the raster ({error})") from None
    transform = vrt.GetGeoTransform()
    return float(min(abs(transform[1]), abs(transform[5])))


def build_ground(options: BuildOptions, dem: RasterInput | None,
                 landcover_raster: RasterInput | None,
                 landcover_polygons: PolygonInput | None, notes: list[str]) -> Ground:
    xmin, ymin, xmax, ymax = options.extent
    res = options.ground_resolution
    if res <= 0:
        res = raster_resolution(dem, options.crs_wkt) if dem else (
            raster_resolution(landcover_raster, options.crs_wkt) if landcover_raster else 10.0)
    nx = max(1, math.ceil((xmax - xmin) / res - 1e-9))
    ny = max(1, math.ceil((ymax - ymin) / res - 1e-9))
    if (nx + 1) * (ny + 1) > 200_000_000:
        raise BuildError(f"GROUND_RESOLUTION {res:g} m makes a {nx} x {ny} ground grid: "
                         f"choose a coarser resolution")
    if dem is not None:
        bounds = (xmin - res / 2, ymin - res / 2, xmin + (nx + 0.5) * res,
                  ymin + (ny + 0.5) * res)
        heights = warp_band(dem, options.crs_wkt, bounds, res, "bilinear")
        covered = np.isfinite(heights)
        if not covered.any():
            raise BuildError(f"DEM {dem.label} does not overlap the target extent")
        if not covered.all():
            missing = int((~covered).sum())
            notes.append(f"DEM {dem.label}: {missing} of {covered.size} ground nodes had no "
                         f"value (outside the DEM or NoData) and were filled from the nearest "
                         f"values")
            heights = _fill_nearest(heights, covered)
    else:
        heights = np.full((ny + 1, nx + 1), float(options.ground_height))
        covered = np.ones_like(heights, dtype=bool)
    elements = [options.ground_element]
    cell = np.zeros((ny, nx), dtype=np.int32)
    cell_bounds = (xmin, ymin, xmin + nx * res, ymin + ny * res)
    if landcover_raster is not None:
        values = warp_band(landcover_raster, options.crs_wkt, cell_bounds, res, "near")
        if not np.isfinite(values).any():
            raise BuildError(f"LANDCOVER {landcover_raster.label} does not overlap the target "
                             f"extent")
        finite = np.isfinite(values)
        codes = np.unique(values[finite]).astype(np.int64)
        for code in codes:
            name = options.landcover_mapping.get(int(code), f"class_{int(code)}")
            if name not in elements:
                elements.append(name)
            cell[finite & (values == code)] = elements.index(name)
    if landcover_polygons is not None:
        cell = _rasterize_classes(landcover_polygons, cell, cell_bounds, res, elements,
                                  options.crs_wkt)
    return Ground(xmin, ymin, res, heights, covered, cell, elements)


def spatial_reference(crs_wkt: str):
    from osgeo import osr

    if not crs_wkt:
        return None
    srs = osr.SpatialReference()
    srs.ImportFromWkt(crs_wkt)
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return srs


def _fill_nearest(heights: np.ndarray, covered: np.ndarray) -> np.ndarray:
    from scipy import ndimage

    _, (rows, cols) = ndimage.distance_transform_edt(~covered, return_indices=True)
    return heights[rows, cols]


def _rasterize_classes(polygons: PolygonInput, cell, bounds, res, elements, crs_wkt):
    """Burn land-cover polygons (class = element) onto the cell grid, at cell centres."""
    import shapely
    from osgeo import gdal, ogr

    parts, owner, _ = clean_polygons(polygons.geometries, polygons.name)
    classes = polygons.classes if polygons.classes is not None else [None] * len(owner)
    ny, nx = cell.shape
    if not len(parts) or not shapely.intersects(
            shapely.box(*bounds), shapely.union_all(shapely.envelope(parts))):
        raise BuildError(f"LANDCOVER {polygons.name} does not overlap the target extent")
    driver = gdal.GetDriverByName("MEM")
    target = driver.Create("", nx, ny, 1, gdal.GDT_Int32)
    target.SetGeoTransform((bounds[0], res, 0, bounds[3], 0, -res))
    target.GetRasterBand(1).Fill(-1)
    source = ogr.GetDriverByName("Memory").CreateDataSource("landcover")
    layer = source.CreateLayer("landcover", srs=spatial_reference(crs_wkt),
                               geom_type=ogr.wkbPolygon)
    if crs_wkt:
        target.SetProjection(crs_wkt)
    layer.CreateField(ogr.FieldDefn("code", ogr.OFTInteger))
    definition = layer.GetLayerDefn()
    for part, index in zip(parts, owner, strict=True):
        name = element_name(classes[index]) if classes[index] not in (None, "") else ""
        if not name:
            continue
        if name not in elements:
            elements.append(name)
        feature = ogr.Feature(definition)
        feature.SetField("code", elements.index(name))
        feature.SetGeometry(ogr.CreateGeometryFromWkb(shapely.to_wkb(part)))
        layer.CreateFeature(feature)
    gdal.RasterizeLayer(target, [1], layer, options=["ATTRIBUTE=code"])
    burnt = target.GetRasterBand(1).ReadAsArray()[::-1]
    return np.where(burnt >= 0, burnt, cell).astype(np.int32)


def write_ground(stream, ground: Ground, elements: Elements) -> None:
    ny, nx = ground.shape
    xs = ground.x0 + ground.res * np.arange(nx + 1)
    ys = ground.y0 + ground.res * np.arange(ny + 1)
    xx, yy = np.meshgrid(xs, ys)
    vertices = np.column_stack([xx.ravel(), yy.ravel(), ground.heights.ravel()])
    node = np.arange((ny + 1) * (nx + 1)).reshape(ny + 1, nx + 1)
    a, b = node[:-1, :-1].ravel(), node[:-1, 1:].ravel()
    c, d = node[1:, 1:].ravel(), node[1:, :-1].ravel()
    faces = np.concatenate([np.stack([a, b, c], 1), np.stack([a, c, d], 1)])
    cell = ground.cell_element.ravel()
    face_group = np.concatenate([cell, cell])
    used = np.unique(face_group)
    for i in used:
        elements.add(ground.elements[i], "opaque", ground.elements[i])
    stream.add(vertices, faces, ground.elements, face_group, ground.elements)
