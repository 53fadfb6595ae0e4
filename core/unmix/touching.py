"""Which mock-up parts touch: where a part's pixels do not fix its OP (the ground under a
crown, seen only through its gaps), the parts of the same element it continues are the
nearest surfaces of its kind, nearer than any pure pixel."""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

#: a surface is occluded when the sensor sees less than this share of it (the ground under
#: a crown); a small part seen in full (a sliver of roof) is not
OCCLUDED_SHARE = 0.5
#: parts closer than this (metres) touch; also the spacing of the points sampled along
#: the triangles' edges, so that a shared edge is found whatever the two meshes' vertices
TOUCH_DISTANCE = 0.5
#: nearest points looked at for one of another part (a part's own come first)
NEAREST_POINTS = 16


def projected_areas(triangles: np.ndarray, part_of_triangle: np.ndarray, n_parts: int,
                    view: np.ndarray, inside) -> np.ndarray:
    """(parts,) area of each part seen along ``view`` (unit vector towards the sensor), m2,
    as if nothing hid it: of its triangles whose centre ``inside(centres)`` (-> bool) keeps,
    the image's footprint."""
    edge_a = triangles[:, 1] - triangles[:, 0]
    edge_b = triangles[:, 2] - triangles[:, 0]
    area = 0.5 * np.abs(np.cross(edge_a, edge_b) @ np.asarray(view, np.float64))
    keep = inside(triangles.mean(axis=1))
    return np.bincount(part_of_triangle[keep], area[keep], minlength=n_parts)


def edge_points(triangles: np.ndarray, spacing: float = TOUCH_DISTANCE) -> np.ndarray:
    """(points, 3) points along every edge of ``triangles`` (n, 3, 3), ``spacing`` apart at
    most, both ends included."""
    start = triangles.reshape(-1, 3)
    end = np.roll(triangles, -1, axis=1).reshape(-1, 3)
    length = np.linalg.norm(end - start, axis=1)
    count = np.maximum(1, np.ceil(length / spacing).astype(np.int64))
    edge = np.repeat(np.arange(start.shape[0]), count)
    first = np.cumsum(count) - count
    t = (np.arange(edge.size) - first[edge]) / count[edge]
    return start[edge] + t[:, None] * (end[edge] - start[edge])


class PartContacts:
    """Which parts of one mock-up touch. Triangles are sorted by part and each part's
    bounding box found on the first question; only candidates whose boxes come within
    ``distance`` of a part asked about are sampled, and each part's edge points are kept,
    so that memory and time follow the neighbourhoods of the parts asked about, not the
    mock-up."""

    def __init__(self, triangles: np.ndarray, part_of_triangle: np.ndarray,
                 distance: float = TOUCH_DISTANCE):
        self.triangles = triangles
        self.part_of_triangle = np.asarray(part_of_triangle)
        self.distance = distance
        self._order = self._first = self._low = self._high = None
        self._points: dict[int, np.ndarray] = {}

    def _index(self) -> None:
        if self._first is not None:
            return
        n_parts = int(self.part_of_triangle.max(initial=-1)) + 1
        order = np.argsort(self.part_of_triangle, kind="stable")
        first = np.searchsorted(self.part_of_triangle[order], np.arange(n_parts + 1))
        low = np.full((n_parts + 1, 3), np.inf)  # the last row: a part without triangles
        high = np.full((n_parts + 1, 3), -np.inf)
        present = np.flatnonzero(first[1:] > first[:-1])
        if present.size:
            ordered = self.triangles[order]
            low[present] = np.minimum.reduceat(ordered.min(axis=1), first[present])
            high[present] = np.maximum.reduceat(ordered.max(axis=1), first[present])
        self._order, self._first, self._low, self._high = order, first, low, high

    def _row(self, parts: np.ndarray) -> np.ndarray:
        """Each part's row in the index (the empty last row if it has no triangles)."""
        return np.where(parts < self._first.size - 1, parts, self._first.size - 1)

    def _edge_points(self, part: int) -> np.ndarray:
        if part not in self._points:
            row = int(self._row(np.array([part]))[0])
            lo, hi = self._first[row], self._first[min(row + 1, self._first.size - 1)]
            self._points[part] = edge_points(
                self.triangles[self._order[lo:hi]].astype(np.float64), self.distance)
        return self._points[part]

    def __call__(self, parts: np.ndarray, candidates: np.ndarray) -> dict[int, dict[int, int]]:
        """For each of ``parts``, the other ``candidates`` it touches, with the number of
        its edges' points whose nearest point of another candidate lies within
        ``distance``: a weight that grows with the boundary they share. A part's own
        points are skipped among the NEAREST_POINTS nearest (a part that meets another
        only where its own points crowd the boundary is missed)."""
        parts, candidates = np.asarray(parts, np.int64), np.asarray(candidates, np.int64)
        if parts.size == 0 or candidates.size == 0:
            return {}
        self._index()
        d = self.distance
        part_low, part_high = self._low[self._row(parts)], self._high[self._row(parts)]
        low, high = self._low[self._row(candidates)], self._high[self._row(candidates)]
        near = np.zeros(candidates.size, bool)
        for a, b in zip(part_low, part_high, strict=True):
            near |= np.all(low <= b + d, axis=1) & np.all(high >= a - d, axis=1)
        candidates = candidates[near]
        points = [self._edge_points(int(c)) for c in candidates]
        if not sum(len(p) for p in points):
            return {}
        owner = np.append(np.repeat(candidates, [len(p) for p in points]), -1)
        tree = cKDTree(np.concatenate(points))
        out: dict[int, dict[int, int]] = {}
        for part in parts:
            gap, index = tree.query(self._edge_points(int(part)), k=NEAREST_POINTS,
                                    distance_upper_bound=d)
            other = np.isfinite(gap) & (owner[index] != part)  # index n: none found
            first = np.argmax(other, axis=1)
            hit = other[np.arange(len(other)), first]
            if hit.any():
                neighbour, count = np.unique(owner[index[hit, first[hit]]],
                                             return_counts=True)
                out[int(part)] = dict(zip(neighbour.tolist(), count.tolist(), strict=True))
        return out
