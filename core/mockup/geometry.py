"""Polygons: cleaning (repair, polygonal parts, ring orientation) and triangulation.

Convex rings are fanned (vectorised); every other polygon, holes included, is triangulated
by ear clipping with ``mapbox_earcut`` (the C++ earcut library), which gives
vertices + 2 holes - 2 triangles whose vertices are the polygon's own.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .inputs import BuildError


def triangle_areas(triangles: np.ndarray) -> np.ndarray:
    t = np.asarray(triangles, dtype=np.float64)
    if t.shape[-1] == 2:
        a, b, c = t[:, 0], t[:, 1], t[:, 2]
        return 0.5 * np.abs((b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1])
                            - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0]))
    return 0.5 * np.linalg.norm(np.cross(t[:, 1] - t[:, 0], t[:, 2] - t[:, 0]), axis=1)


def clean_polygons(geometries: Sequence, layer: str) -> tuple[np.ndarray, np.ndarray, dict]:
    """Geometries (shapely or WKB) -> (polygon parts, owner feature index, counts).

    Invalid geometries are repaired with make_valid (their polygonal part kept); empty,
    non-polygonal or unrepairable ones are skipped. Counts: repaired, skipped."""
    import shapely

    items = list(geometries)
    if items and isinstance(items[0], (bytes, bytearray, memoryview)):
        geoms = shapely.from_wkb([bytes(g) if g is not None else None for g in items])
    else:
        geoms = np.asarray(items, dtype=object)
    geoms = np.asarray(geoms, dtype=object)
    counts = {"input": len(geoms), "repaired": 0, "skipped_empty_or_invalid": 0}
    if not len(geoms):
        return np.empty(0, dtype=object), np.empty(0, dtype=np.int64), counts
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    geoms = np.where(missing, None, geoms)
    valid = shapely.is_valid(geoms) | missing
    bad = np.flatnonzero(~valid)
    if len(bad):
        geoms[bad] = shapely.make_valid(geoms[bad])
        counts["repaired"] = len(bad)
    geoms = np.where(missing, None, geoms)
    # keep polygonal parts only (make_valid may return collections with lines and points)
    parts, owner = shapely.get_parts(geoms, return_index=True)
    collection = shapely.get_type_id(parts) == 7
    while collection.any():
        sub, sub_owner = shapely.get_parts(parts[collection], return_index=True)
        parts = np.concatenate([parts[~collection], sub])
        owner = np.concatenate([owner[~collection], owner[collection][sub_owner]])
        collection = shapely.get_type_id(parts) == 7
    polygonal = shapely.get_type_id(parts) == 3
    parts, owner = parts[polygonal], owner[polygonal]
    keep = shapely.area(parts) > 1e-6
    parts, owner = parts[keep], owner[keep]
    # rings CCW outside, CW holes (normalize() gives the opposite: reverse it)
    parts = shapely.reverse(shapely.normalize(shapely.remove_repeated_points(parts)))
    order = np.argsort(owner, kind="stable")
    parts, owner = parts[order], owner[order]
    counts["skipped_empty_or_invalid"] = int(len(geoms) - len(np.unique(owner)))
    counts["parts"] = len(parts)
    return parts, owner.astype(np.int64), counts


def within_extent(parts, owner, extent, label, counts, notes):
    import shapely

    if not len(parts):
        return parts, owner
    keep = shapely.intersects(parts, shapely.box(*extent))
    dropped = len(np.unique(owner)) - len(np.unique(owner[keep]))
    counts["outside_extent"] = int(dropped)
    if not keep.any():
        raise BuildError(f"{label}: no polygon lies within the target extent (do the layer "
                         f"and the extent overlap?)")
    if dropped:
        notes.append(f"{label}: {dropped} polygons outside the target extent left out")
    return parts[keep], owner[keep]


def polygon_triangle_count(polygons: np.ndarray) -> np.ndarray:
    """Triangles of a triangulation of each polygon: vertices + 2 holes - 2."""
    import shapely

    rings = shapely.get_num_interior_rings(polygons)
    vertices = shapely.get_num_coordinates(polygons) - (rings + 1)  # closing points
    return np.maximum(vertices + 2 * rings - 2, 0)


def triangulate_polygons(polygons: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Triangulate shapely polygons (valid, any shape, holes allowed) ->
    (triangles (m, 3, 2) float64, index of the polygon of each triangle)."""
    import shapely

    polygons = np.asarray(polygons, dtype=object)
    n = len(polygons)
    if not n:
        return np.zeros((0, 3, 2)), np.zeros(0, dtype=np.int64)
    out_t, out_o = [], []
    holes = shapely.get_num_interior_rings(polygons) > 0
    exterior = shapely.get_exterior_ring(polygons)
    coords, ring = shapely.get_coordinates(exterior, return_index=True)
    counts = np.bincount(ring, minlength=n)  # including the closing point
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    # convexity: every turn of the (CCW) exterior ring is a left turn or straight
    position = np.arange(len(coords)) - starts[ring]
    size = counts[ring] - 1  # vertices without the closing point
    vertex = position < size
    prev = starts[ring] + (position - 1) % size
    nxt = starts[ring] + (position + 1) % size
    e1 = coords - coords[prev]
    e2 = coords[nxt] - coords
    cross = e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0]
    scale = np.abs(e1).sum(axis=1) * np.abs(e2).sum(axis=1)
    reflex = vertex & (cross < -1e-12 * scale)
    convex = (np.bincount(ring[reflex], minlength=n) == 0) & ~holes
    # 1. convex polygons: fans, vectorised
    fan = np.flatnonzero(convex & (counts >= 4))
    if len(fan):
        tri_count = counts[fan] - 3
        owner = np.repeat(fan, tri_count)
        k = np.arange(tri_count.sum()) - np.repeat(np.cumsum(tri_count) - tri_count, tri_count)
        first = starts[owner]
        tris = np.stack([coords[first], coords[first + k + 1], coords[first + k + 2]], axis=1)
        out_t.append(tris)
        out_o.append(owner)
    # 2. the others (holes allowed): earcut on each polygon's rings
    other = np.flatnonzero(~convex)
    if len(other):
        tris, owner = _earcut_polygons(polygons[other])
        out_t.append(tris)
        out_o.append(other[owner])
    if not out_t:
        return np.zeros((0, 3, 2)), np.zeros(0, dtype=np.int64)
    tris = np.concatenate(out_t)
    owner = np.concatenate(out_o).astype(np.int64)
    keep = triangle_areas(tris) > 1e-9
    order = np.argsort(owner[keep], kind="stable")
    return tris[keep][order], owner[keep][order]


