"""City-scale benchmark: a synthetic city built with ``build_mockup`` (the street grid of
bench_build_mockup: buildings 6-40 m on 40 m blocks, street trees), written as a tiled
mock-up folder (one OBJ per ``--piece-blocks`` blocks, read per tile) or as one OBJ
(``--piece-blocks 0``), simulated tiled (core.tiling) at 10 m pixels; time per km2, CPU
time per km2 and peak memory per area and worker count; optionally the simulated image
unmixed, the trace tiled and the unmixing whole (``--unmix``) or tile by tile
(``--unmix-tiles``), and the share of the tiles' time with the GIL released
(``--profile``).

Usage::

    .venv/bin/python benchmarks/bench_city.py                 # 1 and 4 km2, 1 and 2 workers
    .venv/bin/python benchmarks/bench_city.py --areas 1,4,16 --workers 1,2
    .venv/bin/python benchmarks/bench_city.py --areas 1,4 --workers 2 --unmix
    .venv/bin/python benchmarks/bench_city.py --scene brussels --areas 272.25 --build-only
    .venv/bin/python benchmarks/bench_city.py --scene brussels --areas 1,4,16 --workers 2 \
        --unmix-tiles --cache-triangles 16000000

Each (area, workers) run is a fresh child process (peak resident set = that run's own,
Linux VmHWM), with Numba limited to one thread and Dask's local threaded scheduler given
``workers`` threads, so that "workers" means tiles traced at once. Prints one JSON object
per run: triangles, build, load and simulate seconds, simulate seconds per km2, CPU / wall,
the load average, tiles, halo, mean triangles per tile, peak RSS MB. Numba compilation (or
cache loading) is done on a tiny grid first and left out of the timings.

``--scene brussels`` is the issue's city (``build_brussels``): 9 street trees around each
block (1.5 M at 272.25 km2, 16.5 x 16.5 km), one piece in 8 with turbid crowns, the others
leaf-triangle crowns, a winding river 60 m wide, all on a DEM of gentle hills, and 12
Sentinel-2 bands (the pseudo-image simulated from the element table's default spectra);
stages (built, simulated) go to stderr as they end, so a long run stopped keeps them.

Not measured here: retrieve tiled, a cluster.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "benchmarks"))

BANDS = ("B2", "B3", "B4", "B8")
#: the Brussels-like city's pseudo-image: all twelve Sentinel-2 bands
BANDS_12 = ("B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B8A", "B9", "B11", "B12")
BLOCK = 40.0  # metres per city block (bench_build_mockup.city)


def build_city(folder: str, area: float, leaf_size: float, piece_blocks: int):
    """The synthetic city of ``area`` km2 written into ``folder``: one ``city.obj`` when
    ``piece_blocks`` is 0, else a tiled mock-up folder ``city/`` of OBJ pieces of
    piece_blocks x piece_blocks blocks (buildings by centroid, trees by trunk), each built
    by build_mockup over its own extent; plus the element table ``el.csv`` -> (mock-up path,
    element table path, extent, triangles written)."""
    import numpy as np
    import shapely
    from bench_build_mockup import city

    from unmix3d.core import mockup as build

    n = int(round(area * 1e6 / BLOCK ** 2))
    wkb, heights, tx, ty, extent = city(n, n)

    def options(box):
        return build.BuildOptions(
            extent=box, ground_resolution=10.0, crown_diameter=5.0, crown_height=5.0,
            crown_centre_height=6.0, leaf_size=leaf_size, tree_mode="triangles",
            max_triangles=200_000_000, bands=BANDS, grouping="element")

    elements = os.path.join(folder, "el.csv")
    if piece_blocks <= 0:
        path = os.path.join(folder, "city.obj")
        result = build.build_mockup(path, elements, None, options(extent),
                                    buildings=build.PolygonInput(list(wkb), "buildings",
                                                                 height=heights),
                                    trees=build.TreeInput(tx, ty, name="trees"))
        return path, elements, extent, result.summary.get("triangles", 0)
    path = os.path.join(folder, "city")
    os.makedirs(path)
    centre = shapely.centroid(shapely.from_wkb(wkb))
    cx, cy = shapely.get_x(centre), shapely.get_y(centre)
    step = piece_blocks * BLOCK
    written = 0
    for j, y0 in enumerate(np.arange(extent[1], extent[3] - 1e-6, step)):
        for i, x0 in enumerate(np.arange(extent[0], extent[2] - 1e-6, step)):
            box = (x0, y0, min(x0 + step, extent[2]), min(y0 + step, extent[3]))
            houses = (cx >= box[0]) & (cx < box[2]) & (cy >= box[1]) & (cy < box[3])
            trees = (tx >= box[0]) & (tx < box[2]) & (ty >= box[1]) & (ty < box[3])
            piece = os.path.join(path, f"piece_{j:03d}_{i:03d}.obj")
            table = os.path.join(folder, f"el_{j:03d}_{i:03d}.csv")
            result = build.build_mockup(
                piece, table, None, options(box),
                buildings=build.PolygonInput(list(np.asarray(wkb, object)[houses]),
                                             "buildings", height=heights[houses])
                if houses.any() else None,
                trees=build.TreeInput(tx[trees], ty[trees], name="trees")
                if trees.any() else None)
            written += result.summary.get("triangles", 0)
            # one group per element: every piece's table is the same, save for the
            # elements a piece lacks; keep the fullest
            if not os.path.exists(elements) or (len(Path(table).read_text().splitlines())
                                                > len(Path(elements).read_text().splitlines())):
                os.replace(table, elements)
    return path, elements, extent, written


def brussels_layers(area: float, trees_per_block: int, seed: int = 1):
    """The GIS layers of a Brussels-like city of ``area`` km2: the street grid of
    bench_build_mockup (buildings 6-40 m on 40 m blocks) crossed by a winding river 60 m
    wide (the buildings it meets removed), ``trees_per_block`` street trees around each
    block (jittered, none in the river) -> (footprints WKB, heights, tree x, tree y, extent,
    river polygon)."""
    import numpy as np
    import shapely
    from bench_build_mockup import city

    n = int(round(area * 1e6 / BLOCK ** 2))
    wkb, heights, _, _, extent = city(n, 0)
    xmin, ymin, xmax, ymax = extent
    x = np.linspace(xmin - 100, xmax + 100, 400)
    river = shapely.LineString(np.column_stack([
        x, ymin + 0.45 * (ymax - ymin) + 0.1 * (ymax - ymin) * np.sin(
            2 * np.pi * (x - xmin) / max(xmax - xmin, 1.0))])).buffer(30.0)
    houses = shapely.from_wkb(wkb)
    keep = ~shapely.intersects(houses, river.buffer(3.0))
    rng = np.random.default_rng(seed)
    side = int(round((xmax - xmin) / BLOCK))
    blocks = np.arange(n)
    cx = xmin + (blocks % side + 0.5) * BLOCK
    cy = ymin + (blocks // side + 0.5) * BLOCK
    # along the block's edge 16.5 m from its centre: outside the footprint (<= 12.5 m),
    # 7 m from the next block's trees across the street
    s = (np.arange(trees_per_block) + 0.5) / trees_per_block * 4.0  # perimeter, 4 sides
    edge, along = np.floor(s).astype(int), (s % 1.0) * 2 - 1
    ux = np.choose(edge, [along, np.ones_like(along), -along, -np.ones_like(along)]) * 16.5
    uy = np.choose(edge, [-np.ones_like(along), along, np.ones_like(along), -along]) * 16.5
    tx = (cx[:, None] + ux[None]).ravel() + rng.uniform(-1.0, 1.0, n * trees_per_block)
    ty = (cy[:, None] + uy[None]).ravel() + rng.uniform(-1.0, 1.0, n * trees_per_block)
    dry = ~shapely.contains_xy(river.buffer(4.0), tx, ty)
    return (np.asarray(wkb, object)[keep], heights[keep], tx[dry], ty[dry], extent, river)


def write_dem(path: str, extent, relief: float) -> None:
    """A GeoTIFF DEM at 10 m over ``extent`` (+ 50 m): gentle hills of ``relief`` metres
    peak to peak on a 20 m plain, a wavelength of 6-8 km (Brussels' slopes, lowered)."""
    import numpy as np
    from osgeo import gdal, osr

    gdal.UseExceptions()
    res, margin = 10.0, 50.0
    x0, y1 = extent[0] - margin, extent[3] + margin
    nx = int(np.ceil((extent[2] - extent[0] + 2 * margin) / res))
    ny = int(np.ceil((extent[3] - extent[1] + 2 * margin) / res))
    xs = x0 + (np.arange(nx) + 0.5) * res - extent[0]
    ys = y1 - (np.arange(ny) + 0.5) * res - extent[1]
    z = 20.0 + relief * 0.25 * (2.0 + np.sin(2 * np.pi * xs / 8000.0)[None]
                                 + np.cos(2 * np.pi * ys / 6000.0)[:, None])
    tmp = path + ".tmp.tif"
    out = gdal.GetDriverByName("GTiff").Create(tmp, nx, ny, 1, gdal.GDT_Float32)
    out.SetGeoTransform((x0, res, 0.0, y1, 0.0, -res))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32631)
    out.SetProjection(srs.ExportToWkt())
    out.GetRasterBand(1).WriteArray(z.astype(np.float32))
    out = None
    os.replace(tmp, path)


