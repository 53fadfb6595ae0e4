"""City-scale forward model: the image grid cut into tiles, each traced with only the
triangles it can see or be lit through, as Dask tasks.

A tile's geometry is its footprint grown by a halo of ``tallest object height x tan(max(sun
zenith, view zenith))`` (what the sensor sees over and the sun shines over) plus a
multiple-scattering margin (light scattered in from farther away). Each pixel keeps the
random stream it has in the whole grid (``simulate.TraceWindow``), so a tile whose halo holds
every triangle its paths meet reproduces the untiled trace path for path. A too-small halo
loses the light of the paths that leave it, and the pixel's later samples then draw other
numbers from its stream (other paths, the same statistics): measured in
``benchmarks/bench_halo.py`` (see MARGIN_HEIGHTS).

Workers of the "processes" pool and of a cluster import this plugin as ``unmix3d``
(``worker_import.py`` makes a local checkout importable so); a script that starts a
"processes" run must guard its main code with ``if __name__ == "__main__":``, as the pool
spawns fresh interpreters that import the main module.

Dask runs the tiles: by default its local threaded scheduler in this process (the Numba
kernels release the GIL), ``"processes"`` for a local process pool, or the address of a
``dask.distributed`` scheduler (``tcp://host:8786``) for a cluster whose workers can import
this plugin as ``unmix3d``. Blocks are written into staged GeoTIFFs as tiles finish.

Tiles take their triangles from a mock-up in memory (``TileSource``, through a grid index
of the triangles' bounding boxes) or from a tiled mock-up folder read per tile
(``FolderSource``). ``trace_tiled`` joins the tiles' traces for unmixing the whole image;
``unmix.tiled`` unmixes tile by tile.
"""

from __future__ import annotations

import math
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .canceled import Canceled
from .raytrace.bvh import build_bvh
from .raytrace.integrator import MAX_BATCHES
from .raytrace.polynomials import PixelPolynomials
from .scene.elements import ElementTable
from .scene.folder_index import piece_boxes
from .scene.mockup import Mockup
from .simulate import (
    BUILD_BYTES,
    TRACE_CHUNK_PIXELS,
    Geometry,
    MemoryEstimate,
    PixelGrid,
    Scene,
    Trace,
    TraceWindow,
    _turbid_media,
    batches_for,
    check_overlap,
    default_memory_limit,
    element_variables,
    estimate_memory,
    grid_coverage,
    trace,
)

#: the multiple-scattering margin in tallest-object heights: light scattered in from beyond
#: the geometric halo (walls, street canyons). Measured with benchmarks/bench_halo.py (a
#: periodic 480 m city of towers up to 40 m, walls 0.7, sun 60 deg, view 30 deg, 8-pixel
#: tiles of 4 m, 64 samples): the tiled scene mean is darker than the untiled one by 1.16 %
#: at margin 0, 0.86 % at 0.25 H, 0.55 % at 0.5 H, 0.28 % at 1 H and 0.11 % at 2 H, while one
#: pixel's standard error is 9.5 %: at 1 H the bias is 1/34 of a pixel's noise.
MARGIN_HEIGHTS = 1.0
#: TILE_SIZE 0: trace untiled (today's path)
UNTILED = 0


@dataclass(frozen=True)
class Tile:
    """A block of the image grid: rows ``row0 .. row0 + rows``, cols ``col0 .. col0 + cols``."""

    index: int
    row0: int
    col0: int
    rows: int
    cols: int

    @property
    def key(self) -> str:
        return f"tile-{self.index}"


def split_grid(grid: PixelGrid, tile_size: int) -> list[Tile]:
    """Tiles of ``tile_size`` x ``tile_size`` pixels (smaller at the east and south edges)."""
    if tile_size < 1:
        raise ValueError(f"TILE_SIZE must be at least 1 pixel, got {tile_size}")
    tiles = []
    for row0 in range(0, grid.rows, tile_size):
        for col0 in range(0, grid.cols, tile_size):
            tiles.append(Tile(len(tiles), row0, col0, min(tile_size, grid.rows - row0),
                              min(tile_size, grid.cols - col0)))
    return tiles


def halo_metres(tallest: float, geometry: Geometry, margin: float | None = None) -> float:
    """Halo (metres) around a tile's footprint: tallest object height (metres above the
    lowest point) x tan(max(sun, view zenith)) + ``margin`` metres for multiple scattering
    (default MARGIN_HEIGHTS x tallest)."""
    if margin is None:
        margin = MARGIN_HEIGHTS * max(0.0, tallest)
    zenith = math.radians(max(geometry.sun_zenith, geometry.view_zenith))
    return max(0.0, tallest) * math.tan(zenith) + max(0.0, margin)


