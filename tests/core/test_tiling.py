"""Tiled simulation (core.tiling): tiles with halos, on Dask, against the untiled trace."""

from __future__ import annotations

import numpy as np
import pytest
from scenes import X0, Y0, box_faces, mockup_from_parts, rectangle, table

from unmix3d.core.canceled import Canceled
from unmix3d.core.forward import simulate_products
from unmix3d.core.raster_io import read_raster
from unmix3d.core.simulate import Geometry, PixelGrid, prepare_scene
from unmix3d.core.tiling import (
    check_scheduler,
    halo_metres,
    run_tiles,
    simulate_tiled,
    split_grid,
    trace_tiled,
)

SIZE, PIXEL, TILE = 120.0, 4.0, 5  # 30 x 30 pixels, 36 tiles of 5 x 5 (20 m)
HEIGHT = 12.0  # the tallest tower
GEOMETRY = Geometry(sun_zenith=55.0, sun_azimuth=135.0, view_zenith=35.0, view_azimuth=250.0)
BANDS = ["B1", "B2"]
SKYL = np.array([0.2, 0.1])
SAMPLES = 16


def towers():
    """Towers of three heights every 20 m on a ground: long shadows, walls seen obliquely."""
    ground = rectangle(X0, Y0, X0 + SIZE, Y0 + SIZE, 0.0)
    roofs, walls = [], []
    for i, x in enumerate(np.arange(3.0, SIZE, 20.0)):
        for j, y in enumerate(np.arange(5.0, SIZE, 20.0)):
            roof, wall = box_faces(X0 + x, Y0 + y, X0 + x + 7, Y0 + y + 6, 0.0,
                                   HEIGHT * (1.0 - 0.25 * ((i + 2 * j) % 3)))
            roofs += roof
            walls += wall
    parts = {"ground": ground, "roof": roofs, "wall": walls}
    elements = table(("ground", "opaque", {"B1": 0.25, "B2": 0.35}, None),
                     ("roof", "opaque", {"B1": 0.15, "B2": 0.4}, None),
                     ("wall", "opaque", {"B1": 0.6, "B2": 0.5}, None))
    return mockup_from_parts(parts), elements


GRID = PixelGrid(X0, Y0 + SIZE, PIXEL, PIXEL, int(SIZE / PIXEL), int(SIZE / PIXEL))


@pytest.fixture(scope="module")
def untiled():
    mockup, elements = towers()
    return simulate_products(prepare_scene(mockup, elements), GRID, GEOMETRY, BANDS, SKYL,
                             samples=SAMPLES, seed=7)


def run_tiled(tmp_path, margin, scheduler=None, name="t", **options):
    mockup, elements = towers()
    outputs = {kind: str(tmp_path / f"{name}_{kind}.tif")
               for kind in ("reflectance", "stderr", "fractions")}
    run = simulate_tiled(mockup, elements, GRID, GEOMETRY, BANDS, SKYL, outputs,
                         tile_size=TILE, samples=SAMPLES, seed=7, margin=margin,
                         scheduler=scheduler, **options)
    return run, {kind: read_raster(path) for kind, path in run.outputs.items()}


def as_float32(array):
    return array.astype(np.float32).astype(np.float64)


def test_tiles_cover_the_grid_once():
    grid = PixelGrid(0.0, 10.0, 1.0, 1.0, 10, 7)
    hits = np.zeros((10, 7), int)
    for tile in split_grid(grid, 4):
        hits[tile.row0:tile.row0 + tile.rows, tile.col0:tile.col0 + tile.cols] += 1
    assert (hits == 1).all()
    assert len(split_grid(grid, 4)) == 3 * 2


def test_halo_is_height_times_tangent_of_the_larger_zenith_plus_margin():
    geometry = Geometry(30.0, 0.0, 60.0, 0.0)
    assert halo_metres(10.0, geometry, 5.0) == pytest.approx(10.0 * np.sqrt(3.0) + 5.0)


def test_scheduler_values_are_checked():
    assert check_scheduler(None) == ""
    assert check_scheduler(" Processes ") == "processes"
    assert check_scheduler("tcp://10.0.0.1:8786") == "tcp://10.0.0.1:8786"
    with pytest.raises(ValueError, match="SCHEDULER 'cluster please'"):
        check_scheduler("cluster please")