def merge_tables(tables: list[str], path: str) -> None:
    """One element table from the pieces': each element's first row (the pieces hold the
    same elements, save for the ones a piece lacks: leaf-triangle or turbid crowns, water),
    under the union of the pieces' columns (a piece without turbid crowns has no
    leaf_area_density or lad column: its rows are matched by column name, not position)."""
    import csv

    columns, rows = [], {}
    for table in tables:
        with open(table, newline="") as handle:
            reader = csv.DictReader(handle)
            columns += [name for name in reader.fieldnames or [] if name not in columns]
            for row in reader:
                if row.get("element"):
                    rows.setdefault(row["element"], row)
        os.remove(table)
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, columns, restval="")
        writer.writeheader()
        writer.writerows(rows.values())


def build_brussels(folder: str, area: float, leaf_size: float, piece_blocks: int,
                   trees_per_block: int, relief: float, turbid_every: int):
    """The Brussels-like city (brussels_layers on the DEM of write_dem) written piece by
    piece into the tiled mock-up folder ``folder/city`` by build_mockup, one OBJ per
    piece_blocks x piece_blocks blocks (buildings by centroid, trees by trunk, the river
    clipped); every ``turbid_every``-th piece (a diagonal pattern) has turbid crowns
    (element ``crowns``), the others leaf-triangle crowns (``vegetation``); memory holds
    the layers and one piece at a time -> (folder path, element table path, extent,
    triangles written, trees written by mode, pieces)."""
    import numpy as np
    import shapely

    from unmix3d.core import mockup as build

    wkb, heights, tx, ty, extent, river = brussels_layers(area, trees_per_block)
    dem = os.path.join(folder, "dem.tif")
    write_dem(dem, extent, relief)
    path = os.path.join(folder, "city")
    os.makedirs(path)
    centre = shapely.centroid(shapely.from_wkb(wkb))
    cx, cy = shapely.get_x(centre), shapely.get_y(centre)
    step = piece_blocks * BLOCK
    written, trees_by_mode, tables = 0, {"triangles": 0, "turbid": 0}, []
    pieces = 0
    for j, y0 in enumerate(np.arange(extent[1], extent[3] - 1e-6, step)):
        for i, x0 in enumerate(np.arange(extent[0], extent[2] - 1e-6, step)):
            box = (x0, y0, min(x0 + step, extent[2]), min(y0 + step, extent[3]))
            turbid = turbid_every > 0 and (i + 3 * j) % turbid_every == 0
            houses = (cx >= box[0]) & (cx < box[2]) & (cy >= box[1]) & (cy < box[3])
            trees = (tx >= box[0]) & (tx < box[2]) & (ty >= box[1]) & (ty < box[3])
            water = shapely.intersection(river, shapely.box(*box))
            options = build.BuildOptions(
                extent=box, ground_resolution=10.0, crown_diameter=5.0, crown_height=5.0,
                crown_centre_height=6.0, leaf_size=leaf_size,
                tree_mode="turbid" if turbid else "triangles",
                tree_element="crowns" if turbid else "vegetation",
                max_triangles=200_000_000, bands=BANDS_12, grouping="element")
            table = os.path.join(folder, f"el_{j:03d}_{i:03d}.csv")
            result = build.build_mockup(
                os.path.join(path, f"piece_{j:03d}_{i:03d}.obj"), table, None, options,
                dem=build.RasterInput(dem, "dem"),
                buildings=build.PolygonInput(list(wkb[houses]), "buildings",
                                             height=heights[houses]) if houses.any() else None,
                trees=build.TreeInput(tx[trees], ty[trees], name="trees")
                if trees.any() else None,
                water=build.PolygonInput([water], "river") if not water.is_empty else None)
            written += result.summary.get("triangles", 0)
            trees_by_mode["turbid" if turbid else "triangles"] += int(
                result.summary.get("trees", {}).get("built", 0))
            tables.append(table)
            pieces += 1
    elements = os.path.join(folder, "el.csv")
    merge_tables(tables, elements)
    os.remove(dem)
    return path, elements, extent, written, trees_by_mode, pieces


