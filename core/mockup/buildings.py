"""Buildings: footprints (holes and multipolygons allowed) extruded from the lowest ground
point under them to a flat roof. Height from a field, else floors x floor height, else the
median of a DSM inside the footprint, else the default (or the footprint is skipped).
Groups ``<roof element>_<i>`` and ``wall_<i>``, or one per element."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .geometry import clean_polygons, polygon_triangle_count, triangulate_polygons
from .ground import Ground, raster_resolution, spatial_reference, warp_band
from .inputs import (
    BuildError,
    BuildOptions,
    PolygonInput,
    RasterInput,
    check_canceled,
    element_name,
    report_progress,
)
from .table import group_pattern


@dataclass
class PreparedBuildings:
    parts: np.ndarray  # shapely polygons
    owner: np.ndarray  # building index per part (0..n-1, after skipping)
    base: np.ndarray  # wall bottom (m) per building
    top: np.ndarray  # roof height (m) per building
    roof: list[str]  # roof element per building
    source_index: np.ndarray  # input feature index per building
    counts: dict


def prepare_buildings(buildings: PolygonInput, ground: Ground, options: BuildOptions,
                      dsm: RasterInput | None, notes: list[str]) -> PreparedBuildings:
    import shapely

    parts, owner, counts = clean_polygons(buildings.geometries, buildings.name)
    n_in = counts["input"]
    xmin, ymin, xmax, ymax = options.extent
    centroid = shapely.centroid(parts)
    cx, cy = shapely.get_x(centroid), shapely.get_y(centroid)
    part_inside = (cx >= xmin) & (cx <= xmax) & (cy >= ymin) & (cy <= ymax)
    feature_inside = np.zeros(n_in, bool)
    feature_inside[owner[part_inside]] = True
    has_parts = np.zeros(n_in, bool)
    has_parts[owner] = True
    counts["outside_extent"] = int((has_parts & ~feature_inside).sum())
    if n_in and has_parts.any() and not feature_inside.any():
        raise BuildError(f"BUILDINGS {buildings.name}: no footprint lies within the target "
                         f"extent (do the layer and the extent overlap?)")
    keep = feature_inside[owner]
    parts, owner = parts[keep], owner[keep]
    # ground under each footprint: lowest and coverage over all its vertices
    coords, index = shapely.get_coordinates(parts, return_index=True)
    vertex_owner = owner[index]
    z = ground.height_at(coords[:, 0], coords[:, 1])
    base = np.full(n_in, np.inf)
    np.minimum.at(base, vertex_owner, z)
    uncovered = np.zeros(n_in, bool)
    uncovered[vertex_owner[~ground.covered_at(coords[:, 0], coords[:, 1])]] = True
    # height: field, then floors x floor height, then DSM, then the default
    height = np.full(n_in, np.nan)
    source = np.full(n_in, "", dtype=object)
    if buildings.height is not None:
        h = np.asarray(buildings.height, dtype=np.float64)
        ok = np.isfinite(h) & (h > 0)
        height[ok], source[ok] = h[ok], "field"
    if buildings.floors is not None:
        f = np.asarray(buildings.floors, dtype=np.float64) * options.floor_height
        ok = ~np.isfinite(height) & np.isfinite(f) & (f > 0)
        height[ok], source[ok] = f[ok], "floors"
    if dsm is not None:
        need = np.flatnonzero(~np.isfinite(height) & feature_inside)
        if len(need):
            roof = _dsm_median(dsm, parts, owner, need, options)
            h = roof - base[need]
            ok = np.isfinite(h) & (h > 0)
            height[need[ok]], source[need[ok]] = h[ok], "dsm"
    missing = ~np.isfinite(height) & feature_inside
    counts["missing_height"] = int(missing.sum())
    if options.default_height > 0:
        height[missing], source[missing] = options.default_height, "default"
        counts["default_height"] = counts["missing_height"]
        counts["skipped_missing_height"] = 0
    else:
        counts["skipped_missing_height"] = counts["missing_height"]
    counts["outside_dem"] = int((uncovered & feature_inside & np.isfinite(height)).sum())
    built = feature_inside & np.isfinite(height) & ~uncovered
    roof_names = [options.roof_element] * n_in
    if buildings.classes is not None:
        for i in np.flatnonzero(built):
            value = buildings.classes[i]
            if value not in (None, ""):
                name = element_name(value)
                if name and not name.startswith(options.roof_element):
                    name = f"{options.roof_element}_{name}"  # "tile" -> "roof_tile"
                roof_names[i] = name or options.roof_element
    new_index = np.full(n_in, -1, dtype=np.int64)
    source_index = np.flatnonzero(built)
    new_index[source_index] = np.arange(len(source_index))
    keep = built[owner]
    counts["built"] = len(source_index)
    for key, text in (("repaired", "invalid footprints repaired with make_valid"),
                      ("skipped_empty_or_invalid", "empty or unusable footprints skipped"),
                      ("skipped_missing_height", "footprints without a height skipped (no "
                                                 "height field value, floors or DSM value)"),
                      ("default_height", "footprints without a height given the default"),
                      ("outside_dem", "footprints outside the DEM skipped"),
                      ("outside_extent", "footprints outside the target extent left out")):
        if counts.get(key):
            notes.append(f"BUILDINGS {buildings.name}: {counts[key]} {text}")
    counts["height_sources"] = {k: int((source[built] == k).sum())
                                for k in ("field", "floors", "dsm", "default")}
    return PreparedBuildings(
        parts=parts[keep], owner=new_index[owner[keep]], base=base[source_index],
        top=base[source_index] + height[source_index],
        roof=[roof_names[i] for i in source_index], source_index=source_index, counts=counts)


def _dsm_median(dsm: RasterInput, parts, owner, need, options: BuildOptions) -> np.ndarray:
    """Median DSM value inside each needed footprint (pixel centres; the value at the
    centroid for footprints smaller than a pixel)."""
    import shapely
    from osgeo import gdal, ogr

    res = raster_resolution(dsm, options.crs_wkt)
    sel = np.isin(owner, need)
    bounds = shapely.total_bounds(parts[sel])
    bounds = (bounds[0] - res, bounds[1] - res, bounds[2] + res, bounds[3] + res)
    nx = max(1, math.ceil((bounds[2] - bounds[0]) / res))
    ny = max(1, math.ceil((bounds[3] - bounds[1]) / res))
    bounds = (bounds[0], bounds[1], bounds[0] + nx * res, bounds[1] + ny * res)
    values = warp_band(dsm, options.crs_wkt, bounds, res, "bilinear")[::-1]  # row 0 north
    if not np.isfinite(values).any():
        raise BuildError(f"DSM {dsm.label} does not overlap the buildings")
    target = gdal.GetDriverByName("MEM").Create("", nx, ny, 1, gdal.GDT_Int32)
    target.SetGeoTransform((bounds[0], res, 0, bounds[3], 0, -res))
    target.GetRasterBand(1).Fill(-1)
    source = ogr.GetDriverByName("Memory").CreateDataSource("dsm")
    layer = source.CreateLayer("footprints", srs=spatial_reference(options.crs_wkt),
                               geom_type=ogr.wkbPolygon)
    if options.crs_wkt:
        target.SetProjection(options.crs_wkt)
    layer.CreateField(ogr.FieldDefn("id", ogr.OFTInteger))
    definition = layer.GetLayerDefn()
    for part, index in zip(parts[sel], owner[sel], strict=True):
        feature = ogr.Feature(definition)
        feature.SetField("id", int(index))
        feature.SetGeometry(ogr.CreateGeometryFromWkb(shapely.to_wkb(part)))
        layer.CreateFeature(feature)
    gdal.RasterizeLayer(target, [1], layer, options=["ATTRIBUTE=id"])
    ids = target.GetRasterBand(1).ReadAsArray().ravel()
    flat = values.ravel()
    ok = (ids >= 0) & np.isfinite(flat)
    ids, flat = ids[ok], flat[ok]
    order = np.lexsort((flat, ids))
    ids, flat = ids[order], flat[order]
    n_all = int(owner.max()) + 1 if len(owner) else 0
    count = np.bincount(ids, minlength=n_all)
    start = np.concatenate([[0], np.cumsum(count)[:-1]])
    median = np.full(n_all, np.nan)
    has = count > 0
    lo = start[has] + (count[has] - 1) // 2
    hi = start[has] + count[has] // 2
    median[has] = 0.5 * (flat[lo] + flat[hi])
    small = np.flatnonzero(~has)
    small = small[np.isin(small, need)]
    if len(small):  # smaller than a pixel: the value under the representative point
        points = shapely.point_on_surface(
            np.array([parts[np.flatnonzero(owner == k)[0]] for k in small], dtype=object))
        col = np.clip(((shapely.get_x(points) - bounds[0]) / res).astype(int), 0, nx - 1)
        row = np.clip(((bounds[3] - shapely.get_y(points)) / res).astype(int), 0, ny - 1)
        median[small] = values[row, col]
    return median[need]


def triangle_count(b: PreparedBuildings) -> int:
    """Roof triangles plus two per wall segment, before anything is written."""
    import shapely

    walls = 2 * (shapely.get_num_coordinates(b.parts) - (shapely.get_num_interior_rings(b.parts)
                                                         + 1))
    return int(polygon_triangle_count(b.parts).sum() + walls.sum())


def write_buildings(stream, b: PreparedBuildings, options, elements, per_object, progress,
                    is_canceled) -> None:
    import shapely

    n_parts = len(b.parts)
    chunk = 20_000
    wall_name = options.wall_element
    for start in range(0, n_parts, chunk):
        check_canceled(is_canceled)
        parts = b.parts[start:start + chunk]
        owner = b.owner[start:start + chunk]
        # roofs
        tris2, part_index = triangulate_polygons(parts)
        building = owner[part_index]
        z = b.top[building]
        roofs = np.concatenate([tris2, np.repeat(z[:, None, None], 3, 1)], axis=2)
        # walls: every ring edge, from the base to the roof
        rings, ring_part = shapely.get_rings(parts, return_index=True)
        coords, ring_index = shapely.get_coordinates(rings, return_index=True)
        edge = np.flatnonzero(ring_index[:-1] == ring_index[1:])
        wall_owner = owner[ring_part[ring_index[edge]]]
        p, q = coords[edge], coords[edge + 1]
        lo, hi = b.base[wall_owner], b.top[wall_owner]
        pl = np.column_stack([p, lo])
        ql = np.column_stack([q, lo])
        qh = np.column_stack([q, hi])
        ph = np.column_stack([p, hi])
        walls = np.concatenate([np.stack([pl, ql, qh], 1), np.stack([pl, qh, ph], 1)])
        walls_owner = np.concatenate([wall_owner, wall_owner])
        # groups: one per building and surface, or one per element
        tris = np.concatenate([roofs, walls])
        kind = np.concatenate([np.zeros(len(roofs), int), np.ones(len(walls), int)])
        who = np.concatenate([building, walls_owner])
        if per_object:
            key = who * 2 + kind
        else:
            roof_ids = {name: i for i, name in enumerate(dict.fromkeys(b.roof))}
            roof_code = np.array([roof_ids[name] for name in b.roof])
            key = np.where(kind == 0, roof_code[who] * 2, 1)
        unique, inverse = np.unique(key, return_inverse=True)
        groups, group_element = [], []
        for k in unique:
            if per_object:
                index, surface = int(k) // 2, int(k) % 2
                element = b.roof[index] if surface == 0 else wall_name
                groups.append(f"{element}_{index + 1}")
            else:
                if k == 1:
                    element = wall_name
                else:
                    element = list(dict.fromkeys(b.roof))[int(k) // 2]
                groups.append(f"{element}_all")
            group_element.append(element)
            elements.add(element, "opaque", group_pattern(element, "", per_object))
        stream.add_soup(tris, groups, inverse, group_element)
        report_progress(progress, 0.3 + 0.3 * min(1.0, (start + chunk) / max(n_parts, 1)),
                        "buildings")


def building_summary(b: PreparedBuildings) -> dict:
    return {"counts": b.counts, "built": len(b.top),
            "mean_height_m": round(float(np.mean(b.top - b.base)), 3) if len(b.top) else 0.0}