def test_halo_covering_everything_reproduces_the_untiled_trace_path_for_path(
        tmp_path, untiled):
    run, rasters = run_tiled(tmp_path, margin=10 * SIZE)
    assert run.tiles == 36
    # same per-pixel streams and all geometry in every tile: the same paths, the same sums
    np.testing.assert_array_equal(rasters["reflectance"].data, as_float32(untiled.reflectance))
    np.testing.assert_array_equal(rasters["stderr"].data, as_float32(untiled.stderr))
    np.testing.assert_array_equal(rasters["fractions"].data, as_float32(untiled.fractions))
    assert rasters["reflectance"].band_names == BANDS
    assert rasters["fractions"].band_names == ["ground", "roof", "wall"]


def noise_and_seams(tiled, untiled):
    """Largest |tile mean difference| / its standard error, the same for the whole image, and
    mean |difference| at tile-edge pixels minus inside tiles, over the edge mean's error."""
    difference = tiled - untiled.reflectance
    variance = untiled.stderr ** 2
    worst_tile = 0.0
    for tile in split_grid(GRID, TILE):
        block = (slice(None), slice(tile.row0, tile.row0 + tile.rows),
                 slice(tile.col0, tile.col0 + tile.cols))
        n = tile.rows * tile.cols
        z = difference[block].mean(axis=(1, 2)) / (np.sqrt(variance[block].sum(axis=(1, 2))) / n)
        worst_tile = max(worst_tile, float(np.abs(z).max()))
    n = GRID.rows * GRID.cols
    whole = np.abs(difference.mean(axis=(1, 2)) / (np.sqrt(variance.sum(axis=(1, 2))) / n)).max()
    edge = np.zeros(GRID.rows, bool)
    edge[::TILE] = edge[TILE - 1::TILE] = True
    at_edge = edge[:, None] | edge[None, :]
    excess = np.abs(difference)[:, at_edge].mean() - np.abs(difference)[:, ~at_edge].mean()
    seam = excess / (untiled.stderr[:, at_edge].mean() / np.sqrt(at_edge.sum()))
    return worst_tile, float(whole), float(seam)


def test_default_halo_agrees_within_the_noise_and_leaves_no_seams(tmp_path, untiled):
    run, rasters = run_tiled(tmp_path, margin=None)
    assert run.triangles_per_tile < 0.8 * (2 + 36 * 10)  # tiles take a part only
    # the paths that leave the halo are lost: a bias, but far below the Monte Carlo noise
    worst_tile, whole, seam = noise_and_seams(rasters["reflectance"].data, untiled)
    assert worst_tile < 4.0
    assert whole < 3.0
    assert seam < 3.0  # pixels beside tile edges differ no more than inside tiles
    # the test can fail: without any halo the tiles lose shadows and walls, at their edges
    _, bare = run_tiled(tmp_path, margin=0.0, name="bare", tallest=0.0)
    worst_tile, whole, seam = noise_and_seams(bare["reflectance"].data, untiled)
    assert worst_tile > 4.0 and whole > 3.0 and seam > 3.0


def test_distributed_local_cluster_with_two_worker_processes(tmp_path, untiled):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        run, rasters = run_tiled(tmp_path, margin=10 * SIZE, scheduler=cluster.scheduler_address)
        traced = trace_tiled(*towers(), GRID, GEOMETRY, TILE, samples=SAMPLES, seed=7,
                             batches=untiled.trace.polynomials.batches, margin=10 * SIZE,
                             scheduler=cluster.scheduler_address)
    np.testing.assert_array_equal(rasters["reflectance"].data, as_float32(untiled.reflectance))
    assert run.tiles == 36
    # the unmixing's tiled trace, polynomials sent back from the workers
    np.testing.assert_array_equal(traced.fractions, untiled.fractions)
    np.testing.assert_allclose(traced.reflectance(untiled.trace.scene.variables_from_table(
        BANDS), SKYL)[0], untiled.reflectance, rtol=1e-12)


def test_cancel_stops_the_graph_and_leaves_no_output(tmp_path):
    finished = []

    def progress(share):
        finished.append(share)

    with pytest.raises(Canceled):
        run_tiled(tmp_path, margin=10.0, progress=progress,
                  is_canceled=lambda: len(finished) >= 3)
    assert 3 <= len(finished) < 36
    assert list(tmp_path.iterdir()) == []