def run_one(args) -> dict:
    from memory import reset_peak, status_kib
    from package_import import import_unmix3d

    import_unmix3d()
    import dask
    import numpy as np

    from unmix3d.core.scene.elements import read_element_table
    from unmix3d.core.scene.mockup import load_mockup
    from unmix3d.core.simulate import Geometry, PixelGrid
    from unmix3d.core.tiling import simulate_tiled

    geometry = Geometry(args.sun_zenith, 150.0, args.view_zenith, 100.0)
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        scene = {}
        if args.scene == "brussels":
            path, elements_path, extent, triangles, trees, pieces = build_brussels(
                folder, args.area, args.leaf_size, args.piece_blocks, args.trees_per_block,
                args.relief, args.turbid_every)
            scene = {"scene": "brussels", "bands": len(BANDS_12), "pieces": pieces,
                     "trees_leaf_triangles": trees["triangles"],
                     "trees_turbid": trees["turbid"], "relief_m": args.relief,
                     "mockup_mb": round(sum(f.stat().st_size for f in Path(path).glob("*.obj"))
                                        / 2**20)}
        else:
            path, elements_path, extent, triangles = build_city(folder, args.area,
                                                                args.leaf_size,
                                                                args.piece_blocks)
        built = time.perf_counter() - start
        bands = BANDS_12 if args.scene == "brussels" else BANDS
        args.bands = bands
        if args.cache_triangles:
            from unmix3d.core.tiling import FolderSource

            FolderSource.CACHE_TRIANGLES = args.cache_triangles
        stage({"stage": "built", "triangles": int(triangles), "build_seconds": round(built, 1),
               **scene, "peak_rss_mb": round(status_kib("VmHWM") / 1024, 1)})
        if args.build_only:
            return {"area_km2": round(args.area, 3), "triangles": int(triangles),
                    "build_seconds": round(built, 1), **scene,
                    "build_peak_rss_mb": round(status_kib("VmHWM") / 1024, 1)}
        build_peak = status_kib("VmHWM") / 1024
        peak_reset = reset_peak()  # later peaks: loading, simulating, unmixing only
        start = time.perf_counter()
        elements = read_element_table(elements_path)
        for band in bands:  # any OPs will do for timing (brussels: the table's spectra)
            for element in elements.elements:
                element.op.setdefault(band, 0.2)
        if args.piece_blocks <= 0:
            mockup = load_mockup(path)
        else:  # opened once (its box index written), then handed to simulate and unmix
            from unmix3d.core.tiling import FolderSource

            mockup = FolderSource(path, elements)
            scene["folder_index"] = mockup.index_status.describe()
        loaded = time.perf_counter() - start
        stage({"stage": "loaded", "load_seconds": round(loaded, 1),
               **({"folder_index": scene["folder_index"]} if "folder_index" in scene else {})})
        side = min(extent[2] - extent[0], extent[3] - extent[1])
        cols = int(side // args.pixel)
        grid = PixelGrid(extent[0], extent[1] + cols * args.pixel, args.pixel, args.pixel,
                         cols, cols)
        skyl = np.full(len(bands), 0.15)
        warm = PixelGrid(grid.x_min, grid.y_max, args.pixel, args.pixel, 2, 2)
        simulate_tiled(mockup, elements, warm, geometry, bands, skyl,
                       {"reflectance": os.path.join(folder, "warm.tif")}, tile_size=1,
                       samples=4)
        cpu = sum(os.times()[:2])
        profile = None
        if args.profile:  # one thread, each tile in this thread, under cProfile
            import cProfile

            profile = cProfile.Profile()
            profile.enable()
        with dask.config.set(num_workers=int(args.workers)):
            run = simulate_tiled(mockup, elements, grid, geometry, bands, skyl,
                                 {"reflectance": os.path.join(folder, "image.tif"),
                                  "fractions": os.path.join(folder, "fractions.tif")},
                                 tile_size=args.tile, samples=args.samples,
                                 scheduler="synchronous" if args.profile else None,
                                 progress=tile_progress("simulating"))
        cpu = sum(os.times()[:2]) - cpu
        gil_free = None
        if profile is not None:
            profile.disable()
            gil_free = round(gil_free_share(profile), 3)
        simulated_peak = status_kib("VmHWM") / 1024
        stage({"stage": "simulated", "simulate_seconds": round(run.seconds, 1),
               "tiles": run.tiles, "simulate_cpu_per_wall": round(cpu / run.seconds, 2),
               "load_average_1min": round(os.getloadavg()[0], 2),
               "simulate_peak_rss_mb": round(simulated_peak, 1)})
        unmixed = {}
        if args.unmix:
            unmixed = unmix_city(args, mockup, elements, grid, geometry, skyl,
                                 os.path.join(folder, "image.tif"))
        elif args.unmix_tiles:
            unmixed = unmix_city_by_tiles(args, mockup, elements, grid, geometry, skyl,
                                          os.path.join(folder, "image.tif"), folder)
    km2 = (cols * args.pixel) ** 2 / 1e6
    return {
        **scene, "area_km2": round(km2, 3), "workers": int(args.workers), "pixels": cols * cols,
        "mockup": "folder" if args.piece_blocks > 0 else "one OBJ in memory",
        "samples": args.samples, "tile_pixels": args.tile, "triangles": int(triangles),
        "build_seconds": round(built, 1), "load_seconds": round(loaded, 1),
        "simulate_seconds": round(run.seconds, 1),
        "simulate_seconds_per_km2": round(run.seconds / km2, 2),
        # loading: one OBJ read whole, or a folder opened (every piece parsed once for its
        # box, the box index written); a folder's pieces are then read per tile
        "load_and_simulate_seconds_per_km2": round((loaded + run.seconds) / km2, 2),
        # CPU seconds of this process over wall seconds: how many cores the run kept busy
        # (on a shared machine the wall time alone says little about the workers' gain)
        "simulate_cpu_per_wall": round(cpu / run.seconds, 2),
        "load_average_1min": round(os.getloadavg()[0], 2), "tiles": run.tiles,
        "halo_m": round(run.halo, 1), "triangles_per_tile": round(run.triangles_per_tile),
        "simulate_cpu_seconds_per_km2": round(cpu / km2, 2),
        **({"gil_free_share": gil_free} if gil_free is not None else {}),
        "build_peak_rss_mb": round(build_peak, 1),
        "peak_reset_after_build": peak_reset,
        "simulate_peak_rss_mb": round(simulated_peak, 1),
        **{key: round(value / km2, 2) if key.endswith("per_km2") else value
           for key, value in unmixed.items()},
        "peak_rss_mb": round(status_kib("VmHWM") / 1024, 1),
    }


def stage(record: dict) -> None:
    """A stage's figures on stderr at once: a long run that is stopped keeps them."""
    print(json.dumps(record), file=sys.stderr, flush=True)


def tile_progress(name: str, step: float = 0.1):
    """A progress callback staging the finished share and the seconds since the first call
    every ``step``: a run stopped before its end still says its rate."""
    start, next_share = time.perf_counter(), [step]

    def report(share: float) -> None:
        if share + 1e-9 >= next_share[0]:
            next_share[0] += step
            stage({"stage": name, "share": round(share, 3),
                   "seconds": round(time.perf_counter() - start, 1),
                   "load_average_1min": round(os.getloadavg()[0], 2)})

    return report


def unmix_city_by_tiles(args, mockup, elements, grid, geometry, skyl, image_path,
                        folder) -> dict:
    """Unmix the simulated image tile by tile (core.unmix.tiled: each tile traced and
    unmixed with a pixel halo of half the window, OP maps written as tiles finish), each
    task reading its block of the image from disk (the image checked strip by strip first,
    in the time measured)."""
    import dask

    from unmix3d.core.image_blocks import open_reflectance_blocks
    from unmix3d.core.unmix.pipeline import UnmixParameters
    from unmix3d.core.unmix.tiled import unmix_tiled

    start, cpu = time.perf_counter(), sum(os.times()[:2])
    blocks = open_reflectance_blocks(image_path).blocks
    with dask.config.set(num_workers=int(args.workers)):
        unmix_tiled(mockup, elements, grid, geometry, blocks, None,
                    list(args.bands), skyl, os.path.join(folder, "maps"),
                    UnmixParameters(iterations=2), tile_size=args.tile, samples=args.samples,
                    seed=2, progress=tile_progress("unmixing"))
    seconds, cpu = time.perf_counter() - start, sum(os.times()[:2]) - cpu
    return {"unmix_by_tiles_seconds_per_km2": round(seconds, 2),
            "unmix_by_tiles_cpu_seconds_per_km2": round(cpu, 2),
            "unmix_cpu_per_wall": round(cpu / seconds, 2),
            "unmix_load_average_1min": round(os.getloadavg()[0], 2)}


#: the Numba kernels of a tile's work that release the GIL (nogil=True)
GIL_FREE = ("trace_chunk", "_build_kernel", "_prepare", "_reorder", "_collapse",
            "_by_monomial", "_evaluate_per_pixel")


def gil_free_share(profile) -> float:
    """Share of the tiles' time spent inside the GIL-free kernels: at most 1 / (1 - share)
    threads can trace at once before the rest (numpy, Python) waits for the GIL."""
    import pstats

    stats = pstats.Stats(profile).stats
    free = sum(entry[2] for (_, _, name), entry in stats.items() if name in GIL_FREE)
    tiles = sum(entry[3] for (_, _, name), entry in stats.items() if name == "trace_tile")
    return free / tiles


def unmix_city(args, mockup, elements, grid, geometry, skyl, image_path) -> dict:
    """Unmix the simulated image: the trace tiled with halos (another seed), stitched, then
    US-DART on the whole grid -> seconds (per km2, divided by the caller) and the
    polynomials' size."""
    import dask
    import numpy as np

    from unmix3d.core.raster_io import read_raster
    from unmix3d.core.simulate import batches_for
    from unmix3d.core.tiling import trace_tiled
    from unmix3d.core.unmix.pipeline import UnmixParameters, unmix

    image = read_raster(image_path).data
    valid = np.isfinite(image).all(axis=0)
    start = time.perf_counter()
    with dask.config.set(num_workers=int(args.workers)):
        traced = trace_tiled(mockup, elements, grid, geometry, args.tile,
                             samples=args.samples, seed=2, batches=batches_for(args.samples))
    traced_seconds = time.perf_counter() - start
    start = time.perf_counter()
    unmix(traced, image, valid, list(args.bands), skyl, UnmixParameters(iterations=2))
    return {"unmix_trace_seconds_per_km2": round(traced_seconds, 2),
            "unmix_solve_seconds_per_km2": round(time.perf_counter() - start, 2),
            "unmix_polynomials_mb": round(traced.polynomials.nbytes / 2**20, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--areas", default="1,4", help="km2, comma-separated")
    parser.add_argument("--workers", default="1,2", help="tiles at once, comma-separated")
    parser.add_argument("--area", type=float, default=1.0)
    parser.add_argument("--pixel", type=float, default=10.0)
    parser.add_argument("--tile", type=int, default=25)
    parser.add_argument("--samples", type=int, default=16)
    parser.add_argument("--leaf-size", type=float, default=1.0)
    parser.add_argument("--piece-blocks", type=int, default=12,
                        help="blocks per side of each OBJ piece of the tiled mock-up folder "
                             "(0: one OBJ loaded whole)")
    parser.add_argument("--sun-zenith", type=float, default=40.0)
    parser.add_argument("--view-zenith", type=float, default=10.0)
    parser.add_argument("--unmix", action="store_true",
                        help="also unmix the simulated image (tiled trace, whole-grid unmix)")
    parser.add_argument("--unmix-tiles", action="store_true",
                        help="also unmix the simulated image tile by tile (pixel halos)")
    parser.add_argument("--profile", action="store_true",
                        help="trace the tiles in one thread under cProfile and report the "
                             "share of their time with the GIL released")
    parser.add_argument("--scene", choices=("streets", "brussels"), default="streets",
                        help="streets: the street grid, flat, 4 bands, leaf-triangle trees; "
                             "brussels: the issue's city (trees around every block, leaf-"
                             "triangle and turbid crowns, a river, a DEM, 12 bands)")
    parser.add_argument("--trees-per-block", type=int, default=9, help="brussels scene")
    parser.add_argument("--relief", type=float, default=20.0,
                        help="brussels scene: DEM hills, metres peak to peak")
    parser.add_argument("--turbid-every", type=int, default=8,
                        help="brussels scene: one piece in N has turbid crowns (0: none)")
    parser.add_argument("--cache-triangles", type=int, default=0,
                        help="FolderSource cache (triangles; 0: its default)")
    parser.add_argument("--build-only", action="store_true",
                        help="build the mock-up folder, report its size, stop")
    parser.add_argument("--one", action="store_true", help="one run in this process")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args)))
        return
    common = ["--pixel", str(args.pixel), "--tile", str(args.tile), "--samples",
              str(args.samples), "--leaf-size", str(args.leaf_size), "--piece-blocks",
              str(args.piece_blocks), *(["--unmix"] if args.unmix else []),
              *(["--unmix-tiles"] if args.unmix_tiles else []),
              *(["--profile"] if args.profile else []),
              *(["--build-only"] if args.build_only else []), "--scene", args.scene,
              "--trees-per-block", str(args.trees_per_block), "--relief", str(args.relief),
              "--turbid-every", str(args.turbid_every), "--cache-triangles",
              str(args.cache_triangles), "--sun-zenith",
              str(args.sun_zenith), "--view-zenith", str(args.view_zenith)]
    environment = {**os.environ, "NUMBA_NUM_THREADS": "1"}
    for area in args.areas.split(","):
        for workers in args.workers.split(","):
            child = subprocess.run(
                [sys.executable, __file__, "--one", "--area", area, "--workers", workers,
                 *common], stdout=subprocess.PIPE, text=True, env=environment)
            if child.returncode:  # its stages and traceback went to stderr
                print(json.dumps({"area_km2": area, "workers": workers,
                                  "error": child.returncode}))
            else:
                print(child.stdout.strip().splitlines()[-1], flush=True)


if __name__ == "__main__":
    main()
