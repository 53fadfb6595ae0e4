"""US-DART tile by tile: each tile unmixed on its own, grown by a pixel halo, so that neither
the trace nor the unmixing's arrays of the whole image are ever held (``run.run_unmix``
with ``tile_size`` tiles the trace only and unmixes the joined trace whole).

A tile's block is the tile grown by ``pixel_halo`` pixels (default: half the window, so
that every window centred in the tile lies in the block); it is traced over its sub-scene
with the geometric halo of ``tiling``, then unmixed as an image of its own, and only the
tile's pixels are kept. What the method couples over longer distances is decided per
block: the pure pixels and their thresholds (a mixed pixel starts from the nearest pure
pixel within its block), the scene-wide OP of minor elements, the convergence test. Each
gradient iteration widens a pixel's dependence by half a window, so a half-window halo is
not exact. Measured on the towers scene of tests/core/test_tiling.py (20 m tiles, 5 x 5
windows, 3 iterations, default geometric halo), the RMS difference to the untiled OP maps,
in units of the difference between two untiled runs with other random numbers (the Monte
Carlo noise), per element and band, and the seam excess (edge pixels over inner ones, in
standard errors): pixel halo 0: 0.23-0.94, seam 2.3; 2 (half the window, the default):
0.13-0.60, seam 0.5; 4: 0.13-0.39, seam 0.2; with no geometric halo: 0.34-1.37, seam 5.1.

An element absent from a block (no visible fraction in it) and without an initial OP in
the element table starts there from the block image's median (band by band): it can only
reach the block through scattered light, and its map is NoData there anyway.
"""

from __future__ import annotations

import copy
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..image_blocks import ReflectanceBlocks
from ..scene.elements import ElementTable
from ..scene.mockup import Mockup
from ..simulate import Geometry, PixelGrid, Scene, Trace, batches_for, check_overlap
from ..tiling import (
    StagedRaster,
    Tile,
    TileJob,
    _Stub,
    halo_metres,
    run_tiles,
    split_grid,
    tile_source,
    trace_tile_polynomials,
)
from .pipeline import UnmixParameters, unmix


@dataclass
class TileUnmix:
    """One tile's OP maps (NaN where NoData), their standard errors and simulated image."""

    tile: Tile
    op: np.ndarray  # float32 (bands, elements, rows, cols)
    op_std: np.ndarray  # float32 (bands, elements, rows, cols)
    simulated: np.ndarray  # float32 (bands, rows, cols)
    seconds: float


@dataclass(frozen=True)
class UnmixJob:
    """What every tile's unmixing shares."""

    bands: tuple[str, ...]
    skyl: np.ndarray
    parameters: UnmixParameters
    pixel_halo: int


def block_window(grid: PixelGrid, tile: Tile, halo: int) -> tuple[slice, slice]:
    """Rows and columns of ``tile`` grown by ``halo`` pixels, within the grid."""
    return (slice(max(0, tile.row0 - halo), min(grid.rows, tile.row0 + tile.rows + halo)),
            slice(max(0, tile.col0 - halo), min(grid.cols, tile.col0 + tile.cols + halo)))


def unmix_tile(source, job: TileJob, tile: Tile, is_canceled,
               image: np.ndarray | ReflectanceBlocks, valid: np.ndarray | None,
               settings: UnmixJob) -> TileUnmix:
    """Trace the tile's block, unmix it, keep the tile's pixels. ``image`` and ``valid``
    are the block's, or ``image`` is the whole image on disk (``valid`` None), read here:
    a task holds its own block only."""
    start = time.perf_counter()
    grid, halo = job.grid, settings.pixel_halo
    rows, cols = block_window(grid, tile, halo)
    if isinstance(image, ReflectanceBlocks):
        image, valid = image.read(rows, cols)
    r0, c0 = rows.start, cols.start
    block = Tile(tile.index, r0, c0, rows.stop - r0, cols.stop - c0)
    inner = (slice(tile.row0 - r0, tile.row0 - r0 + tile.rows),
             slice(tile.col0 - c0, tile.col0 - c0 + tile.cols))
    n_bands, n_elements = len(settings.bands), len(source.elements.elements)
    empty = np.full((n_bands, n_elements, tile.rows, tile.cols), np.nan, np.float32)
    part = trace_tile_polynomials(source, job, block, is_canceled)
    valid = valid & part.covered
    if part.polynomials is None or not valid[inner].any():
        return TileUnmix(tile, empty, empty.copy(), empty[:, 0].copy(), 0.0)
    elements = _block_elements(source.elements, part.fractions, valid, image,
                               settings.bands)
    scene = Scene(source.mockup, elements, np.zeros(0, np.int32), np.zeros((0, 3)),
                  source.var_r, source.var_t, None)
    block_grid = PixelGrid(grid.x_min + c0 * grid.pixel_width,
                           grid.y_max - r0 * grid.pixel_height, grid.pixel_width,
                           grid.pixel_height, block.rows, block.cols)
    traced = Trace(scene, block_grid, job.geometry, part.polynomials, part.fractions,
                   part.sunlit_fractions, part.empty_fraction, job.samples, job.seed,
                   covered=part.covered, path_counts=part.path_counts)
    result = unmix(traced, image, valid, list(settings.bands), settings.skyl,
                   settings.parameters, is_canceled=is_canceled)
    keep = result.op_valid[None]
    op = np.where(keep, result.op, np.nan)[(slice(None), slice(None)) + inner]
    op_std = np.where(keep, result.op_std, np.nan)[(slice(None), slice(None)) + inner]
    simulated = np.where(valid[None], result.simulated, np.nan)[(slice(None),) + inner]
    return TileUnmix(tile, op.astype(np.float32), op_std.astype(np.float32),
                     simulated.astype(np.float32), time.perf_counter() - start)