class Block:
    """A tile's result that can be watched for being freed."""

    def __init__(self, tile):
        self.tile = tile
        self.payload = np.zeros(1000)


def block_of(source, job, tile, is_canceled):
    return Block(tile)


@pytest.mark.parametrize("scheduler", ["synchronous", "threads"])
def test_a_written_tile_is_freed_before_the_run_ends(scheduler):
    """Memory bounded whatever the number of tiles: a tile handed to its writer is not held
    until the last tile is done (it was: 1,089 tiles of OP maps held 3 GB at 272 km2)."""
    import gc
    import weakref

    tiles = split_grid(GRID, TILE)  # 36 tiles
    written, held = [], []

    def on_block(block):
        gc.collect()
        held.append(sum(ref() is not None for ref in written))  # earlier tiles still alive
        written.append(weakref.ref(block))

    run_tiles(object(), None, tiles, on_block, scheduler=scheduler, task=block_of)
    assert len(written) == len(tiles)
    assert max(held) == 0, f"up to {max(held)} written tiles were still held"


def kernel_threads_of(source, job, tile, is_canceled):
    import numba
    from threadpoolctl import threadpool_info

    blas = {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}
    return tile, numba.get_num_threads(), blas


@pytest.mark.parametrize("workers", [1, 2])
def test_each_local_worker_runs_its_kernels_on_its_share_of_the_cores(workers):
    """Tiles run at once share the cores: Numba's threads split between them, BLAS (small
    solves) on one thread."""
    import dask
    import numba

    np.linalg.solve(np.eye(3), np.ones(3))  # BLAS loaded, where numpy has one
    seen = []
    with dask.config.set(num_workers=workers):
        run_tiles(object(), None, split_grid(GRID, 10), lambda block: seen.append(block[1:]),
                  scheduler="threads", task=kernel_threads_of)
    share = max(1, numba.config.NUMBA_NUM_THREADS // workers)
    assert [numba_threads for numba_threads, _ in seen] == [share] * 9
    assert all(blas <= {1} for _, blas in seen)  # empty: a BLAS without threads


def test_triangle_grid_finds_exactly_the_triangles_a_scan_finds():
    from unmix3d.core.tiling import TriangleGrid

    rng = np.random.default_rng(3)
    low = rng.uniform(0.0, 500.0, (4000, 2)).astype(np.float32)
    size = rng.exponential(2.0, (4000, 2))
    size[:15] *= 100.0  # a few large triangles (ground, water) tested one by one
    high = (low + size).astype(np.float32)
    index = TriangleGrid(low, high)
    assert 0 < len(index.large) < 100
    for x0, y0, w, h in rng.uniform(-50.0, 520.0, (40, 4)):
        x1, y1 = x0 + abs(w) / 4, y0 + abs(h) / 4
        scan = np.flatnonzero((high[:, 0] >= x0) & (low[:, 0] <= x1) & (high[:, 1] >= y0)
                              & (low[:, 1] <= y1))
        np.testing.assert_array_equal(np.sort(index.query(x0, y0, x1, y1)), scan)


def test_tiled_trace_is_the_untiled_trace_stitched(untiled):
    from unmix3d.core.simulate import trace

    mockup, elements = towers()
    scene = prepare_scene(mockup, elements)
    whole = trace(scene, GRID, GEOMETRY, samples=SAMPLES, seed=7, batches=4)
    tiled = trace_tiled(mockup, elements, GRID, GEOMETRY, TILE, samples=SAMPLES, seed=7,
                        batches=4, margin=10 * SIZE)
    np.testing.assert_array_equal(tiled.fractions, whole.fractions)
    np.testing.assert_array_equal(tiled.covered, whole.covered)
    assert tiled.polynomials.coefficients.nnz == whole.polynomials.coefficients.nnz
    x = scene.variables_from_table(BANDS)
    for got, want in zip(tiled.reflectance(x, SKYL), whole.reflectance(x, SKYL), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)  # summation order only
    op = np.random.default_rng(1).uniform(0.1, 0.6, (2, 3) + GRID_SHAPE)
    for got, want in zip(tiled.polynomials.reflectance_per_pixel(x_maps(scene, op), SKYL),
                         whole.polynomials.reflectance_per_pixel(x_maps(scene, op), SKYL),
                         strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


GRID_SHAPE = (GRID.rows, GRID.cols)


def x_maps(scene, op):
    """Per-pixel variables of opaque elements' OP maps (bands, elements, rows, cols)."""
    x = np.zeros((op.shape[0], scene.n_variables) + op.shape[2:])
    x[:, scene.var_r] = op
    return x


def unmix_towers(image, tile_size, margin=None, tallest=None, seed=2):
    from unmix3d.core.unmix.pipeline import UnmixParameters
    from unmix3d.core.unmix.run import run_unmix

    mockup, elements = towers()
    scene = prepare_scene(mockup, elements) if tile_size == 0 else _unprepared(mockup, elements)
    valid = np.isfinite(image).all(axis=0)
    # tiled runs never solve per part (no whole BVH): the untiled reference neither, or
    # its one-part ground, pooled from blocks, would differ from the windows by design
    result, _ = run_unmix(scene, GRID, GEOMETRY, image, valid, BANDS, SKYL,
                          UnmixParameters(iterations=3, objects=False), samples=SAMPLES,
                          seed=seed,
                          tile_size=tile_size, tile_margin=margin, tile_tallest=tallest)
    return result


def _unprepared(mockup, elements):
    """A scene with no BVH: the tiled path must not need the whole mock-up's one."""
    from unmix3d.core.simulate import Scene, element_variables

    var_r, var_t = element_variables(elements)
    part = elements.assign_parts(mockup.part_names)[mockup.part_of_triangle]
    return Scene(mockup, elements, part, np.zeros((0, 3)), var_r, var_t, None)


def test_tiled_unmix_agrees_with_untiled_within_the_noise_and_has_no_seams(untiled):
    image = untiled.reflectance
    whole = unmix_towers(image, 0)
    # the Monte Carlo noise of the OP maps: the same unmixing traced with other numbers
    # (OP errors are correlated over a window, so per-pixel errors do not add up freely)
    noise = rms_difference(unmix_towers(image, 0, seed=3), whole)
    tiled = unmix_towers(image, TILE)
    assert (tiled.op_valid == whole.op_valid).mean() > 0.99
    assert (rms_difference(tiled, whole) < noise).all()
    assert seam_excess(tiled, whole) < 3.0  # pixels beside tile edges differ no more
    # the test can fail: with no halo the tiles lose walls and shadows at their edges
    bare = unmix_towers(image, TILE, margin=0.0, tallest=0.0)
    assert (rms_difference(bare, whole) > noise).any()
    assert seam_excess(bare, whole) > 3.0


def test_unmixing_tile_by_tile_with_a_pixel_halo_agrees_and_has_no_seams(untiled, tmp_path):
    from types import SimpleNamespace

    from unmix3d.core.unmix.pipeline import UnmixParameters
    from unmix3d.core.unmix.tiled import unmix_tiled

    image = untiled.reflectance
    whole = unmix_towers(image, 0)
    noise = rms_difference(unmix_towers(image, 0, seed=3), whole)
    mockup, elements = towers()
    run = unmix_tiled(mockup, elements, GRID, GEOMETRY, image, np.isfinite(image).all(axis=0),
                      BANDS, SKYL, tmp_path / "maps", UnmixParameters(iterations=3),
                      tile_size=TILE, samples=SAMPLES, seed=2)
    assert run.tiles == 36 and run.pixel_halo == 2  # half the 5 x 5 window
    assert sorted(p.name for p in (tmp_path / "maps").iterdir()) == sorted(
        [f"{n}.tif" for n in elements.names] + [f"{n}_std.tif" for n in elements.names]
        + ["simulated.tif"])
    maps = [read_raster(run.outputs[name]) for name in elements.names]
    tiled = SimpleNamespace(
        op=np.stack([m.data for m in maps], axis=1),
        op_std=np.stack([read_raster(run.outputs[f"{name}_std"]).data
                         for name in elements.names], axis=1),
        op_valid=np.stack([m.valid.all(axis=0) for m in maps]))
    assert (tiled.op_valid == whole.op_valid).mean() > 0.99
    assert (rms_difference(tiled, whole) < noise).all()
    assert seam_excess(tiled, whole) < 3.0
    # the test can fail: with no geometric halo the tiles lose walls and shadows at edges
    bare = unmix_tiled(mockup, elements, GRID, GEOMETRY, image, np.isfinite(image).all(axis=0),
                       BANDS, SKYL, tmp_path / "bare", UnmixParameters(iterations=3),
                       tile_size=TILE, samples=SAMPLES, seed=2, margin=0.0, tallest=0.0)
    maps = [read_raster(bare.outputs[name]) for name in elements.names]
    bare = SimpleNamespace(op=np.stack([m.data for m in maps], axis=1),
                           op_valid=np.stack([m.valid.all(axis=0) for m in maps]),
                           op_std=whole.op_std)
    assert (rms_difference(bare, whole) > noise).any()
    assert seam_excess(bare, whole) > 3.0


def test_tile_by_tile_reads_each_block_from_disk_and_gives_the_in_memory_maps(untiled,
                                                                              tmp_path):
    from unmix3d.core.image_blocks import open_reflectance_blocks
    from unmix3d.core.raster_io import write_raster
    from unmix3d.core.unmix.pipeline import UnmixParameters
    from unmix3d.core.unmix.tiled import unmix_tiled

    path = write_raster(tmp_path / "image.tif", untiled.reflectance, None, GRID.geotransform,
                        "", BANDS)
    whole = read_raster(path)
    mockup, elements = towers()
    common = dict(parameters=UnmixParameters(iterations=1), tile_size=10, samples=8, seed=2)
    held = unmix_tiled(mockup, elements, GRID, GEOMETRY, whole.data, whole.valid.all(axis=0),
                       BANDS, SKYL, tmp_path / "held", **common)
    blocks = open_reflectance_blocks(path).blocks
    read = unmix_tiled(mockup, elements, GRID, GEOMETRY, blocks, None, BANDS, SKYL,
                       tmp_path / "read", **common)
    for key, output in held.outputs.items():
        assert np.array_equal(read_raster(output).data, read_raster(read.outputs[key]).data,
                              equal_nan=True), key
    small = PixelGrid(X0, Y0 + SIZE, PIXEL, PIXEL, 20, 30)
    with pytest.raises(ValueError, match="image.tif is 30 x 30 pixels, the grid 20 x 30"):
        unmix_tiled(mockup, elements, small, GEOMETRY, blocks, None, BANDS, SKYL,
                    tmp_path / "small", **common)


def test_tile_by_tile_unmixing_from_disk_runs_on_a_local_cluster_of_two_processes(untiled,
                                                                                 tmp_path):
    """The block reader and the tasks travel to worker processes (pickled) and give the
    maps of the threads in this process."""
    distributed = pytest.importorskip("distributed")
    from unmix3d.core.image_blocks import open_reflectance_blocks
    from unmix3d.core.raster_io import write_raster
    from unmix3d.core.unmix.pipeline import UnmixParameters
    from unmix3d.core.unmix.tiled import unmix_tiled

    path = write_raster(tmp_path / "image.tif", untiled.reflectance, None, GRID.geotransform,
                        "", BANDS)
    blocks = open_reflectance_blocks(path).blocks
    mockup, elements = towers()
    common = dict(parameters=UnmixParameters(iterations=1), tile_size=15, samples=8, seed=2)
    here = unmix_tiled(mockup, elements, GRID, GEOMETRY, blocks, None, BANDS, SKYL,
                       tmp_path / "here", **common)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        there = unmix_tiled(mockup, elements, GRID, GEOMETRY, blocks, None, BANDS, SKYL,
                            tmp_path / "there", scheduler=cluster.scheduler_address, **common)
    assert there.tiles == here.tiles == 4
    for key, output in here.outputs.items():
        a, b = read_raster(output), read_raster(there.outputs[key])
        assert np.array_equal(a.valid, b.valid), key
        np.testing.assert_allclose(b.data[b.valid], a.data[a.valid], rtol=1e-9, err_msg=key)


def rms_difference(result, reference):
    """RMS OP difference per band and element over the pixels both maps hold."""
    both = result.op_valid & reference.op_valid
    difference = np.where(both[None], result.op - reference.op, np.nan)
    return np.sqrt(np.nanmean(difference**2, axis=(2, 3)))


def seam_excess(result, reference):
    """Largest excess (over bands and elements) of the mean |OP difference| at tile-edge
    pixels over that inside tiles, in standard errors of the edge mean (the reference's
    per-pixel OP standard errors, uncertainty.py)."""
    both = result.op_valid & reference.op_valid
    edge = np.zeros(GRID.rows, bool)
    edge[::TILE] = edge[TILE - 1::TILE] = True
    at_edge = edge[:, None] | edge[None, :]
    worst = -np.inf
    for band in range(result.op.shape[0]):
        for element in range(result.op.shape[1]):
            d = np.abs(result.op[band, element] - reference.op[band, element])
            s = reference.op_std[band, element]
            ok = both[element] & np.isfinite(s)
            excess = d[ok & at_edge].mean() - d[ok & ~at_edge].mean()
            worst = max(worst, float(excess / (s[ok & at_edge].mean()
                                               / np.sqrt((ok & at_edge).sum()))))
    return worst


def write_pieces(folder, pieces=6):
    """The towers scene as a tiled mock-up folder: one OBJ per 20 m strip (by triangle
    centroid), each with its parts as groups."""
    mockup, elements = towers()
    world = mockup.triangles.astype(np.float64) + mockup.origin
    strip = np.minimum(((world[:, :, 0].mean(axis=1) - X0) // (SIZE / pieces)).astype(int),
                       pieces - 1)
    for k in range(pieces):
        lines, count = [], 0
        for part, name in enumerate(mockup.part_names):
            chosen = world[(strip == k) & (mockup.part_of_triangle == part)]
            if not len(chosen):
                continue
            lines.append(f"g {name}")
            for triangle in chosen:
                lines += [f"v {x:.4f} {y:.4f} {z:.4f}" for x, y, z in triangle]
                lines.append(f"f {count + 1} {count + 2} {count + 3}")
                count += 3
        (folder / f"piece_{k}.obj").write_text("\n".join(lines) + "\n")
    return elements


def test_tiled_mockup_folder_is_read_per_tile_and_gives_the_in_memory_result(tmp_path):
    from unmix3d.core.scene.mockup import mockup_from_triangles, read_obj
    from unmix3d.core.tiling import FolderSource

    folder = tmp_path / "city"
    folder.mkdir()
    elements = write_pieces(folder)
    # the same files loaded whole, in the folder's order
    read = [read_obj(str(path)) for path in sorted(folder.glob("*.obj"))]
    names = list(dict.fromkeys(name for _, _, part_names in read for name in part_names))
    part = np.concatenate([np.array([names.index(n) for n in part_names])[p]
                           for _, p, part_names in read])
    triangles = np.concatenate([t for t, _, _ in read])
    whole = mockup_from_triangles(triangles, part, names,  # in the folder's frame
                                  origin=np.floor(read[0][0].reshape(-1, 3).min(axis=0)))
    outputs = {kind: {"reflectance": str(tmp_path / f"{kind}_r.tif"),
                      "fractions": str(tmp_path / f"{kind}_f.tif")} for kind in ("m", "f")}
    for kind, mockup in (("m", whole), ("f", folder)):
        simulate_tiled(mockup, elements, GRID, GEOMETRY, BANDS, SKYL, outputs[kind],
                       tile_size=TILE, samples=8, seed=7)
    for product in ("reflectance", "fractions"):
        np.testing.assert_array_equal(read_raster(outputs["f"][product]).data,
                                      read_raster(outputs["m"][product]).data)
    # a corner tile reads only the pieces its grown footprint meets
    source = FolderSource(folder, elements)
    source._cache.clear()
    halo = halo_metres(source.tallest, GEOMETRY)
    scene, count = source.sub_scene((X0 - halo, Y0 - halo, X0 + 20 + halo, Y0 + 20 + halo),
                                    periodic=False)
    assert 0 < len(source._cache) < len(source.pieces) and count == scene.mockup.triangle_count
    with pytest.raises(ValueError, match="holds no .obj file"):
        FolderSource(tmp_path / "empty_nothing", elements)
