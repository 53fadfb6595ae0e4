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

Each (area, workers) run is a fresh child process (peak resident set = that run's own,
Linux VmHWM), with Numba limited to one thread and Dask's local threaded scheduler given
``workers`` threads, so that "workers" means tiles traced at once. Prints one JSON object
per run: triangles, build, load and simulate seconds, simulate seconds per km2, CPU / wall,
the load average, tiles, halo, mean triangles per tile, peak RSS MB. Numba compilation (or
cache loading) is done on a tiny grid first and left out of the timings.

Not measured here: 272 km2 (Brussels), retrieve tiled, a cluster.
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
        path, elements_path, extent, triangles = build_city(folder, args.area, args.leaf_size,
                                                            args.piece_blocks)
        built = time.perf_counter() - start
        build_peak = status_kib("VmHWM") / 1024
        peak_reset = reset_peak()  # later peaks: loading, simulating, unmixing only
        start = time.perf_counter()
        elements = read_element_table(elements_path)
        for band in BANDS:  # any OPs will do for timing
            for element in elements.elements:
                element.op.setdefault(band, 0.2)
        mockup = load_mockup(path) if args.piece_blocks <= 0 else path
        loaded = time.perf_counter() - start
        side = min(extent[2] - extent[0], extent[3] - extent[1])
        cols = int(side // args.pixel)
        grid = PixelGrid(extent[0], extent[1] + cols * args.pixel, args.pixel, args.pixel,
                         cols, cols)
        skyl = np.full(len(BANDS), 0.15)
        warm = PixelGrid(grid.x_min, grid.y_max, args.pixel, args.pixel, 2, 2)
        simulate_tiled(mockup, elements, warm, geometry, BANDS, skyl,
                       {"reflectance": os.path.join(folder, "warm.tif")}, tile_size=1,
                       samples=4)
        cpu = sum(os.times()[:2])
        profile = None
        if args.profile:  # one thread, each tile in this thread, under cProfile
            import cProfile

            profile = cProfile.Profile()
            profile.enable()
        with dask.config.set(num_workers=int(args.workers)):
            run = simulate_tiled(mockup, elements, grid, geometry, BANDS, skyl,
                                 {"reflectance": os.path.join(folder, "image.tif"),
                                  "fractions": os.path.join(folder, "fractions.tif")},
                                 tile_size=args.tile, samples=args.samples,
                                 scheduler="synchronous" if args.profile else None)
        cpu = sum(os.times()[:2]) - cpu
        gil_free = None
        if profile is not None:
            profile.disable()
            gil_free = round(gil_free_share(profile), 3)
        simulated_peak = status_kib("VmHWM") / 1024
        unmixed = {}
        if args.unmix:
            unmixed = unmix_city(args, mockup, elements, grid, geometry, skyl,
                                 os.path.join(folder, "image.tif"))
        elif args.unmix_tiles:
            unmixed = unmix_city_by_tiles(args, mockup, elements, grid, geometry, skyl,
                                          os.path.join(folder, "image.tif"), folder)
    km2 = (cols * args.pixel) ** 2 / 1e6
    return {
        "area_km2": round(km2, 3), "workers": int(args.workers), "pixels": cols * cols,
        "mockup": "folder" if args.piece_blocks > 0 else "one OBJ in memory",
        "samples": args.samples, "tile_pixels": args.tile, "triangles": int(triangles),
        "build_seconds": round(built, 1), "load_seconds": round(loaded, 1),
        "simulate_seconds": round(run.seconds, 1),
        "simulate_seconds_per_km2": round(run.seconds / km2, 2),
        # a folder is read inside the simulation (per tile), one OBJ before it
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


def unmix_city_by_tiles(args, mockup, elements, grid, geometry, skyl, image_path,
                        folder) -> dict:
    """Unmix the simulated image tile by tile (core.unmix.tiled: each tile traced and
    unmixed with a pixel halo of half the window, OP maps written as tiles finish)."""
    import dask
    import numpy as np

    from unmix3d.core.raster_io import read_raster
    from unmix3d.core.unmix.pipeline import UnmixParameters
    from unmix3d.core.unmix.tiled import unmix_tiled

    image = read_raster(image_path).data
    start = time.perf_counter()
    with dask.config.set(num_workers=int(args.workers)):
        unmix_tiled(mockup, elements, grid, geometry, image, np.isfinite(image).all(axis=0),
                    list(BANDS), skyl, os.path.join(folder, "maps"),
                    UnmixParameters(iterations=2), tile_size=args.tile, samples=args.samples,
                    seed=2)
    return {"unmix_by_tiles_seconds_per_km2": round(time.perf_counter() - start, 2)}


#: the Numba kernels of a tile's work that release the GIL (nogil=True)
GIL_FREE = ("trace_chunk", "_build_kernel", "_prepare", "_reorder", "_collapse",
            "_evaluate_per_pixel")


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
    unmix(traced, image, valid, list(BANDS), skyl, UnmixParameters(iterations=2))
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
    parser.add_argument("--one", action="store_true", help="one run in this process")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args)))
        return
    common = ["--pixel", str(args.pixel), "--tile", str(args.tile), "--samples",
              str(args.samples), "--leaf-size", str(args.leaf_size), "--piece-blocks",
              str(args.piece_blocks), *(["--unmix"] if args.unmix else []),
              *(["--unmix-tiles"] if args.unmix_tiles else []),
              *(["--profile"] if args.profile else []), "--sun-zenith",
              str(args.sun_zenith), "--view-zenith", str(args.view_zenith)]
    environment = {**os.environ, "NUMBA_NUM_THREADS": "1"}
    for area in args.areas.split(","):
        for workers in args.workers.split(","):
            child = subprocess.run(
                [sys.executable, __file__, "--one", "--area", area, "--workers", workers,
                 *common], capture_output=True, text=True, env=environment)
            if child.returncode:
                print(json.dumps({"area_km2": area, "workers": workers,
                                  "error": child.stderr[-2000:]}))
            else:
                print(child.stdout.strip().splitlines()[-1], flush=True)


if __name__ == "__main__":
    main()