def _block_elements(elements: ElementTable, fractions: np.ndarray, valid: np.ndarray,
                    image: np.ndarray, bands: Sequence[str]) -> ElementTable:
    """The element table, with the block image's median as the initial OP of elements the
    block does not show and the table gives none (a copy: tiles run in threads)."""
    absent = [i for i in range(len(elements.elements))
              if not (np.where(valid, fractions[i], 0.0) > 0).any()]
    if not absent:
        return elements
    table = copy.deepcopy(elements)
    for i in absent:
        for b, band in enumerate(bands):
            table.elements[i].op.setdefault(band, float(np.median(image[b][valid])))
    return table


@dataclass
class TiledUnmix:
    """What a tile-by-tile unmixing wrote."""

    outputs: dict[str, str]  # "<element>", "<element>_std", "simulated" -> path
    tiles: int
    halo: float  # metres (geometry)
    pixel_halo: int
    seconds: float


def unmix_tiled(
    mockup: Mockup | str | os.PathLike,
    elements: ElementTable,
    grid: PixelGrid,
    geometry: Geometry,
    image: np.ndarray | ReflectanceBlocks,
    valid: np.ndarray | None,
    bands: Sequence[str],
    skyl,
    folder: str | os.PathLike,
    parameters: UnmixParameters | None = None,
    crs_wkt: str = "",
    tile_size: int = 64,
    pixel_halo: int | None = None,
    samples: int = 64,
    seed: int = 2,
    periodic: bool = True,
    reference_height: float | np.ndarray | None = None,
    max_memory: float | None = None,
    margin: float | None = None,
    tallest: float | None = None,
    scheduler: str | None = None,
    progress: Callable[[float], None] | None = None,
    is_canceled: Callable[[], bool] | None = None,
    image_name: str = "the image",
) -> TiledUnmix:
    """US-DART tile by tile (see the module's docstring), each tile a Dask task, its OP
    maps written into ``folder``'s ``<element>.tif`` and ``<element>_std.tif`` (one band
    per image band, NoData where the element is too small a fraction) and ``simulated.tif``
    as it finishes (staged, renamed in at the end; nothing written on a cancel or an error).
    ``pixel_halo``: pixels around each tile unmixed with it (default half the window).
    ``image`` is the (bands, rows, cols) reflectance with its per-pixel ``valid``, or a
    reader of the image on disk (``valid`` None) from which each task reads its block, so
    that memory does not grow with the image (with a cluster, the file must be visible to
    the workers at the same path). ``image_name`` names it in the overlap error."""
    start = time.perf_counter()
    parameters = parameters or UnmixParameters()
    if pixel_halo is None:
        pixel_halo = max(parameters.window) // 2
    if pixel_halo < 0:
        raise ValueError(f"the pixel halo must be >= 0 pixels, got {pixel_halo}")
    elements.check_rules(list(bands))
    source = tile_source(mockup, elements)
    check_overlap(_Stub(source.mockup), grid, image_name)
    skyl = np.broadcast_to(np.asarray(skyl, np.float64), (len(bands),)).copy()
    job = TileJob(grid, geometry, tuple(bands), skyl, samples, seed, periodic,
                  batches_for(samples),
                  halo_metres(source.tallest if tallest is None else tallest, geometry, margin),
                  reference_height, max_memory)
    settings = UnmixJob(tuple(bands), skyl, parameters, pixel_halo)
    tiles = split_grid(grid, tile_size)

    if isinstance(image, ReflectanceBlocks):
        if (image.rows, image.cols) != (grid.rows, grid.cols):
            raise ValueError(f"{image.path} is {image.rows} x {image.cols} pixels, the grid "
                             f"{grid.rows} x {grid.cols}")

    def block_inputs(tile: Tile) -> tuple:
        if isinstance(image, ReflectanceBlocks):
            return image, None, settings
        rows, cols = block_window(grid, tile, pixel_halo)
        return image[:, rows, cols].copy(), valid[rows, cols].copy(), settings

    names = elements.names
    staged: dict[str, StagedRaster] = {}
    try:
        for name in names:
            for key in (name, f"{name}_std"):
                staged[key] = StagedRaster(os.path.join(folder, f"{key}.tif"), len(bands),
                                           grid, crs_wkt, list(bands))
        staged["simulated"] = StagedRaster(os.path.join(folder, "simulated.tif"), len(bands),
                                           grid, crs_wkt, list(bands))

        def write(block: TileUnmix) -> None:
            row0, col0 = block.tile.row0, block.tile.col0
            for i, name in enumerate(names):
                staged[name].write(block.op[:, i], row0, col0)
                staged[f"{name}_std"].write(block.op_std[:, i], row0, col0)
            staged["simulated"].write(block.simulated, row0, col0)

        run_tiles(source, job, tiles, write, scheduler, progress, is_canceled,
                  task=unmix_tile, task_inputs=block_inputs)
        written = {key: raster.commit() for key, raster in staged.items()}
    except BaseException:
        for raster in staged.values():
            raster.discard()
        raise
    return TiledUnmix(written, len(tiles), job.halo, pixel_halo, time.perf_counter() - start)