class TriangleGrid:
    """A uniform grid over the mock-up's x/y extent, built once, that finds the triangles
    whose bounding boxes meet a rectangle without a pass over every triangle.

    A triangle no wider or taller than a cell is filed under the cell of its bounding box's
    low corner, so it can only meet a rectangle through the cells from one cell west and
    south of it to its far corner: per cell row one contiguous run of a sorted index. The
    few larger triangles (ground and water polygons, long walls) are tested one by one.
    Cells are sized from the triangles (CELL_PERCENTILE of their extents), so at most
    1 - CELL_PERCENTILE / 100 of them are "large"."""

    #: percentile of the triangles' x/y extents that sets the cell size
    CELL_PERCENTILE = 99.5
    #: at most this many cells per triangle (their offsets cost 8 bytes each)
    MAX_CELLS_PER_TRIANGLE = 4

    def __init__(self, low_xy: np.ndarray, high_xy: np.ndarray):
        self.low_xy, self.high_xy = low_xy, high_xy
        n = len(low_xy)
        extent = (high_xy - low_xy).max(axis=1) if n else np.zeros(0, np.float32)
        self.origin = low_xy.min(axis=0).astype(np.float64) if n else np.zeros(2)
        span = (high_xy.max(axis=0) - self.origin) if n else np.ones(2)
        cell = float(np.percentile(extent, self.CELL_PERCENTILE)) if n else 1.0
        cell = max(cell, math.sqrt(float(span[0]) * float(span[1])
                                   / max(1, self.MAX_CELLS_PER_TRIANGLE * n)), 1e-3)
        self.cell = cell
        self.shape = (int(span[1] // cell) + 1, int(span[0] // cell) + 1)  # rows (y), cols (x)
        large = extent.astype(np.float64) * (1.0 + 1e-6) > cell  # float32 rounding
        self.large = np.flatnonzero(large)
        small = np.flatnonzero(~large)
        column = ((low_xy[small, 0] - self.origin[0]) // cell).astype(np.int64)
        row = ((low_xy[small, 1] - self.origin[1]) // cell).astype(np.int64)
        np.clip(column, 0, self.shape[1] - 1, out=column)
        np.clip(row, 0, self.shape[0] - 1, out=row)
        key = row * self.shape[1] + column
        order = np.argsort(key, kind="stable")
        self.sorted = small[order]
        self.starts = np.searchsorted(key[order], np.arange(self.shape[0] * self.shape[1] + 1))

    def query(self, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
        """Indices (int64, unsorted) of the triangles whose bounding boxes meet [x0, x1] x
        [y0, y1] (local metres)."""
        rows, cols = self.shape
        c0 = max(0, int((x0 - self.origin[0]) // self.cell) - 1)
        c1 = min(cols - 1, int((x1 - self.origin[0]) // self.cell))
        r0 = max(0, int((y0 - self.origin[1]) // self.cell) - 1)
        r1 = min(rows - 1, int((y1 - self.origin[1]) // self.cell))
        runs = [self.sorted[self.starts[r * cols + c0]:self.starts[r * cols + c1 + 1]]
                for r in range(r0, r1 + 1)] if c0 <= c1 else []
        candidates = np.concatenate(runs + [self.large])
        low, high = self.low_xy[candidates], self.high_xy[candidates]
        meets = ((high[:, 0] >= x0) & (low[:, 0] <= x1) & (high[:, 1] >= y0)
                 & (low[:, 1] <= y1))
        return candidates[meets]


@dataclass
class TileSource:
    """An in-memory mock-up bound to its element table, from which each tile takes the
    triangles whose bounding boxes meet its grown footprint (through a TriangleGrid).

    The element table is matched once against the whole mock-up (so a tile without trees
    is no error); turbid parts are taken whole (their inside is defined by the closed
    surface)."""

    mockup: Mockup
    elements: ElementTable
    part_element: np.ndarray  # int32 (parts,)
    var_r: np.ndarray
    var_t: np.ndarray
    index: TriangleGrid
    turbid_part: np.ndarray  # bool (parts,)
    turbid_triangles: dict[int, np.ndarray]  # turbid part -> its triangles
    local_low: np.ndarray  # float64 (3,): the whole mock-up's corners, local metres (kept:
    local_high: np.ndarray  # a pass over every vertex per tile cost more than its trace)

    @classmethod
    def build(cls, mockup: Mockup, elements: ElementTable) -> TileSource:
        part_element = elements.assign_parts(mockup.part_names)
        var_r, var_t = element_variables(elements)
        turbid = np.array([elements.elements[e].turbid for e in part_element], bool)
        low, high = mockup.local_bounds()
        xy = mockup.triangles[:, :, :2]
        index = TriangleGrid(xy.min(axis=1), xy.max(axis=1))
        in_turbid = np.flatnonzero(turbid[mockup.part_of_triangle])
        parts = mockup.part_of_triangle[in_turbid]
        turbid_triangles = {int(part): in_turbid[parts == part] for part in np.unique(parts)}
        return cls(mockup, elements, part_element, var_r, var_t, index, turbid,
                   turbid_triangles, low, high)

    @property
    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """The whole mock-up's world (low, high) corners."""
        return self.local_low + self.mockup.origin, self.local_high + self.mockup.origin

    @property
    def tallest(self) -> float:
        """Metres from the mock-up's lowest to its highest point (relief included: safe)."""
        return float(self.local_high[2] - self.local_low[2])

    def select(self, footprint: tuple[float, float, float, float], periodic: bool) -> np.ndarray:
        """Sorted indices (int64) of the triangles whose x/y bounding box meets the world
        ``footprint`` (x0, y0, x1, y1); with ``periodic``, also its copies one mock-up
        period away, as the rays wrap."""
        origin = self.mockup.origin
        x0, y0, x1, y1 = (footprint[0] - origin[0], footprint[1] - origin[1],
                          footprint[2] - origin[0], footprint[3] - origin[1])
        low, high = self.local_low, self.local_high
        shifts = [(0.0, 0.0)]
        if periodic:
            sx, sy = high[0] - low[0], high[1] - low[1]
            shifts = [(i * sx, j * sy) for i in (-1, 0, 1) for j in (-1, 0, 1)]
        found = [np.zeros(0, np.int64)]
        for dx, dy in shifts:
            if (x1 + dx < low[0] or x0 + dx > high[0] or y1 + dy < low[1]
                    or y0 + dy > high[1]):
                continue  # this copy of the footprint misses the mock-up
            found.append(self.index.query(x0 + dx, y0 + dy, x1 + dx, y1 + dy))
        keep = np.unique(np.concatenate(found))
        if self.turbid_triangles:
            met = np.unique(self.mockup.part_of_triangle[keep])
            whole = [self.turbid_triangles[int(p)] for p in met if self.turbid_part[p]]
            if whole:
                keep = np.union1d(keep, np.concatenate(whole))
        return keep

    def scene(self, keep: np.ndarray) -> Scene:
        """The sub-scene of the triangles ``keep`` (sorted indices), in the whole mock-up's
        local frame."""
        mockup = self.mockup
        sub = Mockup(np.ascontiguousarray(mockup.triangles[keep]), mockup.origin,
                     mockup.part_of_triangle[keep], mockup.part_names, mockup.path)
        return _sub_scene(sub, self)

    def sub_scene(self, footprint: tuple[float, float, float, float],
                  periodic: bool) -> tuple[Scene | None, int]:
        """The sub-scene of the triangles meeting ``footprint`` (see ``select``; None when
        there are none) and its triangle count."""
        keep = self.select(footprint, periodic)
        return (self.scene(keep) if len(keep) else None), len(keep)


def _sub_scene(sub: Mockup, source) -> Scene:
    """A tile's sub-mock-up bound to the source's element table, ready to trace."""
    tri = sub.triangles.astype(np.float64)
    normals = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    normals /= np.linalg.norm(normals, axis=1)[:, None]
    bvh = build_bvh(sub.triangles)
    triangle_medium, media = _turbid_media(sub, source.elements, source.part_element, tri,
                                           normals, bvh)
    return Scene(sub, source.elements, source.part_element[sub.part_of_triangle], normals,
                 source.var_r, source.var_t, bvh, triangle_medium, media)


class FolderSource:
    """A tiled mock-up folder (one OBJ per piece of the scene, any piece sizes) read per
    tile: a tile loads only the pieces whose boxes meet its grown footprint, so memory
    holds a few pieces, never the whole scene.

    Opening takes every piece's box and part names from the folder's box index
    (``scene.folder_index``: written on the first opening, which parses every piece once;
    later ones parse only pieces that are new or changed), and matches the element table
    once against the union of the part names. Pieces read for tiles are kept in a
    least-recently-used cache of up to CACHE_TRIANGLES triangles (per process:
    enough for the rows of pieces that rows of tiles and their periodic copies need, so a
    piece is seldom parsed twice; its size does not grow with the scene's). A turbid part is taken
    whole within the loaded pieces: a turbid volume must lie in one piece. Triangles are
    shifted to one local origin for the whole folder (the floor of the first piece's lowest
    corner), so a tile's sub-scene is the one an in-memory mock-up of the same files in
    that frame gives (up to the order of its triangles)."""

    CACHE_TRIANGLES = 4_000_000  # about 150 MB of float32 vertices and part indices

    def __init__(self, folder: str | os.PathLike, elements: ElementTable):
        import threading

        from .scene.mockup import MockupError

        self.folder = str(folder)
        paths = sorted(Path(folder).glob("*.obj"))
        if not paths:
            raise MockupError(f"mock-up folder {folder} holds no .obj file")
        self._cache: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._lock = threading.Lock()
        self.pieces, self.index_status = piece_boxes(folder, paths)
        self.part_index: dict[str, int] = {}
        for piece in self.pieces:
            for name in piece.part_names:
                self.part_index.setdefault(name, len(self.part_index))
        origin = np.floor(self.pieces[0].low)
        names = list(self.part_index)
        low = np.min([piece.low for piece in self.pieces], axis=0)
        high = np.max([piece.high for piece in self.pieces], axis=0)
        self.elements = elements
        self.part_element = elements.assign_parts(names)
        self.var_r, self.var_t = element_variables(elements)
        self.turbid_part = np.array([elements.elements[e].turbid for e in self.part_element],
                                    bool)
        # the folder's frame: origin, parts and corners (two corner "triangles", never traced)
        corners = np.array([[low, high, high], [high, low, low]]) - origin
        self.mockup = Mockup(corners.astype(np.float32), origin, np.zeros(2, np.int32), names,
                             self.folder)
        self.local_low, self.local_high = low - origin, high - origin

    def _local(self, triangles, part, part_names, path, origin):
        """A piece's world triangles -> (float32 local triangles, folder part indices)."""
        from .scene.mockup import mockup_from_triangles

        to_folder = np.array([self.part_index[name] for name in part_names], np.int32)
        loaded = mockup_from_triangles(triangles, to_folder[part], list(self.part_index), path,
                                       origin=origin)
        return loaded.triangles, loaded.part_of_triangle

    def _keep(self, index: int, value: tuple[np.ndarray, np.ndarray]) -> None:
        with self._lock:
            self._cache[index] = value
            held = sum(len(part) for _, part in self._cache.values())
            while held > self.CACHE_TRIANGLES and len(self._cache) > 1:
                held -= len(self._cache.pop(next(iter(self._cache)))[1])

    def __getstate__(self):  # workers start with an empty cache and their own lock
        state = dict(self.__dict__)
        state.pop("_cache")
        state.pop("_lock")
        return state

    def __setstate__(self, state):
        import threading

        self.__dict__.update(state)
        self._cache, self._lock = {}, threading.Lock()

    bounds = TileSource.bounds
    tallest = TileSource.tallest

    def _piece(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """Piece ``index`` as (float32 (n, 3, 3) triangles in the folder's local frame,
        int32 part indices into the folder's part names)."""
        from .scene.mockup import read_obj

        with self._lock:
            if index in self._cache:
                self._cache[index] = self._cache.pop(index)  # most recently used last
                return self._cache[index]
        piece = self.pieces[index]
        triangles, part, part_names = read_obj(piece.path)
        value = self._local(triangles, part, part_names, piece.path, self.mockup.origin)
        self._keep(index, value)
        return value

    def sub_scene(self, footprint: tuple[float, float, float, float],
                  periodic: bool) -> tuple[Scene | None, int]:
        """The sub-scene of the triangles whose x/y bounding boxes meet the world
        ``footprint`` (and, with ``periodic``, its copies one period away), read from the
        pieces it meets; None when there are none."""
        sx, sy = (self.local_high - self.local_low)[:2]
        shifts = [(i * sx, j * sy) for i in (-1, 0, 1) for j in (-1, 0, 1)] if periodic \
            else [(0.0, 0.0)]
        windows = [(footprint[0] + dx, footprint[1] + dy, footprint[2] + dx,
                    footprint[3] + dy) for dx, dy in shifts]
        wanted = [i for i, piece in enumerate(self.pieces)
                  if any(piece.high[0] >= x0 and piece.low[0] <= x1 and piece.high[1] >= y0
                         and piece.low[1] <= y1 for x0, y0, x1, y1 in windows)]
        if not wanted:
            return None, 0
        loaded = [self._piece(i) for i in wanted]
        triangles = np.concatenate([t for t, _ in loaded])
        part = np.concatenate([q for _, q in loaded])
        low, high = triangles[:, :, :2].min(axis=1), triangles[:, :, :2].max(axis=1)
        origin = self.mockup.origin
        keep = np.zeros(len(triangles), bool)
        for x0, y0, x1, y1 in windows:
            keep |= ((high[:, 0] >= x0 - origin[0]) & (low[:, 0] <= x1 - origin[0])
                     & (high[:, 1] >= y0 - origin[1]) & (low[:, 1] <= y1 - origin[1]))
        whole = np.zeros(len(self.part_element), bool)
        whole[np.unique(part[keep])] = True
        whole &= self.turbid_part
        if whole.any():
            keep |= whole[part]
        if not keep.any():
            return None, 0
        sub = Mockup(np.ascontiguousarray(triangles[keep]), origin, part[keep],
                     self.mockup.part_names, self.folder)
        return _sub_scene(sub, self), int(keep.sum())


def tile_source(mockup: Mockup | str | os.PathLike | TileSource | FolderSource,
                elements: ElementTable) -> TileSource | FolderSource:
    """The tiles' source: an in-memory mock-up, or a tiled mock-up folder read per tile (a
    source already built is returned as is: runs that trace many times build it once)."""
    if isinstance(mockup, (TileSource, FolderSource)):
        return mockup
    if isinstance(mockup, Mockup):
        return TileSource.build(mockup, elements)
    return FolderSource(mockup, elements)


@dataclass
class TileBlock:
    """One tile's products (float32 blocks, NaN beyond the mock-up)."""

    tile: Tile
    reflectance: np.ndarray  # (bands, rows, cols) BRF
    stderr: np.ndarray  # (bands, rows, cols)
    fractions: np.ndarray  # (elements, rows, cols)
    triangles: int  # triangles in the tile's sub-scene
    seconds: float
    wrong_paths: int


@dataclass(frozen=True)
class TileJob:
    """What every tile shares: the trace settings and the halo."""

    grid: PixelGrid
    geometry: Geometry
    bands: tuple[str, ...]
    skyl: np.ndarray
    samples: int
    seed: int
    periodic: bool
    batches: int
    halo: float  # metres
    reference_height: float | np.ndarray | None = None
    max_memory: float | None = None


def _trace_window(source: TileSource, job: TileJob, tile: Tile,
                  is_canceled: Callable[[], bool] | None):
    """The tile's trace over its sub-scene -> (Trace or None when no pixel of the tile lies
    over the mock-up, triangles in the sub-scene)."""
    grid = job.grid
    x0 = grid.x_min + tile.col0 * grid.pixel_width - job.halo
    x1 = grid.x_min + (tile.col0 + tile.cols) * grid.pixel_width + job.halo
    y1 = grid.y_max - tile.row0 * grid.pixel_height + job.halo
    y0 = grid.y_max - (tile.row0 + tile.rows) * grid.pixel_height - job.halo
    window = TraceWindow(tile.row0, tile.col0, tile.rows, tile.cols, source.bounds)
    covered = grid_coverage(_Stub(source.mockup), window.grid(grid), source.bounds)
    if not covered.any():
        return None, 0
    scene, triangles = source.sub_scene((x0, y0, x1, y1), job.periodic)
    if scene is None:
        return None, 0
    return trace(scene, grid, job.geometry, samples=job.samples, seed=job.seed,
                 periodic=job.periodic, batches=job.batches,
                 reference_height=job.reference_height, max_memory=job.max_memory,
                 is_canceled=is_canceled, window=window), triangles


def trace_tile(source: TileSource, job: TileJob, tile: Tile,
               is_canceled: Callable[[], bool] | None = None) -> TileBlock:
    """Trace one tile over its sub-scene -> its block (NaN where no pixel of it lies over
    the mock-up)."""
    start = time.perf_counter()
    result, triangles = _trace_window(source, job, tile, is_canceled)
    shape = (tile.rows, tile.cols)
    if result is None:
        n_elements = len(source.elements.elements)
        return TileBlock(tile, np.full((len(job.bands),) + shape, np.nan, np.float32),
                         np.full((len(job.bands),) + shape, np.nan, np.float32),
                         np.full((n_elements,) + shape, np.nan, np.float32), triangles, 0.0, 0)
    image, error = result.reflectance(result.scene.variables_from_table(list(job.bands)),
                                      job.skyl)
    fractions = result.fractions.copy()
    fractions[:, ~result.covered] = np.nan
    return TileBlock(tile, image.astype(np.float32), error.astype(np.float32),
                     fractions.astype(np.float32), triangles,
                     time.perf_counter() - start, int(sum(result.path_counts.values())))


@dataclass
class TileTrace:
    """One tile's trace, kept for work that evaluates it again (unmixing): its polynomials
    (None: no pixel of the tile over the mock-up) and fractions on the tile's grid."""

    tile: Tile
    polynomials: PixelPolynomials | None
    fractions: np.ndarray  # (elements, rows, cols)
    sunlit_fractions: np.ndarray
    empty_fraction: np.ndarray  # (rows, cols)
    covered: np.ndarray  # bool (rows, cols)
    path_counts: dict[str, int]
    records_per_pixel: float  # the tile's pilot estimate
    triangles: int
    seconds: float


def trace_tile_polynomials(source: TileSource, job: TileJob, tile: Tile,
                           is_canceled: Callable[[], bool] | None = None) -> TileTrace:
    """Trace one tile over its sub-scene -> its polynomials and fractions."""
    start = time.perf_counter()
    result, triangles = _trace_window(source, job, tile, is_canceled)
    shape = (tile.rows, tile.cols)
    n_elements = len(source.elements.elements)
    if result is None:
        return TileTrace(tile, None, np.zeros((n_elements,) + shape),
                         np.zeros((n_elements,) + shape), np.zeros(shape), np.zeros(shape, bool),
                         {"lost": 0, "dropped": 0, "clamped": 0}, 0.0, triangles, 0.0)
    return TileTrace(tile, result.polynomials, result.fractions, result.sunlit_fractions,
                     result.empty_fraction, result.covered, result.path_counts,
                     result.memory.records_per_pixel, triangles, time.perf_counter() - start)


def stitch_traces(parts: Sequence[TileTrace], source: TileSource, grid: PixelGrid,
                  geometry: Geometry, samples: int, seed: int, batches: int) -> Trace:
    """The tiles' traces as one Trace of the whole grid: the union of their monomials,
    every tile's coefficient rows moved to its pixels' rows. Its scene carries the element
    table and variables, not the geometry (no BVH: it is for evaluation, not tracing)."""
    import scipy.sparse as sp

    n_elements = len(source.elements.elements)
    n_variables = int(max(source.var_r.max(), source.var_t.max()) + 1)
    traced = [part for part in parts if part.polynomials is not None]
    exponents = np.concatenate([part.polynomials.exponents for part in traced]
                               + [np.zeros((0, n_variables), np.uint8)])
    union, inverse = np.unique(exponents, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    n_monomials = len(union)
    shape = (grid.rows, grid.cols)
    fractions = np.zeros((n_elements,) + shape)
    sunlit = np.zeros((n_elements,) + shape)
    empty = np.zeros(shape)
    covered = np.zeros(shape, bool)
    counts = {"lost": 0, "dropped": 0, "clamped": 0}
    rows, columns, values = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)], [np.zeros(0)]
    offset, records = 0, []
    for part in parts:
        tile = part.tile
        block = (slice(tile.row0, tile.row0 + tile.rows), slice(tile.col0, tile.col0 + tile.cols))
        fractions[(slice(None),) + block] = part.fractions
        sunlit[(slice(None),) + block] = part.sunlit_fractions
        empty[block] = part.empty_fraction
        covered[block] = part.covered
        for kind in counts:
            counts[kind] += part.path_counts[kind]
        if part.polynomials is None:
            continue
        own = part.polynomials.n_monomials
        remap = inverse[offset:offset + own]
        offset += own
        records.append((part.records_per_pixel, int(part.covered.sum())))
        coo = part.polynomials.coefficients.tocoo()
        pixel, batch = np.divmod(coo.row.astype(np.int64), batches)
        row, col = np.divmod(pixel, tile.cols)
        rows.append(((tile.row0 + row) * grid.cols + tile.col0 + col) * batches + batch)
        sky = coo.col >= own
        columns.append(remap[np.where(sky, coo.col - own, coo.col)]
                       + np.where(sky, n_monomials, 0))
        values.append(coo.data)
    coefficients = sp.csr_matrix(
        (np.concatenate(values), (np.concatenate(rows), np.concatenate(columns))),
        shape=(grid.rows * grid.cols * batches, 2 * n_monomials))
    coefficients.indices = coefficients.indices.astype(np.int32)
    mockup = source.mockup
    scene = Scene(mockup, source.elements, source.part_element[mockup.part_of_triangle],
                  np.zeros((0, 3)), source.var_r, source.var_t, None)
    pixels = int(covered.sum())
    per_pixel = sum(r * n for r, n in records) / max(pixels, 1)
    return Trace(scene, grid, geometry,
                 PixelPolynomials(coefficients, union.astype(np.uint8), grid.rows, grid.cols,
                                  batches),
                 fractions, sunlit, empty, samples, seed, covered=covered, path_counts=counts,
                 traced_paths=pixels * samples,
                 memory=MemoryEstimate(per_pixel, pixels, 0.0))


@dataclass
class _Stub:
    """The one attribute of a Scene that ``grid_coverage`` and ``check_overlap`` read."""

    mockup: Mockup


# -------------------------------------------------------------------------- automatic size

#: TILE_SIZE 0 (the default) tiles a trace only where the untiled one would be refused: its
#: estimated peak (``simulate.estimate_memory``, the pilot ``trace`` runs before tracing)
#: above the memory limit (MAX_MEMORY, default half the machine's memory). Every trace that
#: runs untiled today keeps that path, and one that could not run gets tiles sized to fit.
#: Share of the memory left (limit minus what is held) that the tiles traced at once may
#: use: a tile's coefficients per pixel can be twice the pilot's mean over the whole grid
#: (a tile of canopy in a city of streets)
AUTO_TILE_SHARE = 0.5
#: smallest automatic tile side (pixels): below it the halos cost more than the tiles
MIN_AUTO_TILE = 32
#: bytes per coefficient held while the whole grid's trace is stitched from its tiles (the
#: tiles' polynomials, their coordinate copies and the joined matrix): measured with
#: tracemalloc at 88 and 85 on the towers scene of tests/core/test_tiling.py (5-pixel
#: tiles, 16 and 64 samples, 16 batches)
STITCH_BYTES = 90.0


@dataclass(frozen=True)
class TileChoice:
    """What the automatic rule chose for one trace, and the figures it rests on."""

    tile_size: int  # pixels; 0: untiled
    untiled_peak: float  # bytes the untiled trace would peak at (estimate, held included)
    limit: float  # bytes
    tile_peak: float  # bytes per tile at that size (estimate); 0 when untiled

    def describe(self, what: str = "the trace") -> str:
        """One log line (English, as core's other log lines)."""
        mb = 2**20
        if self.tile_size > 0:
            return (f"TILE_SIZE 0 (automatic): {what} would peak at about "
                    f"{self.untiled_peak / mb:,.0f} MB untiled, above the memory limit of "
                    f"{self.limit / mb:,.0f} MB: traced in tiles of {self.tile_size} pixels "
                    f"(about {self.tile_peak / mb:,.0f} MB each)")
        return (f"TILE_SIZE 0 (automatic): {what} untiled, about "
                f"{self.untiled_peak / mb:,.1f} MB of the memory limit of "
                f"{self.limit / mb:,.0f} MB")




def tile_peak_bytes(memory: MemoryEstimate, side: int) -> float:
    """Estimated peak of one tile's trace of ``side`` x ``side`` pixels: its records while
    the polynomials are built and its chunk buffers, from the untiled estimate ``memory``."""
    pixels = side * side
    chunk_per_pixel = memory.chunk_bytes / max(1, min(TRACE_CHUNK_PIXELS, memory.pixels))
    return (pixels * memory.records_per_pixel * BUILD_BYTES
            + min(pixels, TRACE_CHUNK_PIXELS) * chunk_per_pixel)


def automatic_tile_size(memory: MemoryEstimate, limit: float, held_bytes: float = 0.0,
                        stitched: bool = False, workers: int = 1) -> TileChoice:
    """The rule of TILE_SIZE 0 (see AUTO_TILE_SHARE) for a trace whose untiled estimate is
    ``memory``: untiled when its peak plus ``held_bytes`` (what the run already holds) fits
    ``limit`` bytes; otherwise the largest tile side, a multiple of 16 pixels, whose
    ``workers`` tiles at once (``tile_peak_bytes`` each) fit AUTO_TILE_SHARE of what is
    left, after the stitched trace of the whole grid when ``stitched`` (unmix and retrieve
    evaluate it whole). Untiled again where even MIN_AUTO_TILE would not fit: the trace
    then refuses the run with its memory message."""
    untiled = memory.peak_bytes + held_bytes
    if untiled <= limit:
        return TileChoice(UNTILED, untiled, limit, 0.0)
    room = limit - held_bytes
    if stitched:
        room -= memory.records_per_pixel * memory.pixels * STITCH_BYTES
    budget = AUTO_TILE_SHARE * room / max(1, workers)
    if tile_peak_bytes(memory, MIN_AUTO_TILE) > budget:
        return TileChoice(UNTILED, untiled, limit, 0.0)
    side = MIN_AUTO_TILE
    while side * side < memory.pixels and tile_peak_bytes(memory, side + 16) <= budget:
        side += 16
    return TileChoice(side, untiled, limit, tile_peak_bytes(memory, side))


def scheduler_workers(scheduler: str | None) -> int:
    """Tiles traced at once in this machine's memory: one per core for local threads or
    processes, one for "synchronous" and for a cluster (its workers have their own)."""
    value = check_scheduler(scheduler)
    if value in ("", "threads", "processes"):
        return os.cpu_count() or 1
    return 1


def choose_tile_size(
    scene: Scene,
    grid: PixelGrid,
    geometry: Geometry,
    samples: int = 64,
    seed: int = 1,
    periodic: bool = True,
    batches: int = 4,
    reference_height: float | np.ndarray | None = None,
    max_memory: float | None = None,
    stitched: bool = False,
    held_bytes: float = 0.0,
    scheduler: str | None = None,
) -> TileChoice:
    """``automatic_tile_size`` for ``trace`` with these settings (its pilot on the whole
    scene's BVH: PILOT_PIXELS pixels, nothing else traced). ``max_memory``: bytes, default
    half the machine's memory, as ``trace``."""
    memory = estimate_memory(scene, grid, geometry, samples=samples, seed=seed,
                             periodic=periodic, batches=batches,
                             reference_height=reference_height)
    limit = default_memory_limit() if max_memory is None else max_memory
    return automatic_tile_size(memory, limit, held_bytes, stitched,
                               scheduler_workers(scheduler))


# ---------------------------------------------------------------------------------- engine

LOCAL = ("", "threads", "processes", "synchronous")


def check_scheduler(scheduler: str | None) -> str:
    """The SCHEDULER value normalised, or a clear error."""
    value = (scheduler or "").strip()
    if value.lower() in LOCAL:
        return value.lower()
    if "://" in value or value.count(":") == 1:
        return value
    raise ValueError(f"SCHEDULER '{scheduler}': give nothing (local threads), 'processes', "
                     f"or a dask.distributed scheduler address such as tcp://host:8786")


#: run in each worker process so that it can import this plugin as ``unmix3d``
WORKER_BOOTSTRAP = str(Path(__file__).resolve().parent / "worker_import.py")


def _bootstrap_arguments() -> tuple[str, dict]:
    """``exec`` arguments that run WORKER_BOOTSTRAP (exec returns None, which pickles)."""
    return (Path(WORKER_BOOTSTRAP).read_text(encoding="utf-8"),
            {"__file__": WORKER_BOOTSTRAP, "__name__": "unmix3d_worker_import"})


def run_tiles(
    source: TileSource,
    job: TileJob,
    tiles: Sequence[Tile],
    on_block: Callable[[TileBlock], None],
    scheduler: str | None = None,
    progress: Callable[[float], None] | None = None,
    is_canceled: Callable[[], bool] | None = None,
    task: Callable = trace_tile,
    task_inputs: Callable[[Tile], tuple] | None = None,
) -> None:
    """Trace ``tiles`` as Dask tasks (``task``: trace_tile, trace_tile_polynomials or
    unmix.tiled.unmix_tile, called as ``task(source, job, tile, is_canceled,
    *task_inputs(tile))``), handing each finished block to ``on_block`` (in this thread).
    Progress counts finished tiles; a cancel stops the graph and raises Canceled."""
    import dask

    scheduler = check_scheduler(scheduler)
    local = scheduler in LOCAL
    shared = dask.delayed(source, pure=True, traverse=False)
    settings = dask.delayed(job, pure=True, traverse=False)
    # the cancel test travels with the task only where it shares this process's memory
    cancel_in_task = is_canceled if scheduler in ("", "threads", "synchronous") else None
    # local workers share this machine's cores: each tile's Numba kernels run on cores /
    # workers threads, its BLAS calls (small solves) on one (OpenBLAS's threads of every
    # core per call, spinning, made 2 workers unmix 1 km2 in 25 s against 13 s for 1; one
    # BLAS thread: 8.6 s and 11.1 s)
    threads = kernel_threads(local_workers(scheduler)) if local else 0
    tasks = [dask.delayed(_tile_task, pure=True)(
        task, threads, scheduler == "processes", shared, settings, tile, cancel_in_task,
        *(task_inputs(tile) if task_inputs is not None else ()), dask_key_name=tile.key)
        for tile in tiles]
    total = len(tasks)
    if local:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="blas"):  # restored after the run
            _run_local(tasks, {tile.key for tile in tiles}, scheduler or "threads", total,
                       on_block, progress, is_canceled)
    else:
        _run_distributed(tasks, scheduler, total, on_block, progress, is_canceled)


def local_workers(scheduler: str) -> int:
    """How many tiles a local scheduler runs at once: dask's ``num_workers`` (default its
    CPU count) for threads, the process pool's size (the CPU count) for processes."""
    import dask
    from dask.system import CPU_COUNT

    if scheduler == "synchronous":
        return 1
    if scheduler == "processes":
        return os.cpu_count() or 1
    return int(dask.config.get("num_workers", None) or CPU_COUNT)


def kernel_threads(workers: int) -> int:
    """Numba threads for each of ``workers`` tiles run at once on this machine's cores."""
    import numba

    return max(1, numba.config.NUMBA_NUM_THREADS // max(1, workers))


def _tile_task(task: Callable, threads: int, own_process: bool, *arguments):
    """``task(*arguments)`` with its Numba kernels on ``threads`` threads (0: unchanged).
    Numba's thread count is per calling thread, so each worker thread sets its own; BLAS's
    (one thread) is per process, set by ``run_tiles`` for threads and here in a worker
    process."""
    if threads:
        import numba

        numba.set_num_threads(threads)
        if own_process:
            from threadpoolctl import threadpool_limits

            threadpool_limits(limits=1, user_api="blas")
    return task(*arguments)


def _run_local(tasks, keys, scheduler, total, on_block, progress, is_canceled):
    import dask
    from dask.callbacks import Callback

    class TileCallback(Callback):
        def __init__(self):
            super().__init__()
            self.done = 0

        def _pretask(self, key, dsk, state):
            if is_canceled is not None and is_canceled():
                raise Canceled()

        def _posttask(self, key, result, dsk, state, worker_id):
            if key in keys:  # a tile's task (not the shared source or job)
                on_block(result)
                # written: drop the scheduler's copy, which dask.compute would otherwise
                # hold until the last tile (memory growing with the city's tiles)
                state["cache"][key] = None
                self.done += 1
                if progress is not None:
                    progress(self.done / total)
            if is_canceled is not None and is_canceled():
                raise Canceled()

    options = {}
    pool = None
    if scheduler == "processes":
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("spawn")
        context.set_executable(_python_executable())
        pool = ProcessPoolExecutor(mp_context=context, initializer=exec,
                                   initargs=_bootstrap_arguments())
        options["pool"] = pool
    try:
        with TileCallback():
            dask.compute(*tasks, scheduler=scheduler, **options)
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _python_executable() -> str:
    """The interpreter worker processes start: the one of this Python's version in its
    prefix. Inside QGIS ``sys.executable`` is not the embedded Python (under qgis_process it
    was another interpreter found on PATH, whose children failed to import numpy)."""
    import sys

    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for folder in (sys.exec_prefix, sys.base_exec_prefix):
        candidate = os.path.join(folder, "bin", version)
        if os.path.exists(candidate):
            return candidate
    return sys.executable


def _run_distributed(tasks, address, total, on_block, progress, is_canceled):
    from distributed import Client, as_completed

    try:
        client = Client(address, set_as_default=False, timeout="20s")
    except (OSError, TimeoutError) as error:
        raise ValueError(f"SCHEDULER {address}: no dask.distributed scheduler answers "
                         f"there ({error})") from None
    try:
        client.run(exec, *_bootstrap_arguments())
        futures = client.compute(tasks)
        done = 0
        for future in as_completed(futures, loop=client.loop):
            if is_canceled is not None and is_canceled():
                client.cancel(futures)
                raise Canceled()
            block = future.result()
            on_block(block)
            done += 1
            if progress is not None:
                progress(done / total)
            future.release()
    finally:
        client.close()


# ---------------------------------------------------------------------------------- output

class StagedRaster:
    """A GeoTIFF written block by block into a temporary file beside ``path``, renamed into
    place by ``commit`` (``discard`` removes it): a cancel or a failure leaves nothing."""

    def __init__(self, path: str | os.PathLike, bands: int, grid: PixelGrid, crs_wkt: str,
                 band_names: Sequence[str]):
        from osgeo import gdal

        from .raster_io import NODATA

        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, self.temporary = tempfile.mkstemp(dir=self.path.parent,
                                                  prefix=f".{self.path.stem}.", suffix=".tif")
        os.close(handle)
        self.nodata = NODATA
        driver = gdal.GetDriverByName("GTiff")
        self.dataset = driver.Create(self.temporary, grid.cols, grid.rows, bands,
                                     gdal.GDT_Float32,
                                     options=["COMPRESS=DEFLATE", "TILED=YES", "BIGTIFF=IF_SAFER"])
        self.dataset.SetGeoTransform(grid.geotransform)
        if crs_wkt:
            self.dataset.SetProjection(crs_wkt)
        for index in range(bands):
            band = self.dataset.GetRasterBand(index + 1)
            band.SetNoDataValue(self.nodata)
            band.Fill(self.nodata)
            if band_names:
                band.SetDescription(band_names[index])

    def write(self, block: np.ndarray, row0: int, col0: int) -> None:
        """Write (bands, rows, cols) at pixel (row0, col0); NaN becomes NoData."""
        for index in range(block.shape[0]):
            values = np.where(np.isfinite(block[index]), block[index], self.nodata)
            self.dataset.GetRasterBand(index + 1).WriteArray(values, col0, row0)

    def commit(self) -> str:
        self.dataset.FlushCache()
        self.dataset = None
        os.replace(self.temporary, self.path)
        return str(self.path)

    def discard(self) -> None:
        self.dataset = None
        if os.path.exists(self.temporary):
            os.remove(self.temporary)


@dataclass
class TiledRun:
    """What a tiled simulation did."""

    outputs: dict[str, str]  # "reflectance", "fractions", "stderr" -> written path
    tiles: int
    halo: float  # metres
    seconds: float
    triangles_per_tile: float  # mean
    wrong_paths: int


def simulate_tiled(
    mockup: Mockup | str | os.PathLike,
    elements: ElementTable,
    grid: PixelGrid,
    geometry: Geometry,
    bands: Sequence[str],
    skyl: np.ndarray,
    outputs: dict[str, str],
    crs_wkt: str = "",
    tile_size: int = 64,
    samples: int = 64,
    seed: int = 1,
    periodic: bool = True,
    batches: int | None = None,
    reference_height: float | np.ndarray | None = None,
    max_memory: float | None = None,
    margin: float | None = None,
    tallest: float | None = None,
    scheduler: str | None = None,
    progress: Callable[[float], None] | None = None,
    is_canceled: Callable[[], bool] | None = None,
) -> TiledRun:
    """Simulate the table's OPs tile by tile and write GeoTIFFs: ``outputs`` maps
    "reflectance" (required), "fractions" and "stderr" to paths. Per-pixel random streams
    as in the untiled ``forward.simulate_products``; nothing is written on a cancel or an
    error. ``mockup``: in memory, or a tiled mock-up folder read per tile (FolderSource).
    ``margin``: metres of multiple-scattering halo (default MARGIN_HEIGHTS x tallest);
    ``tallest``: metres of the tallest object (default: the mock-up's height range)."""
    start = time.perf_counter()
    if "reflectance" not in outputs:
        raise ValueError("simulate_tiled needs an output path for the reflectance image")
    elements.require_bands(list(bands))
    source = tile_source(mockup, elements)
    check_overlap(_Stub(source.mockup), grid)
    skyl = np.broadcast_to(np.asarray(skyl, np.float64), (len(bands),)).copy()
    job = TileJob(grid, geometry, tuple(bands), skyl, samples, seed, periodic,
                  batches_for(samples) if batches is None else batches,
                  halo_metres(source.tallest if tallest is None else tallest, geometry, margin),
                  reference_height, max_memory)
    tiles = split_grid(grid, tile_size)
    names = {"reflectance": list(bands), "stderr": list(bands), "fractions": elements.names}
    staged: dict[str, StagedRaster] = {}
    triangles, wrong = [], [0]
    try:
        for kind, path in outputs.items():
            if path:
                staged[kind] = StagedRaster(path, len(names[kind]), grid, crs_wkt, names[kind])

        def write(block: TileBlock) -> None:
            arrays = {"reflectance": block.reflectance, "stderr": block.stderr,
                      "fractions": block.fractions}
            for kind, raster in staged.items():
                raster.write(arrays[kind], block.tile.row0, block.tile.col0)
            triangles.append(block.triangles)
            wrong[0] += block.wrong_paths

        run_tiles(source, job, tiles, write, scheduler, progress, is_canceled)
        written = {kind: raster.commit() for kind, raster in staged.items()}
    except BaseException:
        for raster in staged.values():
            raster.discard()
        raise
    return TiledRun(written, len(tiles), job.halo, time.perf_counter() - start,
                    float(np.mean(triangles)) if triangles else 0.0, wrong[0])


def trace_tiled(
    mockup: Mockup | str | os.PathLike,
    elements: ElementTable,
    grid: PixelGrid,
    geometry: Geometry,
    tile_size: int = 64,
    samples: int = 64,
    seed: int = 1,
    periodic: bool = True,
    batches: int = 4,
    reference_height: float | np.ndarray | None = None,
    max_memory: float | None = None,
    margin: float | None = None,
    tallest: float | None = None,
    scheduler: str | None = None,
    progress: Callable[[float], None] | None = None,
    is_canceled: Callable[[], bool] | None = None,
) -> Trace:
    """``simulate.trace`` of the whole grid, tile by tile as Dask tasks (each tile over its
    sub-scene, its halo as in ``simulate_tiled``), stitched into one Trace for unmixing.

    Only geometry is tiled: the stitched polynomials of the whole grid are held in this
    process (``Trace.polynomials.nbytes``), as the untiled trace holds them; ``max_memory``
    applies to each tile. With a halo holding every triangle the paths meet it is the
    untiled trace, path for path (its monomials in another column order). ``mockup``: in
    memory, or a tiled mock-up folder read per tile (FolderSource)."""
    source = tile_source(mockup, elements)
    check_overlap(_Stub(source.mockup), grid)
    batches = max(1, min(batches, samples, MAX_BATCHES))
    job = TileJob(grid, geometry, (), np.zeros(0), samples, seed, periodic, batches,
                  halo_metres(source.tallest if tallest is None else tallest, geometry, margin),
                  reference_height, max_memory)
    parts: list[TileTrace] = []
    start = time.perf_counter()
    run_tiles(source, job, split_grid(grid, tile_size), parts.append, scheduler, progress,
              is_canceled, task=trace_tile_polynomials)
    if not any(part.covered.any() for part in parts):
        raise ValueError("no pixel lies wholly over the mock-up: the image grid spans x "
                         f"{grid.extent[0]:.1f} to {grid.extent[2]:.1f}, y {grid.extent[1]:.1f} "
                         f"to {grid.extent[3]:.1f}")
    stitched = stitch_traces(parts, source, grid, geometry, samples, seed, batches)
    stitched.seconds = time.perf_counter() - start
    return stitched