def _earcut_polygons(polygons: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """earcut on every polygon (exterior ring then holes, closing points dropped) ->
    (triangles (m, 3, 2), index of the polygon of each triangle)."""
    import shapely

    rings, ring_polygon = shapely.get_rings(polygons, return_index=True)
    coords, ring = shapely.get_coordinates(rings, return_index=True)
    keep = np.append(ring[1:] == ring[:-1], False)  # drop each ring's closing point
    coords, ring = coords[keep], ring[keep]
    ring_end = np.cumsum(np.bincount(ring, minlength=len(rings)))
    ring_start = ring_end - np.bincount(ring, minlength=len(rings))
    last_ring = np.cumsum(np.bincount(ring_polygon, minlength=len(polygons)))
    first_ring = np.concatenate([[0], last_ring[:-1]])
    out_t, out_o = [], []
    for i, (r0, r1) in enumerate(zip(first_ring, last_ring, strict=True)):
        start, stop = ring_start[r0], ring_end[r1 - 1]
        points = coords[start:stop]
        triangles = points[_earcut(points, ring_end[r0:r1] - start)]
        out_t.append(triangles)
        out_o.append(np.full(len(triangles), i))
    return np.concatenate(out_t), np.concatenate(out_o)


def _earcut(points: np.ndarray, ring_ends: np.ndarray) -> np.ndarray:
    """Vertex indices (k, 3) of earcut's triangles of rings ``points[:ring_ends[0]]``
    (exterior), ``points[ring_ends[0]:ring_ends[1]]`` (first hole) ..."""
    import mapbox_earcut

    # local coordinates: at UTM magnitudes earcut's orientation tests would lose precision
    index = mapbox_earcut.triangulate_float64(points - points[0],
                                              np.asarray(ring_ends, dtype=np.uint32))
    return index.reshape(-1, 3)


def ear_clip(ring: np.ndarray) -> np.ndarray:
    """Triangulate a simple polygon (vertices (n, 2), counter-clockwise, not closed) by ear
    clipping (earcut) -> (n - 2, 3, 2) at most (zero-area ears of collinear vertices are
    dropped)."""
    points = np.asarray(ring, dtype=np.float64)
    triangles = points[_earcut(points, [len(points)])]
    return triangles[triangle_areas(triangles) > 0]
